"""OR-Library p-median reader: last-line-wins duplicates, shortest paths, errors with file and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.errors import InputError
from planner.locate.orlib import read_orlib_pmedian


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inst.txt"
    path.write_text(text)
    return path


def test_duplicate_edge_last_line_wins_then_shortest_paths(tmp_path: Path) -> None:
    # Edge 1-2 appears twice: 5 then 9 (last wins, not min 5, not sum 14); 2-3 costs 1; 1-3 costs 20.
    path = _write(tmp_path, "3 4 1\n1 2 5\n2 3 1\n1 3 20\n2 1 9\n")
    cost, p = read_orlib_pmedian(path)
    assert p == 1
    expected = np.array([[0, 9, 10], [9, 0, 1], [10, 1, 0]], dtype=float)
    np.testing.assert_array_equal(cost, expected)


def test_disconnected_nodes_are_unreachable(tmp_path: Path) -> None:
    cost, _ = read_orlib_pmedian(_write(tmp_path, "3 1 1\n1 2 4\n"))
    assert cost[0, 1] == 4 and np.isinf(cost[0, 2]) and cost[2, 2] == 0


def test_pmed1_matches_known_properties(fixtures: Path) -> None:
    cost, p = read_orlib_pmedian(fixtures / "orlib" / "pmed1.txt")
    assert cost.shape == (100, 100) and p == 5
    np.testing.assert_array_equal(cost, cost.T)
    assert np.all(np.diag(cost) == 0) and np.isfinite(cost).all()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("3 2\n", "line 1"),
        ("3 2 1\n1 2 x\n2 3 1\n", "line 2"),
        ("3 2 1\n1 2 3\n2 7 1\n", "line 3: node 7"),
        ("3 2 5\n1 2 3\n2 3 1\n", "p=5"),
        ("3 3 1\n1 2 3\n2 3 1\n", "m=3"),
        ("3 1 1\n1 2 -3\n", "cost -3"),
        ("", "empty"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        read_orlib_pmedian(_write(tmp_path, text))
    assert "inst.txt" in str(info.value)


def test_pmed36_reads_and_admits_its_published_optimum() -> None:
    # bench/data/orlib/pmed36.txt (n = 800, p = 10; OR-Library optimum 9,934). Independent of any solver:
    # every node not chosen pays at least its nearest other node, so the sum of those distances less the
    # p largest is a lower bound that the published optimum must respect; the first edge line is 1-2 at 7.
    cost, p = read_orlib_pmedian(Path(__file__).resolve().parent.parent / "bench" / "data" / "orlib" / "pmed36.txt")
    assert cost.shape == (800, 800) and p == 10
    np.testing.assert_array_equal(cost, cost.T)
    assert np.all(np.diag(cost) == 0) and np.isfinite(cost).all() and cost[0, 1] <= 7
    nearest_other = np.sort(np.where(np.eye(800, dtype=bool), np.inf, cost).min(axis=1))
    bound = float(nearest_other[: 800 - p].sum())
    assert 0 < bound <= 9_934
