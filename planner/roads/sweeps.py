"""Time-of-day draws of a sweep from a scenario's speed bands: each band and free flow, weighted by hours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.roads.bands import speed_profiles, week_share
from planner.roads.conditions import ClosureRequest, RoadConditions, travel_network
from planner.scenario.model import Scenario

FREE_FLOW = "free-flow"
"""Name of the hours outside every band among a sweep's time-of-day draws."""


def sweep_bands(scenario: Scenario, documents: Mapping[str, Any], *,
                closures: ClosureRequest = None) -> dict[str, tuple[float, RoadConditions]]:
    """Time-of-day name -> (share of the week's hours, travel network) for every band and for free flow.

    Empty when the scenario has no band (the sweep then keeps its own time-of-day settings). Every
    network is under ``closures``, so a sweep under a closure set draws every hour under it.
    """
    bands = speed_profiles(documents).bands
    if not bands:
        return {}
    draws = {band.id: (week_share(band), travel_network(scenario, documents, closures=closures, band=band.id))
             for band in bands}
    rest = 1.0 - sum(share for share, _ in draws.values())
    if rest > 1e-9:
        draws[FREE_FLOW] = (rest, travel_network(scenario, documents, closures=closures))
    return draws
