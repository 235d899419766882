"""One check for every JSON answer the tests receive from the API: it is what the OpenAPI document says.

``check_answers`` hooks into a test app: after each ``/api/v1`` request it finds the operation of the
route in the app's own document (``/api/v1/openapi.json``), requires the status code to be documented,
and validates a JSON answer against the schema documented for that status (JSON Schema 2020-12, with the
document's components). So every web test, on SQLite and on PostgreSQL, checks the document against
real answers: the programme, a drill with its design and simulation, evaluations with their history,
settings documents, dispatch plans. Schemathesis (``test_api_fuzz.py``) does the same for generated
requests; this covers the answers only real data produces.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import jsonschema_rs
from flask import Flask, Response, request

from web.openapi import document


class _Document:
    """The app's OpenAPI document, read once per test process, and a validator per answer built on first use.

    Compiling a validator embeds the document's components; all ~850 at once took seconds (half a minute
    under load) on the first API answer of a process, so a browser page waiting on it missed its time-outs.
    The lock makes concurrent requests of a threaded server share one document and one validator each.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spec: dict[str, Any] | None = None
        self._validators: dict[tuple[str, str, str], Any] = {}

    def statuses(self, path: str, method: str) -> set[str]:
        """Return the statuses documented with a JSON answer for an operation (none when undocumented)."""
        with self._lock:
            operation = self._document()["paths"].get(path, {}).get(method, {})
        return {status for status, answer in operation.get("responses", {}).items()
                if "schema" in answer.get("content", {}).get("application/json", {})}

    def validator(self, path: str, method: str, status: str) -> Any:
        """Return the JSON Schema validator of one documented answer."""
        key = (path, method, status)
        with self._lock:
            if key not in self._validators:
                spec = self._document()
                schema = spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
                rooted = {**schema, "components": spec["components"]}
                self._validators[key] = jsonschema_rs.Draft202012Validator(rooted)
            return self._validators[key]

    def _document(self) -> dict[str, Any]:
        if self._spec is None:
            self._spec = document()
        return self._spec


_DOCUMENT = _Document()


def check_answers(app: Flask) -> None:
    """Fail the test when an ``/api/v1`` answer's status or JSON body is not the documented one.

    This replaces spectree's own answer validation in the test app (same document; pydantic took a
    third of a second on every 800 kB road map, which made the browser tests miss their time-outs).
    """
    app.config["API_VALIDATE_RESPONSES"] = False

    @app.after_request
    def conforms(response: Response) -> Response:
        rule = request.url_rule
        if rule is None or not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            return response
        path, method = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule), request.method.lower()
        status = str(response.status_code)
        documented = _DOCUMENT.statuses(path, method)
        assert documented, f"{method.upper()} {path} has no documented JSON answer"
        if response.mimetype != "application/json":
            return response
        assert status in documented, f"{method.upper()} {path} answered {status}, documented: {sorted(documented)}"
        body = json.loads(response.get_data())
        errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"[:300]
                  for e in _DOCUMENT.validator(path, method, status).iter_errors(body)]
        assert not errors, f"{method.upper()} {path} {status} is not what the document says: {errors[:5]}"
        return response
