"""Drill design from an incident template and a hazard site: objectives, participants, expected dispatch, MSEL.

The expected dispatch comes from the dispatch optimiser (:func:`planner.dispatch.optimiser.solve_dispatch`): the
drill's incident needs the template's capabilities, each by the target of the objective on that
capability (else 60 min after it is needed); every available team carrying a needed capability is a
candidate, arriving after its turn-out plus network travel. Participants are drill units in one
exercise region (cross-border agreements are arranged beforehand for a drill). The master scenario
events list (MSEL) lists each inject at its clock time with expected actions and evaluator notes;
:func:`shift_design` moves a whole drill while keeping every inject's spacing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from planner.dispatch.optimiser import solve_dispatch
from planner.dispatch.problem import DispatchProblem, Incident, Requirement, Unit
from planner.errors import InputError
from planner.model.records import Availability
from planner.model.validation import Model
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.library import Template
from planner.scenario.model import Scenario
from planner.scenario.travel import travel_minutes

DEFAULT_DEADLINE_MIN = 60.0


class MselRow(Model):
    """One MSEL entry: inject at ``time`` (T + ``at_min``) with expected actions and evaluator notes."""

    time: dt.datetime
    at_min: float
    inject: str
    title: str = ""
    message: str = ""
    expected_actions: tuple[str, ...] = ()
    evaluator_notes: str = ""
    objective: str | None = None


class ExpectedArrival(Model):
    """A team the optimiser sends and when it is expected on scene (minutes after the alarm)."""

    team: str
    arrival_min: float
    capabilities: dict[str, int] = Field(default_factory=dict)


class DesignObjective(Model):
    """A drill objective as the design lists it (the template's measurable objective)."""

    id: str
    text: str
    metric: str = Field(pattern="^(first_arrival|assembled)$")
    capability: str
    quantity: int = 1
    target_min: float


class DrillDesign(Model):
    """A designed drill; its JSON lists the expected arrivals as ``expected_dispatch``."""

    template: str
    site: str
    start: dt.datetime
    objectives: tuple[DesignObjective, ...] = ()
    participants: tuple[str, ...] = ()
    expected: tuple[ExpectedArrival, ...] = Field(default=(), alias="expected_dispatch")
    shortfall: tuple[dict[str, Any], ...] = ()
    msel: tuple[MselRow, ...] = ()
    dispatch_status: str = ""


def _deadline(template: Template, capability: str, at_min: float) -> float:
    targets = [o.target_min for o in template.objectives if o.capability == capability]
    return max([at_min, *targets]) if targets else at_min + DEFAULT_DEADLINE_MIN


def design_drill(scenario: Scenario, template: Template, site_id: str, *, start: dt.datetime,
                 time_limit_s: float = 5.0, roads: RoadConditions | None = None) -> DrillDesign:
    """Design a drill of ``template`` at ``site_id`` starting at ``start`` (the alarm, T + 0).

    ``roads`` sets the drive times (a surprise branch that closes a bridge: a closure set).
    """
    sites = {s.id: s for s in scenario.sites}
    if site_id not in sites:
        raise InputError(f"site {site_id!r} does not exist in scenario {scenario.name}", field="site", record=site_id)
    needed = {s.capability for s in template.requirements}
    teams = [t for t in scenario.teams if t.availability == Availability.AVAILABLE
             and any(t.capabilities.get(c, 0) > 0 for c in needed)]
    objectives = tuple(DesignObjective(id=o.id, text=o.text, metric=o.metric, capability=o.capability,
                                       quantity=o.quantity, target_min=o.target_min) for o in template.objectives)
    msel = tuple(MselRow(time=start + dt.timedelta(minutes=i.at_min), at_min=i.at_min, inject=i.id, title=i.title,
                         message=i.message, expected_actions=i.expected_actions, evaluator_notes=i.evaluator_notes,
                         objective=i.objective) for i in template.injects)
    if not teams:
        return DrillDesign(template=template.id, site=site_id, start=start, objectives=objectives,
                           shortfall=tuple({"capability": c, "missing": None} for c in sorted(needed)), msel=msel,
                           dispatch_status="no_candidates")
    matrix = travel_minutes(scenario, "teams", "sites", origin_ids=[t.id for t in teams], destination_ids=[site_id],
                            network=routing_network(scenario, roads))
    units = tuple(Unit(t.id, "drill", {c: q for c, q in t.capabilities.items() if c in needed}, float(t.turnout_min))
                  for t in teams)
    merged: dict[str, tuple[int, float]] = {}
    for step in template.requirements:
        quantity, deadline = merged.get(step.capability, (0, 0.0))
        merged[step.capability] = (max(quantity, step.quantity),
                                   max(deadline, _deadline(template, step.capability, step.at_min)))
    incident = Incident("drill", "drill", 1, tuple(Requirement(c, q, d) for c, (q, d) in sorted(merged.items())),
                        template.id)
    travel = {(t.id, "drill"): float(matrix.minutes[k, 0]) for k, t in enumerate(teams)
              if matrix.minutes[k, 0] == matrix.minutes[k, 0] and matrix.minutes[k, 0] != float("inf")}
    result = solve_dispatch(DispatchProblem(units, (incident,), travel), time_limit_s=time_limit_s)
    capabilities = {u.id: dict(u.capabilities) for u in units}
    expected = tuple(ExpectedArrival(team=a.unit, arrival_min=round(a.arrival_min, 2),
                                     capabilities=capabilities[a.unit]) for a in result.assignments)
    return DrillDesign(
        template=template.id, site=site_id, start=start, objectives=objectives,
        participants=tuple(e.team for e in expected), expected_dispatch=expected,
        shortfall=tuple({"capability": s.capability, "missing": s.missing, "deadline_min": s.deadline_min}
                        for s in result.shortfall),
        msel=msel, dispatch_status=result.status.value,
    )


def shift_design(design: DrillDesign, delta: dt.timedelta) -> DrillDesign:
    """Return the same drill moved by ``delta``: the start and every inject move together, spacing unchanged."""
    return design.model_copy(update={"start": design.start + delta,
                                     "msel": tuple(row.model_copy(update={"time": row.time + delta})
                                                   for row in design.msel)})
