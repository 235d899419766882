"""Point files and metrics (planner.locate.points) and ``locate --points``: values, JSON and exit codes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from planner.cli import main
from planner.errors import InputError
from planner.locate.points import PointSet, cost_from_points, read_points

TSP = (
    "NAME : tiny\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\n"
    "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 1.5 1\nEOF\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tsplib_points_euclidean_and_floor(tmp_path: Path) -> None:
    points = read_points(_write(tmp_path, "tiny.tsp", TSP))
    assert points.ids == ["1", "2", "3"] and points.weights is None
    exact = cost_from_points(points, "euclidean")
    floored = cost_from_points(points, "euclidean-floor")
    assert exact[0, 1] == 5.0 and exact[1, 0] == 5.0 and np.all(np.diag(exact) == 0)
    assert exact[0, 2] == pytest.approx(math.sqrt(1.5**2 + 1)) and floored[0, 2] == 1.0
    assert floored[1, 2] == math.floor(math.hypot(1.5, 3)) == 3.0


def test_tsplib_coordinates_end_at_the_next_section(tmp_path: Path) -> None:
    text = TSP.replace("EOF\n", "DISPLAY_DATA_SECTION\n1 0 0\n2 3 4\n3 1 1\nEOF\n")
    points = read_points(_write(tmp_path, "display.tsp", text))
    assert points.ids == ["1", "2", "3"] and points.coordinates[2].tolist() == [1.5, 1.0]


def test_csv_lon_lat_great_circle_and_weights(tmp_path: Path) -> None:
    # One degree of latitude on the 6,371,008.8 m sphere is 111,195 m; along the equator the same for longitude.
    path = _write(tmp_path, "p.csv", "id,lon,lat,weight\na,0,0,2\nb,0,1,1\nc,1,0,0\n")
    points = read_points(path)
    cost = cost_from_points(points, "great-circle")
    assert cost[0, 1] == pytest.approx(111_195.0, rel=1e-4) and cost[0, 2] == pytest.approx(cost[0, 1])
    assert points.weights is not None and points.weights.tolist() == [2.0, 1.0, 0.0]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.tsp", TSP.replace("3 1.5 1", "3 1.5"), "line 8: expected 'id x y'"),
        ("bad.tsp", TSP.replace("3 1.5 1", "3 1.5 z"), "line 8: y 'z' is not a number"),
        ("geo.tsp", TSP.replace("EUC_2D", "GEO"), "EDGE_WEIGHT_TYPE GEO"),
        ("dup.tsp", TSP.replace("3 1.5 1", "2 1.5 1"), "duplicate point id '2'"),
        ("none.tsp", "NAME : x\nNODE_COORD_SECTION\nEOF\n", "no points"),
        ("short.tsp", TSP.replace("DIMENSION : 3", "DIMENSION : 4"), "DIMENSION 4 but 3 points"),
        ("p.csv", "id,a,b\n1,0,0\n", "header needs x,y or lon,lat"),
        ("p.csv", "id,x,y\n1,0\n", "line 2: 2 cells, header has 3"),
        ("p.csv", "id,x,y\n1,0,nan\n", "line 2: y 'nan' is not finite"),
        ("p.csv", "id,lon,lat\n1,200,0\n", "not degrees"),
        ("p.csv", "id,x,y,weight\n1,0,0,-1\n", "weight -1 < 0"),
    ],
)
def test_malformed_point_files_name_line_and_field(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_points(_write(tmp_path, name, text))


def test_metric_errors_name_the_field(tmp_path: Path) -> None:
    planar = read_points(_write(tmp_path, "tiny.tsp", TSP))
    with pytest.raises(InputError, match="not one of euclidean, euclidean-floor, great-circle") as unknown:
        cost_from_points(planar, "manhattan")
    assert unknown.value.field == "metric"
    with pytest.raises(InputError, match="great-circle needs lon,lat"):
        cost_from_points(planar, "great-circle")


def test_cli_points_p_median_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Points on a line at 0, 1, 2, 10, 11: two sites serve {0,1,2} from 1 and {10,11} from either end.
    path = _write(tmp_path, "line.csv", "id,x,y\nA,0,0\nB,1,0\nC,2,0\nD,10,0\nE,11,0\n")
    argv = ["locate", "--model", "p-median", "--points", str(path), "--metric", "euclidean", "--p", "2", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["objective"] == 3.0 and out["status"] == "optimal" and out["lower_bound"] == 3.0
    assert out["sites"][0] == "B" and out["sites"][1] in ("D", "E")
    assert out["peak_mb"] > 0 and out["gap"] == 0 and "Benders" in out["method"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--metric", "manhattan", "--p", "2"], "metric 'manhattan' is not one of"),
        (["--p", "2"], "--points needs --metric"),
        (["--metric", "euclidean", "--p", "9"], "p = 9 is not in 1..5"),
        (["--metric", "euclidean", "--p", "0"], "p = 0 is not in 1..5"),
    ],
)
def test_cli_points_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    path = _write(tmp_path, "line.csv", "id,x,y\nA,0,0\nB,1,0\nC,2,0\nD,10,0\nE,11,0\n")
    assert main(["locate", "--model", "p-median", "--points", str(path), *extra, "--json"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and message in lines[0]


def test_cli_malformed_point_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _write(tmp_path, "bad.tsp", TSP.replace("3 1.5 1", "3 1.5"))
    argv = ["locate", "--model", "p-median", "--points", str(bad), "--metric", "euclidean-floor", "--p", "1"]
    assert main(argv) == 2
    assert "bad.tsp line 8" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "count", "first", "second", "floor_1_2"), [
    ("pcb3038", 3038, (2830.0, 40.0), (2830.0, 77.0), 37.0),
    ("pr2392", 2392, (1639.0, 2156.0), (1875.0, 2925.0), 804.0),
])
def test_bench_tsplib_files_read_whole(name: str, count: int, first: tuple[float, float],
                                       second: tuple[float, float], floor_1_2: float) -> None:
    # bench/data/tsplib (the Table 3 rows of bench/locate.py --large): DIMENSION points numbered 1..N, the
    # first two as printed in TSPLIB, and their floored distance computed by hand (pr2392: hypot(236, 769)).
    points = read_points(Path(__file__).resolve().parent.parent / "bench" / "data" / "tsplib" / f"{name}.tsp")
    assert points.ids == [str(k) for k in range(1, count + 1)]
    assert tuple(points.coordinates[0]) == first and tuple(points.coordinates[1]) == second
    assert math.floor(math.dist(first, second)) == floor_1_2
    assert cost_from_points(PointSet(points.ids[:2], points.coordinates[:2], None, False), "euclidean-floor")[0, 1] \
        == floor_1_2
