"""Candidate-domain tables (parties so far)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shailoo.db import Base, UtcDateTime


class Party(Base):
    """A registered political party."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ky: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BallotChoice(Base):
    """A line of a contest's ballot: a party list, a candidate, "against all", yes or no."""

    __tablename__ = "ballot_choices"
    __table_args__ = (UniqueConstraint("contest_id", "code"),
                      UniqueConstraint("contest_id", "position"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    name_ky: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
