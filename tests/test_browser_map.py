"""The map page in a real browser: every layer draws, filters work, a click shows details, the view exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.browser import screenshot_path
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def _click_at(page, lat: float, lon: float) -> None:
    """Click the map where Leaflet projects a coordinate."""
    x, y = page.evaluate(
        "([lat, lon]) => { const p = document.getElementById('map').leafletMap.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }", [lat, lon])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_map_renders_every_layer_and_shows_details(page, server_url, users):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(page, server_url, "viewer")
    page.goto(f"{server_url}/map")
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)
    assert "2 个风险点" in page.inner_text("#counts") and "3 个基地" in page.inner_text("#counts")
    assert "OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")
    assert page.locator("#tier-filter input").count() == 5
    assert page.locator("#type-filter input").count() == 2  # fire and hazchem in the mini scenario
    page.screenshot(path=screenshot_path("map"))

    _click_at(page, 36.69, 117.11)  # the refinery site
    assert "Refinery" in page.inner_text("#details") and "重大风险" in page.inner_text("#details")
    _click_at(page, 36.66, 117.05)  # the Lixia fire station
    assert "Lixia engine company" in page.inner_text("#details")

    # hiding the local tier removes the station: a click there no longer finds it
    page.locator("#tier-filter input[value='local']").uncheck()
    page.locator("#details").evaluate("d => d.innerHTML = ''")
    _click_at(page, 36.66, 117.05)
    assert "Lixia" not in page.inner_text("#details")

    # the 导出 PNG button downloads the view drawn on the server, twice the map's size on screen
    page.locator("[data-layer='roads']").uncheck()
    assert page.inner_text("#export-png") == "导出 PNG" and page.inner_text("#export-pdf") == "导出 PDF"
    with page.expect_download(timeout=30_000) as download:
        page.click("#export-png")
    assert download.value.suggested_filename == "map-mini.png"
    image = Image.open(Path(download.value.path()))
    box = page.locator("#map").bounding_box()
    assert image.format == "PNG" and image.size == (round(box["width"]) * 2, round(box["height"]) * 2)
    assert page.inner_text("#export-status") == ""
    assert not errors, errors

