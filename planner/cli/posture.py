"""``python -m planner posture``: readiness posture and pre-positioning for a warning.

``--cap FILE`` reads a CAP 1.2 alert (refused whole, with one error line, when malformed, expired,
cancelled, a test, or with an unknown area type); ``--warning FILE`` reads a warning entered by hand
(JSON or YAML, see ``planner.posture.warnings.warning_from_dict``). The answer lists the critical periods
in force, the sites whose risk grade the warning raises, the teams put on higher readiness, the moves
to standby points, their compensation, and the risk-weighted coverage of the current posture, doing
nothing, greedy nearest moves and the optimiser, each with what it means, and why "current" and "do
nothing" differ (the turn-out of the teams on higher readiness, naming the (site, standard) pairs it
changes). ``--now`` sets the clock used to refuse expired alerts (to replay an old alert), ``--at``
the moment the posture is for (default: the warning's onset).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from planner import clock
from planner.cli._arguments import add_road_options, add_scenario_argument
from planner.cli.output import describe_roads, print_json, print_table
from planner.errors import InputError


def register(subparsers: Any) -> None:
    """Add the ``posture`` command."""
    parser = subparsers.add_parser(
        "posture",
        help="readiness posture and pre-positioning of teams for an early warning (CAP 1.2)",
        description="Raise the risk of sites inside a warning's area, put teams on higher readiness and "
                    "choose moves to standby points that maximise risk-weighted coverage.",
    )
    add_scenario_argument(parser)
    parser.add_argument("--cap", type=Path, action="append", default=[], metavar="FILE",
                        help="CAP 1.2 alert file (repeatable)")
    parser.add_argument("--warning", type=Path, action="append", default=[], metavar="FILE",
                        help="warning entered by hand, JSON or YAML (repeatable)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--at", metavar="ISO-TIME", help="when the posture holds (default: the warnings' onset)")
    parser.add_argument("--now", metavar="ISO-TIME", help="clock for refusing expired alerts (default: now)")
    parser.add_argument("--max-moves", type=int, help="at most this many moves (default: the scenario's rules)")
    parser.add_argument("--time-limit", type=float, help="solver seconds per stage (default: the scenario's rules)")
    parser.add_argument("--staging", type=Path, metavar="FILE.csv",
                        help="staging points instead of the scenario's own (stored, or its folder's when not stored)")
    add_road_options(parser, at=False)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read the warnings, plan the posture, print it."""
    from planner.availability.settings import availability_rules
    from planner.cli._common import load_with_settings, roads_for
    from planner.posture.prepositioning import plan_posture
    from planner.posture.settings import posture_inputs
    from planner.posture.staging import read_staging_points
    from planner.store.database import Store

    if not args.cap and not args.warning:
        raise InputError("give --cap FILE or --warning FILE", field="cap")
    now = clock.aware(args.now, "now") if args.now else None
    at = clock.aware(args.at, "at") if args.at else None
    warnings = read_warnings(args.cap, args.warning, now=now)
    scenario, documents, _ = load_with_settings(args.scenario, Store())
    roads = roads_for(args, scenario, documents, use_at=False)
    inputs = posture_inputs(documents, scenario)
    staging = read_staging_points(args.staging) if args.staging else inputs.staging
    report = plan_posture(scenario, warnings, rules=inputs.rules, staging=staging, calendar=inputs.calendar, at=at,
                          max_moves=args.max_moves, time_limit_s=args.time_limit, roads=roads,
                          availability_rules=availability_rules(documents, scenario))
    if args.json:
        print_json(report.to_dict(full=False))
    else:
        _print(report, scenario.zone)
    return 0


def read_warnings(caps: list[Path], manual: list[Path], *, now: dt.datetime | None) -> list[Any]:
    """Read CAP 1.2 files and warnings entered by hand (JSON or YAML), refusing those expired by ``now``."""
    from planner.posture.cap import read_cap
    from planner.posture.warnings import warning_from_dict

    warnings: list[Any] = [w for path in caps for w in read_cap(path, now=now)]
    warnings += [warning_from_dict(_read_mapping(path), record=path.name, now=now) for path in manual]
    return warnings


def _read_mapping(path: Path) -> Any:
    from planner.model.reading import parse_json, parse_yaml, read_text

    text = read_text(path, field="warning")
    if path.suffix.lower() == ".json":
        return parse_json(text, path.name, field="warning")
    return parse_yaml(text, path.name, field="warning")


def _print(report: Any, zone: dt.tzinfo) -> None:
    def shown(text: str | None) -> str:
        return clock.shown(dt.datetime.fromisoformat(text), zone) if text else "open end"

    print(f"Posture of {report.scenario} at {shown(report.at)}: {len(report.warnings)} warning(s), "
          f"periods: {', '.join(report.periods) or 'none'}; solver {report.status}, {report.wall_s:.2f} s")
    for w in report.warnings:
        print(f"  {w['id']}: {w['event']} ({w['level']}, {w['severity']}) {shown(w['onset'])} .. {shown(w['expires'])}")
    print(f"\nSites at raised risk ({len(report.site_raises)}):")
    print_table(["site", "kind", "before", "after"],
                [[r.site, r.kind, r.grade_before, r.grade_after] for r in report.site_raises])
    print(f"\nTeams on higher readiness: {len(report.team_raises)} "
          f"({sum(r.level_after == 'full' for r in report.team_raises)} on full combat readiness)")
    print("\nMoves (optimiser):")
    print_table(["team", "from", "to", "region", "agreement", "drive min", "cost yuan"],
                [[m.team, m.from_base, m.to, f"{m.from_region}->{m.to_region}", m.agreement or "-", m.drive_min, m.cost]
                 for m in report.moves])
    print("\nRisk-weighted coverage of (site, standard) pairs within standard:")
    print_table(["posture", "weight", "share", "passing", "moves", "cost yuan", "seconds"],
                [[f.name, f.weight, f"{f.share:.1%}", f"{f.passing}/{f.rows}", f.moves, f.cost, f"{f.wall_s:.3f}"]
                 for f in report.figures])
    for f in report.figures:
        print(f"  {f.name}: {f.meaning}")
    print("\nWhy the figures differ:")
    for line in report.explanation:
        print(f"  {line}")
    if report.ledger.get("total"):
        print(f"\nCompensation ledger for the warning's window: {report.ledger['total']:.2f} yuan")
    if report.roads is not None:
        print(f"\nRoads: {describe_roads(report.roads)}")
    proposed = report.proposed_closures
    if proposed is not None:
        print(f"\nClosures the warnings propose (not applied; store them as set {proposed['name']!r} to apply):")
        for closure in proposed["closures"]:
            factor = closure.get("speed_factor")
            print(f"  {closure['id']}: {'closed' if factor is None else f'speed x {factor:g}'} - {closure['label']}")
    for note in report.notes:
        print(f"note: {note}")
