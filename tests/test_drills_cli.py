"""``python -m planner drills ...``: JSON output, files written, exit codes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import icalendar
import pytest

from planner.cli import main
from planner.drills import records
from planner.drills.evaluation_store import get_evaluation
from planner.scenario.files import read_scenario
from planner.store.database import Store


def test_plan_json_and_ics(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = cli_env / "programme.ics"
    assert main(["drills", "plan", "--scenario", "jinan", "--year", "2026", "--json", "--ics", str(target)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["year"] == 2026
    # only field drills whose team alone keeps a site within its standard stay unmet (test_programme)
    assert all(u["rule"] == "PLAN-FIELD" and u["blocked_by"] for u in payload["unmet"])
    assert {"id", "kind", "frequency"} <= set(payload["plans"][0])
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    dates = sorted(str(e["DTSTART"].dt) for e in calendar.walk("VEVENT"))
    assert dates == sorted(d["date"] for d in payload["drills"])


def test_plan_unknown_year_exits_2(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drills", "plan", "--scenario", "jinan", "--year", "1999"]) == 2
    assert "no entry for year 1999" in capsys.readouterr().err


def test_simulate_and_design_json(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--scenario", "shanxi-coal", "--template", "mine-flooding", "--site", "mine-M0335"]
    assert main(["drills", "simulate", *args, "--runs", "50", "--seed", "3", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["drills", "simulate", *args, "--runs", "50", "--seed", "3", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["metrics"] == second["metrics"] and first["runs"] == 50
    assert main(["drills", "design", *args, "--start", "2026-04-08T09:00", "--json"]) == 0
    design = json.loads(capsys.readouterr().out)
    assert design["msel"][0]["time"] == "2026-04-08T09:00:00+08:00" and design["expected_dispatch"]  # its zone
    assert main(["drills", "design", *args[:2], "--template", "volcano", "--site", "mine-M0335"]) == 2


FLOOD_KEY = "2026-shaqu-onsite-flooding-Y"
FLOOD_PROGRAMME = {
    "year": 2026, "status": "optimal", "seconds": 1.0, "timezone": "Asia/Shanghai", "settings": {},
    "organisations": [], "plans": [], "blackouts": [], "flood_season": None, "unmet": [], "coverage_gaps": [],
    "drills": [{"id": "shaqu-onsite-flooding-Y", "date": "2026-04-08", "form": "field", "scope": "single",
                "scenario": "mine-flooding", "plans": ["shaqu-onsite-flooding"], "teams": ["ent-liulin-squad"],
                "site": "mine-M0335", "owner": "org-shaqu", "satisfies": ["R-DRILL-2 shaqu-onsite-flooding Y"]}],
}


@pytest.fixture
def flood_store(cli_env: Path) -> Iterator[Store]:
    """The CLI's store with Shanxi coal and a 2026 programme of one mine-flooding drill."""
    opened = Store()
    opened.save_scenario(read_scenario("shanxi-coal"))
    records.save_programme(opened, "shanxi-coal", FLOOD_PROGRAMME)
    yield opened
    opened.close()


def test_evaluate_stores_the_evaluation_and_writes_only_the_files_asked(
        cli_env: Path, flood_store: Store, fixtures: Path, capsys: pytest.CaptureFixture[str],
        fixed_clock: Callable[[dt.datetime], None]) -> None:
    # 20:00 UTC on 20 April is already 21 April in Shanxi (Asia/Shanghai): the default date is the scenario's today
    fixed_clock(dt.datetime(2026, 4, 20, 20, 0, tzinfo=dt.UTC))
    observed = fixtures / "drills" / "observed-flooding.csv"
    before = sorted(cli_env.iterdir())
    args = ["drills", "evaluate", "--scenario", "shanxi-coal", "--drill", FLOOD_KEY, "--observed", str(observed)]
    assert main([*args, "--date", "2026-04-09", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert sorted(cli_env.iterdir()) == before  # nothing but the store was written
    assert payload["evaluation"]["figures"]["first_arrival_min"] == 25.0
    assert [p["team"] for p in payload["turnout_proposals"]] == ["ent-liulin-squad"]
    assert payload["plan"] == "shaqu-onsite-flooding" and payload["owner"] == "org-shaqu"  # the drill's own
    stored, version = get_evaluation(flood_store, "shanxi-coal", FLOOD_KEY)
    assert version == payload["version"] == 1 and stored.evaluated_by == "cli"
    assert stored.evaluation.to_json() == payload["evaluation"] and stored.observed_csv == observed.read_text()
    actions = [a for a, _ in records.drill_actions(flood_store, "shanxi-coal", FLOOD_KEY)]
    assert [a.id for a in actions] == [a["id"] for a in payload["actions"]] == \
        [f"CA-{FLOOD_KEY}-{k}" for k in range(1, len(payload["evaluation"]["findings"]) + 1)]
    assert all(a.due > dt.date(2026, 4, 9) for a in actions)

    html, summary, pdf = cli_env / "evaluation.html", cli_env / "summary.html", cli_env / "report.pdf"
    assert main([*args, "--by", "Wang", "--html", str(html), "--summary-html", str(summary), "--pdf", str(pdf)]) == 0
    printed = capsys.readouterr().out
    assert "evaluation 2, version 2" in printed and "new action" not in printed  # same findings: none repeated
    assert "25.0" in html.read_text() and f"CA-{FLOOD_KEY}-1" in summary.read_text()
    assert '<figure id="drill-map"' in html.read_text()  # the drill's map, the coal mine credited to its source
    assert "Global Energy Monitor, CC BY 4.0" in html.read_text()
    assert pdf.read_bytes().startswith(b"%PDF")
    stored, version = get_evaluation(flood_store, "shanxi-coal", FLOOD_KEY)
    assert (stored.evaluated_by, [h.evaluated_by for h in stored.history]) == ("Wang", ["cli"])
    assert stored.evaluated_at == dt.datetime(2026, 4, 20, 20, 0, tzinfo=dt.UTC)
    assert stored.date == dt.date(2026, 4, 21)  # default date: today in the scenario's zone
    assert len(records.drill_actions(flood_store, "shanxi-coal", FLOOD_KEY)) == len(actions)


@pytest.mark.parametrize(("text", "problem"), [
    ("", "header must have"), ("time,event\n08:00,alarm\n08:20,inject\n", "observed: the observed timeline records no"),
    ("time,event\n0,boom\n", "event must be one of"),
])
def test_evaluate_refuses_bad_or_blank_timelines_and_keeps_the_stored_one(
        cli_env: Path, flood_store: Store, fixtures: Path, capsys: pytest.CaptureFixture[str],
        text: str, problem: str) -> None:
    args = ["drills", "evaluate", "--scenario", "shanxi-coal", "--drill", FLOOD_KEY]
    assert main([*args, "--observed", str(fixtures / "drills" / "observed-flooding.csv")]) == 0
    capsys.readouterr()
    bad = cli_env / "bad.csv"
    bad.write_text(text)
    assert main([*args, "--observed", str(bad)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "Traceback" not in error
    assert problem in error
    stored, version = get_evaluation(flood_store, "shanxi-coal", FLOOD_KEY)
    assert version == 1 and stored.history == () and stored.evaluation.figures["first_arrival_min"] == 25.0


def test_evaluate_needs_a_stored_scenario_and_drill(cli_env: Path, flood_store: Store, fixtures: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    observed = str(fixtures / "drills" / "observed-flooding.csv")
    assert main(["drills", "evaluate", "--scenario", "jinan", "--drill", FLOOD_KEY, "--observed", observed]) == 2
    assert "not stored" in capsys.readouterr().err
    assert main(["drills", "evaluate", "--scenario", "shanxi-coal", "--drill", "2026-nothing",
                 "--observed", observed]) == 2
    assert "no drill 'nothing'" in capsys.readouterr().err
    assert main(["drills", "evaluate", "--scenario", "shanxi-coal", "--drill", FLOOD_KEY, "--observed", observed,
                 "--plan", "another-plan"]) == 2
    assert "plan must be one of" in capsys.readouterr().err


def test_simulate_a_bridge_closed_by_the_surprise_branch(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Closed from inject I3a (minute 12), teams on the road by then still arrive; closed from the alarm they do not.

    At the Jiyang fine-chemicals site the hazardous-chemicals teams are all based south of the river: they
    depart before minute 12 (turn-out of a few minutes after the order at 2), so under the bridge closed
    at 12 they arrive as on the open roads, while under the bridge closed from the alarm none is sent.
    """
    args = ["--scenario", "jinan", "--template", "chemical-fire-explosion", "--site", "site-fine-chem-jiyang",
            "--runs", "3", "--seed", "1", "--json"]
    assert main(["drills", "simulate", *args]) == 0
    free = json.loads(capsys.readouterr().out)
    assert main(["drills", "simulate", *args, "--closures", "north-corridor-cut"]) == 0
    closed = json.loads(capsys.readouterr().out)
    assert main(["drills", "simulate", *args, "--closures", "north-corridor-cut", "--closures-inject", "I3a"]) == 0
    branch = json.loads(capsys.readouterr().out)
    assert closed["roads"]["closures_from_min"] is None and branch["roads"]["closures_from_min"] == 12.0
    assert "first:hazchem_squad" not in closed["metrics"]
    assert branch["metrics"]["first:hazchem_squad"] == free["metrics"]["first:hazchem_squad"]
    assert main(["drills", "simulate", *args, "--closures", "north-corridor-cut", "--closures-inject", "I9"]) == 2
    assert "no inject 'I9'" in capsys.readouterr().err
    assert main(["drills", "simulate", *args, "--closures-from", "12"]) == 2
    assert "closures_from_min needs closures" in capsys.readouterr().err
