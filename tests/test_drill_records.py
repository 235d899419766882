"""Store-backed drill records: programmes, designs, simulations, evaluations and corrective actions."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from planner.cli import main
from planner.drills import records
from planner.drills.improvement import CorrectiveAction
from planner.errors import InputError, NotFoundError
from planner.scenario.files import read_scenario
from planner.store.database import ConflictError, Store
from tests.conftest import MINI, load_jinan

PROGRAMME = {
    "year": 2026, "status": "optimal", "seconds": 1.2, "timezone": "Asia/Shanghai", "settings": {},
    "organisations": [], "plans": [{"id": "P1", "name": "plan one", "kind": "onsite"}],
    "drills": [{"id": "P1-H1", "date": "2026-04-08", "form": "field", "scope": "single", "scenario": "mine-flooding",
                "plans": ["P1"], "teams": ["T1"], "site": "S1", "owner": "org", "satisfies": ["R-DRILL-2 P1 H1"]}],
    "blackouts": [{"name": "Spring Festival", "start": "2026-02-12", "end": "2026-02-25", "applies_to": "all",
                   "source": ""}],
    "flood_season": {"start": "2026-06-01", "end": "2026-09-30"}, "unmet": [], "coverage_gaps": [], "goals": [],
}
DESIGN = {"template": "mine-flooding", "site": "S1", "start": "2026-04-08T09:00:00", "objectives": [],
          "participants": ["T1"], "expected_dispatch": [{"team": "T1", "arrival_min": 12.5, "capabilities": {}}],
          "shortfall": [], "dispatch_status": "optimal",
          "msel": [{"time": "2026-04-08T09:00:00", "at_min": 0, "inject": "I1", "title": "a", "message": "",
                    "expected_actions": [], "evaluator_notes": "", "objective": None},
                   {"time": "2026-04-08T09:20:00", "at_min": 20, "inject": "I2", "title": "b", "message": "",
                    "expected_actions": [], "evaluator_notes": "", "objective": None}]}


@pytest.fixture
def mini_store(store):
    store.save_scenario(read_scenario(MINI))
    return store


def test_programme_round_trip_and_version_conflict(mini_store) -> None:
    assert records.save_programme(mini_store, "mini", PROGRAMME) == 1
    data, version = records.get_programme(mini_store, "mini", 2026)
    assert data == PROGRAMME and version == 1
    with pytest.raises(ConflictError):  # a second planner re-plans without the version they saw
        records.save_programme(mini_store, "mini", PROGRAMME)
    assert records.save_programme(mini_store, "mini", PROGRAMME, expected_version=1) == 2
    assert records.programme_years(mini_store, "mini")[0] == {"year": 2026, "version": 2, "status": "optimal",
                                                              "drills": 1, "unmet": 0}
    programme = records.parse_programme(data)
    assert programme.drills[0].date == dt.date(2026, 4, 8) and programme.flood_season.end == dt.date(2026, 9, 30)
    with pytest.raises(NotFoundError, match="plan the year first"):
        records.get_programme(mini_store, "mini", 2027)
    assert any(e["kind"] == "programmes" for e in mini_store.audit_log(scenario="mini"))


@pytest.mark.parametrize(("change", "field"), [
    ({"year": "next"}, "year"), ({"drills": {}}, "drills"),
    ({"drills": [{**PROGRAMME["drills"][0], "date": "2026-13-01"}]}, "date"),
    ({"drills": [{**PROGRAMME["drills"][0], "date": "2025-04-08"}]}, "date"),
    ({"drills": [PROGRAMME["drills"][0], PROGRAMME["drills"][0]]}, "id"),
    ({"drills": [{**PROGRAMME["drills"][0], "form": "outdoor"}]}, "form"),
    ({"status": "splendid"}, "status"), ({"year": True}, "year"), ({"flood_season": {"start": "2026-06-01"}}, "end"),
    ({"blackouts": [{**PROGRAMME["blackouts"][0], "applies_to": "some"}]}, "applies_to"),
])
def test_bad_programmes_name_the_field(mini_store, change, field) -> None:
    with pytest.raises(InputError) as error:
        records.save_programme(mini_store, "mini", {**PROGRAMME, **change})
    assert error.value.field == field


def test_design_shift_keeps_spacing_and_checks_versions(mini_store) -> None:
    records.save_programme(mini_store, "mini", PROGRAMME)
    key = "2026-P1-H1"
    assert records.drill_entry(mini_store, "mini", key)["site"] == "S1"
    assert records.save_design(mini_store, "mini", key, DESIGN) == 1
    shifted, version = records.shift_stored_design(mini_store, "mini", key, minutes=90, expected_version=1)
    # the design came without offsets: its times are the scenario's local time (mini: Asia/Shanghai), stored with it
    assert version == 2 and shifted["start"] == "2026-04-08T10:30:00+08:00"
    assert [r["time"] for r in shifted["msel"]] == ["2026-04-08T10:30:00+08:00", "2026-04-08T10:50:00+08:00"]
    with pytest.raises(ConflictError):
        records.shift_stored_design(mini_store, "mini", key, minutes=10, expected_version=1)
    moved, _ = records.shift_stored_design(mini_store, "mini", key, start="2026-04-09T08:00", expected_version=2)
    assert moved["msel"][1]["time"] == "2026-04-09T08:20:00+08:00"
    moved, _ = records.shift_stored_design(mini_store, "mini", key, start="2026-04-09T01:00:00Z")  # another offset
    assert moved["start"] == "2026-04-09T09:00:00+08:00" and moved["msel"][1]["time"] == "2026-04-09T09:20:00+08:00"
    with pytest.raises(InputError) as error:
        records.shift_stored_design(mini_store, "mini", key, minutes="soon")
    assert error.value.field == "minutes"
    with pytest.raises(InputError) as error:
        records.save_design(mini_store, "mini", key, {"site": "S1"})
    assert error.value.field == "template" and str(error.value) == "design: template: missing required field"
    bad_msel = {**DESIGN, "msel": [{**DESIGN["msel"][0], "time": "at nine"}]}
    with pytest.raises(InputError) as error:
        records.save_design(mini_store, "mini", key, bad_msel, expected_version=4)
    assert error.value.field == "time" and "design: msel[0]: time: " in str(error.value)
    with pytest.raises(InputError) as error:
        records.save_design(mini_store, "mini", key, {**DESIGN, "surprise": 1}, expected_version=4)
    assert error.value.field == "surprise"
    assert records.get_drill(mini_store, "mini", key)[1] == 4  # nothing stored
    with pytest.raises(InputError) as error:
        records.split_key("P1-H1")
    assert error.value.field == "drill"


def test_simulation_summary_feeds_the_evaluation() -> None:
    metrics = {"first:pump": {"p50": 21.0, "p90": 30.5}, "first:boat": {"share": 0.0, "p50": None, "p90": None}}
    stored = records.parse_simulation({"runs": 10, "metrics": metrics})
    assert stored.percentile("first:pump", 50) == 21.0 and stored.percentile("first:pump", 90) == 30.5
    assert math.isnan(stored.percentile("first:boat", 50)) and math.isnan(stored.percentile("first:pump", 75))
    for bad, field in (({"runs": 0, "metrics": {}}, "runs"),
                       ({"runs": 5, "metrics": {"first:pump": {"p50": 2}}}, "p90"),
                       ({"runs": 5, "metrics": {}, "histograms": {"x": {"edges": [0, 1], "counts": ["many"]}}},
                        "counts")):
        with pytest.raises(InputError) as error:
            records.parse_simulation(bad)
        assert error.value.field == field


def _action(number: int, *, due: str, severity: str = "minor") -> CorrectiveAction:
    return CorrectiveAction(id=f"CA-2026-P1-H1-{number}", drill="2026-P1-H1", finding=f"F{number}", text="slow",
                            severity=severity, plan="P1", owner="Wang", due=dt.date.fromisoformat(due),
                            created=dt.date(2026, 4, 9))


def test_actions_board_until_closed_with_a_verifier(mini_store) -> None:
    records.add_actions(mini_store, "mini", [_action(1, due="2026-05-01"), _action(2, due="2026-06-30")])
    with pytest.raises(ConflictError):
        records.add_actions(mini_store, "mini", [_action(1, due="2026-05-01")])
    board = records.board(mini_store, "mini", dt.date(2026, 5, 10))
    assert [(a["id"], a["overdue"]) for a in board["open"]] == [("CA-2026-P1-H1-1", True), ("CA-2026-P1-H1-2", False)]
    action, version = records.update_action(mini_store, "mini", "CA-2026-P1-H1-1", {"status": "in_progress"},
                                            today=dt.date(2026, 5, 10), expected_version=1)
    assert action.status == "in_progress" and version == 2
    with pytest.raises(InputError) as error:
        records.update_action(mini_store, "mini", "CA-2026-P1-H1-1", {"status": "closed"}, today=dt.date(2026, 5, 11))
    assert error.value.field == "verified_by"
    with pytest.raises(ConflictError):
        records.update_action(mini_store, "mini", "CA-2026-P1-H1-1", {"note": "x"}, today=dt.date(2026, 5, 11),
                              expected_version=1)
    with pytest.raises(InputError) as error:
        records.update_action(mini_store, "mini", "CA-2026-P1-H1-1", {"due": "soon"}, today=dt.date(2026, 5, 11))
    assert error.value.field == "due"
    records.update_action(mini_store, "mini", "CA-2026-P1-H1-1", {"status": "closed", "verified_by": "Li",
                                                                     "evidence": "radio test log"},
                          today=dt.date(2026, 5, 12))
    board = records.board(mini_store, "mini", dt.date(2026, 5, 12))
    assert [a["id"] for a in board["closed"]] == ["CA-2026-P1-H1-1"] and board["closed"][0]["verified_by"] == "Li"
    assert [a["id"] for a in board["open"]] == ["CA-2026-P1-H1-2"]


def test_cli_plan_reads_the_stored_plans_and_saves(cli_env, capsys) -> None:
    opened = Store()
    _, settings = load_jinan(opened, small_plans=True)
    assert main(["drills", "plan", "--scenario", "jinan", "--year", "2026", "--save", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in printed["plans"]] == [p["id"] for p in settings["plans"]["plans"]]  # the stored four
    stored, version = records.get_programme(opened, "jinan", 2026)
    assert version == 1 and [d["id"] for d in stored["drills"]] == [d["id"] for d in printed["drills"]]
    opened.close()
