"""p-median at OR-Library scale (pmed6, and pmed15/pmed25 with p=100/167, from bench/data) and the Benders search.

The full table (n = 100..900) is in bench/locate.py; these run in a few seconds.
"""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from planner.locate import PMedian
from planner.locate._benders import benders_p_median, rens  # noqa: PLC2701  (the decomposition, checked directly)
from planner.locate._benders_cuts import SortedCosts  # noqa: PLC2701
from planner.locate._benders_master import BendersMaster  # noqa: PLC2701
from planner.locate._highs import IncrementalLP  # noqa: PLC2701
from planner.locate._swap import sorted_interchange  # noqa: PLC2701
from planner.locate.orlib import read_orlib_pmedian
from planner.model.status import Status

BENCH_ORLIB = Path(__file__).resolve().parent.parent / "bench" / "data" / "orlib"


@pytest.mark.parametrize(("name", "optimum"), [("pmed6", 7824.0), ("pmed15", 1729.0), ("pmed25", 1828.0)])
def test_orlib_instance_proven_optimal(name: str, optimum: float) -> None:
    cost, p = read_orlib_pmedian(BENCH_ORLIB / f"{name}.txt")
    result = PMedian.from_cost_matrix(cost, p=p).solve(time_limit_s=60)
    assert result.status is Status.OPTIMAL
    assert result.objective == optimum and result.bound == optimum
    assert len(result.selected) == p


def test_tiny_time_limit_keeps_status_honest() -> None:
    cost, p = read_orlib_pmedian(BENCH_ORLIB / "pmed15.txt")
    result = PMedian.from_cost_matrix(cost, p=p).solve(time_limit_s=0.3)
    assert result.objective >= 1729.0
    if result.status is Status.OPTIMAL:
        assert result.objective == 1729.0
    else:
        assert result.status is Status.FEASIBLE
        assert result.bound is None or result.bound <= 1729.0


def _brute_force(wcost: np.ndarray, p: int, fixed: np.ndarray) -> float:
    best = np.inf
    for subset in itertools.combinations(range(wcost.shape[1]), p):
        if set(fixed.tolist()) <= set(subset):
            best = min(best, float(wcost[:, list(subset)].min(axis=1).sum()))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_benders_search_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 15)), int(rng.integers(2, 10))
    p = int(rng.integers(1, m + 1))
    integral = seed % 2 == 0
    cost = rng.integers(0, 30, (n, m)).astype(float) if integral else rng.uniform(0, 30, (n, m))
    weights = rng.integers(1, 5, n).astype(float) if integral else rng.uniform(0.1, 3, n)
    fixed = np.sort(rng.choice(m, int(rng.integers(0, min(p, 2) + 1)), replace=False))
    best = _brute_force(weights[:, None] * cost, p, fixed)
    found = benders_p_median(cost, weights, p, fixed, 1.0 if integral else 0.0, time.perf_counter() + 30)
    assert found.proven and not found.infeasible
    assert found.value == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert found.bound <= best + 1e-9
    assert len(found.selected) == p and set(fixed.tolist()) <= set(found.selected.tolist())
    # Past the deadline the search stops at once: not proven, and nothing it reports beats the optimum.
    stopped = benders_p_median(cost, weights, p, fixed, 1.0 if integral else 0.0, time.perf_counter() - 1)
    assert not stopped.proven and stopped.bound <= best + 1e-9 and stopped.value >= best - 1e-9
    # ... yet it answers: p sites (the LP phase's last point rounded, or greedy), valued honestly.
    assert len(stopped.selected) == p and set(fixed.tolist()) <= set(stopped.selected.tolist())
    assert stopped.value == pytest.approx(float(weights @ cost[:, stopped.selected].min(axis=1)), rel=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_master_dual_bound_is_valid_for_any_multipliers(seed: int) -> None:
    # The certified bound must stay below the brute-force optimum for the LP duals, for duals of an
    # older LP (fewer rows), and for arbitrary non-negative multipliers; its site fixings must keep
    # every optimal solution.
    rng = np.random.default_rng(100 + seed)
    n, m, p = 9, 7, int(rng.integers(1, 4))
    cost = rng.integers(0, 20, (n, m)).astype(float)
    weights = rng.integers(1, 4, n).astype(float)
    best = _brute_force(weights[:, None] * cost, p, np.zeros(0, dtype=np.int64))
    optimal_sets = [set(s) for s in itertools.combinations(range(m), p)
                    if float(weights @ cost[:, list(s)].min(axis=1)) == best]
    costs = SortedCosts(cost, p)
    master = BendersMaster(weights, costs.nearest, m, p)
    every = np.arange(n)
    for _ in range(3):
        cuts = costs.separate(rng.dirichlet(np.ones(m)) * p)
        master.add(every, cuts.level, *costs.cut_rows(every, cuts))
    lower, upper = np.zeros(m), np.ones(m)
    solved = master.solve(10.0)
    assert solved.status == "optimal" and solved.row_dual is not None
    exact = master.dual_bound(solved.row_dual, lower, upper, best + 0.5)
    assert exact.value == pytest.approx(solved.objective, rel=1e-6, abs=1e-6)
    assert exact.value <= best + 1e-9
    for chosen in optimal_sets:
        assert not (set(np.flatnonzero(exact.close)) & chosen)
        assert set(np.flatnonzero(exact.force)) <= chosen
    older = master.dual_bound(solved.row_dual[: master.rows - n], lower, upper, math.inf)
    arbitrary = master.dual_bound(rng.exponential(1.0, master.rows), lower, upper, math.inf)
    assert older.value <= best + 1e-9 and arbitrary.value <= best + 1e-9


@pytest.mark.parametrize("seed", range(10))
def test_neighbourhood_search_is_the_best_solution_that_agrees_with_the_lp_point(seed: int) -> None:
    # RENS: sites at 1 stay open, sites at 0 stay closed, the fractional ones are decided exactly.
    rng = np.random.default_rng(200 + seed)
    n, m, p = 12, 9, 4
    cost = rng.integers(0, 40, (n, m)).astype(float)
    weights = rng.integers(1, 4, n).astype(float)
    y = np.zeros(m)
    sites = rng.permutation(m)
    ones, fractional = sites[: seed % 3], sites[3:8]
    y[ones], y[fractional] = 1.0, (p - len(ones)) / len(fractional)
    best = min(float(weights @ cost[:, [*ones, *chosen]].min(axis=1))
               for chosen in itertools.combinations(fractional.tolist(), p - len(ones)))
    found = rens(cost, weights, p, y, 1.0, time.perf_counter() + 30)
    assert found is not None and len(set(found.tolist())) == p
    assert set(ones.tolist()) <= set(found.tolist()) <= set(ones.tolist()) | set(fractional.tolist())
    assert float(weights @ cost[:, found].min(axis=1)) == best


@pytest.mark.parametrize("seed", range(12))
def test_sorted_interchange_stops_where_no_single_swap_improves(seed: int) -> None:
    # Every swap (one open site out, one closed allowed site in) is enumerated here, outside the solver.
    rng = np.random.default_rng(300 + seed)
    n, m = int(rng.integers(8, 40)), int(rng.integers(5, 25))
    p = int(rng.integers(2, m - 1))
    cost = rng.integers(0, 60, (n, m)).astype(float)
    weights = rng.integers(1, 5, n).astype(float)
    fixed = rng.choice(m, seed % 2, replace=False)
    allowed = rng.random(m) < 0.8
    allowed[rng.choice(m, p + 1, replace=False)] = True
    others = np.setdiff1d(np.flatnonzero(allowed), fixed)
    start = np.concatenate([fixed, rng.choice(others, p - len(fixed), replace=False)]).astype(np.int64)
    rows = SortedCosts(cost, p)
    found = sorted_interchange(cost, rows.order, rows.costs, weights, start.copy(), fixed, allowed, block=1 + seed * 20)

    def total(sites: np.ndarray) -> float:
        return float(weights @ cost[:, sites].min(axis=1))

    assert len(set(found.tolist())) == p and set(fixed.tolist()) <= set(found.tolist())
    assert set(found.tolist()) <= set(start.tolist()) | set(np.flatnonzero(allowed).tolist())
    assert total(found) <= total(start)
    for out in set(found.tolist()) - set(fixed.tolist()):
        for into in set(np.flatnonzero(allowed).tolist()) - set(found.tolist()):
            assert total(np.array([into if j == out else j for j in found])) >= total(found)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("seed", [1, 2, 3, 5, 6, 7])
def test_tree_search_matches_brute_force(seed: int, workers: int) -> None:
    # Cases whose root LP is fractional with a gap, so the tree branches, plunges from its parents'
    # bases and fixes sites by reduced costs on the way; enumeration decides the answer. With two
    # workers the tree is shared by two threads, each on its own copy of the master.
    rng = np.random.default_rng(400 + seed)
    cost = rng.integers(0, 60, (30, 18)).astype(float)
    weights = rng.integers(1, 4, 30).astype(float)
    p = 4 + seed % 3
    best = _brute_force(weights[:, None] * cost, p, np.zeros(0, dtype=np.int64))
    found = benders_p_median(cost, weights, p, np.zeros(0, dtype=np.int64), 1.0, time.perf_counter() + 30,
                             heuristics=False, workers=workers)
    assert found.nodes >= 3  # the case does reach the tree
    assert found.proven and found.value == best and found.bound <= best
    assert float(weights @ cost[:, found.selected].min(axis=1)) == best and len(found.selected) == p


def test_lp_restarts_from_an_older_basis_after_rows_are_added() -> None:
    # min x0 + 2 x1 + 3 x2, rows added one by one; each restore from the first basis must still reach
    # the optimum a fresh LP finds (checked against scipy's linprog), and a deletion voids the basis.
    lp = IncrementalLP(np.array([1.0, 2.0, 3.0]), np.zeros(3), np.ones(3))
    lp.add_rows(np.array([1.0]), np.array([np.inf]), np.array([0, 3]), np.arange(3), np.ones(3))
    assert lp.solve(5.0).objective == pytest.approx(1.0)
    first = lp.basis()
    matrix, rhs = [[1.0, 1.0, 1.0]], [1.0]
    for row, level in [([-1.0, 0.0, 0.0], -0.5), ([0.0, 1.0, 1.0], 0.8), ([-1.0, 0.0, 1.0], 0.3)]:
        sites = np.flatnonzero(row)
        lp.add_rows(np.array([level]), np.array([np.inf]), np.array([0, len(sites)]), sites, np.array(row)[sites])
        matrix.append(row)
        rhs.append(level)
        assert lp.restore(first)
        fresh = linprog([1.0, 2.0, 3.0], A_ub=-np.array(matrix), b_ub=-np.array(rhs), bounds=[(0, 1)] * 3)
        assert lp.solve(5.0).objective == pytest.approx(fresh.fun)
    lp.delete_rows(np.array([1]))
    assert not lp.restore(first)


def test_lp_numerical_trouble_is_retried_from_scratch_and_never_reported_optimal() -> None:
    # A badly scaled LP (coefficients 1e-8..1e8; found by seed) that HiGHS leaves "Unknown" after a
    # warm re-solve: the solve is retried once from scratch (two more HiGHS runs) and, as it stays
    # unsettled, reported "limit" (no value, no bound) rather than optimal.
    rng = np.random.default_rng(59)
    n, m = 12, 10
    cost = rng.uniform(1, 10, n)
    rows = rng.uniform(0, 1, (m, n)) * 10.0 ** rng.integers(-8, 8, (m, n))
    lp = IncrementalLP(cost, np.zeros(n), np.full(n, 1e9))
    every = np.arange(n)
    lp.add_rows(np.ones(m // 2), np.full(m // 2, np.inf), np.arange(0, n * (m // 2) + 1, n), np.tile(every, m // 2),
                rows[: m // 2].ravel())
    assert lp.solve(5.0).status == "optimal"
    lp.add_rows(np.ones(m - m // 2), np.full(m - m // 2, np.inf), np.arange(0, n * (m - m // 2) + 1, n),
                np.tile(every, m - m // 2), rows[m // 2 :].ravel())
    solves = lp.solves
    outcome = lp.solve(5.0)
    assert lp.solves == solves + 2
    assert outcome.status == "limit" and outcome.x is None and outcome.row_dual is None
def test_a_master_copy_has_the_cuts_and_basis_but_refuses_the_originals_snapshots() -> None:
    # The second worker's master: the same LP (the original's optimum), warm from the original's basis
    # (its first solve needs no simplex iteration), and a basis snapshot of one LP is never restored
    # into the other, while its own is.
    rng = np.random.default_rng(11)
    cost = rng.integers(1, 50, (12, 9)).astype(float)
    sorted_costs = SortedCosts(cost, 3)
    master = BendersMaster(np.ones(12), sorted_costs.nearest, 9, 3)
    every = np.arange(12)
    cuts = sorted_costs.separate(np.full(9, 3 / 9))
    master.add(every, cuts.level, *sorted_costs.cut_rows(every, cuts))
    solved = master.solve(5.0)
    twin = master.copy()
    assert twin.rows == master.rows
    before = twin.lp.iterations
    again = twin.solve(5.0)
    assert again.objective == pytest.approx(solved.objective) and twin.lp.iterations == before
    assert not twin.lp.restore(master.lp.basis())
    assert twin.lp.restore(twin.lp.basis())
