"""Scenario sweep of 10,000 incidents on the Jinan scenario: serial, 2 local processes, Dask.

Prints, for each incident model (``dispatch``: the vectorised nearest-available rule; ``simulate``: a
SimPy replication per incident), the seconds of the sweep serially, on 2 local worker processes
(this one and a pool of one, the pool's start included) and on a Dask ``LocalCluster`` of 2
single-threaded worker processes (once with the cluster's start included, once on the running
cluster), with the speed-up over serial and the load average, and checks that every backend gives the
same records. The team x site matrix is built once (its seconds are printed) and shared by every run,
as the sweep shares it with its workers.

The local pool forks from this process when it runs no other thread, else it starts from a fork server
(a web server's threads, or the threads a Dask client leaves behind): both are printed, the fork rows
for every mode before any Dask row, since a Dask run would turn every later pool into a fork server's.
Run: ``.venv/bin/python bench/sweep.py [--incidents 10000] [--modes dispatch simulate] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from distributed import Client, LocalCluster  # noqa: E402

from bench._common import table  # noqa: E402
from planner.scenario.files import read_scenario  # noqa: E402
from planner.sweep.engine import SweepResult, sweep, sweep_model  # noqa: E402

FIELDS = ("index", "first_min", "met", "standard_min", "sent", "escalated")


def same(a: SweepResult, b: SweepResult) -> bool:
    """Whether two sweeps have identical records."""
    return all(
        np.array_equal(getattr(a.records, f), getattr(b.records, f), equal_nan=True)
        if getattr(a.records, f).dtype.kind == "f"
        else np.array_equal(getattr(a.records, f), getattr(b.records, f))
        for f in FIELDS
    )


@contextlib.contextmanager
def _another_thread() -> Iterator[None]:
    """Keep an idle thread alive meanwhile, as a web server's are: the sweep's pool then starts from a fork server."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def main(argv: list[str] | None = None) -> None:
    """Run the sweeps and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", nargs="+", default=["dispatch", "simulate"])
    parser.add_argument("--repeat", type=int, default=3, help="serial and local-process runs each (best kept)")
    args = parser.parse_args(argv)


    print(f"cpus: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    scenario = read_scenario("jinan")
    started = time.perf_counter()
    model = sweep_model(scenario)
    model_s = time.perf_counter() - started
    print(
        f"Jinan: {len(scenario.sites)} sites, {model.n_teams} available teams, {len(model.templates)} templates; "
        f"team x site matrix built once in {model_s:.2f} s; {args.incidents} incidents, seed {args.seed}"
    )
    rows: list[list[Any]] = []
    serials: dict[str, SweepResult] = {}
    for mode in args.modes:
        options: dict[str, Any] = {"seed": args.seed, "mode": mode, "model": model}
        # Serial and local-process sweeps alternate, best of --repeat each (the pool's start included in
        # every pooled run), so a change in the machine's load hits both.
        runs: dict[int, list[SweepResult]] = {1: [], args.workers: []}
        for _ in range(max(1, args.repeat)):
            for workers in runs:
                runs[workers].append(sweep(scenario, args.incidents, workers=workers, **options))
        serial = min(runs[1], key=lambda r: r.wall_s)
        pooled = min(runs[args.workers], key=lambda r: r.wall_s)
        rows.append([mode, "serial", 1, serial.wall_s, 1.0, "baseline"])
        rows.append(
            [
                mode,
                "local processes, forked",
                args.workers,
                pooled.wall_s,
                serial.wall_s / pooled.wall_s,
                all(same(serial, r) for r in runs[args.workers]),
            ]
        )
        serials[mode] = serial
        with _another_thread():
            served = sweep(scenario, args.incidents, workers=args.workers, **options)
        rows.append([mode, "local processes, fork server", args.workers, served.wall_s,
                     serial.wall_s / served.wall_s, same(serial, served)])
    for mode in args.modes:
        options = {"seed": args.seed, "mode": mode, "model": model}
        serial = serials[mode]
        cold = sweep(scenario, args.incidents, workers=args.workers, scheduler="local", **options)
        rows.append(
            [
                mode,
                "Dask LocalCluster (start incl.)",
                cold.workers,
                cold.wall_s,
                serial.wall_s / cold.wall_s,
                same(serial, cold),
            ]
        )
        with (
            LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster),
        ):
            warm = sweep(scenario, args.incidents, scheduler=cluster.scheduler_address, **options)
        rows.append(
            [
                mode,
                "Dask, running cluster",
                warm.workers,
                warm.wall_s,
                serial.wall_s / warm.wall_s,
                same(serial, warm),
            ]
        )
    table(["mode", "backend", "workers", "wall_s", "speed-up", "same records"], rows)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
