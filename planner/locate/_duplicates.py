"""Merge identical demand rows and identical site columns of a p-median cost matrix before the search.

Point sets often repeat a point (drilling files, geocoded addresses that fall on one building). Each
repeat gives the cost matrix an identical row and, with ``N = M``, an identical column. Identical rows
are one demand with the summed weight. Identical columns are worse than redundant: the LP may spread
a site's value over its copies, and branching on one copy changes nothing while the other takes its
place (a 20 x 20 grid with every point given twice, p = 10: 20.7 s where the grid alone with
weights 2 takes 4.4 s). Keeping one column per group loses nothing: in any solution a copy can be
swapped for its original at no cost, and when ``p`` exceeds the distinct columns the extra sites
change nothing. Existing (fixed) sites are always kept, and a copy of one is dropped.

Groups are found by an exact hash of each row's and each column's bytes (a sum of the cost bits times
random odd multipliers, modulo ``2**64``: no rounding), checked byte for byte within equal hashes.
Memory: one pass over the matrix in row chunks; the merged matrix is a new copy only when something
merges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Merged", "merge_duplicates"]

_CHUNK_ROWS = 256  # rows hashed at once (bounds the temporaries to 256 x m x 8 bytes)


@dataclass(frozen=True)
class Merged:
    """The cost matrix with one row and one column per group of identical ones.

    ``rows`` and ``columns`` are the original indices kept (the first of each group, a fixed site for
    a column group holding one); ``weights`` are the summed weights of each kept row's group;
    ``fixed`` the fixed sites as indices into ``columns``.
    """

    cost: np.ndarray
    weights: np.ndarray
    rows: np.ndarray
    columns: np.ndarray
    fixed: np.ndarray


def merge_duplicates(cost: np.ndarray, weights: np.ndarray, fixed: np.ndarray) -> Merged | None:
    """Merge identical rows (weights summed) and drop copies of columns; None when nothing repeats."""
    row_hash, column_hash = _hashes(cost)
    row_group = _groups(row_hash, lambda index: cost[index])
    column_group = _groups(column_hash, lambda index: cost[:, index].T)
    # A group's representative: a fixed site when it holds one; every fixed site stays.
    is_fixed = np.zeros(cost.shape[1], dtype=bool)
    is_fixed[fixed] = True
    keep_column = column_group == np.arange(cost.shape[1])
    keep_column[fixed] = True
    fixed_groups = np.unique(column_group[fixed])
    keep_column[np.isin(column_group, fixed_groups) & ~is_fixed] = False
    rows = np.flatnonzero(row_group == np.arange(cost.shape[0]))
    columns = np.flatnonzero(keep_column)
    if len(rows) == cost.shape[0] and len(columns) == cost.shape[1]:
        return None
    summed = np.bincount(np.searchsorted(rows, row_group), weights=weights, minlength=len(rows))
    return Merged(cost[np.ix_(rows, columns)], summed, rows, columns, np.searchsorted(columns, fixed))


def _hashes(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact hashes of every row's and every column's bytes (equal data, equal hash)."""
    n, m = cost.shape
    rng = np.random.default_rng(0)
    across = np.asarray(rng.integers(0, 2**63, size=m, dtype=np.uint64)) * 2 + 1  # odd: every bit counts
    down = np.asarray(rng.integers(0, 2**63, size=n, dtype=np.uint64)) * 2 + 1
    row_hash = np.empty(n, dtype=np.uint64)
    column_hash = np.zeros(m, dtype=np.uint64)
    for start in range(0, n, _CHUNK_ROWS):
        bits = np.ascontiguousarray(cost[start : start + _CHUNK_ROWS], dtype=np.float64).view(np.uint64)
        row_hash[start : start + len(bits)] = (bits * across).sum(axis=1, dtype=np.uint64)
        column_hash += (bits * down[start : start + len(bits), None]).sum(axis=0, dtype=np.uint64)
    return row_hash, column_hash


def _groups(hashes: np.ndarray, take: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """For each item, the smallest index of an item with identical data (``take(indices)`` gives their data)."""
    group = np.arange(len(hashes))
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    by_hash = np.split(np.argsort(inverse, kind="stable"), np.cumsum(counts)[:-1])
    for label in np.flatnonzero(counts > 1):
        members = by_hash[label]
        data = take(members)
        left = np.arange(len(members))
        while len(left) > 1:  # the first left and every member equal to it, byte for byte (hashes rarely collide)
            same = (data[left] == data[left[0]]).all(axis=1)
            group[members[left[same]]] = members[left[0]]
            left = left[~same]
    return group
