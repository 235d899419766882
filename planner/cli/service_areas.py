"""``python -m planner service-areas``: nested service areas per base and team type, as GeoJSON.

``--team-type fire --breaks 5,10,15,30 [--base B1 ...] [--closures NAME | --close-area FILE] [--at ISO |
--band ID] --out areas.geojson``: one polygon per (base, break) from the reached roads, turn-out
included (``planner.coverage.areas``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from planner.cli._arguments import add_road_options, add_scenario_argument
from planner.cli.output import describe_roads, print_json
from planner.errors import InputError
from planner.model.codes import TeamType


def register(subparsers: Any) -> None:
    """Add the ``service-areas`` command."""
    parser = subparsers.add_parser(
        "service-areas", help="nested service areas (isochrones) per base and team type, GeoJSON",
        description="Polygons of the roads each base's fastest team of a type reaches within each break "
                    "(minutes from the call, turn-out included), under closures and a time band if given.")
    add_scenario_argument(parser)
    parser.add_argument("--team-type", required=True, choices=[t.value for t in TeamType])
    parser.add_argument("--breaks", default="5,10,15,30", metavar="M,M,...", help="minutes (default 5,10,15,30)")
    parser.add_argument("--base", action="append", default=None, metavar="BASE", help="only this base (repeatable)")
    parser.add_argument("--out", type=Path, metavar="FILE.geojson", help="write the GeoJSON here (default stdout)")
    add_road_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Compute the areas and write them as GeoJSON."""
    from planner.cli._common import road_conditions
    from planner.coverage.areas import service_area_breaks

    try:
        breaks = [float(part) for part in args.breaks.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--breaks {args.breaks!r}: give minutes separated by commas", field="breaks") from None
    scenario, roads = road_conditions(args, args.scenario)
    areas = service_area_breaks(scenario, args.team_type, breaks, bases=args.base, roads=roads)
    if args.out is None:
        print_json(areas)
        return 0
    args.out.write_text(json.dumps(areas, ensure_ascii=False), encoding="utf-8")
    drawn = sum(1 for f in areas["features"] if f["geometry"] is not None)
    print(f"{drawn} area(s) of {len({f['properties']['base'] for f in areas['features']})} base(s) "
          f"at {', '.join(f'{b:g}' for b in areas['breaks'])} min -> {args.out}"
          + (f"; roads: {describe_roads(areas['roads'])}" if areas["roads"] else ""))
    return 0
