"""Polling-day tables (devices so far)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
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
