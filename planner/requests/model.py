"""A request for help across jurisdictions as data: what is asked, its states and the actions that move it.

A :class:`RequestEntry` is what a requester sends (the requesting jurisdiction, the incident on the map
or the drill, the needs); an :class:`ActionEntry` one step of the flow (approve, amend (the approver leaves
units out, needed elsewhere, and the optimiser proposes again), escalate, offer,
accept, decline, depart, arrive, release, return, claim, review, dispute, settle, with a note and the units it
concerns). :data:`TRANSITIONS` is the state machine as data: for each action, the states it may start
from, the state it leads to and who may take it (the approver at the request's current level, the
requester, a lender of the units, or the payer's side). The request itself is stored as a JSON document
(collection ``requests``) whose every state change is a timestamped entry with who made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, StrictBool, StrictStr

from planner.dispatch.requests import MAX_DEADLINE_MIN, MAX_DURATION_H, MAX_QUANTITY, RequirementEntry
from planner.model.validation import Model, Text

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


__all__ = [
    "AWAITING_APPROVAL",
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
]
