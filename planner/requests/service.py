"""Requests for help that flow up and across: create, act, read and list them, each change one conditional write.

A request is stored as a document (collection ``requests``) with a version: every action reads it,
checks the state machine (:data:`planner.requests.model.TRANSITIONS`) and the actor's authority through
the one scope check (:func:`planner.store.scope.check_scope`), appends a timestamped timeline entry
naming who acted, and writes it back on condition that the version is still the one read, so of two
approvers acting at once one wins and the other gets ``ConflictError`` (409). A request nobody may see
is "not found" to them (404); an action without authority is forbidden (403); an action the state or
the units do not allow is bad input (400), and nothing is written.

Who acts: the approver is a user who holds the request's level (the city for a county's request, the
province once escalated); the requester one who holds the requesting jurisdiction; a lender one who
holds the unit's home jurisdiction (for units from above the level, such as national teams the province
calls, the approver at the level); the payer's side the requester or one who holds the payer's
government. A request awaiting its approver with a shortfall escalates by itself after
``requests.escalate_after_min`` minutes of the scenario's metadata (default 30), by the product's
clock (:mod:`planner.clock`), checked whenever the request is read.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from planner import clock
from planner.dispatch.scenario import region_of
from planner.drills.records import drill_entry
from planner.errors import InputError, NotFoundError, PlannerError
from planner.model.codes import coded
from planner.model.records import Availability
from planner.requests.claims import generate_claim
from planner.requests.model import (
    AWAITING_APPROVAL,
    COLLECTION,
    DEFAULT_ESCALATE_AFTER_MIN,
    MONEY_ACTIONS,
    OPEN_UNIT_STATES,
    TRANSITIONS,
    UNIT_STEPS,
    ActionEntry,
    RequestEntry,
    is_exercise,
    request_times,
)
from planner.requests.proposal import propose
from planner.scenario.jurisdictions import approver_of, covers, jurisdiction
from planner.scenario.model import Scenario
from planner.store.database import ConflictError, Store
from planner.store.scope import Scope, check_scope

PERMISSION = "handle_requests"
"""The role permission every request action needs (``planner.store.roles``)."""
UNIT_ORDER = ("accepted", "en_route", "on_scene", "released", "returned")
"""The states a committed unit goes through, in order."""


def escalate_after_min(scenario: Scenario) -> float:
    """Minutes a request with a shortfall waits for its approver before it escalates (scenario metadata)."""
    settings = scenario.meta.get("requests") or {}
    value = settings.get("escalate_after_min", DEFAULT_ESCALATE_AFTER_MIN) if isinstance(settings, Mapping) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise InputError(f"requests.escalate_after_min must be minutes (a number >= 0), not {value!r}",
                         field="requests.escalate_after_min")
    return float(value)


def involved(request: Mapping[str, Any]) -> set[str]:
    """Jurisdictions a request concerns: the requester, its current level, every proposed or committed lender."""
    out = {request["jurisdiction"], request["level"]}
    out |= {row["lender"] for row in (request.get("proposal") or {}).get("lenders", [])}
    out |= {unit["lender"] for unit in request.get("units", [])}
    return out


def visible(scope: Scope | None, scenario: Scenario, request: Mapping[str, Any]) -> bool:
    """Whether a user may see a request: one who holds a jurisdiction it concerns (the system sees all)."""
    return scope is None or any(scope.holds(scenario, j) for j in involved(request))


def committed_units(store: Store, name: str, *, besides: str | None = None, exercise: bool = True) -> set[str]:
    """Teams committed to open requests (offered, accepted, on the way, on scene), except request ``besides``.

    ``exercise`` is whether the asking request exercises a drill; a real one (False) does not count the units
    committed to drill exercises: a real emergency calls them away from the drill.
    """
    busy: set[str] = set()
    for doc_id, data, _ in store.documents(name, COLLECTION):
        if doc_id != besides and (exercise or not is_exercise(data)):
            busy |= {u["unit"] for u in data.get("units", []) if u["status"] in OPEN_UNIT_STATES}
    return busy


def create_request(store: Store, name: str, entry: RequestEntry, scope: Scope | None) -> dict[str, Any]:
    """Store a new request with the proposal at the level above its jurisdiction; return it with its version.

    Raises
    ------
    ForbiddenError
        The user does not hold the requesting jurisdiction.
    InputError
        Unknown jurisdiction, capability or template; neither incident nor drill; an incident outside the
        requesting jurisdiction.

    """
    scenario = store.load_scenario(name)
    region = jurisdiction(scenario, entry.jurisdiction)
    check_scope(scope, scenario, region.id, what=f"a request for help of {region.id}", permission=PERMISSION)
    incident = _incident(store, name, scenario, entry)
    now = clock.now()
    request: dict[str, Any] = {
        "id": f"R{now:%Y%m%d}-{secrets.token_hex(3)}", "scenario": name, "jurisdiction": region.id,
        "incident": incident, "drill": entry.drill, "needs": [n.model_dump() for n in entry.needs],
        "state": "requested", "level": approver_of(scenario, region.id) or region.id, "units": [], "claim": None,
        "created_at": now.isoformat(), "timeline": [],
    }
    where = region_of(scenario, incident["lon"], incident["lat"])
    if not (covers(scenario, region.id, where) or covers(scenario, where, region.id)):
        raise InputError(f"the incident lies in {where}, outside the requesting jurisdiction {region.id}",
                         field="incident.lon")
    _record(request, "request", "requested", scope, now, note="")
    request["proposal"] = propose(scenario, request, request["level"],
                                  committed=committed_units(store, name, exercise=is_exercise(request)))
    _record(request, "propose", "proposed", None, now, note=f"proposal at {request['level']}")
    version = store.put_document(name, COLLECTION, request["id"], request, actor=_name(scope))
    return _view(request, version)


def get_request(store: Store, name: str, request_id: str, scope: Scope | None) -> dict[str, Any]:
    """Return a request the user may see (escalated first if it waited too long), with its version."""
    scenario = store.load_scenario(name)
    request, version = _read(store, name, request_id)
    check_scope(scope, scenario, request["jurisdiction"], what=f"request {request_id!r}",
                visible=visible(scope, scenario, request))
    return _escalated_if_overdue(store, name, scenario, request, version)


def list_requests(store: Store, name: str, scope: Scope | None) -> list[dict[str, Any]]:
    """Return the requests the user may see, newest first (each escalated first if it waited too long)."""
    scenario = store.load_scenario(name)
    out = []
    for _, data, version in store.documents(name, COLLECTION):
        if visible(scope, scenario, data):
            out.append(_escalated_if_overdue(store, name, scenario, dict(data), version))
    return sorted(out, key=lambda r: r["created_at"], reverse=True)


def board(requests: Iterable[Mapping[str, Any]], scenario: Scenario, scope: Scope | None) -> dict[str, list[Any]]:
    """Sort requests for a user's board: awaiting my approval, outgoing (mine), incoming (asked of my teams)."""
    awaiting, outgoing, incoming = [], [], []
    for request in requests:
        mine = scope is None or scope.holds(scenario, request["jurisdiction"])
        if request["state"] in AWAITING_APPROVAL and (scope is None or scope.holds(scenario, request["level"])):
            awaiting.append(request)
        if mine:
            outgoing.append(request)
        lenders = {u["lender"] for u in request.get("units", [])} | {
            row["lender"] for row in (request.get("proposal") or {}).get("lenders", [])}
        if scope is None or (not mine and any(scope.holds(scenario, lender) for lender in lenders)):
            incoming.append(request)
    return {"awaiting": awaiting, "outgoing": outgoing, "incoming": incoming}


def act(store: Store, name: str, request_id: str, entry: ActionEntry, scope: Scope | None) -> dict[str, Any]:
    """Take one action on a request: check state, authority and units, record it, write it conditionally.

    Raises
    ------
    NotFoundError
        No such request, or the user may not see it.
    ForbiddenError
        The user has no authority for this action at this level or over these units.
    ConflictError
        ``entry.version`` is not the stored version, or someone changed the request meanwhile.
    InputError
        The state does not allow the action, or the units do not (unknown, not available, moved already).

    """
    scenario = store.load_scenario(name)
    request, version = _read(store, name, request_id)
    check_scope(scope, scenario, request["jurisdiction"], what=f"request {request_id!r}",
                visible=visible(scope, scenario, request))
    if entry.version is not None and entry.version != version:
        raise ConflictError(f"request {request_id} changed since you read it (version {version}, you read "
                            f"{entry.version}): reload it", field="version", record=request_id,
                            current_version=version)
    if is_exercise(request) and entry.action in MONEY_ACTIONS:
        raise InputError(f"request {request_id} exercises drill {request['drill']}: a drill exercise settles no "
                         f"money, so it has no claim to {entry.action} (its times are scored by the drill's "
                         "evaluation)", field="action", record=request_id)
    transition = TRANSITIONS[entry.action]
    state = request["state"]
    if state not in transition.sources and not (entry.action in UNIT_STEPS and state in UNIT_ORDER):
        raise InputError(f"request {request_id} is {coded('request_state', state)}: it cannot be "
                         f"{_past(entry.action)} now (only when "
                         f"{' or '.join(coded('request_state', s) for s in sorted(transition.sources))})",
                         field="action", record=request_id)
    if transition.needs_units and not entry.units:
        raise InputError(f"{entry.action}: name the units (team ids)", field="units")
    if entry.action in ("decline", "dispute") and not entry.note.strip():
        raise InputError(f"{entry.action}: give the reason in the note", field="note")
    changed = copy.deepcopy(request)
    now = clock.now()
    new_state = _apply(store, name, scenario, changed, entry, scope, now)
    _record(changed, entry.action, new_state, scope, now, note=entry.note, units=entry.units)
    new_version = store.put_document(name, COLLECTION, request_id, changed, expected_version=version,
                                     actor=_name(scope))
    return _view(changed, new_version)


def _view(request: Mapping[str, Any], version: int) -> dict[str, Any]:
    """Return a stored request as answered: with its version and its times against the plan."""
    return {**request, "version": version, "times": request_times(request)}


# ----------------------------------------------------------------------------------------------------


def _apply(store: Store, name: str, scenario: Scenario, request: dict[str, Any], entry: ActionEntry,
           scope: Scope | None, now: dt.datetime) -> str:
    """Change ``request`` in place for the action; return its new state."""
    action = entry.action
    level = request["level"]
    if TRANSITIONS[action].actor == "approver":
        check_scope(scope, scenario, level, what=f"request {request['id']} awaiting approval at {level}",
                    permission=PERMISSION)
    if TRANSITIONS[action].actor == "requester":
        check_scope(scope, scenario, request["jurisdiction"], what=f"request {request['id']} of "
                    f"{request['jurisdiction']}", permission=PERMISSION)
    if action == "approve":  # units already offered or committed (before an escalation) stay as they are
        kept = [u for u in request["units"] if u["status"] in OPEN_UNIT_STATES]
        known = {u["unit"] for u in kept}
        request["units"] = kept + [{"unit": row["unit"], "lender": row["lender"], "people": row["people"],
                                    "route_km": row["route_km"], "status": "requested"}
                                   for row in request["proposal"]["lenders"] if row["unit"] not in known]
        return "approved"
    if action == "amend":
        request["left_out"] = sorted({*request.get("left_out", []), *(entry.units or [])})
        request["proposal"] = propose(scenario, request, level, committed=_unavailable(store, name, request))
        return "proposed"
    if action == "escalate":
        parent = approver_of(scenario, level)
        if parent is None:
            raise InputError(f"request {request['id']} is at {level}, the top level: it cannot go higher",
                             field="action")
        request["level"] = parent
        request["units"] = [u for u in request["units"] if u["status"] in OPEN_UNIT_STATES]
        request["proposal"] = propose(scenario, request, parent, committed=_unavailable(store, name, request))
        return "escalated"
    if action in ("offer", "decline"):
        return _offer_or_decline(store, name, scenario, request, entry, scope, now)
    if action == "accept":
        offered = [u for u in request["units"] if u["status"] == "offered"]
        for unit in offered:
            unit["status"], unit["accepted_at"] = "accepted", now.isoformat()
        return "accepted"
    if action in UNIT_STEPS:
        return _unit_step(scenario, request, entry, scope, now)
    if action == "claim":
        if request["state"] == "claimed" and (request["claim"] or {}).get("status") != "disputed":
            raise InputError(f"request {request['id']} is claimed already; a claim is made again only after a "
                             "dispute", field="action")
        _check_any_lender(scope, scenario, request, _units(request, None, {"returned"}))
        active = [u for u in request["units"] if u["status"] in UNIT_ORDER]
        if any(u["status"] != "returned" for u in active):
            raise InputError("claim: every deployed unit must have returned first", field="action")
        notes = (request["claim"] or {}).get("notes", [])
        request["claim"] = {**generate_claim(scenario, request), "claimed_at": now.isoformat(), "notes": notes}
        return "claimed"
    claim = request["claim"]
    _check_payer(scope, scenario, request)
    if action in ("review", "dispute"):
        if claim["status"] not in ("claimed", "reviewed"):
            raise InputError(f"request {request['id']}: the claim is {coded('claim_status', claim['status'])}; "
                             f"it can be {_past(action)} "
                             "once the lender has claimed again", field="action")
        claim["status"] = "reviewed" if action == "review" else "disputed"
        if entry.note or action == "dispute":
            claim["notes"].append({"at": now.isoformat(), "by": _name(scope), "note": entry.note, "action": action})
        return "claimed"
    if claim["status"] not in ("claimed", "reviewed"):
        raise InputError(f"request {request['id']}: the claim is {coded('claim_status', claim['status'])}; settle it "
                         "once the lender has claimed again", field="action")
    claim["status"], claim["paid_at"] = "paid", now.isoformat()
    return "settled"


def _unavailable(store: Store, name: str, request: Mapping[str, Any]) -> set[str]:
    """Teams a new proposal leaves out: committed to other requests, or left out by the approver's amendments."""
    return committed_units(store, name, besides=request["id"], exercise=is_exercise(request)) | set(
        request.get("left_out", []))


def _offer_or_decline(store: Store, name: str, scenario: Scenario, request: dict[str, Any], entry: ActionEntry,
                      scope: Scope | None, now: dt.datetime) -> str:
    """Offer (confirm) or decline units the request asks of a lender."""
    asked = {"requested", "declined"} if entry.action == "offer" else {"requested", "offered"}
    units = _units(request, entry.units, asked)
    if entry.action == "offer":
        teams = scenario.by_id("teams")
        busy = committed_units(store, name, besides=request["id"], exercise=is_exercise(request))
        for unit in units:
            _check_lender(scope, scenario, request, unit)
            team = teams.get(unit["unit"])
            if team is None or team.availability is not Availability.AVAILABLE:  # type: ignore[attr-defined]
                state = "gone" if team is None else coded("availability", team.availability)  # type: ignore[attr-defined]
                raise InputError(f"offer: unit {unit['unit']} is not available ({state}): {unit['lender']} cannot "
                                 "confirm it", field="units", record=unit["unit"])
            if unit["unit"] in busy:
                raise InputError(f"offer: unit {unit['unit']} is committed to another request", field="units",
                                 record=unit["unit"])
        for unit in units:
            unit["status"], unit["offered_at"] = "offered", now.isoformat()
        return "offered"
    for unit in units:
        _check_lender(scope, scenario, request, unit)
    for unit in units:
        unit["status"], unit["declined_at"], unit["reason"] = "declined", now.isoformat(), entry.note
    return "offered" if any(u["status"] == "offered" for u in request["units"]) else "declined"


def _unit_step(scenario: Scenario, request: dict[str, Any], entry: ActionEntry, scope: Scope | None,
               now: dt.datetime) -> str:
    """Move units one step (depart, arrive, release, return); the request follows its least advanced unit."""
    source, target = UNIT_STEPS[entry.action]
    units = _units(request, entry.units, {source}, step=(entry.action, target))
    for unit in units:
        if entry.action == "release":
            check_scope(scope, scenario, request["jurisdiction"], what=f"request {request['id']} of "
                        f"{request['jurisdiction']}", permission=PERMISSION)
        else:
            _check_lender(scope, scenario, request, unit)
    stamp = {"depart": "departed_at", "arrive": "arrived_at", "release": "released_at", "return": "returned_at"}
    for unit in units:
        unit["status"], unit[stamp[entry.action]] = target, now.isoformat()
    active = [UNIT_ORDER.index(u["status"]) for u in request["units"] if u["status"] in UNIT_ORDER]
    return UNIT_ORDER[min(active)] if active else request["state"]


def _units(request: Mapping[str, Any], named: list[str] | None, states: set[str], *,
           step: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """Return the request's units named (all in ``states`` when None); refuse unknown or wrongly placed ones."""
    by_id = {u["unit"]: u for u in request["units"]}
    if named is None:
        chosen = [u for u in request["units"] if u["status"] in states]
        if not chosen:
            raise InputError(f"request {request['id']}: no unit is "
                             f"{' or '.join(coded('unit_status', s) for s in sorted(states))}", field="units")
        return chosen
    if len(set(named)) != len(named):
        raise InputError("units: a unit is named twice", field="units")
    out = []
    for unit_id in named:
        unit = by_id.get(unit_id)
        if unit is None:
            raise InputError(f"units: {unit_id} is not asked for by request {request['id']} (asked: "
                             f"{', '.join(sorted(by_id)) or 'none yet'})", field="units", record=unit_id)
        if unit["status"] not in states:
            if step is not None and _done(unit["status"], step[1]):
                raise InputError(f"{step[0]}: unit {unit_id} is {coded('unit_status', unit['status'])} already",
                                 field="units", record=unit_id)
            raise InputError(f"units: {unit_id} is {coded('unit_status', unit['status'])}, not "
                             f"{' or '.join(coded('unit_status', s) for s in sorted(states))}",
                             field="units", record=unit_id)
        out.append(unit)
    return out


def _done(status: str, target: str) -> bool:
    """Whether a unit in ``status`` has taken the step to ``target`` already."""
    return status in UNIT_ORDER and UNIT_ORDER.index(status) >= UNIT_ORDER.index(target)


def _check_lender(scope: Scope | None, scenario: Scenario, request: Mapping[str, Any],
                  unit: Mapping[str, Any]) -> None:
    """Refuse a lender's step by one who holds neither the unit's home nor, for units from above, the level."""
    lender = unit["lender"]
    who = lender if covers(scenario, request["level"], lender) else request["level"]
    check_scope(scope, scenario, who, what=f"unit {unit['unit']} of {lender}", permission=PERMISSION)


def _check_any_lender(scope: Scope | None, scenario: Scenario, request: Mapping[str, Any],
                      units: list[dict[str, Any]]) -> None:
    """Refuse a claim by one who is the lender of none of the units (the claim covers them all)."""
    refusals = []
    for unit in units:
        try:
            _check_lender(scope, scenario, request, unit)
            return
        except PlannerError as error:
            refusals.append(error)
    raise refusals[0]


def _check_payer(scope: Scope | None, scenario: Scenario, request: Mapping[str, Any]) -> None:
    """Refuse a payer's step by one who holds neither a paying government's jurisdiction nor the requester's."""
    payers = [p.removeprefix("government:") for p in (request["claim"] or {}).get("payers", [])
              if p.startswith("government:")]
    if scope is not None and any(scope.holds(scenario, p) for p in payers if p in scenario.by_id("jurisdictions")):
        check_scope(scope, scenario, next(p for p in payers if scope.holds(scenario, p)),
                    what=f"the claim of request {request['id']}", permission=PERMISSION)
        return
    check_scope(scope, scenario, request["jurisdiction"], what=f"the claim of request {request['id']}",
                permission=PERMISSION)


def _escalated_if_overdue(store: Store, name: str, scenario: Scenario, request: dict[str, Any],
                          version: int) -> dict[str, Any]:
    """Escalate a request that waited for its approver longer than allowed with a shortfall; return it."""
    waited = clock.now() - dt.datetime.fromisoformat(request["timeline"][-1]["at"])
    if (request["state"] not in AWAITING_APPROVAL or not request["proposal"].get("shortfall")
            or approver_of(scenario, request["level"]) is None
            or waited < dt.timedelta(minutes=escalate_after_min(scenario))):
        return _view(request, version)
    changed = copy.deepcopy(request)
    parent = approver_of(scenario, request["level"])
    changed["level"] = parent
    changed["proposal"] = propose(scenario, changed, str(parent), committed=_unavailable(store, name, changed))
    minutes = escalate_after_min(scenario)
    due = dt.datetime.fromisoformat(request["timeline"][-1]["at"]) + dt.timedelta(minutes=minutes)
    _record(changed, "escalate", "escalated", None, due,  # when it fell due, whenever it is first read after
            note=f"not approved within {minutes:g} min with a shortfall: escalated to {parent} automatically")
    try:
        new_version = store.put_document(name, COLLECTION, request["id"], changed, expected_version=version,
                                         actor="system")
    except ConflictError:  # someone acted or escalated meanwhile: theirs stands
        fresh, fresh_version = _read(store, name, request["id"])
        return _view(fresh, fresh_version)
    return _view(changed, new_version)


def _incident(store: Store, name: str, scenario: Scenario, entry: RequestEntry) -> dict[str, Any]:
    """Return the incident of a request: as given, or the site of the drill it exercises."""
    if entry.incident is not None:
        return entry.incident.model_dump()
    if not entry.drill:
        raise InputError("give the incident (lon, lat, type) or the drill it exercises", field="incident")
    drill = drill_entry(store, name, entry.drill)
    site = scenario.by_id("sites").get(str(drill.get("site")))
    if site is None:
        raise InputError(f"drill {entry.drill} names no site of the scenario: give the incident's place",
                         field="incident")
    return {"lon": site.lon, "lat": site.lat, "type": drill.get("scenario") or None,  # type: ignore[attr-defined]
            "duration_h": 12.0, "responsible_unit": "", "responsible_can_pay": True}


def _read(store: Store, name: str, request_id: str) -> tuple[dict[str, Any], int]:
    try:
        data, version = store.get_document(name, COLLECTION, request_id)
    except NotFoundError:
        raise NotFoundError(f"request {request_id!r} does not exist", field="id", record=request_id) from None
    return dict(data), version


def _record(request: dict[str, Any], action: str, state: str, scope: Scope | None, now: dt.datetime, *,
            note: str, units: list[str] | None = None) -> None:
    """Append a timeline entry (when, what, the state it led to, who, in which jurisdiction) and set the state."""
    request["state"] = state
    request["timeline"].append({"at": now.isoformat(), "action": action, "state": state, "by": _name(scope),
                                "jurisdiction": scope.jurisdiction if scope is not None else None,
                                "note": note, "units": list(units or [])})


def _name(scope: Scope | None) -> str:
    return scope.username if scope is not None else "system"


def _past(action: str) -> str:
    return {"approve": "approved", "amend": "amended", "escalate": "escalated", "offer": "offered",
            "decline": "declined", "accept": "accepted", "depart": "departed", "arrive": "arrived",
            "release": "released", "return": "returned", "claim": "claimed", "review": "reviewed",
            "dispute": "disputed", "settle": "settled"}[action]


__all__ = ["COLLECTION", "act", "board", "create_request", "escalate_after_min", "get_request", "involved",
           "list_requests", "request_times", "visible"]
