"""Pushing "results changed" to open pages (server-sent events), one database look per
election per quarter second whatever the number of viewers in this process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shailoo.results import service

POLL_SECONDS = 0.1
KEEPALIVE_SECONDS = 15.0


class RevisionWatcher:
    """Caches each election's results revision for POLL_SECONDS."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory
        self.cache: dict[int, tuple[float, int]] = {}
        self.lock = asyncio.Lock()

    def _read(self, election_id: int) -> int:
        with self.session_factory() as session:
            return service.revision(session, election_id)

    async def revision(self, election_id: int) -> int:
        """The election's current revision, at most POLL_SECONDS old."""
        async with self.lock:
            checked = self.cache.get(election_id)
            now = time.monotonic()
            if checked is None or now - checked[0] >= POLL_SECONDS:
                value = await run_in_threadpool(self._read, election_id)
                self.cache[election_id] = (now, value)
                return value
            return checked[1]


async def event_stream(watcher: RevisionWatcher, election_id: int,
                       disconnected: Callable[[], object]) -> AsyncIterator[str]:
    """SSE: a `ready` event, then a `results` event each time the revision changes."""
    last = await watcher.revision(election_id)
    yield f"event: ready\ndata: {last}\n\n"
    quiet = 0.0
    while not await disconnected():  # type: ignore[misc]
        await asyncio.sleep(POLL_SECONDS)
        current = await watcher.revision(election_id)
        if current != last:
            last = current
            quiet = 0.0
            yield f"event: results\ndata: {current}\n\n"
        else:
            quiet += POLL_SECONDS
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield ": keepalive\n\n"
