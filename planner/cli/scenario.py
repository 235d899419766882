"""``scenario list|load|export``: the scenario library and the store."""

from __future__ import annotations

import argparse
from pathlib import Path

from planner.cli.output import print_json, print_table
from planner.scenario.paths import library_names


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
    from planner.scenario.files import write_scenario
    from planner.store.database import Store
    from planner.store.settings import write_folder_settings

    store = Store()
    scenario = store.load_scenario(args.name)
    folder = write_scenario(scenario, args.folder)
    written = write_folder_settings(store, scenario.name, folder)
    extra = f" with {', '.join(written)}" if written else ""
    print(f"wrote scenario {scenario.name!r} to {folder}{extra}")
    return 0
