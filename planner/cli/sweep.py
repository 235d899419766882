"""``python -m planner sweep``: many random incidents at the hazard sites, dispatched, and their summary.

Serial by default; ``--workers N`` runs on N local processes (this one and N - 1 in a pool);
``--scheduler tcp://HOST:PORT`` on a running Dask cluster (``--scheduler local`` starts a Dask
``LocalCluster`` of ``--workers`` processes). ``--availability-from DAY`` judges, for each time of day of
``--availability-days`` days from DAY, who is on duty and what each team can staff (the one availability
function, with the scenario's strength rules), instead of counting every team at its declared strength.
A progress bar goes to stderr (``--no-progress`` turns it off); ``--json`` prints the summary. A
parallel sweep also runs serially first (the model is shared, so this costs the serial sweep's time
only) and reports ``serial_seconds`` and ``speedup_over_serial``; ``--no-compare-serial`` skips it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from planner.cli._arguments import add_road_options, add_scenario_argument
from planner.cli.output import print_json, print_table


def register(subparsers: Any) -> None:
    """Add the ``sweep`` command."""
    parser = subparsers.add_parser(
        "sweep",
        help="scenario sweep: N random incidents weighted by risk grade, response times and failing sites",
        description="Draw incidents at the hazard sites (weighted by risk grade, with a time of day), "
        "dispatch "
        "each with the nearest-available rule on a precomputed travel-time matrix (or simulate it), "
        "and summarise response times per site and capability, share within standard, the sites "
        "that fail most and team utilisation.",
    )
    add_scenario_argument(parser)
    parser.add_argument(
        "--incidents", type=int, default=1000, metavar="N", help="incidents to draw (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--mode",
        choices=["dispatch", "simulate"],
        default="dispatch",
        help="dispatch: nearest-available rule (fast, default); simulate: a SimPy run per incident",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="local worker processes (default 1: serial); with --scheduler local, Dask workers",
    )
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="address of a running Dask scheduler, or 'local' for a local Dask cluster",
    )
    parser.add_argument(
        "--busy-share",
        type=float,
        default=0.0,
        metavar="P",
        help="probability that an available team is busy elsewhere (default 0)",
    )
    parser.add_argument(
        "--chunk-size", type=int, metavar="K", help="incidents per task (default: about 40 chunks)"
    )
    parser.add_argument("--availability-from", metavar="YYYY-MM-DD",
                        help="judge availability (people on duty, strength rules) by time of day from this day")
    parser.add_argument("--availability-days", type=int, metavar="D",
                        help="days judged from --availability-from (default 7; incident k falls on day k mod D)")
    parser.add_argument(
        "--checkpoint",
        metavar="DIR",
        help="keep finished chunks in DIR; the same sweep run again resumes from them",
    )
    parser.add_argument(
        "--compare-serial",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --workers/--scheduler, also run serially and report the speed-up (default: yes)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--no-time-bands", action="store_true",
                        help="ignore the scenario's speed bands (draw time of day from the sweep's own shares)")
    add_road_options(parser, times=False)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the options (with the sweep job's own parameter model), load the scenario, sweep, print the summary."""
    from planner.availability.settings import availability_rules
    from planner.cli._common import load_with_settings, read_area, roads_for
    from planner.jobs.registry import parse_params
    from planner.roads.sweeps import sweep_bands
    from planner.store.database import Store
    from planner.sweep.engine import SweepSettings, sweep, sweep_model
    from planner.sweep.parameters import SweepParameters

    given = {"incidents": args.incidents, "seed": args.seed, "mode": args.mode, "workers": args.workers,
             "scheduler": args.scheduler, "busy_share": args.busy_share, "chunk_size": args.chunk_size,
             "availability_from": args.availability_from, "availability_days": args.availability_days}
    params = parse_params(SweepParameters, {k: v for k, v in given.items() if v is not None})
    scenario, documents, _ = load_with_settings(args.scenario, Store())
    roads = roads_for(args, scenario, documents)
    closures = None if roads is None else (args.closures or read_area(args.close_area))
    bands = None if args.no_time_bands else sweep_bands(scenario, documents, closures=closures)
    settings = SweepSettings(busy_share=params.busy_share, availability_from=params.availability_from,
                             availability_days=params.availability_days)
    model = sweep_model(scenario, settings=settings, roads=roads, bands=bands or None,
                        rules=availability_rules(documents, scenario))
    options: dict[str, Any] = {"seed": params.seed, "mode": params.mode, "chunk_size": params.chunk_size,
                               "model": model}
    serial_s = None
    if args.compare_serial and (params.workers > 1 or params.scheduler):
        with _bar(args, "serial") as progress:
            serial_s = sweep(scenario, params.incidents, progress=progress, **options).wall_s
    with _bar(args, "sweep") as progress:
        result = sweep(
            scenario,
            params.incidents,
            workers=params.workers,
            scheduler=params.scheduler,
            checkpoint=args.checkpoint,
            progress=progress,
            **options,
        )
    payload = result.to_dict()
    if serial_s is not None:
        payload["serial_seconds"] = round(serial_s, 3)
        payload["speedup_over_serial"] = round(serial_s / result.wall_s, 2) if result.wall_s > 0 else None
    if args.json:
        print_json(payload)
    else:
        _print(payload)
    return 0


class _bar:
    """A tqdm bar on stderr fed by the sweep's ``progress(fraction, message)`` callback."""

    def __init__(self, args: argparse.Namespace, label: str) -> None:
        self.enabled = not args.no_progress
        self.label = label
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from tqdm import tqdm

        self.bar = tqdm(
            total=1000,
            desc=self.label,
            file=sys.stderr,
            leave=False,
            bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}",
        )

        def progress(fraction: float, message: str) -> None:
            self.bar.n = int(1000 * max(0.0, min(1.0, fraction)))
            self.bar.set_description_str(f"{self.label}: {message}", refresh=False)
            self.bar.refresh()

        return progress

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _print(payload: dict[str, Any]) -> None:
    print(
        f"Sweep of {payload['scenario']}: {payload['incidents']} incidents ({payload['mode']}), "
        f"{payload['backend']} on {payload['workers']} worker(s), {payload['seconds']:.2f} s"
        + (
            f", {payload['speedup_over_serial']}x serial ({payload['serial_seconds']:.2f} s)"
            if "speedup_over_serial" in payload
            else ""
        )
    )
    print(f"Model: {payload['model']}")
    judged = payload.get("availability")
    if judged:
        print(f"Availability: {judged['days']} day(s) from {judged['from']}; teams answering of {judged['teams']} by "
              "time of day: " + ", ".join(f"{name} ({judged['hours'][name]:g} h) {n:g}"
                                         for name, n in judged["teams_answering"].items()))
    print()
    print_table(
        ["standard", "incidents", "within", "needed", "met", "p50 min", "p90 min"],
        [
            [
                s["standard"],
                s["incidents"],
                "-" if s["share_within"] is None else f"{s['share_within']:.0%}",
                f"{s['min_share']:.0%}",
                "-" if s["met"] is None else ("yes" if s["met"] else "NO"),
                s.get("p50"),
                s.get("p90"),
            ]
            for s in payload["standards"]
        ],
    )
    print()
    print_table(
        ["capability", "incidents", "p50 min", "p90 min", "p95 min", "unreachable", "by deadline"],
        [
            [
                c["capability"],
                c["incidents"],
                c.get("p50"),
                c.get("p90"),
                c.get("p95"),
                f"{c['unreachable_share']:.0%}",
                f"{c['met_share']:.0%}",
            ]
            for c in payload["capabilities"]
        ],
    )
    if payload["failing_sites"]:
        print("\nSites failing a standard most often")
        print_table(
            ["site", "incidents", "failing"],
            [[f["site"], f["incidents"], f"{f['failure_share']:.0%}"] for f in payload["failing_sites"]],
        )
    print("\nBusiest teams")
    print_table(
        ["team", "type", "dispatches", "share"],
        [[u["team"], u["type"], u["dispatches"], f"{u['share']:.0%}"] for u in payload["utilisation"][:10]],
    )
