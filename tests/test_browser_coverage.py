"""The coverage page in a real browser: coloured sites, the gap table, zoom on a row, a what-if."""

from __future__ import annotations

from typing import Any

import pytest

from geodata.datums import from_wgs84
from planner.scenario.files import read_scenario
from tests.browser import screenshot_path
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def _sign_in(page: Any, server_url: str, request: pytest.FixtureRequest) -> None:
    """Sign in as a planner when the app has sign-in (the fixture then exists)."""
    try:
        request.getfixturevalue("users")
    except pytest.FixtureLookupError:
        return
    browser_login(page, server_url, "planner")


def _fill_colours(page: Any) -> dict[str, str]:
    return page.evaluate(
        "() => { const m = document.getElementById('map').leafletMap; const out = {};"
        " m.eachLayer((l) => { if (l.feature && l.feature.properties && l.feature.properties.site)"
        " out[l.feature.properties.site] = l.options.fillColor; }); return out; }")


def test_coverage_page_shows_gaps_coloured_sites_and_a_what_if(page: Any, server_url: str,
                                                               request: pytest.FixtureRequest) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, server_url, request)
    page.goto(f"{server_url}/coverage?scenario=mini")
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)
    page.wait_for_selector("#map[data-areas]", timeout=15_000)

    # fire-5: both sites fail (red fill), the gap table lists the red refinery first
    assert _fill_colours(page) == {"S1": "#d73027", "S2": "#d73027"}
    rows = page.locator("#gap-table tbody tr")
    assert rows.count() == 2 and "Refinery" in rows.nth(0).inner_text() and "重大风险" in rows.nth(0).inner_text()
    assert "0/2" in page.inner_text("#standard-summary")
    page.screenshot(path=screenshot_path("coverage"))

    rows.nth(1).click()
    assert page.get_attribute("#map", "data-zoomed-to") == "S2"
    centre = page.evaluate("() => document.getElementById('map').leafletMap.getCenter()")
    assert abs(centre["lat"] - 36.67) < 1e-3 and abs(centre["lng"] - 116.99) < 1e-3
    assert "Jinan station" in page.inner_text("#details")

    # hazchem-30: the refinery passes (green), the station is not subject to it (grey)
    page.select_option("#standard", "hazchem-30")
    assert _fill_colours(page) == {"S1": "#1a9850", "S2": "#bbb"}
    assert "无缺口" in page.inner_text("#gap-table")

    # what-if: closing the hazchem base makes the refinery fail
    page.select_option("#close-base", "B2")
    page.click("#run-whatif")
    page.wait_for_selector("#map[data-whatif='done']", timeout=15_000)
    assert _fill_colours(page)["S1"] == "#444"  # no hazchem team left: dark, no responder
    assert page.inner_text("#gaps-before") == "2" and page.inner_text("#gaps-after") == "3"
    assert "新不达标 (1)" in page.inner_text("#whatif-result")
    page.screenshot(path=screenshot_path("coverage-whatif"))

    # a candidate base pasted from Amap (GCJ-02) lands at its WGS-84 place
    amap = from_wgs84(117.06, 36.665, "gcj02")
    page.fill("#paste-lonlat", f"{amap[0]},{amap[1]}")
    page.select_option("#paste-crs", "gcj02")
    page.click("#paste-point button")
    page.wait_for_selector("#candidate-list .chip")
    assert page.inner_text("#candidate-list") == "c1 117.0600, 36.6650"
    assert not errors, errors


def test_coverage_page_places_new_mine_rescue_bases_by_p_median(page: Any, server_url: str, app: Any,
                                                                 request: pytest.FixtureRequest) -> None:
    app.extensions["planner_store"].save_scenario(read_scenario("shanxi-coal"))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, server_url, request)
    page.goto(f"{server_url}/coverage?scenario=shanxi-coal")
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)
    page.check("#every-town-and-site")
    page.select_option("#siting", "p-median")
    page.select_option("#team-type", "mine_rescue")
    page.fill("#add-k", "2")
    page.click("#run-whatif")
    page.wait_for_selector("#map[data-whatif='done']", timeout=60_000)
    text = page.inner_text("#whatif-result")
    assert "p-median" in text and "optimal" in text
    assert int(page.inner_text("#gaps-after")) < int(page.inner_text("#gaps-before"))
    assert page.evaluate("() => { let n = 0; document.getElementById('map').leafletMap.eachLayer((l) =>"
                         " { if (l.getTooltip && l.getTooltip() && String(l.getTooltip().getContent())"
                         ".startsWith('新基地')) n += 1; }); return n; }") == 2
    assert not errors, errors
