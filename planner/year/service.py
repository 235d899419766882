"""A year run from a scenario and its settings documents: what ``python -m planner year`` and the ``year`` job do.

One function for both (:func:`year_report`), so the CLI and a background job with the same parameters
give the same figures: the incident rates (``incident_rates``, default rates when absent), the staging
points (posture's document) for move-up, the drill programme's field drills as holds when a programme
year is given (the caller's stored programme, else one scheduled now from the scenario's plans and
calendar, as the ``drills-plan`` job does), then the replications and, with ``compare``, the second
configuration on the same seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from planner import clock
from planner.availability.settings import availability_rules
from planner.drills.programme import Programme, schedule_programme
from planner.drills.settings import drill_calendar, plan_set
from planner.errors import NotFoundError
from planner.posture.settings import posture_inputs
from planner.posture.warnings import HazardWarning, warning_from_dict
from planner.roads.bands import speed_profiles
from planner.roads.closures import find_set
from planner.roads.conditions import travel_network
from planner.scenario.library import load_library
from planner.scenario.model import Scenario
from planner.year.build import (
    REPLAY_CLOCK,
    WarningEffects,
    period_start,
    programme_holds,
    warning_holds,
    year_model,
)
from planner.year.model import MINUTES_PER_DAY, YearModel, YearRun
from planner.year.parameters import YearParameters
from planner.year.run import compare_years, run_year, with_changes
from planner.year.settings import incident_rates

Progress = Callable[[float, str], None]
ProgrammeSource = Callable[[int], Programme | None]
"""``programme(year)``: the stored programme of a year, or None (one is then scheduled)."""


def check_year(scenario: Scenario, documents: Mapping[str, Any], params: YearParameters) -> None:
    """Refuse at once what cannot run: bad rates or warnings, or a programme year the calendar does not cover."""
    incident_rates(documents, scenario)
    given_warnings(params)
    for field, name in (("closures", params.closures), ("compare_closures", params.compare_closures)):
        if name is not None:
            find_set(documents, name, field=field)
    bases = {b.id for b in scenario.bases}
    unknown = [b for b in params.compare_closed_bases or () if b not in bases]
    if unknown:
        raise NotFoundError(f"compare_closed_bases: no base {unknown[0]!r} in scenario {scenario.name}",
                            field="compare_closed_bases", record=unknown[0])
    for year in {params.programme, params.compare_programme} - {None, 0}:
        plan_set(documents, scenario)
        drill_calendar(documents, scenario, int(year))  # type: ignore[arg-type]


def given_warnings(params: YearParameters) -> tuple[HazardWarning, ...]:
    """Read the parameters' warnings (``InputError`` naming ``warnings[i]`` and the field); replayed, never expired."""
    return tuple(warning_from_dict(data, record=f"warnings[{i}]", now=REPLAY_CLOCK)
                 for i, data in enumerate(params.warnings or ()))


def period_year(params: YearParameters, warnings: Sequence[HazardWarning], scenario: Scenario) -> int:
    """Return the year the period starts in: asked, else the programme's, else the first warning's, else this year."""
    if params.year is not None:
        return params.year
    if params.programme:
        return params.programme
    if warnings:
        return min(w.onset for w in warnings).astimezone(scenario.zone).year
    return clock.now().astimezone(scenario.zone).year


def postures_for(model: YearModel, scenario: Scenario, documents: Mapping[str, Any],
                 warnings: Sequence[HazardWarning], year: int) -> WarningEffects:
    """Return what the warnings' postures do, with the scenario's warning rules, staging points and calendar."""
    if not warnings:
        return WarningEffects()
    inputs = posture_inputs(documents, scenario)
    return warning_holds(model, scenario, warnings, year=year, rules=inputs.rules, staging=inputs.staging,
                         calendar=inputs.calendar, availability_rules=availability_rules(documents, scenario))


def closed_base_holds(model: YearModel, bases: Sequence[str], days: float) -> tuple[tuple[int, float, float], ...]:
    """Return holds keeping every unit of the given bases from being sent all period (the bases closed)."""
    closed = {model.place_ids.index(b) for b in bases if b in model.place_ids}
    return tuple((j, 0.0, days * MINUTES_PER_DAY) for j in range(model.n_units) if int(model.unit_home[j]) in closed)


def build_model(scenario: Scenario, documents: Mapping[str, Any], *, closures: str | None = None,
                time_bands: bool = True) -> YearModel:
    """Build the year model of a scenario with its stored (or default) rates and staging points.

    Under ``closures`` (a stored closure set) every drive is on the network it leaves; with ``time_bands``
    (the default) each band of the scenario's speed profiles has its drive matrix, built here once for
    all replications (as the sweep draws them, :func:`planner.roads.conditions.travel_network`).
    """
    rates = incident_rates(documents, scenario)
    roads = None if closures is None else travel_network(scenario, documents, closures=closures)
    bands = [(band, travel_network(scenario, documents, closures=closures, band=band.id))
             for band in speed_profiles(documents).bands] if time_bands else []
    return year_model(scenario, rates, staging=posture_inputs(documents, scenario).staging, roads=roads, bands=bands)


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
                progress: Progress | None = None, model: YearModel | None = None,
                warnings: Sequence[HazardWarning] = ()) -> dict[str, Any]:
    """Run the year the parameters ask for and return its JSON report (with ``comparison`` when asked).

    ``warnings`` are read already (the CLI's CAP files) and join the parameters' own.
    """
    report = progress or (lambda fraction, message: None)
    check_year(scenario, documents, params)
    warnings = (*given_warnings(params), *warnings)
    year = period_year(params, warnings, scenario)
    report(0.0, "computing travel times between bases, sites and road points")
    model = model or build_model(scenario, documents, closures=params.closures, time_bands=params.time_bands)
    if warnings:
        report(0.0, f"planning the postures of {len(warnings)} warning(s)")
    effects = postures_for(model, scenario, documents, warnings, year)
    posture_holds = effects.holds
    drill_holds = holds_for(model, scenario, documents, params.programme, programme)
    run = YearRun(days=float(params.days), policy=params.policy, rate_scale=float(params.rate_scale),
                  warmup_days=float(params.warmup_days), move_up=params.move_up,
                  time_limit_s=float(params.time_limit_s), holds=drill_holds + posture_holds, turnouts=effects.turnouts,
                  first_weekday=period_start(scenario, year).weekday())
    facts = {"year": year, "warning_postures": [asdict(p) for p in effects.postures], "roads": model.roads}
    options: dict[str, Any] = {"replications": params.replications, "seed": params.seed, "workers": params.workers,
                               "scheduler": params.scheduler}
    changes = params.comparison()
    if not changes:
        return {**run_year(model, run, checkpoint=checkpoint, progress=report, **options).to_dict(), **facts}
    second = with_changes(run, policy=params.compare_policy, move_up=params.compare_move_up,
                          rate_scale=None if params.compare_rate_scale is None else float(params.compare_rate_scale))
    if params.compare_programme is not None or params.compare_warnings is not None or params.compare_closed_bases:
        second_drills = drill_holds if params.compare_programme is None else \
            holds_for(model, scenario, documents, params.compare_programme or None, programme)
        with_warnings = params.compare_warnings in (None, True)
        closed = closed_base_holds(model, params.compare_closed_bases or (), float(params.days))
        second = with_changes(second, holds=second_drills + (posture_holds if with_warnings else ()) + closed,
                              turnouts=effects.turnouts if with_warnings else ())
    second_model = None
    if params.compare_closures is not None:
        report(0.0, f"computing travel times under closure set {params.compare_closures}")
        second_model = build_model(scenario, documents, closures=params.compare_closures,
                                   time_bands=params.time_bands)
    compared = compare_years(model, run, second, progress=report, second_model=second_model, **options)
    return {**compared["first"], **facts, "comparison": {"changes": changes, "second": compared["second"],
                                                         "difference": compared["difference"]}}
