"""A simulation case from a scenario: its teams with their network travel minutes to the incident's site.

The scenario adaptor of :mod:`planner.drills.simulate`, kept apart so that the simulation itself (also run
by the sweep's workers) never loads the road network.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.drills.simulate import RoadChange, SimCase, SimUnit, require_site
from planner.errors import InputError
from planner.model.records import Availability
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.library import Template
from planner.scenario.model import Scenario
from planner.scenario.travel import travel_minutes


def build_case(scenario: Scenario, template: Template, site_id: str, *,
               team_ids: Sequence[str] | None = None, roads: RoadConditions | None = None,
               changes: Sequence[tuple[float, RoadConditions]] = ()) -> SimCase:
    """Return a case on the scenario's network: available teams (or ``team_ids``) with travel minutes to the site.

    ``roads``: closures and time band of the drive times (default the free-flow network). ``changes``:
    the roads from a minute after the alarm on (a surprise branch closing a bridge), each a
    :class:`~planner.drills.simulate.RoadChange` of the case.
    """
    require_site(scenario, site_id)
    teams = [t for t in scenario.teams if (team_ids is None and t.availability == Availability.AVAILABLE)
             or (team_ids is not None and t.id in team_ids)]
    if not teams:
        raise InputError("no teams to simulate", field="teams")
    ids = [t.id for t in teams]

    def minutes(conditions: RoadConditions | None) -> list[float]:
        matrix = travel_minutes(scenario, "teams", "sites", origin_ids=ids, destination_ids=[site_id],
                                network=routing_network(scenario, conditions))
        return [float(m) for m in matrix.minutes[:, 0]]

    units = tuple(SimUnit(t.id, dict(t.capabilities), float(t.turnout_min), travel)
                  for t, travel in zip(teams, minutes(roads), strict=True))
    road_changes = tuple(RoadChange(float(at_min), dict(zip(ids, minutes(conditions), strict=True)),
                                    conditions.closure_set or conditions.band or "")
                         for at_min, conditions in sorted(changes, key=lambda c: c[0]))
    return SimCase(template, site_id, units, road_changes)
