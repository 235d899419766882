"""Time: one clock that tests can set, every scenario in its own zone, stored times aware, shown times labelled."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from planner import clock
from planner.cli import main
from planner.errors import InputError
from planner.scenario.files import read_scenario
from tests.conftest import load_jinan

SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")
EVENING_UTC = dt.datetime(2026, 7, 19, 20, 0, tzinfo=dt.UTC)
"""20:00 UTC on 19 July: already 20 July (04:00) in Shanghai, still 19 July (22:00) in Berlin."""
CAP = Path(__file__).resolve().parent / "fixtures" / "cap"


def test_the_clock_is_set_by_the_environment_or_a_test(monkeypatch, fixed_clock) -> None:
    monkeypatch.setenv("PLANNER_CLOCK", "2026-07-20T04:00:00+08:00")
    assert clock.now() == EVENING_UTC and clock.now().tzinfo is dt.UTC
    assert clock.today(SHANGHAI) == dt.date(2026, 7, 20) and clock.today(BERLIN) == dt.date(2026, 7, 19)
    fixed_clock(dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC))  # a test's setting wins over the environment
    assert clock.now().year == 2030
    fixed_clock(None)
    assert clock.now() == EVENING_UTC
    monkeypatch.setenv("PLANNER_CLOCK", "2026-07-20T04:00:00")
    with pytest.raises(InputError, match="needs a time zone") as caught:
        clock.now()
    assert caught.value.field == "PLANNER_CLOCK"
    monkeypatch.delenv("PLANNER_CLOCK")
    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)  # unset: it runs
    with pytest.raises(ValueError, match="aware"):
        clock.set_now(dt.datetime(2026, 1, 1))


def test_times_are_shown_in_the_zone_and_labelled() -> None:
    assert clock.shown(dt.datetime(2026, 7, 20, 7, tzinfo=dt.UTC), BERLIN) == "2026-07-20 09:00 +02:00 (Europe/Berlin)"
    assert clock.shown(dt.datetime(2026, 1, 20, 7, tzinfo=dt.UTC), BERLIN) == "2026-01-20 08:00 +01:00 (Europe/Berlin)"
    assert clock.shown(EVENING_UTC, SHANGHAI) == "2026-07-20 04:00 +08:00 (Asia/Shanghai)"
    assert clock.shown(dt.datetime(2026, 7, 19, 20), SHANGHAI).startswith("2026-07-20 04:00")  # naive = UTC (SQLite)
    assert clock.at_local(dt.date(2026, 4, 8), dt.time(9), BERLIN).isoformat() == "2026-04-08T09:00:00+02:00"


def test_a_time_given_without_an_offset_is_the_scenario_s_wall_clock_time() -> None:
    assert clock.local_moment("2026-04-08T09:00", BERLIN, "start").isoformat() == "2026-04-08T09:00:00+02:00"
    assert clock.local_moment("2026-04-08T09:00", SHANGHAI, "start").isoformat() == "2026-04-08T09:00:00+08:00"
    assert clock.local_moment("2026-04-08T01:00Z", SHANGHAI, "start") == dt.datetime(2026, 4, 8, 1, tzinfo=dt.UTC)
    assert clock.wall_clock(EVENING_UTC, BERLIN) is EVENING_UTC  # an offset given is kept
    with pytest.raises(InputError, match="start must be an ISO date-time") as caught:
        clock.local_moment("tomorrow", SHANGHAI, "start")
    assert caught.value.field == "start"


def test_a_scenario_names_its_zone_defaults_to_shanghai_and_a_bad_one_is_refused(mini_folder) -> None:
    assert read_scenario(mini_folder).zone == SHANGHAI
    meta = yaml.safe_load((mini_folder / "scenario.yaml").read_text(encoding="utf-8"))
    del meta["timezone"]
    (mini_folder / "scenario.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    assert read_scenario(mini_folder).zone == SHANGHAI  # a folder from before the field
    (mini_folder / "scenario.yaml").write_text(yaml.safe_dump({**meta, "timezone": "Europe/Berlin"}), encoding="utf-8")
    assert read_scenario(mini_folder).zone == BERLIN
    (mini_folder / "scenario.yaml").write_text(yaml.safe_dump({**meta, "timezone": "Beijing"}), encoding="utf-8")
    with pytest.raises(InputError, match="'Beijing' is not an IANA zone name") as caught:
        read_scenario(mini_folder)
    assert caught.value.field == "timezone"


@pytest.fixture
def berlin(app, mini_folder) -> str:
    """A second scenario, ``mini-berlin``: the mini records in the Europe/Berlin zone."""
    meta = yaml.safe_load((mini_folder / "scenario.yaml").read_text(encoding="utf-8"))
    meta.update(name="mini-berlin", timezone="Europe/Berlin")
    (mini_folder / "scenario.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    app.extensions["planner_store"].save_scenario(read_scenario(mini_folder))
    return "mini-berlin"


def test_pages_and_api_use_each_scenario_zone_and_the_clock(client, auth, berlin, fixed_clock) -> None:
    fixed_clock(EVENING_UTC)
    auth.login("planner")
    assert client.get("/api/v1/scenarios/mini/actions").get_json()["today"] == "2026-07-20"
    assert client.get(f"/api/v1/scenarios/{berlin}/actions").get_json()["today"] == "2026-07-19"
    assert client.get("/api/v1/scenarios/mini/critical-periods").get_json()["date"] == "2026-07-20"
    for name in ("mini", berlin):  # one edit each, at the same moment
        team = client.get(f"/api/v1/scenarios/{name}/records/teams/T1").get_json()
        assert client.put(f"/api/v1/scenarios/{name}/records/teams/T1", json={
            "data": {**team["data"], "name": "Renamed"}, "version": team["version"]}).status_code == 200
    page = client.get("/audit").get_data(as_text=True)
    assert "2026年7月19日 22:00 +02:00 (Europe/Berlin)" in page  # the Berlin edit, in Berlin time (zh_CN page)
    assert "2026年7月20日 04:00 +08:00 (Asia/Shanghai)" in page  # the mini edit, in Shanghai time
    assert "toLocaleString" not in page  # no time left to the browser's own zone


def test_the_posture_api_refuses_an_expired_alert_by_the_clock(client, auth, fixed_clock) -> None:
    load_jinan(client.application.extensions["planner_store"])
    auth.login("planner")
    cap = (CAP / "red-rainstorm-licheng.xml").read_text(encoding="utf-8")
    fixed_clock(dt.datetime(2027, 7, 20, tzinfo=dt.UTC))
    refused = client.post("/api/v1/scenarios/jinan/posture", json={"cap": cap})
    assert refused.status_code == 400 and "expired" in refused.get_json()["error"]["message"]
    fixed_clock(dt.datetime.fromisoformat("2026-07-20T06:30:00+08:00"))
    answered = client.post("/api/v1/scenarios/jinan/posture", json={"cap": cap, "time_limit_s": 5})
    assert answered.status_code == 200 and answered.get_json()["periods"] == ["flood season"]


def test_the_cli_takes_today_from_the_clock_in_the_scenario_zone(cli_env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PLANNER_CLOCK", EVENING_UTC.isoformat())
    args = ["drills", "design", "--scenario", "shanxi-coal", "--template", "mine-flooding", "--site", "mine-M0335"]
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["start"] == "2026-07-20T09:00:00+08:00"  # today there, 09:00
    assert main(args) == 0
    assert "alarm 2026-07-20 09:00 +08:00 (Asia/Shanghai)" in capsys.readouterr().out
    assert main([*args, "--start", "2026-04-08T03:00:00Z"]) == 0  # another offset: shown in the scenario's zone
    out = capsys.readouterr().out
    assert "alarm 2026-04-08 11:00 +08:00 (Asia/Shanghai)" in out and "time (Asia/Shanghai)" in out
