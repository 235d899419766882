"""What every domain record is built on: the id type, the record base with its ``illustrative`` flag, a point.

Its own module so that the record kinds in several modules (``records``, ``personnel``, ``materials``)
share one base without importing each other; ``planner.model.records`` re-exports these names.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from planner.model.datum import MapPoint
from planner.model.validation import Model

Identifier = Annotated[
    str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]*[A-Za-z0-9_:\-][A-Za-z0-9_.:\-]*$")
]
"""Record ids: letters, digits and ``_ . : -``, chosen by the user's data; not dots alone (``.`` and ``..`` cannot
name a record in a URL: clients and servers read them as "this folder" and "the folder above")."""


class Record(Model):
    """Base of every domain record: immutable, unknown fields refused (:class:`Model`), ``illustrative`` flag."""

    id: Identifier
    illustrative: bool = Field(default=False, description="invented for the example, not real data")


class Located(Record, MapPoint):
    """A record with a WGS-84 point (given in WGS-84, GCJ-02 or BD-09: ``crs``, see :class:`MapPoint`)."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
