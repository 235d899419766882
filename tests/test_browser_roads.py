"""Roads on the day in a real browser: draw a closed area on the Coverage map, apply it, save it as a set;
store and apply the closures a warning proposes on the Posture page; sweep under a closure set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import screenshot_path
from tests.conftest import FIXTURES, browser_login, load_jinan

pytestmark = pytest.mark.browser


def _fill(page: Any, site: str) -> str:
    return str(page.evaluate(
        "(site) => { const m = document.getElementById('map').leafletMap; let out = null;"
        " m.eachLayer((l) => { if (l.feature && l.feature.properties && l.feature.properties.site === site)"
        " out = l.options.fillColor; }); return out; }", site))


def _click_at(page: Any, lon: float, lat: float) -> None:
    point = page.evaluate("([lat, lon]) => document.getElementById('map').leafletMap"
                          ".latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_draw_a_closed_area_apply_it_and_save_it(page: Any, server_url: str, users: Any) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/coverage?scenario=mini")
    page.wait_for_selector("#map[data-ready='true']", timeout=60_000)
    page.wait_for_selector("#roads-panel[data-ready='true']", timeout=60_000)
    page.select_option("#standard", "hazchem-30")
    assert _fill(page, "S1") == "#1a9850"  # the refinery passes hazchem-30 on the intact network

    # Close every road around the refinery (S1 at 117.11, 36.69): corners clicked on the map.
    page.evaluate("() => document.getElementById('map').leafletMap.setView([36.69, 117.11], 15, {animate: false})")
    page.click("#draw-closure")
    for lon, lat in [(117.104, 36.685), (117.116, 36.685), (117.116, 36.695), (117.104, 36.695)]:
        _click_at(page, lon, lat)
    page.click("#finish-closure")
    page.wait_for_function("() => document.getElementById('roads-applied').innerText.includes('drawn')",
                           timeout=60_000)
    page.wait_for_selector("#map[data-ready='true']", timeout=60_000)
    assert _fill(page, "S1") == "#444"  # no team can reach it: no responder
    assert "不可达" in page.inner_text("#gap-table")
    assert page.get_attribute("#map", "data-closure-drawn") == "true"
    page.screenshot(path=screenshot_path("coverage-closure-drawn"))

    # Save the drawn area as a named set: it is stored, selected, applied and drawn from the store.
    page.fill("#closure-name", "refinery-cut")
    page.click("#save-closure")
    page.wait_for_selector("#map[data-closure-set-applied='refinery-cut']", timeout=60_000)
    assert page.input_value("#closure-set") == "refinery-cut"
    page.wait_for_selector("#map[data-closure-set='refinery-cut']", timeout=60_000)
    assert _fill(page, "S1") == "#444"

    # The stored set is shown on the Map page too, with the roads it closes.
    page.goto(f"{server_url}/map?scenario=mini", wait_until="domcontentloaded", timeout=60_000)
    page.wait_for_selector("#map-closures[data-ready='true']", timeout=60_000)
    page.select_option("#map-closures", "refinery-cut")
    page.wait_for_selector("#map[data-closure-set='refinery-cut']", timeout=60_000)
    assert "× 0" in page.inner_text("#map-closures-note")
    assert page.evaluate("() => { let n = 0; document.getElementById('map').leafletMap.eachLayer((l) => {"
                         " if (l.feature && l.feature.properties.role === 'closed') n += 1; }); return n; }") > 0
    assert not errors, errors


def test_a_warning_proposes_closures_and_the_posture_applies_them(page: Any, server_url: str, users: Any,
                                                                   app: Any) -> None:
    """Posture page: the red rainstorm proposes its area's roads at half speed; one click stores and applies it."""
    load_jinan(app.extensions["planner_store"])
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/posture?scenario=jinan")
    page.wait_for_selector("#map[data-ready='true']", timeout=60_000)
    page.wait_for_selector("#roads-panel[data-ready='true']", timeout=60_000)
    assert page.locator("#road-at").count() == 0  # the posture's own clock says when it holds
    page.set_input_files("#cap-file", str(Path(FIXTURES) / "cap" / "red-rainstorm-licheng.xml"))
    page.fill("#now", "2026-07-20T06:00")
    page.click("#run-cap")
    page.wait_for_selector("#map[data-ready='posture'], #map[data-ready='error']", timeout=60_000)
    assert page.get_attribute("#map", "data-ready") == "posture", page.inner_text("#status")
    proposed = page.inner_text("#proposed-closures")
    assert "× 0.5" in proposed and page.locator("#posture-roads").count() == 0  # proposed, not applied
    page.evaluate("() => { document.getElementById('map').dataset.ready = 'again'; }")
    page.click("#apply-proposal")  # stores the set, selects it, and plans the warning again under it
    page.wait_for_selector("#map[data-ready='posture']", timeout=60_000)
    assert page.input_value("#closure-set") == "warning-20260720-0600"
    assert "warning-20260720-0600" in page.inner_text("#posture-roads")
    page.screenshot(path=screenshot_path("posture-proposed-closures"))
    assert not errors, errors


def test_a_sweep_page_sweep_under_a_closure_set_says_so(page: Any, server_url: str, users: Any, app: Any) -> None:
    """Sweep page: a sweep under a stored closure set says so in its summary."""
    load_jinan(app.extensions["planner_store"])
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/sweep?scenario=jinan")
    page.wait_for_selector("#sweep-closures[data-ready='true']", timeout=60_000)
    page.fill("input[name=incidents]", "200")
    page.select_option("#sweep-closures", "north-corridor-cut")
    page.click("#run-sweep")
    page.wait_for_selector("#sweep-page[data-state='done'], #sweep-page[data-state='error']", timeout=120_000)
    assert page.get_attribute("#sweep-page", "data-state") == "done", page.inner_text("#sweep-error")
    line = page.inner_text("#sweep-roads")
    assert "north-corridor-cut" in line and "night" in line
