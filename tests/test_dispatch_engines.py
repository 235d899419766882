"""The dispatch model stated once and its two engines: CP-SAT and HiGHS agree, and the engine choice rule.

Brute force, the independent checker and the random problems come from ``tests.test_dispatch``,
which restates the dispatch rules on the raw problem dict without the optimiser's code.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.dispatch.formulation import formulate
from planner.dispatch.greedy import solve_dispatch_greedy
from planner.dispatch.optimiser import (
    HIGHS_MIN_OPTIONS,
    HIGHS_MIN_OPTIONS_SCARCE,
    RACE_MIN_OPTIONS,
    SCARCE_RATIO,
    _drop_idle_units,  # noqa: PLC2701  (the pruning of idle units, checked directly)
    choose_engine,
    is_scarce,
    solve_dispatch,
)
from planner.dispatch.problem import problem_from_dict
from planner.errors import InputError
from tests.test_dispatch import (
    as_tuple,
    assert_every_unit_needed,
    brute_force,
    check_result,
    example,
    problems,
    score,
    solve_json,
    violations,
)


def _rounded(value: tuple[float, float, float]) -> tuple[float, float, float]:
    return (round(value[0], 6), round(value[1], 6), round(value[2], 6))


def _feasible_with_nothing_sent(problem: dict[str, Any]) -> bool:
    return not violations(problem, {})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_units=12, max_incidents=5))
def test_both_engines_reach_the_same_lexicographic_optimum(problem: dict[str, Any]) -> None:
    # Larger than brute force can enumerate: the two engines check each other, the checker checks both.
    if not _feasible_with_nothing_sent(problem):
        return
    outputs = {engine: solve_json(problem, engine=engine) for engine in ("cp-sat", "highs")}
    for engine, output in outputs.items():
        assert output["status"] == "optimal", engine
        assert output["method"] == engine
        check_result(problem, output)
    assert as_tuple(outputs["cp-sat"]) == pytest.approx(as_tuple(outputs["highs"]), abs=1e-6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_units=5, max_incidents=3))
def test_the_formulation_admits_exactly_the_plans_the_checker_allows(problem: dict[str, Any]) -> None:
    # Every map of units to their options: the model's rows hold if and only if no rule is broken.
    if not _feasible_with_nothing_sent(problem):
        return
    parsed = problem_from_dict(problem)
    formulation = formulate(parsed)
    by_unit: dict[str, list[str]] = {}
    for unit_id, incident_id in formulation.keys:
        by_unit.setdefault(unit_id, []).append(incident_id)
    units = sorted(by_unit)
    for combo in itertools.product(*[[None, *by_unit[u]] for u in units]):
        assignment = {u: i for u, i in zip(units, combo, strict=True) if i is not None}
        values = formulation.values_of(parsed, assignment)
        assert (formulation.violated(values) == []) == (violations(problem, assignment) == []), assignment


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_units=6, max_incidents=3))
def test_without_time_to_search_both_engines_return_at_least_the_greedy_plan(problem: dict[str, Any]) -> None:
    if not _feasible_with_nothing_sent(problem):
        return
    parsed = problem_from_dict(problem)
    greedy = _rounded(solve_dispatch_greedy(parsed).objective.as_tuple())
    optimum = brute_force(problem)
    assert optimum is not None
    for engine in ("cp-sat", "highs", "race"):
        output = solve_dispatch(parsed, engine=engine, time_limit_s=1e-6).to_dict()
        check_result(problem, output)
        assert _rounded(optimum) <= _rounded(as_tuple(output)) <= greedy, engine


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_units=6, max_incidents=3))
def test_the_race_of_both_engines_reaches_the_brute_force_optimum(problem: dict[str, Any]) -> None:
    if not _feasible_with_nothing_sent(problem):
        return
    optimum = brute_force(problem)
    assert optimum is not None
    output = solve_json(problem, engine="race")
    check_result(problem, output)
    assert output["status"] == "optimal"
    assert output["method"] in ("cp-sat", "highs")
    assert _rounded(as_tuple(output)) == _rounded(optimum)


def test_an_unknown_engine_is_an_input_error_naming_the_field() -> None:
    with pytest.raises(InputError, match="engine") as info:
        solve_dispatch(problem_from_dict(example()), engine="gurobi")
    assert info.value.field == "engine"


@pytest.mark.parametrize(
    ("options", "scarce", "engine"),
    [
        (0, False, "cp-sat"),
        (0, True, "cp-sat"),
        (1_140, True, "cp-sat"),  # scarce 20 x 150 in bench/dispatch.py
        (RACE_MIN_OPTIONS - 1, True, "cp-sat"),
        (3_463, True, "cp-sat"),  # scarce 40 x 250
        (HIGHS_MIN_OPTIONS_SCARCE - 1, True, "cp-sat"),
        (HIGHS_MIN_OPTIONS_SCARCE, True, "highs"),
        (9_701, True, "highs"),  # scarce 60 x 400
        (8_428, False, "cp-sat"),  # ample 60 x 400
        (HIGHS_MIN_OPTIONS - 1, False, "cp-sat"),
        (HIGHS_MIN_OPTIONS, False, "highs"),
        (58_411, False, "highs"),  # ample 150 x 1,000
    ],
)
def test_engine_choice_rule_on_one_core(options: int, scarce: bool, engine: str) -> None:
    assert choose_engine(options, scarce=scarce, cores=1) == engine


@pytest.mark.parametrize("scarce", [False, True])
@pytest.mark.parametrize(
    ("options", "engine"),
    [(0, "cp-sat"), (RACE_MIN_OPTIONS - 1, "cp-sat"), (RACE_MIN_OPTIONS, "race"), (9_701, "race"),
     (HIGHS_MIN_OPTIONS - 1, "race"), (HIGHS_MIN_OPTIONS, "highs"), (58_411, "highs")],
)
def test_with_two_cores_mid_sized_models_race_both_engines(options: int, engine: str, scarce: bool) -> None:
    assert choose_engine(options, scarce=scarce, cores=2) == engine


def test_scarcity_counts_demand_against_each_units_best_contribution() -> None:
    # The example asks for 3 squads. T1 (2 squads), T2 and T3 (1 each) can bring 4 on time; T4 has no
    # capability. 3 > 0.35 * 4, so it is scarce; with 10 squads of supply it would not be.
    problem = problem_from_dict(example())
    formulation = formulate(problem)
    demand = sum(r["quantity"] for i in example()["incidents"] for r in i["requirements"])
    assert demand == 3 > SCARCE_RATIO * 4
    assert is_scarce(problem, formulation)
    ample = dict(example())
    ample["units"] = [{**u, "capabilities": {c: 10 * q for c, q in u["capabilities"].items()}} for u in ample["units"]]
    ample["min_retained"] = {}
    parsed = problem_from_dict(ample)
    assert not is_scarce(parsed, formulate(parsed))


def test_auto_reports_the_engine_the_rule_picks_for_the_model() -> None:
    problem = problem_from_dict(example())
    formulation = formulate(problem)
    expected = choose_engine(len(formulation.keys), scarce=is_scarce(problem, formulation))
    assert solve_dispatch(problem).method == expected == "cp-sat"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_units=6, max_incidents=3), st.data())
def test_withdrawing_idle_units_leaves_only_needed_ones_and_never_worsens(
    problem: dict[str, Any], data: st.DataObject
) -> None:
    # Any feasible plan (drawn unit by unit over the options): after the clean-up every unit left is
    # needed (withdrawing it is strictly worse, by the independent score) and the plan is no worse.
    if not _feasible_with_nothing_sent(problem):
        return
    parsed = problem_from_dict(problem)
    formulation = formulate(parsed)
    plan: dict[str, str] = {}
    for unit_id, incident_id in formulation.keys:
        if unit_id not in plan and data.draw(st.booleans()):
            plan[unit_id] = incident_id
            if violations(problem, plan):
                del plan[unit_id]
    cleaned = _drop_idle_units(parsed, plan, formulation.options, keep=frozenset())
    assert set(cleaned.items()) <= set(plan.items())
    assert violations(problem, cleaned) == []
    assert _rounded(score(problem, cleaned)) <= _rounded(score(problem, plan))
    assert_every_unit_needed(problem, cleaned, kept={})


def test_shortfall_floor_is_what_no_option_can_cover() -> None:
    # I1 (priority 3) needs 5 squads; U1 (2) and U2 (1) reach it in time, U3 (4) arrives too late and
    # U4 may not cross without an agreement: at least 2 squads short, 6 weighted, whatever is sent.
    problem = problem_from_dict({
        "units": [
            {"id": "U1", "region": "A", "capabilities": {"squad": 2}},
            {"id": "U2", "region": "A", "capabilities": {"squad": 1}},
            {"id": "U3", "region": "A", "capabilities": {"squad": 4}},
            {"id": "U4", "region": "B", "capabilities": {"squad": 4}},
        ],
        "incidents": [{"id": "I1", "region": "A", "priority": 3,
                       "requirements": [{"capability": "squad", "quantity": 5, "deadline_min": 30}]}],
        "travel_min": {"U1": {"I1": 10}, "U2": {"I1": 20}, "U3": {"I1": 45}, "U4": {"I1": 5}},
    })
    formulation = formulate(problem)
    assert formulation.floor(formulation.shortfall) == 6
    for engine in ("cp-sat", "highs"):
        result = solve_dispatch(problem, engine=engine)
        assert result.status.value == "optimal"
        assert result.objective.weighted_shortfall == 6
        assert result.assignment_map() == {"U1": "I1", "U2": "I1"}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_units=6, max_incidents=3), st.data())
def test_greedy_led_by_any_preferred_order_keeps_every_rule(problem: dict[str, Any], data: st.DataObject) -> None:
    # The LP-led start is greedy with a preferred order; whatever the order, the plan is feasible and
    # never beats the optimum.
    if not _feasible_with_nothing_sent(problem):
        return
    parsed = problem_from_dict(problem)
    keys = list(formulate(parsed).keys)
    preferred = data.draw(st.permutations(keys)) if keys else []
    output = solve_dispatch_greedy(parsed, preferred=preferred).to_dict()
    check_result(problem, output)
    optimum = brute_force(problem)
    assert optimum is not None and _rounded(optimum) <= _rounded(as_tuple(output))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is a Linux call")
def test_a_process_allowed_one_core_runs_one_engine() -> None:
    # What the README tells operators: restricting the process's CPU affinity to one core stops the race.
    code = ("import os; os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]}); "
            "from planner.dispatch.optimiser import choose_engine; from planner.model.cores import available_cores; "
            "print(available_cores(), choose_engine(9_701, scarce=True), choose_engine(9_701, scarce=False))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.split() == ["1", "highs", "cp-sat"]
