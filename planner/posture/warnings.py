"""Early warnings as data: the warning record, its areas and vocabulary, and warnings entered by hand.

A warning (:class:`HazardWarning`) has an event, a hazard key and a colour level (red/orange/yellow/blue
as in China's four-colour warning system), the CAP severity, urgency and certainty, a time window
(onset or effective .. expires) and one or more areas. An area (:class:`WarningArea`) is any mix of
polygons, circles and jurisdiction codes of the scenario; a site is inside when any part covers it.

CAP 1.2 files are read by :mod:`planner.posture.cap`; the risk rules that warnings trigger live in
:mod:`planner.posture.risk`. Warnings entered by hand (:func:`warning_from_dict`) are checked here.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import shapely
import shapely.geometry
from pydantic import StrictStr

from planner import clock
from planner.errors import InputError
from planner.model.validation import one_of

__all__ = [
    "HAZARD_KEYWORDS",
    "LEVELS",
    "Circle",
    "HazardKey",
    "HazardWarning",
    "WarningArea",
    "WarningLevel",
    "answers",
    "haversine_km",
    "hazard_of",
    "in_force",
    "level_of",
    "warning_from_dict",
]

URGENCY = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITY = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTY = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
LEVELS = ("red", "orange", "yellow", "blue")
SEVERITY_LEVEL: Mapping[str, str] = {"Extreme": "red", "Severe": "orange", "Moderate": "yellow", "Minor": "blue"}
"""CAP severity to warning colour when the event text names none [U: national release-system profile]."""
LEVEL_SEVERITY: Mapping[str, str] = {v: k for k, v in SEVERITY_LEVEL.items()}
COLOUR_WORDS: Mapping[str, tuple[str, ...]] = {
    "red": ("红色", "red"), "orange": ("橙色", "orange"), "yellow": ("黄色", "yellow"), "blue": ("蓝色", "blue"),
}
HAZARD_KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "rainstorm": ("暴雨", "rainstorm", "heavy rain"),
    "flood": ("洪水", "山洪", "flood"),
    "typhoon": ("台风", "typhoon"),
    "thunderstorm": ("雷电", "雷暴", "thunder"),
    "gale": ("大风", "gale", "strong wind"),
    "heat": ("高温", "heat"),
    "cold_wave": ("寒潮", "cold wave"),
    "snowstorm": ("暴雪", "snowstorm", "blizzard"),
    "geological": ("地质灾害", "滑坡", "泥石流", "landslide", "debris flow", "geological"),
    "earthquake": ("地震", "earthquake"),
    "fog": ("大雾", "fog"),
    "hail": ("冰雹", "hail"),
    "lightning": ("闪电",),
    "dust": ("沙尘", "dust"),
    "forest_fire": ("森林火险", "森林火灾", "forest fire", "wildfire"),
}
"""Hazard key from words in the CAP event (Chinese or English), first match wins."""

_EARTH_RADIUS_KM = 6371.0088

HazardKey = Annotated[StrictStr, one_of(HAZARD_KEYWORDS)]
"""A hazard key of :data:`HAZARD_KEYWORDS` (``rainstorm``, ``flood``, ...)."""
WarningLevel = Annotated[StrictStr, one_of(LEVELS)]
"""A warning colour: red, orange, yellow or blue."""


# records



@dataclass(frozen=True)
class Circle:
    """A circle: centre (WGS-84) and radius in kilometres."""

    lon: float
    lat: float
    radius_km: float

    def contains(self, lon: float, lat: float) -> bool:
        """Whether the point lies within the radius (great-circle distance)."""
        return haversine_km(self.lon, self.lat, lon, lat) <= self.radius_km + 1e-9

    def ring(self, points: int = 64) -> list[tuple[float, float]]:
        """Return a closed ring of ``points`` vertices approximating the circle, lon/lat, for drawing."""
        out = []
        for k in range(points + 1):
            bearing = 2 * math.pi * (k % points) / points
            d = self.radius_km / _EARTH_RADIUS_KM
            lat1, lon1 = math.radians(self.lat), math.radians(self.lon)
            lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(bearing))
            lon2 = lon1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(lat1),
                                     math.cos(d) - math.sin(lat1) * math.sin(lat2))
            out.append((round(math.degrees(lon2), 6), round(math.degrees(lat2), 6)))
        return out


@dataclass(frozen=True)
class WarningArea:
    """Where a warning applies: polygons (lon/lat rings), circles and jurisdiction ids, in any mix."""

    description: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[Circle, ...] = ()
    regions: tuple[str, ...] = ()

    def contains(self, lon: float, lat: float, region_shapes: Mapping[str, Any] | None = None) -> bool:
        """Whether a point is inside any polygon, circle or named region (shapes keyed by region id)."""
        point = shapely.Point(lon, lat)
        if any(c.contains(lon, lat) for c in self.circles):
            return True
        if any(shapely.Polygon(ring).covers(point) for ring in self.polygons):
            return True
        shapes = region_shapes or {}
        return any(r in shapes and shapes[r].covers(point) for r in self.regions)

    def geometry(self, region_shapes: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Return the area as one GeoJSON geometry (circles drawn as 64-gons), for maps."""
        parts = [shapely.Polygon(ring) for ring in self.polygons]
        parts += [shapely.Polygon(c.ring()) for c in self.circles]
        parts += [(region_shapes or {})[r] for r in self.regions if r in (region_shapes or {})]
        if not parts:
            return {"type": "GeometryCollection", "geometries": []}
        merged = shapely.union_all([p.buffer(0) for p in parts])
        return dict(shapely.geometry.mapping(shapely.set_precision(merged, 1e-6)))


@dataclass(frozen=True)
class HazardWarning:
    """One warning: what, how bad, when, where; from a CAP ``info`` block or entered by hand.

    ``hazard`` is a key of ``HAZARD_KEYWORDS`` ('' when the event names none); ``level`` the colour
    red/orange/yellow/blue. ``onset`` is the CAP onset, else effective, else sent; ``expires`` may be
    None (open-ended).
    """

    id: str
    event: str
    hazard: str
    level: str
    severity: str
    urgency: str
    certainty: str
    onset: dt.datetime
    expires: dt.datetime | None
    areas: tuple[WarningArea, ...]
    sender: str = ""
    sent: dt.datetime | None = None
    status: str = "Actual"
    msg_type: str = "Alert"
    headline: str = ""
    language: str = ""
    source: str = "manual"

    def in_force(self, at: dt.datetime) -> bool:
        """Whether ``at`` lies in [onset, expires)."""
        return self.onset <= at and (self.expires is None or at < self.expires)

    def contains(self, lon: float, lat: float, region_shapes: Mapping[str, Any] | None = None) -> bool:
        """Whether a point lies in any of the warning's areas."""
        return any(a.contains(lon, lat, region_shapes) for a in self.areas)

    def duration_h(self, default_h: float = 24.0) -> float:
        """Length of the window in hours (``default_h`` when open-ended)."""
        if self.expires is None:
            return default_h
        return max(0.0, (self.expires - self.onset).total_seconds() / 3600)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict; date-times in ISO 8601."""
        out = asdict(self)
        for key in ("onset", "expires", "sent"):
            value = getattr(self, key)
            out[key] = value.isoformat() if value is not None else None
        return out


def in_force(warnings: Iterable[HazardWarning], at: dt.datetime) -> tuple[HazardWarning, ...]:
    """Return the warnings whose window contains ``at``."""
    return tuple(w for w in warnings if w.in_force(at))


def answers(hazards: Iterable[str], levels: Iterable[str], warning: HazardWarning) -> bool:
    """Whether a rule naming ``hazards`` and ``levels`` (empty: any) answers the warning: the one test of every rule."""
    hazards, levels = frozenset(hazards), frozenset(levels)
    return (not hazards or warning.hazard in hazards) and (not levels or warning.level in levels)


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def hazard_of(event: str) -> str:
    """Return the hazard key named by an event text ('' when none)."""
    text = event.lower()
    for key, words in HAZARD_KEYWORDS.items():
        if any(w in text for w in words):
            return key
    return ""


def level_of(event: str, severity: str) -> str:
    """Return the colour level from the event text, else from the CAP severity ('' when neither tells)."""
    text = event.lower()
    for level, words in COLOUR_WORDS.items():
        if any(w in text for w in words):
            return level
    return SEVERITY_LEVEL.get(severity, "")



# warnings entered by hand



_MANUAL_FIELDS = {"id", "event", "hazard", "level", "severity", "urgency", "certainty", "onset", "expires",
                  "areas", "area", "headline", "sender"}


def warning_from_dict(data: Mapping[str, Any], *, record: str = "warning",
                      now: dt.datetime | None = None) -> HazardWarning:
    """Parse a warning entered by hand (JSON/YAML); ``InputError`` names the field.

    Fields: ``id``, ``event`` (text), optional ``hazard`` (a key of ``HAZARD_KEYWORDS``, else read from
    the event), ``level`` (red/orange/yellow/blue) or ``severity`` (CAP), ``urgency``, ``certainty``,
    ``onset`` and ``expires`` (ISO 8601 with a time zone), and ``area`` (or a list ``areas``) with
    ``description``, ``polygon`` ([[lon, lat], ...], GeoJSON order), ``circle`` ({lon, lat, radius_km})
    and ``regions`` (jurisdiction ids). Refused when it has expired by ``now``.
    """
    if not isinstance(data, Mapping):
        raise InputError(f"{record} must be an object", field="warning", record=record)
    unknown = sorted(set(data) - _MANUAL_FIELDS)
    if unknown:
        raise InputError(f"{record}: {unknown[0]} is not a known field", field=unknown[0], record=record)
    wid = data.get("id") or "manual"
    if not isinstance(wid, str) or not re.match(r"^[A-Za-z0-9_.:\-]{1,80}$", wid):
        raise InputError(f"{record}: id must be letters, digits or _ . : -", field="id", record=record)
    event = data.get("event")
    if not isinstance(event, str) or not event.strip():
        raise InputError(f"{record}: event must be a non-empty text", field="event", record=record)
    severity = data.get("severity")
    level = data.get("level")
    if level is not None and level not in LEVELS:
        raise InputError(f"{record}: level must be one of {', '.join(LEVELS)}, got {level!r}",
                         field="level", record=record)
    if severity is not None and severity not in SEVERITY:
        raise InputError(f"{record}: severity must be one of {', '.join(SEVERITY)}, got {severity!r}",
                         field="severity", record=record)
    level = level or level_of(event, str(severity or ""))
    if not level:
        raise InputError(f"{record}: give level (red/orange/yellow/blue) or severity", field="level", record=record)
    severity = severity or LEVEL_SEVERITY[level]
    hazard = data.get("hazard") or hazard_of(event)
    if hazard and hazard not in HAZARD_KEYWORDS:
        raise InputError(f"{record}: hazard {hazard!r} is not one of {', '.join(HAZARD_KEYWORDS)}", field="hazard",
                         record=record)
    urgency = data.get("urgency", "Expected")
    certainty = data.get("certainty", "Likely")
    if urgency not in URGENCY:
        raise InputError(f"{record}: urgency must be one of {', '.join(URGENCY)}", field="urgency", record=record)
    if certainty not in CERTAINTY:
        raise InputError(f"{record}: certainty must be one of {', '.join(CERTAINTY)}", field="certainty", record=record)
    onset = _manual_datetime(data.get("onset"), "onset", record)
    expires = _manual_datetime(data.get("expires"), "expires", record) if data.get("expires") is not None else None
    if expires is not None and expires <= onset:
        raise InputError(f"{record}: expires must be after onset", field="expires", record=record)
    now = now or clock.now()
    if expires is not None and expires <= now:
        raise InputError(f"{record}: expired at {expires.isoformat()}", field="expires", record=record)
    raw_areas = data.get("areas", [data["area"]] if "area" in data else None)
    if not isinstance(raw_areas, list) or not raw_areas:
        raise InputError(f"{record}: give an area (polygon, circle or regions)", field="area", record=record)
    areas = tuple(_manual_area(a, f"{record}.area[{i}]") for i, a in enumerate(raw_areas))
    return HazardWarning(id=wid, event=event.strip(), hazard=hazard, level=level, severity=severity, urgency=urgency,
                         certainty=certainty, onset=onset, expires=expires, areas=areas,
                         sender=str(data.get("sender", "")), headline=str(data.get("headline", "")), source="manual")


def _manual_datetime(value: Any, name: str, record: str) -> dt.datetime:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    try:
        return clock.aware(value.isoformat() if isinstance(value, dt.datetime) else str(value), name)
    except InputError as error:
        raise InputError(f"{record}: {error}", field=name, record=record) from None


def _manual_area(data: Any, where: str) -> WarningArea:
    if not isinstance(data, Mapping):
        raise InputError(f"{where} must be an object", field="area", record=where)
    unknown = sorted(set(data) - {"description", "polygon", "circle", "regions"})
    if unknown:
        raise InputError(f"{where}: unknown area type {unknown[0]!r} (polygon, circle, regions)", field="area",
                         record=where)
    polygons = []
    if data.get("polygon") is not None:
        ring = data["polygon"]
        if not isinstance(ring, list) or len(ring) < 3:
            raise InputError(f"{where}: polygon must list at least 3 [lon, lat] points", field="polygon", record=where)
        points = []
        for p in ring:
            if not (isinstance(p, (list, tuple)) and len(p) == 2 and all(_finite(v) for v in p)
                    and -180 <= p[0] <= 180 and -90 <= p[1] <= 90):
                raise InputError(f"{where}: polygon point {p!r} is not [lon, lat]", field="polygon", record=where)
            points.append((float(p[0]), float(p[1])))
        if points[0] != points[-1]:
            points.append(points[0])
        polygons.append(tuple(points))
    circles = []
    if data.get("circle") is not None:
        c = data["circle"]
        if not (isinstance(c, Mapping) and all(_finite(c.get(k)) for k in ("lon", "lat", "radius_km"))
                and c["radius_km"] > 0 and -180 <= c["lon"] <= 180 and -90 <= c["lat"] <= 90):
            raise InputError(f"{where}: circle must be {{lon, lat, radius_km > 0}}", field="circle", record=where)
        circles.append(Circle(float(c["lon"]), float(c["lat"]), float(c["radius_km"])))
    regions = data.get("regions") or []
    if not isinstance(regions, list) or not all(isinstance(r, str) and r for r in regions):
        raise InputError(f"{where}: regions must be a list of jurisdiction ids", field="regions", record=where)
    if not (polygons or circles or regions):
        raise InputError(f"{where}: give a polygon, a circle or regions", field="area", record=where)
    return WarningArea(str(data.get("description") or ", ".join(regions) or "area"), tuple(polygons), tuple(circles),
                       tuple(regions))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


