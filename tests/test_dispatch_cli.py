"""``python -m planner dispatch``: output keys, the greedy switch, and an exit code for every bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from planner.cli import main
from tests.conftest import FIXTURES
from tests.test_dispatch import check_result

EXAMPLE = FIXTURES / "dispatch" / "example.json"


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text())


def write(tmp_path: Path, problem: Any) -> str:
    path = tmp_path / "problem.json"
    path.write_text(problem if isinstance(problem, str) else json.dumps(problem))
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["dispatch", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--problem", str(EXAMPLE), "--json", "--time-limit", "5")
    assert code == 0, err
    payload = json.loads(out)
    assert {"status", "assignments", "shortfall", "objective", "seconds", "bound", "borrowed"} <= set(payload)
    assert set(payload["objective"]) == {"weighted_shortfall", "weighted_arrival", "compensation"}
    assert all(set(a) == {"unit", "incident", "arrival_min"} for a in payload["assignments"])
    assert payload["status"] == "optimal"
    check_result(example(), payload)
    assert payload["objective"]["weighted_shortfall"] == 0


def test_greedy_switch_runs_the_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--problem", str(EXAMPLE), "--json", "--greedy")
    assert code == 0
    payload = json.loads(out)
    assert payload["status"] == "feasible" and payload["method"] == "greedy"
    check_result(example(), payload)
    assert payload["objective"]["weighted_shortfall"] == 3


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--problem", str(EXAMPLE))
    assert code == 0
    assert "cp-sat: optimal" in out and "T1" in out and "lender" in out


def _mutate(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    problem = copy.deepcopy(example())
    target: Any = problem
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return problem


_DELETE = object()

BAD_INPUTS = [
    ("unknown unit in travel_min", _mutate(("travel_min", "T9"), {"I1": 3}), "T9"),
    ("unknown incident in travel_min", _mutate(("travel_min", "T1", "I9"), 3), "I9"),
    ("negative quantity", _mutate(("incidents", 0, "requirements", 0, "quantity"), -1), "quantity"),
    ("negative capability", _mutate(("units", 0, "capabilities", "mine_rescue_squad"), -2), "capabilities"),
    ("negative ready time", _mutate(("units", 0, "ready_min"), -5), "ready_min"),
    ("negative travel time", _mutate(("travel_min", "T1", "I1"), -1.5), "travel_min"),
    ("negative deadline", _mutate(("incidents", 0, "requirements", 0, "deadline_min"), -1), "deadline_min"),
    ("agreement naming an unknown region", _mutate(("agreements", 0, "borrower"), "Z"), "borrower"),
    ("agreement with negative cost", _mutate(("agreements", 0, "fixed_cost"), -1), "fixed_cost"),
    ("min_retained naming an unknown region", _mutate(("min_retained", "Z"), {"x": 1}), "min_retained"),
    ("duplicate unit id", _mutate(("units", 1, "id"), "T1"), "duplicate"),
    ("duplicate incident id", _mutate(("incidents",), [example()["incidents"][0]] * 2), "duplicate"),
    ("missing unit region", _mutate(("units", 0, "region"), _DELETE), "region"),
    ("missing deadline", _mutate(("incidents", 0, "requirements", 0, "deadline_min"), _DELETE), "deadline_min"),
    ("missing units", _mutate(("units",), _DELETE), "units"),
    ("priority zero", _mutate(("incidents", 0, "priority"), 0), "priority"),
    ("quantity not an integer", _mutate(("incidents", 0, "requirements", 0, "quantity"), 1.5), "quantity"),
    ("unknown status", _mutate(("units", 0, "status"), "asleep"), "status"),
    ("typo in a field name", _mutate(("units", 0, "ready_mins"), 5), "ready_mins"),
    ("not JSON", "{units: [", "not valid JSON"),
    ("JSON but not an object", "[1, 2]", "problem"),
    ("infinite travel time", '{"units": [], "incidents": [], "travel_min": {"T1": {"I1": Infinity}}}', "T1"),
]


@pytest.mark.parametrize(("case", "problem", "named"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_malformed_problems_exit_2_with_one_line_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, problem: Any, named: str
) -> None:
    code, out, err = run(capsys, "--problem", write(tmp_path, problem), "--json")
    assert code == 2, (case, err)
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert named in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--problem", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read" in err


def test_bad_time_limit_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--problem", str(EXAMPLE), "--time-limit", "0")
    assert code == 2 and "time-limit" in err


def test_retained_minimum_that_cannot_hold_exits_3_with_the_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = _mutate(("min_retained", "A", "mine_rescue_squad"), 4)  # A holds 2 + 1 = 3
    for extra in ((), ("--greedy",)):
        code, out, err = run(capsys, "--problem", write(tmp_path, problem), "--json", *extra)
        assert code == 3
        assert out == "" and err.count("\n") == 1
        assert "keep 4 mine_rescue_squad" in err and "only 3" in err
