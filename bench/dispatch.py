"""Benchmark: the dispatch optimiser's two engines, CP-SAT and HiGHS, side by side, and the greedy baseline.

Seeded random instances up to 60 incidents x 400 units, plus a province-wide flood of 150 incidents x
1,000 units (its own time limit, default 60 s), in two flavours: ``ample`` (supply well
above demand) and ``scarce`` (demand above supply, so choices matter). Units and incidents sit on
random nodes of the Jinan road network and travel minutes come from its travel-time matrix; when the
network or ``geodata`` is not available a seeded synthetic matrix (haversine distance at 40 km/h plus
a detour factor on random points in the Jinan bounding box) is used instead. The source is printed.
Regions are the four quadrants of the bounding box, with agreements between neighbouring quadrants.

Each instance is solved by each engine (``--engines``, default CP-SAT, HiGHS and the two raced in two
threads, :mod:`planner.dispatch.race`) on the same problem, and the row gives its status, each
lexicographic stage's value (weighted shortfall, weighted arrival minutes, compensation yuan), the
bound where not proven, and seconds; ``*`` marks the engine the product picks
(:func:`planner.dispatch.optimiser.choose_engine`).

Run ``python bench/dispatch.py [--quick | --largest | --province] [--time-limit S] [--province-limit S]
[--sizes 60x400,100x700] [--flavour both|ample|scarce] [--seed N] [--repeat R] [--workers W]
[--engines cp-sat,highs,race] [--availability]``; with ``--repeat`` each solve runs R
times and the row gives the median seconds (min and max in the note), since timings on a shared machine
are noisy. With ``--availability`` every unit becomes a team with people (certificates, a few expired), a
two-group 24 h duty roster meant to staff what it declares and some leave, and the units' capabilities are
what :func:`planner.availability.availability` says each can staff at one moment (strength rules: a squad
of 9 with the mine-rescue certificate, a hazchem squad of 6 with 4 certified, a medical team of 4); the
row's seconds are the solve's, the availability's own seconds are printed above the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geodata.matrix import travel_time_matrix  # noqa: E402
from geodata.network import read_network_csv  # noqa: E402
from planner.availability import availability, parse_rules  # noqa: E402
from planner.dispatch.formulation import formulate  # noqa: E402
from planner.dispatch.greedy import solve_dispatch_greedy  # noqa: E402
from planner.dispatch.optimiser import choose_engine, is_scarce, solve_dispatch  # noqa: E402
from planner.dispatch.problem import problem_from_dict  # noqa: E402
from planner.dispatch.result import DispatchResult  # noqa: E402
from planner.model.records import RECORD_TYPES, parse_record  # noqa: E402
from planner.scenario.model import Scenario  # noqa: E402

JINAN_BBOX = (116.75, 36.54, 117.51, 37.15)
"""Jinan study area ``(min_lon, min_lat, max_lon, max_lat)``, degrees."""
EARTH_RADIUS_M = 6_371_000.0
SYNTHETIC_SPEED_KPH = 40.0
SYNTHETIC_DETOUR = 1.3
TRAVEL_CUTOFF_S = 3 * 3600.0
CAPABILITIES = ("mine_rescue_squad", "hazchem_squad", "breathing_apparatus", "drainage_pump", "medical_team")
SIZES = ((5, 40), (10, 80), (20, 150), (40, 250), (60, 400), (150, 1000))
QUICK_SIZES = ((5, 40), (20, 150))
PROVINCE = (150, 1000)
"""A province-wide flood: incidents x units, solved with ``--province-limit`` rather than ``--time-limit``."""

TravelSource = Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray, np.ndarray]]
"""``(rng, n_units, n_incidents) -> (unit lon/lat, incident lon/lat, travel minutes units x incidents)``."""


def _haversine_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance between every point of ``a`` and of ``b`` (lon, lat degrees), metres."""
    lon1, lat1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
    lon2, lat2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))


def synthetic_source() -> tuple[str, TravelSource]:
    """Haversine x detour at a fixed speed between random points of the Jinan bounding box."""

    def source(rng: np.random.Generator, n_units: int, n_incidents: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo = np.array(JINAN_BBOX[:2])
        hi = np.array(JINAN_BBOX[2:])
        units = lo + rng.random((n_units, 2)) * (hi - lo)
        incidents = lo + rng.random((n_incidents, 2)) * (hi - lo)
        metres = _haversine_m(units, incidents) * SYNTHETIC_DETOUR
        return units, incidents, metres / (SYNTHETIC_SPEED_KPH * 1000 / 60)

    return f"synthetic (haversine x {SYNTHETIC_DETOUR} at {SYNTHETIC_SPEED_KPH:g} km/h, Jinan bbox)", source


def travel_source() -> tuple[str, TravelSource]:
    """Return the Jinan road network source if ``geodata`` and its data are present, else the synthetic one."""
    folder = ROOT / "geodata" / "data" / "jinan"
    try:
        network = read_network_csv(folder / "nodes.csv", folder / "edges.csv")
    except Exception as error:  # noqa: BLE001 - any failure means: use the fallback, and say why
        name, source = synthetic_source()
        return f"{name}; road network unavailable: {type(error).__name__}: {error}", source

    def source(rng: np.random.Generator, n_units: int, n_incidents: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        unit_nodes = rng.choice(network.n_nodes, size=n_units, replace=True)
        incident_nodes = rng.choice(network.n_nodes, size=n_incidents, replace=False)
        seconds = travel_time_matrix(network, unit_nodes, incident_nodes, cutoff_s=TRAVEL_CUTOFF_S)
        units = np.column_stack([network.lon[unit_nodes], network.lat[unit_nodes]])
        incidents = np.column_stack([network.lon[incident_nodes], network.lat[incident_nodes]])
        return units, incidents, seconds / 60.0

    return f"Jinan road network ({network.n_nodes} nodes, {network.n_edges} edges), travel_time_s", source


def _region(lon: float, lat: float) -> str:
    mid_lon = (JINAN_BBOX[0] + JINAN_BBOX[2]) / 2
    mid_lat = (JINAN_BBOX[1] + JINAN_BBOX[3]) / 2
    return ("S" if lat < mid_lat else "N") + ("W" if lon < mid_lon else "E")


def make_instance(
    source: TravelSource, n_incidents: int, n_units: int, *, scarce: bool, seed: int
) -> dict[str, Any]:
    """Build a seeded random dispatch problem in the JSON form of ``planner dispatch``."""
    rng = np.random.default_rng(seed)
    unit_xy, incident_xy, minutes = source(rng, n_units, n_incidents)
    units = []
    for k in range(n_units):
        kinds = rng.choice(len(CAPABILITIES), size=int(rng.integers(1, 3)), replace=False)
        units.append(
            {
                "id": f"T{k:03d}",
                "region": _region(*unit_xy[k]),
                "capabilities": {CAPABILITIES[c]: int(rng.integers(1, 4)) for c in kinds},
                "ready_min": int(rng.integers(2, 16)),
                "status": str(rng.choice(["available", "committed", "drilling"], p=[0.85, 0.1, 0.05])),
            }
        )
    # Mean supply per capability and unit is about 0.8; demand per incident is scaled so that scarce
    # instances ask for roughly twice the supply and ample ones for a third of it.
    supply_per_capability = n_units * 0.8 * 0.85
    demand_factor = 2.0 if scarce else 0.35
    demand = demand_factor * supply_per_capability * len(CAPABILITIES)
    mean_quantity = max(1.0, demand / (n_incidents * 2 * len(CAPABILITIES)))
    incidents = []
    for k in range(n_incidents):
        kinds = rng.choice(len(CAPABILITIES), size=int(rng.integers(1, 4)), replace=False)
        incidents.append(
            {
                "id": f"I{k:02d}",
                "region": _region(*incident_xy[k]),
                "priority": int(rng.integers(1, 6)),
                "requirements": [
                    {
                        "capability": CAPABILITIES[c],
                        "quantity": int(max(1, rng.poisson(mean_quantity))),
                        "deadline_min": int(rng.choice([30, 45, 60, 90, 120])),
                    }
                    for c in kinds
                ],
            }
        )
    travel = {
        units[u]["id"]: {
            incidents[i]["id"]: round(float(minutes[u, i]), 1)
            for i in range(n_incidents)
            if math.isfinite(minutes[u, i])
        }
        for u in range(n_units)
    }
    neighbours = [("NW", "NE"), ("SW", "SE"), ("NW", "SW"), ("NE", "SE"), ("NW", "SE")]
    agreements = []
    for a, b in neighbours:
        for lender, borrower in ((a, b), (b, a)):
            agreements.append(
                {
                    "lender": lender,
                    "borrower": borrower,
                    "fixed_cost": int(rng.integers(2, 9)) * 1000,
                    "cost_per_travel_min": int(rng.integers(10, 40)),
                }
            )
    regions = {u["region"] for u in units} | {i["region"] for i in incidents}
    agreements = [a for a in agreements if a["lender"] in regions and a["borrower"] in regions]
    min_retained: dict[str, dict[str, int]] = {}
    for region in sorted({u["region"] for u in units}):
        held: dict[str, int] = {}
        for unit in units:
            if unit["region"] == region and unit["status"] == "available":
                for capability, quantity in unit["capabilities"].items():
                    held[capability] = held.get(capability, 0) + quantity
        min_retained[region] = {c: q // 5 for c, q in held.items() if q // 5 > 0}
    return {
        "units": units,
        "incidents": incidents,
        "travel_min": travel,
        "agreements": agreements,
        "min_retained": min_retained,
    }


BENCH_RULES = parse_rules({"strength": [
    {"id": "squad", "capability": "mine_rescue_squad", "people": 9, "qualified": {"mine_rescue": 9}, "source": "bench"},
    {"id": "hazchem", "capability": "hazchem_squad", "people": 6, "qualified": {"hazchem": 4}, "source": "bench"},
    {"id": "medical", "capability": "medical_team", "people": 4, "source": "bench"}]})
"""Strength rules of the availability mode (the defaults' numbers, on the benchmark's capability names)."""
CERTIFICATE = {"mine_rescue_squad": "mine_rescue", "hazchem_squad": "hazchem"}
AVAILABILITY_AT = "2026-07-01T09:00"


def with_availability(data: dict[str, Any], seed: int) -> tuple[dict[str, Any], float, str]:
    """Replace each unit's capabilities by what its people on duty can staff; return the data, seconds and a note.

    Each unit becomes a team of people for 2.2 times what it declares (certificates for the squads' kinds,
    one in twenty expired), in two groups of 24 h on / 24 h off (1.1 times on duty), one in fifty on leave:
    a roster meant to staff what the team declares, which certificates and leave sometimes defeat.
    """
    rng = np.random.default_rng(seed)
    per_unit = {r.capability: r.people for r in BENCH_RULES.strength}
    regions = sorted({u["region"] for u in data["units"]} | {i["region"] for i in data["incidents"]})
    records: dict[str, list[Any]] = {kind: [] for kind in RECORD_TYPES}
    city = {"id": "jn", "name": "Jinan", "level": "city"}
    records["jurisdictions"] = [parse_record(RECORD_TYPES["jurisdictions"], city)]
    records["jurisdictions"] += [parse_record(RECORD_TYPES["jurisdictions"], {"id": r, "name": r, "level": "district",
                                                                              "parent": "jn"}) for r in regions]
    lon, lat = (JINAN_BBOX[0] + JINAN_BBOX[2]) / 2, (JINAN_BBOX[1] + JINAN_BBOX[3]) / 2
    for unit in data["units"]:
        team_id = unit["id"]
        needed = max([q * per_unit.get(c, 0) for c, q in unit["capabilities"].items()], default=0)
        members = max(2, int(math.ceil(needed * 2.2 / 2)) * 2)
        records["bases"].append(parse_record(RECORD_TYPES["bases"], {"id": f"B{team_id}", "name": team_id,
                                                                      "tier": "local", "jurisdiction": unit["region"],
                                                                      "lon": lon, "lat": lat}))
        records["teams"].append(parse_record(RECORD_TYPES["teams"], {
            "id": team_id, "name": team_id, "team_type": "general", "base": f"B{team_id}", "members": members,
            "squads": 1, "turnout_min": unit["ready_min"], "capabilities": unit["capabilities"],
            "availability": unit["status"]}))
        people = []
        for k in range(members):
            expires = "2026-06-30" if rng.random() < 0.05 else "2028-12-31"
            people.append(parse_record(RECORD_TYPES["people"], {
                "id": f"{team_id}-p{k}", "team": team_id, "name": f"{team_id} person {k}",
                "qualifications": [{"kind": kind, "issued": "2024-01-01", "expires": expires}
                                   for c, kind in CERTIFICATE.items() if c in unit["capabilities"]]}))
        records["people"] += people
        for g in (0, 1):
            records["shifts"].append(parse_record(RECORD_TYPES["shifts"], {
                "id": f"{team_id}-g{g}", "team": team_id, "people": [p.id for p in people[g::2]],
                "starts": f"2026-01-0{1 + g}T08:00", "hours": 24, "every_h": 48}))
        away = [p.id for p in people if rng.random() < 0.02]
        if away:
            records["shifts"].append(parse_record(RECORD_TYPES["shifts"], {
                "id": f"{team_id}-leave", "team": team_id, "kind": "leave", "people": away,
                "starts": "2026-06-28T00:00", "hours": 240}))
    scenario = Scenario.build("bench", {"timezone": "Asia/Shanghai"}, records)
    started = time.perf_counter()
    report = availability(scenario, dt.datetime.fromisoformat(AVAILABILITY_AT), BENCH_RULES)
    seconds = time.perf_counter() - started
    staffed = report.capabilities()
    below = sum(1 for t in report.teams if t.below_nominal)
    units = [{**u, "capabilities": staffed[u["id"]]} for u in data["units"]]
    note = (f"availability at {AVAILABILITY_AT}: {len(scenario.teams)} teams, {len(scenario.people)} people, "
            f"{len(scenario.shifts)} roster lines, {below} teams below nominal, {seconds:.3f} s")
    return {**data, "units": units}, seconds, note


def _ratio(greedy: float, optimal: float) -> str:
    if optimal == 0:
        return "-" if greedy == 0 else "inf"
    return f"{greedy / optimal:.2f}"


def _objective(result: DispatchResult) -> str:
    o = result.objective
    return f"{o.weighted_shortfall:>6g} {o.weighted_arrival:>10.1f} {o.compensation:>10.0f}"


def _bound(result: DispatchResult) -> str:
    b = result.bound
    if b is None or result.status.value == "optimal":
        return ""
    return f"bound ({b.weighted_shortfall:g}, {b.weighted_arrival:.1f}, {b.compensation:.0f})"


def _median_run(runs: list[DispatchResult]) -> tuple[DispatchResult, str]:
    """Return the run of median seconds and a note on the spread when there are several."""
    ordered = sorted(runs, key=lambda r: r.wall_s)
    median = ordered[len(ordered) // 2]
    if len(runs) == 1:
        return median, ""
    statuses = ",".join(sorted({r.status.value for r in runs}))
    spread = f"min {ordered[0].wall_s:.2f} s, max {ordered[-1].wall_s:.2f} s"
    return median, f"median of {len(runs)}, {spread} ({statuses})"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one row per instance and method."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two small sizes only")
    parser.add_argument("--largest", action="store_true", help="60 incidents x 400 units only")
    parser.add_argument("--province", action="store_true", help="150 incidents x 1,000 units only")
    parser.add_argument("--time-limit", type=float, default=10.0, help="limit per solve, seconds")
    parser.add_argument("--province-limit", type=float, default=60.0, help="limit per 150 x 1,000 solve, seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per instance and engine (median seconds)")
    parser.add_argument("--workers", type=int, default=None, help="CP-SAT workers (default: the optimiser's)")
    parser.add_argument("--engines", default="cp-sat,highs,race", help="comma-separated engines to run")
    parser.add_argument("--sizes", default="", help="comma-separated INCIDENTSxUNITS, e.g. 60x400,100x700")
    parser.add_argument("--flavour", choices=("both", "ample", "scarce"), default="both")
    parser.add_argument("--synthetic", action="store_true", help="force the synthetic travel-time source")
    parser.add_argument("--availability", action="store_true",
                        help="units count what their people on duty can staff (planner.availability)")
    args = parser.parse_args(argv)

    name, source = synthetic_source() if args.synthetic else travel_source()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    print(f"travel times: {name}")
    print(f"cpus: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
    print(
        f"time limit {args.time_limit:g} s per solve ({args.province_limit:g} s at {PROVINCE[0]} x {PROVINCE[1]}); "
        "objective = (weighted shortfall, weighted arrival min, compensation yuan); * = the engine auto picks"
    )
    print()
    header = (
        f"{'instance':<17} {'inc':>3} {'units':>5} {'method':<8} {'seconds':>8} {'status':<9} "
        f"{'w_short':>6} {'w_arrival':>10} {'compens.':>10}   note"
    )
    print(header)
    print("-" * len(header))
    sizes = QUICK_SIZES if args.quick else (SIZES[-2],) if args.largest else (PROVINCE,) if args.province else SIZES
    if args.sizes:
        sizes = tuple((int(a), int(b)) for a, b in (size.split("x") for size in args.sizes.split(",")))
    flavours = {"both": (False, True), "ample": (False,), "scarce": (True,)}[args.flavour]
    extra = {} if args.workers is None else {"workers": args.workers}
    unproven: list[str] = []
    worse_than_greedy: list[str] = []
    for n_incidents, n_units in sizes:
        limit = args.province_limit if (n_incidents, n_units) == PROVINCE else args.time_limit
        for scarce in flavours:
            label = f"{'scarce' if scarce else 'ample'}-{n_incidents}x{n_units}"
            seed = args.seed * 1000 + n_incidents * 10 + int(scarce)
            data = make_instance(source, n_incidents, n_units, scarce=scarce, seed=seed)
            if args.availability:
                data, _, note = with_availability(data, seed)
                print(f"{label}: {note}")
            problem = problem_from_dict(data)
            formulation = formulate(problem)
            auto = choose_engine(len(formulation.keys), scarce=is_scarce(problem, formulation))
            greedy = solve_dispatch_greedy(problem)
            for engine in engines:
                runs = [
                    solve_dispatch(problem, time_limit_s=limit, engine=engine, **extra)
                    for _ in range(max(1, args.repeat))
                ]
                result, spread = _median_run(runs)
                if any(r.status.value != "optimal" for r in runs):
                    unproven.append(f"{label} {engine}")
                if any(r.objective.as_tuple() > greedy.objective.as_tuple() for r in runs):
                    worse_than_greedy.append(f"{label} {engine}")
                method = f"{engine}{'*' if engine == auto else ''}"
                note = f"{_bound(result)} {spread}".strip()
                print(
                    f"{label:<17} {n_incidents:>3} {n_units:>5} {method:<8} {result.wall_s:>8.2f} "
                    f"{result.status.value:<9} {_objective(result)}   {note}"
                )
            g, o = greedy.objective, result.objective
            ratios = (
                f"greedy/{engines[-1]} (short, arrival): {_ratio(g.weighted_shortfall, o.weighted_shortfall)}, "
                f"{_ratio(g.weighted_arrival, o.weighted_arrival)}"
            )
            print(
                f"{label:<17} {n_incidents:>3} {n_units:>5} {'greedy':<8} {greedy.wall_s:>8.2f} "
                f"{greedy.status.value:<9} {_objective(greedy)}   {ratios}"
            )
    print()
    print(f"not proven optimal: {', '.join(unproven) or 'none'}; load average at end: {os.getloadavg()[0]:.1f}")
    print(f"worse than greedy: {', '.join(worse_than_greedy) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
