"""Conduct JSON API: a drill's MSEL, its exercise roles and EEG, and the live exercise on its clock.

All routes sit under ``/api/v1/scenarios/<name>/drills/<key>/`` and need a signed-in user; what each
may do depends on the exercise role they hold *in that drill* (:mod:`planner.drills.exercise`), not on
their account's role: the director runs the clock and decides surprise branches, controllers release
injects and edit the MSEL, controllers and evaluators log observations, players see the clock and the
injects released to them. A planner (``edit_drills``) who plays no part in the drill may set it up and,
while it has no director, run its clock, if the drill lies in the planner's jurisdiction (the one scope
check, :func:`planner.store.scope.check_scope`: another county's planner gets its 403 and reads the drill as
a viewer). A no-notice drill answers its players 404, as a drill that does
not exist, until StartEx. Refusals are 403 naming the role needed; bad input is a 400 naming the field;
a stale version a 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user

from planner import clock
from planner.drills import conduct_store, records
from planner.drills.conduct import Conduct, due, upcoming
from planner.drills.conduct_store import DrillContext, drill_context
from planner.drills.evaluation_store import get_evaluation
from planner.drills.exercise import STAFF, ExerciseSetup, evaluation_guide, hidden_from, not_found, require_role
from planner.drills.msel import XLSX_TYPE, msel_csv, msel_xlsx, parse_msel_csv, parse_msel_xlsx
from planner.errors import ForbiddenError, NotFoundError
from planner.store import accounts
from planner.store.scope import check_scope
from web.auth import actor, user_scope
from web.drills.api import drill_view
from web.openapi import operation
from web.scenarios import current_scenario
from web.schemas.conduct import (
    BranchDecision,
    ClockChange,
    ConductAnswer,
    GuideAnswer,
    LogObservation,
    MselAnswer,
    MselFormat,
    MselImport,
    ObservationLogged,
    ReleaseInject,
    SaveMsel,
    SaveSetup,
    SetupAnswer,
)
from web.store import get_store

bp = Blueprint("conduct_api", __name__, url_prefix="/api/v1")
DRILL = "/scenarios/<name>/drills/<key>"


@dataclass(frozen=True)
class Access:
    """The caller in one drill: who, the drill, its set-up and conduct, and the caller's role in it."""

    user: str
    drill: DrillContext
    setup: ExerciseSetup | None
    conduct: Conduct
    version: int | None
    role: str | None
    planner: bool
    """The account may edit drills, holds the drill's jurisdiction and plays no part in this drill."""
    outside: ForbiddenError | None = None
    """Why an account that may edit drills and plays no part in this one is no planner of it: the drill lies
    outside its jurisdiction (the one scope check's refusal), raised when it tries a planner's step."""

    @property
    def staff(self) -> bool:
        """Whether the caller sees the script: director, controller, evaluator, or a planner outside the drill."""
        return self.role in STAFF or (self.planner and self.role is None)

    def need(self, roles: tuple[str, ...], what: str, *, planner: bool = False) -> str:
        """Return the caller's role if it is one of ``roles`` (or a planner outside the drill, when allowed)."""
        if planner and self.planner and self.role is None:
            return "planner"
        if planner and self.outside is not None and self.role is None:
            raise self.outside
        return require_role(self.setup, self.user, roles, what, self.drill.key)


def access(name: str, key: str) -> Access:
    """Return the caller's access to a drill; a no-notice drill is not found by its players before StartEx."""
    current_scenario(name)
    store = get_store()
    drill = drill_context(store, name, key)
    setup, _ = conduct_store.get_setup(store, name, key)
    conduct, version = conduct_store.get_conduct(store, name, key)
    user = actor()
    if hidden_from(setup, user, started=conduct.state != "planned"):
        raise not_found(key)
    roles = set() if setup is None else setup.roles_of(user)
    role = next(iter(roles), None)
    outside = None
    if current_user.can("edit_drills") and not roles:
        scenario = current_scenario(name)
        try:
            check_scope(user_scope(), scenario, records.drill_jurisdiction(store, scenario, key), what=f"drill {key}",
                        permission="edit_drills")
        except ForbiddenError as refusal:
            outside = refusal
    return Access(user, drill, setup, conduct, version, role,
                  bool(current_user.can("edit_drills")) and not roles and outside is None, outside)


# ----------------------------------------------------------------------------------------------------
# MSEL


def msel_answer(name: str, drill: DrillContext) -> dict[str, Any]:
    """Return the MSEL as the API answers it."""
    msel, version = conduct_store.get_msel(get_store(), name, drill)
    return {"injects": [i.to_json() for i in msel.injects], "version": version, "branches": msel.branches()}


@operation(bp, f"{DRILL}/msel", "GET", summary="The drill's MSEL (the template's injects until one is stored)",
           answers={200: MselAnswer})
def get_msel(name: str, key: str) -> Any:
    """Staff of the drill (and planners outside it) read the script; players do not."""
    caller = access(name, key)
    if not caller.staff:
        raise ForbiddenError(f"the MSEL of drill {key} is for its director, controllers and evaluators")
    return jsonify(msel_answer(name, caller.drill))


@operation(bp, f"{DRILL}/msel", "PUT", summary="Store the edited MSEL (add, edit, delete, reorder injects)",
           answers={200: MselAnswer, 409: "changed by someone else since you read it"})
def put_msel(name: str, key: str, json: SaveMsel) -> Any:
    """Director, controllers or a planner outside the drill; ``expected_version`` is the version read."""
    caller = access(name, key)
    caller.need(("director", "controller"), "editing the MSEL", planner=True)
    data = {"injects": [i.model_dump(mode="json", by_alias=True) for i in json.injects]}
    conduct_store.save_msel(get_store(), name, caller.drill, data, expected_version=json.expected_version,
                            actor=caller.user)
    return jsonify(msel_answer(name, caller.drill))


@operation(bp, f"{DRILL}/msel/export", "GET", summary="Download the MSEL as CSV or XLSX",
           answers={200: "the MSEL file"}, media={200: ["text/csv", XLSX_TYPE]})
def export_msel(name: str, key: str, query: MselFormat) -> Any:
    """One row per inject (id, offset_min, from, to, mode, text, expected_action, objective, ...)."""
    caller = access(name, key)
    if not caller.staff:
        raise ForbiddenError(f"the MSEL of drill {key} is for its director, controllers and evaluators")
    msel, _ = conduct_store.get_msel(get_store(), name, caller.drill)
    filename = f"msel-{key}.{query.format}"
    headers = {"Content-Disposition": f"attachment; filename={filename}"}
    if query.format == "xlsx":
        return Response(msel_xlsx(msel), mimetype=XLSX_TYPE, headers=headers)
    return Response("\ufeff" + msel_csv(msel), mimetype="text/csv", headers=headers)


@operation(bp, f"{DRILL}/msel/import", "POST", summary="Replace the MSEL by an uploaded CSV or XLSX file",
           text_body="the CSV text, or the XLSX workbook's bytes (format=xlsx)",
           answers={200: MselAnswer, 409: "changed by someone else since you read it"})
def import_msel(name: str, key: str, query: MselImport) -> Any:
    """All rows or none: the file is checked like an edit before it replaces the MSEL."""
    caller = access(name, key)
    caller.need(("director", "controller"), "importing the MSEL", planner=True)
    if query.format == "xlsx":
        data = parse_msel_xlsx(request.get_data())
    else:
        data = parse_msel_csv(request.get_data(as_text=True))
    conduct_store.save_msel(get_store(), name, caller.drill, data, expected_version=query.expected_version,
                            actor=caller.user)
    return jsonify(msel_answer(name, caller.drill))


# ----------------------------------------------------------------------------------------------------
# Exercise roles and the EEG


def setup_answer(name: str, key: str) -> dict[str, Any]:
    """Return the exercise set-up as the API answers it."""
    setup, version = conduct_store.get_setup(get_store(), name, key)
    return {**(setup or ExerciseSetup()).to_json(), "version": version}


@operation(bp, f"{DRILL}/exercise", "GET", summary="The drill's exercise roles and notice",
           answers={200: SetupAnswer})
def get_setup(name: str, key: str) -> Any:
    """Who plays which role in the drill (players see it too, after StartEx for a no-notice drill)."""
    access(name, key)
    return jsonify(setup_answer(name, key))


@operation(bp, f"{DRILL}/exercise", "PUT", summary="Assign the drill's exercise roles from the user accounts; "
           "set a no-notice window", answers={200: SetupAnswer, 409: "changed by someone else since you read it"})
def put_setup(name: str, key: str, json: SaveSetup) -> Any:
    """Assign roles (the director or a planner outside the drill); every user must have an account."""
    caller = access(name, key)
    caller.need(("director",), "assigning exercise roles", planner=True)
    users = [u["username"] for u in accounts.list_users(get_store()) if u["active"]]
    data = json.model_dump(mode="json", exclude={"expected_version"})
    conduct_store.save_setup(get_store(), name, caller.drill, data, users=users,
                             expected_version=json.expected_version, actor=caller.user)
    return jsonify(setup_answer(name, key))


@operation(bp, f"{DRILL}/exercise/guide", "GET", summary="The Exercise Evaluation Guide: critical tasks and the "
           "times the plan, the optimiser and the simulation expect, for the caller's objectives",
           answers={200: GuideAnswer})
def guide(name: str, key: str) -> Any:
    """Give an evaluator their objectives; the director, controllers and planners all of them."""
    caller = access(name, key)
    if not caller.staff:
        raise ForbiddenError(f"the evaluation guide of drill {key} is for its director, controllers and evaluators")
    return jsonify({"drill": key, "objectives": [o.to_json() for o in drill_guide(name, caller)]})


def drill_guide(name: str, caller: Access) -> list[Any]:
    """Return the EEG objectives for the caller (an evaluator's own, else all)."""
    store = get_store()
    view = drill_view(name, caller.drill.key)
    msel, _ = conduct_store.get_msel(store, name, caller.drill)
    record, _ = records.get_drill(store, name, caller.drill.key)
    simulation = record.get("simulation") or {}
    wanted = caller.setup.objectives_of(caller.user) if caller.setup and caller.role == "evaluator" else ()
    return evaluation_guide(caller.drill.template, expected=(view["design"] or {}).get("expected_dispatch", []),
                            turnout_min={t.id: t.turnout_min for t in current_scenario(name).teams},
                            injects=msel.injects, simulated=simulation.get("metrics"), objectives=wanted)


# ----------------------------------------------------------------------------------------------------
# Conduct


def conduct_answer(name: str, caller: Access, conduct: Conduct | None = None, version: int | None = None) -> dict[
        str, Any]:
    """Return the exercise as the caller may see it (players: the clock and the released injects)."""
    store = get_store()
    if conduct is None:
        conduct, version = conduct_store.get_conduct(store, name, caller.drill.key)
    now = clock.now()
    msel, msel_version = conduct_store.get_msel(store, name, caller.drill)
    staff = caller.staff
    started = conduct.started_at()
    try:
        evaluated = conduct.state == "ended" and get_evaluation(store, name, caller.drill.key)[0].source == "conduct"
    except NotFoundError:
        evaluated = False
    return {
        "state": conduct.state, "exercise_min": conduct.exercise_min(now), "speed": conduct.speed,
        "now": now.isoformat(), "started_at": None if started is None else started.isoformat(),
        "role": caller.role or ("planner" if caller.planner else None),
        "due": [i.to_json() for i in due(conduct, msel, now)] if staff else [],
        "upcoming": [i.to_json() for i in upcoming(conduct, msel, now)] if staff else [],
        "contingencies": [i.to_json() for i in msel.injects if i.contingency_for is not None
                          and i.id not in conduct.released_ids()] if staff else [],
        "released": [r.to_json() for r in conduct.released],
        "observations": [o.to_json() for o in conduct.observations] if staff else [],
        "branches": {b: c.to_json() for b, c in conduct.branches.items()} if staff else {},
        "version": version, "msel_version": msel_version if staff else None,
        "evaluation_note": conduct.evaluation_note if staff else "", "evaluated": evaluated,
    }


@operation(bp, f"{DRILL}/conduct", "GET", summary="The live exercise: clock, due and released injects, observations",
           answers={200: ConductAnswer})
def get_conduct(name: str, key: str) -> Any:
    """Everyone taking part polls this (the pages every second); players see their part only."""
    return jsonify(conduct_answer(name, access(name, key)))


@operation(bp, f"{DRILL}/conduct", "POST", summary="StartEx, pause, resume, change speed or EndEx (the log is then "
           "evaluated)", answers={200: ConductAnswer})
def change_clock(name: str, key: str, json: ClockChange) -> Any:
    """Change the clock: the director (or a planner outside a drill that has no director)."""
    caller = access(name, key)
    if caller.setup is not None and caller.setup.users("director"):
        caller.need(("director",), "running the exercise clock")
    else:
        caller.need(("director",), "running the exercise clock", planner=True)
    outcome = conduct_store.clock_action(get_store(), name, caller.drill, json.action, by=caller.user,
                                         speed=json.speed, seed=json.seed)
    return jsonify(conduct_answer(name, caller, outcome.conduct, outcome.version))


@operation(bp, f"{DRILL}/conduct/evaluate", "POST", summary="Evaluate the ended exercise from its log again",
           answers={200: ConductAnswer, 409: "evaluated by someone else meanwhile"})
def evaluate_log(name: str, key: str) -> Any:
    """After EndEx: the director (or a planner outside the drill)."""
    caller = access(name, key)
    caller.need(("director",), "evaluating the exercise", planner=True)
    outcome = conduct_store.evaluate_log(get_store(), name, caller.drill, actor=caller.user)
    return jsonify(conduct_answer(name, caller, outcome.conduct, outcome.version))


@operation(bp, f"{DRILL}/conduct/injects/<inject_id>/release", "POST",
           summary="Release a due (or contingency) inject to the players now", answers={
               200: ConductAnswer, 409: "the MSEL changed since you read it"})
def release(name: str, key: str, inject_id: str, json: ReleaseInject) -> Any:
    """Release: a controller or the director; releasing twice, or while paused, is refused."""
    caller = access(name, key)
    caller.need(("controller", "director"), "releasing injects")
    conduct, version = conduct_store.release_inject(get_store(), name, caller.drill, inject_id, by=caller.user,
                                                    msel_version=json.msel_version)
    return jsonify(conduct_answer(name, caller, conduct, version))


@operation(bp, f"{DRILL}/conduct/branches/<branch>", "POST",
           summary="Choose a surprise branch's option, or draw one (seeded, recorded)", answers={200: ConductAnswer})
def decide_branch(name: str, key: str, branch: str, json: BranchDecision) -> Any:
    """Decide a branch: the director, before any of the branch's injects is released."""
    caller = access(name, key)
    caller.need(("director",), "choosing surprise branches", planner=bool(not (caller.setup and
                                                                                caller.setup.users("director"))))
    conduct, version = conduct_store.decide_branch(get_store(), name, caller.drill, branch, by=caller.user,
                                                   option=json.option, seed=json.seed)
    return jsonify(conduct_answer(name, caller, conduct, version))


@operation(bp, f"{DRILL}/conduct/observations", "POST",
           summary="Log a milestone or note at the server's exercise time", answers={201: ObservationLogged})
def log_observation(name: str, key: str, json: LogObservation) -> Any:
    """Log: controllers, evaluators and the director; answered once the observation is committed."""
    caller = access(name, key)
    role = caller.need(("controller", "evaluator", "director"), "logging observations")
    observation, version = conduct_store.log_observation(
        get_store(), name, caller.drill, by=caller.user, role=role, event=json.event, team=json.team,
        note=json.note, objective=json.objective, capability=json.capability, quantity=json.quantity)
    return jsonify({**observation.to_json(), "version": version}), 201
