"""Time-of-day draws of a sweep from a scenario's speed bands: each band and free flow, weighted by hours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from planner.roads.bands import MINUTES_PER_DAY, Band, speed_profiles, week_share
from planner.roads.conditions import ClosureRequest, RoadConditions, travel_network
from planner.scenario.model import Scenario

FREE_FLOW = "free-flow"
"""Name of the hours outside every band among a sweep's time-of-day draws."""


class SweepBand(NamedTuple):
    """One time-of-day draw of a sweep: its share of incidents, the hour it stands for, its travel network.

    ``hour`` (wall clock in the scenario's zone) is when a sweep judges availability in it
    (``SweepSettings.time_of_day_hours``): a band's start, and for free flow the first hour after midnight
    outside every band.
    """

    share: float
    hour: float
    conditions: RoadConditions


def sweep_bands(scenario: Scenario, documents: Mapping[str, Any], *,
                closures: ClosureRequest = None) -> dict[str, SweepBand]:
    """Time-of-day name -> (share of the week's hours, hour, travel network) for every band and for free flow.

    Empty when the scenario has no band (the sweep then keeps its own time-of-day settings). Every
    network is under ``closures``, so a sweep under a closure set draws every hour under it.
    """
    bands = speed_profiles(documents).bands
    if not bands:
        return {}
    draws = {band.id: SweepBand(week_share(band), band.minutes()[0] / 60,
                                travel_network(scenario, documents, closures=closures, band=band.id))
             for band in bands}
    rest = 1.0 - sum(draw.share for draw in draws.values())
    if rest > 1e-9:
        draws[FREE_FLOW] = SweepBand(rest, free_flow_hour(bands), travel_network(scenario, documents,
                                                                                 closures=closures))
    return draws


def free_flow_hour(bands: list[Band]) -> float:
    """Return the first whole hour of the day (from midnight) that no band covers on any of its days (0 if none)."""
    held = [(start, (end - start) % MINUTES_PER_DAY or MINUTES_PER_DAY)
            for start, end in (band.minutes() for band in bands)]
    for hour in range(24):
        minute = hour * 60
        if not any((minute - start) % MINUTES_PER_DAY < length for start, length in held):
            return float(hour)
    return 0.0
