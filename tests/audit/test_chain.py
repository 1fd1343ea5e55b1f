"""The hash chain as pure functions: intact chains verify, every kind of tampering is named."""

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shailoo.audit.chain import (
    GENESIS_HASH,
    ChainEntry,
    ChainFault,
    change_digest,
    record_hash,
    verify_chain,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def build_chain(changes: list[dict]) -> list[ChainEntry]:
    entries = []
    prev = GENESIS_HASH
    for i, change in enumerate(changes, start=1):
        at = T0 + timedelta(seconds=i)
        cd = change_digest(change)
        h = record_hash(prev, i, at, f"user:u{i}", "test.action", "thing", str(i), cd)
        entries.append(ChainEntry(i, at, f"user:u{i}", "test.action", "thing", str(i), change,
                                  cd, prev, h))
        prev = h
    return entries


def check(entries):
    head_seq = entries[-1].seq if entries else 0
    head_hash = entries[-1].record_hash if entries else GENESIS_HASH
    return verify_chain(entries, head_seq, head_hash)


changes_st = st.lists(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5),
                                      max_size=3), min_size=1, max_size=12)


def test_empty_chain_is_intact():
    assert verify_chain([], 0, GENESIS_HASH) == (0, None)


def test_record_hash_covers_every_field():
    base = ("p" * 64, 1, T0, "a", "act", "t", "1", "d" * 64)
    h = record_hash(*base)
    for i, other in enumerate(("q" * 64, 2, T0 + timedelta(microseconds=1), "b", "x", "u", "2",
                               "e" * 64)):
        changed = list(base)
        changed[i] = other
        assert record_hash(*changed) != h, f"field {i} is not covered"
    assert len(h) == 64
    assert record_hash(*base) == h


def test_change_digest_ignores_key_order():
    assert change_digest({"a": 1, "b": [1, 2]}) == change_digest({"b": [1, 2], "a": 1})
    assert change_digest({"a": 1}) != change_digest({"a": 2})


@given(changes_st)
def test_an_honest_chain_verifies(changes):
    entries = build_chain(changes)
    assert check(entries) == (len(entries), None)


@given(changes_st, st.data())
def test_altering_a_field_names_that_record(changes, data):
    entries = build_chain(changes)
    i = data.draw(st.integers(0, len(entries) - 1))
    field, value = data.draw(st.sampled_from([
        ("actor", "user:mallory"), ("action", "forged"), ("object_id", "999"),
        ("at", T0 - timedelta(days=1)), ("change", {"forged": True})]))
    entries[i] = dataclasses.replace(entries[i], **{field: value})
    checked, fault = check(entries)
    assert fault is not None
    assert (fault.seq, fault.kind) == (i + 1, "altered")
    assert checked == i + 1


@given(changes_st, st.data())
def test_deleting_a_record_names_the_missing_seq(changes, data):
    entries = build_chain(changes)
    i = data.draw(st.integers(0, len(entries) - 1))
    head_seq, head_hash = entries[-1].seq, entries[-1].record_hash
    del entries[i]
    _, fault = verify_chain(entries, head_seq, head_hash)
    assert fault is not None
    assert (fault.seq, fault.kind) == (i + 1, "deleted")


def test_deleting_a_middle_record_detail():
    entries = build_chain([{"n": n} for n in range(5)])
    del entries[1:3]
    _, fault = verify_chain(entries, 5, entries[-1].record_hash)
    assert fault == ChainFault(2, "deleted", "records 2..3 are missing before record 4")
    assert str(fault) == "audit record 2: deleted: records 2..3 are missing before record 4"


def test_deleting_the_last_record_is_seen_from_the_head():
    entries = build_chain([{"n": n} for n in range(4)])
    head = entries[-1]
    _, fault = verify_chain(entries[:-1], head.seq, head.record_hash)
    assert fault == ChainFault(4, "deleted", "the chain head says 4 records, found 3")


def test_a_record_appended_outside_the_log_is_inserted():
    entries = build_chain([{"n": n} for n in range(4)])
    head = entries[-1]
    forged = build_chain([{"n": n} for n in range(4)] + [{"forged": 1}])[-1]
    _, fault = verify_chain([*entries, forged], head.seq, head.record_hash)
    assert fault == ChainFault(5, "inserted", "records after 4 were added outside the log")


def test_a_record_that_does_not_link_names_the_record_before_it():
    entries = build_chain([{"n": n} for n in range(4)])
    # a self-consistent record 3 that points at the wrong predecessor: either record 2 was
    # rewritten (hash recomputed) or record 3 was replaced; record 2 is the first suspect
    bad = entries[2]
    h = record_hash("f" * 64, bad.seq, bad.at, bad.actor, bad.action, bad.object_type,
                    bad.object_id, bad.change_digest)
    entries[2] = dataclasses.replace(bad, prev_hash="f" * 64, record_hash=h)
    _, fault = check(entries)
    assert (fault.seq, fault.kind) == (2, "altered")
    assert "record 3" in fault.detail


def test_a_record_rewritten_with_a_recomputed_hash_is_named():
    entries = build_chain([{"n": n} for n in range(4)])
    old = entries[1]
    change = {"n": 999}
    digest = change_digest(change)
    rehashed = record_hash(old.prev_hash, old.seq, old.at, old.actor, old.action,
                           old.object_type, old.object_id, digest)
    entries[1] = dataclasses.replace(old, change=change, change_digest=digest,
                                     record_hash=rehashed)
    _, fault = check(entries)
    assert (fault.seq, fault.kind) == (2, "altered")


def test_a_head_that_does_not_match_is_altered():
    entries = build_chain([{"n": n} for n in range(3)])
    _, fault = verify_chain(entries, 3, "0" * 63 + "1")
    assert fault == ChainFault(3, "altered", "the chain head hash does not match")


def test_a_changed_change_digest_is_altered():
    entries = build_chain([{"n": n} for n in range(3)])
    entries[1] = dataclasses.replace(entries[1], change_digest="0" * 64)
    _, fault = check(entries)
    assert fault == ChainFault(2, "altered", "its change does not match its digest")
