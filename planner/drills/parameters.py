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

from planner.drills.programme import FIRST_YEAR, LAST_YEAR
from planner.drills.settings import drill_calendar, plan_set
from planner.drills.simulate import require_site
from planner.errors import InputError
from planner.model.validation import Model, Text
from planner.roads.bands import find_band
from planner.roads.closures import find_set
from planner.scenario.library import Template, load_library
from planner.scenario.model import Scenario

MAX_RUNS = 20_000
"""Most Monte Carlo replications of one simulation."""
MAX_TIME_LIMIT_S = 600
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
    closures: Text | None = Field(None, max_length=80, description="a stored closure set the teams drive under "
                                                                   "(a surprise branch: a bridge closed)")
    band: Text | None = Field(None, max_length=80, description="a time band (speed_profiles) the teams drive in")


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
    if params.closures is not None:
        find_set(documents, params.closures)
    if params.band is not None:
        find_band(documents, params.band)
