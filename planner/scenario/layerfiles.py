"""GDAL layer files: a scenario's layers written as one GeoPackage; bases and sites read from GIS files.

Writing: every layer (:func:`planner.coverage.layers.gis_layers`) becomes one table of one GeoPackage in
WGS-84 (EPSG:4326), through pyogrio (GDAL bundled in its wheels); lists and mappings are written as their
CSV cells (``a;b``, ``key:value``) so a record layer reads back, and each layer gets a simple QGIS style
in the ``layer_styles`` table, which QGIS applies when the layer is opened.

Reading: a GeoPackage (the layer named like the kind, or its only layer), a Shapefile (a ``.zip`` of the
``.shp`` and its siblings, or a ``.shp`` on disk beside them) or any other file GDAL reads, in any CRS
the file declares (``.prj``, the layer's CRS): each feature is turned into the cells of a CSV row, its
geometry transformed to WGS-84 and written as WKT, and handed to :func:`planner.scenario.files.csv_cells`,
so the rows go through the one row-level validation CSV uploads go through. A layer without a CRS is
refused rather than guessed.
"""

from __future__ import annotations

import io
import math
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely
import shapely.geometry

from geodata.errors import GeodataError
from geodata.projection import geometry_to_wgs84
from planner.errors import InputError
from planner.model.records import stored_fields
from planner.scenario.files import WKT_COLUMN, cell_text, csv_cells
from planner.scenario.layerstyles import layer_style_qml

FeatureCollection = dict[str, Any]
Rows = list[tuple[str, dict[str, Any]]]
LAYER_SUFFIXES = (".gpkg", ".shp", ".zip")
"""File names read as GIS layers (through GDAL) rather than as CSV or GeoJSON text."""
_GPKG_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGIC = b"PK\x03\x04"
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
"""A zipped Shapefile may unpack to at most this many bytes (a guard against ZIP bombs)."""
_SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"}
_POLYGON_TYPES = {"Polygon", "MultiPolygon"}
_WGS84 = "EPSG:4326"


# --- writing ---------------------------------------------------------------------------------------------------


def write_geopackage(layers: Mapping[str, FeatureCollection], path: str | Path) -> Path:
    """Write every layer as one table of a GeoPackage at ``path`` (replaced if it exists), with QGIS styles."""
    path = Path(path)
    path.unlink(missing_ok=True)
    for name, layer in layers.items():
        _write_layer(path, name, layer["features"])
    _write_styles(path, list(layers))
    return path


def geopackage_bytes(layers: Mapping[str, FeatureCollection]) -> bytes:
    """Return the layers as the bytes of one GeoPackage file (for a download)."""
    with tempfile.TemporaryDirectory(prefix="planner-gpkg-") as folder:
        return write_geopackage(layers, Path(folder) / "layers.gpkg").read_bytes()


def _write_layer(path: Path, name: str, features: list[dict[str, Any]]) -> None:
    shapes = [shapely.geometry.shape(f["geometry"]) if f.get("geometry") else None for f in features]
    kinds = {s.geom_type for s in shapes if s is not None}
    mixed_polygons = kinds == _POLYGON_TYPES  # promoted to MultiPolygon: one type a layer, as QGIS likes it
    geometry_type = "MultiPolygon" if mixed_polygons else kinds.pop() if len(kinds) == 1 else \
        "Point" if not kinds else "Unknown"
    columns: dict[str, None] = {}
    for feature in features:
        columns.update(dict.fromkeys(feature.get("properties") or {}))
    names = ["id", *(c for c in columns if c != "id")] if "id" in columns else list(columns) or ["id"]
    data, masks = [], []
    for column in names:
        values = [(f.get("properties") or {}).get(column) for f in features]
        array, mask = _column(values)
        data.append(array)
        masks.append(mask)
    pyogrio.raw.write(path, np.array(shapely.to_wkb(np.array(shapes, dtype=object)), dtype=object), data, names,
                      field_mask=masks, layer=name, driver="GPKG", geometry_type=geometry_type, crs=_WGS84,
                      promote_to_multi=mixed_polygons or None, append=path.exists())


def _column(values: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return a column as a typed array (bool, integer, float or text) and its mask of nulls."""
    mask = np.array([v is None for v in values], dtype=bool)
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return np.array([bool(v) for v in values], dtype=bool), mask
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return np.array([v or 0 for v in values], dtype=np.int64), mask
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64), mask
    return np.array([None if v is None else cell_text(v) for v in values], dtype=object), mask


def _write_styles(path: Path, names: Iterable[str]) -> None:
    """Add QGIS's ``layer_styles`` table, registered as a GeoPackage attributes table, one default style a layer."""
    with sqlite3.connect(path) as database:
        database.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),"
            " f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30),"
            " styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),"
            " update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))")
        database.execute("INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description) "
                         "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles')")
        geometry = dict(database.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        for name in names:
            qml = layer_style_qml(name)
            if qml is None or name not in geometry:
                continue
            database.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                             "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner) "
                             "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'rescue planner')",
                             (name, geometry[name], name, qml, f"{name}: default style"))


# --- reading ---------------------------------------------------------------------------------------------------


def is_layer_file(data: bytes, filename: str) -> bool:
    """Tell whether an upload is a GeoPackage or a zipped Shapefile (by its first bytes or its name)."""
    return data.startswith((_GPKG_MAGIC, _ZIP_MAGIC)) or Path(filename).suffix.lower() in LAYER_SUFFIXES


def layer_file_rows(source: bytes | Path, filename: str, kind: str) -> Rows:
    """Rows ``(where, data)`` of a GIS layer file (GeoPackage, zipped Shapefile, ``.shp`` on disk), in WGS-84.

    ``source`` is the file's bytes (an upload) or its path (a ``.shp`` is read with its sibling files).
    """
    if isinstance(source, Path):
        return _dataset_rows(source, filename, kind)
    with tempfile.TemporaryDirectory(prefix="planner-layer-") as folder:
        return _dataset_rows(_unpacked(source, filename, Path(folder)), filename, kind)


def _unpacked(data: bytes, filename: str, folder: Path) -> Path:
    """Write an upload into ``folder``: a GeoPackage as it is, a ZIP's Shapefile parts (the first ``.shp`` set)."""
    if not data.startswith(_ZIP_MAGIC):
        if Path(filename).suffix.lower() == ".shp":
            raise InputError(f"{filename}: a Shapefile needs its .shx, .dbf and .prj; upload the files as one .zip",
                             field="file")
        path = folder / "upload.gpkg"
        path.write_bytes(data)
        return path
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
            raise InputError(f"{filename}: unpacks to more than {MAX_UNZIPPED_BYTES // 2**20} MB", field="file")
        layers = sorted(m.filename for m in members if PurePosixPath(m.filename).suffix.lower() in (".shp", ".gpkg"))
        if not layers:
            raise InputError(f"{filename}: the ZIP holds no .shp (with its .shx, .dbf, .prj) or .gpkg", field="file")
        stem = PurePosixPath(layers[0]).with_suffix("")
        for member in members:
            inner = PurePosixPath(member.filename)
            if inner.with_suffix("") == stem and inner.suffix.lower() in _SHAPEFILE_PARTS | {".gpkg"}:
                (folder / f"layer{inner.suffix.lower()}").write_bytes(archive.read(member))
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise InputError(f"{filename}: not a readable ZIP ({error})", field="file") from None
    return folder / f"layer{PurePosixPath(layers[0]).suffix.lower()}"


def _dataset_rows(path: Path, filename: str, kind: str) -> Rows:
    try:
        listed = pyogrio.list_layers(path)
        spatial = [str(name) for name, geometry in listed if geometry is not None]  # not QGIS's layer_styles
        layer = _chosen_layer(spatial, filename, kind)
        meta, _, geometry, values = pyogrio.raw.read(path, layer=layer, datetime_as_string=True)
    except pyogrio.errors.DataSourceError as error:
        raise InputError(f"{filename}: not a GIS file GDAL reads ({error})", field="file") from None
    except pyogrio.errors.DataLayerError as error:
        raise InputError(f"{filename}: layer {layer!r} cannot be read ({error})", field="file") from None
    crs = meta.get("crs")
    if not crs:
        raise InputError(f"{filename}: layer {layer!r} has no coordinate reference system (a Shapefile's .prj is "
                         "missing?); save it with its CRS, e.g. EPSG:4326 or EPSG:4548", field="crs")
    fields = _field_names(kind, [str(f) for f in meta["fields"]])
    count = len(geometry) if geometry is not None else len(values[0]) if values else 0
    shapes = shapely.from_wkb(geometry) if geometry is not None else [None] * count
    rows: Rows = []
    for number, shape in enumerate(shapes, start=1):
        where = f"{filename} feature {number}"
        cells = {name: _cell(column[number - 1]) for name, column in zip(fields, values, strict=True)}
        if shape is not None and not shape.is_empty:
            cells[WKT_COLUMN] = shapely.to_wkt(_in_wgs84(shape, str(crs), filename), rounding_precision=9)
        rows.append((where, csv_cells(kind, cells, where=where)))
    return rows


def _in_wgs84(shape: shapely.Geometry, crs: str, filename: str) -> shapely.Geometry:
    """Return a geometry in the layer's CRS transformed to WGS-84 (:func:`geodata.projection.geometry_to_wgs84`)."""
    try:
        return shapely.geometry.shape(geometry_to_wgs84(shapely.geometry.mapping(shape), crs))
    except GeodataError as error:
        raise InputError(f"{filename}: {error}", field="crs") from None


def _chosen_layer(names: list[str], filename: str, kind: str) -> str:
    """Return the layer named like the kind, else the only layer; refuse several others, naming them."""
    if kind in names:
        return kind
    if len(names) == 1:
        return names[0]
    raise InputError(f"{filename}: {len(names)} layers ({', '.join(names)}) and none is named {kind!r}; "
                     f"name the layer {kind!r} or upload only it", field="layer")


def _field_names(kind: str, names: list[str]) -> list[str]:
    """Map Shapefile field names cut to 10 characters (``jurisdicti``) back to the record's fields."""
    known = list(stored_fields(kind))
    out = []
    for name in names:
        longer = [f for f in known if len(name) == 10 and f.startswith(name) and f != name]
        out.append(longer[0] if name not in known and len(longer) == 1 else name)
    return out


def _cell(value: Any) -> str | None:
    """Return a field value as the text of a CSV cell: integral floats as integers, nulls as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)
