"""Models of the coverage routes (``web.coverage``): reports, service areas and what-if plans."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from geodata.datums import MapDatum
from planner.model.datum import CRS_DESCRIPTION, MapPoint
from planner.model.records import TeamType, Tier
from planner.model.validation import one_error, refuse
from web.schemas.common import Answer, FeatureCollection, QueryString, RequestBody, absent
from web.schemas.roads import RoadFields, RoadsApplied, RoadsQuery

MAX_CANDIDATES = 500
"""Candidate points of one what-if addition."""

LonLat = Annotated[tuple[Annotated[float, Field(ge=-180, le=180, strict=True)],
                         Annotated[float, Field(ge=-90, le=90, strict=True)]], Field(strict=False)]
"""A point as ``[lon, lat]`` (a JSON array: not strict about the tuple, which :func:`one_error`'s wrap validator
sees as the parsed list; strict about the numbers)."""


class CandidatePoint(RequestBody, MapPoint):
    """A candidate base at a point (WGS-84, or GCJ-02/BD-09 with ``crs``)."""

    id: str | None = Field(None, min_length=1, max_length=80, description="c1, c2... by position when absent")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class CandidateNode(RequestBody):
    """A candidate base at a node of the scenario's network."""

    id: str | None = Field(None, min_length=1, max_length=80, description="c1, c2... by position when absent")
    node: int = Field(ge=0)


class AddTeams(RequestBody):
    """Add ``k`` bases, each with one team made from the template, at the best of the candidates."""

    k: int = Field(ge=1)
    team_type: TeamType
    turnout_min: float = Field(5.0, ge=0, le=24 * 60)
    tier: Tier = Tier.LOCAL
    candidates: list[Annotated[CandidatePoint | CandidateNode, one_error("give {id?, lon, lat} or {id?, node}")]] | \
        None = Field(None, min_length=1, max_length=MAX_CANDIDATES)
    every_town_and_site: bool = Field(False, description="candidates: every town of the network and every site")
    model: Literal["mclp", "p-median"] = Field(
        "mclp", description="most risk weight within standard (mclp) or least risk-weighted first arrival (p-median)")

    @model_validator(mode="after")
    def one_candidate_set(self) -> Self:
        """Require the candidates, or every town and site, not both."""
        if (self.candidates is None) != self.every_town_and_site:
            raise refuse("candidates", "give candidates or every_town_and_site: true (one of them)")
        return self


class WhatIfPlan(RoadFields):
    """Teams committed elsewhere, bases closed, teams moved (to a base or a point) and bases added.

    Under ``closures`` and a time band (``at`` or ``band``) both the before and the after are computed;
    with ``at`` also without the teams that cannot answer then (people on duty, strength rules), as
    coverage and dispatch read the same ``at`` (``planner.roads.day.on_the_day``).
    """

    committed: list[str] = Field(default_factory=list, description="ids of teams away on other work")
    close_bases: list[str] = Field(default_factory=list, description="ids of bases closed, their teams out")
    move_teams: dict[str, Annotated[str | LonLat, one_error("give a base id or [lon, lat]")]] = Field(
        default_factory=dict, description="team id -> base id or [lon, lat]")
    crs: MapDatum = Field(default=MapDatum.WGS84,
                          description=f"of the [lon, lat] points in move_teams: {CRS_DESCRIPTION}")
    add: AddTeams | None = None


BREAKS_PATTERN = r"^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$"


class LayersQuery(QueryString):
    """The file format of the GIS layers."""

    format: Literal["geojson", "csv"] = Field("geojson", description="GeoJSON, or CSV with WKT geometry")


class CoverageQuery(RoadsQuery):
    """Nominal coverage, or with ``at`` the teams available at that time, under a closure set and a time band.

    One ``at`` means both: who is on duty then, and the time band the roads are driven in.
    """

    at: str | None = absent("coverage with the teams available at this time, on the roads of its time band "
                            "(ISO 8601; no offset: the scenario's zone)")


class ServiceAreaQuery(RoadsQuery):
    """The standard whose service areas to draw, under a closure set and a time band."""

    standard: str = Field(min_length=1, description="standard id")


class AreaBreaksQuery(RoadsQuery):
    """Whose areas (a team type, some or all bases) at which breaks, under a closure set and a time band."""

    team_type: TeamType
    breaks: str = Field("5,10,15,30", pattern=BREAKS_PATTERN,
                        description="minutes from the call, turn-out included, comma-separated")
    bases: str | None = Field(None, description="comma-separated base ids (default: every base with such a team)")


class AreaBreaks(FeatureCollection):
    """Service areas per (base, break), largest break first; each feature's properties: base, minutes, turnout."""

    breaks: list[float]
    roads: RoadsApplied | None = None


class CoverageReport(Answer):
    """Coverage of every site against each standard that applies to it, gaps first, and per-standard shares."""

    scenario: str
    direction: str
    sites: list[dict[str, Any]] = Field(default_factory=list)
    gaps: list[dict[str, Any]]
    standards: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    roads: RoadsApplied | None = Field(None, description="closures and time band applied (null: free flow)")


class WhatIfAnswer(Answer):
    """Coverage before and after the plan, and what changed."""

    before: CoverageReport
    after: CoverageReport
    changes: list[str]
    gaps_before: int
    gaps_after: int
    newly_failing: list[dict[str, Any]]
    newly_passing: list[dict[str, Any]]
    added_bases: list[dict[str, Any]]
    selection: dict[str, Any] | None
