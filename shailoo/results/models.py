"""Results tables: protocol versions (the latest per contest, station and source is current),
their status history, running totals per level, and per-election result settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shailoo.db import Base, UtcDateTime

# Binary JSON on PostgreSQL: re-aggregating a million stations reads it without re-parsing.
Figures = JSON().with_variant(JSONB(), "postgresql")


class Protocol(Base):
    """One version of a station's protocol for one contest, from one source."""

    __tablename__ = "protocols"
    __table_args__ = (
        UniqueConstraint("contest_id", "station_code", "source", "version"),
        Index("ix_protocols_content", "contest_id", "station_code", "source", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"))
    station_code: Mapped[str] = mapped_column(ForeignKey("polling_stations.code"))
    source: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    lines: Mapped[dict[str, Any]] = mapped_column(Figures)
    votes: Mapped[dict[str, Any]] = mapped_column(Figures)
    checks: Mapped[list[Any]] = mapped_column(JSON)
    submitted_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    correction_reason: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(10))
    tec_code: Mapped[str] = mapped_column(String(20), index=True)


class ProtocolTransition(Base):
    """One step of a protocol version's status history."""

    __tablename__ = "protocol_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text)


class ResultTotal(Base):
    """A running total: one figure of one contest and source at one level and unit."""

    __tablename__ = "result_totals"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(10), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    unit: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ResultSettings(Base):
    """An election's control checks (DEFAULT_CHECKS when absent)."""

    __tablename__ = "result_settings"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    checks: Mapped[list[Any]] = mapped_column(JSON)
