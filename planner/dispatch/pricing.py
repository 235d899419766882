"""What each candidate assignment of a scenario dispatch will be paid, and the ledger of a plan.

A scenario dispatch sends whole teams. For every (team, incident) pair the team may serve
(:func:`planner.sharing.deployment_terms`, with the scenario's jurisdiction tree), :func:`price_pairs`
builds the deployment the plan would give rise to (the team's members for the incident's expected
duration, its carried equipment that the applicable agreement rates, a round trip along the fastest
route, one trip) and prices it with :func:`planner.sharing.compensate`, the ledger's own function.
:func:`plan_ledger` builds the ledger of a plan from the very same deployments, so the compensation
the optimiser minimises and reports is, to the fen, the ledger's total. Reserve materials are priced the
same way: :func:`price_supplies` prices one unit of each stock lot for each incident it may supply
(the depot's price when the terms pay it, :func:`planner.sharing.compensate`), and the plan's ledger
charges each depot's draws as the deployment of that depot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planner.dispatch.requests import IncidentRequest
from planner.dispatch.result import MaterialAllocation
from planner.model.records import JurisdictionLevel
from planner.scenario.jurisdictions import team_jurisdictions
from planner.scenario.model import Scenario
from planner.sharing import (
    Agreement,
    Deployment,
    MaterialDraw,
    Mission,
    Terms,
    build_ledger,
    compensate,
    deployment_terms,
    rated_equipment,
)


@dataclass(frozen=True)
class PairCharge:
    """A candidate assignment's terms, expected deployment, unrated carried equipment and compensation (yuan)."""

    terms: Terms
    deployment: Deployment
    unrated: Mapping[str, int]
    amount: float


def jurisdiction_parents(scenario: Scenario) -> dict[str, str]:
    """Parent of each jurisdiction of the scenario that has one."""
    return {j.id: j.parent for j in scenario.jurisdictions if j.parent}  # type: ignore[attr-defined]


def province_of(scenario: Scenario, region: str) -> str:
    """Return the province a region belongs to (empty when the tree has none)."""
    regions = scenario.by_id("jurisdictions")
    for ancestor in scenario.ancestors(region):
        if regions[ancestor].level is JurisdictionLevel.PROVINCE:  # type: ignore[attr-defined]
            return ancestor
    return ""


def carried_equipment(scenario: Scenario) -> dict[str, dict[str, int]]:
    """Equipment each team carries, by kind: items held by the team rather than a base, in service (others stay)."""
    carried: dict[str, dict[str, int]] = {}
    for item in scenario.equipment:
        if item.team is not None and item.in_service:
            kit = carried.setdefault(item.team, {})
            kit[item.kind] = kit.get(item.kind, 0) + item.quantity
    return carried


def price_pairs(
    scenario: Scenario,
    agreements: Sequence[Agreement],
    requests: Sequence[IncidentRequest],
    regions: Sequence[str],
    route_km: Mapping[tuple[str, str], float],
    *,
    people: Mapping[str, int] | None = None,
) -> dict[tuple[str, str], PairCharge]:
    """Price every (team id, incident id) pair of ``route_km`` that the team may serve.

    Parameters
    ----------
    scenario
        Teams, bases, equipment and the jurisdiction tree.
    agreements
        The scenario's agreements, parsed.
    requests
        The incidents, with their expected duration and responsible unit.
    regions
        Region of each incident, in the order of ``requests``.
    route_km
        One-way road kilometres of the fastest route of each reachable pair.
    people
        People each team sends (its people on duty at the dispatch time); a team not named sends its
        ``members``.

    Returns
    -------
    dict
        A charge for every allowed pair; pairs crossing a border without an agreement are left out.

    """
    parents = jurisdiction_parents(scenario)
    home = team_jurisdictions(scenario)
    kits = carried_equipment(scenario)
    duration = {r.id: r.duration_h for r in requests}
    region_of_incident = {r.id: region for r, region in zip(requests, regions, strict=True)}
    provinces: dict[str, str] = {}
    out: dict[tuple[str, str], PairCharge] = {}
    for (team_id, incident_id), km in route_km.items():
        lender = home[team_id]
        terms = deployment_terms(agreements, lender, region_of_incident[incident_id], parents=parents)
        if terms is None:
            continue
        if lender not in provinces:
            provinces[lender] = province_of(scenario, lender)
        sent = None if people is None else people.get(team_id)
        deployment, unrated = team_deployment(scenario, team_id, terms, duration[incident_id], km, kits=kits,
                                              lender_province=provinces[lender], people=sent)
        out[(team_id, incident_id)] = PairCharge(terms, deployment, unrated, compensate(deployment, terms).amount)
    return out


def team_deployment(scenario: Scenario, team_id: str, terms: Terms, duration_h: float, route_km: float, *,
                    kits: Mapping[str, Mapping[str, int]] | None = None, lender_province: str | None = None,
                    people: int | None = None) -> tuple[Deployment, dict[str, int]]:
    """Return the deployment a whole team gives rise to, and its carried kit the agreement does not rate.

    The team's people (``people``, its people on duty, else its members) for ``duration_h`` hours, its
    carried equipment that the terms' agreement rates, a round trip of ``route_km`` one-way kilometres, one
    trip: what a plan expects (the incident's expected duration) and what a request's claim charges (the
    hours from departure to return), priced alike.
    """
    team = scenario.by_id("teams")[team_id]
    carried = (kits if kits is not None else carried_equipment(scenario)).get(team_id, {})
    rated, unrated = rated_equipment(dict(carried), terms)
    province = province_of(scenario, terms.lender) if lender_province is None else lender_province
    sent = team.members if people is None else people  # type: ignore[attr-defined]
    deployment = Deployment(unit=team_id, lender=terms.lender, people=sent, duration_h=duration_h, equipment=rated,
                            transport_km=2 * route_km, trips=1, lender_province=province)
    return deployment, unrated


def incident_mission(scenario: Scenario, mission_id: str, region: str, deployments: Sequence[Deployment], *,
                     responsible_unit: str = "", responsible_can_pay: bool = True,
                     kind: str = "accident") -> Mission:
    """Return the mission of an incident in ``region`` (its province from the tree) with its deployments."""
    return Mission(id=mission_id, region=region, kind=kind,  # type: ignore[arg-type]
                   deployments=tuple(deployments), province=province_of(scenario, region),
                   responsible_unit=responsible_unit,
                   responsible_can_pay=responsible_can_pay and bool(responsible_unit))


def price_supplies(
    scenario: Scenario,
    agreements: Sequence[Agreement],
    requests: Sequence[IncidentRequest],
    regions: Sequence[str],
    lots: Sequence[str],
) -> dict[tuple[str, str], float]:
    """Yuan charged per unit of each stock lot for each incident its depot may supply (R-AGREEMENT).

    A lot whose depot may not serve an incident's region (across a border without an agreement) is left
    out for that incident; one whose terms do not pay materials is priced 0.
    """
    parents = jurisdiction_parents(scenario)
    stocks = {s.id: s for s in scenario.stocks}
    depots = {d.id: d for d in scenario.depots}
    out: dict[tuple[str, str], float] = {}
    for lot in lots:
        stock = stocks[lot]
        depot = depots[stock.depot]
        for request, region in zip(requests, regions, strict=True):
            terms = deployment_terms(agreements, depot.jurisdiction, region, parents=parents)
            if terms is None:
                continue
            one = Deployment(unit=depot.id, lender=depot.jurisdiction, people=0, duration_h=0,
                             materials=(MaterialDraw(stock.id, stock.material, 1, stock.unit_price, stock.unit),))
            out[(lot, request.id)] = compensate(one, terms).amount
    return out


def depot_deployments(scenario: Scenario, allocations: Iterable[MaterialAllocation]) -> dict[str, list[Deployment]]:
    """Return, by incident id, the deployment of each depot it draws from: the draws at the depot's price."""
    depots = {d.id: d for d in scenario.depots}
    stocks = {s.id: s for s in scenario.stocks}
    draws: dict[tuple[str, str], list[MaterialDraw]] = {}
    for a in allocations:
        draws.setdefault((a.incident, a.depot), []).append(
            MaterialDraw(a.stock, a.material, a.quantity, stocks[a.stock].unit_price, a.unit))
    out: dict[str, list[Deployment]] = {}
    for (incident_id, depot_id), drawn in sorted(draws.items()):
        lender = depots[depot_id].jurisdiction
        out.setdefault(incident_id, []).append(Deployment(unit=depot_id, lender=lender, people=0, duration_h=0,
                                                          materials=tuple(drawn)))
    return out


def plan_ledger(
    scenario: Scenario,
    agreements: Sequence[Agreement],
    requests: Sequence[IncidentRequest],
    regions: Sequence[str],
    charges: Mapping[tuple[str, str], PairCharge],
    assignments: Iterable[tuple[str, str]],
    materials: Iterable[MaterialAllocation] = (),
) -> dict[str, Any]:
    """Return the compensation ledger of a plan, built from the priced deployments of its (unit, incident) pairs.

    The reserve materials drawn (``materials``) are charged as each depot's deployment to its incident.

    Besides the ledger's lines, excluded claims and totals: ``unrated_equipment`` lists carried
    equipment the applicable agreement does not rate (left off the ledger, so the dispatcher sees what
    the agreement does not price), and ``own_forces`` the units of a parent jurisdiction serving one of
    its subdivisions without an agreement (not lent, not compensated).
    """
    by_incident: dict[str, list[PairCharge]] = {}
    for unit_id, incident_id in assignments:
        by_incident.setdefault(incident_id, []).append(charges[(unit_id, incident_id)])
    supplied = depot_deployments(scenario, materials)
    missions = []
    unrated: list[dict[str, Any]] = []
    own: list[dict[str, Any]] = []
    for request, region in zip(requests, regions, strict=True):
        sent = by_incident.get(request.id, [])
        for charge in sent:
            unrated += [{"unit": charge.deployment.unit, "kind": k, "quantity": n} for k, n in charge.unrated.items()]
            if charge.terms.own_forces and charge.terms.lender != region:
                own.append({"unit": charge.deployment.unit, "jurisdiction": charge.terms.lender, "serves": region})
        if sent or request.id in supplied:
            missions.append(incident_mission(scenario, request.id, region,
                                             [*(c.deployment for c in sent), *supplied.get(request.id, ())],
                                             responsible_unit=request.responsible_unit,
                                             responsible_can_pay=request.responsible_can_pay))
    ledger = build_ledger(missions, agreements, parents=jurisdiction_parents(scenario))
    return {**ledger.to_dict(), "unrated_equipment": unrated, "own_forces": own}
