"""Read a point file (TSPLIB ``.tsp`` or CSV) and turn the points into a cost matrix with a metric.

Every point is both a demand point and a candidate site (``N = M``), the convention of the p-median
benchmarks. Metrics (:data:`METRICS`):

``euclidean``
    ``sqrt(dx^2 + dy^2)`` in the coordinates' unit.
``euclidean-floor``
    the same rounded down to an integer: the distance of the TSPLIB p-median literature (e.g.
    Duran-Mateluna, Ales & Elloumi 2023), not TSPLIB's own nearest-integer ``EUC_2D`` rounding.
``great-circle``
    metres on the sphere (``geodata.projection.haversine_m``) between (longitude, latitude) in
    decimal degrees; needs a CSV with ``lon`` and ``lat`` columns.

Formats. TSPLIB: ``KEY : VALUE`` header lines, then ``NODE_COORD_SECTION`` with one ``id x y`` line per
point, up to ``EOF``, the next ``*_SECTION`` or the end (as many as ``DIMENSION`` says, when given);
only ``EUC_2D``, ``CEIL_2D`` and ``ATT`` type files are planar coordinates (``GEO`` files hold
degrees.minutes and are refused). CSV: a header naming an id column (``id``), the
coordinates (``x,y`` or ``lon,lat``) and optionally ``weight``; one row per point.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geodata.projection import haversine_m
from planner.errors import InputError

__all__ = ["METRICS", "PointSet", "check_metric", "cost_from_points", "read_points"]

METRICS = ("euclidean", "euclidean-floor", "great-circle")
_PLANAR_TSPLIB = ("EUC_2D", "CEIL_2D", "ATT")
_CHUNK_ROWS = 512  # rows of the cost matrix computed at once (bounds the temporaries)


@dataclass(frozen=True)
class PointSet:
    """Points read from a file: ids, coordinates (``x, y`` or ``lon, lat``), weights and which they are."""

    ids: list[str]
    coordinates: np.ndarray
    weights: np.ndarray | None
    geographic: bool


def read_points(path: str | Path) -> PointSet:
    """Read a TSPLIB ``.tsp`` file or a CSV of points.

    Raises
    ------
    InputError
        Naming the file, line and field: unreadable file, no points, a malformed or non-numeric line,
        a duplicate id, a non-finite coordinate or weight, a negative weight, an unsupported TSPLIB
        ``EDGE_WEIGHT_TYPE``.

    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}", field="points", record=str(path)) from error
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file", field="points", record=str(path)) from None
    if "NODE_COORD_SECTION" in text or path.suffix.lower() == ".tsp":
        return _read_tsplib(path, text)
    return _read_csv(path, text)


def check_metric(metric: str) -> None:
    """Raise InputError naming the field unless ``metric`` is one of :data:`METRICS`."""
    if metric not in METRICS:
        raise InputError(f"metric {metric!r} is not one of {', '.join(METRICS)}", field="metric")


def cost_from_points(points: PointSet, metric: str) -> np.ndarray:
    """Return the ``n x n`` cost matrix between the points under ``metric`` (one of :data:`METRICS`)."""
    check_metric(metric)
    if metric == "great-circle" and not points.geographic:
        raise InputError("metric great-circle needs lon,lat columns in decimal degrees (a CSV with lon and lat)",
                         field="metric")
    xy = points.coordinates
    n = len(xy)
    cost = np.empty((n, n))
    for start in range(0, n, _CHUNK_ROWS):
        part = xy[start : start + _CHUNK_ROWS]
        if metric == "great-circle":
            cost[start : start + len(part)] = haversine_m(part[:, 0:1], part[:, 1:2], xy[None, :, 0], xy[None, :, 1])
            continue
        block = np.sqrt((part[:, None, 0] - xy[None, :, 0]) ** 2 + (part[:, None, 1] - xy[None, :, 1]) ** 2)
        cost[start : start + len(part)] = np.floor(block) if metric == "euclidean-floor" else block
    return cost


def _read_tsplib(path: Path, text: str) -> PointSet:
    """Parse the header and the ``NODE_COORD_SECTION`` of a TSPLIB file."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    section = None
    for number, line in enumerate(lines, start=1):
        if line.strip().upper().startswith("NODE_COORD_SECTION"):
            section = number
            break
        if ":" in line:
            key, _, value = line.partition(":")
            header[key.strip().upper()] = value.strip()
    if section is None:
        raise InputError(f"{path}: no NODE_COORD_SECTION: not a TSPLIB coordinate file", field="points",
                         record=str(path))
    kind = header.get("EDGE_WEIGHT_TYPE", "EUC_2D").upper()
    if kind not in _PLANAR_TSPLIB:
        raise InputError(f"{path}: EDGE_WEIGHT_TYPE {kind} is not planar coordinates (supported: "
                         f"{', '.join(_PLANAR_TSPLIB)})", field="EDGE_WEIGHT_TYPE", record=str(path))
    ids: list[str] = []
    rows: list[tuple[float, float]] = []
    for number, line in enumerate(lines[section:], start=section + 1):
        fields = line.split()
        if not fields:
            continue
        if fields[0].upper() == "EOF" or fields[0].upper().endswith("_SECTION") or (
                not fields[0][0].isdigit() and ":" in line):
            break  # the end, or the next section (e.g. DISPLAY_DATA_SECTION) or keyword
        if len(fields) != 3:
            raise InputError(f"{path} line {number}: expected 'id x y', got {line.strip()!r}", field="coordinates",
                             record=str(path))
        ids.append(fields[0])
        rows.append((_coordinate(path, number, "x", fields[1]), _coordinate(path, number, "y", fields[2])))
    dimension = header.get("DIMENSION", "")
    if dimension.isdigit() and int(dimension) != len(rows):
        raise InputError(f"{path}: DIMENSION {dimension} but {len(rows)} points in NODE_COORD_SECTION (truncated?)",
                         field="DIMENSION", record=str(path))
    return _checked(path, ids, rows, None, geographic=False)


def _read_csv(path: Path, text: str) -> PointSet:
    """Parse a CSV with an id column, ``x,y`` or ``lon,lat`` and an optional ``weight``."""
    table = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    if not table:
        raise InputError(f"{path}: empty file, expected a header 'id,x,y' or 'id,lon,lat'", field="header",
                         record=str(path))
    header = [cell.strip().lower() for cell in table[0]]
    if "lon" in header and "lat" in header:
        first, second, geographic = header.index("lon"), header.index("lat"), True
    elif "x" in header and "y" in header:
        first, second, geographic = header.index("x"), header.index("y"), False
    else:
        raise InputError(f"{path} line 1: header needs x,y or lon,lat columns, got {','.join(header)!r}",
                         field="header", record=str(path))
    id_column = header.index("id") if "id" in header else None
    weight_column = header.index("weight") if "weight" in header else None
    ids: list[str] = []
    rows: list[tuple[float, float]] = []
    weights: list[float] = []
    for number, row in enumerate(table[1:], start=2):
        if len(row) != len(header):
            raise InputError(f"{path} line {number}: {len(row)} cells, header has {len(header)}", field="row",
                             record=str(path))
        ids.append(row[id_column].strip() if id_column is not None else str(number - 1))
        rows.append((_coordinate(path, number, header[first], row[first]),
                     _coordinate(path, number, header[second], row[second])))
        if weight_column is not None:
            weight = _coordinate(path, number, "weight", row[weight_column])
            if weight < 0:
                raise InputError(f"{path} line {number}: weight {weight:g} < 0", field="weight", record=str(path))
            weights.append(weight)
    if geographic:
        for number, (lon, lat) in enumerate(rows, start=2):
            if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                raise InputError(f"{path} line {number}: lon {lon:g}, lat {lat:g} are not degrees "
                                 "(lon in -180..180, lat in -90..90)", field="lon,lat", record=str(path))
    return _checked(path, ids, rows, np.array(weights) if weight_column is not None else None, geographic)


def _coordinate(path: Path, number: int, field: str, cell: str) -> float:
    """Parse one finite number or raise an InputError naming file, line and field."""
    try:
        value = float(cell)
    except ValueError:
        raise InputError(f"{path} line {number}: {field} {cell.strip()!r} is not a number", field=field,
                         record=str(path)) from None
    if not math.isfinite(value):
        raise InputError(f"{path} line {number}: {field} {cell.strip()!r} is not finite", field=field,
                         record=str(path))
    return value


def _checked(path: Path, ids: list[str], rows: list[tuple[float, float]], weights: np.ndarray | None,
             geographic: bool) -> PointSet:
    """Refuse an empty point set or duplicate ids, and freeze the arrays."""
    if not rows:
        raise InputError(f"{path}: no points", field="points", record=str(path))
    seen: set[str] = set()
    for point in ids:
        if point in seen:
            raise InputError(f"{path}: duplicate point id {point!r}", field="id", record=str(path))
        seen.add(point)
    coordinates = np.array(rows, dtype=np.float64)
    coordinates.setflags(write=False)
    return PointSet(ids, coordinates, weights, geographic)
