"""Declarative specs of the geography CSV formats (the same columns as the exports)."""

from __future__ import annotations

from shailoo.geography.schemas import CommissionIn, RegionIn, StationIn
from shailoo.kit.importing import ImportSpec, columns, model_builder

REGION_SPEC = ImportSpec(
    name="regions",
    columns=columns("code", "kind", "name_ky", "name_ru", "name_en",
                    optional=("center_lat", "center_lon", "radius_km")),
    build=model_builder(RegionIn),
)

COMMISSION_SPEC = ImportSpec(
    name="commissions",
    columns=columns("code", "name_ky", "name_ru", "name_en", optional=("region", "abroad")),
    build=model_builder(CommissionIn),
)

STATION_SPEC = ImportSpec(
    name="stations",
    columns=columns("code", "kind", "tec", "name", "address", "locality", "country",
                    optional=("city", "latitude", "longitude", "planned_voters")),
    build=model_builder(StationIn),
)

STATION_EXPORT_HEADER = ["code", "kind", "tec", "region", "name", "address", "locality",
                         "country", "city", "latitude", "longitude", "planned_voters"]
COMMISSION_EXPORT_HEADER = ["code", "region", "name_ky", "name_ru", "name_en", "abroad"]
REGION_EXPORT_HEADER = ["code", "kind", "name_ky", "name_ru", "name_en", "center_lat",
                        "center_lon", "radius_km"]
