"""``python -m planner upkeep --scenario NAME [--day YYYY-MM-DD] [--json]``: the upkeep board.

Inspections overdue or due within 30 days, equipment in maintenance or out of service, stock lots and
certificates expired or expiring (:func:`planner.availability.upkeep_board`); the day defaults to today
in the scenario's zone (``planner.clock``).
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from planner.cli._arguments import add_scenario_argument
from planner.cli.output import print_json, print_table
from planner.clock import today
from planner.errors import InputError


def register(subparsers: Any) -> None:
    """Add the ``upkeep`` command."""
    parser = subparsers.add_parser("upkeep", help="inspections due, equipment down, stock and certificates expiring",
                                   description="The upkeep board: inspections overdue or due soon, equipment not in "
                                               "service, stock and certificates expired or expiring.")
    add_scenario_argument(parser)
    parser.add_argument("--day", metavar="YYYY-MM-DD", help="the day (default: today in the scenario's zone)")
    parser.add_argument("--within-days", type=int, default=30, help="what falls due within this many days (30)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the board."""
    from planner.availability import upkeep_board
    from planner.cli._common import load_scenario

    scenario = load_scenario(args.scenario)
    try:
        day = today(scenario.zone) if args.day is None else dt.date.fromisoformat(args.day)
    except ValueError:
        raise InputError(f"--day {args.day!r} is not a date (YYYY-MM-DD)", field="day") from None
    if args.within_days < 0:
        raise InputError(f"--within-days {args.within_days} must be >= 0", field="within-days")
    board = upkeep_board(scenario, day, within_days=args.within_days)
    if args.json:
        print_json(board.to_dict())
        return 0
    for section in ("inspections", "equipment_down", "stock", "certificates"):
        items = getattr(board, section)
        print(f"\n{section} ({len(items)})")
        if items:
            print_table(("status", "record", "holder", "what", "day", "days left"),
                        [(i.status, i.record, i.holder, i.what, i.day or "", "" if i.days_left is None else i.days_left)
                         for i in items])
    return 0
