"""p-median on TSPLIB points: proven optima against brute force and the published rl1304 optimum.

The small case (the first 60 points of rl1304, tests/fixtures/tsplib) is checked against enumeration of
every choice of p sites, which no solver code takes part in; rl1304 itself (bench/data/tsplib) against
the optimum published by Duran-Mateluna, Ales & Elloumi (EJOR 2023, Table 2). The full comparison with
the paper's times is bench/locate.py --tsplib; nothing here asserts a time.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from planner.locate import PMedian
from planner.locate.points import cost_from_points, read_points
from planner.model.status import Status

BENCH_TSPLIB = Path(__file__).resolve().parent.parent / "bench" / "data" / "tsplib"
SMALL_CASE = Path(__file__).resolve().parent / "fixtures" / "tsplib" / "rl1304-first60.tsp"
RL1304_P100_OPTIMUM = 491_639.0


def _brute_force(cost: np.ndarray, p: int) -> float:
    """Smallest total cost over every choice of p sites, enumerated in blocks."""
    combos = np.array(list(itertools.combinations(range(cost.shape[1]), p)), dtype=np.int64)
    best = np.inf
    for start in range(0, len(combos), 4096):
        block = combos[start : start + 4096]
        totals = cost[:, block].min(axis=2).sum(axis=0)
        best = min(best, float(totals.min()))
    return best


@pytest.fixture(scope="module")
def first60() -> np.ndarray:
    return cost_from_points(read_points(SMALL_CASE), "euclidean-floor")


@pytest.mark.parametrize("p", [1, 2, 3, 4])
def test_small_tsplib_case_proven_optimal_against_brute_force(first60: np.ndarray, p: int) -> None:
    expected = _brute_force(first60, p)
    result = PMedian.from_cost_matrix(first60, p=p).solve(time_limit_s=60)
    assert result.status is Status.OPTIMAL
    assert result.objective == expected and result.bound == expected and result.gap == 0
    assert len(result.selected) == p
    assert first60[:, list(result.selected)].min(axis=1).sum() == expected


def test_small_tsplib_case_with_existing_sites_and_candidates(first60: np.ndarray) -> None:
    # Two existing sites stay open, two more come from the even-numbered points only.
    existing, candidates = [0, 59], list(range(0, 60, 2))
    best = min(
        float(first60[:, [*existing, a, b]].min(axis=1).sum())
        for a, b in itertools.combinations([j for j in candidates if j not in existing], 2)
    )
    result = PMedian.from_cost_matrix(first60, p=4, existing=existing, candidates=candidates).solve(time_limit_s=60)
    assert result.status is Status.OPTIMAL and result.objective == best
    assert {0, 59} <= set(result.selected) <= set(candidates) | {59}  # existing sites are always allowed


def test_rl1304_p100_bound_and_objective_bracket_the_published_optimum() -> None:
    # A budget of seconds (make test): the proven bound is valid and within 0.5 % of the optimum
    # (the root LP bound alone is), whether or not the search finishes.
    cost = cost_from_points(read_points(BENCH_TSPLIB / "rl1304.tsp"), "euclidean-floor")
    result = PMedian.from_cost_matrix(cost, p=100).solve(time_limit_s=15)
    assert result.bound is not None
    assert 0.995 * RL1304_P100_OPTIMUM <= result.bound <= RL1304_P100_OPTIMUM <= result.objective
    assert len(result.selected) == 100
    assert cost[:, list(result.selected)].min(axis=1).sum() == result.objective
    if result.status is Status.OPTIMAL:
        assert result.objective == RL1304_P100_OPTIMUM
