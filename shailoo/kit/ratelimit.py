"""A per-client rate limit (fixed one-minute windows), in memory, for public endpoints."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MAX_CLIENTS = 100_000


@dataclass
class RateLimiter:
    """Allow each client at most ``per_minute`` requests per minute window."""

    per_minute: int
    _window: int = -1
    _counts: dict[str, int] = field(default_factory=dict)

    def check(self, client: str, now: float) -> float | None:
        """Count a request; return None when allowed, else seconds until it would be."""
        window = math.floor(now / 60)
        if window != self._window or len(self._counts) > MAX_CLIENTS:
            self._window, self._counts = window, {}
        used = self._counts.get(client, 0)
        if used >= self.per_minute:
            return (window + 1) * 60 - now
        self._counts[client] = used + 1
        return None
