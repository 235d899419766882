"""Import OpenStreetMap extracts into a drivable RoadNetwork, whichever the format.

Both formats are streamed, so memory follows the road network rather than the raw file: PBF by
:mod:`geodata.osm.pbf` (pyosmium, node locations in a disk-backed index), OSM XML (``.osm``,
``.osm.gz``, ``.osm.bz2``) by :mod:`geodata.osm.xml` (two ``iterparse`` passes; the same network as
OSMnx's ``graph_from_xml``, kept as the reference in :mod:`geodata.osm.reference`, at a fraction of
the memory). The format comes from the file's first bytes (:func:`geodata.osm.ways.detect_format`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from geodata.network import RoadNetwork
from geodata.osm.pbf import read_osm_pbf_stream
from geodata.osm.ways import detect_format
from geodata.osm.xml import read_osm_xml_stream

log = logging.getLogger(__name__)




def read_osm(
    path: str | Path, *, name: str | None = None, speeds_kph: Mapping[str, float] | None = None
) -> RoadNetwork:
    """Read an OSM extract and return its largest strongly connected drivable network.

    Raises ``GeodataError`` with one line for a corrupt or truncated file, a file without drivable
    roads, or a file that is not OSM.
    """
    path = Path(path)
    kind = detect_format(path)
    name = name or path.name.split(".")[0]
    # Both formats are streamed: memory follows the road network, not the raw file.
    if kind == "pbf":
        return read_osm_pbf_stream(path, name=name, speeds_kph=speeds_kph)
    return read_osm_xml_stream(path, name=name, speeds_kph=speeds_kph, kind=kind)


