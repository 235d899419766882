"""China's map datums (GCJ-02, BD-09): published reference pairs, round trips, and ``crs`` on every point input."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from geodata.datums import MapDatum, from_wgs84, to_wgs84
from geodata.projection import haversine_m
from planner.cli import main
from planner.dispatch.requests import IncidentEntry
from planner.errors import InputError
from planner.model.records import Base, Depot, parse_record
from planner.scenario.files import records_csv
from tests.conftest import MINI

# WGS-84 -> GCJ-02 test pairs published with eviltransform (googollee/eviltransform, transform_test.go):
# (wgs lat, wgs lon, gcj lat, gcj lon)
EVILTRANSFORM_PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
# Published by coordtransform (wandergis/coordtransform, README): gcj02tobd09(116.404, 39.915) and
# gcj02towgs84(116.404, 39.915), as (lon, lat).
GCJ_POINT = (116.404, 39.915)
BD_OF_GCJ_POINT = (116.41036949371029, 39.92133699351021)
WGS_OF_GCJ_POINT = (116.39775550083061, 39.91359571849836)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), EVILTRANSFORM_PAIRS)
def test_published_gcj02_pairs_both_ways(wgs_lat: float, wgs_lon: float, gcj_lat: float, gcj_lon: float) -> None:
    assert metres(to_wgs84(gcj_lon, gcj_lat, "gcj02"), (wgs_lon, wgs_lat)) < 1.0
    assert metres(from_wgs84(wgs_lon, wgs_lat, MapDatum.GCJ02), (gcj_lon, gcj_lat)) < 0.05
    assert metres((gcj_lon, gcj_lat), (wgs_lon, wgs_lat)) > 100  # the shift is real: the test could fail


def test_published_bd09_point() -> None:
    assert metres(to_wgs84(*BD_OF_GCJ_POINT, "bd09"), WGS_OF_GCJ_POINT) < 1.0
    assert metres(from_wgs84(*WGS_OF_GCJ_POINT, "bd09"), BD_OF_GCJ_POINT) < 1.0
    assert metres(BD_OF_GCJ_POINT, WGS_OF_GCJ_POINT) > 500


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_round_trips_across_china_stay_within_five_centimetres(datum: str) -> None:
    rng = np.random.default_rng(7)
    worst, shifts = 0.0, []
    for lon, lat in zip(rng.uniform(75, 134, 300), rng.uniform(18, 53, 300), strict=True):
        shifted = from_wgs84(float(lon), float(lat), datum)
        back = to_wgs84(*shifted, datum)
        worst = max(worst, metres(back, (lon, lat)))
        shifts.append(metres(shifted, (lon, lat)))
    assert worst < 0.05  # two roundings to 1e-7 degrees (~1 cm each) and the inverse's last iteration step
    assert min(shifts) > 10 and max(shifts) < 2000


def test_outside_china_points_pass_unchanged_and_unknown_datum_is_named() -> None:
    assert to_wgs84(139.6917, 35.6895, "gcj02") == (139.6917, 35.6895)  # Tokyo
    assert from_wgs84(-0.1276, 51.5072, "bd09") == (-0.1276, 51.5072)
    with pytest.raises(ValueError, match="wgs84, gcj02, bd09"):
        to_wgs84(117.0, 36.6, "gcj-02")


def base_row(lon: float, lat: float, **extra: Any) -> dict[str, Any]:
    return {"id": "B9", "name": "Pasted base", "tier": "local", "jurisdiction": "LX", "lon": lon, "lat": lat, **extra}


def test_a_record_entered_both_ways_is_the_same_record() -> None:
    wgs_lat, wgs_lon, gcj_lat, gcj_lon = EVILTRANSFORM_PAIRS[0]
    from_amap = parse_record(Base, base_row(str(gcj_lon), str(gcj_lat), crs="gcj02"), where="bases.csv line 2")
    from_gps = parse_record(Base, base_row(wgs_lon, wgs_lat))
    assert from_amap == from_gps and from_amap.to_json() == from_gps.to_json()
    assert "crs" not in from_amap.to_json()
    with pytest.raises(InputError) as caught:
        parse_record(Base, base_row(117.0, 36.6, crs="baidu"), where="bases.csv line 3")
    assert caught.value.field == "crs" and "bases.csv line 3" in str(caught.value) and "'bd09'" in str(caught.value)


def test_a_depot_from_amap_is_stored_and_written_in_wgs84() -> None:
    wgs_lat, wgs_lon, gcj_lat, gcj_lon = EVILTRANSFORM_PAIRS[1]
    row = {"id": "D1", "name": "Foam depot", "jurisdiction": "J1"}
    depot = parse_record(Depot, {**row, "lon": str(gcj_lon), "lat": str(gcj_lat), "crs": "gcj02"})
    assert metres((depot.lon, depot.lat), (wgs_lon, wgs_lat)) < 1.0
    assert depot == parse_record(Depot, {**row, "lon": depot.lon, "lat": depot.lat})
    header, line = records_csv("depots", [depot.to_json()]).splitlines()
    assert "crs" not in header.split(",") and "gcj02" not in line and "lon" in header.split(",")


def test_dispatch_incident_in_bd09() -> None:
    entry = IncidentEntry.model_validate({"lon": BD_OF_GCJ_POINT[0], "lat": BD_OF_GCJ_POINT[1], "crs": "bd09",
                                          "type": "high-rise-fire"})
    assert metres((entry.lon, entry.lat), WGS_OF_GCJ_POINT) < 1.0 and "crs" not in entry.model_dump()


def test_api_stores_wgs84_once_whichever_way_the_point_came(client: Any, auth: Any) -> None:
    auth.login("planner")
    wgs = (117.05, 36.66)
    gcj = from_wgs84(*wgs, "gcj02")
    created = client.post("/api/v1/scenarios/mini/records/bases",
                          json={**base_row(gcj[0], gcj[1]), "crs": "gcj02"})
    assert created.status_code == 201, created.get_json()
    stored = client.get("/api/v1/scenarios/mini/records/bases/B9").get_json()
    assert metres((stored["data"]["lon"], stored["data"]["lat"]), wgs) < 0.05 and "crs" not in stored["data"]
    bad = client.post("/api/v1/scenarios/mini/records/bases", json={**base_row(117.0, 36.6), "id": "B8", "crs": "x"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "crs"
    upload = f"id,name,tier,jurisdiction,lon,lat,crs\nB9,Pasted base,local,LX,{gcj[0]},{gcj[1]},gcj02\n"
    checked = client.post("/api/v1/scenarios/mini/import/bases?filename=b.csv&preview=true", data=upload.encode(),
                          content_type="text/csv")
    assert checked.status_code == 200 and checked.get_json()["rows"][0]["action"] == "update"
    assert client.get("/api/v1/scenarios/mini/records/bases").get_json()["records"].count(stored) == 1


def test_whatif_move_to_a_pasted_baidu_point(client: Any, auth: Any) -> None:
    auth.login("planner")
    target = (116.99, 36.67)  # S2, the rail hub: T1 moved there reaches it in turn-out time
    baidu = from_wgs84(*target, "bd09")
    plain = client.post("/api/v1/scenarios/mini/coverage/whatif", json={"move_teams": {"T1": list(target)}})
    pasted = client.post("/api/v1/scenarios/mini/coverage/whatif",
                         json={"move_teams": {"T1": list(baidu)}, "crs": "bd09"})
    unconverted = client.post("/api/v1/scenarios/mini/coverage/whatif", json={"move_teams": {"T1": list(baidu)}})
    assert plain.status_code == pasted.status_code == 200, (plain.get_json(), pasted.get_json())
    assert pasted.get_json()["after"]["sites"] == plain.get_json()["after"]["sites"]
    assert unconverted.get_json()["after"]["sites"] != plain.get_json()["after"]["sites"]


def test_cli_incident_from_amap(cli_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    wgs = (117.06, 36.665)
    amap = from_wgs84(*wgs, "gcj02")
    assert main(["dispatch", "--scenario", str(MINI), "--incident", f"{wgs[0]},{wgs[1]},high-rise-fire",
                 "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["dispatch", "--scenario", str(MINI), "--crs", "gcj02", "--incident",
                 f"{amap[0]},{amap[1]},high-rise-fire", "--json"]) == 0
    pasted = json.loads(capsys.readouterr().out)
    assert pasted["incidents"][0]["lon"] == pytest.approx(wgs[0], abs=1e-6)
    assert pasted["optimal"]["assignments"] == plain["optimal"]["assignments"]
    with pytest.raises(SystemExit) as refused:
        main(["dispatch", "--scenario", str(MINI), "--crs", "baidu", "--incident", "117,36,fire"])
    assert refused.value.code == 2 and "--crs" in capsys.readouterr().err


def test_paste_box_api_converts_a_published_point(client: Any, auth: Any) -> None:
    auth.login("viewer")
    wgs_lat, wgs_lon, gcj_lat, gcj_lon = EVILTRANSFORM_PAIRS[2]
    answer = client.get(f"/api/v1/points/wgs84?lon={gcj_lon}&lat={gcj_lat}&crs=gcj02").get_json()
    assert answer["crs"] == "wgs84" and metres((answer["lon"], answer["lat"]), (wgs_lon, wgs_lat)) < 1.0
    bad = client.get("/api/v1/points/wgs84?lon=117&lat=36&crs=amap")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "crs"
