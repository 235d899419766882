"""Streaming import of OSM XML extracts: memory follows the road network, not the raw file.

OSMnx's ``graph_from_xml`` parses the whole file into Python dicts (every node, every way, every
tag), so a province extract of hundreds of MB needs several GB. This reader makes two passes with
``iterparse`` (``defusedxml``: no entity expansion), clearing each element once it is read:

1. ways: a drivable way (:func:`geodata.osm.ways.is_drivable`) becomes edges between its consecutive nodes
   (repeated consecutive nodes collapsed), one way or both as OSMnx decides (``oneway`` in yes, true,
   1, -1, reverse, T, F or ``junction=roundabout`` is one way; -1, reverse and T reverse the node
   order); only the OSM node ids, way id, road class and ``maxspeed`` are kept, in numpy arrays;
2. nodes: the coordinates of the nodes those edges use, matched in batches against the sorted ids.

Compressed input (``.gz``, ``.bz2``) is decompressed on the fly, twice, never to disk. Edge lengths are
great-circle metres on OSMnx's sphere (radius 6,371,009 m), and the tables go through
:func:`geodata.network.build_network`, so the network equals the OSMnx import's (same nodes, edges,
lengths, classes and speeds; edges may come in another order). An edge whose node is missing from
the file (a clipped extract) is dropped and counted in the log. Memory: the edge arrays (node ids
and way index, about 30 bytes per edge), the way attributes (once per way), the used nodes' ids and
coordinates, one element and a batch of ``_NODE_BATCH`` node rows at a time; then ``build_network``.
"""

from __future__ import annotations

import bz2
import gzip
import logging
from array import array
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from geodata.errors import GeodataError
from geodata.network import RoadNetwork, build_network
from geodata.osm.ways import WayEdges, detect_format, drivable_sequence, great_circle_m

log = logging.getLogger(__name__)


_NODE_BATCH = 50_000


def read_osm_xml_stream(
    path: str | Path,
    *,
    name: str | None = None,
    speeds_kph: Mapping[str, float] | None = None,
    kind: str | None = None,
) -> RoadNetwork:
    """Read an OSM XML extract (plain, ``.gz`` or ``.bz2``) in two streaming passes.

    Parameters
    ----------
    path
        The extract.
    name
        Network name (default: the file name up to its first dot).
    speeds_kph
        Speeds by road class overriding the defaults.
    kind
        ``"xml"``, ``"xml.gz"`` or ``"xml.bz2"``; detected from the first bytes when None.

    Returns
    -------
    RoadNetwork
        The largest strongly connected drivable network. ``GeodataError`` (one line) for a corrupt or
        truncated file or one without drivable roads.

    """
    path = Path(path)
    kind = kind or detect_format(path)
    if kind not in ("xml", "xml.gz", "xml.bz2"):
        raise GeodataError(f"{path.name} is not OSM XML (it is {kind})")
    name = name or path.name.split(".")[0]
    edges = _read_ways(path, kind)
    if edges["u"].size == 0:
        raise GeodataError(f"{path.name} has no drivable roads")
    used = np.unique(np.concatenate([edges["u"], edges["v"]]))
    node_id, lon, lat, file_pos = _read_nodes(path, kind, used)
    position = np.searchsorted(node_id, edges["u"]), np.searchsorted(node_id, edges["v"])
    found = _found(node_id, edges["u"], position[0]) & _found(node_id, edges["v"], position[1])
    if not found.all():
        log.warning(
            "%s: %d edges name nodes that are not in the file; dropped", path.name, int((~found).sum())
        )
    if not found.any():
        raise GeodataError(f"{path.name} has no drivable roads with known node coordinates")
    u_pos, v_pos = position[0][found], position[1][found]
    length = great_circle_m(lat[u_pos], lon[u_pos], lat[v_pos], lon[v_pos])
    used_nodes = np.zeros(node_id.size, dtype=bool)
    used_nodes[u_pos] = True
    used_nodes[v_pos] = True
    keep = np.flatnonzero(used_nodes)
    keep = keep[np.argsort(file_pos[keep], kind="stable")]  # the file's node order, as OSMnx keeps it
    nodes = pd.DataFrame({"node_id": node_id[keep], "lon": lon[keep], "lat": lat[keep]})
    table = pd.DataFrame(
        {
            "u": edges["u"][found],
            "v": edges["v"][found],
            "length_m": length,
            "highway": edges["highway"][edges["way_index"][found]],
            "maxspeed": edges["maxspeed"][edges["way_index"][found]],
            "way_id": edges["way"][edges["way_index"][found]],
        }
    )
    return build_network(name, nodes, table, speeds_kph=speeds_kph)


def _found(node_id: np.ndarray, wanted: np.ndarray, position: np.ndarray) -> np.ndarray:
    inside = position < node_id.size
    ok = np.zeros(wanted.size, dtype=bool)
    ok[inside] = node_id[position[inside]] == wanted[inside]
    return ok


@contextmanager
def _open(path: Path, kind: str) -> Iterator[IO[bytes]]:
    openers: dict[str, Callable[..., Any]] = {"xml": open, "xml.gz": gzip.open, "xml.bz2": bz2.open}
    opener = openers[kind]
    try:
        with opener(path, "rb") as handle:
            yield handle
    except GeodataError:
        raise
    except (EOFError, OSError, ValueError) as error:  # truncated or corrupt compressed stream
        raise GeodataError(f"{path.name} is corrupt or truncated ({type(error).__name__}: {error})") from None


def _elements(path: Path, kind: str, wanted: str) -> Iterator[Element]:
    """Yield each top-level ``wanted`` element (node or way) complete, then free it and its siblings."""
    with _open(path, kind) as handle:
        root: Element | None = None
        try:
            for event, element in iterparse(handle, events=("start", "end")):
                if root is None:
                    root = element
                    continue
                if event != "end" or element.tag not in ("node", "way", "relation"):
                    continue
                if element.tag == wanted:
                    yield element
                element.clear()
                root.clear()
        except ParseError as error:
            raise GeodataError(f"{path.name} is not readable OSM XML (ParseError: {error})") from None
        except DefusedXmlException as error:
            raise GeodataError(
                f"{path.name} is not readable OSM XML (refused: {type(error).__name__})"
            ) from None


def _read_ways(path: Path, kind: str) -> dict[str, np.ndarray]:
    """First pass: the edges of drivable ways, as arrays (way attributes stored once per way)."""
    edges = WayEdges()
    for element in _elements(path, kind, "way"):
        tags = {str(t.get("k")): t.get("v") for t in element.iter("tag")}
        oriented = drivable_sequence(tags, [int(nd.get("ref", "")) for nd in element.iter("nd")])
        if oriented is None:
            continue
        refs, oneway = oriented
        edges.add(int(element.get("id", "-1")), refs, oneway, tags)
    # Convert one buffer at a time and let it go, so the peak holds one copy of one column, not all.
    columns: dict[str, np.ndarray] = {}
    for key, buffer in (("u", edges.u), ("v", edges.v), ("way_index", edges.way_index), ("way", edges.way_ids)):
        columns[key] = np.array(buffer, dtype=np.int64)
        del buffer[:]
    columns["highway"] = np.array(edges.highway, dtype=object)
    columns["maxspeed"] = np.array(edges.maxspeed, dtype=object)
    return columns


def _read_nodes(
    path: Path, kind: str, used: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Second pass: id, lon, lat and file position of the ``used`` node ids (sorted by id), in batches."""
    ids, lons, lats = array("q"), array("d"), array("d")
    kept: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    seen = 0

    def flush() -> None:
        nonlocal seen
        batch = np.array(ids, dtype=np.int64)  # copies: the array.array buffers are reused
        if batch.size:
            hit = np.flatnonzero(_found(used, batch, np.searchsorted(used, batch)))
            kept.append((batch[hit], np.array(lons)[hit], np.array(lats)[hit], hit + seen))
            seen += batch.size
        del ids[:], lons[:], lats[:]

    for element in _elements(path, kind, "node"):
        try:
            ids.append(int(element.get("id", "")))
            lons.append(float(element.get("lon", "nan")))
            lats.append(float(element.get("lat", "nan")))
        except ValueError:
            raise GeodataError(f"{path.name} is not readable OSM XML (a node without a valid id)") from None
        if len(ids) >= _NODE_BATCH:
            flush()
    flush()
    node_id, lon, lat, file_pos = (np.concatenate([k[i] for k in kept]) for i in range(4))
    order = np.argsort(node_id, kind="stable")
    node_id, lon, lat, file_pos = node_id[order], lon[order], lat[order], file_pos[order]
    unique = np.ones(node_id.size, dtype=bool)
    unique[1:] = node_id[1:] != node_id[:-1]  # a node listed twice: the first one counts
    bad = unique & ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        raise GeodataError(
            f"{path.name} is not readable OSM XML (node {int(node_id[bad][0])} has no lat/lon)"
        )
    return node_id[unique], lon[unique], lat[unique], file_pos[unique]
