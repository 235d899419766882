"""Models of the drills API (``web.drills.api``): programmes, drills, simulations, evaluations, actions.

What the API stores and answers are the planner's own records, so their models are the planner's: the
programme and its drills (:mod:`planner.drills.programme`), a drill's design (:mod:`planner.drills.design`),
its simulation summary (:mod:`planner.drills.records`), its evaluations with their history
(:mod:`planner.drills.evaluation_store`) and corrective actions (:mod:`planner.drills.improvement`); the
answers here add what the API shows beside them (versions, numbers, the map).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from planner.drills.cards import ResponseCard
from planner.drills.design import DrillDesign
from planner.drills.evaluation_store import EvaluationRun
from planner.drills.improvement import CorrectiveAction, Priority, Status, TurnoutProposal
from planner.drills.parameters import PlanParameters
from planner.drills.programme import Drill, Programme
from planner.drills.records import SimulationRecord
from planner.model.validation import one_error, refuse
from planner.roads.conditions import CLOSURES_FIELD_HELP, ClosuresField
from web.schemas.common import Answer, JobStarted, QueryString, RequestBody, Version, absent

MAX_EVENTS = 2000
"""Most observed events in one evaluation."""
MINUTES_IN_A_YEAR = 366 * 24 * 60
"""Largest shift of a drill, minutes either way."""
JOB_ID = Annotated[str, Field(pattern=r"^[0-9a-f]{1,32}$", description="the id of a finished job")]

# ----------------------------------------------------------------------------------------------------
# Requests


class PlanYear(PlanParameters):
    """The year to plan, and the scheduler's time limit: the drills-plan job's parameters."""


class SaveJobResult(RequestBody):
    """A finished job whose result to store, and the version being replaced (when there is one)."""

    job: JOB_ID
    expected_version: Version | None = None


class ExportQuery(QueryString):
    """The export format."""

    format: Literal["ics", "csv", "pdf"] = "ics"


class ReportQuery(QueryString):
    """The report: evaluation (html), summary, both as PDF, or the after-action report (aar, aar_pdf); which one."""

    format: Literal["html", "summary", "pdf", "aar", "aar_pdf"] = "html"
    evaluation: Annotated[int, Field(ge=1)] | None = absent("number of the evaluation (1 = the first; "
                                                            "default the latest)")


class SaveDesign(RequestBody):
    """The design to store (the computed one when none is given); times without an offset are local."""

    design: DrillDesign | None = None
    expected_version: Version | None = None


class ShiftDrill(RequestBody):
    """A shift in minutes, or the new alarm time; one of the two."""

    model_config = {"json_schema_extra": {"anyOf": [
        {"required": ["minutes"], "properties": {"minutes": {"type": "number"}}},
        {"required": ["start"], "properties": {"start": {"type": "string"}}}]}}

    minutes: float | None = Field(None, ge=-MINUTES_IN_A_YEAR, le=MINUTES_IN_A_YEAR)
    start: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?$",
                              description="new alarm time: 2026-04-08T09:00 is the scenario's local time; "
                                          "an offset (+08:00, Z) may be given")
    expected_version: Version | None = None

    @model_validator(mode="after")
    def shift_or_start(self) -> Self:
        """Require ``minutes`` or ``start``."""
        if self.minutes is None and self.start is None:
            raise refuse("minutes", "give minutes (a shift) or start (the new alarm time)")
        return self


class Simulate(RequestBody):
    """Monte Carlo runs, the random seed, and the roads the teams drive on (a stored closure set, a time band)."""

    runs: int = Field(500, ge=1, le=20000)
    seed: int = Field(0, ge=0)
    closures: ClosuresField | None = Field(None, description=CLOSURES_FIELD_HELP + " (a surprise branch may close a "
                                                                                 "bridge); given, the MSEL's closure "
                                                                                 "injects do not apply")
    band: str | None = Field(None, max_length=80, description="a time band's id (speed_profiles)")


class ObservedEvent(RequestBody):
    """One line of an observed timeline."""

    time: Annotated[float | str, one_error("give minutes from the alarm or HH:MM")]
    event: str
    team: str | None = None
    capability: str | None = None
    quantity: Annotated[int | str | None, one_error("give a whole number")] = None
    note: str | None = None


class Evaluate(RequestBody):
    """The observed timeline (events, or CSV text), the plan evaluated, the actions' owner and the date."""

    model_config = {"json_schema_extra": {"anyOf": [
        {"required": ["events"], "properties": {"events": {"type": "array"}}},
        {"required": ["csv"], "properties": {"csv": {"type": "string", "minLength": 1}}}]}}

    events: list[ObservedEvent] | None = Field(None, min_length=1, max_length=MAX_EVENTS)
    csv: str | None = Field(None, description="time,event,team,capability,quantity,note (within the request size "
                                                "limit)")
    plan: str | None = Field(None, description="one of the drill's plans (default: its first)")
    owner: str | None = Field(None, description="owner of the corrective actions (default: the drill's owner)")
    date: dt.date | None = Field(None, description="the evaluation's date, actions are due from it (default: "
                                                   "today in the scenario's zone)")
    expected_version: Version | None = None

    @model_validator(mode="after")
    def some_timeline(self) -> Self:
        """Require a timeline, as events or as CSV."""
        if not self.csv and not self.events:
            raise refuse("events", "give the observed timeline as events or csv")
        return self


class ApplyTurnout(RequestBody):
    """The team record's version the client read (default: the current one)."""

    expected_version: Version | None = None


class ActionChange(RequestBody):
    """A corrective action's new status (closing needs verified_by and evidence, cancelling a reason) or fields."""

    status: Status | None = None
    verified_by: str | None = Field(None, max_length=200)
    evidence: str | None = Field(None, max_length=4000)
    cancel_reason: str | None = Field(None, max_length=4000)
    note: str | None = Field(None, max_length=4000)
    owner: str | None = Field(None, max_length=200)
    due: dt.date | None = None
    priority: Priority | None = None
    capability: str | None = Field(None, max_length=80)
    text: str | None = Field(None, max_length=4000)
    version: Version | None = None


class NewAction(RequestBody):
    """A corrective action raised by hand: what, who, by when; optionally its drill, severity, priority, capability."""

    text: str = Field(min_length=1, max_length=4000)
    owner: str = Field(min_length=1, max_length=200)
    due: dt.date
    drill: str | None = Field(None, max_length=80)
    severity: Literal["major", "minor"] = "minor"
    priority: Priority = "medium"
    capability: str = Field("", max_length=80)
    plan: str | None = Field(None, max_length=80)


class CardQuery(QueryString):
    """The page size of a response card's PDF."""

    size: Literal["A4", "A5"] = "A4"


# ----------------------------------------------------------------------------------------------------
# Answers: the planner's records (programme, design, simulation, evaluation, actions) with what the API adds


class ProgrammeYear(Answer):
    """A stored programme: its year, version, status and counts."""

    year: int
    version: int
    status: str | None
    drills: int
    unmet: int


class ProgrammeList(Answer):
    """Years planned, and the years the stored calendar covers."""

    programmes: list[ProgrammeYear]
    calendar_years: list[int]
    has_plans: bool


class PlanStarted(JobStarted):
    """The planning job of a year was queued."""

    year: int


class ProgrammeSaved(Answer):
    """The year's programme was stored."""

    year: int
    version: int
    drills: int


class ProgrammeAnswer(Programme):
    """A year's stored drill programme, its version and the plans needing revision (plan id: reasons)."""

    version: int
    plans_needing_revision: dict[str, list[str]]


class DrillEntry(Drill):
    """A drill's entry in its year's programme, with its key (``<year>-<drill id>``) and year."""

    key: str
    year: int


class VersionedAction(CorrectiveAction):
    """A corrective action with its version (send it back to change the action)."""

    version: int


class BoardAction(VersionedAction):
    """A corrective action on the board, marked overdue when due before today (scenario's zone) and not closed."""

    overdue: bool


class ShownProposal(TurnoutProposal):
    """A turn-out proposal, marked applied once the team record took it."""

    applied: bool


class NumberedEvaluation(EvaluationRun):
    """An earlier evaluation of a drill, with its number (1 = the first)."""

    number: int


class EvaluationStored(EvaluationRun):
    """The evaluation just stored: its number, the document's new version and the corrective actions it raised."""

    number: int
    version: int
    actions: tuple[CorrectiveAction, ...]  # type: ignore[assignment]  # the actions themselves, not their ids


class EvaluationAnswer(EvaluationRun):
    """A drill's latest evaluation, its corrective actions and turn-out proposals, and the earlier evaluations.

    ``history`` lists every earlier evaluation, newest first, with its inputs (observed timeline, plan,
    owner, date, template, simulation used), who made it and when, and its result.
    """

    id: str
    number: int
    version: int
    turnout_proposals: tuple[ShownProposal, ...]  # type: ignore[assignment]
    actions: tuple[VersionedAction, ...]  # type: ignore[assignment]  # every action of the drill
    history: tuple[NumberedEvaluation, ...]


class MapSite(Answer):
    """The drill's hazard site."""

    id: str
    name: str
    name_zh: str
    lon: float
    lat: float


class MapTeam(Answer):
    """An expected team: its base, its route to the site (None: straight line) and its expected arrival."""

    team: str
    name: str
    base: str
    base_name: str
    lon: float
    lat: float
    arrival_min: float
    capabilities: dict[str, int]
    route: list[list[float]] | None


class DrillMap(Answer):
    """The site and the expected teams of a drill, for the map."""

    site: MapSite | None
    teams: list[MapTeam]


class DrillRequest(Answer):
    """A cross-region request a drill exercises, and its times against the plan (minutes; null: not yet)."""

    id: str
    state: str
    jurisdiction: str
    level: str
    times: dict[str, float | None]


class DrillView(Answer):
    """A programme drill: entry, design (stored or computed), simulation, evaluation, actions, map, requests."""

    key: str
    entry: DrillEntry
    version: int | None
    design: DrillDesign | None
    design_stored: bool
    simulation: SimulationRecord | None
    evaluation: EvaluationAnswer | None
    evaluation_version: int | None
    turnout_proposals: list[ShownProposal]
    actions: list[VersionedAction]
    map: DrillMap
    requests: list[DrillRequest] = Field(default_factory=list,
                                         description="cross-region requests the drill exercises, with their times")


class DesignSaved(Answer):
    """A drill's stored design."""

    key: str
    version: int
    design: DrillDesign


class SimulationSaved(Answer):
    """A drill's stored simulation summary."""

    key: str
    version: int
    simulation: SimulationRecord


class EvaluationSummary(Answer):
    """An evaluated drill: its latest evaluation, who made it and when, and how many evaluations it has."""

    drill: str
    version: int
    plan: str | None
    date: dt.date
    score: float
    findings: int
    evaluated_by: str | None
    evaluated_at: dt.datetime | None
    evaluations: int


class EvaluationList(Answer):
    """Every evaluated drill."""

    evaluations: list[EvaluationSummary]


class TurnoutApplied(Answer):
    """The team's new turn-out minutes."""

    team: str
    turnout_min: float
    version: int


class ActionBoard(Answer):
    """Corrective actions in open, in-progress and closed columns, each marked overdue or not."""

    today: dt.date
    columns: dict[Status, list[BoardAction]]
    plans_needing_revision: dict[str, list[str]]


class ResponseCardAnswer(ResponseCard):
    """A key-post response card of an on-site plan."""
