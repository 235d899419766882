"""Location models against OR-Library optima, brute-force enumeration and hand-solved cases."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path
from typing import TypedDict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InfeasibleError, InputError
from planner.locate import LSCP, MCLP, MODELS, BackupCoverage, LocationResult, PCenter, PMedian
from planner.locate.orlib import read_orlib_pmedian
from planner.model.status import Status

INF = math.inf


def _optima(fixtures: Path) -> dict[str, float]:
    with (fixtures / "orlib" / "optimal.csv").open() as handle:
        return {row["instance"]: float(row["optimal"]) for row in csv.DictReader(handle)}


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed3", "pmed4", "pmed5"])
def test_p_median_reaches_or_library_optimum(fixtures: Path, name: str) -> None:
    cost, p = read_orlib_pmedian(fixtures / "orlib" / f"{name}.txt")
    result = PMedian.from_cost_matrix(cost, p=p).solve(time_limit_s=60)
    assert result.objective == _optima(fixtures)[name]
    assert result.status is Status.OPTIMAL and result.bound == result.objective
    assert len(result.selected) == p
    # The reported objective is the real cost of the reported sites.
    assert cost[:, list(result.selected)].min(axis=1).sum() == _optima(fixtures)[name]


# ---------------------------------------------------------------- brute force (independent of solvers)


def _subsets(m: int, p: int, existing: list[int], allowed: list[int]) -> list[tuple[int, ...]]:
    free = [j for j in allowed if j not in existing]
    return [tuple(sorted((*existing, *extra))) for extra in itertools.combinations(free, p - len(existing))]


def _brute_mclp(cost: np.ndarray, w: np.ndarray, p: int, r: float, existing: list[int], allowed: list[int]) -> float:
    return max(float(w @ (cost[:, list(s)] <= r).any(axis=1)) for s in _subsets(cost.shape[1], p, existing, allowed))


def _brute_lscp(cost: np.ndarray, r: float, existing: list[int], allowed: list[int]) -> float | None:
    for size in range(len(existing), len(allowed) + 1):
        for s in _subsets(cost.shape[1], max(size, 0), existing, allowed):
            if (cost[:, list(s)] <= r).any(axis=1).all():
                return float(size)
    return None


def _brute_pcenter(cost: np.ndarray, w: np.ndarray, p: int, existing: list[int], allowed: list[int]) -> float:
    rows = w > 0
    if not rows.any():
        return 0.0
    return min(
        float(cost[rows][:, list(s)].min(axis=1).max()) for s in _subsets(cost.shape[1], p, existing, allowed)
    )


def _brute_pmedian(cost: np.ndarray, w: np.ndarray, p: int, existing: list[int], allowed: list[int]) -> float:
    rows = w > 0
    return min(
        float(w[rows] @ cost[rows][:, list(s)].min(axis=1)) for s in _subsets(cost.shape[1], p, existing, allowed)
    )


def _brute_backup(
    cost: np.ndarray, w: np.ndarray, p: int, r: float, existing: list[int], allowed: list[int]
) -> float | None:
    best = None
    for s in _subsets(cost.shape[1], p, existing, allowed):
        count = (cost[:, list(s)] <= r).sum(axis=1)
        if (count >= 1).all():
            value = float(w @ (count >= 2))
            best = value if best is None else max(best, value)
    return best


@st.composite
def instances(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int], list[int], int, float]:
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 6))
    cells = draw(st.lists(st.one_of(st.integers(0, 9).map(float), st.just(INF)), min_size=n * m, max_size=n * m))
    cost = np.array(cells).reshape(n, m)
    weights = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)
    allowed = sorted(draw(st.sets(st.integers(0, m - 1), min_size=1)))
    existing = sorted(draw(st.sets(st.sampled_from(allowed), max_size=min(2, len(allowed)))))
    p = draw(st.integers(max(1, len(existing)), len(allowed)))
    radius = float(draw(st.integers(0, 9)))
    return cost, weights, existing, allowed, p, radius


_FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_sites(result: LocationResult, existing: list[int], allowed: list[int]) -> None:
    assert set(existing) <= set(result.selected) <= set(allowed)


@_FAST
@given(instances())
def test_mclp_matches_brute_force(case: tuple[np.ndarray, np.ndarray, list[int], list[int], int, float]) -> None:
    cost, w, existing, allowed, p, r = case
    model = MCLP.from_cost_matrix(cost, w, p=p, max_cost=r, existing=existing, candidates=allowed)
    result = model.solve(time_limit_s=10)
    assert result.objective == pytest.approx(_brute_mclp(cost, w, p, r, existing, allowed))
    assert len(result.selected) == p
    _check_sites(result, existing, allowed)


@_FAST
@given(instances())
def test_lscp_matches_brute_force(case: tuple[np.ndarray, np.ndarray, list[int], list[int], int, float]) -> None:
    cost, _, existing, allowed, _, r = case
    expected = _brute_lscp(cost, r, existing, allowed)
    model = LSCP.from_cost_matrix(cost, max_cost=r, existing=existing, candidates=allowed)
    if expected is None:
        with pytest.raises(InfeasibleError, match="no candidate site within"):
            model.solve(time_limit_s=10)
        return
    result = model.solve(time_limit_s=10)
    assert result.objective == expected and len(result.selected) == expected
    assert (cost[:, list(result.selected)] <= r).any(axis=1).all()
    _check_sites(result, existing, allowed)


@_FAST
@given(instances())
def test_p_center_matches_brute_force(case: tuple[np.ndarray, np.ndarray, list[int], list[int], int, float]) -> None:
    cost, w, existing, allowed, p, _ = case
    rows = w > 0
    if rows.any() and not np.isfinite(cost[rows][:, allowed]).any(axis=1).all():
        with pytest.raises(InfeasibleError, match="cannot reach"):
            PCenter.from_cost_matrix(cost, w, p=p, existing=existing, candidates=allowed).solve(time_limit_s=10)
        return
    expected = _brute_pcenter(cost, w, p, existing, allowed)
    model = PCenter.from_cost_matrix(cost, w, p=p, existing=existing, candidates=allowed)
    if math.isinf(expected):  # every choice of p sites leaves someone unreachable
        with pytest.raises(InfeasibleError, match="no choice of p="):
            model.solve(time_limit_s=10)
        return
    result = model.solve(time_limit_s=10)
    assert result.objective == expected and len(result.selected) == p
    _check_sites(result, existing, allowed)


@_FAST
@given(instances())
def test_p_median_matches_brute_force(case: tuple[np.ndarray, np.ndarray, list[int], list[int], int, float]) -> None:
    cost, w, existing, allowed, p, _ = case
    expected = _brute_pmedian(cost, w, p, existing, allowed)
    model = PMedian.from_cost_matrix(cost, w, p=p, existing=existing, candidates=allowed)
    if math.isinf(expected):
        with pytest.raises(InfeasibleError):
            model.solve(time_limit_s=10)
        return
    result = model.solve(time_limit_s=10)
    assert result.objective == pytest.approx(expected) and len(result.selected) == p
    _check_sites(result, existing, allowed)


@_FAST
@given(instances())
def test_backup_matches_brute_force(case: tuple[np.ndarray, np.ndarray, list[int], list[int], int, float]) -> None:
    cost, w, existing, allowed, p, r = case
    expected = _brute_backup(cost, w, p, r, existing, allowed)
    model = BackupCoverage.from_cost_matrix(cost, w, p=p, max_cost=r, existing=existing, candidates=allowed)
    if expected is None:
        with pytest.raises(InfeasibleError):
            model.solve(time_limit_s=10)
        return
    result = model.solve(time_limit_s=10)
    assert result.objective == pytest.approx(expected) and len(result.selected) == p
    _check_sites(result, existing, allowed)


# ---------------------------------------------------------------- hand-solved cases

# Two towns on a line: demand 0,1 near site A(0); demand 2,3 near site B(1); site C(2) in the middle.
LINE = np.array(
    [
        [1.0, 9.0, 5.0],
        [2.0, 8.0, 4.0],
        [9.0, 1.0, 5.0],
        [8.0, 2.0, 4.0],
    ]
)


def test_hand_p_median_two_towns() -> None:
    result = PMedian.from_cost_matrix(LINE, p=2).solve(time_limit_s=10)
    assert result.selected == (0, 1) and result.objective == 6.0
    assert result.assignment.tolist() == [0, 0, 1, 1]


def test_hand_p_median_one_site_picks_middle() -> None:
    result = PMedian.from_cost_matrix(LINE, p=1).solve(time_limit_s=10)
    assert result.selected == (2,) and result.objective == 18.0


def test_hand_existing_site_stays_open() -> None:
    result = PMedian.from_cost_matrix(LINE, p=2, existing=[2]).solve(time_limit_s=10)
    # C with A serves 1, 2, 5, 4; C with B serves 5, 4, 1, 2: both cost 12.
    assert 2 in result.selected and result.objective == 12.0


def test_hand_lscp_radius_five_needs_one_middle_site() -> None:
    assert LSCP.from_cost_matrix(LINE, max_cost=5).solve(time_limit_s=10).selected == (2,)
    assert LSCP.from_cost_matrix(LINE, max_cost=2).solve(time_limit_s=10).selected == (0, 1)


def test_hand_mclp_weights_decide() -> None:
    weights = np.array([1.0, 1.0, 10.0, 1.0])
    result = MCLP.from_cost_matrix(LINE, weights, p=1, max_cost=2).solve(time_limit_s=10)
    assert result.selected == (1,) and result.objective == 11.0
    assert result.assignment.tolist() == [-1, -1, 1, 1]


def test_hand_p_center() -> None:
    assert PCenter.from_cost_matrix(LINE, p=1).solve(time_limit_s=10).objective == 5.0
    assert PCenter.from_cost_matrix(LINE, p=2).solve(time_limit_s=10).objective == 2.0


def test_hand_backup_coverage() -> None:
    # Radius 5: C covers everyone; with p=2 one more site backs up one town (2 demands).
    result = BackupCoverage.from_cost_matrix(LINE, p=2, max_cost=5).solve(time_limit_s=10)
    assert 2 in result.selected and result.objective == 2.0
    with pytest.raises(InfeasibleError, match="at least 2 are needed"):
        BackupCoverage.from_cost_matrix(LINE, p=1, max_cost=2).solve(time_limit_s=10)


def test_capacitated_p_median_splits_demand() -> None:
    # Uncapacitated, site 0 serves all four at cost 0+1+1+1 = 3; capacity 2 sends two demands to site 1,
    # cheapest the one with extra cost 4 (row 1) and one with extra cost 5: 3 + 4 + 5 = 12.
    cost = np.array([[0.0, 5.0], [1.0, 5.0], [1.0, 6.0], [1.0, 6.0]])
    result = PMedian.from_cost_matrix(cost, p=2, capacities=np.array([2.0, 2.0])).solve(time_limit_s=10)
    assert result.assignment[1] == 1
    assert min(np.bincount(result.assignment, minlength=2)) == 2
    assert result.objective == 12.0
    with pytest.raises(InfeasibleError, match="exceeds"):
        PMedian.from_cost_matrix(cost, p=2, capacities=np.array([1.0, 2.0])).solve(time_limit_s=10)


def test_capacitated_lscp_needs_more_sites() -> None:
    cost = np.zeros((3, 3))
    result = LSCP.from_cost_matrix(cost, max_cost=1, capacities=np.array([2.0, 2.0, 2.0])).solve(time_limit_s=10)
    assert result.objective == 2.0
    assert all(np.bincount(result.assignment, minlength=3)[list(result.selected)] <= 2)


def test_unreachable_demand_is_named() -> None:
    cost = np.array([[1.0, 2.0], [INF, INF], [3.0, 1.0]])
    with pytest.raises(InfeasibleError, match="rows 1"):
        LSCP.from_cost_matrix(cost, max_cost=5).solve(time_limit_s=10)
    with pytest.raises(InfeasibleError, match="rows 1"):
        PMedian.from_cost_matrix(cost, p=1).solve(time_limit_s=10)


# ---------------------------------------------------------------- input validation


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cost": LINE, "p": 4}, r"p = 4 is not in 1\.\.3"),
        ({"cost": LINE, "p": 1, "existing": [0, 1]}, "smaller than the 2 existing"),
        ({"cost": -LINE, "p": 1}, "< 0"),
        ({"cost": np.array([[np.nan, 1.0]]), "p": 1}, "NaN"),
        ({"cost": LINE, "p": 1, "weights": [1, 1, -1, 1]}, r"weights\[2\] = -1"),
        ({"cost": LINE, "p": 1, "weights": [1, 1]}, "2 entries"),
        ({"cost": LINE, "p": 1, "existing": [5]}, r"existing index 5 is not in 0\.\.2"),
        ({"cost": LINE, "p": 1, "max_cost": 3}, "does not take max_cost"),
        ({"cost": LINE}, "needs p"),
    ],
)
def test_invalid_input_names_field_and_numbers(kwargs: dict[str, object], match: str) -> None:
    cost = kwargs.pop("cost")
    with pytest.raises(InputError, match=match):
        PMedian.from_cost_matrix(cost, **kwargs)  # type: ignore[arg-type]


def test_capacities_rejected_where_unsupported() -> None:
    with pytest.raises(InputError, match="does not support capacities"):
        MCLP.from_cost_matrix(LINE, p=1, max_cost=2, capacities=np.ones(3))


# ---------------------------------------------------------------- shared API

class _ModelArgs(TypedDict, total=False):
    p: int
    max_cost: float


_ARGS: dict[str, _ModelArgs] = {
    "lscp": {"max_cost": 5.0},
    "mclp": {"p": 2, "max_cost": 2.0},
    "p-median": {"p": 2},
    "p-center": {"p": 2},
    "backup": {"p": 2, "max_cost": 5.0},
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_shares_the_api_and_result_type(name: str) -> None:
    model_class = MODELS[name]
    assert model_class.name == name
    model = model_class.from_cost_matrix(LINE, np.ones(4), existing=[2], candidates=[0, 1], **_ARGS[name])
    result = model.solve(time_limit_s=10)
    assert isinstance(result, LocationResult) and result.model == name
    assert 2 in result.selected and result.status is Status.OPTIMAL
    assert result.assignment.shape == (4,) and result.assignment.dtype == np.int64
    assert result.bound == pytest.approx(result.objective) and result.gap == pytest.approx(0.0)
    assert result.wall_s >= 0 and result.method
    with pytest.raises(AttributeError):
        result.objective = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        result.assignment[0] = 5


def test_p_center_keeps_existing_sites_when_no_demand_is_weighted() -> None:
    # Found by hypothesis: with every weight 0 the answer ignored the existing site.
    result = PCenter.from_cost_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2), p=1, existing=[1]).solve()
    assert result.selected == (1,)
    assert result.objective == 0.0
