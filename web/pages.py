"""Server-rendered pages; each page fetches its data from the JSON API."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from planner.scenario.mapview import colours
from web.auth import require
from web.scenarios import current_scenario
from web.store import get_store

bp = Blueprint("pages", __name__)


def _scenario_name() -> str:
    return request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"]


@bp.app_template_global("map_colours")
def map_colours() -> dict[str, list[tuple[str, str]]]:
    """Return the colours of risk grades and tiers that every page's scripts draw with (``Planner.RISK``, ``TIER``)."""
    return colours()


@bp.get("/")
@require("view")
def index() -> Response:
    """Start on the map of the default scenario."""
    return redirect(url_for("pages.map_page", scenario=_scenario_name()))


@bp.get("/map")
@require("view")
def map_page() -> str:
    """Render the map: bases, teams, equipment, sites, jurisdictions over the road network."""
    scenario = current_scenario(_scenario_name())
    return render_template("map.html", scenario=scenario, scenarios=get_store().list_scenarios())
