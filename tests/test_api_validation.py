"""Request validation against the OpenAPI document: wrong, missing or unknown fields are a 400 naming the field.

The models in ``web/schemas`` are the one statement of what a request may hold: spectree generates the
document from them and checks every request against them before the view runs. These tests send bad
requests to several endpoints and read the document itself.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from planner.dispatch.requests import MAX_QUANTITY

NEAR_B1 = {"lon": 117.005, "lat": 36.665}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def admin(users: dict[str, str]) -> dict[str, str]:
    """Basic credentials of the administrator."""
    return basic("admin", users["admin"])


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    # wrong type
    ("post", "/api/v1/users", {"username": "ops", "password": "long-enough-1", "role": 5}, "role"),
    ("post", "/api/v1/users", {"username": 7, "password": "long-enough-1", "role": "viewer"}, "username"),
    ("post", "/api/v1/scenarios/mini/jobs", {"kind": ["coverage"]}, "kind"),
    ("put", "/api/v1/scenarios/mini/records/teams/T1", {"version": "1", "data": {"id": "T1"}}, "version"),
    ("post", "/api/v1/scenarios/mini/dispatch",
     {"incidents": [{**NEAR_B1, "requirements": [{"capability": "fire_squad", "quantity": "2", "deadline_min": 9}]}]},
     "incidents[0].requirements[0].quantity"),
    ("post", "/api/v1/scenarios/mini/coverage/whatif", {"committed": "T1"}, "committed"),
    ("post", "/api/v1/scenarios/mini/posture", {"cap": "<alert/>", "max_moves": 1.5}, "max_moves"),
    ("post", "/api/v1/scenarios/mini/programmes/plan", {"year": "2026"}, "year"),
    # a planner model inside a body: its validators' complaints too (one of them about a set)
    ("put", "/api/v1/scenarios/mini/settings/warning_rules", {"data": {"risk_rules": [{"name": ""}]}},
     "data.risk_rules[0].name"),
    # missing
    ("post", "/api/v1/users", {"username": "ops", "role": "viewer"}, "password"),
    ("post", "/api/v1/scenarios/mini/jobs", {"params": {}}, "kind"),
    ("put", "/api/v1/scenarios/mini/records/teams/T1", {"version": 1}, "data"),
    ("post", "/api/v1/scenarios/mini/dispatch", {"incidents": [{"lon": 117.0}]}, "incidents[0].lat"),
    ("post", "/api/v1/scenarios/mini/coverage/whatif", {"add": {"k": 1, "candidates": [NEAR_B1]}}, "add.team_type"),
    ("post", "/api/v1/scenarios/mini/programmes", {"expected_version": 1}, "job"),
    # unknown
    ("post", "/api/v1/users", {"username": "ops", "password": "long-enough-1", "role": "viewer", "admin": True},
     "admin"),
    ("post", "/api/v1/scenarios/mini/jobs", {"kind": "coverage", "priority": 1}, "priority"),
    ("post", "/api/v1/scenarios/mini/dispatch", {"incidents": [{**NEAR_B1, "colour": "red"}]}, "incidents[0].colour"),
    ("post", "/api/v1/scenarios/mini/posture", {"cap": "<alert/>", "dry_run": True}, "dry_run"),
    # out of range
    ("post", "/api/v1/users", {"username": "ops", "password": "short", "role": "viewer"}, "password"),
    ("post", "/api/v1/scenarios/mini/dispatch",
     {"incidents": [{**NEAR_B1, "requirements": [
         {"capability": "fire_squad", "quantity": MAX_QUANTITY + 1, "deadline_min": 9}]}]},
     "incidents[0].requirements[0].quantity"),
    ("post", "/api/v1/scenarios/mini/dispatch", {"incidents": [{**NEAR_B1, "type": "high-rise-fire"}] * 51},
     "incidents"),
])
def test_bad_bodies_are_400_naming_the_field(client: Any, admin: dict[str, str], method: str, path: str,
                                             body: dict[str, Any], field: str) -> None:
    response = getattr(client, method)(path, headers=admin, json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error == {"code": "invalid_input", "field": field, "message": error["message"]}
    assert error["message"].startswith(f"{field}: ")


def test_refused_bodies_change_nothing(client: Any, admin: dict[str, str], app: Any) -> None:
    store = app.extensions["planner_store"]
    before = (store.scenario_version("mini"), len(store.audit_log(scenario="mini")))
    team = client.get("/api/v1/scenarios/mini/records/teams/T1", headers=admin).get_json()["data"]
    response = client.put("/api/v1/scenarios/mini/records/teams/T1", headers=admin,
                          json={"version": 1, "data": {**team, "members": 30}, "force": True})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "force"
    assert (store.scenario_version("mini"), len(store.audit_log(scenario="mini"))) == before


@pytest.mark.parametrize("body", ["incidents", "[1, 2]", "null", "{not json"])
def test_a_body_that_is_not_a_json_object_is_400(client: Any, admin: dict[str, str], body: str) -> None:
    response = client.post("/api/v1/scenarios/mini/coverage/whatif", headers=admin, data=body,
                           content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "body"


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"), ("limit=2.5", "limit"),
    ("limit=5&limit=6", "limit"), ("limt=5", "limt"),
])
def test_query_parameters_out_of_range_are_400(client: Any, admin: dict[str, str], query: str, field: str) -> None:
    response = client.get(f"/api/v1/audit?{query}", headers=admin)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["field"] == field


def test_query_parameters_in_range_are_read(client: Any, admin: dict[str, str]) -> None:
    url = "/api/v1/scenarios/mini/records/teams/T1"
    for _ in range(2):
        read = client.get(url, headers=admin).get_json()
        saved = client.put(url, headers=admin, json={"version": read["version"], "data": read["data"]})
        assert saved.status_code == 200
    assert len(client.get("/api/v1/audit?limit=1", headers=admin).get_json()["entries"]) == 1
    assert len(client.get("/api/v1/audit?limit=1000&scenario=mini", headers=admin).get_json()["entries"]) >= 2
    missing = client.get("/api/v1/scenarios/mini/coverage/service-areas", headers=admin)
    assert missing.status_code == 400 and missing.get_json()["error"]["field"] == "standard"
    zero = client.delete(f"{url}?version=0", headers=admin)
    assert zero.status_code == 400 and zero.get_json()["error"]["field"] == "version"


def test_permission_is_checked_before_the_body(client: Any, users: dict[str, str]) -> None:
    bad = {"incidents": "nowhere"}
    assert client.post("/api/v1/scenarios/mini/dispatch", json=bad).status_code == 401
    refused = client.post("/api/v1/scenarios/mini/dispatch", json=bad, headers=basic("viewer", users["viewer"]))
    assert refused.status_code == 403 and "run_dispatch" in refused.get_json()["error"]["message"]
    checked = client.post("/api/v1/scenarios/mini/dispatch", json=bad, headers=basic("dispatcher", users["dispatcher"]))
    assert checked.status_code == 400 and checked.get_json()["error"]["field"] == "incidents"


def test_the_document_holds_the_models(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    schemas = document["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        return schemas[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema

    dispatch = document["paths"]["/api/v1/scenarios/{name}/dispatch"]["post"]
    body = resolve(dispatch["requestBody"]["content"]["application/json"]["schema"])
    assert body["properties"]["incidents"]["items"] == {"$ref": "#/components/schemas/IncidentEntry"}  # the planner's
    requirement = resolve(resolve(resolve(body["properties"]["incidents"]["items"])["properties"]["requirements"]
                                  ["anyOf"][0]["items"]))
    assert requirement["properties"]["quantity"] == {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY,
                                                     "title": "Quantity"}
    users = document["paths"]["/api/v1/users"]["post"]
    user = resolve(users["requestBody"]["content"]["application/json"]["schema"])
    assert user["additionalProperties"] is False and set(user["required"]) == {"username", "password", "role"}
    assert resolve(user["properties"]["role"])["enum"] == ["viewer", "dispatcher", "planner", "admin"]
    audit = {p["name"]: p for p in document["paths"]["/api/v1/audit"]["get"]["parameters"]}
    assert audit["limit"]["in"] == "query" and audit["limit"]["schema"]["minimum"] == 1
    assert audit["limit"]["schema"]["maximum"] == 1000
    kinds = {p["name"]: p for p in document["paths"]["/api/v1/scenarios/{name}/records/{kind}"]["get"]["parameters"]}
    assert "teams" in kinds["kind"]["schema"]["enum"]


def test_every_answer_and_body_of_the_document_resolves(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    refs: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str):
                refs.append(value["$ref"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    assert refs and all(ref.rsplit("/", 1)[1] in schemas for ref in refs)

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        return schemas[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert any(code.startswith("2") for code in answers), (path, method)
            for code in ("400", "404"):
                content = answers[code]["content"]["application/json"]["schema"]["$ref"]
                assert content.endswith(("/ErrorBody", "/ImportRefused")), (path, method, code)
            json_body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if json_body is not None:  # actions without a body (release an inject, run a job again) have none
                body = resolve(json_body["schema"])
                assert resolve(body).get("additionalProperties") is False, (path, method)  # AgreementRecord: a $ref


FIRST_DOCUMENTS = """
import json, threading
from web import create_app
from web.openapi import document
app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "t"})
start, built = threading.Barrier(8), []
def build():
    start.wait()
    with app.app_context():
        built.append(json.dumps(document()["components"], sort_keys=True))
threads = [threading.Thread(target=build) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(len(set(built)), len(built))
"""


def test_first_requests_at_once_all_get_the_whole_document() -> None:
    # spectree builds its document on first use, stripping nested definitions from its models as it goes:
    # eight threads asking at once in a fresh process must all get one document, components included.
    answer = subprocess.run([sys.executable, "-c", FIRST_DOCUMENTS], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert answer.stdout.split() == ["1", "8"], answer.stderr[-2000:]
