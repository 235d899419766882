"""JSON API under ``/api/v1``: scenarios, records, map layers, imports, the audit log and users.

Every operation is registered through ``web.openapi.spec`` (documented and permission-guarded in one
place). Bad input answers ``{"error": {"code", "message", "field"}}`` with a 4xx code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import NotFound

from planner.errors import InputError
from planner.model.records import RECORD_TYPES
from planner.scenario import geojson
from planner.scenario.importing import preview_import
from planner.scenario.network import network_for
from planner.store import accounts
from planner.store.database import AGREEMENTS
from web.auth import actor
from web.openapi import Param, spec
from web.scenarios import cached_json, current_scenario, json_answer, json_bytes
from web.store import get_store

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_roads_cache: dict[str, bytes] = {}
"""The road network's GeoJSON by network fingerprint, serialised once (it is the largest answer)."""

EDITABLE_KINDS = [*RECORD_TYPES, AGREEMENTS]
SCENARIO = Param("name", description="scenario name")
KIND = Param("kind", schema={"type": "string", "enum": EDITABLE_KINDS})
RECORD_ID = Param("record_id", schema={"type": "string", "minLength": 1, "maxLength": 80})
LAYER_KINDS = ["bases", "teams", "equipment", "sites", "jurisdictions"]
ANY_RECORD = {"type": "object", "description": "a record of the kind (see the schemas in components)",
              "required": ["id"], "properties": {"id": {"type": "string"}}}
VERSIONED = {"type": "object", "required": ["version", "data"], "properties": {
    "version": {"type": "integer", "minimum": 1, "description": "the version you read (for conflict detection)"},
    "data": ANY_RECORD}}


def json_body() -> dict[str, Any]:
    """Return the request's JSON object, or a 400 naming the body."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object", field="body")
    return body


def _kind(kind: str) -> str:
    if kind not in EDITABLE_KINDS:
        raise NotFound(f"no record kind {kind!r}; kinds: {', '.join(EDITABLE_KINDS)}")
    return kind


@spec.operation(bp, "/openapi.json", "GET", summary="This API's OpenAPI document", permission="public")
def openapi() -> Any:
    """Return the OpenAPI document."""
    return jsonify(spec.document())


@spec.operation(bp, "/scenarios", "GET", summary="Stored scenarios with record counts")
def scenarios() -> Any:
    """Every stored scenario with its record counts."""
    return jsonify({"scenarios": get_store().list_scenarios()})


@spec.operation(bp, "/scenarios/<name>", "GET", summary="A scenario's metadata and counts", params=[SCENARIO])
def scenario(name: str) -> Any:
    """Return a scenario's metadata and counts."""
    found = current_scenario(name)
    return jsonify({"name": found.name, "title": found.title, "meta": dict(found.meta), "counts": found.counts(),
                    "version": get_store().scenario_version(name)})


@spec.operation(bp, "/scenarios/<name>/records/<kind>", "GET", summary="Records of one kind, with versions",
                params=[SCENARIO, KIND])
def records(name: str, kind: str) -> Any:
    """Return the records of one kind with their versions."""
    _kind(kind)

    def listing() -> dict[str, Any]:
        versions = get_store().record_versions(name, kind)
        found = current_scenario(name)
        items = list(found.agreements) if kind == AGREEMENTS else \
            [r.model_dump(mode="json") for r in found.records(kind)]
        return {"kind": kind, "records": [{"data": d, "version": versions.get(str(d["id"]))} for d in items]}

    return cached_json("records", name, kind, listing)


@spec.operation(bp, "/scenarios/<name>/records/<kind>/<record_id>", "GET", summary="One record with its version",
                params=[SCENARIO, KIND, RECORD_ID])
def record(name: str, kind: str, record_id: str) -> Any:
    """One record with its version."""
    data, version = get_store().get_record(name, _kind(kind), record_id)
    return jsonify({"data": data, "version": version})


@spec.operation(bp, "/scenarios/<name>/records/<kind>", "POST", summary="Create a record",
                permission="edit_inventory", params=[SCENARIO, KIND], body=ANY_RECORD,
                responses={201: "created", 409: "the id exists already"})
def create_record(name: str, kind: str) -> Any:
    """Create a record; the whole scenario is re-validated first."""
    version = get_store().put_record(name, _kind(kind), json_body(), expected_version=None, actor=actor())
    return jsonify({"version": version}), 201


@spec.operation(bp, "/scenarios/<name>/records/<kind>/<record_id>", "PUT",
                summary="Replace a record (send the version you read)", permission="edit_inventory",
                params=[SCENARIO, KIND, RECORD_ID], body=VERSIONED,
                responses={200: "saved", 409: "changed by someone else since you read it"})
def update_record(name: str, kind: str, record_id: str) -> Any:
    """Replace a record if it has not changed since the caller read it."""
    body = json_body()
    data, version = body.get("data"), body.get("version")
    if not isinstance(data, dict):
        raise InputError("'data' must be the record as a JSON object", field="data")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError("'version' must be the integer version you read", field="version")
    if str(data.get("id", record_id)) != record_id:
        raise InputError("the id in the body differs from the id in the path; ids cannot be renamed", field="id")
    new_version = get_store().put_record(name, _kind(kind), {**data, "id": record_id}, expected_version=version,
                                         actor=actor())
    return jsonify({"version": new_version})


@spec.operation(bp, "/scenarios/<name>/records/<kind>/<record_id>", "DELETE", summary="Delete a record",
                permission="edit_inventory",
                params=[SCENARIO, KIND, RECORD_ID, Param("version", "query", {"type": "integer"}, required=False)],
                responses={204: "deleted", 409: "changed since read"})
def delete_record(name: str, kind: str, record_id: str) -> Any:
    """Delete a record unless others refer to it."""
    version = request.args.get("version")
    if version is not None and not version.isdigit():
        raise InputError("'version' must be an integer", field="version")
    get_store().delete_record(name, _kind(kind), record_id, expected_version=int(version) if version else None,
                              actor=actor())
    return Response(status=204)


@spec.operation(bp, "/scenarios/<name>/import/<kind>", "POST",
                summary="Check (preview=true) or import CSV/GeoJSON records: all rows or none",
                permission="edit_inventory",
                params=[SCENARIO, Param("kind", schema={"type": "string", "enum": list(RECORD_TYPES)}),
                        Param("preview", "query", {"type": "boolean"}, required=False)],
                body={"type": "string"}, body_type="text/plain", responses={200: "preview or import result"})
def import_records(name: str, kind: str) -> Any:
    """Preview or write an upload; nothing is written unless every row and the merged scenario are valid."""
    text = request.get_data(as_text=True)
    preview = preview_import(current_scenario(name), kind, text, request.args.get("filename", "upload"))
    if request.args.get("preview", "false").lower() in ("1", "true", "yes") or not preview.ok:
        return jsonify({**preview.as_dict(), "written": False}), (200 if preview.ok else 400)
    counts = get_store().import_records(name, kind, list(preview.documents), actor=actor())
    return jsonify({**preview.as_dict(), "written": True, **counts})


@spec.operation(bp, "/scenarios/<name>/layers/<kind>", "GET", summary="A record kind as GeoJSON",
                params=[SCENARIO, Param("kind", schema={"type": "string", "enum": LAYER_KINDS})])
def layer(name: str, kind: str) -> Any:
    """One record kind as GeoJSON (bases, teams, equipment, sites, jurisdictions)."""
    if kind not in LAYER_KINDS:
        raise NotFound(f"no map layer {kind!r}; layers: {', '.join(LAYER_KINDS)}")
    return cached_json("layers", name, kind, lambda: geojson.layer(current_scenario(name), kind))


@spec.operation(bp, "/scenarios/<name>/roads", "GET", summary="The road network for drawing", params=[SCENARIO])
def roads(name: str) -> Any:
    """Return the road network for drawing, one MultiLineString per road class (cached per network)."""
    network = network_for(current_scenario(name))
    key = network.fingerprint()
    if key not in _roads_cache:
        _roads_cache[key] = json_bytes(geojson.roads(network))
    return json_answer(_roads_cache[key])


@spec.operation(bp, "/labels", "GET", summary="Chinese and English labels of coded values")
def labels() -> Any:
    """Chinese and English labels of coded values."""
    return jsonify(geojson.labels())


@spec.operation(bp, "/audit", "GET", summary="The audit log, newest first",
                params=[Param("scenario", "query", required=False),
                        Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1000}, required=False)])
def audit() -> Any:
    """Who changed what, when, with the record before and after."""
    limit = request.args.get("limit", "200")
    if not limit.isdigit() or not 1 <= int(limit) <= 1000:
        raise InputError("'limit' must be an integer from 1 to 1000", field="limit")
    return jsonify({"entries": get_store().audit_log(scenario=request.args.get("scenario"), limit=int(limit))})


USER_BODY = {"type": "object", "required": ["username", "password", "role"], "properties": {
    "username": {"type": "string"}, "password": {"type": "string", "minLength": accounts.MIN_PASSWORD_LENGTH},
    "role": {"type": "string", "enum": [r.value for r in accounts.Role]}}}


@spec.operation(bp, "/users", "GET", summary="Accounts (admin)", permission="manage_users")
def users() -> Any:
    """Every account, without password hashes."""
    return jsonify({"users": accounts.list_users(get_store())})


@spec.operation(bp, "/users", "POST", summary="Create an account (admin)", permission="manage_users",
                body=USER_BODY, responses={201: "created"})
def create_user() -> Any:
    """Create an account."""
    body = json_body()
    fields = {key: body.get(key) for key in ("username", "password", "role")}
    for key, value in fields.items():
        if not isinstance(value, str):
            raise InputError(f"'{key}' must be a string", field=key)
    return jsonify(accounts.create_user(get_store(), **fields)), 201  # type: ignore[arg-type]
