"""Driving speeds by OSM road class, and parsing of OSM ``maxspeed`` tags.

The defaults are typical urban driving speeds for a loaded rescue vehicle in a Chinese city, not legal
limits; a scenario overrides any of them (``speeds_kph`` in its ``scenario.yaml``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "motorway": 80.0,
    "motorway_link": 50.0,
    "trunk": 60.0,
    "trunk_link": 40.0,
    "primary": 50.0,
    "primary_link": 35.0,
    "secondary": 40.0,
    "secondary_link": 30.0,
    "tertiary": 30.0,
    "tertiary_link": 25.0,
    "unclassified": 25.0,
    "residential": 20.0,
    "living_street": 10.0,
    "service": 15.0,
    "road": 20.0,
}
"""Speed in km/h per OSM ``highway`` value; anything else falls back to ``FALLBACK_SPEED_KPH``."""

FALLBACK_SPEED_KPH = 20.0
"""Speed in km/h for a road class missing from the table."""

_MPH_TO_KPH = 1.609344
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)


def parse_maxspeed_kph(value: object) -> float | None:
    """Return an OSM ``maxspeed`` value in km/h, or None when it is absent or not a plain number.

    Handles ``"50"``, ``"50 km/h"``, ``"30 mph"`` and lists such as ``"50;30"`` (the lowest wins,
    the conservative reading); zone codes like ``"CN:urban"`` return None.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    if isinstance(value, (list, tuple)):
        parsed = [parse_maxspeed_kph(v) for v in value]
        numbers = [p for p in parsed if p is not None]
        return min(numbers) if numbers else None
    text = str(value)
    if ";" in text or "|" in text:
        return parse_maxspeed_kph(re.split(r"[;|]", text))
    match = _NUMBER.match(text)
    if not match:
        return None
    speed = float(match.group(1))
    if match.group(2) and match.group(2).lower() == "mph":
        speed *= _MPH_TO_KPH
    return speed if speed > 0 else None


def road_class(highway: object) -> str:
    """Normalise an OSM ``highway`` value (osmnx gives a list for merged ways: take the first)."""
    if isinstance(highway, (list, tuple)):
        highway = highway[0] if highway else ""
    if highway is None or (isinstance(highway, float) and math.isnan(highway)):
        return ""
    return str(highway)


def speed_for(highway: str, maxspeed_kph: float | None, speeds_kph: Mapping[str, float]) -> float:
    """Speed for one edge: the class speed, capped by a posted ``maxspeed`` where there is one."""
    speed = float(speeds_kph.get(highway, speeds_kph.get("default", FALLBACK_SPEED_KPH)))
    if maxspeed_kph is not None:
        speed = min(speed, maxspeed_kph)
    return speed
