"""The hash chain as pure functions: how a record's hash is made and how a chain is checked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shailoo.kit.hashing import canonical_json, digest, sha256_hex

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainEntry:
    """The fields of a stored audit record that the chain covers."""

    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    change: dict[str, Any]
    change_digest: str
    prev_hash: str
    record_hash: str


@dataclass(frozen=True)
class ChainFault:
    """The first place where the chain does not hold, and what went wrong there."""

    seq: int
    kind: str  # altered | deleted | inserted
    detail: str

    def __str__(self) -> str:
        return f"audit record {self.seq}: {self.kind}: {self.detail}"


def record_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, object_type: str,
    object_id: str, change_digest: str,
) -> str:
    """Hash that links a record to its predecessor and covers every field of it."""
    body = canonical_json([seq, at.isoformat(), actor, action, object_type, object_id,
                           change_digest])
    return sha256_hex(prev_hash + body)


def change_digest(change: dict[str, Any]) -> str:
    """Digest of a change as stored."""
    return digest(change)


def verify_chain(
    entries: Iterable[ChainEntry], head_seq: int, head_hash: str
) -> tuple[int, ChainFault | None]:
    """Walk ``entries`` in sequence order; return how many were checked and the first fault."""
    expected_seq = 1
    prev = GENESIS_HASH
    checked = 0
    for entry in entries:
        checked += 1
        if entry.seq > expected_seq:
            return checked, ChainFault(
                expected_seq, "deleted",
                f"records {expected_seq}..{entry.seq - 1} are missing before record {entry.seq}")
        if change_digest(entry.change) != entry.change_digest:
            return checked, ChainFault(entry.seq, "altered", "its change does not match its digest")
        own = record_hash(entry.prev_hash, entry.seq, entry.at, entry.actor, entry.action,
                          entry.object_type, entry.object_id, entry.change_digest)
        if own != entry.record_hash:
            return checked, ChainFault(entry.seq, "altered",
                                       "its fields do not match its stored hash")
        if entry.prev_hash != prev:
            if entry.seq == 1:
                return checked, ChainFault(1, "altered", "the first record does not start "
                                                         "from the genesis hash")
            return checked, ChainFault(
                entry.seq - 1, "altered",
                f"record {entry.seq} was chained to a different version of it (rewritten "
                "with a recomputed hash, or replaced by an inserted record)")
        prev = entry.record_hash
        expected_seq = entry.seq + 1
    last_seq = expected_seq - 1
    if head_seq > last_seq:
        return checked, ChainFault(last_seq + 1, "deleted",
                                   f"the chain head says {head_seq} records, found {last_seq}")
    if head_seq < last_seq:
        return checked, ChainFault(head_seq + 1, "inserted",
                                   f"records after {head_seq} were added outside the log")
    if head_hash != prev:
        return checked, ChainFault(last_seq, "altered", "the chain head hash does not match")
    return checked, None
