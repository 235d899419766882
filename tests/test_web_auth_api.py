"""Sign-in, roles and the records API: who may do what, conflicts, bad input, and the audit trail."""

from __future__ import annotations

import base64
import re

import pytest

from planner.store.accounts import update_user


def basic(role: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{role}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_pages_and_api_need_sign_in(client, users):
    assert client.get("/map").status_code == 302
    response = client.get("/api/v1/scenarios")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/openapi.json").status_code == 200  # the API description is public


def test_wrong_password_is_refused(client, users):
    response = client.post("/login", data={"username": "viewer", "password": "nope-nope"})
    assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/api/v1/scenarios", headers=basic("viewer", "wrong")).status_code == 401


def test_login_redirects_only_to_local_paths(client, users):
    response = client.post("/login?next=//evil.example/x", data={"username": "viewer", "password": users["viewer"]})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("dispatcher", 403), ("planner", 200),
                                              ("admin", 200)])
def test_only_planners_and_admins_edit(client, users, role, status):
    headers = basic(role, users[role])
    current = client.get("/api/v1/scenarios/mini/records/teams/T1", headers=headers).get_json()
    response = client.put("/api/v1/scenarios/mini/records/teams/T1", headers=headers,
                          json={"version": current["version"], "data": {**current["data"], "members": 25}})
    assert response.status_code == status
    after = client.get("/api/v1/scenarios/mini/records/teams/T1", headers=headers).get_json()
    assert after["data"]["members"] == (25 if status == 200 else 24)


def test_edit_conflict_bad_input_and_audit(client, users):
    headers = basic("planner", users["planner"])
    read = client.get("/api/v1/scenarios/mini/records/teams/T1", headers=headers).get_json()
    first = client.put("/api/v1/scenarios/mini/records/teams/T1", headers=headers,
                       json={"version": read["version"], "data": {**read["data"], "members": 26}})
    assert first.status_code == 200 and first.get_json()["version"] == read["version"] + 1
    stale = client.put("/api/v1/scenarios/mini/records/teams/T1", headers=headers,
                       json={"version": read["version"], "data": {**read["data"], "members": 99}})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    bad = client.put("/api/v1/scenarios/mini/records/teams/T1", headers=headers,
                     json={"version": read["version"] + 1, "data": {**read["data"], "members": -1}})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "data.members"  # the schema's path
    assert client.get("/api/v1/scenarios/mini/records/teams/T1", headers=headers).get_json()["data"]["members"] == 26
    entries = client.get("/api/v1/audit?scenario=mini", headers=headers).get_json()["entries"]
    edits = [e for e in entries if e["record_id"] == "T1"]
    assert len(edits) == 1  # the refused changes left no trace
    assert edits[0]["actor"] == "planner" and edits[0]["before"]["members"] == 24 and edits[0]["after"]["members"] == 26


TEAM = {"id": "T9", "name": "New squad", "team_type": "medical", "base": "B1", "members": 6, "squads": 1,
        "turnout_min": 3}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/api/v1/scenarios/mini/records/teams", [1, 2], "body"),
        ("post", "/api/v1/scenarios/mini/records/teams", {**TEAM, "id": "T1"}, "id"),  # T1 exists: 409
        ("post", "/api/v1/scenarios/mini/records/sites", {"id": "S9", "name": "x", "kind": "volcano",
                                                          "risk_grade": "red", "jurisdiction": "LX",
                                                          "lon": 117.0, "lat": 36.6}, "kind"),
        ("put", "/api/v1/scenarios/mini/records/teams/T1", {"version": "one", "data": {}}, "version"),
        ("put", "/api/v1/scenarios/mini/records/teams/T1", {"version": 1, "data": {**TEAM, "id": "T2"}}, "id"),
    ],
)
def test_bad_bodies_answer_400_with_the_field(client, users, method, path, body, field):
    response = getattr(client, method)(path, headers=basic("admin", users["admin"]), json=body)
    assert response.status_code in (400, 409)
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"]


def test_create_and_delete_through_the_api(client, users):
    headers = basic("planner", users["planner"])
    team = {"id": "T9", "name": "New squad", "team_type": "medical", "base": "B1", "members": 6, "squads": 1,
            "turnout_min": 3}
    assert client.post("/api/v1/scenarios/mini/records/teams", headers=headers, json=team).status_code == 201
    refused = client.delete("/api/v1/scenarios/mini/records/bases/B1", headers=headers)
    assert refused.status_code == 400 and "does not exist" in refused.get_json()["error"]["message"]
    assert client.delete("/api/v1/scenarios/mini/records/teams/T9", headers=headers).status_code == 204
    assert client.get("/api/v1/scenarios/mini/records/teams/T9", headers=headers).status_code == 404


def test_import_preview_shows_row_errors_and_writes_nothing(client, users):
    headers = {**basic("planner", users["planner"]), "Content-Type": "text/plain"}
    csv_text = ("id,name,team_type,base,members,squads,turnout_min\n"
                "T7,Medics,medical,B1,8,1,3\n"
                "T8,Ghosts,ghost,B1,8,1,3\n"
                "T9,Lost,fire,B9,8,1,3\n")
    response = client.post("/api/v1/scenarios/mini/import/teams", headers=headers, data=csv_text)
    assert response.status_code == 400
    result = response.get_json()
    assert result["written"] is False and [r["error"] is None for r in result["rows"]] == [True, False, True]
    assert "upload line 3" in result["rows"][1]["error"] and result["rows"][1]["field"] == "team_type"
    good = csv_text.splitlines()[:2]
    preview = client.post("/api/v1/scenarios/mini/import/teams?preview=true", headers=headers,
                          data="\n".join(good)).get_json()
    assert preview["ok"] and preview["written"] is False
    assert client.get("/api/v1/scenarios/mini/records/teams/T7", headers=headers).status_code == 404
    written = client.post("/api/v1/scenarios/mini/import/teams", headers=headers, data="\n".join(good)).get_json()
    assert written["written"] and written["created"] == 1
    assert client.get("/api/v1/scenarios/mini/records/teams/T7", headers=headers).status_code == 200


def test_merged_problems_are_found_before_writing(client, users):
    headers = {**basic("planner", users["planner"]), "Content-Type": "text/plain"}
    far = "id,name,tier,jurisdiction,lon,lat\nB8,Far base,local,LX,119.5,36.6\n"
    result = client.post("/api/v1/scenarios/mini/import/bases", headers=headers, data=far).get_json()
    assert not result["ok"] and "km from the nearest road" in result["problem"]


def test_users_admin_only(client, users):
    assert client.get("/api/v1/users", headers=basic("planner", users["planner"])).status_code == 403
    admin = basic("admin", users["admin"])
    created = client.post("/api/v1/users", headers=admin, json={"username": "ops2", "password": "longenough",
                                                                "role": "dispatcher"})
    assert created.status_code == 201 and created.get_json()["role"] == "dispatcher"
    short = client.post("/api/v1/users", headers=admin, json={"username": "ops3", "password": "x", "role": "viewer"})
    assert short.status_code == 400 and short.get_json()["error"]["field"] == "password"
    names = [u["username"] for u in client.get("/api/v1/users", headers=admin).get_json()["users"]]
    listed = client.get("/api/v1/users", headers=admin).get_json()["users"]
    assert "ops2" in names and all("password_hash" not in u for u in listed)


def test_openapi_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in documented, (path, method)


def test_changed_password_revokes_the_old_one_at_once(client, app, users):
    old = basic("dispatcher", users["dispatcher"])
    assert client.get("/api/v1/scenarios", headers=old).status_code == 200
    update_user(app.extensions["planner_store"], "dispatcher", password="a-new-password")
    assert client.get("/api/v1/scenarios", headers=old).status_code == 401
    assert client.get("/api/v1/scenarios", headers=basic("dispatcher", "a-new-password")).status_code == 200


def test_nul_characters_are_refused_not_stored(client, users):
    headers = basic("planner", users["planner"])
    assert client.get("/api/v1/jobs?scenario=%00", headers=headers).status_code == 400
    read = client.get("/api/v1/scenarios/mini/records/teams/T1", headers=headers).get_json()
    response = client.put("/api/v1/scenarios/mini/records/teams/T1", headers=headers,
                          json={"version": read["version"], "data": {**read["data"], "name": "bad\u0000name"}})
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/scenarios/mini/records/teams/T1", headers=headers).get_json()["data"]["name"] == \
        read["data"]["name"]
