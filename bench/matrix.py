"""Travel-time matrix on the Jinan network: 200 origins to all nodes.

Prints seconds for the project's path (``geodata.matrix.travel_time_matrix``: cold, with the CSR
export; warm, CSR cached; and with 2 worker processes), for a bare ``scipy.sparse.csgraph.dijkstra``
call on the same CSR matrix, and for a plain loop of ``networkx.single_source_dijkstra_path_length``,
all in this process, with the ratios, and the speed-up of 2 worker processes over one (the first
call forks the worker, later ones reuse it: both are printed; single and 2-worker calls alternate,
best of ``--repeat`` each, so a change in the machine's load hits both; the load average is printed,
since the machine may be shared). Then 200 origins to 2,000 destinations
(bases x sites, teams x incidents): the contraction-hierarchy engine (``engine="cch"``, its metric
customised once), csgraph through the project and bare, with ratios and a check that all agree exactly.
Run: ``.venv/bin/python bench/matrix.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import best_of, table  # noqa: E402
from geodata import cch  # noqa: E402
from geodata.matrix import travel_time_matrix  # noqa: E402
from geodata.network import read_network_csv  # noqa: E402
from geodata.rowpool import close_pool  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "geodata" / "data" / "jinan"
N_ORIGINS = 200
N_DESTINATIONS = 2000
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
    close_pool()
    start = time.perf_counter()
    travel_time_matrix(network, origins, workers=2)
    first_two_s = time.perf_counter() - start
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
        ["project, --workers 2, first call (fork included)", first_two_s, first_two_s / bare_s,
         networkx_s / first_two_s],
        ["project, --workers 2 (processes kept)", two_s, two_s / bare_s, networkx_s / two_s],
        ["bare scipy.sparse.csgraph.dijkstra", bare_s, 1.0, networkx_s / bare_s],
        ["networkx single_source loop", networkx_s, networkx_s / bare_s, 1.0],
    ]
    table(["path", "seconds", "x bare csgraph", "speed-up vs networkx"], rows)
    print(f"largest difference to networkx on a sample: {worst:.2e} s")
    print(
        f"2 worker processes vs 1 (warm): {warm_s / two_s:.2f}x; load average at end: {os.getloadavg()[0]:.2f}"
    )
    many_to_many(network, origins, repeat)


def many_to_many(network: Any, origins: np.ndarray, repeat: int) -> None:
    """200 origins x 2,000 destinations: CCH against csgraph (the project's and bare), same millisecond sums."""
    destinations = np.random.default_rng(7).choice(network.n_nodes, N_DESTINATIONS, replace=False)
    csr_ms = network.csr("travel_time_ms")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        cch.metric(network, cache_dir=Path(folder))  # topology built and saved, metric customised: once per network
        prepare_s = time.perf_counter() - start
        cch_s, fast = best_of(lambda: cch.cch_matrix(network, origins, destinations, cache_dir=Path(folder)), repeat)
    project_s, slow = best_of(lambda: travel_time_matrix(network, origins, destinations, engine="csgraph"), repeat)
    bare_s, bare = best_of(lambda: dijkstra(csr_ms, directed=True, indices=origins)[:, destinations], repeat)
    assert np.array_equal(fast, slow) and np.array_equal(fast, bare / 1000.0)
    print(f"\n{N_ORIGINS} origins x {N_DESTINATIONS} destinations (answers equal to the millisecond):")
    table(["path", "seconds", "speed-up vs bare csgraph"], [
        ["CCH many-to-many (metric ready)", cch_s, bare_s / cch_s],
        ["project csgraph (engine=csgraph)", project_s, bare_s / project_s],
        ["bare scipy.sparse.csgraph.dijkstra", bare_s, 1.0],
        ["CCH topology (built, saved) + metric, once per network", prepare_s, bare_s / prepare_s],
    ])


if __name__ == "__main__":
    main()
