"""The long jobs the web app can run in the background, registered by name with ``planner.jobs.registry``.

Importing this module registers them; the web app, the job runner process and the CLI import it before
they run jobs. Each kind declares its parameter model (the same model its CLI command validates its
options with) and what it checks against the stored scenario before a job is accepted. Only coverage,
quick and without any effect but its result, is run again by itself when the runner that ran it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from planner.availability.settings import availability_rules
from planner.coverage.verdict import coverage
from planner.drills.parameters import (
    PlanParameters,
    SimulationParameters,
    check_plan,
    check_simulation,
    library_template,
    simulation_roads,
)
from planner.drills.programme import schedule_programme
from planner.drills.settings import drill_calendar, plan_set
from planner.drills.sim_case import build_case
from planner.drills.simulate import SimSettings, SimSummary, simulate_once
from planner.jobs.registry import Progress, job_kind
from planner.model.validation import Model
from planner.roads.conditions import check_closures_request, travel_network
from planner.roads.sweeps import sweep_bands
from planner.scenario.library import load_library
from planner.scenario.model import Scenario
from planner.sweep.engine import SweepSettings, sweep
from planner.sweep.parameters import SweepParameters
from planner.year.parameters import YearParameters
from planner.year.service import check_year, year_report


class NoParameters(Model):
    """A job that takes no parameters."""


@job_kind("coverage", params=NoParameters, idempotent=True)
def coverage_job(scenario: Scenario, settings: Mapping[str, Any], params: NoParameters,
                 progress: Progress) -> dict[str, Any]:
    """Compute the coverage report of the whole scenario."""
    progress(0.1, "computing travel times")
    return coverage(scenario).to_dict()


@job_kind("drills-plan", params=PlanParameters, check=check_plan)
def drills_plan_job(scenario: Scenario, settings: Mapping[str, Any], params: PlanParameters,
                    progress: Progress) -> dict[str, Any]:
    """Schedule a year's drill programme (CP-SAT) from the scenario's stored plans and calendar."""
    progress(0.05, "reading plans and calendar")
    library = load_library()
    plans = plan_set(settings, scenario)
    calendar = drill_calendar(settings, scenario, params.year)
    progress(0.15, f"scheduling {len(plans.plans)} plans for {params.year} (CP-SAT)")
    programme = schedule_programme(scenario, plans, calendar, library, rules=availability_rules(settings, scenario),
                                   time_limit_s=params.time_limit_s)
    progress(0.95, f"{len(programme.drills)} drills placed, {len(programme.unmet)} rules unmet")
    return programme.to_json()


HISTOGRAM_BINS = 24
"""Bins of the histograms a simulation job returns with its summary."""


@job_kind("drills-simulate", params=SimulationParameters, check=check_simulation)
def drills_simulate_job(scenario: Scenario, settings: Mapping[str, Any], params: SimulationParameters,
                        progress: Progress) -> dict[str, Any]:
    """Run Monte Carlo replications of a drill (SimPy).

    The replications draw from one generator seeded with ``seed``, as :func:`planner.drills.simulate.monte_carlo`
    does, so the summary equals the CLI's for the same seed; histograms of every metric come with it. Under
    ``closures`` (a stored set or a drawn area) or a ``band`` the teams drive under them, and the summary
    says so (``roads``); with ``closures_from_min`` or ``closures_inject`` the closures apply from that
    minute on (a surprise branch closing a bridge), the band throughout. Without closures of its own, a
    programme drill's stored MSEL closes roads from each closure inject's offset (the branch option the
    exercise chose, the first before StartEx: :mod:`planner.drills.msel_roads`).
    """
    template = library_template(load_library(), params.template)
    runs, seed = params.runs, params.seed
    conditions = SimSettings(weather=params.weather, time_of_day=params.time_of_day)
    before, changes, roads = simulation_roads(scenario, settings, params, template)
    case = build_case(scenario, template, params.site, roads=before, changes=changes)
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
    return {**summary.to_dict(), "template": params.template, "site": params.site, "drill": params.drill,
            "histograms": histograms,
            "roads": roads}


def check_sweep(scenario: Scenario, documents: Mapping[str, Any], params: SweepParameters) -> None:
    """Refuse a sweep under closures it cannot drive under: an unknown set, a drawn geometry off the network."""
    check_closures_request(scenario, documents, params.closures)


@job_kind("sweep", params=SweepParameters, check=check_sweep)
def sweep_job(scenario: Scenario, settings: Mapping[str, Any], params: SweepParameters,
              progress: Progress) -> dict[str, Any]:
    """Run a scenario sweep (:func:`planner.sweep.engine.sweep`) and return its summary.

    Under ``closures`` (a stored closure set, or a drawn area or line: the drills job's parser) every
    incident drives under them; with ``time_bands`` (the default) and a scenario with speed bands, each
    incident's time of day is drawn among the bands and free flow by their hours and it drives at its
    band's speeds. Progress is reported per finished chunk
    of incidents.
    """
    roads = travel_network(scenario, settings, closures=params.closures) if params.closures is not None else None
    bands = sweep_bands(scenario, settings, closures=params.closures) if params.time_bands else None
    sweep_settings = SweepSettings(busy_share=float(params.busy_share), availability_from=params.availability_from,
                                   availability_days=params.availability_days)
    result = sweep(scenario, params.incidents, seed=params.seed, mode=params.mode, workers=params.workers,
                   scheduler=params.scheduler, settings=sweep_settings, chunk_size=params.chunk_size,
                   progress=progress, rules=availability_rules(settings, scenario), roads=roads, bands=bands or None)
    return result.to_dict()


@job_kind("year", params=YearParameters, check=check_year)
def year_job(scenario: Scenario, settings: Mapping[str, Any], params: YearParameters,
             progress: Progress) -> dict[str, Any]:
    """Simulate a period as it happens, replicated (:func:`planner.year.service.year_report`).

    With a programme year, its field drills are scheduled from the stored plans and calendar (as the
    ``drills-plan`` job does); progress is reported per finished replication.
    """
    return year_report(scenario, settings, params, progress=progress)


PRODUCT_KINDS = ("coverage", "drills-plan", "drills-simulate", "sweep", "year")
"""The kinds this module registers: the ones a client of the web app may start."""
