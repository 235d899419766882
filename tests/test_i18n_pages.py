"""Every page in both languages: no page text of the catalogs left in the other language, no stray English words.

The check on a zh_CN page is a heuristic: every catalog message (its English msgid) and every Latin word of the
visible text is an error unless it is data (a word of the scenario's own files: names, ids, codes), a coded
value's slug, or one of the codes, units, formats and proper names that :data:`ALLOWED` lists.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from planner.model.codes import LABELS
from tests.conftest import MINI
from tests.test_i18n import CJK, catalog, visible_text
from web.i18n import PHRASES

PAGES = ("/map?scenario=mini", "/coverage?scenario=mini", "/dispatch?scenario=mini", "/posture?scenario=mini",
         "/sweep?scenario=mini", "/inventory/?scenario=mini", "/inventory/?scenario=mini&kind=teams",
         "/inventory/?scenario=mini&kind=teams&at=2026-07-01T10:00", "/inventory/bases/new?scenario=mini",
         "/inventory/sites/S1/edit?scenario=mini", "/inventory/bases/import?scenario=mini",
         "/inventory/upkeep?scenario=mini", "/drills?scenario=mini", "/drills/actions?scenario=mini",
         "/requests?scenario=mini", "/claims?scenario=mini", "/audit?scenario=mini", "/users",
         "/account/password", "/no-such-page")
"""Every page an admin reaches on the mini scenario (the drill pages need a stored programme)."""

ALLOWED = {
    "min", "km", "CSV", "csv", "GeoJSON", "GeoPackage", "MSEL", "CAP", "MCLP", "p-median", "ics", "PDF", "AAR",
    "SimPy", "API", "PUT", "api", "scenarios", "settings", "plans", "calendar", "yaml", "python", "planner",
    "scenario", "load", "xml", "UTC", "Asia", "Shanghai", "StartEx", "EndEx", "OSM", "OpenStreetMap", "Leaflet",
    "English", "JSON", "utf", "UTF-", "gb18030", "lon", "lat", "WGS", "WGS-", "GCJ-", "BD-", "GPS", "xlsx", "wkt",
    "GIS", "ZIP", "zip", "HTML", "PNG", "Shapefile", "gpkg", "shp", "shx", "dbf", "prj",  # file formats and extensions
    "personnel", "roster", "status", "upkeep",  # the rule ids of a team's availability notes: [personnel] ...
}
"""Codes, units, formats and proper names a Chinese page writes in Latin letters."""

WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


def data_text() -> str:
    """The text of the mini scenario's files: names, ids and codes shown as entered, not page text."""
    return " ".join(file.read_text(encoding="utf-8") for file in MINI.iterdir() if file.is_file())


def data_words() -> set[str]:
    """Words of the scenario's data, the coded values' slugs and the test users' names."""
    words = set(WORD.findall(data_text()))
    for values in LABELS.values():
        words |= {w for code in values for w in WORD.findall(code)}
    return words | {"admin", "planner", "viewer", "dispatcher", "system"}  # system: the loader's name


def page_text(answer: Any) -> str:
    """The visible text of a page; records' JSON (audit), commands and file names left out."""
    html = re.sub(r"<(pre|code)\b.*?</\1>", " ", answer.get_data(as_text=True), flags=re.S)
    return re.sub(r"[\w.-]+\.(?:yaml|csv|xml)\b", " ", visible_text(html))


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_page_speaks_the_language_asked_for(client: Any, auth: Any, language: str) -> None:
    messages = {m: s for m, s in catalog("zh_CN").items() if m not in PHRASES and "%(" not in m}
    english = sorted(messages, key=len, reverse=True)
    chinese = sorted({s for s in messages.values() if len(s) > 1}, key=len, reverse=True)
    data, raw = data_words(), data_text()
    answers = {"/login": client.get(f"/login?lang={language}")}
    auth.login("admin")
    for path in PAGES:
        answers[path] = client.get(f"{path}{'&' if '?' in path else '?'}lang={language}")
    wrong = {}
    for path, answer in answers.items():
        assert answer.status_code in (200, 404), path
        text = page_text(answer)
        if language == "en":  # no page text left in Chinese (names from the records may be)
            shown = [s for s in chinese if s in text and s not in raw]
            stray: list[str] = []
        else:
            shown = [m for m in english if m not in data and re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", text)]
            stray = sorted({w for w in WORD.findall(text) if w not in ALLOWED and w not in data})
            assert CJK.search(text), path
        if shown or stray:
            wrong[path] = (shown, stray)
    assert not wrong, "\n".join(f"{path}: {found}" for path, found in wrong.items())
