"""One record validation for every door: what would break a scenario is refused alike, and never stored.

A base 600 km from the nearest road, once stored, made the map, Coverage and Dispatch pages of the whole
scenario fail until someone deleted it; the inventory form stored it, while the import refused it. A
malformed agreement broke Dispatch the same way. Each door is tried here: the form, the JSON API, the
import page and API (preview and commit), ``python -m planner scenario import`` and ``scenario load``,
and the store itself; each must refuse with the record and the field named, change nothing, and leave
the scenario's pages working.
"""

from __future__ import annotations

import base64
import io
import shutil

import pytest

from planner.cli import main
from planner.errors import InputError
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from planner.store.database import Store
from tests.conftest import MINI

FAR_BASE = {"id": "B9", "name": "Far base", "name_zh": "远方基地", "tier": "local", "operator": "Test",
            "jurisdiction": "LX", "lon": "110.0", "lat": "36.66"}
"""A base about 600 km west of the mini scenario's roads (its snap limit is 2 km)."""
FAR_CSV = "id,name,name_zh,tier,operator,jurisdiction,lon,lat\nB9,Far base,远方基地,local,Test,LX,110.0,36.66\n"
NEAR_CSV = "id,name,name_zh,tier,operator,jurisdiction,lon,lat\nB9,Near base,近处基地,local,Test,LX,117.05,36.661\n"
BAD_AGREEMENT = {"id": "A9", "lender": "LX", "borrower": "TQ", "fixed_cost": "a lot"}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _pages_still_work(app, users) -> None:
    """The map layers, coverage and a dispatch of the scenario answer 200 (the far base broke all three)."""
    client, headers = app.test_client(), basic("admin", users["admin"])
    assert client.get("/api/v1/scenarios/mini/layers/bases", headers=headers).status_code == 200
    assert client.get("/api/v1/scenarios/mini/coverage", headers=headers).status_code == 200
    dispatch = client.post("/api/v1/scenarios/mini/dispatch", headers=headers,
                           json={"incidents": [{"lon": 117.05, "lat": 36.66, "type": "high-rise-fire"}]})
    assert dispatch.status_code == 200, dispatch.get_json()


def test_off_network_base_through_the_form_is_refused_and_the_pages_keep_working(app, client, auth, users):
    auth.login("planner")
    version = client.get("/api/v1/scenarios/mini").get_json()["version"]
    refused = client.post("/inventory/bases/new?scenario=mini", data=FAR_BASE)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "base B9" in html and "km from the nearest road" in html and "snap_limit_m" in html
    assert 'value="110.0"' in html  # the user's input is kept
    assert client.get("/api/v1/scenarios/mini/records/bases/B9").status_code == 404
    assert client.get("/api/v1/scenarios/mini").get_json()["version"] == version
    _pages_still_work(app, users)


def test_moving_a_stored_base_off_the_network_through_the_form_is_refused(client, auth):
    auth.login("planner")
    form = client.get("/inventory/bases/B1/edit?scenario=mini").get_data(as_text=True)
    version = form.split('name="version" value="')[1].split('"')[0]
    moved = {**FAR_BASE, "id": "B1", "version": version}
    refused = client.post("/inventory/bases/B1/edit?scenario=mini", data=moved)
    assert refused.status_code == 400 and "base B1" in refused.get_data(as_text=True)
    assert client.get("/api/v1/scenarios/mini/records/bases/B1").get_json()["data"]["lon"] == 117.05


def test_off_network_base_through_the_api_is_refused_naming_the_field(app, client, users):
    headers = basic("planner", users["planner"])
    body = {**FAR_BASE, "lon": 110.0, "lat": 36.66}
    created = client.post("/api/v1/scenarios/mini/records/bases", headers=headers, json=body)
    assert created.status_code == 400
    error = created.get_json()["error"]
    assert error["field"] == "lon" and "base B9" in error["message"] and "km from the nearest road" in error["message"]
    stored = client.get("/api/v1/scenarios/mini/records/bases/B1", headers=headers).get_json()
    moved = {"version": stored["version"], "data": {**stored["data"], "lon": 110.0}}
    updated = client.put("/api/v1/scenarios/mini/records/bases/B1", headers=headers, json=moved)
    assert updated.status_code == 400 and updated.get_json()["error"]["field"] == "lon"
    assert client.get("/api/v1/scenarios/mini/records/bases/B1", headers=headers).get_json() == stored
    _pages_still_work(app, users)


@pytest.mark.parametrize("record_id", [".", ".."])
def test_an_id_of_dots_alone_is_refused_as_it_could_not_be_named_in_a_url(app, client, users, record_id):
    headers = basic("planner", users["planner"])
    base = {**FAR_BASE, "id": record_id, "lon": 117.05, "lat": 36.661}
    agreement = {"id": record_id, "lender": "LX", "borrower": "TQ"}
    for kind, body in (("bases", base), ("agreements", agreement)):
        created = client.post(f"/api/v1/scenarios/mini/records/{kind}", headers=headers, json=body)
        assert created.status_code == 400 and created.get_json()["error"]["field"].endswith("id"), created.get_json()
    assert client.get("/api/v1/scenarios/mini/records/bases/B1", headers=headers).status_code == 200


def test_off_network_base_through_the_import_page_and_api_commit_is_refused(client, auth, users):
    headers = {**basic("planner", users["planner"]), "Content-Type": "text/csv"}
    written = client.post("/api/v1/scenarios/mini/import/bases", headers=headers, data=FAR_CSV)
    assert written.status_code == 400 and written.get_json()["written"] is False
    assert "base B9" in written.get_json()["problem"]
    auth.login("planner")
    confirmed = client.post("/inventory/bases/import?scenario=mini",
                            data={"text": FAR_CSV, "filename": "far.csv", "confirm": "yes"})
    assert confirmed.status_code == 400 and "km from the nearest road" in confirmed.get_data(as_text=True)
    assert client.get("/api/v1/scenarios/mini/records/bases/B9").status_code == 404


def test_a_malformed_agreement_is_refused_by_the_api_and_the_form_and_dispatch_keeps_working(app, client, auth,
                                                                                            users):
    headers = basic("planner", users["planner"])
    created = client.post("/api/v1/scenarios/mini/records/agreements", headers=headers, json=BAD_AGREEMENT)
    assert created.status_code == 400
    assert created.get_json()["error"]["field"] == "fixed_cost"  # the body's schema is the agreement's
    twin = {"id": "A9", "lender": "TQ", "borrower": "LX"}  # mini has A1 from TQ to LX already
    duplicate = client.post("/api/v1/scenarios/mini/records/agreements", headers=headers, json=twin)
    assert duplicate.status_code == 400 and "duplicate agreement" in duplicate.get_json()["error"]["message"]
    auth.login("planner")
    form = client.post("/inventory/agreements/new?scenario=mini",
                       data={"id": "A9", "document": '{"lender": "LX", "borrower": "TQ", "fixed_cost": "a lot"}'})
    assert form.status_code == 400 and "fixed_cost" in form.get_data(as_text=True)
    assert client.get("/api/v1/scenarios/mini/records/agreements/A9", headers=headers).status_code == 404
    _pages_still_work(app, users)


def test_the_cli_import_previews_refuses_and_writes_like_the_page(tmp_path, cli_env, database_url, capsys):
    assert main(["scenario", "load", str(MINI)]) == 0
    (tmp_path / "far.csv").write_text(FAR_CSV, encoding="utf-8")
    (tmp_path / "near.csv").write_text(NEAR_CSV, encoding="utf-8")
    capsys.readouterr()
    assert main(["scenario", "import", "mini", "bases", str(tmp_path / "far.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: far.csv line 2: base B9") and "nothing was written" in err and err.count("\n") == 1
    assert main(["scenario", "import", "mini", "bases", str(tmp_path / "near.csv"), "--preview"]) == 0
    assert "nothing written (--preview)" in capsys.readouterr().out
    store = Store(database_url)
    assert "B9" not in store.record_versions("mini", "bases")
    assert main(["scenario", "import", "mini", "bases", str(tmp_path / "near.csv")]) == 0
    assert "imported 1 new and 0 updated bases" in capsys.readouterr().out
    assert store.get_record("mini", "bases", "B9")[0]["name_zh"] == "近处基地"
    store.close()


def test_scenario_load_refuses_a_folder_with_a_far_base_or_a_bad_agreement(tmp_path, cli_env, capsys):
    far = tmp_path / "far"
    shutil.copytree(MINI, far)
    with (far / "bases.csv").open("a", encoding="utf-8") as handle:
        handle.write(FAR_CSV.splitlines()[1] + ",true\n")
    assert main(["scenario", "load", str(far)]) == 2
    assert "base B9" in capsys.readouterr().err
    bad = tmp_path / "bad"
    shutil.copytree(MINI, bad)
    (bad / "agreements.json").write_text('[{"id": "A9", "lender": "LX", "borrower": "TQ", "fixed_cost": -5}]')
    assert main(["scenario", "load", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "A9" in err and "fixed_cost" in err
    assert main(["scenario", "list", "--json"]) == 0
    assert '"stored": []' in capsys.readouterr().out


def test_the_store_refuses_every_write_that_would_break_the_scenario(store):
    mini = read_scenario(MINI)
    store.save_scenario(mini)
    version = store.scenario_version("mini")
    far = {**FAR_BASE, "lon": 110.0, "lat": 36.66}
    nearest = r"base B9 at \(110\.00000, 36\.66000\) is .* km from the nearest road"
    with pytest.raises(InputError, match=nearest) as caught:
        store.put_record("mini", "bases", far)
    assert caught.value.field == "lon" and caught.value.record == "B9"
    with pytest.raises(InputError, match="base B9"):
        store.import_records("mini", "bases", [far])
    with pytest.raises(InputError, match="fixed_cost"):
        store.put_record("mini", "agreements", BAD_AGREEMENT)
    assert store.scenario_version("mini") == version and store.load_scenario("mini") == mini
    records = {kind: mini.records(kind) for kind in ("jurisdictions", "teams", "equipment", "sites", "standards")}
    moved = mini.bases[0].model_copy(update={"lon": 110.0})
    with pytest.raises(InputError, match="base B1"):
        store.save_scenario(Scenario.build("mini-two", mini.meta, {**records, "bases": (moved, *mini.bases[1:])},
                                           mini.agreements))
    assert [s["name"] for s in store.list_scenarios()] == ["mini"]


def test_the_snap_limit_of_the_scenario_decides(store):
    mini = read_scenario(MINI)
    store.save_scenario(mini)
    nearby = {**FAR_BASE, "lon": 117.05, "lat": 36.70}  # a few hundred metres from a road at most
    assert store.put_record("mini", "bases", nearby) == 1
    strict = Scenario.build("strict", {**mini.meta, "snap_limit_m": 1},
                            {kind: mini.records(kind) for kind in ("jurisdictions", "sites", "standards")})
    with pytest.raises(InputError, match=r"snap_limit_m is 1 m"):
        store.save_scenario(strict)
    broken = Scenario.build("broken", {**mini.meta, "snap_limit_m": "far"}, {})
    with pytest.raises(InputError, match="snap_limit_m must be a positive number"):
        store.save_scenario(broken)


def test_the_import_page_reports_a_store_refusal_on_the_page(client, auth):
    auth.login("planner")
    upload = io.BytesIO(FAR_CSV.encode())
    checked = client.post("/inventory/bases/import?scenario=mini", data={"file": (upload, "far.csv")},
                          content_type="multipart/form-data")
    assert checked.status_code == 400 and "base B9" in checked.get_data(as_text=True)


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("agreements.json", '"id": "A1", ', "", "id: an agreement is stored by its id"),
    ("agreements.json", '"id": "A1"', '"id": "' + "A" * 81 + '"', "id: String should have at most 80 characters"),
    ("agreements.json", '"id": "A1"', '"id": "A/1"', "id: String should match pattern"),
    ("scenario.yaml", "title: Mini test region", "title: " + "M" * 201, "title: at most 200 characters"),
])
def test_scenario_load_refuses_what_the_store_cannot_hold_in_one_line(tmp_path, cli_env, capsys, file, old, new,
                                                                      message):
    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new), encoding="utf-8")
    assert main(["scenario", "load", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
