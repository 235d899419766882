"""Exact uncapacitated p-median by Benders decomposition: LP phase, then LP-based branch-and-bound.

After Duran-Mateluna, Ales & Elloumi (2023), "An efficient Benders decomposition for the p-median
problem", EJOR 308: 84-96, with HiGHS as the LP engine and our own tree instead of a commercial
branch-and-cut:

1. **LP phase.** The master (``_benders_master.py``) starts with one cut per demand row and is
   re-solved warm while cuts are separated in closed form (``_benders_cuts.py``). Separation is
   stabilised in-out (Ben-Ameur & Neto 2007): cuts are taken at a point between the master's answer
   and a core point that follows it, until no cut is violated at the master's own answer; then the LP
   bound of the radius formulation is reached, without ever building the n x m assignment model.
   When it has not finished at ``_LP_SHARE`` of the time (N = 5,934 uniform points, p = 10, in 60 s),
   its last master point is rounded and improved for an incumbent (greedy when no master solve
   finished and ``p x n x m`` is small), and the phase resumes until the deadline; the certified
   bound of the last master solve's duals is then the answer's bound.
2. **Incumbent.** The LP solution rounded (its ``p`` largest sites) and improved by fast interchange
   priced on the sorted rows (``_swap.sorted_interchange``: only the sites nearer than a row's
   second-nearest open site count, about ``2 m / p`` per row; fl1400, p = 200: 0.5 s where the dense
   pricing took 17.7 s); then the p-median around the root LP solution solved exactly by this same
   search (RENS, :func:`rens`), which on degenerate instances (fl1400, p = 200: 121 sites at 1 and 305
   fractional) finds what interchange misses. RENS is left out when the LP opens no site whole: its
   sub-problem would then have the root's own LP bound (pmed38, p = 5: 7 s of a 10 s solve).
3. **Reduced-cost fixing.** The certified Lagrangian bound from the LP duals closes (or forces open)
   every site whose change would lift the bound past the incumbent.
4. **Branch-and-bound.** Best-first on the certified node bound with plunging: a child is solved
   right after its parent, warm from the parent's basis (``IncrementalLP.restore``: a restarted
   node LP needs about half the simplex iterations), while its bound stays below the cutoff; a
   plunge ends where a child is pruned, and the best open node starts the next. Each child is
   keyed by its own certified bound from the parent's duals. Branching is reliability branching on
   pseudocosts (``_benders_branching.py``), with a strong-branching budget counted in simplex
   iterations, so the branching does not depend on the machine's load; every node re-solves the master
   warm under its bounds, separates cuts until none is violated (Benders cuts at every node, not
   only at the root), fixes sites by reduced costs against the incumbent and rounds its LP solution
   (with an interchange or a dive now and then, within a time share that shrinks while they fail)
   for better incumbents. A node whose LP solution is integral with no violated cut is solved
   exactly. Cuts unused for a long time are dropped to keep the LP small.
5. **Workers.** With ``workers`` > 1 the tree is shared by that many threads (``_node_pool.py``): each
   takes the best open node and plunges from it on its own copy of the master (its own cuts and basis,
   copied from the root's), while the open nodes, the incumbent, the pseudocosts and the root's
   fixings are shared. HiGHS solves outside Python's lock, so the node LPs of two workers run on two
   cores at once. Which optimum is returned among equal ones may then vary from run to run; the value
   and the proof do not.

The search stops proven when every node's bound reaches the incumbent (less one for integral data),
or at the deadline with the smallest open bound as the proven lower bound.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from planner.locate._benders_branching import PseudoCosts, product_score
from planner.locate._benders_cuts import SortedCosts
from planner.locate._benders_master import BendersMaster, Certificate
from planner.locate._highs import Basis, LpOutcome
from planner.locate._node_pool import NodePool
from planner.locate._swap import fast_interchange, greedy, sorted_interchange

__all__ = ["BendersOutcome", "benders_p_median", "rens"]

_log = logging.getLogger(__name__)

_GREEDY_WORK = 1e9  # p * n * m up to which greedy starts when no master LP finished (p = 28 at N = 5,934: ~10 s)
_IN_OUT_WEIGHT = 0.3  # share of the master's answer in the separation point while stabilising
_ROUNDS_PER_NODE = 10
_RELIABLE = 2  # observations per direction after which a site's pseudocosts are trusted
_STRONG_CANDIDATES = 8  # unreliable sites tried by strong branching at a node, best estimate first
_STRONG_ITERATIONS = 300  # dual simplex iterations of one strong-branching LP
_STRONG_QUOTIENT = 0.1  # strong-branching simplex iterations per other iteration, at most (estimates beyond) ...
_STRONG_OFFSET = 10_000  # ... plus this many (as SCIP's sbiterquot and sbiterofs: a budget the load does not move)
_RENS_SHARE = 0.2  # of the time left, at most, for the sub-problem around the root LP solution
_POLISH_SHARE = 0.25  # of the search time, at most, for tree heuristics (less as they keep failing)
_LP_SHARE = 0.8  # of the time for the LP phase before an incumbent is rounded from its last point (it then resumes)


@dataclass(frozen=True)
class BendersOutcome:
    """Best selection found (column indices), its value, a proven lower bound and how the search ended.

    ``infeasible`` is True when no choice of ``p`` sites reaches every row (proven); ``lp_bound`` is the
    root LP bound (None if the LP phase did not finish).
    """

    selected: np.ndarray
    value: float
    bound: float
    proven: bool
    infeasible: bool
    lp_bound: float | None
    nodes: int


@dataclass(order=True)
class _Node:
    """An open node: its certified bound (from its parent's duals), minus its depth (deeper first), bounds of ``y``."""

    bound: float
    depth_key: int
    serial: int
    lower: np.ndarray
    upper: np.ndarray
    site: int = field(default=-1, compare=False)  # the site branched on to make this node (-1 at the root)
    up: bool = field(default=False, compare=False)  # forced open (True) or closed
    change: float = field(default=0.0, compare=False)  # how far that moved the parent's LP value of y_site
    parent_objective: float = field(default=math.nan, compare=False)
    warm: Basis | None = field(default=None, compare=False)  # the parent's final basis


@dataclass
class _LpProgress:
    """Where the LP phase stands: the in-out core point, the weight of the master's answer, stalls, last value."""

    core: np.ndarray
    weight: float
    stalled: int
    last: float


@dataclass
class _Worker:
    """What one thread of the tree owns: a master LP (its own cuts and basis) and its counters."""

    master: BendersMaster
    tick: int = 0  # node solves, to tell the cuts in use from the idle ones
    strong_iterations: int = 0  # simplex iterations spent in strong branching


@dataclass
class _RootFixing:
    """The root's certificate and the sites it closes or forces open, refreshed when the incumbent improves."""

    certificate: Certificate
    lower: np.ndarray
    upper: np.ndarray
    fixed_at: float
    close: np.ndarray
    force: np.ndarray
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self, master: BendersMaster, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
        """Return the sites closed and forced open at ``cutoff`` (more when it fell since the last call)."""
        with self.lock:
            if cutoff < self.fixed_at:
                self.fixed_at = cutoff
                again = master.bound(self.certificate, self.lower, self.upper, cutoff)
                self.close, self.force = self.close | again.close, self.force | again.force
            return self.close, self.force


class _Stopped(Exception):
    """Raised by ``_Search._expand`` when the search must stop (deadline, LP failure); the node stays open."""


class _Search:
    """State shared by the phases: data, master, incumbent and the tolerance rule."""

    def __init__(self, cost: np.ndarray, weights: np.ndarray, p: int, fixed: np.ndarray, step: float,
                 deadline: float, workers: int = 1) -> None:
        self.cost, self.weights, self.p, self.fixed = cost, weights, p, fixed
        self.workers = workers  # threads of the tree (and of the RENS sub-problem's)
        self.n, self.m = cost.shape
        self.step, self.deadline = step, deadline
        self.sorted = SortedCosts(cost, p)
        self._local = threading.local()  # each worker thread's own master and counters (``_Worker``)
        self._local.worker = _Worker(BendersMaster(weights, self.sorted.nearest, self.m, p))
        self._incumbent = threading.Lock()
        self._counting = threading.Lock()
        self._serial = itertools.count(1)
        self.nodes = 0
        finite = np.isfinite(cost)
        self.work = cost if finite.all() else _penalised(cost, weights)
        self.allowed = np.ones(self.m, dtype=bool)
        self.best = np.zeros(0, dtype=np.int64)
        self.upper = math.inf
        self.started = time.perf_counter()
        self.polishing_s = 0.0
        self.fruitless = 0  # tree heuristics run since one last improved the incumbent
        self.pseudo = PseudoCosts(self.m)
        self.strong_s = 0.0
        self.last_lp: LpOutcome | None = None  # the LP phase's latest optimal master solve
        self.lp_progress: _LpProgress | None = None  # where the LP phase stands, once started

    @property
    def master(self) -> BendersMaster:
        """The master LP of the calling thread (each worker of the tree has its own)."""
        master: BendersMaster = self._local.worker.master
        return master

    # ------------------------------------------------------------------ incumbent and tolerance

    def cutoff(self) -> float:
        """Bounds at or above this prove that a node holds nothing better than the incumbent."""
        if not math.isfinite(self.upper):
            return math.inf
        margin = 1e-9 * max(1.0, abs(self.upper))
        if self.step:
            return self.upper - self.step + max(margin, 1e-6)
        return self.upper - margin

    def offer(self, selected: np.ndarray) -> bool:
        """Keep ``selected`` (p column indices) if it beats the incumbent; True if it did."""
        selected = np.unique(np.asarray(selected, dtype=np.int64))
        if len(selected) != self.p:  # never a set of another size (a node with too many forced open)
            return False
        value = float(self.weights @ self.cost[:, selected].min(axis=1))
        with self._incumbent:
            if value < self.upper:
                self.best, self.upper = selected, value
                return True
        return False

    def improve(self, start: np.ndarray, among: np.ndarray | None = None) -> None:
        """Fast interchange from ``start`` (fixed sites kept), offered as an incumbent.

        With ``among`` (a site mask) only those sites may swap in. Swaps are priced on the sorted rows
        (``sorted_interchange``) when every cost is finite and ``p >= 2``, else on the matrix (with
        ``among``, on that column subset, at a node its LP support). Time spent here is counted, so
        the tree can keep it to a share of the search.
        """
        began = time.perf_counter()
        start = np.asarray(start, dtype=np.int64)
        if self.work is self.cost and self.p >= 2:
            allowed = self.allowed if among is None else among | np.isin(np.arange(self.m), start)
            found = sorted_interchange(self.cost, self.sorted.order, self.sorted.costs, self.weights, start,
                                       self.fixed, allowed, deadline=self.deadline)
        elif among is None:
            found = fast_interchange(self.work, self.weights, start, self.fixed, self.allowed)
        else:
            columns = np.flatnonzero(among | np.isin(np.arange(self.m), start) | np.isin(np.arange(self.m), self.fixed))
            local = fast_interchange(self.work[:, columns], self.weights, np.searchsorted(columns, start),
                                     np.searchsorted(columns, self.fixed), np.ones(len(columns), dtype=bool))
            found = columns[local]
        self.offer(found)
        self.polishing_s += time.perf_counter() - began

    def dive(self, lower: np.ndarray, upper: np.ndarray) -> None:
        """Open the largest fractional site and re-solve, until the LP answer is integral (an incumbent).

        A diving heuristic on the master: each step costs one warm LP solve with its cuts. It stops when
        the LP bound passes the incumbent (nothing better down this path) or at the deadline; the end
        point is polished by interchange. Its time counts as polishing time.
        """
        began = time.perf_counter()
        lower = lower.copy()
        while self.remaining() > 0:
            status, outcome, _ = self.solve_node(lower.astype(np.float64), upper.astype(np.float64))
            if status != "open" or outcome is None or outcome.x is None:
                break
            y = outcome.x[: self.m]
            fractional = (y > 1e-6) & (y < 1.0 - 1e-6) & ~lower
            if not fractional.any():
                self.offer(np.flatnonzero(y > 0.5))
                break
            lower[int(np.argmax(np.where(fractional, y, -1.0)))] = True
        self.polishing_s += time.perf_counter() - began
        if len(self.best):
            self.improve(self.best)

    def neighbourhood(self, y: np.ndarray, share: float) -> None:
        """Offer the best solution that agrees with the LP point ``y`` (``rens``), polished by interchange.

        The sub-problem gets at most ``share`` of the time left; its time counts as polishing time.
        When no site is open in ``y`` the sub-problem would be the whole problem on the LP support,
        with the root's own LP bound: as hard as the tree itself (pmed38, p = 5: 23 fractional sites,
        7 s of a 10 s solve for the incumbent interchange had found), so it is left to the tree.
        """
        if not (y > 1.0 - 1e-6).any():
            return
        began = time.perf_counter()
        found = rens(self.cost, self.weights, self.p, y, self.step,
                     min(self.deadline, began + share * max(self.remaining(), 0.0)), workers=self.workers)
        self.polishing_s += time.perf_counter() - began
        if found is not None:
            self.improve(found)

    def rounding(self, y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """Round an LP point: the forced-open sites plus the largest values among the free ones, ``p`` in all."""
        forced = np.flatnonzero(lower > 0.5)
        free = np.flatnonzero((lower < 0.5) & (upper > 0.5))
        ranked = free[np.argsort(-y[free], kind="stable")]
        return np.concatenate([forced, ranked[: self.p - len(forced)]]).astype(np.int64)

    def may_polish(self) -> bool:
        """Whether a tree heuristic may run now: polishing time within ``_POLISH_SHARE`` of the search time.

        The share shrinks as heuristics keep failing (divided by 1 + failures / 8): once the incumbent
        is optimal, as it often is early (RENS), the time goes to the proof (fl1400, p = 200: the
        interchange took a quarter of the tree's time for nothing).
        """
        share = _POLISH_SHARE / (1.0 + self.fruitless / 8.0)
        return self.polishing_s < share * (time.perf_counter() - self.started)

    def heuristic_ran(self, before: float) -> None:
        """Count a tree heuristic that started at incumbent value ``before`` as fruitful or not (``may_polish``)."""
        self.fruitless = 0 if self.upper < before else self.fruitless + 1

    def log_progress(self, nodes: int, open_nodes: list[_Node]) -> None:
        """Log (debug) where the tree stands: time, nodes, open bound, incumbent and LP work."""
        _log.debug("%.1f s (%.1f s CPU): %d nodes, %d open, bound %.2f, incumbent %.0f; %d LP solves, %d simplex "
                   "iterations, %d rows; strong branching %.1f s, polishing %.1f s",
                   time.perf_counter() - self.started, time.process_time(), nodes, len(open_nodes),
                   min(node.bound for node in open_nodes), self.upper, self.master.lp.solves,
                   self.master.lp.iterations, self.master.rows, self.strong_s, self.polishing_s)

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.perf_counter()

    # ------------------------------------------------------------------ LP phase

    def add_violated(self, y: np.ndarray, theta: np.ndarray, at: np.ndarray | None = None) -> int:
        """Separate at ``at`` (default ``y``), add the cuts ``(y, theta)`` violates; return how many."""
        cuts = self.sorted.separate(y if at is None else at)
        value = cuts.value if at is None else self.sorted.value_at(cuts, y)
        violated = np.flatnonzero(value - theta > 1e-7 * np.maximum(1.0, np.abs(cuts.level)))
        if len(violated):
            self.master.add(violated, cuts.level[violated], *self.sorted.cut_rows(violated, cuts))
        return len(violated)

    def lp_phase(self, stop: float) -> LpOutcome | None:
        """Solve the root LP by in-out stabilised cutting planes; None if the instant ``stop`` came first.

        Every optimal master solve on the way is kept in ``last_lp``: its duals give a certified bound
        and its point a rounding when the phase does not finish (N = 5,934, p = 10: not in 60 s). A
        phase stopped early resumes where it stopped when called again.
        """
        if self.lp_progress is None:
            lacking = np.flatnonzero(self.sorted.finite < self.sorted.order.shape[1])
            if len(lacking):
                self.master.add(np.full(len(lacking), -1), np.ones(len(lacking)), *self.sorted.reach(lacking))
            free = np.ones(self.m, dtype=bool)
            free[self.fixed] = False
            core = np.where(free, (self.p - len(self.fixed)) / max(1, int(free.sum())), 1.0)
            self.master.set_sites((~free).astype(np.float64), np.ones(self.m))
            every = np.arange(self.n)
            cuts = self.sorted.separate(core)
            self.master.add(every, cuts.level, *self.sorted.cut_rows(every, cuts))
            self.lp_progress = _LpProgress(core, _IN_OUT_WEIGHT, 0, -math.inf)
        state = self.lp_progress
        while True:
            outcome = self.master.solve(stop - time.perf_counter())
            if outcome.status != "optimal":
                return outcome if outcome.status == "infeasible" else None
            self.last_lp = outcome
            assert outcome.x is not None
            y, theta = outcome.x[: self.m], outcome.x[self.m :]
            point = state.weight * y + (1.0 - state.weight) * state.core
            added = self.add_violated(y, theta, at=point)
            state.core = 0.5 * (state.core + y)
            level = 1e-9 * max(1.0, abs(state.last))
            state.stalled = state.stalled + 1 if outcome.objective <= state.last + level else 0
            state.last = outcome.objective
            if added == 0:
                if state.weight == 1.0:
                    return outcome
                state.weight = 1.0
            elif state.stalled >= 3:
                state.weight = 1.0
            if time.perf_counter() >= stop:
                return None

    # ------------------------------------------------------------------ branch-and-bound

    def solve_node(self, lower: np.ndarray, upper: np.ndarray) -> tuple[str, LpOutcome | None, float]:
        """Node LP with cuts separated to convergence: ("pruned" | "open" | "limit", outcome, bound)."""
        self.master.set_sites(lower, upper)
        outcome: LpOutcome | None = None
        for _ in range(_ROUNDS_PER_NODE):
            cutoff = self.cutoff()
            outcome = self.master.solve(self.remaining(), cutoff)
            if outcome.status == "infeasible":
                return "pruned", outcome, math.inf
            if outcome.status == "limit" or outcome.x is None:
                return "limit", None, -math.inf
            if outcome.status == "cutoff":
                if outcome.row_dual is not None:
                    proof = self.master.dual_bound(outcome.row_dual, lower, upper, cutoff)
                    if proof.value >= cutoff:
                        return "pruned", outcome, proof.value
                outcome = self.master.solve(self.remaining())
                if outcome.status == "infeasible":
                    return "pruned", outcome, math.inf
                if outcome.status != "optimal" or outcome.x is None:
                    return "limit", None, -math.inf
            assert outcome.x is not None
            y, theta = outcome.x[: self.m], outcome.x[self.m :]
            if self.add_violated(y, theta) == 0:
                break
        assert outcome is not None and outcome.row_dual is not None
        worker = self._local.worker
        worker.tick += 1
        self.master.mark_used(outcome.row_dual, worker.tick)
        proof = self.master.dual_bound(outcome.row_dual, lower, upper, self.cutoff())
        return "open", outcome, proof.value

    def choose_site(self, y: np.ndarray, objective: float, lower: np.ndarray, upper: np.ndarray,
                    warm: Basis) -> int:
        """Return the free site to branch on at a node with LP point ``y`` and value ``objective``.

        Reliability branching (``_benders_branching.py``): fractional sites with unreliable pseudocosts,
        best estimate first, are tried by strong branching; the product of the two rises decides.
        Strong branching stops while its simplex iterations exceed ``_STRONG_QUOTIENT`` times the
        others plus ``_STRONG_OFFSET`` (where LPs are slow, e.g. small ``p`` and wide cuts; counted in
        iterations, not seconds, so that the load of a shared machine does not change the tree); the
        estimates, learnt from every child, decide alone then. A child that
        strong branching proves empty (infeasible, or a certified bound at the cutoff) fixes its site
        the other way in ``lower``/``upper`` (changed in place); -1 means both children of a site are
        empty, so the node is; -2 that no site is left free.
        """
        began = time.perf_counter()
        free = lower < upper
        fractional = np.flatnonzero(free & (y > 1e-6) & (y < 1.0 - 1e-6))
        if len(fractional) == 0:
            return int(np.argmax(np.where(free, 0.5 - np.abs(y - 0.5), -1.0))) if free.any() else -2
        down, up = self.pseudo.estimate(fractional, y)
        unreliable = np.flatnonzero(~self.pseudo.reliable(fractional, _RELIABLE))
        order = unreliable[np.argsort(-product_score(down[unreliable], up[unreliable]), kind="stable")]
        cutoff = self.cutoff()
        iterations = self.master.lp.iterations
        worker = self._local.worker
        if worker.strong_iterations > _STRONG_QUOTIENT * (iterations - worker.strong_iterations) + _STRONG_OFFSET:
            order = order[:0]
        fixed = np.zeros(len(fractional), dtype=bool)
        for k in order[:_STRONG_CANDIDATES]:
            if self.remaining() <= 0:
                break
            site = int(fractional[k])
            for opened in (True, False):
                low, high = lower.astype(np.float64), upper.astype(np.float64)
                if opened:
                    low[site] = 1.0
                else:
                    high[site] = 0.0
                self.master.restore(warm)
                self.master.set_sites(low, high)
                trial = self.master.solve(self.remaining(), cutoff, _STRONG_ITERATIONS)
                empty = trial.status == "infeasible" or (
                    trial.status == "cutoff" and trial.row_dual is not None
                    and self.master.dual_bound(trial.row_dual, low, high, cutoff).value >= cutoff)
                if empty or trial.status == "cutoff":
                    value = cutoff if math.isfinite(cutoff) else objective + abs(objective) + 1.0
                elif trial.status in ("optimal", "iterations"):
                    value = trial.objective
                else:
                    continue
                rise = max(value - objective, 0.0)
                change = (1.0 - y[site]) if opened else y[site]
                self.pseudo.record(site, opened, rise, change)
                if opened:
                    up[k] = rise
                else:
                    down[k] = rise
                if empty:
                    if fixed[k]:  # the other child is empty too
                        self.strong_s += time.perf_counter() - began
                        worker.strong_iterations += self.master.lp.iterations - iterations
                        return -1
                    fixed[k] = True
                    if opened:
                        upper[site] = False
                    else:
                        lower[site] = True
        self.strong_s += time.perf_counter() - began
        worker.strong_iterations += self.master.lp.iterations - iterations
        if fixed.all() or int(lower.sum()) >= self.p:
            free = lower < upper
            return int(np.argmax(np.where(free, 0.5 - np.abs(y - 0.5), -1.0))) if free.any() else -2
        return int(fractional[int(np.argmax(np.where(fixed, -np.inf, product_score(down, up))))])

    def branch_and_bound(self, root: LpOutcome, lower: np.ndarray, upper: np.ndarray) -> tuple[float, int]:
        """Best-first search from the root by ``self.workers`` threads; returns (proven lower bound, nodes solved).

        Each worker thread solves nodes on its own copy of the master (its own cut pool and basis); the
        open nodes, the incumbent, the pseudocosts and the root's fixings are shared. HiGHS runs outside
        Python's lock, so on two cores two workers solve 1.25-1.9 times as many nodes per second.
        """
        assert root.row_dual is not None
        # The root's certificate fixes sites for the whole tree, again whenever the incumbent improves.
        certificate, fixed_at = self.master.certificate(root.row_dual), self.cutoff()
        proof = self.master.bound(certificate, lower, upper, fixed_at)
        fixing = _RootFixing(certificate, lower, upper, fixed_at, proof.close, proof.force)
        pool: NodePool[_Node] = NodePool([_Node(proof.value, 0, 0, lower | proof.force, upper & ~proof.close)])
        _log.debug("root fixing: %d open, %d closed, of %d", int(proof.force.sum()), int(proof.close.sum()), self.m)
        failures: list[BaseException] = []
        helpers = [threading.Thread(target=self._work, args=(pool, fixing, self.master.copy(), failures), daemon=True)
                   for _ in range(self.workers - 1)]
        for helper in helpers:
            helper.start()
        self._work(pool, fixing, None, failures)
        for helper in helpers:
            helper.join()
        if failures:
            raise failures[0]
        open_bounds = [node.bound for node in pool.open_nodes() if node.bound < self.cutoff()]
        return (min(open_bounds) if open_bounds else self.upper), self.nodes

    def _work(self, pool: NodePool[_Node], fixing: _RootFixing, master: BendersMaster | None,
              failures: list[BaseException]) -> None:
        """One worker: take the best open node and plunge from it, until the search is over or stopped.

        An error stops every worker (the node stays open) and is kept in ``failures`` for the caller.
        """
        if master is not None:
            self._local.worker = _Worker(master)
        while (node := pool.take()) is not None:
            following: _Node | None = node
            while following is not None:
                current = following
                try:
                    following = self._expand(current, pool, fixing)
                except _Stopped:
                    pool.stop([current])
                    return
                except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, which raises it
                    failures.append(error)
                    pool.stop([current])
                    return
            pool.done()

    def _expand(self, node: _Node, pool: NodePool[_Node], fixing: _RootFixing) -> _Node | None:
        """Solve ``node``, offer what it finds, and branch; return the child to plunge into.

        The other child goes to the pool; None means the node is closed. Raises ``_Stopped`` when the
        search must stop (deadline or LP failure: the node stays open).
        """
        if node.bound >= self.cutoff():
            return None
        close, force = fixing.refresh(self.master, self.cutoff())
        if (node.lower & close).any() or (force & ~node.upper).any():
            return None  # the node's own fixings contradict the root's: nothing better lies there
        node.lower, node.upper = node.lower | force, node.upper & ~close
        if self.remaining() <= 0:
            raise _Stopped
        if node.warm is not None:
            self.master.restore(node.warm)
        status, outcome, bound = self.solve_node(node.lower.astype(np.float64), node.upper.astype(np.float64))
        if status == "limit":
            raise _Stopped
        with self._counting:
            self.nodes += 1
            nodes = self.nodes
        if nodes % 50 == 0 and _log.isEnabledFor(logging.DEBUG):
            self.log_progress(nodes, [node, *pool.open_nodes()])
        if node.site >= 0:
            learnt = outcome.objective if status == "open" and outcome is not None else self.cutoff()
            self.pseudo.record(node.site, node.up, learnt - node.parent_objective, node.change)
        if status == "pruned" or bound >= self.cutoff() or outcome is None or outcome.x is None:
            return None
        y = outcome.x[: self.m]
        bound = max(bound, node.bound)
        if np.abs(y - np.round(y)).max() < 1e-6:
            self.offer(np.flatnonzero(y > 0.5))
            return None
        rounded = self.rounding(y, node.lower, node.upper)
        # A new incumbent, or now and then another rounding, is polished by interchange among the
        # node's LP support, and now and then the master dives, within the polishing budget.
        improved = self.offer(rounded)
        if (improved or nodes % 8 == 0) and self.may_polish():
            before = self.upper
            self.improve(rounded, among=(y > 1e-6) & node.upper)
            self.heuristic_ran(before)
        if nodes % 128 == 0 and self.may_polish():
            before = self.upper
            self.dive(node.lower, node.upper)
            self.heuristic_ran(before)
        if bound >= self.cutoff():
            return None
        # The node's duals fit the cut pool as it was (later cuts get 0): no cut is dropped before this.
        assert outcome.row_dual is not None
        certificate = self.master.certificate(outcome.row_dual)
        fixing_here = self.master.bound(certificate, node.lower, node.upper, self.cutoff())
        lower_now, upper_now = node.lower | fixing_here.force, node.upper & ~fixing_here.close
        free = lower_now < upper_now
        if not free.any() or int(lower_now.sum()) >= self.p:
            self.offer(self.rounding(y, lower_now, upper_now))
            return None
        warm = self.master.basis()
        site = self.choose_site(y, outcome.objective, lower_now, upper_now, warm)
        if site == -1 or int(lower_now.sum()) > self.p:
            return None
        if site == -2 or int(lower_now.sum()) >= self.p:
            self.offer(self.rounding(y, lower_now, upper_now))
            return None
        opened, closed = lower_now.copy(), upper_now.copy()
        opened[site], closed[site] = True, False
        # Each child's own certified bound from the node's duals (at least the node's): a better key
        # for best-first and a better reported bound when time runs out.
        up_bound = self.master.bound(certificate, opened, upper_now, math.inf).value
        down_bound = self.master.bound(certificate, lower_now, closed, math.inf).value
        up = _Node(max(bound, up_bound), node.depth_key - 1, next(self._serial), opened, upper_now, site, True,
                   float(1.0 - y[site]), outcome.objective, warm)
        down = _Node(max(bound, down_bound), node.depth_key - 1, next(self._serial), lower_now, closed, site, False,
                     float(y[site]), outcome.objective, warm)
        if self.master.rows > 6 * self.n and nodes % 64 == 0:
            self.master.drop_idle(self._local.worker.tick, 200)
        # Go on with the child the pseudocosts expect to raise the bound least (its LP is warm).
        rise_down, rise_up = self.pseudo.estimate(np.array([site]), y)
        plunge, other = (up, down) if rise_up[0] <= rise_down[0] else (down, up)
        pool.put(other)
        return plunge


def benders_p_median(
    cost: np.ndarray, weights: np.ndarray, p: int, fixed: np.ndarray, step: float, deadline: float,
    *, heuristics: bool = True, workers: int = 1,
) -> BendersOutcome:
    """Minimise ``sum_i w_i min_{j in S} cost[i, j]`` over ``|S| = p`` with ``fixed`` in ``S``.

    ``cost`` may hold ``inf`` (unreachable); ``step`` is 1 when every weighted cost is an integer (a
    better solution is then at least 1 better), else 0; ``deadline`` is a ``time.perf_counter()``
    instant; ``heuristics=False`` leaves out the neighbourhood search at the root (a sub-problem's
    own search); ``workers`` threads share the branch-and-bound. See the module docstring for the method.
    """
    search = _Search(cost, weights, p, np.asarray(fixed, dtype=np.int64), step, deadline, workers)
    n, m = cost.shape
    lower = np.zeros(m, dtype=bool)
    lower[search.fixed] = True
    upper = np.ones(m, dtype=bool)
    root = search.lp_phase(search.started + _LP_SHARE * (deadline - search.started))
    if root is None:
        # An incumbent from the unfinished phase first; then the phase resumes while time is left.
        _round_unfinished(search, lower, upper)
        if search.remaining() > 0:
            root = search.lp_phase(deadline)
    if root is not None and root.status == "infeasible":
        return BendersOutcome(search.best, math.inf, math.inf, True, True, math.inf, 0)
    if root is None or root.x is None:
        return _unfinished(search, lower, upper)
    lp_bound = search.master.dual_bound(root.row_dual, lower.astype(np.float64), upper.astype(np.float64),
                                        math.inf).value if root.row_dual is not None else root.objective
    _log.debug("root LP %.2f at %.1f s, %d rows", lp_bound, time.perf_counter() - search.started, search.master.rows)
    search.improve(search.rounding(root.x[:m], lower, upper))
    _log.debug("rounding %.0f at %.1f s", search.upper, time.perf_counter() - search.started)
    if heuristics:
        search.neighbourhood(root.x[:m], _RENS_SHARE)
        _log.debug("RENS %.0f at %.1f s", search.upper, time.perf_counter() - search.started)
    search.dive(lower, upper)
    _log.debug("dive %.0f at %.1f s", search.upper, time.perf_counter() - search.started)
    bound, nodes = search.branch_and_bound(root, lower, upper)
    bound = min(bound, search.upper)
    proven = math.isfinite(search.upper) and bound >= search.cutoff()
    infeasible = not math.isfinite(search.upper) and bound == math.inf
    return BendersOutcome(search.best, search.upper, search.upper if proven else bound, proven, infeasible,
                          lp_bound, nodes)


def _round_unfinished(search: _Search, lower: np.ndarray, upper: np.ndarray) -> None:
    """Offer an incumbent when the LP phase did not finish: its last point rounded and improved.

    Without any LP point, greedy starts (when ``p x n x m`` is small enough to finish soon after the
    deadline), else the rounding of the uniform point (any ``p`` sites). Interchange improves the
    start until the deadline.
    """
    last = search.last_lp
    if last is not None and last.x is not None:
        start = search.rounding(last.x[: search.m], lower, upper)
    elif search.p * search.n * search.m <= _GREEDY_WORK:
        start = greedy(search.work, search.weights, search.p, search.fixed, search.allowed)
    else:
        start = search.rounding(np.full(search.m, 0.5), lower, upper)
    search.offer(start)
    if search.remaining() > 0:
        search.improve(start)


def _unfinished(search: _Search, lower: np.ndarray, upper: np.ndarray) -> BendersOutcome:
    """Return the incumbent with the certified bound of the LP phase's last master solve, not proven."""
    last = search.last_lp
    bound = -math.inf
    if last is not None and last.row_dual is not None:
        bound = search.master.dual_bound(last.row_dual, lower.astype(np.float64), upper.astype(np.float64),
                                         math.inf).value
    if not len(search.best):
        _round_unfinished(search, lower, upper)
    return BendersOutcome(search.best, search.upper, min(bound, search.upper), False, False, None, 0)


def rens(cost: np.ndarray, weights: np.ndarray, p: int, y: np.ndarray, step: float, deadline: float,
         *, workers: int = 1) -> np.ndarray | None:
    """Solve the p-median around an LP point ``y``: the best ``p`` sites that agree with it where it is integral.

    Relaxation enforced neighbourhood search (Berthold 2014, "RENS", Math. Prog. Comp. 6: 33-54):
    sites the LP opens fully stay open, sites it leaves closed stay closed, and the fractional ones
    are decided by :func:`benders_p_median` itself (without this heuristic) until ``deadline``. The
    sites kept open enter the sub-problem as one column (each row's cost to the nearest of them),
    fixed open; rows that no fractional site serves better than that column leave it, their cost
    being settled; ``workers`` threads share its tree. Returns the sites (the sub-problem's best, proven
    or not), or None when there is nothing to decide or nothing was found in time.
    """
    ones = np.flatnonzero(y > 1.0 - 1e-6)
    free = np.flatnonzero((y > 1e-6) & (y <= 1.0 - 1e-6))
    need = p - len(ones)
    if need <= 0 or len(free) <= need:
        return None
    sub = cost[:, free]
    if len(ones):
        nearest_open = cost[:, ones].min(axis=1)
        rows = np.flatnonzero((sub < nearest_open[:, None]).any(axis=1))
        if len(rows) == 0:
            return None
        sub_cost, fixed, sub_p = np.column_stack([nearest_open[rows], sub[rows]]), np.zeros(1, dtype=np.int64), need + 1
    else:
        rows = np.arange(len(cost))
        sub_cost, fixed, sub_p = sub, np.zeros(0, dtype=np.int64), need
    found = benders_p_median(sub_cost, weights[rows], sub_p, fixed, step, deadline, heuristics=False,
                             workers=workers)
    if len(found.selected) == 0 or not math.isfinite(found.value):
        return None
    chosen = found.selected[found.selected >= len(fixed)] - len(fixed)
    return np.concatenate([ones, free[chosen]]).astype(np.int64)


def _penalised(cost: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Costs with unreachable pairs replaced by a penalty larger than any finite total (local search only)."""
    finite = cost[np.isfinite(cost)]
    big = (float(finite.max()) + 1.0) * (float(weights.sum()) + 1.0) * 2.0 if len(finite) else 1.0
    return np.where(np.isfinite(cost), cost, big)
