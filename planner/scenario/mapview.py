"""The Map page's current view as a printable figure: the layers switched on, the extent, legend and attribution.

The page sends what it shows (the layers on, the box in view, the tiers and team types its filters keep);
this module checks those, reads the scenario's own geometries and returns one
:class:`planner.mapfigure.MapFigure`, which renders it as PNG, as a PDF page (:func:`planner.pdf.map_pdf`)
or as SVG. Sites are coloured by risk grade and bases by tier, as on the page; the legend names them in the
asked language from the one label table (:func:`planner.model.codes.label`). The attribution says whose
data is shown: the roads are OpenStreetMap's, and coal mines (the ``coal_mine`` sites of e.g. the
``shanxi-coal`` scenario) come from Global Energy Monitor under CC BY 4.0.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from geodata.network import RoadNetwork
from planner.errors import InputError
from planner.mapfigure import OSM_ATTRIBUTION, MapFigure, MapLayer, clip_to
from planner.model.codes import RiskGrade, SiteKind, Tier, label
from planner.model.records import HazardSite
from planner.scenario.geojson import roads
from planner.scenario.model import Scenario
from planner.scenario.network import network_for

MAIN_ROADS = frozenset({"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
                        "secondary_link"})
"""Road classes a report's map draws (the others would hide the sites at a report's scale)."""
MAP_LAYERS = ("roads", "jurisdictions", "sites", "bases")
"""The layers of the Map page that print, drawn in this order (the page's own order, bottom to top)."""
RISK_COLOURS = {RiskGrade.RED: "#d7191c", RiskGrade.ORANGE: "#fd8d3c", RiskGrade.YELLOW: "#f2c500",
                RiskGrade.BLUE: "#2c7bb6"}
"""A site's colour by risk grade, on the printed map and on the pages (``Planner.RISK``, from :func:`colours`)."""
TIER_COLOURS = {Tier.NATIONAL: "#6a1b9a", Tier.REGIONAL: "#1565c0", Tier.LOCAL: "#2e7d32",
                Tier.ENTERPRISE: "#ef6c00", Tier.VOLUNTEER: "#00897b"}
"""A base's colour by tier, on the printed map and on the pages (``Planner.TIER``, from :func:`colours`)."""
CLOSURE_STYLES: dict[str, dict[str, Any]] = {
    "closure": {"stroke": "#c62828", "fill": "#e57373", "opacity": 0.2, "width": 0.8},
    "closed": {"stroke": "#c62828", "width": 2.0},
    "slowed": {"stroke": "#ef6c00", "width": 2.0},
}
"""How a closure set's features are drawn, by role: as the Map page draws them (``PlannerRoads.closureStyle``)."""
GEM_ATTRIBUTION = "Global Energy Monitor, CC BY 4.0"
"""Credit owed wherever coal mines (from GEM's Global Coal Mine Tracker) are shown."""


def colours() -> dict[str, list[tuple[str, str]]]:
    """Return the colours of risk grades and tiers as ordered (code, ``#rrggbb``) pairs, for the page scripts."""
    return {"risk_grade": [(grade.value, colour) for grade, colour in RISK_COLOURS.items()],
            "tier": [(tier.value, colour) for tier, colour in TIER_COLOURS.items()]}


def main_roads(scenario: Scenario, focus: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Return the scenario's main roads (:data:`MAIN_ROADS`) as one geometry cut to around ``focus`` (none: nothing)."""
    return clip_to(_merged_main_roads(network_for(scenario)), focus)


_merged: weakref.WeakKeyDictionary[RoadNetwork, list[BaseGeometry]] = weakref.WeakKeyDictionary()


def _merged_main_roads(network: RoadNetwork) -> list[BaseGeometry]:
    """Return the network's main roads merged into one geometry, once per network (0.1-0.2 s on Jinan)."""
    if network not in _merged:
        lines = [shapely.geometry.shape(f["geometry"]) for f in roads(network)["features"]
                 if f["properties"]["highway"] in MAIN_ROADS]
        _merged[network] = [shapely.line_merge(shapely.union_all(lines))] if lines else []
    return _merged[network]


def credits(sites: Iterable[HazardSite]) -> str:
    """Return a map's attribution: OpenStreetMap (roads), and Global Energy Monitor where ``sites`` hold a coal mine."""
    coal = any(site.kind is SiteKind.COAL_MINE for site in sites)
    return "; ".join([OSM_ATTRIBUTION, *([GEM_ATTRIBUTION] if coal else [])])


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Return ``west,south,east,north`` (degrees, WGS-84) as numbers, or say what is wrong with it (field ``bbox``)."""
    parts = [p.strip() for p in text.split(",")]
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"bbox: must be four numbers west,south,east,north; got {text!r}", field="bbox") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise InputError(f"bbox: must be finite numbers; got {text!r}", field="bbox")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InputError(f"bbox: must be west < east within -180..180 and south < north within -90..90; got {text!r}",
                         field="bbox")
    return west, south, east, north


def parse_layers(text: str) -> tuple[str, ...]:
    """Return the comma-separated layer names in drawing order, or say which is unknown (field ``layers``)."""
    asked = {p.strip() for p in text.split(",") if p.strip()}
    unknown = sorted(asked - set(MAP_LAYERS))
    if unknown:
        raise InputError(f"layers: unknown value {', '.join(map(repr, unknown))}; known: {', '.join(MAP_LAYERS)}",
                         field="layers")
    return tuple(name for name in MAP_LAYERS if name in asked)


def map_view(scenario: Scenario, layers: Collection[str], bbox: tuple[float, float, float, float], *, title: str,
             language: str, width: float, height: float, tiers: Collection[str] | None = None,
             team_types: Collection[str] | None = None, closures: Mapping[str, Any] | None = None,
             font: str = "Helvetica") -> MapFigure:
    """Return the figure of the view: ``layers`` (of :data:`MAP_LAYERS`) inside ``bbox``, ``width`` x ``height`` points.

    ``tiers`` and ``team_types`` keep the bases the page's filters keep (None: all): a base shows when its
    tier is kept and it has a kept team type or no team at all. ``closures`` is the closure set the page
    shows, as :func:`planner.roads.conditions.closure_features` draws it: its areas, the roads it closes
    (red) and slows (orange), over the roads and under the sites.
    """
    box = shapely.box(*bbox)
    drawn: list[MapLayer] = []
    if "jurisdictions" in layers:
        regions = [shapely.geometry.shape(j.geometry) for j in scenario.jurisdictions
                   if j.geometry]
        drawn.append(MapLayer(label("map_layer", "jurisdictions", language), clip_to(regions, [box]),
                              stroke="#5d6d7e", fill="#5d6d7e", opacity=0.05, width=0.8))
    if "roads" in layers:
        lines = [shapely.geometry.shape(f["geometry"]) for f in roads(network_for(scenario))["features"]]
        drawn.append(MapLayer(label("map_layer", "roads", language), clip_to(lines, [box], margin=0.05),
                              stroke="#9e9e9e", width=0.4))
    for role, style in CLOSURE_STYLES.items():
        shapes = [shapely.geometry.shape(f["geometry"]) for f in (closures or {}).get("features", [])
                  if f.get("geometry") and f.get("properties", {}).get("role") == role]
        if shapes:
            drawn.append(MapLayer(label("map_layer", role, language), clip_to(shapes, [box], margin=0.05), **style))
    shown: list[HazardSite] = []
    if "sites" in layers:
        shown = [s for s in scenario.sites if box.covers(shapely.Point(s.lon, s.lat))]
        for grade, colour in RISK_COLOURS.items():
            points = [shapely.Point(s.lon, s.lat) for s in shown if s.risk_grade is grade]
            if points:
                name = f"{label('map_layer', 'sites', language)}: {label('risk_grade', grade, language)}"
                drawn.append(MapLayer(name, points, stroke="#222222", fill=colour, radius=3.2))
    if "bases" in layers:
        kinds: dict[str, set[str]] = {}
        for team in scenario.teams:
            kinds.setdefault(team.base, set()).add(team.team_type.value)
        for tier, colour in TIER_COLOURS.items():
            if tiers is not None and tier.value not in tiers:
                continue
            points = [shapely.Point(b.lon, b.lat) for b in scenario.bases if b.tier is tier
                      and (team_types is None or not kinds.get(b.id) or kinds[b.id] & set(team_types))]
            if points:
                name = f"{label('map_layer', 'bases', language)}: {label('tier', tier, language)}"
                drawn.append(MapLayer(name, points, stroke="#222222", fill=colour, radius=3.0, marker="square"))
    return MapFigure(drawn, title=title, width=width, height=height, attribution=credits(shown), font=font,
                     focus=[box])

