"""Roads on the day in the API: closure sets (list, store, delete, draw) and time bands; the road fields of requests.

- ``GET /api/v1/scenarios/<name>/road-conditions``: the closure sets and the time bands, for the pages' pickers.
- ``PUT /api/v1/scenarios/<name>/closures/<set_name>``: store a closure set (checked on the network:
  a bad polygon, a closure outside the network or a bad speed factor is a 400 naming the field, and
  nothing is stored; a stale ``expected_version`` is a 409).
- ``DELETE /api/v1/scenarios/<name>/closures/<set_name>?expected_version=N``.
- ``GET /api/v1/scenarios/<name>/closures/<set_name>/map``: the set as GeoJSON for every map: its
  areas and lines, and the edges it closes or slows.

A closure set is stored in the scenario's ``closures`` settings document (versioned and audited like
every settings document, and written back by ``scenario export``). :func:`road_conditions` turns the
road fields of any request into the planner's travel network (``planner.roads.conditions``).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, jsonify

from planner.clock import local_moment
from planner.errors import InputError
from planner.model.validation import validate
from planner.roads.bands import speed_profiles
from planner.roads.closures import CLOSURES, ClosureSet, closure_sets, find_set, with_set, without_set
from planner.roads.conditions import ClosureRequest, RoadConditions, closure_features, travel_network
from planner.roads.day import OnTheDay, on_the_day
from planner.store.settings import StoredDocuments, put_settings, stored_settings_version
from web.auth import actor, user_scope
from web.openapi import operation
from web.scenarios import cached_for_version, current_scenario
from web.schemas.common import FeatureCollection, VersionAnswer
from web.schemas.roads import ClosureDeleteQuery, ClosureSetBody, RoadsAnswer
from web.store import get_store

bp = Blueprint("roads", __name__, url_prefix="/api/v1")


def road_conditions(name: str, closures: ClosureRequest, at: str | None, band: str | None) -> RoadConditions | None:
    """Return the scenario's travel network under a request's road fields, or None when it gives none.

    For questions about the roads alone (service areas, matrices); coverage, what-if and dispatch take
    the whole moment with :func:`day_of`.
    """
    if not closures and at is None and band is None:
        return None
    scenario = current_scenario(name)
    moment = None if at is None else local_moment(at, scenario.zone, "at")
    return travel_network(scenario, StoredDocuments(get_store(), name), closures=closure_request(closures),
                          band=band, at=moment)


def day_of(name: str, closures: ClosureRequest, at: str | None, band: str | None) -> OnTheDay:
    """Return a request's moment: the teams on duty at ``at`` and the roads then (its band) under ``closures``.

    The CLI's ``--at`` answers through the same :func:`planner.roads.day.on_the_day`.
    """
    return on_the_day(current_scenario(name), StoredDocuments(get_store(), name), at=at,
                      closures=closure_request(closures), band=band)


def closure_request(closures: ClosureRequest) -> ClosureRequest:
    """Return a request's closures: a set's name, a geometry (in a query string, JSON text), or None."""
    if isinstance(closures, str) and closures.lstrip().startswith("{"):
        try:
            return json.loads(closures)  # type: ignore[no-any-return]
        except json.JSONDecodeError as error:
            raise InputError(f"closures: not valid GeoJSON text ({error})", field="closures") from None
    return closures or None


def roads_key(closures: ClosureRequest, at: str | None, band: str | None) -> str:
    """Cache key part of a request's road fields."""
    return repr((closures if isinstance(closures, str) or closures is None else sorted(closures.items()), at, band))


@operation(bp, "/scenarios/<name>/road-conditions", "GET", summary="Closure sets and time bands of a scenario",
           answers={200: RoadsAnswer})
def road_conditions_list(name: str) -> Any:
    """List the stored closure sets and the time bands."""
    current_scenario(name)
    documents = StoredDocuments(get_store(), name)
    found = stored_settings_version(get_store(), name, CLOSURES)
    profiles = speed_profiles(documents)
    return jsonify({"closure_sets": [s.to_json() for s in closure_sets(documents).sets],
                    "closures_version": None if found is None else found[1],
                    "bands": [b.to_json() for b in profiles.bands], "bands_source": profiles.source})


@operation(bp, "/scenarios/<name>/closures/<set_name>", "PUT", permission="edit_plans",
           summary="Store a closure set (checked on the network; send the closures document's version you read)",
           answers={200: VersionAnswer, 409: "the closures document changed since you read it"})
def put_closure_set(name: str, set_name: str, json: ClosureSetBody) -> Any:
    """Add or replace one closure set in the scenario's closures document."""
    scenario = current_scenario(name)
    closure_set = validate(ClosureSet, {"name": set_name, "description": json.description, "source": json.source,
                                        "closures": json.closures}, what="closure set", field="set_name")
    data = with_set(StoredDocuments(get_store(), name), closure_set)
    version = put_settings(get_store(), scenario, CLOSURES, data, expected_version=json.expected_version,
                           actor=actor(), scope=user_scope())
    return jsonify({"version": version})


@operation(bp, "/scenarios/<name>/closures/<set_name>", "DELETE", permission="edit_plans",
           summary="Delete a closure set", answers={200: VersionAnswer, 409: "the closures document changed"})
def delete_closure_set(name: str, set_name: str, query: ClosureDeleteQuery) -> Any:
    """Remove one closure set from the scenario's closures document."""
    scenario = current_scenario(name)
    data = without_set(StoredDocuments(get_store(), name), set_name)
    version = put_settings(get_store(), scenario, CLOSURES, data, expected_version=query.expected_version,
                           actor=actor(), scope=user_scope())
    return jsonify({"version": version})


@operation(bp, "/scenarios/<name>/closures/<set_name>/map", "GET",
           summary="A closure set as GeoJSON: its areas and lines, and the roads it closes or slows",
           answers={200: FeatureCollection})
def closure_map(name: str, set_name: str) -> Any:
    """Draw a closure set: one feature per area or line, one multi-line of closed and one of slowed roads."""
    scenario = current_scenario(name)
    documents = StoredDocuments(get_store(), name)
    find_set(documents, set_name, field="set_name")

    return jsonify(cached_for_version("closure_map", name, set_name,
                                      lambda: closure_features(scenario, documents, set_name)))
