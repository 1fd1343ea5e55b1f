"""Electoral-system configuration as validated data, and the shipped presets.

Nothing here is a constant of the law: every figure is a field, and each preset lists which of
its values ../shared/domain marks as unverified, so that an administrator can see and change
them per election.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AllocationMethod(StrEnum):
    """How list seats are shared out."""

    HARE = "hare"
    DROOP = "droop"
    DHONDT = "dhondt"
    SAINTE_LAGUE = "sainte-lague"
    MODIFIED_SAINTE_LAGUE = "modified-sainte-lague"


class Denominator(StrEnum):
    """What a percentage threshold is measured against."""

    PARTICIPANTS = "participants"  # voters who took part (ballots found in boxes)
    VALID_VOTES = "valid_votes"
    REGISTERED = "registered"


class CapOverflow(StrEnum):
    """What happens to seats a list would win above the cap (unverified in Kyrgyz law)."""

    REDISTRIBUTE = "redistribute"  # allocate among the other lists by the same method
    VACANT = "vacant"


class TieBreak(StrEnum):
    """How a tie for the last seat is settled."""

    LOT = "lot"  # drawn by lot, recorded with its seed
    MORE_VOTES = "more_votes"  # the list with more votes overall, then lot
    BALLOT_ORDER = "ballot_order"


class AgainstAllRule(StrEnum):
    """Consequence of the 'against all' line."""

    NONE = "none"  # no such line
    FAILS_IF_LEADER_BELOW = "fails_if_leader_below"  # contest fails when leader < against all


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Threshold(Strict):
    """A percentage of a denominator that a list must reach."""

    percent: Decimal = Field(ge=0, le=100)
    denominator: Denominator = Denominator.PARTICIPANTS


class RegionalThreshold(Threshold):
    """A threshold to reach in every one of a set of regional units."""

    units: list[str] = Field(min_length=1, description="region codes, each a separate unit")


class SeatCap(Strict):
    """At most this many seats per list."""

    max_seats: int = Field(ge=1)
    overflow: CapOverflow = CapOverflow.REDISTRIBUTE


class GenderRule(Strict):
    """Share of a list's seats reserved for the under-represented sex (open lists, 2021)."""

    reserved_share: Decimal = Field(gt=0, lt=1)
    reserved_for: str = "female"


class ListTier(Strict):
    """Proportional seats in one nationwide constituency."""

    seats: int = Field(ge=1)
    method: AllocationMethod
    first_divisor: Decimal | None = Field(default=None, gt=0)
    national_threshold: Threshold | None = None
    regional_threshold: RegionalThreshold | None = None
    cap: SeatCap | None = None
    tie_break: TieBreak = TieBreak.LOT
    open_lists: bool = False
    gender_rule: GenderRule | None = None
    abroad_votes: bool = True

    @model_validator(mode="after")
    def _first_divisor_only_for_modified(self) -> Self:
        if self.first_divisor is not None and (
                self.method is not AllocationMethod.MODIFIED_SAINTE_LAGUE):
            raise ValueError("first_divisor applies to modified-sainte-lague only")
        if self.cap is not None and self.cap.max_seats > self.seats:
            raise ValueError("the cap exceeds the number of list seats")
        return self


class DistrictTier(Strict):
    """Single-member districts decided by plurality."""

    districts: int = Field(ge=1)
    seats_per_district: int = Field(default=1, ge=1)
    abroad_votes: bool = False
    tie_break: TieBreak = TieBreak.LOT


class PresidentialRule(Strict):
    """Majority in round one, else a runoff between the top candidates."""

    majority_percent: Decimal = Field(default=Decimal(50), gt=0, lt=100)
    denominator: Denominator = Denominator.PARTICIPANTS
    runoff_candidates: int = Field(default=2, ge=2)
    runoff_within_days: int = Field(default=14, ge=1)


class ElectoralSystem(Strict):
    """The whole configuration of an election's system."""

    name: str
    seats: int = Field(ge=1)
    list_tier: ListTier | None = None
    district_tier: DistrictTier | None = None
    presidential: PresidentialRule | None = None
    against_all: AgainstAllRule = AgainstAllRule.FAILS_IF_LEADER_BELOW
    min_turnout_percent: Decimal | None = Field(default=None, ge=0, le=100)
    unverified: list[str] = Field(
        default_factory=list,
        description="settings whose legal basis is unverified; review before each election")

    @model_validator(mode="after")
    def _seats_add_up(self) -> Self:
        if self.presidential is not None:
            if self.list_tier or self.district_tier or self.seats != 1:
                raise ValueError("a presidential system has one seat and no list or districts")
            return self
        list_seats = self.list_tier.seats if self.list_tier else 0
        district_seats = (self.district_tier.districts * self.district_tier.seats_per_district
                          if self.district_tier else 0)
        if list_seats + district_seats != self.seats:
            raise ValueError(
                f"seats ({self.seats}) must equal list seats ({list_seats}) plus district "
                f"seats ({district_seats})")
        return self


KG_REGIONS = ["KG-GB", "KG-GO", "KG-B", "KG-C", "KG-J", "KG-N", "KG-O", "KG-T", "KG-Y"]

PRESETS: dict[str, ElectoralSystem] = {
    "kg-2015-120": ElectoralSystem(
        name="Kyrgyz Republic, Jogorku Kenesh 2015/2020: 120 seats, closed lists",
        seats=120,
        list_tier=ListTier(
            seats=120, method=AllocationMethod.HARE,
            national_threshold=Threshold(percent=Decimal(7)),
            regional_threshold=RegionalThreshold(percent=Decimal("0.7"), units=KG_REGIONS),
            cap=SeatCap(max_seats=65), tie_break=TieBreak.LOT),
        unverified=["list_tier.cap.overflow", "list_tier.tie_break"],
    ),
    "kg-2021-mixed": ElectoralSystem(
        name="Kyrgyz Republic, Jogorku Kenesh from 2021: 54 open-list + 36 districts",
        seats=90,
        list_tier=ListTier(
            seats=54, method=AllocationMethod.HARE,
            national_threshold=Threshold(percent=Decimal(5)),
            regional_threshold=RegionalThreshold(percent=Decimal("0.5"), units=KG_REGIONS),
            cap=SeatCap(max_seats=27), tie_break=TieBreak.LOT, open_lists=True,
            gender_rule=GenderRule(reserved_share=Decimal("0.3"))),
        district_tier=DistrictTier(districts=36),
        unverified=["list_tier.cap.overflow", "list_tier.tie_break",
                    "list_tier.regional_threshold.units",
                    "list_tier.national_threshold.denominator", "list_tier.gender_rule",
                    "district_tier.tie_break"],
    ),
    "kg-president": ElectoralSystem(
        name="Kyrgyz Republic, President: majority of participants, else a runoff of two",
        seats=1,
        presidential=PresidentialRule(),
        unverified=["presidential.runoff_within_days"],
    ),
}


def preset(name: str) -> ElectoralSystem:
    """A shipped preset by name (KeyError when unknown)."""
    return PRESETS[name]
