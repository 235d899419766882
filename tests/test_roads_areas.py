"""Multi-break service areas per base and team type: nested, containing every road node reached in time."""

from __future__ import annotations

import json
from typing import Any

import networkx as nx
import numpy as np
import pyogrio
import pytest
import shapely.geometry

from planner.cli import main
from planner.coverage.areas import service_area_breaks
from planner.errors import InputError
from planner.roads.conditions import travel_network
from planner.scenario.files import read_scenario
from planner.scenario.network import placement
from tests.conftest import MINI

AROUND_B1 = {"type": "Polygon", "coordinates": [[[117.045, 36.655], [117.055, 36.655], [117.055, 36.665],
                                                  [117.045, 36.665], [117.045, 36.655]]]}


@pytest.fixture(scope="module")
def mini():
    return read_scenario(MINI)


def test_areas_are_nested_and_hold_every_node_reached_in_time(mini) -> None:
    areas = service_area_breaks(mini, "fire", [3, 5])
    shapes = {f["properties"]["minutes"]: shapely.geometry.shape(f["geometry"]) for f in areas["features"]}
    assert [f["properties"]["minutes"] for f in areas["features"]] == [5.0, 3.0]  # largest first
    assert {f["properties"]["base"] for f in areas["features"]} == {"B1"}
    assert shapes[3.0].area < shapes[5.0].area
    assert shapes[3.0].difference(shapes[5.0]).area < 0.02 * shapes[3.0].area  # nested up to simplification
    # Independent reach: networkx Dijkstra from B1 on the placed network, turn-out 1 minute.
    placed = placement(mini)
    graph = placed.network.graph
    source = int(placed.network.node_id[placed.base_node["B1"]])
    for minutes, shape in shapes.items():
        reached = nx.single_source_dijkstra_path_length(graph, source, cutoff=(minutes - 1) * 60,
                                                        weight="travel_time_s")
        ids = np.array(list(reached), dtype=np.int64)
        nodes = placed.network.positions(ids)
        inside = shapely.contains_xy(shape.buffer(1e-4), placed.network.lon[nodes], placed.network.lat[nodes])
        assert inside.mean() > 0.99, (minutes, inside.mean())


def test_a_closure_around_the_base_shrinks_its_areas(mini) -> None:
    free = service_area_breaks(mini, "fire", [5])
    roads = travel_network(mini, {}, closures=AROUND_B1)
    closed = service_area_breaks(mini, "fire", [5], roads=roads)
    assert closed["roads"]["closure_set"] == "drawn"
    before = shapely.geometry.shape(free["features"][0]["geometry"]).area
    after = closed["features"][0]
    assert after["geometry"] is None or shapely.geometry.shape(after["geometry"]).area < 0.5 * before


@pytest.mark.parametrize(("breaks", "field"), [([], "breaks"), ([5, 5], "breaks"), ([0], "breaks"),
                                               ([5, 2000], "breaks")])
def test_bad_breaks_are_refused(mini, breaks: list[float], field: str) -> None:
    with pytest.raises(InputError) as error:
        service_area_breaks(mini, "fire", breaks)
    assert error.value.field == field


def test_unknown_team_type_and_base_are_refused(mini) -> None:
    with pytest.raises(InputError, match="team_type"):
        service_area_breaks(mini, "plumbers", [5])
    with pytest.raises(InputError, match="unknown id 'B9'"):
        service_area_breaks(mini, "fire", [5], bases=["B9"])


def test_api_and_cli_export_geojson(client: Any, auth: Any, tmp_path, capsys) -> None:
    auth.login("viewer")
    answer = client.get("/api/v1/scenarios/mini/coverage/service-areas/breaks?team_type=fire&breaks=3,5")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["type"] == "FeatureCollection" and data["breaks"] == [3.0, 5.0] and len(data["features"]) == 2
    bad = client.get("/api/v1/scenarios/mini/coverage/service-areas/breaks?team_type=fire&breaks=5,x")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "breaks"
    out = tmp_path / "areas.geojson"
    assert main(["service-areas", "--scenario", str(MINI), "--team-type", "fire", "--breaks", "3,5",
                 "--out", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert [f["properties"]["minutes"] for f in written["features"]] == [5.0, 3.0]
    frame = pyogrio.read_dataframe(out)  # GDAL's GeoJSON driver reads the export as a GIS tool would
    assert list(frame["minutes"]) == [5.0, 3.0] and frame.geometry.is_valid.all()
    assert frame.geometry.iloc[0].area > frame.geometry.iloc[1].area  # 5 min reaches further than 3
