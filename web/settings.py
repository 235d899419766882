"""Settings API: read and edit a scenario's settings documents (plans, drill calendar, warning rules, staging points).

- ``GET /api/v1/scenarios/<name>/settings``: every kind of settings document, whether the scenario has
  one stored and its version.
- ``GET /api/v1/scenarios/<name>/settings/<document>``: one stored document and its version (a CSV
  document's rows typed by its model: numbers as numbers, lists as lists).
- ``PUT /api/v1/scenarios/<name>/settings/<document>``: ``{"data": ..., "expected_version": n}``; the body
  is validated against the document's model before the view runs, the view checks the document against
  the scenario (a plan's teams exist) and stores it as sent (409 when it changed since it was read, 400
  naming the entry and the field when it is wrong; nothing is stored then).

One ``GET`` and one ``PUT`` per registered document (:func:`planner.store.documents.registered`), each
documented with the model of the package that owns the document (:mod:`web.schemas.settings`). What is
stored here is what every page, CLI command and background job of the scenario reads.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

import planner.availability.settings  # noqa: F401  (registers the availability rules document)
import planner.drills.settings  # noqa: F401  (registers the plans and calendar documents)
import planner.posture.settings  # noqa: F401  (registers the warning, readiness and staging documents)
import planner.roads.bands  # noqa: F401  (registers the speed-profiles document)
import planner.roads.closures  # noqa: F401  (registers the closures document)
import planner.year.settings  # noqa: F401  (registers the incident-rates document)
from planner.errors import NotFoundError
from planner.store.documents import SettingsDocument, registered
from planner.store.settings import put_settings, stored_settings_version
from web.auth import actor, user_scope
from web.openapi import operation, request_json
from web.scenarios import current_scenario
from web.schemas.settings import SettingsList, SettingsSaved, document_models
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


def document_routes(document: SettingsDocument) -> None:
    """Register the ``GET`` and ``PUT`` of one kind of settings document, validated and documented by its model."""
    edit, answer = document_models(document)
    rule = f"/scenarios/<name>/settings/{document.name}"

    def read(name: str) -> Any:
        current_scenario(name)
        found = stored_settings_version(get_store(), name, document.name)
        if found is None:
            raise NotFoundError(f"scenario {name} has no {document.name} settings", field="document")
        return jsonify({"name": document.name, "data": document.typed(found[0]), "version": found[1]})

    def write(name: str, json: Any) -> Any:
        scenario = current_scenario(name)
        data = request_json()["data"]  # as sent (the model checked it): the folder export writes it back
        version = put_settings(get_store(), scenario, document.name, data, expected_version=json.expected_version,
                               actor=actor(), scope=user_scope())
        return jsonify({"name": document.name, "version": version})

    read.__name__, write.__name__ = f"get_{document.name}", f"put_{document.name}"
    read.__annotations__ = {"name": str, "return": Any}
    write.__annotations__ = {"name": str, "json": edit, "return": Any}
    operation(bp, rule, "GET", summary=f"The stored {document.name} document ({document.filename})",
              answers={200: answer})(read)
    operation(bp, rule, "PUT", permission="edit_plans",
              summary=f"Check and store the {document.name} document (send the version you read)",
              answers={200: SettingsSaved, 409: "changed by someone else since you read it"})(write)


for _document in registered():
    document_routes(_document)
