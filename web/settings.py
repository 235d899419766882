"""Settings API: read and edit a scenario's settings documents (plans, drill calendar, warning rules, staging points).

- ``GET /api/v1/scenarios/<name>/settings``: every kind of settings document, whether the scenario has
  one stored and its version.
- ``GET /api/v1/scenarios/<name>/settings/<document>``: one stored document and its version.
- ``PUT /api/v1/scenarios/<name>/settings/<document>``: ``{"data": ..., "expected_version": n}`` checks the
  document with the model of the package that owns it and stores it (409 when it changed since it was
  read, 400 naming the entry and the field when it is wrong; nothing is stored then).

What is stored here is what every page, CLI command and background job of the scenario reads.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

import planner.drills.settings
import planner.posture.settings  # noqa: F401  (with the line above: registers every settings document)
from planner.errors import NotFoundError
from planner.store.documents import registered, settings_document
from planner.store.settings import put_settings, stored_settings_version
from web.auth import actor
from web.openapi import operation
from web.scenarios import current_scenario
from web.schemas.settings import SettingsAnswer, SettingsEdit, SettingsList, SettingsSaved
from web.store import get_store

bp = Blueprint("settings", __name__, url_prefix="/api/v1")


@operation(bp, "/scenarios/<name>/settings", "GET", summary="A scenario's settings documents and versions",
           answers={200: SettingsList})
def settings_list(name: str) -> Any:
    """List every kind of settings document with its file, whether it is stored, and its version."""
    current_scenario(name)
    out = []
    for document in registered():
        found = stored_settings_version(get_store(), name, document.name)
        out.append({"name": document.name, "file": document.filename, "description": document.description,
                    "stored": found is not None, "version": None if found is None else found[1]})
    return jsonify({"settings": out})


@operation(bp, "/scenarios/<name>/settings/<document>", "GET", summary="One stored settings document",
           answers={200: SettingsAnswer})
def settings_get(name: str, document: str) -> Any:
    """Return a stored settings document with its version (404 when the scenario has none)."""
    current_scenario(name)
    settings_document(document)
    found = stored_settings_version(get_store(), name, document)
    if found is None:
        raise NotFoundError(f"scenario {name} has no {document} settings", field="document")
    return jsonify({"name": document, "data": found[0], "version": found[1]})


@operation(bp, "/scenarios/<name>/settings/<document>", "PUT", permission="edit_plans",
           summary="Check and store a settings document (send the version you read)",
           answers={200: SettingsSaved, 409: "changed by someone else since you read it"})
def settings_put(name: str, document: str, json: SettingsEdit) -> Any:
    """Store an edited settings document if it is valid and unchanged since the caller read it."""
    scenario = current_scenario(name)
    settings_document(document)
    version = put_settings(get_store(), scenario, document, json.data, expected_version=json.expected_version,
                           actor=actor())
    return jsonify({"name": document, "version": version})
