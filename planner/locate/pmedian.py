"""P-median: open p sites to minimise the total weighted cost from each demand point to its nearest site.

Formulation (ReVelle & Swain 1970, "Central facilities location", Geographical Analysis 2: 30-42),
with ``y_j = 1`` when site ``j`` is open and ``x_ij = 1`` when demand ``i`` is served by ``j``::

    min  sum_ij w_i c_ij x_ij
    s.t. sum_j x_ij = 1            for every demand i
         x_ij <= y_j               for every pair i, j
         sum_j y_j = p,  y_j = 1 for existing j,  y_j = 0 for non-candidates
         x, y binary

Uncapacitated instances are solved in the equivalent radius formulation of Elloumi (2010), "A tighter
formulation of the p-median problem", J. Comb. Optim. 19: 69-83 (after Cornuejols, Nemhauser & Wolsey
1980). For demand ``i`` let ``D_i^1 < ... < D_i^K`` be its distinct finite costs to allowed sites and
``z_i^k = 1`` when no open site is within ``D_i^k``::

    min  sum_i w_i (D_i^1 + sum_{k<K} (D_i^{k+1} - D_i^k) z_i^k)
    s.t. z_i^k >= z_i^{k-1} - sum_{j: c_ij = D_i^k} y_j      (z_i^0 = 1, z_i^K = 0)
         sum_j y_j = p,   z >= 0,   y binary

written as a chain so each cost entry appears once. Levels beyond the ``(m-p+1)``-th nearest site and
beyond the nearest existing site are dropped (one of those is always open). Its LP bound is far
tighter than the classic one.

Solve: greedy then fast-interchange local search (Whitaker 1983; Resende & Werneck 2007) with a few
seeded random restarts gives an incumbent; the LP of the radius formulation (GLOP) gives a bound, and
its rounding (the ``p`` largest ``y_j``, improved by the same interchange) a second incumbent. When
bound and incumbent meet the incumbent is optimal; otherwise sites are fixed by LP reduced costs
against the incumbent and a Lagrangian branch-and-bound (``_lagrangian.py``: assignment constraints
relaxed, subgradient bounds re-optimised at every node, Lagrangian reduced-cost fixing) closes the gap
on the remaining sites within the time limit; with unreachable pairs HiGHS solves the remaining MIP
instead. On OR-Library pmed1-40 sizes (n = 100..900) this proves the optimum in 0.1-10 s on two cores
(bench/locate.py). Capacitated instances use the classic formulation with single-source assignment and
``sum_i w_i x_ij <= cap_j y_j`` (HiGHS MIP).
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix

from planner.errors import InfeasibleError, SolverLimitError
from planner.locate._lagrangian import lagrangian_branch_and_bound
from planner.locate._mip import solve_sparse
from planner.locate._model import DEFAULT_TIME_LIMIT_S, Instance, LocationModel, _preview
from planner.locate._result import LocationResult, relative_gap
from planner.locate._swap import fast_interchange, greedy
from planner.model.status import Status

__all__ = ["PMedian"]


class PMedian(LocationModel):
    """Weighted p-median (ReVelle & Swain 1970); capacitated variant with single-source assignment.

    See the module docstring for the formulations and the solve strategy. ``objective`` is
    ``sum_i w_i c_i,a(i)``; ``bound`` is a proven lower bound.
    """

    name = "p-median"
    uses_p = True
    supports_capacities = True

    def solve(self, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> LocationResult:
        """Open ``p`` sites minimising total weighted cost within ``time_limit_s`` seconds."""
        started = time.perf_counter()
        data = self.instance
        _check_reachable(data)
        if data.capacities is not None:
            return _solve_capacitated(data, time_limit_s, started)
        return _solve_uncapacitated(data, time_limit_s, started)


def _check_reachable(data: Instance) -> None:
    """Raise InfeasibleError naming the weighted demand rows no allowed site can reach."""
    reachable = np.isfinite(data.cost[:, data.allowed]).any(axis=1)
    lonely = np.flatnonzero(~reachable & (data.weights > 0))
    if len(lonely):
        raise InfeasibleError(f"{len(lonely)} demand point(s) cannot reach any candidate site: rows {_preview(lonely)}")


def _total(cost: np.ndarray, weights: np.ndarray, selected: np.ndarray) -> float:
    """Weighted sum of each row's cost to its nearest selected site."""
    return float(weights @ cost[:, selected].min(axis=1))


def _objective_step(cost: np.ndarray, weights: np.ndarray) -> float:
    """1 when every weight and finite cost is an integer (objectives then differ by >= 1), else 0."""
    finite = cost[np.isfinite(cost)]
    integral = np.all(finite == np.round(finite)) and np.all(weights == np.round(weights))
    return 1.0 if integral else 0.0


def _solve_uncapacitated(data: Instance, time_limit_s: float, started: float) -> LocationResult:
    """Local search incumbent, radius-formulation LP bound, then a reduced MIP if a gap remains."""
    # Data: the weighted rows and the allowed columns only.
    rows = np.flatnonzero(data.weights > 0)
    cols = np.flatnonzero(data.allowed)
    cost = data.cost[np.ix_(rows, cols)]
    weights = data.weights[rows]
    p = int(data.p or 0)
    fixed = np.searchsorted(cols, data.existing)
    if len(rows) == 0:
        selected = _pad(np.zeros(0, dtype=np.int64), fixed, len(cols), p)
        return _result(data, cols[selected], 0.0, 0.0, Status.OPTIMAL, started, "trivial (no weighted demand)")

    incumbent, upper = _local_search(cost, weights, p, fixed, started, time_limit_s)
    step = _objective_step(cost, weights)
    tolerance = step - 1e-6 if step else 1e-9 * max(1.0, abs(upper))
    program = _radius_program(cost, weights, p, fixed)
    remaining = time_limit_s - (time.perf_counter() - started)
    lp = solve_sparse(*program.arrays(), offset=program.offset, time_limit_s=remaining, solver="glop")
    lower = lp.bound if lp.status is Status.OPTIMAL else None
    if lower is not None and step:
        lower = float(math.ceil(lower - 1e-6))
    rounded = False
    if lower is not None and lp.values is not None and upper - lower > tolerance:
        # LP rounding: the p sites with the largest LP values, improved by the same swap search. On
        # instances whose LP is (nearly) integral this finds the optimum the random restarts missed.
        candidate = _lp_rounding(cost, weights, lp.values[: len(cols)], p, fixed)
        value = _total(cost, weights, candidate)
        if value < upper:
            incumbent, upper, rounded = candidate, value, True
    method_lp = "swap local search" + (" + LP rounding" if rounded else "")
    lp_part = "LP bound (radius formulation, reduced-cost fixing)"
    if lower is None:
        lp_part = "radius LP not solved in time"
    if lower is not None and upper - lower <= tolerance:
        method = f"{method_lp} + LP bound (radius formulation)"
        return _result(data, cols[incumbent], upper, lower, Status.OPTIMAL, started, method)

    # Reduced-cost fixing: a site whose LP reduced cost lifts the bound past the incumbent cannot be
    # part of a better solution, so it is dropped and the formulation rebuilt on the remaining sites.
    keep = np.ones(len(cols), dtype=bool)
    if lower is not None and lp.values is not None and lp.reduced_costs is not None and math.isfinite(upper):
        y, rc = lp.values[: len(cols)], lp.reduced_costs[: len(cols)]
        keep = (y > 1e-9) | (lp.bound + rc <= upper - tolerance)
        keep[fixed] = True
        keep[incumbent] = True
    kept = np.flatnonzero(keep)
    if math.isfinite(upper) and np.isfinite(cost[:, kept]).all():
        # Lagrangian branch-and-bound on the kept sites (the LP bound is already known to be tight
        # to within the gap; the tree closes it with cheap re-optimised bounds).
        search = lagrangian_branch_and_bound(
            weights[:, None] * cost[:, kept], p, np.searchsorted(kept, fixed), np.searchsorted(kept, incumbent),
            upper, tolerance, started + time_limit_s,
        )
        method = f"{method_lp} + {lp_part} + Lagrangian branch-and-bound"
        if search.value < upper:
            incumbent, upper = kept[search.selected], _total(cost, weights, kept[search.selected])
        if search.proven:
            return _result(data, cols[incumbent], upper, upper, Status.OPTIMAL, started, method)
        bound = max(b for b in (lower, search.bound) if b is not None and math.isfinite(b)) if (
            lower is not None or math.isfinite(search.bound)) else None
        status = Status.OPTIMAL if bound is not None and upper - bound <= tolerance else Status.FEASIBLE
        return _result(data, cols[incumbent], upper, bound, status, started, method)
    program = _radius_program(cost[:, kept], weights, p, np.searchsorted(kept, fixed))
    remaining = time_limit_s - (time.perf_counter() - started)
    options = ["mip_rel_gap=0", f"mip_abs_gap={0.999 * step if step else 1e-6}"]
    if math.isfinite(upper):
        options.append(f"objective_bound={upper + 0.5 * step}")
    mip = solve_sparse(*program.arrays(), offset=program.offset, time_limit_s=remaining, options=tuple(options))
    method = f"{method_lp} + {lp_part} + HiGHS MIP (radius formulation)"
    if mip.values is not None:
        candidate = kept[np.flatnonzero(mip.values[: len(kept)] > 0.5)]
        if len(candidate) == p and _total(cost, weights, candidate) < upper:
            incumbent, upper = candidate, _total(cost, weights, candidate)
    if not math.isfinite(upper):
        if mip.status is Status.INFEASIBLE:
            raise InfeasibleError(f"no choice of p={p} sites reaches every weighted demand point")
        raise SolverLimitError(f"p-median: no feasible solution within {time_limit_s:g} s")
    if mip.status is Status.OPTIMAL or (mip.status is Status.INFEASIBLE and lower is not None):
        # Infeasible after fixing means nothing beats the incumbent.
        return _result(data, cols[incumbent], upper, upper, Status.OPTIMAL, started, method)
    bounds = [b for b in (lower, mip.bound) if b is not None]
    bound = max(bounds) if bounds else None
    status = Status.OPTIMAL if bound is not None and upper - bound <= tolerance else Status.FEASIBLE
    return _result(data, cols[incumbent], upper, bound, status, started, method)


def _local_search(
    cost: np.ndarray, weights: np.ndarray, p: int, fixed: np.ndarray, started: float, time_limit_s: float
) -> tuple[np.ndarray, float]:
    """Greedy + fast interchange, then seeded random restarts for at most 10% of the time limit."""
    work = _work_matrix(cost, weights)
    allowed = np.ones(cost.shape[1], dtype=bool)
    best = fast_interchange(work, weights, greedy(work, weights, p, fixed, allowed), fixed, allowed)
    best_value = _total(work, weights, best)
    rng = np.random.default_rng(0)
    free = np.setdiff1d(np.arange(cost.shape[1]), fixed)
    budget_s = min(0.1 * time_limit_s, 5.0)
    for _ in range(8):
        if time.perf_counter() - started > budget_s or len(free) <= p - len(fixed):
            break
        start = np.concatenate([fixed, rng.choice(free, size=p - len(fixed), replace=False)])
        found = fast_interchange(work, weights, start, fixed, allowed)
        value = _total(work, weights, found)
        if value < best_value:
            best, best_value = found, value
    if not np.isfinite(cost[:, best].min(axis=1)).all():
        return best, math.inf
    return best, _total(cost, weights, best)


def _work_matrix(cost: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Costs with unreachable pairs replaced by a penalty larger than any finite total."""
    finite = cost[np.isfinite(cost)]
    big = (float(finite.max()) + 1.0) * (float(weights.sum()) + 1.0) * 2.0
    return np.where(np.isfinite(cost), cost, big)


def _lp_rounding(cost: np.ndarray, weights: np.ndarray, y: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    """Round the LP: the fixed sites plus the largest remaining LP values, then fast interchange."""
    order = np.argsort(-y, kind="stable")
    order = order[~np.isin(order, fixed)]
    start = np.concatenate([fixed, order[: p - len(fixed)]]).astype(np.int64)
    allowed = np.ones(cost.shape[1], dtype=bool)
    return fast_interchange(_work_matrix(cost, weights), weights, start, fixed, allowed)


class _Program:
    """A linear program as arrays, ready for :func:`solve_sparse`."""

    def __init__(
        self,
        objective: np.ndarray,
        matrix: csr_matrix,
        row_lb: np.ndarray,
        row_ub: np.ndarray,
        var_lb: np.ndarray,
        var_ub: np.ndarray,
        integer: np.ndarray,
        offset: float,
    ) -> None:
        self.objective, self.matrix = objective, matrix
        self.row_lb, self.row_ub = row_lb, row_ub
        self.var_lb, self.var_ub = var_lb, var_ub
        self.integer, self.offset = integer, offset

    def arrays(self) -> tuple[np.ndarray, csr_matrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return the positional arguments of :func:`solve_sparse`."""
        return self.objective, self.matrix, self.row_lb, self.row_ub, self.var_lb, self.var_ub, self.integer


def _radius_program(cost: np.ndarray, weights: np.ndarray, p: int, fixed: np.ndarray) -> _Program:
    """Build Elloumi's radius formulation (see the module docstring), vectorised over all rows."""
    # Data: each row's costs in increasing order, cut at the level where an open site is certain.
    n, m = cost.shape
    order = np.argsort(cost, axis=1, kind="stable")
    sorted_cost = np.take_along_axis(cost, order, axis=1)
    cap = sorted_cost[:, m - p]
    if len(fixed):
        cap = np.minimum(cap, cost[:, fixed].min(axis=1))
    keep = (sorted_cost <= cap[:, None]) & np.isfinite(sorted_cost)
    new_level = keep.copy()
    new_level[:, 1:] &= sorted_cost[:, 1:] != sorted_cost[:, :-1]
    levels_per_row = new_level.sum(axis=1)
    first_level = np.concatenate([[0], np.cumsum(levels_per_row)[:-1]])
    local_level = np.cumsum(new_level, axis=1) - 1
    n_levels = int(levels_per_row.sum())
    level_row = np.repeat(np.arange(n), levels_per_row)
    level_cost = sorted_cost[new_level]
    is_last = np.zeros(n_levels, dtype=bool)
    is_last[first_level + levels_per_row - 1] = True
    is_first = np.zeros(n_levels, dtype=bool)
    is_first[first_level] = True

    # Variables: y_j (binary, columns 0..m-1), then one z per level (the last level's z fixed at 0).
    z = m + np.arange(n_levels)
    step_cost = np.zeros(n_levels)
    step_cost[~is_last] = np.diff(level_cost)[~is_last[:-1]] if n_levels > 1 else 0.0
    objective = np.concatenate([np.zeros(m), weights[level_row] * step_cost])
    offset = float(weights @ level_cost[is_first])
    var_lb = np.zeros(m + n_levels)
    var_ub = np.concatenate([np.ones(m), np.where(is_last, 0.0, np.inf)])
    var_lb[fixed] = 1.0
    integer = np.concatenate([np.ones(m, dtype=bool), np.zeros(n_levels, dtype=bool)])

    # Constraints: one per level, z_k - z_{k-1} + (sites at exactly this cost) >= 1 at the first level
    # (z_0 = 1), >= 0 after; then one row saying exactly p sites open.
    entry_rows = (first_level[:, None] + local_level)[keep]
    entry_cols = order[keep]
    previous = np.flatnonzero(~is_first)
    rows = np.concatenate([entry_rows, np.arange(n_levels), previous, np.full(m, n_levels)])
    cols = np.concatenate([entry_cols, z, z[previous - 1], np.arange(m)])
    vals = np.concatenate([np.ones(len(entry_rows)), np.ones(n_levels), -np.ones(len(previous)), np.ones(m)])
    matrix = coo_matrix((vals, (rows, cols)), shape=(n_levels + 1, m + n_levels)).tocsr()
    row_lb = np.concatenate([is_first.astype(np.float64), [p]])
    row_ub = np.concatenate([np.full(n_levels, np.inf), [p]])
    return _Program(objective, matrix, row_lb, row_ub, var_lb, var_ub, integer, offset)


def _solve_capacitated(data: Instance, time_limit_s: float, started: float) -> LocationResult:
    """Classic formulation with single-source assignment and site capacities, HiGHS MIP."""
    # Data: pairs (i, j) with a finite cost to an allowed site; every row must be assigned.
    assert data.capacities is not None
    p = int(data.p or 0)
    n, m = data.n_demand, data.n_sites
    top = np.sort(data.capacities[data.allowed])[::-1]
    best_capacity = float(data.capacities[data.existing].sum() + np.sort(
        np.delete(data.capacities, data.existing)[np.delete(data.allowed, data.existing)]
    )[::-1][: p - len(data.existing)].sum()) if len(top) else 0.0
    demand = float(data.weights.sum())
    if demand > best_capacity + 1e-9:
        raise InfeasibleError(
            f"total demand weight {demand:g} exceeds {best_capacity:g}, the capacity of the best {p} sites"
        )
    pair_i, pair_j = np.nonzero(np.isfinite(data.cost) & data.allowed[None, :])
    lonely = np.setdiff1d(np.arange(n), pair_i)
    if len(lonely):
        raise InfeasibleError(f"{len(lonely)} demand point(s) cannot reach any candidate site: rows {_preview(lonely)}")
    k = len(pair_i)

    # Variables: y_j for every site (0..m-1), then x_ij for every reachable pair.
    x = m + np.arange(k)
    var_lb = np.zeros(m + k)
    var_ub = np.concatenate([data.allowed.astype(np.float64), np.ones(k)])
    var_lb[data.existing] = 1.0
    integer = np.ones(m + k, dtype=bool)

    # Constraints: each demand served once; x_ij <= y_j; load within capacity; p sites open.
    assign_rows = pair_i
    link_rows = n + np.arange(k)
    cap_rows = n + k + pair_j
    count_row = n + k + m
    rows = np.concatenate([assign_rows, link_rows, link_rows, cap_rows, n + k + np.arange(m), np.full(m, count_row)])
    cols = np.concatenate([x, x, pair_j, x, np.arange(m), np.arange(m)])
    vals = np.concatenate([np.ones(k), np.ones(k), -np.ones(k), data.weights[pair_i], -data.capacities, np.ones(m)])
    matrix = coo_matrix((vals, (rows, cols)), shape=(count_row + 1, m + k)).tocsr()
    row_lb = np.concatenate([np.ones(n), np.full(k, -np.inf), np.full(m, -np.inf), [p]])
    row_ub = np.concatenate([np.ones(n), np.zeros(k), np.zeros(m), [p]])

    # Objective: total weighted cost of the assignment.
    objective = np.concatenate([np.zeros(m), data.weights[pair_i] * data.cost[pair_i, pair_j]])
    remaining = time_limit_s - (time.perf_counter() - started)
    mip = solve_sparse(objective, matrix, row_lb, row_ub, var_lb, var_ub, integer, time_limit_s=remaining,
                       options=("mip_rel_gap=1e-9",))
    if mip.status is Status.INFEASIBLE:
        raise InfeasibleError(f"no assignment of the demand to p={p} sites respects the capacities")
    if mip.values is None:
        raise SolverLimitError(f"capacitated p-median: no feasible solution within {time_limit_s:g} s")
    selected = np.flatnonzero(mip.values[:m] > 0.5)
    chosen = mip.values[m:] > 0.5
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[pair_i[chosen]] = pair_j[chosen]
    objective_value = float(data.weights @ data.cost[np.arange(n), assignment])
    bound = mip.bound if mip.status is not Status.OPTIMAL else objective_value
    return LocationResult(
        model=PMedian.name, selected=tuple(int(j) for j in selected), assignment=assignment,
        objective=objective_value, bound=bound, status=mip.status, wall_s=time.perf_counter() - started,
        method="HiGHS MIP (capacitated, single-source)", gap=relative_gap(objective_value, bound),
    )


def _pad(selected: np.ndarray, fixed: np.ndarray, m: int, p: int) -> np.ndarray:
    """Existing sites plus the first other columns until ``p`` are open."""
    chosen = list(dict.fromkeys([*fixed.tolist(), *selected.tolist()]))
    for j in range(m):
        if len(chosen) >= p:
            break
        if j not in chosen:
            chosen.append(j)
    return np.array(sorted(chosen), dtype=np.int64)


def _result(
    data: Instance,
    selected: np.ndarray,
    objective: float,
    bound: float | None,
    status: Status,
    started: float,
    method: str,
) -> LocationResult:
    """Build the result with every row assigned to its nearest open site (-1 if unreachable)."""
    selected = np.sort(np.asarray(selected, dtype=np.int64))
    sub = data.cost[:, selected]
    nearest = selected[np.argmin(sub, axis=1)]
    assignment = np.where(np.isfinite(sub.min(axis=1)), nearest, -1)
    if len(selected):
        objective = float(data.weights[data.weights > 0] @ sub[data.weights > 0].min(axis=1))
    return LocationResult(
        model=PMedian.name, selected=tuple(int(j) for j in selected), assignment=assignment, objective=objective,
        bound=bound, status=status, wall_s=time.perf_counter() - started, method=method,
        gap=relative_gap(objective, bound),
    )
