"""Reserve materials: divisible quantities from several depots, arrival by the last depot, charged at the depot's price.

The optimiser's allocation is checked against every allocation of small instances enumerated by hand
(not against its own output), and on the mini scenario against road travel times computed here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from types import MappingProxyType

import pytest

from geodata.matrix import travel_time_matrix
from planner.availability import availability
from planner.dispatch.materials import allocate_materials, allocate_materials_greedy, supply_options
from planner.dispatch.problem import DispatchProblem, Incident, MaterialNeed, Supply, problem_from_dict
from planner.dispatch.requests import incident_library, parse_incident_request
from planner.dispatch.scenario import dispatch_scenario
from planner.errors import InputError
from planner.model.records import RECORD_TYPES, parse_record
from planner.model.status import Status
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from planner.scenario.network import join_points, placement
from planner.sharing import Agreement
from tests.conftest import MINI

ZONE = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 7, 1, 9, 0, tzinfo=ZONE)


def brute_force(problem: DispatchProblem) -> tuple[float, float, float]:
    """The lexicographic optimum (weighted short, weighted last arrival, cost) over every integer allocation."""
    options = supply_options(problem)
    keys = sorted(options)
    lots = {s.id: s.quantity for s in problem.supplies}
    needs = {(i.id, k): (i, n) for i in problem.incidents for k, n in enumerate(i.materials)}
    best = None
    for amounts in itertools.product(*[range(min(options[k].supply.quantity, needs[k[1]][1].quantity) + 1)
                                       for k in keys]):
        drawn = dict(zip(keys, amounts, strict=True))
        if any(sum(v for k, v in drawn.items() if k[0] == lot) > q for lot, q in lots.items()):
            continue
        short = arrival = cost = 0.0
        for n, (incident, need) in needs.items():
            used = [(options[k], v) for k, v in drawn.items() if k[1] == n and v > 0]
            short += incident.priority * max(0, need.quantity - sum(v for _, v in used))
            arrival += incident.priority * max((o.arrival_min for o, _ in used), default=0.0)
            cost += sum(o.unit_cost * v for o, v in used)
        value = (short, round(arrival, 6), round(cost, 6))
        best = value if best is None or value < best else best
    assert best is not None
    return best


def small_problem(**changes) -> DispatchProblem:
    supplies = (Supply("L1", "D1", "A", "foam", 4, 10.0, 5.0, "L"), Supply("L2", "D2", "A", "foam", 4, 7.0, 0.0, "L"),
                Supply("L3", "D3", "B", "foam", 6, 5.0, 0.0, "L"))
    incidents = (Incident("I1", "A", 2, (), materials=(MaterialNeed("foam", 6, 60.0, "L"),)),
                 Incident("I2", "A", 1, (), materials=(MaterialNeed("foam", 5, 60.0, "L"),)))
    travel = {("D1", "I1"): 10.0, ("D2", "I1"): 30.0, ("D3", "I1"): 12.0,
              ("D1", "I2"): 40.0, ("D2", "I2"): 8.0, ("D3", "I2"): 20.0}
    base = DispatchProblem((), incidents, MappingProxyType({}), supplies=supplies,
                           supply_travel_min=MappingProxyType(travel))
    return DispatchProblem(**{**base.__dict__, **changes})


@pytest.mark.parametrize("changes", [
    {},
    {"agreements": (Agreement("B", "A"),)},  # D3 (region B) may supply A only under an agreement
    {"supply_travel_min": MappingProxyType({("D1", "I1"): 10.0, ("D2", "I1"): 61.0, ("D2", "I2"): 8.0,
                                            ("D1", "I2"): 70.0})},  # D2 too late for I1, D1 for I2
])
def test_the_allocation_is_the_lexicographic_optimum_of_every_allocation(changes):
    problem = small_problem(**changes)
    plan = allocate_materials(problem)
    assert plan.status is Status.OPTIMAL
    assert (plan.weighted_shortfall, plan.weighted_arrival, plan.cost) == pytest.approx(brute_force(problem))
    greedy = allocate_materials_greedy(problem)
    assert (greedy.weighted_shortfall, greedy.weighted_arrival, greedy.cost) >= (
        plan.weighted_shortfall, plan.weighted_arrival - 1e-9, plan.cost - 1e-9)
    for lot in problem.supplies:  # no lot gives more than it holds
        assert sum(a.quantity for a in plan.allocations if a.stock == lot.id) <= lot.quantity


def test_a_depot_across_a_border_without_an_agreement_supplies_nothing():
    options = supply_options(small_problem())
    assert not any(key[0] == "L3" for key in options)
    assert any(key[0] == "L3" for key in supply_options(small_problem(agreements=(Agreement("B", "A"),))))


def test_problem_files_carry_supplies_and_refuse_unknown_depots():
    data = {"units": [], "incidents": [{"id": "I1", "region": "A", "priority": 1, "requirements": [],
                                        "materials": [{"material": "foam", "quantity": 3, "deadline_min": 30}]}],
            "supplies": [{"id": "L1", "depot": "D1", "region": "A", "material": "foam", "quantity": 5,
                          "unit_price": 2.5}],
            "supply_travel_min": {"D1": {"I1": 12}}}
    problem = problem_from_dict(data)
    assert problem.supply_travel_min[("D1", "I1")] == 12
    plan = allocate_materials(problem)
    assert [(a.stock, a.quantity, a.cost) for a in plan.allocations] == [("L1", 3, 7.5)]
    with pytest.raises(InputError, match="supply_travel_min: unknown depot 'D9'"):
        problem_from_dict({**data, "supply_travel_min": {"D9": {"I1": 1}}})


# ----------------------------------------------------------------------------------------------------
# On a scenario: the acceptance case, and the ledger


def with_depots(base: Scenario, depots: list[dict], stocks: list[dict]) -> Scenario:
    grouped = {kind: list(base.records(kind)) for kind in RECORD_TYPES}
    grouped["depots"] = [parse_record(RECORD_TYPES["depots"], d) for d in depots]
    grouped["stocks"] = [parse_record(RECORD_TYPES["stocks"], s) for s in stocks]
    return Scenario.build(base.name, base.meta, grouped, base.agreements)


def test_2000_litres_of_foam_come_from_two_depots_of_1200_and_the_ledger_charges_quantity_times_price():
    mini = read_scenario(MINI)
    depots = [{"id": "D1", "name": "Lixia reserve", "jurisdiction": "LX", "lon": 117.05, "lat": 36.66,
               "turnout_min": 20},
              {"id": "D2", "name": "Refinery reserve", "jurisdiction": "LX", "lon": 117.12, "lat": 36.68,
               "turnout_min": 10},
              {"id": "D3", "name": "Old lot", "jurisdiction": "LX", "lon": 117.11, "lat": 36.69}]
    stocks = [{"id": "K1", "depot": "D1", "material": "foam_concentrate", "quantity": 1200, "unit": "L",
               "unit_price": 18.5, "expires": "2028-12-31"},
              {"id": "K2", "depot": "D2", "material": "foam_concentrate", "quantity": 1200, "unit": "L",
               "unit_price": 16.8},
              {"id": "K3", "depot": "D3", "material": "foam_concentrate", "quantity": 5000, "unit": "L",
               "unit_price": 1.0, "expires": "2026-06-30"}]  # expired the day before: not counted
    scenario = with_depots(mini, depots, stocks)
    request = parse_incident_request({"lon": 117.1, "lat": 36.685, "type": "chemical-fire-explosion",
                                      "requirements": [], "responsible_unit": "refinery"}, 0, incident_library())
    assert request.materials[0].quantity == 2000 and request.materials[0].unit == "L"
    run = dispatch_scenario(scenario, [request], available=availability(scenario, AT))
    drawn = {(a.depot, a.stock): a.quantity for a in run.optimal.materials}
    assert drawn == {("D2", "K2"): 1200, ("D1", "K1"): 800}  # the cheaper lot whole, the rest from the other
    assert not run.optimal.material_shortfall
    # Arrival of the foam is that of the later depot: turn-out plus road travel, computed here.
    placed = placement(scenario)
    joined = join_points(scenario, placed.network, [request.lon], [request.lat])  # part-way along its road
    minutes = {d: travel_time_matrix(joined.network, [placed.depot_node[d]], joined.node)[0, 0] / 60
               for d in ("D1", "D2")}
    arrivals = {a.depot: a.arrival_min for a in run.optimal.materials}
    assert arrivals["D1"] == pytest.approx(20 + minutes["D1"], abs=1e-3)
    assert arrivals["D2"] == pytest.approx(10 + minutes["D2"], abs=1e-3)
    assert run.optimal.objective.material_arrival == pytest.approx(max(arrivals.values()), abs=1e-3)
    lines = [(line["unit"], line["item"], line["quantity"], line["rate"], line["amount"], line["payer"])
             for line in run.ledger["lines"] if line["line"] == "materials"]
    assert sorted(lines) == [("D1", "foam_concentrate", 800.0, 18.5, 14800.0, "unit:refinery"),
                             ("D2", "foam_concentrate", 1200.0, 16.8, 20160.0, "unit:refinery")]
    assert run.optimal.objective.compensation == pytest.approx(run.ledger["total"])
    assert run.ledger["total"] == pytest.approx(14800.0 + 20160.0 + sum(
        line["amount"] for line in run.ledger["lines"] if line["line"] != "materials"))


def test_without_enough_usable_stock_the_shortfall_is_reported():
    mini = read_scenario(MINI)
    depots = [{"id": "D1", "name": "Lixia reserve", "jurisdiction": "LX", "lon": 117.05, "lat": 36.66}]
    stocks = [{"id": "K1", "depot": "D1", "material": "foam_concentrate", "quantity": 1200, "unit": "L",
               "unit_price": 18.5}]
    scenario = with_depots(mini, depots, stocks)
    request = parse_incident_request({"lon": 117.1, "lat": 36.685, "requirements": [], "type": "",
                                      "materials": [{"material": "foam_concentrate", "quantity": 2000, "unit": "L",
                                                     "deadline_min": 120}]}, 0, incident_library())
    run = dispatch_scenario(scenario, [request])
    assert [(s.material, s.missing) for s in run.optimal.material_shortfall] == [("foam_concentrate", 800)]
    assert [(a.stock, a.quantity) for a in run.optimal.materials] == [("K1", 1200)]
