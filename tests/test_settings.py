"""Settings documents: one source once loaded. The folder round trip, checks by the owning package, edits
through the API that the CLI and a background job then read, and a store module that knows no domain."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

import pytest

from planner.availability.settings import AVAILABILITY_RULES
from planner.cli import main
from planner.errors import InputError
from planner.posture.settings import check_staging_points
from planner.store.database import ConflictError
from planner.store.documents import registered
from planner.store.settings import (
    StoredDocuments,
    put_settings,
    read_folder_settings,
    store_settings,
    stored_settings,
    write_folder_settings,
)
from tests.conftest import ROOT, jinan_folder, load_jinan

API = "/api/v1/scenarios/jinan/settings"
CAP = Path(__file__).resolve().parent / "fixtures" / "cap"


def test_each_document_is_registered_by_its_package() -> None:
    names = {d.name: d for d in registered()}
    assert set(names) == {"plans", "calendar", "warning_rules", "staging_points", "closures", "speed_profiles",
                          AVAILABILITY_RULES, "incident_rates"}
    assert {d.check.__module__ for d in registered()} == {"planner.drills.settings", "planner.posture.settings",
                                                          "planner.roads.closures", "planner.roads.bands",
                                                          "planner.availability.settings", "planner.year.settings"}
    assert names["staging_points"].tabular and not names["plans"].tabular


@pytest.mark.parametrize(("module", "allowed"), [
    ("settings", {"planner.errors", "planner.model.reading", "planner.scenario.files", "planner.scenario.model",
                  "planner.scenario.paths", "planner.store.database", "planner.store.documents",
                  "planner.scenario.jurisdictions", "planner.store.scope"}),
    ("documents", {"planner.errors", "planner.scenario.model"}),
])
def test_the_store_modules_import_no_domain_package(module: str, allowed: set[str]) -> None:
    tree = ast.parse((ROOT / "planner" / "store" / f"{module}.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    planner_modules = {m for m in imported if m.startswith("planner")}
    assert planner_modules == allowed


def test_the_store_keeps_registered_settings_documents_and_refuses_others(store) -> None:
    load_jinan(store)
    assert {d.name for d in registered()} <= set(StoredDocuments(store, "jinan"))
    with pytest.raises(InputError, match="unknown document collection 'plan'"):
        store.put_document("jinan", "plan", "default", {"plans": []}, replace=True)


def test_folder_settings_round_trip_through_the_store(store, tmp_path) -> None:
    jinan, settings = load_jinan(store)
    assert set(settings) == {"plans", "calendar", "warning_rules", "staging_points", "closures", "speed_profiles",
                             AVAILABILITY_RULES, "incident_rates"}
    assert stored_settings(store, "jinan", "calendar")["years"]["2026"]["flood_season"]["start"] == "2026-06-01"
    assert sorted(write_folder_settings(store, "jinan", tmp_path)) == [
        "availability_rules.yaml", "calendar.yaml", "closures.yaml", "incident_rates.yaml", "plans.yaml",
        "speed_profiles.yaml", "staging_points.csv",
        "warning_rules.yaml"]
    assert read_folder_settings(tmp_path, jinan) == settings
    staging = [{**row, "team_types": ["fire", "hazchem"]} for row in settings["staging_points"]]  # as JSON may give
    put_settings(store, jinan, "staging_points", staging, expected_version=1)  # type: ignore[arg-type]
    write_folder_settings(store, "jinan", tmp_path)
    exported = read_folder_settings(tmp_path, jinan)["staging_points"]  # type: ignore[arg-type]
    assert exported[0]["team_types"] == "fire;hazchem"  # the CSV's own list form, read back the same
    points = check_staging_points(exported, jinan, "staging_points.csv")  # type: ignore[arg-type]
    assert {p.team_types for p in points} == {frozenset({"fire", "hazchem"})}
    store_settings(store, "jinan", {"plans": settings["plans"]})  # loaded again from a folder with plans only
    assert dict(StoredDocuments(store, "jinan")) == {"plans": settings["plans"]}


def test_a_wrong_settings_file_names_file_entry_and_field(tmp_path) -> None:
    jinan, _ = jinan_folder()
    plan = "{id: p1, name: P, kind: nonsense, owner: o, scenarios: [x], teams: [t]}"
    (tmp_path / "plans.yaml").write_text(f"organisations: []\nplans: [{plan}]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"plans.yaml: plan p1: kind: must be") as caught:
        read_folder_settings(tmp_path, jinan)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.record) == ("kind", "p1")
    (tmp_path / "plans.yaml").unlink()
    (tmp_path / "calendar.yaml").write_text("timezone: Europe/Berlin\nyears: {}\n", encoding="utf-8")
    with pytest.raises(InputError, match="differs from the scenario's zone 'Asia/Shanghai'") as caught:
        read_folder_settings(tmp_path, jinan)  # type: ignore[arg-type]
    assert caught.value.field == "timezone"
    (tmp_path / "calendar.yaml").unlink()
    (tmp_path / "staging_points.csv").write_text("id,name,lon,lat,capacity\np1,P,117.0,36.6,zero\n", encoding="utf-8")
    with pytest.raises(InputError, match="staging_points.csv: line 2: capacity"):
        read_folder_settings(tmp_path, jinan)  # type: ignore[arg-type]


def test_an_edit_is_checked_and_versioned_and_a_bad_one_stores_nothing(store) -> None:
    jinan, settings = load_jinan(store)
    version = store.get_document("jinan", "warning_rules", "default")[1]
    bad = copy.deepcopy(settings["warning_rules"])
    bad["readiness_rules"][0]["scope"] = "galaxy"
    with pytest.raises(InputError, match=r"readiness_rules\[0\] \(.*\): scope: must be 'area', 'near'"):
        put_settings(store, jinan, "warning_rules", bad, expected_version=version)  # type: ignore[arg-type]
    assert stored_settings(store, "jinan", "warning_rules") == settings["warning_rules"]
    with pytest.raises(ConflictError):
        put_settings(store, jinan, "warning_rules", settings["warning_rules"],  # type: ignore[arg-type]
                     expected_version=version - 1 if version > 1 else version + 1)
    assert put_settings(store, jinan, "warning_rules", settings["warning_rules"],  # type: ignore[arg-type]
                        expected_version=version) == version + 1


def test_settings_edited_through_the_api_reach_the_cli_and_a_job(app, client, auth, cli_env, capsys) -> None:
    """One source: a calendar and warning rules edited over the API are what the CLI and a job read."""
    store = app.extensions["planner_store"]
    load_jinan(store, small_plans=True)
    auth.login("planner")
    listed = {d["name"]: d for d in client.get(API).get_json()["settings"]}
    assert listed["calendar"]["stored"] and listed["calendar"]["file"] == "calendar.yaml"
    read = client.get(f"{API}/calendar").get_json()
    calendar = read["data"]
    calendar["years"]["2026"]["blackouts"].append(
        {"name": "API edit", "start": "2026-04-01", "end": "2026-04-30", "applies_to": "all"})
    saved = client.put(f"{API}/calendar", json={"data": calendar, "expected_version": read["version"]})
    assert saved.status_code == 200 and saved.get_json()["version"] == read["version"] + 1
    stale = client.put(f"{API}/calendar", json={"data": calendar, "expected_version": read["version"]})
    assert stale.status_code == 409
    rules = client.get(f"{API}/warning_rules").get_json()
    rules["data"]["posture"]["max_moves"] = 1
    assert client.put(f"{API}/warning_rules", json={"data": rules["data"],
                                                    "expected_version": rules["version"]}).status_code == 200

    # the CLI reads the edited calendar and rules
    assert main(["drills", "plan", "--scenario", "jinan", "--year", "2026", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "API edit" in {b["name"] for b in printed["blackouts"]}
    assert printed["drills"] and not [d for d in printed["drills"] if d["date"].startswith("2026-04")]
    assert main(["posture", "--scenario", "jinan", "--cap", str(CAP / "red-rainstorm-licheng.xml"),
                 "--now", "2026-07-20T06:30:00+08:00", "--time-limit", "5", "--json"]) == 0
    posture = json.loads(capsys.readouterr().out)
    assert posture["settings"]["max_moves"] == 1 and len(posture["moves"]) <= 1

    # a background job reads them too
    started = client.post("/api/v1/scenarios/jinan/programmes/plan", json={"year": 2026})
    assert started.status_code == 202
    job = app.extensions["planner_jobs"].wait(started.get_json()["id"], timeout_s=120)
    assert job["status"] == "done", job
    assert "API edit" in {b["name"] for b in job["result"]["blackouts"]}
    assert job["result"]["blackouts"] == printed["blackouts"]
    assert not [d for d in job["result"]["drills"] if d["date"].startswith("2026-04")]
    periods = client.get("/api/v1/scenarios/jinan/critical-periods?date=2026-04-15").get_json()["periods"]
    assert [p["name"] for p in periods] == ["API edit"]


def test_the_api_refuses_bad_edits_naming_the_field(app, client, auth) -> None:
    store = app.extensions["planner_store"]
    _, settings = load_jinan(store)
    auth.login("viewer")
    assert client.put(f"{API}/plans", json={"data": settings["plans"], "expected_version": 1}).status_code == 403
    auth.logout()
    auth.login("planner")
    version = client.get(f"{API}/plans").get_json()["version"]
    plans = copy.deepcopy(settings["plans"])
    plans["plans"][0]["teams"] = ["no-such-team"]
    refused = client.put(f"{API}/plans", json={"data": plans, "expected_version": version})
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "teams"
    assert "'no-such-team' does not exist" in refused.get_json()["error"]["message"]
    assert client.get(f"{API}/plans").get_json() == {"name": "plans", "data": settings["plans"], "version": version}
    assert client.put(f"{API}/secrets", json={"data": {}}).status_code == 404
    assert client.put(f"{API}/plans", json={"plans": {}}).get_json()["error"]["field"] == "data"  # data is required
    assert client.get("/api/v1/scenarios/mini/settings/plans").status_code == 404  # mini has none


def test_each_document_is_documented_and_validated_by_its_model(app, client, auth) -> None:
    """The API's schema of a document is its package's model; typed rows in, typed rows out."""
    store = app.extensions["planner_store"]
    _, settings = load_jinan(store)
    spec = client.get("/api/v1/openapi.json").get_json()
    for document in registered():
        path = spec["paths"][f"/api/v1/scenarios/{{name}}/settings/{document.name}"]
        body = spec["components"]["schemas"][path["put"]["requestBody"]["content"]["application/json"]["schema"][
            "$ref"].rsplit("/", 1)[1]]
        assert body["properties"]["data"]["$ref"] == f"#/components/schemas/{document.model.__name__}"
    assert set(spec["components"]["schemas"]["PlansDocument"]["properties"]) == {"organisations", "plans", "rules",
                                                                               "request_targets"}

    auth.login("planner")
    read = client.get(f"{API}/staging_points").get_json()
    first = read["data"][0]
    raw = settings["staging_points"][0]  # the CSV row as the folder holds it: every cell text
    assert isinstance(raw["lon"], str) and first["lon"] == float(raw["lon"]) and first["id"] == raw["id"]
    assert all(isinstance(row.get("team_types", []), list) for row in read["data"])
    off_the_map = copy.deepcopy(read["data"])
    off_the_map[1]["lon"] = 500
    refused = client.put(f"{API}/staging_points", json={"data": off_the_map, "expected_version": read["version"]})
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "data[1].lon"
    saved = client.put(f"{API}/staging_points", json={"data": read["data"], "expected_version": read["version"]})
    assert saved.status_code == 200
    assert client.get(f"{API}/staging_points").get_json()["data"] == read["data"]
    assert check_staging_points(stored_settings(store, "jinan", "staging_points"), None, "staging_points")  # type: ignore[arg-type]
