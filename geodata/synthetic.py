"""Synthetic road-like networks for scale tests: a perturbed grid with gaps and a road hierarchy.

No province-size extract ships with the product, so the large-network benchmark measures on a graph
shaped like one: nodes on a square grid (``spacing_m`` apart) moved by Gaussian jitter, local streets
(``residential``) with a share removed at random (dead ends, blocks), every ``arterial_every``-th row and
column a ``primary`` arterial and every ``motorway_every``-th a ``motorway``, never removed, so the
fast roads form a connected backbone. Every road is two-way; edge lengths are the jittered straight
line times a small random detour. The result goes through :func:`geodata.network.build_network` like
any import (largest strongly connected component kept), so node counts after cleaning are slightly
below ``n_nodes``.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.errors import GeodataError
from geodata.network import RoadNetwork, build_network

_EARTH_RADIUS_M = 6_371_008.8


def synthetic_road_tables(
    n_nodes: int,
    *,
    seed: int = 0,
    spacing_m: float = 150.0,
    jitter_share: float = 0.15,
    removal_share: float = 0.12,
    arterial_every: int = 10,
    motorway_every: int = 100,
    origin_lon_lat: tuple[float, float] = (116.0, 36.0),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the ``nodes`` and ``edges`` tables of a synthetic network (the input of ``build_network``).

    Parameters
    ----------
    n_nodes
        Nodes before cleaning (the grid is about ``sqrt(n_nodes)`` on a side), at least 4.
    seed
        Seed of the jitter, the removals and the detours: same seed, same tables.
    spacing_m
        Grid spacing, metres.
    jitter_share
        Standard deviation of each node's displacement, as a share of the spacing.
    removal_share
        Share of local street segments removed.
    arterial_every, motorway_every
        Every k-th grid row and column is a primary arterial / a motorway.
    origin_lon_lat
        Lon/lat of the grid's south-west corner, degrees.

    Returns
    -------
    tuple
        ``nodes`` (node_id, lon, lat) and ``edges`` (u, v, length_m, highway, way_id), both directions.

    """
    if n_nodes < 4:
        raise GeodataError(f"a synthetic network needs at least 4 nodes, not {n_nodes}")
    if not 0 <= removal_share < 1 or spacing_m <= 0 or jitter_share < 0:
        raise GeodataError("removal_share must be in [0, 1), spacing_m > 0 and jitter_share >= 0")
    rng = np.random.default_rng(seed)
    cols = math.ceil(math.sqrt(n_nodes))
    rows = math.ceil(n_nodes / cols)
    n = rows * cols
    r, c = np.divmod(np.arange(n, dtype=np.int64), cols)
    x = c * spacing_m + rng.normal(0.0, jitter_share * spacing_m, n)
    y = r * spacing_m + rng.normal(0.0, jitter_share * spacing_m, n)
    lon0, lat0 = origin_lon_lat
    lat = lat0 + np.degrees(y / _EARTH_RADIUS_M)
    lon = lon0 + np.degrees(x / (_EARTH_RADIUS_M * math.cos(math.radians(lat0))))

    ids = np.arange(n, dtype=np.int64).reshape(rows, cols)
    horizontal = (ids[:, :-1].ravel(), ids[:, 1:].ravel(), np.repeat(np.arange(rows), cols - 1))
    vertical = (ids[:-1, :].ravel(), ids[1:, :].ravel(), np.tile(np.arange(cols), rows - 1))
    u = np.concatenate([horizontal[0], vertical[0]])
    v = np.concatenate([horizontal[1], vertical[1]])
    line = np.concatenate([horizontal[2], vertical[2]])  # the grid row (or column) the segment runs along
    highway = np.full(u.size, "residential", dtype=object)
    highway[line % arterial_every == 0] = "primary"
    highway[line % motorway_every == 0] = "motorway"
    keep = (highway != "residential") | (rng.random(u.size) >= removal_share)
    u, v, line, highway = u[keep], v[keep], line[keep], highway[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.15, u.size)
    way = np.arange(u.size, dtype=np.int64)
    nodes = pd.DataFrame({"node_id": np.arange(n, dtype=np.int64), "lon": lon, "lat": lat})
    edges = pd.DataFrame(
        {
            "u": np.concatenate([u, v]),
            "v": np.concatenate([v, u]),
            "length_m": np.concatenate([length, length]),
            "highway": np.concatenate([highway, highway]),
            "way_id": np.concatenate([way, way]),
        }
    )
    return nodes, edges


def synthetic_road_network(
    n_nodes: int, *, seed: int = 0, name: str | None = None, **options: float
) -> RoadNetwork:
    """Build a cleaned :class:`RoadNetwork` from :func:`synthetic_road_tables` (options are passed on)."""
    nodes, edges = synthetic_road_tables(n_nodes, seed=seed, **options)  # type: ignore[arg-type]
    return build_network(name or f"synthetic-{n_nodes}", nodes, edges)


def write_osm_xml(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    path: str | Path,
    *,
    filler_nodes: int = 0,
    seed: int = 0,
) -> int:
    """Write a network's tables as an OSM XML extract (``.gz`` when the name ends so); return its bytes.

    Each edge pair becomes a two-node way with its ``highway`` tag. ``filler_nodes`` adds tagged
    points of interest and building outlines (four nodes each, not drivable) after the roads, so the
    raw file can be made much larger than its road network, as real extracts are.
    """
    path = Path(path)
    rng = np.random.default_rng(seed)
    opener = gzip.open if path.suffix == ".gz" else open
    way_rows = edges.drop_duplicates("way_id")
    with opener(path, "wt", encoding="utf-8") as out:
        out.write(
            "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"geodata.synthetic\">\n"
        )
        for node_id, lon, lat in zip(nodes["node_id"], nodes["lon"], nodes["lat"], strict=True):
            out.write(f'  <node id="{node_id}" lat="{lat:.7f}" lon="{lon:.7f}" version="1"/>\n')
        first_filler = int(nodes["node_id"].max()) + 1
        lon0, lat0 = float(nodes["lon"].min()), float(nodes["lat"].min())
        span = float(nodes["lon"].max()) - lon0 or 0.01
        for k in range(filler_nodes):
            lon, lat = lon0 + rng.random() * span, lat0 + rng.random() * span
            out.write(
                f'  <node id="{first_filler + k}" lat="{lat:.7f}" lon="{lon:.7f}" version="1">'
                f'<tag k="amenity" v="bench"/><tag k="name" v="filler point {k}"/></node>\n'
            )
        for way_id, u, v, highway in zip(
            way_rows["way_id"], way_rows["u"], way_rows["v"], way_rows["highway"], strict=True
        ):
            out.write(
                f'  <way id="{way_id}" version="1"><nd ref="{u}"/><nd ref="{v}"/>'
                f'<tag k="highway" v="{highway}"/></way>\n'
            )
        next_way = int(way_rows["way_id"].max()) + 1
        for k in range(0, filler_nodes - 3, 4):
            refs = "".join(f'<nd ref="{first_filler + k + j}"/>' for j in (0, 1, 2, 3, 0))
            out.write(f'  <way id="{next_way + k}" version="1">{refs}<tag k="building" v="yes"/></way>\n')
        out.write("</osm>\n")
    return path.stat().st_size
