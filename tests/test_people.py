"""People, the duty roster, depots, stocks and equipment upkeep as records: one validation through every door.

Bad rows (unknown team, expiry before issue, negative stock, duplicate asset number, overlapping duty
shifts) are refused with file, line and field by the API import, the inventory page and the CLI, and
nothing of that import is stored. Viewers and dispatchers never see names or phone numbers.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.model.personnel import Qualification, Shift, first_overlap
from planner.model.records import RECORD_TYPES, Person, parse_record
from planner.scenario.files import read_scenario, write_scenario
from planner.scenario.model import Scenario
from tests.conftest import MINI, ROOT

ZONE = dt.timezone(dt.timedelta(hours=8))

PEOPLE_CSV = """id,team,name,name_zh,role,squad,qualifications,phone
P1,T1,Zhang Wei,张伟,squad_leader,1,firefighting|消防|JN-001|2024-01-01|2027-01-01;driving_b2|||2020-05-01|,13800000001
P2,T1,Li Na,李娜,member,1,firefighting|济南消防|JN-002|2024-01-01|2027-01-01,13800000002
"""

SHIFTS_CSV = """id,team,kind,people,starts,hours,every_h
S1,T1,duty,P1;P2,2026-07-01T08:00,24,72
S2,T1,leave,P2,2026-07-10T00:00,72,
"""


def basic(role: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{role}:{password}".encode()).decode()}


def upload(client, headers, kind: str, text: str, filename: str, preview: bool = False):
    return client.post(f"/api/v1/scenarios/mini/import/{kind}?filename={filename}&preview={str(preview).lower()}",
                       headers={**headers, "Content-Type": "text/plain"}, data=text.encode())


def stored_ids(client, headers, kind: str) -> list[str]:
    answer = client.get(f"/api/v1/scenarios/mini/records/{kind}", headers=headers).get_json()
    return [r["data"]["id"] for r in answer["records"]]


# ----------------------------------------------------------------------------------------------------
# The records themselves


def test_a_certificate_expiring_before_its_issue_is_refused_naming_the_field():
    with pytest.raises(InputError, match=r"people.csv line 4: person P9: qualifications\[0\]: .*"
                                         r"expiry 2020-01-01 is before issue 2024-01-01") as caught:
        parse_record(Person, {"id": "P9", "team": "T1", "name": "X", "qualifications": [
            {"kind": "hazchem", "issued": "2024-01-01", "expires": "2020-01-01"}]}, where="people.csv line 4")
    assert caught.value.field == "qualifications"


def test_a_certificate_is_valid_through_its_expiry_day_and_not_after():
    qualification = Qualification(kind="mine_rescue", issued=dt.date(2023, 1, 1), expires=dt.date(2026, 6, 30))
    assert qualification.valid_on(dt.date(2026, 6, 30))
    assert not qualification.valid_on(dt.date(2026, 7, 1))
    assert not qualification.valid_on(dt.date(2022, 12, 31))


def test_a_24_on_48_off_shift_covers_every_third_day_in_the_scenario_zone():
    shift = Shift(id="S", team="T", people=("P",), starts=dt.datetime(2026, 7, 1, 8), hours=24, every_h=72)
    assert shift.covers(dt.datetime(2026, 7, 1, 8, tzinfo=ZONE), ZONE)
    assert shift.covers(dt.datetime(2026, 7, 2, 7, 59, tzinfo=ZONE), ZONE)
    assert not shift.covers(dt.datetime(2026, 7, 2, 8, tzinfo=ZONE), ZONE)
    assert not shift.covers(dt.datetime(2026, 7, 3, 12, tzinfo=ZONE), ZONE)
    assert shift.covers(dt.datetime(2026, 7, 4, 8, tzinfo=ZONE), ZONE)
    assert shift.covers(dt.datetime(2026, 7, 1, 0, 30, tzinfo=dt.UTC), ZONE)  # 08:30 in the zone
    assert not shift.covers(dt.datetime(2026, 6, 30, 23, 59, tzinfo=ZONE), ZONE)
    ended = shift.model_copy(update={"until": dt.datetime(2026, 7, 4, 8)})
    assert ended.covers(dt.datetime(2026, 7, 4, 9, tzinfo=ZONE), ZONE)
    assert not ended.covers(dt.datetime(2026, 7, 7, 9, tzinfo=ZONE), ZONE)


def test_overlap_of_rotations_is_found_or_ruled_out():
    a = Shift(id="A", team="T", people=("P",), starts=dt.datetime(2026, 7, 1, 8), hours=24, every_h=72)
    b = Shift(id="B", team="T", people=("P",), starts=dt.datetime(2026, 7, 2, 8), hours=24, every_h=72)
    c = Shift(id="C", team="T", people=("P",), starts=dt.datetime(2026, 7, 3, 8), hours=24, every_h=72)
    assert first_overlap(a, b, ZONE) is None and first_overlap(a, c, ZONE) is None and first_overlap(b, c, ZONE) is None
    day = Shift(id="D", team="T", people=("P",), starts=dt.datetime(2026, 7, 5, 8), hours=12, every_h=24)
    # The daily day shift meets A on 7 July (A runs 7 July 08:00 to 8 July 08:00).
    assert first_overlap(a, day, ZONE) == dt.datetime(2026, 7, 7, 0, tzinfo=dt.UTC)


def test_overlapping_duty_shifts_of_one_person_are_refused_on_load(mini_folder: Path):
    (mini_folder / "people.csv").write_text(PEOPLE_CSV, encoding="utf-8")
    (mini_folder / "shifts.csv").write_text(
        SHIFTS_CSV + "S3,T1,duty,P2,2026-07-04T20:00,12,24\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"shifts.csv line 4: shifts S3: people: P2 is on duty in shift S1 too "
                                         r"at 2026-07-04 20:00") as caught:
        read_scenario(mini_folder)
    assert caught.value.field == "people"


def test_people_roster_depots_and_stocks_survive_export_and_load(mini_folder: Path, tmp_path: Path):
    (mini_folder / "people.csv").write_text(PEOPLE_CSV, encoding="utf-8")
    (mini_folder / "shifts.csv").write_text(SHIFTS_CSV, encoding="utf-8")
    (mini_folder / "depots.csv").write_text("id,name,jurisdiction,lon,lat,turnout_min\nD1,Reserve,LX,117.05,36.66,30\n",
                                            encoding="utf-8")
    (mini_folder / "stocks.csv").write_text("id,depot,material,quantity,unit,unit_price,expires\n"
                                            "K1,D1,foam_concentrate,1200,L,18.5,2027-01-01\n", encoding="utf-8")
    first = read_scenario(mini_folder)
    assert first.counts()["people"] == 2 and first.counts()["shifts"] == 2 and first.counts()["stocks"] == 1
    person = first.by_id("people")["P1"]
    assert person.qualifications[1].kind == "driving_b2" and person.qualifications[1].issuer == ""  # type: ignore[attr-defined]
    again = read_scenario(write_scenario(first, tmp_path / "out"))
    assert again == first


@pytest.mark.parametrize(("records", "message", "field"), [
    ({"stocks": [{"id": "K1", "depot": "D1", "material": "sandbags", "quantity": 10, "unit": "bag"},
                 {"id": "K2", "depot": "D1", "material": "sandbags", "quantity": 10, "unit": "t"}]},
     "stocks K2: unit: sandbags is counted in 'bag'", "unit"),
    ({"stocks": [{"id": "K1", "depot": "D9", "material": "sandbags", "quantity": 10, "unit": "bag"}]},
     "stocks K1: depot: 'D9' does not exist", "depot"),
])
def test_stock_units_and_depots_are_checked_across_records(records, message, field):
    base = read_scenario(MINI)
    depot = {"id": "D1", "name": "Reserve", "jurisdiction": "LX", "lon": 117.05, "lat": 36.66}
    grouped = {kind: list(base.records(kind)) for kind in ("jurisdictions", "bases", "teams")}
    grouped["depots"] = [parse_record(RECORD_TYPES["depots"], depot)]
    grouped["stocks"] = [parse_record(RECORD_TYPES["stocks"], r) for r in records["stocks"]]
    with pytest.raises(InputError, match=message) as caught:
        Scenario.build("m", base.meta, grouped)
    assert caught.value.field == field


# ----------------------------------------------------------------------------------------------------
# Bad rows through the API import: file, line and field; nothing stored


@pytest.mark.parametrize(("kind", "text", "where", "field", "words"), [
    ("people", PEOPLE_CSV + "P3,T9,Wang Fang,,member,2,,\n", "people.csv line 4", "team", "'T9' does not exist"),
    ("people", PEOPLE_CSV + "P3,T1,Wang Fang,,member,2,hazchem|x|1|2025-01-01|2024-01-01,\n", "people.csv line 4",
     "qualifications", "expiry 2024-01-01 is before issue 2025-01-01"),
    ("equipment", "id,kind,quantity,base,asset_number\nE7,pump,1,B1,AS-1\nE8,pump,1,B1,AS-1\n", "equipment.csv line 3",
     "asset_number", "'AS-1' is also the asset number of equipment E7"),
    ("equipment", "id,kind,quantity,base,asset_number\nE7,pump,1,B1,E-01\nE8,pump,1,B1,E-02\n"
                  "E9,pump,1,B1,E-03,\n", "equipment.csv line 4", "row", "more cells than header"),
])
def test_bad_rows_are_refused_with_file_line_and_field_and_nothing_is_stored(client, users, kind, text, where, field,
                                                                             words):
    headers = basic("planner", users["planner"])
    before = stored_ids(client, headers, kind)
    answer = upload(client, headers, kind, text, f"{kind}.csv")
    assert answer.status_code == 400
    body = answer.get_json()
    if "rows" in body:
        bad = [row for row in body["rows"] if row["error"]]
        assert bad and bad[0]["where"] == where and bad[0]["field"] == field and words in bad[0]["error"]
        assert bad[0]["error"].startswith(where)
        assert body["written"] is False
    else:
        assert body["error"]["message"].startswith(where) and words in body["error"]["message"]
    assert stored_ids(client, headers, kind) == before


def test_a_roster_with_overlapping_shifts_is_refused_and_nothing_is_stored(client, users):
    headers = basic("planner", users["planner"])
    assert upload(client, headers, "people", PEOPLE_CSV, "people.csv").status_code == 200
    answer = upload(client, headers, "shifts", SHIFTS_CSV + "S3,T1,duty,P1,2026-07-02T20:00,12,24\n", "shifts.csv")
    assert answer.status_code == 400
    bad = [row for row in answer.get_json()["rows"] if row["error"]]
    assert [row["where"] for row in bad] == ["shifts.csv line 4"] and bad[0]["field"] == "people"
    assert "P1 is on duty in shift S1 too at 2026-07-04 20:00" in bad[0]["error"]
    assert stored_ids(client, headers, "shifts") == []


def test_negative_stock_is_refused_by_the_api_record_door_too(client, users):
    headers = basic("planner", users["planner"])
    depot = {"id": "D1", "name": "Reserve", "jurisdiction": "LX", "lon": 117.05, "lat": 36.66}
    assert client.post("/api/v1/scenarios/mini/records/depots", headers=headers, json=depot).status_code == 201
    answer = client.post("/api/v1/scenarios/mini/records/stocks", headers=headers,
                         json={"id": "K1", "depot": "D1", "material": "foam_concentrate", "quantity": -5, "unit": "L"})
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "quantity"
    stocks = "id,depot,material,quantity,unit\nK1,D1,foam_concentrate,100,L\nK2,D1,foam_concentrate,-1,L\n"
    bad = upload(client, headers, "stocks", stocks, "stocks.csv").get_json()
    assert [(r["where"], r["field"]) for r in bad["rows"] if r["error"]] == [("stocks.csv line 3", "quantity")]
    assert stored_ids(client, headers, "stocks") == []


def test_inventory_page_import_shows_the_bad_row_with_its_line(client, auth):
    auth.login("planner")
    page = client.post("/inventory/people/import?scenario=mini",
                       data={"file": (BytesIO((PEOPLE_CSV + "P3,T9,Wang Fang,,member,2,,\n").encode()), "people.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "people.csv line 4" in html and "does not exist" in html


# ----------------------------------------------------------------------------------------------------
# Personal data by role


@pytest.mark.parametrize(("role", "personal"), [("viewer", False), ("dispatcher", False), ("planner", True),
                                                ("admin", True)])
def test_only_planners_and_admins_see_names_and_phone_numbers(client, users, role, personal):
    assert upload(client, basic("planner", users["planner"]), "people", PEOPLE_CSV, "people.csv").status_code == 200
    headers = basic(role, users[role])
    listing = client.get("/api/v1/scenarios/mini/records/people", headers=headers).get_json()["records"]
    one = client.get("/api/v1/scenarios/mini/records/people/P1", headers=headers).get_json()["data"]
    audit = client.get("/api/v1/audit?scenario=mini", headers=headers).get_json()["entries"]
    exported = client.get("/api/v1/scenarios/mini/export/people", headers=headers)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = json.dumps([listing, one, audit, exported.get_data(as_text=True)], ensure_ascii=False)
    for secret in ("Zhang Wei", "张伟", "13800000001", "JN-001"):
        assert (secret in text) == personal, secret
    assert [r["data"]["role"] for r in listing] == ["squad_leader", "member"]  # counts and roles for everyone
    assert [q["kind"] for q in one["qualifications"]] == ["firefighting", "driving_b2"]


@pytest.mark.parametrize(("role", "personal"), [("viewer", False), ("dispatcher", False), ("planner", True)])
def test_inventory_and_audit_pages_hide_personal_data_by_role(client, users, auth, role, personal):
    assert upload(client, basic("planner", users["planner"]), "people", PEOPLE_CSV, "people.csv").status_code == 200
    auth.login(role)
    pages = client.get("/inventory/?scenario=mini&kind=people").get_data(as_text=True)
    pages += client.get("/audit?scenario=mini").get_data(as_text=True)
    pages += client.get("/inventory/people/export.csv?scenario=mini").get_data(as_text=True)
    assert ("Zhang Wei" in pages) == personal and ("13800000001" in pages) == personal
    assert "squad_leader" in pages or "小队长" in pages


def test_an_exported_csv_imports_back_unchanged(client, users):
    planner = basic("planner", users["planner"])
    for kind, text in (("people", PEOPLE_CSV), ("shifts", SHIFTS_CSV)):
        assert upload(client, planner, kind, text, f"{kind}.csv").status_code == 200
        before = client.get(f"/api/v1/scenarios/mini/records/{kind}", headers=planner).get_json()["records"]
        exported = client.get(f"/api/v1/scenarios/mini/export/{kind}", headers=planner).get_data(as_text=True)
        again = upload(client, planner, kind, exported.lstrip("\ufeff"), f"{kind}.csv").get_json()
        assert again["ok"] and again["created"] == 0 and again["updated"] == len(before)
        after = client.get(f"/api/v1/scenarios/mini/records/{kind}", headers=planner).get_json()["records"]
        assert [r["data"] for r in after] == [r["data"] for r in before]


# ----------------------------------------------------------------------------------------------------
# The CLI door


def test_cli_import_refuses_a_bad_row_with_exit_2_and_stores_nothing(cli_env: Path):
    env = {"DATABASE_URL": f"sqlite:///{cli_env / 'cli.sqlite'}", "PLANNER_INSTANCE": str(cli_env), "PATH": ""}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "planner", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=False)

    assert cli("scenario", "load", str(MINI)).returncode == 0
    bad = cli_env / "people.csv"
    bad.write_text(PEOPLE_CSV + "P3,T1,Wang Fang,,member,2,hazchem|x|1|2025-01-01|2024-01-01,\n", encoding="utf-8")
    refused = cli("scenario", "import", "mini", "people", str(bad))
    assert refused.returncode == 2
    assert "people.csv line 4" in refused.stdout and "qualifications" in refused.stdout
    assert "nothing was written" in refused.stderr
    good = cli_env / "people-ok.csv"
    good.write_text(PEOPLE_CSV, encoding="utf-8")
    stored = cli("scenario", "import", "mini", "people", str(good), "--json")
    assert stored.returncode == 0 and json.loads(stored.stdout)["created"] == 2
