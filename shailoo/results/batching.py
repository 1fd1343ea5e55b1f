"""Group commit for protocols arriving over the API: concurrent requests are taken in
together, in one transaction, by one writer per process, so a burst of uploads costs one
commit per group instead of one per protocol. Each request still gets its own answer."""

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
            except Exception as exc:  # the whole group failed: every request hears why
                for item in group:
                    if not item.future.done():
                        item.future.set_exception(exc)
                continue
            for item, answer in zip(group, answers, strict=True):
                if not item.future.done():
                    item.future.set_result(answer)

    def _write(self, group: list[_Pending]) -> list[SubmitOutcome | ShailooError]:
        items = [(g.protocol, g.actor) for g in group]
        with session_scope(self.session_factory) as session:
            # where writers take turns, what needs no lock is done before this one's turn
            checked = service.precheck(session, items) if writers_take_turns(session) else None
            return service.submit_batch(session, items, self.ballots, checked)
