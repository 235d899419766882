"""A drill's MSEL, exercise set-up and conduct in the store: the procedures behind the conduct API and pages.

Three document collections, one document per drill (id = the drill key), each versioned and audited by
the store:

- ``msels``: the drill's MSEL (:mod:`planner.drills.msel`); a drill without one plays its template's
  injects. Saving needs the version read (none for the first save), so two controllers editing one
  inject cannot overwrite each other (``ConflictError``), and a released inject cannot be changed or
  removed (what the players received stays in the record).
- ``exercises``: the exercise roles and notice (:mod:`planner.drills.exercise`).
- ``conducts``: the exercise clock and log (:mod:`planner.drills.conduct`). Each change reads the log,
  applies a pure change and writes it conditional on the version read, again on a concurrent change, so
  several controllers and evaluators log at once without losing an entry, and an answered change is
  committed (a killed server loses nothing acknowledged).

At EndEx the log is evaluated by the one procedure (:func:`planner.drills.evaluation_store.evaluate_stored_drill`)
as the observed timeline, with the notes attached; a log that recorded no response ends the exercise
without an evaluation and says why (``evaluation_note``), and :func:`evaluate_log` can run it later.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from planner import clock
from planner.drills import records
from planner.drills.conduct import (
    Action,
    Conduct,
    Observation,
    change_clock,
    choose_branch,
    chosen,
    draw_open_branches,
    observe,
    release,
    timeline_csv,
)
from planner.drills.evaluation_store import (
    EvaluationOutcome,
    ObjectiveNote,
    drill_template,
    evaluate_stored_drill,
    get_evaluation,
)
from planner.drills.exercise import ExerciseSetup, check_setup, hidden_from
from planner.drills.msel import Msel, MselInject, check_msel, msel_from_template
from planner.drills.msel_roads import check_msel_closures
from planner.errors import InputError, NotFoundError
from planner.model.codes import coded
from planner.scenario.library import Template
from planner.store.database import ConflictError, Store
from planner.store.settings import StoredDocuments

MSELS, EXERCISES, CONDUCTS = "msels", "exercises", "conducts"
ATTEMPTS = 20
"""How often a conduct change is tried again when another one was written between its read and its write."""


@dataclass(frozen=True)
class DrillContext:
    """What every conduct procedure needs of a drill: its programme entry and its template."""

    key: str
    entry: dict[str, Any]
    template: Template

    @property
    def date(self) -> dt.date:
        """Return the drill's date in the programme."""
        return dt.date.fromisoformat(str(self.entry["date"]))


def drill_context(store: Store, name: str, key: str) -> DrillContext:
    """Return a drill's programme entry and template (``NotFoundError`` when the programme has no such drill)."""
    entry = records.drill_entry(store, name, key)
    return DrillContext(key, entry, drill_template(entry["scenario"]))


def _get(store: Store, name: str, collection: str, key: str) -> tuple[Any, int | None]:
    records.split_key(key)
    try:
        return store.get_document(name, collection, key)
    except NotFoundError:
        return None, None


# ----------------------------------------------------------------------------------------------------
# MSEL


def get_msel(store: Store, name: str, drill: DrillContext) -> tuple[Msel, int | None]:
    """Return the drill's MSEL and version (the template's injects and None while none is stored)."""
    data, version = _get(store, name, MSELS, drill.key)
    if data is None:
        return msel_from_template(drill.template), None
    return check_msel(data, drill.template, where=f"stored MSEL of {drill.key}"), version


def save_msel(store: Store, name: str, drill: DrillContext, data: Any, *, expected_version: int | None,
              actor: str) -> tuple[Msel, int]:
    """Store the drill's edited MSEL; refused when a released inject was changed or removed, or on a stale version."""
    msel = check_msel(data, drill.template)
    check_msel_closures(store.load_scenario(name), StoredDocuments(store, name), msel)
    conduct, _ = get_conduct(store, name, drill.key)
    stored, _version = get_msel(store, name, drill)
    new = {i.id: i for i in msel.injects}
    for released in conduct.released_ids():
        before = _find(stored.injects, released)
        after = new.get(released)
        if after is None or (before is not None and after != before):
            raise InputError(f"inject {released} was released to the players already: it can no longer be "
                             f"{'removed' if after is None else 'changed'} (add a new inject instead)",
                             field="injects", record=released)
    version = store.put_document(name, MSELS, drill.key, msel.to_json(), expected_version=expected_version,
                                 actor=actor)
    return msel, version


def played_msel(store: Store, name: str, key: str) -> tuple[Msel, dict[str, str]]:
    """Return the drill's MSEL and the branch options its exercise chose or drew so far (for its simulation)."""
    msel, _version = get_msel(store, name, drill_context(store, name, key))
    conduct, _ = get_conduct(store, name, key)
    return msel, chosen(conduct)


def _find(injects: Iterable[MselInject], inject_id: str) -> MselInject | None:
    return next((i for i in injects if i.id == inject_id), None)


# ----------------------------------------------------------------------------------------------------
# Exercise set-up


def get_setup(store: Store, name: str, key: str) -> tuple[ExerciseSetup | None, int | None]:
    """Return the drill's exercise set-up and version (None, None when no roles were given)."""
    data, version = _get(store, name, EXERCISES, key)
    return (None if data is None else ExerciseSetup.model_validate(data)), version


def save_setup(store: Store, name: str, drill: DrillContext, data: Any, *, users: Iterable[str],
               expected_version: int | None, actor: str) -> tuple[ExerciseSetup, int]:
    """Store the drill's exercise roles and notice, checked against the accounts and the scenario's teams."""
    teams = [t.id for t in store.load_scenario(name).teams]
    setup = check_setup(data, date=drill.date, template=drill.template, users=users, teams=teams)
    version = store.put_document(name, EXERCISES, drill.key, setup.to_json(), expected_version=expected_version,
                                 actor=actor)
    return setup, version


def hidden_drills(store: Store, name: str, user: str) -> set[str]:
    """Return the keys of the drills hidden from ``user``: no-notice drills they play in, not started yet."""
    hidden = set()
    for key, data, _version in store.documents(name, EXERCISES):
        setup = ExerciseSetup.model_validate(data)
        if setup.no_notice and "player" in setup.roles_of(user):
            conduct, _ = get_conduct(store, name, key)
            if hidden_from(setup, user, started=conduct.state != "planned"):
                hidden.add(key)
    return hidden


def without_hidden(programme: dict[str, Any], hidden: set[str]) -> dict[str, Any]:
    """Return a programme's JSON without the drills hidden from the reader (keys ``<year>-<drill id>``)."""
    if not hidden:
        return programme
    year = programme.get("year")
    return {**programme, "drills": [d for d in programme.get("drills", []) if f"{year}-{d['id']}" not in hidden]}


# ----------------------------------------------------------------------------------------------------
# Conduct


def get_conduct(store: Store, name: str, key: str) -> tuple[Conduct, int | None]:
    """Return the drill's conduct and version (a planned, empty one and None before StartEx)."""
    data, version = _get(store, name, CONDUCTS, key)
    return (Conduct(drill=key) if data is None else Conduct.model_validate(data)), version


def _change(store: Store, name: str, key: str, change: Callable[[Conduct, dt.datetime], Conduct],
            actor: str) -> tuple[Conduct, int]:
    """Apply ``change(conduct, now)`` and store it conditional on the version read; again after a concurrent write."""
    for _attempt in range(ATTEMPTS):
        conduct, version = get_conduct(store, name, key)
        updated = change(conduct, clock.now())
        try:
            new_version = store.put_document(name, CONDUCTS, key, updated.to_json(), expected_version=version,
                                             actor=actor)
        except ConflictError:
            continue
        return updated, new_version
    raise ConflictError(f"drill {key}: the conduct log changed {ATTEMPTS} times while this change was being "
                        "written; try again", field="version", record=key)


@dataclass(frozen=True)
class ClockOutcome:
    """A clock change stored, and at EndEx the evaluation made from the log (None: see ``evaluation_note``)."""

    conduct: Conduct
    version: int
    evaluation: EvaluationOutcome | None = None


def clock_action(store: Store, name: str, drill: DrillContext, action: Action, *, by: str,
                 speed: int | None = None, seed: int | None = None) -> ClockOutcome:
    """StartEx, pause, resume, change the speed or EndEx (the log is then evaluated).

    At StartEx every surprise branch not chosen yet is drawn with ``seed`` (made up and recorded when not
    given).
    """
    msel, _ = get_msel(store, name, drill)
    draw_seed = seed if seed is not None else secrets.randbelow(2**31)

    def change(conduct: Conduct, now: dt.datetime) -> Conduct:
        updated = change_clock(conduct, action, now=now, by=by, speed=speed)
        if action == "start":
            updated = draw_open_branches(updated, msel, seed=draw_seed, now=now, by=by)
        return updated

    conduct, version = _change(store, name, drill.key, change, by)
    if action != "end":
        return ClockOutcome(conduct, version)
    return evaluate_log(store, name, drill, actor=by)


def evaluate_log(store: Store, name: str, drill: DrillContext, *, actor: str) -> ClockOutcome:
    """Evaluate an ended drill from its log (the one evaluation procedure), or record why it cannot be evaluated."""
    conduct, version = get_conduct(store, name, drill.key)
    if conduct.state != "ended":
        raise InputError(f"drill {drill.key} is {coded('status', conduct.state)}: the log is evaluated at EndEx",
                         field="action")
    try:
        _, current = get_evaluation(store, name, drill.key)
    except NotFoundError:
        current = None
    notes = tuple(ObjectiveNote(objective=o.objective, exercise_min=o.exercise_min, by=o.by, note=o.note,
                                event=o.event) for o in conduct.observations if o.note)
    try:
        outcome = evaluate_stored_drill(store, name, drill.key, timeline_csv(conduct), actor=actor,
                                        expected_version=current, observed_field="observations", notes=notes,
                                        source="conduct")
    except InputError as error:
        if isinstance(error, ConflictError):
            raise
        noted = conduct.model_copy(update={"evaluation_note": str(error)})
        new_version = store.put_document(name, CONDUCTS, drill.key, noted.to_json(), expected_version=version,
                                         actor=actor)
        return ClockOutcome(noted, new_version)
    if conduct.evaluation_note:
        conduct = conduct.model_copy(update={"evaluation_note": ""})
        version = store.put_document(name, CONDUCTS, drill.key, conduct.to_json(), expected_version=version,
                                     actor=actor)
    return ClockOutcome(conduct, version or 0, outcome)


def release_inject(store: Store, name: str, drill: DrillContext, inject_id: str, *, by: str,
                   msel_version: int | None = None) -> tuple[Conduct, int]:
    """Release an inject now; ``msel_version`` (the MSEL version the controller saw) refuses an inject edited since."""
    msel, current = get_msel(store, name, drill)
    if msel_version is not None and msel_version != current:
        raise ConflictError(f"the MSEL changed since you read it (version {current}, you read {msel_version}): "
                            f"reload before releasing inject {inject_id}", field="msel_version", record=inject_id,
                            current_version=current)
    return _change(store, name, drill.key, lambda c, now: release(c, msel, inject_id, now=now, by=by), by)


def decide_branch(store: Store, name: str, drill: DrillContext, branch: str, *, by: str, option: str | None = None,
                  seed: int | None = None) -> tuple[Conduct, int]:
    """Choose a surprise branch's option, or draw one with a seed (made up and recorded when not given)."""
    msel, _ = get_msel(store, name, drill)
    draw_seed = seed if seed is not None or option is not None else secrets.randbelow(2**31)
    return _change(store, name, drill.key,
                   lambda c, now: choose_branch(c, msel, branch, now=now, by=by, option=option, seed=draw_seed), by)


def log_observation(store: Store, name: str, drill: DrillContext, *, by: str, role: str, event: str, team: str = "",
                    note: str = "", objective: str | None = None, capability: str = "",
                    quantity: int = 0) -> tuple[Observation, int]:
    """Log one observation at the server's exercise time; returns it once it is committed."""
    objectives = {o.id: o.text for o in drill.template.objectives}
    logged: list[Observation] = []

    def change(conduct: Conduct, now: dt.datetime) -> Conduct:
        updated, entry = observe(conduct, event=event, now=now, by=by, role=role, team=team, note=note,
                                 objective=objective, capability=capability, quantity=quantity,
                                 objectives=objectives)
        logged[:] = [entry]
        return updated

    _, version = _change(store, name, drill.key, change, by)
    return logged[0], version
