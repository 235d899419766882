"""Three levels, one instance (issue 18): the jurisdiction tree as the spine, users scoped to it at every door.

A county planner edits its county's records and reads the rest as a viewer: another county's team is
refused (403, nothing changed) through the form, the API, an import and a job; a city planner edits its
counties'. The expected jurisdictions are read from the scenario's CSV files here, not from the function
under test.
"""

from __future__ import annotations

import base64
import copy
import csv
import datetime as dt
import json
from typing import Any

import pytest

from planner.cli import main
from planner.drills import records
from planner.errors import ForbiddenError, InputError
from planner.model.records import JurisdictionLevel
from planner.scenario.files import read_scenario
from planner.scenario.jurisdictions import covers, record_jurisdiction, team_jurisdictions
from planner.store import accounts
from planner.store.accounts import create_user
from planner.store.database import Store
from planner.store.scope import Scope
from tests.conftest import ROOT, load_jinan
from tests.test_drills_web import DRILL, KEY, PROGRAMME

PASSWORD = "levels-pass-123"
LIXIA_TEAM = "fs-lixia-yanshan-fire"
LICHENG_TEAM = "fs-licheng-wangsheren-hazchem"


def basic(username: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def jinan_app(app: Any) -> Any:
    """The app with Jinan stored and planners of two districts, of the city, and of the whole instance."""
    store = app.extensions["planner_store"]
    load_jinan(store)
    for name, where in (("licheng-planner", "licheng"), ("lixia-planner", "lixia"), ("city-planner", "jinan"),
                        ("all-planner", None)):
        create_user(store, name, PASSWORD, "planner", jurisdiction=where)
    return app


def _csv(name: str, kind: str) -> list[dict[str, str]]:
    with (ROOT / "scenarios" / name / f"{kind}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_record_belongs_to_a_jurisdiction_a_team_through_its_base() -> None:
    scenario = read_scenario(ROOT / "scenarios" / "jinan")
    base_region = {row["id"]: row["jurisdiction"] for row in _csv("jinan", "bases")}
    expected = {row["id"]: base_region[row["base"]] for row in _csv("jinan", "teams")}
    assert team_jurisdictions(scenario) == expected
    assert expected[LICHENG_TEAM] == "licheng" and expected[LIXIA_TEAM] == "lixia"
    for row in _csv("jinan", "equipment"):
        holder = base_region[row["base"]] if row["base"] else expected[row["team"]]
        assert record_jurisdiction(scenario, "equipment", row) == holder
    for row in _csv("jinan", "sites"):
        assert record_jurisdiction(scenario, "sites", row) == row["jurisdiction"]
    assert record_jurisdiction(scenario, "jurisdictions", {"id": "licheng", "parent": "jinan"}) == "jinan"
    assert record_jurisdiction(scenario, "standards", {"id": "any"}) == "cn"
    assert record_jurisdiction(scenario, "agreements", {"lender": "lixia", "borrower": "licheng"}) == "jinan"
    assert record_jurisdiction(scenario, "agreements", {"lender": "jinan", "borrower": "qihe"}) == "shandong"


def test_the_tree_covers_downwards_only() -> None:
    scenario = read_scenario(ROOT / "scenarios" / "jinan")
    assert covers(scenario, "jinan", "licheng") and covers(scenario, "shandong", "licheng")
    assert covers(scenario, "licheng", "licheng")
    assert not covers(scenario, "licheng", "jinan") and not covers(scenario, "dezhou", "licheng")
    assert not covers(scenario, "lixia", "licheng") and not covers(scenario, "jinan", "nowhere")


def test_shanxi_coal_has_province_cities_and_the_counties_of_its_mines() -> None:
    scenario = read_scenario(ROOT / "scenarios" / "shanxi-coal")
    regions = scenario.by_id("jurisdictions")
    for site in scenario.sites:
        county = regions[site.jurisdiction]
        city = regions[county.parent]  # type: ignore[attr-defined, index]
        assert county.level is JurisdictionLevel.COUNTY, site.id  # type: ignore[attr-defined]
        assert city.level is JurisdictionLevel.CITY and city.parent == "shanxi", site.id  # type: ignore[attr-defined]
    assert regions["shanxi"].level is JurisdictionLevel.PROVINCE  # type: ignore[attr-defined]
    assert len({s.jurisdiction for s in scenario.sites}) > 10  # the mines are spread over many counties


def _team(client: Any, who: str, team: str) -> tuple[dict[str, Any], int]:
    answer = client.get(f"/api/v1/scenarios/jinan/records/teams/{team}", headers=basic(who)).get_json()
    return answer["data"], answer["version"]


def test_a_county_planner_edits_its_county_and_reads_the_rest_through_the_api(jinan_app: Any) -> None:
    client = jinan_app.test_client()
    theirs, version = _team(client, "licheng-planner", LIXIA_TEAM)  # reading another county's team is allowed
    refused = client.put(f"/api/v1/scenarios/jinan/records/teams/{LIXIA_TEAM}", headers=basic("licheng-planner"),
                         json={"version": version, "data": {**theirs, "members": theirs["members"] + 1}})
    assert refused.status_code == 403, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "forbidden" and "lixia" in error["message"] and "licheng" in error["message"]
    assert _team(client, "licheng-planner", LIXIA_TEAM) == (theirs, version)  # nothing changed

    mine, version = _team(client, "licheng-planner", LICHENG_TEAM)
    saved = client.put(f"/api/v1/scenarios/jinan/records/teams/{LICHENG_TEAM}", headers=basic("licheng-planner"),
                       json={"version": version, "data": {**mine, "members": mine["members"] + 1}})
    assert saved.status_code == 200
    mine, version = _team(client, "licheng-planner", LICHENG_TEAM)
    moved = client.put(f"/api/v1/scenarios/jinan/records/teams/{LICHENG_TEAM}", headers=basic("licheng-planner"),
                       json={"version": version, "data": {**mine, "base": "fs-lixia-yanshan"}})
    assert moved.status_code == 403  # giving one's team to another county is writing there
    deleted = client.delete(f"/api/v1/scenarios/jinan/records/teams/{LIXIA_TEAM}", headers=basic("licheng-planner"))
    assert deleted.status_code == 403
    created = client.post("/api/v1/scenarios/jinan/records/teams", headers=basic("licheng-planner"),
                          json={**theirs, "id": "new-lixia-team"})
    assert created.status_code == 403
    assert client.get("/api/v1/scenarios/jinan/records/teams/new-lixia-team",
                      headers=basic("licheng-planner")).status_code == 404


def test_a_city_planner_edits_its_counties(jinan_app: Any) -> None:
    client = jinan_app.test_client()
    for who in ("city-planner", "all-planner"):
        theirs, version = _team(client, who, LIXIA_TEAM)
        saved = client.put(f"/api/v1/scenarios/jinan/records/teams/{LIXIA_TEAM}", headers=basic(who),
                           json={"version": version, "data": {**theirs, "members": theirs["members"] + 1}})
        assert saved.status_code == 200, (who, saved.get_json())


def _form(team: dict[str, Any]) -> dict[str, str]:
    """A team as the edit form sends it: text cells, capabilities ``key:value;...``, nothing for an empty field."""
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, dict):
            return ";".join(f"{a}:{b}" for a, b in value.items())
        return str(value)

    return {k: cell(v) for k, v in team.items()}


def test_a_county_planner_cannot_edit_another_countys_team_through_the_form(jinan_app: Any) -> None:
    client = jinan_app.test_client()
    client.post("/login", data={"username": "licheng-planner", "password": PASSWORD})
    before, version = _team(client, "licheng-planner", LIXIA_TEAM)
    form = _form(before)
    answer = client.post(f"/inventory/teams/{LIXIA_TEAM}/edit?scenario=jinan",
                         data={**form, "members": str(before["members"] + 5), "version": str(version)})
    assert answer.status_code == 403 and "lixia" in answer.get_data(as_text=True)
    assert _team(client, "licheng-planner", LIXIA_TEAM) == (before, version)
    mine, version = _team(client, "licheng-planner", LICHENG_TEAM)
    form = _form(mine)
    saved = client.post(f"/inventory/teams/{LICHENG_TEAM}/edit?scenario=jinan",
                        data={**form, "members": str(mine["members"] + 5), "version": str(version)})
    assert saved.status_code == 302  # saved, back to the list
    assert _team(client, "licheng-planner", LICHENG_TEAM)[0]["members"] == mine["members"] + 5


def _teams_csv(rows: list[dict[str, str]]) -> str:
    columns = list(rows[0])
    lines = [",".join(columns)] + [",".join(f'"{row[c]}"' for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def test_a_county_planner_cannot_edit_another_countys_team_through_an_import(jinan_app: Any) -> None:
    client = jinan_app.test_client()
    rows = {row["id"]: row for row in _csv("jinan", "teams")}
    before = _team(client, "licheng-planner", LIXIA_TEAM)
    both = [{**rows[LICHENG_TEAM], "members": "13"}, {**rows[LIXIA_TEAM], "members": "99"}]
    refused = client.post("/api/v1/scenarios/jinan/import/teams?filename=teams.csv", headers=basic("licheng-planner"),
                          data=_teams_csv(both), content_type="text/csv")
    assert refused.status_code == 403
    assert _team(client, "licheng-planner", LIXIA_TEAM) == before  # all rows or none: neither was written
    assert _team(client, "licheng-planner", LICHENG_TEAM)[0]["members"] != 13
    own = client.post("/api/v1/scenarios/jinan/import/teams?filename=teams.csv", headers=basic("licheng-planner"),
                      data=_teams_csv(both[:1]), content_type="text/csv")
    assert own.status_code == 200 and own.get_json()["updated"] == 1
    assert _team(client, "licheng-planner", LICHENG_TEAM)[0]["members"] == 13


def test_a_county_planner_cannot_start_a_job_that_writes_the_whole_scenario(jinan_app: Any) -> None:
    client = jinan_app.test_client()
    refused = client.post("/api/v1/scenarios/jinan/jobs", headers=basic("licheng-planner"),
                          json={"kind": "drills-plan", "params": {"year": 2027}})
    assert refused.status_code == 403 and "licheng" in refused.get_json()["error"]["message"]
    listed = client.get("/api/v1/jobs?scenario=jinan", headers=basic("licheng-planner")).get_json()
    assert listed["jobs"] == []  # nothing was queued


def test_a_drill_result_applied_to_another_countys_team_is_refused_by_the_same_check(jinan_app: Any) -> None:
    store = jinan_app.extensions["planner_store"]
    scope = Scope.of(next(u for u in accounts.list_users(store) if u["username"] == "licheng-planner"))
    data, version = store.get_record("jinan", "teams", LIXIA_TEAM)
    with pytest.raises(ForbiddenError, match="outside yours"):
        store.put_record("jinan", "teams", {**data, "turnout_min": 9.0}, expected_version=version, scope=scope)
    assert store.get_record("jinan", "teams", LIXIA_TEAM) == (data, version)
    with pytest.raises(ForbiddenError):
        store.delete_record("jinan", "teams", LIXIA_TEAM, scope=scope)


def test_a_user_gets_a_known_jurisdiction(jinan_app: Any) -> None:
    store = jinan_app.extensions["planner_store"]
    with pytest.raises(InputError, match="nowhere") as refused:
        create_user(store, "lost", PASSWORD, "planner", jurisdiction="nowhere")
    assert refused.value.field == "jurisdiction"
    listed = {u["username"]: u["jurisdiction"] for u in accounts.list_users(store)}
    assert listed["licheng-planner"] == "licheng" and listed["all-planner"] is None and "lost" not in listed
    moved = accounts.update_user(store, "licheng-planner", jurisdiction="lixia")
    assert moved["jurisdiction"] == "lixia"
    assert accounts.update_user(store, "licheng-planner", role="viewer")["jurisdiction"] == "lixia"  # kept


def test_users_add_with_a_jurisdiction_on_the_command_line(cli_env: Any, database_url: str, monkeypatch: Any,
                                                           capsys: Any) -> None:
    load_jinan(Store(database_url))
    monkeypatch.setenv("PLANNER_PASSWORD", PASSWORD)
    assert main(["users", "add", "li", "--role", "planner", "--jurisdiction", "licheng"]) == 0
    assert "licheng" in capsys.readouterr().out
    assert main(["users", "add", "wang", "--role", "planner", "--jurisdiction", "atlantis"]) == 2
    assert "atlantis" in capsys.readouterr().err
    users = {u["username"]: u for u in accounts.list_users(Store(database_url))}
    assert users["li"]["jurisdiction"] == "licheng" and users["li"]["role"] == "planner" and "wang" not in users
    assert main(["users", "set-jurisdiction", "li", "jinan"]) == 0
    assert main(["users", "list"]) == 0 and "jinan" in capsys.readouterr().out
    assert main(["users", "set-jurisdiction", "li"]) == 0  # back to the whole instance
    assert {u["username"]: u for u in accounts.list_users(Store(database_url))}["li"]["jurisdiction"] is None


def _plans(client: Any, who: str) -> tuple[dict[str, Any], int]:
    answer = client.get("/api/v1/scenarios/jinan/settings/plans", headers=basic(who)).get_json()
    return answer["data"], answer["version"]


def _with_field_drills(plans: dict[str, Any], owner_region: str, organisations: dict[str, str]) -> dict[str, Any]:
    """The plans document with one more field drill for the first plan whose owner is in ``owner_region``."""
    changed = json.loads(json.dumps(plans))
    plan = next(p for p in changed["plans"] if organisations[p["owner"]] == owner_region)
    plan["field_drills"] = plan.get("field_drills", 0) + 1
    return changed


def test_a_county_planner_edits_its_owners_plans_only(jinan_app: Any) -> None:
    client = jinan_app.test_client()
    plans, version = _plans(client, "licheng-planner")
    organisations = {o["id"]: o.get("jurisdiction", "") for o in plans["organisations"]}
    refused = client.put("/api/v1/scenarios/jinan/settings/plans", headers=basic("licheng-planner"),
                         json={"data": _with_field_drills(plans, "lixia", organisations), "expected_version": version})
    assert refused.status_code == 403 and "lixia" in refused.get_json()["error"]["message"]
    assert _plans(client, "licheng-planner") == (plans, version)
    saved = client.put("/api/v1/scenarios/jinan/settings/plans", headers=basic("licheng-planner"),
                       json={"data": _with_field_drills(plans, "licheng", organisations), "expected_version": version})
    assert saved.status_code == 200
    plans, version = _plans(client, "city-planner")
    by_city = client.put("/api/v1/scenarios/jinan/settings/plans", headers=basic("city-planner"),
                         json={"data": _with_field_drills(plans, "lixia", organisations), "expected_version": version})
    assert by_city.status_code == 200
    calendar = client.get("/api/v1/scenarios/jinan/settings/calendar", headers=basic("licheng-planner")).get_json()
    whole = client.put("/api/v1/scenarios/jinan/settings/calendar", headers=basic("licheng-planner"),
                       json={"data": calendar["data"], "expected_version": calendar["version"]})
    assert whole.status_code == 403  # the drill calendar is the whole scenario's


def test_a_county_planner_changes_its_owners_drills_only(jinan_app: Any) -> None:
    client = jinan_app.test_client()
    metro = {**DRILL, "id": "metro-H1", "owner": "org-metro"}  # the metro is a Lixia owner
    records.save_programme(jinan_app.extensions["planner_store"], "jinan",
                           {**copy.deepcopy(PROGRAMME), "drills": [DRILL, metro]})
    refused = client.put("/api/v1/scenarios/jinan/drills/2026-metro-H1/design", headers=basic("licheng-planner"),
                         json={})
    assert refused.status_code == 403 and "lixia" in refused.get_json()["error"]["message"]
    assert records.get_drill(jinan_app.extensions["planner_store"], "jinan", "2026-metro-H1")[1] is None
    saved = client.put(f"/api/v1/scenarios/jinan/drills/{KEY}/design", headers=basic("licheng-planner"), json={})
    assert saved.status_code == 200, saved.get_json()
    programme = client.post("/api/v1/scenarios/jinan/programmes/plan", headers=basic("licheng-planner"),
                            json={"year": 2027})
    assert programme.status_code == 403  # a year's programme places every county's drills


def test_the_inventory_offers_edits_only_of_ones_own_records(jinan_app: Any) -> None:
    client = jinan_app.test_client()
    client.post("/login", data={"username": "licheng-planner", "password": PASSWORD})
    page = client.get("/inventory/?scenario=jinan&kind=teams").get_data(as_text=True)
    assert f"/inventory/teams/{LICHENG_TEAM}/edit" in page and f"/inventory/teams/{LIXIA_TEAM}/edit" not in page
    assert LIXIA_TEAM in page  # listed, to be read


def _metro_drill(app: Any) -> str:
    """Store the programme with a Lixia drill (the metro is a Lixia owner) beside the Licheng one; its key."""
    metro = {**DRILL, "id": "metro-H1", "owner": "org-metro"}
    records.save_programme(app.extensions["planner_store"], "jinan",
                           {**copy.deepcopy(PROGRAMME), "drills": [DRILL, metro]})
    return "2026-metro-H1"


def test_a_county_planner_cannot_touch_another_countys_corrective_actions(jinan_app: Any) -> None:
    store = jinan_app.extensions["planner_store"]
    metro = _metro_drill(jinan_app)
    today = dt.date(2026, 5, 1)
    theirs, version = records.create_action(store, "jinan", {"text": "retrain the crew", "owner": "metro",
                                                             "due": "2026-06-01", "drill": metro}, today=today)
    client = jinan_app.test_client()
    for change in ({"status": "in_progress"}, {"owner": "me"},
                   {"status": "closed", "verified_by": "li", "evidence": "done"}):
        moved = client.patch(f"/api/v1/scenarios/jinan/actions/{theirs.id}", headers=basic("licheng-planner"),
                             json={**change, "version": version})
        assert moved.status_code == 403 and "lixia" in moved.get_json()["error"]["message"], moved.get_json()
    assert records.get_action(store, "jinan", theirs.id) == (theirs, version)  # nothing changed
    body = {"text": "check the pumps", "owner": "li", "due": "2026-06-01"}
    raised = client.post("/api/v1/scenarios/jinan/actions", headers=basic("licheng-planner"),
                         json={**body, "drill": metro})
    assert raised.status_code == 403
    by_plan = client.post("/api/v1/scenarios/jinan/actions", headers=basic("licheng-planner"),
                          json={**body, "plan": "gas-special-pipeline"})
    unowned = client.post("/api/v1/scenarios/jinan/actions", headers=basic("licheng-planner"), json=body)
    assert by_plan.status_code == 403 and unowned.status_code == 403  # a Lixia plan; no owner: the whole scenario
    assert [a.id for a, _ in records.actions(store, "jinan")] == [theirs.id]
    mine = client.post("/api/v1/scenarios/jinan/actions", headers=basic("licheng-planner"), json={**body, "drill": KEY})
    assert mine.status_code == 201, mine.get_json()
    moved = client.patch(f"/api/v1/scenarios/jinan/actions/{theirs.id}", headers=basic("lixia-planner"),
                         json={"status": "in_progress", "version": version})
    assert moved.status_code == 200  # the Lixia planner moves its own
    client.post("/login", data={"username": "licheng-planner", "password": PASSWORD})
    board = client.get("/drills/actions?scenario=jinan").get_data(as_text=True)
    cards = {card.split('"', 1)[0]: card for card in board.split('data-action="')[1:]}
    assert "move-action" not in cards[theirs.id] and "move-action" in cards[mine.get_json()["id"]]


def test_a_county_planner_cannot_run_another_countys_drill(jinan_app: Any) -> None:
    metro = _metro_drill(jinan_app)
    client = jinan_app.test_client()
    drill = f"/api/v1/scenarios/jinan/drills/{metro}"
    msel = client.get(f"{drill}/msel", headers=basic("lixia-planner")).get_json()
    for method, path, body in (("put", "msel", {"injects": msel["injects"], "expected_version": msel["version"]}),
                               ("put", "exercise", {"roles": []}),
                               ("post", "conduct", {"action": "start"}),
                               ("post", "conduct/evaluate", None)):
        refused = getattr(client, method)(f"{drill}/{path}", headers=basic("licheng-planner"), json=body)
        assert refused.status_code == 403, (path, refused.get_json())
        assert "lixia" in refused.get_json()["error"]["message"], path
    logged = client.post(f"{drill}/conduct/observations", headers=basic("licheng-planner"), json={"event": "note"})
    assert logged.status_code == 403  # no exercise role in the drill
    evaluated = client.post(f"/api/v1/scenarios/jinan/evaluations/{metro}", headers=basic("licheng-planner"),
                            json={"csv": "time,event\n0,alarm\n1,notified\n"})
    assert evaluated.status_code == 403
    assert client.get(f"{drill}/conduct", headers=basic("licheng-planner")).get_json()["state"] == "planned"
    started = client.post(f"/api/v1/scenarios/jinan/drills/{KEY}/conduct", headers=basic("licheng-planner"),
                          json={"action": "start"})
    assert started.status_code == 200 and started.get_json()["state"] == "running"  # its own county's drill
    client.post("/login", data={"username": "licheng-planner", "password": PASSWORD})
    page = client.get(f"/drills/{KEY}/conduct?scenario=jinan").get_data(as_text=True)
    assert 'id="director"' in page and 'id="drill-request"' in page  # the planner's controls, and a request form
    assert 'id="director"' not in client.get(f"/drills/{metro}/conduct?scenario=jinan").get_data(as_text=True)
    theirs = client.get(f"/drills/{metro}?scenario=jinan").get_data(as_text=True)
    mine = client.get(f"/drills/{KEY}?scenario=jinan").get_data(as_text=True)
    assert 'data-can-edit="0"' in theirs and 'id="observed"' not in theirs  # read as a viewer: no evaluation form
    assert 'data-can-edit="1"' in mine and 'id="observed"' in mine


def test_a_county_planner_cannot_change_the_road_closures(jinan_app: Any) -> None:
    client = jinan_app.test_client()
    area = {"type": "Polygon", "coordinates": [[[117.0, 36.64], [117.02, 36.64], [117.02, 36.66], [117.0, 36.64]]]}
    body = {"description": "flooded underpass", "closures": [{"id": "a1", "geometry": area}]}
    before = client.get("/api/v1/scenarios/jinan/road-conditions", headers=basic("licheng-planner")).get_json()
    refused = client.put("/api/v1/scenarios/jinan/closures/underpass", headers=basic("licheng-planner"),
                         json={**body, "expected_version": before["closures_version"]})
    assert refused.status_code == 403, refused.get_json()
    deleted = client.delete("/api/v1/scenarios/jinan/closures/luokou-flooding", headers=basic("licheng-planner"),
                            query_string={"expected_version": before["closures_version"]})
    assert deleted.status_code == 403
    assert client.get("/api/v1/scenarios/jinan/road-conditions", headers=basic("licheng-planner")).get_json() == before


def test_an_administrator_manages_the_users_of_their_jurisdiction_only(jinan_app: Any) -> None:
    store = jinan_app.extensions["planner_store"]
    create_user(store, "city-admin", PASSWORD, "admin", jurisdiction="jinan")
    create_user(store, "dezhou-planner", PASSWORD, "planner", jurisdiction="dezhou")
    client = jinan_app.test_client()
    listed = client.get("/api/v1/users", headers=basic("city-admin")).get_json()["users"]
    assert {u["username"] for u in listed} == {"licheng-planner", "lixia-planner", "city-planner", "city-admin"}
    body = {"password": PASSWORD, "role": "planner"}
    made = client.post("/api/v1/users", headers=basic("city-admin"),
                       json={**body, "username": "shizhong", "jurisdiction": "shizhong"})
    assert made.status_code == 201, made.get_json()
    for username, where in (("province", "shandong"), ("elsewhere", "dezhou"), ("everywhere", None)):
        refused = client.post("/api/v1/users", headers=basic("city-admin"),
                              json={**body, "role": "admin", "username": username, "jurisdiction": where})
        assert refused.status_code == 403, (username, refused.get_json())
        assert "jinan" in refused.get_json()["error"]["message"]
    client.post("/login", data={"username": "city-admin", "password": PASSWORD})
    before = {u["username"]: u for u in accounts.list_users(store)}
    for form in ({"username": "licheng-planner", "role": "planner", "jurisdiction": ""},  # to the whole instance
                 {"username": "licheng-planner", "role": "planner", "jurisdiction": "dezhou"},
                 {"username": "dezhou-planner", "role": "viewer", "jurisdiction": "dezhou"},
                 {"username": "all-planner", "role": "viewer"},
                 {"action": "unlock", "username": "dezhou-planner"}):
        assert client.post("/users", data=form).status_code == 403, form
    assert {u["username"]: u for u in accounts.list_users(store)} == before  # nothing changed
    moved = client.post("/users", data={"username": "licheng-planner", "role": "viewer", "jurisdiction": "lixia"})
    assert moved.status_code == 302
    assert {u["username"]: u for u in accounts.list_users(store)}["licheng-planner"]["role"] == "viewer"
    page = client.get("/users").get_data(as_text=True)
    assert "licheng-planner" in page and "dezhou-planner" not in page and "all-planner" not in page
