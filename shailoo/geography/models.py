"""Geography tables."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shailoo.db import Base


class Region(Base):
    """A first-level unit (oblast or city of republican significance)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name_ky: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    center_lat: Mapped[float | None] = mapped_column(Float)
    center_lon: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float)


class TerritorialCommission(Base):
    """A territorial election commission (TEC); abroad stations belong to one without a region."""

    __tablename__ = "territorial_commissions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    name_ky: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    abroad: Mapped[bool] = mapped_column(Boolean, default=False)


class PollingStation(Base):
    """A polling station: ordinary, abroad (with country and city), hospital or detention."""

    __tablename__ = "polling_stations"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    tec_code: Mapped[str] = mapped_column(ForeignKey("territorial_commissions.code"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(500))
    locality: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    planned_voters: Mapped[int | None] = mapped_column(Integer)
    search_text: Mapped[str] = mapped_column(String(1200))


class DistrictCommission(Base):
    """A single-member district and its commission, versioned per election."""

    __tablename__ = "district_commissions"
    __table_args__ = (UniqueConstraint("election_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name_ky: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))


class StationDistrict(Base):
    """Which district a station belongs to in one election."""

    __tablename__ = "station_districts"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("polling_stations.code"),
                                              primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district_commissions.id"), index=True)
