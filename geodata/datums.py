"""China's map datums: points copied from Amap/Tencent (GCJ-02) or Baidu (BD-09) maps, to and from WGS-84.

Maps published in mainland China shift every coordinate by a deliberate, position-dependent offset
(GCJ-02, 300-600 m), and Baidu adds a second one on top (BD-09). A point pasted from those maps lands
hundreds of metres off on a WGS-84 map (GPS, OpenStreetMap, the road network). The transforms are the
published ones, implemented by the public-domain ``prcoords`` package (CC0): the forward transforms are
closed formulas, the inverse ones iterate the forward one to a fixed point (sub-millimetre). Outside
mainland China the datums coincide with WGS-84 and points pass through unchanged, as the map vendors do.
"""

from __future__ import annotations

from enum import StrEnum

import prcoords


class MapDatum(StrEnum):
    """The coordinate system a point is given in (``crs`` of an input)."""

    WGS84 = "wgs84"
    """GPS, OpenStreetMap, QGIS/ArcGIS in EPSG:4326: what the planner stores and returns."""
    GCJ02 = "gcj02"
    """Amap (高德), Tencent and Google maps in mainland China."""
    BD09 = "bd09"
    """Baidu maps (百度)."""


DECIMALS = 7
"""Converted degrees are rounded to 1e-7 (about 1 cm): far below the transforms' and the data's accuracy, and
a point converted from a published pair then equals the WGS-84 value as published."""


def datum_of(name: MapDatum | str) -> MapDatum:
    """Return the datum called ``name``; ``ValueError`` naming the accepted ones for another."""
    try:
        return MapDatum(name)
    except ValueError:
        raise ValueError(f"crs {name!r} must be one of {', '.join(MapDatum)}") from None


def in_china(lon: float, lat: float) -> bool:
    """Return whether the shifted datums apply at ``(lon, lat)`` (mainland China's bounding box)."""
    return bool(prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)))


def to_wgs84(lon: float, lat: float, datum: MapDatum | str) -> tuple[float, float]:
    """Return the WGS-84 ``(lon, lat)`` of a point given in ``datum``.

    Raises ``ValueError`` naming the accepted datums for an unknown one.
    """
    datum = datum_of(datum)
    if datum is MapDatum.WGS84 or not in_china(lon, lat):
        return lon, lat
    inverse = prcoords.gcj_wgs_bored if datum is MapDatum.GCJ02 else prcoords.bd_wgs_bored
    wgs = inverse(prcoords.Coords(lat, lon), False)
    return round(wgs.lon, DECIMALS), round(wgs.lat, DECIMALS)


def from_wgs84(lon: float, lat: float, datum: MapDatum | str) -> tuple[float, float]:
    """Return a WGS-84 point as ``(lon, lat)`` in ``datum`` (to show it on an Amap or Baidu map)."""
    datum = datum_of(datum)
    if datum is MapDatum.WGS84 or not in_china(lon, lat):
        return lon, lat
    forward = prcoords.wgs_gcj if datum is MapDatum.GCJ02 else prcoords.wgs_bd
    shifted = forward(prcoords.Coords(lat, lon), False)
    return round(shifted.lon, DECIMALS), round(shifted.lat, DECIMALS)
