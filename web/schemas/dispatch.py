"""Models of the dispatch routes (``web.dispatch``): incidents placed by coordinates, and the plans answered."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from planner.dispatch.requests import DEFAULT_DURATION_H, MAX_QUANTITY
from web.schemas.common import Answer, RequestBody

MAX_INCIDENTS = 50
"""Incidents per request (the page places a handful; this keeps one request's solve bounded)."""
MAX_REQUIREMENTS = 50
"""Requirement rows per incident."""
DEFAULT_TIME_LIMIT_S = 10.0
"""Solver time limit when the request gives none, seconds."""
MAX_TIME_LIMIT_S = 60.0
"""Largest solver time limit a request may ask for, seconds."""


class RequirementRow(RequestBody):
    """A quantity of a capability needed on scene by a deadline."""

    capability: str = Field(min_length=1, description="capability tag, e.g. fire_squad")
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    deadline_min: float = Field(ge=0, le=10_000, description="minutes from the call by which it must be on scene")


class IncidentPlaced(RequestBody):
    """An incident placed on the map; its requirements default to its template's."""

    id: str | None = Field(None, min_length=1, max_length=80, description="unique; I1, I2... by position when absent")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    type: str | None = Field(None, description="incident template id (GET /api/v1/incident-types)")
    priority: int = Field(1, ge=1, le=10)
    requirements: list[RequirementRow] | None = Field(None, max_length=MAX_REQUIREMENTS,
                                                      description="defaults to the template's requirements")
    duration_h: float = Field(DEFAULT_DURATION_H, gt=0, le=720, description="expected mission length for the "
                                                                               "ledger, hours")
    responsible_unit: str = Field("", description="the accident-responsible unit, if any")
    responsible_can_pay: bool = True


class DispatchRequest(RequestBody):
    """Incidents to dispatch units to, and the solver's time limit."""

    incidents: list[IncidentPlaced] = Field(min_length=1, max_length=MAX_INCIDENTS)
    time_limit_s: float = Field(DEFAULT_TIME_LIMIT_S, gt=0, le=MAX_TIME_LIMIT_S)


class RequirementAnswer(Answer):
    """A requirement row of an incident template."""

    capability: str
    quantity: int
    deadline_min: float


class IncidentType(Answer):
    """An incident template with its default dispatch requirements."""

    id: str
    name: str
    name_zh: str
    category: str
    requirements: list[RequirementAnswer]


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
    seconds: float
    units_sent: int


class DispatchAnswer(Answer):
    """The incidents as placed, the optimal plan, the greedy baseline and the compensation ledger."""

    scenario: str
    incidents: list[dict[str, Any]]
    optimal: DispatchPlan
    greedy: DispatchPlan
    ledger: dict[str, Any]
