"""The one travel network of a (scenario, closure set, time band): what every analysis routes on.

:func:`travel_network` takes the scenario's network (:func:`planner.scenario.network.placement`, so the
bases' and sites' node positions hold), multiplies each edge's speed by the factor of the time band in
force (chosen by id, or by the moment ``at`` in the scenario's zone) and by the closures' factors (0:
closed), and returns it with what applied. Coverage, what-if, dispatch, posture, the sweep and drills
take the returned :class:`RoadConditions` and route on its ``network``; their results carry
:meth:`RoadConditions.describe`, so a reader sees which closures and which band applied. With neither
a closure nor a band it returns the scenario's network itself (no copy), so nothing changes for the
everyday question. Networks are cached per (network, closures, band): a what-if asked twice under the
same closure set builds its CSR export once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from geodata.closures import AppliedClosure, Closure, closure_factors, edge_lines
from geodata.errors import GeodataError
from geodata.network import RoadNetwork
from planner.clock import wall_clock
from planner.errors import InputError
from planner.model.validation import Text, one_error
from planner.roads.bands import Band, band_at, band_factors, find_band
from planner.roads.closures import ClosureEntry, ClosureSet, check_set, closure_of, find_set
from planner.scenario.model import Scenario
from planner.scenario.network import placement

__all__ = ["CLOSURES_FIELD_HELP", "DRAWN", "ClosuresField", "RoadConditions", "check_closures_request",
           "routing_network", "travel_network"]

DRAWN = "drawn"
"""Name of the closure set of a geometry given with a request rather than stored."""

ClosureRequest = str | Mapping[str, Any] | None
"""A stored set's name, a GeoJSON area or line given with the request, or None."""

ClosuresField = Annotated[Annotated[Text, Field(max_length=80)] | dict[str, Any],
                          one_error("give a stored closure set's name (at most 80 characters) or a GeoJSON "
                                    "geometry (an object)")]
"""The ``closures`` field of a job's parameters (drill simulation, sweep, an MSEL inject): one parser for all.

A stored set's name, or a GeoJSON geometry (Polygon, MultiPolygon, LineString; a Feature or
FeatureCollection too); what the name or geometry means on the scenario's network is checked by
:func:`check_closures_request` before a job is accepted.
"""
CLOSURES_FIELD_HELP = ("a stored closure set's name, or a GeoJSON area or line (Polygon, MultiPolygon, LineString; a "
                       "Feature or FeatureCollection too) whose roads are closed")


@dataclass(frozen=True)
class RoadConditions:
    """A scenario's network under a closure set and a time band, and what applied.

    ``network`` has the scenario network's nodes and edges (closed edges left out of its CSR);
    ``applied`` says what each closure did; ``closed_edges``/``slowed_edges`` are edge positions.
    """

    scenario: str
    network: RoadNetwork
    closure_set: str | None = None
    applied: tuple[AppliedClosure, ...] = ()
    closed_edges: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    slowed_edges: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    band: str | None = None
    band_label: str = ""
    band_source: str = ""
    at: str | None = None

    @property
    def intact(self) -> bool:
        """True when no closure and no band changes the free-flow network."""
        return self.closure_set is None and self.band is None

    def describe(self) -> dict[str, Any]:
        """JSON-able: the closure set and each closure that applied, the band, and the counts of edges changed."""
        return {
            "closure_set": self.closure_set,
            "closures": [{"id": a.id, "kind": a.kind, "edges": a.edges, "speed_factor": a.speed_factor,
                          "label": a.label} for a in self.applied],
            "edges_closed": int(self.closed_edges.size),
            "edges_slowed": int(self.slowed_edges.size),
            "band": self.band,
            "band_label": self.band_label,
            "band_source": self.band_source,
            "at": self.at,
        }


CONDITIONS_KEPT = 8
"""Travel networks of (network, closure set, band) kept, oldest dropped first."""
_cache: dict[tuple[str, str, str], RoadConditions] = {}


def travel_network(
    scenario: Scenario,
    documents: Mapping[str, Any] | None = None,
    *,
    closures: ClosureRequest = None,
    band: str | None = None,
    at: dt.datetime | None = None,
) -> RoadConditions:
    """Return the scenario's travel network under a closure set and a time band.

    Parameters
    ----------
    scenario
        Its network and placement are the base.
    documents
        The scenario's settings documents (``closures``, ``speed_profiles``); needed when naming a set or a band.
    closures
        A stored closure set's name, a GeoJSON geometry (Feature, FeatureCollection) of areas or lines
        closed for this request (set name ``"drawn"``), or None.
    band, at
        A time band by id, or the moment whose band applies (without an offset it is a wall-clock time
        in the scenario's zone; free flow when it falls in no band). Giving both is refused.

    Raises ``InputError`` naming ``closures``, ``band`` or ``at`` (``NotFoundError`` for an unknown name).

    """
    documents = documents or {}
    if band is not None and at is not None:
        raise InputError("give a time band or a moment (at), not both", field="band")
    chosen: Band | None = find_band(documents, band) if band is not None else None
    if at is not None:
        at = wall_clock(at, scenario.zone)
        chosen = band_at(documents, at, scenario.zone)
    set_name, entries = _closure_entries(documents, closures)
    base = placement(scenario).network
    key = (base.fingerprint(), json.dumps(set_name and [e.to_json() for e in entries], sort_keys=True),
           "" if chosen is None else json.dumps(chosen.to_json(), sort_keys=True))
    at_text = None if at is None else at.astimezone(scenario.zone).isoformat(timespec="minutes")
    if key in _cache:
        return _with_at(_cache[key], at_text)
    factor = np.ones(base.n_edges)
    applied: tuple[AppliedClosure, ...] = ()
    if set_name is not None:
        closures_checked = _closures(scenario, set_name, entries)
        try:
            closure_factor, applied = closure_factors(base, closures_checked)
        except GeodataError as error:
            raise InputError(str(error), field="closures") from None
        factor = closure_factor
    closed = np.flatnonzero(factor == 0)
    slowed = np.flatnonzero((factor > 0) & (factor < 1))
    if chosen is not None:
        factor = factor * band_factors(base, chosen)
    network = base if (set_name is None and chosen is None) else base.adjusted(factor)
    conditions = RoadConditions(
        scenario.name, network, set_name, applied, closed, slowed,
        band=None if chosen is None else chosen.id, band_label="" if chosen is None else chosen.label,
        band_source="" if chosen is None else chosen.source)
    if len(_cache) >= CONDITIONS_KEPT:
        _cache.pop(next(iter(_cache)))  # the oldest: each holds a copy of the network's times and its CSR
    _cache[key] = conditions
    return _with_at(conditions, at_text)


def closure_features(scenario: Scenario, documents: Mapping[str, Any], set_name: str) -> dict[str, Any]:
    """Return a stored closure set for drawing, with ``roads``: what it does to the network.

    One feature per area or line of the set (``properties.role`` closure), one multi-line of the roads it
    closes (closed) and one of those it slows (slowed): the Map page's layer and the printed map's.
    """
    conditions = travel_network(scenario, documents, closures=set_name)
    closure_set = find_set(documents, set_name)
    features: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": c.geometry,
         "properties": {"role": "closure", "id": c.id, "label": c.label, "speed_factor": c.speed_factor}}
        for c in closure_set.closures if c.geometry is not None]
    for role, edges in (("closed", conditions.closed_edges), ("slowed", conditions.slowed_edges)):
        if edges.size:
            features.append({"type": "Feature", "geometry": {"type": "MultiLineString",
                                                             "coordinates": edge_lines(conditions.network, edges)},
                             "properties": {"role": role, "edges": int(edges.size)}})
    return {"type": "FeatureCollection", "features": features, "roads": conditions.describe()}


def routing_network(scenario: Scenario, roads: RoadConditions | None) -> RoadNetwork:
    """Return the network to route on: the conditions' (closures, band) if given, else the free-flow one."""
    return roads.network if roads is not None else placement(scenario).network


def _with_at(conditions: RoadConditions, at_text: str | None) -> RoadConditions:
    if conditions.at == at_text:
        return conditions
    return RoadConditions(**{**conditions.__dict__, "at": at_text})


def check_closures_request(scenario: Scenario, documents: Mapping[str, Any], closures: ClosureRequest) -> None:
    """Refuse closures a request cannot drive under: an unknown stored set, or a drawn geometry off the network.

    ``NotFoundError`` / ``InputError`` naming ``closures``; a drawn geometry is checked by building its
    travel network, which the cache then keeps for the job that follows.
    """
    if isinstance(closures, str):
        find_set(documents, closures)
    elif closures is not None:
        travel_network(scenario, documents, closures=closures)


def _closure_entries(documents: Mapping[str, Any], closures: ClosureRequest) -> tuple[str | None, list[ClosureEntry]]:
    """Return the set name and its closures: a stored set, a drawn geometry, or none."""
    if closures is None or closures == "":
        return None, []
    if isinstance(closures, str):
        return closures, list(find_set(documents, closures).closures)
    if isinstance(closures, Mapping):
        return DRAWN, [ClosureEntry(id=DRAWN, label="drawn with the request", geometry=dict(closures))]
    raise InputError("closures must be a closure set's name or a GeoJSON geometry", field="closures")


def _closures(scenario: Scenario, set_name: str, entries: list[ClosureEntry]) -> tuple[Closure, ...]:
    """Check the closures on the scenario's network (a drawn one names the field ``closures``)."""
    if set_name == DRAWN:
        try:
            return check_set(ClosureSet(name=DRAWN, closures=entries), scenario, "closures")
        except InputError as error:
            raise InputError(str(error).replace("closures.closures[0].", "closures."), field="closures") from None
    return tuple(closure_of(e, f"closures[{i}]") for i, e in enumerate(entries))


def set_hash(conditions: RoadConditions) -> str:
    """Short hash of what the conditions change (for cache keys of derived results)."""
    digest = hashlib.sha1(json.dumps(conditions.describe(), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:12]
