"""Pre-positioning: CP-SAT against brute-force enumeration on small instances, every constraint, Jinan figures."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from pathlib import Path

import pytest

from planner.coverage.verdict import coverage
from planner.coverage.whatif import RISK_WEIGHTS
from planner.errors import InputError
from planner.model.status import Status
from planner.posture.cap import read_cap
from planner.posture.optimiser import (
    PostureOption,
    PostureProblem,
    PostureTeam,
    evaluate,
    greedy_posture,
    solve_posture,
    stay_home,
    violations,
)
from planner.posture.prepositioning import plan_posture
from planner.posture.readiness import apply_readiness
from planner.posture.risk import apply_raises
from planner.posture.rules import default_rules, parse_rules
from planner.posture.settings import posture_inputs
from planner.posture.staging import read_staging_points
from planner.scenario.files import read_scenario
from planner.sharing import Agreement
from tests.conftest import jinan_folder

CAP = Path(__file__).resolve().parent / "fixtures" / "cap"
NOW = dt.datetime.fromisoformat("2026-07-20T06:30:00+08:00")


def brute_force(problem: PostureProblem) -> tuple[float, float]:
    """Best covered weight over every feasible choice, and the least cost among the best (independent check)."""
    by_team = {t.id: [k for k, o in enumerate(problem.options) if o.team == t.id] for t in problem.teams}
    best = (-1.0, 0.0)
    for combo in itertools.product(*by_team.values()):
        choice = dict(zip(by_team, combo, strict=True))
        if violations(problem, choice):
            continue
        covered = set().union(*(problem.options[k].covers for k in combo))
        weight = sum(problem.weights[i] for i in covered)
        cost = sum(problem.options[k].cost for k in combo if not problem.options[k].home)
        if weight > best[0] + 1e-9 or (abs(weight - best[0]) <= 1e-9 and cost < best[1] - 1e-9):
            best = (weight, cost)
    return best


def random_problem(seed: int) -> PostureProblem:
    rng = random.Random(seed)
    regions = ["A", "B", "C"]
    rows = rng.randint(4, 9)
    weights = tuple(float(rng.choice([1, 2, 4, 8])) for _ in range(rows))
    teams = tuple(PostureTeam(f"t{k}", rng.choice(regions), {"fire_squad": rng.randint(1, 2)})
                  for k in range(rng.randint(3, 5)))
    points = [(f"p{k}", rng.choice(regions)) for k in range(4)]
    agreements = (Agreement("A", "B", fixed_cost=100, cost_per_travel_min=5, retained={"fire_squad": 1}, id="a-b"),
                  Agreement("B", "A", fixed_cost=50, id="b-a"),
                  Agreement("C", "A", fixed_cost=10, cost_per_travel_min=1, id="c-a"))
    options = []
    for team in teams:
        options.append(PostureOption(team.id, f"home-{team.id}", team.region, True,
                                     {i: 1.0 for i in rng.sample(range(rows), rng.randint(0, 2))}))
        for point, region in rng.sample(points, rng.randint(1, 3)):
            agreement = ""
            cost = 0.0
            if region != team.region:
                match = [a for a in agreements if a.lender == team.region and a.borrower == region]
                if not match:
                    continue
                drive = rng.randint(5, 40)
                agreement, cost = match[0].id, match[0].dispatch_cost(drive)
            options.append(PostureOption(team.id, point, region, False,
                                         {i: rng.uniform(1, 5) for i in rng.sample(range(rows), rng.randint(1, 3))},
                                         cost, agreement))
    return PostureProblem(teams, tuple(options), weights, max_moves=rng.randint(0, 3),
                          min_retained={"A": {"fire_squad": rng.randint(0, 2)}, "C": {"fire_squad": 1}},
                          agreements=agreements, capacity={"p0": 1, "p1": rng.randint(1, 2)})


@pytest.mark.parametrize("seed", range(30))
def test_optimal_against_brute_force(seed: int) -> None:
    problem = random_problem(seed)
    best_weight, best_cost = brute_force(problem)
    solution = solve_posture(problem, time_limit_s=5)
    assert solution.status is Status.OPTIMAL
    assert violations(problem, solution.choice) == []
    assert solution.weight == pytest.approx(best_weight)
    assert solution.cost == pytest.approx(best_cost)
    assert evaluate(problem, solution.choice) == (solution.weight, solution.cost, solution.moves)
    greedy = greedy_posture(problem)
    assert violations(problem, greedy.choice) == []
    assert stay_home(problem).weight <= greedy.weight <= solution.weight + 1e-9


def hand_problem(**changes: object) -> PostureProblem:
    """Two regions; team a1 could cover the red row r0 by moving to B (agreement a->b, 300 yuan)."""
    teams = (PostureTeam("a1", "A", {"fire_squad": 1}), PostureTeam("a2", "A", {"fire_squad": 1}),
             PostureTeam("b1", "B", {"fire_squad": 1}))
    options = (
        PostureOption("a1", "home-a1", "A", True, {1: 2.0}),
        PostureOption("a1", "pB", "B", False, {0: 3.0}, 300.0, "a-b"),
        PostureOption("a2", "home-a2", "A", True, {1: 3.0}),
        PostureOption("a2", "pB", "B", False, {0: 4.0}, 200.0, "a-b"),
        PostureOption("b1", "home-b1", "B", True, {2: 1.0}),
        PostureOption("b1", "pB", "B", False, {0: 1.0, 2: 2.0}, 0.0),
    )
    data = dict(teams=teams, options=options, weights=(8.0, 2.0, 1.0), max_moves=2,
                agreements=(Agreement("A", "B", fixed_cost=100, retained={"fire_squad": 1}, id="a-b"),),
                capacity={"pB": 1})
    data.update(changes)
    return PostureProblem(**data)  # type: ignore[arg-type]


def test_hand_solved_prefers_free_move_in_region() -> None:
    solution = solve_posture(hand_problem())
    assert solution.weight == 11.0 and solution.cost == 0.0
    assert [solution.choice[t] for t in ("a1", "a2", "b1")] == [0, 2, 5]


def test_capacity_and_retained_minimum_bind() -> None:
    # Without b1's free move, only one of a1/a2 may go (pB holds one; A keeps one fire squad): the cheaper a2.
    problem = hand_problem(options=hand_problem().options[:5])
    solution = solve_posture(problem)
    assert solution.weight == 11.0 and solution.cost == 200.0 and solution.choice["a2"] == 3
    # A region that must keep both of its squads lends none.
    kept = solve_posture(hand_problem(options=hand_problem().options[:5], min_retained={"A": {"fire_squad": 2}}))
    assert kept.weight == 3.0 and kept.moves == ()
    assert violations(problem, {"a1": 1, "a2": 3, "b1": 4}) != []


def test_no_moves_allowed_is_staying_home() -> None:
    problem = hand_problem(max_moves=0)
    assert solve_posture(problem).choice == stay_home(problem).choice


def test_problem_check_refuses_bad_options() -> None:
    bad = hand_problem(options=hand_problem().options[1:])
    with pytest.raises(InputError, match="home option"):
        solve_posture(bad)


def test_rules_parse_and_refuse() -> None:
    rules = posture_inputs(*reversed(jinan_folder())).rules  # type: ignore[arg-type]
    assert rules.settings.max_moves == 4 and rules.risk and rules.readiness.rules
    assert rules.source == "warning_rules" and default_rules().source == "default warning rules"
    with pytest.raises(InputError, match="max_moves"):
        parse_rules({"posture": {"max_moves": -1}})
    with pytest.raises(InputError, match="warning_rules.yaml: risk: unknown field"):
        parse_rules({"risk": []})
    with pytest.raises(InputError, match="raise_to"):
        parse_rules({"risk_rules": [{"name": "x", "site_kinds": ["tunnel"]}]})


def test_staging_points_file(tmp_path: Path) -> None:
    points = read_staging_points(Path(__file__).resolve().parent.parent / "scenarios" / "jinan" / "staging_points.csv")
    assert len(points) >= 8 and all(p.capacity for p in points)
    bad = tmp_path / "s.csv"
    bad.write_text("id,name,lon,lat,capacity\np1,P,117.0,36.6,zero\n")
    with pytest.raises(InputError, match="line 2: capacity"):
        read_staging_points(bad)


@pytest.fixture(scope="module")
def jinan_report() -> object:
    scenario, settings = jinan_folder()
    inputs = posture_inputs(settings, scenario)  # type: ignore[arg-type]
    warnings = read_cap(CAP / "red-rainstorm-licheng.xml", now=NOW)
    return plan_posture(scenario, warnings, rules=inputs.rules, staging=inputs.staging,  # type: ignore[arg-type]
                        calendar=inputs.calendar)


def test_jinan_rainstorm_posture_beats_nothing_and_greedy(jinan_report: object) -> None:
    report = jinan_report
    nothing, greedy, best = (report.figure(n) for n in ("do_nothing", "greedy", "optimised"))  # type: ignore[attr-defined]
    assert report.status == "optimal"  # type: ignore[attr-defined]
    assert best.weight >= nothing.weight and best.weight >= greedy.weight
    assert best.weight > nothing.weight and best.moves <= 4
    assert report.figure("current").weight <= nothing.weight  # type: ignore[attr-defined]
    assert "flood season" in report.periods  # type: ignore[attr-defined]
    raised = {r.site: r.grade_after for r in report.site_raises}  # type: ignore[attr-defined]
    assert raised["site-tailings-zhangmatun"] == "red" and raised["site-tailings-south"] == "red"
    assert raised["site-mine-iron-zhangmatun"] == "red" and "site-refinery" not in raised


def test_jinan_after_coverage_matches_solver(jinan_report: object) -> None:
    report = jinan_report
    after = report.after  # type: ignore[attr-defined]
    weight = sum(RISK_WEIGHTS[r.risk_grade] for r in after.sites if r.passed)
    assert weight == pytest.approx(report.figure("optimised").weight)  # type: ignore[attr-defined]
    before = report.before  # type: ignore[attr-defined]
    assert sum(RISK_WEIGHTS[r.risk_grade] for r in before.sites if r.passed) == pytest.approx(
        report.figure("do_nothing").weight)  # type: ignore[attr-defined]
    for move in report.moves:  # type: ignore[attr-defined]
        assert move.from_region == move.to_region or move.agreement
    data = report.to_dict(full=False)  # type: ignore[attr-defined]
    assert data["area"]["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert "sites" not in data["after"] and {f["name"] for f in data["figures"]} == {
        "current", "do_nothing", "greedy", "optimised"}


def test_jinan_current_and_do_nothing_differ_only_by_readiness_and_say_so(jinan_report: object) -> None:
    report = jinan_report
    now, still = report.figure("current"), report.figure("do_nothing")  # type: ignore[attr-defined]
    assert now.meaning.startswith("现状") and "everyday readiness" in now.meaning
    assert "higher readiness" in still.meaning and "no team moves" in still.meaning
    # Recompute both postures by hand: current = the raised sites at everyday turn-out; do nothing = the
    # same with the raised readiness's turn-out. The figures are these verdicts, nothing else.
    scenario = read_scenario("jinan")
    raised = apply_raises(scenario, report.site_raises)  # type: ignore[attr-defined]
    everyday = coverage(raised, reference=scenario)
    readied = coverage(apply_readiness(raised, report.team_raises), reference=scenario)  # type: ignore[attr-defined]
    assert now.passing == sum(r.passed for r in everyday.sites)
    assert still.passing == sum(r.passed for r in readied.sites)
    differ = {(a.site, a.standard) for a, b in zip(everyday.sites, readied.sites, strict=True) if a.passed != b.passed}
    assert differ and {(c.site, c.standard) for c in report.readiness_changes} == differ  # type: ignore[attr-defined]
    assert still.passing - now.passing == len(differ)  # readiness only speeds teams up: every change is a gain
    for change in report.readiness_changes:  # type: ignore[attr-defined]
        assert change.minutes_after < change.minutes_before and change.passed_after
    why = " ".join(report.explanation)  # type: ignore[attr-defined]
    assert f"Current ({now.passing}/{now.rows}" in why and f"do nothing ({still.passing}/{still.rows}" in why
    assert f"{len(differ)} pair(s) come within standard with the faster turn-out" in why
    assert "differ only in turn-out" in why and report.notes == ()  # type: ignore[attr-defined]
