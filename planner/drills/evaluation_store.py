"""Evaluate a stored drill and keep every evaluation: the one procedure behind the web API, the page and the CLI.

:func:`evaluate_stored_drill` takes the drill from the store (its programme entry, the incident template
it drills, its stored Monte Carlo summary), the scenario from the store (team capabilities and modelled
turn-out), the observed timeline, the evaluation parameters and who evaluates; it scores the timeline
with :func:`planner.drills.evaluation.evaluate_drill`, raises one corrective action per finding not
raised before (:func:`planner.drills.improvement.actions_from_findings`: duplicates skipped, numbered on
from the drill's last action) and stores the evaluation. The cross-region requests the drill exercised
(:func:`exercised_requests`) are scored with it against its plan's request targets (:func:`request_targets`).
``python -m planner drills evaluate`` and ``POST /api/v1/scenarios/<name>/evaluations/<key>`` both call it,
so they give the same record.

The ``evaluations`` document of a drill (id = the drill key) holds the latest evaluation's fields at the
top, as it always did, and ``history``: every earlier evaluation, newest first, each with its inputs
(observed timeline CSV, plan, owner, date, template, simulation used), who ran it and when, and its
result. Re-evaluating moves the latest into the history; nothing is dropped. A timeline that records
no response (no notified, dispatched, departed, arrived, entry or task_done event) is refused before
anything is stored, so an evaluation is never replaced by a blank one. Documents stored before the
history existed read as one evaluation with unknown ``evaluated_by`` / ``evaluated_at``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import AwareDatetime, Field, field_validator

from planner import clock
from planner.drills import records
from planner.drills.evaluation import Evaluation, ExercisedRequest, ObservedEvent, evaluate_drill, parse_observed
from planner.drills.improvement import (
    CorrectiveAction,
    TurnoutProposal,
    actions_from_findings,
    propose_turnout_updates,
)
from planner.drills.plans import DEFAULT_REQUEST_TARGETS, RequestTargets
from planner.drills.settings import PLANS, check_plans
from planner.errors import InputError, NotFoundError
from planner.model.validation import Model, validate
from planner.requests.model import COLLECTION as REQUESTS
from planner.requests.model import request_times
from planner.scenario.library import Template, load_library
from planner.scenario.model import Scenario
from planner.store.database import ConflictError, DocumentChange, Store
from planner.store.settings import stored_settings

RESPONSE_EVENTS = frozenset({"notified", "dispatched", "departed", "arrived", "entry", "task_done"})
"""Events that record the response; a timeline with none of them (only alarm, inject, note) is blank."""

DEFAULT_OWNER = "drill organiser"
"""Owner of the corrective actions when neither the caller nor the drill names one."""


class SimulationUsed(Model):
    """The stored Monte Carlo summary an evaluation compared against: its runs and seed."""

    runs: int = Field(ge=1)
    seed: int | None = None


class ObjectiveNote(Model):
    """An evaluator's or controller's note from the conduct log, attached to the evaluation (and its objective)."""

    objective: str | None = None
    exercise_min: float
    by: str
    note: str
    event: str = "note"


class EvaluationRun(Model):
    """One evaluation of a drill: its inputs, who ran it and when, the result and the actions it raised."""

    drill: str
    template: str
    plan: str | None
    date: dt.date
    """The evaluation date: corrective actions are due counted from it."""
    owner: str = Field(min_length=1)
    """Owner of the corrective actions the evaluation raised."""
    observed_csv: str
    simulated: SimulationUsed | None = None
    evaluation: Evaluation
    turnout_proposals: tuple[TurnoutProposal, ...] = ()
    plan_needs_revision: bool = False
    actions: tuple[str, ...] = ()
    """Ids of the corrective actions this evaluation raised (findings raised before are not repeated)."""
    applied: tuple[str, ...] = ()
    """Teams whose proposed turn-out was applied to the team record."""
    evaluated_by: str | None = None
    evaluated_at: AwareDatetime | None = None
    source: Literal["form", "conduct"] = "form"
    """Where the observed timeline came from: typed on the evaluation form, or the conduct log at EndEx."""
    notes: tuple[ObjectiveNote, ...] = ()
    """Notes logged during conduct, each with its objective (none: the drill as a whole)."""

    @field_validator("observed_csv")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("the observed timeline must not be blank")
        return text

    def addressed_by(self, actions: Sequence[CorrectiveAction]) -> list[CorrectiveAction]:
        """Return the drill's corrective actions that address this evaluation's findings (same drill, same text)."""
        texts = {f.text for f in self.evaluation.findings}
        return [a for a in actions if a.drill == self.drill and a.text in texts]

    def proposals(self) -> list[dict[str, Any]]:
        """Return the turn-out proposals, each marked applied or not."""
        return [{**p.to_json(), "applied": p.team in self.applied} for p in self.turnout_proposals]


class StoredEvaluation(EvaluationRun):
    """A drill's ``evaluations`` document: the latest evaluation and, in ``history``, every earlier one."""

    id: str | None = None
    history: tuple[EvaluationRun, ...] = ()
    """Earlier evaluations, newest first."""

    def latest(self) -> EvaluationRun:
        """Return the latest evaluation alone (without the history)."""
        return EvaluationRun.model_validate(self.model_dump(exclude={"id", "history"}))

    def runs(self) -> list[tuple[int, EvaluationRun]]:
        """Return every evaluation with its number (1 = the first), newest first."""
        runs = [self.latest(), *self.history]
        return [(len(runs) - k, run) for k, run in enumerate(runs)]

    def run(self, number: int) -> EvaluationRun:
        """Return evaluation number ``number`` (1 = the first); ``NotFoundError`` naming ``evaluation`` otherwise."""
        for k, run in self.runs():
            if k == number:
                return run
        raise NotFoundError(f"drill {self.drill} has evaluations 1 to {len(self.history) + 1}, not {number}",
                            field="evaluation", record=str(number))


@dataclass(frozen=True)
class EvaluationOutcome:
    """What :func:`evaluate_stored_drill` stored: the document, its new version and the actions it raised."""

    record: StoredEvaluation
    version: int
    new_actions: tuple[CorrectiveAction, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the answer of the API and of ``drills evaluate --json``: the latest evaluation and its new actions."""
        return {**self.record.latest().to_json(), "number": len(self.record.history) + 1, "version": self.version,
                "actions": [a.to_json() for a in self.new_actions]}


def require_response(events: Sequence[ObservedEvent], field: str) -> None:
    """Refuse a blank timeline (no response event recorded): ``InputError`` naming ``field``."""
    if not any(e.event in RESPONSE_EVENTS for e in events):
        raise InputError(f"{field}: the observed timeline records no response (no "
                         f"{', '.join(sorted(RESPONSE_EVENTS))} event); enter what was observed before "
                         "evaluating (a stored evaluation is kept as it is)", field=field)


def drill_template(template_id: str) -> Template:
    """Return the library template a drill exercises; ``InputError`` naming ``template`` when it is not there."""
    library = load_library()
    if template_id not in library:
        raise InputError(f"no template {template_id!r} in the library", field="template")
    return library[template_id]


def evaluate_stored_drill(store: Store, name: str, key: str, observed_csv: str, *, actor: str,
                          expected_version: int | None, observed_field: str = "observed", plan: str | None = None,
                          owner: str | None = None, on: dt.date | None = None,
                          at: dt.datetime | None = None, notes: Sequence[ObjectiveNote] = (),
                          source: Literal["form", "conduct"] = "form") -> EvaluationOutcome:
    """Score a stored drill's observed timeline, keep the earlier evaluation as history, add the new actions.

    Parameters
    ----------
    store, name, key
        The store, the scenario and the drill (``<year>-<programme drill id>``) evaluated.
    observed_csv
        The observed timeline CSV (see :mod:`planner.drills.evaluation`); blank or response-free is refused.
    actor
        Who evaluates (the signed-in user, or the CLI's ``--by``).
    expected_version
        The version of the drill's evaluation the evaluator saw; required once the drill was evaluated
        (``ConflictError`` otherwise, or when someone evaluated since).
    plan, owner, on
        The plan the findings flag (default: the drill's first plan), the actions' owner (default: the
        drill's owner) and the evaluation date the actions are due from (default: today in the scenario's
        zone).
    observed_field
        The input field an error about the timeline names (``csv`` / ``events`` for the API, ``observed``
        for the CLI).
    at
        When the evaluation was made (default: now, from the product's one clock, :mod:`planner.clock`).
    notes, source
        Notes logged during conduct, and ``conduct`` when the timeline is the conduct log (default ``form``).

    """
    entry = records.drill_entry(store, name, key)
    template = drill_template(entry["scenario"])
    events = parse_observed(observed_csv.lstrip("\ufeff"), where="observed timeline")
    require_response(events, observed_field)
    plans = list(entry.get("plans") or [])
    plan = plan or (plans[0] if plans else None)
    if plan is not None and plan not in plans:
        raise InputError(f"plan must be one of the drill's plans ({', '.join(plans) or 'none'}), got {plan!r}",
                         field="plan")
    owner = (owner or "").strip() or str(entry.get("owner") or "") or DEFAULT_OWNER
    on = on or clock.today(store.scenario_zone(name))
    previous, current = _stored(store, name, key)
    if previous is not None and expected_version is None:
        raise ConflictError(f"drill {key} was evaluated before (version {current}): re-evaluating needs "
                            "expected_version, the version you read", field="expected_version", record=key,
                            current_version=current)
    if expected_version is not None and expected_version != current:
        now_at = " has no evaluation" if current is None else f"'s evaluation is at version {current}"
        raise ConflictError(f"drill {key}{now_at}, not {expected_version}: it changed since you read it; reload it "
                            "and evaluate again", field="expected_version", record=key, current_version=current)
    scenario = store.load_scenario(name)
    drill, _ = records.get_drill(store, name, key)
    stored = drill.get("simulation")
    summary = None if stored is None else records.parse_simulation(stored)
    simulated = summary if summary is not None and summary.template == template.id else None
    evaluation = evaluate_drill(key, template, events, {t.id: dict(t.capabilities) for t in scenario.teams},
                                turnout_min={t.id: t.turnout_min for t in scenario.teams}, simulated=simulated,
                                requests=exercised_requests(store, name, key),
                                request_targets=request_targets(store, scenario, plan))
    new = actions_from_findings(evaluation, plan=plan, owner=owner, today=on,
                                existing=[a for a, _ in records.actions(store, name)])
    run = EvaluationRun(
        drill=key, template=template.id, plan=plan, date=on, owner=owner, observed_csv=observed_csv,
        simulated=None if simulated is None else SimulationUsed(runs=simulated.runs, seed=simulated.seed),
        evaluation=evaluation, turnout_proposals=tuple(propose_turnout_updates(evaluation)),
        plan_needs_revision=any(f.severity == "major" for f in evaluation.findings),
        actions=tuple(a.id for a in new), evaluated_by=actor, evaluated_at=at or clock.now(),
        source=source, notes=tuple(notes),
    )
    history = () if previous is None else (previous.latest(), *previous.history)
    record = StoredEvaluation(**dict(run), id=key, history=history)
    # One transaction, conditional on the version whose evaluation moved into the history: of two evaluators
    # who read the same version one stores, the other gets ConflictError; no history entry or action is lost.
    version, *_ = store.put_documents(name, [DocumentChange("evaluations", key, record.to_json(), current),
                                             *records.action_changes(new)], actor=actor)
    return EvaluationOutcome(record, version, tuple(new))


def exercised_requests(store: Store, name: str, key: str) -> list[ExercisedRequest]:
    """Return the cross-region requests that exercise drill ``key``, oldest first, with their times."""
    out = []
    for doc_id, data, _ in sorted(store.documents(name, REQUESTS), key=lambda d: str(d[1].get("created_at", ""))):
        if data.get("drill") == key:
            times = request_times(data)
            out.append(ExercisedRequest(doc_id, times["request_to_approval_min"], times["approval_to_arrival_min"],
                                        times["planned_arrival_min"]))
    return out


def request_targets(store: Store, scenario: Scenario, plan: str | None) -> RequestTargets:
    """Return the request targets of a drill's plan (the plans document's; the defaults without one)."""
    data = stored_settings(store, scenario.name, PLANS)
    if data is None:
        return DEFAULT_REQUEST_TARGETS
    return check_plans(data, scenario, PLANS).targets_for(plan)


def _stored(store: Store, name: str, key: str) -> tuple[StoredEvaluation | None, int | None]:
    try:
        return get_evaluation(store, name, key)
    except NotFoundError:
        return None, None


def parse_evaluation(data: Any, key: str) -> StoredEvaluation:
    """Validate a stored evaluation document; ``InputError`` naming the drill and the field."""
    return validate(StoredEvaluation, data, what=f"evaluation of drill {key}", record=key)


def get_evaluation(store: Store, name: str, key: str) -> tuple[StoredEvaluation, int]:
    """Return a drill's stored evaluation (latest and history) and version; ``NotFoundError`` if never evaluated."""
    records.split_key(key)
    try:
        data, version = store.get_document(name, "evaluations", key)
    except NotFoundError:
        raise NotFoundError(f"drill {key} has not been evaluated yet", field="drill", record=key) from None
    return parse_evaluation(data, key), version


def evaluations(store: Store, name: str) -> list[tuple[str, StoredEvaluation, int]]:
    """Every stored evaluation: ``(drill key, record, version)``."""
    return [(doc_id, parse_evaluation(data, doc_id), version)
            for doc_id, data, version in store.documents(name, "evaluations")]


def evaluation_view(store: Store, name: str, key: str) -> tuple[dict[str, Any], int]:
    """Return the JSON the API and the page show: the latest evaluation, its actions, proposals and history.

    ``history`` lists the earlier evaluations newest first, each with its ``number``, who and when, its
    inputs (``observed_csv``, ``plan``, ``owner``, ``date``, ``template``, ``simulated``) and its result.
    """
    record, version = get_evaluation(store, name, key)
    runs = record.runs()
    return {**runs[0][1].to_json(), "id": key, "number": runs[0][0], "version": version,
            "turnout_proposals": record.proposals(),
            "actions": [{**a.to_json(), "version": v} for a, v in records.drill_actions(store, name, key)],
            "history": [{**run.to_json(), "number": number} for number, run in runs[1:]]}, version


def mark_applied(store: Store, name: str, key: str, team: str, *, actor: str = "system") -> int:
    """Record that a drill's turn-out proposal for ``team`` was applied to the team record (history kept)."""
    record, version = get_evaluation(store, name, key)
    if team not in {p.team for p in record.turnout_proposals}:
        raise InputError(f"drill {key} proposes no turn-out update for team {team!r}", field="team", record=team)
    updated = record.model_copy(update={"applied": tuple(sorted({*record.applied, team}))})
    return store.put_document(name, "evaluations", key, updated.to_json(), expected_version=version, actor=actor)


def plans_needing_revision(store: Store, name: str) -> dict[str, list[str]]:
    """Plan id -> reasons: a major finding of a drill's latest evaluation flags its plan until its actions close.

    A finding's actions are those of the same drill with the same text (how duplicates are recognised).
    Plans flagged in the stored plans document (``needs_revision``) are listed too (条例 Art 6, R-PLAN-1).
    """
    flagged: dict[str, list[str]] = {}
    plans = stored_settings(store, name, PLANS) or {}
    for plan in plans.get("plans", []) if isinstance(plans, Mapping) else []:
        if plan.get("needs_revision"):
            flagged.setdefault(plan["id"], []).extend(plan.get("revision_reasons") or ["flagged in plans"])
    stored = [a for a, _ in records.actions(store, name)]
    for key, record, _version in evaluations(store, name):
        if not record.plan:
            continue
        for finding in record.evaluation.findings:
            raised = [a for a in stored if a.drill == key and a.text == finding.text]
            if finding.severity == "major" and (not raised or any(a.status != "closed" for a in raised)):
                flagged.setdefault(record.plan, []).append(f"drill {key}: {finding.text}")
    return flagged
