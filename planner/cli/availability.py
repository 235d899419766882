"""``python -m planner availability --scenario NAME [--at ISO] [--json]``: who and what is available at a time.

Prints, per team, the people on duty, the capability units it can staff against its nominal ones and the
flags that explain the difference (strength rules with their sources, certificates, equipment upkeep,
typing), from the one availability function (:func:`planner.availability.availability`) with the
scenario's stored rules. ``--at`` without an offset is a wall-clock time in the scenario's zone; without
``--at`` the product's clock (``planner.clock``) gives the time.
"""

from __future__ import annotations

import argparse
from typing import Any

from planner.cli._arguments import add_scenario_argument
from planner.cli.output import print_json, print_table
from planner.clock import local_moment, now
from planner.errors import InputError


def register(subparsers: Any) -> None:
    """Add the ``availability`` command."""
    parser = subparsers.add_parser(
        "availability", help="people on duty and what each team can staff at a time",
        description="Who is on duty and what each team can staff at a time, against what it declares, "
                    "with the rules (and their sources) it falls short of.")
    add_scenario_argument(parser)
    parser.add_argument("--at", metavar="ISO", help="the moment, e.g. 2026-07-01T08:00 (default: now)")
    parser.add_argument("--team", action="append", default=[], metavar="ID", help="only this team (repeatable)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Compute availability at the moment and print it."""
    from planner.availability import availability
    from planner.availability.settings import availability_rules
    from planner.cli._common import load_with_settings
    from planner.store.database import Store

    scenario, documents, _ = load_with_settings(args.scenario, Store())
    moment = now() if args.at is None else local_moment(args.at, scenario.zone, "at")
    report = availability(scenario, moment, availability_rules(documents, scenario))
    unknown = [t for t in args.team if t not in scenario.by_id("teams")]
    if unknown:
        raise InputError(f"teams: unknown id {unknown[0]!r}", field="team", record=unknown[0])
    teams = [t for t in report.teams if not args.team or t.id in args.team]
    if args.json:
        print_json({**report.to_dict(), "teams": [t.to_dict() for t in teams]})
        return 0
    declared = {t.id: t.capabilities for t in scenario.teams}
    print(f"{scenario.title}: availability at {report.at.isoformat()}")
    print_table(("team", "status", "on duty", "can staff / declares", "flags"),
                [(t.id, t.status, "-" if t.on_duty is None else f"{t.on_duty}/{t.people}",
                  ", ".join(f"{c} {t.capabilities.get(c, 0)}/{t.nominal.get(c, 0)}" for c in declared[t.id]),
                  len(t.flags)) for t in teams])
    for team in teams:
        for flag in team.flags:
            print(f"  {team.id}: [{flag.rule}] {flag.message}" + (f" (source: {flag.source})" if flag.source else ""))
    return 0
