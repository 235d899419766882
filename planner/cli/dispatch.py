"""``python -m planner dispatch``: on a problem file, or on a scenario with incidents by coordinates.

- ``dispatch --problem P.json [--json] [--greedy] [--time-limit S]`` reads a solver-level problem (see
  :mod:`planner.dispatch.problem`) and runs the optimiser (CP-SAT or HiGHS) or the greedy baseline.
- ``dispatch --scenario NAME --incident LON,LAT,TYPE[,PRIORITY] ... [--at ISO] [--json] [--ledger FILE.csv]``
  places incidents on a scenario's network, takes their needs from the incident templates, and
  prints the plan, the greedy comparison and the compensation ledger. With ``--at`` each team counts
  only what it can staff at that time (people on duty, valid certificates, strength rules,
  :func:`planner.availability.availability`), and the plan says what each unit brings and who was held
  back and why.

Bad input exits 2 naming the field, a retained minimum that cannot hold exits 3, no solution within the
time limit exits 4.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from planner.cli._arguments import add_crs_argument, add_road_options
from planner.cli.output import describe_roads, print_json, print_table
from planner.errors import InputError


def register(subparsers: Any) -> None:
    """Add the ``dispatch`` command."""
    parser = subparsers.add_parser(
        "dispatch",
        help="assign rescue units to incidents (CP-SAT or HiGHS, lexicographic)",
        description="Assign whole rescue units to incidents: least priority-weighted shortfall, "
        "then least weighted arrival minutes, then least compensation.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--problem", metavar="P.json", help="problem file (JSON)")
    source.add_argument("--scenario", metavar="NAME", help="a stored or shipped scenario (use with --incident)")
    parser.add_argument("--incident", action="append", default=[], metavar="LON,LAT,TYPE[,PRIORITY]",
                        help="an incident on the scenario's map; TYPE is an incident template id (repeatable)")
    add_crs_argument(parser, "--incident points")
    parser.add_argument("--at", metavar="ISO", help="with --scenario: dispatch with availability at this time, on "
                        "the roads of its time band (e.g. 2026-07-01T08:00, the scenario's zone when no offset); "
                        "default nominal strength and free flow")
    parser.add_argument("--ledger", metavar="FILE.csv", help="with --scenario: write the compensation ledger as CSV")
    parser.add_argument("--pdf", metavar="FILE.pdf",
                        help="with --scenario: write the dispatch summary (plan, comparison, materials, held back, "
                             "ledger) as a PDF to file")
    parser.add_argument("--html", metavar="FILE.html",
                        help="with --scenario: write the same dispatch summary as one printable HTML page")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_road_options(parser, at=False)  # --at above: who is on duty, and the time band the roads are driven in
    parser.add_argument("--greedy", action="store_true", help="run the greedy nearest-unit baseline instead")
    parser.add_argument(
        "--time-limit", type=float, default=10.0, metavar="S", dest="time_limit_s",
        help="solver wall-clock limit in seconds (default 10)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Solve the problem file and print the plan."""
    from planner.dispatch.greedy import solve_dispatch_greedy
    from planner.dispatch.optimiser import solve_dispatch
    from planner.dispatch.problem import load_problem

    if not args.time_limit_s > 0:
        raise InputError(f"--time-limit must be > 0 seconds, got {args.time_limit_s}", field="time_limit")
    if args.scenario:
        return run_scenario(args)
    if args.incident or args.at or args.pdf or args.html:
        field = "incident" if args.incident else "at" if args.at else "pdf" if args.pdf else "html"
        raise InputError("--incident, --at, --pdf and --html go with --scenario", field=field)
    problem = load_problem(args.problem)
    if args.greedy:
        result = solve_dispatch_greedy(problem)
    else:
        result = solve_dispatch(problem, time_limit_s=args.time_limit_s)
    payload = result.to_dict()
    if args.json:
        print_json(payload)
        return 0
    objective = payload["objective"]
    print(
        f"{result.method}: {payload['status']} in {payload['seconds']:.2f} s; "
        f"weighted shortfall {objective['weighted_shortfall']:g}, "
        f"weighted arrival {objective['weighted_arrival']:.1f} min, compensation {objective['compensation']:.2f}"
    )
    print()
    print_table(("unit", "incident", "arrival_min"), [(a.unit, a.incident, a.arrival_min) for a in result.assignments])
    if result.shortfall:
        print()
        print_table(
            ("incident", "capability", "missing", "deadline_min"),
            [(s.incident, s.capability, s.missing, s.deadline_min) for s in result.shortfall],
        )
    if result.borrowed:
        print()
        print_table(("unit", "lender", "borrower", "cost"),
                    [(b.unit, b.lender, b.borrower, b.cost) for b in result.borrowed])
    return 0


def parse_incident_option(text: str, index: int, crs: str = "wgs84") -> dict[str, Any]:
    """``LON,LAT,TYPE[,PRIORITY]`` as an incident request body, the point in ``crs`` (``--crs``)."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) not in (3, 4):
        raise InputError(f"--incident {text!r}: give LON,LAT,TYPE[,PRIORITY]", field="incident")
    try:
        lon, lat = float(parts[0]), float(parts[1])
        priority = int(parts[3]) if len(parts) == 4 else 1
    except ValueError:
        raise InputError(f"--incident {text!r}: LON and LAT must be numbers, PRIORITY a whole number",
                         field="incident") from None
    return {"id": f"I{index + 1}", "lon": lon, "lat": lat, "crs": crs, "type": parts[2], "priority": priority}


def run_scenario(args: argparse.Namespace) -> int:
    """Dispatch incidents placed on a scenario and print the plan, the comparison and the ledger."""
    import csv

    from planner.cli._common import day_for
    from planner.dispatch.requests import incident_library, parse_incident_request
    from planner.dispatch.scenario import availability_summary, dispatch_scenario

    if not args.incident:
        raise InputError("give at least one --incident LON,LAT,TYPE[,PRIORITY]", field="incident")
    library = incident_library()
    requests = [parse_incident_request(parse_incident_option(text, i, args.crs), i, library)
                for i, text in enumerate(args.incident)]
    scenario, day = day_for(args, args.scenario)  # --at: who is on duty then, and the time band of the roads
    run = dispatch_scenario(scenario, requests, time_limit_s=args.time_limit_s, available=day.available,
                            roads=day.roads)
    summary = availability_summary(run)
    if args.ledger:
        with open(args.ledger, "w", newline="", encoding="utf-8") as handle:
            columns = ["mission", "unit", "lender", "payer", "line", "item", "quantity", "rate", "days", "amount"]
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(run.ledger["lines"])
    if args.pdf or args.html:
        from planner.dispatch.printout import dispatch_html, dispatch_pdf

        header = {"agency": str(scenario.meta.get("agency", "")),
                  "scenario": str(scenario.meta.get("title_zh") or scenario.title)}
        if args.pdf:
            Path(args.pdf).write_bytes(dispatch_pdf(run, **header))
        if args.html:
            Path(args.html).write_text(dispatch_html(run, **header), encoding="utf-8")
    if args.json:
        print_json({"incidents": list(run.incidents), "optimal": run.optimal.to_dict(), "greedy": run.greedy.to_dict(),
                    "route_km": dict(run.route_km), "ledger": run.ledger, "availability": summary,
                    "roads": run.roads})
        return 0
    if run.roads is not None:
        print(f"roads: {describe_roads(run.roads)}")
    for incident in run.incidents:
        print(f"incident {incident['id']}: {incident['type']} in {incident['region']}, priority {incident['priority']}")
    for name, result in (("optimiser", run.optimal), ("greedy", run.greedy)):
        o = result.objective
        print(f"{name}: {result.status.value}; weighted shortfall {o.weighted_shortfall:g}, "
              f"weighted arrival {o.weighted_arrival:.1f} min, compensation {o.compensation:.2f}")
    print()
    brings = {} if summary is None else summary["units"]
    print_table(("unit", "incident", "arrival_min", "route_km", "people", "certificates"),
                [(a.unit, a.incident, a.arrival_min, run.route_km.get(a.unit),
                  brings.get(a.unit, {}).get("people", ""),
                  ", ".join(f"{k} {n}" for k, n in sorted(brings.get(a.unit, {}).get("qualifications", {}).items())))
                 for a in run.optimal.assignments])
    if run.optimal.shortfall:
        print()
        print_table(("incident", "capability", "missing", "deadline_min"),
                    [(s.incident, s.capability, s.missing, s.deadline_min) for s in run.optimal.shortfall])
    if run.optimal.materials or run.optimal.material_shortfall:
        print()
        print_table(("incident", "material", "depot", "lot", "quantity", "unit", "unit_price", "cost", "arrival_min"),
                    [(m.incident, m.material, m.depot, m.stock, m.quantity, m.unit, m.unit_price, m.cost, m.arrival_min)
                     for m in run.optimal.materials]
                    + [(m.incident, m.material, "(short)", "", m.missing, m.unit, "", "", "")
                       for m in run.optimal.material_shortfall])
    if summary is not None and summary["held_back"]:
        print(f"\nheld back at {summary['at']} (below declared strength):")
        for team in summary["held_back"][:10]:
            why = "; ".join(f"[{f['rule']}] {f['message']}" for f in team["flags"] if f["rule"] != "upkeep")
            print(f"  {team['team']}: {why or team['reason']}")
    print(f"\nledger: {len(run.ledger['lines'])} line(s), total {run.ledger['total']:.2f} yuan")
    return 0
