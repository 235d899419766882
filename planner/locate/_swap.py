"""Greedy construction and fast-interchange local search for the p-median problem, in numpy.

The interchange is Whitaker's (1983) fast interchange with the gain/loss/extra decomposition of
Resende & Werneck (2007), "A fast swap-based local search procedure for location problems",
Annals of Operations Research 150: 205-230. For the current solution keep, per demand point,
the nearest open site ``phi1`` at cost ``d1`` and the second-nearest cost ``d2``. Opening site ``j``
and closing site ``r`` then saves

    profit(r, j) = gain(j) - loss(r) + extra(r, j)
    gain(j)      = sum_i w_i max(0, d1_i - c_ij)
    loss(r)      = sum_{i: phi1_i = r} w_i (d2_i - d1_i)
    extra(r, j)  = sum_{i: phi1_i = r} w_i max(0, d2_i - max(c_ij, d1_i))

so every one of the ``p x m`` swaps is priced by one pass over the ``n x m`` matrix. The best
improving swap is applied until none improves (best-improvement hill climbing to a local optimum).
Unreachable pairs must be replaced by a large finite cost before calling these functions.

:func:`sorted_interchange` is the same search on each row's sites in increasing cost order: only the
sites closer to a row than its second-nearest open site enter ``gain`` and ``extra``, so a swap round
costs about ``n x (2 m / p)`` instead of several passes over the ``n x m`` matrix (fl1400, p = 200:
about 14 sites per row instead of 1,400).
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.sparse import csr_matrix

__all__ = ["greedy", "fast_interchange", "nearest_two", "sorted_interchange"]

_ENTRIES_PER_BLOCK = 2_000_000  # (row, site) pairs priced at once by sorted_interchange (memory ~ 100 MB)


def nearest_two(cost: np.ndarray, selected: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, per demand row, the position in ``selected`` of the nearest site, its cost and the second cost.

    With one open site the second cost is a finite stand-in above every cost, so the swap formulas
    stay exact (``profit = d1 - c_ij``) without ``inf - inf``.
    """
    sub = cost[:, selected]
    if len(selected) == 1:
        beyond = 2.0 * float(cost.max()) + 1.0
        return np.zeros(len(cost), dtype=np.int64), sub[:, 0].copy(), np.full(len(cost), beyond)
    two = np.argpartition(sub, 1, axis=1)[:, :2]
    a = np.take_along_axis(sub, two, axis=1)
    first = a[:, 0] <= a[:, 1]
    phi1 = np.where(first, two[:, 0], two[:, 1])
    d1 = np.where(first, a[:, 0], a[:, 1])
    d2 = np.where(first, a[:, 1], a[:, 0])
    return phi1, d1, d2


def greedy(cost: np.ndarray, weights: np.ndarray, p: int, fixed: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Open the ``fixed`` sites, then add the allowed site that saves the most until ``p`` are open."""
    selected = list(int(j) for j in fixed)
    d1 = cost[:, selected].min(axis=1) if selected else np.full(len(cost), np.inf)
    open_mask = np.zeros(cost.shape[1], dtype=bool)
    open_mask[selected] = True
    big = np.where(np.isfinite(d1), d1, 2.0 * float(cost.max()) + 1.0)
    while len(selected) < p:
        saving = weights @ np.maximum(big[:, None] - cost, 0.0)
        saving[~allowed | open_mask] = -np.inf
        j = int(np.argmax(saving))
        selected.append(j)
        open_mask[j] = True
        big = np.minimum(big, cost[:, j])
    return np.array(sorted(selected), dtype=np.int64)


def fast_interchange(
    cost: np.ndarray,
    weights: np.ndarray,
    selected: np.ndarray,
    fixed: np.ndarray,
    allowed: np.ndarray,
    *,
    max_iterations: int = 100_000,
) -> np.ndarray:
    """Apply the best improving swap until none improves; return the locally optimal sites (sorted).

    Parameters
    ----------
    cost
        Finite ``n x m`` cost matrix.
    weights
        Demand weights, length ``n``.
    selected
        Starting open sites, column indices.
    fixed
        Sites that must stay open (never swapped out).
    allowed
        Boolean mask of length ``m``: sites that may be opened.
    max_iterations
        Safety cap on the number of swaps.

    """
    n, m = cost.shape
    selected = np.array(selected, dtype=np.int64)
    p = len(selected)
    if p >= m or p == len(fixed):
        return np.sort(selected)
    fixed_mask = np.zeros(m, dtype=bool)
    fixed_mask[np.asarray(fixed, dtype=np.int64)] = True
    rows = np.arange(n)
    total = float(weights.sum())
    tolerance = 1e-9 * max(1.0, total * float(cost.max()))
    for _ in range(max_iterations):
        phi1, d1, d2 = nearest_two(cost, selected)
        gain = weights @ np.maximum(d1[:, None] - cost, 0.0)
        loss = np.bincount(phi1, weights=weights * (d2 - d1), minlength=p)
        extra_rows = weights[:, None] * np.maximum(d2[:, None] - np.maximum(cost, d1[:, None]), 0.0)
        owner = csr_matrix((np.ones(n), (phi1, rows)), shape=(p, n))
        profit = np.asarray(owner @ extra_rows) + gain[None, :] - loss[:, None]
        swap = _best_swap(profit, selected, allowed, fixed_mask, tolerance)
        if swap is None:
            break
        selected[swap[0]] = swap[1]
    return np.sort(selected)


def sorted_interchange(
    cost: np.ndarray,
    order: np.ndarray,
    sorted_costs: np.ndarray,
    weights: np.ndarray,
    selected: np.ndarray,
    fixed: np.ndarray,
    allowed: np.ndarray,
    *,
    max_iterations: int = 100_000,
    block: int = _ENTRIES_PER_BLOCK,
    deadline: float = math.inf,
) -> np.ndarray:
    """Fast interchange priced on sorted rows; the same local optimum rule as :func:`fast_interchange`.

    Parameters
    ----------
    cost
        Finite ``n x m`` cost matrix.
    order, sorted_costs
        Per row, site indices in increasing cost order and their costs (``n x W``), ``W >= m - p + 2``
        so that every row's two nearest open sites lie within its first ``W`` sites.
    weights, selected, fixed, allowed
        As in :func:`fast_interchange`; ``selected`` holds at least two sites.
    max_iterations
        Safety cap on the number of swaps.
    block
        (row, site) pairs priced at once: rows are taken in blocks of about this many, so that small
        ``p`` (many sites nearer than the second-nearest open one) never holds them all in memory.
    deadline
        A ``time.perf_counter()`` instant after which no further swap is priced (the result is then
        improved but not necessarily a local optimum).

    """
    n, m = cost.shape
    selected = np.array(selected, dtype=np.int64)
    p = len(selected)
    if p >= m or p == len(fixed):
        return np.sort(selected)
    if p < 2 or sorted_costs.shape[1] < min(m, m - p + 2):
        raise ValueError(f"sorted rows of width {sorted_costs.shape[1]} cannot price swaps of p={p} of m={m} sites")
    fixed_mask = np.zeros(m, dtype=bool)
    fixed_mask[np.asarray(fixed, dtype=np.int64)] = True
    tolerance = 1e-9 * max(1.0, float(weights.sum()) * float(cost.max()))
    for _ in range(max_iterations):
        if time.perf_counter() > deadline:
            break
        phi1, d1, d2 = nearest_two(cost, selected)
        counts = _count_below(sorted_costs, d2)
        gain, extra = np.zeros(m), np.zeros(p * m)
        for rows in _blocks(counts, block):
            _add_prices(rows, counts[rows], order, sorted_costs, weights, phi1, d1, d2, gain, extra)
        loss = np.bincount(phi1, weights=weights * (d2 - d1), minlength=p)
        profit = extra.reshape(p, m) + gain[None, :] - loss[:, None]
        swap = _best_swap(profit, selected, allowed, fixed_mask, tolerance)
        if swap is None:
            break
        selected[swap[0]] = swap[1]
    return np.sort(selected)


def _best_swap(profit: np.ndarray, selected: np.ndarray, allowed: np.ndarray, fixed_mask: np.ndarray,
               tolerance: float) -> tuple[int, int] | None:
    """Return ``(position in selected, site)`` of the most profitable allowed swap, or None when none gains.

    ``profit[r, j]`` is the gain of closing ``selected[r]`` and opening ``j``; open, disallowed and fixed
    sites are never swapped.
    """
    open_mask = np.zeros(profit.shape[1], dtype=bool)
    open_mask[selected] = True
    profit[:, open_mask | ~allowed] = -np.inf
    profit[fixed_mask[selected], :] = -np.inf
    r, j = np.unravel_index(int(np.argmax(profit)), profit.shape)
    return (int(r), int(j)) if profit[r, j] > tolerance else None


def _blocks(counts: np.ndarray, size: int) -> list[np.ndarray]:
    """Split the rows into consecutive blocks holding about ``size`` entries each (at least one row)."""
    ends = np.cumsum(counts)
    cuts = np.searchsorted(ends, np.arange(size, int(ends[-1]) if len(ends) else 0, size), side="right")
    return [block for block in np.split(np.arange(len(counts)), np.unique(cuts)) if len(block)]


def _add_prices(
    rows: np.ndarray, counts: np.ndarray, order: np.ndarray, sorted_costs: np.ndarray, weights: np.ndarray,
    phi1: np.ndarray, d1: np.ndarray, d2: np.ndarray, gain: np.ndarray, extra: np.ndarray,
) -> None:
    """Add the given rows' share of ``gain`` (per site) and ``extra`` (per open position x site, flat)."""
    m = len(gain)
    # Entries (row, site) with the site closer than the row's second-nearest open site, row by row.
    entry_row = np.repeat(rows, counts)
    entry_pos = np.arange(len(entry_row)) - np.repeat(np.cumsum(counts) - counts, counts)
    site = order[entry_row, entry_pos]
    c = sorted_costs[entry_row, entry_pos]
    w, near, second = weights[entry_row], d1[entry_row], d2[entry_row]
    closer = c < near
    gain += np.bincount(site[closer], weights=(w * (near - c))[closer], minlength=m)
    extra += np.bincount(phi1[entry_row] * m + site, weights=w * (second - np.maximum(c, near)),
                         minlength=len(extra))


def _count_below(sorted_costs: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Per row, how many of its increasing costs are below ``limit`` (a binary search on every row at once)."""
    n, width = sorted_costs.shape
    rows = np.arange(n)
    low, high = np.zeros(n, dtype=np.int64), np.full(n, width, dtype=np.int64)
    while True:
        active = low < high
        if not active.any():
            return low
        middle = (low + high) // 2
        below = active & (sorted_costs[rows, np.minimum(middle, width - 1)] < limit)
        low = np.where(below, middle + 1, low)
        high = np.where(active & ~below, middle, high)
