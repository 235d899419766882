"""p-median at OR-Library scale (pmed6, and pmed15/pmed25 with p=100/167, from bench/data) and the Lagrangian tree.

The full table (n = 100..900) is in bench/locate.py; these run in a few seconds.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest

from planner.locate import PMedian
from planner.locate._lagrangian import lagrangian_branch_and_bound  # noqa: PLC2701  (the bound, checked directly)
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
def test_lagrangian_tree_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 15)), int(rng.integers(2, 10))
    p = int(rng.integers(1, m + 1))
    integral = seed % 2 == 0
    cost = rng.integers(0, 30, (n, m)).astype(float) if integral else rng.uniform(0, 30, (n, m))
    weights = rng.integers(1, 5, n).astype(float) if integral else rng.uniform(0.1, 3, n)
    wcost = weights[:, None] * cost
    fixed = np.sort(rng.choice(m, int(rng.integers(0, min(p, 2) + 1)), replace=False))
    others = np.setdiff1d(np.arange(m), fixed)
    incumbent = np.concatenate([fixed, rng.choice(others, p - len(fixed), replace=False)])
    upper = float(wcost[:, incumbent].min(axis=1).sum())
    tolerance = 1 - 1e-6 if integral else 1e-9 * max(1.0, upper)
    best = _brute_force(wcost, p, fixed)
    found = lagrangian_branch_and_bound(wcost, p, fixed, incumbent, upper, tolerance, time.perf_counter() + 30)
    assert found.proven
    assert found.value == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert len(found.selected) == p and set(fixed.tolist()) <= set(found.selected.tolist())
    # Past the deadline the tree stops at once: not proven, and its bound is still a lower bound.
    stopped = lagrangian_branch_and_bound(wcost, p, fixed, incumbent, upper, tolerance, time.perf_counter() - 1)
    assert not stopped.proven and stopped.bound <= best + 1e-9 and stopped.value == upper
