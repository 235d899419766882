"""Preview an upload of records (CSV, GeoJSON, GeoPackage or Shapefile) row by row before anything is written.

Each row is validated on its own, so the user sees every bad row with its line and field at once;
then the scenario with all the rows merged in is checked as a whole, by the check the store makes on
every write (``planner.scenario.validity``: references, duplicates, duty shifts that overlap, agreements,
snapping to the network); a problem of the whole that names an uploaded record is reported on that
record's row, with its file and line. Only a clean preview may be written, and it is written in one
transaction. A GIS file (GeoPackage, Shapefile) is first turned into the rows a CSV gives
(:func:`planner.scenario.layerfiles.layer_file_rows`), so every format meets the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import InputError
from planner.model.reading import decode
from planner.model.records import RECORD_TYPES, parse_record
from planner.scenario.files import text_rows
from planner.scenario.layerfiles import is_layer_file, layer_file_rows
from planner.scenario.model import Scenario
from planner.scenario.validity import check_scenario


@dataclass(frozen=True)
class RowCheck:
    """One uploaded row: where it came from, its id, and its problem if any."""

    where: str
    record_id: str
    action: str
    error: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class ImportPreview:
    """What an upload would do: per-row checks, a scenario-level problem, and the documents to write."""

    kind: str
    rows: tuple[RowCheck, ...]
    problem: str | None
    documents: tuple[dict[str, Any], ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when every row and the merged scenario are valid."""
        return self.problem is None and all(r.error is None for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {"kind": self.kind, "ok": self.ok, "problem": self.problem,
                "rows": [r.__dict__ for r in self.rows]}


def preview_import(scenario: Scenario, kind: str, text: str, filename: str = "upload") -> ImportPreview:
    """Check an upload of ``kind`` records (CSV or GeoJSON text) against ``scenario`` without writing anything."""
    _check_kind(kind)
    return _preview_rows(scenario, kind, text_rows(text, filename, kind), filename)


def preview_upload(scenario: Scenario, kind: str, data: bytes, filename: str = "upload",
                   encoding: str | None = None, *, field: str = "file") -> ImportPreview:
    """Check an uploaded file's bytes: a GeoPackage or zipped Shapefile as GIS layers, else CSV/GeoJSON text.

    ``encoding`` is the declared encoding of a text file and ``field`` the name undecodable text is
    refused under (:func:`planner.model.reading.decode`).
    """
    _check_kind(kind)
    if is_layer_file(data, filename):
        return _preview_rows(scenario, kind, layer_file_rows(data, filename, kind), filename)
    return preview_import(scenario, kind, decode(data, filename, encoding, field=field), filename)


def preview_file(scenario: Scenario, kind: str, path: Path, encoding: str | None = None) -> ImportPreview:
    """Check a file on disk: a ``.shp`` read with its sibling files, any other as :func:`preview_upload` reads it."""
    _check_kind(kind)
    if path.suffix.lower() == ".shp":
        if not path.is_file():
            raise InputError(f"{path.name}: cannot read (no such file)", field="file")
        return _preview_rows(scenario, kind, layer_file_rows(path, path.name, kind), path.name)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path.name}: cannot read ({error.strerror or error})", field="file") from None
    return preview_upload(scenario, kind, data, path.name, encoding)


def _check_kind(kind: str) -> None:
    if kind not in RECORD_TYPES:
        raise InputError(f"cannot import {kind!r}; kinds: {', '.join(RECORD_TYPES)}", field="kind")


def _preview_rows(scenario: Scenario, kind: str, rows: list[tuple[str, dict[str, Any]]],
                  filename: str) -> ImportPreview:
    """Check rows ``(where, data)`` one by one, then the scenario with them merged in."""
    if not rows:
        raise InputError(f"{filename}: no rows to import", field="file")
    existing = {r.id for r in scenario.records(kind)}
    checks, documents, records = [], [], []
    for where, data in rows:
        record_id = str(data.get("id", ""))
        action = "update" if record_id in existing else "create"
        try:
            record = parse_record(RECORD_TYPES[kind], data, where=where)
        except InputError as error:
            checks.append(RowCheck(where, record_id, action, str(error), error.field))
            continue
        checks.append(RowCheck(where, record_id, action))
        records.append(record)
        documents.append(record.model_dump(mode="json"))
    problem = None
    if len(records) == len(rows):
        merged = _merged_problem(scenario, kind, records)
        if merged is not None:
            problem = str(merged)
            for index, check in enumerate(checks):
                if merged.record is not None and check.record_id == merged.record:
                    problem = f"{check.where}: {merged}"
                    checks[index] = RowCheck(check.where, check.record_id, check.action, problem, merged.field)
                    break
    return ImportPreview(kind, tuple(checks), problem, tuple(documents))


def _merged_problem(scenario: Scenario, kind: str, records: list[Any]) -> InputError | None:
    """Return the first problem of the scenario with the uploaded records merged in, or None."""
    ids = [r.id for r in records]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        first = sorted(duplicates)[0]
        return InputError(f"the upload repeats id(s) {', '.join(sorted(duplicates))}", field="id", record=first)
    merged = {r.id: r for r in scenario.records(kind)}
    merged.update({r.id: r for r in records})
    grouped = {k: list(scenario.records(k)) for k in RECORD_TYPES}
    grouped[kind] = list(merged.values())
    try:
        check_scenario(Scenario.build(scenario.name, scenario.meta, grouped, scenario.agreements))
    except InputError as error:
        return error
    return None
