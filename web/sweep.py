"""The scenario sweep page: thousands of random incidents drawn by risk, run as a background job."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from web.auth import require
from web.scenarios import current_scenario
from web.store import get_store

bp = Blueprint("sweep", __name__)


@bp.get("/sweep")
@require("view")
def page() -> str:
    """Start a sweep, watch its progress, read the summary."""
    scenario = current_scenario(request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"])
    return render_template("sweep.html", scenario=scenario, scenarios=get_store().list_scenarios())
