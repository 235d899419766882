"""Models of the settings routes (``web.settings``): a scenario's settings documents, read and edited."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from web.schemas.common import Answer, RequestBody, Version


class SettingsEdit(RequestBody):
    """An edited settings document and the version the client read."""

    data: dict[str, Any] | list[dict[str, Any]] = Field(
        description="the document, as its file holds it (CSV: a list of rows)")
    expected_version: Version | None = Field(None, description="the version you read; null when the scenario has "
                                                               "none yet")


class SettingsKind(Answer):
    """A kind of settings document: its file, whether the scenario has one stored, and its version."""

    name: str
    file: str
    description: str
    stored: bool
    version: int | None


class SettingsList(Answer):
    """Every kind of settings document of a scenario."""

    settings: list[SettingsKind]


class SettingsAnswer(Answer):
    """A stored settings document with its version."""

    name: str
    data: dict[str, Any] | list[dict[str, Any]]
    version: int


class SettingsSaved(Answer):
    """The stored document's new version."""

    name: str
    version: int
