"""``python -m planner coverage``: coverage against response standards, and what-if plans.

Without a what-if option it prints the share of sites passing per standard and the gap list (red
sites first, then the largest shortfall); with ``--json`` the whole report. What-if options (any
mix): ``--commit TEAM``, ``--close-base BASE``, ``--move-team TEAM=BASE`` or ``TEAM=LON,LAT``, and
``--add-bases K --candidates FILE.csv --team-type TYPE [--turnout-min M] [--tier TIER]``; the answer
is the change in coverage and in the gap list. ``--every-town-and-site`` takes every town of the
scenario's network and every hazard site as the candidates instead of a file; ``--siting p-median``
chooses the new bases that bring the first team soonest (risk-weighted, proven by the exact p-median)
instead of those that bring the most risk weight within standard (MCLP, the default).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.datums import to_wgs84
from planner.cli._arguments import add_crs_argument, add_road_options, add_scenario_argument
from planner.cli.output import describe_roads, print_json, print_table
from planner.errors import InputError
from planner.model.codes import TeamType, Tier, label

if TYPE_CHECKING:
    from planner.availability import AvailabilityReport
    from planner.roads.conditions import RoadConditions
    from planner.scenario.model import Scenario


def register(subparsers: Any) -> None:
    """Add the ``coverage`` command."""
    parser = subparsers.add_parser(
        "coverage",
        help="coverage of hazard sites against response standards; what-if plans",
        description="Check every hazard site against the response standards that apply to it "
                    "(first and second responder, shortfall, backup), or the change a what-if plan makes.",
    )
    add_scenario_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--pdf", type=Path, metavar="FILE.pdf",
                        help="also write the coverage report (standards, map and gap list) as a printable PDF")
    parser.add_argument("--html", type=Path, metavar="FILE.html",
                        help="also write the same coverage report as one printable HTML page")
    parser.add_argument("--standard", metavar="ID", help="show only this standard's rows in the table")
    parser.add_argument("--at", metavar="ISO", help="coverage with the teams available at this time (people on duty, "
                        "strength rules) beside nominal coverage, both on the roads of that moment's time band, "
                        "e.g. 2026-07-01T02:00; with a what-if plan, its before and after without the teams "
                        "that cannot answer then")
    parser.add_argument("--commit", action="append", default=[], metavar="TEAM",
                        help="treat this team as committed elsewhere (repeatable)")
    parser.add_argument("--close-base", action="append", default=[], metavar="BASE",
                        help="what-if: this base is closed, its teams out (repeatable)")
    parser.add_argument("--move-team", action="append", default=[], metavar="TEAM=BASE|TEAM=LON,LAT",
                        help="what-if: station a team at another base or a point (repeatable)")
    parser.add_argument("--add-bases", type=int, default=0, metavar="K",
                        help="what-if: add the K best bases from --candidates (MCLP, risk-weighted)")
    parser.add_argument("--candidates", type=Path, metavar="FILE.csv",
                        help="candidate bases: columns id,lon,lat or id,node")
    add_crs_argument(parser, "--move-team points and --candidates rows (a crs column overrides it per row)")
    parser.add_argument("--every-town-and-site", action="store_true",
                        help="candidate bases: every town of the scenario's network and every hazard site")
    parser.add_argument("--siting", choices=["mclp", "p-median"], default="mclp",
                        help="how --add-bases chooses: most risk weight within standard (mclp, default) or the "
                             "least risk-weighted arrival of the first team (p-median)")
    parser.add_argument("--team-type", choices=[t.value for t in TeamType], help="team type of each new base")
    parser.add_argument("--turnout-min", type=float, default=5.0, help="turn-out minutes of new teams (default 5)")
    parser.add_argument("--tier", choices=[t.value for t in Tier], default="local", help="tier of new bases")
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds for --add-bases (default 30)")
    add_road_options(parser, at=False)  # --at above: who is on duty, and the time band the roads are driven in
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Load the scenario, assess coverage or a what-if plan, and print it."""
    from planner.cli._common import day_for
    from planner.coverage.verdict import coverage
    from planner.coverage.whatif import Plan, TeamTemplate, scenario_candidates, what_if

    scenario, day = day_for(args, args.scenario)  # --at: who is on duty then, and the time band of the roads
    roads = day.roads
    if args.standard is not None and args.standard not in scenario.by_id("standards"):
        raise InputError(f"standards: unknown id {args.standard!r}", field="standard", record=args.standard)
    what_if_asked = bool(args.close_base or args.move_team or args.add_bases)
    if not what_if_asked:
        if args.candidates or args.every_town_and_site or args.team_type or args.siting != "mclp":
            raise InputError("--candidates, --every-town-and-site, --team-type and --siting go with --add-bases K",
                             field="add-bases")
        if day.available is not None:
            if args.pdf is not None or args.html is not None:
                raise InputError("--pdf and --html write the nominal coverage report; they do not go with --at",
                                 field="pdf" if args.pdf is not None else "html")
            return _print_now(args, scenario, day.available, roads)
        report = coverage(scenario, out={t: "committed" for t in args.commit}, roads=roads)
        if args.pdf is not None or args.html is not None:
            from planner.coverage.printout import coverage_html, coverage_pdf

            agency = str(scenario.meta.get("agency", ""))
            if args.pdf is not None:
                args.pdf.write_bytes(coverage_pdf(report, scenario, agency=agency))
            if args.html is not None:
                args.html.write_text(coverage_html(report, scenario, agency=agency), encoding="utf-8")
        if args.json:
            print_json(report.to_dict())
        else:
            _print_report(report, args.standard)
        return 0
    if args.pdf is not None or args.html is not None:
        raise InputError("--pdf and --html write the coverage report; they do not go with what-if options",
                         field="pdf" if args.pdf is not None else "html")
    if args.add_bases < 0:
        raise InputError(f"--add-bases {args.add_bases} must be >= 0", field="add-bases")
    template = None
    candidates: tuple[Any, ...] = ()
    if args.add_bases:
        if (args.candidates is None) == (not args.every_town_and_site) or args.team_type is None:
            raise InputError("--add-bases needs --team-type and one of --candidates FILE.csv or "
                             "--every-town-and-site", field="candidates")
        template = TeamTemplate(TeamType(args.team_type), turnout_min=args.turnout_min, tier=Tier(args.tier))
        candidates = (scenario_candidates(scenario) if args.every_town_and_site
                      else read_candidates(args.candidates, args.crs))
    if not args.time_limit > 0:
        raise InputError(f"--time-limit {args.time_limit:g} must be > 0", field="time-limit")
    plan = Plan(committed=tuple(args.commit), close_bases=tuple(args.close_base),
                move_teams=dict(parse_move(m, args.crs) for m in args.move_team), add_k=args.add_bases,
                candidates=candidates, template=template, model=args.siting)
    result = what_if(scenario, plan, time_limit_s=args.time_limit, roads=roads, unavailable=day.out)
    if args.json:
        print_json(result.to_dict(full=False))
    else:
        _print_what_if(result)
    return 0


def _print_now(args: argparse.Namespace, scenario: Scenario, available: AvailabilityReport,
               roads: RoadConditions | None) -> int:
    """Coverage with the teams available at ``--at`` beside nominal coverage, both on the roads then."""
    from planner.coverage.available import coverage_now

    result = coverage_now(scenario, available, {t: "committed" for t in args.commit}, roads=roads)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"Available at {result.at.isoformat()} against nominal:")
    nominal = {s.standard: s for s in result.nominal.standards}
    print_table(["standard", "sites", "passing nominal", "passing now", "met nominal", "met now"],
                [[s.standard, s.sites, nominal[s.standard].passing, s.passing,
                  "yes" if nominal[s.standard].met else "NO", "yes" if s.met else "NO"] for s in result.now.standards])
    if result.lost:
        print(f"\nPassing nominally, failing now ({len(result.lost)}): "
              + ", ".join(f"{site} ({standard})" for site, standard in result.lost))
    _print_report(result.now, args.standard)
    return 0


def parse_move(text: str, crs: str = "wgs84") -> tuple[str, str | tuple[float, float]]:
    """``T=BASE`` or ``T=LON,LAT`` to (team, base id or WGS-84 point), the point given in ``crs``."""
    team, sep, target = text.partition("=")
    if not sep or not team.strip() or not target.strip():
        raise InputError(f"--move-team {text!r}: expected TEAM=BASE or TEAM=LON,LAT", field="move-team")
    parts = target.split(",")
    if len(parts) == 2:
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            raise InputError(f"--move-team {text!r}: LON,LAT must be numbers", field="move-team") from None
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise InputError(f"--move-team {text!r}: ({lon}, {lat}) is not a lon/lat point", field="move-team")
        return team.strip(), to_wgs84(lon, lat, crs)
    return team.strip(), target.strip()


def read_candidates(path: Path, crs: str = "wgs84") -> tuple[Any, ...]:
    """Candidate bases from a CSV with a header ``id,lon,lat[,crs]`` or ``id,node``; InputError names the line.

    Points are in ``crs`` unless the row's ``crs`` cell names another one.
    """
    from planner.coverage.whatif import Candidate
    from planner.model.reading import csv_dicts, csv_lines, read_text

    header, records = csv_dicts(csv_lines(read_text(path, field="candidates")), str(path))
    rows = [row for _, row in records]
    if not rows:
        raise InputError(f"{path}: no candidate rows", field="candidates", record=str(path))
    if "id" not in header or not ({"lon", "lat"} <= set(header) or "node" in header):
        raise InputError(f"{path} line 1: expected header id,lon,lat or id,node", field="candidates",
                         record=str(path))
    found = []
    for number, row in enumerate(rows, start=2):
        try:
            if row.get("node") not in (None, ""):
                found.append(Candidate(str(row["id"]).strip(), node=int(str(row["node"]))))
            else:
                lon, lat = to_wgs84(float(str(row["lon"])), float(str(row["lat"])), (row.get("crs") or crs).strip())
                found.append(Candidate(str(row["id"]).strip(), lon=lon, lat=lat))
        except (TypeError, ValueError) as error:
            raise InputError(f"{path} line {number}: {error}", field="candidates", record=str(path)) from None
    ids = [c.id for c in found]
    if len(set(ids)) != len(ids) or "" in ids:
        raise InputError(f"{path}: candidate ids must be unique and non-empty", field="candidates", record=str(path))
    return tuple(found)


def _minutes(value: float | None) -> str:
    return "unreachable" if value is None or not math.isfinite(value) else f"{value:.1f}"


def _print_report(report: Any, only: str | None) -> None:
    print(f"Coverage of {report.scenario}: {len(report.sites)} site x standard checks, "
          f"{report.searches} searches ({report.direction}), {report.wall_s:.2f} s")
    if report.roads is not None:
        print(f"Roads: {describe_roads(report.roads)}")
    print_table(
        ["standard", "max min", "tiers", "sites", "passing", "share", "needed", "met", "backup"],
        [[s.standard, s.max_min, ",".join(s.tiers) or "any", s.sites, s.passing,
          "-" if s.share is None else f"{s.share:.0%}", f"{s.min_share:.0%}", "yes" if s.met else "NO",
          "-" if s.backup_share is None else f"{s.backup_share:.0%}"] for s in report.standards],
    )
    gaps = [g for g in report.gaps if only is None or g.standard == only]
    print(f"\nGap list ({len(gaps)}): red first, then largest shortfall")
    if gaps:
        print_table(
            ["site", "risk", "standard", "first responder", "min", "max", "short by", "backup"],
            [[g.site, label("risk_grade", g.risk_grade), g.standard,
              g.first.team if g.first else ("unreachable" if g.unreachable else "none"),
              _minutes(g.minutes), g.max_min, _minutes(g.shortfall_min), "yes" if g.backup else "no"] for g in gaps],
        )
    if report.excluded:
        print(f"\nNot responding ({len(report.excluded)}): "
              + ", ".join(f"{e.team} ({e.reason})" for e in report.excluded))


def _print_what_if(result: Any) -> None:
    if result.before.roads is not None:
        print(f"Roads (before and after): {describe_roads(result.before.roads)}")
    for line in result.changes:
        print(f"- {line}")
    if result.selection is not None:
        s = result.selection
        print(f"  model {s.model}: {s.status}, objective {s.objective:g} (before {s.objective_before:g}), "
              f"{s.method}, {s.wall_s:.2f} s")
    print_table(
        ["standard", "sites", "passing before", "after", "share before", "after", "met before", "after"],
        [[c.standard, c.sites, c.passing_before, c.passing_after,
          "-" if c.share_before is None else f"{c.share_before:.0%}",
          "-" if c.share_after is None else f"{c.share_after:.0%}",
          "yes" if c.met_before else "NO", "yes" if c.met_after else "NO"] for c in result.standards],
    )
    print(f"\nGaps: {result.gaps_before} before, {result.gaps_after} after")
    for title, rows in (("Newly passing", result.newly_passing), ("Newly failing", result.newly_failing),
                        ("Backup lost", result.backup_lost)):
        if rows:
            print(f"\n{title} ({len(rows)})")
            print_table(["site", "risk", "standard", "min before", "min after", "first before", "first after"],
                        [[r.site, r.risk_grade, r.standard, _minutes(r.minutes_before), _minutes(r.minutes_after),
                          r.first_before or "none", r.first_after or "none"] for r in rows])
