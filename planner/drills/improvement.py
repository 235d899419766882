"""Improvement plan: corrective actions from drill findings, tracked until closed (HSEEP IP, R-DRILL-4).

Every finding becomes a corrective action with an owner, a due date and a status (open, in_progress,
closed); it stays in the open list until closed with a verifier. A major finding flags its plan for
revision (条例 Art 6, R-PLAN-1). A team that turned out slower than modelled gets a proposed
``turnout_min`` update, applied to the scenario only when the planner confirms it. Functions are pure:
they return new records. Persistence is plain JSON (``save_actions`` / ``load_actions``) until the store
holds these records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from planner.drills.evaluation import Evaluation
from planner.drills.plans import Plan, flag_for_revision
from planner.errors import InputError
from planner.scenario.model import Scenario

STATUSES = ("open", "in_progress", "closed")
DUE_DAYS = {"major": 30, "minor": 60}
"""Days to the due date by severity [U: after the HSEEP practice of an IP agreed about day 60]."""


@dataclass(frozen=True)
class CorrectiveAction:
    """A corrective action: what, who, by when, and its state."""

    id: str
    drill: str
    finding: str
    text: str
    severity: str
    plan: str | None
    owner: str
    due: dt.date
    status: str = "open"
    created: dt.date | None = None
    closed_on: dt.date | None = None
    verified_by: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (dates as YYYY-MM-DD)."""
        data = asdict(self)
        for key in ("due", "created", "closed_on"):
            data[key] = None if data[key] is None else data[key].isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CorrectiveAction:
        """Parse the JSON form; raises ``InputError`` naming the action and field."""
        record = str(data.get("id", "?"))
        try:
            values = dict(data)
            for key in ("due", "created", "closed_on"):
                if values.get(key) is not None:
                    values[key] = dt.date.fromisoformat(values[key])
            action = cls(**values)
        except (TypeError, ValueError) as error:
            raise InputError(f"corrective action {record}: {error}", field="action", record=record) from None
        if action.status not in STATUSES:
            raise InputError(f"corrective action {record}: status must be one of {', '.join(STATUSES)}",
                             field="status", record=record)
        return action


def actions_from_findings(evaluation: Evaluation, *, plan: str | None, owner: str, today: dt.date,
                          start_number: int = 1) -> list[CorrectiveAction]:
    """One open corrective action per finding, due 30 (major) or 60 (minor) days from ``today``."""
    return [
        CorrectiveAction(
            id=f"CA-{evaluation.drill}-{start_number + k}", drill=evaluation.drill, finding=f.id, text=f.text,
            severity=f.severity, plan=plan, owner=owner, due=today + dt.timedelta(days=DUE_DAYS[f.severity]),
            created=today,
        )
        for k, f in enumerate(evaluation.findings)
    ]


def set_status(actions: Sequence[CorrectiveAction], action_id: str, status: str, *, on: dt.date,
               verified_by: str = "", note: str = "") -> list[CorrectiveAction]:
    """Return a new list with one action's status changed; closing needs a verifier."""
    if status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}, got {status!r}", field="status")
    if status == "closed" and not verified_by:
        raise InputError(f"action {action_id}: closing needs verified_by", field="verified_by", record=action_id)
    if action_id not in {a.id for a in actions}:
        raise InputError(f"no corrective action {action_id!r}", field="id", record=action_id)
    return [replace(a, status=status, closed_on=on if status == "closed" else None,
                    verified_by=verified_by or a.verified_by, note=note or a.note) if a.id == action_id else a
            for a in actions]


def open_actions(actions: Iterable[CorrectiveAction]) -> list[CorrectiveAction]:
    """Return the improvement list: actions not closed, soonest due first."""
    return sorted((a for a in actions if a.status != "closed"), key=lambda a: (a.due, a.id))


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


@dataclass(frozen=True)
class TurnoutProposal:
    """A proposed change of a team's modelled turn-out minutes, from a drill observation."""

    team: str
    current_min: float
    proposed_min: float
    drill: str


def propose_turnout_updates(evaluation: Evaluation) -> list[TurnoutProposal]:
    """Teams observed slower than modelled (more than 20 % and 1 min): the observed turn-out as the new value."""
    return [TurnoutProposal(t.team, t.modelled_min, t.observed_min, evaluation.drill)
            for t in evaluation.turnout
            if t.observed_min > t.modelled_min * 1.2 and t.observed_min > t.modelled_min + 1]


def apply_turnout_updates(scenario: Scenario, proposals: Iterable[TurnoutProposal],
                          confirmed: Iterable[str]) -> Scenario:
    """Return a new scenario with the confirmed teams' ``turnout_min`` set to the proposal; others unchanged."""
    chosen = {p.team: p for p in proposals if p.team in set(confirmed)}
    teams = tuple(t.model_copy(update={"turnout_min": chosen[t.id].proposed_min}) if t.id in chosen else t
                  for t in scenario.teams)
    return replace(scenario, teams=teams)


def save_actions(actions: Iterable[CorrectiveAction], path: str | Path) -> Path:
    """Write the actions as JSON."""
    path = Path(path)
    path.write_text(json.dumps([a.to_dict() for a in actions], ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def load_actions(path: str | Path) -> list[CorrectiveAction]:
    """Read actions written by ``save_actions`` (an absent file is an empty list)."""
    path = Path(path)
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(f"{path.name}: not JSON ({error.msg})", field="actions") from None
    if not isinstance(data, list):
        raise InputError(f"{path.name}: must be a list of actions", field="actions")
    return [CorrectiveAction.from_dict(item) for item in data]
