"""Polling-day tables: operators, devices, identifications, ballots issued, incidents,
station reports, per-election settings and reconciliation cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shailoo.db import Base, UtcDateTime


class Operator(Base):
    """A person who works a station device; only a certified one can be put on duty (the
    flag is set by hand until the training domain feeds it)."""

    __tablename__ = "polling_operators"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(300))
    pin: Mapped[str | None] = mapped_column(String(20))  # to check they never enrol themselves
    certified: Mapped[bool] = mapped_column(Boolean)
    certified_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Device(Base):
    """A station device (ballot scanner, identification device) and its Ed25519 public key."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    station_code: Mapped[str] = mapped_column(ForeignKey("polling_stations.code"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32-byte key, hex
    status: Mapped[str] = mapped_column(String(20))
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    operator_id: Mapped[str | None] = mapped_column(ForeignKey("polling_operators.id"))
    on_duty_since: Mapped[datetime | None] = mapped_column(UtcDateTime())


class IdentificationEvent(Base):
    """A voter identified at a station by a device, as uploaded (the event id, made by the
    device, makes a re-sent batch count once), with the answer the device was given."""

    __tablename__ = "polling_identifications"
    __table_args__ = (Index("ix_polling_identifications_station", "election_id",
                            "station_code"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    operator_id: Mapped[str | None] = mapped_column(String(60))
    station_code: Mapped[str] = mapped_column(String(20))
    pin: Mapped[str] = mapped_column(String(20), index=True)
    method: Mapped[str] = mapped_column(String(20))
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    identified_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(200))


class BallotIssue(Base):
    """A ballot issued to a voter in an election: at most one, whatever the station (the
    primary key is the rule: one person, one vote)."""

    __tablename__ = "polling_ballots"
    __table_args__ = (Index("ix_polling_ballots_station", "election_id", "station_code"),)

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    pin: Mapped[str] = mapped_column(String(20), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PollingIncident(Base):
    """Something on polling day for the territorial commission to look at (a second attempt
    to vote so far)."""

    __tablename__ = "polling_incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    station_code: Mapped[str] = mapped_column(String(20))
    pin: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class StationReport(Base):
    """A station commission's report on polling day: opened, suspended, resumed, closed
    (with the number of voters who signed the paper list), or turnout at a fixed hour.
    The sender's report id makes a re-sent report count once."""

    __tablename__ = "polling_station_reports"
    __table_args__ = (Index("ix_polling_station_reports_station", "election_id",
                            "station_code"),)

    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    station_code: Mapped[str] = mapped_column(ForeignKey("polling_stations.code"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    voters: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PollingSettings(Base):
    """An election's polling-day configuration (hours, time zones, turnout publication,
    jump limit, reconciliation tolerances): see ``rules.PollingConfig``."""

    __tablename__ = "polling_settings"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReconciliationCase(Base):
    """A station whose counts (identified, signed the list, issued, scanner, manual) differ
    beyond the election's tolerances: a case for the territorial commission."""

    __tablename__ = "polling_reconciliation_cases"
    __table_args__ = (Index("uq_polling_reconciliation_cases_station", "election_id",
                            "station_code", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    station_code: Mapped[str] = mapped_column(String(20))
    tec_code: Mapped[str] = mapped_column(String(20), index=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    differences: Mapped[list[Any]] = mapped_column(JSON)
    largest: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
