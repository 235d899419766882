"""The upkeep board: equipment inspections due and overdue, equipment down, certificates and stock expiring.

One board for the inventory page, the API and the CLI: inspections overdue (the next one was due before
the day) and due within ``within_days`` (30 by default), equipment in maintenance or out of service (it
counts for nothing), stock lots expired (not counted) or expiring within the window, and certificates of
people expired or expiring within the window (unless renewed by a later one). Entries name records by
id; a person's name is left to the caller, which shows it only to those who may see personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from planner.scenario.model import Scenario

DUE_WITHIN_DAYS = 30
"""Inspections due within this many days are listed beside the overdue ones."""


@dataclass(frozen=True)
class UpkeepItem:
    """One line of the board: the record, its holder, what is due or wrong, the day, and days left (< 0: past)."""

    kind: str
    record: str
    holder: str
    what: str
    day: dt.date | None
    days_left: int | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"kind": self.kind, "record": self.record, "holder": self.holder, "what": self.what,
                "day": None if self.day is None else self.day.isoformat(), "days_left": self.days_left,
                "status": self.status}


@dataclass(frozen=True)
class UpkeepBoard:
    """The board on ``day``: each section sorted by urgency (most overdue first)."""

    day: dt.date
    within_days: int
    inspections: tuple[UpkeepItem, ...]
    equipment_down: tuple[UpkeepItem, ...]
    stock: tuple[UpkeepItem, ...]
    certificates: tuple[UpkeepItem, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"day": self.day.isoformat(), "within_days": self.within_days,
                **{name: [item.to_dict() for item in getattr(self, name)]
                   for name in ("inspections", "equipment_down", "stock", "certificates")}}


def _urgency(item: UpkeepItem) -> tuple[int, str]:
    return (item.days_left if item.days_left is not None else 10**6, item.record)


def upkeep_board(scenario: Scenario, day: dt.date, *, within_days: int = DUE_WITHIN_DAYS) -> UpkeepBoard:
    """Return what needs attention on ``day``: inspections due, items down, stock and certificates expiring."""
    horizon = day + dt.timedelta(days=within_days)
    inspections, down, stock, certificates = [], [], [], []
    for item in scenario.equipment:
        holder = item.team or item.base or ""
        due = item.inspection_due
        if item.in_service and due is not None and due <= horizon:
            inspections.append(UpkeepItem("equipment", item.id, holder, f"{item.kind} x{item.quantity} inspection",
                                          due, (due - day).days, "overdue" if due < day else "due"))
        if not item.in_service:
            last = item.maintenance_log[-1] if item.maintenance_log else None
            down.append(UpkeepItem("equipment", item.id, holder,
                                   f"{item.kind} x{item.quantity}" + (f": {last.note}" if last else ""),
                                   last.date if last else None, None, item.status.value))
    for lot in scenario.stocks:
        if lot.expires is not None and lot.expires <= horizon:
            stock.append(UpkeepItem("stocks", lot.id, lot.depot, f"{lot.material} {lot.quantity:g} {lot.unit}",
                                    lot.expires, (lot.expires - day).days,
                                    "expired" if not lot.usable_on(day) else "expiring"))
    for person in scenario.people:
        renewed = {q.kind for q in person.qualifications if q.expires is None or q.expires > horizon}
        for q in person.qualifications:
            if q.expires is not None and q.expires <= horizon and q.kind not in renewed:
                certificates.append(UpkeepItem("people", person.id, person.team, f"{q.kind} ({person.role.value})",
                                               q.expires, (q.expires - day).days,
                                               "expired" if q.expires < day else "expiring"))
    return UpkeepBoard(day, within_days, *(tuple(sorted(section, key=_urgency))
                                           for section in (inspections, down, stock, certificates)))
