"""Inventory pages: forms read like CSV rows, errors keep the user's input, conflicts never overwrite."""

from __future__ import annotations

import io
import re


def _version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "the edit form carries the version it was read at"
    return match.group(1)


def test_inventory_lists_records_with_labels(client, auth):
    auth.login("viewer")
    page = client.get("/inventory/?scenario=mini&kind=sites").get_data(as_text=True)
    assert "Refinery" in page and "重大风险" in page and "major (red)" not in page  # labels in the page's language
    english = client.get("/inventory/?scenario=mini&kind=sites&lang=en").get_data(as_text=True)
    assert "major (red)" in english and "重大风险" not in english
    assert ">编辑</a>" not in page  # a viewer sees no edit links
    assert "<th>风险等级</th>" in page and "<th>risk_grade</th>" not in page  # column names too
    teams = client.get("/inventory/?scenario=mini&kind=teams&lang=zh_CN").get_data(as_text=True)
    assert "<th>可用状态</th>" in teams and "<td>可调派</td>" in teams and "<td>available</td>" not in teams
    assert "<th>availability</th>" in client.get("/inventory/?scenario=mini&kind=teams&lang=en").get_data(as_text=True)


def test_viewer_cannot_open_or_post_the_edit_form(client, auth):
    auth.login("viewer")
    assert client.get("/inventory/teams/T1/edit?scenario=mini").status_code == 403
    response = client.post("/inventory/teams/T1/edit?scenario=mini", data={"members": "99", "version": "1"})
    assert response.status_code == 403 and "无权执行此操作" in response.get_data(as_text=True)


def test_edit_form_saves_and_reports_bad_input_with_the_input_kept(client, auth):
    auth.login("planner")
    form_page = client.get("/inventory/teams/T1/edit?scenario=mini").get_data(as_text=True)
    assert 'value="fire_squad:3"' in form_page
    fields = {"id": "T1", "name": "Lixia engine company", "name_zh": "历下中队", "team_type": "fire", "base": "B1",
              "members": "-5", "squads": "3", "readiness": "normal", "availability": "available",
              "turnout_min": "1", "capabilities": "fire_squad:3", "version": _version(form_page)}
    bad = client.post("/inventory/teams/T1/edit?scenario=mini", data=fields)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "members" in html and 'value="-5"' in html and 'class="invalid"' in html
    ok = client.post("/inventory/teams/T1/edit?scenario=mini", data={**fields, "members": "28"})
    assert ok.status_code == 302
    assert client.get("/api/v1/scenarios/mini/records/teams/T1").get_json()["data"]["members"] == 28


def test_two_editors_get_a_conflict_not_an_overwrite(client, app, auth):
    auth.login("planner")
    first_form = client.get("/inventory/teams/T2/edit?scenario=mini").get_data(as_text=True)
    other = app.test_client()
    other.post("/login", data={"username": "admin", "password": "admin-pass-123"})
    second_form = other.get("/inventory/teams/T2/edit?scenario=mini").get_data(as_text=True)
    base = {"id": "T2", "name": "Hazchem squad", "team_type": "hazchem", "base": "B2", "squads": "3",
            "readiness": "normal", "availability": "available", "turnout_min": "3",
            "capabilities": "hazchem_squad:3;gas_detection:2"}
    assert other.post("/inventory/teams/T2/edit?scenario=mini",
                      data={**base, "members": "31", "version": _version(second_form)}).status_code == 302
    late = client.post("/inventory/teams/T2/edit?scenario=mini",
                       data={**base, "members": "35", "version": _version(first_form)})
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "冲突" in html and 'value="35"' in html  # the input is not lost
    assert client.get("/api/v1/scenarios/mini/records/teams/T2").get_json()["data"]["members"] == 31


def test_create_and_refused_delete(client, auth):
    auth.login("planner")
    created = client.post("/inventory/equipment/new?scenario=mini",
                          data={"id": "E9", "kind": "boat", "quantity": "2", "capabilities": "water;light",
                                "base": "B1"})
    assert created.status_code == 302
    data = client.get("/api/v1/scenarios/mini/records/equipment/E9").get_json()["data"]
    assert data["capabilities"] == ["water", "light"] and data["team"] is None
    refused = client.post("/inventory/bases/B1/delete?scenario=mini", follow_redirects=True)
    assert "未删除" in refused.get_data(as_text=True)
    assert client.get("/api/v1/scenarios/mini/records/bases/B1").status_code == 200


def test_import_page_previews_then_writes(client, auth):
    auth.login("planner")
    upload = "id,kind,quantity,base\nE7,pump,3,B1\nE8,pump,-1,B1\n"
    preview = client.post("/inventory/equipment/import?scenario=mini",
                          data={"file": (io.BytesIO(upload.encode()), "kit.csv")}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 400 and "kit.csv line 3" in html and "quantity" in html
    assert 'name="confirm"' not in html  # nothing to confirm
    assert client.get("/api/v1/scenarios/mini/records/equipment/E7").status_code == 404
    good = "id,kind,quantity,base\nE7,pump,3,B1\n"
    checked = client.post("/inventory/equipment/import?scenario=mini",
                          data={"file": (io.BytesIO(good.encode()), "kit.csv")}, content_type="multipart/form-data")
    assert checked.status_code == 200 and "导入 1 行" in checked.get_data(as_text=True)
    done = client.post("/inventory/equipment/import?scenario=mini",
                       data={"text": good, "filename": "kit.csv", "confirm": "yes"})
    assert done.status_code == 302
    assert client.get("/api/v1/scenarios/mini/records/equipment/E7").get_json()["data"]["quantity"] == 3


def test_audit_page_shows_the_change(client, auth):
    auth.login("admin")
    form_page = client.get("/inventory/bases/B3/edit?scenario=mini").get_data(as_text=True)
    client.post("/inventory/bases/B3/edit?scenario=mini", data={
        "id": "B3", "name": "Refinery enterprise team", "tier": "enterprise", "operator": "Refinery Co",
        "jurisdiction": "LX", "lon": "117.12", "lat": "36.68", "illustrative": "true", "version": _version(form_page)})
    audit = client.get("/audit?scenario=mini").get_data(as_text=True)
    assert "Refinery Co" in audit and "admin" in audit and "修改" in audit  # the action "update", labelled


def test_csrf_is_enforced_for_session_forms(app, users):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/login", data={"username": "planner", "password": users["planner"]})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
