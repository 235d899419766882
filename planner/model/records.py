"""Domain records: jurisdictions, rescue bases, teams, equipment, hazard sites, standards and the kinds beside them.

People and the duty roster live in :mod:`planner.model.personnel`, reserve depots and their stocks in
:mod:`planner.model.materials`; :data:`RECORD_TYPES` lists every kind.

Every record is a frozen pydantic model whose fields validate on construction; ``parse_record`` turns
pydantic's errors into one ``InputError`` naming the record, the field and the problem (and the file
and line where the record came from), through :func:`planner.model.validation.validate`. Labels in
Chinese and English for each coded value live in ``LABELS`` so the CLI and the web show the same terms
(e.g. 重大 / red).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

import shapely.geometry
from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import JsonDict

from planner.model.codes import (  # callers may import the enums with the records
    RECORD_KINDS,
    Availability,
    EquipmentStatus,
    JurisdictionLevel,
    Readiness,
    RiskGrade,
    SiteKind,
    TeamType,
    Tier,
)
from planner.model.core import Identifier, Located, Record
from planner.model.materials import Depot, Stock
from planner.model.personnel import Person, Shift
from planner.model.validation import Model, validate

__all__ = [
    "RECORD_KINDS", "RECORD_TYPES", "Availability", "Base", "Depot", "Equipment", "EquipmentStatus", "HazardSite",
    "Identifier", "Jurisdiction", "JurisdictionLevel", "Located", "MaintenanceEntry", "Person", "Readiness", "Record",
    "ResponseStandard", "RiskGrade", "Shift", "SiteKind", "Stock", "Team", "TeamType", "Tier", "parse_record",
    "stored_fields",
]


_POLYGON: JsonDict = {"type": "array", "minItems": 1, "items": {"anyOf": [
    {"type": "array", "minItems": 3, "items": {"type": "array", "minItems": size, "maxItems": size,
                                               "items": {"type": "number"}}} for size in (2, 3)]}}
"""JSON Schema of a GeoJSON Polygon's coordinates: rings of at least 3 positions, each ring's positions all of 2
or all of 3 numbers; the first ring is the outer one."""


class Jurisdiction(Record):
    """A region (province > city > district) with an optional boundary polygon (GeoJSON geometry)."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    level: JurisdictionLevel
    parent: Identifier | None = None
    geometry: dict[str, Any] | None = Field(default=None, json_schema_extra={
        "description": "a GeoJSON Polygon or MultiPolygon",
        "anyOf": [{"type": "object", "required": ["type", "coordinates"],
                   "properties": {"type": {"const": "Polygon"}, "coordinates": _POLYGON}},
                  {"type": "object", "required": ["type", "coordinates"],
                   "properties": {"type": {"const": "MultiPolygon"},
                                  "coordinates": {"type": "array", "items": _POLYGON, "minItems": 1}}},
                  {"type": "null"}]})
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
        if shape.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"must be a Polygon or MultiPolygon, not {shape.geom_type}")
        if shape.is_empty:
            raise ValueError(f"must be a {shape.geom_type} with at least one ring of at least 3 positions")
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
    capabilities: dict[str, int] = Field(default_factory=dict, json_schema_extra={
        "additionalProperties": {"type": "integer", "minimum": 0}})
    resource_type: int | None = Field(default=None, ge=1, le=4, description="declared type, 1 = best (R-TYPING)")

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


class MaintenanceEntry(Model):
    """One line of an item's maintenance log: the day and what was done."""

    date: dt.date
    note: str = Field(default="", max_length=300)


class Equipment(Record):
    """Equipment held at a base or by a team: kind, quantity, capability tags, status and upkeep.

    ``status`` other than in service makes the item count for nothing; ``last_inspected`` and
    ``inspection_days`` give the next inspection due (the upkeep board lists those due within 30 days
    and those overdue). ``asset_number`` is unique in the scenario when given.
    """

    model_config = ConfigDict(json_schema_extra={"oneOf": [  # exactly one holder, as ``_one_holder`` checks
        {"required": ["base"], "properties": {"base": {"type": "string"}, "team": {"type": "null"}}},
        {"required": ["team"], "properties": {"team": {"type": "string"}, "base": {"type": "null"}}}]})

    kind: str = Field(min_length=1)
    name: str = ""
    quantity: int = Field(ge=0)
    capabilities: tuple[str, ...] = ()
    base: Identifier | None = None
    team: Identifier | None = None
    asset_number: str = Field(default="", max_length=80, description="asset (固定资产) number; unique when given")
    status: EquipmentStatus = EquipmentStatus.IN_SERVICE
    last_inspected: dt.date | None = None
    inspection_days: int | None = Field(default=None, ge=1, le=3660, description="days between inspections")
    maintenance_log: tuple[MaintenanceEntry, ...] = ()

    @model_validator(mode="after")
    def _one_holder(self) -> Equipment:
        if (self.base is None) == (self.team is None):
            raise ValueError("give exactly one of base or team as the holder")
        return self

    @property
    def in_service(self) -> bool:
        """Whether the item counts (neither in maintenance nor out of service)."""
        return self.status is EquipmentStatus.IN_SERVICE

    @property
    def inspection_due(self) -> dt.date | None:
        """The day the next inspection is due (None when no interval or no last inspection is recorded)."""
        if self.inspection_days is None or self.last_inspected is None:
            return None
        return self.last_inspected + dt.timedelta(days=self.inspection_days)


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
    zip(RECORD_KINDS, (Jurisdiction, Base, Team, Equipment, HazardSite, ResponseStandard, Person, Shift, Depot, Stock),
        strict=True))
"""Record kind (also the file stem in a scenario folder) to its type."""


def stored_fields(kind: str) -> list[str]:
    """Return the fields a record of ``kind`` holds and writes, in order: not ``crs``, which only input takes.

    A point given in GCJ-02 or BD-09 is converted when validated (:class:`planner.model.datum.MapPoint`),
    so files, exports and layers carry WGS-84 ``lon``/``lat`` and no ``crs`` column.
    """
    return [name for name, info in RECORD_TYPES[kind].model_fields.items() if not info.exclude]

R = TypeVar("R", bound=Record)


def parse_record(kind: type[R], data: dict[str, Any], *, where: str = "") -> R:
    """Validate one record; ``InputError`` names where it came from, the record, the field and the problem.

    The message reads ``teams.csv line 7: team T9: members: must be ...`` (see :func:`validate`).
    """
    record_id = str(data.get("id") or "?")
    what = f"{kind.__name__.lower()} {record_id}"
    return validate(kind, data, what=f"{where}: {what}" if where else what, record=record_id, field="record")
