"""Read and write a scenario folder: ``scenario.yaml`` plus one CSV or GeoJSON file per record kind.

Layout (see ``scenarios/SCHEMA.md``): ``scenario.yaml`` (metadata, network, speeds),
``jurisdictions.geojson`` (polygons), ``bases.csv``, ``teams.csv``, ``equipment.csv``, ``sites.csv``,
``standards.csv``, ``people.csv``, ``shifts.csv``, ``depots.csv``, ``stocks.csv`` and ``agreements.json``
(:func:`records_csv` writes one kind's CSV). Point layers may be given as ``.geojson`` instead of
``.csv``. List cells in CSV use ``;`` (``heavy;drainage``), mappings ``key:value;key:value``.
Every problem raises ``InputError`` naming the file, the line or feature, the field and the problem.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import shapely
import shapely.errors
import shapely.wkt
import yaml

from geodata.errors import GeodataError
from geodata.projection import geometry_to_wgs84
from planner.errors import InputError
from planner.model.reading import csv_dicts, csv_lines, parse_json, parse_yaml, read_text
from planner.model.records import RECORD_TYPES, Record, parse_record, stored_fields
from planner.scenario.model import Scenario
from planner.scenario.paths import scenario_path

_LIST_FIELDS = {"capabilities", "standards", "site_kinds", "tiers", "people"}
_DICT_FIELDS = {("teams", "capabilities")}
STRUCTURED_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("people", "qualifications"): ("kind", "issuer", "number", "issued", "expires"),
    ("equipment", "maintenance_log"): ("date", "note"),
}
"""Cells holding a list of small records: entries separated by ``;``, their fields by ``|`` in this order
(``mine_rescue|山西煤监局|SX-0012|2023-03-01|2026-02-28``); a field left empty is left out."""
_BOOL_TRUE = {"true", "yes", "1", "y"}
_BOOL_FALSE = {"false", "no", "0", "n", ""}
_POLYGON_KINDS = {"jurisdictions"}
WKT_COLUMN = "wkt"
"""The CSV column of a layer's geometry as WKT (written by :mod:`planner.scenario.interchange`)."""


def read_scenario(folder: str | Path, *, encoding: str | None = None) -> Scenario:
    """Read and validate a whole scenario folder; its text files are UTF-8 unless ``encoding`` says gb18030."""
    folder = scenario_path(folder)
    meta = _read_meta(folder / "scenario.yaml", encoding)
    records: dict[str, list[Record]] = {}
    places: dict[str, list[str]] = {}
    for kind, record_type in RECORD_TYPES.items():
        rows = list(_read_rows(folder, kind, encoding))
        records[kind] = [parse_record(record_type, data, where=where) for where, data in rows]
        for record, (where, _) in zip(records[kind], rows, strict=True):
            places.setdefault(record.id, []).append(where)
    agreements = _read_agreements(folder / "agreements.json", encoding)
    try:
        return Scenario.build(str(meta.get("name", folder.name)), meta, records, agreements)
    except InputError as error:
        found = places.get(error.record or "", [])
        if len(found) != 1:
            raise
        raise InputError(f"{found[0]}: {error}", field=error.field, record=error.record) from None


def read_yaml_file(path: str | Path, encoding: str | None = None) -> Any:
    """Parse a YAML settings file; a missing file or invalid YAML raises ``InputError`` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: {path.name} is missing", field=path.name)
    return parse_yaml(read_text(path, encoding, field=path.name), path.name)


def _read_meta(path: Path, encoding: str | None) -> dict[str, Any]:
    meta = read_yaml_file(path, encoding)
    if not isinstance(meta, dict):
        raise InputError(f"{path.name}: must be a mapping of settings", field="scenario.yaml")
    return meta


def _read_rows(folder: Path, kind: str, encoding: str | None) -> Iterable[tuple[str, dict[str, Any]]]:
    csv_path, geojson_path = folder / f"{kind}.csv", folder / f"{kind}.geojson"
    if csv_path.is_file() and geojson_path.is_file():
        raise InputError(f"{folder.name}: both {kind}.csv and {kind}.geojson exist; keep one", field=kind)
    if geojson_path.is_file():
        yield from read_geojson_rows(geojson_path, kind, encoding)
    elif csv_path.is_file():
        yield from read_csv_rows(csv_path, kind, encoding)


def read_csv_rows(path: Path, kind: str, encoding: str | None = None) -> Iterable[tuple[str, dict[str, Any]]]:
    """Rows of a record CSV as ``(where, data)`` with cells converted to lists, mappings and booleans."""
    yield from csv_text_rows(csv_lines(read_text(path, encoding)), path.name, kind)


def csv_text_rows(lines: Iterable[str], name: str, kind: str) -> Iterable[tuple[str, dict[str, Any]]]:
    """Rows of CSV text (any iterable of lines, line ends kept) as ``(where, data)``."""
    header, records = csv_dicts(lines, name)
    if "id" not in header:
        raise InputError(f"{name}: the header must include an 'id' column", field="id")
    for line, row in records:
        if None in row:
            raise InputError(f"{name} line {line}: more cells than header columns", field="row")
        yield f"{name} line {line}", csv_cells(kind, row, where=f"{name} line {line}")  # type: ignore[arg-type]


def text_rows(text: str, name: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """Rows of an uploaded CSV or GeoJSON text (GeoJSON when it starts with ``{``)."""
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        return list(geojson_rows(text, name, kind))
    return list(csv_text_rows(csv_lines(text), name, kind))


def csv_cells(kind: str, row: Mapping[str, str | None], *, where: str = "") -> dict[str, Any]:
    """Convert one CSV row's text cells to the values a record expects; empty cells are left out.

    A ``wkt`` cell (as GIS tools write a CSV layer: ``POINT (117.02 36.67)``) gives the point's lon/lat,
    or a jurisdiction's boundary.
    """
    data: dict[str, Any] = {}
    for key, raw in row.items():
        text = (raw or "").strip()
        if key == WKT_COLUMN and text:
            data.update(_wkt_cells(kind, text, where))
        elif (kind, key) in STRUCTURED_FIELDS:
            data[key] = _parse_entries(text, STRUCTURED_FIELDS[(kind, key)])
        elif key in _LIST_FIELDS and (kind, key) in _DICT_FIELDS:
            data[key] = _parse_mapping(text)
        elif key in _LIST_FIELDS:
            data[key] = [part.strip() for part in text.split(";") if part.strip()]
        elif key in ("illustrative", "approximate"):
            lowered = text.lower()
            data[key] = lowered in _BOOL_TRUE if lowered in _BOOL_TRUE | _BOOL_FALSE else text
        elif text:
            data[key] = text
    return data


def _wkt_cells(kind: str, text: str, where: str) -> dict[str, Any]:
    """Return ``lon``/``lat`` of a WKT point, or ``geometry`` of a WKT polygon for a polygon kind."""
    try:
        shape = shapely.wkt.loads(text)
    except shapely.errors.ShapelyError as error:
        raise InputError(f"{where}: wkt: not a WKT geometry ({error})", field=WKT_COLUMN) from None
    if kind in _POLYGON_KINDS:
        return {"geometry": json.loads(shapely.to_geojson(shape))}
    if shape.geom_type != "Point" or shape.is_empty:
        raise InputError(f"{where}: wkt: must be a POINT, not {shape.geom_type}", field=WKT_COLUMN)
    return {"lon": shape.x, "lat": shape.y}


def _parse_entries(text: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """Entries of a structured cell; a part beyond the known fields is kept under ``extra`` (refused by validation)."""
    entries = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        values = [v.strip() for v in part.split("|")]
        entry = {name: value for name, value in zip(names, values, strict=False) if value}
        if len(values) > len(names):
            entry["extra"] = "|".join(values[len(names):])
        entries.append(entry)
    return entries


def _parse_mapping(text: str) -> dict[str, Any] | str:
    result: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, value = part.partition(":")
        if not sep:
            return text  # let validation report the malformed cell
        result[key.strip()] = value.strip()
    return result


def read_geojson_rows(path: Path, kind: str, encoding: str | None = None) -> Iterable[tuple[str, dict[str, Any]]]:
    """Features of a GeoJSON FeatureCollection as ``(where, data)``; points give lon/lat, polygons geometry."""
    yield from geojson_rows(read_text(path, encoding), path.name, kind)


def geojson_rows(text: str, name: str, kind: str) -> Iterable[tuple[str, dict[str, Any]]]:
    """Features of GeoJSON text as ``(where, data)``."""
    document = parse_json(text, name, field="file", language="GeoJSON")
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InputError(f"{name}: malformed GeoJSON (expected a FeatureCollection)", field="type")
    features = document.get("features")
    if not isinstance(features, list):
        raise InputError(f"{name}: malformed GeoJSON ('features' must be a list)", field="features")
    crs = _declared_crs(document, name)
    for number, feature in enumerate(features, start=1):
        where = f"{name} feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InputError(f"{where}: malformed GeoJSON (not a Feature)", field="features")
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry")
        if not isinstance(properties, dict):
            raise InputError(f"{where}: properties must be an object", field="properties")
        data = {k: v for k, v in properties.items() if v is not None and v != ""}
        if crs and isinstance(geometry, dict):
            geometry = _reprojected(geometry, crs, where)
        if kind in _POLYGON_KINDS:
            if geometry is not None:
                data["geometry"] = geometry
        else:
            coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if not isinstance(geometry, dict) or geometry.get("type") != "Point" or not isinstance(coordinates, list) \
                    or len(coordinates) < 2:
                raise InputError(f"{where}: geometry must be a Point with [lon, lat]", field="geometry",
                                 record=str(data.get("id", "?")))
            data["lon"], data["lat"] = coordinates[0], coordinates[1]
        yield where, data


def _declared_crs(document: dict[str, Any], name: str) -> str | None:
    """Return the CRS a GeoJSON file declares, if any: ``"crs": {"properties": {"name": "EPSG:4548"}, ...}``.

    RFC 7946 GeoJSON is WGS-84 and has no ``crs``; QGIS, ArcGIS and GDAL still write the older member
    for other systems, so such a file is read in its own CRS and transformed to WGS-84.
    """
    declared = document.get("crs")
    if declared is None:
        return None
    crs = declared.get("properties", {}).get("name") if isinstance(declared, dict) and isinstance(
        declared.get("properties"), dict) else None
    if not isinstance(crs, str) or not crs.strip():
        raise InputError(f"{name}: crs must be {{\"type\": \"name\", \"properties\": {{\"name\": \"EPSG:...\"}}}}",
                         field="crs")
    return crs


def _reprojected(geometry: dict[str, Any], crs: str, where: str) -> dict[str, Any]:
    try:
        return geometry_to_wgs84(geometry, crs)
    except GeodataError as error:
        raise InputError(f"{where}: {error}", field="crs") from None
    except (ValueError, TypeError, AttributeError) as error:  # shapely's complaints about malformed geometry
        raise InputError(f"{where}: malformed geometry ({error})", field="geometry") from None


def _read_agreements(path: Path, encoding: str | None) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    document = parse_json(read_text(path, encoding), path.name, field="file")
    if not isinstance(document, list) or not all(isinstance(a, dict) for a in document):
        raise InputError(f"{path.name}: must be a list of agreement objects", field="agreements")
    return document


def write_scenario(scenario: Scenario, folder: str | Path) -> Path:
    """Write a scenario folder that ``read_scenario`` reads back to an equal scenario."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"name": scenario.name, **{k: v for k, v in scenario.meta.items() if k != "name"}}
    (folder / "scenario.yaml").write_text(
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    for kind, record_type in RECORD_TYPES.items():
        records = scenario.records(kind)
        for stale in (folder / f"{kind}.csv", folder / f"{kind}.geojson"):
            stale.unlink(missing_ok=True)
        if kind in _POLYGON_KINDS:
            _write_polygons(folder / f"{kind}.geojson", records)
        else:
            _write_csv(folder / f"{kind}.csv", kind, record_type, records)
    (folder / "agreements.json").write_text(
        json.dumps(list(scenario.agreements), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return folder


def _write_csv(path: Path, kind: str, record_type: type[Record], records: Iterable[Record]) -> None:
    text = records_csv(kind, [r.model_dump(mode="json") for r in records])
    path.write_text(text, encoding="utf-8", newline="")


def records_csv(kind: str, rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Return records of one kind (their JSON forms) as the CSV text a scenario folder holds and imports read.

    ``columns`` default to every stored field of the kind's record type, in order (no ``crs``: points are
    WGS-84); a reader who may not see some fields (people's names) is given the columns it may see.
    """
    columns = list(columns if columns is not None else stored_fields(kind))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for data in rows:
        writer.writerow({c: record_cell(kind, c, data.get(c)) for c in columns})
    return out.getvalue()


def record_cell(kind: str, key: str, value: Any) -> str:
    """Return a record field's JSON value as its CSV cell, structured cells (qualifications) included."""
    names = STRUCTURED_FIELDS.get((kind, key))
    if names is not None and isinstance(value, (list, tuple)):
        return ";".join("|".join(cell_text(entry.get(name)) for name in names).rstrip("|")
                        for entry in value if isinstance(entry, dict))
    return cell_text(value)


def cell_text(value: Any) -> str:
    """Return a value as it is written in a CSV cell (lists with `;`, mappings `key:value;...`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ";".join(f"{k}:{v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ";".join(cell_text(v) for v in value)
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def _write_polygons(path: Path, records: Iterable[Record]) -> None:
    features = []
    for record in records:
        properties = record.model_dump(mode="json", exclude={"geometry"})
        features.append({"type": "Feature", "properties": properties, "geometry": getattr(record, "geometry", None)})
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
