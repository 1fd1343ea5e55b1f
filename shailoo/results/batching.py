"""Group commit for protocols arriving over the API: concurrent requests are taken in
together, in one transaction, by one writer per process, so a burst of uploads costs one
commit per group instead of one per protocol. Each request still gets its own answer; when
a group's transaction fails (a database error), its uploads are written again one by one, so
one bad upload costs only its own request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shailoo.db import session_scope, writers_take_turns
from shailoo.errors import ShailooError
from shailoo.results import service
from shailoo.results.schemas import ProtocolIn, SubmitOutcome

MAX_BATCH = 500


@dataclass
class _Pending:
    protocol: ProtocolIn
    actor: str | None
    future: asyncio.Future[SubmitOutcome | ShailooError] = field(repr=False)


class ProtocolBatcher:
    """Collects protocols while the previous group is being written, then writes them."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory
        self.pending: list[_Pending] = []
        self.writer: asyncio.Task[None] | None = None
        # ballot codes of the contests seen (set once, never changed: see ingest.Engine)
        self.ballots: dict[int, list[str]] = {}

    async def submit(self, protocol: ProtocolIn, actor: str | None) -> SubmitOutcome:
        """Queue a protocol (``actor`` None: a device, verified by signature) and wait for
        its outcome; a refusal is raised as its ShailooError."""
        future: asyncio.Future[SubmitOutcome | ShailooError] = (
            asyncio.get_running_loop().create_future())
        self.pending.append(_Pending(protocol, actor, future))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._drain())
        answer = await future
        if isinstance(answer, ShailooError):
            raise answer
        return answer

    async def _drain(self) -> None:
        while self.pending:
            group, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            try:
                answers = await run_in_threadpool(self._write, group)
            except Exception as exc:
                if len(group) == 1:
                    _settle(group[0], exc)
                else:  # the group's transaction failed and wrote nothing: one upload must
                    await self._one_by_one(group)  # not cost the others theirs
                continue
            for item, answer in zip(group, answers, strict=True):
                _settle(item, answer)

    async def _one_by_one(self, group: list[_Pending]) -> None:
        """Write each upload of a failed group in a transaction of its own."""
        for item in group:
            try:
                (answer,) = await run_in_threadpool(self._write, [item])
            except Exception as exc:  # this one fails alone: its request hears why
                _settle(item, exc)
                continue
            _settle(item, answer)

    def _write(self, group: list[_Pending]) -> list[SubmitOutcome | ShailooError]:
        items = [(g.protocol, g.actor) for g in group]
        with session_scope(self.session_factory) as session:
            # where writers take turns, what needs no lock is done before this one's turn
            checked = service.precheck(session, items) if writers_take_turns(session) else None
            return service.submit_batch(session, items, self.ballots, checked)


def _settle(item: _Pending, answer: SubmitOutcome | ShailooError | Exception) -> None:
    """Give a waiting request its answer (an exception other than a refusal is raised)."""
    if item.future.done():
        return
    if isinstance(answer, Exception) and not isinstance(answer, ShailooError):
        item.future.set_exception(answer)
    else:
        item.future.set_result(answer)
