"""``network info``: size, components, bounding box and cleaning report of a network."""

from __future__ import annotations

import argparse

from planner.cli._arguments import add_scenario_argument
from planner.cli.output import print_json


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``network`` command."""
    parser = subparsers.add_parser("network", help="inspect a scenario's road network",
                                   description="Inspect a scenario's road network.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="nodes, edges, components, bounding box",
                              description="Nodes, edges, components, bounding box and what cleaning dropped.")
    add_scenario_argument(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=network_info)


def network_info(args: argparse.Namespace) -> int:
    """Print the network summary of a scenario."""
    from planner.cli._common import load_scenario
    from planner.scenario.network import network_for

    info = network_for(load_scenario(args.scenario)).info()
    if args.json:
        print_json(info)
        return 0
    cleaning = info["cleaning"]
    print(f"network {info['name']}: {info['nodes']} nodes, {info['edges']} directed edges, "
          f"{info['length_km']} km, {info['strong_components']} strongly connected component(s)")
    print(f"bounding box (lon/lat): {info['bbox']}")
    print(f"cleaning: dropped {cleaning['nodes_dropped']} nodes and {cleaning['edges_dropped']} edges outside "
          f"the largest strongly connected component; {cleaning['self_loops']} self-loops, "
          f"{cleaning['zero_length_edges']} zero-length edges contracted")
    return 0
