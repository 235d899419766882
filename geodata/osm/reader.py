"""Import OpenStreetMap extracts into a drivable RoadNetwork.

Both formats are streamed, so memory follows the road network rather than the raw file: PBF by
:mod:`geodata.osm.pbf` (pyosmium, node locations in a disk-backed index), OSM XML (``.osm``,
``.osm.gz``, ``.osm.bz2``) by :mod:`geodata.osm.xml` (two ``iterparse`` passes; the same network as
OSMnx's ``graph_from_xml``, which ``_read_xml`` keeps as the reference, at a fraction of the memory).
The format is recognised from the file's first bytes, not its name, so a renamed or mislabelled file
still gets the right reader, and a file that is neither gets a clear error.
Driving access follows OSM tagging for a rescue vehicle: public roads and ``emergency_access``
service roads, no footways, tracks, driveways, parking aisles or private roads.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import networkx as nx

from geodata.errors import GeodataError
from geodata.network import RoadNetwork

log = logging.getLogger(__name__)

DRIVABLE_HIGHWAYS = frozenset(
    {
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
        "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
        "residential", "living_street", "service", "road",
    }
)
"""OSM ``highway`` values a rescue vehicle may drive on."""

_EXCLUDED_SERVICE = frozenset({"driveway", "parking_aisle", "parking", "private", "drive-through"})
_NO_ACCESS = frozenset({"no", "private"})
_EXTRA_WAY_TAGS = ("motor_vehicle", "motorcar", "vehicle")


def detect_format(path: Path) -> str:
    """Return ``"pbf"``, ``"xml"``, ``"xml.gz"`` or ``"xml.bz2"`` from the file's first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError as error:
        raise GeodataError(f"cannot read {path}: {error.strerror or error}") from None
    if not head:
        raise GeodataError(f"{path.name} is empty")
    if head[:2] == b"\x1f\x8b":
        return "xml.gz"
    if head[:3] == b"BZh":
        return "xml.bz2"
    if b"OSMHeader" in head[:32]:
        return "pbf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<?xml") or text.startswith(b"<osm"):
        return "xml"
    raise GeodataError(f"{path.name} is not an OpenStreetMap file (neither PBF nor OSM XML)")


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
        from geodata.osm.pbf import read_osm_pbf_stream

        return read_osm_pbf_stream(path, name=name, speeds_kph=speeds_kph)
    from geodata.osm.xml import read_osm_xml_stream

    return read_osm_xml_stream(path, name=name, speeds_kph=speeds_kph, kind=kind)


def _read_xml(path: Path, kind: str) -> nx.MultiDiGraph:
    import osmnx as ox

    with tempfile.TemporaryDirectory() as tmp:
        source = path
        if kind in ("xml.gz", "xml.bz2"):
            source = Path(tmp) / "extract.osm"
            opener = gzip.open if kind == "xml.gz" else bz2.open
            try:
                with opener(path, "rb") as packed, open(source, "wb") as plain:
                    shutil.copyfileobj(packed, plain)
            except (OSError, EOFError) as error:
                raise GeodataError(f"{path.name} is corrupt or truncated ({_first_line(error)})") from None
        saved = list(ox.settings.useful_tags_way)
        ox.settings.useful_tags_way = sorted(set(saved) | set(_EXTRA_WAY_TAGS))
        try:
            graph = ox.graph_from_xml(source, simplify=False, retain_all=True)
        except Exception as error:  # osmnx/ElementTree errors on malformed XML; report them in one line
            message = _first_line(error)
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


def is_drivable(tags: Mapping[str, object]) -> bool:
    """Whether a way with these OSM tags is open to a rescue vehicle."""
    highway = tags.get("highway")
    if isinstance(highway, list):
        highway = highway[0]
    if highway not in DRIVABLE_HIGHWAYS:
        return False
    if tags.get("area") == "yes" or tags.get("service") in _EXCLUDED_SERVICE:
        return False
    return not any(tags.get(key) in _NO_ACCESS for key in ("access", *_EXTRA_WAY_TAGS))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
