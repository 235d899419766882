"""People, their qualifications and the duty roster: who belongs to a team and when they are on duty.

A :class:`Person` belongs to a team with a role (squad leader, member, driver, medic, diver, ...), the
squad (小队) they serve in, qualifications (a certificate kind with issuing body, number, issue and
expiry dates) and contact details. Names, phone numbers and certificate numbers are personal data:
:func:`public_view` is the one view of a person for readers who may not see them (viewers and
dispatchers see roles, squads and what certificates are held, never who holds them).

A :class:`Shift` is one line of a team's duty roster (值班): the people it names are on duty from
``starts`` for ``hours``, again every ``every_h`` hours (72 for 24 h on / 48 h off; 24 for a daily day
or night shift) until ``until``; a ``leave`` or ``training`` line is an absence instead. Times without
an offset are wall-clock times in the scenario's zone. :meth:`Shift.covers` says whether a moment falls
in one of its occurrences and :func:`first_overlap` finds the first moment two lines overlap, the check
that refuses a person rostered on two duty shifts at once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, model_validator

from planner.model.core import Identifier, Record
from planner.model.validation import Model


class PersonRole(StrEnum):
    """What a person does in the team."""

    COMMANDER = "commander"
    SQUAD_LEADER = "squad_leader"
    DEPUTY_LEADER = "deputy_leader"
    MEMBER = "member"
    DRIVER = "driver"
    MEDIC = "medic"
    DIVER = "diver"
    TECHNICIAN = "technician"


class Qualification(Model):
    """A certificate or licence a person holds: kind, issuing body, number, issue and expiry dates.

    ``expires`` is the last day it is valid (None: it does not expire); a certificate that expired
    yesterday is not valid today (:meth:`valid_on`).
    """

    kind: Identifier = Field(description="certificate kind, e.g. mine_rescue, hazchem, diving, driving_a2")
    issuer: str = Field(default="", max_length=200, description="issuing body")
    number: str = Field(default="", max_length=80, description="certificate number (personal data)")
    issued: dt.date | None = None
    expires: dt.date | None = Field(default=None, description="last day of validity; empty: does not expire")

    @model_validator(mode="after")
    def _expiry_after_issue(self) -> Self:
        if self.issued is not None and self.expires is not None and self.expires < self.issued:
            raise ValueError(f"expiry {self.expires} is before issue {self.issued}")
        return self

    def valid_on(self, day: dt.date) -> bool:
        """Whether the certificate is valid on ``day`` (issued on or before it, not expired before it)."""
        return (self.issued is None or self.issued <= day) and (self.expires is None or day <= self.expires)


class Person(Record):
    """A member of a team: role, squad, qualifications and contact details (name and phone are personal data)."""

    team: Identifier
    name: str = Field(min_length=1, max_length=120)
    name_zh: str = Field(default="", max_length=120)
    role: PersonRole = PersonRole.MEMBER
    squad: str = Field(default="", max_length=40, description="the squad (小队) the person serves in, e.g. 1")
    qualifications: tuple[Qualification, ...] = ()
    phone: str = Field(default="", max_length=30, pattern=r"^[0-9+\-() ]*$", description="contact phone")

    def holds(self, kind: str, day: dt.date) -> bool:
        """Whether the person holds a certificate of ``kind`` valid on ``day``."""
        return any(q.kind == kind and q.valid_on(day) for q in self.qualifications)

    def valid_kinds(self, day: dt.date) -> frozenset[str]:
        """Return the certificate kinds the person holds valid on ``day``."""
        return frozenset(q.kind for q in self.qualifications if q.valid_on(day))


PERSONAL_FIELDS: tuple[str, ...] = ("name", "name_zh", "phone")
"""Fields of a person shown only to readers who may see personal data (planners and admins)."""
PERSONAL_QUALIFICATION_FIELDS: tuple[str, ...] = ("number",)
"""Fields of a qualification shown only to them."""


def public_view(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a person's JSON form without personal data: names, phone and certificate numbers left out.

    What remains (id, team, role, squad, certificate kinds, issuers and dates) is what viewers and
    dispatchers need to count people and qualifications.
    """
    shown = {k: v for k, v in data.items() if k not in PERSONAL_FIELDS}
    qualifications = data.get("qualifications")
    if isinstance(qualifications, (list, tuple)):
        shown["qualifications"] = [{k: v for k, v in q.items() if k not in PERSONAL_QUALIFICATION_FIELDS}
                                   if isinstance(q, Mapping) else q for q in qualifications]
    return shown


class ShiftKind(StrEnum):
    """A duty line of the roster, or an absence."""

    DUTY = "duty"
    LEAVE = "leave"
    TRAINING = "training"


MAX_SPAN_H = 24 * 366.0
"""Longest shift length or repetition period, hours (a year)."""


class Shift(Record):
    """One line of a team's duty roster: these people are on duty (or absent) from ``starts``, repeating.

    ``starts`` without an offset is a wall-clock time in the scenario's zone. ``every_h`` repeats the
    line (None: once); ``until`` is the last moment an occurrence may start (None: no end).
    """

    team: Identifier
    kind: ShiftKind = ShiftKind.DUTY
    people: tuple[Identifier, ...] = Field(min_length=1, description="ids of the people of this line")
    starts: dt.datetime
    hours: float = Field(gt=0, le=MAX_SPAN_H, description="length of one occurrence, hours")
    every_h: float | None = Field(default=None, gt=0, le=MAX_SPAN_H,
                                  description="repeats every so many hours (72 = 24 h on / 48 h off); empty: once")
    until: dt.datetime | None = Field(default=None, description="no occurrence starts after this; empty: no end")
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.every_h is not None and self.every_h < self.hours:
            raise ValueError(f"every_h {self.every_h:g} is shorter than hours {self.hours:g}: "
                             "an occurrence would overlap the next")
        if self.until is not None and (self.until.tzinfo is None) != (self.starts.tzinfo is None):
            raise ValueError("starts and until must both name a zone offset or both leave it out")
        if self.until is not None and self.until < self.starts:
            raise ValueError(f"until {self.until.isoformat()} is before starts {self.starts.isoformat()}")
        return self

    def _minutes(self, zone: dt.tzinfo) -> tuple[int, int, int | None, int | None]:
        """Start (epoch minutes), length, period and last start (epoch minutes, None: no end) in whole minutes."""
        start = _epoch_minutes(self.starts, zone)
        period = None if self.every_h is None else round(self.every_h * 60)
        last = None if self.until is None else _epoch_minutes(self.until, zone)
        if period is None:
            last = start
        return start, round(self.hours * 60), period, last

    def covers(self, moment: dt.datetime, zone: dt.tzinfo) -> bool:
        """Whether ``moment`` (aware, or wall-clock in ``zone``) falls in one of this line's occurrences."""
        start, length, period, last = self._minutes(zone)
        now = _epoch_minutes(moment, zone, exact=True)
        if now < start:
            return False
        k = 0 if period is None else math.floor((now - start) / period)
        if last is not None and period is not None:
            k = min(k, (last - start) // period)
        begin = start + k * (period or 0)
        return begin <= now < begin + length

    def occurrences(self, zone: dt.tzinfo, begin: int, end: int) -> Iterator[tuple[int, int]]:
        """Yield ``(start, end)`` epoch minutes of the occurrences that overlap ``[begin, end)``, in order."""
        start, length, period, last = self._minutes(zone)
        k = 0 if period is None else max(0, (begin - length - start) // period)
        while True:
            at = start + k * (period or 0)
            if at >= end or (last is not None and at > last):
                return
            if at + length > begin:
                yield at, at + length
            if period is None:
                return
            k += 1


LONGEST_OVERLAP_SEARCH_MIN = 400 * 24 * 60
"""Two repeating lines are compared over one common period of both, but never more than this many minutes."""


def first_overlap(a: Shift, b: Shift, zone: dt.tzinfo) -> dt.datetime | None:
    """Return the first moment (UTC) at which an occurrence of ``a`` overlaps one of ``b``, or None.

    Two repeating lines repeat their relative position after the least common multiple of their
    periods, so comparing the occurrences over one such period from the later start decides (capped at
    :data:`LONGEST_OVERLAP_SEARCH_MIN`, more than a year).
    """
    a_start, a_length, a_period, _ = a._minutes(zone)
    b_start, b_length, b_period, _ = b._minutes(zone)
    begin = max(a_start, b_start)
    span = math.lcm(a_period or 1, b_period or 1) if a_period and b_period else max(a_period or 0, b_period or 0)
    end = begin + min(max(span, a_length, b_length) + max(a_length, b_length), LONGEST_OVERLAP_SEARCH_MIN)
    first = list(a.occurrences(zone, begin - a_length, end))
    second = list(b.occurrences(zone, begin - b_length, end))
    i = j = 0
    while i < len(first) and j < len(second):
        (s1, e1), (s2, e2) = first[i], second[j]
        if s1 < e2 and s2 < e1:
            return dt.datetime.fromtimestamp(max(s1, s2) * 60, tz=dt.UTC)
        if e1 <= e2:
            i += 1
        else:
            j += 1
    return None


def _epoch_minutes(moment: dt.datetime, zone: dt.tzinfo, *, exact: bool = False) -> Any:
    """Minutes since the epoch of a moment (wall-clock in ``zone`` when it has no offset); whole unless exact."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    minutes = aware.timestamp() / 60
    return minutes if exact else round(minutes)
