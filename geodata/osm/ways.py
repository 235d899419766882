"""The OSM rules both readers share: which file format a file is, and which ways a rescue vehicle drives.

Driving access follows OSM tagging for a rescue vehicle: public roads and ``emergency_access``
service roads, no footways, tracks, driveways, parking aisles or private roads. One-way rules are
OSMnx's. The format is recognised from a file's first bytes, not its name.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np

from geodata.errors import GeodataError
from geodata.speeds import road_class

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


EXTRA_WAY_TAGS = ("motor_vehicle", "motorcar", "vehicle")


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


def is_drivable(tags: Mapping[str, object]) -> bool:
    """Whether a way with these OSM tags is open to a rescue vehicle."""
    highway = tags.get("highway")
    if isinstance(highway, list):
        highway = highway[0]
    if highway not in DRIVABLE_HIGHWAYS:
        return False
    if tags.get("area") == "yes" or tags.get("service") in _EXCLUDED_SERVICE:
        return False
    return not any(tags.get(key) in _NO_ACCESS for key in ("access", *EXTRA_WAY_TAGS))


def first_line(error: BaseException) -> str:
    """Return the error's type and the first line of its message, for one-line reports."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


EARTH_RADIUS_M = 6_371_009.0
"""Sphere radius of the great-circle edge lengths, metres (OSMnx's, so lengths match its import)."""


_ONEWAY = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})


_REVERSED = frozenset({"-1", "reverse", "T"})


def drivable_sequence(tags: Mapping[str, Any], items: list[Any], key: Callable[[Any], Any] = lambda x: x
                      ) -> tuple[list[Any], bool] | None:
    """Return a drivable way's nodes in driving order and whether it is one way (None: not drivable).

    Repeated consecutive nodes are collapsed; ``oneway`` in yes, true, 1, -1, reverse, T, F or
    ``junction=roundabout`` makes it one way, and -1, reverse and T reverse the order (OSMnx's rules).
    ``key`` gives a node's id when the items carry more (e.g. coordinates).
    """
    if not is_drivable(tags):
        return None
    nodes = [next(group) for _, group in groupby(items, key=key)]
    if len(nodes) < 2:
        return None
    oneway = tags.get("oneway") in _ONEWAY or tags.get("junction") == "roundabout"
    if oneway and tags.get("oneway") in _REVERSED:
        nodes.reverse()
    return nodes, oneway


@dataclass
class WayEdges:
    """The directed edges of drivable ways as compact buffers, way attributes kept once per way (both readers)."""

    u: array = field(default_factory=lambda: array("q"))
    v: array = field(default_factory=lambda: array("q"))
    way_index: array = field(default_factory=lambda: array("l"))
    """For each edge, the position of its way in ``way_ids``, ``highway`` and ``maxspeed``."""
    way_ids: array = field(default_factory=lambda: array("q"))
    highway: list[str] = field(default_factory=list)
    maxspeed: list[str | None] = field(default_factory=list)

    def add(self, way_id: int, refs: list[int], oneway: bool, tags: Mapping[str, Any]) -> None:
        """Add a way's edges in driving order (both directions unless it is one way) and its attributes."""
        self.u.extend(refs[:-1])
        self.v.extend(refs[1:])
        count = len(refs) - 1
        if not oneway:
            self.u.extend(refs[1:])
            self.v.extend(refs[:-1])
            count *= 2
        self.way_index.extend([len(self.way_ids)] * count)
        self.way_ids.append(way_id)
        self.highway.append(road_class(tags.get("highway")))
        self.maxspeed.append(tags.get("maxspeed"))


def great_circle_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine distance in metres on a sphere of ``EARTH_RADIUS_M`` (arrays of degrees)."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(np.deg2rad(lon2 - lon1) / 2) ** 2
    return np.asarray(2 * np.arcsin(np.sqrt(np.minimum(1.0, h))) * EARTH_RADIUS_M)

