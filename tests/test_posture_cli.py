"""``python -m planner posture``: the Jinan rainstorm in JSON and as a table, refusals with one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main
from tests.conftest import MINI

CAP = Path(__file__).resolve().parent / "fixtures" / "cap"
NOW = "2026-07-20T06:30:00+08:00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["posture", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_jinan_red_rainstorm_json(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--scenario", "jinan", "--cap", str(CAP / "red-rainstorm-licheng.xml"),
                         "--now", NOW, "--json")
    assert code == 0, err
    data = json.loads(out)
    figures = {f["name"]: f for f in data["figures"]}
    assert figures["optimised"]["weight"] >= max(figures["do_nothing"]["weight"], figures["greedy"]["weight"])
    assert data["status"] == "optimal" and data["periods"] == ["flood season"]
    assert len(data["moves"]) == figures["optimised"]["moves"] <= 4
    assert {r["site"] for r in data["site_raises"]} >= {"site-tailings-south", "site-tailings-zhangmatun"}
    assert data["settings"]["rules"] == "warning_rules" and data["settings"]["staging_points"] >= 8
    assert all(f["meaning"] for f in data["figures"]) and "differ only in turn-out" in data["explanation"][0]
    assert len(data["readiness_changes"]) == figures["do_nothing"]["passing"] - figures["current"]["passing"]


def test_table_and_max_moves(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--scenario", "jinan", "--cap", str(CAP / "red-rainstorm-licheng.xml"), "--now", NOW,
                       "--max-moves", "1")
    assert code == 0 and "Sites at raised risk (6)" in out and "optimised" in out and "greedy" in out
    assert "site-tailings-south" in out
    assert "current: 现状" in out and "do_nothing: 不调动" in out and "Why the figures differ:" in out
    assert "differ only in turn-out" in out and "come within standard with the faster turn-out" in out


def test_manual_warning_on_mini(cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warning = tmp_path / "w.json"
    warning.write_text(json.dumps({"id": "m1", "event": "Rainstorm red warning", "onset": "2026-07-20T06:00:00+08:00",
                                   "expires": "2026-07-20T20:00:00+08:00",
                                   "area": {"circle": {"lon": 117.11, "lat": 36.69, "radius_km": 3}}}))
    code, out, err = run(capsys, "--scenario", str(MINI), "--warning", str(warning), "--now", NOW, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["settings"]["rules"] == "default warning rules" and data["warnings"][0]["level"] == "red"


@pytest.mark.parametrize("name, message", [
    ("malformed.xml", "malformed XML"),
    ("expired.xml", "expired at 2026-07-01T20:00:00+08:00"),
    ("unknown-area.xml", "unknown area type <rectangle>"),
    ("entity-bomb.xml", "refused XML feature"),
    ("missing.xml", "cannot read"),
])
def test_refused_files_one_line_exit_2(cli_env: Path, capsys: pytest.CaptureFixture[str], name: str,
                                      message: str) -> None:
    code, out, err = run(capsys, "--scenario", "jinan", "--cap", str(CAP / name), "--now", NOW)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err and err.startswith("error: ")


def test_bad_options(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--scenario", "jinan")[0] == 2
    code, _, err = run(capsys, "--scenario", "jinan", "--cap", str(CAP / "valid.xml"), "--now", "2026-07-20")
    assert code == 2 and "time zone" in err
    code, _, err = run(capsys, "--scenario", "jinan", "--cap", str(CAP / "valid.xml"), "--now", NOW,
                       "--max-moves", "-1")
    assert code == 2 and "max_moves" in err
