"""The Benders master LP of the p-median and the lower bound its duals prove.

Columns: ``y_j`` (site ``j`` open, ``0 <= y <= 1``) then ``theta_i`` (cost of demand row ``i``, at
least its nearest cost), objective ``sum_i w_i theta_i``. Rows: ``sum_j y_j = p``, then the cuts of
``_benders_cuts.py`` (``theta_i + sum_j a_j y_j >= D``), and for a row that cannot reach every site
``sum_{j reachable} y_j >= 1``.

Certified bound. For any multipliers ``u >= 0`` of the cut and reach rows with, per demand row,
``U_i = sum of its cuts' u <= w_i``, relaxing those rows gives the Lagrangian bound::

    L(u) = sum_r u_r rhs_r + sum_i (w_i - U_i) theta_lo_i - (sum of the p largest G_j)
    G_j  = sum_r u_r a_rj          (how much opening j lowers the relaxed rows)

where the choice of the ``p`` sites respects the sites forced open or closed at the node. ``L(u)`` is a
valid lower bound whatever ``u`` is, so the LP duals from HiGHS are clipped, scaled into that set and
the bound is recomputed from the data: floating-point tolerances of the simplex cannot make it
invalid. At the LP optimum it equals the LP bound. The same numbers fix sites (Lagrangian reduced
costs): forcing open a site outside the chosen ``p`` raises ``L`` by ``G_p - G_j`` (the smallest chosen
saving minus its own), closing a chosen one raises it by ``G_j - G_{p+1}``; when that reaches the
incumbent, the site keeps its Lagrangian value in every better solution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, vstack

from planner.locate._highs import Basis, IncrementalLP, LpOutcome

__all__ = ["BendersMaster", "Certificate", "DualBound"]


@dataclass(frozen=True)
class DualBound:
    """A certified lower bound and the sites it proves must stay open or closed below ``cutoff``."""

    value: float
    close: np.ndarray
    force: np.ndarray


@dataclass(frozen=True)
class Certificate:
    """Valid multipliers of a solve, reduced to what the bound needs: its constant and each site's saving ``G_j``."""

    base: float
    saving: np.ndarray


class BendersMaster:
    """The master LP over ``m`` site columns and ``n`` demand columns, with its cut pool."""

    def __init__(self, weights: np.ndarray, nearest: np.ndarray, m: int, p: int) -> None:
        n = len(weights)
        self.n, self.m, self.p = n, m, p
        self.weights = np.asarray(weights, dtype=np.float64)
        self.nearest = np.asarray(nearest, dtype=np.float64)
        cost = np.concatenate([np.zeros(m), self.weights])
        lower = np.concatenate([np.zeros(m), self.nearest])
        upper = np.concatenate([np.ones(m), np.full(n, np.inf)])
        self.lp = IncrementalLP(cost, lower, upper)
        self.lp.add_rows(np.array([float(p)]), np.array([float(p)]), np.array([0, m]), np.arange(m), np.ones(m))
        self._blocks: list[csr_matrix] = [csr_matrix((1, m))]
        self._owner: list[np.ndarray] = [np.array([-2])]
        self._rhs: list[np.ndarray] = [np.array([0.0])]
        self._matrix: csr_matrix | None = None
        self.last_used = np.zeros(1, dtype=np.int64)

    @property
    def rows(self) -> int:
        """Number of rows (the ``sum y = p`` row included)."""
        return self.lp.n_rows

    def add(self, owners: np.ndarray, rhs: np.ndarray, indptr: np.ndarray, sites: np.ndarray,
            coefficients: np.ndarray) -> None:
        """Add rows ``[theta_owner] + sum a_j y_j >= rhs``; owner -1 means a row without ``theta``."""
        count = len(owners)
        if count == 0:
            return
        lengths = np.diff(indptr)
        has_theta = owners >= 0
        shift = np.concatenate([[0], np.cumsum(has_theta)[:-1]])
        starts = indptr[:-1] + shift
        total = len(sites) + int(has_theta.sum())
        indices = np.empty(total, dtype=np.int64)
        values = np.empty(total)
        within = np.arange(len(sites)) - np.repeat(indptr[:-1], lengths)
        place = np.repeat(starts, lengths) + within
        indices[place], values[place] = sites, coefficients
        theta_at = (starts + lengths)[has_theta]
        indices[theta_at], values[theta_at] = self.m + owners[has_theta], 1.0
        self.lp.add_rows(rhs, np.full(count, np.inf), np.append(starts, total), indices, values)
        self._blocks.append(csr_matrix((coefficients, sites, indptr), shape=(count, self.m)))
        self._owner.append(np.asarray(owners, dtype=np.int64))
        self._rhs.append(np.asarray(rhs, dtype=np.float64))
        self._matrix = None
        self.last_used = np.concatenate([self.last_used, np.full(count, self.last_used.max())])

    def copy(self) -> BendersMaster:
        """Return a second master with these cuts, starting from this basis (for another worker thread)."""
        twin = BendersMaster(self.weights, self.nearest, self.m, self.p)
        matrix, owner, rhs = self._arrays()
        cuts = matrix[1:]
        twin.add(owner[1:], rhs[1:], cuts.indptr, cuts.indices, cuts.data)
        twin.last_used = self.last_used.copy()
        twin.lp.adopt(self.lp)
        return twin

    def drop(self, rows: np.ndarray) -> None:
        """Delete the given cut rows (never row 0) from the LP and the pool."""
        rows = np.asarray(rows, dtype=np.int64)
        rows = rows[rows > 0]
        if len(rows) == 0:
            return
        matrix, owner, rhs = self._arrays()
        keep = np.ones(len(owner), dtype=bool)
        keep[rows] = False
        self.lp.delete_rows(rows)
        self._blocks, self._owner, self._rhs = [matrix[keep]], [owner[keep]], [rhs[keep]]
        self._matrix = None
        self.last_used = self.last_used[keep]

    def drop_idle(self, tick: int, idle: int) -> None:
        """Delete the cuts no solve has used (positive dual) since ``tick - idle``; reach rows stay."""
        _, owner, _ = self._arrays()
        self.drop(np.flatnonzero((self.last_used < tick - idle) & (owner >= 0)))

    def mark_used(self, row_dual: np.ndarray, tick: int) -> None:
        """Record that the rows with a positive dual were used at ``tick``."""
        self.last_used[self._full(row_dual) > 1e-12] = tick

    def _full(self, row_dual: np.ndarray) -> np.ndarray:
        """Duals of a solve made before the latest cuts were added, with 0 for those cuts (a valid choice)."""
        u = np.zeros(len(self.last_used))
        u[: len(row_dual)] = row_dual
        return u

    def set_sites(self, lower: np.ndarray, upper: np.ndarray) -> None:
        """Bounds of every ``y`` column (the node's forced-open and closed sites)."""
        self.lp.set_col_bounds(np.arange(self.m), lower, upper)

    def solve(self, time_limit_s: float, cutoff: float = math.inf, iteration_limit: int | None = None) -> LpOutcome:
        """Re-solve the LP warm; ``x`` is ``y`` followed by ``theta``."""
        return self.lp.solve(time_limit_s, cutoff, iteration_limit)

    def basis(self) -> Basis:
        """Snapshot the basis of the last solve (to start a child node or a strong-branching trial from)."""
        return self.lp.basis()

    def restore(self, basis: Basis) -> None:
        """Start the next solve from ``basis`` when it still fits the rows (no cut deleted since)."""
        self.lp.restore(basis)

    def _arrays(self) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
        """Return the pool as one matrix of ``y`` coefficients, each row's owner and right-hand side."""
        if self._matrix is None:
            self._matrix = vstack(self._blocks, format="csr")
            self._blocks = [self._matrix]
            owner, rhs = np.concatenate(self._owner), np.concatenate(self._rhs)
            self._owner, self._rhs = [owner], [rhs]
        return self._matrix, self._owner[0], self._rhs[0]

    def dual_bound(
        self, row_dual: np.ndarray, lower: np.ndarray, upper: np.ndarray, cutoff: float
    ) -> DualBound:
        """Compute the certified Lagrangian bound (module docstring) and the sites it fixes below ``cutoff``."""
        return self.bound(self.certificate(row_dual), lower, upper, cutoff)

    def certificate(self, row_dual: np.ndarray) -> Certificate:
        """Turn LP duals into valid multipliers (clipped, scaled per demand row): the bound's data."""
        matrix, owner, rhs = self._arrays()
        u = np.maximum(self._full(np.asarray(row_dual, dtype=np.float64)), 0.0)
        u[0] = 0.0
        cut = owner >= 0
        spent = np.bincount(owner[cut], weights=u[cut], minlength=self.n)
        scale = np.where(spent > self.weights, self.weights / np.maximum(spent, 1e-300), 1.0)
        u[cut] *= scale[owner[cut]]
        spent = np.bincount(owner[cut], weights=u[cut], minlength=self.n)
        saving = np.asarray(matrix.T @ u)
        return Certificate(float(u @ rhs + (self.weights - spent) @ self.nearest), saving)

    def bound(self, certificate: Certificate, lower: np.ndarray, upper: np.ndarray, cutoff: float) -> DualBound:
        """Bound by ``certificate`` where the sites in ``lower`` are open and those not in ``upper`` closed.

        Valid for any bounds (a child's too, from its parent's certificate); the sites it fixes are
        those whose change would lift it to ``cutoff``.
        """
        saving = certificate.saving
        forced = lower > 0.5
        free = np.flatnonzero(~forced & (upper > 0.5))
        need = self.p - int(forced.sum())
        nothing = np.zeros(self.m, dtype=bool)
        if need < 0 or need > len(free):
            return DualBound(math.inf, nothing, nothing)
        ranked = free[np.argsort(-saving[free], kind="stable")]
        value = certificate.base - float(saving[forced].sum()) - float(saving[ranked[:need]].sum())
        close, force = nothing.copy(), nothing.copy()
        if 0 < need < len(free) and math.isfinite(cutoff):
            chosen, others = ranked[:need], ranked[need:]
            smallest_in, largest_out = saving[ranked[need - 1]], saving[ranked[need]]
            close[others[value + smallest_in - saving[others] >= cutoff]] = True
            force[chosen[value + saving[chosen] - largest_out >= cutoff]] = True
        return DualBound(value, close, force)
