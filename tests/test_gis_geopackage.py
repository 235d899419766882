"""GeoPackage export read back by GDAL, and bases/sites imported from GeoPackage and Shapefile in any CRS."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from geodata.projection import haversine_m
from planner.cli import main
from planner.coverage.layers import gis_layers
from planner.coverage.verdict import coverage
from planner.errors import InputError
from planner.scenario.files import read_scenario
from planner.scenario.importing import preview_file, preview_upload
from planner.scenario.layerfiles import write_geopackage
from planner.store.database import Store
from tests.conftest import MINI

LAYERS = ["jurisdictions", "bases", "teams", "equipment", "sites", "depots", "service_areas", "service_area_breaks",
          "coverage", "gaps"]


@pytest.fixture(scope="module")
def geopackage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini scenario's layers as one GeoPackage (one break of service areas: the areas cost seconds)."""
    return write_geopackage(gis_layers(read_scenario(MINI), breaks=(5,)),
                            tmp_path_factory.mktemp("gpkg") / "mini.gpkg")


def stored_records(kind: str) -> dict[str, dict[str, Any]]:
    return {r.id: r.to_json() for r in read_scenario(MINI).records(kind)}


def test_geopackage_read_back_by_geopandas_has_the_stores_features_and_attributes(geopackage: Path) -> None:
    listed = pyogrio.list_layers(geopackage)
    assert [str(n) for n in listed[:, 0] if n != "layer_styles"] == LAYERS
    for kind in ("bases", "sites"):
        frame = gpd.read_file(geopackage, layer=kind)
        records = stored_records(kind)
        assert frame.crs.to_epsg() == 4326 and sorted(frame["id"]) == sorted(records) != []
        for row in frame.itertuples():
            record = records[row.id]
            assert (row.geometry.x, row.geometry.y) == pytest.approx((record["lon"], record["lat"]), abs=1e-7)
            for field, value in record.items():
                if field in ("lon", "lat") or isinstance(value, (list, dict)):
                    continue
                read = getattr(row, field)
                assert read == value or (value is None and (read is None or pd.isna(read))), (kind, row.id, field)
    jurisdictions = gpd.read_file(geopackage, layer="jurisdictions").set_index("id")
    for record_id, record in stored_records("jurisdictions").items():
        if record.get("geometry"):
            assert jurisdictions.loc[record_id, "geometry"].equals_exact(shapely.geometry.shape(record["geometry"]),
                                                                        1e-6)
    gaps = gpd.read_file(geopackage, layer="gaps")
    report = coverage(read_scenario(MINI))
    assert list(zip(gaps["site"], gaps["standard"], strict=True)) == [(g.site, g.standard) for g in report.gaps] != []
    assert not gaps["passed"].any() and len(gpd.read_file(geopackage, layer="coverage")) == len(report.sites)
    areas = gpd.read_file(geopackage, layer="service_area_breaks")
    assert len(areas) > 0 and set(areas["minutes"]) == {5.0} and areas.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_geopackage_carries_a_qgis_style_per_layer(geopackage: Path) -> None:
    with sqlite3.connect(geopackage) as database:
        styles = dict(database.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault").fetchall())
        registered = database.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
    assert registered == ("attributes",) and set(styles) == set(LAYERS)
    renderer = ElementTree.fromstring(styles["coverage"].split(">", 1)[1]).find("renderer-v2")
    assert renderer is not None and renderer.get("attr") == "passed" and renderer.get("type") == "categorizedSymbol"


def test_exported_geopackage_imports_back_unchanged(geopackage: Path) -> None:
    scenario = read_scenario(MINI)
    for kind in ("bases", "sites", "jurisdictions"):
        preview = preview_file(scenario, kind, geopackage)
        assert preview.ok, preview.as_dict()
        assert [r.where for r in preview.rows][0] == "mini.gpkg feature 1"
        assert {d["id"]: d for d in preview.documents} == stored_records(kind), kind


def _grid_bases(folder: Path, *, crs: str | None = "EPSG:4548") -> tuple[Path, dict[str, tuple[float, float]]]:
    """The mini bases written by GDAL as a Shapefile in EPSG:4548 (CGCS2000 / 3-degree GK CM 117E, Jinan's grid)."""
    scenario = read_scenario(MINI)
    wgs = {b.id: (b.lon, b.lat) for b in scenario.bases}
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
    frame = gpd.GeoDataFrame({"id": list(wgs), "name": ["moved"] * len(wgs), "tier": ["local"] * len(wgs),
                              "jurisdiction": ["LX"] * len(wgs)},
                             geometry=[shapely.Point(*to_grid.transform(*p)) for p in wgs.values()], crs=crs)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bases_cgcs2000.shp"
    with pytest.warns(UserWarning, match="truncated"):  # GDAL cuts 'jurisdiction' to 10 characters
        frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio")
    return path, wgs


def _zipped(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(path.parent.glob(f"{path.stem}.*")):
            archive.write(part, f"export/{part.name}")
    return buffer.getvalue()


def test_shapefile_in_the_jinan_gauss_kruger_grid_imports_within_a_metre(tmp_path: Path) -> None:
    path, wgs = _grid_bases(tmp_path)
    scenario = read_scenario(MINI)
    assert pyogrio.read_info(path)["crs"] == "EPSG:4548"
    for preview in (preview_upload(scenario, "bases", _zipped(path), "bases.zip"),
                    preview_file(scenario, "bases", path)):
        assert preview.ok, preview.as_dict()
        for document in preview.documents:
            assert haversine_m(document["lon"], document["lat"], *wgs[document["id"]]) < 1.0
            assert document["jurisdiction"] == "LX" and document["name"] == "moved"


def test_a_layer_without_a_crs_is_refused_naming_the_problem(tmp_path: Path) -> None:
    path, _ = _grid_bases(tmp_path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(InputError) as caught:
        preview_upload(read_scenario(MINI), "bases", _zipped(path), "bases.zip")
    assert caught.value.field == "crs" and "bases.zip" in str(caught.value) and ".prj" in str(caught.value)


def test_a_bad_feature_names_its_row_and_field(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"id": ["B7", "B8"], "name": ["a", "b"], "tier": ["local", "galactic"],
                              "jurisdiction": ["LX", "LX"]},
                             geometry=[shapely.Point(117.0, 36.6), shapely.Point(117.01, 36.61)], crs="EPSG:4326")
    path = tmp_path / "new.gpkg"
    frame.to_file(path, layer="new_bases", driver="GPKG", engine="pyogrio")
    with sqlite3.connect(path) as database:  # as QGIS saves it: a table of styles beside the one layer
        database.execute("CREATE TABLE layer_styles (id INTEGER PRIMARY KEY, styleQML TEXT)")
        database.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) "
                         "VALUES ('layer_styles', 'attributes', 'layer_styles')")
    preview = preview_upload(read_scenario(MINI), "bases", path.read_bytes(), path.name)
    assert not preview.ok
    good, bad = preview.rows
    assert good.error is None and bad.field == "tier" and "new.gpkg feature 2" in (bad.error or "")
    assert [d["id"] for d in preview.documents] == ["B7"]


def test_geopackage_with_other_layers_names_them(geopackage: Path) -> None:
    with pytest.raises(InputError) as caught:
        preview_file(read_scenario(MINI), "people", geopackage)
    assert caught.value.field == "layer" and "bases" in str(caught.value)


def test_geopackage_download_and_upload_through_the_api(client: Any, auth: Any) -> None:
    auth.login("planner")
    for page in ("/inventory/?scenario=mini&kind=sites", "/coverage?scenario=mini"):  # the pages that export
        assert 'href="/api/v1/scenarios/mini/export.gpkg"' in client.get(page).get_data(as_text=True), page
    answer = client.get("/api/v1/scenarios/mini/export.gpkg")
    assert answer.status_code == 200 and answer.get_data().startswith(b"SQLite format 3\x00")
    frame = gpd.read_file(io.BytesIO(answer.get_data()), layer="sites")
    assert sorted(frame["id"]) == sorted(s.id for s in read_scenario(MINI).sites)
    assert set(gpd.read_file(io.BytesIO(answer.get_data()), layer="service_area_breaks")["minutes"]) == {
        5.0, 10.0, 15.0, 30.0}
    upload = client.post("/api/v1/scenarios/mini/import/sites?preview=true&filename=sites.gpkg",
                         data=answer.get_data(), content_type="application/geopackage+sqlite3")
    assert upload.status_code == 200 and upload.get_json()["ok"] and upload.get_json()["written"] is False


def test_zipped_shapefile_through_the_import_page(client: Any, auth: Any, tmp_path: Path) -> None:
    path, wgs = _grid_bases(tmp_path)
    auth.login("planner")
    checked = client.post("/inventory/bases/import?scenario=mini", data={
        "scenario": "mini", "file": (io.BytesIO(_zipped(path)), "bases.zip")}, content_type="multipart/form-data")
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "bases.zip feature 3" in page
    text = page.split('<textarea name="text" hidden>', 1)[1].split("</textarea>", 1)[0]
    confirmed = client.post("/inventory/bases/import?scenario=mini", data={
        "scenario": "mini", "filename": "bases.zip", "confirm": "yes", "text": text.replace("&#34;", '"')})
    assert confirmed.status_code == 302
    stored = client.get("/api/v1/scenarios/mini/records/bases").get_json()
    moved = {b["data"]["id"]: b["data"] for b in stored["records"]}
    for record_id, point in wgs.items():
        assert haversine_m(moved[record_id]["lon"], moved[record_id]["lat"], *point) < 1.0


def test_cli_exports_a_geopackage_and_imports_a_shapefile(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The store's scenario out as a GeoPackage, then bases in from a Shapefile on disk (.shp with its siblings)."""
    assert main(["scenario", "load", str(MINI)]) == 0
    assert main(["scenario", "export", "mini", str(cli_env / "out"), "--format", "gpkg", "--breaks", "none"]) == 0
    assert "mini.gpkg" in capsys.readouterr().out
    frame = gpd.read_file(cli_env / "out" / "mini.gpkg", layer="bases")
    assert sorted(frame["id"]) == sorted(read_scenario(MINI).by_id("bases"))
    assert len(gpd.read_file(cli_env / "out" / "mini.gpkg", layer="service_area_breaks")) == 0
    path, wgs = _grid_bases(cli_env / "shp")
    assert main(["scenario", "import", "mini", "bases", str(path)]) == 0
    assert "imported 0 new and 3 updated bases" in capsys.readouterr().out
    store = Store()
    try:
        bases = store.load_scenario("mini").by_id("bases")
    finally:
        store.close()
    for record_id, point in wgs.items():
        assert haversine_m(bases[record_id].lon, bases[record_id].lat, *point) < 1.0  # type: ignore[attr-defined]
