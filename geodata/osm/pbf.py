"""Streaming import of OSM PBF extracts with pyosmium: memory follows the road network, not the file.

One pass over the file: libosmium keeps every node's location in a disk-backed index (a sparse file
array in a temporary folder) and hands each way its nodes' coordinates, so neither the raw nodes nor
the non-road ways are ever held in Python. Only drivable ways are turned into edges, with the same
rules as the XML reader (:func:`geodata.osm.ways.drivable_sequence`: drivable tags, one-way and
reversed one-way ways, repeated nodes collapsed) and the same great-circle lengths, so an extract
gives the same network whichever of the two formats it comes in.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import osmium
import pandas as pd

from geodata.errors import GeodataError
from geodata.network import RoadNetwork, build_network
from geodata.osm.ways import WayEdges, drivable_sequence, great_circle_m

log = logging.getLogger(__name__)


def read_osm_pbf_stream(
    path: str | Path, *, name: str | None = None, speeds_kph: Mapping[str, float] | None = None
) -> RoadNetwork:
    """Read an OSM PBF extract in one streaming pass and return its largest strongly connected network.

    Raises ``GeodataError`` (one line) for a corrupt or truncated file or one without drivable roads.
    Ways whose nodes are missing from the file (a clipped extract) are dropped and counted in the log.
    """
    path = Path(path)
    name = name or path.name.split(".")[0]
    edges = WayEdges()
    coordinates: dict[int, tuple[float, float]] = {}
    skipped = 0
    try:
        with tempfile.TemporaryDirectory(prefix="planner-osm-") as scratch:
            reader = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
                      .with_locations(f"sparse_file_array,{scratch}/nodes.idx")
                      .with_filter(osmium.filter.KeyFilter("highway")))
            for item in reader:
                if not isinstance(item, osmium.osm.Way):
                    continue
                way = item
                tags = dict(way.tags)
                try:
                    items = [(node.ref, node.lon, node.lat) for node in way.nodes]
                except osmium.InvalidLocationError:
                    skipped += 1
                    continue
                oriented = drivable_sequence(tags, items, key=lambda item: item[0])
                if oriented is None:
                    continue
                nodes, oneway = oriented
                coordinates.update((ref, (lon, lat)) for ref, lon, lat in nodes)
                edges.add(way.id, [ref for ref, _, _ in nodes], oneway, tags)
    except RuntimeError as error:  # libosmium reports corrupt or truncated input as RuntimeError
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise GeodataError(f"{path.name} is not a readable OSM PBF file ({first})") from None
    if skipped:
        log.warning("%s: %d ways name nodes that are not in the file; dropped", path.name, skipped)
    if not edges.u:
        raise GeodataError(f"{path.name} has no drivable roads")
    node_id = np.fromiter(coordinates, dtype=np.int64, count=len(coordinates))
    lon_lat = np.array(list(coordinates.values()), dtype=np.float64)
    edge_u, edge_v = np.array(edges.u, dtype=np.int64), np.array(edges.v, dtype=np.int64)
    index = pd.Index(node_id)
    u_pos, v_pos = index.get_indexer(edge_u), index.get_indexer(edge_v)
    lon, lat = lon_lat[:, 0], lon_lat[:, 1]
    ways = np.array(edges.way_index, dtype=np.int64)
    table = pd.DataFrame({
        "u": edge_u, "v": edge_v,
        "length_m": great_circle_m(lat[u_pos], lon[u_pos], lat[v_pos], lon[v_pos]),
        "highway": np.array(edges.highway, dtype=object)[ways],
        "maxspeed": np.array(edges.maxspeed, dtype=object)[ways],
        "way_id": np.array(edges.way_ids, dtype=np.int64)[ways],
    })
    nodes = pd.DataFrame({"node_id": node_id, "lon": lon, "lat": lat})
    return build_network(name, nodes, table, speeds_kph=speeds_kph)
