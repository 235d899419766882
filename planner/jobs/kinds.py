"""The long jobs the web app can run in the background, registered by name with ``planner.jobs.runner``.

Importing this module registers them; the web app and the CLI import it before they run jobs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from planner.coverage.verdict import coverage
from planner.drills.programme import schedule_programme
from planner.drills.records import parse_year
from planner.drills.settings import drill_calendar, plan_set
from planner.drills.simulate import SimSettings, SimSummary, build_case, simulate_once
from planner.errors import InputError
from planner.jobs.runner import Progress, job_kind
from planner.roads.conditions import travel_network
from planner.roads.sweeps import sweep_bands
from planner.scenario.library import load_library
from planner.scenario.model import Scenario
from planner.sweep.engine import SweepSettings, sweep


@job_kind("coverage")
def coverage_job(scenario: Scenario, settings: Mapping[str, Any], params: Mapping[str, Any],
                 progress: Progress) -> dict[str, Any]:
    """Compute the coverage report of the whole scenario."""
    progress(0.1, "computing travel times")
    return coverage(scenario).to_dict()


@job_kind("drills-plan")
def drills_plan_job(scenario: Scenario, settings: Mapping[str, Any], params: Mapping[str, Any],
                    progress: Progress) -> dict[str, Any]:
    """Schedule a year's drill programme (CP-SAT) from the scenario's stored plans and calendar.

    Params: ``year``; optional ``time_limit_s``.
    """
    year = parse_year(params.get("year"))
    time_limit = params.get("time_limit_s")
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or not 0 < time_limit <= 600):
        raise InputError("time_limit_s must be a number of seconds in (0, 600]", field="time_limit_s")
    progress(0.05, "reading plans and calendar")
    library = load_library()
    plans = plan_set(settings, scenario)
    calendar = drill_calendar(settings, scenario, year)
    progress(0.15, f"scheduling {len(plans.plans)} plans for {year} (CP-SAT)")
    programme = schedule_programme(scenario, plans, calendar, library, time_limit_s=time_limit)
    progress(0.95, f"{len(programme.drills)} drills placed, {len(programme.unmet)} rules unmet")
    return programme.to_json()


HISTOGRAM_BINS = 24
"""Bins of the histograms a simulation job returns with its summary."""


@job_kind("drills-simulate")
def drills_simulate_job(scenario: Scenario, settings: Mapping[str, Any], params: Mapping[str, Any],
                        progress: Progress) -> dict[str, Any]:
    """Run Monte Carlo replications of a drill (SimPy).

    Params: ``template``, ``site``, ``runs`` (1..20000), ``seed``, optional ``drill`` (the drill key it
    belongs to), ``weather`` and ``time_of_day``.

    The replications draw from one generator seeded with ``seed``, as :func:`planner.drills.simulate.monte_carlo`
    does, so the summary equals the CLI's for the same seed; histograms of every metric come with it.
    """
    library = load_library()
    template = params.get("template")
    if template not in library:
        raise InputError(f"no template {template!r} (library: {', '.join(sorted(library))})", field="template")
    site = params.get("site")
    if not isinstance(site, str) or not site:
        raise InputError("site must be a hazard site id", field="site")
    runs, seed = params.get("runs", 500), params.get("seed", 0)
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= 20000:
        raise InputError(f"runs must be an integer from 1 to 20000, got {runs!r}", field="runs")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise InputError(f"seed must be an integer >= 0, got {seed!r}", field="seed")
    conditions = SimSettings(weather=params.get("weather"), time_of_day=params.get("time_of_day"))
    case = build_case(scenario, library[template], site)
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    collected: list[dict[str, float]] = []
    escalated = 0
    step = max(1, runs // 20)
    for k in range(runs):
        replication = simulate_once(case, rng, conditions)
        collected.append(replication.times)
        escalated += replication.escalated
        if (k + 1) % step == 0:
            progress(0.02 + 0.93 * (k + 1) / runs, f"{k + 1} of {runs} replications")
    names = sorted({key for times in collected for key in times})
    metrics = {n: np.array([times.get(n, np.nan) for times in collected]) for n in names}
    summary = SimSummary(runs, seed, metrics, escalated / runs, time.perf_counter() - started)
    histograms = {}
    for n, values in metrics.items():
        happened = values[~np.isnan(values)]
        if happened.size:
            counts, edges = np.histogram(happened, bins=HISTOGRAM_BINS)
            histograms[n] = {"edges": [round(float(e), 3) for e in edges], "counts": [int(c) for c in counts]}
    return {**summary.to_dict(), "template": template, "site": site, "drill": params.get("drill"),
            "histograms": histograms}


@job_kind("sweep")
def sweep_job(scenario: Scenario, settings: Mapping[str, Any], params: Mapping[str, Any],
              progress: Progress) -> dict[str, Any]:
    """Run a scenario sweep (:func:`planner.sweep.engine.sweep`) and return its summary.

    Params: ``incidents`` (1..1000000, default 1000), ``seed``, ``mode`` (dispatch or simulate),
    ``workers`` (local processes, 1..8), ``scheduler`` (a Dask scheduler address), ``busy_share``,
    ``closures`` (a stored closure set every incident drives under) and ``time_bands`` (default true:
    when the scenario has speed bands, the time of day of each incident is drawn among them and free
    flow by their hours, and it drives at its band's speeds). Progress is reported per finished chunk.
    """
    incidents = params.get("incidents", 1000)
    if isinstance(incidents, bool) or not isinstance(incidents, int) or not 1 <= incidents <= 1_000_000:
        raise InputError(f"incidents must be an integer from 1 to 1000000, got {incidents!r}", field="incidents")
    workers = params.get("workers", 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 8:
        raise InputError(f"workers must be an integer from 1 to 8, got {workers!r}", field="workers")
    scheduler = params.get("scheduler")
    if scheduler is not None and not (isinstance(scheduler, str) and scheduler.startswith(("tcp://", "tls://"))):
        raise InputError("scheduler must be a Dask scheduler address tcp://HOST:PORT", field="scheduler")
    busy = params.get("busy_share", 0.0)
    if isinstance(busy, bool) or not isinstance(busy, (int, float)):
        raise InputError("busy_share must be a number in [0, 1)", field="busy_share")
    closures = params.get("closures")
    if closures is not None and not isinstance(closures, str):
        raise InputError("closures must be a stored closure set's name", field="closures")
    time_bands = params.get("time_bands", True)
    if not isinstance(time_bands, bool):
        raise InputError("time_bands must be true or false", field="time_bands")
    roads = travel_network(scenario, settings, closures=closures) if closures else None
    bands = sweep_bands(scenario, settings, closures=closures) if time_bands else None
    result = sweep(scenario, incidents, seed=params.get("seed", 0), mode=params.get("mode", "dispatch"),
                   workers=workers, scheduler=scheduler, settings=SweepSettings(busy_share=float(busy)),
                   progress=progress, roads=roads, bands=bands or None)
    return result.to_dict()
