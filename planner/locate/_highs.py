"""One linear program kept alive in HiGHS and re-solved warm after rows or bounds change.

The Benders master of the p-median (``_benders_master.py``) grows by a few hundred rows per round and
is re-solved hundreds of times with different bounds on its columns; rebuilding it each time (as
``_mip.solve_sparse`` does for one-shot models) would cost more than the solves. HiGHS keeps the
factored basis between calls, so after added cuts or changed bounds the dual simplex restarts from
the previous optimum and needs few iterations.

HiGHS is the copy SciPy ships (:mod:`planner.model.highs` says why).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.model.highs import new_highs

__all__ = ["IncrementalLP", "LpOutcome"]

_NO_LIMIT = 2**31 - 1  # HiGHS's own default for simplex_iteration_limit


@dataclass(frozen=True)
class LpOutcome:
    """One solve of the LP, and how it ended.

    ``status`` is "optimal", "cutoff" (objective passed the cutoff), "infeasible", "limit" (time) or
    "iterations" (the iteration limit: ``objective`` is an estimate, nothing else is set).
    ``objective``, ``x`` and ``row_dual`` are set for "optimal" (and, where HiGHS gives them, for
    "cutoff"); ``row_dual`` is >= 0 on binding ``>=`` rows of this minimisation.
    """

    status: str
    objective: float
    x: np.ndarray | None
    row_dual: np.ndarray | None


class IncrementalLP:
    """A minimisation LP ``min c'x, row_lb <= A x <= row_ub, col_lb <= x <= col_ub`` solved warm."""

    def __init__(self, cost: np.ndarray, col_lb: np.ndarray, col_ub: np.ndarray) -> None:
        self._highs = new_highs()
        self._highs.setOptionValue("simplex_strategy", 1)  # dual simplex: warm after bound changes and cuts
        k = len(cost)
        self._highs.addVars(k, np.asarray(col_lb, dtype=np.float64), np.asarray(col_ub, dtype=np.float64))
        self._highs.changeColsCost(k, np.arange(k, dtype=np.int32), np.asarray(cost, dtype=np.float64))
        self.n_cols = k

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self._highs.getNumRow())

    def add_rows(
        self, row_lb: np.ndarray, row_ub: np.ndarray, indptr: np.ndarray, indices: np.ndarray, values: np.ndarray
    ) -> None:
        """Append rows given in CSR form (``indptr`` of length rows + 1)."""
        count = len(row_lb)
        if count == 0:
            return
        self._highs.addRows(
            count, np.asarray(row_lb, dtype=np.float64), np.asarray(row_ub, dtype=np.float64), int(indptr[-1]),
            np.asarray(indptr[:-1], dtype=np.int32), np.asarray(indices, dtype=np.int32),
            np.asarray(values, dtype=np.float64),
        )

    def delete_rows(self, rows: np.ndarray) -> None:
        """Remove the given rows; the later rows move up."""
        if len(rows):
            self._highs.deleteRows(len(rows), np.asarray(rows, dtype=np.int32))

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the bounds of the given columns."""
        self._highs.changeColsBounds(
            len(cols), np.asarray(cols, dtype=np.int32), np.asarray(lower, dtype=np.float64),
            np.asarray(upper, dtype=np.float64),
        )

    def solve(self, time_limit_s: float, cutoff: float = math.inf, iteration_limit: int | None = None) -> LpOutcome:
        """Re-solve from the current basis; stop early once the objective provably exceeds ``cutoff``.

        With ``iteration_limit`` the dual simplex stops after that many iterations with status
        "iterations": its objective is then only an estimate (good enough to rank branching choices,
        never a bound).
        """
        highs = self._highs
        # HiGHS compares its time limit with the run time summed over every solve of this object.
        highs.setOptionValue("time_limit", float(highs.getRunTime()) + max(float(time_limit_s), 0.01))
        highs.setOptionValue("objective_bound", float(cutoff))
        highs.setOptionValue("simplex_iteration_limit", _NO_LIMIT if iteration_limit is None else int(iteration_limit))
        highs.run()
        status = highs.modelStatusToString(highs.getModelStatus())
        if status == "Infeasible":
            return LpOutcome("infeasible", math.inf, None, None)
        if status == "Iteration limit reached":
            return LpOutcome("iterations", float(highs.getInfo().objective_function_value), None, None)
        if status not in ("Optimal", "Bound on objective reached"):
            return LpOutcome("limit", math.nan, None, None)
        solution = highs.getSolution()
        objective = float(highs.getInfo().objective_function_value)
        kind = "optimal" if status == "Optimal" else "cutoff"
        duals = np.array(solution.row_dual, dtype=np.float64) if solution.dual_valid else None
        return LpOutcome(kind, objective, np.array(solution.col_value, dtype=np.float64), duals)
