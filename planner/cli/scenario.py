"""``scenario list|load|export|import``: the scenario library and the store.

``scenario import NAME KIND FILE`` is the command-line door of a CSV or GeoJSON upload of one record kind
(people, shifts, stocks, ...): the same row-by-row check as the inventory page and the API
(:func:`planner.scenario.importing.preview_import`); any bad row is printed with its file, line and field,
the command exits 2 and nothing is stored.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from planner.cli._common import read_folder
from planner.cli._output import print_json, print_table
from planner.errors import InputError
from planner.model.records import RECORD_TYPES
from planner.scenario.files import library_names, write_scenario
from planner.scenario.importing import preview_import
from planner.scenario.network import placement
from planner.store.database import Store
from planner.store.settings import write_folder_settings


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
    load.set_defaults(handler=load_scenario)
    export = actions.add_parser("export", help="write a stored scenario as a folder of CSV/GeoJSON files",
                                description="Write a stored scenario as a folder of CSV/GeoJSON files.")
    export.add_argument("name", help="stored scenario name")
    export.add_argument("folder", type=Path, help="output folder (created)")
    export.set_defaults(handler=export_scenario)
    upload = actions.add_parser("import", help="check and store a CSV/GeoJSON file of one record kind",
                                description="Check every row of a CSV or GeoJSON file of one record kind against "
                                "a stored scenario and store them all, or nothing when a row is bad.")
    upload.add_argument("name", help="stored scenario name")
    upload.add_argument("kind", choices=list(RECORD_TYPES), help="record kind")
    upload.add_argument("file", type=Path, help="the CSV or GeoJSON file")
    upload.add_argument("--preview", action="store_true", help="check only; store nothing")
    upload.add_argument("--json", action="store_true", help="print the check as JSON")
    upload.set_defaults(handler=import_records)


def list_scenarios(args: argparse.Namespace) -> int:
    """Print the shipped library and what the store holds."""
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
    scenario, settings = read_folder(args.source)
    placed = placement(scenario)
    store = Store()
    store.save_scenario(scenario, replace=args.replace, settings=settings)  # records and settings at once
    far = sum(1 for d in placed.off_network_m.values() if d > 500)
    extra = f"; settings: {', '.join(sorted(settings))}" if settings else ""
    print(f"stored scenario {scenario.name!r}: {scenario.counts()}; {far} point(s) more than 500 m off the network"
          + extra)
    return 0


def export_scenario(args: argparse.Namespace) -> int:
    """Write a stored scenario as files that ``scenario load`` reads back."""
    store = Store()
    scenario = store.load_scenario(args.name)
    folder = write_scenario(scenario, args.folder)
    written = write_folder_settings(store, scenario.name, folder)
    extra = f" with {', '.join(written)}" if written else ""
    print(f"wrote scenario {scenario.name!r} to {folder}{extra}")
    return 0


def import_records(args: argparse.Namespace) -> int:
    """Check a file row by row; store every row in one transaction, or nothing when one is bad."""
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"{args.file}: cannot read: {error.strerror}", field="file") from None
    except UnicodeDecodeError:
        raise InputError(f"{args.file.name}: not UTF-8 text", field="file") from None
    store = Store()
    preview = preview_import(store.load_scenario(args.name), args.kind, text, args.file.name)
    counts = store.import_records(args.name, args.kind, list(preview.documents)) \
        if preview.ok and not args.preview else {}
    if args.json:
        print_json({**preview.as_dict(), "written": bool(counts), **counts})
    else:
        for row in preview.rows:
            if row.error:
                print(row.error)
        if preview.problem and all(row.error is None for row in preview.rows):
            print(preview.problem)
        if counts:
            print(f"stored {counts['created']} new and {counts['updated']} updated {args.kind} in {args.name!r}")
        elif preview.ok:
            print(f"{len(preview.rows)} {args.kind} row(s) valid; nothing stored (--preview)")
    if not preview.ok:
        first = next((row for row in preview.rows if row.error), None)
        if first is not None:
            raise InputError(f"{first.error}", field=first.field)
        raise InputError(f"{preview.problem}", field="file")
    return 0
