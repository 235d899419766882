"""Inventory pages: list, create, edit, delete and import every record kind (bases, teams, people, equipment, ...).

Forms are generated from the record types, with the same cell conventions as the CSV files (lists with
``;``, capabilities ``key:value;key:value``), so what a planner types is read exactly like an imported
file. A failed save re-renders the form with everything the user typed and the error next to its
field; an edit made by someone else in the meantime gives a conflict message, never an overwrite.
People are listed without names and phone numbers to readers who may not see personal data
(:mod:`web.privacy`). The teams tab shows, for a chosen time (``?at=``), each team's people on duty,
what it can staff against what it declares and why (the one availability function); the upkeep board
(``/inventory/upkeep``) lists inspections due, equipment down, and stock and certificates expiring.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from planner.errors import InputError
from planner.model.codes import label
from planner.model.personnel import PERSONAL_FIELDS
from planner.model.reading import ENCODINGS, decode, parse_json
from planner.model.records import RECORD_TYPES
from planner.scenario.files import STRUCTURED_FIELDS, csv_cells, record_cell, records_csv
from planner.scenario.importing import preview_import, preview_upload
from planner.scenario.jurisdictions import record_jurisdiction
from planner.scenario.layerfiles import is_layer_file
from planner.store.database import AGREEMENTS, ConflictError
from web.auth import actor, require, user_scope
from web.availability import moment_of, scenario_availability, scenario_upkeep
from web.i18n import language, localized, phrase
from web.privacy import sees_personal_data, shown_csv, shown_record
from web.scenarios import current_scenario
from web.store import get_store

bp = Blueprint("inventory", __name__, url_prefix="/inventory")
KINDS = {"bases": phrase("Bases"), "teams": phrase("Teams"), "people": phrase("People"),
         "shifts": phrase("Duty roster"), "equipment": phrase("Equipment"), "depots": phrase("Depots"),
         "stocks": phrase("Stocks"),
         "sites": phrase("Hazard sites"), "jurisdictions": phrase("Jurisdictions"),
         "standards": phrase("Standards"), AGREEMENTS: phrase("Agreements")}
LIST_COLUMNS = {
    "bases": ["id", "name", "name_zh", "tier", "jurisdiction", "operator"],
    "teams": ["id", "name", "team_type", "base", "members", "squads", "turnout_min", "availability"],
    "people": ["id", "team", "name", "name_zh", "role", "squad", "qualifications", "phone"],
    "shifts": ["id", "team", "kind", "people", "starts", "hours", "every_h", "until"],
    "equipment": ["id", "kind", "name", "quantity", "capabilities", "base", "team", "asset_number", "status",
                  "last_inspected", "inspection_days"],
    "depots": ["id", "name", "name_zh", "jurisdiction", "operator", "turnout_min"],
    "stocks": ["id", "depot", "material", "name", "quantity", "unit", "unit_price", "expires"],
    "sites": ["id", "name", "kind", "risk_grade", "hazard_level", "jurisdiction"],
    "jurisdictions": ["id", "name", "name_zh", "level", "parent"],
    "standards": ["id", "name", "capability", "max_min", "site_kinds", "min_share"],
    AGREEMENTS: ["id", "lender", "borrower", "fixed_cost", "cost_per_travel_min"],
}
_LABELLED = {"tier": "tier", "team_type": "team_type", "risk_grade": "risk_grade", "level": "jurisdiction_level",
             "role": "role", "status": "equipment_status", "availability": "availability", "readiness": "readiness",
             "hazard_level": "hazard_level"}
"""The label table's field (:data:`planner.model.codes.LABELS`) of a coded column, whatever the kind."""
_KIND_LABELLED = {"sites": "site_kind", "shifts": "shift_kind"}
"""The label table's field of the ``kind`` column, per record kind (equipment kinds are open text)."""


def _label_field(kind: str, column: str) -> str | None:
    """Return the label table's field of ``column`` in records of ``kind``, or None when it is not coded."""
    return _KIND_LABELLED.get(kind) if column == "kind" else _LABELLED.get(column)


@dataclass(frozen=True)
class FormField:
    """One input of a record form."""

    name: str
    widget: str
    choices: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    coded: str = ""
    """The label table's field for the choices' labels (:func:`planner.model.codes.label`), if any."""


def form_fields(kind: str) -> list[FormField]:
    """Return the inputs for a record kind, derived from its type."""
    if kind == AGREEMENTS:
        return [FormField("id", "text", required=True), FormField("document", "json", required=True,
                                                                  help="the whole agreement as JSON")]
    fields = []
    declared = dict(RECORD_TYPES[kind].model_fields)
    if "crs" in declared:  # the datum of the point right after lon and lat
        names = [n for n in declared if n != "crs"]
        names.insert(names.index("lat") + 1, "crs")
        declared = {n: declared[n] for n in names}
    for name, info in declared.items():
        enum = next((a for a in (info.annotation, *get_args(info.annotation)) if isinstance(a, type)
                     and issubclass(a, Enum)), None)
        if name == "geometry":
            fields.append(FormField(name, "json", help="GeoJSON Polygon or MultiPolygon"))
        elif info.annotation is bool:
            fields.append(FormField(name, "checkbox"))
        elif enum is not None and name not in ("site_kinds", "tiers"):
            fields.append(FormField(name, "select", tuple(e.value for e in enum), info.is_required(),
                                    coded=_label_field(kind, name) or name))
        else:
            hint = {"capabilities": "key:value;key:value" if kind == "teams" else "tag;tag",
                    "standards": "id;id", "site_kinds": "kind;kind", "tiers": "tier;tier", "people": "id;id",
                    "starts": "2026-07-01T08:00", "until": "2026-12-31T08:00"}.get(name, "")
            if (kind, name) in STRUCTURED_FIELDS:
                hint = "|".join(STRUCTURED_FIELDS[(kind, name)]) + ";…"
            fields.append(FormField(name, "text", required=info.is_required(), help=hint or (info.description or "")))
    return fields


def _scenario_name() -> str:
    return request.values.get("scenario") or current_app.config["DEFAULT_SCENARIO"]


def _kind(kind: str) -> str:
    if kind not in KINDS:
        abort(404, description=f"no inventory kind {kind!r}")
    return kind


def _version(text: str) -> int | None:
    """Return the version a form sent (ASCII digits), or None when it is missing or not a number."""
    return int(text) if text.isascii() and text.isdigit() else None


def _values_of(kind: str, data: dict[str, Any]) -> dict[str, str]:
    """Form values (text) of a stored record."""
    if kind == AGREEMENTS:
        return {"id": str(data.get("id", "")), "document": json.dumps(data, ensure_ascii=False, indent=2)}
    return {k: (json.dumps(v, ensure_ascii=False) if k == "geometry" and v else record_cell(kind, k, v))
            for k, v in data.items()}


def _data_from_form(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """Record data from submitted form text, read like a CSV row."""
    if kind == AGREEMENTS:
        document = parse_json(form.get("document") or "{}", "the agreement", field="document")
        if not isinstance(document, dict):
            raise InputError("the agreement must be a JSON object", field="document")
        return {**document, "id": form.get("id", document.get("id", ""))}
    names = [f.name for f in form_fields(kind)]
    row = {n: form.get(n, "") for n in names if n != "geometry"}
    for f in form_fields(kind):
        if f.widget == "checkbox":
            row[f.name] = "true" if form.get(f.name) else "false"
    data = csv_cells(kind, row)
    if form.get("geometry", "").strip():
        data["geometry"] = parse_json(form["geometry"], "geometry", field="geometry", language="GeoJSON")
    return data


@bp.get("/")
@require("view")
def index() -> str:
    """Tables of every record kind, one tab per kind."""
    name = _scenario_name()
    kind = _kind(request.args.get("kind", "teams"))
    scenario = current_scenario(name)
    versions = get_store().record_versions(name, kind)
    rows = (list(scenario.agreements) if kind == AGREEMENTS
            else [shown_record(kind, r.model_dump(mode="json")) for r in scenario.records(kind)])
    columns = LIST_COLUMNS[kind]
    if kind == "people" and not sees_personal_data():
        columns = [c for c in columns if c not in PERSONAL_FIELDS]
    table = [[_display(kind, c, row.get(c)) for c in columns] for row in rows]
    at = request.args.get("at", "")
    available = _team_availability(name, at) if kind == "teams" and at else None
    scope = user_scope()
    editable = {str(row.get("id")) for row in rows
                if scope.holds(scenario, record_jurisdiction(scenario, kind, row))}  # the rest is read as a viewer
    return render_template("inventory.html", scenario=scenario, scenarios=get_store().list_scenarios(), kind=kind,
                           kinds=KINDS, columns=columns, rows=list(zip(rows, table, strict=True)), versions=versions,
                           at=at, available=available, editable=editable)


def _team_availability(name: str, at: str) -> dict[str, dict[str, Any]]:
    """Return each team's availability at ``at`` as the teams tab shows it: on duty, can staff, flags, state."""
    report = scenario_availability(name, moment_of(name, at))
    declared = {t.id: list(t.capabilities) for t in current_scenario(name).teams}
    shown = {}
    for team in report.teams:
        staff = [f"{c} {team.capabilities.get(c, 0)}/{team.nominal.get(c, 0)}" for c in declared[team.id]]
        state = "out" if team.not_responding else "below" if any(
            team.capabilities.get(c, 0) < team.nominal.get(c, 0) for c in declared[team.id]) else ""
        shown[team.id] = {"on_duty": "—" if team.on_duty is None else f"{team.on_duty}/{team.people}",
                          "staff": "; ".join(staff), "state": state,
                          "flags": [f"[{f.rule}] {f.message}" for f in team.flags],
                          "type": f"{team.declared_type or '—'} → {team.met_type or '—'}"
                          if team.declared_type is not None else ""}
    return shown


def _display(kind: str, column: str, value: Any) -> str:
    coded = _label_field(kind, column)
    if coded is not None and value is not None:
        return label(coded, value, language())
    if kind == "people" and column == "qualifications" and isinstance(value, list):
        return "; ".join(f"{label('qualification', q.get('kind'), language())} → {q.get('expires') or '∞'}"
                         for q in value if isinstance(q, dict))
    return record_cell(kind, column, value)


def _render_form(kind: str, values: dict[str, str], *, record_id: str | None, version: int | None,
                 error: InputError | None = None, status: int = 200) -> tuple[str, int]:
    scenario = current_scenario(_scenario_name())
    return render_template("record_form.html", scenario=scenario, kind=kind, kinds=KINDS, fields=form_fields(kind),
                           values=values, record_id=record_id, version=version, error=error,
                           error_field=(error.field or "").split(".")[0] if error else None), status


@bp.route("/<kind>/new", methods=["GET", "POST"])
@require("edit_inventory")
def create(kind: str) -> Any:
    """Show a blank form; on save, the record is created if the whole scenario stays valid."""
    kind = _kind(kind)
    if request.method == "GET":
        return _render_form(kind, {}, record_id=None, version=None)
    form = request.form.to_dict()
    try:
        get_store().put_record(_scenario_name(), kind, _data_from_form(kind, form), actor=actor(), scope=user_scope())
    except InputError as error:
        return _render_form(kind, form, record_id=None, version=None, error=error, status=400)
    flash(gettext("Created %(kind)s %(id)s.", kind=gettext(KINDS[kind]), id=form.get("id")), "info")
    return redirect(url_for("inventory.index", scenario=_scenario_name(), kind=kind))


@bp.route("/<kind>/<record_id>/edit", methods=["GET", "POST"])
@require("edit_inventory")
def edit(kind: str, record_id: str) -> Any:
    """Edit a record; the version read with the form detects someone else's change in between."""
    kind = _kind(kind)
    store = get_store()
    if request.method == "GET":
        data, version = store.get_record(_scenario_name(), kind, record_id)
        return _render_form(kind, _values_of(kind, data), record_id=record_id, version=version)
    form = request.form.to_dict()
    version_text = form.pop("version", "")
    sent = _version(version_text)
    try:
        if sent is None:
            raise InputError("the form lost its version number; reload the record", field="version")
        data = {**_data_from_form(kind, form), "id": record_id}
        store.put_record(_scenario_name(), kind, data, expected_version=sent, actor=actor(), scope=user_scope())
    except ConflictError as error:
        return _render_form(kind, form, record_id=record_id, version=sent, error=error, status=409)
    except InputError as error:
        return _render_form(kind, form, record_id=record_id, version=sent, error=error, status=400)
    flash(gettext("Saved %(kind)s %(id)s.", kind=gettext(KINDS[kind]), id=record_id), "info")
    return redirect(url_for("inventory.index", scenario=_scenario_name(), kind=kind))


@bp.post("/<kind>/<record_id>/delete")
@require("edit_inventory")
def delete(kind: str, record_id: str) -> Response:
    """Delete a record unless others refer to it; the reason is shown when refused."""
    kind = _kind(kind)
    version = request.form.get("version", "")
    try:
        if version and _version(version) is None:
            raise InputError(f"the form's version {version!r} is not a number; reload the list", field="version")
        get_store().delete_record(_scenario_name(), kind, record_id,
                                  expected_version=_version(version), actor=actor(), scope=user_scope())
        flash(gettext("Deleted %(kind)s %(id)s.", kind=gettext(KINDS[kind]), id=record_id), "info")
    except InputError as error:
        flash(gettext("Not deleted: %(error)s", error=localized(error)), "error")
    return redirect(url_for("inventory.index", scenario=_scenario_name(), kind=kind))


@bp.route("/<kind>/import", methods=["GET", "POST"])
@require("edit_inventory")
def import_file(kind: str) -> Any:
    """Upload CSV or GeoJSON, see every row checked, then confirm to write all rows at once."""
    kind = _kind(kind)
    if kind == AGREEMENTS:
        abort(404, description="agreements are imported with the scenario folder (agreements.json)")
    scenario = current_scenario(_scenario_name())
    context = {"scenario": scenario, "kind": kind, "kinds": KINDS, "preview": None, "text": "", "filename": "",
               "encodings": ENCODINGS, "encoding": request.form.get("encoding") or ENCODINGS[0]}
    if request.method == "GET":
        return render_template("import.html", **context)
    upload = request.files.get("file")
    text = request.form.get("text", "")
    filename = request.form.get("filename", "upload")
    try:
        if upload is not None and upload.filename:
            filename, data = upload.filename, upload.read()
            if is_layer_file(data, filename):  # a GIS file: its checked rows are confirmed as the CSV they make
                preview = context["preview"] = preview_upload(scenario, kind, data, filename)
                context.update(filename=filename, text=records_csv(kind, preview.documents))
                return render_template("import.html", **context), (200 if preview.ok else 400)
            text = decode(data, filename, request.form.get("encoding"))
        context.update(text=text, filename=filename)
        preview = context["preview"] = preview_import(scenario, kind, text, filename)
        if request.form.get("confirm") == "yes" and preview.ok:
            counts = get_store().import_records(scenario.name, kind, list(preview.documents), actor=actor(),
                                                scope=user_scope())
            flash(gettext("Imported %(kind)s: %(created)s new, %(updated)s updated.", kind=gettext(KINDS[kind]),
                          created=counts["created"], updated=counts["updated"]), "info")
            return redirect(url_for("inventory.index", scenario=scenario.name, kind=kind))
    except InputError as error:
        flash(localized(error), "error")
        return render_template("import.html", **context), 400
    return render_template("import.html", **context), (200 if preview.ok else 400)


@bp.get("/<kind>/export.csv")
@require("view")
def export_file(kind: str) -> Response:
    """Download one record kind as CSV, as the reader may see it (no names for viewers and dispatchers)."""
    kind = _kind(kind)
    if kind == AGREEMENTS:
        abort(404, description="agreements are exported with the scenario folder (agreements.json)")
    name = _scenario_name()
    return Response("\ufeff" + shown_csv(current_scenario(name), kind), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}-{kind}.csv"})


@bp.get("/upkeep")
@require("view")
def upkeep() -> str:
    """Show the upkeep board: inspections due and overdue, equipment down, stock and certificates expiring."""
    name = _scenario_name()
    scenario = current_scenario(name)
    board = scenario_upkeep(name, request.args.get("day") or None)
    names = {p.id: f"{p.name_zh or p.name} ({p.id})" for p in scenario.people} if sees_personal_data() else {}
    sections = [("inspections", phrase("Inspections due and overdue")),
                ("equipment_down", phrase("Equipment not in service")),
                ("stock", phrase("Stock expired or expiring")), ("certificates", phrase("Certificates expiring"))]
    return render_template("upkeep.html", scenario=scenario, scenarios=get_store().list_scenarios(), kinds=KINDS,
                           board=board, sections=sections, names=names)
