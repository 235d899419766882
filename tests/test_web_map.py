"""The map page and its JSON layers, through Flask's test client on a temporary database."""

from __future__ import annotations


def test_index_redirects_to_the_map(viewer):
    response = viewer.get("/")
    assert response.status_code == 302 and "/map?scenario=mini" in response.headers["Location"]


def test_map_page_names_the_scenario_and_loads_vendored_leaflet(viewer):
    page = viewer.get("/map").get_data(as_text=True)
    assert "Mini test region" in page and "测试小区域" in page
    assert "/static/vendor/leaflet/leaflet.js" in page and "cdn" not in page.lower()
    assert "Every base, team and site here is invented" in page
    assert viewer.get("/static/vendor/leaflet/leaflet.js").status_code == 200


def test_layers_are_geojson_with_labels(viewer):
    sites = viewer.get("/api/v1/scenarios/mini/layers/sites").get_json()
    assert sites["type"] == "FeatureCollection" and len(sites["features"]) == 2
    refinery = next(f for f in sites["features"] if f["id"] == "S1")
    assert refinery["geometry"]["coordinates"] == [117.11, 36.69]
    assert refinery["properties"]["risk_grade_label"] == "重大风险 / major (red)"
    assert 0 < refinery["properties"]["off_network_m"] < 500
    bases = viewer.get("/api/v1/scenarios/mini/layers/bases").get_json()
    b1 = next(f for f in bases["features"] if f["id"] == "B1")
    assert [t["id"] for t in b1["properties"]["teams"]] == ["T1"] and b1["properties"]["team_types"] == ["fire"]
    teams = viewer.get("/api/v1/scenarios/mini/layers/teams").get_json()
    t2 = next(f for f in teams["features"] if f["id"] == "T2")
    assert t2["geometry"]["coordinates"] == [116.99, 36.7] and t2["properties"]["tier"] == "regional"
    regions = viewer.get("/api/v1/scenarios/mini/layers/jurisdictions").get_json()
    assert {f["id"] for f in regions["features"]} == {"SD", "JN", "LX", "TQ"}


def test_roads_draw_each_street_once(viewer, jinan):
    roads = viewer.get("/api/v1/scenarios/mini/roads").get_json()
    segments = sum(f["properties"]["segments"] for f in roads["features"])
    pairs = {(min(u, v), max(u, v)) for u, v in zip(jinan.edge_u.tolist(), jinan.edge_v.tolist(), strict=True)}
    assert segments == len(pairs)
    assert {f["properties"]["highway"] for f in roads["features"]} >= {"primary", "residential", "motorway"}


def test_unknown_things_answer_json_errors(viewer):
    response = viewer.get("/api/v1/scenarios/nowhere/layers/sites")
    assert response.status_code == 404
    assert response.get_json()["error"] == {"code": "not_found", "message": "no stored scenario named 'nowhere'",
                                            "field": "scenario"}
    missing = viewer.get("/api/v1/scenarios/mini/layers/standards")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    page = viewer.get("/map?scenario=nowhere")
    assert page.status_code == 404 and "no stored scenario" in page.get_data(as_text=True)
