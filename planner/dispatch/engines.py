"""Two exact engines for one dispatch formulation: OR-Tools CP-SAT and the HiGHS MIP (through MathOpt).

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

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ortools.math_opt.python import mathopt
from ortools.sat.python import cp_model

from planner.dispatch.formulation import Formulation, Objective
from planner.model.status import Status, cp_sat_status

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

    def _expr(self, objective: Objective) -> cp_model.LinearExprT:
        terms = sorted(objective.terms.items())
        return cp_model.LinearExpr.weighted_sum([self.variables[j] for j, _ in terms], [c for _, c in terms])

    def minimise(self, objective: Objective, *, time_limit_s: float, start: Sequence[int]) -> StageOutcome:
        """Minimise with CP-SAT from the complete hint ``start``."""
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


class HighsEngine:
    """The formulation as a HiGHS MIP built with OR-Tools MathOpt; each stage is one solve with a MIP start."""

    name = "highs"
    exact_integers = False

    def __init__(self, formulation: Formulation) -> None:
        self.formulation = formulation
        model = mathopt.Model(name="dispatch")
        self.variables = [model.add_integer_variable(lb=lo, ub=hi, name=f"v{j}") for j, (lo, hi) in
                          enumerate(zip(formulation.lower, formulation.upper, strict=True))]
        v = self.variables
        # The same constraints as CP-SAT's, each as a linear row.
        for group in formulation.at_most_one:
            if len(group) > 1:
                model.add_linear_constraint(mathopt.fast_sum(v[j] for j in group) <= 1)
        for a, b in formulation.implications:
            model.add_linear_constraint(v[a] - v[b] <= 0)
        for row in formulation.rows:
            model.add_linear_constraint(
                lb=-math.inf if row.lower is None else row.lower,
                expr=mathopt.fast_sum(c * v[j] for j, c in zip(row.variables, row.coefficients, strict=True)),
                ub=math.inf if row.upper is None else row.upper,
            )
        self.model = model

    def _expr(self, objective: Objective) -> mathopt.LinearSum:
        return mathopt.fast_sum(c * self.variables[j] for j, c in sorted(objective.terms.items()))

    def minimise(self, objective: Objective, *, time_limit_s: float, start: Sequence[int]) -> StageOutcome:
        """Minimise with HiGHS from the MIP start ``start``; the rounded solution is checked exactly."""
        self.model.minimize(self._expr(objective))
        params = mathopt.SolveParameters(
            time_limit=datetime.timedelta(seconds=max(0.01, time_limit_s)),
            relative_gap_tolerance=0.0,
            absolute_gap_tolerance=HIGHS_ABSOLUTE_GAP,
        )
        hint = mathopt.SolutionHint(variable_values={var: float(x) for var, x in zip(self.variables, start,
                                                                                        strict=True)})
        result = mathopt.solve(self.model, mathopt.SolverType.HIGHS, params=params,
                               model_params=mathopt.ModelSolveParameters(solution_hints=[hint]))
        reason = result.termination.reason
        if reason in (mathopt.TerminationReason.INFEASIBLE, mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED):
            return StageOutcome(Status.INFEASIBLE, None, 0)
        dual = result.termination.objective_bounds.dual_bound
        bound = _integer_bound(dual) if math.isfinite(dual) else 0
        if not result.has_primal_feasible_solution():
            return StageOutcome(Status.NOT_SOLVED, None, bound)
        values = [round(x) for x in result.variable_values(self.variables)]
        if self.formulation.violated(values):
            # Rounding a solution within HiGHS's tolerances broke a row: keep the start instead.
            return StageOutcome(Status.FEASIBLE, list(start), bound)
        proven = reason is mathopt.TerminationReason.OPTIMAL and objective.value(values) <= bound
        return StageOutcome(Status.OPTIMAL if proven else Status.FEASIBLE, values, bound)

    def cap(self, objective: Objective, value: int) -> None:
        """Add ``objective <= value``."""
        self.model.add_linear_constraint(self._expr(objective) <= value)
