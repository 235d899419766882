"""Requests for help that flow province - city - county (issue 18), end to end through the API with four users.

A Licheng (county) planner asks for help at a hazchem fire; the city (Jinan) cannot bring the search dogs
it needs, so the request escalates to the province by itself after the configured time; the province
approves, a national team is offered by the province and a Lixia fire crew by the lending county, the
requester accepts, the units depart, arrive, are released and return, and the claim equals, to the fen,
the ledger of those deployments computed here from the sharing rules (rate cards of the agreements, the
team sizes of the scenario's CSV, the hours between departure and return), naming the payer the rules
give. Bad input and faults are refused with a clear message and change nothing; two approvers acting
on one request at once get one success and one conflict.
"""

from __future__ import annotations

import base64
import copy
import csv
import dataclasses
import datetime as dt
import io
import json
import math
from typing import Any

import pytest

from planner.drills import records
from planner.errors import InputError
from planner.requests.model import STATES, TRANSITIONS
from planner.requests.proposal import allowed_lenders, lenders_scenario
from planner.requests.service import committed_units, escalate_after_min
from planner.scenario.files import read_scenario
from planner.scenario.jurisdictions import below
from planner.store.accounts import create_user
from tests.conftest import ROOT, jinan_folder, load_jinan
from tests.test_drills_web import DRILL, KEY, PROGRAMME

PASSWORD = "request-pass-123"
INCIDENT = {"lon": 117.105, "lat": 36.70, "type": "chemical-fire-explosion", "duration_h": 12.0,
            "responsible_unit": "Sinopec Jinan refinery"}
NEEDS = [{"capability": "canine", "quantity": 2, "deadline_min": 180},
         {"capability": "fire_squad", "quantity": 2, "deadline_min": 60}]
URL = "/api/v1/scenarios/jinan/requests"
T0 = dt.datetime(2026, 7, 20, 9, 0, tzinfo=dt.UTC)


def basic(username: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def levels(app: Any, fixed_clock: Any) -> Any:
    """The app with Jinan and the four users of the flow, plus another city's approver; the clock at T0."""
    store = app.extensions["planner_store"]
    load_jinan(store)
    for name, role, where in (("county", "planner", "licheng"), ("city", "dispatcher", "jinan"),
                              ("province", "dispatcher", "shandong"), ("lender", "dispatcher", "lixia"),
                              ("dezhou", "dispatcher", "dezhou"), ("watcher", "viewer", "licheng")):
        create_user(store, name, PASSWORD, role, jurisdiction=where)
    fixed_clock(T0)
    return app.test_client()


def _create(client: Any) -> dict[str, Any]:
    answer = client.post(URL, headers=basic("county"),
                         json={"jurisdiction": "licheng", "incident": INCIDENT, "needs": NEEDS})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def _act(client: Any, who: str, request_id: str, action: str, status: int = 200, **extra: Any) -> dict[str, Any]:
    answer = client.post(f"{URL}/{request_id}/actions", headers=basic(who), json={"action": action, **extra})
    assert answer.status_code == status, (who, action, answer.get_json())
    return answer.get_json()  # type: ignore[no-any-return]


def _csv(kind: str) -> list[dict[str, str]]:
    with (ROOT / "scenarios" / "jinan" / f"{kind}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _expected_ledger(units: list[dict[str, Any]], hours: float) -> tuple[dict[tuple[str, str], float], float]:
    """The ledger of the deployments by hand: the agreements' rate cards, Shanxi/county rules (part day = day).

    Labour and subsistence = rate x people x days; equipment the team carries (in service) = rate x items x days
    when the agreement rates it; transport = rate per km x km there and back + rate per trip; only reimbursable lines.
    """
    agreements = {a["id"]: a for a in json.loads((ROOT / "scenarios" / "jinan" / "agreements.json").read_text())}
    members = {row["id"]: int(row["members"]) for row in _csv("teams")}
    carried: dict[str, dict[str, int]] = {}
    for row in _csv("equipment"):
        if row["team"] and row.get("status", "in_service") == "in_service":  # kit in maintenance stays at home
            carried.setdefault(row["team"], {})[row["kind"]] = int(row["quantity"])
    days = math.ceil(hours / 24)
    lines: dict[tuple[str, str], float] = {}
    for unit in units:
        agreement = agreements[{"cn": "mem-order-licheng", "lixia": "mutual-lixia-licheng"}[unit["lender"]]]
        rates, paid = agreement["rates"], set(agreement["reimbursable"])
        people = members[unit["unit"]]
        amounts = {"labour": rates["labour_per_person_day"] * people * days,
                   "subsistence": rates.get("subsistence_per_person_day", 0) * people * days,
                   "equipment": sum(rates["equipment_per_day"][k] * n * days
                                    for k, n in carried.get(unit["unit"], {}).items()
                                    if k in rates["equipment_per_day"]),
                   "transport": rates.get("transport_per_km", 0) * 2 * unit["route_km"]
                   + rates.get("transport_per_trip", 0)}
        for line, amount in amounts.items():
            if line in paid and amount > 0:
                lines[(unit["unit"], line)] = round(amount + 1e-9, 2)
    return lines, round(sum(lines.values()), 2)


def test_the_four_user_flow_escalates_deploys_and_claims_the_ledger_to_the_fen(levels: Any, fixed_clock: Any) -> None:
    client = levels
    created = _create(client)
    rid = created["id"]
    assert created["state"] == "proposed" and created["level"] == "jinan"
    assert created["proposal"]["region"] == "licheng"
    assert {s["capability"] for s in created["proposal"]["shortfall"]} == {"canine"}  # the city has no dogs
    assert all(row["lender"] not in ("cn", "shandong") for row in created["proposal"]["lenders"])

    # only those it concerns see it: another city's approver gets a 404 and an empty list
    assert client.get(f"{URL}/{rid}", headers=basic("dezhou")).status_code == 404
    assert client.get(URL, headers=basic("dezhou")).get_json()["requests"] == []
    assert [r["id"] for r in client.get(URL, headers=basic("city")).get_json()["requests"]] == [rid]
    # no authority at the city's level: the county may not approve; Lixia, not asked yet, does not even see it
    assert _act(client, "county", rid, "approve", 403)["error"]["code"] == "forbidden"
    assert all(row["lender"] != "lixia" for row in created["proposal"]["lenders"])
    assert _act(client, "lender", rid, "approve", 404)["error"]["code"] == "not_found"

    # the city does not act: after the configured 30 minutes the request escalates to the province by itself
    fixed_clock(T0 + dt.timedelta(minutes=29))
    assert client.get(f"{URL}/{rid}", headers=basic("county")).get_json()["state"] == "proposed"
    fixed_clock(T0 + dt.timedelta(minutes=31))
    escalated = client.get(f"{URL}/{rid}", headers=basic("province")).get_json()
    assert escalated["state"] == "escalated" and escalated["level"] == "shandong"
    assert escalated["timeline"][-1]["by"] == "system" and "automatically" in escalated["timeline"][-1]["note"]
    due = dt.datetime.fromisoformat(created["timeline"][-1]["at"]) + dt.timedelta(minutes=30)
    assert dt.datetime.fromisoformat(escalated["timeline"][-1]["at"]) == due  # when it fell due, not when read
    assert escalated["proposal"]["shortfall"] == []
    lenders = {row["unit"]: row for row in escalated["proposal"]["lenders"]}
    assert lenders["nat-usar-jinan-usar"]["lender"] == "cn"
    assert lenders["nat-usar-jinan-usar"]["agreement"] == "mem-order-licheng"
    assert _act(client, "city", rid, "approve", 403)["error"]["code"] == "forbidden"  # the city is below

    # the province leaves out every fire crew but Lixia's (the others are needed at home)
    home = {row["id"]: row["jurisdiction"] for row in _csv("bases")}
    crews = [t["id"] for t in _csv("teams") if (t["team_type"] == "fire" or "fire_squad" in t["capabilities"])
             and home[t["base"]] != "lixia"]
    amended = _act(client, "province", rid, "amend", units=crews, note="the other fire crews stay at home")
    lenders = {row["unit"]: row for row in amended["proposal"]["lenders"]}
    assert amended["state"] == "proposed" and set(lenders) >= {"nat-usar-jinan-usar"}
    assert {row["lender"] for row in lenders.values()} <= {"cn", "lixia"}, lenders
    approved = _act(client, "province", rid, "approve", version=amended["version"])
    asked = {u["unit"]: u for u in approved["units"]}
    assert approved["state"] == "approved" and set(asked) == set(lenders)
    lixia_units = sorted(u for u, row in asked.items() if row["lender"] == "lixia")
    assert lixia_units, "a Lixia crew is asked for"

    # lenders confirm: the national team through the province (it called it), Lixia's crews by Lixia
    assert _act(client, "lender", rid, "offer", 403, units=["nat-usar-jinan-usar"])["error"]["code"] == "forbidden"
    assert "not asked" in _act(client, "lender", rid, "offer", 400, units=["fs-lixia-qianfoshan-fire"])["error"][
        "message"]
    _act(client, "province", rid, "offer", units=["nat-usar-jinan-usar"])
    offered = _act(client, "lender", rid, "offer", units=lixia_units)
    assert offered["state"] == "offered" and {u["status"] for u in offered["units"]} == {"offered"}
    accepted = _act(client, "county", rid, "accept")
    assert {u["status"] for u in accepted["units"]} == {"accepted"}

    fixed_clock(T0 + dt.timedelta(hours=1))
    _act(client, "province", rid, "depart", units=["nat-usar-jinan-usar"])
    state = _act(client, "lender", rid, "depart")["state"]
    assert state == "en_route"
    fixed_clock(T0 + dt.timedelta(hours=1, minutes=40))
    _act(client, "province", rid, "arrive", units=["nat-usar-jinan-usar"])
    assert _act(client, "lender", rid, "arrive")["state"] == "on_scene"
    fixed_clock(T0 + dt.timedelta(hours=26))
    released = _act(client, "county", rid, "release")
    assert released["state"] == "released"
    again = _act(client, "county", rid, "release", 400, units=[lixia_units[0]])
    assert "released already" in again["error"]["message"]
    whole = client.post(f"{URL}/{rid}/actions", headers={**basic("county"), "Accept-Language": "en"},
                        json={"action": "release"}).get_json()["error"]["message"]
    assert whole.endswith("no unit is on scene")  # the status by its display name, not its code on_scene
    chinese = client.post(f"{URL}/{rid}/actions", headers={**basic("county"), "Accept-Language": "zh-CN"},
                          json={"action": "release"}).get_json()["error"]["message"]
    assert chinese.endswith("没有队伍处于 已到场"), chinese
    fixed_clock(T0 + dt.timedelta(hours=31))  # 30 hours after departure: two days charged
    _act(client, "province", rid, "return", units=["nat-usar-jinan-usar"])
    returned = _act(client, "lender", rid, "return")
    assert returned["state"] == "returned"

    times = returned["times"]  # approved at T0 + 31 min, the national team on scene at T0 + 100 min
    assert times["request_to_approval_min"] == 31.0 and times["approval_to_arrival_min"] == 69.0
    assert times["late_by_min"] == round(69.0 - times["planned_arrival_min"], 2)
    claimed = _act(client, "lender", rid, "claim")
    claim = claimed["claim"]
    lines, total = _expected_ledger(returned["units"], hours=30.0)
    got = {}
    for line in claim["lines"]:
        got[(line["unit"], line["line"])] = round(got.get((line["unit"], line["line"]), 0.0) + line["amount"], 2)
    assert got == lines
    assert claim["total"] == total
    # R-COST: no cross-province aid here, so the accident-responsible unit pays
    assert {line["payer"] for line in claim["lines"]} == {"unit:Sinopec Jinan refinery"}
    assert {line["rule"] for line in claim["lines"]} == {"accident-responsible unit pays"}

    disputed = _act(client, "county", rid, "dispute", note="the dogs stood down after 20 h")
    assert disputed["claim"]["status"] == "disputed" and disputed["claim"]["notes"][0]["note"].startswith("the dogs")
    assert _act(client, "county", rid, "settle", 400)["error"]["field"] == "action"
    reclaimed = _act(client, "lender", rid, "claim")
    assert reclaimed["claim"]["status"] == "claimed" and reclaimed["claim"]["total"] == total
    reviewed = _act(client, "county", rid, "review", note="checked against the deployment log")
    assert reviewed["claim"]["status"] == "reviewed" and reviewed["claim"]["total"] == total
    settled = _act(client, "county", rid, "settle")
    assert settled["state"] == "settled" and settled["claim"]["status"] == "paid"
    twice = _act(client, "county", rid, "settle", 400)
    assert "settled" in twice["error"]["message"]
    assert client.get(f"{URL}/{rid}", headers=basic("county")).get_json()["version"] == settled["version"]

    timeline = settled["timeline"]
    assert [e["state"] for e in timeline][:3] == ["requested", "proposed", "escalated"]
    assert {e["by"] for e in timeline} == {"county", "province", "lender", "system"}
    assert all(dt.datetime.fromisoformat(e["at"]).tzinfo is not None for e in timeline)
    assert set(e["state"] for e in timeline) <= set(STATES)

    exported = client.get("/api/v1/scenarios/jinan/claims/export.csv", headers=basic("county"),
                          query_string={"payer": "unit:Sinopec Jinan refinery"})
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert exported.status_code == 200 and len(rows) == len(claim["lines"])
    assert round(sum(float(r["amount"]) for r in rows), 2) == total and {r["status"] for r in rows} == {"paid"}
    assert client.get("/api/v1/scenarios/jinan/claims/export.csv", headers=basic("county"),
                      query_string={"payer": "government:licheng"}).get_data(as_text=True).count("\n") == 1
    pdf = client.get("/api/v1/scenarios/jinan/claims/export.pdf", headers=basic("province"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    listed = client.get("/api/v1/scenarios/jinan/claims", headers=basic("county")).get_json()["claims"]
    assert listed == [{"request": rid, "jurisdiction": "licheng", "state": "settled", "status": "paid",
                       "total": total, "totals_by_payer": {"unit:Sinopec Jinan refinery": total}}]


def test_a_request_by_a_user_outside_the_requesting_jurisdiction_is_refused(levels: Any) -> None:
    client = levels
    for who, status in (("lender", 403), ("dezhou", 403), ("watcher", 403)):
        answer = client.post(URL, headers=basic(who), json={"jurisdiction": "licheng", "incident": INCIDENT,
                                                             "needs": NEEDS})
        assert answer.status_code == status, (who, answer.get_json())
    assert client.get(URL, headers=basic("county")).get_json()["requests"] == []
    outside = client.post(URL, headers=basic("county"), json={"jurisdiction": "licheng", "needs": NEEDS,
                                                               "incident": {**INCIDENT, "lon": 117.10, "lat": 36.68}})
    assert outside.status_code == 400 and "lixia" in outside.get_json()["error"]["message"]
    unknown = client.post(URL, headers=basic("county"), json={"jurisdiction": "atlantis", "incident": INCIDENT,
                                                               "needs": NEEDS})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["field"] == "jurisdiction"
    bad = client.post(URL, headers=basic("county"), json={"jurisdiction": "licheng", "incident": INCIDENT,
                                                           "needs": [{**NEEDS[0], "quantity": "2"}]})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "needs[0].quantity"
    assert client.get(URL, headers=basic("county")).get_json()["requests"] == []


def test_two_approvers_at_once_one_wins_the_other_gets_a_conflict(levels: Any) -> None:
    client = levels
    created = _create(client)
    rid, version = created["id"], created["version"]
    first = _act(client, "city", rid, "escalate", version=version, note="we have no dogs")
    second = _act(client, "province", rid, "approve", 409, version=version)
    assert second["error"]["code"] == "conflict" and second["error"]["current_version"] == first["version"]
    now = client.get(f"{URL}/{rid}", headers=basic("province")).get_json()
    assert now["state"] == "escalated" and now["level"] == "shandong" and now["version"] == first["version"]


def test_confirming_a_unit_that_is_not_available_is_refused_and_changes_nothing(levels: Any, app: Any) -> None:
    client = levels
    created = _create(client)
    rid = created["id"]
    approved = _act(client, "province", rid, "approve")  # the province holds the city's level too
    unit = approved["units"][0]
    store = app.extensions["planner_store"]
    data, version = store.get_record("jinan", "teams", unit["unit"])
    store.put_record("jinan", "teams", {**data, "availability": "drilling"}, expected_version=version)
    refused = _act(client, "province", rid, "offer", 400, units=[unit["unit"]])
    assert "not available (drilling)" in refused["error"]["message"] and refused["error"]["field"] == "units"
    after = client.get(f"{URL}/{rid}", headers=basic("province")).get_json()
    assert after["version"] == approved["version"] and after["state"] == "approved"


def test_the_state_machine_refuses_steps_out_of_order(levels: Any) -> None:
    client = levels
    rid = _create(client)["id"]
    for action in ("accept", "depart", "release", "claim", "settle"):
        refused = _act(client, "county" if action in ("accept", "release", "settle") else "province", rid, action, 400)
        assert refused["error"]["field"] == "action" and "proposed" in refused["error"]["message"]
    assert _act(client, "province", rid, "decline", 400)["error"]["field"] == "action"
    assert set(TRANSITIONS) == {"approve", "amend", "escalate", "offer", "accept", "decline", "depart", "arrive",
                                "release", "return", "claim", "review", "dispute", "settle"}


def test_the_board_sorts_requests_by_who_acts(levels: Any) -> None:
    client = levels
    rid = _create(client)["id"]
    city = client.get("/api/v1/scenarios/jinan/requests/board", headers=basic("city")).get_json()
    county = client.get("/api/v1/scenarios/jinan/requests/board", headers=basic("county")).get_json()
    assert [r["id"] for r in city["awaiting"]] == [rid] and [r["id"] for r in city["outgoing"]] == [rid]
    assert [r["id"] for r in county["outgoing"]] == [rid] and county["awaiting"] == []
    assert client.get("/api/v1/scenarios/jinan/requests/board", headers=basic("dezhou")).get_json() == {
        "awaiting": [], "outgoing": [], "incoming": []}


def test_a_drill_exercises_a_request_at_its_site(levels: Any, app: Any, fixed_clock: Any) -> None:
    client = levels
    records.save_programme(app.extensions["planner_store"], "jinan", copy.deepcopy(PROGRAMME))
    site = next(row for row in _csv("sites") if row["id"] == DRILL["site"])
    answer = client.post(URL, headers=basic("county"), json={"jurisdiction": "licheng", "drill": KEY, "needs": NEEDS})
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()
    assert created["drill"] == KEY and created["state"] == "proposed"
    assert (created["incident"]["lon"], created["incident"]["lat"]) == (float(site["lon"]), float(site["lat"]))
    fixed_clock(T0 + dt.timedelta(minutes=12))
    _act(client, "city", created["id"], "approve")
    drill = client.get(f"/api/v1/scenarios/jinan/drills/{KEY}", headers=basic("county")).get_json()
    assert drill["requests"] == [{"id": created["id"], "state": "approved", "jurisdiction": "licheng",
                                  "level": "jinan", "times": {**created["times"], "request_to_approval_min": 12.0}}]
    client.post("/login", data={"username": "county", "password": PASSWORD})
    page = client.get(f"/drills/{KEY}?scenario=jinan").get_data(as_text=True)
    assert created["id"] in page and "drill-requests" in page
    assert 'id="drill-request"' in page and f'name="drill" value="{KEY}"' in page  # open one from the drill page
    sent = client.post("/requests/new?scenario=jinan", data={"drill": KEY, "jurisdiction": "licheng",
                                                             "capability": "fire_squad", "quantity": "1",
                                                             "deadline_min": "60"})
    assert sent.status_code == 302 and "/requests/R" in sent.headers["Location"]
    detail = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'id="exercise"' in detail and 'id="not-settled"' in detail  # said: a drill exercise settles no money
    board = client.get("/requests?scenario=jinan").get_data(as_text=True)
    assert board.count('class="tag exercise"') >= 2  # both drill requests marked on the board
    unknown = client.post(URL, headers=basic("county"), json={"jurisdiction": "licheng", "drill": "2026-nothing",
                                                               "needs": NEEDS})
    assert unknown.status_code == 404 and unknown.get_json()["error"]["field"] == "drill"
    neither = client.post(URL, headers=basic("county"), json={"jurisdiction": "licheng", "needs": NEEDS})
    assert neither.status_code == 400 and neither.get_json()["error"]["field"] == "incident"


def test_the_lenders_allowed_at_a_level_are_below_it_and_at_a_province_its_country() -> None:
    scenario = read_scenario(ROOT / "scenarios" / "jinan")
    assert allowed_lenders(scenario, "jinan") == below(scenario, "jinan")
    assert "cn" not in allowed_lenders(scenario, "jinan") and "shandong" not in allowed_lenders(scenario, "jinan")
    assert allowed_lenders(scenario, "shandong") == below(scenario, "shandong") | {"cn"}
    home = {row["id"]: row["jurisdiction"] for row in _csv("bases")}
    city = lenders_scenario(scenario, "jinan", committed=["fs-lixia-yanshan-fire"])
    assert {home[t.base] for t in city.teams} <= below(scenario, "jinan")
    assert "fs-lixia-yanshan-fire" not in {t.id for t in city.teams}
    assert {e.team for e in city.equipment if e.team} <= {t.id for t in city.teams}


def test_the_time_before_a_request_escalates_by_itself_is_the_scenarios(app: Any, fixed_clock: Any) -> None:
    store = app.extensions["planner_store"]
    scenario, settings = jinan_folder()
    store.save_scenario(dataclasses.replace(scenario, meta={**scenario.meta, "requests": {"escalate_after_min": 10}}))
    create_user(store, "county", PASSWORD, "planner", jurisdiction="licheng")
    fixed_clock(T0)
    client = app.test_client()
    rid = _create(client)["id"]
    fixed_clock(T0 + dt.timedelta(minutes=9))
    assert client.get(f"{URL}/{rid}", headers=basic("county")).get_json()["state"] == "proposed"
    fixed_clock(T0 + dt.timedelta(minutes=10))
    assert client.get(f"{URL}/{rid}", headers=basic("county")).get_json()["level"] == "shandong"
    assert escalate_after_min(dataclasses.replace(scenario, meta={})) == 30.0
    with pytest.raises(InputError) as refused:
        escalate_after_min(dataclasses.replace(scenario, meta={"requests": {"escalate_after_min": "soon"}}))
    assert refused.value.field == "requests.escalate_after_min"


def _plans_with_targets(client: Any, plan_id: str, targets: dict[str, Any]) -> None:
    """Give one plan its own request targets through the settings API (the county planner owns the refinery)."""
    answer = client.get("/api/v1/scenarios/jinan/settings/plans", headers=basic("county")).get_json()
    data = copy.deepcopy(answer["data"])
    next(p for p in data["plans"] if p["id"] == plan_id)["request_targets"] = targets
    saved = client.put("/api/v1/scenarios/jinan/settings/plans", headers=basic("county"),
                       json={"data": data, "expected_version": answer["version"]})
    assert saved.status_code == 200, saved.get_json()


def test_a_drill_exercise_is_scored_by_the_drills_evaluation_and_settles_no_money(levels: Any, app: Any,
                                                                                 fixed_clock: Any) -> None:
    client = levels
    records.save_programme(app.extensions["planner_store"], "jinan", copy.deepcopy(PROGRAMME))
    _plans_with_targets(client, DRILL["plans"][0], {"approval_min": 10, "arrival_margin_min": 20,
                                                    "source": "[U] test figures"})
    created = client.post(URL, headers=basic("county"), json={
        "jurisdiction": "licheng", "drill": KEY,
        "needs": [{"capability": "fire_squad", "quantity": 1, "deadline_min": 60}]}).get_json()
    rid = created["id"]
    planned = min(row["arrival_min"] for row in created["proposal"]["lenders"])
    assert created["times"]["planned_arrival_min"] == planned
    fixed_clock(T0 + dt.timedelta(minutes=12))  # 12 min to approval: target 10, within 1.25 x -> S
    approved = _act(client, "city", rid, "approve")
    units = [u["unit"] for u in approved["units"]]
    _act(client, "city", rid, "offer", units=units)  # the city holds every lender below it
    _act(client, "county", rid, "accept")
    _act(client, "city", rid, "depart")
    arrival_target = planned + 20
    fixed_clock(T0 + dt.timedelta(minutes=12 + arrival_target))  # on the arrival target to the second -> P
    _act(client, "city", rid, "arrive")
    fixed_clock(T0 + dt.timedelta(hours=5))
    _act(client, "county", rid, "release")
    returned = _act(client, "city", rid, "return")
    assert returned["state"] == "returned"
    refused = _act(client, "city", rid, "claim", 400)
    assert "settles no money" in refused["error"]["message"] and refused["error"]["field"] == "action"
    after = client.get(f"{URL}/{rid}", headers=basic("county")).get_json()
    assert after["state"] == "returned" and after["claim"] is None and after["version"] == returned["version"]
    assert client.get("/api/v1/scenarios/jinan/claims", headers=basic("province")).get_json()["claims"] == []
    assert client.get("/api/v1/scenarios/jinan/claims/export.csv", headers=basic("province")).get_data(
        as_text=True).count("\n") == 1  # the header only

    observed = "time,event,team\n0,alarm,\n2,notified,\n4,dispatched,ent-refinery-fire\n9,arrived,ent-refinery-fire\n"
    answer = client.post(f"/api/v1/scenarios/jinan/evaluations/{KEY}", headers=basic("county"),
                         json={"csv": observed})
    assert answer.status_code == 201, answer.get_json()
    evaluation = answer.get_json()["evaluation"]
    steps = {r["step"]: r for r in evaluation["requests"]}
    assert {r["request"] for r in evaluation["requests"]} == {rid}
    assert (steps["approval"]["observed_min"], steps["approval"]["target_min"], steps["approval"]["rating"],
            steps["approval"]["score"]) == (12.0, 10.0, "S", 4)
    assert steps["arrival"]["target_min"] == pytest.approx(arrival_target)
    assert steps["arrival"]["observed_min"] == pytest.approx(arrival_target) and steps["arrival"]["rating"] == "P"
    items = [r["score"] for r in evaluation["objectives"]] + [4, 5]
    assert evaluation["score"] == round(sum(items) / len(items), 2)  # the request's steps count in the mean
    assert any(f["text"].startswith(f"request {rid}: request to approval") and f["severity"] == "minor"
               for f in evaluation["findings"])
    assert evaluation["figures"]["requests_exercised"] == 1 and evaluation["figures"]["request_steps_met"] == 1
    aar = client.get(f"/api/v1/scenarios/jinan/evaluations/{KEY}/report", headers=basic("county"),
                     query_string={"format": "aar"}).get_data(as_text=True)
    assert 'id="requests"' in aar and f'data-request="{rid}" data-step="approval"' in aar and "12.0" in aar
    pdf = client.get(f"/api/v1/scenarios/jinan/evaluations/{KEY}/report", headers=basic("county"),
                     query_string={"format": "aar_pdf"})
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    client.post("/login", data={"username": "county", "password": PASSWORD})
    page = client.get(f"/drills/{KEY}?scenario=jinan").get_data(as_text=True)
    assert 'id="eval-requests"' in page and f'data-request="{rid}" data-step="arrival"' in page
    detail = client.get(f"/requests/{rid}?scenario=jinan").get_data(as_text=True)
    assert 'value="return"' in detail and 'value="claim"' not in detail  # returned: no claim to offer


def test_a_real_request_calls_units_away_from_a_drill_exercise(levels: Any, app: Any) -> None:
    client = levels
    store = app.extensions["planner_store"]
    records.save_programme(store, "jinan", copy.deepcopy(PROGRAMME))
    drill = client.post(URL, headers=basic("county"), json={"jurisdiction": "licheng", "drill": KEY,
                                                             "needs": NEEDS[1:]}).get_json()
    units = [u["unit"] for u in _act(client, "city", drill["id"], "approve")["units"]]
    _act(client, "city", drill["id"], "offer", units=units)
    assert set(units) <= committed_units(store, "jinan")  # another drill exercise may not take them
    assert not set(units) & committed_units(store, "jinan", exercise=False)  # a real emergency may
