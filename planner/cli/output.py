"""Output helpers shared by the commands: JSON to stdout, readable tables otherwise."""

from __future__ import annotations

import json
import math
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from planner.cli.language import tr


def _plain(value: Any) -> Any:
    """Make numpy scalars, enums, dates and non-finite floats JSON-safe."""
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):
        return value.value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON (NaN and infinity become null)."""
    text = json.dumps(_finite(payload), default=_plain, ensure_ascii=False, indent=2)
    sys.stdout.write(text + "\n")


def _finite(value: Any) -> Any:
    """Replace non-finite floats recursively, since json.dumps would write NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print rows as an aligned plain-text table, its headings in the command line's language.

    Aligned by the columns a terminal gives each character: a Chinese character takes two.
    """
    headers = [tr(h) for h in headers]
    text_rows = [[_cell(v) for v in row] for row in rows]
    widths = [_width(h) for h in headers]
    for row in text_rows:
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=False)]
    print("  ".join(_padded(h, w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in text_rows:
        print("  ".join(_padded(c, w) for c, w in zip(row, widths, strict=False)))


def _width(text: str) -> int:
    """Return how many terminal columns a text takes (wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _padded(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "-" if not math.isfinite(value) else f"{value:.1f}"
    return "" if value is None else str(value)


def describe_roads(roads: Mapping[str, Any]) -> str:
    """Return one line saying which closures and which time band a result was computed under."""
    parts = []
    if roads.get("closure_set"):
        closures = ", ".join(f"{c['id']} ({c['edges']} edges{'' if c['speed_factor'] is None else ' slowed'})"
                             for c in roads.get("closures", []))
        parts.append(f"closure set {roads['closure_set']}: {closures}")
    if roads.get("band"):
        parts.append(f"time band {roads['band']} ({roads.get('band_label') or 'no label'})")
    elif roads.get("at"):
        parts.append(f"at {roads['at']}: free flow (no time band)")
    return "; ".join(parts) or "free flow, no closure"
