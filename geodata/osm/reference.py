"""OSMnx's ``graph_from_xml`` with our way rules: the reference the streaming XML reader is tested against.

It holds a whole extract in memory as a networkx graph, so the product reads with
:func:`geodata.osm.xml.read_osm_xml_stream`; tests and ``bench/large_network.py`` compare with this.
"""

from __future__ import annotations

import bz2
import gzip
import shutil
import tempfile
from pathlib import Path

import networkx as nx
import osmnx as ox

from geodata.errors import GeodataError
from geodata.osm.ways import EXTRA_WAY_TAGS, first_line, is_drivable


def read_xml_osmnx(path: Path, kind: str) -> nx.MultiDiGraph:
    """Read an OSM XML file (plain, .gz or .bz2) with OSMnx and keep the drivable edges."""
    with tempfile.TemporaryDirectory() as tmp:
        source = path
        if kind in ("xml.gz", "xml.bz2"):
            source = Path(tmp) / "extract.osm"
            opener = gzip.open if kind == "xml.gz" else bz2.open
            try:
                with opener(path, "rb") as packed, open(source, "wb") as plain:
                    shutil.copyfileobj(packed, plain)
            except (OSError, EOFError) as error:
                raise GeodataError(f"{path.name} is corrupt or truncated ({first_line(error)})") from None
        saved = list(ox.settings.useful_tags_way)
        ox.settings.useful_tags_way = sorted(set(saved) | set(EXTRA_WAY_TAGS))
        try:
            graph = ox.graph_from_xml(source, simplify=False, retain_all=True)
        except Exception as error:  # osmnx/ElementTree errors on malformed XML; report them in one line
            message = first_line(error)
            if "no" in message.lower() and "node" in message.lower():
                raise GeodataError(f"{path.name} has no drivable roads") from None
            raise GeodataError(f"{path.name} is not readable OSM XML ({message})") from None
        finally:
            ox.settings.useful_tags_way = saved
    drivable = [(u, v, k) for u, v, k, data in graph.edges(keys=True, data=True) if not is_drivable(data)]
    graph.remove_edges_from(drivable)
    graph.remove_nodes_from([n for n, degree in dict(graph.degree()).items() if degree == 0])
    if graph.number_of_edges() == 0:
        raise GeodataError(f"{path.name} has no drivable roads")
    return graph
