"""Who works the devices: operators and their certification flag, the operator on duty
(identification uploads refused without a certified one), replayed events refused, every
refused upload audited in its own transaction with nothing of the batch stored, and the
election's polling-day settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shailoo.audit import service as audit
from shailoo.audit.models import AuditRecord
from shailoo.db import make_engine, make_session_factory
from shailoo.errors import Forbidden, InvalidInput, NotFound
from shailoo.kit.clock import utcnow
from shailoo.polling import identification, service
from shailoo.polling.models import (
    BallotIssue,
    Device,
    IdentificationEvent,
    Operator,
    PollingIncident,
)
from shailoo.polling.rules import PollingConfig
from shailoo.polling.signing import sign
from tests.polling.factories import ACTOR, KEYS, ROWS, batch, open_polling, setup_country
from tests.register.factories import make_register_country

PIN = ROWS[0]["pin"]  # listed at 1001


def stored(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def refusals(session) -> list[AuditRecord]:
    session.expire_all()
    return list(session.execute(select(AuditRecord).where(
        AuditRecord.action == "polling.upload_refused").order_by(AuditRecord.seq)).scalars())


# --- operators --------------------------------------------------------------------------


def test_an_operator_is_saved_and_changed_with_the_change_audited(session):
    make_register_country(session)
    today = utcnow().date()
    out = service.save_operator(session, ACTOR, "op-7", "  Турдубаева Айгүл ", True,
                                today + timedelta(days=30))
    assert out == {"id": "op-7", "full_name": "Турдубаева Айгүл", "certified": True,
                   "certified_until": (today + timedelta(days=30)).isoformat(), "pin": None}
    service.save_operator(session, ACTOR, "op-7", "Турдубаева Айгүл", True, None)
    row = session.get(Operator, "op-7")
    assert (row.certified, row.certified_until) == (True, None)
    [last] = audit.list_records(session, 1)
    assert (last.action, last.object_id) == ("polling.operator_saved", "op-7")
    assert last.change["before"] == {"certified": True,
                                     "certified_until": (today + timedelta(days=30)).isoformat()}
    assert last.change["taken_off_duty"] == []


def test_an_operator_needs_a_name(session):
    make_register_country(session)
    records = audit.count_records(session)
    with pytest.raises(InvalidInput) as exc:
        service.save_operator(session, ACTOR, "op-7", "   ", True)
    assert exc.value.code == "polling.bad_operator"
    assert session.get(Operator, "op-7") is None and audit.count_records(session) == records


def test_only_an_operator_certified_today_is_put_on_duty(session):
    setup_country(session)
    yesterday = utcnow().date() - timedelta(days=1)
    service.save_operator(session, ACTOR, "op-2", "Бекова Нуриза", False)
    service.save_operator(session, ACTOR, "op-3", "Осмонов Эрлан", True, yesterday)
    service.save_operator(session, ACTOR, "op-4", "Сыдыков Канат", True, utcnow().date())
    for operator in ("op-2", "op-3"):
        with pytest.raises(Forbidden) as exc:
            service.put_on_duty(session, ACTOR, "id-1002", operator)
        assert exc.value.code == "polling.operator_not_certified"
    assert session.get(Device, "id-1002").operator_id == "op-1"
    with pytest.raises(NotFound) as missing:
        service.put_on_duty(session, ACTOR, "id-1002", "op-404")
    assert missing.value.code == "polling.operator_not_found"
    with pytest.raises(NotFound) as no_device:
        service.put_on_duty(session, ACTOR, "id-404", "op-4")
    assert no_device.value.code == "polling.device_not_found"
    service.put_on_duty(session, ACTOR, "id-1002", "op-4")  # certified until today: holds
    device = session.get(Device, "id-1002")
    assert device.operator_id == "op-4" and device.on_duty_since is not None
    [last] = audit.list_records(session, 1)
    assert (last.action, last.object_id, last.change) == (
        "polling.operator_on_duty", "id-1002",
        {"operator": "op-4", "previous": "op-1", "station": "1002"})
    service.put_on_duty(session, ACTOR, "id-1002", None)
    assert (device.operator_id, device.on_duty_since) == (None, None)


def test_no_one_is_put_on_duty_at_a_revoked_device(session):
    setup_country(session)
    service.save_operator(session, ACTOR, "op-4", "Сыдыков Канат", True, utcnow().date())
    service.revoke_device(session, ACTOR, "id-1002", "stolen")
    records = audit.count_records(session)
    with pytest.raises(Forbidden) as exc:
        service.put_on_duty(session, ACTOR, "id-1002", "op-4")
    assert exc.value.code == "polling.device_revoked"
    assert session.get(Device, "id-1002").operator_id == "op-1"  # unchanged, nothing audited
    assert audit.count_records(session) == records
    service.put_on_duty(session, ACTOR, "id-1002", None)  # taking someone off still works
    assert session.get(Device, "id-1002").operator_id is None


def test_withdrawing_a_certification_takes_the_operator_off_duty_everywhere(session):
    setup_country(session)
    service.save_operator(session, ACTOR, "op-2", "Бекова Нуриза", True)
    service.put_on_duty(session, ACTOR, "id-1002", "op-2")
    service.save_operator(session, ACTOR, "op-1", "Асанов Бакыт", False)
    on_duty = dict(session.execute(select(Device.id, Device.operator_id)).all())
    assert on_duty == {"id-1001-a": None, "id-1001-b": None, "id-1002": "op-2"}
    last = audit.list_records(session, 1)[0]
    assert sorted(last.change["taken_off_duty"]) == ["id-1001-a", "id-1001-b"]
    # a certification that ran out yesterday takes them off as well
    service.save_operator(session, ACTOR, "op-2", "Бекова Нуриза", True,
                          utcnow().date() - timedelta(days=1))
    assert session.get(Device, "id-1002").operator_id is None


def test_device_keys_tell_whether_the_operator_on_duty_is_certified(session):
    setup_country(session)
    assert service.device_keys(session, []) == {}
    keys = service.device_keys(session, ["id-1001-a", "id-1002", "id-404"])
    assert sorted(keys) == ["id-1001-a", "id-1002"]
    assert (keys["id-1001-a"].operator_id, keys["id-1001-a"].operator_certified) == (
        "op-1", True)
    service.put_on_duty(session, ACTOR, "id-1002", None)
    # certification lapses without anyone taking the operator off (only time passed)
    session.get(Operator, "op-1").certified_until = utcnow().date() - timedelta(days=1)
    session.flush()
    keys = service.device_keys(session, ["id-1001-a", "id-1002"])
    assert (keys["id-1001-a"].operator_id, keys["id-1001-a"].operator_certified) == (
        "op-1", False)
    assert (keys["id-1002"].operator_id, keys["id-1002"].operator_certified) == (None, False)


def test_verify_upload_asks_for_an_operator_only_when_told(session):
    setup_country(session)
    service.put_on_duty(session, ACTOR, "id-1002", None)
    doc = {"station": "1002"}
    signature = sign(KEYS["id-1002"], doc)
    assert service.verify_upload(session, "id-1002", "identification", "1002", doc,
                                 signature).operator_id is None
    with pytest.raises(Forbidden) as exc:
        service.verify_upload(session, "id-1002", "identification", "1002", doc, signature,
                              operator_needed=True)
    assert exc.value.code == "polling.no_operator_on_duty"
    # the signature is checked first: a forged upload is named as such
    with pytest.raises(Forbidden) as forged:
        service.verify_upload(session, "id-1002", "identification", "1002", doc,
                              sign(KEYS["id-1001-a"], doc), operator_needed=True)
    assert forged.value.code == "polling.bad_signature"


# --- identification uploads: operator, replays, refusals audited ------------------------


def test_events_store_the_operator_on_duty(session):
    election = setup_country(session)
    service.save_operator(session, ACTOR, "op-2", "Бекова Нуриза", True)
    identification.record_batch(session, batch(election, "id-1001-a", [("ev-00000001", PIN)]))
    service.put_on_duty(session, ACTOR, "id-1001-a", "op-2")
    identification.record_batch(session, batch(election, "id-1001-a",
                                               [("ev-00000002", ROWS[3]["pin"])]))
    operators = dict(session.execute(select(IdentificationEvent.event_id,
                                            IdentificationEvent.operator_id)).all())
    assert operators == {"ev-00000001": "op-1", "ev-00000002": "op-2"}


@pytest.mark.parametrize("how", ["nobody", "withdrawn", "lapsed"])
def test_a_device_without_a_certified_operator_is_refused_and_audited(session, how):
    election = setup_country(session)
    if how == "nobody":
        service.put_on_duty(session, ACTOR, "id-1001-a", None)
    elif how == "withdrawn":
        service.save_operator(session, ACTOR, "op-1", "Асанов Бакыт", False)
    else:
        session.get(Operator, "op-1").certified_until = utcnow().date() - timedelta(days=1)
        session.flush()
    upload = batch(election, "id-1001-a", [("ev-00000001", PIN), ("ev-00000002", PIN)])
    with pytest.raises(Forbidden) as exc:
        identification.record_batch(session, upload)
    assert exc.value.code == "polling.no_operator_on_duty"
    assert (stored(session, IdentificationEvent), stored(session, BallotIssue)) == (0, 0)
    [record] = refusals(session)
    assert (record.actor, record.object_type, record.object_id) == (
        "device:id-1001-a", "device", "id-1001-a")
    assert record.change["code"] == "polling.no_operator_on_duty"
    assert (record.change["station"], record.change["election_id"],
            record.change["events"]) == ("1001", election, 2)
    assert len(record.change["batch"]) == 64
    assert audit.verify(session).fault is None


@pytest.mark.parametrize(("device", "change", "code"), [
    ("id-404", {}, "polling.unknown_device"),
    ("id-1002", {"revoke": True}, "polling.device_revoked"),
    ("id-1001-a", {"key": "id-1002"}, "polling.bad_signature"),
    ("id-1002", {"station": "1001"}, "polling.station_mismatch"),
])
def test_every_refused_upload_is_audited_and_stores_nothing(session, device, change, code):
    election = setup_country(session)
    if change.get("revoke"):
        service.revoke_device(session, ACTOR, device, "stolen")
    upload = batch(election, device, [("ev-00000001", PIN)], station=change.get("station"),
                   key=KEYS[change.get("key", "id-1002")])
    with pytest.raises(Forbidden) as exc:
        identification.record_batch(session, upload)
    assert exc.value.code == code
    assert (stored(session, IdentificationEvent), stored(session, BallotIssue)) == (0, 0)
    [record] = refusals(session)
    assert (record.object_id, record.change["code"], record.change["station"]) == (
        device, code, upload.station)


def test_a_replayed_event_id_is_refused_and_nothing_of_its_batch_is_stored(session):
    election = setup_country(session)
    first = identification.record_batch(session, batch(election, "id-1001-a",
                                                       [("ev-00000001", PIN)]))
    assert first[0].answer == "issue_ballot"
    for device, pin in [("id-1001-a", ROWS[3]["pin"]),  # another voter
                        ("id-1001-b", PIN),  # another device
                        ("id-1002", PIN)]:  # another station
        with pytest.raises(Forbidden) as exc:
            identification.record_batch(session, batch(election, device, [
                ("ev-00000009", ROWS[3]["pin"]), ("ev-00000001", pin)]))
        assert exc.value.code == "polling.replayed_event"
        assert exc.value.details["event_id"] == "ev-00000001"
    assert stored(session, IdentificationEvent) == 1  # ev-00000009 was not stored either
    assert stored(session, PollingIncident) == 0
    assert [r.change["code"] for r in refusals(session)] == ["polling.replayed_event"] * 3
    # the same batch sent again is no replay
    again = identification.record_batch(session, batch(election, "id-1001-a",
                                                       [("ev-00000001", PIN)]))
    assert (again[0].answer, again[0].repeated) == ("issue_ballot", True)


def test_an_event_id_twice_in_one_batch_for_two_voters_is_a_replay(session):
    election = setup_country(session)
    with pytest.raises(Forbidden) as exc:
        identification.record_batch(session, batch(election, "id-1001-a", [
            ("ev-00000001", PIN), ("ev-00000001", ROWS[3]["pin"])]))
    assert exc.value.code == "polling.replayed_event"
    assert stored(session, IdentificationEvent) == 0


def test_an_event_id_of_another_election_is_a_replay(session):
    from tests.factories import make_election

    election = setup_country(session)
    other = make_election(session, code="parliament-2027-b").id
    open_polling(session, other)
    identification.record_batch(session, batch(election, "id-1001-a", [("ev-00000001", PIN)]))
    with pytest.raises(Forbidden) as exc:
        identification.record_batch(session, batch(other, "id-1001-a",
                                                   [("ev-00000001", PIN)]))
    assert exc.value.code == "polling.replayed_event"


def test_a_refusal_is_committed_on_its_own(fresh_database_url):
    """With real transactions: the refused batch is rolled back, its audit record stays."""
    factory = make_session_factory(make_engine(fresh_database_url))
    with factory() as setup:
        election = setup_country(setup)
        service.put_on_duty(setup, ACTOR, "id-1001-a", None)
    with factory() as session, pytest.raises(Forbidden):
        identification.record_batch(session, batch(election, "id-1001-a",
                                                   [("ev-00000001", PIN)]))
    with factory() as check:
        assert [r.change["code"] for r in refusals(check)] == ["polling.no_operator_on_duty"]
        assert stored(check, IdentificationEvent) == stored(check, BallotIssue) == 0
        assert audit.verify(check).fault is None


# --- polling-day settings ---------------------------------------------------------------


def test_settings_are_the_defaults_until_set_and_set_settings_are_audited(session):
    election = make_register_country(session)
    assert service.polling_config(session, election) == PollingConfig()
    config = service.set_polling_config(session, ACTOR, election, {
        "jump_limit": 0.1, "country_timezones": {"ru": "Europe/Moscow"}})
    assert config.jump_limit == 0.1 and config.opens == "08:00"
    assert service.polling_config(session, election) == config
    [last] = audit.list_records(session, 1)
    assert (last.action, last.object_id, last.change) == (
        "polling.settings_set", str(election), config.to_dict())
    # setting again starts from the defaults, not from what was set
    assert service.set_polling_config(session, ACTOR, election, {}) == PollingConfig()


def test_bad_settings_and_unknown_elections_change_nothing(session):
    election = make_register_country(session)
    records = audit.count_records(session)
    with pytest.raises(InvalidInput) as exc:
        service.set_polling_config(session, ACTOR, election, {"closes": "25:00"})
    assert exc.value.code == "polling.bad_settings" and "closes" in exc.value.message
    with pytest.raises(NotFound):
        service.set_polling_config(session, ACTOR, election + 1000, {})
    assert audit.count_records(session) == records
    assert service.polling_config(session, election) == PollingConfig()

