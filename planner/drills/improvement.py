"""Improvement plan: corrective actions from drill findings, tracked until closed (HSEEP IP, R-DRILL-4).

Every finding becomes a corrective action with an owner, a due date, a priority, the capability it
improves and a status (open, in_progress, closed, cancelled); an action can also be raised by hand. It
stays in the open list until it is closed with a verifier and the evidence, or cancelled with a reason;
an open action past its due date is overdue. A major finding flags its plan for
revision (条例 Art 6, R-PLAN-1). A team that turned out slower than modelled gets a proposed
``turnout_min`` update, applied to the scenario only when the planner confirms it. Functions are pure:
they return new records; :mod:`planner.drills.records` keeps them in the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal, get_args

from pydantic import Field

from planner.drills.evaluation import Evaluation, Severity
from planner.drills.plans import Plan, flag_for_revision
from planner.errors import InputError
from planner.model.validation import Model, validate
from planner.scenario.model import Scenario

Status = Literal["open", "in_progress", "closed", "cancelled"]
STATUSES: tuple[str, ...] = get_args(Status)
DONE = frozenset({"closed", "cancelled"})
"""Statuses that take an action off the improvement list."""
Priority = Literal["high", "medium", "low"]
PRIORITIES: tuple[str, ...] = get_args(Priority)
DUE_DAYS = {"major": 30, "minor": 60}
"""Days to the due date by severity [U: after the HSEEP practice of an IP agreed about day 60]."""


class CorrectiveAction(Model):
    """A corrective action: what, who, by when, and its state (JSON dates as YYYY-MM-DD)."""

    id: str = Field(min_length=1, max_length=80)
    drill: str
    finding: str
    text: str
    severity: Severity
    plan: str | None
    owner: str
    due: dt.date
    status: Status = "open"
    priority: Priority = "medium"
    capability: str = ""
    created: dt.date | None = None
    closed_on: dt.date | None = None
    verified_by: str = ""
    evidence: str = ""
    """What shows the action is done (closing needs it)."""
    cancel_reason: str = ""
    note: str = ""


def parse_action(data: Any) -> CorrectiveAction:
    """Validate a stored corrective action; ``InputError`` naming the action and the field."""
    record = str(data.get("id", "?")) if isinstance(data, Mapping) else "?"
    return validate(CorrectiveAction, data, what=f"corrective action {record}", record=record)


def action_prefix(drill: str) -> str:
    """Return the id prefix of a drill's corrective actions: they are numbered ``CA-<drill>-<n>``."""
    return f"CA-{drill}-"


def actions_from_findings(evaluation: Evaluation, *, plan: str | None, owner: str, today: dt.date,
                          existing: Iterable[CorrectiveAction] = ()) -> list[CorrectiveAction]:
    """One open corrective action per new finding, due 30 (major) or 60 (minor) days from ``today``.

    A finding already raised for the drill (an action of the same drill with the same text) is skipped,
    so re-evaluating the same timeline adds nothing; the new actions are numbered on from the drill's
    highest number, so an id is never reused.
    """
    prefix = action_prefix(evaluation.drill)
    mine = [a for a in existing if a.drill == evaluation.drill]
    raised = {a.text for a in mine}
    numbers = [int(a.id[len(prefix):]) for a in mine if a.id.startswith(prefix) and a.id[len(prefix):].isdigit()]
    number = max(numbers, default=0)
    new = []
    for finding in evaluation.findings:
        if finding.text in raised:
            continue
        raised.add(finding.text)
        number += 1
        new.append(CorrectiveAction(
            id=f"{prefix}{number}", drill=evaluation.drill, finding=finding.id, text=finding.text,
            severity=finding.severity, plan=plan, owner=owner,
            due=today + dt.timedelta(days=DUE_DAYS[finding.severity]), created=today,
        ))
    return new


def set_status(actions: Sequence[CorrectiveAction], action_id: str, status: str, *, on: dt.date,
               verified_by: str = "", note: str = "", evidence: str = "",
               cancel_reason: str = "") -> list[CorrectiveAction]:
    """Return the actions with one's status changed: closing needs a verifier and evidence, cancelling a reason."""
    if status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}, got {status!r}", field="status")
    if action_id not in {a.id for a in actions}:
        raise InputError(f"no corrective action {action_id!r}", field="id", record=action_id)
    action = next(a for a in actions if a.id == action_id)
    verified_by, evidence = verified_by or action.verified_by, evidence or action.evidence
    if status == "closed" and not verified_by:
        raise InputError(f"action {action_id}: closing needs verified_by", field="verified_by", record=action_id)
    if status == "closed" and not evidence:
        raise InputError(f"action {action_id}: closing needs the evidence that it is done", field="evidence",
                         record=action_id)
    cancel_reason = cancel_reason or (action.cancel_reason if status == "cancelled" else "")
    if status == "cancelled" and not cancel_reason:
        raise InputError(f"action {action_id}: cancelling needs a reason", field="cancel_reason", record=action_id)
    return [a.model_copy(update={"status": status, "closed_on": on if status in DONE else None,
                                 "verified_by": verified_by, "evidence": evidence, "cancel_reason": cancel_reason,
                                 "note": note or a.note})
            if a.id == action_id else a for a in actions]


def manual_action(existing: Iterable[CorrectiveAction], *, text: str, owner: str, due: dt.date, today: dt.date,
                  drill: str = "", severity: Severity = "minor", priority: Priority = "medium",
                  capability: str = "", plan: str | None = None) -> CorrectiveAction:
    """Return a corrective action raised by hand (not from a finding), numbered on from its drill's actions."""
    if not text.strip():
        raise InputError("a corrective action needs its text", field="text")
    if not owner.strip():
        raise InputError("a corrective action needs an owner", field="owner")
    prefix = action_prefix(drill or "manual")
    numbers = [int(a.id[len(prefix):]) for a in existing if a.id.startswith(prefix) and a.id[len(prefix):].isdigit()]
    return CorrectiveAction(id=f"{prefix}{max(numbers, default=0) + 1}", drill=drill, finding="manual",
                            text=text.strip(), severity=severity, plan=plan, owner=owner.strip(), due=due,
                            priority=priority, capability=capability.strip(), created=today)


def open_actions(actions: Iterable[CorrectiveAction]) -> list[CorrectiveAction]:
    """Return the improvement list: actions neither closed nor cancelled, soonest due first."""
    return sorted((a for a in actions if a.status not in DONE), key=lambda a: (a.due, a.id))


def overdue(actions: Iterable[CorrectiveAction], today: dt.date) -> list[CorrectiveAction]:
    """Open actions past their due date."""
    return [a for a in open_actions(actions) if a.due < today]


def plans_to_revise(evaluation: Evaluation, plans: Iterable[Plan], plan_id: str | None) -> list[Plan]:
    """Return the plan flagged for revision when the drill had a major finding (条例 Art 6); else nothing."""
    majors = [f for f in evaluation.findings if f.severity == "major"]
    if not majors or plan_id is None:
        return []
    return [flag_for_revision(p, f"drill {evaluation.drill}: " + "; ".join(f.text for f in majors))
            for p in plans if p.id == plan_id]


class TurnoutProposal(Model):
    """A proposed change of a team's modelled turn-out minutes, from a drill observation."""

    team: str
    current_min: float
    proposed_min: float
    drill: str


def propose_turnout_updates(evaluation: Evaluation) -> list[TurnoutProposal]:
    """Teams observed slower than modelled (more than 20 % and 1 min): the observed turn-out as the new value."""
    return [TurnoutProposal(team=t.team, current_min=t.modelled_min, proposed_min=t.observed_min,
                            drill=evaluation.drill)
            for t in evaluation.turnout
            if t.observed_min > t.modelled_min * 1.2 and t.observed_min > t.modelled_min + 1]


def apply_turnout_updates(scenario: Scenario, proposals: Iterable[TurnoutProposal],
                          confirmed: Iterable[str]) -> Scenario:
    """Return a new scenario with the confirmed teams' ``turnout_min`` set to the proposal; others unchanged."""
    chosen = {p.team: p for p in proposals if p.team in set(confirmed)}
    teams = tuple(t.model_copy(update={"turnout_min": chosen[t.id].proposed_min}) if t.id in chosen else t
                  for t in scenario.teams)
    return replace(scenario, teams=teams)
