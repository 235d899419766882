"""P-center: open p sites minimising the largest cost from a demand point to its site.

Formulation (Hakimi 1964, "Optimum locations of switching centers and the absolute centers and
medians of a graph", Operations Research 12: 450-459; vertex version)::

    min  r
    s.t. sum_j x_ij = 1,  x_ij <= y_j,  sum_j c_ij x_ij <= r     for every demand i
         sum_j y_j = p,  y_j = 1 for existing j,  x, y binary

Solved exactly as a sequence of set-covering problems (Minieka 1970, "The m-center problem", SIAM
Review 12): ``r`` is feasible when the LSCP with coverage ``c_ij <= r`` needs at most ``p`` sites, so a
binary search over the distinct costs, each step an exact HiGHS set-covering MIP, finds the least
feasible ``r``. With capacities the covering step is the capacitated LSCP. Demand rows of weight 0
are ignored (weights only matter for capacities).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from planner.errors import InfeasibleError, SolverLimitError
from planner.locate._model import DEFAULT_TIME_LIMIT_S, LocationModel, _preview
from planner.locate._result import LocationResult, relative_gap
from planner.locate.coverage import min_cover
from planner.model.status import Status

__all__ = ["PCenter"]


class PCenter(LocationModel):
    """Vertex p-center (Hakimi 1964) by binary search over radii with exact set covering."""

    name = "p-center"
    uses_p = True
    supports_capacities = True

    def solve(self, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> LocationResult:
        """Open ``p`` sites minimising the largest demand-to-site cost."""
        started = time.perf_counter()
        data = self.instance
        p = int(data.p or 0)
        rows = np.flatnonzero(data.weights > 0)
        cost = data.cost[rows][:, data.allowed]
        lonely = rows[~np.isfinite(cost).any(axis=1)] if len(rows) else rows
        if len(lonely):
            raise InfeasibleError(
                f"{len(lonely)} demand point(s) cannot reach any candidate site: rows {_preview(lonely)}"
            )
        sub = dataclasses.replace(data, cost=data.cost[rows], weights=data.weights[rows])
        # Every demand point needs its nearest site, so the radius is at least the largest of those.
        radii = np.unique(cost[np.isfinite(cost)])
        floor = float(cost.min(axis=1).max()) if len(rows) else 0.0
        radii = radii[radii >= floor]
        low, high = 0, len(radii) - 1
        best = None
        proven = True
        while low <= high and len(rows):
            middle = (low + high) // 2
            remaining = time_limit_s - (time.perf_counter() - started)
            if remaining <= 0:
                proven = False
                break
            try:
                cover = min_cover(
                    dataclasses.replace(sub, max_cost=float(radii[middle])),
                    (sub.cost <= radii[middle]) & sub.allowed[None, :],
                    time_limit_s=remaining,
                )
            except InfeasibleError:
                low = middle + 1
                continue
            if cover.status is not Status.OPTIMAL and len(cover.selected) > p:
                proven = False
            if len(cover.selected) <= p:
                best = (middle, cover)
                high = middle - 1
            else:
                low = middle + 1
        if not len(rows):
            # Nothing to reach: any p sites are optimal, the existing ones first.
            best_selected = _pad(np.asarray(data.existing, dtype=np.int64), data.allowed, p)
            return self._result(data, best_selected, None, 0.0, 0.0, Status.OPTIMAL, started)
        if best is None:
            if not proven:
                raise SolverLimitError(f"p-center: no feasible radius found within {time_limit_s:g} s")
            limit = " within the capacities" if data.capacities is not None else ""
            raise InfeasibleError(f"no choice of p={p} sites reaches every weighted demand point{limit}")
        index, cover = best
        selected = _pad(cover.selected, data.allowed, p)
        objective = float(radii[index])
        bound = objective if proven else float(radii[min(low, index)])
        status = Status.OPTIMAL if proven else Status.FEASIBLE
        assignment = None
        if cover.assignment is not None:
            assignment = np.full(data.n_demand, -1, dtype=np.int64)
            assignment[rows] = cover.assignment
        return self._result(data, selected, assignment, objective, bound, status, started)

    def _result(
        self, data: object, selected: np.ndarray, assignment: np.ndarray | None, objective: float,
        bound: float | None, status: Status, started: float,
    ) -> LocationResult:
        """Assign each demand to its nearest open site unless the capacitated cover gave one."""
        instance = self.instance
        selected = np.sort(np.asarray(selected, dtype=np.int64))
        if assignment is None:
            sub = instance.cost[:, selected]
            assignment = np.where(np.isfinite(sub.min(axis=1)), selected[np.argmin(sub, axis=1)], -1)
            positive = instance.weights > 0
            objective = float(sub[positive].min(axis=1).max()) if positive.any() else 0.0
        return LocationResult(
            model=self.name, selected=tuple(int(j) for j in selected), assignment=assignment, objective=objective,
            bound=bound, status=status, wall_s=time.perf_counter() - started,
            method="binary search over radii + HiGHS set covering (exact)", gap=relative_gap(objective, bound),
        )


def _pad(selected: np.ndarray, allowed: np.ndarray, p: int) -> np.ndarray:
    """Add unused allowed sites (lowest index first) until ``p`` are open; ``selected`` stays open."""
    spare = np.setdiff1d(np.flatnonzero(allowed), selected)
    return np.sort(np.concatenate([selected, spare[: max(p - len(selected), 0)]])).astype(np.int64)
