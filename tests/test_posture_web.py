"""Posture page and API through Flask's test client: CAP read or refused (400, nothing stored), moves, permissions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import load_jinan

CAP = Path(__file__).resolve().parent / "fixtures" / "cap"
NOW = "2026-07-20T06:30:00+08:00"


@pytest.fixture
def web(client: Any, auth: Any) -> Any:
    """The test client signed in as a planner."""
    auth.login("planner")
    return client


@pytest.fixture
def jinan(app: Any) -> str:
    """The shipped Jinan scenario loaded into the test store with its settings, as ``scenario load`` does."""
    load_jinan(app.extensions["planner_store"])
    return "jinan"


def test_page_has_controls_and_vendored_leaflet(web: Any) -> None:
    page = web.get("/posture?scenario=mini").get_data(as_text=True)
    assert "预警与战备" in page and 'id="cap-file"' in page and 'id="run-manual"' in page
    assert 'value="LX"' in page or "w-region" in page
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/js/posture.js" in page and "cdn" not in page.lower()
    assert web.get("/static/js/posture.js").status_code == 200
    assert ">预警战备</a>" in page  # nav link, in the default language


def test_jinan_red_rainstorm_via_api(web: Any, jinan: str) -> None:
    cap = (CAP / "red-rainstorm-licheng.xml").read_text(encoding="utf-8")
    response = web.post(f"/api/v1/scenarios/{jinan}/posture", json={"cap": cap, "now": NOW})
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    figures = {f["name"]: f for f in data["figures"]}
    assert figures["optimised"]["weight"] >= max(figures["do_nothing"]["weight"], figures["greedy"]["weight"])
    assert data["moves"] and all({"team", "from_lon", "lon", "to", "cost"} <= set(m) for m in data["moves"])
    assert data["area"]["features"] and data["site_raises"] and data["after"]["sites"]
    assert figures["current"]["meaning"].startswith("现状") and figures["do_nothing"]["meaning"].startswith("不调动")
    assert "differ only in turn-out" in data["explanation"][0]
    changes = data["readiness_changes"]
    assert changes and all(c["passed_after"] and not c["passed_before"] for c in changes)
    assert len(changes) == figures["do_nothing"]["passing"] - figures["current"]["passing"]
    staging = web.get(f"/api/v1/scenarios/{jinan}/posture/staging-points").get_json()
    assert len(staging["features"]) >= 8
    periods = web.get(f"/api/v1/scenarios/{jinan}/critical-periods?date=2026-07-20").get_json()
    assert [p["name"] for p in periods["periods"]] == ["flood season"]
    epoch = web.get(f"/api/v1/scenarios/{jinan}/critical-periods?date=0")  # not read as 1 January 1970
    assert epoch.status_code == 400 and epoch.get_json()["error"]["field"] == "date"
    assert web.get(f"/posture?scenario={jinan}").status_code == 200


def test_manual_warning_on_mini(web: Any) -> None:
    body = {"warning": {"id": "m1", "event": "Rainstorm red warning", "onset": "2026-07-20T06:00:00+08:00",
                        "area": {"regions": ["LX"]}}, "now": NOW, "max_moves": 1}
    response = web.post("/api/v1/scenarios/mini/posture", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["settings"]["rules"] == "default warning rules" and data["settings"]["max_moves"] == 1
    assert len(data["moves"]) <= 1


@pytest.mark.parametrize("name, field", [
    ("malformed.xml", "cap"), ("expired.xml", "expires"), ("unknown-area.xml", "area"), ("entity-bomb.xml", "cap"),
])
def test_refused_cap_is_400_and_nothing_is_stored(web: Any, app: Any, name: str, field: str) -> None:
    store = app.extensions["planner_store"]
    version, audit = store.scenario_version("mini"), len(store.audit_log(scenario="mini"))
    scenarios = store.list_scenarios()
    response = web.post("/api/v1/scenarios/mini/posture",
                        json={"cap": (CAP / name).read_text(encoding="utf-8"), "now": NOW})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field
    assert "\n" not in response.get_json()["error"]["message"]
    assert store.scenario_version("mini") == version and len(store.audit_log(scenario="mini")) == audit
    assert store.list_scenarios() == scenarios


@pytest.mark.parametrize("body, field", [
    ({}, "cap"),
    ({"cap": "<alert/>", "warning": {}}, "cap"),
    ({"cap": 5}, "cap"),
    ({"warning": {"event": "x", "level": "red", "onset": "2026-07-20T06:00:00+08:00", "area": {"regions": ["LX"]}},
      "max_moves": -1, "now": NOW}, "max_moves"),
    ({"cap": "<alert/>", "now": "yesterday"}, "now"),
    ({"cpa": "x"}, "cpa"),
])
def test_bad_bodies(web: Any, body: dict[str, Any], field: str) -> None:
    response = web.post("/api/v1/scenarios/mini/posture", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field


def test_viewer_may_look_but_not_plan(client: Any, auth: Any) -> None:
    auth.login("viewer")
    assert client.get("/posture?scenario=mini").status_code == 200
    assert client.get("/api/v1/scenarios/mini/posture/staging-points").get_json()["features"] == []
    cap = (CAP / "valid.xml").read_text(encoding="utf-8")
    assert client.post("/api/v1/scenarios/mini/posture", json={"cap": cap, "now": NOW}).status_code == 403


def test_openapi_documents_the_routes(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/scenarios/{name}/posture"]
    assert "get" in paths["/api/v1/scenarios/{name}/critical-periods"]
