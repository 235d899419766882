"""A year of the Jinan scenario as it happens: one replication per policy, and replications serial vs Dask.

Prints, side by side: the model's build (travel times between bases, staging points, sites and the
districts' road points); one replication of ``--days`` (365) with the nearest-available rule on one core
(target: under 60 s) and with the dispatch optimiser (target: under 10 minutes; ``--optimal-days`` runs a
shorter period and scales the figure to a year); then ``--replications`` (20) replications of
``--replication-days`` (365) serially, on ``--workers`` (2) local processes and on a Dask ``LocalCluster`` of
``--workers`` single-threaded processes, with the cluster's start-up timed on its own, the speed-up over
serial with and without it (target: at least 1.7x), and a check that all three give the same figures.
The cluster's start-up includes its workers importing the simulation's code (``planner.year.engine``).
Run: ``.venv/bin/python bench/year.py [--days 365] [--optimal-days 365] [--replications 20] [--replication-days 365]``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from distributed import Client, LocalCluster  # noqa: E402

from bench._common import table  # noqa: E402
from planner.store.settings import read_folder  # noqa: E402
from planner.year.engine import simulate  # noqa: E402
from planner.year.model import YearRun  # noqa: E402
from planner.year.run import run_year  # noqa: E402
from planner.year.service import build_model  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Run the year and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="jinan")
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--optimal-days", type=float, default=365)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--replication-days", type=float, default=365)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    scenario, documents = read_folder(args.scenario)
    started = time.perf_counter()
    model = build_model(scenario, documents)
    build_s = time.perf_counter() - started
    print(f"{args.scenario}: {model.n_units} units, {len(model.place_ids)} places ({model.n_stations} stations), "
          f"{len(model.source_ids)} incident sources, {model.expected_incidents(0, 365 * 1440):.0f} incidents a year "
          f"expected; model built in {build_s:.2f} s")

    rows = []
    year = YearRun(days=args.days)
    started = time.perf_counter()
    figures = simulate(model, year, 0, args.seed)
    nearest_s = time.perf_counter() - started
    rows.append(["nearest, 1 replication, 1 core", f"{args.days:g}", int(figures["incidents"]), round(nearest_s, 2),
                 round(nearest_s * 365 / args.days, 2), "< 60", ""])
    optimal = YearRun(days=args.optimal_days, policy="optimal")
    started = time.perf_counter()
    figures_opt = simulate(model, optimal, 0, args.seed)
    optimal_s = time.perf_counter() - started
    rows.append(["optimal, 1 replication, 1 core", f"{args.optimal_days:g}", int(figures_opt["incidents"]),
                 round(optimal_s, 2), round(optimal_s * 365 / args.optimal_days, 2), "< 600",
                 f"{optimal_s / nearest_s * args.days / args.optimal_days:.1f}x nearest"])

    run = YearRun(days=args.replication_days)
    serial = run_year(model, run, replications=args.replications, seed=args.seed)
    processes = run_year(model, run, replications=args.replications, seed=args.seed, workers=args.workers)
    started = time.perf_counter()
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    with Client(cluster) as client:  # start-up includes the workers loading the simulation's code
        client.run(importlib.import_module, "planner.year.engine")
    startup_s = time.perf_counter() - started
    try:
        dask = run_year(model, run, replications=args.replications, seed=args.seed,
                        scheduler=cluster.scheduler_address)
    finally:
        cluster.close()
    same = all(np.allclose(getattr(serial.records, f), getattr(other.records, f), equal_nan=True)
               for f in ("incidents", "wait_min", "met", "covered", "unit_busy_h") for other in (processes, dask))
    label = f"{args.replications} replications"
    rows.append([f"{label}, serial", f"{args.replication_days:g}", int(serial.records.incidents.sum()),
                 round(serial.wall_s, 2), "", "", "baseline"])
    rows.append([f"{label}, {args.workers} local processes (start included)", f"{args.replication_days:g}",
                 int(processes.records.incidents.sum()), round(processes.wall_s, 2), "", "",
                 f"{serial.wall_s / processes.wall_s:.2f}x serial"])
    rows.append([f"{label}, Dask {args.workers} workers (running cluster)", f"{args.replication_days:g}",
                 int(dask.records.incidents.sum()), round(dask.wall_s, 2), "", ">= 1.7x",
                 f"{serial.wall_s / dask.wall_s:.2f}x serial"])
    rows.append([f"{label}, Dask incl. start-up {startup_s:.2f} s", f"{args.replication_days:g}",
                 int(dask.records.incidents.sum()), round(dask.wall_s + startup_s, 2), "", "",
                 f"{serial.wall_s / (dask.wall_s + startup_s):.2f}x serial"])
    table(["run", "days", "incidents", "wall_s", "s per year", "target", "ratio"], rows)
    print(f"Serial, process and Dask figures identical: {same}")


if __name__ == "__main__":
    main()
