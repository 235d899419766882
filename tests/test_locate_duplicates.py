"""P-median on repeated points: identical rows and columns merged, answers checked by brute force."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from planner.cli import main
from planner.locate import PMedian
from planner.locate._duplicates import merge_duplicates  # noqa: PLC2701  (the merge, checked directly)
from planner.model.status import Status


def _floor_distances(xy: np.ndarray) -> np.ndarray:
    return np.floor(np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)))


def _brute_force(cost: np.ndarray, weights: np.ndarray, p: int, fixed: tuple[int, ...] = ()) -> float:
    others = [j for j in range(cost.shape[1]) if j not in fixed]
    return min(float(weights @ cost[:, [*fixed, *chosen]].min(axis=1))
               for chosen in itertools.combinations(others, p - len(fixed)))


def test_merge_keeps_one_row_and_column_per_group_and_a_fixed_copy() -> None:
    cost = np.array([[0.0, 3.0, 0.0, 5.0],
                     [4.0, 0.0, 4.0, 2.0],
                     [0.0, 3.0, 0.0, 5.0],
                     [np.inf, 1.0, np.inf, 0.0],
                     [np.inf, 1.0, np.inf, 0.0]])
    merged = merge_duplicates(cost, np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([2]))
    assert merged is not None
    assert merged.rows.tolist() == [0, 1, 3] and merged.weights.tolist() == [4.0, 2.0, 9.0]
    assert merged.columns.tolist() == [1, 2, 3] and merged.fixed.tolist() == [1]  # column 2 is fixed: 0 goes
    assert np.array_equal(merged.cost, cost[np.ix_([0, 1, 3], [1, 2, 3])])
    assert merge_duplicates(np.eye(3), np.ones(3), np.zeros(0, dtype=np.int64)) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_p_median_on_repeated_points_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    distinct = rng.integers(0, 50, (8, 2)).astype(np.float64)
    xy = distinct[rng.integers(0, len(distinct), 14)]  # 14 points, several at the same place
    cost = _floor_distances(xy)
    weights = rng.integers(1, 5, len(xy)).astype(np.float64)
    for p, existing in ((3, ()), (4, (int(np.flatnonzero((xy == xy[0]).all(axis=1))[-1]),))):
        result = PMedian.from_cost_matrix(cost, weights, p=p, existing=existing).solve(time_limit_s=30)
        assert result.status is Status.OPTIMAL and len(set(result.selected)) == p
        assert set(existing) <= set(result.selected)
        assert result.objective == pytest.approx(_brute_force(cost, weights, p, existing))
        assert result.bound == pytest.approx(result.objective)


def test_every_point_twice_with_p_at_least_the_distinct_points_is_zero_and_proven(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xy = np.random.default_rng(0).integers(0, 1_000, (40, 2)).astype(np.float64)
    xy = np.unique(xy, axis=0)
    points = np.vstack([xy, xy])
    path = tmp_path / "pairs.tsp"
    lines = [f"{k} {x:.0f} {y:.0f}" for k, (x, y) in enumerate(points, start=1)]
    path.write_text("\n".join(["NAME : pairs", "EDGE_WEIGHT_TYPE : EUC_2D", "NODE_COORD_SECTION", *lines, "EOF"]))
    for p in (len(xy), len(xy) + 3, len(xy) - 1):
        argv = ["locate", "--model", "p-median", "--points", str(path), "--metric", "euclidean-floor",
                "--p", str(p), "--json"]
        assert main(argv) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["status"] == "optimal" and len(set(out["sites"])) == p
        # Closing one distinct point sends its two copies to its nearest other point: twice the smallest gap.
        gaps = _floor_distances(xy) + np.diag(np.full(len(xy), np.inf))
        expected = 0.0 if p >= len(xy) else 2.0 * float(gaps.min())
        assert out["objective"] == expected and out["lower_bound"] == expected
