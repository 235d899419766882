"""Read OR-Library uncapacitated p-median instances (``pmed1.txt`` ... ``pmed40.txt``) into a cost matrix.

Format (J.E. Beasley, OR-Library, "p-median - uncapacitated"): the first line holds ``n m p``; then
``m`` lines ``i j cost`` give the edges of an undirected graph on nodes ``1..n``. OR-Library's rule
sets ``c(i,j) = c(j,i) = cost`` for each edge line in turn, so a repeated edge keeps the cost of its
LAST line (not the minimum, not the sum); ``c(i,i) = 0``; then the shortest path between every pair
of nodes is the cost. Every node is both a demand point of weight 1 and a candidate site.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from planner.errors import InputError

__all__ = ["read_orlib_pmedian"]


def read_orlib_pmedian(path: str | Path) -> tuple[np.ndarray, int]:
    """Read an OR-Library p-median file and return the all-pairs shortest-path cost matrix and ``p``.

    Duplicate edge lines follow OR-Library's rule (the last line wins) before the shortest paths are
    computed with Dijkstra (``scipy.sparse.csgraph``). Nodes the graph does not connect get
    ``np.inf``.

    Parameters
    ----------
    path
        The instance file.

    Returns
    -------
    cost, p
        ``cost[i, j]`` is the shortest-path distance from node ``i + 1`` to node ``j + 1`` (float,
        ``n x n``); ``p`` is the number of medians to locate.

    Raises
    ------
    InputError
        If the file is missing, a line is not three integers, a node number is outside ``1..n``,
        a cost is negative, ``p`` is not in ``1..n``, or there are fewer edge lines than ``m``.

    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}", field="path", record=str(path)) from error
    lines = [(number, line.split()) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, fields) for number, fields in lines if fields]
    if not lines:
        raise InputError(f"{path}: empty file, expected 'n m p' on line 1", field="header", record=str(path))
    header_line, header = lines[0]
    n, m, p = _integers(path, header_line, header, "header 'n m p'")
    if n < 1 or m < 0:
        raise InputError(f"{path} line {header_line}: n={n}, m={m}: need n >= 1 and m >= 0", field="header")
    if not 1 <= p <= n:
        raise InputError(f"{path} line {header_line}: p={p} is not in 1..n={n}", field="p", record=str(path))
    edges = lines[1 : m + 1]
    if len(edges) < m:
        raise InputError(
            f"{path}: header announces m={m} edges but the file has {len(edges)} edge lines",
            field="m",
            record=str(path),
        )
    # Last line wins: keep, for each unordered pair, the cost of the latest line naming it.
    last_cost: dict[tuple[int, int], int] = {}
    for number, fields in edges:
        i, j, cost = _integers(path, number, fields, "edge 'i j cost'")
        for node in (i, j):
            if not 1 <= node <= n:
                raise InputError(f"{path} line {number}: node {node} is not in 1..{n}", field="node")
        if cost < 0:
            raise InputError(f"{path} line {number}: cost {cost} < 0", field="cost", record=str(path))
        if i != j:
            last_cost[(min(i, j), max(i, j))] = cost
    return _all_pairs(n, last_cost), p


def _integers(path: Path, number: int, fields: list[str], what: str) -> tuple[int, int, int]:
    """Parse exactly three integers or raise an InputError naming file, line and expectation."""
    if len(fields) != 3:
        raise InputError(f"{path} line {number}: expected {what}, got {' '.join(fields)!r}", field=what)
    try:
        a, b, c = (int(field) for field in fields)
    except ValueError:
        raise InputError(
            f"{path} line {number}: expected {what} as integers, got {' '.join(fields)!r}", field=what
        ) from None
    return a, b, c


def _all_pairs(n: int, last_cost: dict[tuple[int, int], int]) -> np.ndarray:
    """All-pairs shortest paths of the undirected graph with one cost per deduplicated edge."""
    if not last_cost:
        unconnected = np.full((n, n), np.inf)
        np.fill_diagonal(unconnected, 0.0)
        return unconnected
    pairs = np.array(list(last_cost.keys()), dtype=np.int64) - 1
    weights = np.array(list(last_cost.values()), dtype=np.float64)
    # Zero-cost edges would vanish from a sparse matrix; a tiny positive stand-in keeps them, and the
    # rounding below restores the integer distance.
    weights = np.where(weights == 0, 1e-9, weights)
    graph = csr_matrix((weights, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    cost: np.ndarray = shortest_path(graph, method="D", directed=False)
    finite = np.isfinite(cost)
    cost[finite] = np.round(cost[finite])
    return cost
