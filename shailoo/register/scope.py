"""The caller's territory, as the set of stations whose voters it may see."""

from __future__ import annotations

from dataclasses import dataclass

from shailoo.errors import Forbidden


@dataclass(frozen=True)
class VoterScope:
    """The stations whose voters a caller may see (None: every station, for the CEC)."""

    stations: frozenset[str] | None

    def covers(self, station: str | None) -> bool:
        """True when the caller may see voters of ``station``."""
        return self.stations is None or (station is not None and station in self.stations)

    def require(self, station: str) -> None:
        """Refuse a station outside the caller's territory."""
        if not self.covers(station):
            raise Forbidden("register.out_of_scope",
                            f"station {station} is outside your territory")


NATIONWIDE = VoterScope(None)
