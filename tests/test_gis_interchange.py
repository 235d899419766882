"""GIS interchange: layers exported as GeoJSON and CSV-with-WKT read back by GDAL (geopandas), imports in any CRS."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import shapely.wkt
from pyproj import Transformer

from geodata.projection import haversine_m
from planner.cli import main
from planner.coverage.verdict import coverage
from planner.errors import InputError
from planner.scenario.files import read_scenario
from planner.scenario.importing import preview_import
from planner.store.database import Store
from tests.conftest import MINI

LAYERS = {"jurisdictions", "bases", "teams", "equipment", "sites", "depots", "service_areas", "service_area_breaks",
          "coverage", "gaps"}


@pytest.fixture
def exported(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The mini scenario stored, then exported as GIS layers in both formats."""
    assert main(["scenario", "load", str(MINI)]) == 0
    for layer_format in ("geojson", "csv"):
        assert main(["scenario", "export", "mini", str(cli_env / layer_format), "--format", layer_format,
                     "--breaks", "5"]) == 0
    capsys.readouterr()
    return cli_env


def stored_records(kind: str) -> dict[str, dict[str, Any]]:
    store = Store()
    try:
        return {r.id: r.to_json() for r in store.load_scenario("mini").records(kind)}
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["bases", "sites"])
def test_geojson_layers_read_by_gdal_match_the_store(exported: Path, kind: str) -> None:
    assert {p.stem for p in (exported / "geojson").glob("*.geojson")} == LAYERS
    frame = gpd.read_file(exported / "geojson" / f"{kind}.geojson")
    records = stored_records(kind)
    assert frame.crs.to_epsg() == 4326 and sorted(frame["id"]) == sorted(records)
    for row in frame.itertuples():
        record = records[row.id]
        assert (row.geometry.x, row.geometry.y) == pytest.approx((record["lon"], record["lat"]), abs=1e-7)
        for field, value in record.items():
            if field not in ("lon", "lat") and not isinstance(value, list):
                read = getattr(row, field)
                assert read == value or (value is None and pd.isna(read)), (row.id, field)  # GDAL: null -> NaN


def test_csv_layers_with_wkt_match_the_geojson_ones(exported: Path) -> None:
    for name in LAYERS:
        table = pd.read_csv(exported / "csv" / f"{name}.csv", keep_default_na=False)
        frame = gpd.read_file(exported / "geojson" / f"{name}.geojson")
        assert len(table) == len(frame), name
        for wkt, geometry in zip(table["wkt"], frame.geometry, strict=True):
            if geometry is not None:
                assert shapely.wkt.loads(wkt).equals_exact(geometry, 1e-6), name


def test_gap_layer_is_the_gap_list(exported: Path) -> None:
    gaps = coverage(read_scenario(MINI)).gaps
    layer = json.loads((exported / "geojson" / "gaps.geojson").read_text(encoding="utf-8"))
    assert [(f["properties"]["site"], f["properties"]["standard"]) for f in layer["features"]] == [
        (g.site, g.standard) for g in gaps] != []
    assert [f["properties"]["passed"] for f in layer["features"]] == [False] * len(gaps)
    assert layer["features"][0]["properties"]["risk_grade_label"].startswith("重大风险")


def test_exported_csv_layers_import_back_unchanged(exported: Path) -> None:
    scenario = read_scenario(MINI)
    for kind in ("bases", "sites", "jurisdictions"):
        text = (exported / "csv" / f"{kind}.csv").read_text(encoding="utf-8")
        preview = preview_import(scenario, kind, text, f"{kind}.csv")
        assert preview.ok, preview.as_dict()
        assert {d["id"]: d for d in preview.documents} == stored_records(kind), kind


def test_geojson_in_a_local_gauss_kruger_grid_imports_within_a_metre(tmp_path: Path) -> None:
    """A layer saved by GDAL in EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger CM 117E, Jinan's local grid)."""
    scenario = read_scenario(MINI)
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
    wgs = {b.id: (b.lon, b.lat) for b in scenario.bases}
    grid = [shapely.Point(*to_grid.transform(*point)) for point in wgs.values()]
    frame = gpd.GeoDataFrame({"id": list(wgs), "name": ["moved"] * len(wgs), "tier": ["local"] * len(wgs),
                              "jurisdiction": ["LX"] * len(wgs)}, geometry=grid, crs="EPSG:4548")
    path = tmp_path / "bases_cgcs2000.geojson"
    frame.to_file(path, driver="GeoJSON")
    text = path.read_text(encoding="utf-8")
    assert "4548" in text and grid[0].x > 400_000  # metres in the local grid, not degrees
    preview = preview_import(scenario, "bases", text, path.name)
    assert preview.ok, preview.as_dict()
    for document in preview.documents:
        assert haversine_m(document["lon"], document["lat"], *wgs[document["id"]]) < 1.0
    unknown = text.replace("EPSG::4548", "EPSG::99999")
    with pytest.raises(InputError) as caught:
        preview_import(scenario, "bases", unknown, path.name)
    assert caught.value.field == "crs" and "99999" in str(caught.value)


def test_bad_wkt_cell_names_the_line_and_field() -> None:
    upload = 'id,name,tier,jurisdiction,wkt\nB7,x,local,LX,POINT (117.0 36.6)\nB8,y,local,LX,"LINESTRING (1 2, 3 4)"\n'
    with pytest.raises(InputError) as caught:
        preview_import(read_scenario(MINI), "bases", upload, "b.csv")
    assert caught.value.field == "wkt" and "b.csv line 3" in str(caught.value) and "POINT" in str(caught.value)


def test_layers_zip_download(client: Any, auth: Any) -> None:
    auth.login("planner")
    answer = client.get("/api/v1/scenarios/mini/layers.zip?format=csv")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    assert {Path(n).stem for n in archive.namelist()} == LAYERS
    bases = pd.read_csv(archive.open("bases.csv"))
    assert sorted(bases["id"]) == ["B1", "B2", "B3"] and bases["wkt"].str.startswith("POINT").all()
    bad = client.get("/api/v1/scenarios/mini/layers.zip?format=gpkg")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "format"
