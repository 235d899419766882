"""Shared API models: the error body, the bases of request bodies, query strings and answers, GeoJSON.

Request bodies are validated in pydantic's strict JSON mode (``web.openapi`` validates the JSON text), so
``"5"`` is not an integer and ``5`` is not a string, exactly as the JSON Schema in the OpenAPI document
says; unknown fields are refused. Query strings arrive as text, so their models convert (``?limit=5``);
parameters they do not declare are refused too (``?limt=5`` is a 400, not a silent default). A query
parameter cannot be null, so an optional one (``X | None = absent()``) is documented as an X that may be left out.
Answers describe what the server sends and allow fields added later.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.store.database import MAX_VERSION


class RequestBody(BaseModel):
    """Base of JSON request bodies: strict types, no unknown fields, finite numbers only."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


class QueryString(BaseModel):
    """Base of query-string models: text converted to the declared type; unknown parameters refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Answer(BaseModel):
    """Base of answer models: the fields the server sends; more may be added."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    """What went wrong, and the request field at fault (``incidents[0].lon``) when there is one."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="machine-readable kind of error, e.g. invalid_input, not_found, conflict")
    message: str = Field(description="what is wrong, in words")
    field: str | None = Field(description="the request field at fault, as a path: incidents[0].lon")
    current_version: int | None = Field(
        default=None, description="on a 409 conflict: the version stored now (null when the record is gone)")


class ErrorBody(BaseModel):
    """Every 4xx answer of the API."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


def _no_null(schema: dict[str, Any]) -> None:
    """Document an optional query parameter as its type alone (a query string has no null)."""
    branches = [branch for branch in schema.pop("anyOf", []) if branch.get("type") != "null"]
    if schema.get("default", "") is None:
        del schema["default"]
    if len(branches) == 1:
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches


def absent(description: str = "") -> Any:
    """Return the field of an optional query parameter: ``None`` when it is left out."""
    return Field(None, description=description, json_schema_extra=_no_null)


Version = Annotated[int, Field(ge=1, le=MAX_VERSION, description="the version you read (a stale one is a 409)")]
"""A record or document version a client read."""

class VersionAnswer(Answer):
    """The new version of what was saved."""

    version: int


class JobStarted(Answer):
    """A background job was queued; poll ``GET /api/v1/jobs/{id}``."""

    id: str
    status: Literal["queued"]


class Geometry(Answer):
    """A GeoJSON geometry."""

    type: str
    coordinates: list[Any]


class Feature(Answer):
    """A GeoJSON feature."""

    type: Literal["Feature"]
    geometry: Geometry | None
    properties: dict[str, Any]


class FeatureCollection(Answer):
    """A GeoJSON feature collection."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
