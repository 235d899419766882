"""``scenario list|load|import|export``: the scenario library and the store.

``load`` stores a whole folder, ``import`` adds or replaces the records of one kind from a CSV, GeoJSON,
GeoPackage or Shapefile, as the inventory page and the API import do (the same preview, row by row, then
one transaction).
Both read text files as UTF-8, with or without a byte order mark, or GB18030 declared by ``--encoding gb18030``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from planner.cli.output import print_json, print_table
from planner.errors import InputError
from planner.model.codes import ENCODINGS, RECORD_KINDS
from planner.scenario.paths import library_names

if TYPE_CHECKING:
    from planner.scenario.model import Scenario

ENCODING_HELP = f"text encoding of the files: {' or '.join(ENCODINGS)} (default utf-8, a byte order mark is skipped)"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``scenario`` command and its sub-commands."""
    parser = subparsers.add_parser("scenario", help="list, load and export scenarios",
                                   description="List, load and export scenarios.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="shipped and stored scenarios",
                                 description="Shipped and stored scenarios.")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=list_scenarios)
    load = actions.add_parser("load", help="validate a scenario folder and store it",
                              description="Validate a scenario folder (records, references, snapping) and store it.")
    load.add_argument("source", metavar="NAME_OR_FOLDER", help="a shipped scenario name or a folder path")
    load.add_argument("--replace", action="store_true", help="replace a stored scenario of the same name")
    load.add_argument("--encoding", metavar="NAME", help=ENCODING_HELP)
    load.set_defaults(handler=load_scenario)
    upload = actions.add_parser(
        "import", help="check, then store, the records of one kind from a CSV, GeoJSON, GeoPackage or Shapefile",
        description="Check every row of a CSV, GeoJSON, GeoPackage or Shapefile of records (GIS files in any CRS "
                    "they declare, transformed to WGS-84) and the scenario with them merged in "
                    "(references, agreements, snapping to the network), then create or replace them by id in one "
                    "transaction: all rows or none.")
    upload.add_argument("name", help="stored scenario name")
    upload.add_argument("kind", choices=list(RECORD_KINDS), help="record kind")
    upload.add_argument("file", type=Path, help="CSV file with a header row, GeoJSON FeatureCollection, GeoPackage "
                                                "(.gpkg), or Shapefile (.shp beside its .shx/.dbf/.prj, or a .zip)")
    upload.add_argument("--preview", action="store_true", help="check only: write nothing")
    upload.add_argument("--encoding", metavar="NAME", help=ENCODING_HELP)
    upload.add_argument("--json", action="store_true", help="print JSON")
    upload.set_defaults(handler=import_records)
    export = actions.add_parser(
        "export", help="write a stored scenario as a folder of CSV/GeoJSON files, or as GIS layers",
        description="Write a stored scenario as a scenario folder (read back by `scenario load`), or with --format "
                    "geojson|csv|gpkg as GIS layers for QGIS/ArcGIS: records, service areas, coverage verdicts and "
                    "the gap list, WGS-84: one file per layer (CSV: geometry as WKT in a wkt column), or one "
                    "GeoPackage NAME.gpkg with a layer each and QGIS styles.")
    export.add_argument("name", help="stored scenario name")
    export.add_argument("folder", type=Path, help="output folder (created)")
    export.add_argument("--format", choices=["scenario", "geojson", "csv", "gpkg"], default="scenario",
                        help="scenario folder (default), or GIS layers as GeoJSON, CSV with WKT or one GeoPackage")
    export.add_argument("--breaks", type=minutes_list, default=(5.0, 10.0, 15.0, 30.0), metavar="MIN,MIN",
                        help="minutes of the multi-break service areas layer (default 5,10,15,30; 'none': no areas)")
    export.set_defaults(handler=export_scenario)


def list_scenarios(args: argparse.Namespace) -> int:
    """Print the shipped library and what the store holds."""
    from planner.store.database import Store

    stored = Store().list_scenarios()
    if args.json:
        print_json({"library": library_names(), "stored": stored})
        return 0
    print("Shipped:", ", ".join(library_names()))
    print_table(["stored", "title", "version", "records"],
                [[s["name"], s["title"], s["version"], sum(s["counts"].values())] for s in stored])
    return 0


def load_scenario(args: argparse.Namespace) -> int:
    """Validate a folder completely (including snapping to its network) before anything is stored."""
    from planner.cli._common import read_folder
    from planner.scenario.network import placement
    from planner.store.database import Store

    scenario, settings = read_folder(args.source, args.encoding)
    placed = placement(scenario)
    store = Store()
    store.save_scenario(scenario, replace=args.replace, settings=settings)  # records and settings at once
    far = sum(1 for d in placed.off_network_m.values() if d > 500)
    extra = f"; settings: {', '.join(sorted(settings))}" if settings else ""
    print(f"stored scenario {scenario.name!r}: {scenario.counts()}; {far} point(s) more than 500 m off the network"
          + extra)
    return 0


def import_records(args: argparse.Namespace) -> int:
    """Preview an upload row by row; store it (all rows or none) unless ``--preview`` or a row is refused."""
    from planner.scenario.importing import preview_file
    from planner.store.database import Store

    store = Store()
    preview = preview_file(store.load_scenario(args.name), args.kind, args.file, args.encoding)
    written = preview.ok and not args.preview
    counts = store.import_records(args.name, args.kind, list(preview.documents), actor="cli") if written else {}
    if args.json:
        print_json({**preview.as_dict(), "written": written, **counts})
    else:
        print_table(["row", "id", "action", "problem"],
                    [[r.where, r.record_id, r.action, r.error or ""] for r in preview.rows])
    if not preview.ok:
        refused = sum(1 for r in preview.rows if r.error)
        on_a_row = preview.problem is not None and any(r.error == preview.problem for r in preview.rows)
        reason = preview.problem if on_a_row else \
            f"{args.file.name}: {preview.problem or f'{refused} of {len(preview.rows)} row(s) refused'}"
        raise InputError(f"{reason}; nothing was written", field="file")
    if not args.json:
        print(f"imported {counts['created']} new and {counts['updated']} updated {args.kind} into {args.name!r}"
              if written else f"{args.file.name}: all {len(preview.rows)} row(s) valid; nothing written (--preview)")
    return 0


def export_scenario(args: argparse.Namespace) -> int:
    """Write a stored scenario as files that ``scenario load`` reads back."""
    from planner.scenario.files import write_scenario
    from planner.store.database import Store
    from planner.store.settings import write_folder_settings

    store = Store()
    scenario = store.load_scenario(args.name)
    if args.format != "scenario":
        return export_layers(scenario, args.folder, args.format, args.breaks)
    folder = write_scenario(scenario, args.folder)
    written = write_folder_settings(store, scenario.name, folder)
    extra = f" with {', '.join(written)}" if written else ""
    print(f"wrote scenario {scenario.name!r} to {folder}{extra}")
    return 0


def minutes_list(text: str) -> tuple[float, ...]:
    """Parse ``--breaks``: comma-separated minutes, or ``none``."""
    if text.strip().lower() == "none":
        return ()
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give minutes separated by commas (5,10,15) or none") from None


def export_layers(scenario: Scenario, folder: Path, layer_format: str, breaks: tuple[float, ...]) -> int:
    """Write the scenario's GIS layers (records, service areas, coverage verdicts, gaps) into ``folder``."""
    from planner.coverage.layers import gis_layers
    from planner.scenario.interchange import write_layers
    from planner.scenario.layerfiles import write_geopackage

    layers = gis_layers(scenario, breaks=breaks)
    if layer_format == "gpkg":
        folder.mkdir(parents=True, exist_ok=True)
        path = write_geopackage(layers, folder / f"{scenario.name}.gpkg")
        print(f"wrote {len(layers)} layers of scenario {scenario.name!r} to {path}")
        return 0
    written = write_layers(layers, folder, layer_format)  # type: ignore[arg-type]
    print(f"wrote {len(written)} layers of scenario {scenario.name!r} to {folder}: "
          + ", ".join(p.name for p in written))
    return 0
