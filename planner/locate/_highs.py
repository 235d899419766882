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
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.model.highs import new_highs

__all__ = ["Basis", "IncrementalLP", "LpOutcome"]

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


@dataclass(frozen=True)
class Basis:
    """A snapshot of the simplex basis: HiGHS's own object, its LP's ``id``, and its rows, deletions and solves."""

    highs_basis: Any
    source: int
    rows: int
    deletions: int
    solves: int


class IncrementalLP:
    """A minimisation LP ``min c'x, row_lb <= A x <= row_ub, col_lb <= x <= col_ub`` solved warm."""

    def __init__(self, cost: np.ndarray, col_lb: np.ndarray, col_ub: np.ndarray) -> None:
        self._highs = new_highs()
        self._highs.setOptionValue("simplex_strategy", 1)  # dual simplex: warm after bound changes and cuts
        k = len(cost)
        self._highs.addVars(k, np.asarray(col_lb, dtype=np.float64), np.asarray(col_ub, dtype=np.float64))
        self._highs.changeColsCost(k, np.arange(k, dtype=np.int32), np.asarray(cost, dtype=np.float64))
        self.n_cols = k
        self.iterations = 0  # simplex iterations over every solve (a work measure that load does not change)
        self.solves = 0
        self._deletions = 0  # row deletions so far: a basis saved before one no longer fits

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
            self._deletions += 1

    def basis(self) -> Basis:
        """Snapshot the current basis (after a solve), to warm-start a later solve from it."""
        return Basis(self._highs.getBasis(), id(self), self.n_rows, self._deletions, self.solves)

    def restore(self, basis: Basis) -> bool:
        """Start the next solve from ``basis``; False (nothing changed) if it is another LP's or rows went since.

        Rows added since the snapshot enter with their slack basic, which keeps the basis regular:
        the dual simplex then only repairs the new rows it violates.
        """
        rows = self.n_rows
        if (basis.source != id(self) or basis.deletions != self._deletions or basis.rows > rows
                or not basis.highs_basis.valid):
            return False
        if basis.solves == self.solves and basis.rows == rows:
            return True  # nothing solved since: the basis is still HiGHS's own (no refactorisation)
        snapshot = basis.highs_basis
        if basis.rows < rows:
            status = snapshot.row_status
            snapshot = type(snapshot)()
            snapshot.col_status = basis.highs_basis.col_status
            snapshot.row_status = [*status, *[type(status[0]).kBasic] * (rows - basis.rows)]
            snapshot.valid = True
        return "Error" not in str(self._highs.setBasis(snapshot))

    def adopt(self, other: IncrementalLP) -> None:
        """Start from the current basis of ``other``, an LP with the same columns and rows."""
        self._highs.setBasis(other._highs.getBasis())

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the bounds of the given columns."""
        self._highs.changeColsBounds(
            len(cols), np.asarray(cols, dtype=np.int32), np.asarray(lower, dtype=np.float64),
            np.asarray(upper, dtype=np.float64),
        )

    def _run(self, deadline: float) -> str:
        """Run HiGHS from its current state until ``deadline`` (perf_counter), count the work, return its status."""
        # HiGHS compares its time limit with the run time summed over every solve of this object.
        left = max(deadline - time.perf_counter(), 0.01)
        self._highs.setOptionValue("time_limit", float(self._highs.getRunTime()) + left)
        self._highs.run()
        self.iterations += int(self._highs.getInfo().simplex_iteration_count)
        self.solves += 1
        return str(self._highs.modelStatusToString(self._highs.getModelStatus()))

    def solve(self, time_limit_s: float, cutoff: float = math.inf, iteration_limit: int | None = None) -> LpOutcome:
        """Re-solve from the current basis; stop early once the objective provably exceeds ``cutoff``.

        With ``iteration_limit`` the dual simplex stops after that many iterations with status
        "iterations": its objective is then only an estimate (good enough to rank branching choices,
        never a bound).
        """
        highs = self._highs
        deadline = time.perf_counter() + float(time_limit_s)
        highs.setOptionValue("objective_bound", float(cutoff))
        highs.setOptionValue("simplex_iteration_limit", _NO_LIMIT if iteration_limit is None else int(iteration_limit))
        status = self._run(deadline)
        if status == "Unknown" and iteration_limit is None and time.perf_counter() < deadline:
            # Numerical trouble from the warm basis (a 2,319-point lattice, p = 20: primal infeasibilities
            # of 1.6e-5 left after 6,178 iterations, and the search ended with 286 s unused): solve
            # again from scratch, once, rather than give up.
            highs.clearSolver()
            status = self._run(deadline)
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
