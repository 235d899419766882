"""Dispatch on a stored scenario: incidents placed on the map, teams as units, routes and the ledger.

This module turns a scenario and incidents given by coordinates into the plain ``DispatchProblem``
the optimiser solves (teams become units with their own and their carried equipment's capabilities,
travel minutes come from the road network, agreements from the scenario), runs the optimiser and the
greedy baseline, and returns what a dispatcher needs: who goes where, their routes along the road
network, arrival minutes, borrowed units with lender and cost, the shortfall, and the compensation
ledger of the mission.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely.geometry

from geodata.matrix import travel_times_to
from geodata.routes import route_coordinates, route_length_m, shortest_routes
from planner.dispatch.greedy import solve_dispatch_greedy
from planner.dispatch.optimiser import DispatchResult, solve_dispatch
from planner.dispatch.problem import DispatchProblem, Incident, Requirement, Unit
from planner.errors import InputError
from planner.model.records import JurisdictionLevel
from planner.scenario.library import Template, load_library
from planner.scenario.model import Scenario
from planner.scenario.network import placement
from planner.sharing.ledger import Deployment, Mission, agreements_from_dicts, build_ledger, find_agreement

DEFAULT_DEADLINE_MIN = 30.0
"""Deadline of a template's first-wave need when the template states no objective for it, minutes."""

DEFAULT_DURATION_H = 12.0
"""Expected mission length for the ledger when the dispatcher gives none, hours."""

MAX_INCIDENTS = 50
MAX_QUANTITY = 1000
"""Bounds on one request: simultaneous incidents, and units of one capability in one requirement."""

_LEVEL_DEPTH = {level: depth for depth, level in enumerate(JurisdictionLevel)}


@dataclass(frozen=True)
class IncidentRequest:
    """An incident as a dispatcher enters it: where, what, how urgent, what is needed."""

    id: str
    lon: float
    lat: float
    type: str = ""
    priority: int = 1
    requirements: tuple[Requirement, ...] = ()
    duration_h: float = DEFAULT_DURATION_H
    responsible_unit: str = ""
    responsible_can_pay: bool = True


@dataclass(frozen=True)
class ScenarioDispatch:
    """A dispatch run on a scenario, with the baseline and the ledger."""

    problem: DispatchProblem
    incidents: tuple[dict[str, Any], ...]
    optimal: DispatchResult
    greedy: DispatchResult
    routes: Mapping[str, list[list[float]]] = field(default_factory=dict)
    route_km: Mapping[str, float] = field(default_factory=dict)
    ledger: dict[str, Any] = field(default_factory=dict)


def requirements_from_template(template: Template) -> tuple[Requirement, ...]:
    """Dispatch requirements from an incident template's needs over time.

    A need at T+0 must be met by the template's objective for that capability (e.g. first fire squad
    within 5 min) or else within ``DEFAULT_DEADLINE_MIN``; a later need by the time it arises.
    """
    targets: dict[str, float] = {}
    for objective in template.objectives:
        if objective.metric == "first_arrival":
            targets[objective.capability] = min(objective.target_min, targets.get(objective.capability, math.inf))
    return tuple(
        Requirement(step.capability, step.quantity,
                    step.at_min if step.at_min > 0 else targets.get(step.capability, DEFAULT_DEADLINE_MIN))
        for step in template.requirements
    )


def parse_incident_request(data: Any, index: int, library: Mapping[str, Template]) -> IncidentRequest:
    """Validate one incident from a request body; requirements default to its template's."""
    where = f"incidents[{index}]"
    if not isinstance(data, dict):
        raise InputError(f"{where}: must be an object", field=where)
    try:
        lon, lat = float(data["lon"]), float(data["lat"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise InputError(f"{where}: lon and lat must be numbers", field=f"{where}.lon") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"{where}: lon/lat out of range", field=f"{where}.lon")
    kind = str(data.get("type", ""))
    if kind and kind not in library:
        raise InputError(f"{where}: unknown incident type {kind!r}; types: {', '.join(sorted(library))}",
                         field=f"{where}.type")
    priority = data.get("priority", 1)
    if not isinstance(priority, int) or isinstance(priority, bool) or not 1 <= priority <= 10:
        raise InputError(f"{where}: priority must be an integer from 1 to 10", field=f"{where}.priority")
    raw = data.get("requirements")
    if raw is None:
        if not kind:
            raise InputError(f"{where}: give a type or requirements", field=f"{where}.requirements")
        requirements = requirements_from_template(library[kind])
    else:
        requirements = tuple(_requirement(r, f"{where}.requirements[{i}]") for i, r in enumerate(_as_list(raw, where)))
    duration = data.get("duration_h", DEFAULT_DURATION_H)
    if not isinstance(duration, (int, float)) or isinstance(duration, bool) or not 0 < duration <= 24 * 30:
        raise InputError(f"{where}: duration_h must be hours between 0 and 720", field=f"{where}.duration_h")
    return IncidentRequest(id=str(data.get("id") or f"I{index + 1}"), lon=lon, lat=lat, type=kind,
                           priority=priority, requirements=requirements, duration_h=float(duration),
                           responsible_unit=str(data.get("responsible_unit", "")),
                           responsible_can_pay=bool(data.get("responsible_can_pay", True)))


def _as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{where}: requirements must be a list", field=f"{where}.requirements")
    return value


def _requirement(data: Any, where: str) -> Requirement:
    if not isinstance(data, dict):
        raise InputError(f"{where}: must be an object", field=where)
    capability = data.get("capability")
    quantity = data.get("quantity")
    deadline = data.get("deadline_min")
    if not isinstance(capability, str) or not capability:
        raise InputError(f"{where}: capability must be a name", field=f"{where}.capability")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise InputError(f"{where}: quantity must be a whole number from 1 to {MAX_QUANTITY}",
                         field=f"{where}.quantity")
    if not isinstance(deadline, (int, float)) or isinstance(deadline, bool) or not 0 <= deadline <= 10_000:
        raise InputError(f"{where}: deadline_min must be minutes >= 0", field=f"{where}.deadline_min")
    return Requirement(capability, quantity, float(deadline))


def unit_capabilities(scenario: Scenario) -> dict[str, dict[str, int]]:
    """Each team's capability quantities: its own plus the equipment it carries (by capability tag)."""
    capabilities = {t.id: dict(t.capabilities) for t in scenario.teams}
    for item in scenario.equipment:
        if item.team is not None:
            for tag in item.capabilities:
                capabilities[item.team][tag] = capabilities[item.team].get(tag, 0) + item.quantity
    return capabilities


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


def own_forces(scenario: Scenario, lender: str, region: str) -> bool:
    """Whether a unit of ``lender`` serving ``region`` is the region's own (same region or a parent of it)."""
    return lender in scenario.ancestors(region)


def province_of(scenario: Scenario, region: str) -> str:
    """Return the province a region belongs to (empty when the tree has none)."""
    regions = scenario.by_id("jurisdictions")
    for ancestor in scenario.ancestors(region):
        if regions[ancestor].level is JurisdictionLevel.PROVINCE:  # type: ignore[attr-defined]
            return ancestor
    return ""


def dispatch_scenario(scenario: Scenario, requests: Sequence[IncidentRequest], *,
                      time_limit_s: float = 10.0) -> ScenarioDispatch:
    """Build the problem, solve it with CP-SAT and greedily, and add routes and the ledger."""
    if not requests:
        raise InputError("place at least one incident", field="incidents")
    if len(requests) > MAX_INCIDENTS:
        raise InputError(f"at most {MAX_INCIDENTS} incidents at once", field="incidents")
    ids = [r.id for r in requests]
    if len(set(ids)) != len(ids):
        raise InputError("incident ids must be unique", field="incidents")
    placed = placement(scenario)
    network = placed.network
    regions = [_incident_region(scenario, r, i) for i, r in enumerate(requests)]
    snapped = placed.snapper.snap([r.lon for r in requests], [r.lat for r in requests],
                                  max_distance_m=float(scenario.meta.get("snap_limit_m", 2000)), refuse=False)
    if snapped.too_far.any():
        index = int(np.flatnonzero(snapped.too_far)[0])
        raise InputError(f"incident {requests[index].id} is {snapped.distance_m[index] / 1000:.1f} km from the "
                         "nearest road; place it on or near the network", field=f"incidents[{index}].lon")
    team_nodes = np.array([placed.base_node[t.base] for t in scenario.teams], dtype=np.int64)
    to_incident = travel_times_to(network, snapped.node)[:, team_nodes] / 60.0
    bases = scenario.by_id("bases")
    capabilities = unit_capabilities(scenario)
    units = tuple(Unit(t.id, bases[t.base].jurisdiction, capabilities[t.id], t.turnout_min,  # type: ignore[attr-defined]
                       t.availability.value) for t in scenario.teams)
    incidents = tuple(Incident(r.id, region, r.priority, r.requirements, r.type)
                      for r, region in zip(requests, regions, strict=True))
    travel = {(t.id, r.id): float(to_incident[i, j]) for i, r in enumerate(requests)
              for j, t in enumerate(scenario.teams) if np.isfinite(to_incident[i, j])}
    problem = DispatchProblem(units, incidents, travel, agreements_from_dicts(scenario.agreements),
                              dict(scenario.meta.get("min_retained") or {}))
    optimal = solve_dispatch(problem, time_limit_s=time_limit_s)
    greedy = solve_dispatch_greedy(problem)
    node_of = {r.id: int(n) for r, n in zip(requests, snapped.node, strict=True)}
    routes, route_km = {}, {}
    team_node = {t.id: placed.base_node[t.base] for t in scenario.teams}
    for incident_id in {a.incident for a in optimal.assignments}:
        sent = [a.unit for a in optimal.assignments if a.incident == incident_id]
        paths = shortest_routes(network, [team_node[u] for u in sent], node_of[incident_id])
        for unit_id, path in zip(sent, paths, strict=True):
            routes[unit_id] = route_coordinates(network, path)
            route_km[unit_id] = round(route_length_m(network, path) / 1000, 2)
    described = tuple({"id": r.id, "lon": r.lon, "lat": r.lat, "type": r.type, "priority": r.priority,
                       "region": region, "off_network_m": round(float(d), 1),
                       "requirements": [vars(q) for q in r.requirements]}
                      for r, region, d in zip(requests, regions, snapped.distance_m, strict=True))
    ledger = mission_ledger(scenario, requests, regions, optimal, route_km)
    return ScenarioDispatch(problem, described, optimal, greedy, routes, route_km, ledger)


def mission_ledger(scenario: Scenario, requests: Sequence[IncidentRequest], regions: Sequence[str],
                   result: DispatchResult, route_km: Mapping[str, float]) -> dict[str, Any]:
    """Return the compensation ledger if the dispatch were carried out as planned (round trips, stated duration).

    Carried equipment whose kind has no rate in the applicable agreement is left off the ledger and
    listed under ``unrated_equipment``, so the dispatcher sees what the agreement does not price. Units
    of a parent jurisdiction serving one of its own subdivisions (a city's teams in its district) are
    its own forces, not lent: they are listed under ``own_forces`` and not charged.
    """
    agreements = agreements_from_dicts(scenario.agreements)
    unrated: list[dict[str, Any]] = []
    parent_units: list[dict[str, Any]] = []
    teams = scenario.by_id("teams")
    bases = scenario.by_id("bases")
    carried: dict[str, dict[str, int]] = {}
    for item in scenario.equipment:
        if item.team is not None:
            carried.setdefault(item.team, {})[item.kind] = carried.get(item.team, {}).get(item.kind, 0) + item.quantity
    missions = []
    for request, region in zip(requests, regions, strict=True):
        deployments = []
        for assignment in (a for a in result.assignments if a.incident == request.id):
            team = teams[assignment.unit]
            lender = bases[team.base].jurisdiction  # type: ignore[attr-defined]
            if lender != region and own_forces(scenario, lender, region):
                parent_units.append({"unit": team.id, "jurisdiction": lender, "serves": region})
                continue
            agreement = find_agreement(agreements, lender, region)
            kit = carried.get(team.id, {})
            priced = {k: n for k, n in kit.items() if agreement is None or k in agreement.rates.equipment_per_day}
            unrated += [{"unit": team.id, "kind": k, "quantity": n} for k, n in kit.items() if k not in priced]
            deployments.append(Deployment(
                unit=team.id, lender=lender, people=team.members, duration_h=request.duration_h,  # type: ignore[attr-defined]
                equipment=priced, transport_km=2 * route_km.get(team.id, 0.0), trips=1,
                lender_province=province_of(scenario, lender)))
        if deployments:
            missions.append(Mission(id=request.id, region=region, kind="accident", deployments=tuple(deployments),
                                    province=province_of(scenario, region),
                                    responsible_unit=request.responsible_unit,
                                    responsible_can_pay=request.responsible_can_pay and bool(request.responsible_unit)))
    if not missions:
        return {"lines": [], "excluded": [], "totals_by_payer": {}, "totals_by_lender": {}, "total": 0.0,
                "unrated_equipment": unrated, "own_forces": parent_units}
    return {**build_ledger(missions, agreements).to_dict(), "unrated_equipment": unrated, "own_forces": parent_units}


def incident_library() -> dict[str, Template]:
    """Return the incident templates, by id (cached by the library loader)."""
    return load_library()
