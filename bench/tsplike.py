"""Seeded point sets shaped like the held-out TSPLIB p-median instances, and the exact p-median run on each.

Issue 17 is checked from outside on TSPLIB instances this project does not hold (Duran-Mateluna, Ales
& Elloumi 2023, Table 3: d2103, u2152, u2319, fl3795; and vm1748 for memory). Rather than tune to the
files we do hold, this script draws point sets of the same sizes with the features that make those
families hard, writes them as TSPLIB ``EUC_2D`` files (named ``<family>-like-<N>-s<seed>.tsp``, with a
COMMENT saying they are synthetic: never a real instance's name), and solves each with the product's
command line in a fresh process::

    python -m planner locate --model p-median --points FILE --metric euclidean-floor --p P --json \
        --time-limit 300

with ``OMP_NUM_THREADS=1``, printing objective, bound, status, wall and CPU seconds, peak MB (the
child's own maximum resident set) and the load average, and beside them the baseline of this run: the
greedy-add heuristic (open the site that lowers the total most, p times; :func:`greedy_objective`) on the
same points, with the ratio of our objective to it. Families (:data:`FAMILIES`):

``drill``
    d2103-like: a few long straight rows and small grids of holes at a fixed pitch (integer
    coordinates): many collinear points and very many equal distances.
``u``
    u2152 / u2319-like: a pitch-100 board shaped like u1432 (columns of holes, full or gappy, between
    empty lanes), a few exact duplicates and a small jitter on some points.
``fl``
    fl1400 / fl3795-like: a few dense clusters of nearly coincident points on a fine grid (pitch about
    4, the floor distance of fl1400's nearest neighbours), exact duplicate coordinates, plus sparse
    points over the board.
``vm``
    vm1748-like: a road map: towns (Gaussian clusters) and points strung along the roads between them.
``grid``
    not a family of the paper: a full lattice, the symmetric extreme of ``u`` (``--rows grid-2319``).

``--degenerate`` runs the end-to-end check of issue 17's brief instead: ``N = 2 x 1,000`` points, every
point given twice, with ``p`` = the number of distinct points: the answer must be 0 and proven.

Usage: ``.venv/bin/python bench/tsplike.py [--rows drill-2103,fl-3795] [--p 5,10,20] [--time-limit 300]
[--seed 0] [--keep DIR]``. No timing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.cli.output import print_table  # noqa: E402

TIME_LIMIT_S = 300.0
ROWS = ("drill-2103", "u-2152", "u-2319", "fl-3795", "vm-1748")  # the held-out sizes, family by family


def drill_like(n: int, rng: np.random.Generator) -> np.ndarray:
    """Holes on long straight rows and small grids at a common pitch (integer coordinates, no duplicates)."""
    pitch = 10.0
    points: set[tuple[float, float]] = set()
    while len(points) < n:
        origin = rng.integers(0, 300, 2) * pitch
        length, lines = int(rng.integers(20, 200)), int(rng.choice([1, 1, 1, 2, 3, 5]))
        horizontal = bool(rng.integers(2))
        step = pitch * int(rng.choice([1, 2, 5]))
        for line in range(lines):
            for k in range(length):
                along, across = k * step, line * pitch * 4
                x, y = (along, across) if horizontal else (across, along)
                points.add((origin[0] + x, origin[1] + y))
    ordered = np.array(sorted(points))
    return ordered[np.sort(rng.choice(len(ordered), n, replace=False))]


def u_like(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw a pitch-100 board like u1432's: columns of holes, full or gappy, between empty lanes.

    About 55 % of the cells of a near-square grid are used (u1432: 1,432 of 2,700), in column strips
    of varying density and in row bands with holes; 2 % of the points are exact duplicates and 10 %
    are jittered by up to 3 units.
    """
    side = int(np.ceil(np.sqrt(n / 0.55)))
    column_density = rng.choice([0.95, 0.95, 0.8, 0.5, 0.0], side)
    row_density = rng.choice([1.0, 1.0, 1.0, 0.6, 0.1], side)
    weight = np.outer(row_density, column_density).ravel() + 1e-9
    distinct = n - n // 50
    cells = rng.choice(side * side, distinct, replace=False, p=weight / weight.sum())
    xy = np.stack(np.divmod(np.sort(cells), side), axis=1)[:, ::-1].astype(np.float64) * 100.0
    jitter = rng.random(distinct) < 0.1
    xy[jitter] += rng.integers(-3, 4, (int(jitter.sum()), 2))
    return np.vstack([xy, xy[rng.choice(distinct, n - distinct, replace=False)]])


def grid_like(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw a full pitch-100 lattice (near-square, ``n`` of its cells): the symmetric extreme of ``u``."""
    side = int(np.ceil(np.sqrt(n)))
    cells = np.sort(rng.choice(side * side, n, replace=False))
    return np.stack(np.divmod(cells, side), axis=1).astype(np.float64) * 100.0


def fl_like(n: int, rng: np.random.Generator) -> np.ndarray:
    """Dense clusters on a pitch-4 grid, nearly coincident (jitter < 0.5) and 5 % exact duplicates; 5 % sparse."""
    sparse, duplicates = n // 20, n // 20
    dense = n - sparse - duplicates
    sizes = rng.multinomial(dense - 10 * 12, np.full(12, 1 / 12)) + 10
    parts = []
    for size in sizes:
        side = int(np.ceil(np.sqrt(size)))
        corner = rng.uniform(0.0, 4_800.0, 2)
        cells = np.stack(np.divmod(rng.choice(side * side, size, replace=False), side), axis=1)
        parts.append(corner + 4.0 * cells + rng.uniform(-0.5, 0.5, (size, 2)))
    parts.append(rng.uniform(0.0, 5_000.0, (sparse, 2)))
    xy = np.round(np.vstack(parts), 2)
    return np.vstack([xy, xy[rng.choice(len(xy), duplicates, replace=False)]])


def vm_like(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw a road map: half the points in 25 towns (Gaussian), half along straight roads between nearby towns."""
    towns = rng.uniform(0.0, 30_000.0, (25, 2))
    in_towns = n // 2
    home = rng.integers(0, len(towns), in_towns)
    parts = [towns[home] + rng.normal(0.0, 300.0, (in_towns, 2))]
    distance = np.linalg.norm(towns[:, None] - towns[None, :], axis=2)
    np.fill_diagonal(distance, np.inf)
    roads = [(a, int(b)) for a in range(len(towns)) for b in np.argsort(distance[a])[:2]]
    road = rng.integers(0, len(roads), n - in_towns)
    along = rng.random(n - in_towns)[:, None]
    ends = np.array(roads)[road]
    parts.append(towns[ends[:, 0]] * (1 - along) + towns[ends[:, 1]] * along + rng.normal(0.0, 40.0, (len(road), 2)))
    return np.round(np.vstack(parts), 1)


FAMILIES: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "drill": drill_like, "u": u_like, "fl": fl_like, "vm": vm_like, "grid": grid_like,
}


def write_tsp(path: Path, xy: np.ndarray, name: str, comment: str) -> None:
    """Write ``xy`` as a TSPLIB ``EUC_2D`` file (ids 1..N; coordinates as given, up to 2 decimals)."""
    lines = [f"NAME : {name}", f"COMMENT : {comment}", "TYPE : TSP", f"DIMENSION : {len(xy)}",
             "EDGE_WEIGHT_TYPE : EUC_2D", "NODE_COORD_SECTION"]
    lines += [f"{k} {x:.2f} {y:.2f}" for k, (x, y) in enumerate(xy, start=1)]
    path.write_text("\n".join([*lines, "EOF", ""]))


def make_instance(folder: Path, family: str, n: int, seed: int) -> Path:
    """Draw one ``family`` point set of ``n`` points with ``seed`` and write it into ``folder``; return its path."""
    xy = FAMILIES[family](n, np.random.default_rng(seed))
    assert len(xy) == n
    name = f"{family}-like-{n}-s{seed}"
    path = folder / f"{name}.tsp"
    write_tsp(path, xy, name, f"synthetic {family}-like point set (bench/tsplike.py, seed {seed}), not TSPLIB")
    return path


def solve(path: Path, p: int, time_limit_s: float) -> dict[str, Any]:
    """Run the product's p-median command on ``path`` in a child process; its JSON plus CPU s and peak MB."""
    command = [sys.executable, "-m", "planner", "locate", "--model", "p-median", "--points", str(path),
               "--metric", "euclidean-floor", "--p", str(p), "--json", "--time-limit", f"{time_limit_s:g}"]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err,
                                 env={**os.environ, "OMP_NUM_THREADS": "1"})
        _, code, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(code)
        out.seek(0)
        err.seek(0)
        text, error = out.read().decode(), err.read().decode()
    answer: dict[str, Any] = json.loads(text) if child.returncode == 0 else {"status": f"error: {error.strip()[-200:]}"}
    answer.update(wall=time.perf_counter() - started, cpu=usage.ru_utime + usage.ru_stime,
                  rss_mb=usage.ru_maxrss / 1024.0, load=os.getloadavg()[0])
    return answer


def _row(name: str, n: int, p: int, answer: dict[str, Any], greedy: float | None = None) -> list[str]:
    """One table row: instance, N, p, objective, bound, status, solver s, wall and CPU s, MB, load, greedy."""
    def number(key: str) -> str:
        value = answer.get(key)
        return "-" if value is None else f"{value:,.0f}"

    return [name, f"{n:,}", str(p), number("objective"), number("lower_bound"), str(answer["status"])[:60],
            f"{answer.get('seconds', float('nan')):.1f}", f"{answer['wall']:.1f}", f"{answer['cpu']:.1f}",
            f"{answer['rss_mb']:.0f}", f"{answer['load']:.1f}",
            "-" if greedy is None else f"{greedy:,.0f}",
            "-" if greedy is None or answer.get("objective") is None or not greedy
            else f"{answer['objective'] / greedy:.4f}"]


def read_points(path: Path) -> np.ndarray:
    """Read back the coordinates :func:`write_tsp` wrote (the lines between NODE_COORD_SECTION and EOF)."""
    lines = path.read_text().splitlines()
    start = lines.index("NODE_COORD_SECTION") + 1
    rows = [line.split() for line in lines[start:] if line.strip() not in ("", "EOF")]
    return np.array([[float(x), float(y)] for _, x, y in rows])


def greedy_objective(xy: np.ndarray, p: int) -> float:
    """Return the greedy-add baseline: open, p times, the site that lowers the floor-Euclidean total most."""
    cost = np.floor(cdist(xy, xy))
    nearest = np.full(len(xy), np.inf)
    for _ in range(p):
        nearest = np.minimum(nearest, cost[:, int(np.minimum(cost, nearest[:, None]).sum(axis=0).argmin())])
    return float(nearest.sum())


def degenerate(folder: Path, time_limit_s: float) -> int:
    """Every point twice (N = 2 x 1,000) with p = the number of distinct points: 0, proven, fast."""
    xy = np.random.default_rng(0).integers(0, 10_000, (1_000, 2)).astype(np.float64)
    distinct = len(np.unique(xy, axis=0))
    path = folder / "pairs-2000.tsp"
    write_tsp(path, np.vstack([xy, xy]), "pairs-2000", "synthetic: 1,000 points, each given twice")
    rows = [_row(path.stem, 2 * len(xy), p, solve(path, p, time_limit_s)) for p in (distinct, distinct + 5)]
    _print(rows)
    return 0


def _print(rows: list[list[str]]) -> None:
    """Print the table with its headers (the CLI's table printer)."""
    print_table(["instance", "N", "p", "objective", "bound", "status", "solver s", "wall s", "CPU s", "peak MB",
                 "load (1 min)", "greedy", "ours / greedy"], rows)


def main(argv: list[str] | None = None) -> int:
    """Generate the held-out-like instances and print the p-median table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated family-N keys (default: all five)")
    parser.add_argument("--p", default="5,10,20", help="comma-separated p values (5,10,20)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT_S, help="seconds per run (300)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the point sets (0)")
    parser.add_argument("--keep", type=Path, help="write the .tsp files here (default: a temporary folder)")
    parser.add_argument("--degenerate", action="store_true", help="run the duplicated-points check instead")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        folder = options.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        if options.degenerate:
            return degenerate(folder, options.time_limit)
        rows = []
        for key in options.rows.split(","):
            family, _, size = key.partition("-")
            path = make_instance(folder, family, int(size), options.seed)
            for p in (int(value) for value in options.p.split(",")):
                answer = solve(path, p, options.time_limit)
                rows.append(_row(path.stem, int(size), p, answer, greedy_objective(read_points(path), p)))
                print("done", *rows[-1], file=sys.stderr, flush=True)
        _print(rows)
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
