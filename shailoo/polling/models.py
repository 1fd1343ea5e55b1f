"""Polling-day tables: devices, identifications, ballots issued, incidents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shailoo.db import Base, UtcDateTime


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


class IdentificationEvent(Base):
    """A voter identified at a station by a device, as uploaded (the event id, made by the
    device, makes a re-sent batch count once), with the answer the device was given."""

    __tablename__ = "polling_identifications"
    __table_args__ = (Index("ix_polling_identifications_station", "election_id",
                            "station_code"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
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
