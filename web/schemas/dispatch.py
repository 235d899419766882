"""Models of the dispatch routes (``web.dispatch``): incidents placed by coordinates, and the plans answered.

An incident of the request is the planner's :class:`planner.dispatch.requests.IncidentEntry`, the one the
CLI's ``--incident`` is read into too.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from planner.dispatch.requests import MAX_INCIDENTS, IncidentEntry, RequirementEntry
from web.schemas.common import Answer
from web.schemas.roads import RoadFields, RoadsApplied

DEFAULT_TIME_LIMIT_S = 10.0
"""Solver time limit when the request gives none, seconds."""
MAX_TIME_LIMIT_S = 60.0
"""Largest solver time limit a request may ask for, seconds."""


class DispatchRequest(RoadFields):
    """Incidents to dispatch units to (each as the planner reads one, ``IncidentEntry``), and the time limit.

    ``at`` is the moment of the dispatch: its time band's travel times apply; ``closures`` routes around
    closed roads (a team that cannot reach an incident is not sent there).
    """

    incidents: list[IncidentEntry] = Field(min_length=1, max_length=MAX_INCIDENTS)
    time_limit_s: float = Field(DEFAULT_TIME_LIMIT_S, gt=0, le=MAX_TIME_LIMIT_S)


class IncidentType(Answer):
    """An incident template with its default dispatch requirements."""

    id: str
    name: str
    name_zh: str
    category: str
    requirements: list[RequirementEntry]


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
    roads: RoadsApplied | None = Field(None, description="closures and time band applied (null: free flow)")
