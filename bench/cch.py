"""Contraction hierarchies (RoutingKit CCH, via pyroutingkit) against the project's csgraph path and networkx.

For the Jinan network and the 1-million-node synthetic graph (:mod:`geodata.synthetic`) it prints, each
in this process with the ratio to bare ``scipy.sparse.csgraph.dijkstra`` on the same integer-millisecond
CSR matrix (the exact reference: every CCH answer is checked equal to it):

- the topology (node order and contraction: built and saved, or loaded as saved by an earlier
  process), its loading from disk as a second process does it, and a metric's customisation (single
  threaded as the product runs it, and on 2 threads, printed apart), each with its peak memory:
  tracemalloc's (numpy's buffers) and the peak resident set above the step's start (``VmHWM`` reset
  before the step: it sees RoutingKit's C++ heap, which tracemalloc does not);
- ``O`` origins x ``D`` destinations: CCH many-to-many, csgraph (the project's ``travel_time_matrix``
  with ``engine="csgraph"``) and networkx single-source Dijkstra (Jinan only);
- ``O`` origins to every node (one-to-all: where csgraph is expected to win);
- a closure of 1 % of the edges followed by ``O`` x ``D``: rebuilding the CSR and running csgraph,
  against customising a new CCH metric and querying it (what :func:`geodata.matrix.travel_time_matrix`
  chooses between).

The scenario part (Jinan end to end) times coverage under a new drawn closure and a 10,000-incident
sweep with matrices on csgraph only and with the engine chosen per query, in this process; and the same
sweep by the code before issue 14 (``--baseline REV``, default the commit before the roads work) against
the code of this tree, each in its own fresh process, the two alternated ``--pairs`` times so that a
shared machine's load falls on both: the ratio printed is of the two sides' best times.

Run: ``.venv/bin/python bench/cch.py [--part jinan|large|scenario|all] [--nodes 1000000] [--origins 200]
[--destinations 2000]``; the topology cache goes to a temporary folder unless ``--cache DIR`` (give the same
folder twice: the second process loads the topology the first one built and saved). Every query is single
threaded, like csgraph's; only the 2-thread customisation row uses a second core. The load average is
printed with each table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import networkx as nx
import numpy as np
import pyroutingkit
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import planner.roads.closures  # noqa: E402, F401  (registers the closures document read with the scenario)
from bench._common import best_of, table  # noqa: E402
from geodata import cch, matrix  # noqa: E402
from geodata.matrix import travel_time_matrix  # noqa: E402
from geodata.network import RoadNetwork, build_network, read_network_csv  # noqa: E402
from geodata.synthetic import synthetic_road_tables  # noqa: E402
from planner.coverage import verdict  # noqa: E402
from planner.coverage.verdict import coverage  # noqa: E402
from planner.dispatch.requests import incident_library  # noqa: E402
from planner.roads.conditions import travel_network  # noqa: E402
from planner.store.settings import read_folder  # noqa: E402
from planner.sweep.engine import sweep  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "geodata" / "data" / "jinan"
BASELINE = "5cd9b43"
"""The commit before issue 14's roads work (csgraph matrices, the per-incident sweep loop)."""

TIMED_SWEEP = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from planner.coverage.verdict import coverage
from planner.dispatch.requests import incident_library
from planner.scenario.files import read_scenario
from planner.sweep.engine import sweep
scenario = read_scenario("jinan")
coverage(scenario)
incident_library()
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    result = sweep(scenario, int(sys.argv[2]), seed=1)
    times.append(time.perf_counter() - start)
teams = int(result.records.sent.shape[1])
print(json.dumps({"seconds": min(times), "counted": result.summary["counted"], "teams": teams}))
"""
"""A fresh process timing the sweep of a tree (argv: tree, incidents, runs), model included, after warming."""


def rss_mb(field: str = "VmRSS") -> float:
    """Resident set size now (``VmHWM``: its peak since the last reset), MB (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


PEAKS_BEFORE_RESET: list[float] = []
"""``VmHWM`` before each reset: the process's peak is the largest of these and the current one."""


def reset_peak_rss() -> None:
    """Reset ``VmHWM`` to the current resident set (Linux: ``5`` to ``/proc/self/clear_refs``), keeping the old peak."""
    PEAKS_BEFORE_RESET.append(rss_mb("VmHWM"))
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
        handle.write("5")


def process_peak_mb() -> float:
    """Peak resident set of this process so far, MB, across the resets."""
    return max([rss_mb("VmHWM"), *PEAKS_BEFORE_RESET])


def load() -> str:
    """Return the 1-minute load average as text, for the tables (the machine may be shared)."""
    return f"load average {os.getloadavg()[0]:.2f}"


def measured(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, float, float, Any]:
    """Best seconds of ``repeat`` plain runs, then tracemalloc peak MB and peak RSS above the start MB of one more.

    Timing runs without tracemalloc (it slows every Python allocation); the memory run is separate.
    """
    seconds, result = best_of(fn, repeat)
    result = None
    tracemalloc.start()
    reset_peak_rss()
    before = rss_mb()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, rss_mb("VmHWM") - before, result


def reference(network: RoadNetwork, origins: np.ndarray, destinations: np.ndarray | None) -> np.ndarray:
    """Bare csgraph on the integer-millisecond CSR, in seconds: the exact reference."""
    costs = dijkstra(network.csr("travel_time_ms"), directed=True, indices=origins)
    return (costs if destinations is None else costs[:, destinations]) / 1000.0


def run(name: str, network: RoadNetwork, args: argparse.Namespace, cache: Path, *, with_networkx: bool) -> None:
    """Measure one network and print its table."""
    rng = np.random.default_rng(7)
    origins = rng.choice(network.n_nodes, args.origins, replace=False)
    destinations = rng.choice(network.n_nodes, args.destinations, replace=False)
    print(f"\n{name}: {network.n_nodes} nodes, {network.n_edges} edges; {args.origins} x {args.destinations}")
    network.csr("travel_time_ms")

    earlier = cch.topology_folder(network, cache).is_dir()  # saved by an earlier process
    start = time.perf_counter()
    cch.node_order(network, cache_dir=cache)  # built once and saved with its topology, unless already there
    order_s = time.perf_counter() - start
    build_s, build_mb, build_rss, _ = measured(lambda: cch.hierarchy(network, cache_dir=cache, fresh=True))
    custom_s, custom_mb, custom_rss, _ = measured(lambda: cch.metric(network, cache_dir=cache, fresh=True))
    weights = cch.weights_ms(network)
    two_s, _, two_rss, _ = measured(
        lambda: pyroutingkit.CCHMetric(cch.hierarchy(network, cache_dir=cache)).customize(weights, 2))
    if args.paired:
        print(f"topology {'saved by an earlier process' if earlier else 'built and saved'}: {order_s:.4g} s; "
              f"loaded from disk {build_s:.4g} s (peak RSS +{build_rss:.0f} MB), metric {custom_s:.4g} s "
              f"(+{custom_rss:.0f} MB; on 2 threads {two_s:.4g} s); {load()}")
        paired_part(network, origins, destinations, rng, args, cache)
        return

    bare_s, bare_mb, bare_rss, bare = measured(lambda: reference(network, origins, destinations), args.repeat)
    ours_s, ours_mb, ours_rss, ours = measured(
        lambda: travel_time_matrix(network, origins, destinations, engine="csgraph"), args.repeat)
    cch_s, cch_mb, cch_rss, fast = measured(lambda: cch.cch_matrix(network, origins, destinations, cache_dir=cache),
                                            args.repeat)
    load_at_queries = load()
    assert np.array_equal(fast, bare) and np.array_equal(ours, bare), "CCH and csgraph disagree"
    rows = [
        ["topology (loaded: saved by an earlier process)" if earlier else "topology (order + contraction, saved)",
         order_s, "", "", ""],
        ["topology loaded from disk (as a second process)", build_s, "", build_mb, build_rss],
        ["metric (customisation to the weights, 1 thread)", custom_s, "", custom_mb, custom_rss],
        ["metric on 2 threads (printed apart; not used)", two_s, "", "", two_rss],
        [f"{args.origins} x {args.destinations}: bare csgraph (ms CSR)", bare_s, 1.0, bare_mb, bare_rss],
        [f"{args.origins} x {args.destinations}: project csgraph", ours_s, bare_s / ours_s, ours_mb, ours_rss],
        [f"{args.origins} x {args.destinations}: CCH many-to-many", cch_s, bare_s / cch_s, cch_mb, cch_rss],
    ]
    if with_networkx:
        graph = network.graph
        ids = network.node_id
        start = time.perf_counter()
        loops = [nx.single_source_dijkstra_path_length(graph, int(ids[o]), weight="travel_time_s") for o in origins]
        networkx_s = time.perf_counter() - start
        worst = max(abs(fast[i, j] - loops[i].get(int(ids[d]), np.inf)) for i in range(0, args.origins, 10)
                    for j, d in enumerate(destinations[:200]))
        rows.append([f"{args.origins} x all: networkx loop", networkx_s, bare_s / networkx_s, "", ""])
        print(f"largest difference CCH - networkx (float seconds) on a sample: {worst:.2e} s")

    few = origins[: args.all_origins]
    all_bare_s, all_bare_mb, all_bare_rss, all_bare = measured(lambda: reference(network, few, None), args.repeat)
    all_cch_s, all_cch_mb, all_cch_rss, all_cch = measured(
        lambda: cch.cch_matrix(network, few, np.arange(network.n_nodes), cache_dir=cache), args.repeat)
    assert np.array_equal(all_cch, all_bare)
    rows += [[f"{few.size} x all nodes: bare csgraph", all_bare_s, 1.0, all_bare_mb, all_bare_rss],
             [f"{few.size} x all nodes: CCH many-to-many", all_cch_s, all_bare_s / all_cch_s, all_cch_mb, all_cch_rss]]

    closed = rng.choice(network.n_edges, max(1, network.n_edges // 100), replace=False)
    factor = np.ones(network.n_edges)
    factor[closed] = 0.0

    def csr_path() -> np.ndarray:
        shut = network.adjusted(factor)
        return reference(shut, origins, destinations)

    def cch_path() -> np.ndarray:
        shut = network.adjusted(factor)
        cch.metric(shut, cache_dir=cache, fresh=True)  # a new closure set: customise anew every run
        return cch.cch_matrix(shut, origins, destinations, cache_dir=cache)

    csr_s, csr_mb, csr_rss, after_csr = measured(csr_path, args.repeat)
    recustom_s, recustom_mb, recustom_rss, after_cch = measured(cch_path, args.repeat)
    assert np.array_equal(after_csr, after_cch)
    rows += [["1 % closed, then O x D: CSR rebuild + csgraph", csr_s, 1.0, csr_mb, csr_rss],
             ["1 % closed, then O x D: new CCH metric + query", recustom_s, csr_s / recustom_s, recustom_mb,
              recustom_rss]]
    print(f"{load_at_queries} after the O x D queries, {load()} at the end")
    table(["step", "seconds", "speed-up vs bare csgraph", "peak MB (tracemalloc)", "peak RSS above start MB"], rows)
    print(f"process peak RSS so far: {process_peak_mb():.0f} MB")


def alternate(first: Callable[[np.ndarray], np.ndarray], second: Callable[[np.ndarray], np.ndarray],
              origins: np.ndarray, blocks: int) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Time two matrix functions block by block of origins, each block by one then the other.

    On a shared machine the load changes over minutes; alternating in short blocks puts the same load
    on both sides, so their ratio holds where two long runs one after the other would not.
    """
    first_s = second_s = 0.0
    first_rows, second_rows = [], []
    for block in np.array_split(origins, blocks):
        start = time.perf_counter()
        first_rows.append(first(block))
        middle = time.perf_counter()
        second_rows.append(second(block))
        first_s, second_s = first_s + middle - start, second_s + time.perf_counter() - middle
    return first_s, second_s, np.vstack(first_rows), np.vstack(second_rows)


def paired_part(network: RoadNetwork, origins: np.ndarray, destinations: np.ndarray, rng: np.random.Generator,
                args: argparse.Namespace, cache: Path) -> None:
    """O x D and a 1 % closure then O x D, bare csgraph against CCH, alternated in blocks of origins."""
    bare_s, cch_s, bare, fast = alternate(lambda b: reference(network, b, destinations),
                                          lambda b: cch.cch_matrix(network, b, destinations, cache_dir=cache),
                                          origins, args.blocks)
    assert np.array_equal(fast, bare), "CCH and csgraph disagree"
    closed = rng.choice(network.n_edges, max(1, network.n_edges // 100), replace=False)
    factor = np.ones(network.n_edges)
    factor[closed] = 0.0
    start = time.perf_counter()
    shut_csr = network.adjusted(factor)
    shut_csr.csr("travel_time_ms")
    rebuild_s = time.perf_counter() - start
    start = time.perf_counter()
    shut_cch = network.adjusted(factor)
    cch.metric(shut_cch, cache_dir=cache, fresh=True)  # a new closure set: a new metric, customised once
    customise_s = time.perf_counter() - start
    after_bare_s, after_cch_s, after_bare, after_fast = alternate(
        lambda b: reference(shut_csr, b, destinations),
        lambda b: cch.cch_matrix(shut_cch, b, destinations, cache_dir=cache), origins, args.blocks)
    assert np.array_equal(after_fast, after_bare), "CCH and csgraph disagree under the closure"
    closure_csr, closure_cch = rebuild_s + after_bare_s, customise_s + after_cch_s
    block = origins[: max(1, origins.size // args.blocks)]
    _, _, bare_rss, _ = measured(lambda: reference(network, block, destinations))
    _, _, cch_rss, _ = measured(lambda: cch.cch_matrix(network, block, destinations, cache_dir=cache))
    print(f"paired: {args.blocks} blocks of origins, each by bare csgraph then by CCH; answers equal; {load()}")
    table(["step", "bare csgraph s", "CCH s", "speed-up"], [
        [f"{origins.size} x {destinations.size}", bare_s, cch_s, bare_s / cch_s],
        ["1 % closed: CSR rebuild | new CCH metric", rebuild_s, customise_s, ""],
        [f"1 % closed, then {origins.size} x {destinations.size} (rebuild included)", closure_csr, closure_cch,
         closure_csr / closure_cch],
    ])
    print(f"peak RSS above the start of one block of {block.size} origins: bare csgraph {bare_rss:.0f} MB, "
          f"CCH {cch_rss:.0f} MB (its topology and metric are held apart: see above)")
    print(f"process peak RSS: {process_peak_mb():.0f} MB; {load()}")


def scenario_part(args: argparse.Namespace) -> None:
    """Jinan scenario end to end: coverage of every site under a new closure (drawn), and a 10,000-incident sweep.

    Each is timed with matrices on csgraph only and with the engine chosen per query (CCH for bases x
    sites); the answers are checked equal.
    """
    scenario, documents = read_folder("jinan")
    coverage(scenario)  # network, placement and hierarchy built once, as in a running app
    incident_library()  # the templates are read once, as in a running app
    rows = []
    for label, engine in (("csgraph only", "csgraph"), ("auto (CCH for bases x sites)", None)):
        csgraph_only = (mock.patch.object(matrix, "choose_engine", lambda *a, **k: "csgraph"),
                        mock.patch.object(verdict, "choose_engine", lambda *a, **k: "csgraph"))
        with contextlib.ExitStack() as stack:
            for patch in csgraph_only if engine else ():
                stack.enter_context(patch)
            times = []
            for k in range(args.repeat):
                shift = 0.002 * (k + 1 + (10 if engine else 0))  # a new area every run: nothing cached
                area = {"type": "Polygon", "coordinates": [[[117.0 + shift, 36.65], [117.03 + shift, 36.65],
                                                            [117.03 + shift, 36.68], [117.0 + shift, 36.68],
                                                            [117.0 + shift, 36.65]]]}
                start = time.perf_counter()
                verdict.forget_searches()
                report = coverage(scenario, roads=travel_network(scenario, documents, closures=area))
                times.append(time.perf_counter() - start)
            rows.append([f"coverage of every site under a new drawn closure, {label}", min(times), report.direction])
            sweep_s, result = best_of(lambda: (verdict.forget_searches(), sweep(scenario, args.incidents, seed=1))[1],
                                      max(1, args.repeat - 1))
            rows.append([f"sweep of {args.incidents} incidents (model included), {label}", sweep_s,
                         result.summary["counted"]])
    table(["Jinan scenario, end to end", "seconds", "note"], rows)
    if args.baseline:
        paired_sweep(args)


def timed_sweep(tree: Path, incidents: int, runs: int) -> dict[str, Any]:
    """Run :data:`TIMED_SWEEP` on a tree in a fresh process and return its answer."""
    done = subprocess.run([sys.executable, "-c", TIMED_SWEEP, str(tree), str(incidents), str(runs)], cwd=tree,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def paired_sweep(args: argparse.Namespace) -> None:
    """Time the sweep by the code before issue 14 and by this tree, alternated in fresh processes."""
    with tempfile.TemporaryDirectory() as scratch:
        before = Path(scratch)
        archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
        rows, old, new = [], [], []
        for k in range(args.pairs):
            old.append(timed_sweep(before, args.incidents, 2))
            new.append(timed_sweep(ROOT, args.incidents, 2))
            rows.append([f"pair {k + 1}", old[-1]["seconds"], new[-1]["seconds"],
                         old[-1]["seconds"] / new[-1]["seconds"]])
        best_old, best_new = min(r["seconds"] for r in old), min(r["seconds"] for r in new)
        rows.append(["best of each side", best_old, best_new, best_old / best_new])
    print(f"\nsweep of {args.incidents} incidents on Jinan (model included, best of 2 in each fresh process): "
          f"before issue 14 ({args.baseline}: {old[0]['teams']} available teams, {old[0]['counted']} counted) "
          f"against this tree ({new[0]['teams']} teams, {new[0]['counted']} counted)")
    table(["run", f"{args.baseline} seconds", "this tree seconds", "speed-up"], rows)


def main(argv: list[str] | None = None) -> None:
    """Parse options and run the chosen parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("jinan", "large", "scenario", "all"), default="all")
    parser.add_argument("--incidents", type=int, default=10_000, help="sweep size of the scenario part")
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--origins", type=int, default=200)
    parser.add_argument("--destinations", type=int, default=2000)
    parser.add_argument("--all-origins", type=int, default=100, help="origins of the one-to-all comparison")
    parser.add_argument("--cache", type=Path, default=None, help="order cache folder (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each step; the best is printed")
    parser.add_argument("--baseline", default=BASELINE, help="the commit the scenario part's sweep is paired "
                        f"against (default {BASELINE}, before issue 14; empty: none)")
    parser.add_argument("--paired", action="store_true", help="O x D and the closure only, bare csgraph and CCH "
                        "alternated in blocks of origins (for a loaded machine)")
    parser.add_argument("--blocks", type=int, default=10, help="blocks of origins of --paired")
    parser.add_argument("--pairs", type=int, default=3, help="alternated (before, this tree) sweep processes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        cache = args.cache or Path(scratch)
        if args.part in ("jinan", "all"):
            run("Jinan", read_network_csv(DATA / "nodes.csv", DATA / "edges.csv", name="jinan"), args, cache,
                with_networkx=True)
        if args.part in ("scenario", "all"):
            scenario_part(args)
        if args.part in ("large", "all"):
            nodes, edges = synthetic_road_tables(args.nodes, seed=1)
            run(f"synthetic {args.nodes:,}", build_network("synthetic", nodes, edges), args, cache,
                with_networkx=False)


if __name__ == "__main__":
    main()
