"""``GET /api/v1/points/wgs84``: a point copied from an Amap (GCJ-02) or Baidu (BD-09) map, in WGS-84.

The pages' paste box ("lon,lat from Amap/Baidu") asks here before it places the point, so the map shows
it where the planner will store it; the conversion is the one every input uses (:mod:`geodata.datums`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from pydantic import Field

from geodata.datums import MapDatum, to_wgs84
from planner.model.datum import CRS_DESCRIPTION
from web.openapi import operation
from web.schemas.common import Answer, QueryString

bp = Blueprint("points", __name__, url_prefix="/api/v1")


class PointQuery(QueryString):
    """A point as copied from a map, and the coordinate system it is in."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: MapDatum = Field(default=MapDatum.WGS84, description=CRS_DESCRIPTION)


class PointAnswer(Answer):
    """The point in WGS-84 (what the planner stores), rounded to 1e-7 degrees."""

    lon: float
    lat: float
    crs: str


@operation(bp, "/points/wgs84", "GET", summary="A point from an Amap (gcj02) or Baidu (bd09) map in WGS-84",
           answers={200: PointAnswer})
def wgs84(query: PointQuery) -> Any:
    """Return the WGS-84 lon/lat of a point given in ``crs``."""
    lon, lat = to_wgs84(query.lon, query.lat, query.crs)
    return jsonify({"lon": lon, "lat": lat, "crs": MapDatum.WGS84.value})
