"""A drill's exercise set-up: who plays which exercise role, whether it is a no-notice drill, and its EEG.

Roles are given per drill from the user accounts (HSEEP; AQ/T 9007 总指挥 / 控制 / 评估 / 参演): the
**director** starts, pauses, resumes and ends the exercise and chooses surprise branches; **controllers**
release injects from the MSEL and log observations; **evaluators** log observations against their
objectives (none listed: all) from the Exercise Evaluation Guide (:func:`evaluation_guide`); **players**
(optionally for a team) see the injects released to them. A role holds for that drill only: a controller
of one drill is whatever their account is elsewhere. A user has at most one role in a drill, so a
player never sees the controllers' script.

A **no-notice** drill (双盲) is held by the programme as a window of dates: its players see nothing of it
(not in the calendar, the programme, the drill's pages or API) until StartEx; the director sees the
date. :func:`hidden_from` is the one rule every view asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, get_args

from pydantic import Field

from planner.errors import ForbiddenError, InputError, NotFoundError
from planner.model.validation import Model, validate
from planner.scenario.library import Template

Role = Literal["director", "controller", "evaluator", "player"]
ROLES: tuple[str, ...] = get_args(Role)
STAFF = frozenset({"director", "controller", "evaluator"})
"""Roles that see the exercise script (the MSEL, due injects, the observation log)."""


class Assignment(Model):
    """One user's role in a drill: an evaluator's objectives (none: all), a player's team."""

    user: str = Field(min_length=1, max_length=80)
    role: Role
    objectives: tuple[str, ...] = ()
    team: str | None = None


class ExerciseSetup(Model):
    """The exercise roles of a drill and its notice: a no-notice drill is announced as a window of dates."""

    roles: tuple[Assignment, ...] = ()
    no_notice: bool = False
    window_start: dt.date | None = None
    window_end: dt.date | None = None

    def roles_of(self, user: str) -> set[str]:
        """Return the roles ``user`` plays in this drill (at most one)."""
        return {a.role for a in self.roles if a.user == user}

    def users(self, role: str) -> list[str]:
        """Return the users who play ``role``."""
        return [a.user for a in self.roles if a.role == role]

    def objectives_of(self, user: str) -> tuple[str, ...]:
        """Return the objectives an evaluator evaluates (empty: all)."""
        return next((a.objectives for a in self.roles if a.user == user and a.role == "evaluator"), ())


def check_setup(data: Any, *, date: dt.date, template: Template, users: Iterable[str],
                teams: Iterable[str]) -> ExerciseSetup:
    """Validate a drill's exercise set-up; ``InputError`` naming the user or the field.

    Every user must have an account and one role at most; objectives must be the drill's, teams the
    scenario's; a no-notice drill needs a window of dates holding the drill's date.
    """
    setup = validate(ExerciseSetup, data, what="exercise set-up")
    known, team_ids = set(users), set(teams)
    objectives = {o.id for o in template.objectives}
    seen: set[str] = set()
    for assignment in setup.roles:
        if assignment.user not in known:
            raise InputError(f"roles: user {assignment.user!r} has no account", field="user", record=assignment.user)
        if assignment.user in seen:
            raise InputError(f"roles: user {assignment.user!r} has more than one role in this drill (a player must "
                             "not see the script)", field="role", record=assignment.user)
        seen.add(assignment.user)
        unknown = [o for o in assignment.objectives if o not in objectives]
        if unknown:
            raise InputError(f"roles: {assignment.user}: objective {unknown[0]!r} is not one of the drill's "
                             f"({', '.join(sorted(objectives))})", field="objectives", record=assignment.user)
        if assignment.team is not None and assignment.team not in team_ids:
            raise InputError(f"roles: {assignment.user}: team {assignment.team!r} does not exist", field="team",
                             record=assignment.user)
    if setup.no_notice:
        if setup.window_start is None or setup.window_end is None:
            raise InputError("a no-notice drill needs window_start and window_end (the dates players are told)",
                             field="window_start")
        if not setup.window_start <= date <= setup.window_end:
            raise InputError(f"the window {setup.window_start}..{setup.window_end} must hold the drill's date {date}",
                             field="window_end")
    elif (setup.window_start is None) != (setup.window_end is None):
        raise InputError("give both window_start and window_end, or neither", field="window_end")
    return setup


def hidden_from(setup: ExerciseSetup | None, user: str, *, started: bool) -> bool:
    """Whether a drill is hidden from ``user``: a no-notice drill, not started, and the user one of its players."""
    return setup is not None and setup.no_notice and not started and "player" in setup.roles_of(user)


def require_role(setup: ExerciseSetup | None, user: str, allowed: Sequence[str], what: str, key: str) -> str:
    """Return the user's role in the drill if it is one of ``allowed``; ``ForbiddenError`` saying what is needed."""
    roles = set() if setup is None else setup.roles_of(user)
    mine = next(iter(roles & set(allowed)), None)
    if mine is None:
        held = next(iter(roles), None)
        raise ForbiddenError(f"{what} needs the {' or '.join(allowed)} role in drill {key}; "
                              f"{user} is {'its ' + held if held else 'not assigned to it'}")
    return mine


class GuideObjective(Model):
    """An objective on the Exercise Evaluation Guide: its critical tasks and the times expected of the response."""

    id: str
    text: str
    capability: str
    metric: str
    quantity: int
    target_min: float
    expected_first_arrival_min: float | None
    """The optimiser's expected first arrival of the capability (the drill's design)."""
    simulated_p50: float | None = None
    simulated_p90: float | None = None
    critical_tasks: tuple[str, ...] = ()
    teams: tuple[dict[str, Any], ...] = ()
    """Teams expected to bring the capability: id, modelled turn-out minutes and expected arrival."""


def evaluation_guide(template: Template, *, expected: Sequence[Mapping[str, Any]],
                     turnout_min: Mapping[str, float], injects: Sequence[Any],
                     simulated: Mapping[str, Mapping[str, Any]] | None = None,
                     objectives: Sequence[str] = ()) -> list[GuideObjective]:
    """Return the EEG of the drill's objectives (``objectives``: an evaluator's, empty: all).

    Critical tasks are the expected actions of the injects testing the objective, then the template's
    on-scene tasks of its capability; the expected times are the plan's target, the optimiser's expected
    arrival of each team carrying the capability (``expected``: the design's expected dispatch, with each
    team's modelled turn-out) and the stored simulation's p50/p90 (``simulated``: metrics by key).
    """
    out = []
    for objective in template.objectives:
        if objectives and objective.id not in objectives:
            continue
        tasks = [i.expected_action for i in injects if i.objective == objective.id and i.expected_action]
        tasks += [f"{t.name} ({t.duration_min:g} min)" for t in template.tasks if t.capability == objective.capability]
        teams = [{"team": e["team"], "turnout_min": turnout_min.get(e["team"]), "arrival_min": e["arrival_min"]}
                 for e in expected if e.get("capabilities", {}).get(objective.capability, 0) > 0]
        key = f"first:{objective.capability}" if objective.metric == "first_arrival" else \
            f"assembled:{objective.capability}:{objective.quantity}"
        metric = (simulated or {}).get(key) or {}
        out.append(GuideObjective(
            id=objective.id, text=objective.text, capability=objective.capability, metric=objective.metric,
            quantity=objective.quantity, target_min=objective.target_min,
            expected_first_arrival_min=min((t["arrival_min"] for t in teams), default=None),
            simulated_p50=metric.get("p50"), simulated_p90=metric.get("p90"), critical_tasks=tuple(tasks),
            teams=tuple(teams)))
    return out


def not_found(key: str) -> NotFoundError:
    """Return the answer to a drill that does not exist, or is hidden from the caller: the same either way."""
    year, _, drill = key.partition("-")
    return NotFoundError(f"the {year} programme has no drill {drill!r}", field="drill", record=key)
