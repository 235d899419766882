"""The one availability function: people on duty by the roster, strength rules, certificates, upkeep, typing.

Hand-made teams on the mini scenario, each case worked out by hand from the rules' numbers (a hazchem
squad needs 6 people on duty, 4 of them holding a valid hazchem certificate; R-TEAM-MINE a squad of 9).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planner import clock
from planner.availability import availability, default_rules, parse_rules
from planner.cli import main
from planner.coverage.available import coverage_now
from planner.coverage.whatif import Plan, what_if
from planner.dispatch.requests import incident_library, parse_incident_request
from planner.dispatch.scenario import availability_summary, dispatch_scenario
from planner.errors import InputError
from planner.model.records import RECORD_TYPES, parse_record
from planner.roads.day import on_the_day
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from tests.conftest import MINI, ROOT

ZONE = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 7, 1, 9, 0, tzinfo=ZONE)


def person(pid: str, team: str = "T2", role: str = "member", certificates: tuple[tuple[str, str], ...] = ()) -> dict:
    return {"id": pid, "team": team, "name": f"Person {pid}", "role": role,
            "qualifications": [{"kind": kind, "issued": "2020-01-01", "expires": expires}
                               for kind, expires in certificates]}


def with_records(base: Scenario, **extra: list[dict[str, Any]]) -> Scenario:
    """The scenario with records added (or replaced by id) of each kind."""
    grouped = {kind: {r.id: r for r in base.records(kind)} for kind in RECORD_TYPES}
    for kind, rows in extra.items():
        for row in rows:
            grouped[kind][row["id"]] = parse_record(RECORD_TYPES[kind], row)
    return Scenario.build(base.name, base.meta, {k: list(v.values()) for k, v in grouped.items()}, base.agreements)


def hazchem_team(holders: int, people: int = 8, expires: str = "2030-01-01") -> list[dict]:
    return [person(f"H{i}", certificates=(("hazchem", expires),) if i < holders else ()) for i in range(people)]


@pytest.fixture
def mini() -> Scenario:
    return read_scenario(MINI)


@pytest.fixture
def fixed_clock() -> Iterator[None]:
    clock.set_now(AT)
    yield
    clock.set_now(None)


def test_a_team_contributes_only_the_squads_its_people_on_duty_can_staff(mini):
    scenario = with_records(mini, people=hazchem_team(holders=6, people=8))
    team = availability(scenario, AT).team("T2")
    # 8 on duty // 6 per squad = 1; 6 holders // 4 per squad = 1; declared 3.
    assert team.on_duty == 8 and team.qualifications == {"hazchem": 6}
    assert team.capabilities["hazchem_squad"] == 1 and team.nominal["hazchem_squad"] == 3
    flag = next(f for f in team.flags if f.rule == "R-STRENGTH-HAZCHEM")
    assert "can staff 1 of 3 hazchem_squad" in flag.message and "8 on duty, 6 per unit" in flag.message
    assert flag.source == next(r.source for r in default_rules().strength if r.id == "R-STRENGTH-HAZCHEM")
    assert team.capabilities["gas_detection"] == team.nominal["gas_detection"]  # no rule: counts while anyone is on


def test_a_certificate_that_expired_yesterday_does_not_count(mini, fixed_clock):
    yesterday = (clock.today(mini.zone) - dt.timedelta(days=1)).isoformat()
    today = clock.today(mini.zone).isoformat()
    # 6 on duty, 4 hazchem holders needed per squad; one of the 4 certificates expired yesterday.
    expired = hazchem_team(holders=4, people=6)
    expired[0]["qualifications"][0]["expires"] = yesterday
    team = availability(with_records(mini, people=expired), clock.now()).team("T2")
    assert team.qualifications.get("hazchem") == 3 and team.capabilities["hazchem_squad"] == 0
    assert "3 holding a valid hazchem, 4 per unit" in " ".join(f.message for f in team.flags)
    assert team.not_responding  # nothing it declares can be staffed: coverage leaves it out
    expired[0]["qualifications"][0]["expires"] = today  # valid through its last day
    team = availability(with_records(mini, people=expired), clock.now()).team("T2")
    assert team.qualifications.get("hazchem") == 4 and team.capabilities["hazchem_squad"] == 1


def test_the_roster_decides_who_is_on_duty_and_leave_removes_people(mini):
    people = hazchem_team(holders=12, people=12)
    groups = [[p["id"] for p in people[i * 6:(i + 1) * 6]] for i in range(2)]
    shifts = [{"id": "A", "team": "T2", "people": groups[0], "starts": "2026-07-01T08:00", "hours": 24, "every_h": 48},
              {"id": "B", "team": "T2", "people": groups[1], "starts": "2026-07-02T08:00", "hours": 24, "every_h": 48},
              {"id": "L", "team": "T2", "kind": "leave", "people": ["H7"], "starts": "2026-07-02T00:00", "hours": 72}]
    scenario = with_records(mini, people=people, shifts=shifts)
    first = availability(scenario, AT).team("T2")
    assert first.on_duty == 6 and first.capabilities["hazchem_squad"] == 1
    second = availability(scenario, dt.datetime(2026, 7, 2, 9, 0)).team("T2")  # wall clock in the scenario's zone
    assert second.on_duty == 5 and second.capabilities["hazchem_squad"] == 0  # group B less H7 on leave
    assert any(f.rule == "roster" and "1 on leave" in f.message for f in second.flags)
    third = availability(scenario, dt.datetime(2026, 7, 3, 9, 0)).team("T2")
    assert third.on_duty == 6  # group A again


def test_equipment_in_maintenance_counts_for_nothing(mini):
    base = availability(mini, AT).team("T2")
    scenario = with_records(mini, equipment=[{"id": "E2", "kind": "gas_detector", "name": "Multi-gas detector",
                                              "quantity": 6, "capabilities": ["gas_detection", "light"], "team": "T2",
                                              "status": "maintenance"}])
    down = availability(scenario, AT).team("T2")
    assert base.nominal["gas_detection"] == 2 + 6 and down.nominal["gas_detection"] == 2
    assert "light" not in down.nominal
    assert any(f.rule == "upkeep" and "E2 (gas_detector x6, maintenance)" in f.message for f in down.flags)


def test_a_team_declared_above_what_it_meets_is_shown_at_the_type_it_meets(mini):
    team_row = mini.by_id("teams")["T2"].model_dump(mode="json") | {"resource_type": 1}
    scenario = with_records(mini, teams=[team_row], people=hazchem_team(holders=8, people=8))
    team = availability(scenario, AT).team("T2")
    # Type 1 needs 18 people and 3 squads, Type 2 needs 6 people, 1 squad and 4 holders: met.
    assert team.declared_type == 1 and team.met_type == 2
    flag = next(f for f in team.flags if f.rule == "R-TYPING")
    assert "declared Type 1, meets Type 2" in flag.message and "8 on duty < 18" in flag.message


def test_a_team_without_people_keeps_its_nominal_strength_flagged_unchecked(mini):
    team = availability(mini, AT).team("T1")
    assert team.on_duty is None and team.capabilities == team.nominal
    assert any(f.rule == "personnel" for f in team.flags)
    assert availability(mini, AT).team("T3").not_responding == "drilling"


def test_rules_are_data_validated_with_the_field_named():
    with pytest.raises(InputError, match="people: must be greater than or equal to 0"):
        parse_rules({"strength": [{"id": "X", "capability": "c", "people": -1, "source": "s"}]})
    with pytest.raises(InputError, match="give people, qualified, roles, equipment or min_units"):
        parse_rules({"strength": [{"id": "X", "capability": "c", "source": "s"}]})
    with pytest.raises(InputError, match="source"):
        parse_rules({"strength": [{"id": "X", "capability": "c", "people": 9}]})


def test_stricter_rules_from_the_scenario_settings_apply(mini):
    rules = parse_rules({"strength": [{"id": "LOCAL", "capability": "hazchem_squad", "people": 4, "source": "local"}]})
    team = availability(with_records(mini, people=hazchem_team(holders=0, people=8)), AT, rules).team("T2")
    assert team.capabilities["hazchem_squad"] == 2  # 8 // 4, no certificate rule in these rules


# ----------------------------------------------------------------------------------------------------
# The API and the CLI give the same answer


def test_api_and_cli_answer_the_same(client, users, cli_env: Path, tmp_path: Path):
    headers = {"Authorization": "Basic " + base64.b64encode(b"viewer:" + users["viewer"].encode()).decode()}
    answer = client.get("/api/v1/scenarios/mini/availability?at=2026-07-01T09:00", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["at"] == "2026-07-01T09:00:00+08:00" and [t["id"] for t in body["teams"]] == ["T1", "T2", "T3"]
    clock.set_now(AT)
    try:
        now = client.get("/api/v1/scenarios/mini/availability", headers=headers).get_json()
    finally:
        clock.set_now(None)
    assert now["at"] == "2026-07-01T09:00:00+08:00"  # the product's clock when no time is given
    bad = client.get("/api/v1/scenarios/mini/availability?at=yesterday", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "at"
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "PLANNER_INSTANCE": str(tmp_path), "PATH": ""}
    run = subprocess.run([sys.executable, "-m", "planner", "availability", "--scenario", str(MINI), "--at",
                          "2026-07-01T09:00", "--json"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    printed = json.loads(run.stdout)
    assert printed["teams"] == body["teams"] and printed["at"] == body["at"]


# ----------------------------------------------------------------------------------------------------
# Dispatch and coverage at a time


def fire_crew(count: int) -> list[dict]:
    return [person(f"F{i}", team="T1", role="squad_leader" if i == 0 else "member",
                   certificates=(("firefighting", "2030-01-01"),)) for i in range(count)]


def test_dispatch_at_a_time_sends_what_the_people_on_duty_can_staff_and_says_why(mini):
    scenario = with_records(mini, people=fire_crew(8))
    request = parse_incident_request({"lon": 117.06, "lat": 36.665, "requirements": [
        {"capability": "fire_squad", "quantity": 3, "deadline_min": 30}]}, 0, incident_library())
    nominal = dispatch_scenario(scenario, [request])
    assert nominal.optimal.assignment_map() == {"T1": "I1"} and not nominal.optimal.shortfall
    run = dispatch_scenario(scenario, [request], available=availability(scenario, AT))
    # 8 firefighters on duty staff 8 // 4 = 2 of T1's 3 fire squads; nobody else has fire squads.
    assert run.optimal.assignment_map() == {"T1": "I1"}
    assert [(s.capability, s.missing) for s in run.optimal.shortfall] == [("fire_squad", 1)]
    summary = availability_summary(run)
    assert summary is not None and summary["at"] == AT.isoformat()
    assert summary["units"]["T1"]["people"] == 8 and summary["units"]["T1"]["qualifications"] == {"firefighting": 8}
    (first, *_) = summary["held_back"]
    assert first["team"] == "T1"
    assert first["capabilities"] == {"fire_squad": 2} and first["nominal"] == {"fire_squad": 3}
    assert any(f["rule"] == "R-STRENGTH-FIRE" and "8 on duty, 4 per unit" in f["message"] for f in first["flags"])


def test_a_lent_team_is_paid_for_the_people_it_sends(mini):
    scenario = with_records(mini, people=hazchem_team(holders=6, people=7))
    request = parse_incident_request({"lon": 117.06, "lat": 36.665, "requirements": [
        {"capability": "hazchem_squad", "quantity": 1, "deadline_min": 60}]}, 0, incident_library())
    run = dispatch_scenario(scenario, [request], available=availability(scenario, AT))
    assert run.optimal.assignment_map() == {"T2": "I1"}  # lent by TQ under agreement A1
    labour = [line for line in run.ledger["lines"] if line["line"] == "labour"]
    assert [(line["unit"], line["quantity"]) for line in labour] == [("T2", 7.0)]  # not its 30 members
    nominal = dispatch_scenario(scenario, [request])
    assert [line["quantity"] for line in nominal.ledger["lines"] if line["line"] == "labour"] == [30.0]


def test_cli_dispatch_at_prints_what_units_bring(mini_folder: Path, tmp_path: Path):
    rows = fire_crew(8)
    lines = ["id,team,name,role,qualifications"] + [
        f"{p['id']},T1,{p['name']},{p['role']},firefighting|||2020-01-01|2030-01-01" for p in rows]
    (mini_folder / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "PLANNER_INSTANCE": str(tmp_path), "PATH": ""}
    run = subprocess.run([sys.executable, "-m", "planner", "dispatch", "--scenario", str(mini_folder), "--incident",
                          "117.05,36.66,high-rise-fire", "--at", "2026-07-01T09:00", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    printed = json.loads(run.stdout)
    assert printed["availability"]["units"]["T1"]["people"] == 8
    assert printed["availability"]["held_back"][0]["team"] == "T1"
    refused = subprocess.run([sys.executable, "-m", "planner", "dispatch", "--scenario", str(mini_folder),
                              "--incident", "117.05,36.66,high-rise-fire", "--at", "soon"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=False)
    assert refused.returncode == 2 and "at must be an ISO date-time" in refused.stderr


def test_coverage_now_leaves_out_who_cannot_answer_and_names_what_is_lost(mini):
    shifts = [{"id": "N", "team": "T2", "people": [f"H{i}" for i in range(8)], "starts": "2026-07-01T20:00",
               "hours": 12, "every_h": 24}]  # night shift only
    scenario = with_records(mini, people=hazchem_team(holders=8, people=8), shifts=shifts)
    day = coverage_now(scenario, availability(scenario, AT))  # 09:00: nobody on duty
    assert day.out["T2"] == "nobody on duty"
    assert ("S1", "hazchem-30") in day.lost
    assert day.nominal.result("S1", "hazchem-30").passed and not day.now.result("S1", "hazchem-30").passed
    night = coverage_now(scenario, availability(scenario, dt.datetime(2026, 7, 1, 22, 0)))
    assert "T2" not in night.out and night.lost == ()
    assert night.to_dict()["nominal"]["hazchem-30"]["passing"] == day.nominal.standard("hazchem-30").passing


def test_dispatch_and_coverage_api_take_a_time(client, users):
    planner_headers = {"Authorization": "Basic " + base64.b64encode(b"planner:" + users["planner"].encode()).decode()}
    people = "id,team,name,role,qualifications\n" + "".join(
        f"F{i},T1,Person F{i},member,firefighting|||2020-01-01|2030-01-01\n" for i in range(8))
    assert client.post("/api/v1/scenarios/mini/import/people?filename=people.csv", data=people.encode(),
                       headers={**planner_headers, "Content-Type": "text/plain"}).status_code == 200
    headers = {"Authorization": "Basic " + base64.b64encode(b"dispatcher:" + users["dispatcher"].encode()).decode()}
    body = {"incidents": [{"lon": 117.05, "lat": 36.66, "requirements": [
        {"capability": "fire_squad", "quantity": 3, "deadline_min": 30}]}], "at": "2026-07-01T09:00"}
    answer = client.post("/api/v1/scenarios/mini/dispatch", json=body, headers=headers).get_json()
    (sent,) = answer["optimal"]["assignments"]
    assert sent["unit"] == "T1" and sent["brings"] == {"people": 8, "roles": {"member": 8},
                                                       "qualifications": {"firefighting": 8},
                                                       "capabilities": {"fire_squad": 2}}
    assert answer["availability"]["held_back"][0]["team"] == "T1"
    assert "Person F0" not in json.dumps(answer)  # a dispatcher sees counts and roles, never names
    nominal = client.post("/api/v1/scenarios/mini/dispatch", json={**body, "at": None}, headers=headers).get_json()
    assert nominal["availability"] is None and not nominal["optimal"]["shortfall"]
    bad = client.post("/api/v1/scenarios/mini/dispatch", json={**body, "at": "tonight"}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "at"
    now = client.get("/api/v1/scenarios/mini/coverage?at=2026-07-01T09:00", headers=headers).get_json()
    assert now["basis"] == "available" and now["at"] == "2026-07-01T09:00:00+08:00"
    assert set(now["nominal"]) == {"fire-5", "hazchem-30"}
    # The what-if at the same moment starts from that coverage now: the same teams out, the same roads.
    plan = {"close_bases": ["B1"], "at": "2026-07-01T09:00"}
    at_nine = client.post("/api/v1/scenarios/mini/coverage/whatif", json=plan, headers=planner_headers).get_json()
    assert "cannot answer" in at_nine["changes"][0]
    assert {s["standard"]: s["passing_before"] for s in at_nine["standards"]} == \
        {s["standard"]: s["passing"] for s in now["standards"]}
    plain = client.post("/api/v1/scenarios/mini/coverage/whatif", json={"close_bases": ["B1"]},
                        headers=planner_headers).get_json()
    assert not any("cannot answer" in c for c in plain["changes"])


NIGHT_ONLY = [{"id": "N", "team": "T2", "people": [f"H{i}" for i in range(8)], "starts": "2026-07-01T20:00",
               "hours": 12, "every_h": 24}]


def test_a_what_if_at_a_time_leaves_out_who_cannot_answer_then_before_and_after(mini):
    """``at`` is one moment for coverage, what-if and dispatch: its teams on duty and its roads (on_the_day)."""
    scenario = with_records(mini, people=hazchem_team(holders=8, people=8), shifts=NIGHT_ONLY)
    day = on_the_day(scenario, {}, at="2026-07-01T09:00")
    # 09:00: the night shift is off; T3 is at a drill (its status) whatever the time
    assert day.at == AT and day.out == {"T2": "nobody on duty", "T3": "drilling"}
    assert day.roads is not None and day.roads.at == "2026-07-01T09:00+08:00" and day.roads.band is None
    now = coverage_now(scenario, availability(scenario, AT))
    result = what_if(scenario, Plan(close_bases=("B3",)), roads=day.roads, unavailable=day.out)
    # The before is coverage now (T2 out), not nominal coverage: S1 fails hazchem-30 before and after.
    assert [(r.site, r.standard, r.passed) for r in result.before.sites] == \
        [(r.site, r.standard, r.passed) for r in now.now.sites]
    assert not result.before.result("S1", "hazchem-30").passed and not result.after.result("S1", "hazchem-30").passed
    assert result.changes[0].startswith("2 team(s) cannot answer") and "T2" in result.changes[0]
    night = on_the_day(scenario, {}, at="2026-07-01T22:00")
    assert night.out == {"T3": "drilling"}
    assert what_if(scenario, Plan(close_bases=("B3",)), unavailable=night.out).before.result("S1", "hazchem-30").passed
    with pytest.raises(InputError) as bad:
        on_the_day(scenario, {}, at="tonight")
    assert bad.value.field == "at"


def test_cli_what_if_at_a_time_is_coverage_now_with_the_plan(mini_folder: Path, cli_env: Path,
                                                             capsys: pytest.CaptureFixture[str]):
    lines = ["id,team,name,role,qualifications"] + [
        f"H{i},T2,Person H{i},member,hazchem|||2020-01-01|2030-01-01" for i in range(8)]
    (mini_folder / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (mini_folder / "shifts.csv").write_text("id,team,kind,people,starts,hours,every_h\n"
                                            "N,T2,duty," + ";".join(f"H{i}" for i in range(8))
                                            + ",2026-07-01T20:00,12,24\n", encoding="utf-8")
    args = ["coverage", "--scenario", str(mini_folder), "--at", "2026-07-01T09:00", "--json"]
    assert main(args) == 0
    now = json.loads(capsys.readouterr().out)
    assert now["not_answering"] == {"T2": "nobody on duty", "T3": "drilling"}
    assert main([*args, "--close-base", "B3"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert "T2" in plan["changes"][0]
    passing_now = {s["standard"]: s["passing"] for s in now["standards"]}
    assert {s["standard"]: s["passing_before"] for s in plan["standards"]} == passing_now
