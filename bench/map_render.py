"""Map page render time on the shipped Jinan scenario, in headless chromium, against two baselines.

The app runs in this process on a temporary SQLite database seeded with ``read_scenario('jinan')``
and one viewer account, served on a free local port. Debian's chromium (Playwright) signs in, then
each run opens ``/map?scenario=jinan`` in a fresh browser context (no HTTP cache, same session
cookie) and measures, in the page, the time from navigation start (``performance.timeOrigin``) until
``#map[data-ready='true']`` (every layer added) and until the frame after it has been painted.

Baselines, same process, same server:

- *roads only*: a page served by the benchmark itself (through Playwright routing on the same
  origin) with the vendored Leaflet that fetches ``/api/v1/scenarios/jinan/roads`` and draws only
  that layer, as the map page draws it;
- *API only*: the five API fetches the map page makes (labels, roads, jurisdictions, sites, bases),
  sent in parallel from Python, no browser.

The first run of each kind warms the server's caches (network placement, road GeoJSON) and is
printed apart. Acceptance target: the map page of the default scenario renders all layers within 2 s.
Run: ``.venv/bin/python bench/map_render.py [--runs 5]``.
"""

from __future__ import annotations

import argparse
import base64
import logging
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench._common import table  # noqa: E402
from planner.scenario.files import read_scenario  # noqa: E402
from planner.store.accounts import create_user  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, live_server  # noqa: E402
from web import create_app  # noqa: E402

SCENARIO = "jinan"
TARGET_S = 2.0
USER, PASSWORD = "bench-viewer", "bench-viewer-pass-1"
VIEWPORT = {"width": 1400, "height": 900}
API_PATHS = ["/api/v1/labels", f"/api/v1/scenarios/{SCENARIO}/roads",
             *(f"/api/v1/scenarios/{SCENARIO}/layers/{kind}" for kind in ("jurisdictions", "sites", "bases"))]

# Records, in the page, when #map gets data-ready="true" and when the next frame has been painted.
READY_PROBE = """
(() => {
  const mark = () => {
    const el = document.getElementById('map');
    if (!el || el.dataset.ready !== 'true' || window.__readyAt) return false;
    window.__readyAt = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__paintedAt = performance.now(); }));
    return true;
  };
  new MutationObserver((_, observer) => { if (mark()) observer.disconnect(); })
    .observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
})();
"""

ROADS_ONLY_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
<style>html, body { margin: 0; height: 100%; } #map { width: 1080px; height: 860px; }</style></head>
<body><div id="map"></div>
<script src="/static/vendor/leaflet/leaflet.js"></script>
<script>
  const ROAD = { motorway: [3, "#b85c38"], trunk: [2.6, "#c97b46"], primary: [2.2, "#d49a5b"],
                 secondary: [1.7, "#b7a58b"], tertiary: [1.3, "#a9a9a9"], regional: [1.5, "#9a8f7f"] };
  const el = document.getElementById("map");
  const map = L.map(el, { preferCanvas: true, zoomSnap: 0.25 });
  const renderer = L.canvas({ padding: 0.3 });
  fetch("/api/v1/scenarios/SCENARIO/roads").then((r) => r.json()).then((roads) => {
    const layer = L.geoJSON(roads, { style: (f) => {
      const [weight, color] = ROAD[f.properties.highway.replace("_link", "")] || [0.8, "#c8c8c8"];
      return { weight, color, opacity: 0.9, renderer, interactive: false };
    } }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    el.dataset.ready = "true";
  });
</script></body></html>
""".replace("SCENARIO", SCENARIO)


def start_app(folder: Path) -> Any:
    """Start the web app on a temporary database holding the shipped scenario and one viewer."""
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}", "SECRET_KEY": "bench",
                      "DEFAULT_SCENARIO": SCENARIO})
    store = app.extensions["planner_store"]
    store.save_scenario(read_scenario(SCENARIO))
    create_user(store, USER, PASSWORD, "viewer")
    return app


def sign_in(browser: Any, url: str) -> dict[str, Any]:
    """Sign in through the form once; returns the storage state (session cookie) for later contexts."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{url}/login?next=/api/v1/scenarios")  # not the map: its first load is measured apart
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/api/v1/scenarios")
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


def render_once(browser: Any, state: dict[str, Any], target: str, *,
                roads_only_at: str | None = None) -> tuple[float, float]:
    """Seconds from navigation start to data-ready and to the painted frame after it, in a fresh context."""
    context = browser.new_context(viewport=VIEWPORT, storage_state=state)
    if roads_only_at is not None:
        context.route(roads_only_at,
                      lambda route: route.fulfill(status=200, content_type="text/html", body=ROADS_ONLY_PAGE))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(READY_PROBE)
    page.goto(target)
    page.wait_for_function("() => window.__paintedAt !== undefined", timeout=60_000)
    ready_ms, painted_ms = page.evaluate("() => [window.__readyAt, window.__paintedAt]")
    context.close()
    if errors:
        raise RuntimeError(f"page errors on {target}: {errors}")
    return ready_ms / 1000, painted_ms / 1000


def fetch_api(url: str) -> float:
    """Seconds to fetch the map page's five API resources in parallel from Python."""
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def get(path: str) -> int:
        request = urllib.request.Request(url + path, headers={"Authorization": f"Basic {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return len(response.read())

    started = time.perf_counter()
    with ThreadPoolExecutor(len(API_PATHS)) as pool:
        sizes = list(pool.map(get, API_PATHS))
    assert all(sizes)
    return time.perf_counter() - started


def summary(values: list[float]) -> tuple[float, float, float]:
    """Min, median and max."""
    return min(values), statistics.median(values), max(values)


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each kind (after one warm-up)")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if not CHROMIUM.exists():
        print(f"chromium not found at {CHROMIUM}: run 'make install-browser' as root", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        app = start_app(Path(folder))
        counts = app.extensions["planner_store"].load_scenario(SCENARIO).counts()
        with live_server(app) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                                 headless=True)
            state = sign_in(browser, url)
            map_url, roads_url = f"{url}/map?scenario={SCENARIO}", f"{url}/bench-roads-only"
            cold_ready, cold_painted = render_once(browser, state, map_url)
            cold = {"map page": cold_painted, "map page (data-ready)": cold_ready,
                    "roads only": render_once(browser, state, roads_url, roads_only_at=roads_url)[1],
                    "API only (Python)": fetch_api(url)}
            runs: dict[str, list[float]] = {"map page": [], "map page (data-ready)": [], "roads only": [],
                                            "API only (Python)": []}
            for _ in range(args.runs):
                ready, painted = render_once(browser, state, map_url)
                runs["map page"].append(painted)
                runs["map page (data-ready)"].append(ready)
                runs["roads only"].append(render_once(browser, state, roads_url, roads_only_at=roads_url)[1])
                runs["API only (Python)"].append(fetch_api(url))
            browser.close()

    print(f"instance: scenario {SCENARIO} ({', '.join(f'{k} {v}' for k, v in counts.items())}), "
          f"chromium headless {VIEWPORT['width']}x{VIEWPORT['height']}, {args.runs} runs each after one warm-up")
    map_median = statistics.median(runs["map page"])
    rows = []
    for name, values in runs.items():
        low, mid, high = summary(values)
        rows.append([name, cold[name], low, mid, high, map_median / mid])
    table(["what (s from navigation start)", "cold", "min", "median", "max", "map/this (median)"], rows)
    worst = max(runs["map page"])
    print(f"target: all layers rendered within {TARGET_S:.1f} s -> worst warm run {worst:.3f} s, "
          f"{'met' if worst <= TARGET_S else 'NOT met'}; cold first load {cold['map page']:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
