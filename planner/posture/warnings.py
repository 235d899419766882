"""Early warnings as data: CAP 1.2 alerts, hand-entered warnings and the risk rules they trigger.

A warning (:class:`HazardWarning`) has an event, a hazard key and a colour level (red/orange/yellow/blue
as in China's four-colour warning system), the CAP severity, urgency and certainty, a time window
(onset or effective .. expires) and one or more areas. An area (:class:`WarningArea`) is any mix of
polygons, circles and jurisdiction codes of the scenario; a site is inside when any part covers it.

CAP 1.2 (OASIS, 2010) files are read with ``defusedxml`` (no DTD, no entity expansion, no external
references) and checked against the CAP structure: the ``urn:oasis:names:tc:emergency:cap:1.2``
namespace, the required alert elements (identifier, sender, sent, status, msgType, scope), the
required info elements (category, event, urgency, severity, certainty) with their code values,
date-times with a time zone, polygons of at least four ``lat,lon`` pairs with the first equal to the
last, circles ``lat,lon radius_km``, and no element an area may not hold (so an unknown area type is
refused). Every problem raises one ``InputError`` naming the file and the element; a refused file
yields nothing, so nothing from it can be stored. Test, system and draft messages, cancellations and
alerts that have expired are refused too.

Each CAP ``info`` block becomes one warning (several languages of the same alert raise the same sites,
which is harmless since raises take the highest grade). The colour level is read from the event text
(红色 / red ...) and otherwise from the CAP severity: Extreme = red, Severe = orange, Moderate = yellow,
Minor = blue, the mapping used by China's national early-warning release system profile [U].

Risk rules are data (``warning_rules.yaml``, section ``risk_rules``): a rule names the hazards and the
levels it answers, the site kinds or site ids it concerns, and either the grade those sites are raised
to (``raise_to: red``) or the number of grades they go up (``raise_by: 1``). A raise lasts the
warning's window and never lowers a grade.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as DET
import shapely
import shapely.geometry
from pydantic import ConfigDict, Field, StrictInt, StrictStr, ValidationInfo, field_validator

from planner import clock
from planner.errors import InputError
from planner.model.records import HazardSite, RiskGrade, SiteKind
from planner.model.validation import Model, Text, one_of, validate
from planner.scenario.model import Scenario

__all__ = [
    "CAP_NS",
    "HAZARD_KEYWORDS",
    "Circle",
    "HazardWarning",
    "RiskRule",
    "SiteRaise",
    "WarningArea",
    "answers",
    "apply_raises",
    "in_force",
    "parse_cap",
    "parse_risk_rules",
    "raise_sites",
    "read_cap",
    "warning_from_dict",
]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
_Q = "{" + CAP_NS + "}"
STATUS = ("Actual", "Exercise", "System", "Test", "Draft")
USABLE_STATUS = ("Actual", "Exercise")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
USABLE_MSG_TYPES = ("Alert", "Update")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
              "CBRNE", "Other")
URGENCY = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITY = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTY = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
AREA_CHILDREN = ("areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling")
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

GEOCODE_JURISDICTION = "jurisdiction"
"""CAP geocode ``valueName`` whose values are the scenario's jurisdiction ids (other names are ignored)."""

_EARTH_RADIUS_KM = 6371.0088
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
_MAX_BYTES = 2_000_000


# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# CAP 1.2


def read_cap(path: str | Path, *, now: dt.datetime | None = None) -> tuple[HazardWarning, ...]:
    """Read a CAP 1.2 file; refuse it whole with one ``InputError`` line naming the file and element.

    Parameters
    ----------
    path
        The ``.xml`` (or ``.cap``) file.
    now
        The clock used to refuse an expired alert (default: :func:`planner.clock.now`).

    Returns
    -------
    tuple
        One warning per ``info`` block.

    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path.name}: cannot read: {error.strerror}", field="cap", record=path.name) from None
    return parse_cap(data, name=path.name, now=now)


def parse_cap(data: str | bytes, *, name: str = "CAP alert",
              now: dt.datetime | None = None) -> tuple[HazardWarning, ...]:
    """Parse CAP 1.2 XML text; see :func:`read_cap`."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > _MAX_BYTES:
        raise InputError(f"{name}: larger than {_MAX_BYTES // 1_000_000} MB", field="cap", record=name)
    try:
        root = DET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as error:
        raise InputError(f"{name}: malformed XML ({error})", field="cap", record=name) from None
    except defusedxml.DefusedXmlException as error:
        raise InputError(f"{name}: refused XML feature ({type(error).__name__})", field="cap", record=name) from None
    if root.tag != _Q + "alert":
        raise InputError(f"{name}: root element is {_local(root.tag)!r} in namespace {_ns(root.tag)!r}, "
                         f"expected CAP 1.2 alert ({CAP_NS})", field="alert", record=name)
    where = name
    identifier = _text(root, "identifier", where)
    where = f"{name} ({identifier})"
    sender = _text(root, "sender", where)
    sent = _datetime(_text(root, "sent", where), "sent", where)
    status = _code(root, "status", STATUS, where)
    msg_type = _code(root, "msgType", MSG_TYPES, where)
    _code(root, "scope", SCOPES, where)
    if status not in USABLE_STATUS:
        raise InputError(f"{where}: status {status} is not an actual or exercise alert",
                         field="status", record=identifier)
    if msg_type not in USABLE_MSG_TYPES:
        raise InputError(f"{where}: msgType {msg_type} carries no warning to plan for", field="msgType",
                         record=identifier)
    infos = root.findall(_Q + "info")
    if not infos:
        raise InputError(f"{where}: no info block", field="info", record=identifier)
    now = now or clock.now()
    if now.tzinfo is None:
        raise InputError("now must carry a time zone", field="now")
    out = []
    for k, info in enumerate(infos):
        at = f"{where} info[{k}]"
        categories = [c.text.strip() if c.text else "" for c in info.findall(_Q + "category")]
        if not categories:
            raise InputError(f"{at}: category is missing", field="category", record=identifier)
        bad = [c for c in categories if c not in CATEGORIES]
        if bad:
            raise InputError(f"{at}: category {bad[0]!r} is not one of {', '.join(CATEGORIES)}", field="category",
                             record=identifier)
        event = _text(info, "event", at)
        urgency = _code(info, "urgency", URGENCY, at)
        severity = _code(info, "severity", SEVERITY, at)
        certainty = _code(info, "certainty", CERTAINTY, at)
        effective = _optional_datetime(info, "effective", at)
        onset = _optional_datetime(info, "onset", at) or effective or sent
        expires = _optional_datetime(info, "expires", at)
        if expires is not None and expires <= onset:
            raise InputError(f"{at}: expires {expires.isoformat()} is not after onset {onset.isoformat()}",
                             field="expires", record=identifier)
        if expires is not None and expires <= now:
            raise InputError(f"{at}: expired at {expires.isoformat()} (now {now.isoformat(timespec='minutes')})",
                             field="expires", record=identifier)
        areas = tuple(_area(a, f"{at} area[{j}]", identifier) for j, a in enumerate(info.findall(_Q + "area")))
        if not areas:
            raise InputError(f"{at}: no area", field="area", record=identifier)
        level = level_of(event, severity)
        language = _optional_text(info, "language") or "en-US"
        out.append(HazardWarning(
            id=identifier if len(infos) == 1 else f"{identifier}#{k}", event=event, hazard=hazard_of(event),
            level=level, severity=severity, urgency=urgency, certainty=certainty, onset=onset, expires=expires,
            areas=areas, sender=sender, sent=sent, status=status, msg_type=msg_type,
            headline=_optional_text(info, "headline"), language=language, source=f"cap:{name}",
        ))
    return tuple(out)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _optional_text(element: Any, child: str) -> str:
    found = element.find(_Q + child)
    return (found.text or "").strip() if found is not None else ""


def _text(element: Any, child: str, where: str) -> str:
    value = _optional_text(element, child)
    if not value:
        raise InputError(f"{where}: {child} is missing or empty", field=child, record=where)
    return value


def _code(element: Any, child: str, allowed: Sequence[str], where: str) -> str:
    value = _text(element, child, where)
    if value not in allowed:
        raise InputError(f"{where}: {child} {value!r} is not one of {', '.join(allowed)}", field=child, record=where)
    return value


def _datetime(text: str, name: str, where: str) -> dt.datetime:
    if not _DATETIME.match(text):
        raise InputError(f"{where}: {name} {text!r} is not a CAP date-time with a time zone "
                         "(YYYY-MM-DDThh:mm:ss+hh:mm)", field=name, record=where)
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{where}: {name} {text!r} is not a valid date-time", field=name, record=where) from None


def _optional_datetime(element: Any, child: str, where: str) -> dt.datetime | None:
    text = _optional_text(element, child)
    return _datetime(text, child, where) if text else None


def _number(text: str, what: str, where: str, field_name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: {what} {text!r} is not a number", field=field_name, record=where) from None
    if not math.isfinite(value):
        raise InputError(f"{where}: {what} {text!r} is not finite", field=field_name, record=where)
    return value


def _lat_lon(pair: str, where: str, field_name: str) -> tuple[float, float]:
    """Parse a CAP ``lat,lon`` pair as (lon, lat)."""
    parts = pair.split(",")
    if len(parts) != 2:
        raise InputError(f"{where}: {field_name} point {pair!r} is not lat,lon", field=field_name, record=where)
    lat = _number(parts[0], "latitude", where, field_name)
    lon = _number(parts[1], "longitude", where, field_name)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{where}: {field_name} point {pair!r} is out of range", field=field_name, record=where)
    return lon, lat


def _area(element: Any, where: str, identifier: str) -> WarningArea:
    for child in element:
        if _ns(child.tag) != CAP_NS or _local(child.tag) not in AREA_CHILDREN:
            raise InputError(f"{where}: unknown area type <{_local(child.tag)}> (CAP 1.2 areas hold "
                             f"{', '.join(AREA_CHILDREN)})", field="area", record=identifier)
    description = _text(element, "areaDesc", where)
    polygons = []
    for p in element.findall(_Q + "polygon"):
        points = tuple(_lat_lon(pair, where, "polygon") for pair in (p.text or "").split())
        if len(points) < 4 or points[0] != points[-1]:
            raise InputError(f"{where}: polygon needs at least 4 lat,lon pairs with the first equal to the last",
                             field="polygon", record=identifier)
        polygons.append(points)
    circles = []
    for c in element.findall(_Q + "circle"):
        parts = (c.text or "").split()
        if len(parts) != 2:
            raise InputError(f"{where}: circle {c.text!r} is not 'lat,lon radius_km'",
                             field="circle", record=identifier)
        lon, lat = _lat_lon(parts[0], where, "circle")
        radius = _number(parts[1], "circle radius", where, "circle")
        if radius <= 0:
            raise InputError(f"{where}: circle radius {radius:g} km must be > 0", field="circle", record=identifier)
        circles.append(Circle(lon, lat, radius))
    regions = []
    for g in element.findall(_Q + "geocode"):
        value_name = _optional_text(g, "valueName")
        value = _optional_text(g, "value")
        if not value_name or not value:
            raise InputError(f"{where}: geocode needs valueName and value", field="geocode", record=identifier)
        if value_name == GEOCODE_JURISDICTION:
            regions.append(value)
    if not (polygons or circles or regions):
        raise InputError(f"{where}: area {description!r} has no polygon, circle or '{GEOCODE_JURISDICTION}' geocode",
                         field="area", record=identifier)
    return WarningArea(description, tuple(polygons), tuple(circles), tuple(regions))


# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# risk rules


HazardKey = Annotated[StrictStr, one_of(HAZARD_KEYWORDS)]
"""A hazard key of :data:`HAZARD_KEYWORDS` (``rainstorm``, ``flood``, ...)."""
WarningLevel = Annotated[StrictStr, one_of(LEVELS)]
"""A warning colour: red, orange, yellow or blue."""


class RiskRule(Model):
    """Which sites a warning raises, and how far (rules as data, section ``risk_rules``).

    A rule applies to a warning whose hazard is in ``hazards`` (empty: any) and whose level is in
    ``levels`` (empty: any); it raises the sites inside the warning's area whose kind is in
    ``site_kinds`` or whose id is in ``sites`` to ``raise_to``, or by ``raise_by`` grades.
    """

    model_config = ConfigDict(json_schema_extra={"allOf": [  # as ``_names_sites`` and ``_one_raise`` check
        {"anyOf": [{"required": ["site_kinds"], "properties": {"site_kinds": {"minItems": 1}}},
                   {"required": ["sites"], "properties": {"sites": {"minItems": 1}}}]},
        {"oneOf": [{"required": ["raise_to"], "properties": {"raise_to": {"not": {"type": "null"}},
                                                             "raise_by": {"const": 0}}},
                   {"required": ["raise_by"], "properties": {"raise_by": {"minimum": 1},
                                                             "raise_to": {"type": "null"}}}]}]})

    name: Text
    hazards: frozenset[HazardKey] = frozenset()
    levels: frozenset[WarningLevel] = frozenset()
    sites: frozenset[Text] = frozenset()
    site_kinds: frozenset[SiteKind] = Field(default=frozenset(), validate_default=True)
    raise_by: StrictInt = Field(default=0, ge=0, le=3)
    raise_to: RiskGrade | None = Field(default=None, validate_default=True)
    source: str = ""

    @field_validator("site_kinds")
    @classmethod
    def _names_sites(cls, kinds: frozenset[SiteKind], info: ValidationInfo) -> frozenset[SiteKind]:
        if not kinds and not info.data.get("sites"):
            raise ValueError("name site_kinds or sites")
        return kinds

    @field_validator("raise_to")
    @classmethod
    def _one_raise(cls, raise_to: RiskGrade | None, info: ValidationInfo) -> RiskGrade | None:
        if "raise_by" in info.data and (raise_to is None) == (not info.data["raise_by"]):
            raise ValueError("give exactly one of raise_to (a grade) or raise_by (grades up, 1..3)")
        return raise_to

    def applies(self, warning: HazardWarning) -> bool:
        """Whether the rule answers this warning's hazard and level."""
        return answers(self.hazards, self.levels, warning)

    def concerns(self, site: HazardSite) -> bool:
        """Whether the rule names this site (by kind or id)."""
        return site.kind in self.site_kinds or site.id in self.sites

    def grade(self, current: RiskGrade) -> RiskGrade:
        """Return the raised grade (never lower than ``current``)."""
        grades = list(RiskGrade)
        target = self.raise_to.rank if self.raise_to is not None else max(0, current.rank - self.raise_by)
        return grades[min(target, current.rank)]


class RiskRules(Model):
    """The ``risk_rules`` section of ``warning_rules.yaml``."""

    risk_rules: tuple[RiskRule, ...] = ()


def parse_risk_rules(items: Any, *, where: str = "risk_rules") -> tuple[RiskRule, ...]:
    """Risk rules from a list of mappings; ``InputError`` names the rule and field."""
    return validate(RiskRules, {"risk_rules": items or []}, what=where, field="risk_rules").risk_rules


@dataclass(frozen=True)
class SiteRaise:
    """A site whose risk grade a warning raised, with the warning and the rule."""

    site: str
    name: str
    lon: float
    lat: float
    kind: str
    grade_before: str
    grade_after: str
    warnings: tuple[str, ...] = ()
    rules: tuple[str, ...] = field(default=())


def region_shapes(scenario: Scenario) -> dict[str, Any]:
    """Shapely shapes of the scenario's jurisdictions that have a boundary, by id."""
    return {j.id: shapely.geometry.shape(j.geometry) for j in scenario.jurisdictions if j.geometry is not None}


def raise_sites(scenario: Scenario, warnings: Sequence[HazardWarning],
                rules: Sequence[RiskRule]) -> tuple[SiteRaise, ...]:
    """Return the sites inside the given warnings' areas that a rule raises, highest resulting grade kept.

    Callers pass only the warnings in force; a warning area naming a region the scenario lacks raises
    ``InputError``. Sites are returned in scenario order; unchanged sites are left out.
    """
    shapes = region_shapes(scenario)
    known = scenario.by_id("jurisdictions")
    for w in warnings:
        for area in w.areas:
            missing = [r for r in area.regions if r not in known]
            if missing:
                raise InputError(f"warning {w.id}: area region {missing[0]!r} is not a jurisdiction of scenario "
                                 f"{scenario.name}", field="regions", record=w.id)
    out = []
    for site in scenario.sites:
        best = site.risk_grade
        why_w: list[str] = []
        why_r: list[str] = []
        for w in warnings:
            if not w.contains(site.lon, site.lat, shapes):
                continue
            for rule in rules:
                if rule.applies(w) and rule.concerns(site):
                    grade = rule.grade(site.risk_grade)
                    if grade.rank < site.risk_grade.rank:
                        best = grade if grade.rank < best.rank else best
                        why_w.append(w.id) if w.id not in why_w else None
                        why_r.append(rule.name) if rule.name not in why_r else None
        if best is not site.risk_grade:
            out.append(SiteRaise(site.id, site.name, site.lon, site.lat, site.kind.value, site.risk_grade.value,
                                 best.value, tuple(why_w), tuple(why_r)))
    return tuple(out)


def apply_raises(scenario: Scenario, raises: Sequence[SiteRaise]) -> Scenario:
    """Return a copy of the scenario with the raised sites' risk grades."""
    new = {r.site: RiskGrade(r.grade_after) for r in raises}
    return dataclasses.replace(scenario, sites=tuple(
        s.model_copy(update={"risk_grade": new[s.id]}) if s.id in new else s for s in scenario.sites))
