"""What a year's drill planning and a drill's Monte Carlo simulation may be asked for: one model each.

``python -m planner drills plan|simulate`` validate their options with these models and the job runner
validates the ``drills-plan`` and ``drills-simulate`` jobs' parameters with the same ones before it
accepts a job (:func:`planner.jobs.registry.parse_params`). What depends on the stored scenario (its
plans, the years its calendar covers, the templates and sites) is checked by :func:`check_plan` and
:func:`check_simulation`, which the job kinds run before a job is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, StrictFloat, StrictInt

from planner.drills.conduct_store import played_msel
from planner.drills.msel import Msel
from planner.drills.msel_roads import check_msel_closures, msel_road_changes
from planner.drills.programme import FIRST_YEAR, LAST_YEAR
from planner.drills.settings import drill_calendar, plan_set
from planner.drills.simulate import require_site
from planner.errors import InputError, NotFoundError
from planner.model.validation import Model, Text
from planner.roads.bands import find_band
from planner.roads.conditions import (
    CLOSURES_FIELD_HELP,
    ClosuresField,
    RoadConditions,
    check_closures_request,
    travel_network,
)
from planner.scenario.library import Template, load_library
from planner.scenario.model import Scenario
from planner.store.settings import StoredDocuments

MAX_RUNS = 20_000
"""Most Monte Carlo replications of one simulation."""
MAX_TIME_LIMIT_S = 600
MAX_CLOSURE_START_MIN = 7 * 24 * 60
"""Latest minute after the alarm a simulation's closures may start (a week-long exercise)."""
"""Longest CP-SAT limit per solve of a year's planning, seconds."""


class PlanParameters(Model):
    """The year to plan and the CP-SAT limit per solve (default: the calendar's)."""

    year: Annotated[StrictInt, Field(ge=FIRST_YEAR, le=LAST_YEAR, description="the programme year")]
    time_limit_s: Annotated[StrictFloat | StrictInt, Field(gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False,
                                                           description="CP-SAT limit per solve, seconds")] | None = None


class SimulationParameters(Model):
    """A drill's (or an incident's) Monte Carlo simulation: template, site, replications, seed, conditions."""

    template: Text = Field(max_length=80, description="incident template of the library")
    site: Text = Field(max_length=80, description="hazard site id")
    runs: Annotated[StrictInt, Field(ge=1, le=MAX_RUNS, description="replications")] = 500
    seed: Annotated[StrictInt, Field(ge=0, description="seed of the one random generator")] = 0
    weather: Text | None = Field(None, max_length=40, description="weather condition of the template's effects")
    time_of_day: Text | None = Field(None, max_length=40, description="time-of-day condition of the template's effects")
    drill: Text | None = Field(None, max_length=80, description="the drill key the simulation belongs to")
    closures: ClosuresField | None = Field(
        None, description=CLOSURES_FIELD_HELP + " for this simulation: the roads the teams drive under (a surprise "
                                                "branch: a bridge closed); given, the drill MSEL's closure injects "
                                                "do not apply")
    band: Text | None = Field(None, max_length=80, description="a time band (speed_profiles) the teams drive in")
    closures_from_min: Annotated[StrictFloat | StrictInt, Field(
        ge=0, le=MAX_CLOSURE_START_MIN, allow_inf_nan=False,
        description="minutes after the alarm from which the closures apply (default: from the alarm)")] | None = None
    closures_inject: Text | None = Field(None, max_length=40, description="the template's inject whose time the "
                                                                         "closures apply from (a surprise branch)")


def check_plan(scenario: Scenario, documents: Mapping[str, Any], params: PlanParameters) -> None:
    """Refuse planning a year the stored settings cannot plan: no plans, or a year the calendar does not cover."""
    plan_set(documents, scenario)
    drill_calendar(documents, scenario, params.year)


def library_template(library: Mapping[str, Template], template: str) -> Template:
    """Return a template of the library; ``InputError`` listing the library otherwise."""
    if template not in library:
        raise InputError(f"no template {template!r} (library: {', '.join(sorted(library))})", field="template")
    return library[template]


def check_simulation(scenario: Scenario, documents: Mapping[str, Any], params: SimulationParameters) -> None:
    """Refuse simulating a template the library lacks, a site the scenario lacks, or an unknown closure set or band."""
    library_template(load_library(), params.template)
    require_site(scenario, params.site)
    check_closures_request(scenario, documents, params.closures)
    if params.band is not None:
        find_band(documents, params.band)
    closures_start_min(library_template(load_library(), params.template), params)
    found = drill_msel(documents, params)
    if found is not None:
        check_msel_closures(scenario, documents, found[0])


def drill_msel(documents: Mapping[str, Any], params: SimulationParameters) -> tuple[Msel, dict[str, str]] | None:
    """Return the simulated drill's stored MSEL and its exercise's chosen branch options, when its closures count.

    They count for a simulation of a stored scenario's programme drill (``drill``) that gives no
    ``closures`` of its own (given ones are a what-if over the script and replace it); a drill key the
    programme lacks, or documents not read from a store (the CLI's folder), have no MSEL.
    """
    if params.drill is None or params.closures is not None or not isinstance(documents, StoredDocuments):
        return None
    try:
        return played_msel(documents.store, documents.scenario, params.drill)
    except NotFoundError:
        return None


def simulation_roads(scenario: Scenario, documents: Mapping[str, Any], params: SimulationParameters,
                     template: Template) -> tuple[RoadConditions | None, list[tuple[float, RoadConditions]],
                                                  dict[str, Any] | None]:
    """Return a simulation's roads from the alarm, the changes after it, and what applied (null: free flow).

    The simulation's own ``closures`` (from ``closures_from_min``/``closures_inject`` when given) and
    ``band``; without closures of its own, the drill MSEL's closure injects each from its offset
    (:mod:`planner.drills.msel_roads`), listed in ``msel_closures``.
    """
    found = drill_msel(documents, params)
    from_msel = msel_road_changes(scenario, documents, *found, params.band) if found is not None else []
    if from_msel:
        band_only = travel_network(scenario, documents, band=params.band) if params.band is not None else None
        first_inject, first_roads = from_msel[0]
        applied = {**first_roads.describe(), "closures_from_min": first_inject.offset_min,
                   "msel_closures": [{"inject": i.id, "from_min": i.offset_min, **r.describe()} for i, r in from_msel]}
        return band_only, [(i.offset_min, r) for i, r in from_msel], applied
    roads = (travel_network(scenario, documents, closures=params.closures, band=params.band)
             if params.closures is not None or params.band is not None else None)
    start_min = closures_start_min(template, params)
    before, changes = roads_from(scenario, documents, roads, start_min)
    return before, changes, None if roads is None else {**roads.describe(), "closures_from_min": start_min}


def closures_start_min(template: Template, params: SimulationParameters) -> float | None:
    """Return the minute after the alarm the simulation's closures start (None: from the alarm).

    ``closures_inject`` takes the time of the template's inject (the surprise branch's "bridge closed");
    ``closures_from_min`` gives the minute itself. Either without ``closures``, both at once, or an inject
    the template lacks is refused naming the field.
    """
    if params.closures_from_min is None and params.closures_inject is None:
        return None
    field = "closures_inject" if params.closures_inject is not None else "closures_from_min"
    if params.closures is None:
        raise InputError(f"{field} needs closures: the closure set that applies from then", field=field)
    if params.closures_from_min is not None and params.closures_inject is not None:
        raise InputError("give closures_from_min or closures_inject, not both", field="closures_inject")
    if params.closures_inject is None:
        return float(params.closures_from_min or 0.0)
    for inject in template.injects:
        if inject.id == params.closures_inject:
            return float(inject.at_min)
    known = ", ".join(i.id for i in template.injects) or "none"
    raise InputError(f"template {template.id} has no inject {params.closures_inject!r} (injects: {known})",
                     field="closures_inject", record=params.closures_inject)


def roads_from(scenario: Scenario, documents: Mapping[str, Any], roads: RoadConditions | None,
               start_min: float | None) -> tuple[RoadConditions | None, list[tuple[float, RoadConditions]]]:
    """Split a simulation's roads at the minute its closures start: before, the band alone; from then, all.

    Returns the roads from the alarm and the changes after it (for
    :func:`planner.drills.sim_case.build_case`); without a later start the roads hold from the alarm.
    """
    if roads is None or roads.closure_set is None or not start_min:
        return roads, []
    before = travel_network(scenario, documents, band=roads.band) if roads.band is not None else None
    return before, [(start_min, roads)]
