"""Models of the settings routes (``web.settings``): a scenario's settings documents, read and edited.

A settings document's fields are its owner's pydantic model (``SettingsDocument.model`` in the register,
:mod:`planner.store.documents`): :func:`document_models` wraps it into the body of a ``PUT`` and the
answer of a ``GET``, one pair per registered document, so the API documents and validates every document
with the model the planner checks it with, and a document registered later gets its routes too.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from planner.store.documents import SettingsDocument
from web.schemas.common import Answer, RequestBody, Version


class SettingsEdit(RequestBody):
    """An edited settings document and the version the client read (``data`` is the document's model)."""

    expected_version: Version | None = Field(None, description="the version you read; null when the scenario has "
                                                               "none yet")


class SettingsAnswer(Answer):
    """A stored settings document with its version (``data`` is the document's model)."""

    name: str
    version: int


def document_models(document: SettingsDocument) -> tuple[type[SettingsEdit], type[SettingsAnswer]]:
    """Return the ``PUT`` body and the ``GET`` answer of one kind of settings document."""
    title = "".join(part.title() for part in document.name.split("_"))
    shape = "its rows" if document.tabular else "its content"
    data: Any = (document.model, Field(description=f"the {document.filename} document ({shape})"))
    edit = create_model(f"{title}Edit", __base__=SettingsEdit, __module__=__name__,
                        __doc__=f"An edited {document.name} document ({document.description}).", data=data)
    answer = create_model(f"{title}Settings", __base__=SettingsAnswer, __module__=__name__,
                          __doc__=f"The stored {document.name} document ({document.description}).", data=data)
    return edit, answer


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


class SettingsSaved(Answer):
    """The stored document's new version."""

    name: str
    version: int
