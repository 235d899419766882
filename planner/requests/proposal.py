"""Who should lend: the one dispatch optimiser over the lenders allowed at a request's level.

At a level (the approving jurisdiction: the city for a county's request, the province after escalation)
the lenders allowed are the teams of that jurisdiction and everything below it, and at a province also
the country's (national teams the province may call); teams already committed to another open request
are left out. The scenario restricted to them is dispatched by :func:`planner.dispatch.scenario.
dispatch_scenario`, so the proposal carries what any dispatch carries: who goes, travel and arrival
minutes, the agreement each serves under and what the ledger will charge (R-AGREEMENT, R-COST).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from planner.dispatch.problem import Requirement
from planner.dispatch.requests import IncidentRequest
from planner.dispatch.scenario import dispatch_scenario
from planner.model.records import JurisdictionLevel
from planner.scenario.jurisdictions import covers, jurisdiction, team_jurisdictions
from planner.scenario.model import Scenario


def allowed_lenders(scenario: Scenario, level: str) -> frozenset[str]:
    """Return the jurisdictions whose teams may lend at ``level``: it, all below it, and at a province its country."""
    allowed = {j.id for j in scenario.jurisdictions if covers(scenario, level, j.id)}
    region = jurisdiction(scenario, level)
    if region.level is JurisdictionLevel.PROVINCE and region.parent:
        allowed.add(region.parent)
    return frozenset(allowed)


def lenders_scenario(scenario: Scenario, level: str, committed: Iterable[str] = ()) -> Scenario:
    """Return the scenario with only the teams allowed to lend at ``level`` (and not ``committed``) and their kit.

    A committed team (to another request, or left out by the approver's amendment) is neither proposed
    nor counted at home, where a lender must keep what its agreements retain.
    """
    allowed = allowed_lenders(scenario, level)
    busy = set(committed)
    home = team_jurisdictions(scenario)
    teams = tuple(t for t in scenario.teams if home[t.id] in allowed and t.id not in busy)
    kept = {t.id for t in teams}
    equipment = tuple(e for e in scenario.equipment if e.team is None or e.team in kept)
    return dataclasses.replace(scenario, teams=teams, equipment=equipment)


def propose(scenario: Scenario, request: Mapping[str, Any], level: str, *, committed: Iterable[str] = (),
            time_limit_s: float = 10.0) -> dict[str, Any]:
    """Return the proposal for a request at ``level``: lenders, units, travel minutes, agreement and cost.

    Parameters
    ----------
    scenario
        The whole scenario.
    request
        The stored request (its ``id``, ``incident`` and ``needs``).
    level
        The approving jurisdiction whose lenders are allowed.
    committed
        Teams committed to other open requests, and those the approver's amendments left out.
    time_limit_s
        The optimiser's time limit.

    Returns
    -------
    dict
        ``level``, ``lenders`` (unit, lender, capabilities, travel and arrival minutes, agreement, cost,
        route km), ``shortfall`` (capability, missing, deadline), ``compensation`` (the plan's ledger total)
        and ``status`` of the optimiser.

    """
    incident = request["incident"]
    needs = tuple(Requirement(n["capability"], n["quantity"], n["deadline_min"]) for n in request["needs"])
    entry = IncidentRequest(id=str(request["id"]), lon=incident["lon"], lat=incident["lat"],
                            type=incident.get("type") or "", requirements=needs,
                            duration_h=float(incident.get("duration_h") or 12.0),
                            responsible_unit=incident.get("responsible_unit") or "",
                            responsible_can_pay=bool(incident.get("responsible_can_pay", True)))
    lenders = lenders_scenario(scenario, level, committed)
    if not lenders.teams:
        return {"level": level, "region": "", "status": "infeasible", "lenders": [], "compensation": 0.0,
                "shortfall": [{"capability": n.capability, "missing": n.quantity, "deadline_min": n.deadline_min}
                              for n in needs]}
    run = dispatch_scenario(lenders, [entry], time_limit_s=time_limit_s)
    home = team_jurisdictions(lenders)
    cost = {(line["unit"]): 0.0 for line in run.ledger.get("lines", [])}
    agreement: dict[str, str] = {}
    for line in run.ledger.get("lines", []):
        cost[line["unit"]] = round(cost[line["unit"]] + float(line["amount"]), 2)
        agreement[line["unit"]] = line["agreement"]
    capabilities = {u.id: dict(u.capabilities) for u in run.problem.units}
    rows = []
    for a in sorted(run.optimal.assignments, key=lambda a: a.arrival_min):
        team = lenders.by_id("teams")[a.unit]
        rows.append({"unit": a.unit, "lender": home[a.unit], "capabilities": capabilities[a.unit],
                     "people": team.members,  # type: ignore[attr-defined]
                     "travel_min": round(run.problem.travel_min[(a.unit, a.incident)], 2),
                     "arrival_min": round(a.arrival_min, 2), "agreement": agreement.get(a.unit, ""),
                     "cost": cost.get(a.unit, 0.0), "route_km": run.route_km.get(a.unit, 0.0)})
    return {"level": level, "region": run.incidents[0]["region"], "status": run.optimal.status.value,
            "lenders": rows,
            "shortfall": [{"capability": s.capability, "missing": s.missing, "deadline_min": s.deadline_min}
                          for s in run.optimal.shortfall],
            "compensation": float(run.ledger.get("total", 0.0))}
