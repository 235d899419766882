"""Benchmark the location models against PySAL spopt (default PuLP CBC solver) and published p-median times.

The default run prints one table: per OR-Library p-median instance n, p, the published optimum, our
objective, seconds, status and method, then spopt's objective, seconds and status, and spopt's seconds
divided by ours; one MCLP row at the end. No timing is asserted; run with ``.venv/bin/python
bench/locate.py`` (``--instances pmed6,pmed11`` for a subset, ``--spopt-cap 120`` for spopt's wall-clock
cap, ``--no-spopt`` for our side only). spopt is optional: ``.venv/bin/pip install -r
requirements-bench.txt``.

``--tsplib`` prints the Table 2 comparison of Duran-Mateluna, Ales & Elloumi (EJOR 2023) instead: per
TSPLIB instance (``bench/data/tsplib``, floor-Euclidean distances, N = M) and p, the published optimum,
our objective, proven bound, status, seconds, CPU seconds of the process (on a shared machine the
wall clock also counts other people's work: the load average is printed) and peak MB (each instance
in a fresh process), beside the
paper's Benders and ZEBRA seconds (CPLEX, one thread, a 3.7 GHz Xeon). Rows the paper proved but needed
more than 60 s for get ``--hard-time-limit`` (600 s), every other row ``--time-limit`` (60 s);
``--rows rl1304-10,fl1400-200`` runs a subset. The tree runs on the product's default of one thread per
core, up to ``planner.locate.pmedian.TREE_WORKERS`` (2), so CPU seconds can exceed seconds; ``--workers 1``
measures one thread, as the paper did.

``--large`` prints the same columns for the Table 3 sizes of the paper (TSPLIB pr2392 and pcb3038, N = M
= 2,392 and 3,038, floor-Euclidean) at p = 5, 10 and 20 with ``--large-time-limit`` (300 s) each: the
issue's goal is every row proven within 5 minutes. No p-median optima are published for these rows, so the
optimum column says "-": a row is settled when our bound equals our objective (self-certifying).

``--random 1748,5934`` prints the same columns (with the peak MB of a fresh process) on seeded uniform
random points, N = M, floor-Euclidean, ``--random-p`` (10): the issue's memory goals are under 2 GB at
N = 1,748 and under 8 GB at N = 5,934.

spopt runs in a child process (its own process group) so that a slow model build or CBC run can be
stopped: CBC gets ``timeLimit`` = the cap minus the build time, and the whole child (with CBC) is killed
at the cap plus a short grace. Such a row says ``timeout at X s`` with the best objective CBC reported,
if any; it never waits longer.
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing
import os
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.cli.output import print_table  # noqa: E402
from planner.errors import PlannerError  # noqa: E402
from planner.locate import MCLP, PMedian, pmedian  # noqa: E402
from planner.locate.orlib import read_orlib_pmedian  # noqa: E402
from planner.locate.points import PointSet, cost_from_points, read_points  # noqa: E402

ORLIB_DIRS = [ROOT / "tests" / "fixtures" / "orlib", ROOT / "bench" / "data" / "orlib"]
TSPLIB_DIR = ROOT / "bench" / "data" / "tsplib"
HARD_TIME_LIMIT_S = 600.0
TIME_LIMIT_S = 60.0
LARGE_TIME_LIMIT_S = 300.0
LARGE_ROWS = (("pr2392", 5), ("pr2392", 10), ("pr2392", 20), ("pcb3038", 5), ("pcb3038", 10), ("pcb3038", 20))
SPOPT_CAP_S = 120.0
WORKERS: int | None = None
"""Threads of the p-median tree in the fresh processes (``--workers``; None: the product's default)."""
GRACE_S = 5.0


def _optima() -> dict[str, float]:
    optima: dict[str, float] = {}
    for folder in ORLIB_DIRS:
        path = folder / "optimal.csv"
        if path.exists():
            with path.open() as handle:
                optima.update({row["instance"]: float(row["optimal"]) for row in csv.DictReader(handle)})
    return optima


def _orlib_files() -> list[Path]:
    files = [path for folder in ORLIB_DIRS for path in folder.glob("pmed*.txt")]
    return sorted(files, key=lambda path: int(path.stem[4:]))


def mclp_instance(seed: int = 0, n_demand: int = 2000, n_sites: int = 300) -> tuple[np.ndarray, np.ndarray, int, float]:
    """Seeded random MCLP: points in a 100 x 100 km square, Euclidean km, weights 1..100, p=20, 10 km."""
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 100, (n_demand, 2))
    sites = rng.uniform(0, 100, (n_sites, 2))
    cost_km = np.linalg.norm(demand[:, None, :] - sites[None, :, :], axis=2)
    weights = rng.integers(1, 101, n_demand).astype(float)
    return cost_km, weights, 20, 10.0


def _spopt_available() -> bool:
    try:
        import pulp  # noqa: F401, PLC0415  (optional: PuLP and spopt only for --spopt, from requirements-bench.txt)
        from spopt.locate import MCLP as _M  # noqa: F401, N814, PLC0415
        from spopt.locate import PMedian as _P  # noqa: F401, N814, PLC0415
    except ImportError:
        return False
    return True


def _spopt_child(kind: str, args: tuple[Any, ...], cap_s: float, queue: Any) -> None:
    """Build and solve one spopt model; put (objective, build s, total s, status text) on the queue."""
    os.setsid()  # own process group, so the parent can stop CBC with us
    import pulp  # noqa: PLC0415  (optional, checked by _spopt_available; imported in this child process only)
    from spopt.locate import MCLP as SpMCLP  # noqa: N814, PLC0415
    from spopt.locate import PMedian as SpPMedian  # noqa: N814, PLC0415

    started = time.perf_counter()
    if kind == "pmedian":
        cost, p = args
        model = SpPMedian.from_cost_matrix(cost, np.ones(len(cost)), p_facilities=p)
    else:
        cost, weights, radius, p = args
        model = SpMCLP.from_cost_matrix(cost, weights, service_radius=radius, p_facilities=p)
    build_s = time.perf_counter() - started
    queue.put(("built", build_s))
    cbc_limit = max(1, int(cap_s - build_s))
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=cbc_limit))
    total_s = time.perf_counter() - started
    problem = model.problem
    objective = pulp.value(problem.objective)
    if problem.sol_status == pulp.LpSolutionOptimal:
        status = pulp.LpStatus[problem.status]
    elif problem.sol_status == pulp.LpSolutionIntegerFeasible:
        status = f"timeout at {cbc_limit} s CBC (feasible)"
    else:
        status = f"{pulp.LpStatus[problem.status]} (solution status {problem.sol_status})"
    queue.put(("done", objective, build_s, total_s, status))


def run_spopt(kind: str, args: tuple[Any, ...], cap_s: float) -> tuple[Any, float, str]:
    """(objective or None, seconds, status text) for one spopt run, stopped at ``cap_s`` + grace."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    started = time.perf_counter()
    child = context.Process(target=_spopt_child, args=(kind, args, cap_s, queue))
    child.start()
    build_s = None
    result = None
    while time.perf_counter() - started < cap_s + GRACE_S:
        try:
            message = queue.get(timeout=0.5)
        except Exception:  # queue.Empty
            if not child.is_alive() and queue.empty():
                break
            continue
        if message[0] == "built":
            build_s = message[1]
        else:
            result = message
            break
    seconds = time.perf_counter() - started
    if result is None and not child.is_alive():
        child.join()
        return None, seconds, f"spopt failed (exit code {child.exitcode})"
    if result is None:
        if child.is_alive() and child.pid is not None:  # a started child has a pid
            try:
                os.killpg(child.pid, signal.SIGKILL)  # the child and its CBC
            except ProcessLookupError:
                pass
        child.join()
        where = "model build" if build_s is None else f"CBC (model built in {build_s:.0f} s)"
        return None, seconds, f"timeout at {cap_s:.0f} s, killed during {where}"
    child.join()
    _, objective, build_s, _total_s, status = result
    return objective, seconds, f"{status}; build {build_s:.1f} s"


def random_points(n: int, seed: int = 0) -> PointSet:
    """``n`` seeded uniform random points in a 10,000 x 10,000 square (the memory rows of ``--random``)."""
    xy = np.random.default_rng(seed).uniform(0.0, 10_000.0, (n, 2))
    return PointSet([str(k) for k in range(n)], xy, None, False)


def _tsplib_child(name: str, p: int, time_limit_s: float, workers: int | None, queue: Any) -> None:
    """Solve one p-median in this fresh process; put the result and the process's peak MB.

    ``name`` is a TSPLIB instance of ``bench/data/tsplib``, or ``random-N`` for :func:`random_points`;
    ``workers`` (None: the product's default) threads share the branch-and-bound.
    """
    if workers is not None:
        pmedian.TREE_WORKERS = workers
    points = random_points(int(name[7:])) if name.startswith("random-") else read_points(TSPLIB_DIR / f"{name}.tsp")
    cost = cost_from_points(points, "euclidean-floor")
    cpu_started, started = time.process_time(), time.perf_counter()
    try:
        model = PMedian.from_cost_matrix(cost, p=p)
        del cost  # the model holds its own (validated) copy: one dense n x n fewer in the peak (282 MB at 5,934)
        result = model.solve(time_limit_s=time_limit_s)
    except PlannerError as error:  # the row says so; the parent never waits for a result that will not come
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        queue.put((math.nan, None, f"error: {error}", time.perf_counter() - started,
                   time.process_time() - cpu_started, peak_mb))
        return
    cpu_s = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    queue.put((result.objective, result.bound, result.status.value, result.wall_s, cpu_s, peak_mb))


def _solve_fresh(name: str, p: int, time_limit_s: float) -> tuple[float, float | None, str, float, float, float]:
    """Solve one row of :func:`_tsplib_child` in a fresh spawned process: (objective, bound, status, s, CPU s, MB)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_tsplib_child, args=(name, p, time_limit_s, WORKERS, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def run_tsplib(rows: set[str], time_limit_s: float, hard_time_limit_s: float) -> int:
    """Print the Table 2 comparison: published optimum and times beside ours, one fresh process per row."""
    table: list[list[Any]] = []
    with (TSPLIB_DIR / "optima.csv").open() as handle:
        published = list(csv.DictReader(handle))
    for row in published:
        key = f"{row['instance']}-{row['p']}"
        if rows and key not in rows:
            continue
        paper_s = row["bd_T_tot_s"]
        hard = not paper_s.replace(".", "", 1).isdigit() or float(paper_s) > TIME_LIMIT_S
        limit = hard_time_limit_s if hard and row["status"] == "optimal" else time_limit_s
        objective, bound, status, seconds, cpu_s, peak_mb = _solve_fresh(row["instance"], int(row["p"]), limit)
        optimum = f"{int(row['value']):,}" + ("" if row["status"] == "optimal" else " (best known)")
        table.append([row["instance"], row["p"], optimum, f"{objective:,.0f}",
                      "-" if bound is None else f"{bound:,.0f}", status, f"{seconds:.1f}", f"{cpu_s:.1f}",
                      f"{peak_mb:.0f}", f"{limit:.0f}", paper_s, row["zebra_T_s"]])
        print(f"done {key}: {objective:,.0f} ({status}) in {seconds:.1f} s, {cpu_s:.1f} s CPU, load "
              f"{os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    print_table(["instance", "p", "optimum", "ours", "bound", "status", "seconds", "CPU s", "peak MB", "limit s",
                 "Benders s (paper)", "ZEBRA s (paper)"], table)
    proven = sum(1 for line in table if line[5] == "optimal")
    print(f"{proven} of {len(table)} rows proven optimal; load average (1, 5, 15 min) at the end: "
          + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
    return 0


def run_large(rows: set[str], time_limit_s: float) -> int:
    """Print the Table 3 rows (pr2392, pcb3038; p = 5, 10, 20): ours with bound, CPU s and peak MB, no optimum."""
    table: list[list[Any]] = []
    for name, p in LARGE_ROWS:
        key = f"{name}-{p}"
        if rows and key not in rows:
            continue
        objective, bound, status, seconds, cpu_s, peak_mb = _solve_fresh(name, p, time_limit_s)
        load = os.getloadavg()[0]
        table.append([name, p, "-", f"{objective:,.0f}", "-" if bound is None else f"{bound:,.0f}", status,
                      f"{seconds:.1f}", f"{cpu_s:.1f}", f"{peak_mb:.0f}", f"{time_limit_s:.0f}", f"{load:.1f}"])
        print(f"done {key}: {objective:,.0f} ({status}) in {seconds:.1f} s, {cpu_s:.1f} s CPU, load {load:.1f}",
              file=sys.stderr, flush=True)
    print_table(["instance", "p", "optimum", "ours", "bound", "status", "seconds", "CPU s", "peak MB", "limit s",
                 "load (1 min)"], table)
    proven = sum(1 for line in table if line[5] == "optimal")
    print(f"{proven} of {len(table)} rows proven optimal; load average (1, 5, 15 min) at the end: "
          + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
    return 0


def run_random(sizes: list[int], p: int, time_limit_s: float) -> int:
    """Print objective, bound, seconds and peak MB on uniform random points, one fresh process per size."""
    table: list[list[Any]] = []
    for n in sizes:
        objective, bound, status, seconds, cpu_s, peak_mb = _solve_fresh(f"random-{n}", p, time_limit_s)
        load = os.getloadavg()[0]
        table.append([n, p, f"{objective:,.0f}", "-" if bound is None else f"{bound:,.0f}", status, f"{seconds:.1f}",
                      f"{cpu_s:.1f}", f"{peak_mb:.0f}", f"{time_limit_s:.0f}", f"{load:.1f}"])
        print(f"done random-{n}: {peak_mb:.0f} MB peak, {status} in {seconds:.1f} s", file=sys.stderr, flush=True)
    print_table(["N = M (uniform random)", "p", "ours", "bound", "status", "seconds", "CPU s", "peak MB", "limit s",
                 "load (1 min)"], table)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run every instance for both sides and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsplib", action="store_true", help="print the TSPLIB Table 2 comparison instead")
    parser.add_argument("--large", action="store_true",
                        help="print the Table 3 rows (pr2392, pcb3038; p = 5, 10, 20) instead")
    parser.add_argument("--large-time-limit", type=float, default=LARGE_TIME_LIMIT_S,
                        help="with --large: seconds per row (300)")
    parser.add_argument("--rows", default="",
                        help="with --tsplib or --large: comma-separated instance-p keys, e.g. rl1304-10")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT_S, help="seconds per instance (60)")
    parser.add_argument("--hard-time-limit", type=float, default=HARD_TIME_LIMIT_S,
                        help="with --tsplib: seconds for the rows the paper needed over 60 s for (600)")
    parser.add_argument("--random", default="",
                        help="comma-separated sizes N: peak memory on N uniform random points instead, e.g. 1748,5934")
    parser.add_argument("--random-p", type=int, default=10, help="with --random: p (10)")
    parser.add_argument("--instances", default="", help="comma-separated pmed names (default: all found)")
    parser.add_argument("--spopt-cap", type=float, default=SPOPT_CAP_S, help="spopt wall-clock cap per instance, s")
    parser.add_argument("--no-spopt", action="store_true", help="run our side only")
    parser.add_argument("--no-mclp", action="store_true", help="skip the MCLP row")
    parser.add_argument("--workers", type=int, help="threads of the p-median tree in the TSPLIB and random rows "
                        "(default: the product's, one per core up to planner.locate.pmedian.TREE_WORKERS)")
    options = parser.parse_args(argv)
    global WORKERS  # noqa: PLW0603 - read by _solve_fresh, handed to each fresh child process
    WORKERS = options.workers
    if options.random:
        return run_random([int(size) for size in options.random.split(",")], options.random_p, options.time_limit)
    if options.large:
        return run_large({key for key in options.rows.split(",") if key}, options.large_time_limit)
    if options.tsplib:
        return run_tsplib({key for key in options.rows.split(",") if key}, options.time_limit,
                          options.hard_time_limit)
    with_spopt = not options.no_spopt and _spopt_available()
    if not options.no_spopt and not with_spopt:
        print("spopt is not importable; only our side runs. Install it with:")
        print("  .venv/bin/pip install -r requirements-bench.txt")
    wanted = {name for name in options.instances.split(",") if name}
    optima = _optima()
    rows: list[list[Any]] = []
    for path in _orlib_files():
        if wanted and path.stem not in wanted:
            continue
        cost, p = read_orlib_pmedian(path)
        ours = PMedian.from_cost_matrix(cost, p=p).solve(time_limit_s=options.time_limit)
        row: list[Any] = [path.stem, len(cost), p, optima.get(path.stem), ours.objective, f"{ours.wall_s:.2f}",
                          ours.status.value, ours.method]
        if with_spopt:
            objective, seconds, status = run_spopt("pmedian", (cost, p), options.spopt_cap)
            ratio = f"{seconds / ours.wall_s:.0f}"
            row += [objective, f"{seconds:.1f}", status, f">{ratio}" if objective is None else ratio]
        rows.append(row)
        print(f"done {path.stem}: ours {ours.objective:g} in {ours.wall_s:.2f} s"
              + (f"; spopt {row[8]} in {row[9]} s ({row[10]})" if with_spopt else ""), file=sys.stderr, flush=True)

    if not options.no_mclp and not wanted:
        cost_km, weights, p, radius_km = mclp_instance()
        ours = MCLP.from_cost_matrix(cost_km, weights, p=p, max_cost=radius_km).solve(time_limit_s=options.time_limit)
        row = ["mclp-random-seed0 (2000x300, r=10)", len(cost_km), p, None, ours.objective, f"{ours.wall_s:.2f}",
               ours.status.value, ours.method]
        if with_spopt:
            objective, seconds, status = run_spopt("mclp", (cost_km, weights, radius_km, p), options.spopt_cap)
            row += [objective, f"{seconds:.1f}", status, f"{seconds / ours.wall_s:.0f}"]
        rows.append(row)

    headers = ["instance", "n", "p", "optimum", "ours", "seconds", "status", "method"]
    if with_spopt:
        headers += ["spopt objective", "spopt s", "spopt status", "ratio (spopt s / ours s)"]
    print_table(headers, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
