"""``python -m planner drills plan|design|simulate|evaluate``: the drill programme engine from the command line.

- ``plan --scenario NAME --year YYYY [--json] [--ics FILE] [--csv FILE] [--save]``: the annual programme from
  the stored plans and calendar, the documents the web app and its jobs read (a scenario that is not stored,
  e.g. a folder path, brings its folder's ``plans.yaml`` and ``calendar.yaml``); unmet rules are listed with
  their reasons; ``--save`` stores the programme.
- ``design --scenario NAME --template ID --site ID [--start ISO] [--json]``: objectives, expected dispatch, MSEL.
- ``simulate --scenario NAME --template ID --site ID [--runs N] [--seed S] [--json]``: Monte Carlo key times.
- ``evaluate --scenario NAME --drill KEY --observed FILE [--plan ID] [--owner NAME] [--date D] [--by NAME]
  [--expected-version N] [--html FILE] [--summary-html FILE] [--pdf FILE] [--json]``: evaluates a drill of
  the stored programme with the same procedure as the web (:mod:`planner.drills.evaluation_store`) and stores
  the evaluation, its history and the new corrective actions; files are written only when asked for.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from planner import clock
from planner.cli._arguments import add_road_options
from planner.cli.output import print_json, print_table
from planner.errors import InputError, NotFoundError


def register(subparsers: Any) -> None:
    """Add the ``drills`` command and its sub-commands."""
    parser = subparsers.add_parser("drills", help="drill programme, design, simulation and evaluation",
                                   description="Plan a year's drills, design one, simulate it, evaluate it.")
    sub = parser.add_subparsers(dest="drills_command", metavar="ACTION", required=True)

    plan = sub.add_parser("plan", help="schedule the annual drill programme (CP-SAT)")
    plan.add_argument("--scenario", required=True, metavar="NAME", help="shipped scenario name or folder")
    plan.add_argument("--year", required=True, type=int, metavar="YYYY")
    plan.add_argument("--json", action="store_true", help="print the programme as JSON")
    plan.add_argument("--ics", metavar="FILE", help="also write an iCalendar file")
    plan.add_argument("--csv", metavar="FILE", help="also write a CSV file")
    plan.add_argument("--save", action="store_true",
                      help="store the programme as the year's programme of the stored scenario (replacing it)")
    plan.add_argument("--time-limit", type=float, default=None, metavar="S", dest="time_limit_s",
                      help="CP-SAT limit per solve, seconds (default: calendar.yaml)")
    plan.set_defaults(handler=run_plan)

    design = sub.add_parser("design", help="design a drill: objectives, expected dispatch, MSEL")
    _case_arguments(design)
    design.add_argument("--start", default=None, metavar="ISO",
                        help="alarm time, e.g. 2026-04-08T09:00 (the scenario's local time; default today 09:00)")
    design.add_argument("--json", action="store_true")
    design.set_defaults(handler=run_design)

    simulate = sub.add_parser("simulate", help="Monte Carlo simulation of a drill or incident (SimPy)")
    _case_arguments(simulate)
    simulate.add_argument("--runs", type=int, default=1000, metavar="N")
    simulate.add_argument("--seed", type=int, default=0)
    simulate.add_argument("--weather", default=None)
    simulate.add_argument("--time-of-day", default=None, dest="time_of_day")
    simulate.add_argument("--json", action="store_true")
    add_road_options(simulate)
    start = simulate.add_mutually_exclusive_group()
    start.add_argument("--closures-from", type=float, default=None, metavar="MIN", dest="closures_from_min",
                       help="the closures apply from this minute after the alarm (default: from the alarm)")
    start.add_argument("--closures-inject", default=None, metavar="ID", dest="closures_inject",
                       help="the closures apply from this template inject's time (a surprise branch: bridge closed)")
    simulate.set_defaults(handler=run_simulate)

    evaluate = sub.add_parser(
        "evaluate", help="evaluate a stored drill from its observed timeline; store it as the web does",
        description="Score a drill of a stored programme from its observed timeline, store the evaluation (the "
                    "earlier one is kept in the history) and its corrective actions, exactly as the web does.")
    evaluate.add_argument("--scenario", required=True, metavar="NAME", help="stored scenario")
    evaluate.add_argument("--drill", required=True, metavar="KEY", help="drill key <year>-<programme drill id>")
    evaluate.add_argument("--observed", required=True, metavar="FILE", help="observed timeline CSV")
    evaluate.add_argument("--plan", default=None, metavar="ID",
                          help="plan the findings flag (default: the drill's first)")
    evaluate.add_argument("--owner", default=None, metavar="NAME", help="owner of the corrective actions "
                          "(default: the drill's owner)")
    evaluate.add_argument("--date", default=None, metavar="YYYY-MM-DD",
                          help="evaluation date the actions are due from (default: today in the scenario's zone)")
    evaluate.add_argument("--by", default="cli", metavar="NAME", help="who evaluates, as recorded (default: cli)")
    evaluate.add_argument("--expected-version", type=int, default=None, metavar="N", dest="expected_version",
                          help="version of the drill's evaluation you read (default: the stored one)")
    evaluate.add_argument("--html", default=None, metavar="FILE", help="also write the evaluation report")
    evaluate.add_argument("--summary-html", default=None, metavar="FILE", dest="summary_html",
                          help="also write the summary report")
    evaluate.add_argument("--pdf", default=None, metavar="FILE", help="also write both reports as PDF")
    evaluate.add_argument("--json", action="store_true", help="print the stored evaluation as the API answers it")
    evaluate.set_defaults(handler=run_evaluate)


def _case_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", required=True, metavar="NAME")
    parser.add_argument("--template", required=True, metavar="ID", help="incident template of scenarios/library")
    parser.add_argument("--site", required=True, metavar="ID", help="hazard site id")


def _template(template_id: str) -> Any:
    from planner.drills.parameters import library_template
    from planner.scenario.library import load_library

    return library_template(load_library(), template_id)


def run_plan(args: argparse.Namespace) -> int:
    """Schedule and print the programme."""
    from planner.availability.settings import availability_rules
    from planner.cli._common import load_with_settings
    from planner.drills.calendar_export import to_csv, write_ics
    from planner.drills.parameters import PlanParameters
    from planner.drills.programme import schedule_programme
    from planner.drills.settings import drill_calendar, plan_set
    from planner.jobs.registry import parse_params
    from planner.scenario.library import load_library
    from planner.store.database import Store

    given = {"year": args.year, "time_limit_s": args.time_limit_s}
    params = parse_params(PlanParameters, {k: v for k, v in given.items() if v is not None})
    store = Store()
    scenario, documents, stored = load_with_settings(args.scenario, store)
    if args.save and not stored:
        raise InputError(f"scenario {args.scenario!r} is not stored: load it first to save its programme",
                         field="scenario")
    library = load_library()
    plans = plan_set(documents, scenario)
    calendar = drill_calendar(documents, scenario, params.year)
    programme = schedule_programme(scenario, plans, calendar, library, rules=availability_rules(documents, scenario),
                                   time_limit_s=params.time_limit_s)
    if args.ics:
        write_ics(programme, args.ics)
    if args.csv:
        Path(args.csv).write_text(to_csv(programme), encoding="utf-8")
    if args.save:
        from planner.drills.records import save_programme

        version = save_programme(store, scenario.name, programme.to_json(), replace=True, actor="cli")
        if not args.json:
            print(f"stored as the {programme.year} programme of {scenario.name} (version {version})")
    if args.json:
        print_json(programme.to_json())
        return 0
    print(f"drill programme {programme.year}: {len(programme.drills)} drills, {programme.status.value} "
          f"in {programme.wall_s:.1f} s")
    print_table(("date", "form", "scope", "scenario", "plans", "teams"),
                [(d.date, d.form, d.scope, d.scenario, ",".join(d.plans), ",".join(d.teams))
                 for d in programme.drills])
    if programme.unmet:
        print()
        print("unmet:")
        for u in programme.unmet:
            print(f"  {u.rule} {u.plan or u.organisation or ''}: {u.reason}")
    return 0


def run_design(args: argparse.Namespace) -> int:
    """Design and print a drill."""
    from planner.drills.design import design_drill
    from planner.scenario.files import read_scenario

    scenario = read_scenario(args.scenario)
    start = (clock.local_moment(args.start, scenario.zone, "start") if args.start
             else clock.at_local(clock.today(scenario.zone), dt.time(9, 0), scenario.zone))
    design = design_drill(scenario, _template(args.template), args.site, start=start)
    payload = design.to_json()
    if args.json:
        print_json(payload)
        return 0
    print(f"drill {design.template} at {design.site}, alarm {clock.shown(design.start, scenario.zone)}")
    print_table(("objective", "target_min"), [(o.text, o.target_min) for o in design.objectives])
    print()
    print_table(("team", "arrival_min"), [(e.team, e.arrival_min) for e in design.expected])
    print()
    print_table((f"time ({clock.zone_name(scenario.zone)})", "inject", "title", "expected actions"),
                [(f"{clock.local(r.time, scenario.zone):%H:%M}", r.inject, r.title, "; ".join(r.expected_actions))
                 for r in design.msel])
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    """Run the Monte Carlo simulation and print the key-time distributions."""
    from planner.cli._common import load_with_settings, road_options_given, roads_for
    from planner.drills.parameters import SimulationParameters, closures_start_min, roads_from
    from planner.drills.sim_case import build_case
    from planner.drills.simulate import SimSettings, monte_carlo
    from planner.jobs.registry import parse_params
    from planner.roads.conditions import DRAWN
    from planner.scenario.files import read_scenario
    from planner.store.database import Store

    given = {"template": args.template, "site": args.site, "runs": args.runs, "seed": args.seed,
             "weather": args.weather, "time_of_day": args.time_of_day,
             "closures": args.closures or (DRAWN if args.close_area is not None else None),
             "closures_from_min": args.closures_from_min, "closures_inject": args.closures_inject}
    params = parse_params(SimulationParameters, {k: v for k, v in given.items() if v is not None})
    template = _template(params.template)
    start_min = closures_start_min(template, params)
    if road_options_given(args):  # a drill's surprise: a bridge closed
        scenario, documents, _ = load_with_settings(args.scenario, Store())
        roads = roads_for(args, scenario, documents)
        before, changes = roads_from(scenario, documents, roads, start_min)
    else:
        scenario, before, changes, roads = read_scenario(args.scenario), None, [], None
    case = build_case(scenario, template, params.site, roads=before, changes=changes)
    summary = monte_carlo(case, params.runs, seed=params.seed,
                          settings=SimSettings(weather=params.weather, time_of_day=params.time_of_day))
    payload = {**summary.to_dict(),
               "roads": None if roads is None else {**roads.describe(), "closures_from_min": start_min}}
    if args.json:
        print_json(payload)
        return 0
    print(f"{summary.runs} replications in {summary.wall_s:.2f} s (seed {summary.seed}), "
          f"escalated in {summary.escalated_share:.0%}")
    print_table(("metric", "share", "mean", "p50", "p90"),
                [(k, v["share"], v["mean"], v["p50"], v["p90"]) for k, v in payload["metrics"].items()])
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Evaluate a stored drill with the one evaluation procedure; write the reports only when asked."""
    from planner.drills.evaluation_store import evaluate_stored_drill, get_evaluation
    from planner.drills.records import drill_actions, drill_entry, parse_date
    from planner.drills.reports import drill_figure, evaluation_html, report_pdf, summary_html
    from planner.model.reading import read_text
    from planner.store.database import Store

    text = read_text(Path(args.observed), field="observed")
    on = parse_date(args.date, "date") if args.date else None
    store = Store()
    try:
        scenario = store.load_scenario(args.scenario)
    except NotFoundError:
        store.close()
        raise InputError(f"scenario {args.scenario!r} is not stored: load it and plan its drills first",
                         field="scenario") from None
    try:
        expected = args.expected_version
        if expected is None:
            try:
                expected = get_evaluation(store, args.scenario, args.drill)[1]
            except NotFoundError:
                expected = None
        outcome = evaluate_stored_drill(store, args.scenario, args.drill, text, actor=args.by,
                                        expected_version=expected, observed_field="observed", plan=args.plan,
                                        owner=args.owner, on=on)
        latest = outcome.record.latest()
        addressed = latest.addressed_by([a for a, _ in drill_actions(store, args.scenario, args.drill)])
        entry = drill_entry(store, args.scenario, args.drill)
    finally:
        store.close()
    evaluation = latest.evaluation
    figure = drill_figure(scenario, entry, evaluation) if args.html or args.summary_html or args.pdf else None
    if args.html:
        Path(args.html).write_text(evaluation_html(evaluation, figure), encoding="utf-8")
    if args.summary_html:
        Path(args.summary_html).write_text(summary_html(evaluation, addressed, figure), encoding="utf-8")
    if args.pdf:
        Path(args.pdf).write_bytes(report_pdf(evaluation, addressed, figure=figure))
    if args.json:
        print_json(outcome.to_json())
        return 0
    number = len(outcome.record.history) + 1
    print(f"drill {args.drill}: score {evaluation.score:.2f} / 5 (evaluation {number}, version {outcome.version}, "
          f"stored in {args.scenario})")
    print_table(("objective", "target", "observed", "rating"),
                [(r.objective, r.target_min, r.observed_min, r.rating) for r in evaluation.results])
    for finding in evaluation.findings:
        print(f"  {finding.id} [{finding.severity}] {finding.text}")
    for action in outcome.new_actions:
        print(f"  new action {action.id} due {action.due}: {action.text}")
    for proposal in latest.turnout_proposals:
        print(f"  proposal: {proposal.team} turnout_min {proposal.current_min:g} -> {proposal.proposed_min:g}")
    return 0
