"""``import-osm FILE --name NAME``: an OpenStreetMap extract into a drivable network."""

from __future__ import annotations

import argparse
from pathlib import Path

from planner.cli.output import print_json
from planner.settings import imported_networks_dir


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``import-osm`` command."""
    parser = subparsers.add_parser(
        "import-osm", help="import an OSM extract (.osm.pbf, .osm, .osm.gz, .osm.bz2)",
        description="Import an OpenStreetMap extract as a drivable network (largest strongly connected "
                    "component), saved for use by scenarios as {kind: imported, name: NAME}.")
    parser.add_argument("file", type=Path, help="the extract")
    parser.add_argument("--name", required=True, help="name to save the network under")
    parser.add_argument("--json", action="store_true", help="print the network summary as JSON")
    parser.set_defaults(handler=import_osm)


def import_osm(args: argparse.Namespace) -> int:
    """Read, clean and save the network, then report it."""
    from geodata.network import write_network_csv
    from geodata.osm.reader import read_osm

    network = read_osm(args.file, name=args.name)
    folder = imported_networks_dir() / args.name
    write_network_csv(network, folder)
    info = {**network.info(), "saved_to": str(folder)}
    if args.json:
        print_json(info)
    else:
        print(f"imported {args.file.name} as {args.name!r}: {info['nodes']} nodes, {info['edges']} edges, "
              f"{info['strong_components']} strongly connected component; saved to {folder}")
    return 0
