"""Roads on the day through the API: closure sets stored and drawn, and the road fields of coverage and dispatch.

Runs on SQLite and PostgreSQL (the closures document is stored like every settings document).
"""

from __future__ import annotations

import copy
import io
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from planner.drills import records
from tests.conftest import load_jinan
from tests.test_drills_web import DRILL, KEY, PROGRAMME

AREA = {"type": "Polygon", "coordinates": [[[117.0, 36.65], [117.01, 36.65], [117.01, 36.66], [117.0, 36.66],
                                            [117.0, 36.65]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[117.0, 36.65], [117.01, 36.66], [117.01, 36.65], [117.0, 36.66],
                                              [117.0, 36.65]]]}
OUTSIDE = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]]}


@pytest.fixture
def planner_web(app: Any, client: Any, auth: Any) -> Any:
    load_jinan(app.extensions["planner_store"])
    auth.login("planner")
    return client


def roads(web: Any) -> dict[str, Any]:
    answer = web.get("/api/v1/scenarios/jinan/road-conditions")
    assert answer.status_code == 200
    return answer.get_json()  # type: ignore[no-any-return]


def test_roads_lists_the_shipped_sets_and_bands(planner_web: Any) -> None:
    data = roads(planner_web)
    assert [s["name"] for s in data["closure_sets"]] == ["north-corridor-cut", "luokou-flooding"]
    assert [b["id"] for b in data["bands"]] == ["morning-peak", "evening-peak", "night"]
    assert "[U]" in data["bands_source"] and data["closures_version"] >= 1


def test_store_a_closure_set_then_apply_it_to_coverage(planner_web: Any) -> None:
    version = roads(planner_web)["closures_version"]
    saved = planner_web.put("/api/v1/scenarios/jinan/closures/downtown", json={
        "description": "a drawn area", "closures": [{"id": "a1", "geometry": AREA}], "expected_version": version})
    assert saved.status_code == 200, saved.get_json()
    assert "downtown" in [s["name"] for s in roads(planner_web)["closure_sets"]]
    report = planner_web.get("/api/v1/scenarios/jinan/coverage?closures=downtown").get_json()
    assert report["roads"]["closure_set"] == "downtown"
    assert report["roads"]["closures"][0]["id"] == "a1" and report["roads"]["edges_closed"] > 0
    drawn = planner_web.get("/api/v1/scenarios/jinan/closures/downtown/map").get_json()
    roles = {f["properties"]["role"] for f in drawn["features"]}
    assert roles == {"closure", "closed"}
    view = "/api/v1/scenarios/jinan/map.png?bbox=116.99,36.645,117.02,36.665&layers=sites&width=400&height=300"
    red = (0xC6, 0x28, 0x28)  # the closed roads' colour, as the Map page draws them
    printed = Image.open(io.BytesIO(planner_web.get(f"{view}&closures=downtown").data)).convert("RGB")
    assert red in set(printed.get_flattened_data())  # the set the page shows is printed with the view
    plain = Image.open(io.BytesIO(planner_web.get(view).data)).convert("RGB")
    assert red not in set(plain.get_flattened_data())
    unknown = planner_web.get(f"{view}&closures=nowhere")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["field"] == "closures"
    stale = planner_web.put("/api/v1/scenarios/jinan/closures/other", json={
        "closures": [{"id": "a1", "geometry": AREA}], "expected_version": version})
    assert stale.status_code == 409
    gone = planner_web.delete(f"/api/v1/scenarios/jinan/closures/downtown?expected_version={version + 1}")
    assert gone.status_code == 200
    assert "downtown" not in [s["name"] for s in roads(planner_web)["closure_sets"]]


@pytest.mark.parametrize(("closure", "field", "words"), [
    ({"id": "x", "geometry": BOWTIE}, "sets[2].closures[0].geometry", "Self-intersection"),
    ({"id": "x", "geometry": OUTSIDE}, "sets[2].closures[0].geometry", "outside the network"),
    ({"id": "x", "geometry": {"type": "Polygon", "coordinates": 5}}, "sets[2].closures[0].geometry",
     "not valid GeoJSON"),
    ({"id": "x", "edges": [1], "speed_factor": 0}, "closures[0].speed_factor", "greater than 0"),
    ({"id": "x", "edges": [1], "speed_factor": 3.5}, "closures[0].speed_factor", "less than or equal to 3"),
    ({"id": "x", "ways": [2**63]}, "closures[0].ways[0]", "less than or equal to"),  # no 64-bit way id: was a 500
])
def test_a_bad_closure_is_refused_naming_the_field_and_nothing_is_stored(planner_web: Any, closure: dict[str, Any],
                                                                         field: str, words: str) -> None:
    before = roads(planner_web)
    answer = planner_web.put("/api/v1/scenarios/jinan/closures/bad", json={
        "closures": [closure], "expected_version": before["closures_version"]})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["field"] == field and words in error["message"]
    assert roads(planner_web) == before


def test_an_overlapping_band_is_refused_by_the_settings_api(planner_web: Any) -> None:
    current = planner_web.get("/api/v1/scenarios/jinan/settings/speed_profiles").get_json()
    data = copy.deepcopy(current["data"])
    data["bands"].append({"id": "late", "start": "18:30", "end": "20:00"})
    answer = planner_web.put("/api/v1/scenarios/jinan/settings/speed_profiles",
                             json={"data": data, "expected_version": current["version"]})
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "bands[3].start"
    assert planner_web.get("/api/v1/scenarios/jinan/settings/speed_profiles").get_json() == current


def test_dispatch_at_a_time_and_under_a_drawn_closure(app: Any, client: Any, auth: Any) -> None:
    load_jinan(app.extensions["planner_store"])
    auth.login("dispatcher")
    body = {"incidents": [{"lon": 117.02, "lat": 36.655, "type": "high-rise-fire"}], "time_limit_s": 5.0}
    free = client.post("/api/v1/scenarios/jinan/dispatch", json=body).get_json()
    peak = client.post("/api/v1/scenarios/jinan/dispatch", json={**body, "at": "2026-07-01T08:00"}).get_json()
    assert free["roads"] is None
    assert peak["roads"]["band"] == "morning-peak" and peak["roads"]["at"].startswith("2026-07-01T08:00")
    first = {a["unit"]: a["arrival_min"] for a in free["optimal"]["assignments"]}
    later = {a["unit"]: a["arrival_min"] for a in peak["optimal"]["assignments"]}
    assert all(later[u] > first[u] for u in set(first) & set(later))
    drawn = client.post("/api/v1/scenarios/jinan/dispatch", json={**body, "closures": AREA}).get_json()
    assert drawn["roads"]["closure_set"] == "drawn" and drawn["roads"]["edges_closed"] > 0
    bad = client.post("/api/v1/scenarios/jinan/dispatch", json={**body, "closures": OUTSIDE})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "closures"
    both = client.post("/api/v1/scenarios/jinan/dispatch", json={**body, "at": "2026-07-01T08:00", "band": "night"})
    assert both.status_code == 400 and both.get_json()["error"]["field"] == "band"


def test_posture_under_a_closure_set_says_so(planner_web: Any) -> None:
    cap = (Path(__file__).resolve().parent / "fixtures" / "cap" / "red-rainstorm-licheng.xml").read_text(
        encoding="utf-8")
    body = {"cap": cap, "now": "2026-07-20T06:30:00+08:00", "time_limit_s": 5.0}
    free = planner_web.post("/api/v1/scenarios/jinan/posture", json=body).get_json()
    closed = planner_web.post("/api/v1/scenarios/jinan/posture", json={**body, "closures": "north-corridor-cut"})
    assert closed.status_code == 200, closed.get_data(as_text=True)
    data = closed.get_json()
    assert free["roads"] is None and data["roads"]["closure_set"] == "north-corridor-cut"
    assert any(r["unreachable"] for r in data["before"]["sites"])
    assert not any(r["unreachable"] for r in free["before"]["sites"])
    # the warning proposes its area's roads at half speed; stored as a set, the posture applies it
    proposal = free["proposed_closures"]
    assert proposal["name"] == "warning-20260720-0600" and proposal["closures"][0]["speed_factor"] == 0.5
    saved = planner_web.put(f"/api/v1/scenarios/jinan/closures/{proposal['name']}", json={
        "closures": proposal["closures"], "description": proposal["description"], "source": proposal["source"],
        "expected_version": roads(planner_web)["closures_version"]})
    assert saved.status_code == 200, saved.get_json()
    slowed = planner_web.post("/api/v1/scenarios/jinan/posture", json={**body, "closures": proposal["name"]})
    applied = slowed.get_json()["roads"]
    assert applied["closure_set"] == proposal["name"] and applied["edges_slowed"] > 0 and applied["edges_closed"] == 0


def _finished(web: Any, job_id: str) -> dict[str, Any]:
    for _ in range(600):
        state = web.get(f"/api/v1/jobs/{job_id}").get_json()
        if state["status"] in ("done", "failed"):
            return state  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_sweep_job_under_a_closure_set_and_the_bands(planner_web: Any) -> None:
    params = {"incidents": 200, "seed": 3, "closures": "north-corridor-cut"}
    started = planner_web.post("/api/v1/scenarios/jinan/jobs", json={"kind": "sweep", "params": params})
    assert started.status_code == 202, started.get_json()
    drawn = planner_web.post("/api/v1/scenarios/jinan/jobs", json={"kind": "sweep", "params": {  # a drawn area
        "incidents": 10, "seed": 3, "time_bands": False, "closures": AREA}})
    assert drawn.status_code == 202, drawn.get_json()
    state = _finished(planner_web, started.get_json()["id"])
    assert state["status"] == "done", state
    drawn_state = _finished(planner_web, drawn.get_json()["id"])
    assert drawn_state["status"] == "done", drawn_state
    assert drawn_state["result"]["roads"]["closure_set"] == "drawn"
    assert drawn_state["result"]["roads"]["edges_closed"] > 0
    roads_applied = state["result"]["roads"]  # one network per time-of-day draw, each under the closure set
    assert set(roads_applied) == {"morning-peak", "evening-peak", "night", "free-flow"}
    assert all(r["closure_set"] == "north-corridor-cut" for r in roads_applied.values())
    assert roads_applied["night"]["band"] == "night" and roads_applied["free-flow"]["band"] is None
    unknown = planner_web.post("/api/v1/scenarios/jinan/jobs",
                               json={"kind": "sweep", "params": {**params, "closures": "nope"}})
    assert unknown.status_code in (400, 404) and unknown.get_json()["error"]["field"] == "closures"


def test_sweep_job_refuses_a_bad_drawn_area(planner_web: Any) -> None:
    params = {"incidents": 10, "seed": 3, "time_bands": False}
    for bad in (BOWTIE, OUTSIDE, {"type": "Polygon", "coordinates": "no"}, 5, ""):
        refused = planner_web.post("/api/v1/scenarios/jinan/jobs",
                                   json={"kind": "sweep", "params": {**params, "closures": bad}})
        assert refused.status_code == 400, (bad, refused.get_json())
        assert refused.get_json()["error"]["field"].endswith("closures"), refused.get_json()


def test_drill_simulation_under_a_closure_set(planner_web: Any) -> None:
    params = {"template": "chemical-fire-explosion", "site": "site-refinery", "runs": 20, "seed": 1}
    free = _finished(planner_web, planner_web.post("/api/v1/scenarios/jinan/jobs", json={
        "kind": "drills-simulate", "params": params}).get_json()["id"])
    closed = _finished(planner_web, planner_web.post("/api/v1/scenarios/jinan/jobs", json={
        "kind": "drills-simulate", "params": {**params, "closures": "north-corridor-cut", "band": "night"}}
    ).get_json()["id"])
    assert free["status"] == closed["status"] == "done", (free, closed)
    assert free["result"]["roads"] is None
    assert closed["result"]["roads"]["closure_set"] == "north-corridor-cut"
    assert closed["result"]["roads"]["band"] == "night"
    bad = planner_web.post("/api/v1/scenarios/jinan/jobs", json={
        "kind": "drills-simulate", "params": {**params, "band": "rush"}})
    assert bad.status_code in (400, 404) and bad.get_json()["error"]["field"] == "band"
    branch = _finished(planner_web, planner_web.post("/api/v1/scenarios/jinan/jobs", json={
        "kind": "drills-simulate", "params": {**params, "closures": "north-corridor-cut", "closures_inject": "I3a"}}
    ).get_json()["id"])
    assert branch["status"] == "done" and branch["result"]["roads"]["closures_from_min"] == 12.0
    unknown = planner_web.post("/api/v1/scenarios/jinan/jobs", json={
        "kind": "drills-simulate", "params": {**params, "closures": "north-corridor-cut", "closures_inject": "I9"}})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["field"] == "closures_inject"
    drawn = planner_web.post("/api/v1/scenarios/jinan/jobs", json={"kind": "drills-simulate", "params": {
        **params, "closures": {"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 10]]]}}})
    assert drawn.status_code == 400 and drawn.get_json()["error"]["field"] == "closures"  # far from every road


def _around(lon: float, lat: float, half: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[lon - half, lat - half], [lon + half, lat - half],
                                                [lon + half, lat + half], [lon - half, lat + half],
                                                [lon - half, lat - half]]]}


def test_a_drill_msel_closure_inject_closes_roads_in_its_simulation(planner_web: Any, app: Any) -> None:
    """A surprise branch whose first option floods the site's roads: before StartEx that option is played."""
    store = app.extensions["planner_store"]
    records.save_programme(store, "jinan", copy.deepcopy(PROGRAMME))
    api = f"/api/v1/scenarios/jinan/drills/{KEY}"
    site = store.load_scenario("jinan").by_id("sites")[DRILL["site"]]
    injects = planner_web.get(f"{api}/msel").get_json()["injects"]
    free = _finished(planner_web, planner_web.post(f"{api}/simulations", json={"runs": 20, "seed": 1}).get_json()["id"])
    assert free["status"] == "done" and free["result"]["roads"] is None, free
    assert free["result"]["metrics"]["first:fire_squad"]["share"] == 1.0  # every run: a fire squad arrives
    flooded = {"id": "X1", "offset_min": 0, "text": "the access roads are flooded", "branch": "B2",
               "option": "flooded", "closures": _around(site.lon, site.lat, 0.02)}
    dry = {"id": "X2", "offset_min": 0, "text": "the roads are dry", "branch": "B2", "option": "dry"}
    for bad, field_text in ((OUTSIDE, "outside"), ("no-such-set", "no-such-set"), (5, "closure set")):
        refused = planner_web.put(f"{api}/msel", json={"injects": [*injects, {**flooded, "closures": bad}, dry],
                                                       "expected_version": None})
        assert refused.status_code == 400, refused.get_json()
        error = refused.get_json()["error"]
        assert error["field"].endswith("closures") and field_text in error["message"], error
    assert planner_web.get(f"{api}/msel").get_json()["version"] is None  # nothing stored
    saved = planner_web.put(f"{api}/msel", json={"injects": [*injects, flooded, dry], "expected_version": None})
    assert saved.status_code == 200, saved.get_json()
    closed = _finished(planner_web, planner_web.post(f"{api}/simulations", json={"runs": 20, "seed": 1}
                                                     ).get_json()["id"])
    assert closed["status"] == "done", closed
    assert "first:fire_squad" not in closed["result"]["metrics"]  # cut off from minute 0: no squad ever arrives
    applied = closed["result"]["roads"]["msel_closures"]
    assert [(a["inject"], a["from_min"], a["closure_set"]) for a in applied] == [("X1", 0.0, "drawn")]
    assert applied[0]["edges_closed"] > 0


def test_a_simulation_is_refused_when_its_msel_closes_roads_by_a_set_deleted_since(planner_web: Any, app: Any
                                                                                    ) -> None:
    records.save_programme(app.extensions["planner_store"], "jinan", copy.deepcopy(PROGRAMME))
    api = f"/api/v1/scenarios/jinan/drills/{KEY}"
    injects = planner_web.get(f"{api}/msel").get_json()["injects"]
    cut = {"id": "X3", "offset_min": 20, "text": "the north corridor is cut", "closures": "north-corridor-cut"}
    assert planner_web.put(f"{api}/msel", json={"injects": [*injects, cut], "expected_version": None}
                           ).status_code == 200
    version = roads(planner_web)["closures_version"]
    gone = planner_web.delete(f"/api/v1/scenarios/jinan/closures/north-corridor-cut?expected_version={version}")
    assert gone.status_code == 200, gone.get_json()
    refused = planner_web.post(f"{api}/simulations", json={"runs": 20, "seed": 1})
    assert refused.status_code == 400, refused.get_json()
    assert refused.get_json()["error"]["field"] == "closures" and "X3" in refused.get_json()["error"]["message"]
    drawn_off = planner_web.post(f"{api}/simulations", json={"runs": 20, "closures": OUTSIDE})  # its own closures
    assert drawn_off.status_code == 400 and drawn_off.get_json()["error"]["field"] == "closures"
