"""Benchmark the location models against PySAL spopt (default PuLP CBC solver), in the same process.

Prints one table: instance, size, objective, optimum, seconds and status for the project and for
spopt, and spopt's seconds divided by ours. No timing is asserted; run with
``.venv/bin/python bench/locate.py``. spopt is optional: ``.venv/bin/pip install -r requirements-bench.txt``.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.cli._output import print_table  # noqa: E402
from planner.locate import MCLP, PMedian  # noqa: E402
from planner.orlib import read_orlib_pmedian  # noqa: E402

ORLIB_DIRS = [ROOT / "tests" / "fixtures" / "orlib", ROOT / "bench" / "data" / "orlib"]
TIME_LIMIT_S = 60.0


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


def _spopt() -> Any:
    try:
        import pulp
        from spopt.locate import MCLP as SpMCLP
        from spopt.locate import PMedian as SpPMedian
    except ImportError:
        return None
    return pulp, SpPMedian, SpMCLP


def main() -> int:
    """Run every instance for both sides and print the table."""
    spopt = _spopt()
    if spopt is None:
        print("spopt is not importable; only our side runs. Install it with:")
        print("  .venv/bin/pip install -r requirements-bench.txt")
    optima = _optima()
    rows: list[list[Any]] = []
    for path in _orlib_files():
        cost, p = read_orlib_pmedian(path)
        ours = PMedian.from_cost_matrix(cost, p=p).solve(time_limit_s=TIME_LIMIT_S)
        row: list[Any] = [path.stem, f"n={len(cost)} p={p}", ours.objective, optima.get(path.stem), f"{ours.wall_s:.3f}", ours.status.value]
        if spopt is not None:
            pulp, sp_pmedian, _ = spopt
            started = time.perf_counter()
            model = sp_pmedian.from_cost_matrix(cost, np.ones(len(cost)), p_facilities=p)
            model.solve(pulp.PULP_CBC_CMD(msg=False))
            seconds = time.perf_counter() - started
            row += [pulp.value(model.problem.objective), f"{seconds:.3f}", pulp.LpStatus[model.problem.status], f"{seconds / ours.wall_s:.1f}"]
        rows.append(row)
        print(f"done {path.stem}", file=sys.stderr, flush=True)

    cost_km, weights, p, radius_km = mclp_instance()
    ours = MCLP.from_cost_matrix(cost_km, weights, p=p, max_cost=radius_km).solve(time_limit_s=TIME_LIMIT_S)
    row = ["mclp-random-seed0", "2000x300 p=20 r=10", ours.objective, None, f"{ours.wall_s:.3f}", ours.status.value]
    if spopt is not None:
        pulp, _, sp_mclp = spopt
        started = time.perf_counter()
        model = sp_mclp.from_cost_matrix(cost_km, weights, service_radius=radius_km, p_facilities=p)
        model.solve(pulp.PULP_CBC_CMD(msg=False))
        seconds = time.perf_counter() - started
        row += [pulp.value(model.problem.objective), f"{seconds:.3f}", pulp.LpStatus[model.problem.status], f"{seconds / ours.wall_s:.1f}"]
    rows.append(row)

    headers = ["instance", "size", "objective", "optimum", "seconds", "status"]
    if spopt is not None:
        headers += ["spopt objective", "spopt seconds", "spopt status", "ratio (spopt s / ours s)"]
    print_table(headers, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
