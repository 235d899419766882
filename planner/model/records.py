"""Domain records: jurisdictions, rescue bases, teams, equipment, hazard sites and response standards.

Every record is a frozen pydantic model whose fields validate on construction; ``parse_record`` turns
pydantic's errors into one ``InputError`` naming the record, the field and the problem (and the file
and line where the record came from), through :func:`planner.model.validation.validate`. Labels in
Chinese and English for each coded value live in ``LABELS`` so the CLI and the web show the same terms
(e.g. 重大 / red).
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import shapely.geometry
from pydantic import Field, field_validator, model_validator

from planner.model.codes import (  # callers may import the enums with the records
    RECORD_KINDS,
    Availability,
    JurisdictionLevel,
    Readiness,
    RiskGrade,
    SiteKind,
    TeamType,
    Tier,
)
from planner.model.validation import Model, validate

Identifier = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")]
"""Record ids: letters, digits and ``_ . : -``, chosen by the user's data."""


class Record(Model):
    """Base of every domain record: immutable, unknown fields refused (:class:`Model`), ``illustrative`` flag."""

    id: Identifier
    illustrative: bool = Field(default=False, description="invented for the example, not real data")


class Located(Record):
    """A record with a WGS-84 point."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class Jurisdiction(Record):
    """A region (province > city > district) with an optional boundary polygon (GeoJSON geometry)."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    level: JurisdictionLevel
    parent: Identifier | None = None
    geometry: dict[str, Any] | None = None
    approximate: bool = Field(default=False, description="the boundary is a sketch, not surveyed")

    @field_validator("geometry")
    @classmethod
    def _polygonal(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        try:
            shape = shapely.geometry.shape(value)
        except Exception as error:  # shapely raises several types for malformed GeoJSON
            raise ValueError(f"not a valid GeoJSON geometry ({error})") from None
        if shape.geom_type not in ("Polygon", "MultiPolygon") or shape.is_empty:
            raise ValueError(f"must be a Polygon or MultiPolygon, not {shape.geom_type}")
        return value


class Base(Located):
    """A rescue base (救援基地/站): where teams and equipment are kept."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    tier: Tier
    operator: str = ""
    jurisdiction: Identifier


class Team(Record):
    """A rescue team stationed at a base, with its capability quantities (e.g. squads)."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    team_type: TeamType
    base: Identifier
    members: int = Field(ge=1, le=5000)
    squads: int = Field(ge=0, le=200)
    readiness: Readiness = Readiness.NORMAL
    availability: Availability = Availability.AVAILABLE
    turnout_min: float = Field(ge=0, le=24 * 60, description="minutes from the order to leaving the base")
    capabilities: dict[str, int] = Field(default_factory=dict)

    @field_validator("capabilities")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        for capability, quantity in value.items():
            if quantity < 0:
                raise ValueError(f"quantity of {capability!r} must not be negative ({quantity})")
        return value

    @model_validator(mode="after")
    def _default_capability(self) -> Team:
        if not self.capabilities and self.squads:
            object.__setattr__(self, "capabilities", {f"{self.team_type.value}_squad": self.squads})
        return self


class Equipment(Record):
    """Equipment held at a base or by a team: kind, quantity and capability tags."""

    kind: str = Field(min_length=1)
    name: str = ""
    quantity: int = Field(ge=0)
    capabilities: tuple[str, ...] = ()
    base: Identifier | None = None
    team: Identifier | None = None

    @model_validator(mode="after")
    def _one_holder(self) -> Equipment:
        if (self.base is None) == (self.team is None):
            raise ValueError("give exactly one of base or team as the holder")
        return self


class HazardSite(Located):
    """A hazard site: kind, risk grade, major-hazard-source level (一级-四级) where it applies."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    kind: SiteKind
    risk_grade: RiskGrade
    hazard_level: int | None = Field(default=None, ge=1, le=4)
    jurisdiction: Identifier
    standards: tuple[Identifier, ...] = Field(
        default=(), description="standard ids that apply; empty means those whose site_kinds include this kind"
    )
    source: str = ""


class ResponseStandard(Record):
    """A response-time standard as data: a capability within ``max_min`` for a share of sites."""

    name: str = Field(min_length=1)
    capability: TeamType
    max_min: float = Field(gt=0)
    site_kinds: tuple[SiteKind, ...] = ()
    tiers: tuple[Tier, ...] = Field(default=(), description="only teams of these tiers count; empty = any")
    min_share: float = Field(default=1.0, gt=0, le=1, description="share of sites that must meet it")
    rule: str = ""
    source: str = ""


RECORD_TYPES: dict[str, type[Record]] = dict(
    zip(RECORD_KINDS, (Jurisdiction, Base, Team, Equipment, HazardSite, ResponseStandard), strict=True))
"""Record kind (also the file stem in a scenario folder) to its type."""

R = TypeVar("R", bound=Record)


def parse_record(kind: type[R], data: dict[str, Any], *, where: str = "") -> R:
    """Validate one record; ``InputError`` names where it came from, the record, the field and the problem.

    The message reads ``teams.csv line 7: team T9: members: must be ...`` (see :func:`validate`).
    """
    record_id = str(data.get("id") or "?")
    what = f"{kind.__name__.lower()} {record_id}"
    return validate(kind, data, what=f"{where}: {what}" if where else what, record=record_id, field="record")
