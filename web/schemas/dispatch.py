"""Models of the dispatch routes (``web.dispatch``): incidents placed by coordinates, and the plans answered.

An incident of the request is the planner's :class:`planner.dispatch.requests.IncidentEntry`, the one the
CLI's ``--incident`` is read into too.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from planner.dispatch.requests import MAX_INCIDENTS, IncidentEntry, MaterialEntry, RequirementEntry
from web.schemas.common import Answer, QueryString
from web.schemas.roads import RoadFields, RoadsApplied

DEFAULT_TIME_LIMIT_S = 10.0
"""Solver time limit when the request gives none, seconds."""
MAX_TIME_LIMIT_S = 60.0
"""Largest solver time limit a request may ask for, seconds."""


class DispatchRequest(RoadFields):
    """Incidents to dispatch units to (each as the planner reads one, ``IncidentEntry``), and the time limit.

    ``at`` is the moment of the dispatch: who is on duty then, and its time band's travel times;
    ``closures`` routes around closed roads (a team that cannot reach an incident is not sent there).
    """

    incidents: list[IncidentEntry] = Field(min_length=1, max_length=MAX_INCIDENTS)
    time_limit_s: float = Field(DEFAULT_TIME_LIMIT_S, gt=0, le=MAX_TIME_LIMIT_S)
    at: str | None = Field(None, description="dispatch with availability at this time, on the roads of its time "
                                             "band (ISO 8601; no offset: the scenario's zone); absent: teams at "
                                             "their nominal strength, free flow")


class SummaryQuery(QueryString):
    """The dispatch summary's format."""

    format: Literal["pdf", "html"] = Field("pdf", description="PDF (A4, to file) or one printable HTML page")


class IncidentType(Answer):
    """An incident template with its default dispatch requirements."""

    id: str
    name: str
    name_zh: str
    category: str
    requirements: list[RequirementEntry]
    materials: list[MaterialEntry] = Field(default_factory=list)


class IncidentTypes(Answer):
    """Every incident template."""

    incident_types: list[IncidentType]


class DispatchPlan(Answer):
    """One plan: assignments (the optimal one described with unit, base, route, borrowing), shortfall, cost."""

    status: str
    method: str
    assignments: list[dict[str, Any]]
    shortfall: list[dict[str, Any]]
    objective: dict[str, float]
    bound: dict[str, float] | None
    borrowed: list[dict[str, Any]]
    materials: list[dict[str, Any]] = Field(default_factory=list, description="reserve materials drawn, by lot")
    material_shortfall: list[dict[str, Any]] = Field(default_factory=list)
    seconds: float
    units_sent: int


class UnitBrings(Answer):
    """What a unit sent brings at the dispatch time: people on duty (null: none recorded), roles, certificates."""

    people: int | None
    roles: dict[str, int]
    qualifications: dict[str, int]
    capabilities: dict[str, int]


class HeldBack(Answer):
    """A team below its declared strength in a capability the incidents ask for, and why."""

    team: str
    status: str
    on_duty: int | None
    capabilities: dict[str, int]
    nominal: dict[str, int]
    reason: str
    flags: list[dict[str, str]]


class DispatchAvailability(Answer):
    """Availability behind the plan: the time, what each unit sent brings, who was held back and why."""

    at: str
    units: dict[str, UnitBrings]
    held_back: list[HeldBack]


class DispatchAnswer(Answer):
    """The incidents as placed, the optimal plan, the greedy baseline, the ledger and (with ``at``) availability."""

    scenario: str
    incidents: list[dict[str, Any]]
    optimal: DispatchPlan
    greedy: DispatchPlan
    ledger: dict[str, Any]
    roads: RoadsApplied | None = Field(None, description="closures and time band applied (null: free flow)")
    availability: DispatchAvailability | None = None
