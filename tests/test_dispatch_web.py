"""Dispatch tester page and API through Flask's test client on the mini scenario.

The arrival minutes are checked against the travel-time matrix computed independently here (snap the
incident, one Dijkstra from B1's node with ``geodata.matrix.travel_time_matrix``), not the engine's
own ``travel_times_to``.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pypdf
import pytest

from geodata.matrix import travel_time_matrix
from planner.scenario.files import read_scenario
from planner.scenario.network import join_points, placement
from tests.conftest import MINI
from tests.dispatch_checks import assert_compensation_is_ledger_total

URL = "/api/v1/scenarios/mini/dispatch"
NEAR_B1 = {"lon": 117.06, "lat": 36.665}
FIRE_2 = [{"capability": "fire_squad", "quantity": 2, "deadline_min": 30}]


@pytest.fixture
def dispatcher(client: Any, auth: Any) -> Any:
    """The test client signed in as a dispatcher."""
    auth.login("dispatcher")
    return client


def _haversine_m(a: list[float], b: list[float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def test_dispatcher_gets_t1_with_arrival_turnout_plus_travel_and_a_road_route(dispatcher: Any) -> None:
    response = dispatcher.post(URL, json={"incidents": [{**NEAR_B1, "requirements": FIRE_2}], "time_limit_s": 5})
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert [(i["id"], i["region"]) for i in data["incidents"]] == [("I1", "LX")]

    optimal = data["optimal"]
    assert optimal["status"] == "optimal" and optimal["shortfall"] == []
    [sent] = optimal["assignments"]
    assert (sent["unit"], sent["incident"], sent["base"], sent["team_type"]) == ("T1", "I1", "B1", "fire")
    assert sent["name"] == "Lixia engine company" and (sent["lon"], sent["lat"]) == (117.05, 36.66)
    assert sent["borrowed"] is False and sent["lender"] is None and optimal["borrowed"] == []

    # arrival = turn-out (1 min) + network travel from B1's node to the incident's, joined part-way along its road
    scenario = read_scenario(MINI)
    placed = placement(scenario)
    joined = join_points(scenario, placed.network, [NEAR_B1["lon"]], [NEAR_B1["lat"]])
    incident_node = int(joined.node[0])
    b1_node = placed.base_node["B1"]
    travel_min = float(travel_time_matrix(joined.network, [b1_node], [incident_node])[0, 0]) / 60
    assert sent["arrival_min"] == pytest.approx(1.0 + travel_min, abs=1e-3)
    assert optimal["objective"]["weighted_shortfall"] == 0
    assert optimal["objective"]["weighted_arrival"] == pytest.approx(sent["arrival_min"], abs=1e-3)

    # the route follows the network from B1's snapped node to the incident's
    network = joined.network
    route = sent["route"]
    assert len(route) >= 2
    assert route[0] == pytest.approx([float(network.lon[b1_node]), float(network.lat[b1_node])], abs=1e-5)
    assert route[-1] == pytest.approx([float(network.lon[incident_node]), float(network.lat[incident_node])], abs=1e-5)
    assert _haversine_m(route[-1], [NEAR_B1["lon"], NEAR_B1["lat"]]) < 200
    length_km = sum(_haversine_m(a, b) for a, b in zip(route, route[1:], strict=False)) / 1000
    assert sent["route_km"] == pytest.approx(length_km, rel=0.05)
    assert optimal["units_sent"] == 1

    greedy = data["greedy"]
    assert greedy["method"] == "greedy" and greedy["units_sent"] == len(greedy["assignments"])
    assert greedy["objective"]["weighted_shortfall"] >= optimal["objective"]["weighted_shortfall"]
    assert set(data["ledger"]) >= {"lines", "excluded", "totals_by_payer", "totals_by_lender", "total",
                                   "unrated_equipment"}


def test_borrowed_unit_is_marked_with_lender_and_cost(dispatcher: Any) -> None:
    """A hazchem incident in LX can only be served by T2 from TQ, under agreement TQ->LX."""
    body = {"incidents": [{"lon": 117.10, "lat": 36.68, "priority": 2, "responsible_unit": "Refinery",
                           "requirements": [{"capability": "hazchem_squad", "quantity": 1, "deadline_min": 60}]}]}
    data = dispatcher.post(URL, json=body).get_json()
    [sent] = data["optimal"]["assignments"]
    assert sent["unit"] == "T2" and sent["borrowed"] is True and sent["lender"] == "TQ"
    [lent] = data["optimal"]["borrowed"]
    assert (lent["unit"], lent["lender"], lent["borrower"]) == ("T2", "TQ", "LX")
    # priced by A1's rate card, as the ledger charges it (R-COST): 30 people x 1 day (12 h) x 300 labour,
    # the round trip at 6 per km, one trip at 200; not A1's planning cost (5000 + 20 per travel minute)
    expected = 300 * 30 * 1 + 6 * 2 * sent["route_km"] + 200
    assert sent["cost"] == lent["cost"] == pytest.approx(expected, abs=0.01)
    assert data["optimal"]["objective"]["compensation"] == pytest.approx(expected, abs=0.01)
    assert data["ledger"]["total"] == pytest.approx(expected, abs=0.01)
    assert_compensation_is_ledger_total(data)
    # T2's gas detectors carried as equipment have no rate in A1: listed, not priced
    assert {"unit": "T2", "kind": "gas_detector", "quantity": 6} in data["ledger"]["unrated_equipment"]


def test_template_type_fills_the_requirements_and_shortfall_is_reported(dispatcher: Any) -> None:
    body = {"incidents": [{**NEAR_B1, "type": "chemical-fire-explosion", "priority": 3, "duration_h": 6}],
            "time_limit_s": 5}
    data = dispatcher.post(URL, json=body).get_json()
    [incident] = data["incidents"]
    assert incident["type"] == "chemical-fire-explosion" and incident["priority"] == 3
    assert {(r["capability"], r["quantity"]) for r in incident["requirements"]} >= {("fire_squad", 2),
                                                                                   ("fire_squad", 5)}
    # the mini scenario has no medical squad: that requirement is short
    short = {(s["capability"], s["missing"]) for s in data["optimal"]["shortfall"]}
    assert ("medical_squad", 1) in short
    assert data["greedy"]["objective"]["weighted_shortfall"] >= data["optimal"]["objective"]["weighted_shortfall"]


def test_two_incidents_and_greedy_never_better_on_weighted_shortfall(dispatcher: Any) -> None:
    body = {"incidents": [
        {"id": "north", **NEAR_B1, "priority": 5, "requirements": FIRE_2},
        {"id": "south", "lon": 117.04, "lat": 36.655, "priority": 1,
         "requirements": [{"capability": "fire_squad", "quantity": 1, "deadline_min": 10}]}]}
    data = dispatcher.post(URL, json=body).get_json()
    assert [i["id"] for i in data["incidents"]] == ["north", "south"]
    optimal, greedy = data["optimal"], data["greedy"]
    assert greedy["objective"]["weighted_shortfall"] >= optimal["objective"]["weighted_shortfall"]
    if greedy["objective"]["weighted_shortfall"] == optimal["objective"]["weighted_shortfall"]:
        assert greedy["objective"]["weighted_arrival"] >= optimal["objective"]["weighted_arrival"] - 1e-6


def test_viewer_gets_403_and_anonymous_401(client: Any, auth: Any) -> None:
    body = {"incidents": [{**NEAR_B1, "requirements": FIRE_2}]}
    assert client.post(URL, json=body).status_code == 401
    auth.login("viewer")
    refused = client.post(URL, json=body)
    assert refused.status_code == 403 and "run_dispatch" in refused.get_json()["error"]["message"]


def test_admin_may_dispatch(client: Any, auth: Any) -> None:
    auth.login("admin")
    assert client.post(URL, json={"incidents": [{**NEAR_B1, "requirements": FIRE_2}]}).status_code == 200


@pytest.mark.parametrize("body, field", [
    ({}, "incidents"),
    ({"incidents": []}, "incidents"),
    ({"incidents": "I1"}, "incidents"),
    ({"incidents": [{"lon": "east", "lat": 36.665, "requirements": FIRE_2}]}, "incidents[0].lon"),
    ({"incidents": [{"lat": 36.665, "requirements": FIRE_2}]}, "incidents[0].lon"),
    ({"incidents": [{"lon": 10 ** 400, "lat": 36.665, "requirements": FIRE_2}]}, "incidents[0].lon"),
    ({"incidents": [{**NEAR_B1, "requirements": FIRE_2}, {**NEAR_B1, "type": "alien-landing"}]}, "incidents[1].type"),
    ({"incidents": [{**NEAR_B1, "requirements": [{"capability": "fire_squad", "quantity": -1, "deadline_min": 30}]}]},
     "incidents[0].requirements[0].quantity"),
    ({"incidents": [{**NEAR_B1,
                     "requirements": [{"capability": "fire_squad", "quantity": 10 ** 6, "deadline_min": 30}]}]},
     "incidents[0].requirements[0].quantity"),
    ({"incidents": [{**NEAR_B1, "requirements": [{"capability": "", "quantity": 1, "deadline_min": 30}]}]},
     "incidents[0].requirements[0].capability"),
    ({"incidents": [{**NEAR_B1,
                     "requirements": [{"capability": "fire_squad", "quantity": 1, "deadline_min": "soon"}]}]},
     "incidents[0].requirements[0].deadline_min"),
    ({"incidents": [{**NEAR_B1}]}, "incidents[0].requirements"),
    ({"incidents": [{**NEAR_B1, "requirements": FIRE_2, "priority": 11}]}, "incidents[0].priority"),
    ({"incidents": [{**NEAR_B1, "requirements": FIRE_2, "duration_h": 0}]}, "incidents[0].duration_h"),
    ({"incidents": [{**NEAR_B1, "requirements": FIRE_2}, {"id": "I1", **NEAR_B1, "requirements": FIRE_2}]},
     "incidents[1].id"),
    ({"incidents": [{"lon": 100.0, "lat": 30.0, "requirements": FIRE_2}]}, "incidents[0].lon"),
    ({"incidents": [{**NEAR_B1, "requirements": FIRE_2}], "time_limit_s": 0}, "time_limit_s"),
    ({"incidents": [{**NEAR_B1, "requirements": FIRE_2}], "time_limit_s": 10 ** 400}, "time_limit_s"),
    ({"incidents": [{**NEAR_B1, "requirements": FIRE_2}], "colour": "red"}, "colour"),
])
def test_bad_bodies_are_400_naming_the_field(dispatcher: Any, body: dict[str, Any], field: str) -> None:
    response = dispatcher.post(URL, json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["field"] == field, error
    assert error["code"] == "invalid_input" and error["message"]


def test_not_json_and_unknown_scenario(dispatcher: Any) -> None:
    response = dispatcher.post(URL, data="incidents", content_type="text/plain")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "body"
    missing = dispatcher.post("/api/v1/scenarios/nowhere/dispatch",
                              json={"incidents": [{**NEAR_B1, "requirements": FIRE_2}]})
    assert missing.status_code == 404


def test_incident_types_list_templates_with_default_requirements(client: Any, auth: Any) -> None:
    auth.login("viewer")
    types = {t["id"]: t for t in client.get("/api/v1/incident-types").get_json()["incident_types"]}
    assert len(types) >= 10
    chem = types["chemical-fire-explosion"]
    assert chem["name_zh"] and chem["name"]
    assert {"capability": "fire_squad", "quantity": 2, "deadline_min": 5.0} in chem["requirements"]


def test_openapi_documents_the_body_and_permission(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/scenarios/{name}/dispatch"]["post"]
    assert "run_dispatch" in operation["description"]
    schemas = doc["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        return schemas[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema

    body = resolve(operation["requestBody"]["content"]["application/json"]["schema"])
    assert body["required"] == ["incidents"] and body["additionalProperties"] is False
    incident = resolve(body["properties"]["incidents"]["items"])
    assert set(incident["required"]) == {"lon", "lat"} and incident["properties"]["priority"]["maximum"] == 10
    assert "/api/v1/incident-types" in doc["paths"]


def test_page_for_dispatcher_and_viewer(client: Any, auth: Any) -> None:
    auth.login("dispatcher")
    page = client.get("/dispatch?scenario=mini").get_data(as_text=True)
    assert "调度测试" in page and 'data-can-run="true"' in page and "/static/js/dispatch.js" in page
    assert "/static/vendor/leaflet/leaflet.js" in page and "cdn" not in page.lower()
    assert '<option value="fire_squad">' in page and ">调度</a>" in page  # the nav link, in the default language
    assert 'id="run-dispatch" >' in page or 'id="run-dispatch">' in page
    auth.logout()
    auth.login("viewer")
    page = client.get("/dispatch?scenario=mini").get_data(as_text=True)
    assert 'data-can-run="false"' in page and "调度需要调度员角色" in page
    assert 'id="run-dispatch" disabled' in page
    assert client.get("/static/js/dispatch.js").status_code == 200


def test_jinan_ledger_lines_totals_and_payer(dispatcher: Any, app: Any) -> None:
    """On the shipped scenario a chemical fire at the refinery borrows units; the ledger prices them."""
    app.extensions["planner_store"].save_scenario(read_scenario("jinan"))
    body = {"incidents": [{"lon": 117.108, "lat": 36.702, "type": "chemical-fire-explosion", "priority": 5,
                           "duration_h": 12, "responsible_unit": "Refinery operator"}], "time_limit_s": 10}
    response = dispatcher.post("/api/v1/scenarios/jinan/dispatch", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    optimal, ledger = data["optimal"], data["ledger"]
    assert optimal["status"] in ("optimal", "feasible") and optimal["units_sent"] >= 2
    assert all(a["route"] and a["route_km"] is not None for a in optimal["assignments"])
    lent = [a for a in optimal["assignments"] if a["borrowed"]]
    assert lent and {b["unit"] for b in optimal["borrowed"]} == {a["unit"] for a in lent}
    # every lent unit is accounted for: priced on the ledger, excluded with a reason, or the region's own
    # forces (a city's team in one of its districts is not compensated)
    own = {o["unit"] for o in ledger["own_forces"]}
    priced = {line["unit"] for line in ledger["lines"]} | {claim["unit"] for claim in ledger["excluded"]}
    assert {a["unit"] for a in lent} <= own | priced and not own & priced
    jinan = read_scenario("jinan")
    assert all(o["jurisdiction"] in jinan.ancestors(o["serves"])[1:] for o in ledger["own_forces"])
    columns = {"mission", "unit", "lender", "payer", "line", "item", "quantity", "rate", "days", "amount"}
    assert all(columns <= set(line) for line in ledger["lines"])
    assert {line["unit"] for line in ledger["lines"]} <= {a["unit"] for a in lent}
    assert sum(line["amount"] for line in ledger["lines"]) == pytest.approx(ledger["total"], abs=0.01)
    assert sum(ledger["totals_by_payer"].values()) == pytest.approx(ledger["total"], abs=0.01)
    assert sum(ledger["totals_by_lender"].values()) == pytest.approx(ledger["total"], abs=0.01)
    assert set(ledger["totals_by_payer"]) <= {"unit:Refinery operator"}
    assert data["greedy"]["objective"]["weighted_shortfall"] >= optimal["objective"]["weighted_shortfall"]


def test_dispatch_summary_to_file_as_pdf_and_html(dispatcher: Any) -> None:
    """The borrowing plan above, summarised: the PDF to file and its HTML twin carry the unit and the ledger total."""
    body = {"incidents": [{"lon": 117.10, "lat": 36.68, "priority": 2,
                           "requirements": [{"capability": "hazchem_squad", "quantity": 1, "deadline_min": 60}]}]}
    total = dispatcher.post(URL, json=body).get_json()["ledger"]["total"]
    pdf = dispatcher.post(f"{URL}/summary", json=body)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert "应急救援调度方案" in text and "T2" in text and f"合计 Total: {total:.2f}" in text and "第 1 /" in text
    html = dispatcher.post(f"{URL}/summary?format=html", json=body)
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert "<h2>留守力量 Held back (retained minimums)</h2>" in page and f"合计 Total: {total:.2f}" in page
    bad = dispatcher.post(f"{URL}/summary?format=docx", json=body)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "format"
