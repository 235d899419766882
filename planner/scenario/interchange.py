"""GIS interchange: named layers (GeoJSON FeatureCollections) written as files QGIS and ArcGIS open.

Two formats, each one file per layer: GeoJSON (RFC 7946, WGS-84 lon/lat) and CSV with the geometry as
WKT in a ``wkt`` column (QGIS "Delimited Text", ArcGIS "XY/WKT table"). The layers of bases, sites and
jurisdictions read back through the scenario import (``scenario import``, the inventory upload), the CSV
through its ``wkt`` column. The same layers as one GeoPackage: :mod:`planner.scenario.layerfiles` (GDAL).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

import shapely
import shapely.geometry

from planner.errors import InputError
from planner.scenario.files import WKT_COLUMN, cell_text

FeatureCollection = dict[str, Any]
LayerFormat = Literal["geojson", "csv"]
LAYER_FORMATS: tuple[str, ...] = get_args(LayerFormat)
"""The formats :func:`write_layers` writes: GeoJSON, or CSV with WKT geometry."""


def layer_text(layer: FeatureCollection, layer_format: LayerFormat) -> str:
    """Return one layer as the text of a ``.geojson`` or a ``.csv`` (WKT geometry) file.

    GeoJSON keeps lists and mappings as JSON (QGIS shows them as JSON fields); CSV cells are written
    as a scenario CSV has them (``a;b``, ``key:value;key:value``), so a record layer reads back.
    """
    if layer_format == "geojson":
        return json.dumps(layer, ensure_ascii=False, indent=1)
    if layer_format != "csv":
        raise InputError(f"format {layer_format!r} must be one of {', '.join(LAYER_FORMATS)}", field="format")
    columns: dict[str, None] = {}
    for feature in layer["features"]:
        columns.update(dict.fromkeys(feature.get("properties") or {}))
    ordered = ["id", *(c for c in columns if c != "id")] if "id" in columns else list(columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*ordered, WKT_COLUMN], lineterminator="\n")
    writer.writeheader()
    for feature in layer["features"]:
        properties, geometry = feature.get("properties") or {}, feature.get("geometry")
        wkt = shapely.to_wkt(shapely.geometry.shape(geometry), rounding_precision=7) if geometry else ""
        writer.writerow({**{c: cell_text(properties.get(c)) for c in ordered}, WKT_COLUMN: wkt})
    return buffer.getvalue()


def write_layers(layers: Mapping[str, FeatureCollection], folder: str | Path,
                 layer_format: LayerFormat = "geojson") -> list[Path]:
    """Write each layer as ``folder/NAME.geojson`` or ``folder/NAME.csv``; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, layer in layers.items():
        path = folder / f"{name}.{layer_format}"
        path.write_text(layer_text(layer, layer_format), encoding="utf-8")
        written.append(path)
    return written


def zip_layers(layers: Mapping[str, FeatureCollection], layer_format: LayerFormat = "geojson") -> bytes:
    """Return the layers as one ZIP archive of ``NAME.geojson`` or ``NAME.csv`` files (for a download)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, layer in layers.items():
            archive.writestr(f"{name}.{layer_format}", layer_text(layer, layer_format))
    return buffer.getvalue()
