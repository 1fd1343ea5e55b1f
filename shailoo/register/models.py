"""Voter register tables: the population-register mirror, the address-to-station table,
imports and their differences, consular registrations, per-election rules, voter lists
(built, then frozen per station), the additional list, changes of voting address and
likely-duplicate review cases.

Person rows are keyed by PIN without foreign keys to geography, so that an extract of
millions loads at the speed of the database; the importer validates regions itself.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shailoo.db import Base, UtcDateTime


class Person(Base):
    """A person of the population register (the latest extract), with the station of their
    registered address and the line of the extract that last set the record.

    The PIN is unique through a named index (not the primary key) so that a first extract
    of millions loads without it and the index is built once afterwards."""

    __tablename__ = "register_persons"
    __table_args__ = (
        Index("uq_register_persons_pin", "pin", unique=True),
        Index("ix_register_persons_home_station", "home_station"),
        Index("ix_register_persons_duplicate_key", "birth_date", "name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pin: Mapped[str] = mapped_column(String(14))
    surname: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    citizenship: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(10))
    locality: Mapped[str] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(200))
    house: Mapped[str | None] = mapped_column(String(40))
    flat: Mapped[str | None] = mapped_column(String(40))
    has_biometrics: Mapped[bool] = mapped_column(Boolean)
    deceased: Mapped[bool] = mapped_column(Boolean)
    incapable: Mapped[bool] = mapped_column(Boolean)
    home_station: Mapped[str | None] = mapped_column(String(20))
    address_match: Mapped[str] = mapped_column(String(10))
    name_key: Mapped[str] = mapped_column(String(200))
    source_line: Mapped[int] = mapped_column(Integer)


class AddressStation(Base):
    """One line of the address-to-station table; an empty house covers the whole street and
    an empty street the whole locality."""

    __tablename__ = "register_address_stations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(10))
    locality: Mapped[str] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(200))
    house: Mapped[str | None] = mapped_column(String(40))
    station_code: Mapped[str] = mapped_column(ForeignKey("polling_stations.code"))
    address_key: Mapped[str] = mapped_column(String(500), index=True)


class RegisterImport(Base):
    """One applied extract of the population register and its difference to the one before."""

    __tablename__ = "register_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    rows: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    moved: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)


class RegisterImportStation(Base):
    """An import's difference per station, as counts: what is published."""

    __tablename__ = "register_import_stations"

    import_id: Mapped[int] = mapped_column(ForeignKey("register_imports.id"), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    added: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    moved_in: Mapped[int] = mapped_column(Integer)
    moved_out: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)


class RegisterChange(Base):
    """One person's difference in one import: added, changed, moved (station changed) or
    removed, with the stations before and after."""

    __tablename__ = "register_changes"
    __table_args__ = (Index("ix_register_changes_import", "import_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("register_imports.id"))
    pin: Mapped[str] = mapped_column(String(14), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    old_station: Mapped[str | None] = mapped_column(String(20))
    new_station: Mapped[str | None] = mapped_column(String(20))


class ConsularRegistration(Base):
    """A citizen registered at a consulate (or by a mobile group) to vote at a station abroad."""

    __tablename__ = "register_consular"

    pin: Mapped[str] = mapped_column(String(14), primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("polling_stations.code"), index=True)
    office: Mapped[str] = mapped_column(String(200))
    registered_on: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(200))


class ElectionRegisterRules(Base):
    """An election's register rules: eligibility, Form No. 2 and station capacity."""

    __tablename__ = "register_election_rules"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    min_age: Mapped[int] = mapped_column(Integer)
    require_biometrics: Mapped[bool] = mapped_column(Boolean)
    change_scope: Mapped[str] = mapped_column(String(20))
    change_deadline_days: Mapped[int] = mapped_column(Integer)
    change_forbid_same_region: Mapped[bool] = mapped_column(Boolean)
    change_max_requests: Mapped[int] = mapped_column(Integer)
    change_warn_share: Mapped[float] = mapped_column(Float)
    station_capacity: Mapped[int] = mapped_column(Integer)
    opening_hours: Mapped[str] = mapped_column(String(40))


class ListEntry(Base):
    """A person on (or excluded from) an election's voter list, with the reason if excluded."""

    __tablename__ = "register_list_entries"
    __table_args__ = (
        Index("ix_register_list_entries_station", "election_id", "station_code"),
        {"sqlite_with_rowid": False},
    )

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    pin: Mapped[str] = mapped_column(String(14), primary_key=True)
    station_code: Mapped[str | None] = mapped_column(String(20))
    excluded: Mapped[str | None] = mapped_column(String(20))


class ListFreeze(Base):
    """A station's list frozen for an election, with the SHA-256 that is published."""

    __tablename__ = "register_list_freezes"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("polling_stations.code"),
                                              primary_key=True)
    voters: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    frozen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))


class FrozenVoter(Base):
    """One line of a frozen list, as it was frozen: the list prints and hashes the same even
    when the register changes afterwards."""

    __tablename__ = "register_frozen_voters"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    pin: Mapped[str] = mapped_column(String(14))
    surname: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(600))


class AdditionalEntry(Base):
    """A voter added to a station's list on polling day (the additional list)."""

    __tablename__ = "register_additional_entries"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    pin: Mapped[str] = mapped_column(String(14), primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("polling_stations.code"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class AddressChange(Base):
    """A change of voting address (Form No. 2) for one election; at most one is active."""

    __tablename__ = "register_address_changes"
    __table_args__ = (
        Index("uq_register_address_changes_active", "election_id", "pin", unique=True,
              sqlite_where=text("status = 'active'"),
              postgresql_where=text("status = 'active'")),
        Index("ix_register_address_changes_to", "election_id", "to_station"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    pin: Mapped[str] = mapped_column(String(14), index=True)
    from_station: Mapped[str | None] = mapped_column(String(20))
    to_station: Mapped[str] = mapped_column(ForeignKey("polling_stations.code"))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class DuplicateCase(Base):
    """Two PINs that are likely the same person, for a reviewer to decide: found by their
    birth date and name (``demographic``) or by their fingerprints (``biometric``, with the
    score; ``pin_b`` is then the later enrolment)."""

    __tablename__ = "register_duplicate_cases"
    __table_args__ = (Index("uq_register_duplicate_cases_pair", "pin_a", "pin_b", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pin_a: Mapped[str] = mapped_column(String(14))
    pin_b: Mapped[str] = mapped_column(String(14))
    kind: Mapped[str] = mapped_column(String(20), server_default="demographic")
    score: Mapped[float | None] = mapped_column(Float)
    birth_date: Mapped[date | None] = mapped_column(Date)
    name_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime())
    blocked_pin: Mapped[str | None] = mapped_column(String(14), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
