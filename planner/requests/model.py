"""A request for help across jurisdictions as data: what is asked, its states and the actions that move it.

A :class:`RequestEntry` is what a requester sends (the requesting jurisdiction, the incident on the map
or the drill, the needs); an :class:`ActionEntry` one step of the flow (approve, amend (the approver leaves
units out, needed elsewhere, and the optimiser proposes again), escalate, offer,
accept, decline, depart, arrive, release, return, claim, review, dispute, settle, with a note and the units it
concerns). :data:`TRANSITIONS` is the state machine as data: for each action, the states it may start
from, the state it leads to and who may take it (the approver at the request's current level, the
requester, a lender of the units, or the payer's side). The request itself is stored as a JSON document
(collection ``requests``) whose every state change is a timestamped entry with who made it.

A request that names a drill is that drill's exercise (:func:`is_exercise`): it runs the same flow to the
units' return, but settles no money (no claim is made, so it never reaches the claims or their exports),
and a real request's proposal and offers do not count units committed to an exercise (a real emergency
calls them away). Its times (:func:`request_times`) are what the drill's evaluation scores against the plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictStr

from planner.dispatch.requests import MAX_DEADLINE_MIN, MAX_DURATION_H, MAX_QUANTITY, RequirementEntry
from planner.model.validation import Model, Text

COLLECTION = "requests"
"""The store's document collection of requests."""
STATES: tuple[str, ...] = ("requested", "proposed", "approved", "escalated", "offered", "accepted", "declined",
                           "en_route", "on_scene", "released", "returned", "claimed", "settled")
"""A request's states, in the order the flow meets them."""
AWAITING_APPROVAL = frozenset({"proposed", "escalated"})
"""States in which the approver at the request's level must act (approve, amend or escalate)."""
OPEN_UNIT_STATES = frozenset({"offered", "accepted", "en_route", "on_scene"})
"""States of a unit that commit it to a request: it cannot be offered to another."""

Action = Literal["approve", "amend", "escalate", "offer", "accept", "decline", "depart", "arrive", "release",
                 "return", "claim", "review", "dispute", "settle"]
Actor = Literal["approver", "requester", "lender", "payer"]
MAX_UNITS = 200
"""Most units one action may name."""
DEFAULT_ESCALATE_AFTER_MIN = 30.0
"""Minutes a request may wait for its approver before it escalates by itself (``requests.escalate_after_min``)."""


@dataclass(frozen=True)
class Transition:
    """What an action does: the request states it may start from, where it leads, who may take it."""

    sources: frozenset[str]
    target: str
    actor: Actor
    needs_units: bool = False


TRANSITIONS: dict[str, Transition] = {
    "approve": Transition(AWAITING_APPROVAL, "approved", "approver"),
    "amend": Transition(AWAITING_APPROVAL, "proposed", "approver", needs_units=True),
    "escalate": Transition(AWAITING_APPROVAL | {"approved", "declined"}, "escalated", "approver"),
    "offer": Transition(frozenset({"approved", "offered", "declined"}), "offered", "lender", needs_units=True),
    "decline": Transition(frozenset({"approved", "offered"}), "declined", "lender", needs_units=True),
    "accept": Transition(frozenset({"offered"}), "accepted", "requester"),
    "depart": Transition(frozenset({"accepted", "en_route"}), "en_route", "lender"),
    "arrive": Transition(frozenset({"en_route", "on_scene"}), "on_scene", "lender"),
    "release": Transition(frozenset({"on_scene", "released"}), "released", "requester"),
    "return": Transition(frozenset({"released", "returned"}), "returned", "lender"),
    "claim": Transition(frozenset({"returned", "claimed"}), "claimed", "lender"),
    "review": Transition(frozenset({"claimed"}), "claimed", "payer"),
    "dispute": Transition(frozenset({"claimed"}), "claimed", "payer"),
    "settle": Transition(frozenset({"claimed"}), "settled", "payer"),
}
"""The state machine: ``action -> Transition``. Unit-level steps (depart, arrive, release, return) move the
request on only when every unit concerned has taken them; until then it stays where it is."""
MONEY_ACTIONS = frozenset({"claim", "review", "dispute", "settle"})
"""Actions on the claim: none of them applies to a drill's exercise, which settles no money."""
UNIT_STEPS: dict[str, tuple[str, str]] = {
    "depart": ("accepted", "en_route"),
    "arrive": ("en_route", "on_scene"),
    "release": ("on_scene", "released"),
    "return": ("released", "returned"),
}
"""Unit-level actions: the unit state each needs and the one it leads to."""


class IncidentPlace(Model):
    """Where the incident is and what it is: a point, a template, and who is responsible for it."""

    lon: float = Field(strict=True, ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(strict=True, ge=-90, le=90, allow_inf_nan=False)
    type: StrictStr | None = Field(None, description="incident template id (GET /api/v1/incident-types)")
    duration_h: float = Field(12.0, strict=True, gt=0, le=MAX_DURATION_H, allow_inf_nan=False,
                              description="expected mission length, hours (prices the proposal)")
    responsible_unit: StrictStr = Field("", max_length=200, description="the accident-responsible unit, if any")
    responsible_can_pay: StrictBool = True


class RequestEntry(Model):
    """A request for help as the requester sends it: where, what, for which jurisdiction."""

    jurisdiction: Text = Field(description="the requesting jurisdiction (a county, district or city id)")
    incident: IncidentPlace | None = Field(None, description="the incident; give it or a drill")
    drill: StrictStr | None = Field(None, max_length=80,
                                    description="a drill key (<year>-<drill id>) whose site is the incident")
    needs: list[RequirementEntry] = Field(min_length=1, max_length=50,
                                          description="capability, quantity and deadline (minutes) of each need")


class ActionEntry(Model):
    """One step of a request's flow, with a note (a reason, for a decline or a dispute) and the units concerned."""

    action: Action
    note: StrictStr = Field("", max_length=2000)
    units: list[Text] | None = Field(None, max_length=MAX_UNITS,
                                     description="team ids: offered, declined, moving (default: all), or left out of "
                                                 "the proposal by an amendment")
    version: int | None = Field(None, strict=True, ge=1,
                                description="the request's version you read: another change since is a 409")


def is_exercise(request: Mapping[str, Any]) -> bool:
    """Whether a stored request exercises a drill: it settles no money, and real requests do not yield to it."""
    return bool(request.get("drill"))


def request_times(request: Mapping[str, Any]) -> dict[str, float | None]:
    """Minutes the request took against its plan: to approval, from approval to the first unit on scene.

    ``planned_arrival_min`` is the proposal's earliest arrival (minutes from the order), the plan a drill's
    evaluation compares ``approval_to_arrival_min`` with; None where a step has not happened yet.
    """
    def moment(text: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(text) if text else None

    requested = moment(request["timeline"][0]["at"]) if request.get("timeline") else None
    approved = moment(next((e["at"] for e in request.get("timeline", []) if e["action"] == "approve"), None))
    arrivals = [moment(u.get("arrived_at")) for u in request.get("units", []) if u.get("arrived_at")]
    arrived = min((a for a in arrivals if a is not None), default=None)
    planned = min((row["arrival_min"] for row in (request.get("proposal") or {}).get("lenders", [])), default=None)

    def minutes(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
        return None if start is None or end is None else round((end - start).total_seconds() / 60.0, 2)

    to_arrival = minutes(approved, arrived)
    return {"request_to_approval_min": minutes(requested, approved), "approval_to_arrival_min": to_arrival,
            "planned_arrival_min": planned,
            "late_by_min": None if to_arrival is None or planned is None else round(to_arrival - planned, 2)}


__all__ = [
    "AWAITING_APPROVAL",
    "COLLECTION",
    "MONEY_ACTIONS",
    "DEFAULT_ESCALATE_AFTER_MIN",
    "MAX_DEADLINE_MIN",
    "MAX_QUANTITY",
    "OPEN_UNIT_STATES",
    "STATES",
    "TRANSITIONS",
    "UNIT_STEPS",
    "ActionEntry",
    "IncidentPlace",
    "RequestEntry",
    "Transition",
    "is_exercise",
    "request_times",
]
