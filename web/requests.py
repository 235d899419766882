"""Requests for help across jurisdictions: the board, a request's detail with its timeline and map, the claims.

- ``GET /requests?scenario=NAME``: the board (awaiting my approval, outgoing, incoming) and a new request.
- ``GET /requests/<id>?scenario=NAME``: a request's state, proposal, units, timeline, claim, the map of who
  moves where, and the actions the user may take.
- ``GET /claims?scenario=NAME``: the claims, with CSV and PDF per payer.
- The API under ``/api/v1/scenarios/<name>/requests`` and ``/claims`` (documented in the OpenAPI document).

Every door goes through :mod:`planner.requests` with the signed-in user's scope: a request the user may
not see is a 404, an action without authority a 403, a stale version a 409.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from planner.dispatch.requests import incident_library
from planner.errors import InputError
from planner.model.codes import label
from planner.model.records import Jurisdiction
from planner.model.validation import located_error
from planner.requests import service
from planner.requests.claims import claims_csv, claims_pdf
from planner.requests.model import MONEY_ACTIONS, TRANSITIONS, ActionEntry, RequestEntry, is_exercise
from planner.scenario.model import Scenario
from planner.store.database import ConflictError
from web.auth import require, user_scope
from web.i18n import language, localized
from web.openapi import operation
from web.scenarios import current_scenario
from web.schemas.requests import ClaimList, ClaimsQuery, RequestAnswer, RequestBoard, RequestList
from web.store import get_store

bp = Blueprint("requests", __name__)
API = "/api/v1/scenarios/<name>"


# ----------------------------------------------------------------------------------------------------
# API


@operation(bp, f"{API}/requests", "GET", summary="Requests for help you may see, newest first",
           answers={200: RequestList})
def list_requests(name: str) -> Any:
    """Return the requests the signed-in user may see."""
    return jsonify({"requests": service.list_requests(get_store(), name, user_scope())})


@operation(bp, f"{API}/requests/board", "GET", summary="Your requests board: awaiting approval, outgoing, incoming",
           answers={200: RequestBoard})
def board(name: str) -> Any:
    """Return the requests sorted for the user's board."""
    requests = service.list_requests(get_store(), name, user_scope())
    return jsonify(service.board(requests, current_scenario(name), user_scope()))


@operation(bp, f"{API}/requests", "POST", summary="Ask for help: the request with its proposal (who should lend)",
           permission="handle_requests", answers={201: RequestAnswer},
           notes="The requesting jurisdiction must be yours (or below it). The proposal is the dispatch optimiser "
                 "over the lenders allowed at the level above it, with travel time, agreement and cost.")
def create_request(name: str, json: RequestEntry) -> Any:
    """Store a new request with its proposal."""
    return jsonify(service.create_request(get_store(), name, json, user_scope())), 201


@operation(bp, f"{API}/requests/<request_id>", "GET", summary="A request: state, proposal, units, timeline, claim",
           answers={200: RequestAnswer})
def get_request(name: str, request_id: str) -> Any:
    """Return one request (404 if you may not see it)."""
    return jsonify(service.get_request(get_store(), name, request_id, user_scope()))


@operation(bp, f"{API}/requests/<request_id>/actions", "POST", summary="Take an action on a request",
           permission="handle_requests",
           answers={200: RequestAnswer, 409: "the request changed since you read it (another approver acted)"},
           notes="approve, amend and escalate: the approver at the request's level; offer, decline, depart, arrive, "
                 "return and claim: the lender of the units; accept and release: the requester; dispute and settle: "
                 "the payer's side. Send the version you read to be sure nobody acted in between.")
def request_action(name: str, request_id: str, json: ActionEntry) -> Any:
    """Apply one action to a request."""
    return jsonify(service.act(get_store(), name, request_id, json, user_scope()))


@operation(bp, f"{API}/claims", "GET", summary="Claims of the requests you may see", answers={200: ClaimList})
def claims(name: str) -> Any:
    """Return each claimed request's claim summary."""
    return jsonify({"claims": _claim_rows(name)})


@operation(bp, f"{API}/claims/export.csv", "GET", summary="Claims as CSV (the ledger's lines), per payer",
           answers={200: "the claims as text/csv"}, media={200: ["text/csv"]})
def claims_export_csv(name: str, query: ClaimsQuery) -> Any:
    """Return the claims' lines as CSV, only the payer's when one is named."""
    text = claims_csv(_claimed(name), query.payer)
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=claims-{name}.csv"})


@operation(bp, f"{API}/claims/export.pdf", "GET", summary="Claims as PDF, per payer",
           answers={200: "the claims as a PDF"}, media={200: ["application/pdf"]})
def claims_export_pdf(name: str, query: ClaimsQuery) -> Any:
    """Return the claims as a PDF, only the payer's when one is named."""
    agency = str(current_scenario(name).meta.get("agency", ""))
    return Response(claims_pdf(_claimed(name), query.payer, title=query.payer or name, agency=agency),
                    mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=claims-{name}.pdf"})


def _claimed(name: str) -> list[dict[str, Any]]:
    return [r for r in service.list_requests(get_store(), name, user_scope()) if r.get("claim")]


def _claim_rows(name: str) -> list[dict[str, Any]]:
    return [{"request": r["id"], "jurisdiction": r["jurisdiction"], "state": r["state"],
             "status": r["claim"]["status"], "total": r["claim"]["total"],
             "totals_by_payer": r["claim"]["totals_by_payer"]} for r in _claimed(name)]


# ----------------------------------------------------------------------------------------------------
# Pages


def _scenario_name() -> str:
    return request.values.get("scenario") or current_app.config["DEFAULT_SCENARIO"]


def own_jurisdictions(scenario: Scenario) -> list[Jurisdiction]:
    """Return the jurisdictions the signed-in user may ask for help for: theirs and those below it."""
    scope = user_scope()
    return [j for j in scenario.jurisdictions if scope.holds(scenario, j.id)]


@bp.get("/requests")
@require("view")
def board_page() -> str:
    """Render the requests board of the user's jurisdiction, with the form for a new request."""
    name = _scenario_name()
    scenario = current_scenario(name)
    scope = user_scope()
    requests = service.list_requests(get_store(), name, scope)
    return render_template("requests.html", scenario=scenario, scenarios=get_store().list_scenarios(),
                           board=service.board(requests, scenario, scope),
                           jurisdictions=own_jurisdictions(scenario),
                           types=[(t.id, t.name if language() == "en" else t.name_zh or t.name)
                                  for t in sorted(incident_library().values(), key=lambda t: t.id)])


@bp.post("/requests/new")
@require("handle_requests")
def create_page() -> BaseResponse:
    """Create a request from the board's form and show it."""
    name = _scenario_name()
    form = request.form
    try:
        entry = _entry_from_form(form)
        created = service.create_request(get_store(), name, entry, user_scope())
    except (ValidationError, InputError) as error:
        flash(gettext("Not sent: %(error)s", error=localized(error)), "error")
        return redirect(url_for("requests.board_page", scenario=name))
    flash(gettext("Request %(id)s sent to %(level)s.", id=created["id"], level=created["level"]), "info")
    return redirect(url_for("requests.detail_page", request_id=created["id"], scenario=name))


def _entry_from_form(form: Any) -> RequestEntry:
    """Read a new-request form (one need; the drill's, or a place) as the API's body is read; errors name the field."""
    try:
        data: dict[str, Any] = {
            "jurisdiction": form.get("jurisdiction", ""),
            "needs": [{"capability": form.get("capability", ""), "quantity": int(form.get("quantity", "")),
                       "deadline_min": float(form.get("deadline_min", ""))}]}
        if form.get("drill"):  # a drill's exercise: the drill's site is the incident
            data["drill"] = form["drill"]
        else:
            data["incident"] = {"lon": float(form.get("lon", "")), "lat": float(form.get("lat", "")),
                                "type": form.get("type") or None, "responsible_unit": form.get("responsible_unit", "")}
    except ValueError:
        raise InputError("lon, lat, quantity and deadline must be numbers", field="incident") from None
    try:
        return RequestEntry.model_validate(data)
    except ValidationError as error:
        raise located_error(error, ()) from None


@bp.get("/requests/<request_id>")
@require("view")
def detail_page(request_id: str) -> str:
    """Render a request: its state, proposal, units, timeline, claim, map and the actions open to the user."""
    name = _scenario_name()
    scenario = current_scenario(name)
    found = service.get_request(get_store(), name, request_id, user_scope())
    bases = scenario.by_id("bases")
    teams = scenario.by_id("teams")
    moves = []
    for row in [*found["proposal"]["lenders"], *found["units"]]:
        team = teams.get(row["unit"])
        if team is not None:
            base = bases[team.base]  # type: ignore[attr-defined]
            status = row.get("status", "proposed")
            moves.append({"unit": row["unit"], "lender": row["lender"], "lon": base.lon,  # type: ignore[attr-defined]
                          "lat": base.lat, "status": status,  # type: ignore[attr-defined]
                          "status_label": label("unit_status", status, language())})
    actions = [a for a, t in TRANSITIONS.items() if found["state"] in t.sources
               and not (is_exercise(found) and a in MONEY_ACTIONS)]
    return render_template("request_detail.html", scenario=scenario, scenarios=get_store().list_scenarios(),
                           r=found, actions=actions, moves=moves)


@bp.post("/requests/<request_id>/act")
@require("handle_requests")
def act_page(request_id: str) -> BaseResponse:
    """Take an action from the detail page's form (units as a comma-separated list)."""
    name = _scenario_name()
    form = request.form
    units = [u.strip() for u in form.get("units", "").split(",") if u.strip()] or None
    version = form.get("version", "")
    try:
        entry = ActionEntry.model_validate({"action": form.get("action", ""), "note": form.get("note", ""),
                                            "units": units,
                                            "version": int(version) if version.isdigit() else None})
        service.act(get_store(), name, request_id, entry, user_scope())
        flash(gettext("Done: %(action)s.", action=label("request_action", entry.action, language())), "info")
    except ConflictError as error:
        flash(gettext("Conflict: %(error)s", error=localized(error)), "error")
    except ValidationError as error:
        flash(gettext("Not done: %(error)s", error=localized(str(located_error(error, ())))), "error")
    except InputError as error:
        flash(gettext("Not done: %(error)s", error=localized(error)), "error")
    return redirect(url_for("requests.detail_page", request_id=request_id, scenario=name))


@bp.get("/claims")
@require("view")
def claims_page() -> str:
    """Render the claims list with CSV and PDF per payer."""
    name = _scenario_name()
    scenario = current_scenario(name)
    rows = _claim_rows(name)
    payers = sorted({p for row in rows for p in row["totals_by_payer"]})
    return render_template("claims.html", scenario=scenario, scenarios=get_store().list_scenarios(), rows=rows,
                           payers=payers)
