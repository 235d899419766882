"""Dispatch on a stored scenario: incidents placed on the map, teams as units, routes and the ledger.

This module turns a scenario and incidents given by coordinates into the plain ``DispatchProblem``
the optimiser solves: teams become units with their own and their carried equipment's capabilities
(nominal; or, given the availability at a time, :func:`planner.availability.availability`, only what
each team can staff then, with the people on duty as the people it sends), travel minutes come from the
road network, agreements and the jurisdiction tree from the scenario, and every allowed (team, incident)
pair is priced with the compensation the ledger will charge (:mod:`planner.dispatch.pricing`). It runs
the optimiser and the greedy baseline (or re-optimises an earlier plan after a new incident) and returns
what a dispatcher needs: who goes where, their routes along the road network, arrival minutes, borrowed
units with lender and cost, the shortfall, and the compensation ledger of the plan, whose total is the
plan's reported compensation. With availability
it also says, for each unit sent, the people and certificates it brings, and which teams were held back
below their declared strength and why (:func:`held_back`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely.geometry

from geodata.matrix import travel_times_to
from geodata.network import RoadNetwork
from geodata.routes import route_coordinates, route_lengths_m, shortest_routes
from planner.availability import AvailabilityReport, nominal_capabilities
from planner.clock import now
from planner.dispatch.greedy import solve_dispatch_greedy
from planner.dispatch.optimiser import redispatch, solve_dispatch
from planner.dispatch.pricing import PairCharge, jurisdiction_parents, plan_ledger, price_pairs, price_supplies
from planner.dispatch.problem import DispatchProblem, Incident, Supply, Unit
from planner.dispatch.requests import MAX_INCIDENTS, IncidentRequest
from planner.dispatch.result import DispatchResult, Redispatch
from planner.errors import InputError
from planner.model.records import JurisdictionLevel
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.jurisdictions import team_jurisdictions
from planner.scenario.model import Scenario
from planner.scenario.network import join_points, placement
from planner.sharing import Agreement, agreements_from_dicts

__all__ = [
    "ScenarioDispatch",
    "ScenarioRedispatch",
    "dispatch_scenario",
    "availability_summary",
    "held_back",
    "redispatch_scenario",
    "region_of",
    "unit_capabilities",
]

_LEVEL_DEPTH = {level: depth for depth, level in enumerate(JurisdictionLevel)}


@dataclass(frozen=True)
class ScenarioDispatch:
    """A dispatch run on a scenario, with the baseline and the ledger of the optimal plan."""

    problem: DispatchProblem
    incidents: tuple[dict[str, Any], ...]
    optimal: DispatchResult
    greedy: DispatchResult
    routes: Mapping[str, list[list[float]]] = field(default_factory=dict)
    route_km: Mapping[str, float] = field(default_factory=dict)
    ledger: dict[str, Any] = field(default_factory=dict)
    roads: Mapping[str, Any] | None = None
    available: AvailabilityReport | None = None


@dataclass(frozen=True)
class ScenarioRedispatch:
    """A plan re-optimised on a scenario after a new incident: what changed, routes and the new ledger."""

    problem: DispatchProblem
    incidents: tuple[dict[str, Any], ...]
    changes: Redispatch
    routes: Mapping[str, list[list[float]]] = field(default_factory=dict)
    route_km: Mapping[str, float] = field(default_factory=dict)
    ledger: dict[str, Any] = field(default_factory=dict)
    roads: Mapping[str, Any] | None = None
    available: AvailabilityReport | None = None

    @property
    def optimal(self) -> DispatchResult:
        """The new plan."""
        return self.changes.result


@dataclass(frozen=True)
class _Prepared:
    """A scenario dispatch before solving: the problem, the priced pairs and what routes need."""

    scenario: Scenario
    agreements: tuple[Agreement, ...]
    requests: tuple[IncidentRequest, ...]
    regions: tuple[str, ...]
    problem: DispatchProblem
    charges: Mapping[tuple[str, str], PairCharge]
    route_km: Mapping[tuple[str, str], float]
    incident_node: Mapping[str, int]
    described: tuple[dict[str, Any], ...]
    network: RoadNetwork
    roads: RoadConditions | None = None


def unit_capabilities(scenario: Scenario, available: AvailabilityReport | None = None) -> dict[str, dict[str, int]]:
    """Each team's capability quantities: nominal (its own plus equipment in service), or what it can staff."""
    return nominal_capabilities(scenario) if available is None else available.capabilities()


def held_back(available: AvailabilityReport, wanted: Iterable[str],
              nearest: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Return the teams staffing less of a ``wanted`` capability than they declare, or nothing at all, and why.

    Listed in the order of ``nearest`` (team ids) and then by id; each with what it can staff and what it
    declares (only the capabilities wanted) and the flags that explain it.
    """
    asked = set(wanted)
    order = {team_id: k for k, team_id in enumerate(nearest)}
    out = []
    for team in sorted(available.teams, key=lambda t: (order.get(t.id, len(order)), t.id)):
        short = {c: (team.capabilities.get(c, 0), n) for c, n in team.nominal.items()
                 if c in asked and team.capabilities.get(c, 0) < n}
        if short or (team.not_responding and asked & set(team.nominal)):
            out.append({"team": team.id, "status": team.status, "on_duty": team.on_duty,
                        "capabilities": {c: can for c, (can, _) in short.items()},
                        "nominal": {c: n for c, (_, n) in short.items()}, "reason": team.not_responding,
                        "flags": [{"rule": f.rule, "message": f.message, "source": f.source} for f in team.flags]})
    return out


def region_of(scenario: Scenario, lon: float, lat: float) -> str:
    """Return the most specific jurisdiction whose boundary contains the point."""
    point = shapely.geometry.Point(lon, lat)
    containing = [j for j in scenario.jurisdictions
                  if j.geometry is not None and shapely.geometry.shape(j.geometry).covers(point)]
    if not containing:
        raise InputError(f"({lon:.5f}, {lat:.5f}) lies in no jurisdiction of scenario {scenario.name}",
                         field="lon")
    return max(containing, key=lambda j: _LEVEL_DEPTH[j.level]).id


def _incident_region(scenario: Scenario, request: IncidentRequest, index: int) -> str:
    try:
        return region_of(scenario, request.lon, request.lat)
    except InputError as error:
        raise InputError(f"incident {request.id}: {error}", field=f"incidents[{index}].lon") from None


def _prepare(scenario: Scenario, requests: Sequence[IncidentRequest], *, roads: RoadConditions | None = None,
             available: AvailabilityReport | None = None) -> _Prepared:
    """Check the requests, place them on the network, and build the priced problem.

    Routed under ``roads`` (closures, a time band) and priced at ``available``'s time.
    """
    if not requests:
        raise InputError("place at least one incident", field="incidents")
    if len(requests) > MAX_INCIDENTS:
        raise InputError(f"at most {MAX_INCIDENTS} incidents at once", field="incidents")
    ids = [r.id for r in requests]
    if len(set(ids)) != len(ids):
        raise InputError("incident ids must be unique", field="incidents")
    placed = placement(scenario)
    regions = tuple(_incident_region(scenario, r, i) for i, r in enumerate(requests))
    snapped = join_points(scenario, routing_network(scenario, roads), [r.lon for r in requests],
                          [r.lat for r in requests], refuse=False)
    network = snapped.network  # the incidents joined part-way along their roads
    if snapped.too_far.any():
        index = int(np.flatnonzero(snapped.too_far)[0])
        raise InputError(f"incident {requests[index].id} is {snapped.distance_m[index] / 1000:.1f} km from the "
                         "nearest road; place it on or near the network", field=f"incidents[{index}].lon")
    team_nodes = np.array([placed.base_node[t.base] for t in scenario.teams], dtype=np.int64)
    seconds_to = travel_times_to(network, snapped.node)
    to_incident = seconds_to[:, team_nodes] / 60.0
    travel: dict[tuple[str, str], float] = {}
    route_km: dict[tuple[str, str], float] = {}
    for i, request in enumerate(requests):
        metres = route_lengths_m(network, team_nodes, int(snapped.node[i]))
        for j, team in enumerate(scenario.teams):
            if np.isfinite(to_incident[i, j]):
                travel[(team.id, request.id)] = float(to_incident[i, j])
                route_km[(team.id, request.id)] = round(float(metres[j]) / 1000, 2)
    agreements = agreements_from_dicts(scenario.agreements)
    supplies, supply_travel = _supplies(scenario, requests, seconds_to, placed.depot_node, available)
    people = None if available is None else {t.id: t.on_duty for t in available.teams if t.on_duty is not None}
    charges = price_pairs(scenario, agreements, requests, regions, route_km, people=people)
    home = team_jurisdictions(scenario)
    capabilities = unit_capabilities(scenario, available)
    units = tuple(Unit(t.id, home[t.id], capabilities[t.id], t.turnout_min,
                       t.availability.value) for t in scenario.teams)
    incidents = tuple(Incident(r.id, region, r.priority, r.requirements, r.type, r.materials)
                      for r, region in zip(requests, regions, strict=True))
    problem = DispatchProblem(units, incidents, travel, agreements, dict(scenario.meta.get("min_retained") or {}),
                              parents=jurisdiction_parents(scenario),
                              pair_cost={key: charge.amount for key, charge in charges.items()},
                              supplies=supplies, supply_travel_min=supply_travel,
                              supply_cost=price_supplies(scenario, agreements, requests, regions,
                                                         [s.id for s in supplies]))
    described = tuple({"id": r.id, "lon": r.lon, "lat": r.lat, "type": r.type, "priority": r.priority,
                       "region": region, "off_network_m": round(float(d), 1), "road": road,
                       "requirements": [{"capability": q.capability, "quantity": q.quantity,
                                         "deadline_min": q.deadline_min, "duration_min": q.duration_min}
                                        for q in r.requirements],
                       "materials": [{"material": m.material, "quantity": m.quantity, "unit": m.unit,
                                      "deadline_min": m.deadline_min} for m in r.materials]}
                      for r, region, d, road in zip(requests, regions, snapped.distance_m, snapped.roads, strict=True))
    return _Prepared(scenario, agreements, tuple(requests), regions, problem, charges, route_km,
                     {r.id: int(n) for r, n in zip(requests, snapped.node, strict=True)}, described, network, roads)


def availability_summary(run: ScenarioDispatch | ScenarioRedispatch) -> dict[str, Any] | None:
    """Return what availability says about a plan: the time, what each unit sent brings, who was held back.

    Each unit sent brings its people on duty (None when it has no people recorded), their roles and the
    certificates valid that day; ``held_back`` is :func:`held_back` for the plan's incidents, nearest
    first. None when the dispatch counted nominal strength.
    """
    available = run.available
    if available is None:
        return None
    units = {}
    for assignment in run.optimal.assignments:
        team = available.team(assignment.unit)
        units[team.id] = {"people": team.on_duty, "roles": dict(team.roles),
                          "qualifications": dict(team.qualifications), "capabilities": dict(team.capabilities)}
    fastest: dict[str, float] = {}
    for (unit_id, _), minutes in run.problem.travel_min.items():
        fastest[unit_id] = min(minutes, fastest.get(unit_id, minutes))
    wanted = {r.capability for incident in run.problem.incidents for r in incident.requirements}
    return {"at": available.at.isoformat(), "units": units,
            "held_back": held_back(available, wanted, sorted(fastest, key=lambda u: (fastest[u], u)))}


def _supplies(scenario: Scenario, requests: Sequence[IncidentRequest], seconds_to: np.ndarray,
              depot_node: Mapping[str, int], available: AvailabilityReport | None,
              ) -> tuple[tuple[Supply, ...], dict[tuple[str, str], float]]:
    """Return the usable stock lots (not expired that day, whole units) and each depot's travel minutes.

    ``seconds_to`` holds the seconds from every node to each incident (incidents x nodes). The day is
    the availability's, else today in the scenario's zone.
    """
    if not any(r.materials for r in requests):
        return (), {}
    day = (available.at if available is not None else now()).astimezone(scenario.zone).date()
    depots = {d.id: d for d in scenario.depots}
    supplies = tuple(Supply(s.id, s.depot, depots[s.depot].jurisdiction, s.material, s.whole_units, s.unit_price,
                            depots[s.depot].turnout_min, s.unit)
                     for s in scenario.stocks if s.usable_on(day) and s.whole_units > 0)
    travel: dict[tuple[str, str], float] = {}
    for depot_id in sorted({s.depot for s in supplies}):
        for i, request in enumerate(requests):
            seconds = float(seconds_to[i, depot_node[depot_id]])
            if np.isfinite(seconds):
                travel[(depot_id, request.id)] = seconds / 60.0
    return supplies, travel


def _routes(prepared: _Prepared, result: DispatchResult) -> tuple[dict[str, list[list[float]]], dict[str, float]]:
    """Road routes of the plan's units (drawn along the network) and their one-way kilometres."""
    scenario = prepared.scenario
    placed = placement(scenario)
    network = prepared.network
    team_node = {t.id: placed.base_node[t.base] for t in scenario.teams}
    routes: dict[str, list[list[float]]] = {}
    for incident_id in sorted({a.incident for a in result.assignments}):
        sent = [a.unit for a in result.assignments if a.incident == incident_id]
        paths = shortest_routes(network, [team_node[u] for u in sent], prepared.incident_node[incident_id])
        for unit_id, path in zip(sent, paths, strict=True):
            routes[unit_id] = route_coordinates(network, path)
    route_km = {a.unit: prepared.route_km[(a.unit, a.incident)] for a in result.assignments}
    return routes, route_km


def _ledger(prepared: _Prepared, result: DispatchResult) -> dict[str, Any]:
    return plan_ledger(prepared.scenario, prepared.agreements, prepared.requests, prepared.regions,
                       prepared.charges, ((a.unit, a.incident) for a in result.assignments), result.materials)


def dispatch_scenario(scenario: Scenario, requests: Sequence[IncidentRequest], *, time_limit_s: float = 10.0,
                      roads: RoadConditions | None = None,
                      available: AvailabilityReport | None = None) -> ScenarioDispatch:
    """Build the priced problem, solve it with CP-SAT and greedily, and add routes and the ledger.

    The optimal plan's ``objective.compensation`` is its ledger's ``total``: both come from the same
    priced deployments. ``roads`` (closures, the time band of the dispatch's moment) sets the travel
    times and the routes; a team that cannot reach an incident under it is not a candidate there.
    ``available`` (the availability at the dispatch time) limits each team to what it can staff and
    prices it with the people on duty; without it teams count at their nominal strength.
    """
    prepared = _prepare(scenario, requests, roads=roads, available=available)
    optimal = solve_dispatch(prepared.problem, time_limit_s=time_limit_s)
    greedy = solve_dispatch_greedy(prepared.problem)
    routes, route_km = _routes(prepared, optimal)
    ledger = _ledger(prepared, optimal)
    return ScenarioDispatch(prepared.problem, prepared.described, optimal, greedy, routes, route_km, ledger,
                            None if roads is None else roads.describe(), available)


def redispatch_scenario(scenario: Scenario, requests: Sequence[IncidentRequest], current: Mapping[str, str], *,
                        releasable: Iterable[str] = (), time_limit_s: float = 10.0,
                        roads: RoadConditions | None = None,
                        available: AvailabilityReport | None = None) -> ScenarioRedispatch:
    """Re-optimise a plan after new incidents: ``current`` units stay on their incidents unless releasable.

    ``requests`` holds every incident, the earlier ones and the new; ``current`` maps each committed
    team to its incident. Travel is from the teams' bases (a committed team is priced and routed as
    when it was first sent), so a kept unit costs what it cost in the earlier plan. ``roads`` and ``available`` as for
    :func:`dispatch_scenario`.
    """
    prepared = _prepare(scenario, requests, roads=roads, available=available)
    for unit_id, incident_id in sorted(current.items()):
        if (unit_id, incident_id) not in prepared.charges and incident_id in prepared.incident_node:
            raise InputError(f"current: unit {unit_id} cannot serve incident {incident_id} "
                             "(unreachable, or across a border without an agreement)", field="current", record=unit_id)
    changes = redispatch(prepared.problem, current, releasable=releasable, time_limit_s=time_limit_s)
    routes, route_km = _routes(prepared, changes.result)
    ledger = _ledger(prepared, changes.result)
    return ScenarioRedispatch(prepared.problem, prepared.described, changes, routes, route_km, ledger,
                              None if roads is None else roads.describe(), available)
