"""Solve a linear or mixed-integer program given as sparse arrays, with an OR-Tools backend.

Every location model writes its formulation as ``min/max c'x`` subject to ``row_lb <= A x <= row_ub``
and ``var_lb <= x <= var_ub`` with some ``x`` integer, and calls :func:`solve_sparse`. The model is
handed to OR-Tools' model builder in one call (``fill_model_from_sparse_data``), so no Python loop
runs per variable or per coefficient; only numpy arrays and our :class:`~planner.model.status.Status`
come back, never an OR-Tools object.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver.python import model_builder_helper as mbh
from scipy.sparse import csr_matrix

from planner.model.status import Status

__all__ = ["MipOutcome", "solve_sparse"]


@dataclass(frozen=True)
class MipOutcome:
    """What a solve returned: status, values (None without a solution), objective, best bound, seconds."""

    status: Status
    values: np.ndarray | None
    objective: float
    bound: float | None
    reduced_costs: np.ndarray | None
    wall_s: float


def solve_sparse(
    objective: np.ndarray,
    matrix: csr_matrix,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    var_lb: np.ndarray,
    var_ub: np.ndarray,
    integer: np.ndarray,
    *,
    maximize: bool = False,
    offset: float = 0.0,
    time_limit_s: float,
    solver: str = "highs",
    options: tuple[str, ...] = (),
) -> MipOutcome:
    """Solve the program and map the solver's status to ours.

    Parameters
    ----------
    objective
        Objective coefficient of each variable.
    matrix
        Constraint matrix, rows x variables.
    row_lb, row_ub
        Bounds of ``matrix @ x`` (``-inf``/``inf`` for a free side).
    var_lb, var_ub
        Variable bounds.
    integer
        Boolean mask of the integer variables.
    maximize
        Maximise instead of minimise.
    offset
        Constant added to the objective.
    time_limit_s
        Wall-clock limit handed to the solver, seconds.
    solver
        ``"highs"`` (LP and MIP, gives a best bound) or ``"glop"`` (solves the LP relaxation, ignoring
        ``integer``). An LP returns reduced costs too.
    options
        Extra HiGHS options as ``name=value`` strings, e.g. ``"mip_abs_gap=0.999"``.

    """
    started = time.perf_counter()
    relaxed = solver == "glop" or not np.asarray(integer).any()
    # Model: the whole program in one call from the sparse arrays.
    model = mbh.ModelBuilderHelper()
    var_lo: npt.NDArray[np.float64] = np.asarray(var_lb, dtype=np.float64)
    var_hi: npt.NDArray[np.float64] = np.asarray(var_ub, dtype=np.float64)
    cost: npt.NDArray[np.float64] = np.asarray(objective, dtype=np.float64)
    row_lo: npt.NDArray[np.float64] = np.asarray(row_lb, dtype=np.float64)
    row_hi: npt.NDArray[np.float64] = np.asarray(row_ub, dtype=np.float64)
    # The ignores work around a wrong OR-Tools stub (model_builder_helper.pyi, made by pybind11-stubgen): it
    # types each vector as ``numpy.ndarray[numpy.float64[m, 1]]``, which mypy reads as an ndarray whose *shape*
    # type is float64, so no real array can match. The arrays passed are float64 vectors, as the C++ expects.
    model.fill_model_from_sparse_data(
        var_lo,  # type: ignore[arg-type]
        var_hi,  # type: ignore[arg-type]
        cost,  # type: ignore[arg-type]
        row_lo,  # type: ignore[arg-type]
        row_hi,  # type: ignore[arg-type]
        csr_matrix(matrix, dtype=np.float64),
    )
    # Variables: mark the integer ones.
    for index in [] if relaxed else np.flatnonzero(integer):
        model.set_var_integrality(int(index), True)
    # Objective: direction and constant.
    model.set_maximize(maximize)
    model.set_objective_offset(float(offset))
    # Solve: time limit always set, solver chatter off.
    engine = mbh.ModelSolverHelper(solver)
    engine.enable_output(False)
    if solver == "highs":
        engine.set_solver_specific_parameters("\n".join(("output_flag=false", *options)))
    elif solver == "glop":
        # Dual simplex is several times faster than GLOP's default on these covering-type LPs.
        engine.set_solver_specific_parameters("use_dual_simplex:true")
    engine.set_time_limit_in_seconds(max(float(time_limit_s), 0.01))
    engine.solve(model)
    status = _status(engine.status().name)
    has_solution = engine.has_solution() and status in (Status.OPTIMAL, Status.FEASIBLE)
    values = np.asarray(engine.variable_values(), dtype=np.float64) if has_solution else None
    objective_value = float(engine.objective_value()) if has_solution else math.nan
    bound = float(engine.best_objective_bound()) if has_solution else None
    if bound is not None and not math.isfinite(bound):
        bound = None
    if status is Status.OPTIMAL and relaxed:
        bound = objective_value
    reduced = None
    if has_solution and relaxed:
        reduced = np.asarray(engine.reduced_costs(), dtype=np.float64)
    return MipOutcome(status, values, objective_value, bound, reduced, time.perf_counter() - started)


def _status(name: str) -> Status:
    """Map the model builder's status name to our Status."""
    return {
        "OPTIMAL": Status.OPTIMAL,
        "FEASIBLE": Status.FEASIBLE,
        "INFEASIBLE": Status.INFEASIBLE,
    }.get(name, Status.NOT_SOLVED)
