"""``python -m planner drills ...``: JSON output, files written, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main


def test_plan_json_and_ics(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import icalendar

    target = cli_env / "programme.ics"
    assert main(["drills", "plan", "--scenario", "jinan", "--year", "2026", "--json", "--ics", str(target)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["year"] == 2026 and payload["unmet"] == []
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


def test_evaluate_writes_reports_and_actions(cli_env: Path, fixtures: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    actions = cli_env / "actions.json"
    html = cli_env / "evaluation.html"
    pdf = cli_env / "report.pdf"
    assert main(["drills", "evaluate", "--scenario", "shanxi-coal", "--template", "mine-flooding",
                 "--observed", str(fixtures / "drills" / "observed-flooding.csv"), "--plan", "shaqu-onsite-flooding",
                 "--date", "2026-04-09", "--actions", str(actions), "--html", str(html), "--pdf", str(pdf),
                 "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["figures"]["first_arrival_min"] == 25.0
    assert [p["team"] for p in payload["turnout_proposals"]] == ["ent-liulin-squad"]
    assert len(json.loads(actions.read_text())) == len(payload["findings"]) == len(payload["actions"])
    assert "25.0" in html.read_text() and pdf.read_bytes().startswith(b"%PDF")
