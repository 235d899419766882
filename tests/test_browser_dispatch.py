"""The dispatch tester in a real browser: place an incident, run, see routes and tables, reload, errors, viewer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from planner.scenario.files import read_scenario
from tests.browser import screenshot_path
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def _click_map_at(page: Any, lon: float, lat: float) -> None:
    """Click the map where (lon, lat) is drawn."""
    point = page.evaluate(f"() => document.getElementById('map').leafletMap.latLngToContainerPoint([{lat}, {lon}])")
    page.locator("#map").click(position={"x": point["x"], "y": point["y"]})


def _route_count(page: Any) -> int:
    return page.evaluate(
        "() => { let n = 0; document.getElementById('map').leafletMap.eachLayer((l) =>"
        " { if (l instanceof L.Polyline && l.options.className === 'dispatch-route'"
        " && l.getLatLngs().length > 1) n++; });"
        " return n; }")


def test_dispatcher_places_an_incident_runs_and_keeps_it_after_reload(page: Any, server_url: str, users: Any) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(page, server_url, "dispatcher")
    page.goto(f"{server_url}/dispatch?scenario=mini")
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)
    assert page.is_enabled("#run-dispatch")

    _click_map_at(page, 117.06, 36.665)
    card = page.locator(".incident-card").first
    assert page.get_attribute("#map", "data-incidents") == "1"
    assert "I1" in card.inner_text()

    # enter a requirement by hand: fire_squad 2 within 30 min
    card.locator("[data-add-row]").click()
    card = page.locator(".incident-card").first
    card.locator("[data-req=capability]").fill("fire_squad")
    card.locator("[data-req=capability]").dispatch_event("change")
    card.locator("[data-req=quantity]").fill("2")
    card.locator("[data-req=quantity]").dispatch_event("change")
    card.locator("[data-req=deadline_min]").fill("30")
    card.locator("[data-req=deadline_min]").dispatch_event("change")

    page.click("#run-dispatch")
    page.wait_for_selector("#map[data-run='done']", timeout=30_000)
    assert _route_count(page) == 1
    rows = page.locator("#assignment-table tbody tr")
    assert rows.count() == 1 and "T1" in rows.first.inner_text() and "Lixia engine company" in rows.first.inner_text()
    assert page.inner_text("#run-status-value") == "optimal"
    assert "0 ✓" in page.inner_text("#requirement-table")
    compare = page.inner_text("#compare-table")
    assert "加权缺口" in compare and "派出队伍" in compare
    assert page.locator("#ledger-table").is_visible()
    assert page.locator(".leaflet-tooltip.arrival-label").count() == 1
    page.screenshot(path=screenshot_path("dispatch"))

    # reload: the incident, its edited requirement and the last result are still there
    page.reload()
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)
    assert page.get_attribute("#map", "data-incidents") == "1"
    card = page.locator(".incident-card").first
    assert card.locator("[data-req=capability]").input_value() == "fire_squad"
    assert card.locator("[data-req=quantity]").input_value() == "2"
    assert _route_count(page) == 1 and page.locator("#assignment-table tbody tr").count() == 1

    # the ledger CSV is built from the JSON and downloaded as a user does (a click on the link)
    with page.expect_download() as download:
        page.click("#ledger-csv")
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv.lstrip("\ufeff").startswith("mission,unit,lender,payer,line,item,quantity,rate,days,amount")
    # the summary to file: the plan solved again on the server, downloaded as a PDF
    with page.expect_download(timeout=30_000) as summary:
        page.click("#summary-pdf")
    assert Path(summary.value.path()).read_bytes().startswith(b"%PDF")
    assert summary.value.suggested_filename == "dispatch-summary-mini.pdf"
    assert not errors, errors


def test_template_borrowed_unit_and_error_shown_on_its_incident(page: Any, server_url: str, users: Any) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(page, server_url, "dispatcher")
    page.goto(f"{server_url}/dispatch?scenario=mini")
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)

    # incident 1: a chemical fire from the template; incident 2: a bad quantity
    _click_map_at(page, 117.10, 36.68)
    page.locator(".incident-card").nth(0).locator("[data-field=type]").select_option("chemical-fire-explosion")
    assert page.locator(".incident-card").nth(0).locator("tr[data-row]").count() == 5
    _click_map_at(page, 117.06, 36.665)
    second = page.locator(".incident-card").nth(1)
    second.locator("[data-add-row]").click()
    second = page.locator(".incident-card").nth(1)
    second.locator("[data-req=capability]").fill("fire_squad")
    second.locator("[data-req=capability]").dispatch_event("change")
    second.locator("[data-req=quantity]").fill("-1")
    second.locator("[data-req=quantity]").dispatch_event("change")

    page.click("#run-dispatch")
    page.wait_for_selector("#map[data-run='error']", timeout=30_000)
    second = page.locator(".incident-card").nth(1)
    assert "quantity" in second.locator(".incident-error").inner_text()
    assert second.locator("td.invalid [data-req=quantity]").count() == 1
    assert page.locator(".incident-card").nth(0).locator(".incident-error").count() == 0
    # nothing was lost
    assert page.locator(".incident-card").count() == 2 and second.locator("[data-req=quantity]").input_value() == "-1"

    second.locator("[data-req=quantity]").fill("1")
    second.locator("[data-req=quantity]").dispatch_event("change")
    page.click("#run-dispatch")
    page.wait_for_selector("#map[data-run='done']", timeout=30_000)
    borrowed = page.locator("#assignment-table tbody tr.borrowed")
    assert borrowed.count() >= 1 and "TQ" in borrowed.first.inner_text()
    assert page.locator("#requirement-table tr.short").count() >= 1  # no medical squad in the mini scenario
    dashed = page.evaluate(
        "() => { let n = 0; document.getElementById('map').leafletMap.eachLayer((l) =>"
        " { if (l.options && l.options.className === 'dispatch-route' && l.options.dashArray) n++; }); return n; }")
    assert dashed >= 1
    page.screenshot(path=screenshot_path("dispatch-borrowed"))
    assert not errors, errors


def test_viewer_sees_the_page_with_run_disabled(page: Any, server_url: str, users: Any) -> None:
    browser_login(page, server_url, "viewer")
    page.goto(f"{server_url}/dispatch?scenario=mini")
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)
    assert page.is_disabled("#run-dispatch")
    assert "调度员角色" in page.inner_text("#role-note")
    _click_map_at(page, 117.06, 36.665)
    assert page.locator(".incident-card").count() == 1


def test_jinan_ledger_table_and_csv_download(page: Any, server_url: str, users: Any, app: Any) -> None:
    app.extensions["planner_store"].save_scenario(read_scenario("jinan"))
    browser_login(page, server_url, "dispatcher")
    page.goto(f"{server_url}/dispatch?scenario=jinan")
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    _click_map_at(page, 116.8633, 36.7096)  # the western fuel depot: Huaiyin borrows under a priced agreement
    card = page.locator(".incident-card").first
    card.locator("[data-field=type]").select_option("chemical-fire-explosion")
    card = page.locator(".incident-card").first
    card.locator("[data-field=responsible_unit]").fill("Refinery operator")
    card.locator("[data-field=responsible_unit]").dispatch_event("change")
    page.click("#run-dispatch")
    page.wait_for_selector("#map[data-run='done']", timeout=60_000)
    assert page.locator("#ledger-table tbody tr").count() >= 1
    assert "unit:Refinery operator" in page.inner_text("#ledger-totals")
    # the page's compensation (optimiser column of the comparison) is the ledger's total, to the fen
    compensation = page.locator("#compare-table tbody tr", has_text="补偿").locator("td").nth(1).inner_text()
    assert compensation == page.inner_text("#ledger-total") and compensation != "0.00"
    assert page.locator("#assignment-table tbody tr.borrowed").count() >= 1
    page.screenshot(path=screenshot_path("dispatch-jinan"))
    with page.expect_download() as info:
        page.click("#ledger-csv")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.startswith("mission,unit,lender,payer,line,item,quantity,rate,days,amount")
    assert first.startswith("I1,") and "unit:Refinery operator" in first
    assert info.value.suggested_filename == "dispatch-ledger-jinan.csv"
