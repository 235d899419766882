"""Every page at 1366, 800 and 360 px: the whole menu reachable, no panel wider than its box, axe clean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from geodata.datums import from_wgs84
from tests.accessibility import violations
from tests.browser import screenshot_path
from tests.conftest import browser_login, watch_csp

pytestmark = pytest.mark.browser

PAGES = ["/map?scenario=mini", "/coverage?scenario=mini", "/dispatch?scenario=mini", "/posture?scenario=mini",
         "/sweep?scenario=mini", "/inventory/?scenario=mini", "/drills?scenario=mini", "/audit?scenario=mini",
         "/users", "/account/password", "/drills/actions?scenario=mini", "/coverage/print?scenario=mini"]
"""Every page behind the menu, the password form, the corrective actions and the printable coverage map, as an
administrator sees them."""
MENU = "#main-nav a"


@pytest.fixture
def sized(browser: Any, server_url: str, users: dict[str, str]) -> Iterator[Any]:
    """Open pages at a given width, signed in as the administrator; the CSP must refuse nothing."""
    contexts: list[Any] = []
    refused: list[str] = []

    def open_at(width: int, language: str = "zh-CN") -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
        watch_csp(context, refused)
        contexts.append(context)
        page = context.new_page()
        browser_login(page, server_url, "admin")
        return page

    yield open_at
    for context in contexts:
        context.close()
    assert not refused, f"the Content Security Policy refused: {refused}"


def overflow(page: Any, selector: str) -> list[dict[str, Any]]:
    """Elements matching ``selector`` whose content is wider than their box and not scrollable inside it."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)].filter((el) => {
        const style = getComputedStyle(el);
        return el.scrollWidth > el.clientWidth + 1 && !["auto", "scroll"].includes(style.overflowX);
      }).map((el) => ({id: el.id, cls: el.className, scroll: el.scrollWidth, client: el.clientWidth}))""", selector)


def menu_reachable(page: Any, width: int) -> list[str]:
    """Menu links that are not visible inside the window (none must be)."""
    links = page.locator(MENU)
    missing = []
    for k in range(links.count()):
        link = links.nth(k)
        box = link.bounding_box()
        if not link.is_visible() or box is None or box["x"] < 0 or box["x"] + box["width"] > width:
            missing.append(link.inner_text())
    return missing


@pytest.mark.parametrize("width", [1366, 800])
def test_every_page_fits_and_passes_axe(sized: Any, server_url: str, width: int) -> None:
    page = sized(width)
    problems: dict[str, Any] = {}
    for path in PAGES:
        page.goto(f"{server_url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.locator(MENU).count() >= 9, path  # Map ... Users
        missing = menu_reachable(page, width)
        wide = overflow(page, "body, main, .panel, .page, fieldset")
        found = violations(page)
        if missing or wide or found:
            problems[path] = {"menu": missing, "overflow": wide, "axe": found}
    page.goto(f"{server_url}/coverage?scenario=mini")
    page.wait_for_selector("#map[data-ready='true']", timeout=15_000)
    page.screenshot(path=screenshot_path(f"coverage-{width}"))
    assert not problems, problems


def test_narrow_screen_folds_the_menu(sized: Any, server_url: str) -> None:
    page = sized(360)
    page.goto(f"{server_url}/coverage?scenario=mini")
    toggle = page.locator("[data-menu-toggle]")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(MENU).first.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert menu_reachable(page, 360) == []
    page.screenshot(path=screenshot_path("menu-360"))
    assert violations(page) == []


def test_english_pages_have_no_chinese_menu(sized: Any, server_url: str) -> None:
    page = sized(1366, "en-US")
    page.goto(f"{server_url}/coverage?scenario=mini&lang=en")
    assert page.locator(MENU).all_inner_texts()[:3] == ["Map", "Coverage", "Dispatch"]
    page.goto(f"{server_url}/dispatch?scenario=mini")  # remembered
    assert page.get_attribute("html", "lang") == "en" and "Sign out" in page.inner_text("header")


def test_paste_box_places_an_amap_point_where_it_belongs(sized: Any, server_url: str) -> None:
    """A point copied from Amap (GCJ-02) lands at its WGS-84 place, not 300-600 m off."""
    page = sized(1366)
    page.goto(f"{server_url}/dispatch?scenario=mini")
    page.wait_for_selector("#paste-point")
    amap = from_wgs84(117.06, 36.665, "gcj02")
    page.fill("#paste-lonlat", f"{amap[0]},{amap[1]}")
    page.select_option("#paste-crs", "gcj02")
    page.click("#paste-point button")
    card = page.locator(".incident-card").first
    card.wait_for()
    assert "117.0600, 36.6650" in card.inner_text()
    page.fill("#paste-lonlat", "117.06")
    page.click("#paste-point button")
    assert page.inner_text("#paste-error") and page.locator(".incident-card").count() == 1


def test_page_scripts_write_numbers_in_the_page_language(page: Any, server_url: str) -> None:
    """Planner.number/percent (common.js): grouped, fixed decimals, a dash for none, coordinates ungrouped."""
    for lang in ("zh_CN", "en"):
        page.goto(f"{server_url}/login?lang={lang}")  # every page loads common.js
        written = page.evaluate("[Planner.number(1234567.891, 2), Planner.number(2, 1), Planner.number(null),"
                                " Planner.number(117.06, 4, { grouping: false }), Planner.percent(0.1234),"
                                " Planner.percent(undefined), document.documentElement.lang]")
        assert written == ["1,234,567.89", "2.0", "—", "117.0600", "12.3%", "—", lang.replace("_", "-")], written


def test_warning_and_drill_chips_are_readable(sized: Any, server_url: str) -> None:
    """Every chip colour the pages use, as the posture panel and the drill calendar show them: axe contrast."""
    page = sized(1366)
    page.goto(f"{server_url}/posture?scenario=mini")
    page.evaluate("""() => { document.getElementById("result").innerHTML = ["red", "orange", "yellow", "blue"]
        .map((level) => `<p><span class="chip level-${level}">${level} 预警</span></p>`).join(""); }""")
    assert page.locator("#result .chip").count() == 4
    assert violations(page) == []
    page.goto(f"{server_url}/drills?scenario=mini")  # the calendar's legend, as a year's programme shows it
    page.evaluate("""() => { const legend = document.createElement("p"); legend.className = "legend-line";
        legend.innerHTML = ["field comprehensive", "field single", "tabletop comprehensive", "tabletop single"]
          .map((kind) => `<span class="chip ${kind}">${kind} 演练</span>`).join(" ");
        document.querySelector("main").prepend(legend); }""")
    assert page.locator(".legend-line .chip").count() == 4
    assert violations(page) == []
