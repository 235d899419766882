"""A simulation case from a scenario: its teams with their network travel minutes to the incident's site.

The scenario adaptor of :mod:`planner.drills.simulate`, kept apart so that the simulation itself (also run
by the sweep's workers) never loads the road network.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.drills.simulate import SimCase, SimUnit, require_site
from planner.errors import InputError
from planner.model.records import Availability
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.library import Template
from planner.scenario.model import Scenario
from planner.scenario.travel import travel_minutes


def build_case(scenario: Scenario, template: Template, site_id: str, *,
               team_ids: Sequence[str] | None = None, roads: RoadConditions | None = None) -> SimCase:
    """Return a case on the scenario's network: available teams (or ``team_ids``) with travel minutes to the site.

    ``roads``: closures and time band of the drive times (default the free-flow network).
    """
    require_site(scenario, site_id)
    teams = [t for t in scenario.teams if (team_ids is None and t.availability == Availability.AVAILABLE)
             or (team_ids is not None and t.id in team_ids)]
    if not teams:
        raise InputError("no teams to simulate", field="teams")
    matrix = travel_minutes(scenario, "teams", "sites", origin_ids=[t.id for t in teams], destination_ids=[site_id],
                            network=routing_network(scenario, roads))
    units = tuple(SimUnit(t.id, dict(t.capabilities), float(t.turnout_min), float(matrix.minutes[k, 0]))
                  for k, t in enumerate(teams))
    return SimCase(template, site_id, units)
