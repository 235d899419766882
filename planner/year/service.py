"""A year run from a scenario and its settings documents: what ``python -m planner year`` and the ``year`` job do.

One function for both (:func:`year_report`), so the CLI and a background job with the same parameters
give the same figures: the incident rates (``incident_rates``, default rates when absent), the staging
points (posture's document) for move-up, the drill programme's field drills as holds when a programme
year is given (the caller's stored programme, else one scheduled now from the scenario's plans and
calendar, as the ``drills-plan`` job does), then the replications and, with ``compare``, the second
configuration on the same seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from planner.drills.programme import Programme, schedule_programme
from planner.drills.settings import drill_calendar, plan_set
from planner.posture.settings import posture_inputs
from planner.scenario.library import load_library
from planner.scenario.model import Scenario
from planner.year.build import programme_holds, year_model
from planner.year.model import YearModel, YearRun
from planner.year.parameters import YearParameters
from planner.year.run import compare_years, run_year, with_changes
from planner.year.settings import incident_rates

Progress = Callable[[float, str], None]
ProgrammeSource = Callable[[int], Programme | None]
"""``programme(year)``: the stored programme of a year, or None (one is then scheduled)."""


def check_year(scenario: Scenario, documents: Mapping[str, Any], params: YearParameters) -> None:
    """Refuse at once what cannot run: bad rates, or a programme year the calendar does not cover."""
    incident_rates(documents, scenario)
    for year in {params.programme, params.compare_programme} - {None, 0}:
        plan_set(documents, scenario)
        drill_calendar(documents, scenario, int(year))  # type: ignore[arg-type]


def build_model(scenario: Scenario, documents: Mapping[str, Any]) -> YearModel:
    """Build the year model of a scenario with its stored (or default) rates and staging points."""
    rates = incident_rates(documents, scenario)
    return year_model(scenario, rates, staging=posture_inputs(documents, scenario).staging)


def holds_for(model: YearModel, scenario: Scenario, documents: Mapping[str, Any], year: int | None,
              programme: ProgrammeSource | None = None) -> tuple[tuple[int, float, float], ...]:
    """Return the holds of a programme year's field drills (stored, else scheduled now); none without a year."""
    if year is None:
        return ()
    found = programme(year) if programme is not None else None
    if found is None:
        found = schedule_programme(scenario, plan_set(documents, scenario), drill_calendar(documents, scenario, year),
                                   load_library())
    return programme_holds(model, found, year=year)


def year_report(scenario: Scenario, documents: Mapping[str, Any], params: YearParameters, *,
                programme: ProgrammeSource | None = None, checkpoint: str | Path | None = None,
                progress: Progress | None = None, model: YearModel | None = None) -> dict[str, Any]:
    """Run the year the parameters ask for and return its JSON report (with ``comparison`` when asked)."""
    report = progress or (lambda fraction, message: None)
    check_year(scenario, documents, params)
    report(0.0, "computing travel times between bases, sites and road points")
    model = model or build_model(scenario, documents)
    run = YearRun(days=float(params.days), policy=params.policy, rate_scale=float(params.rate_scale),
                  warmup_days=float(params.warmup_days), move_up=params.move_up,
                  time_limit_s=float(params.time_limit_s),
                  holds=holds_for(model, scenario, documents, params.programme, programme))
    options: dict[str, Any] = {"replications": params.replications, "seed": params.seed, "workers": params.workers,
                               "scheduler": params.scheduler}
    changes = params.comparison()
    if not changes:
        return run_year(model, run, checkpoint=checkpoint, progress=report, **options).to_dict()
    second = with_changes(run, policy=params.compare_policy, move_up=params.compare_move_up,
                          rate_scale=None if params.compare_rate_scale is None else float(params.compare_rate_scale))
    if params.compare_programme is not None:
        second = with_changes(second, holds=holds_for(model, scenario, documents, params.compare_programme or None,
                                                      programme))
    compared = compare_years(model, run, second, progress=report, **options)
    return {**compared["first"], "comparison": {"changes": changes, "second": compared["second"],
                                                "difference": compared["difference"]}}
