"""Protocol ingestion: idempotent, versioned, checked, counted at every level."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shailoo.audit import service as audit
from shailoo.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from shailoo.polling.signing import sign
from shailoo.results import service
from shailoo.results.rules import ProtocolStatus, Source
from shailoo.results.schemas import ProtocolIn
from tests.results.conftest import protocol


def totals(session, contest, source=Source.MANUAL, level="contest"):
    return service.public_totals(session, contest, source, level)


def test_an_accepted_protocol_is_counted_at_every_level(session, counting):
    outcome = service.submit(session, "user:pec", protocol(counting.list_contest))
    assert (outcome.status, outcome.version, outcome.duplicate) == (
        ProtocolStatus.ACCEPTED, 1, False)
    nation = totals(session, counting.list_contest)["*"]
    assert nation["choice:ala"] == 400 and nation["stations_reporting"] == 1
    assert nation["line:ballots_invalid"] == 10
    assert totals(session, counting.list_contest, level="region")["KG-GB"]["choice:jan"] == 200
    assert totals(session, counting.list_contest, level="tec")["GB01"]["choice:against"] == 50
    assert totals(session, counting.list_contest, Source.SCANNER) == {}


def test_the_same_content_twice_is_counted_once(session, counting):
    first = service.submit(session, "user:pec", protocol(counting.list_contest))
    records = audit.count_records(session)
    again = service.submit(session, "user:pec", protocol(counting.list_contest))
    assert again.duplicate is True and again.protocol_id == first.protocol_id
    assert "already received" in again.message
    assert totals(session, counting.list_contest)["*"]["choice:ala"] == 400
    assert audit.count_records(session) == records


def test_a_correction_needs_a_reason_and_replaces_the_count(session, counting):
    service.submit(session, "user:pec", protocol(counting.list_contest))
    with pytest.raises(Conflict) as exc:
        service.submit(session, "user:pec", protocol(counting.list_contest,
                                                     votes=(390, 310, 200, 50)))
    assert exc.value.code == "results.correction_needs_reason"
    fixed = service.submit(session, "user:pec", protocol(
        counting.list_contest, votes=(390, 310, 200, 50), correction_reason="recount"))
    assert fixed.version == 2 and fixed.status is ProtocolStatus.ACCEPTED
    nation = totals(session, counting.list_contest)["*"]
    assert (nation["choice:ala"], nation["choice:ynt"], nation["stations_reporting"]) == (
        390, 310, 1)
    history = service.protocol_history(session, fixed.protocol_id - 1)
    assert [h["to"] for h in history] == ["accepted", "superseded"]


def test_a_failing_protocol_is_quarantined_not_counted_then_accepted(session, counting):
    bad = protocol(counting.list_contest, invalid=10)
    lines = dict(bad.lines) | {"ballots_invalid": 15}  # votes + invalid != found
    outcome = service.submit(session, "user:pec", bad.model_copy(update={"lines": lines}))
    assert outcome.status is ProtocolStatus.QUARANTINED
    assert [c["id"] for c in outcome.failed_checks] == ["votes_plus_invalid_equal_found"]
    assert totals(session, counting.list_contest) == {}
    queue = service.quarantine_queue(session, counting.election_id, {"GB01"})
    assert [p.id for p in queue] == [outcome.protocol_id]
    assert service.quarantine_queue(session, counting.election_id, {"C07"}) == []
    accepted = service.accept_quarantined(session, "user:tec", outcome.protocol_id,
                                          "the commission's copy confirms the figures")
    assert accepted.status is ProtocolStatus.ACCEPTED
    assert totals(session, counting.list_contest)["*"]["line:ballots_invalid"] == 15
    assert service.quarantine_queue(session, counting.election_id, None) == []
    with pytest.raises(RuleViolation):
        service.accept_quarantined(session, "user:tec", outcome.protocol_id, "again")


def test_plausibility_check_quarantines_turnout_above_the_limit(session, counting):
    votes = (700, 400, 300, 60)
    p = protocol(counting.list_contest, votes=votes, invalid=10)
    outcome = service.submit(session, "user:pec", p)  # 1470 of 1520 = 96.7 %
    assert outcome.status is ProtocolStatus.QUARANTINED
    assert [c["id"] for c in outcome.failed_checks] == ["turnout_not_above_limit"]


def test_scanner_protocol_must_be_signed_by_the_station_device(session, counting):
    unsigned = protocol(counting.list_contest, source="scanner", device_id="abb-1001")
    with pytest.raises(Forbidden) as exc:
        service.submit_from_device(session, unsigned)
    assert exc.value.code == "results.signature_required"
    signed = unsigned.model_copy(update={
        "signature": sign(counting.scanner_key, unsigned.document())})
    outcome = service.submit_from_device(session, signed)
    assert outcome.status is ProtocolStatus.ACCEPTED
    assert totals(session, counting.list_contest, Source.SCANNER)["*"]["choice:ala"] == 400
    tampered = protocol(counting.list_contest, source="scanner", device_id="abb-1001",
                        votes=(500, 200, 200, 50), correction_reason="x")
    tampered = tampered.model_copy(update={"signature": signed.signature})
    with pytest.raises(Forbidden) as exc:
        service.submit_from_device(session, tampered)
    assert exc.value.code == "polling.bad_signature"
    elsewhere = protocol(counting.list_contest, station="1002", source="scanner",
                         device_id="abb-1001")
    elsewhere = elsewhere.model_copy(update={
        "signature": sign(counting.scanner_key, elsewhere.document())})
    with pytest.raises(Forbidden) as exc:
        service.submit_from_device(session, elsewhere)
    assert exc.value.code == "polling.station_mismatch"


@pytest.mark.parametrize(("change", "error", "code"), [
    ({"station": "7777"}, Exception, "geography.station_not_found"),
    ({"station": "2001"}, RuleViolation, "results.station_not_in_contest"),
    ({"votes": {"ala": 1, "ynt": 1, "jan": 1, "against": 1, "zzz": 1}}, InvalidInput,
     "results.unknown_choice"),
    ({"votes": {"ala": 1, "ynt": 1, "jan": 1}}, InvalidInput, "results.missing_choice"),
])
def test_refusals_change_nothing(session, counting, change, error, code):
    records = audit.count_records(session)
    p = protocol(counting.district_contest).model_copy(update=change)
    with pytest.raises(error) as exc:
        service.submit(session, "user:pec", p)
    assert getattr(exc.value, "code", None) == code
    assert audit.count_records(session) == records
    assert totals(session, counting.district_contest) == {}


@pytest.mark.parametrize("votes", [
    {"ala": -1, "ynt": 1, "jan": 1, "against": 1},
    {"ala": 1.5, "ynt": 1, "jan": 1, "against": 1},
    {"ala": "7", "ynt": 1, "jan": 1, "against": 1},
])
def test_negative_or_non_integer_counts_are_refused(votes):
    with pytest.raises(ValidationError):
        ProtocolIn.model_validate({"contest_id": 1, "station": "1001", "source": "manual",
                                   "votes": votes})


def test_incremental_totals_equal_a_full_recount(session, counting):
    service.submit(session, "u", protocol(counting.list_contest, station="1001"))
    service.submit(session, "u", protocol(counting.list_contest, station="1002",
                                          votes=(100, 100, 100, 10)))
    service.submit(session, "u", protocol(counting.list_contest, station="9001",
                                          votes=(50, 60, 70, 5)))
    service.submit(session, "u", protocol(counting.list_contest, station="1002",
                                          votes=(101, 99, 100, 10), correction_reason="typo"))
    before = {lvl: totals(session, counting.list_contest, level=lvl)
              for lvl in ("contest", "region", "tec")}
    assert before["region"]["abroad"]["choice:jan"] == 70
    assert service.recompute_totals(session, "u", counting.list_contest) == 3
    after = {lvl: totals(session, counting.list_contest, level=lvl)
             for lvl in ("contest", "region", "tec")}
    assert after == before


def test_protocols_only_while_counting(session, counting):
    from shailoo.elections import service as elections
    from shailoo.elections.rules import ElectionStatus

    elections.transition(session, "t", counting.election_id, ElectionStatus.CERTIFIED, "done")
    with pytest.raises(RuleViolation) as exc:
        service.submit(session, "u", protocol(counting.list_contest))
    assert exc.value.code == "results.election_not_counting"


def test_a_batch_takes_each_protocol_on_its_own(session, counting):
    good = protocol(counting.list_contest, station="1001")
    answers = service.submit_batch(session, [
        (good, "user:pec"),
        (good, "user:pec"),  # the same again, in the same batch
        (protocol(counting.list_contest, station="7777"), "user:pec"),
        (protocol(counting.list_contest, station="1002", source="scanner"), None),
        (protocol(counting.list_contest, station="1002", source="scanner"), "user:pec"),
    ])
    first, again, unknown, unsigned, by_person = answers
    assert first.status is ProtocolStatus.ACCEPTED and not first.duplicate
    assert again.duplicate and again.protocol_id == first.protocol_id
    assert unknown.code == "geography.station_not_found"
    assert unsigned.code == "results.signature_required"
    assert by_person.code == "results.scanner_needs_device"
    assert totals(session, counting.list_contest)["*"]["stations_reporting"] == 1


def test_a_refused_scanner_upload_is_audited(session, counting):
    records = audit.count_records(session)
    forged = protocol(counting.list_contest, source="scanner", device_id="abb-1001")
    forged = forged.model_copy(update={"signature": "ab" * 64})
    with pytest.raises(Forbidden):
        service.submit_from_device(session, forged)
    assert audit.count_records(session) == records + 1
    (last,) = audit.list_records(session, limit=1)
    assert (last.action, last.object_id) == ("polling.upload_refused", "abb-1001")
    assert last.change["code"] == "polling.bad_signature"
    assert audit.verify(session).fault is None
