"""The API's group commit: one failing upload does not fail the others of its group."""

from __future__ import annotations

import asyncio

import pytest

from shailoo.results.batching import ProtocolBatcher
from shailoo.results.rules import ProtocolStatus
from shailoo.results.schemas import SubmitOutcome
from tests.results.conftest import protocol


def _outcome(station: str) -> SubmitOutcome:
    return SubmitOutcome(protocol_id=int(station), version=1, status=ProtocolStatus.ACCEPTED,
                         duplicate=False, failed_checks=[], message="accepted and counted")


def test_a_database_error_in_a_group_costs_only_its_own_upload(monkeypatch):
    writes: list[list[str]] = []

    def write(self, group):
        stations = [g.protocol.station for g in group]
        writes.append(stations)
        if "2001" in stations:
            raise RuntimeError("the database refused the group")
        return [_outcome(s) for s in stations]

    monkeypatch.setattr(ProtocolBatcher, "_write", write)

    async def send_three() -> list[object]:
        batcher = ProtocolBatcher(lambda: None)  # type: ignore[arg-type,return-value]
        uploads = [protocol(1, station=s) for s in ("1001", "2001", "1002")]
        return await asyncio.gather(*(batcher.submit(p, "user:pec") for p in uploads),
                                    return_exceptions=True)

    first, bad, last = asyncio.run(send_three())
    assert writes[0] == ["1001", "2001", "1002"]  # together first
    assert writes[1:] == [["1001"], ["2001"], ["1002"]]  # then each alone
    assert isinstance(first, SubmitOutcome) and first.protocol_id == 1001
    assert isinstance(last, SubmitOutcome) and last.protocol_id == 1002
    assert isinstance(bad, RuntimeError)


def test_an_upload_failing_alone_hears_why(monkeypatch):
    def write(self, group):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(ProtocolBatcher, "_write", write)
    batcher = ProtocolBatcher(lambda: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(RuntimeError, match="gone"):
        asyncio.run(batcher.submit(protocol(1), "user:pec"))
