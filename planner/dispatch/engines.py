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
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ortools.math_opt import callback_pb2, model_parameters_pb2, model_pb2, result_pb2, solution_pb2
from ortools.math_opt.core.python import solver as mathopt_core
from ortools.math_opt.python import mathopt
from ortools.sat.python import cp_model

from planner.dispatch.formulation import Formulation, Objective
from planner.model.cp_sat import cp_sat_status
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
    """The formulation as a HiGHS MIP in a MathOpt model proto; each stage is one solve with a MIP start.

    The proto is filled in bulk from the formulation's rows (MathOpt's per-variable Python model took
    5.5 s to build at 150 x 1,000, the proto 0.6 s) and handed to MathOpt's solver as it is.
    """

    name = "highs"
    exact_integers = False

    def __init__(self, formulation: Formulation) -> None:
        self.formulation = formulation
        proto = model_pb2.ModelProto(name="dispatch")
        n = formulation.n_variables
        proto.variables.ids.extend(range(n))
        proto.variables.lower_bounds.extend(float(b) for b in formulation.lower)
        proto.variables.upper_bounds.extend(float(b) for b in formulation.upper)
        proto.variables.integers.extend([True] * n)
        self.proto = proto
        # The same constraints as CP-SAT's, each as a linear row.
        for group in formulation.at_most_one:
            if len(group) > 1:
                _add_row(proto, group, [1] * len(group), None, 1)
        for a, b in formulation.implications:
            _add_row(proto, (a, b), (1, -1), None, 0)
        for row in formulation.rows:
            _add_row(proto, row.variables, row.coefficients, row.lower, row.upper)

    def minimise(self, objective: Objective, *, time_limit_s: float, start: Sequence[int]) -> StageOutcome:
        """Minimise with HiGHS from the MIP start ``start``; the rounded solution is checked exactly."""
        _set_objective(self.proto, objective)
        params = mathopt.SolveParameters(
            time_limit=datetime.timedelta(seconds=max(0.01, time_limit_s)),
            relative_gap_tolerance=0.0,
            absolute_gap_tolerance=HIGHS_ABSOLUTE_GAP,
        )
        hint = model_parameters_pb2.SolutionHintProto()
        hint.variable_values.ids.extend(range(len(start)))
        hint.variable_values.values.extend(float(x) for x in start)
        result = _solve_proto(self.proto, params, model_parameters_pb2.ModelSolveParametersProto(solution_hints=[hint]))
        reason = result.termination.reason
        if reason in (result_pb2.TERMINATION_REASON_INFEASIBLE, result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED):
            return StageOutcome(Status.INFEASIBLE, None, 0)
        dual = result.termination.objective_bounds.dual_bound
        bound = _integer_bound(dual) if math.isfinite(dual) else 0
        solutions = [s.primal_solution for s in result.solutions if s.HasField("primal_solution")
                     and s.primal_solution.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE]
        if not solutions:
            return StageOutcome(Status.NOT_SOLVED, None, bound)
        values = [0] * len(start)
        for v, x in zip(solutions[0].variable_values.ids, solutions[0].variable_values.values, strict=True):
            values[v] = round(x)
        if self.formulation.violated(values):
            # Rounding a solution within HiGHS's tolerances broke a row: keep the start instead.
            return StageOutcome(Status.FEASIBLE, list(start), bound)
        proven = reason == result_pb2.TERMINATION_REASON_OPTIMAL and objective.value(values) <= bound
        return StageOutcome(Status.OPTIMAL if proven else Status.FEASIBLE, values, bound)

    def cap(self, objective: Objective, value: int) -> None:
        """Add ``objective <= value``."""
        _add_row(self.proto, list(objective.terms), list(objective.terms.values()), None, value)

    def relax(self, objectives: Sequence[Objective], *, time_limit_s: float) -> list[float] | None:
        """Solve the LP relaxation lexicographically over ``objectives``; its values, or None if not solved.

        The engine's own model is left as it was: the relaxation works on a copy of the proto.
        """
        relaxed = model_pb2.ModelProto()
        relaxed.CopyFrom(self.proto)
        relaxed.variables.ClearField("integers")
        relaxed.variables.integers.extend([False] * self.formulation.n_variables)
        started = time.perf_counter()
        values: list[float] | None = None
        for objective in objectives:
            _set_objective(relaxed, objective)
            left = time_limit_s - (time.perf_counter() - started)
            params = mathopt.SolveParameters(time_limit=datetime.timedelta(seconds=max(0.01, left)))
            result = _solve_proto(relaxed, params, model_parameters_pb2.ModelSolveParametersProto())
            if result.termination.reason != result_pb2.TERMINATION_REASON_OPTIMAL or not result.solutions:
                return None
            primal = result.solutions[0].primal_solution
            values = [0.0] * self.formulation.n_variables
            for v, x in zip(primal.variable_values.ids, primal.variable_values.values, strict=True):
                values[v] = x
            # The next objective keeps this one at its LP optimum (within the LP's own tolerance).
            level = primal.objective_value + 1e-6 * max(1.0, abs(primal.objective_value))
            _add_row(relaxed, list(objective.terms), list(objective.terms.values()), None, level)
        return values


def _add_row(
    proto: model_pb2.ModelProto,
    variables: Sequence[int],
    coefficients: Sequence[int],
    lower: float | None,
    upper: float | None,
) -> None:
    """Append ``lower <= sum coefficient * variable <= upper`` to the proto (None: unbounded side)."""
    constraints = proto.linear_constraints
    row = len(constraints.ids)
    constraints.ids.append(row)
    constraints.lower_bounds.append(-math.inf if lower is None else float(lower))
    constraints.upper_bounds.append(math.inf if upper is None else float(upper))
    # MathOpt wants the matrix sorted by row, then column, without repeats.
    terms: dict[int, int] = {}
    for v, c in zip(variables, coefficients, strict=True):
        terms[v] = terms.get(v, 0) + c
    ordered = sorted((v, c) for v, c in terms.items() if c)
    matrix = proto.linear_constraint_matrix
    matrix.row_ids.extend([row] * len(ordered))
    matrix.column_ids.extend(v for v, _ in ordered)
    matrix.coefficients.extend(float(c) for _, c in ordered)


def _set_objective(proto: model_pb2.ModelProto, objective: Objective) -> None:
    """Make ``objective`` the proto's objective (minimised)."""
    terms = sorted(objective.terms.items())
    proto.objective.Clear()
    proto.objective.maximize = False
    proto.objective.linear_coefficients.ids.extend(v for v, _ in terms)
    proto.objective.linear_coefficients.values.extend(float(c) for _, c in terms)


def _solve_proto(
    proto: model_pb2.ModelProto,
    params: mathopt.SolveParameters,
    model_params: model_parameters_pb2.ModelSolveParametersProto,
) -> result_pb2.SolveResultProto:
    """Solve a MathOpt model proto with HiGHS, through MathOpt's own solver entry point."""
    result: result_pb2.SolveResultProto = mathopt_core.solve(
        proto,
        mathopt.SolverType.HIGHS.value,
        mathopt.StreamableSolverInitArguments().to_proto(),
        params.to_proto(),
        model_params,
        None,
        callback_pb2.CallbackRegistrationProto(),
        None,
        None,
    )
    return result
