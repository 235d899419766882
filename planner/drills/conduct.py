"""Conduct of a drill on an exercise clock: StartEx, pause, resume, EndEx, inject releases and observations.

The exercise clock reads minutes after StartEx (T + 0, the alarm of the evaluation's timeline). It is
kept as the list of its marks (start, pause, resume, speed, end), each with the wall time (from the
product's one clock, :mod:`planner.clock`), the exercise minutes then and the speed after it (x1 real
time to x10). The exercise minutes at any wall time follow from the last mark alone, so a stored
conduct read again after a server restart shows the clock where it is: running on, or paused where it
was paused. Times are kept to 0.01 min, so the evaluation sees exactly the logged times.

Every change is a pure function returning a new :class:`Conduct`; an impossible one (an observation
after EndEx, an inject released twice, a release while paused, StartEx twice) raises ``InputError``
naming ``action``, ``inject`` or ``event`` and changes nothing. :func:`timeline_csv` turns the log into
the observed timeline the one evaluation (:func:`planner.drills.evaluation.evaluate_drill`) reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Mapping
from typing import Literal, get_args

from pydantic import AwareDatetime, Field

from planner.drills.evaluation import EVENTS
from planner.drills.msel import Msel, MselInject
from planner.errors import InputError
from planner.model.validation import Model

State = Literal["planned", "running", "paused", "ended"]
Action = Literal["start", "pause", "resume", "speed", "end"]
ACTIONS: tuple[str, ...] = get_args(Action)
MIN_SPEED, MAX_SPEED = 1, 10
"""Exercise-clock speeds: real time (x1) to ten times faster (x10)."""
OBSERVABLE = tuple(e for e in EVENTS if e not in ("alarm", "inject"))
"""Events an observer logs: the timeline vocabulary less the alarm (StartEx) and injects (releases)."""
ON_TIME_MIN = 1.0
"""A release within this many exercise minutes of its offset is on time; else early or late."""


class ClockMark(Model):
    """A change of the exercise clock: what, when (wall time), the exercise minutes then and the speed after."""

    action: Action
    at: AwareDatetime
    exercise_min: float
    speed: int = Field(ge=MIN_SPEED, le=MAX_SPEED)
    by: str


class Release(Model):
    """An inject as released to the players: when (exercise and wall time), by whom, early or late."""

    inject: str
    exercise_min: float
    at: AwareDatetime
    by: str
    scheduled_min: float
    delta_min: float
    """Released minus scheduled exercise minutes: negative is early, positive late."""
    timing: Literal["early", "on_time", "late"]
    sender: str = Field(default="", alias="from")
    to: str = ""
    mode: str = "message"
    text: str
    contingency: bool = False


class Observation(Model):
    """One logged observation: the milestone or note, its team and objective, exercise and wall time, author."""

    seq: int = Field(ge=1)
    event: str
    team: str = ""
    capability: str = ""
    quantity: int = Field(default=0, ge=0)
    note: str = ""
    objective: str | None = None
    exercise_min: float
    at: AwareDatetime
    by: str
    role: str = ""


class BranchChoice(Model):
    """The option played of a surprise branch: chosen by the director, or drawn with a recorded seed."""

    option: str
    how: Literal["chosen", "drawn"]
    seed: int | None = None
    by: str
    at: AwareDatetime


class Conduct(Model):
    """A drill's conduct: the clock's marks, the released injects, the observations and the branches played."""

    drill: str
    marks: tuple[ClockMark, ...] = ()
    released: tuple[Release, ...] = ()
    observations: tuple[Observation, ...] = ()
    branches: dict[str, BranchChoice] = Field(default_factory=dict)
    evaluation_note: str = ""
    """Why EndEx made no evaluation (the log recorded no response), empty otherwise."""

    @property
    def state(self) -> State:
        """Return planned (never started), running, paused or ended."""
        if not self.marks:
            return "planned"
        last = self.marks[-1].action
        return "ended" if last == "end" else "paused" if last == "pause" else "running"

    @property
    def speed(self) -> int:
        """Return the clock's speed (1 before StartEx)."""
        return self.marks[-1].speed if self.marks else 1

    def exercise_min(self, now: dt.datetime) -> float:
        """Return the exercise minutes at wall time ``now`` (0 before StartEx), to 0.01 min."""
        if not self.marks:
            return 0.0
        last = self.marks[-1]
        if self.state != "running":
            return last.exercise_min
        return round(last.exercise_min + max((now - last.at).total_seconds(), 0.0) / 60 * last.speed, 2)

    def started_at(self) -> dt.datetime | None:
        """Return the wall time of StartEx (None before)."""
        return self.marks[0].at if self.marks else None

    def released_ids(self) -> set[str]:
        """Return the ids of the injects released."""
        return {r.inject for r in self.released}


# ----------------------------------------------------------------------------------------------------
# The clock


def check_speed(speed: int | None, current: int) -> int:
    """Return a clock speed (the current one for None); ``InputError`` naming ``speed`` outside 1..10."""
    if speed is None:
        return current
    if isinstance(speed, bool) or not isinstance(speed, int) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise InputError(f"speed must be a whole number from {MIN_SPEED} (real time) to {MAX_SPEED}, got {speed!r}",
                         field="speed")
    return speed


ALLOWED: dict[str, tuple[str, ...]] = {"start": ("planned",), "pause": ("running",), "resume": ("paused",),
                                        "speed": ("running", "paused"), "end": ("running", "paused")}
"""The states each clock action may be taken in."""


def change_clock(conduct: Conduct, action: Action, *, now: dt.datetime, by: str, speed: int | None = None) -> Conduct:
    """Return the conduct with the clock started, paused, resumed, sped up or down, or ended at ``now``."""
    if action not in ALLOWED:
        raise InputError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}", field="action")
    state = conduct.state
    if state not in ALLOWED[action]:
        raise InputError(_refusal(conduct, action, now), field="action")
    new_speed = check_speed(speed, conduct.speed)
    mark = ClockMark(action=action, at=now, exercise_min=conduct.exercise_min(now), speed=new_speed, by=by)
    return conduct.model_copy(update={"marks": (*conduct.marks, mark)})


def _refusal(conduct: Conduct, action: str, now: dt.datetime) -> str:
    state = conduct.state
    at = f"T+{conduct.exercise_min(now):g} min"
    if state == "ended":
        return f"the exercise ended at {at}: it cannot {action} again"
    if state == "planned":
        return f"the exercise has not started (StartEx first): cannot {action}"
    if action == "start":
        return f"the exercise started already and is {state} at {at}"
    return f"the exercise is {state} at {at}: cannot {action}"


# ----------------------------------------------------------------------------------------------------
# Surprise branches


def choose_branch(conduct: Conduct, msel: Msel, branch: str, *, now: dt.datetime, by: str,
                  option: str | None = None, seed: int | None = None) -> Conduct:
    """Return the conduct with a branch's option chosen (``option``) or drawn with ``seed``, recorded either way.

    A branch is decided once, before any of its injects is released; a drawn option is
    ``random.Random(seed).choice`` over the options in the MSEL's order, so the same seed draws the same.
    """
    options = msel.branches().get(branch)
    if options is None:
        known = ", ".join(msel.branches()) or "none"
        raise InputError(f"the MSEL has no surprise branch {branch!r} (branches: {known})", field="branch",
                         record=branch)
    if conduct.state == "ended":
        raise InputError("the exercise ended: branches can no longer be chosen", field="branch", record=branch)
    if branch in conduct.branches:
        done = conduct.branches[branch]
        raise InputError(f"branch {branch} was {done.how} already: {done.option}", field="branch", record=branch)
    if option is not None:
        if option not in options:
            raise InputError(f"branch {branch}: option must be one of {', '.join(options)}, got {option!r}",
                             field="option", record=branch)
        choice = BranchChoice(option=option, how="chosen", by=by, at=now)
    else:
        if seed is None:
            raise InputError(f"branch {branch}: give the option chosen, or a seed to draw one", field="option",
                             record=branch)
        choice = BranchChoice(option=random.Random(seed).choice(options), how="drawn", seed=seed, by=by, at=now)
    return conduct.model_copy(update={"branches": {**conduct.branches, branch: choice}})


def draw_open_branches(conduct: Conduct, msel: Msel, *, seed: int, now: dt.datetime, by: str) -> Conduct:
    """Draw every branch not chosen yet (at StartEx), each with its own seed derived from ``seed``, recorded."""
    for k, branch in enumerate(msel.branches()):
        if branch not in conduct.branches:
            conduct = choose_branch(conduct, msel, branch, now=now, by=by, seed=seed + k)
    return conduct


# ----------------------------------------------------------------------------------------------------
# Injects


def chosen(conduct: Conduct) -> dict[str, str]:
    """Return the option played of each decided branch."""
    return {branch: choice.option for branch, choice in conduct.branches.items()}


def due(conduct: Conduct, msel: Msel, now: dt.datetime) -> list[MselInject]:
    """Return the played injects whose offset has come and that are not released yet, soonest first."""
    minutes = conduct.exercise_min(now)
    done = conduct.released_ids()
    return [i for i in msel.played(chosen(conduct)) if i.offset_min <= minutes and i.id not in done]


def upcoming(conduct: Conduct, msel: Msel, now: dt.datetime) -> list[MselInject]:
    """Return the played injects still to come, soonest first."""
    minutes = conduct.exercise_min(now)
    done = conduct.released_ids()
    return [i for i in msel.played(chosen(conduct)) if i.offset_min > minutes and i.id not in done]


def release(conduct: Conduct, msel: Msel, inject_id: str, *, now: dt.datetime, by: str) -> Conduct:
    """Return the conduct with an inject released to the players now; refused twice, before StartEx or paused.

    A contingency inject may be released at any time while the exercise runs; an inject of a branch
    option not played is refused.
    """
    inject = msel.inject(inject_id)
    state = conduct.state
    if state != "running":
        reason = {"planned": "has not started (StartEx first)", "paused": "is paused: resume it first",
                  "ended": "has ended"}[state]
        raise InputError(f"inject {inject_id} cannot be released: the exercise {reason}", field="inject",
                         record=inject_id)
    previous = next((r for r in conduct.released if r.inject == inject_id), None)
    if previous is not None:
        raise InputError(f"inject {inject_id} was released already, at T+{previous.exercise_min:g} min by "
                         f"{previous.by}", field="inject", record=inject_id)
    if inject.branch is not None and conduct.branches.get(inject.branch, None) is not None \
            and conduct.branches[inject.branch].option != inject.option:
        raise InputError(f"inject {inject_id} belongs to option {inject.option} of branch {inject.branch}, which "
                         f"is not played ({conduct.branches[inject.branch].option} is)", field="inject",
                         record=inject_id)
    if inject.branch is not None and inject.branch not in conduct.branches:
        raise InputError(f"inject {inject_id}: branch {inject.branch} is not decided yet: choose or draw it first",
                         field="branch", record=inject_id)
    minutes = conduct.exercise_min(now)
    delta = round(minutes - inject.offset_min, 2)
    timing = "on_time" if inject.contingency_for is not None or abs(delta) <= ON_TIME_MIN else \
        "early" if delta < 0 else "late"
    entry = Release.model_validate({
        "inject": inject_id, "exercise_min": minutes, "at": now, "by": by, "scheduled_min": inject.offset_min,
        "delta_min": delta, "timing": timing, "from": inject.sender, "to": inject.to, "mode": inject.mode,
        "text": inject.text, "contingency": inject.contingency_for is not None})
    return conduct.model_copy(update={"released": (*conduct.released, entry)})


# ----------------------------------------------------------------------------------------------------
# Observations


def observe(conduct: Conduct, *, event: str, now: dt.datetime, by: str, role: str = "", team: str = "",
            note: str = "", objective: str | None = None, capability: str = "", quantity: int = 0,
            objectives: Mapping[str, str] | None = None) -> tuple[Conduct, Observation]:
    """Return the conduct with one observation logged at the exercise time now, and the observation.

    Refused before StartEx and after EndEx; ``event`` must be an observable event of the timeline
    vocabulary (:data:`OBSERVABLE`), a ``note`` needs its text and ``objective`` must be the drill's.
    """
    state = conduct.state
    if state in ("planned", "ended"):
        when = "before StartEx" if state == "planned" else \
            f"after EndEx (the exercise ended at T+{conduct.exercise_min(now):g} min)"
        raise InputError(f"no observation can be logged {when}", field="event")
    if event not in OBSERVABLE:
        raise InputError(f"event must be one of {', '.join(OBSERVABLE)}, got {event!r}", field="event")
    if event == "note" and not note.strip():
        raise InputError("a note needs its text", field="note")
    if objective is not None and objectives is not None and objective not in objectives:
        raise InputError(f"objective must be one of the drill's ({', '.join(objectives)}), got {objective!r}",
                         field="objective")
    entry = Observation(seq=len(conduct.observations) + 1, event=event, team=team.strip(), note=note.strip(),
                        objective=objective, capability=capability.strip(), quantity=quantity,
                        exercise_min=conduct.exercise_min(now), at=now, by=by, role=role)
    return conduct.model_copy(update={"observations": (*conduct.observations, entry)}), entry


# ----------------------------------------------------------------------------------------------------
# The log as the observed timeline


def timeline_csv(conduct: Conduct) -> str:
    """Return the log as the observed timeline CSV: the alarm at StartEx, each release and each observation."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "event", "team", "capability", "quantity", "note"])
    if conduct.marks:
        writer.writerow([0, "alarm", "", "", "", "StartEx"])
    rows: list[tuple[float, int, list[object]]] = []
    for k, r in enumerate(conduct.released):
        rows.append((r.exercise_min, k, [f"{r.exercise_min:g}", "inject", "", "", "", f"{r.inject}: {r.text}"]))
    for o in conduct.observations:
        rows.append((o.exercise_min, len(conduct.released) + o.seq,
                     [f"{o.exercise_min:g}", o.event, o.team, o.capability, o.quantity or "",
                      f"{o.note} ({o.by})" if o.note else ""]))
    writer.writerows(row for _, _, row in sorted(rows, key=lambda r: (r[0], r[1])))
    return out.getvalue()
