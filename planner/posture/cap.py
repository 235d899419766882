"""CAP 1.2 alerts read into warnings (:class:`planner.posture.warnings.HazardWarning`).

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
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as DET

from planner import clock
from planner.errors import InputError
from planner.posture.warnings import (
    CERTAINTY,
    SEVERITY,
    URGENCY,
    Circle,
    HazardWarning,
    WarningArea,
    hazard_of,
    level_of,
)

__all__ = [
    "CAP_NS",
    "parse_cap",
    "read_cap",
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
AREA_CHILDREN = ("areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling")
GEOCODE_JURISDICTION = "jurisdiction"
"""CAP geocode ``valueName`` whose values are the scenario's jurisdiction ids (other names are ignored)."""

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
_MAX_BYTES = 2_000_000




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


