"""Models of the roads routes (``web.roads``) and of the road fields other requests share.

A closure set is the planner's :class:`planner.roads.closures.ClosureSet` (the document's own model);
the road fields (``closures``, ``at``, ``band``) are the same in every request that routes: a coverage
report or service areas (query string: a stored set's name), a what-if, a dispatch (JSON body: a name
or a GeoJSON geometry drawn with the request).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from planner.roads.bands import Band
from planner.roads.closures import ClosureEntry
from web.schemas.common import Answer, QueryString, RequestBody, Version, absent

CLOSURES_HELP = ("a stored closure set's name, or a GeoJSON Polygon/MultiPolygon (a Feature or FeatureCollection "
                 "too) whose roads are closed for this request")
AT_HELP = "ISO date-time whose time band applies, e.g. 2026-07-01T08:00 (without an offset: the scenario's zone)"
BAND_HELP = "a time band's id (speed_profiles); give at or band, not both"


class RoadsQuery(QueryString):
    """Closures and time band of a report (by the stored set's name)."""

    closures: str | None = absent("a stored closure set's name, or a GeoJSON Polygon as JSON text")
    at: str | None = absent(AT_HELP)
    band: str | None = absent(BAND_HELP)


class RoadFields(RequestBody):
    """Closures and time band of a request that routes; every field may be left out (free flow, no closure)."""

    closures: str | dict[str, Any] | None = Field(None, description=CLOSURES_HELP)
    at: str | None = Field(None, description=AT_HELP)
    band: str | None = Field(None, description=BAND_HELP)


class ClosureSetBody(RequestBody):
    """A closure set to store under the name in the path, with the version of the closures document you read."""

    description: str = Field("", max_length=2000)
    source: str = Field("", max_length=500, description="where the closures come from")
    closures: list[ClosureEntry] = Field(min_length=1, max_length=500)
    expected_version: Version | None = Field(None, description="version of the closures document you read "
                                             "(null when the scenario has none yet)")


class ClosureDeleteQuery(QueryString):
    """The version of the closures document you read."""

    expected_version: int | None = absent("version of the closures document you read")


class ClosureSetSummary(Answer):
    """A stored closure set with its closures."""

    name: str
    description: str
    source: str
    closures: list[dict[str, Any]]


class RoadsAnswer(Answer):
    """A scenario's closure sets and time bands, with the version of the closures document."""

    closure_sets: list[ClosureSetSummary]
    closures_version: int | None
    bands: list[Band]
    bands_source: str


class RoadsApplied(Answer):
    """Which closures and which time band a result was computed under."""

    closure_set: str | None
    closures: list[dict[str, Any]]
    edges_closed: int
    edges_slowed: int
    band: str | None
    band_label: str
    band_source: str
    at: str | None
