"""Lagrangian branch-and-bound for the uncapacitated p-median on a (reduced) candidate set.

Relaxing the assignment constraints ``sum_j x_ij = 1`` with multipliers ``lam_i`` leaves, for each
site, the value ``rho_j = sum_i min(0, c_ij - lam_i)`` (the saving of opening ``j``); the bound is
``sum_i lam_i`` plus the ``p`` most negative ``rho_j`` (forced-open sites always counted, closed ones
never). The multipliers are improved by subgradient steps (Held-Karp / Polyak step towards the
incumbent). Because the subproblem has the integrality property, the best bound equals the LP bound of
the strong formulation, but it is computed with a few numpy operations per step and, more usefully,
re-optimised cheaply after branching.

Each node fixes sites by Lagrangian reduced costs (a site whose opening, or closing, lifts the bound past
the incumbent is closed, or opened, for the whole subtree), then branches on an open site of the
Lagrangian solution: open first, then closed, depth first. Every node's Lagrangian solution is a set of
``p`` sites and is evaluated as a primal candidate. The search is exact: it stops with ``proven=True``
only when every node was pruned by its bound; on the deadline it returns the smallest bound among the
unexplored nodes, which is a valid lower bound for the whole problem.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["BranchOutcome", "lagrangian_branch_and_bound"]


@dataclass(frozen=True)
class BranchOutcome:
    """Best selection (column indices), its value, a valid lower bound, and whether it is proven optimal."""

    selected: np.ndarray
    value: float
    bound: float
    proven: bool
    nodes: int


@dataclass
class _Node:
    opened: np.ndarray  # bool mask, forced open
    closed: np.ndarray  # bool mask, forced closed
    lam: np.ndarray
    parent_bound: float


def lagrangian_branch_and_bound(
    wcost: np.ndarray,
    p: int,
    fixed: np.ndarray,
    incumbent: np.ndarray,
    upper: float,
    tolerance: float,
    deadline: float,
) -> BranchOutcome:
    """Minimise ``sum_i min_{j in S} wcost[i, j]`` over ``|S| = p``, ``fixed`` in ``S``.

    ``wcost`` must be finite (rows x candidate columns, weights already multiplied in). ``incumbent``
    is a feasible selection of value ``upper``. A node is pruned when ``upper - bound <= tolerance``
    (``tolerance`` just under 1 for integral data, so only strictly better integral values are sought).
    ``deadline`` is a ``time.perf_counter()`` instant.
    """
    n, k = wcost.shape
    best_sel = np.sort(np.asarray(incumbent, dtype=np.int64))
    best_val = float(upper)
    opened = np.zeros(k, dtype=bool)
    opened[fixed] = True
    root = _Node(opened, np.zeros(k, dtype=bool), wcost[:, best_sel].min(axis=1).astype(np.float64), -math.inf)
    stack = [root]
    nodes = 0
    first = True
    while stack:
        if time.perf_counter() > deadline:
            pending = min(node.parent_bound for node in stack)
            return BranchOutcome(best_sel, best_val, min(best_val, pending), False, nodes)
        node = stack.pop()
        if best_val - node.parent_bound <= tolerance:
            continue
        nodes += 1
        iterations, theta = (3000, 2.0) if first else (150, 0.5)
        bound, lam, rho, _, candidates = _node_bound(wcost, p, node, best_val, tolerance, iterations, theta, deadline)
        first = False
        for candidate in candidates:
            value = float(wcost[:, candidate].min(axis=1).sum())
            if value < best_val - 1e-9:
                best_val, best_sel = value, np.sort(candidate)
        if best_val - bound <= tolerance:
            continue
        opened, closed = node.opened.copy(), node.closed.copy()
        free = ~opened & ~closed
        need = p - int(opened.sum())
        # Lagrangian reduced-cost fixing against the (possibly improved) incumbent.
        free_idx = np.flatnonzero(free)
        if need > 0 and len(free_idx) > need:
            order = free_idx[np.argsort(rho[free_idx], kind="stable")]
            last_in, first_out = rho[order[need - 1]], rho[order[need]]
            chosen_free = order[:need]
            outside = order[need:]
            close = outside[bound + rho[outside] - last_in >= best_val - tolerance]
            force = chosen_free[bound - rho[chosen_free] + first_out >= best_val - tolerance]
            closed[close] = True
            opened[force] = True
            free = ~opened & ~closed
            need = p - int(opened.sum())
        free_idx = np.flatnonzero(free)
        if need < 0 or len(free_idx) < need:
            continue
        if need == 0 or len(free_idx) == need:
            leaf = np.flatnonzero(opened | (free if need else np.zeros(k, dtype=bool)))
            value = float(wcost[:, leaf].min(axis=1).sum())
            if value < best_val - 1e-9:
                best_val, best_sel = value, np.sort(leaf)
            continue
        # Branch on the chosen free site whose closing would lift the bound the most.
        order = free_idx[np.argsort(rho[free_idx], kind="stable")]
        chosen_free = order[:need]
        site = int(chosen_free[np.argmin(rho[chosen_free])])
        closed_child = closed.copy()
        closed_child[site] = True
        opened_child = opened.copy()
        opened_child[site] = True
        stack.append(_Node(opened.copy(), closed_child, lam, bound))
        stack.append(_Node(opened_child, closed.copy(), lam, bound))
    return BranchOutcome(best_sel, best_val, best_val, True, nodes)


def _node_bound(
    wcost: np.ndarray,
    p: int,
    node: _Node,
    upper: float,
    tolerance: float,
    iterations: int,
    theta: float,
    deadline: float,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Subgradient ascent on the node's Lagrangian dual; best bound, its multipliers, rho and selection."""
    opened, closed = node.opened, node.closed
    open_idx = np.flatnonzero(opened)
    free_idx = np.flatnonzero(~opened & ~closed)
    need = p - len(open_idx)
    lam = node.lam.copy()
    best = -math.inf
    best_lam, best_rho, best_sel = lam, np.zeros(wcost.shape[1]), open_idx
    candidates: list[np.ndarray] = []
    stall = 0
    target = upper
    for iteration in range(iterations):
        rho = np.minimum(wcost - lam[:, None], 0.0).sum(axis=0)
        if need > 0 and len(free_idx) >= need:
            part = free_idx[np.argpartition(rho[free_idx], need - 1)[:need]] if len(free_idx) > need else free_idx
            selection = np.concatenate([open_idx, part])
        else:
            selection = open_idx
        value = float(lam.sum() + rho[selection].sum())
        if value > best + 1e-9:
            best, best_lam, best_rho, best_sel = value, lam.copy(), rho, selection
            stall = 0
        else:
            stall += 1
            if stall >= 15:
                theta *= 0.5
                stall = 0
        if upper - best <= tolerance or theta < 1e-3:
            break
        covered = (wcost[:, selection] < lam[:, None]).sum(axis=1)
        gradient = 1.0 - covered
        norm = float(gradient @ gradient)
        if norm == 0.0:
            break
        if iteration % 10 == 0:
            candidates.append(selection.copy())
            if time.perf_counter() > deadline:
                break
        lam = lam + theta * (target - value) / norm * gradient
    candidates.append(best_sel.copy())
    return best, best_lam, best_rho, best_sel, candidates
