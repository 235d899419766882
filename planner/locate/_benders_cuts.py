"""Benders cuts of the p-median radius formulation, separated in closed form from sorted cost rows.

Duran-Mateluna, Ales & Elloumi (2023), "An efficient Benders decomposition for the p-median problem",
EJOR 308: 84-96. Fixing the site variables ``y`` in the radius formulation (see ``pmedian.py``) leaves
one small LP per demand point ``i`` whose optimum is read off its costs in increasing order: walk the
sites from the nearest, adding up ``y``, until the sum reaches 1; with ``D`` the cost where that
happens, the optimal dual gives the cut::

    theta_i >= D - sum_{j: c_ij < D} (D - c_ij) y_j

(valid for every ``D``; at integral ``y`` it is tight: ``D`` is then the cost to the nearest open
site). ``theta_i`` is the cost of demand ``i`` in the master problem. Separation therefore costs one
pass over each row's sorted costs, no LP. Rows are cut at width ``m - p + 2``: of a demand point's
``m - p + 1`` nearest sites at least one is open, so no cut needs a farther one, and of its ``m - p + 2``
nearest at least two are, so the sorted interchange of ``_swap.py`` finds both nearest open sites
there. Unreachable pairs (``inf``) sort last and never enter a cut; the master asks for one reachable
site per row instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SeparatedCuts", "SortedCosts"]

_COVERED = 1.0 - 1e-9  # cumulative y that counts as "a whole site is open within this cost"


@dataclass(frozen=True)
class SeparatedCuts:
    """Per demand row: the cut's level ``D``, how many sites lie below it, and the cut's value at ``y``."""

    level: np.ndarray
    below: np.ndarray
    value: np.ndarray


class SortedCosts:
    """Each demand row's site indices and costs in increasing cost order, truncated where no cut reaches."""

    def __init__(self, cost: np.ndarray, p: int) -> None:
        n, m = cost.shape
        width = max(1, min(m, m - p + 2))
        order = np.argsort(cost, axis=1, kind="stable")[:, :width]
        self.order = order.astype(np.int32)
        self.costs = np.take_along_axis(cost, order, axis=1)
        del order
        self.finite = np.isfinite(self.costs).sum(axis=1)
        self.n, self.m = n, m

    @property
    def nearest(self) -> np.ndarray:
        """Cost from each row to its nearest site (a lower bound on its cost in any solution)."""
        return self.costs[:, 0]

    def reach(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR (indptr, indices, ones) of the sites each given row reaches at a finite cost."""
        counts = self.finite[rows]
        indptr = np.concatenate([[0], np.cumsum(counts)])
        mask = np.arange(self.order.shape[1])[None, :] < counts[:, None]
        indices = self.order[rows][mask]
        return indptr, indices, np.ones(len(indices))

    def covering_positions(self, y: np.ndarray) -> np.ndarray:
        """Per row, the first sorted position where the running sum of ``y`` reaches 1 (last finite if never)."""
        n, width = self.order.shape
        position = np.maximum(self.finite - 1, 0)
        carry = np.zeros(n)
        active = np.arange(n)
        start, chunk = 0, 32
        # Most rows are covered by their first few sites: widen the window only for the rows still open.
        while len(active) and start < width:
            stop = min(width, start + chunk)
            running = carry[active, None] + np.cumsum(y[self.order[active, start:stop]], axis=1)
            hit = running >= _COVERED
            done = hit.any(axis=1)
            position[active[done]] = np.minimum(start + np.argmax(hit[done], axis=1), position[active[done]])
            carry[active] = running[:, -1]
            active = active[~done]
            start, chunk = stop, chunk * 2
        return position

    def separate(self, y: np.ndarray) -> SeparatedCuts:
        """Separate the closed-form Benders cut of every row at the point ``y`` (fractional or integral)."""
        position = self.covering_positions(y)
        rows = np.arange(self.n)
        level = self.costs[rows, position]
        width = int(position.max()) + 1
        costs = self.costs[:, :width]
        is_below = costs < level[:, None]
        below = is_below.sum(axis=1)
        saving = (np.where(is_below, level[:, None] - costs, 0.0) * y[self.order[:, :width]]).sum(axis=1)
        return SeparatedCuts(level, below, level - saving)

    def value_at(self, cuts: SeparatedCuts, y: np.ndarray) -> np.ndarray:
        """Value of each row's cut (as separated elsewhere) at another point ``y``."""
        width = int(cuts.below.max()) if len(cuts.below) else 0
        if width == 0:
            return cuts.level.copy()
        is_below = np.arange(width)[None, :] < cuts.below[:, None]
        gaps = np.where(is_below, cuts.level[:, None] - self.costs[:, :width], 0.0)
        return cuts.level - (gaps * y[self.order[:, :width]]).sum(axis=1)

    def cut_rows(self, rows: np.ndarray, cuts: SeparatedCuts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR (indptr, site indices, coefficients ``D - c_ij``) of the given rows' cuts."""
        counts = cuts.below[rows]
        indptr = np.concatenate([[0], np.cumsum(counts)])
        width = int(counts.max()) if len(counts) else 0
        mask = np.arange(width)[None, :] < counts[:, None]
        indices = self.order[rows, :width][mask]
        values = (cuts.level[rows, None] - self.costs[rows, :width])[mask]
        return indptr, indices, values
