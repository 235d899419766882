"""Coverage page and API: sites against response standards, service areas and what-if plans.

- ``GET /coverage?scenario=NAME``: the page (map, standard picker, gap table, what-if controls).
- ``GET /coverage/report?scenario=NAME``: the coverage report as one printable HTML page (the PDF's twin).
- ``GET /coverage/print?scenario=NAME&standard=ID``: the printable map (A4 landscape), ``&format=pdf`` as a PDF.
- ``GET /api/v1/scenarios/<name>/coverage``: the coverage report (``planner.coverage.verdict``); with
  ``?at=ISO`` "available now": the teams that cannot answer at that time left out (people on duty,
  strength rules), beside the nominal shares and the checks lost (``planner.coverage.available``).
- ``GET /api/v1/scenarios/<name>/coverage/service-areas?standard=ID``: isochrones, GeoJSON.
- ``POST /api/v1/scenarios/<name>/coverage/whatif``: a plan as JSON
  ``{"committed": [...], "close_bases": [...], "move_teams": {"T": "BASE" | [lon, lat]},
  "add": {"k", "team_type", "turnout_min", "tier", "candidates": [{"id", "lon", "lat"} | {"id", "node"}]
  (or "every_town_and_site": true), "model": "mclp" | "p-median"}}`` answered with before, after and the
  changes (``planner.coverage.whatif``).

Reports and service areas are cached per scenario version.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from markupsafe import Markup

from geodata.datums import to_wgs84
from planner import clock
from planner.coverage.areas import service_area_breaks
from planner.coverage.available import coverage_now
from planner.coverage.layers import gis_layers
from planner.coverage.printout import coverage_html, coverage_map, coverage_pdf
from planner.coverage.verdict import CoverageReport as CoverageResult
from planner.coverage.verdict import coverage, service_area_features
from planner.coverage.whatif import Candidate, Plan, TeamTemplate, scenario_candidates, what_if
from planner.errors import InputError
from planner.model.codes import TeamType, Tier, label
from planner.pdf import map_pdf
from planner.scenario.interchange import zip_layers
from planner.scenario.layerfiles import geopackage_bytes
from planner.scenario.model import Scenario
from web.auth import require
from web.i18n import language
from web.openapi import operation
from web.roads import day_of, road_conditions, roads_key
from web.scenarios import cached_for_version, cached_json, current_scenario
from web.schemas.common import FeatureCollection
from web.schemas.coverage import (
    AreaBreaks,
    AreaBreaksQuery,
    CandidatePoint,
    CoverageQuery,
    CoverageReport,
    LayersQuery,
    ServiceAreaQuery,
    WhatIfAnswer,
    WhatIfPlan,
)
from web.store import get_store

bp = Blueprint("coverage", __name__)


@bp.get("/coverage")
@require("view")
def page() -> str:
    """Render the coverage page of a scenario."""
    name = request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"]
    scenario = current_scenario(name)
    return render_template(
        "coverage.html", scenario=scenario, scenarios=get_store().list_scenarios(),
        standards=scenario.standards, bases=scenario.bases,
        team_types=[(t.value, label("team_type", t, language())) for t in TeamType],
        tiers=[(t.value, label("tier", t, language())) for t in Tier],
    )


@bp.get("/coverage/report")
@require("view")
def report_page() -> str:
    """Render the coverage report as one printable HTML page (the PDF's sections, the map as SVG)."""
    scenario = current_scenario(request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"])
    return coverage_html(nominal_report(scenario), scenario, agency=str(scenario.meta.get("agency", "")))


@bp.get("/coverage/print")
@require("view")
def print_map() -> Any:
    """Render the printable coverage map (A4 landscape print CSS) of one standard, or it as a PDF (``format=pdf``).

    The map is drawn on the server from the scenario's own geometries (:func:`planner.coverage.printout.coverage_map`):
    no tiles, so it prints the same offline; the standard's service areas come from the page's cache.
    """
    scenario = current_scenario(request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"])
    standards = [s.id for s in scenario.standards]
    standard = request.args.get("standard") or (standards[0] if standards else None)
    if standard is not None and standard not in standards:
        raise InputError(f"standard: unknown id {standard!r}", field="standard", record=standard)
    report = nominal_report(scenario)
    areas = None if standard is None else free_flow_areas(scenario, standard)
    made = clock.local(clock.now(), scenario.zone).strftime("%Y-%m-%d %H:%M")
    title = " · ".join(part for part in (str(scenario.meta.get("title_zh") or scenario.title), standard, made) if part)
    figure = coverage_map(report, scenario, standard=standard, areas=areas, title=title)
    if request.args.get("format") == "pdf":
        body = map_pdf(figure, title=f"覆盖图 Coverage map · {title}", agency=str(scenario.meta.get("agency", "")),
                       scenario=str(scenario.meta.get("title_zh") or scenario.title))
        return Response(body, mimetype="application/pdf",
                        headers={"Content-Disposition": f"attachment; filename=coverage-map-{scenario.name}.pdf"})
    summary = report.standard(standard) if standard is not None else None
    return render_template("coverage_print.html", scenario=scenario, standards=standards, standard=standard,
                           summary=summary, made=made, figure_svg=Markup(figure.svg()),
                           gaps=[g for g in report.gaps if g.standard == standard])


def nominal_report(scenario: Scenario) -> CoverageResult:
    """Return the scenario's nominal coverage report (free flow, every team), once per scenario version."""
    return cached_for_version("coverage_report", scenario.name, None, lambda: coverage(scenario))


@operation(bp, "/api/v1/scenarios/<name>/coverage", "GET", summary="Coverage of every site against its standards",
           answers={200: CoverageReport})
def report(name: str, query: CoverageQuery) -> Any:
    """Coverage of every site against every standard that applies to it, under closures and a time band.

    With ``?at=`` the teams available then beside nominal coverage, both on the roads of that moment's band.
    """
    scenario = current_scenario(name)
    day = day_of(name, query.closures, query.at, query.band)
    if day.available is not None:
        return jsonify(coverage_now(scenario, day.available, roads=day.roads).to_dict())
    return cached_json("coverage", name, roads_key(query.closures, query.at, query.band),
                       lambda: coverage(scenario, roads=day.roads).to_dict())


@operation(bp, "/api/v1/scenarios/<name>/coverage/report.pdf", "GET", summary="The coverage report as a PDF",
           answers={200: "the report: A4, CJK font embedded, gap list"}, media={200: ["application/pdf"]})
def report_pdf(name: str) -> Any:
    """Return the coverage report (standards' shares and the gap list) as a printable PDF."""
    scenario = current_scenario(name)
    body = coverage_pdf(nominal_report(scenario), scenario, agency=str(scenario.meta.get("agency", "")))
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=coverage-{name}.pdf"})


@operation(bp, "/api/v1/scenarios/<name>/layers.zip", "GET", summary="Download the scenario as GIS layers",
           answers={200: "a ZIP of one file per layer"}, media={200: ["application/zip"]},
           notes="Layers for QGIS/ArcGIS, WGS-84: jurisdictions, bases, teams, equipment, sites, depots, "
                 "service_areas, service_area_breaks (5, 10, 15 and 30 minutes), coverage (every site and standard) "
                 "and gaps (the gap list), as GeoJSON or CSV with WKT.")
def gis_export(name: str, query: LayersQuery) -> Any:
    """Return the scenario's GIS layers as a ZIP of GeoJSON (``?format=geojson``) or CSV-with-WKT files."""
    body = zip_layers(scenario_layers(name), query.format)
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={name}-layers-{query.format}.zip"})


@operation(bp, "/api/v1/scenarios/<name>/export.gpkg", "GET", summary="Download the scenario as one GeoPackage",
           answers={200: "a GeoPackage (WGS-84), one layer each, QGIS styles in layer_styles"},
           media={200: ["application/geopackage+sqlite3"]},
           notes="Layers: jurisdictions, bases, teams, equipment, sites, depots, service_areas (each standard), "
                 "service_area_breaks (each base and team type at 5, 10, 15 and 30 minutes), coverage and gaps.")
def geopackage_export(name: str) -> Any:
    """Return the scenario's GIS layers as one GeoPackage file."""
    body = cached_for_version("gis_geopackage", name, None, lambda: geopackage_bytes(scenario_layers(name)))
    return Response(body, mimetype="application/geopackage+sqlite3",
                    headers={"Content-Disposition": f"attachment; filename={name}.gpkg"})


def scenario_layers(name: str) -> dict[str, Any]:
    """Return the scenario's GIS layers at free flow, once per scenario version (multi-break areas at 5/10/15/30 min).

    The layers reuse the coverage report and the service areas the pages cache; other breaks are the
    CLI's (``scenario export --breaks``) or ``coverage/service-areas/breaks``.
    """
    scenario = current_scenario(name)
    return cached_for_version("gis_layers", name, None, lambda: gis_layers(
        scenario, nominal_report(scenario), standard_areas=lambda standard: free_flow_areas(scenario, standard)))


def free_flow_areas(scenario: Scenario, standard: str) -> dict[str, Any]:
    """Return a standard's service areas at free flow, from the cache the Coverage page's map fills."""
    return cached_for_version("service_areas", scenario.name, (standard, roads_key(None, None, None)),
                              lambda: service_area_features(scenario, standard))


def minutes_of(breaks: str) -> list[float]:
    """Return the minutes of a comma-separated ``breaks`` query (checked by its schema's pattern)."""
    return [float(b) for b in breaks.split(",") if b.strip()]


@operation(bp, "/api/v1/scenarios/<name>/coverage/service-areas", "GET",
           summary="Service areas of a standard's teams, GeoJSON", answers={200: FeatureCollection})
def areas(name: str, query: ServiceAreaQuery) -> Any:
    """Service areas of the standard's teams at its minutes (``?standard=ID``)."""
    scenario = current_scenario(name)
    roads = road_conditions(name, query.closures, query.at, query.band)
    return jsonify(cached_for_version("service_areas", name,
                                      (query.standard, roads_key(query.closures, query.at, query.band)),
                                      lambda: service_area_features(scenario, query.standard, roads=roads)))


@operation(bp, "/api/v1/scenarios/<name>/coverage/service-areas/breaks", "GET",
           summary="Nested service areas per base and team type at several breaks, GeoJSON (export as is)",
           answers={200: AreaBreaks})
def area_breaks(name: str, query: AreaBreaksQuery) -> Any:
    """Service areas of each base's fastest team of a type at each break (``?team_type=fire&breaks=5,10``)."""
    scenario = current_scenario(name)
    roads = road_conditions(name, query.closures, query.at, query.band)
    bases = None if not query.bases else [b.strip() for b in query.bases.split(",") if b.strip()]
    breaks = minutes_of(query.breaks)
    key = (query.team_type.value, query.breaks, query.bases, roads_key(query.closures, query.at, query.band))
    return jsonify(cached_for_version("area_breaks", name, key, lambda: service_area_breaks(
        scenario, query.team_type.value, breaks, bases=bases, roads=roads)))


@operation(bp, "/api/v1/scenarios/<name>/coverage/whatif", "POST", summary="Coverage before and after a what-if plan",
           permission="run_whatif", answers={200: WhatIfAnswer, 422: "the selection found no solution in time"})
def whatif(name: str, json: WhatIfPlan) -> Any:
    """Coverage before and after a what-if plan, and what changed."""
    scenario = current_scenario(name)
    day = day_of(name, json.closures, json.at, json.band)  # who is on duty then, and the roads then
    result = what_if(scenario, plan_of(json, scenario), roads=day.roads, unavailable=day.out)
    return jsonify(result.to_dict(full=True))


def plan_of(body: WhatIfPlan, scenario: Scenario) -> Plan:
    """Return the planner's what-if plan of a validated request on ``scenario``."""
    moves = {team: target if isinstance(target, str) else to_wgs84(target[0], target[1], body.crs)
             for team, target in body.move_teams.items()}
    if body.add is None:
        return Plan(committed=tuple(body.committed), close_bases=tuple(body.close_bases), move_teams=moves)
    add = body.add
    candidates = scenario_candidates(scenario) if add.candidates is None else tuple(
        Candidate(item.id or f"c{i + 1}", lon=item.lon, lat=item.lat) if isinstance(item, CandidatePoint)
        else Candidate(item.id or f"c{i + 1}", node=item.node)
        for i, item in enumerate(add.candidates))
    template = TeamTemplate(add.team_type, turnout_min=add.turnout_min, tier=add.tier)
    return Plan(committed=tuple(body.committed), close_bases=tuple(body.close_bases), move_teams=moves, add_k=add.k,
                candidates=candidates, template=template, model=add.model)
