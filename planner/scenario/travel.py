"""Travel times between a scenario's bases, teams and sites, in minutes, from the network matrix."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geodata.matrix import travel_time_matrix
from geodata.network import RoadNetwork
from planner.errors import InputError
from planner.model.codes import POINT_KINDS
from planner.scenario.model import Scenario
from planner.scenario.network import placement


@dataclass(frozen=True)
class TravelMatrix:
    """Minutes from each origin to each destination (``inf`` = unreachable), with the ids of both."""

    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    minutes: np.ndarray


def point_nodes(scenario: Scenario, kind: str, ids: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
    """Ids and node positions of bases, sites, or teams (at their home base); all of the kind when ``ids`` is None."""
    placed = placement(scenario)
    if kind == "bases":
        table = placed.base_node
    elif kind == "sites":
        table = placed.site_node
    elif kind == "teams":
        table = {t.id: placed.base_node[t.base] for t in scenario.teams}
    else:
        raise InputError(f"point kind must be one of {', '.join(POINT_KINDS)}, not {kind!r}", field="kind")
    chosen = list(table) if ids is None else list(ids)
    missing = [i for i in chosen if i not in table]
    if missing:
        raise InputError(f"{kind}: unknown id {missing[0]!r}", field=kind, record=missing[0])
    return chosen, np.array([table[i] for i in chosen], dtype=np.int64)


def travel_minutes(
    scenario: Scenario,
    origin_kind: str,
    destination_kind: str,
    *,
    origin_ids: Sequence[str] | None = None,
    destination_ids: Sequence[str] | None = None,
    cutoff_min: float | None = None,
    workers: int = 1,
    network: RoadNetwork | None = None,
) -> TravelMatrix:
    """Network travel minutes from origins to destinations (turn-out time not included).

    ``network`` is the scenario's network under closures or a time band
    (:func:`planner.roads.conditions.travel_network`); default the free-flow one. ``cutoff_min`` (entries
    beyond it are unreachable) must be a finite number of minutes >= 0.
    """
    if cutoff_min is not None and not (math.isfinite(cutoff_min) and cutoff_min >= 0):
        raise InputError(f"cutoff_min must be a number of minutes >= 0, not {cutoff_min}", field="cutoff_min")
    origins, origin_nodes = point_nodes(scenario, origin_kind, origin_ids)
    destinations, destination_nodes = point_nodes(scenario, destination_kind, destination_ids)
    seconds = travel_time_matrix(
        network or placement(scenario).network, origin_nodes, destination_nodes,
        cutoff_s=None if cutoff_min is None else cutoff_min * 60, workers=workers,
    )
    return TravelMatrix(tuple(origins), tuple(destinations), seconds / 60.0)
