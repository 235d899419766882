"""Models of the conduct API (``web.drills.conduct_api``): the MSEL, exercise roles, the clock and the log.

The MSEL's injects, the exercise set-up and the log's entries are the planner's own records
(:mod:`planner.drills.msel`, :mod:`planner.drills.exercise`, :mod:`planner.drills.conduct`); the requests
here are what a client sends to change them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from planner.drills.conduct import MAX_SPEED, MIN_SPEED, BranchChoice, Observation, Release
from planner.drills.exercise import Assignment, GuideObjective
from planner.drills.msel import MAX_INJECTS, MselInject
from web.schemas.common import Answer, QueryString, RequestBody, Version, absent

Speed = Annotated[int, Field(ge=MIN_SPEED, le=MAX_SPEED, description="exercise-clock speed: 1 real time .. 10")]

# ----------------------------------------------------------------------------------------------------
# Requests


class SaveMsel(RequestBody):
    """The whole MSEL in its new order, and the version read (none for the first save)."""

    injects: list[MselInject] = Field(max_length=MAX_INJECTS)
    expected_version: Version | None = None


class MselFormat(QueryString):
    """The exchange format of an MSEL file."""

    format: Literal["csv", "xlsx"] = "csv"


class MselImport(QueryString):
    """The uploaded file's format and the MSEL version read (none for the first save)."""

    format: Literal["csv", "xlsx"] = "csv"
    expected_version: Annotated[int, Field(ge=1)] | None = absent("the MSEL version you read")


class SaveSetup(RequestBody):
    """The drill's exercise roles and notice, and the version read (none for the first save)."""

    roles: list[Assignment] = Field(default_factory=list, max_length=500)
    no_notice: bool = False
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    expected_version: Version | None = None


class ClockChange(RequestBody):
    """StartEx, pause, resume, a new speed or EndEx; a seed to draw the surprise branches not chosen at StartEx."""

    action: Literal["start", "pause", "resume", "speed", "end"]
    speed: Speed | None = None
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


class ReleaseInject(RequestBody):
    """The MSEL version the controller read (a changed inject is then refused), optional."""

    msel_version: Version | None = None


class LogObservation(RequestBody):
    """A milestone or note; the exercise time is the server's."""

    event: str = Field(min_length=1, max_length=40)
    team: str = Field("", max_length=80)
    note: str = Field("", max_length=4000)
    objective: str | None = Field(None, max_length=40)
    capability: str = Field("", max_length=80)
    quantity: int = Field(0, ge=0, le=10_000)


class BranchDecision(RequestBody):
    """The option chosen, or a seed to draw one (a seed is made up and recorded when neither is given)."""

    option: str | None = Field(None, max_length=40)
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


# ----------------------------------------------------------------------------------------------------
# Answers


class MselAnswer(Answer):
    """A drill's MSEL, its version (null: the template's injects, not stored yet) and its surprise branches."""

    injects: list[MselInject]
    version: int | None
    branches: dict[str, list[str]]


class SetupAnswer(Answer):
    """A drill's exercise roles and notice, and its version (null: not set up yet)."""

    roles: list[Assignment]
    no_notice: bool
    window_start: dt.date | None
    window_end: dt.date | None
    version: int | None


class GuideAnswer(Answer):
    """The Exercise Evaluation Guide of the caller's objectives (an evaluator's; everyone else's: all)."""

    drill: str
    objectives: list[GuideObjective]


class ConductAnswer(Answer):
    """The exercise as the caller may see it: players see the clock and the injects released to them only."""

    state: Literal["planned", "running", "paused", "ended"]
    exercise_min: float
    speed: int
    now: dt.datetime
    started_at: dt.datetime | None
    role: str | None
    due: list[MselInject]
    upcoming: list[MselInject]
    contingencies: list[MselInject]
    released: list[Release]
    observations: list[Observation]
    branches: dict[str, BranchChoice]
    version: int | None
    msel_version: int | None
    evaluation_note: str
    evaluated: bool


class ObservationLogged(Observation):
    """The observation as committed, with the log's new version."""

    version: int
