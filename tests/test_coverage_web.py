"""Coverage page and API through Flask's test client on the mini scenario."""

from __future__ import annotations

from typing import Any

import pytest

from planner.scenario.files import read_scenario


@pytest.fixture
def web(client: Any, request: pytest.FixtureRequest) -> Any:
    """The test client, signed in as a planner when the app has sign-in."""
    try:
        request.getfixturevalue("auth").login("planner")
    except pytest.FixtureLookupError:
        pass
    return client


def test_page_has_controls_and_vendored_leaflet(web: Any) -> None:
    page = web.get("/coverage?scenario=mini").get_data(as_text=True)
    assert "覆盖分析" in page and "Mini test region" in page
    assert 'value="fire-5"' in page and 'value="B2"' in page and 'id="gap-table"' in page
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/js/coverage.js" in page
    assert "cdn" not in page.lower()
    assert web.get("/static/js/coverage.js").status_code == 200


def test_report_api(web: Any) -> None:
    data = web.get("/api/v1/scenarios/mini/coverage").get_json()
    assert [(s["standard"], s["passing"], s["sites"]) for s in data["standards"]] == [
        ("fire-5", 0, 2), ("hazchem-30", 1, 1)]
    assert [(g["site"], g["standard"]) for g in data["gaps"]] == [("S1", "fire-5"), ("S2", "fire-5")]
    assert data["gaps"][0]["lon"] == 117.11


def test_service_areas_api(web: Any) -> None:
    areas = web.get("/api/v1/scenarios/mini/coverage/service-areas?standard=fire-5").get_json()
    assert areas["type"] == "FeatureCollection" and areas["features"][0]["properties"]["teams"] == ["T1"]
    assert areas["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    missing = web.get("/api/v1/scenarios/mini/coverage/service-areas?standard=nope")
    assert missing.status_code == 400 and missing.get_json()["error"]["field"] == "standard"


def test_whatif_api_close_and_add(web: Any) -> None:
    closed = web.post("/api/v1/scenarios/mini/coverage/whatif", json={"close_bases": ["B2"]}).get_json()
    assert closed["gaps_before"] == 2 and closed["gaps_after"] == 3
    assert [(c["site"], c["standard"]) for c in closed["newly_failing"]] == [("S1", "hazchem-30")]
    added = web.post("/api/v1/scenarios/mini/coverage/whatif", json={"add": {
        "k": 1, "team_type": "fire", "turnout_min": 1,
        "candidates": [{"id": "c1", "lon": 116.99, "lat": 36.67}]}}).get_json()
    assert added["selection"]["chosen"] == ["c1"] and added["added_bases"][0]["team"].startswith("new-c1")
    after = {(r["site"], r["standard"]): r["passed"] for r in added["after"]["sites"]}
    assert after[("S2", "fire-5")] and not after[("S1", "fire-5")]


def test_whatif_api_p_median_from_every_town_and_site(web: Any, app: Any) -> None:
    app.extensions["planner_store"].save_scenario(read_scenario("shanxi-coal"))
    plan = {"add": {"k": 2, "team_type": "mine_rescue", "every_town_and_site": True, "model": "p-median"}}
    result = web.post("/api/v1/scenarios/shanxi-coal/coverage/whatif", json=plan).get_json()
    selection = result["selection"]
    assert selection["model"] == "p-median" and selection["status"] == "optimal" and selection["candidates"] == 62
    assert selection["objective"] < selection["objective_before"] and len(result["added_bases"]) == 2


@pytest.mark.parametrize("body, field", [
    ({"close_bases": ["B9"]}, "close_bases"),
    ({"close_bases": "B1"}, "close_bases"),
    ({"move_teams": {"T1": [1]}}, "move_teams.T1"),
    ({"add": {"k": 0, "team_type": "fire", "candidates": [{"lon": 117, "lat": 36.7}]}}, "add.k"),
    ({"add": {"k": 1, "team_type": "laser", "candidates": [{"lon": 117, "lat": 36.7}]}}, "add.team_type"),
    ({"add": {"k": 1, "team_type": "fire", "candidates": [{"lon": "x"}]}}, "add.candidates[0]"),
    ({"colse_bases": []}, "colse_bases"),
    ({"add": {"k": 1, "team_type": "fire"}}, "add.candidates"),
    ({"add": {"k": 1, "team_type": "fire", "every_town_and_site": True, "candidates": [{"lon": 117, "lat": 36.7}]}},
     "add.candidates"),
    ({"add": {"k": 1, "team_type": "fire", "every_town_and_site": True, "model": "median"}}, "add.model"),
])
def test_whatif_api_rejects_bad_plans(web: Any, body: dict[str, Any], field: str) -> None:
    response = web.post("/api/v1/scenarios/mini/coverage/whatif", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field


def test_unknown_scenario_is_404(web: Any) -> None:
    assert web.get("/api/v1/scenarios/nowhere/coverage").status_code == 404
    assert web.get("/coverage?scenario=nowhere").status_code == 404


def test_viewer_may_see_but_not_run_what_if(client: Any, request: pytest.FixtureRequest) -> None:
    try:
        auth = request.getfixturevalue("auth")
    except pytest.FixtureLookupError:
        pytest.skip("this checkout has no sign-in")
    auth.login("viewer")
    assert client.get("/api/v1/scenarios/mini/coverage").status_code == 200
    assert client.post("/api/v1/scenarios/mini/coverage/whatif", json={"close_bases": ["B2"]}).status_code == 403


@pytest.mark.parametrize("name, standard", [("jinan", "mine-30"), ("shanxi-coal", "mine-30")])
def test_page_and_api_work_for_the_shipped_scenarios(web: Any, app: Any, name: str, standard: str) -> None:
    app.extensions["planner_store"].save_scenario(read_scenario(name))
    assert web.get(f"/coverage?scenario={name}").status_code == 200
    report = web.get(f"/api/v1/scenarios/{name}/coverage").get_json()
    assert report["scenario"] == name and any(s["standard"] == standard for s in report["standards"])
    areas = web.get(f"/api/v1/scenarios/{name}/coverage/service-areas?standard={standard}").get_json()
    assert areas["features"], "some mine rescue team reaches somewhere within 30 min"
    first_gap = report["gaps"][0]
    plan = {"add": {"k": 1, "team_type": "mine_rescue", "turnout_min": 1,
                    "candidates": [{"id": "at-gap", "lon": first_gap["lon"], "lat": first_gap["lat"]}]}}
    result = web.post(f"/api/v1/scenarios/{name}/coverage/whatif", json=plan).get_json()
    assert result["selection"]["chosen"] == ["at-gap"] and result["gaps_after"] <= result["gaps_before"]
