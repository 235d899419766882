"""Travel-time matrix on the Jinan network: 200 origins to all nodes.

Prints seconds for the project's path (``geodata.matrix.travel_time_matrix``: cold, with the CSR
export; warm, CSR cached; and with 2 worker processes), for a bare ``scipy.sparse.csgraph.dijkstra``
call on the same CSR matrix, and for a plain loop of ``networkx.single_source_dijkstra_path_length``,
all in this process, with the ratios, and the speed-up of 2 worker processes over one (single and
2-worker calls alternate, best of ``--repeat`` each, so a change in the machine's load hits both; the
load average is printed, since the machine may be shared). Run: ``.venv/bin/python bench/matrix.py
[--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import best_of, table  # noqa: E402
from geodata.matrix import travel_time_matrix  # noqa: E402
from geodata.network import read_network_csv  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "geodata" / "data" / "jinan"
N_ORIGINS = 200
REPEAT = 5


def alternate(first: Callable[[], Any], second: Callable[[], Any], repeat: int) -> tuple[float, float, Any, Any]:
    """Best wall seconds of ``first`` and of ``second``, run in turns ``repeat`` times, and their last results."""
    best = [float("inf"), float("inf")]
    results: list[Any] = [None, None]
    for _ in range(repeat):
        for k, fn in enumerate((first, second)):
            start = time.perf_counter()
            results[k] = fn()
            best[k] = min(best[k], time.perf_counter() - start)
    return best[0], best[1], results[0], results[1]


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs per contender (best is kept)")
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)
    print(f"cpus: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    network = read_network_csv(DATA / "nodes.csv", DATA / "edges.csv", name="jinan")
    origins = np.random.default_rng(42).choice(network.n_nodes, N_ORIGINS, replace=False)
    print(f"Jinan network: {network.n_nodes} nodes, {network.n_edges} edges; {N_ORIGINS} origins to all nodes")

    def cold_path() -> np.ndarray:
        network.clear_cache()
        return travel_time_matrix(network, origins)

    csr = network.csr()
    dijkstra(csr, directed=True, indices=origins)  # warm the allocator once for every contender
    bare_s, bare = best_of(lambda: dijkstra(csr, directed=True, indices=origins), repeat)
    cold_s, cold = best_of(cold_path, repeat)
    warm_s, two_s, warm, two = alternate(
        lambda: travel_time_matrix(network, origins), lambda: travel_time_matrix(network, origins, workers=2), repeat
    )
    bare_again_s, _ = best_of(lambda: dijkstra(csr, directed=True, indices=origins), repeat)
    bare_s = min(bare_s, bare_again_s)
    graph = network.graph
    ids = network.node_id
    start = time.perf_counter()
    loop = [nx.single_source_dijkstra_path_length(graph, int(ids[o]), weight="travel_time_s") for o in origins]
    networkx_s = time.perf_counter() - start

    sample = np.random.default_rng(1).choice(network.n_nodes, 500, replace=False)
    worst = max(abs(warm[i, j] - loop[i][int(ids[j])]) for i in range(0, N_ORIGINS, 20) for j in sample)
    assert np.array_equal(cold, warm) and np.array_equal(two, warm) and np.allclose(bare, warm)

    rows = [
        ["project, cold (CSR export included)", cold_s, cold_s / bare_s, networkx_s / cold_s],
        ["project, warm (CSR cached)", warm_s, warm_s / bare_s, networkx_s / warm_s],
        ["project, --workers 2", two_s, two_s / bare_s, networkx_s / two_s],
        ["bare scipy.sparse.csgraph.dijkstra", bare_s, 1.0, networkx_s / bare_s],
        ["networkx single_source loop", networkx_s, networkx_s / bare_s, 1.0],
    ]
    table(["path", "seconds", "x bare csgraph", "speed-up vs networkx"], rows)
    print(f"largest difference to networkx on a sample: {worst:.2e} s")
    print(
        f"2 worker processes vs 1 (warm): {warm_s / two_s:.2f}x; load average at end: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
