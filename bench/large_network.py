"""Large networks: a 1-million-node synthetic road graph, its CSR export and a 100-origin matrix.

No province-size OSM extract ships with the product, so this measures on
:func:`geodata.synthetic.synthetic_road_network` (perturbed grid, removed streets, arterials and
motorways; see that module). It prints, for the project's path and for bare ``scipy.sparse.csgraph``
on the same CSR matrix in this process, the seconds and the memory of:

- building the network (tables, ``build_network`` cleaning) and its CSR export;
- 100 origins to every node (``travel_time_matrix``; the answer itself is 100 x 1M float64 = 800 MB);
- 100 origins to 1,000 destinations (``travel_time_matrix`` on csgraph keeps only the wanted columns of
  a few origins at a time, ``geodata.matrix.BLOCK_BYTES``; bare scipy holds all 100 full rows first),
  and on the contraction hierarchy (:mod:`geodata.cch`: its topology built and saved, or loaded from
  ``--cache DIR`` where an earlier run saved it, its metric customised, then the query).

Memory: ``peak MB`` is the tracemalloc peak of the step (numpy reports its buffers to tracemalloc);
``maxrss MB`` the process's peak resident set so far (``resource.getrusage``), which only grows.

``--part osm`` measures the OSM XML import instead: the same synthetic network written as an OSM XML
extract (plus ``--filler`` tagged points and buildings, as real extracts carry), read by the streaming
importer (:mod:`geodata.osm.xml`) and, on a smaller extract (``--osmnx-nodes``), by both it and the
OSMnx path (``geodata.osm.reference.read_xml_osmnx`` + ``network_from_graph``); each import runs in a fresh process,
whose peak resident set (``VmHWM``, Linux) is reported next to the same process's after imports only.
Run: ``.venv/bin/python bench/large_network.py [--part matrix|osm|all] [--nodes 1000000] [--origins 100]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import table  # noqa: E402
from geodata import cch  # noqa: E402
from geodata.matrix import travel_time_matrix  # noqa: E402
from geodata.network import build_network  # noqa: E402
from geodata.synthetic import synthetic_road_tables, write_osm_xml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

_IMPORT_IN_CHILD = """
import json, sys, time
from pathlib import Path
from geodata.network import network_from_graph
from geodata.osm.reference import read_xml_osmnx
from geodata.osm.xml import read_osm_xml_stream

def high_water_mb():  # VmHWM: peak resident set of this process image (reset by exec, unlike ru_maxrss)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

ready = high_water_mb()
start = time.perf_counter()
if sys.argv[2] == "stream":
    network = read_osm_xml_stream(sys.argv[1])
else:
    network = network_from_graph(read_xml_osmnx(Path(sys.argv[1]), "xml"))
print(json.dumps({"seconds": time.perf_counter() - start, "nodes": network.n_nodes, "edges": network.n_edges,
                  "ready_mb": ready, "maxrss_mb": high_water_mb()}))
"""


def import_in_child(path: Path, how: str) -> dict[str, Any]:
    """Import an extract in a fresh interpreter; its seconds, size and peak resident set."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_IN_CHILD, str(path), how],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def osm_part(args: argparse.Namespace) -> None:
    """Write synthetic OSM XML extracts and import them, streaming and (smaller) through OSMnx."""
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for n_nodes, methods in ((args.osmnx_nodes, ("osmnx", "stream")), (args.nodes, ("stream",))):
            nodes, edges = synthetic_road_tables(n_nodes, seed=args.seed)
            path = Path(folder) / f"synthetic-{n_nodes}.osm"
            size = write_osm_xml(nodes, edges, path, filler_nodes=int(args.filler * n_nodes), seed=args.seed)
            del nodes, edges
            for how in methods:
                got = import_in_child(path, how)
                rows.append(
                    [
                        f"{n_nodes} road nodes",
                        f"{size / 2**20:.0f}",
                        how,
                        got["seconds"],
                        got["nodes"],
                        got["edges"],
                        got["ready_mb"],
                        got["maxrss_mb"],
                        got["maxrss_mb"] - got["ready_mb"],
                    ]
                )
            path.unlink()
    table(
        [
            "extract",
            "file MB",
            "reader",
            "wall_s",
            "nodes",
            "edges",
            "RSS after imports MB",
            "peak RSS MB",
            "import added MB",
        ],
        rows,
    )


def measured(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Seconds and tracemalloc peak (MB) of one call, and its result."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def maxrss_mb() -> float:
    """Peak resident set of this process so far, MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    """Build the graph, run the matrices and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--origins", type=int, default=100)
    parser.add_argument("--destinations", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="processes for travel_time_matrix (default 1)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--part", choices=["matrix", "osm", "all"], default="matrix")
    parser.add_argument(
        "--osmnx-nodes", type=int, default=100_000, help="road nodes of the extract both read"
    )
    parser.add_argument("--filler", type=float, default=0.5, help="non-road points per road node in the XML")
    parser.add_argument("--cache", type=Path, default=None,
                        help="CCH topology cache folder (default: a new temporary one, so the topology is built)")
    args = parser.parse_args(argv)
    if args.part in ("osm", "all"):
        osm_part(args)
    if args.part == "osm":
        return

    rows: list[list[Any]] = []
    tables_s, tables_mb, tables = measured(lambda: synthetic_road_tables(args.nodes, seed=args.seed))
    rows.append(["synthetic tables", "", tables_s, "", tables_mb, maxrss_mb()])
    build_s, build_mb, network = measured(lambda: build_network("synthetic", *tables))
    tables = (None, None)  # let the raw tables go before the matrices
    rows.append(["build_network (cleaning)", "", build_s, "", build_mb, maxrss_mb()])
    csr_s, csr_mb, csr = measured(lambda: network.csr())
    rows.append(["CSR export (cached)", "", csr_s, "", csr_mb, maxrss_mb()])
    print(
        f"Synthetic road network: {network.n_nodes} nodes, {network.n_edges} directed edges "
        f"(asked {args.nodes}; {network.report.nodes_dropped} dropped by cleaning), CSR "
        f"{(csr.data.nbytes + csr.indices.nbytes + csr.indptr.nbytes) / 2**20:.0f} MB, "
        f"index dtype {csr.indices.dtype}"
    )

    rng = np.random.default_rng(args.seed)
    origins = rng.choice(network.n_nodes, args.origins, replace=False)
    destinations = rng.choice(network.n_nodes, args.destinations, replace=False)

    bare_s, bare_mb, bare = measured(lambda: dijkstra(csr, directed=True, indices=origins))
    rows.append([f"{args.origins} origins x all: bare scipy", "baseline", bare_s, 1.0, bare_mb, maxrss_mb()])
    ours_s, ours_mb, ours = measured(lambda: travel_time_matrix(network, origins, workers=args.workers))
    same = np.allclose(ours, bare, rtol=1e-9, atol=1e-6)
    rows.append(
        [
            f"{args.origins} origins x all: travel_time_matrix",
            f"workers={args.workers}",
            ours_s,
            ours_s / bare_s,
            ours_mb,
            maxrss_mb(),
        ]
    )
    del bare, ours

    def bare_subset() -> np.ndarray:
        return dijkstra(csr, directed=True, indices=origins)[:, destinations]

    sub_bare_s, sub_bare_mb, sub_bare = measured(bare_subset)
    rows.append(
        [
            f"{args.origins} x {args.destinations}: bare scipy",
            "baseline",
            sub_bare_s,
            1.0,
            sub_bare_mb,
            maxrss_mb(),
        ]
    )
    sub_s, sub_mb, sub = measured(
        lambda: travel_time_matrix(network, origins, destinations, workers=args.workers, engine="csgraph")
    )
    same_sub = np.allclose(sub, sub_bare, rtol=1e-9, atol=1e-6)
    rows.append(
        [
            f"{args.origins} x {args.destinations}: travel_time_matrix",
            "csgraph, blocked origins",
            sub_s,
            sub_s / sub_bare_s,
            sub_mb,
            maxrss_mb(),
        ]
    )
    cache = args.cache or Path(tempfile.mkdtemp(prefix="cch-"))
    saved = cch.topology_folder(network, cache).is_dir()
    topology_s, topology_mb, _ = measured(lambda: cch.hierarchy(network, cache_dir=cache))
    rows.append(["CCH topology", "loaded (saved earlier)" if saved else "built and saved", topology_s, "",
                 topology_mb, maxrss_mb()])
    metric_s, metric_mb, _ = measured(lambda: cch.metric(network, cache_dir=cache))
    rows.append(["CCH metric", "customised, 1 thread", metric_s, "", metric_mb, maxrss_mb()])
    fast_s, fast_mb, fast = measured(lambda: travel_time_matrix(network, origins, destinations, engine="cch"))
    rows.append([f"{args.origins} x {args.destinations}: travel_time_matrix", "cch, metric ready", fast_s,
                 fast_s / sub_bare_s, fast_mb, maxrss_mb()])
    table(["step", "variant", "wall_s", "ratio", "peak MB", "maxrss MB"], rows)
    print(
        f"same answers as bare scipy to 1e-6 s: all destinations {same}, subset {same_sub} (bare sums float "
        f"seconds, the project whole milliseconds); CCH equal to the project's csgraph to the millisecond: "
        f"{np.array_equal(fast, sub)}; CCH {sub_bare_s / fast_s:.2f}x faster than bare scipy; "
        f"{ours_s / args.origins * 1000:.0f} ms per origin; load average {os.getloadavg()[0]:.2f} "
        "(peak MB: tracemalloc, blind to RoutingKit's C++ heap; maxrss sees it)"
    )


if __name__ == "__main__":
    main()
