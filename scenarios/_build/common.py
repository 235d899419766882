"""Helpers shared by the scenario generators: CSV writing, Voronoi polygons, equipment rows.

The generators are run by hand (``.venv/bin/python scenarios/_build/make_jinan.py``); the product reads
only their output files. Keep them light: no network access, no heavy dependencies beyond shapely.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, box, mapping
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

COLUMNS: dict[str, list[str]] = {
    "bases": ["id", "name", "name_zh", "tier", "operator", "jurisdiction", "lon", "lat", "illustrative"],
    "teams": ["id", "name", "name_zh", "team_type", "base", "members", "squads", "readiness", "availability",
              "turnout_min", "capabilities", "resource_type", "illustrative"],
    "equipment": ["id", "kind", "name", "quantity", "capabilities", "base", "team", "asset_number", "status",
                  "last_inspected", "inspection_days", "maintenance_log", "illustrative"],
    "sites": ["id", "name", "name_zh", "kind", "risk_grade", "hazard_level", "jurisdiction", "lon", "lat",
              "standards", "source", "illustrative"],
    "standards": ["id", "name", "capability", "max_min", "site_kinds", "tiers", "min_share", "rule", "source",
                  "illustrative"],
    "people": ["id", "team", "name", "name_zh", "role", "squad", "qualifications", "phone", "illustrative"],
    "shifts": ["id", "team", "kind", "people", "starts", "hours", "every_h", "until", "note", "illustrative"],
    "depots": ["id", "name", "name_zh", "jurisdiction", "operator", "turnout_min", "lon", "lat", "illustrative"],
    "stocks": ["id", "depot", "material", "name", "quantity", "unit", "unit_price", "expires", "illustrative"],
}


def cell(value: Any) -> str:
    """One CSV cell in the scenario folder format (lists ``a;b``, mappings ``k:v;k:v``, ``true``/``false``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return ";".join(f"{k}:{v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def write_csv(path: Path, kind: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write record rows with the kind's column order; returns the row count."""
    columns = COLUMNS[kind]
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            unknown = set(row) - set(columns)
            if unknown:
                raise ValueError(f"{kind} {row.get('id')}: unknown column(s) {sorted(unknown)}")
            writer.writerow({c: cell(row.get(c)) for c in columns})
            count += 1
    return count


def voronoi_regions(anchors: Mapping[str, Sequence[tuple[float, float]]],
                    clip: shapely.Geometry) -> dict[str, shapely.Geometry]:
    """Union of the Voronoi cells of each region's anchor points, clipped to ``clip``.

    This is an approximation of administrative boundaries (nearest anchor point), not a survey.
    """
    owners: list[str] = []
    points: list[Point] = []
    for region, pts in anchors.items():
        for lon, lat in pts:
            owners.append(region)
            points.append(Point(lon, lat))
    envelope = clip.buffer(1.0).envelope
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=envelope)
    by_region: dict[str, list[shapely.Geometry]] = {r: [] for r in anchors}
    for cell_polygon in cells.geoms:
        # each cell contains exactly one generator point
        for owner, point in zip(owners, points):
            if cell_polygon.contains(point):
                by_region[owner].append(cell_polygon)
                break
    out = {}
    for region, parts in by_region.items():
        shape = unary_union(parts).intersection(clip)
        out[region] = shapely.set_precision(shape, 1e-5)
    return out


def geojson_geometry(shape: shapely.Geometry | None) -> dict[str, Any] | None:
    """GeoJSON geometry dict with coordinates rounded to 5 decimals (about 1 m)."""
    if shape is None or shape.is_empty:
        return None
    geometry = mapping(shapely.set_precision(shape, 1e-5))
    return json.loads(json.dumps(geometry, default=list))


def write_jurisdictions(path: Path, features: Iterable[Mapping[str, Any]]) -> int:
    """Write the jurisdictions FeatureCollection; each item has ``properties`` and ``geometry``."""
    collection = {"type": "FeatureCollection",
                  "features": [{"type": "Feature", "properties": f["properties"], "geometry": f["geometry"]}
                               for f in features]}
    path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return len(collection["features"])


def write_json(path: Path, data: Any) -> None:
    """Pretty JSON with Chinese kept readable."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def bbox_polygon(west: float, south: float, east: float, north: float, pad: float = 0.0) -> shapely.Geometry:
    """A lon/lat rectangle, optionally padded by ``pad`` degrees."""
    return box(west - pad, south - pad, east + pad, north + pad)
