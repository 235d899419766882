"""``matrix``: travel minutes between bases, teams and sites of a scenario, as CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from planner.cli._arguments import add_road_options, add_scenario_argument
from planner.cli.output import print_json
from planner.model.codes import POINT_KINDS


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``matrix`` command."""
    parser = subparsers.add_parser(
        "matrix", help="travel-time matrix between bases, teams and sites",
        description="Travel minutes on the road network from origins to destinations. Choose each side by "
                    "kind (bases, teams, sites) and optionally by ids: --from teams --from-ids T1,T2.")
    add_scenario_argument(parser)
    parser.add_argument("--from", dest="origin_kind", choices=POINT_KINDS, required=True, help="origin kind")
    parser.add_argument("--from-ids", default=None, help="comma-separated origin ids (default: all)")
    parser.add_argument("--to", dest="destination_kind", choices=POINT_KINDS, required=True, help="destination kind")
    parser.add_argument("--to-ids", default=None, help="comma-separated destination ids (default: all)")
    parser.add_argument("--cutoff-min", type=float, default=None, help="leave entries beyond this many minutes empty")
    parser.add_argument("--workers", type=int, default=1, help="processes to use (default 1)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of CSV")
    parser.add_argument("--out", type=Path, default=None, help="write the CSV to this file instead of stdout")
    add_road_options(parser)
    parser.set_defaults(handler=matrix)


def _ids(text: str | None) -> list[str] | None:
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()]


def matrix(args: argparse.Namespace) -> int:
    """Compute and print the matrix; unreachable (or beyond the cut-off) entries are empty / null."""
    import numpy as np

    from planner.cli._common import road_conditions
    from planner.scenario.travel import travel_minutes

    scenario, roads = road_conditions(args, args.scenario)
    result = travel_minutes(
        scenario, args.origin_kind, args.destination_kind,
        origin_ids=_ids(args.from_ids), destination_ids=_ids(args.to_ids),
        cutoff_min=args.cutoff_min, workers=args.workers, network=None if roads is None else roads.network,
    )
    rounded = np.round(result.minutes, 3)
    if args.json:
        print_json({"origins": list(result.origins), "destinations": list(result.destinations),
                    "minutes": rounded.tolist(), "roads": None if roads is None else roads.describe()})
        return 0
    handle = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(["origin", *result.destinations])
        for origin, row in zip(result.origins, rounded, strict=True):
            writer.writerow([origin, *("" if not np.isfinite(v) else f"{v:.3f}" for v in row)])
    finally:
        if args.out:
            handle.close()
    return 0
