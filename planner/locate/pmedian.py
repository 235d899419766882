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

Its LP bound is far tighter than the classic one, but written out it has one row per distinct cost of
every demand row (about n x m), too many at province size. It is never built: uncapacitated instances,
of every size, go to the Benders decomposition of ``_benders.py`` (Duran-Mateluna, Ales & Elloumi
2023), whose master keeps only ``y`` and one cost per demand row and receives the formulation's
aggregated rows as cuts separated in closed form from each row's sorted costs; an LP phase reaches
the radius bound, LP rounding plus fast interchange (Whitaker 1983; Resende & Werneck 2007) gives the
incumbent, the LP duals fix sites by Lagrangian reduced costs, and an LP-based branch-and-bound closes
the gap. Memory is the cost matrix plus its sorted copy (about 3 x n x m x 8 bytes). The tree (and the
tree of its RENS sub-problem) runs on one thread per available core, at most :data:`TREE_WORKERS`: HiGHS
solves outside Python's lock, so two threads solve 1.25-1.9 times as many nodes per second on two cores.

Repeated points (h-heldout). Before the search, identical demand rows are merged (weights summed)
and identical site columns reduced to one (``_duplicates.py``; an exact hash of the bytes, checked
byte for byte; a fixed site is kept, its copies dropped); when ``p`` exceeds the distinct columns the
extra sites are copies and change nothing. Copies made the LP spread a site's value over them and
branching on one of them useless: a 20 x 20 lattice with every point given twice, p = 10, took 20.7 s
(4.4 s without the copies); now 4.0 s. Every point given twice with ``p`` >= the distinct points is
answered 0, proven, without a search (N = 2 x 1,000: 0.4 s). Files without repeats pay one hash pass
(0.02 s at N = 3,038). A master re-solve that HiGHS ends "Unknown" (numerical trouble from a warm
basis) is retried once from scratch (``_highs.py``): a 2,319-point lattice, p = 20, had stopped after
13 s with the LP phase unfinished.

Held-out-like point sets (``bench/tsplike.py``, ``bench/data/tsplike.txt``: drilling rows, u-like
boards, fl-like clusters with repeats, a vm-like road map; the sizes of the paper's Table 3 and
vm1748; p = 5, 10, 20; 300 s; load 1.0-3.1): drill-, fl- and vm-like rows are proven in 1-9 s (peak
0.34-1.33 GB); u-like boards (pitch-100 grids, 55 % full) at p = 5, and at N = 2,319 at p = 10 / 20
(206 / 34 s), but not u-like 2,152 at p = 10 / 20 nor a full lattice of 2,319 at p = 10 / 20 (gaps
0.02-0.22 %). Why: the LP solution spreads over hundreds of sites at small values, so
closing one site moves no bound and opening one costs the dual simplex ~14k iterations (3-15 s per
node with ~110-210 sites in every cut row, 0.9 M nonzeros): 20-40 nodes in 300 s. Removing the
sites the root fixes and restarting did not help (its LP phase took longer), nor would branching on the
number of open sites in a ball: at the root of a 30 x 30 lattice, p = 10, the best single site raises its
two children by +51 / +284, the best balls by +93 / +168 or +72 / +107, a worse pair for the tree. What
would: node LPs an order cheaper (e.g. the sparse per-level rows of the radius formulation for small p).

Measured (bench/locate.py, 2 cores shared with other work; load average beside each figure; CPU s is
the solving process's own), TSPLIB Table 2 of the paper, floor-Euclidean, N = M, 60 s limit (120 s for
the paper's hard rows), after the tree of ``_benders.py`` plunges from its parents' bases (h-pmed4):

* fl1400, p = 200: proven optimal (8,806) in 47.8 s wall, 41.9 s CPU in the table (load 3.4), 40.9 s
  wall, 39.9 s CPU alone (load 3.0; paper 26.9 s); on main it was not proven in 60 s (bound 8,805
  at 60 s CPU on a quiet machine), and proven only in 105.9 s wall / 65.1 s CPU with a 120 s limit.
  Where the time went on main (cProfile, 60 s): 45 of the 60 s in HiGHS, 14 s of them in strong
  branching; 11.6 s in RENS, 3.4 s in interchange; ~100 simplex iterations per node LP; 1,143
  nodes, not proven. Now, given the optimum at the start (cProfile, 2,413 nodes, 47 s CPU under the
  profiler): 28 s in HiGHS (7.8 ms per LP solve, ~30 iterations from the parent's basis), 10.5 s
  choosing the branching site (strong branching), 3.8 s certificates, 2 s separation; with the
  final strong-branching budget 2,187 nodes, 37.2 s CPU. The root LP takes 0.3 s; RENS, which
  finds the optimum, about 10 s of CPU of the 39.9 s.
* fl1400, p = 300 / 400 with 600 s (load 2.9, ~380 s CPU each, commit 18d1c36): 6,113 / bound
  6,099 (optimum 6,109, paper 385 s) and 4,648 (the optimum, found) / bound 4,642 (paper 32,655 s;
  main, 576-586 s CPU: 6,113 / 6,102 and 4,658 / 4,643). With 120 s: 6,113 /
  6,096 (82.2 s CPU) and 4,648 / 4,640 (109.6 s CPU); p = 500 with 60 s: 3,764, the best known, bound
  3,757 (load 3.2-3.3). The plunging tree finds better incumbents sooner (main: 6,113 / 4,662 / 3,766
  at these limits) and its open bound rises a little slower than the best-first one (main: 6,098 /
  4,641 / 3,758).
* u1432, p = 50: proven in 30.1 s wall, 28.7 s CPU (load 3.2; was 115.4 s / 70.4 s CPU; paper
  1,610 s). p = 400: 104,020, bound 103,486 at 60 s (best known 103,979; main: 104,102 / 103,543).
* Every other row of Table 2 (rl1304 p = 5..500, fl1400 p = 5..100, u1432 p = 5..20, 100..300, 500)
  stays proven, 0.3-9.3 s CPU (rl1304 p = 10: 9.3 s, was 8.0 s; load 2.9-3.3), peak 176-428 MB
  (the tree keeps its open nodes' bases: fl1400 p = 300 / 400 at 600 s peak at 432 / 442 MB). 23 of
  the 27 rows are proven (main: 22, u1432 p = 50 only with 115 s).
* OR-Library, the 15 instances of bench (pmed1-6, 11, 15, 16, 21, 25, 26, 31, 35, 38): all proven;
  pmed38 (n = 900, p = 5) in 6.6 s wall (load 2.9; was 14.8 s at load 2.8 on main).
* Uniform random points, p = 10 (``--random``, h-pmed3): N = 1,748 proven in 2.9 s, peak 408 MB
  (load 1.6). N = 5,934: the LP phase does not finish in 60 s; greedy + interchange answer 7,195,817
  without a bound, 40.5 s CPU at load 4.1, peak 1,973 MB. With 300 s: 7,159,396 with the certified
  bound 7,158,138 of the last master solve (gap 0.02 %), 197.9 s CPU at load 4.4, peak 2,570 MB (the
  LP phase resumes after the incumbent; it still does not finish). Given more CPU (274.5 s at load
  3.0) the LP phase finishes (130 s, 21.7k cut rows) and the tree ends at 7,159,396 over the bound
  7,158,184; peak 2,301 MB with the bench holding no second matrix (h-pscale).

Larger sizes (``bench/locate.py --large``, Table 3 sizes, 300 s limit; ``bench/data/tsplib-large.txt``;
h-pscale, before the plunging tree): all six rows proven. pr2392, p = 5 / 10 / 20: 8.6 / 5.3 / 4.7 s
(5.7 / 3.5 / 3.1 s CPU, peak 451-718 MB); pcb3038, p = 5 / 10 / 20: 30.5 / 9.6 / 170.8 s (20.2 / 6.3 /
148.9 s CPU, peak 708-1,099 MB); load 3.7-4.2. pcb3038, p = 20 needs 115-150 s CPU, nearly all HiGHS
master re-solves (about 1 s each with 10-11.5k cut rows); in an earlier run at load 5.2 it got 108 s CPU
in 300 s and stopped at 839,494 over 839,412. OR-Library pmed36 (n = 800, p = 10): proven at the
published 9,934 in 17.6 s (145 nodes, load 2.5; 27.4 s at load 3.6). With the plunging tree (h-pmed4,
merged, load 3.6-4.6): all six proven again; pcb3038, p = 20 in 102.8 s, 71.7 s CPU (was 148.9 s
CPU), p = 5 / 10 in 21.5 / 6.3 s CPU, pr2392 unchanged; pmed36 in 10.2 s (183 nodes, load 2.7).

Unreachable pairs stay ``inf``: a demand row
that cannot reach every site gets a row asking for one reachable open site. Capacitated instances use
the classic formulation with single-source assignment and
``sum_i w_i x_ij <= cap_j y_j`` (HiGHS MIP).
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.sparse import coo_matrix

from planner.errors import InfeasibleError, SolverLimitError
from planner.locate._benders import benders_p_median
from planner.locate._duplicates import merge_duplicates
from planner.locate._mip import solve_sparse
from planner.locate._model import DEFAULT_TIME_LIMIT_S, Instance, LocationModel, _preview
from planner.locate._result import LocationResult, relative_gap
from planner.model.cores import available_cores
from planner.model.status import Status

__all__ = ["TREE_WORKERS", "PMedian"]

TREE_WORKERS = 2
"""Threads that share the branch-and-bound, at most (one per available core)."""


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
    """Benders decomposition with LP-based branch-and-bound on the weighted rows and allowed columns."""
    # Data: the weighted rows and the allowed columns only.
    rows = np.flatnonzero(data.weights > 0)
    cols = np.flatnonzero(data.allowed)
    every = len(rows) == data.n_demand and len(cols) == data.n_sites
    cost = data.cost if every else data.cost[np.ix_(rows, cols)]  # no copy of a province-size matrix
    weights = data.weights[rows]
    p = int(data.p or 0)
    fixed = np.searchsorted(cols, data.existing)
    # Repeated points: one row per group of identical rows (weights summed), one column per group of
    # identical columns (``_duplicates.py``); ``p`` beyond the distinct columns opens copies at no gain.
    merged = merge_duplicates(cost, weights, fixed) if len(rows) else None
    repeats = ""
    if merged is not None:
        repeats = (f"; {len(weights) - len(merged.rows)} repeated demand rows and {len(cols) - len(merged.columns)} "
                   "repeated site columns merged")
        cost, weights, fixed, cols = merged.cost, merged.weights, merged.fixed, cols[merged.columns]
    search_p = min(p, len(cols))
    if len(rows) == 0 or search_p == len(fixed) or search_p == len(cols):
        selected = _pad(np.zeros(0, dtype=np.int64), fixed, len(cols), search_p)
        value = float(weights @ cost[:, selected].min(axis=1)) if len(rows) else 0.0
        if not math.isfinite(value):
            raise InfeasibleError(f"no choice of p={p} sites reaches every weighted demand point")
        reason = "no weighted demand" if len(rows) == 0 else "every allowed site is open"
        return _result(data, _fill(data, cols[selected], p), value, value, Status.OPTIMAL, started,
                       f"trivial ({reason}){repeats}")

    step = _objective_step(cost, weights)
    workers = min(TREE_WORKERS, available_cores())
    search = benders_p_median(cost, weights, search_p, fixed, step, started + time_limit_s, workers=workers)
    if search.infeasible:
        raise InfeasibleError(f"no choice of p={p} sites reaches every weighted demand point")
    if not math.isfinite(search.value):
        raise SolverLimitError(f"p-median: no feasible solution within {time_limit_s:g} s")
    bound: float | None = search.bound if math.isfinite(search.bound) else None
    if bound is not None and step:
        bound = float(math.ceil(bound - 1e-9 * max(1.0, abs(bound))))
    status = Status.OPTIMAL if search.proven else Status.FEASIBLE
    lp = "LP phase not finished" if search.lp_bound is None else f"root LP bound {search.lp_bound:.6g}"
    method = (f"Benders decomposition (radius formulation, closed-form cuts, HiGHS LP; {lp}) + "
              f"branch-and-bound ({search.nodes} nodes)")
    return _result(data, _fill(data, cols[search.selected], p), search.value, bound, status, started,
                   method + repeats)


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


def _fill(data: Instance, selected: np.ndarray, p: int) -> np.ndarray:
    """Add other allowed sites to ``selected`` (original indices) until ``p`` are open (copies cost nothing)."""
    if len(selected) >= p:
        return selected
    others = np.setdiff1d(np.flatnonzero(data.allowed), selected)
    return np.concatenate([selected, others[: p - len(selected)]])


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
