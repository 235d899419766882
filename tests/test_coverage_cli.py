"""``python -m planner coverage``: JSON shape, the readable table, what-if forms and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main
from tests.conftest import MINI


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["coverage", "--scenario", str(MINI), *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_report_shape(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json")
    data = json.loads(out)
    assert code == 0 and {"scenario", "sites", "standards", "gaps", "excluded", "searches", "direction"} <= set(data)
    assert [(s["standard"], s["sites"], s["passing"], s["met"]) for s in data["standards"]] == [
        ("fire-5", 2, 0, False), ("hazchem-30", 1, 1, True)]
    gap = data["gaps"][0]
    assert (gap["site"], gap["risk_grade"], gap["standard"]) == ("S1", "red", "fire-5")
    assert gap["first"]["team"] == "T1" and gap["shortfall_min"] == pytest.approx(gap["first"]["minutes"] - 5)
    assert data["excluded"] == [{"team": "T3", "team_type": "hazchem", "base": "B3", "reason": "drilling"}]


def test_readable_table_and_gap_list(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 0 and "Gap list (2)" in out and "hazchem-30" in out and "重大风险" in out
    assert "T3 (drilling)" in out


def test_commit_makes_the_site_unreachable(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--commit", "T2", "--json")
    row = next(r for r in json.loads(out)["sites"] if r["standard"] == "hazchem-30")
    assert code == 0 and row["first"] is None and row["shortfall_min"] is None
    assert row["unavailable_faster"] == ["T2", "T3"]


def test_close_base_what_if_json(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--close-base", "B2", "--json")
    data = json.loads(out)
    assert code == 0 and data["gaps_before"] == 2 and data["gaps_after"] == 3
    assert [(c["site"], c["standard"]) for c in data["newly_failing"]] == [("S1", "hazchem-30")]
    assert "sites" not in data["before"] and data["selection"] is None


def test_add_bases_and_move_team(cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    candidates = tmp_path / "c.csv"
    candidates.write_text("id,lon,lat\nstation,116.99,36.67\nrefinery,117.11,36.69\n")
    code, out, _ = run(capsys, "--add-bases", "1", "--candidates", str(candidates), "--team-type", "fire",
                       "--turnout-min", "1", "--json")
    data = json.loads(out)
    assert code == 0 and data["selection"]["chosen"] == ["refinery"] and data["selection"]["status"] == "optimal"
    assert [(c["site"], c["standard"]) for c in data["newly_passing"]] == [("S1", "fire-5")]
    code, out, _ = run(capsys, "--move-team", "T1=116.99,36.67")
    assert code == 0 and "team T1 moved" in out and "Newly passing (1)" in out


def test_p_median_siting_on_shanxi_from_every_town_and_mine(cli_env: Path, capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    shanxi = str(Path(__file__).resolve().parent.parent / "scenarios" / "shanxi-coal")
    code = main(["coverage", "--scenario", shanxi, "--add-bases", "2", "--every-town-and-site", "--team-type",
                 "mine_rescue", "--siting", "p-median", "--json"])
    data = json.loads(capsys.readouterr().out)
    selection = data["selection"]
    assert code == 0 and selection["model"] == "p-median" and selection["status"] == "optimal"
    assert selection["candidates"] == 13 + 49 and len(data["added_bases"]) == 2
    assert selection["objective"] < selection["objective_before"] and data["gaps_after"] < data["gaps_before"]


@pytest.mark.parametrize("argv, field", [
    (["--close-base", "B9"], "B9"),
    (["--move-team", "T9=B1"], "T9"),
    (["--move-team", "T1=B9"], "B9"),
    (["--move-team", "T1"], "TEAM=BASE"),
    (["--commit", "T9"], "T9"),
    (["--standard", "nope"], "nope"),
    (["--add-bases", "1"], "--candidates"),
    (["--siting", "p-median"], "--siting"),
    (["--add-bases", "1", "--team-type", "fire", "--every-town-and-site", "--candidates", "c.csv"], "--candidates"),
])
def test_bad_input_exits_2_with_one_line(cli_env: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                          field: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and field in err


def test_bad_candidates_file_exits_2(cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lon,lat\na,117.0,north\n")
    code, _, err = run(capsys, "--add-bases", "1", "--candidates", str(bad), "--team-type", "fire")
    assert code == 2 and "line 2" in err
    code, _, err = run(capsys, "--add-bases", "1", "--candidates", str(tmp_path / "missing.csv"), "--team-type", "fire")
    assert code == 2 and "cannot read" in err
