"""Dispatch optimiser and greedy baseline: hand-solved cases, an independent checker, brute force.

The checker and the brute-force enumerator below work on the raw JSON-like problem dict and share no
code with ``planner.dispatch.optimiser*``: they restate the semantics of the issue directly.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections.abc import Mapping
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.dispatch.formulation import cover_rows
from planner.dispatch.greedy import solve_dispatch_greedy
from planner.dispatch.optimiser import redispatch, solve_dispatch
from planner.dispatch.problem import Incident, Requirement, problem_from_dict
from planner.dispatch.rules import retained_minimums
from planner.errors import InfeasibleError, InputError
from planner.model.status import Status
from tests.conftest import FIXTURES

TOL = 1e-6

# ----------------------------------------------------------------------------------------------------
# Independent semantics


def _agreement(problem: Mapping[str, Any], lender: str, borrower: str) -> Mapping[str, Any] | None:
    for a in problem.get("agreements", []):
        if a["lender"] == lender and a["borrower"] == borrower:
            return a
    return None


def violations(
    problem: Mapping[str, Any],
    assignment: Mapping[str, str],
    *,
    kept: Mapping[str, str] | None = None,
    released: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Every broken rule of a unit -> incident map; empty when feasible.

    ``kept`` units (re-dispatch) must stay on their incident; ``released`` units count as available.
    """
    kept = kept or {}
    units = {u["id"]: u for u in problem["units"]}
    incidents = {i["id"]: i for i in problem["incidents"]}
    travel = problem.get("travel_min", {})
    problems: list[str] = []
    for unit_id, incident_id in kept.items():
        if assignment.get(unit_id) != incident_id:
            problems.append(f"kept unit {unit_id} left {incident_id}")
    for unit_id, incident_id in assignment.items():
        unit, incident = units[unit_id], incidents[incident_id]
        if unit_id in kept:
            continue
        if unit.get("status", "available") != "available" and unit_id not in released:
            problems.append(f"unavailable unit {unit_id} sent")
        if travel.get(unit_id, {}).get(incident_id) is None:
            problems.append(f"unit {unit_id} cannot reach {incident_id}")
        if unit["region"] != incident["region"] and _agreement(problem, unit["region"], incident["region"]) is None:
            problems.append(f"unit {unit_id} crossed {unit['region']}->{incident['region']} without agreement")

    def at_home(region: str, capability: str) -> int:
        return sum(
            u["capabilities"].get(capability, 0)
            for u in problem["units"]
            if u["region"] == region
            and (u.get("status", "available") == "available" or u["id"] in released)
            and u["id"] not in assignment
            and u["id"] not in kept
        )

    for region, minimums in problem.get("min_retained", {}).items():
        for capability, minimum in minimums.items():
            if at_home(region, capability) < minimum:
                problems.append(f"region {region} keeps {at_home(region, capability)} < {minimum} {capability}")
    for a in problem.get("agreements", []):
        lends = any(
            units[u]["region"] == a["lender"]
            and incidents[i]["region"] == a["borrower"]
            and a["lender"] != a["borrower"]
            for u, i in assignment.items()
            if u not in kept
        )
        if lends:
            for capability, minimum in a.get("retained", {}).items():
                if at_home(a["lender"], capability) < minimum:
                    problems.append(f"lender {a['lender']} keeps < {minimum} {capability} while lending")
    return problems


def score(problem: Mapping[str, Any], assignment: Mapping[str, str]) -> tuple[int, float, float]:
    """(priority-weighted shortfall, priority-weighted arrival minutes, compensation) of a map."""
    units = {u["id"]: u for u in problem["units"]}
    travel = problem.get("travel_min", {})
    shortfall = 0
    arrival = 0.0
    cost = 0.0
    for incident in problem["incidents"]:
        sent = [u for u, i in assignment.items() if i == incident["id"]]
        for requirement in incident["requirements"]:
            on_time = 0
            for unit_id in sent:
                unit = units[unit_id]
                arrives = unit.get("ready_min", 0) + travel[unit_id][incident["id"]]
                agreement = None
                if unit["region"] != incident["region"]:
                    agreement = _agreement(problem, unit["region"], incident["region"])
                covered = agreement is None or not agreement.get("capabilities") or (
                    requirement["capability"] in agreement["capabilities"]
                )
                if arrives <= requirement["deadline_min"] and covered:
                    on_time += unit["capabilities"].get(requirement["capability"], 0)
            shortfall += incident["priority"] * max(0, requirement["quantity"] - on_time)
        for unit_id in sent:
            unit = units[unit_id]
            minutes = travel[unit_id][incident["id"]]
            arrival += incident["priority"] * (unit.get("ready_min", 0) + minutes)
            if unit["region"] != incident["region"]:
                a = _agreement(problem, unit["region"], incident["region"])
                if a is not None:
                    cost += a.get("fixed_cost", 0) + a.get("cost_per_travel_min", 0) * minutes
    return shortfall, arrival, cost


def brute_force(
    problem: Mapping[str, Any],
    *,
    kept: Mapping[str, str] | None = None,
    released: set[str] | frozenset[str] = frozenset(),
) -> tuple[int, float, float] | None:
    """Lexicographic minimum of ``score`` over every feasible map, None if there is none."""
    kept = kept or {}
    unit_ids = [u["id"] for u in problem["units"]]
    # Prune per unit the moves that break a single-unit rule; the full check still runs on each map.
    choices = [
        [kept[u]]
        if u in kept
        else [
            None,
            *[i["id"] for i in problem["incidents"] if not violations(problem, {u: i["id"]}, released=released)],
        ]
        for u in unit_ids
    ]
    best: tuple[int, float, float] | None = None
    for combo in itertools.product(*choices):
        assignment = {u: i for u, i in zip(unit_ids, combo, strict=True) if i is not None}
        if violations(problem, assignment, kept=kept, released=released):
            continue
        value = score(problem, assignment)
        value = (value[0], round(value[1], 6), round(value[2], 6))
        if best is None or value < best:
            best = value
    return best


def check_result(
    problem: Mapping[str, Any],
    output: Mapping[str, Any],
    *,
    kept: Mapping[str, str] | None = None,
    released: set[str] | frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Verify every rule and every reported number of a dispatch output; return its unit -> incident map."""
    units = {u["id"]: u for u in problem["units"]}
    travel = problem.get("travel_min", {})
    seen = [a["unit"] for a in output["assignments"]]
    assert len(seen) == len(set(seen)), f"a unit goes to two incidents: {seen}"
    assignment = {a["unit"]: a["incident"] for a in output["assignments"]}
    assert violations(problem, assignment, kept=kept, released=released) == []
    for a in output["assignments"]:
        expected = units[a["unit"]].get("ready_min", 0) + travel[a["unit"]][a["incident"]]
        assert a["arrival_min"] == pytest.approx(expected)
    shortfall, arrival, cost = score(problem, assignment)
    assert output["objective"]["weighted_shortfall"] == shortfall
    assert output["objective"]["weighted_arrival"] == pytest.approx(arrival, abs=1e-3)
    assert output["objective"]["compensation"] == pytest.approx(cost, abs=0.01)
    priorities = {i["id"]: i["priority"] for i in problem["incidents"]}
    listed = sum(priorities[s["incident"]] * s["missing"] for s in output["shortfall"])
    assert listed == shortfall
    assert all(s["missing"] > 0 for s in output["shortfall"])
    return assignment


def assert_every_unit_needed(
    problem: Mapping[str, Any], assignment: Mapping[str, str], kept: Mapping[str, str]
) -> None:
    """Withdrawing any sent (non-kept) unit must make the objective strictly worse."""
    full = score(problem, assignment)
    for unit_id in assignment:
        if unit_id in kept:
            continue
        fewer = {u: i for u, i in assignment.items() if u != unit_id}
        reduced = score(problem, fewer)
        assert (reduced[0], round(reduced[1], 6), round(reduced[2], 6)) > (
            full[0], round(full[1], 6), round(full[2], 6)
        ), f"unit {unit_id} contributes nothing"


def solve_json(problem: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Parse, solve (engine chosen by the optimiser unless ``engine`` is given) and return the JSON-ready output."""
    return solve_dispatch(problem_from_dict(problem), time_limit_s=kwargs.pop("time_limit_s", 10.0), **kwargs).to_dict()


def as_tuple(output: Mapping[str, Any]) -> tuple[int, float, float]:
    o = output["objective"]
    return o["weighted_shortfall"], round(o["weighted_arrival"], 6), round(o["compensation"], 6)


# ----------------------------------------------------------------------------------------------------
# Hand-solved cases


def example() -> dict[str, Any]:
    return json.loads((FIXTURES / "dispatch" / "example.json").read_text())


def test_example_is_solved_by_hand() -> None:
    # A keeps one squad: it can lend T1 (2 squads, 47.5 min) or T2 (1 squad, 40 min), not both.
    # T3 (B, 1 squad, 12 min) + T1 covers 3 squads; T4 has no capability and must stay home.
    problem = example()
    output = solve_json(problem)
    assert output["status"] == "optimal"
    assignment = check_result(problem, output)
    assert assignment == {"T1": "I1", "T3": "I1"}
    assert output["objective"] == {"weighted_shortfall": 0, "weighted_arrival": 178.5, "compensation": 5850.0}
    assert output["bound"]["weighted_shortfall"] == 0
    assert output["bound"]["weighted_arrival"] == pytest.approx(178.5)
    assert output["borrowed"] == [{"unit": "T1", "lender": "A", "borrower": "B", "cost": 5850.0}]


def test_greedy_takes_the_nearest_unit_and_falls_short_on_the_example() -> None:
    problem = example()
    output = solve_dispatch_greedy(problem_from_dict(problem)).to_dict()
    assignment = check_result(problem, output)
    assert assignment == {"T2": "I1", "T3": "I1"}
    assert output["objective"]["weighted_shortfall"] == 3
    assert output["shortfall"] == [
        {"incident": "I1", "capability": "mine_rescue_squad", "missing": 1, "deadline_min": 60.0}
    ]


def _unit(uid: str, region: str, caps: dict[str, int], ready: float = 0, status: str = "available") -> dict[str, Any]:
    return {"id": uid, "region": region, "capabilities": caps, "ready_min": ready, "status": status}


def _incident(iid: str, region: str, priority: int, *reqs: tuple[str, int, float]) -> dict[str, Any]:
    return {
        "id": iid,
        "region": region,
        "priority": priority,
        "requirements": [{"capability": c, "quantity": q, "deadline_min": d} for c, q, d in reqs],
    }


def test_a_unit_with_zero_arrival_that_adds_nothing_stays_home() -> None:
    problem = {
        "units": [_unit("U1", "A", {"squad": 1}), _unit("U2", "A", {"squad": 1}), _unit("U3", "A", {"pump": 4})],
        "incidents": [_incident("I1", "A", 1, ("squad", 1, 30))],
        "travel_min": {"U1": {"I1": 0}, "U2": {"I1": 0}, "U3": {"I1": 0}},
    }
    output = solve_json(problem)
    assert len(output["assignments"]) == 1
    assert output["objective"]["weighted_shortfall"] == 0


def test_no_agreement_no_border_crossing_even_with_a_shortfall() -> None:
    problem = {
        "units": [_unit("U1", "A", {"squad": 3}), _unit("U2", "B", {"squad": 1})],
        "incidents": [_incident("I1", "B", 2, ("squad", 3, 60))],
        "travel_min": {"U1": {"I1": 5}, "U2": {"I1": 50}},
    }
    output = solve_json(problem)
    assert [a["unit"] for a in output["assignments"]] == ["U2"]
    assert output["objective"]["weighted_shortfall"] == 4
    assert output["borrowed"] == []


def test_a_lent_unit_contributes_only_capabilities_the_agreement_covers() -> None:
    problem = {
        "units": [_unit("U1", "A", {"squad": 2, "pump": 1})],
        "incidents": [_incident("I1", "B", 1, ("squad", 1, 60), ("pump", 1, 60))],
        "travel_min": {"U1": {"I1": 10}},
        "agreements": [{"lender": "A", "borrower": "B", "capabilities": ["pump"]}],
    }
    output = solve_json(problem)
    check_result(problem, output)
    assert output["shortfall"] == [{"incident": "I1", "capability": "squad", "missing": 1, "deadline_min": 60.0}]


def test_committed_and_drilling_units_are_never_sent() -> None:
    problem = {
        "units": [
            _unit("U1", "A", {"squad": 1}, status="committed"),
            _unit("U2", "A", {"squad": 1}, status="drilling"),
            _unit("U3", "A", {"squad": 1}, ready=20),
        ],
        "incidents": [_incident("I1", "A", 1, ("squad", 2, 60))],
        "travel_min": {"U1": {"I1": 1}, "U2": {"I1": 1}, "U3": {"I1": 1}},
    }
    output = solve_json(problem)
    assert [a["unit"] for a in output["assignments"]] == ["U3"]
    assert output["objective"]["weighted_shortfall"] == 1


def test_two_requirements_for_one_capability_count_separately() -> None:
    # U1 (2 squads) arrives at 20: late for the 10-minute requirement, on time for the 60-minute one.
    problem = {
        "units": [_unit("U1", "A", {"squad": 2})],
        "incidents": [_incident("I1", "A", 2, ("squad", 1, 10), ("squad", 2, 60))],
        "travel_min": {"U1": {"I1": 20}},
    }
    output = solve_json(problem)
    assert output["shortfall"] == [{"incident": "I1", "capability": "squad", "missing": 1, "deadline_min": 10.0}]
    assert output["objective"]["weighted_shortfall"] == 2


def test_priority_decides_who_gets_the_only_unit() -> None:
    problem = {
        "units": [_unit("U1", "A", {"squad": 1})],
        "incidents": [_incident("LOW", "A", 1, ("squad", 1, 60)), _incident("HIGH", "A", 5, ("squad", 1, 60))],
        "travel_min": {"U1": {"LOW": 1, "HIGH": 59}},
    }
    output = solve_json(problem)
    assert output["assignments"] == [{"unit": "U1", "incident": "HIGH", "arrival_min": 59.0}]


def test_arrival_beats_compensation_and_compensation_breaks_ties() -> None:
    base = {
        "units": [_unit("HOME", "B", {"squad": 1}), _unit("AWAY", "A", {"squad": 1})],
        "incidents": [_incident("I1", "B", 1, ("squad", 1, 60))],
        "agreements": [{"lender": "A", "borrower": "B", "fixed_cost": 1000}],
    }
    faster_away = {**base, "travel_min": {"HOME": {"I1": 30}, "AWAY": {"I1": 29.5}}}
    assert [a["unit"] for a in solve_json(faster_away)["assignments"]] == ["AWAY"]
    tied = {**base, "travel_min": {"HOME": {"I1": 30}, "AWAY": {"I1": 30}}}
    output = solve_json(tied)
    assert [a["unit"] for a in output["assignments"]] == ["HOME"]
    assert output["objective"]["compensation"] == 0


def test_compensation_comes_before_the_number_of_units() -> None:
    # One lent unit (arrival 10, cost 1000) or two home units (arrival 5 + 5, free): same arrival sum.
    problem = {
        "units": [_unit("AWAY", "A", {"squad": 2}), _unit("H1", "B", {"squad": 1}), _unit("H2", "B", {"squad": 1})],
        "incidents": [_incident("I1", "B", 1, ("squad", 2, 60))],
        "travel_min": {"AWAY": {"I1": 10}, "H1": {"I1": 5}, "H2": {"I1": 5}},
        "agreements": [{"lender": "A", "borrower": "B", "fixed_cost": 1000}],
    }
    output = solve_json(problem)
    assert sorted(a["unit"] for a in output["assignments"]) == ["H1", "H2"]
    assert output["objective"] == {"weighted_shortfall": 0, "weighted_arrival": 10.0, "compensation": 0.0}


def test_arrival_exactly_at_the_deadline_counts_and_half_a_minute_late_does_not() -> None:
    problem = {
        "units": [_unit("ON", "A", {"squad": 1}, ready=5), _unit("LATE", "A", {"squad": 1}, ready=5)],
        "incidents": [_incident("I1", "A", 1, ("squad", 2, 30))],
        "travel_min": {"ON": {"I1": 25}, "LATE": {"I1": 25.5}},
    }
    output = solve_json(problem)
    assert output["assignments"] == [{"unit": "ON", "incident": "I1", "arrival_min": 30.0}]
    assert output["objective"]["weighted_shortfall"] == 1


def test_agreement_retained_minimum_applies_while_lending() -> None:
    problem = {
        "units": [_unit("U1", "A", {"squad": 1}), _unit("U2", "A", {"squad": 1})],
        "incidents": [_incident("I1", "B", 1, ("squad", 2, 60))],
        "travel_min": {"U1": {"I1": 10}, "U2": {"I1": 12}},
        "agreements": [{"lender": "A", "borrower": "B", "retained": {"squad": 1}}],
    }
    output = solve_json(problem)
    check_result(problem, output)
    assert [a["unit"] for a in output["assignments"]] == ["U1"]
    greedy = solve_dispatch_greedy(problem_from_dict(problem)).to_dict()
    check_result(problem, greedy)
    assert [a["unit"] for a in greedy["assignments"]] == ["U1"]


def _twins_problem() -> dict[str, Any]:
    """Twins UB (region B) and UC (region C), equally fast to an incident in A; B->A is the cheaper plan."""
    return {
        "units": [_unit("UB", "B", {"squad": 1}), _unit("UC", "C", {"squad": 1})],
        "incidents": [_incident("I1", "A", 1, ("squad", 1, 30))],
        "travel_min": {"UB": {"I1": 10}, "UC": {"I1": 10}},
        "agreements": [{"lender": "B", "borrower": "A", "fixed_cost": 100},
                       {"lender": "C", "borrower": "A", "fixed_cost": 500}],
    }


def test_priced_pairs_are_what_the_optimiser_minimises() -> None:
    # Problem files keep the agreements' planning cost: B's twin, 100 yuan.
    planned = problem_from_dict(_twins_problem())
    out = solve_dispatch(planned)
    assert [a.unit for a in out.assignments] == ["UB"] and out.objective.compensation == 100
    # A caller that prices the pairs (a scenario dispatch: the ledger's compensation) replaces it.
    priced = dataclasses.replace(planned, pair_cost={("UB", "I1"): 900.0, ("UC", "I1"): 312.5})
    for result in (solve_dispatch(priced), solve_dispatch_greedy(priced)):
        assert [a.unit for a in result.assignments] == ["UC"]
        assert result.objective.compensation == 312.5
        assert [(b.unit, b.lender, b.cost) for b in result.borrowed] == [("UC", "C", 312.5)]


def test_a_parent_regions_unit_serves_without_an_agreement_only_when_the_tree_says_so() -> None:
    problem = problem_from_dict({
        "units": [_unit("U1", "CITY", {"squad": 1})],
        "incidents": [_incident("I1", "DISTRICT", 1, ("squad", 1, 30))],
        "travel_min": {"U1": {"I1": 5}},
    })
    assert solve_dispatch(problem).assignments == ()  # no agreement CITY -> DISTRICT, no tree: not allowed
    tree = dataclasses.replace(problem, parents={"DISTRICT": "CITY", "CITY": "PROVINCE"})
    out = solve_dispatch(tree)
    assert [a.unit for a in out.assignments] == ["U1"]
    assert out.borrowed == () and out.objective.compensation == 0  # the district's own forces, not lent
    child = dataclasses.replace(problem, parents={"CITY": "DISTRICT"})  # the unit's region is the child
    assert solve_dispatch(child).assignments == ()


def test_min_retained_that_cannot_hold_is_infeasible_with_the_numbers() -> None:
    problem = {
        "units": [_unit("U1", "A", {"squad": 1}), _unit("U2", "A", {"squad": 1}, status="drilling")],
        "incidents": [],
        "travel_min": {},
        "min_retained": {"A": {"squad": 2}},
    }
    with pytest.raises(InfeasibleError, match=r"region A must keep 2 squad .* only 1"):
        solve_dispatch(problem_from_dict(problem))
    with pytest.raises(InfeasibleError):
        solve_dispatch_greedy(problem_from_dict(problem))


def test_unreachable_pairs_are_never_assigned() -> None:
    problem = {
        "units": [_unit("U1", "A", {"squad": 1})],
        "incidents": [_incident("I1", "A", 1, ("squad", 1, 60))],
        "travel_min": {"U1": {"I1": None}},
    }
    output = solve_json(problem)
    assert output["assignments"] == []
    assert output["objective"]["weighted_shortfall"] == 1


def test_invalid_time_limit_is_an_input_error() -> None:
    with pytest.raises(InputError, match="time limit"):
        solve_dispatch(problem_from_dict(example()), time_limit_s=0)


# ----------------------------------------------------------------------------------------------------
# Re-dispatch


def _redispatch_problem() -> dict[str, Any]:
    return {
        "units": [
            _unit("U1", "A", {"squad": 1}, status="committed"),
            _unit("U2", "A", {"squad": 1}, status="committed"),
            _unit("U3", "A", {"squad": 1}),
        ],
        "incidents": [
            _incident("OLD", "A", 1, ("squad", 1, 120)),
            _incident("NEW", "A", 5, ("squad", 2, 30)),
        ],
        "travel_min": {
            "U1": {"OLD": 0, "NEW": 10},
            "U2": {"OLD": 0, "NEW": 50},
            "U3": {"OLD": 40, "NEW": 25},
        },
    }


def test_redispatch_keeps_committed_units_in_place() -> None:
    problem = _redispatch_problem()
    current = {"U1": "OLD", "U2": "OLD"}
    out = redispatch(problem_from_dict(problem), current)
    check_result(problem, out.result.to_dict(), kept=current)
    assert [a.unit for a in out.kept] == ["U1", "U2"]
    assert out.moved == () and out.released == ()
    assert [(a.unit, a.incident) for a in out.added] == [("U3", "NEW")]
    assert out.result.objective.weighted_shortfall == 5


def test_redispatch_moves_a_releasable_unit_and_reports_the_difference() -> None:
    problem = _redispatch_problem()
    current = {"U1": "OLD", "U2": "OLD"}
    out = redispatch(problem_from_dict(problem), current, releasable=["U1", "U2"])
    check_result(problem, out.result.to_dict(), kept={}, released={"U1", "U2"})
    # U1 moves to NEW with U3; U2 stays on OLD (one squad needed there).
    assert out.moved == (("U1", "OLD", "NEW"),)
    assert [a.unit for a in out.kept] == ["U2"]
    assert [a.unit for a in out.added] == ["U3"]
    assert out.released == ()
    assert out.result.objective.weighted_shortfall == 0
    payload = out.to_dict()
    assert payload["moved"] == [{"unit": "U1", "from": "OLD", "to": "NEW"}]


def test_redispatch_releases_a_unit_that_is_no_longer_needed() -> None:
    problem = _redispatch_problem()
    current = {"U1": "OLD", "U2": "OLD"}  # two squads on OLD, one is enough
    out = redispatch(problem_from_dict(problem), current, releasable=["U2"])
    assert out.released == (("U2", "OLD"),)


def test_redispatch_rejects_a_releasable_unit_that_is_not_committed() -> None:
    with pytest.raises(InputError, match="releasable"):
        redispatch(problem_from_dict(_redispatch_problem()), {"U1": "OLD"}, releasable=["U3"])


def test_problem_with_incident_adds_a_new_incident() -> None:
    problem = problem_from_dict(_redispatch_problem())
    bigger = problem.with_incident(Incident("NEWER", "A", 2, (Requirement("squad", 1, 60.0),)), {"U3": 5.0})
    out = redispatch(bigger, {"U1": "OLD", "U2": "OLD"})
    assert {a.incident for a in out.added} <= {"NEW", "NEWER"}
    assert len(bigger.incidents) == 3


# ----------------------------------------------------------------------------------------------------
# Properties against brute force


@st.composite
def problems(draw: st.DrawFn, *, max_units: int = 6, max_incidents: int = 3) -> dict[str, Any]:
    regions = ["A", "B", "C"][: draw(st.sampled_from([1, 2, 2, 3]))]
    capabilities = ["squad", "pump"]
    n_units = draw(st.integers(1, max_units))
    n_incidents = draw(st.integers(1, max_incidents))
    units = [
        {
            "id": f"U{k}",
            "region": draw(st.sampled_from(regions)),
            "capabilities": {c: draw(st.integers(0, 3)) for c in capabilities if draw(st.integers(0, 3)) > 0},
            "ready_min": draw(st.sampled_from([0, 0, 5, 10])),
            "status": draw(st.sampled_from(["available"] * 6 + ["committed", "drilling"])),
        }
        for k in range(n_units)
    ]
    incidents = [
        {
            "id": f"I{k}",
            "region": draw(st.sampled_from(regions)),
            "priority": draw(st.integers(1, 4)),
            "requirements": [
                {
                    "capability": draw(st.sampled_from(capabilities)),
                    "quantity": draw(st.integers(0, 5)),
                    "deadline_min": draw(st.sampled_from([10, 15, 20, 25, 30, 45, 60])),
                }
                for _ in range(draw(st.sampled_from([0, 1, 1, 2, 2])))
            ],
        }
        for k in range(n_incidents)
    ]
    # Twins in another region, with the same capabilities and travel minutes, tie on arrival with
    # the original, so the compensation stage has to pick the cheaper one.
    twins = {}
    for unit in list(units):
        if len(units) < max_units and len(regions) > 1 and draw(st.integers(0, 2)) == 0:
            other = draw(st.sampled_from([r for r in regions if r != unit["region"]]))
            twin = {**unit, "id": f"{unit['id']}t", "region": other}
            units.append(twin)
            twins[twin["id"]] = unit["id"]
    travel = {
        u["id"]: {
            # Coarse values make arrivals tie with each other and with deadlines, so
            # the deadline boundary and the compensation tie-break are exercised.
            i["id"]: draw(st.sampled_from([0, 2.5, 5, 10, 12.5, 15, 20, 25, 30, 40, 55]))
            for i in incidents
            if draw(st.integers(0, 5)) > 0
        }
        for u in units
        if u["id"] not in twins
    }
    for twin, original in twins.items():
        travel[twin] = dict(travel[original])
    agreements = []
    for lender, borrower in itertools.permutations(regions, 2):
        if draw(st.integers(0, 2)) > 0:
            agreement: dict[str, Any] = {
                "lender": lender,
                "borrower": borrower,
                "fixed_cost": draw(st.integers(0, 500)),
                "cost_per_travel_min": draw(st.integers(0, 20)) / 5,  # fen-exact with half minutes
            }
            if draw(st.integers(0, 3)) == 0:
                agreement["capabilities"] = [draw(st.sampled_from(capabilities))]
            if draw(st.integers(0, 3)) == 0:
                agreement["retained"] = {draw(st.sampled_from(capabilities)): draw(st.integers(0, 2))}
            agreements.append(agreement)
    min_retained = {
        r: {draw(st.sampled_from(capabilities)): draw(st.integers(0, 2))}
        for r in regions
        if draw(st.integers(0, 2)) == 0
    }
    used = {u["region"] for u in units} | {i["region"] for i in incidents}
    return {
        "units": units,
        "incidents": incidents,
        "travel_min": travel,
        "agreements": [a for a in agreements if a["lender"] in used and a["borrower"] in used],
        "min_retained": {r: m for r, m in min_retained.items() if r in used},
    }


def _feasible_with_nothing_sent(problem: Mapping[str, Any]) -> bool:
    return not violations(problem, {})


@pytest.mark.parametrize("engine", ["cp-sat", "highs"])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_optimiser_matches_brute_force_and_passes_the_checker(engine: str, problem: dict[str, Any]) -> None:
    if not _feasible_with_nothing_sent(problem):
        with pytest.raises(InfeasibleError):
            solve_dispatch(problem_from_dict(problem), engine=engine)
        return
    output = solve_json(problem, workers=2, engine=engine)
    assert output["status"] == Status.OPTIMAL.value
    assert output["method"] == engine
    assignment = check_result(problem, output)
    assert as_tuple(output) == pytest.approx(brute_force(problem), abs=1e-6)
    assert_every_unit_needed(problem, assignment, kept={})
    bound = output["bound"]
    assert bound["weighted_shortfall"] == pytest.approx(output["objective"]["weighted_shortfall"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_separate_stages_match_brute_force_too(problem: dict[str, Any]) -> None:
    # Forces the path taken when W * shortfall + arrival would not be exact in a double.
    if not _feasible_with_nothing_sent(problem):
        return
    with mock.patch("planner.dispatch.optimiser.MERGE_LIMIT", 0):
        output = solve_json(problem, workers=2)
    assert output["status"] == "optimal"
    check_result(problem, output)
    assert as_tuple(output) == pytest.approx(brute_force(problem), abs=1e-6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_greedy_is_feasible_and_never_beats_the_optimum(problem: dict[str, Any]) -> None:
    if not _feasible_with_nothing_sent(problem):
        return
    greedy = solve_dispatch_greedy(problem_from_dict(problem)).to_dict()
    check_result(problem, greedy)
    optimum = brute_force(problem)
    assert optimum is not None
    assert greedy["objective"]["weighted_shortfall"] >= optimum[0]
    assert as_tuple(greedy) >= optimum


@pytest.mark.parametrize("engine", ["cp-sat", "highs"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_units=5, max_incidents=3), st.data())
def test_redispatch_matches_brute_force(engine: str, problem: dict[str, Any], data: st.DataObject) -> None:
    current: dict[str, str] = {}
    for unit in problem["units"]:
        reachable = sorted(problem["travel_min"][unit["id"]])
        if reachable and data.draw(st.booleans()):
            current[unit["id"]] = data.draw(st.sampled_from(reachable))
            unit["status"] = "committed"
    releasable = {u for u in current if data.draw(st.booleans())}
    kept = {u: i for u, i in current.items() if u not in releasable}
    if violations(problem, kept, kept=kept, released=releasable):
        with pytest.raises(InfeasibleError):
            redispatch(problem_from_dict(problem), current, releasable=releasable, engine=engine)
        return
    out = redispatch(problem_from_dict(problem), current, releasable=releasable, workers=2, engine=engine)
    output = out.result.to_dict()
    assert output["status"] == "optimal"
    assignment = check_result(problem, output, kept=kept, released=releasable)
    assert as_tuple(output) == pytest.approx(brute_force(problem, kept=kept, released=releasable), abs=1e-6)
    assert_every_unit_needed(problem, assignment, kept=kept)
    assert {a.unit for a in out.kept} | {m[0] for m in out.moved} | {r[0] for r in out.released} == set(current)
    assert {a.unit for a in out.added} == set(assignment) - set(current)
    assert all(u in releasable for u, *_ in out.moved) and all(u in releasable for u, _ in out.released)


def test_problem_parser_rejects_unknown_fields() -> None:
    problem = example()
    problem["units"][0]["ready_mins"] = 3
    with pytest.raises(InputError, match="ready_mins") as info:
        problem_from_dict(problem)
    assert info.value.field == "ready_mins"


def test_result_numbers_are_finite() -> None:
    output = solve_json(example())
    assert all(math.isfinite(v) for v in output["objective"].values())


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 9), st.lists(st.integers(1, 12), min_size=1, max_size=4))
def test_cover_rounding_cuts_keep_every_integer_point(quantity: int, contributions: list[int]) -> None:
    # Every integer (x, s) with s >= quantity - sum c x, 0 <= s <= quantity satisfies every row.
    rows = cover_rows(quantity, contributions)
    for x in itertools.product((0, 1), repeat=len(contributions)):
        least = max(0, quantity - sum(c * v for c, v in zip(contributions, x, strict=True)))
        for s in range(least, quantity + 1):
            for coefs, s_coef, rhs in rows:
                assert s_coef * s + sum(a * v for a, v in zip(coefs, x, strict=True)) >= rhs, (x, s, coefs, rhs)


def test_held_back_lists_each_binding_minimum_with_what_stays_home() -> None:
    """Region A keeps 1 mine squad by its own rule and 2 while lending to B; three squads, one sent."""
    problem = problem_from_dict({
        "units": [{"id": f"T{i}", "region": "A", "capabilities": {"mine_rescue_squad": 1}} for i in range(3)],
        "incidents": [{"id": "I1", "region": "B", "priority": 1,
                       "requirements": [{"capability": "mine_rescue_squad", "quantity": 1, "deadline_min": 60}]}],
        "travel_min": {f"T{i}": {"I1": 10 + i} for i in range(3)},
        "agreements": [{"lender": "A", "borrower": "B", "retained": {"mine_rescue_squad": 2}}],
        "min_retained": {"A": {"mine_rescue_squad": 1}}})
    result = solve_dispatch(problem)
    sent = [a.unit for a in result.assignments]
    assert sent == ["T0"] and [(b.lender, b.borrower) for b in result.borrowed] == [("A", "B")]
    kept = retained_minimums(problem, sent, [(b.lender, b.borrower) for b in result.borrowed])
    assert [(k.region, k.capability, k.minimum, k.kept, k.agreement) for k in kept] == [
        ("A", "mine_rescue_squad", 1, 2, ""), ("A", "mine_rescue_squad", 2, 2, "A->B")]
    assert [k.agreement for k in retained_minimums(problem, sent)] == [""]  # not lending: only the region's own rule
