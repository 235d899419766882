"""Roads on the day in a real browser: draw a closed area on the Coverage map, apply it, save it as a set."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import screenshot_path

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
    from tests.conftest import browser_login

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
    assert "unreachable" in page.inner_text("#gap-table")
    assert page.get_attribute("#map", "data-closure-drawn") == "true"
    page.screenshot(path=screenshot_path("coverage-closure-drawn"))

    # Save the drawn area as a named set: it is stored, selected, applied and drawn from the store.
    page.fill("#closure-name", "refinery-cut")
    page.click("#save-closure")
    page.wait_for_selector("#map[data-closure-set-applied='refinery-cut']", timeout=60_000)
    assert page.input_value("#closure-set") == "refinery-cut"
    page.wait_for_selector("#map[data-closure-set='refinery-cut']", timeout=60_000)
    assert _fill(page, "S1") == "#444"
    assert not errors, errors
