"""``python -m planner locate``: JSON output and exit codes for each malformed-file case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main

COST = "demand,A,B,C\nd1,1,9,5\nd2,2,8,4\nd3,9,1,5\nd4,8,2,4\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_orlib_p_median_json(fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run_json(
        capsys, ["locate", "--model", "p-median", "--orlib", str(fixtures / "orlib" / "pmed1.txt"), "--json"]
    )
    assert {"model", "objective", "sites", "status", "lower_bound", "seconds"} <= set(out)
    assert out["objective"] == 5819 and out["status"] == "optimal" and out["lower_bound"] == 5819
    sites = out["sites"]
    assert isinstance(sites, list) and len(sites) == 5 and sites == sorted(sites)
    assert all(isinstance(s, int) and 1 <= s <= 100 for s in sites)


def test_cost_matrix_p_median_uses_site_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cost = _write(tmp_path, "c.csv", COST)
    out = _run_json(capsys, ["locate", "--model", "p-median", "--cost-matrix", str(cost), "--p", "2", "--json"])
    assert out["sites"] == ["A", "B"] and out["objective"] == 6
    assert out["assignment"] == {"d1": "A", "d2": "A", "d3": "B", "d4": "B"}


def test_cost_matrix_mclp_objective_is_covered_weight(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cost = _write(tmp_path, "c.csv", COST)
    weights = _write(tmp_path, "w.csv", "id,weight\nd3,10\n")
    argv = ["locate", "--model", "mclp", "--cost-matrix", str(cost), "--weights", str(weights),
            "--p", "1", "--max-cost", "2", "--json"]
    out = _run_json(capsys, argv)
    assert out["sites"] == ["B"] and out["objective"] == 11 and out["model"] == "mclp"


@pytest.mark.parametrize(
    ("model", "extra", "objective"),
    [("lscp", ["--max-cost", "5"], 1), ("p-center", ["--p", "2"], 2), ("backup", ["--p", "2", "--max-cost", "5"], 2)],
)
def test_other_models_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], model: str, extra: list[str], objective: float
) -> None:
    cost = _write(tmp_path, "c.csv", COST)
    out = _run_json(capsys, ["locate", "--model", model, "--cost-matrix", str(cost), *extra, "--json"])
    assert out["objective"] == objective and out["status"] == "optimal"


def test_empty_cell_is_unreachable_and_summary_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cost = _write(tmp_path, "c.csv", "demand,A,B\nd1,1,\nd2,,1\n")
    assert main(["locate", "--model", "p-median", "--cost-matrix", str(cost), "--p", "2"]) == 0
    out = capsys.readouterr().out
    assert "p-median: 2 sites, objective 2" in out


@pytest.mark.parametrize(
    ("cost_text", "weights_text", "extra", "message"),
    [
        ("demand,A,B\nd1,1,x\n", None, ["--p", "1"], "line 2: B 'x' is not a number"),
        ("demand,A,B\nd1,1,2\nd2,1\n", None, ["--p", "1"], "line 3: 2 cells, header has 3"),
        ("demand,A,B\nd1,1,2\n", None, ["--p", "3"], "p = 3 is not in 1..2"),
        ("demand,A,B\nd1,1,2\n", "id,weight\nd9,1\n", ["--p", "1"], "unknown demand id 'd9'"),
        ("demand,A,B\nd1,1,2\n", "id,weight\nd1,-2\n", ["--p", "1"], "weight -2"),
        ("demand,A,B\nd1,1,-2\n", None, ["--p", "1"], "B -2 < 0"),
    ],
)
def test_malformed_files_exit_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cost_text: str,
    weights_text: str | None,
    extra: list[str],
    message: str,
) -> None:
    cost = _write(tmp_path, "c.csv", cost_text)
    argv = ["locate", "--model", "p-median", "--cost-matrix", str(cost), *extra, "--json"]
    if weights_text is not None:
        argv += ["--weights", str(_write(tmp_path, "w.csv", weights_text))]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_malformed_orlib_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _write(tmp_path, "pmedX.txt", "3 1 1\n1 2 x\n")
    assert main(["locate", "--model", "p-median", "--orlib", str(bad), "--json"]) == 2
    assert "pmedX.txt line 2" in capsys.readouterr().err


def test_infeasible_covering_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cost = _write(tmp_path, "c.csv", "demand,A,B\nd1,1,2\nd2,9,9\n")
    assert main(["locate", "--model", "lscp", "--cost-matrix", str(cost), "--max-cost", "3", "--json"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rows 1" in err[0]
