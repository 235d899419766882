"""Metric projections: distances and buffers are computed in the local UTM zone, never in degrees."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geodata.errors import GeodataError


def utm_crs(lon: float, lat: float) -> CRS:
    """Return the WGS-84 UTM zone CRS that contains the point ``(lon, lat)``."""
    zone = int((lon + 180) // 6) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


@lru_cache(maxsize=32)
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    crs = CRS.from_epsg(epsg)
    return (
        Transformer.from_crs("EPSG:4326", crs, always_xy=True),
        Transformer.from_crs(crs, "EPSG:4326", always_xy=True),
    )


class LocalProjection:
    """Forward and inverse transforms between lon/lat and the UTM zone around a reference point."""

    def __init__(self, lon: float, lat: float) -> None:
        self.crs = utm_crs(lon, lat)
        self._forward, self._inverse = _transformers(int(self.crs.to_epsg() or 4326))

    def to_metres(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project lon/lat degrees to easting/northing metres."""
        x, y = self._forward.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x), np.asarray(y)

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unproject easting/northing metres to lon/lat degrees."""
        lon, lat = self._inverse.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon), np.asarray(lat)


EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres (broadcasting over arrays)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    distance_m: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    return distance_m


@lru_cache(maxsize=16)
def _to_wgs84(crs: str) -> Transformer | None:
    try:
        source = CRS.from_user_input(crs)
    except CRSError as error:
        raise GeodataError(f"unknown coordinate reference system {crs!r} ({error})") from None
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    return Transformer.from_crs(source, "EPSG:4326", always_xy=True)


def geometry_to_wgs84(geometry: dict[str, Any], crs: str) -> dict[str, Any]:
    """Return a GeoJSON geometry given in ``crs`` (``EPSG:4548``, an OGC URN, WKT) in WGS-84 lon/lat.

    For files from QGIS/ArcGIS in a local grid (e.g. CGCS2000 / Gauss-Kruger); pyproj does the
    transform, x/y in the source's easting/northing order whatever its declared axis order.
    Raises ``GeodataError`` for a CRS pyproj does not know.
    """
    transformer = _to_wgs84(crs)
    if transformer is None:
        return geometry
    shape = shapely.transform(shapely.geometry.shape(geometry), transformer.transform, interleaved=False)
    mapped: dict[str, Any] = json.loads(shapely.to_geojson(shape))  # lists, as read from a file
    return mapped
