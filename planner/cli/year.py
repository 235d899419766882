"""``python -m planner year``: a period as it happens, replicated, with 95 % intervals on every figure.

Incidents arrive over the period at the scenario's rates (``incident_rates.yaml``), units are sent by the
nearest-available rule or the dispatch optimiser, work on scene, drive back, and are held by the drill
programme's field drills (``--programme YEAR``) and by the postures of warnings (``--warning FILE``, ``--cap
FILE``: the teams the posture engine moves to standby, from onset to expiry; those it raises turn out
faster). Every drive takes the speeds of the time band it starts in (``--no-time-bands``: free flow), under
``--closures NAME`` when given. Prints per standard the share of incidents met in time, the share of the
period its sites were covered and p50/p90 response minutes, and per team utilisation, each with its 95 %
interval over ``--replications``. ``--workers N`` runs replications on N local processes, ``--scheduler
tcp://HOST:PORT`` on a Dask cluster (``local``: a ``LocalCluster`` of ``--workers``). ``--compare-*`` runs a
second configuration on the same seeds and reports the differences (``--compare-closures NAME``,
``--compare-closed-base BASE``: a what-if layout). Options are checked with the ``year`` job's parameter
model: a bad one exits with code 2 naming the field.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from planner.cli._arguments import add_scenario_argument
from planner.cli.output import print_json, print_table


def register(subparsers: Any) -> None:
    """Add the ``year`` command."""
    parser = subparsers.add_parser(
        "year", help="a year as it happens: incidents over time, units busy and returning, replications with CIs",
        description="Simulate a period of incidents arriving at the scenario's rates (SimPy), dispatched by the "
        "nearest-available rule or the optimiser, with queueing, drill holds and optional move-up; replicated, "
        "with confidence intervals at the 95 per cent level.")
    add_scenario_argument(parser)
    parser.add_argument("--days", type=float, default=365, help="length of the period, days (default 365; <= 3660)")
    parser.add_argument("--policy", default="nearest", help="nearest (default) or optimal (the dispatch optimiser)")
    parser.add_argument("--replications", type=int, default=20, help="independent replications (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--workers", type=int, default=1, help="local worker processes (default 1: serial)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a Dask scheduler, or 'local'")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="factor on every incident rate (default 1)")
    parser.add_argument("--warmup-days", type=float, default=0, help="days simulated before counting (default 0)")
    parser.add_argument("--programme", type=int, metavar="YEAR", help="hold the teams of this year's field drills")
    parser.add_argument("--year", type=int, help="calendar year the period starts in (default: the programme's, "
                        "else the first warning's, else this year)")
    parser.add_argument("--warning", type=Path, action="append", default=[], metavar="FILE",
                        help="a warning entered by hand, JSON or YAML, whose posture holds its teams (repeatable)")
    parser.add_argument("--cap", type=Path, action="append", default=[], metavar="FILE",
                        help="a CAP 1.2 alert whose posture holds its teams (repeatable)")
    parser.add_argument("--closures", metavar="NAME", help="every drive under this stored closure set (closures.yaml)")
    parser.add_argument("--no-time-bands", action="store_false", dest="time_bands",
                        help="ignore the scenario's speed bands (every drive at free-flow speeds)")
    parser.add_argument("--move-up", action="store_true", help="reposition free units when coverage drops")
    parser.add_argument("--time-limit", type=float, default=2.0, dest="time_limit_s",
                        help="optimiser limit per incident, seconds (default 2)")
    parser.add_argument("--checkpoint", metavar="DIR", help="keep finished replications in DIR and resume from them")
    parser.add_argument("--compare-policy", help="compare with this policy on the same seeds")
    parser.add_argument("--compare-rate-scale", type=float, help="compare with this rate scale on the same seeds")
    parser.add_argument("--compare-programme", type=int, metavar="YEAR",
                        help="compare with this year's drill programme (0: without any)")
    parser.add_argument("--compare-move-up", action=argparse.BooleanOptionalAction, default=None,
                        help="compare with move-up on (or off)")
    parser.add_argument("--compare-closures", metavar="NAME",
                        help="compare with every drive under this stored closure set, on the same seeds")
    parser.add_argument("--compare-closed-base", action="append", metavar="BASE", dest="compare_closed_bases",
                        help="compare with this base closed, its teams held all period (repeatable)")
    parser.add_argument("--compare-warnings", action=argparse.BooleanOptionalAction, default=None,
                        help="compare with (or, --no-compare-warnings, without) the warnings' postures")
    parser.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """Return the options as the job's parameters (integral floats as integers, so strict fields accept them)."""
    def number(value: float | None) -> float | int | None:
        return int(value) if value is not None and float(value).is_integer() else value

    given: dict[str, Any] = {"days": number(args.days), "policy": args.policy, "replications": args.replications,
                             "seed": args.seed, "workers": args.workers, "scheduler": args.scheduler,
                             "rate_scale": number(args.rate_scale), "warmup_days": number(args.warmup_days),
                             "programme": args.programme, "year": args.year, "move_up": args.move_up,
                             "closures": args.closures, "time_bands": args.time_bands,
                             "time_limit_s": number(args.time_limit_s)}
    given.update(compare_policy=args.compare_policy, compare_rate_scale=number(args.compare_rate_scale),
                 compare_programme=args.compare_programme, compare_move_up=args.compare_move_up,
                 compare_warnings=args.compare_warnings, compare_closures=args.compare_closures,
                 compare_closed_bases=args.compare_closed_bases)
    return {k: v for k, v in given.items() if v is not None}


def run(args: argparse.Namespace) -> int:
    """Check the options, load the scenario with its settings, run the replications, print the report."""
    from planner.cli._common import load_with_settings
    from planner.cli.posture import read_warnings
    from planner.drills.records import get_programme, parse_programme
    from planner.errors import NotFoundError
    from planner.jobs.registry import parse_params
    from planner.store.database import Store
    from planner.year.build import REPLAY_CLOCK
    from planner.year.parameters import YearParameters
    from planner.year.service import year_report

    params = parse_params(YearParameters, _given(args))
    warnings = read_warnings(args.cap, args.warning, now=REPLAY_CLOCK)
    store = Store()
    scenario, documents, stored = load_with_settings(args.scenario, store)

    def programme(year: int) -> Any:
        if not stored:
            return None
        try:
            return parse_programme(get_programme(store, scenario.name, year)[0])
        except NotFoundError:
            return None

    def progress(fraction: float, message: str) -> None:
        if not args.no_progress:
            print(f"\r{100 * fraction:5.1f}% {message[:70]:<70}", end="", file=sys.stderr, flush=True)

    payload = year_report(scenario, documents, params, programme=programme, checkpoint=args.checkpoint,
                          progress=progress, warnings=warnings)
    if not args.no_progress:
        print(file=sys.stderr)
    if args.json:
        print_json(payload)
    else:
        _print(payload)
    return 0


def _ci(figure: dict[str, Any], percent: bool = False) -> str:
    """``mean [low, high]``."""
    if figure["mean"] is None:
        return "-"
    form = (lambda v: f"{100 * v:.1f}%") if percent else (lambda v: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}")
    if figure["ci95"] is None:
        return form(figure["mean"])
    return f"{form(figure['mean'])} [{form(figure['ci95'][0])}, {form(figure['ci95'][1])}]"


def _print(payload: dict[str, Any]) -> None:
    print(f"{payload['scenario']}: {payload['days']:g} days, {payload['policy']} policy, "
          f"rate x{payload['rate_scale']:g}, "
          f"{payload['replications']} replications ({payload['backend']} on {payload['workers']} worker(s), "
          f"{payload['seconds']:.1f} s); incidents per replication {_ci(payload['incidents'])}")
    print(f"Model: {payload['model']}\n")
    roads = payload.get("roads")
    if roads:
        closures = (roads.get("closures") or {}).get("closure_set")
        print(f"Roads: closure set {closures or 'none'}; time bands {', '.join(roads['bands']) or 'none'} "
              "(free flow outside them)")
    for posture in payload.get("warning_postures", []):
        print(f"Warning {posture['warning']} ({posture['event']}, {posture['onset']}): holds "
              f"{', '.join(posture['teams']) or 'no team'} for {(posture['end_min'] - posture['start_min']) / 60:g} h")
    print_table(["standard", "incidents", "met in time", "covered time", "p50 min", "p90 min"],
                [[s["standard"], _ci(s["incidents"]), _ci(s["met_share"], True), _ci(s["covered_time_share"], True),
                  _ci(s["p50_min"]), _ci(s["p90_min"])] for s in payload["standards"]])
    print(f"\nQueue: waited {_ci(payload['queue']['waited_share'], True)}, "
          f"mean wait {_ci(payload['queue']['wait_min'])} min")
    print("\nBusiest teams")
    print_table(["team", "type", "utilisation", "busy h", "cross-region h", "compensation yuan"],
                [[t["team"], t["type"], _ci(t["utilisation"], True), _ci(t["busy_hours"]),
                  _ci(t["cross_region_hours"]), _ci(t["compensation_yuan"])] for t in payload["teams"][:10]])
    if "comparison" in payload:
        print(f"\nSecond configuration {payload['comparison']['changes']} minus first (same seeds)")
        print_table(["standard", "met in time", "covered time", "p90 min"],
                    [[s["standard"], _ci(s["met_share"], True), _ci(s["covered_time_share"], True),
                      _ci(s["p90_min"])] for s in payload["comparison"]["difference"]["standards"]])
