"""In a real browser: people and equipment imports with bad rows, availability on the inventory, map and dispatch pages.

A planner uploads a people file with a row naming an unknown team and an equipment file repeating an
asset number: each bad row is shown with its file, line and field, no write is offered and nothing is
stored. A good people file is then written, and the teams tab, the map and the dispatch page show what
the team can staff at a chosen time; a viewer sees roles but never names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from planner.scenario.importing import preview_import
from tests.browser import screenshot_path
from tests.conftest import browser_login

pytestmark = pytest.mark.browser

PEOPLE = "id,team,name,role,squad,qualifications,phone\n" + "".join(
    f"F{i},T1,Person F{i},{'squad_leader' if i == 0 else 'member'},1,firefighting|消防|XF-{i}|2020-01-01|2030-01-01,"
    f"1380000{i:04d}\n" for i in range(8))
BAD_PEOPLE = PEOPLE + "F9,T9,Person F9,member,1,,\n"
BAD_EQUIPMENT = "id,kind,quantity,base,asset_number,status\nE7,drainage_pump,1,B1,AS-1,in_service\n" \
                "E8,drainage_pump,1,B1,AS-1,maintenance\n"


def _upload(page: Any, server_url: str, kind: str, path: Path) -> None:
    page.goto(f"{server_url}/inventory/{kind}/import?scenario=mini")
    page.set_input_files("input[name=file]", str(path))
    page.click("button >> text=检查")
    page.wait_for_selector("#preview")


def test_bad_rows_of_people_and_equipment_imports_are_shown_and_nothing_is_stored(page: Any, server_url: str,
                                                                                   users: Any, tmp_path: Path) -> None:
    browser_login(page, server_url, "planner")
    people = tmp_path / "people.csv"
    people.write_text(BAD_PEOPLE, encoding="utf-8")
    _upload(page, server_url, "people", people)
    bad = page.locator("#preview tr.bad")
    assert bad.count() == 1
    assert "people.csv line 10" in bad.inner_text() and "team" in bad.inner_text() and "'T9' does not exist" in \
        bad.inner_text()
    assert page.locator("button >> text=导入").count() == 0
    page.screenshot(path=screenshot_path("people-import-bad-row"))

    equipment = tmp_path / "equipment.csv"
    equipment.write_text(BAD_EQUIPMENT, encoding="utf-8")
    _upload(page, server_url, "equipment", equipment)
    bad = page.locator("#preview tr.bad")
    assert bad.count() == 1 and "equipment.csv line 3" in bad.inner_text() and "asset_number" in bad.inner_text()
    assert page.locator("button >> text=导入").count() == 0
    page.screenshot(path=screenshot_path("equipment-import-bad-row"))

    page.goto(f"{server_url}/inventory/?scenario=mini&kind=people")
    assert page.locator("#records tbody tr").count() == 0
    page.goto(f"{server_url}/inventory/?scenario=mini&kind=equipment")
    assert page.locator("#records tbody tr[data-id='E7']").count() == 0


def test_good_people_then_availability_at_a_time_on_inventory_map_and_dispatch(page: Any, server_url: str,
                                                                               users: Any, tmp_path: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(page, server_url, "planner")
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    _upload(page, server_url, "people", people)
    assert page.locator("#preview tr.bad").count() == 0
    page.click("button >> text=导入")
    page.wait_for_selector(".flash.info")
    assert page.locator("#records tbody tr").count() == 8 and "Person F0" in page.inner_text("#records")

    page.goto(f"{server_url}/inventory/?scenario=mini&kind=teams")
    page.fill("input[name=at]", "2026-07-01T09:00")
    page.click("button >> text=显示可用性")
    row = page.locator("tr[data-id='T1']")
    assert "8/8" in row.inner_text() and "fire_squad 2/3" in row.inner_text() and "R-STRENGTH-FIRE" in row.inner_text()
    assert "below" in (row.get_attribute("class") or "")
    page.screenshot(path=screenshot_path("inventory-availability"))

    page.goto(f"{server_url}/map?scenario=mini")
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)
    page.fill("#avail-at", "2026-07-01T09:00")
    page.click("#avail-show")
    page.wait_for_selector("#map[data-availability]")
    assert "1 队低于编制" in page.inner_text("#avail-summary")
    assert page.locator(".base-icon.below").count() == 1
    page.locator(".base-icon.below").click()
    assert "消防战斗班 2/3" in page.inner_text("#details")  # the capability by its name, not its code
    page.screenshot(path=screenshot_path("map-availability"))

    page.click("text=退出")
    browser_login(page, server_url, "admin")
    page.goto(f"{server_url}/dispatch?scenario=mini")
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)
    point = page.evaluate("() => document.getElementById('map').leafletMap.latLngToContainerPoint([36.66, 117.05])")
    page.locator("#map").click(position={"x": point["x"], "y": point["y"]})
    card = page.locator(".incident-card").first
    card.locator("[data-add-row]").click()
    card = page.locator(".incident-card").first
    for field, value in (("capability", "fire_squad"), ("quantity", "3"), ("deadline_min", "30")):
        card.locator(f"[data-req={field}]").fill(value)
        card.locator(f"[data-req={field}]").dispatch_event("change")
    page.fill("#dispatch-at", "2026-07-01T09:00")
    page.locator("#dispatch-at").dispatch_event("change")
    page.click("#run-dispatch")
    page.wait_for_selector("#map[data-run='done']", timeout=30_000)
    assert "8 人" in page.inner_text("#assignment-table") and "firefighting 8" in page.inner_text(
        "#assignment-table")
    assert "T1" in page.inner_text("#held-back-list") and "R-STRENGTH-FIRE" in page.inner_text("#held-back-list")
    assert "T1 消防战斗班 2/3" in page.inner_text("#held-back-list")  # the capability by its name, not its code
    assert "消防战斗班" in page.inner_text("#requirement-table") and "fire_squad" not in page.inner_text(
        "#requirement-table")
    page.screenshot(path=screenshot_path("dispatch-availability"))
    assert not errors


def test_a_viewer_sees_roles_and_counts_but_no_names(page: Any, server_url: str, users: Any, app: Any) -> None:
    store = app.extensions["planner_store"]
    preview = preview_import(store.load_scenario("mini"), "people", PEOPLE, "people.csv")
    store.import_records("mini", "people", list(preview.documents))
    browser_login(page, server_url, "viewer")
    page.goto(f"{server_url}/inventory/?scenario=mini&kind=people")
    text = page.inner_text("#records")
    assert page.locator("#records tbody tr").count() == 8 and "小队长" in text
    assert "Person F0" not in text and "13800000000" not in text and "XF-0" not in page.content()
