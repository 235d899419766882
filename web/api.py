"""JSON API under ``/api/v1``: scenarios, records, map layers, imports, the audit log and users.

Every operation is registered through ``web.openapi.operation`` (guarded, validated against its models in
``web.schemas.records`` and documented in one place). Bad input answers ``{"error": {"code", "message",
"field"}}`` with a 4xx code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext
from pydantic import BaseModel

from planner import clock
from planner.errors import InputError
from planner.model.reading import MAX_CSV_CELL, MAX_DEPTH
from planner.model.records import RECORD_TYPES
from planner.pdf import map_pdf
from planner.roads.closures import find_set
from planner.roads.conditions import closure_features
from planner.scenario import geojson
from planner.scenario.importing import preview_upload
from planner.scenario.mapview import map_view, parse_bbox, parse_layers
from planner.scenario.network import network_for
from planner.store import accounts
from planner.store.database import AGREEMENTS
from planner.store.settings import StoredDocuments
from web.auth import actor, user_scope
from web.i18n import language
from web.openapi import document, operation, request_json
from web.privacy import sees_personal_data, shown_audit, shown_csv, shown_record
from web.scenarios import cached_for_version, cached_json, current_scenario, json_answer, json_bytes
from web.schemas.common import FeatureCollection, VersionAnswer
from web.schemas.records import (
    RECORD_BODIES,
    VERSIONED_BODIES,
    AuditLog,
    AuditQuery,
    DeleteQuery,
    ImportQuery,
    ImportRefused,
    ImportResult,
    Labels,
    MapPrintQuery,
    NewUser,
    OpenApiDocument,
    RecordAnswer,
    RecordList,
    ScenarioDetail,
    ScenarioList,
    UserAnswer,
    UserList,
)
from web.store import get_store

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_roads_cache: dict[str, bytes] = {}
"""The road network's GeoJSON by network fingerprint, serialised once (it is the largest answer)."""

EDITABLE_KINDS = [*RECORD_TYPES, AGREEMENTS]
LAYER_KINDS = ["bases", "teams", "equipment", "sites", "jurisdictions"]
KIND = f"<any({', '.join(EDITABLE_KINDS)}):kind>"
"""Path segment of an editable record kind (any other is a 404 from the router)."""
KIND_NAMES = {"jurisdictions": "a jurisdiction", "bases": "a base", "teams": "a team",
              "equipment": "an equipment record", "sites": "a hazard site", "standards": "a response standard",
              "people": "a person", "shifts": "a duty-roster line", "depots": "a reserve depot",
              "stocks": "a stock lot", AGREEMENTS: "a sharing agreement"}
"""What one record of each kind is called in the operations' summaries."""
WHOLE_SCENARIO = (
    "Before anything is stored, the scenario the change produces is checked as a whole, by the same check "
    "as the inventory form, the imports and the CLI (`planner.scenario.validity`): the record against the rules "
    "of its kind, ids unique, every reference to an existing record (a team's base, a base's or site's "
    "jurisdiction, a jurisdiction's parent without loops, a site's standards, an equipment's base and team, a "
    "person's team, a roster line's team and people, a stock's depot, an agreement's lender and borrower), no "
    "person on two duty shifts that overlap, asset numbers unique, every agreement valid with at most one per "
    "lender and borrower, and every base, site and depot within the scenario's `snap_limit_m` of its road "
    "network. A change that breaks one is a 400 naming the record and the field, and nothing is written.")
"""What the records' schemas cannot state: the checks across records, in each writing operation's description."""


@operation(bp, "/openapi.json", "GET", summary="This API's OpenAPI document", permission="public",
           answers={200: OpenApiDocument})
def openapi() -> Any:
    """Return the OpenAPI document."""
    return jsonify(document())


@operation(bp, "/scenarios", "GET", summary="Stored scenarios with record counts", answers={200: ScenarioList})
def scenarios() -> Any:
    """Every stored scenario with its record counts."""
    return jsonify({"scenarios": get_store().list_scenarios()})


@operation(bp, "/scenarios/<name>", "GET", summary="A scenario's metadata and counts", answers={200: ScenarioDetail})
def scenario(name: str) -> Any:
    """Return a scenario's metadata and counts."""
    found = current_scenario(name)
    return jsonify({"name": found.name, "title": found.title, "meta": dict(found.meta), "counts": found.counts(),
                    "version": get_store().scenario_version(name)})


@operation(bp, f"/scenarios/<name>/records/{KIND}", "GET", summary="Records of one kind, with versions",
           answers={200: RecordList})
def records(name: str, kind: str) -> Any:
    """Return the records of one kind with their versions (people without personal data unless the role sees it)."""
    personal = sees_personal_data()

    def listing() -> dict[str, Any]:
        versions = get_store().record_versions(name, kind)
        found = current_scenario(name)
        items = list(found.agreements) if kind == AGREEMENTS else \
            [shown_record(kind, r.model_dump(mode="json"), personal) for r in found.records(kind)]
        return {"kind": kind, "records": [{"data": d, "version": versions.get(str(d["id"]))} for d in items]}

    return cached_json("records", name, (kind, personal), listing)


@operation(bp, f"/scenarios/<name>/records/{KIND}/<record_id>", "GET", summary="One record with its version",
           answers={200: RecordAnswer})
def record(name: str, kind: str, record_id: str) -> Any:
    """One record with its version."""
    data, version = get_store().get_record(name, kind, record_id)
    return jsonify({"data": shown_record(kind, data), "version": version})


def _record_writes(kind: str, body: type[BaseModel], versioned: type[BaseModel]) -> None:
    """Register the create and replace operations of one record kind, its record type being the body's schema.

    The store receives the record as sent (the schema has checked it; whole numbers as integers) and checks
    it again with the whole scenario it would produce.
    """

    def create(name: str, json: BaseModel) -> Any:
        version = get_store().put_record(name, kind, request_json(), expected_version=None, actor=actor(),
                                         scope=user_scope())
        return jsonify({"version": version}), 201

    def replace(name: str, record_id: str, json: BaseModel) -> Any:
        data = request_json()["data"]
        if data.get("id") != record_id:
            raise InputError("the id in the body differs from the id in the path; ids cannot be renamed", field="id")
        version = get_store().put_record(name, kind, data, expected_version=json.version,  # type: ignore[attr-defined]
                                         actor=actor(), scope=user_scope())
        return jsonify({"version": version})

    create.__name__, replace.__name__ = f"create_{kind}", f"replace_{kind}"
    create.__annotations__ = {"name": str, "json": body, "return": Any}
    replace.__annotations__ = {"name": str, "record_id": str, "json": versioned, "return": Any}
    what = KIND_NAMES[kind]
    operation(bp, f"/scenarios/<name>/records/{kind}", "POST", summary=f"Create {what}", permission="edit_inventory",
              notes=WHOLE_SCENARIO, answers={201: VersionAnswer, 409: "the id exists already"})(create)
    operation(bp, f"/scenarios/<name>/records/{kind}/<record_id>", "PUT",
              summary=f"Replace {what} (send the version you read; the id in the body is the one in the path)",
              permission="edit_inventory", notes=WHOLE_SCENARIO,
              answers={200: VersionAnswer, 409: "changed by someone else since you read it"})(replace)


for _kind, _body in RECORD_BODIES.items():
    _record_writes(_kind, _body, VERSIONED_BODIES[_kind])


@operation(bp, f"/scenarios/<name>/records/{KIND}/<record_id>", "DELETE", summary="Delete a record",
           permission="edit_inventory", notes=WHOLE_SCENARIO, answers={204: "deleted", 409: "changed since read"})
def delete_record(name: str, kind: str, record_id: str, query: DeleteQuery) -> Any:
    """Delete a record unless others refer to it."""
    get_store().delete_record(name, kind, record_id, expected_version=query.version, actor=actor(),
                              scope=user_scope())
    return Response(status=204)


@operation(bp, f"/scenarios/<name>/import/<any({', '.join(RECORD_TYPES)}):kind>", "POST",
           summary="Check (preview=true) or import CSV/GeoJSON/GeoPackage/Shapefile records: all rows or none",
           permission="edit_inventory", notes=WHOLE_SCENARIO,
           text_body=f"the CSV or GeoJSON file's text: UTF-8, or GB18030 when declared (``encoding``); a CSV cell "
                     f"holds at most {MAX_CSV_CELL:,} characters, GeoJSON nests at most {MAX_DEPTH} deep. Or the "
                     f"bytes of a GeoPackage or a zipped Shapefile (.shp, .shx, .dbf, .prj) in any CRS it declares",
           answers={200: ImportResult, 400: ImportRefused})
def import_records(name: str, kind: str, query: ImportQuery) -> Any:
    """Preview or write an upload; nothing is written unless every row and the merged scenario are valid."""
    encoding = query.encoding or request.mimetype_params.get("charset")
    preview = preview_upload(current_scenario(name), kind, request.get_data(), query.filename, encoding, field="body")
    if query.preview or not preview.ok:
        return jsonify({**preview.as_dict(), "written": False}), (200 if preview.ok else 400)
    counts = get_store().import_records(name, kind, list(preview.documents), actor=actor(), scope=user_scope())
    return jsonify({**preview.as_dict(), "written": True, **counts})


@operation(bp, f"/scenarios/<name>/export/<any({', '.join(RECORD_TYPES)}):kind>", "GET",
           summary="Download the records of one kind as CSV (what an import reads back)",
           answers={200: "the records as text/csv (UTF-8 with a byte order mark)"}, media={200: ["text/csv"]})
def export_records(name: str, kind: str) -> Any:
    """One record kind as CSV; people without names, phone and certificate numbers unless the role sees them."""
    body = "\ufeff" + shown_csv(current_scenario(name), kind)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}-{kind}.csv"})


@operation(bp, f"/scenarios/<name>/layers/<any({', '.join(LAYER_KINDS)}):kind>", "GET",
           summary="A record kind as GeoJSON", answers={200: FeatureCollection})
def layer(name: str, kind: str) -> Any:
    """One record kind as GeoJSON (bases, teams, equipment, sites, jurisdictions)."""
    return cached_json("layers", name, kind, lambda: geojson.layer(current_scenario(name), kind))


@operation(bp, "/scenarios/<name>/map.<any(png, pdf):kind>", "GET",
           summary="The Map page's view as a PNG or an A4 PDF page (layers, legend, scale bar, north arrow)",
           answers={200: "the map: image/png of width x height pixels, or a landscape A4 PDF with the CJK font"},
           media={200: ["image/png", "application/pdf"]},
           notes="Drawn on the server from the scenario's own geometries (no tiles), titled with the scenario and "
                 "the time it was made in the scenario's time zone, attributed (OpenStreetMap; Global Energy "
                 "Monitor where coal mines show). A bad bbox or an unknown layer is a 400 naming the field.")
def map_print(name: str, kind: str, query: MapPrintQuery) -> Any:
    """Return the view the Map page shows (its layers, box and filters) as a PNG or a PDF page."""
    scenario = current_scenario(name)
    layers = parse_layers(query.layers)
    bbox = parse_bbox(query.bbox)
    named = str(scenario.meta.get("title_zh") or scenario.title) if language() != "en" else scenario.title
    title = f"{named} · {gettext('Map')} · {clock.shown(clock.now(), scenario.zone)}"
    listed = {key: None if text is None else {p.strip() for p in text.split(",") if p.strip()}
              for key, text in (("tiers", query.tiers), ("team_types", query.team_types))}
    closures = None
    if query.closures:  # drawn as the closure map draws it, from the same cache
        documents = StoredDocuments(get_store(), name)
        set_name = find_set(documents, query.closures, field="closures").name
        closures = cached_for_version("closure_map", name, set_name,
                                      lambda: closure_features(scenario, documents, set_name))
    scale = 2.0  # pixels a point: the figure's text and lines at 144 dpi
    figure = map_view(scenario, layers, bbox, title=title, language=language(), width=query.width / scale,
                      height=query.height / scale, tiers=listed["tiers"], team_types=listed["team_types"],
                      closures=closures)
    headers = {"Content-Disposition": f"attachment; filename=map-{name}.{kind}"}
    if kind == "png":
        return Response(figure.png(scale), mimetype="image/png", headers=headers)
    body = map_pdf(figure, title=title, agency=str(scenario.meta.get("agency", "")), scenario=named)
    return Response(body, mimetype="application/pdf", headers=headers)


@operation(bp, "/scenarios/<name>/roads", "GET", summary="The road network for drawing",
           answers={200: FeatureCollection})
def roads(name: str) -> Any:
    """Return the road network for drawing, one MultiLineString per road class (cached per network)."""
    network = network_for(current_scenario(name))
    key = network.fingerprint()
    if key not in _roads_cache:
        _roads_cache[key] = json_bytes(geojson.roads(network))
    return json_answer(_roads_cache[key])


@operation(bp, "/labels", "GET", summary="Chinese and English labels of coded values", answers={200: Labels})
def labels() -> Any:
    """Chinese and English labels of coded values."""
    return jsonify(geojson.labels())


@operation(bp, "/audit", "GET", summary="The audit log, newest first", answers={200: AuditLog})
def audit(query: AuditQuery) -> Any:
    """Who changed what, when, with the record before and after (a person's without personal data, by role)."""
    return jsonify({"entries": shown_audit(get_store().audit_log(scenario=query.scenario, limit=query.limit))})


@operation(bp, "/users", "GET", summary="Accounts (admin)", permission="manage_users", answers={200: UserList})
def users() -> Any:
    """Every account, without password hashes."""
    return jsonify({"users": accounts.managed(get_store(), user_scope(), accounts.list_users(get_store()))})


@operation(bp, "/users", "POST", summary="Create an account (admin)", permission="manage_users",
           answers={201: UserAnswer})
def create_user(json: NewUser) -> Any:
    """Create an account."""
    return jsonify(accounts.create_user(get_store(), json.username, json.password, json.role.value,
                                        jurisdiction=json.jurisdiction, scope=user_scope())), 201
