"""Size and shape limits through every door: no input, however malformed, gives a 500 or a traceback.

Each defect found by hand is tried where it was found and at the other doors: deeply nested JSON (a 500
on any URL, ``/login`` included, before authentication), a request body of any size (read and parsed
whole), a CSV cell over 131,072 characters (a 500 from the API, a traceback from the CLI), a file that
is not UTF-8 (stored with replacement characters by the API import, refused by the page and the CLI),
GB18030 declared by the sender (Chinese agencies export it), and a deeply nested problem, scenario or
settings file given to the CLI (a RecursionError traceback).
"""

from __future__ import annotations

import base64
import io
import json
import shutil
from pathlib import Path

import pytest

from planner.cli import main
from planner.errors import InputError
from planner.model.reading import MAX_CSV_CELL, MAX_DEPTH
from planner.scenario.files import read_scenario
from planner.store.accounts import create_user
from planner.store.database import MAX_VERSION, Store
from tests.api_checks import check_answers
from tests.conftest import MINI
from web import create_app

DEEP = "[" * 100_000 + "]" * 100_000
"""JSON nested 100,000 deep: Python's parser runs out of stack long before."""
HEADER = "id,name,name_zh,tier,operator,jurisdiction,lon,lat\n"
CHINESE_BASE = HEADER + "B9,Huaiyin station,槐荫消防站,local,Jinan fire corps,LX,117.05,36.661\n"
BIG_CELL = "id,kind,quantity,base,name\nE7,pump,3,B1," + "x" * (MAX_CSV_CELL + 1) + "\n"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


# ----------------------------------------------------------------------------------------------------
# Nesting


@pytest.mark.parametrize("url", ["/login", "/logout", "/api/v1/scenarios/mini/records/bases", "/api/v1/users",
                                 "/api/v1/scenarios/mini/dispatch", "/inventory/bases/new", "/no/such/page"])
def test_deeply_nested_json_is_a_400_naming_the_body_on_every_url_before_authentication(client, url):
    response = client.post(url, data=DEEP, content_type="application/json")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert f"nested more than {MAX_DEPTH} arrays or objects deep" in text
    if url.startswith("/api/"):
        assert response.get_json()["error"] == {"code": "invalid_input", "field": "body",
                                                "message": f"body: nested more than {MAX_DEPTH} arrays or objects deep"}


def test_json_nested_to_the_limit_still_reaches_the_view(client, users):
    body = {"id": "B9", "name": "Deep", "tier": "local", "jurisdiction": "LX", "lon": 117.05, "lat": 36.661,
            "extra": json.loads("[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2))}
    response = client.post("/api/v1/scenarios/mini/records/bases", json=body, headers=basic("admin", users["admin"]))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "extra"  # the record's own rule


def test_deeply_nested_json_in_a_form_field_is_refused_on_the_form(client, auth):
    auth.login("planner")
    agreement = client.post("/inventory/agreements/new?scenario=mini", data={"id": "A9", "document": DEEP})
    assert agreement.status_code == 400 and "the agreement: nested more than" in agreement.get_data(as_text=True)
    fields = {"id": "XX", "name": "Deep", "level": "district", "parent": "SD", "geometry": DEEP}
    region = client.post("/inventory/jurisdictions/new?scenario=mini", data=fields)
    assert region.status_code == 400 and "geometry: nested more than" in region.get_data(as_text=True)


@pytest.mark.parametrize(("file", "text"), [
    ("problem.json", DEEP),
    ("problem.json", '{"units": ' + "[" * 5000 + "]" * 5000 + "}"),
])
def test_a_deeply_nested_problem_file_is_one_line_and_exit_2(tmp_path, capsys, file, text):
    path = tmp_path / file
    path.write_text(text)
    assert main(["dispatch", "--problem", str(path)]) == 2
    assert "problem.json: nested more than" in _one_error_line(capsys)


@pytest.mark.parametrize(("file", "text", "message"), [
    ("scenario.yaml", "name: mini\nnetwork: " + "[" * 50_000 + "]" * 50_000 + "\n", "nested more than"),
    ("scenario.yaml", "name: mini\nx:\n" + "- " * 5000 + "1\n", "nested more than"),
    ("scenario.yaml", 'name: mini\na: &a ["x", "x"]\nb: [*a, *a]\n', "anchors and aliases"),
    ("agreements.json", DEEP, "agreements.json: nested more than"),
    ("sites.geojson", '{"type": "FeatureCollection", "features": ' + DEEP + "}", "sites.geojson: nested more than"),
])
def test_a_deeply_nested_scenario_file_is_one_line_and_exit_2(tmp_path, cli_env, capsys, file, text, message):
    folder = tmp_path / "deep"
    shutil.copytree(MINI, folder)
    if file == "sites.geojson":
        (folder / "sites.csv").unlink()
    (folder / file).write_text(text)
    assert main(["scenario", "load", str(folder)]) == 2
    assert message in _one_error_line(capsys)


# ----------------------------------------------------------------------------------------------------
# Size


@pytest.fixture
def small_app(database_url, tmp_path):
    """The web app with a 4 kB request limit, answers checked against the API's document."""
    application = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                              "DEFAULT_SCENARIO": "mini", "WTF_CSRF_ENABLED": False, "MAX_CONTENT_LENGTH": 4096})
    application.extensions["planner_store"].save_scenario(read_scenario(MINI))
    check_answers(application)
    yield application
    application.extensions["planner_store"].close()


def test_a_body_over_the_limit_is_a_413_stating_the_limit_at_every_door(small_app):
    create_user(small_app.extensions["planner_store"], "admin", "admin-pass-123", "admin")
    client = small_app.test_client()
    headers = basic("admin", "admin-pass-123")
    limit = "at most 4 kB (4,096 bytes) (MAX_CONTENT_LENGTH)"
    record = client.post("/api/v1/scenarios/mini/records/bases", headers=headers,
                         json={"id": "B9", "name": "x" * 5000})
    assert record.status_code == 413
    assert record.get_json()["error"]["code"] == "too_large" and limit in record.get_json()["error"]["message"]
    upload = client.post("/api/v1/scenarios/mini/import/bases", headers=headers, data="x" * 5000,
                         content_type="text/csv")
    assert upload.status_code == 413 and limit in upload.get_json()["error"]["message"]
    login = client.post("/login", data={"username": "admin", "password": "x" * 5000})
    assert login.status_code == 413 and limit in login.get_data(as_text=True)
    assert client.get("/api/v1/scenarios/mini/records/bases/B9", headers=headers).status_code == 404


def test_the_limit_is_20_mb_unless_configured(database_url, monkeypatch):
    config = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test"}
    assert create_app(config).config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "1000000")
    assert create_app(config).config["MAX_CONTENT_LENGTH"] == 1_000_000
    assert create_app({**config, "MAX_CONTENT_LENGTH": 5000}).config["MAX_CONTENT_LENGTH"] == 5000
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "20MB")
    with pytest.raises(InputError, match="MAX_CONTENT_LENGTH: '20MB' is not a positive number of bytes"):
        create_app(config)


def test_a_50_mb_body_is_refused_unread(client, users):
    headers = {**basic("admin", users["admin"]), "Content-Type": "text/csv"}
    response = client.post("/api/v1/scenarios/mini/import/bases", headers=headers, data=b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413 and "20 MB" in response.get_json()["error"]["message"]


def test_a_multipart_form_field_below_the_stated_limit_is_not_refused(client, auth):
    auth.login("planner")
    text = "id,kind,quantity,base\nE7,pump,3,B1\n" + "\n" * 600_000  # Werkzeug's own limit on such a field: 500 kB
    done = client.post("/inventory/equipment/import?scenario=mini", content_type="multipart/form-data",
                       data={"text": text, "filename": "kit.csv", "confirm": "yes"})
    assert done.status_code == 302
    assert client.get("/api/v1/scenarios/mini/records/equipment/E7").get_json()["data"]["quantity"] == 3


# ----------------------------------------------------------------------------------------------------
# CSV cells


def test_a_csv_cell_over_the_limit_is_refused_naming_line_and_column_at_every_door(client, auth, users, tmp_path,
                                                                                   cli_env, capsys):
    message = f"line 2: name: a cell is longer than {MAX_CSV_CELL:,} characters"
    headers = {**basic("planner", users["planner"]), "Content-Type": "text/csv"}
    api = client.post("/api/v1/scenarios/mini/import/equipment?filename=kit.csv", headers=headers, data=BIG_CELL)
    assert api.status_code == 400
    assert api.get_json()["error"]["message"] == f"kit.csv {message}" and api.get_json()["error"]["field"] == "name"
    auth.login("planner")
    page = client.post("/inventory/equipment/import?scenario=mini",
                       data={"file": (io.BytesIO(BIG_CELL.encode()), "kit.csv")}, content_type="multipart/form-data")
    assert page.status_code == 400 and f"kit.csv {message}" in page.get_data(as_text=True)
    path = tmp_path / "kit.csv"
    path.write_text(BIG_CELL)
    assert main(["scenario", "import", "mini", "equipment", str(path)]) == 2  # the app's store, through the CLI
    assert f"kit.csv {message}" in _one_error_line(capsys)


def test_scenario_load_refuses_a_csv_cell_over_the_limit(tmp_path, cli_env, capsys):
    folder = tmp_path / "big"
    shutil.copytree(MINI, folder)
    (folder / "equipment.csv").write_text(BIG_CELL)
    assert main(["scenario", "load", str(folder)]) == 2
    assert "equipment.csv line 2: name: a cell is longer than" in _one_error_line(capsys)


# ----------------------------------------------------------------------------------------------------
# Encodings


def test_the_api_import_refuses_undeclared_non_utf8_and_reads_declared_gb18030(client, users):
    headers = basic("planner", users["planner"])
    gb = CHINESE_BASE.encode("gb18030")
    refused = client.post("/api/v1/scenarios/mini/import/bases?filename=b.csv", headers=headers, data=gb,
                          content_type="text/csv")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"].startswith("b.csv: not UTF-8 text (byte 0x")
    assert "gb18030" in refused.get_json()["error"]["message"]
    latin = client.post("/api/v1/scenarios/mini/import/bases", headers=headers, content_type="text/csv",
                        data=HEADER.encode() + "B9,Montréal,x,local,x,LX,117.05,36.661\n".encode("latin-1"))
    assert latin.status_code == 400
    assert client.get("/api/v1/scenarios/mini/records/bases/B9", headers=headers).status_code == 404
    declared = client.post("/api/v1/scenarios/mini/import/bases?encoding=gb18030", headers=headers, data=gb,
                           content_type="text/csv")
    assert declared.status_code == 200 and declared.get_json()["created"] == 1
    stored = client.get("/api/v1/scenarios/mini/records/bases/B9", headers=headers).get_json()
    assert stored["data"]["name_zh"] == "槐荫消防站"
    again = CHINESE_BASE.replace("Huaiyin", "Huaiyin fire").encode("gb18030")
    charset = client.post("/api/v1/scenarios/mini/import/bases", headers=headers, data=again,
                          content_type="text/csv; charset=GB18030")
    assert charset.status_code == 200 and charset.get_json()["updated"] == 1
    bom = CHINESE_BASE.replace("Huaiyin", "Huaiyin BOM").encode("utf-8-sig")
    assert client.post("/api/v1/scenarios/mini/import/bases", headers=headers, data=bom,
                       content_type="text/csv").get_json()["updated"] == 1
    assert client.get("/api/v1/scenarios/mini/records/bases/B9", headers=headers).get_json()["data"]["name"] == \
        "Huaiyin BOM station"
    unknown = client.post("/api/v1/scenarios/mini/import/bases?encoding=latin-1", headers=headers, data=gb,
                          content_type="text/csv")
    assert unknown.status_code == 400 and unknown.get_json()["error"]["field"] == "encoding"


def test_the_import_page_refuses_undeclared_non_utf8_and_reads_declared_gb18030(client, auth):
    auth.login("planner")
    gb = CHINESE_BASE.encode("gb18030")
    refused = client.post("/inventory/bases/import?scenario=mini", data={"file": (io.BytesIO(gb), "b.csv")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "b.csv: not UTF-8 text" in refused.get_data(as_text=True)
    checked = client.post("/inventory/bases/import?scenario=mini", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(gb), "b.csv"), "encoding": "gb18030"})
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "写入 Import 1 rows" in html and "槐荫消防站" in html
    assert '<option value="gb18030" selected>' in html
    done = client.post("/inventory/bases/import?scenario=mini",
                       data={"text": CHINESE_BASE, "filename": "b.csv", "confirm": "yes"})
    assert done.status_code == 302
    assert client.get("/api/v1/scenarios/mini/records/bases/B9").get_json()["data"]["name_zh"] == "槐荫消防站"


def _gb18030_folder(tmp_path: Path) -> Path:
    """The mini scenario folder with every text file in GB18030."""
    folder = tmp_path / "gb"
    shutil.copytree(MINI, folder)
    for path in folder.iterdir():
        path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    return folder


def test_the_cli_reads_gb18030_only_when_declared(tmp_path, cli_env, database_url, capsys):
    folder = _gb18030_folder(tmp_path)
    assert main(["scenario", "load", str(folder)]) == 2
    assert "not UTF-8 text" in _one_error_line(capsys)
    assert main(["scenario", "load", str(folder), "--encoding", "gb18030"]) == 0
    store = Store(database_url)
    assert store.load_scenario("mini") == read_scenario(MINI)
    path = tmp_path / "b.csv"
    path.write_bytes(CHINESE_BASE.encode("gb18030"))
    capsys.readouterr()
    assert main(["scenario", "import", "mini", "bases", str(path)]) == 2
    assert "b.csv: not UTF-8 text" in _one_error_line(capsys)
    assert main(["scenario", "import", "mini", "bases", str(path), "--encoding", "utf-8"]) == 2
    capsys.readouterr()
    assert main(["scenario", "import", "mini", "bases", str(path), "--encoding", "latin-1"]) == 2
    assert "encoding: 'latin-1' is not accepted (accepted: utf-8, gb18030)" in _one_error_line(capsys)
    assert main(["scenario", "import", "mini", "bases", str(path), "--encoding", "gb18030"]) == 0
    assert store.get_record("mini", "bases", "B9")[0]["name_zh"] == "槐荫消防站"
    store.close()


def test_a_deeply_nested_line_in_a_backup_file_is_one_line_and_exit_2(tmp_path, cli_env, capsys):
    backup = tmp_path / "store.jsonl"
    assert main(["backup", str(backup), "--format", "jsonl"]) == 0
    lines = backup.read_text().splitlines()
    (tmp_path / "deep.jsonl").write_text("\n".join([lines[0], DEEP, *lines[1:]]) + "\n")
    capsys.readouterr()
    assert main(["restore", str(tmp_path / "deep.jsonl"), "--check"]) == 2
    assert "deep.jsonl line 2: nested more than" in _one_error_line(capsys)


# ----------------------------------------------------------------------------------------------------
# Versions


@pytest.mark.parametrize("version", [2**31, 2**63, 10**30])
def test_a_version_beyond_any_stored_one_is_a_400_not_a_500(client, auth, users, version):
    headers = basic("admin", users["admin"])
    record = client.get("/api/v1/scenarios/mini/records/teams/T1", headers=headers).get_json()
    put = client.put("/api/v1/scenarios/mini/records/teams/T1", headers=headers,
                     json={"version": version, "data": record["data"]})
    assert put.status_code == 400 and put.get_json()["error"]["field"] == "version"
    deleted = client.delete(f"/api/v1/scenarios/mini/records/teams/T1?version={version}", headers=headers)
    assert deleted.status_code == 400
    settings = client.put("/api/v1/scenarios/mini/settings/calendar", headers=headers,
                          json={"expected_version": version, "data": {}})
    assert settings.status_code == 400 and settings.get_json()["error"]["field"] == "expected_version"
    auth.login("planner")
    form = {"id": "T1", "name": "x", "team_type": "fire", "base": "B1", "version": str(version)}
    edited = client.post("/inventory/teams/T1/edit?scenario=mini", data=form)
    assert edited.status_code == 400 and "is not a version" in edited.get_data(as_text=True)
    assert client.get("/api/v1/scenarios/mini/records/teams/T1", headers=headers).get_json() == record


def test_a_version_in_other_digits_is_refused_on_the_form(client, auth):
    auth.login("planner")
    form = {"id": "T1", "name": "x", "team_type": "fire", "base": "B1", "version": "²"}
    edited = client.post("/inventory/teams/T1/edit?scenario=mini", data=form)
    assert edited.status_code == 400 and "lost its version number" in edited.get_data(as_text=True)
    deleted = client.post("/inventory/teams/T1/delete?scenario=mini", data={"version": "①"}, follow_redirects=True)
    assert deleted.status_code == 200 and "is not a number" in deleted.get_data(as_text=True)
    assert client.get("/api/v1/scenarios/mini/records/teams/T1").status_code == 200


def test_the_store_refuses_versions_out_of_range(store):
    store.save_scenario(read_scenario(MINI))
    data, _ = store.get_record("mini", "teams", "T1")
    for version in (0, MAX_VERSION + 1):
        with pytest.raises(InputError, match=f"version: {version} is not a version"):
            store.put_record("mini", "teams", data, expected_version=version)
        with pytest.raises(InputError, match="is not a version"):
            store.delete_document("mini", "calendar", "default", expected_version=version)


# ----------------------------------------------------------------------------------------------------
# Other command-line input


@pytest.mark.parametrize("args", [
    ["matrix", "--scenario", str(MINI), "--from", "teams", "--to", "sites", "--cutoff-min", "-1"],
    ["matrix", "--scenario", str(MINI), "--from", "teams", "--to", "sites", "--cutoff-min", "nan"],
    ["matrix", "--scenario", str(MINI), "--from", "teams", "--to", "sites", "--out", "/proc/no/such/m.csv"],
    ["scenario", "export", "mini", "/proc/no/such/folder"],
])
def test_other_bad_command_line_input_is_one_line_and_exit_2(cli_env, capsys, args):
    assert main(["scenario", "load", str(MINI)]) == 0
    capsys.readouterr()
    assert main(args) == 2
    _one_error_line(capsys)
