"""Standby points (集结待命点) teams may be pre-positioned to: rows of ``staging_points.csv``, parsed and checked."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, RootModel, field_serializer, model_validator

from planner.errors import InputError
from planner.model.reading import csv_dicts, csv_lines, read_text
from planner.model.validation import Model, Text, validate

__all__ = [
    "StagingPoint",
    "StagingPoints",
    "read_staging_points",
    "staging_points_from_rows",
]


class StagingPoint(Model):
    """A listed standby point (集结待命点) where teams may be pre-positioned (one row of ``staging_points.csv``).

    ``capacity`` is the number of teams it holds (None: no limit); ``team_types`` the types it
    admits (empty: any; ``;``-separated in the CSV); ``jurisdiction`` the region it lies in ('' = found
    from the boundaries). Columns the model does not know (notes) are ignored.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    id: Text
    name: str = ""
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    name_zh: str = ""
    jurisdiction: str = ""
    capacity: int | None = Field(default=None, ge=1)
    team_types: frozenset[str] = frozenset()
    source: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_csv_cells(cls, row: Any) -> Any:
        if not isinstance(row, Mapping):
            return row
        cells = {k: v for k, v in row.items() if k is not None and v is not None and v != ""}
        if isinstance(cells.get("team_types"), str):
            cells["team_types"] = [t for t in cells["team_types"].split(";") if t.strip()]
        if not str(cells.get("name", "")).strip():
            cells["name"] = cells.get("id", "")
        return cells

    @field_serializer("team_types")
    def _sorted_types(self, types: frozenset[str]) -> tuple[str, ...]:
        """Write the team types in order, so the same point always reads the same (API answers, exports)."""
        return tuple(sorted(types))


class StagingPoints(RootModel[tuple[StagingPoint, ...]]):
    """The ``staging_points`` settings document: rows of ``staging_points.csv``."""


def read_staging_points(path: str | Path) -> tuple[StagingPoint, ...]:
    """Staging points from a CSV (``id,name,name_zh,lon,lat,jurisdiction,capacity,team_types,source``).

    ``InputError`` names the file, the line and the field.
    """
    path = Path(path)
    _, records = csv_dicts(csv_lines(read_text(path, field="staging_points")), path.name)
    return staging_points_from_rows([row for _, row in records], where=path.name)


def staging_points_from_rows(rows: Any, *, where: str = "staging_points") -> tuple[StagingPoint, ...]:
    """Staging points from CSV rows (mappings of column to text), as read from the file or stored."""
    points = validate(StagingPoints, rows, what=where, field="staging_points",
                               item_label=lambda _section, index, _row: f"line {index + 2}").root
    ids = [p.id for p in points]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise InputError(f"{where}: duplicate staging point id {duplicate!r}", field="id", record=duplicate)
    return points
