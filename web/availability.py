"""Availability API: who is on duty and what each team can staff at a chosen time.

- ``GET /api/v1/scenarios/<name>/availability?at=2026-07-01T08:00``: per team the people on duty, the
  capabilities it can staff, its nominal ones and the flags with their rules and sources
  (:func:`planner.availability.availability` with the scenario's stored ``availability_rules``).

:func:`scenario_availability` is how every page and API answer that shows availability at a time (the
inventory, the map, dispatch, coverage) gets it: one function, the stored rules, the scenario's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, jsonify

from planner.availability import AvailabilityReport, availability
from planner.availability.settings import availability_rules
from planner.clock import local_moment, now
from planner.store.settings import StoredDocuments
from web.openapi import operation
from web.scenarios import current_scenario
from web.schemas.availability import AvailabilityAnswer, AvailabilityQuery
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
