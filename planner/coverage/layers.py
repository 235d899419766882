"""A scenario and its coverage as GIS layers: records, service areas, coverage verdicts and the gap list.

One FeatureCollection per layer, named for the file it becomes (:mod:`planner.scenario.interchange`
writes them): ``jurisdictions``, ``bases``, ``teams``, ``equipment``, ``sites`` and ``depots`` (the
records with a place, :data:`GIS_RECORD_KINDS`; teams and equipment at their base), ``service_areas``
(every standard's isochrones, a ``standard`` attribute apiece), ``service_area_breaks`` (each base's
fastest available team of each type at 5/10/15/30 minutes, :func:`planner.coverage.areas.service_area_breaks`),
``coverage`` (one point per site and
standard that applies to it: first and second responder, pass, shortfall, backup) and ``gaps`` (the
failing pairs, red sites first: the gap list of the report).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from planner.coverage.areas import DEFAULT_BREAKS_MIN, check_breaks, service_area_breaks
from planner.coverage.verdict import CoverageReport, SiteCoverage, coverage, service_area_features
from planner.model.codes import label
from planner.model.records import Availability, stored_fields
from planner.scenario.geojson import FeatureCollection, layer
from planner.scenario.model import Scenario

GIS_RECORD_KINDS = ("jurisdictions", "bases", "teams", "equipment", "sites", "depots")
"""Record kinds exported as layers: those with a place. Not standards, stocks or the duty roster (tables with
no place of their own), nor people (their names and phones are personal data, :mod:`planner.model.personnel`)."""


def verdict_feature(row: SiteCoverage) -> dict[str, Any]:
    """Return one site's verdict against one standard as a point feature with flat attributes."""
    def minutes(value: float | None) -> float | None:
        return round(value, 2) if value is not None and math.isfinite(value) else None

    properties = {
        "site": row.site, "name": row.name, "name_zh": row.name_zh, "kind": row.kind,
        "kind_label": label("site_kind", row.kind), "risk_grade": row.risk_grade,
        "risk_grade_label": label("risk_grade", row.risk_grade), "standard": row.standard, "max_min": row.max_min,
        "passed": row.passed, "backup": row.backup, "shortfall_min": minutes(row.shortfall_min),
        "first_team": row.first.team if row.first else None,
        "first_min": minutes(row.first.minutes) if row.first else None,
        "second_team": row.second.team if row.second else None,
        "second_min": minutes(row.second.minutes) if row.second else None,
        "in_time": ";".join(row.in_time),
    }
    return {"type": "Feature", "id": f"{row.site}/{row.standard}", "properties": properties,
            "geometry": {"type": "Point", "coordinates": [round(row.lon, 7), round(row.lat, 7)]}}


def record_layer(scenario: Scenario, kind: str) -> FeatureCollection:
    """Return one record kind as a layer whose attributes are the record's fields (so it imports back).

    Teams and equipment, which have no place of their own, sit at their base's point (the map's layer).
    """
    fields = set(stored_fields(kind))
    features = [{**feature, "properties": {k: v for k, v in feature["properties"].items() if k in fields}}
                for feature in layer(scenario, kind)["features"]]
    return {"type": "FeatureCollection", "features": features}


def gis_layers(scenario: Scenario, report: CoverageReport | None = None, *,
               breaks: Sequence[float] = DEFAULT_BREAKS_MIN,
               standard_areas: Callable[[str], FeatureCollection] | None = None) -> dict[str, FeatureCollection]:
    """Return every layer of a scenario, in WGS-84: records, service areas, coverage verdicts and gaps.

    ``report`` is the scenario's coverage report when the caller has it already (else it is computed);
    ``standard_areas`` gives a standard's service areas (default :func:`service_area_features`; the web
    passes the ones its Coverage page has cached). ``breaks`` are the minutes of the ``service_area_breaks``
    layer, checked first (empty: the layer has no features; each break costs a union of buffered road
    segments per base, the export's slowest part).
    """
    minutes = check_breaks(breaks) if breaks else ()
    report = report or coverage(scenario)
    areas_of = standard_areas or (lambda standard: service_area_features(scenario, standard))
    layers = {kind: record_layer(scenario, kind) for kind in GIS_RECORD_KINDS}
    areas = [feature for standard in scenario.standards for feature in areas_of(standard.id)["features"]]
    layers["service_areas"] = {"type": "FeatureCollection", "features": areas}
    team_types = sorted({t.team_type.value for t in scenario.teams if t.availability is Availability.AVAILABLE})
    by_break = [feature for team_type in team_types if minutes
                for feature in service_area_breaks(scenario, team_type, minutes)["features"] if feature["geometry"]]
    layers["service_area_breaks"] = {"type": "FeatureCollection", "features": by_break}
    layers["coverage"] = {"type": "FeatureCollection", "features": [verdict_feature(r) for r in report.sites]}
    layers["gaps"] = {"type": "FeatureCollection", "features": [verdict_feature(r) for r in report.gaps]}
    return layers
