"""Models of the scenario, record, import, audit and user routes (``web.api``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model, model_validator

from planner.model.agreements import Agreement
from planner.model.reading import Encoding
from planner.model.records import RECORD_TYPES
from planner.scenario.mapview import MAP_LAYERS
from planner.store.accounts import MIN_PASSWORD_LENGTH
from planner.store.database import AGREEMENTS, MAX_ID
from planner.store.roles import Role
from web.schemas.common import Answer, ErrorBody, QueryString, RequestBody, Version, absent

# ----------------------------------------------------------------------------------------------------
# Requests


class AgreementRecord(RootModel[Agreement]):
    """A sharing agreement (R-AGREEMENT) as the scenario's ``agreements.json`` holds it, with its id."""

    model_config = ConfigDict(json_schema_extra={
        "required": ["id"], "properties": {"id": {"type": "string", "minLength": 1, "maxLength": MAX_ID}}})

    @model_validator(mode="after")
    def _named(self) -> AgreementRecord:
        """Require the id the agreement is stored under."""
        if not 1 <= len(self.root.id) <= MAX_ID:
            raise ValueError(f"id: an agreement is stored by its id, a text of 1 to {MAX_ID} characters")
        return self


RECORD_BODIES: dict[str, type[BaseModel]] = {**RECORD_TYPES, AGREEMENTS: AgreementRecord}
"""The body of a record of each kind: the planner's record type (its JSON Schema is the body's)."""


def _versioned(kind: str, body: type[BaseModel]) -> type[BaseModel]:
    """Return the body of a replace: a record of ``kind`` with the version the client read."""
    name = f"Versioned{body.__name__}"
    return create_model(name, __base__=RequestBody, __doc__=f"A {kind} record to replace, with the version the "
                        "client read (a stale version is a 409).", version=(Version, ...), data=(body, ...))


VERSIONED_BODIES: dict[str, type[BaseModel]] = {kind: _versioned(kind, body) for kind, body in RECORD_BODIES.items()}
"""The body of a replace of each kind."""


class DeleteQuery(QueryString):
    """The version the client read, when it wants a conflict check."""

    version: Version | None = absent()


class ImportQuery(QueryString):
    """Check only (``preview=true``) or write; the upload's file name for messages; its text encoding."""

    preview: bool = False
    filename: str = Field("upload", max_length=200, description="name of the uploaded file (.csv or .geojson)")
    encoding: Encoding | None = absent(
        "the body's text encoding; else the charset of the Content-Type header, else utf-8 (a byte order mark is "
        "skipped). GB18030, which Chinese agencies export, must be declared")


class AuditQuery(QueryString):
    """Which scenario's log, and how many entries."""

    scenario: str | None = absent("only this scenario's changes")
    limit: int = Field(200, ge=1, le=1000, description="newest entries to return")


class NewUser(RequestBody):
    """An account to create."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)
    role: Role
    jurisdiction: str | None = Field(None, min_length=1, max_length=80,
                                     description="where the role applies, and below; none: every scenario whole")


# ----------------------------------------------------------------------------------------------------
# Answers


class ScenarioSummary(Answer):
    """A stored scenario with its record counts by kind."""

    name: str
    title: str
    version: int
    counts: dict[str, int]


class ScenarioList(Answer):
    """Every stored scenario."""

    scenarios: list[ScenarioSummary]


class ScenarioDetail(ScenarioSummary):
    """A scenario's metadata, counts and version."""

    meta: dict[str, Any]


class StoredRecord(Answer):
    """A record with its version (none for records loaded before versions were kept)."""

    data: dict[str, Any]
    version: int | None


class RecordList(Answer):
    """The records of one kind."""

    kind: str
    records: list[StoredRecord]


class RecordAnswer(Answer):
    """One record with its version."""

    data: dict[str, Any]
    version: int


class ImportRow(Answer):
    """One row of an upload: what would happen to it, or what is wrong with it."""

    where: str
    record_id: str | None
    action: str
    error: str | None
    field: str | None


class ImportResult(Answer):
    """The check of an upload and, when every row is valid and it was asked, what was written."""

    kind: str
    ok: bool
    problem: str | None
    rows: list[ImportRow]
    written: bool
    created: int | None = None
    updated: int | None = None


class ImportRefused(RootModel[ImportResult | ErrorBody]):
    """Why an upload was refused: its rows with their problems, or an error (unreadable file, unknown kind)."""


class AuditEntry(Answer):
    """One change: who, when, what, the record before and after."""

    id: int
    at: str
    actor: str
    action: str
    scenario: str | None
    kind: str | None
    record_id: str | None
    before: Any
    after: Any


class AuditLog(Answer):
    """The audit log, newest first."""

    entries: list[AuditEntry]


class UserAnswer(Answer):
    """An account, without its password hash."""

    id: int
    username: str
    role: Role
    active: bool
    must_change_password: bool = Field(description="the initial password must be changed before anything else")
    jurisdiction: str | None = Field(None, description="where the role applies, and below; null: every scenario whole")


class UserList(Answer):
    """Every account."""

    users: list[UserAnswer]


class Labels(RootModel[dict[str, dict[str, list[str]]]]):
    """Chinese and English labels of coded values: ``{"tier": {"national": ["国家队", "National"]}}``."""


class MapPrintQuery(QueryString):
    """The Map page's view to print: the layers on, the box in view, the image's size, the bases the filters keep."""

    layers: str = Field(",".join(MAP_LAYERS), max_length=200,
                        description=f"comma-separated layers to draw, of: {', '.join(MAP_LAYERS)}")
    bbox: str = Field(max_length=200, description="the box in view: west,south,east,north in degrees (WGS-84)")
    width: int = Field(1600, ge=200, le=4000, description="the PNG's width in pixels (the PDF is an A4 page)")
    height: int = Field(1100, ge=200, le=4000, description="the PNG's height in pixels")
    tiers: str | None = absent("comma-separated tiers whose bases to draw (default: every tier)")
    team_types: str | None = absent("comma-separated team types whose bases to draw (default: every type; a base "
                                    "without teams always shows)")
    closures: str | None = absent("a stored closure set to draw: its areas, the roads it closes and slows")


class OpenApiDocument(Answer):
    """An OpenAPI 3.1 document."""

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
