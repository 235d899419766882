"""``python -m planner locate``: solve a facility location model on an OR-Library file, a cost CSV or points.

``--points FILE --metric NAME`` reads a TSPLIB ``.tsp`` or a CSV of points (``planner.locate.points``)
and makes every point both a demand point and a candidate site, with the cost from the metric
(``euclidean``, ``euclidean-floor`` as in the TSPLIB p-median literature, ``great-circle`` in metres);
a CSV ``weight`` column gives the demand weights. The JSON answer carries the proven lower bound, the
gap, the method, the seconds and the process's peak memory in MB.
"""

from __future__ import annotations

import argparse
import math
import resource
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.cli.output import print_json, print_table
from planner.errors import InputError

if TYPE_CHECKING:
    import numpy as np

DEFAULT_TIME_LIMIT_S = 60.0


def register(subparsers: Any) -> None:
    """Add the ``locate`` command."""
    parser = subparsers.add_parser(
        "locate",
        help="choose facility sites (LSCP, MCLP, p-median, p-center, backup coverage)",
        description="Choose facility sites with one of the location models.",
    )
    parser.add_argument("--model", required=True, choices=["lscp", "mclp", "p-median", "p-center", "backup"])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--orlib", type=Path, help="OR-Library p-median instance (pmedN.txt)")
    source.add_argument("--cost-matrix", type=Path, help="CSV: header demand,<site id>...; one row per demand")
    source.add_argument("--points", type=Path,
                        help="TSPLIB .tsp or CSV id,x,y / id,lon,lat[,weight]: every point is demand and site")
    parser.add_argument("--metric", help="cost between --points: euclidean, euclidean-floor or great-circle (metres)")
    parser.add_argument("--weights", type=Path, help="CSV id,weight (default weight 1)")
    parser.add_argument("--p", type=int, help="number of sites to open")
    parser.add_argument("--max-cost", type=float, help="coverage standard, same unit as the costs")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S, help="seconds (default 60)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read the instance, solve the model and print the result."""
    from planner.locate import MODELS
    from planner.locate.orlib import read_orlib_pmedian
    from planner.locate.points import METRICS, check_metric, cost_from_points, read_points

    if args.time_limit is not None and not args.time_limit > 0:
        raise InputError(f"--time-limit {args.time_limit:g} must be > 0", field="time-limit")
    model_class = MODELS[args.model]
    if args.metric is not None and args.points is None:
        raise InputError("--metric goes with --points", field="metric")
    weights: np.ndarray | None
    if args.points is not None:
        if args.metric is None:
            raise InputError(f"--points needs --metric, one of {', '.join(METRICS)}", field="metric")
        check_metric(args.metric)
        if args.weights is not None:
            raise InputError("--weights goes with --cost-matrix; give --points a weight column", field="weights")
        points = read_points(args.points)
        cost = cost_from_points(points, args.metric)
        demand_ids = site_ids = points.ids
        weights = points.weights
        p = args.p
    elif args.orlib is not None:
        if args.model != "p-median":
            raise InputError(f"--orlib holds p-median instances; use --cost-matrix for {args.model}", field="orlib")
        cost, p = read_orlib_pmedian(args.orlib)
        site_ids = [str(j + 1) for j in range(cost.shape[1])]
        demand_ids = site_ids
        weights = None
        if args.p is not None:
            p = args.p
    else:
        demand_ids, site_ids, cost = read_cost_csv(args.cost_matrix)
        weights = read_weights_csv(args.weights, demand_ids) if args.weights else None
        p = args.p
    options: dict[str, Any] = {}
    if model_class.uses_p:
        options["p"] = p
    if model_class.uses_max_cost:
        options["max_cost"] = args.max_cost
    elif args.max_cost is not None:
        raise InputError(f"--max-cost is not used by {args.model}", field="max-cost")
    model = model_class.from_cost_matrix(cost, weights, **options)
    del cost  # the model holds its own validated copy: one dense matrix fewer while solving
    result = model.solve(time_limit_s=args.time_limit)

    maximising = result.model in ("mclp", "backup")
    sites = sorted(result.selected)
    site_label = [int(site_ids[j]) if args.orlib is not None else site_ids[j] for j in sites]
    payload = {
        "model": result.model,
        "objective": result.objective,
        "sites": site_label,
        "status": result.status.value,
        # For the maximising models (mclp, backup) the achieved objective is the lower bound.
        "lower_bound": result.objective if maximising else result.bound,
        "upper_bound": result.bound if maximising else result.objective,
        "seconds": round(result.wall_s, 4),
        "gap": result.gap,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "method": result.method,
        "assignment": {
            demand_ids[i]: (site_ids[j] if j >= 0 else None) for i, j in enumerate(result.assignment.tolist())
        },
    }
    if args.json:
        print_json(payload)
    else:
        print(f"{result.model}: {len(sites)} sites, objective {result.objective:g}, {result.status.value}"
              f" ({result.method}, {result.wall_s:.2f} s)")
        print_table(["site"], [[label] for label in site_label])
    return 0


def read_cost_csv(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    """Read ``demand,<site id>...`` rows of costs; an empty cell means unreachable (``inf``)."""
    import numpy as np

    rows = _read_csv(path)
    if not rows or len(rows[0]) < 2:
        raise InputError(f"{path} line 1: expected header 'demand,<site id>,...'", field="header", record=str(path))
    header = [cell.strip() for cell in rows[0]]
    site_ids = header[1:]
    if len(set(site_ids)) != len(site_ids):
        raise InputError(f"{path} line 1: duplicate site id in header", field="header", record=str(path))
    demand_ids: list[str] = []
    cost = np.empty((len(rows) - 1, len(site_ids)))
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise InputError(
                f"{path} line {number}: {len(row)} cells, header has {len(header)}", field="row", record=str(path)
            )
        demand_ids.append(row[0].strip())
        for j, cell in enumerate(row[1:]):
            cost[number - 2, j] = _number(path, number, site_ids[j], cell, empty=math.inf)
    if not demand_ids:
        raise InputError(f"{path}: no demand rows", field="rows", record=str(path))
    if len(set(demand_ids)) != len(demand_ids):
        raise InputError(f"{path}: duplicate demand id", field="demand", record=str(path))
    return demand_ids, site_ids, cost


def read_weights_csv(path: Path, demand_ids: list[str]) -> np.ndarray:
    """Read ``id,weight`` rows; demand points not listed keep weight 1."""
    import numpy as np

    index = {demand: i for i, demand in enumerate(demand_ids)}
    weights = np.ones(len(demand_ids))
    rows = _read_csv(path)
    start = 2 if rows and rows[0] and rows[0][0].strip().lower() in ("id", "demand") else 1
    for number, row in enumerate(rows[start - 1 :], start=start):
        if len(row) != 2:
            raise InputError(f"{path} line {number}: expected 'id,weight', got {len(row)} cells", field="row")
        demand = row[0].strip()
        if demand not in index:
            raise InputError(f"{path} line {number}: unknown demand id {demand!r}", field="id", record=str(path))
        weight = _number(path, number, "weight", row[1], empty=None)
        if weight < 0 or not math.isfinite(weight):
            raise InputError(f"{path} line {number}: weight {weight:g} must be finite and >= 0", field="weight")
        weights[index[demand]] = weight
    return weights


def _read_csv(path: Path) -> list[list[str]]:
    """All non-blank CSV rows, or InputError when the file cannot be read."""
    from planner.model.reading import csv_lines, csv_rows, read_text

    rows = csv_rows(csv_lines(read_text(path, field="path")), str(path))
    return [cells for _, cells in rows if any(cell.strip() for cell in cells)]


def _number(path: Path, number: int, field: str, cell: str, *, empty: float | None) -> float:
    """Parse a numeric cell, InputError with file, line and field otherwise."""
    text = cell.strip()
    if not text:
        if empty is None:
            raise InputError(f"{path} line {number}: {field} is empty", field=field, record=str(path))
        return empty
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{path} line {number}: {field} {text!r} is not a number",
                         field=field, record=str(path)) from None
    if math.isnan(value):
        raise InputError(f"{path} line {number}: {field} is NaN", field=field, record=str(path))
    if value < 0:
        raise InputError(f"{path} line {number}: {field} {value:g} < 0", field=field, record=str(path))
    return value
