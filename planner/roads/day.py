"""A moment of the day as every question asks it: who is on duty then, and the roads as they are then.

``--at`` on the command line and ``at`` in the API mean the same two things for coverage, what-if and
dispatch: the teams available at that moment (people on duty, strength rules:
:func:`planner.availability.availability`) and the time band the roads are driven in
(:func:`planner.roads.conditions.travel_network`). :func:`on_the_day` reads the moment once (without an
offset it is a wall-clock time in the scenario's zone) and answers both, so the CLI, the pages and the
API cannot take a moment's band without its duty roster, or the other way round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.availability import AvailabilityReport, availability
from planner.availability.settings import availability_rules
from planner.clock import local_moment
from planner.roads.conditions import ClosureRequest, RoadConditions, travel_network
from planner.scenario.model import Scenario


@dataclass(frozen=True)
class OnTheDay:
    """The moment asked about (None: none), the teams' availability then, and the roads then (None: free flow).

    ``roads`` is None when neither a moment, a closure set nor a band was given.
    """

    at: dt.datetime | None
    available: AvailabilityReport | None
    roads: RoadConditions | None

    @property
    def out(self) -> dict[str, str]:
        """Teams that cannot answer at the moment, with why (empty without a moment)."""
        return {} if self.available is None else dict(self.available.out())


def on_the_day(scenario: Scenario, documents: Mapping[str, Any], *, at: str | dt.datetime | None = None,
               closures: ClosureRequest = None, band: str | None = None) -> OnTheDay:
    """Return who is on duty at ``at`` and the roads then (its band) under ``closures``; or a band by id.

    ``at`` is ISO text (``InputError`` naming ``at`` when it is not a date-time) or a datetime; giving
    both ``at`` and ``band`` is refused by :func:`planner.roads.conditions.travel_network`.
    """
    moment = local_moment(at, scenario.zone, "at") if isinstance(at, str) else at
    available = None if moment is None else availability(scenario, moment, availability_rules(documents, scenario))
    roads = (travel_network(scenario, documents, closures=closures, band=band, at=moment)
             if closures or band is not None or moment is not None else None)
    return OnTheDay(moment, available, roads)
