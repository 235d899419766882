"""Travel-time matrix on the Jinan network: 200 origins to all nodes.

Prints seconds for the project's path (``geodata.matrix.travel_time_matrix``: cold, with the CSR
export; warm, CSR cached; and with 2 worker processes), for a bare ``scipy.sparse.csgraph.dijkstra``
call on the same CSR matrix, and for a plain loop of ``networkx.single_source_dijkstra_path_length``,
all in this process, with the ratios. Run: ``.venv/bin/python bench/matrix.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

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


def main() -> None:
    """Run the comparison and print the table."""
    network = read_network_csv(DATA / "nodes.csv", DATA / "edges.csv", name="jinan")
    origins = np.random.default_rng(42).choice(network.n_nodes, N_ORIGINS, replace=False)
    print(f"Jinan network: {network.n_nodes} nodes, {network.n_edges} edges; {N_ORIGINS} origins to all nodes")

    def cold_path() -> np.ndarray:
        network.clear_cache()
        return travel_time_matrix(network, origins)

    csr = network.csr()
    dijkstra(csr, directed=True, indices=origins)  # warm the allocator once for every contender
    bare_s, bare = best_of(lambda: dijkstra(csr, directed=True, indices=origins), REPEAT)
    cold_s, cold = best_of(cold_path, REPEAT)
    warm_s, warm = best_of(lambda: travel_time_matrix(network, origins), REPEAT)
    two_s, two = best_of(lambda: travel_time_matrix(network, origins, workers=2), REPEAT)
    bare_again_s, _ = best_of(lambda: dijkstra(csr, directed=True, indices=origins), REPEAT)
    bare_s = min(bare_s, bare_again_s)
    graph = network.graph
    ids = network.node_id
    start = time.perf_counter()
    loop = [nx.single_source_dijkstra_path_length(graph, int(ids[o]), weight="travel_time_s") for o in origins]
    networkx_s = time.perf_counter() - start

    sample = np.random.default_rng(1).choice(network.n_nodes, 500, replace=False)
    worst = max(abs(warm[i, j] - loop[i][int(ids[j])]) for i in range(0, N_ORIGINS, 20) for j in sample)
    assert np.array_equal(cold, warm) and np.allclose(two, warm) and np.allclose(bare, warm)

    rows = [
        ["project, cold (CSR export included)", cold_s, cold_s / bare_s, networkx_s / cold_s],
        ["project, warm (CSR cached)", warm_s, warm_s / bare_s, networkx_s / warm_s],
        ["project, --workers 2", two_s, two_s / bare_s, networkx_s / two_s],
        ["bare scipy.sparse.csgraph.dijkstra", bare_s, 1.0, networkx_s / bare_s],
        ["networkx single_source loop", networkx_s, networkx_s / bare_s, 1.0],
    ]
    table(["path", "seconds", "x bare csgraph", "speed-up vs networkx"], rows)
    print(f"largest difference to networkx on a sample: {worst:.2e} s")


if __name__ == "__main__":
    main()
