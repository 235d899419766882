"""Two exact engines for one dispatch formulation: OR-Tools CP-SAT and the HiGHS MIP (called directly).

Each engine translates :class:`planner.dispatch.formulation.Formulation` (one statement of the model)
into its solver once and then minimises one integer objective at a time; the lexicographic order, the
stage values carried from one stage to the next and the engine choice are the optimiser's
(:mod:`planner.dispatch.optimiser`). Both return plain integers: no OR-Tools object leaves this module.

CP-SAT settings (measured with bench/dispatch.py on 60 incidents x 400 units, 2 cores): one worker,
the full LP at every node (linearization level 2), no presolve, and the complete hint taken as the
first solution without a hint-guided dive. HiGHS: relative gap 0 and absolute gap 0.5, so ``optimal``
means proven to the unit of the integer objective; its floating-point solution is rounded and checked
exactly against every row before it is accepted.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from ortools.sat.python import cp_model

from planner.dispatch.formulation import Formulation, Objective
from planner.model.cp_sat import cp_sat_status
from planner.model.highs import FEASIBLE_SOLUTION, highs_core, new_highs
from planner.model.status import Status

__all__ = ["CpSatEngine", "Engine", "HighsEngine", "StageOutcome"]

HIGHS_ABSOLUTE_GAP = 0.5
"""HiGHS stops when incumbent - bound <= this: below one unit of every (integer) stage objective."""
BOUND_SLACK = 1e-9
"""Relative slack (plus 1e-6 absolute) taken off a floating-point bound before rounding it up to an integer."""


def _integer_bound(bound: float) -> int:
    """Round a solver's bound on an integer objective up, after taking off its floating-point noise."""
    return math.ceil(bound - BOUND_SLACK * abs(bound) - 1e-6)


@dataclass(frozen=True)
class StageOutcome:
    """One stage's result: status, integer values of every variable (None without a solution), bound."""

    status: Status
    values: list[int] | None
    bound: int


class Engine(Protocol):
    """What the lexicographic optimiser needs from an exact engine."""

    name: str
    exact_integers: bool
    """Whether objectives are integers end to end (CP-SAT), so ``W * shortfall + arrival`` may be merged."""

    def minimise(self, objective: Objective, *, time_limit_s: float, start: Sequence[int]) -> StageOutcome:
        """Minimise ``objective`` from the feasible ``start`` values within ``time_limit_s`` seconds."""
        ...

    def cap(self, objective: Objective, value: int) -> None:
        """Add ``objective <= value`` for every later stage."""
        ...

    def interrupt(self) -> None:
        """Stop the solve under way, from another thread; later stages return at once without a solution."""
        ...


class CpSatEngine:
    """The formulation as a CP-SAT model; each stage is one solve with a complete hint."""

    name = "cp-sat"
    exact_integers = True

    def __init__(self, formulation: Formulation, *, workers: int) -> None:
        self.formulation = formulation
        model = cp_model.CpModel()
        # Variables: x (0/1), s (0..q), lends (0/1), with the formulation's bounds.
        self.variables = [model.new_int_var(lo, hi, f"v{j}") for j, (lo, hi) in
                          enumerate(zip(formulation.lower, formulation.upper, strict=True))]
        v = self.variables
        # Constraints: each unit to at most one incident, lending switches on a retained minimum, the rows.
        for group in formulation.at_most_one:
            model.add_at_most_one(v[j] for j in group)
        for a, b in formulation.implications:
            model.add_implication(v[a], v[b])
        for row in formulation.rows:
            expr = cp_model.LinearExpr.weighted_sum([v[j] for j in row.variables], list(row.coefficients))
            if row.lower is not None:
                model.add(expr >= row.lower)
            if row.upper is not None:
                model.add(expr <= row.upper)
        self.model = model
        self.solver = cp_model.CpSolver()
        self.solver.parameters.num_workers = max(1, workers)
        # Level 2 gives every worker the full LP relaxation; it closed the arrival stage sooner on
        # 400-unit instances in our runs of bench/dispatch.py.
        self.solver.parameters.linearization_level = 2
        # The model is small and already tight (capped covers, rounding cuts); CP-SAT's presolve took
        # 1-3 s per stage on 60 x 400 instances and the search without it proved optimality sooner.
        self.solver.parameters.cp_model_presolve = False
        # The hint is complete, so CP-SAT takes it as its first solution at once; its default hint-guided
        # dive (10 conflicts, LP at every node) then spent about 3 s of a 10 s budget on scarce 60 x 400.
        self.solver.parameters.hint_conflict_limit = 0
        self.interrupted = threading.Event()

    def _expr(self, objective: Objective) -> cp_model.LinearExprT:
        terms = sorted(objective.terms.items())
        return cp_model.LinearExpr.weighted_sum([self.variables[j] for j, _ in terms], [c for _, c in terms])

    def minimise(self, objective: Objective, *, time_limit_s: float, start: Sequence[int]) -> StageOutcome:
        """Minimise with CP-SAT from the complete hint ``start``."""
        if self.interrupted.is_set():
            return StageOutcome(Status.NOT_SOLVED, None, 0)
        self.model.clear_hints()
        for var, value in zip(self.variables, start, strict=True):
            self.model.add_hint(var, value)
        self.model.minimize(self._expr(objective))
        self.solver.parameters.max_time_in_seconds = max(0.01, time_limit_s)
        status = cp_sat_status(self.solver.solve(self.model))
        if status not in (Status.OPTIMAL, Status.FEASIBLE):
            return StageOutcome(status, None, 0)
        values = [int(self.solver.value(var)) for var in self.variables]
        return StageOutcome(status, values, _integer_bound(self.solver.best_objective_bound))

    def cap(self, objective: Objective, value: int) -> None:
        """Add ``objective <= value``."""
        self.model.add(self._expr(objective) <= value)

    def interrupt(self) -> None:
        """Stop the search under way (it returns its best solution) and every later one."""
        self.interrupted.set()
        self.solver.stop_search()


class HighsEngine:
    """The formulation as a HiGHS MIP; each stage is one solve with a MIP start.

    The rows are handed to HiGHS in one call as a row-wise sparse matrix and kept (with every cap
    added since) so that :meth:`relax` can build the LP relaxation as a model of its own. HiGHS is
    called directly, not through OR-Tools' MathOpt, because MathOpt's HiGHS ignores a request to stop
    (:meth:`interrupt`); which copy of HiGHS, and why: :mod:`planner.model.highs`.
    """

    name = "highs"
    exact_integers = False

    def __init__(self, formulation: Formulation) -> None:
        self.formulation = formulation
        self.rows: list[tuple[float, float, list[int], list[float]]] = []
        # The same constraints as CP-SAT's, each as a linear row.
        for group in formulation.at_most_one:
            if len(group) > 1:
                self.rows.append((-math.inf, 1.0, list(group), [1.0] * len(group)))
        for a, b in formulation.implications:
            self.rows.append((-math.inf, 0.0, [a, b], [1.0, -1.0]))
        for row in formulation.rows:
            self.rows.append((-math.inf if row.lower is None else float(row.lower),
                              math.inf if row.upper is None else float(row.upper),
                              list(row.variables), [float(c) for c in row.coefficients]))
        self.interrupted = threading.Event()
        self.highs = self._model(integer=True)

    def _model(self, *, integer: bool) -> Any:
        """Build a silent HiGHS model of the variables and every row so far, integer or relaxed."""
        highs = new_highs()
        highs.setOptionValue("mip_rel_gap", 0.0)
        highs.setOptionValue("mip_abs_gap", HIGHS_ABSOLUTE_GAP)
        highs.setCallback(self._interrupt_check, None)
        for kind in (highs_core.cb.HighsCallbackType.kCallbackSimplexInterrupt,
                     highs_core.cb.HighsCallbackType.kCallbackIpmInterrupt,
                     highs_core.cb.HighsCallbackType.kCallbackMipInterrupt):
            highs.startCallback(kind)
        n = self.formulation.n_variables
        highs.addVars(n, np.asarray(self.formulation.lower, dtype=np.float64),
                      np.asarray(self.formulation.upper, dtype=np.float64))
        if integer:
            highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                        np.full(n, highs_core.HighsVarType.kInteger, dtype=np.uint8))
        _add_rows(highs, self.rows)
        return highs

    def _interrupt_check(self, kind: int, message: str, out: object, into: Any, data: object) -> None:
        """HiGHS's periodic interrupt callback: stop once :meth:`interrupt` was called."""
        if self.interrupted.is_set():
            into.user_interrupt = True

    def _solve(self, highs: Any, objective: Objective, time_limit_s: float) -> Any:
        """Set ``objective`` and the time limit, run (unless interrupted) and return the model status."""
        n = self.formulation.n_variables
        cost = np.zeros(n)
        for v, c in objective.terms.items():
            cost[v] = c
        highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        highs.setOptionValue("time_limit", max(0.01, time_limit_s))
        if self.interrupted.is_set():
            return highs_core.HighsModelStatus.kInterrupt
        # An interrupt from here on is not lost: the callback reads the flag at its next check.
        highs.run()
        return highs.getModelStatus()

    def minimise(self, objective: Objective, *, time_limit_s: float, start: Sequence[int]) -> StageOutcome:
        """Minimise with HiGHS from the MIP start ``start``; the rounded solution is checked exactly."""
        if self.interrupted.is_set():
            return StageOutcome(Status.NOT_SOLVED, None, 0)
        n = self.formulation.n_variables
        self.highs.setSolution(n, np.arange(n, dtype=np.int32), np.asarray(start, dtype=np.float64))
        status = self._solve(self.highs, objective, time_limit_s)
        if status == highs_core.HighsModelStatus.kInfeasible:
            return StageOutcome(Status.INFEASIBLE, None, 0)
        info = self.highs.getInfo()
        dual = info.mip_dual_bound
        bound = _integer_bound(dual) if math.isfinite(dual) else 0
        if info.primal_solution_status != FEASIBLE_SOLUTION:
            return StageOutcome(Status.NOT_SOLVED, None, bound)
        values = [round(x) for x in self.highs.getSolution().col_value]
        if self.formulation.violated(values):
            # Rounding a solution within HiGHS's tolerances broke a row: keep the start instead.
            return StageOutcome(Status.FEASIBLE, list(start), bound)
        proven = status == highs_core.HighsModelStatus.kOptimal and objective.value(values) <= bound
        return StageOutcome(Status.OPTIMAL if proven else Status.FEASIBLE, values, bound)

    def cap(self, objective: Objective, value: int) -> None:
        """Add ``objective <= value``."""
        row = _capped(objective, float(value))
        self.rows.append(row)
        _add_rows(self.highs, [row])

    def interrupt(self) -> None:
        """Stop the MIP or LP under way (it returns what it has) and every later one."""
        self.interrupted.set()

    def relax(self, objectives: Sequence[Objective], *, time_limit_s: float) -> list[float] | None:
        """Solve the LP relaxation lexicographically over ``objectives``; its values, or None if not solved.

        The engine's own model is left as it was: the relaxation is a model of its own.
        """
        relaxed = self._model(integer=False)
        started = time.perf_counter()
        values: list[float] | None = None
        for objective in objectives:
            left = time_limit_s - (time.perf_counter() - started)
            if self._solve(relaxed, objective, left) != highs_core.HighsModelStatus.kOptimal:
                return None
            values = list(relaxed.getSolution().col_value)
            level = relaxed.getInfo().objective_function_value
            # The next objective keeps this one at its LP optimum (within the LP's own tolerance).
            _add_rows(relaxed, [_capped(objective, level + 1e-6 * max(1.0, abs(level)))])
        return values


def _capped(objective: Objective, upper: float) -> tuple[float, float, list[int], list[float]]:
    """Return the row ``objective <= upper``."""
    return -math.inf, upper, list(objective.terms), [float(c) for c in objective.terms.values()]


def _add_rows(highs: Any, rows: Sequence[tuple[float, float, list[int], list[float]]]) -> None:
    """Append ``lower <= sum value * variable <= upper`` rows to a HiGHS model in one call."""
    if not rows:
        return
    starts = np.cumsum([0] + [len(r[2]) for r in rows[:-1]], dtype=np.int32)
    highs.addRows(len(rows), np.array([r[0] for r in rows], dtype=np.float64),
                  np.array([r[1] for r in rows], dtype=np.float64), int(sum(len(r[2]) for r in rows)), starts,
                  np.concatenate([np.asarray(r[2], dtype=np.int32) for r in rows]),
                  np.concatenate([np.asarray(r[3], dtype=np.float64) for r in rows]))
