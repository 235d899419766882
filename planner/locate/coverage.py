"""Coverage models: LSCP (set covering), MCLP (maximal covering) and backup (double) coverage.

Demand point ``i`` is covered by site ``j`` when ``c_ij <= max_cost``; ``N_i`` is the set of allowed
sites covering ``i``; ``y_j = 1`` when site ``j`` is open (existing sites fixed at 1). Demand rows with
the same ``N_i`` are merged (weights summed) before the model is built, so the program only has one
row per distinct coverage set, and the coverage sets are built sparsely.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix

from planner.errors import InfeasibleError, SolverLimitError
from planner.locate._mip import MipOutcome, solve_sparse
from planner.locate._model import DEFAULT_TIME_LIMIT_S, Instance, LocationModel
from planner.locate._result import LocationResult, relative_gap
from planner.model.status import Status

__all__ = ["LSCP", "MCLP", "BackupCoverage", "min_cover"]


class LSCP(LocationModel):
    """Location set covering problem (Toregas, Swain, ReVelle & Bergman 1971, Operations Research 19).

    Open the fewest sites so that every demand point is covered::

        min  sum_j y_j
        s.t. sum_{j in N_i} y_j >= 1      for every demand i
             y_j binary,  y_j = 1 for existing j

    With capacities each demand is assigned to one open covering site (``x_ij`` binary,
    ``sum_j x_ij = 1``, ``x_ij <= y_j``, ``sum_i w_i x_ij <= cap_j y_j``). ``objective`` counts the
    open sites, existing ones included. Solved exactly with HiGHS.
    """

    name = "lscp"
    uses_max_cost = True
    supports_capacities = True

    def solve(self, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> LocationResult:
        """Open the fewest sites covering every demand point within ``max_cost``."""
        started = time.perf_counter()
        data = self.instance
        covered = data.coverage()
        data.require_covered(covered)
        outcome = min_cover(data, covered, time_limit_s=time_limit_s)
        return _result(self.name, data, covered, outcome, float(len(outcome.selected)), started, "HiGHS MIP (exact)")


class MCLP(LocationModel):
    """Maximal covering location problem (Church & ReVelle 1974, Papers of the Regional Science Assoc. 32).

    Open ``p`` sites to maximise the covered demand weight (``u_i = 1`` when ``i`` is covered)::

        max  sum_i w_i u_i
        s.t. u_i <= sum_{j in N_i} y_j    for every demand i
             sum_j y_j <= p,  y_j binary,  y_j = 1 for existing j,  0 <= u_i <= 1

    ``u`` need not be integer: at an optimum ``u_i = min(1, sum y)``. ``sum y <= p`` lets dominated
    sites be skipped; the result is padded with unused candidates to exactly ``p`` sites, which cannot
    lower coverage. ``objective`` is the covered weight, ``bound`` an upper bound. Solved with HiGHS.
    """

    name = "mclp"
    uses_p = True
    uses_max_cost = True

    def solve(self, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> LocationResult:
        """Open ``p`` sites covering the most demand weight within ``max_cost``."""
        started = time.perf_counter()
        data = self.instance
        covered = data.coverage()
        outcome = _max_cover(data, covered, times=1, time_limit_s=time_limit_s)
        objective = float(data.weights @ (covered[:, outcome.selected].sum(axis=1) >= 1))
        return _result(self.name, data, covered, outcome, objective, started, "HiGHS MIP (aggregated coverage sets)")


class BackupCoverage(LocationModel):
    """Backup coverage, BACOP1 of Hogan & ReVelle (1986).

    Hogan & ReVelle, "Concepts and applications of backup coverage", Management Science 32: 1434-1444.

    Every demand point must be covered at least once; among such choices of ``p`` sites, maximise the
    weight covered at least twice (``u_i = 1`` when ``i`` has a backup)::

        max  sum_i w_i u_i
        s.t. sum_{j in N_i} y_j - u_i >= 1   for every demand i
             sum_j y_j <= p,  y_j binary,  y_j = 1 for existing j,  0 <= u_i <= 1

    (padded to exactly ``p`` sites as in MCLP). Raises InfeasibleError naming the uncovered demand
    points, or when ``p`` sites cannot cover everyone once (with the LSCP minimum). Solved with HiGHS.
    """

    name = "backup"
    uses_p = True
    uses_max_cost = True

    def solve(self, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> LocationResult:
        """Open ``p`` sites covering everyone once and the most weight twice."""
        started = time.perf_counter()
        data = self.instance
        covered = data.coverage()
        data.require_covered(covered)
        outcome = _max_cover(data, covered, times=2, time_limit_s=time_limit_s)
        objective = float(data.weights @ (covered[:, outcome.selected].sum(axis=1) >= 2))
        return _result(self.name, data, covered, outcome, objective, started, "HiGHS MIP (BACOP1, aggregated)")


class _Outcome:
    """Selected sites (sorted), optional explicit assignment, solver status and bound."""

    def __init__(
        self, selected: np.ndarray, status: Status, bound: float | None, assignment: np.ndarray | None = None
    ) -> None:
        self.selected = np.sort(selected)
        self.status = status
        self.bound = bound
        self.assignment = assignment


def _distinct_rows(covered: np.ndarray, weights: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
    """Merge demand rows with the same coverage set; return the sparse sets and summed weights."""
    packed = np.packbits(covered, axis=1)
    unique, inverse = np.unique(packed, axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique))
    sets = np.unpackbits(unique, axis=1, count=covered.shape[1]).astype(bool)
    return csr_matrix(sets, dtype=np.float64), merged


def _checked(outcome: MipOutcome, what: str, time_limit_s: float) -> None:
    """Raise when the solver gave no solution: infeasible or out of time."""
    if outcome.status is Status.INFEASIBLE:
        raise InfeasibleError(what)
    if outcome.values is None:
        raise SolverLimitError(f"no feasible solution within {time_limit_s:g} s")


def min_cover(data: Instance, covered: np.ndarray, *, time_limit_s: float) -> _Outcome:
    """Fewest open sites covering every row of ``covered`` (capacitated when ``data`` has capacities)."""
    if data.capacities is not None:
        return _min_cover_capacitated(data, covered, time_limit_s)
    # Data: one row per distinct coverage set.
    sets, _ = _distinct_rows(covered, data.weights)
    k, m = sets.shape
    # Variables: y_j binary; existing fixed at 1, non-candidates at 0.
    var_lb = np.zeros(m)
    var_lb[data.existing] = 1.0
    var_ub = data.allowed.astype(np.float64)
    # Constraints: each coverage set holds at least one open site.
    # Objective: number of open sites.
    outcome = solve_sparse(
        np.ones(m), sets, np.ones(k), np.full(k, np.inf), var_lb, var_ub, np.ones(m, dtype=bool),
        time_limit_s=time_limit_s, options=("mip_rel_gap=0", "mip_abs_gap=0.999"),
    )
    _checked(outcome, "no set of candidate sites covers every demand point", time_limit_s)
    assert outcome.values is not None
    return _Outcome(np.flatnonzero(outcome.values > 0.5), outcome.status, _bound(outcome))


def _min_cover_capacitated(data: Instance, covered: np.ndarray, time_limit_s: float) -> _Outcome:
    """Set covering with single-source assignment and site capacities."""
    assert data.capacities is not None
    n, m = covered.shape
    pair_i, pair_j = np.nonzero(covered)
    k = len(pair_i)
    # Variables: y_j for every site, then x_ij for every covering pair.
    x = m + np.arange(k)
    var_lb = np.zeros(m + k)
    var_lb[data.existing] = 1.0
    var_ub = np.concatenate([data.allowed.astype(np.float64), np.ones(k)])
    # Constraints: each demand assigned once; only to an open site; load within capacity.
    rows = np.concatenate([pair_i, n + np.arange(k), n + np.arange(k), n + k + pair_j, n + k + np.arange(m)])
    cols = np.concatenate([x, x, pair_j, x, np.arange(m)])
    vals = np.concatenate([np.ones(k), np.ones(k), -np.ones(k), data.weights[pair_i], -data.capacities])
    matrix = coo_matrix((vals, (rows, cols)), shape=(n + k + m, m + k)).tocsr()
    row_lb = np.concatenate([np.ones(n), np.full(k + m, -np.inf)])
    row_ub = np.concatenate([np.ones(n), np.zeros(k + m)])
    # Objective: number of open sites.
    objective = np.concatenate([np.ones(m), np.zeros(k)])
    outcome = solve_sparse(
        objective, matrix, row_lb, row_ub, var_lb, var_ub, np.ones(m + k, dtype=bool),
        time_limit_s=time_limit_s, options=("mip_rel_gap=0", "mip_abs_gap=0.999"),
    )
    _checked(outcome, "the candidate sites' capacities cannot serve every demand point within max_cost", time_limit_s)
    assert outcome.values is not None
    chosen = outcome.values[m:] > 0.5
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[pair_i[chosen]] = pair_j[chosen]
    return _Outcome(np.flatnonzero(outcome.values[:m] > 0.5), outcome.status, _bound(outcome), assignment)


def _max_cover(data: Instance, covered: np.ndarray, *, times: int, time_limit_s: float) -> _Outcome:
    """MCLP (``times=1``) or BACOP1 (``times=2``) as one program on the distinct coverage sets."""
    # Data: distinct coverage sets with their weights; MCLP drops sets no site covers.
    sets, merged = _distinct_rows(covered, data.weights)
    if times == 1:
        useful = (np.asarray(sets.sum(axis=1)).ravel() > 0) & (merged > 0)
        sets, merged = sets[useful], merged[useful]
    k, m = sets.shape
    p = int(data.p or 0)
    # Variables: y_j binary (0..m-1), then u_i in [0, 1] per coverage set.
    var_lb = np.zeros(m + k)
    var_lb[data.existing] = 1.0
    var_ub = np.concatenate([data.allowed.astype(np.float64), np.ones(k)])
    integer = np.concatenate([np.ones(m, dtype=bool), np.zeros(k, dtype=bool)])
    # Constraints: sum_{N_i} y - u_i >= times - 1 (covered for MCLP, covered twice for backup
    # while once is required); then at most p sites open.
    matrix = coo_matrix(
        (
            np.concatenate([sets.data, -np.ones(k), np.ones(m)]),
            (
                np.concatenate([np.repeat(np.arange(k), np.diff(sets.indptr)), np.arange(k), np.full(m, k)]),
                np.concatenate([sets.indices, m + np.arange(k), np.arange(m)]),
            ),
        ),
        shape=(k + 1, m + k),
    ).tocsr()
    row_lb = np.concatenate([np.full(k, float(times - 1)), [-np.inf]])
    row_ub = np.concatenate([np.full(k, np.inf), [p]])
    # Objective: weight with u_i = 1.
    objective = np.concatenate([np.zeros(m), merged])
    outcome = solve_sparse(
        objective, matrix, row_lb, row_ub, var_lb, var_ub, integer, maximize=True,
        time_limit_s=time_limit_s, options=("mip_rel_gap=0", "mip_abs_gap=1e-6"),
    )
    if outcome.status is Status.INFEASIBLE and times == 2:
        needed = min_cover(data.__class__(**{**data.__dict__, "capacities": None}), covered, time_limit_s=time_limit_s)
        raise InfeasibleError(
            f"p={p} sites cannot cover every demand point once within max_cost={data.max_cost:g}; "
            f"at least {len(needed.selected)} are needed"
        )
    _checked(outcome, f"no choice of p={p} sites is feasible", time_limit_s)
    assert outcome.values is not None
    selected = _pad(np.flatnonzero(outcome.values[:m] > 0.5), data, p)
    return _Outcome(selected, outcome.status, _bound(outcome))


def _bound(outcome: MipOutcome) -> float | None:
    """Solver bound, or the objective itself when proven optimal."""
    return outcome.objective if outcome.status is Status.OPTIMAL else outcome.bound


def _pad(selected: np.ndarray, data: Instance, p: int) -> np.ndarray:
    """Add unused allowed sites (lowest index first) until ``p`` are open."""
    spare = np.setdiff1d(np.flatnonzero(data.allowed), selected)
    return np.sort(np.concatenate([selected, spare[: max(p - len(selected), 0)]])).astype(np.int64)


def _result(
    model: str, data: Instance, covered: np.ndarray, outcome: _Outcome, objective: float, started: float, method: str
) -> LocationResult:
    """Build the result, each demand assigned to its nearest covering open site (-1 if not covered)."""
    selected = outcome.selected
    if outcome.assignment is not None:
        assignment = outcome.assignment
    else:
        sub = np.where(covered[:, selected], data.cost[:, selected], np.inf)
        if len(selected):
            assignment = np.where(np.isfinite(sub.min(axis=1)), selected[np.argmin(sub, axis=1)], -1)
        else:
            assignment = np.full(data.n_demand, -1)
    bound = outcome.bound
    if outcome.status is Status.OPTIMAL:
        bound = objective
    return LocationResult(
        model=model, selected=tuple(int(j) for j in selected), assignment=assignment, objective=objective,
        bound=bound, status=outcome.status, wall_s=time.perf_counter() - started, method=method,
        gap=relative_gap(objective, bound),
    )
