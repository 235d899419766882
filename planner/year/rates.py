"""Incident rates of the year model: the ``incident_rates`` settings document (``incident_rates.yaml``).

How often incidents happen is scenario data, each figure with its source and an ``[U]`` mark when it is
a planning assumption (as every shipped figure is):

- ``sites``: incidents per hazard site and year, by site kind and risk grade (a site kind the table does
  not name has no incidents). Each incident's template is drawn among the library's templates made for
  the site's kind, and its needs, on-scene work and escalation come from that template.
- ``areas``: routine incidents at random points of a jurisdiction's road network (a road traffic
  collision, a house fire, a rescue call), per jurisdiction and year, each with its own small needs and
  on-scene minutes; ``kind`` names the site kind whose response standards apply to them. With no density
  layer in the scenario the points are drawn uniformly among the network's nodes inside the boundary.
- ``time_of_day`` (24 hourly factors) and ``season`` (12 monthly factors) scale every rate; each list is
  normalised to mean 1, so ``sites`` and ``areas`` stay yearly means.
- ``on_scene``: how on-scene minutes vary around their mean (``lognormal`` with ``cv``, ``exponential``
  or ``fixed``).

:func:`parse_rates` validates a document (pydantic: negative or non-numeric rates, unknown site kinds or
grades, wrong list lengths) and checks what spans the scenario (a jurisdiction it does not have); every
error names the field. :func:`default_rates` is what a scenario without the document gets.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt

from planner.errors import InputError
from planner.model.codes import RiskGrade, SiteKind
from planner.model.validation import Model, Text, validate
from planner.scenario.model import Scenario

Rate = Annotated[float, Field(strict=True, ge=0, le=1_000_000, allow_inf_nan=False)]
"""Incidents per year (a finite number >= 0)."""
Factor = Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]
"""A relative factor (>= 0)."""

DEFAULT_GRADE_RATES: dict[RiskGrade, float] = {
    RiskGrade.RED: 2.0, RiskGrade.ORANGE: 1.0, RiskGrade.YELLOW: 0.5, RiskGrade.BLUE: 0.25,
}
"""Incidents per site and year by risk grade when a scenario has no rates document [U]: each grade up
doubles the rate, as the sweep's risk weights do."""


class AreaNeed(Model):
    """``quantity`` units of ``capability`` needed at a routine incident, within ``deadline_min``."""

    capability: Text
    quantity: Annotated[StrictInt, Field(ge=1, le=100)] = 1
    deadline_min: Annotated[float, Field(strict=True, ge=0, le=10_000, allow_inf_nan=False)] = 15


class AreaRate(Model):
    """Routine incidents at random road points of one jurisdiction."""

    jurisdiction: Text
    name: str = ""
    per_year: Rate
    needs: Annotated[list[AreaNeed], Field(min_length=1, max_length=20)]
    on_scene_min: Annotated[float, Field(strict=True, gt=0, le=30 * 24 * 60, allow_inf_nan=False)] = 45
    kind: SiteKind | None = Field(None, description="the site kind whose response standards apply")
    source: str = ""


class OnScene(Model):
    """How on-scene minutes vary around their template's mean."""

    distribution: Literal["lognormal", "exponential", "fixed"] = "lognormal"
    cv: Annotated[float, Field(strict=True, ge=0, le=5, allow_inf_nan=False)] = 0.5


class RatesDocument(Model):
    """The ``incident_rates`` settings document."""

    sources: list[str] = Field(default_factory=list)
    sites: dict[SiteKind, dict[RiskGrade, Rate]] = Field(default_factory=dict)
    sites_source: str = ""
    areas: list[AreaRate] = Field(default_factory=list)
    time_of_day: Annotated[list[Factor], Field(min_length=24, max_length=24)] | None = None
    season: Annotated[list[Factor], Field(min_length=12, max_length=12)] | None = None
    on_scene: OnScene = Field(default_factory=OnScene)
    points_per_area: Annotated[StrictInt, Field(ge=1, le=500)] = 24


def parse_rates(data: Any, scenario: Scenario, *, where: str = "incident_rates") -> RatesDocument:
    """Validate a rates document against the scenario; ``InputError`` names the field of the first mistake."""
    _check_table_keys(data, where)
    document = validate(RatesDocument, data, what=where, field="incident_rates")
    regions = {j.id for j in scenario.jurisdictions}
    for k, area in enumerate(document.areas):
        if area.jurisdiction not in regions:
            raise InputError(f"{where}: areas[{k}].jurisdiction: {area.jurisdiction!r} is not a jurisdiction of "
                             f"scenario {scenario.name}", field="jurisdiction", record=f"areas[{k}]")
    for name in ("time_of_day", "season"):
        profile = getattr(document, name)
        if profile is not None and sum(profile) <= 0:
            raise InputError(f"{where}: {name}: the factors must have a positive sum", field=name)
    return document


def _check_table_keys(data: Any, where: str) -> None:
    """Refuse a ``sites`` table naming a site kind or a risk grade that does not exist (field ``sites``)."""
    table = data.get("sites") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return
    kinds, grades = {k.value for k in SiteKind}, {g.value for g in RiskGrade}
    for kind, row in table.items():
        if kind not in kinds:
            raise InputError(f"{where}: sites: unknown site kind {kind!r} (kinds: {', '.join(sorted(kinds))})",
                             field="sites")
        for grade in row if isinstance(row, dict) else ():
            if grade not in grades:
                raise InputError(f"{where}: sites: {kind}: unknown risk grade {grade!r} (grades: "
                                 f"{', '.join(sorted(grades))})", field="sites")


def default_rates(scenario: Scenario) -> RatesDocument:
    """Rates for a scenario without the document: every site kind at the default grade rates [U], no areas."""
    kinds = {s.kind for s in scenario.sites}
    return RatesDocument(
        sources=["[U] default: 2 incidents per red site and year, halved per grade down (no incident_rates.yaml)"],
        sites={kind: dict(DEFAULT_GRADE_RATES) for kind in kinds},
        sites_source="[U] planner.year.rates.DEFAULT_GRADE_RATES",
    )
