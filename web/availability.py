"""Availability API: who is on duty and what each team can staff at a chosen time.

- ``GET /api/v1/scenarios/<name>/availability?at=2026-07-01T08:00``: per team the people on duty, the
  capabilities it can staff, its nominal ones and the flags with their rules and sources
  (:func:`planner.availability.availability` with the scenario's stored ``availability_rules``).
- ``GET /api/v1/scenarios/<name>/upkeep?day=2026-07-01``: the upkeep board (inspections due, equipment
  down, stock and certificates expiring, :func:`planner.availability.upkeep_board`).

:func:`scenario_availability` is how every page and API answer that shows availability at a time (the
inventory, the map, dispatch, coverage) gets it: one function, the stored rules, the scenario's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, jsonify

from planner.availability import AvailabilityReport, UpkeepBoard, availability, upkeep_board
from planner.availability.settings import availability_rules
from planner.clock import local_moment, now, today
from planner.errors import InputError
from planner.store.settings import StoredDocuments
from web.openapi import operation
from web.scenarios import current_scenario
from web.schemas.availability import AvailabilityAnswer, AvailabilityQuery, UpkeepAnswer, UpkeepQuery
from web.store import get_store

bp = Blueprint("availability", __name__, url_prefix="/api/v1")


def moment_of(name: str, text: str | None, field: str = "at") -> dt.datetime:
    """Return the moment a request names (no offset: wall-clock in the scenario's zone), or now; 400 names ``field``."""
    if not text:
        return now()
    return local_moment(text, current_scenario(name).zone, field)


def scenario_availability(name: str, at: dt.datetime) -> AvailabilityReport:
    """Return the stored scenario's availability at ``at`` under its stored rules."""
    scenario = current_scenario(name)
    return availability(scenario, at, availability_rules(StoredDocuments(get_store(), name), scenario))


@operation(bp, "/scenarios/<name>/availability", "GET",
           summary="People on duty and what each team can staff at a time, against what it declares",
           answers={200: AvailabilityAnswer})
def team_availability(name: str, query: AvailabilityQuery) -> Any:
    """Return every team's availability at ``?at=`` (default now)."""
    return jsonify(scenario_availability(name, moment_of(name, query.at)).to_dict())


def scenario_upkeep(name: str, day_text: str | None) -> UpkeepBoard:
    """Return the stored scenario's upkeep board on a day (ISO date; default today in its zone)."""
    scenario = current_scenario(name)
    try:
        day = today(scenario.zone) if not day_text else dt.date.fromisoformat(day_text)
    except ValueError:
        raise InputError(f"day must be a date such as 2026-07-01, got {day_text!r}", field="day") from None
    return upkeep_board(scenario, day)


@operation(bp, "/scenarios/<name>/upkeep", "GET",
           summary="Inspections due and overdue, equipment not in service, stock and certificates expiring",
           answers={200: UpkeepAnswer})
def upkeep(name: str, query: UpkeepQuery) -> Any:
    """Return the upkeep board on ``?day=`` (default today); people by id and role, never by name."""
    return jsonify(scenario_upkeep(name, query.day).to_dict())
