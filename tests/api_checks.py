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


def _validators(spec: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    """Return a validator per (path, method, status) of the document's JSON answers."""
    found = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None:
                    rooted = {**schema, "components": spec["components"]}
                    found[(path, method, status)] = jsonschema_rs.Draft202012Validator(rooted)
    return found


_BUILT: dict[tuple[str, str, str], Any] = {}
_BUILDING = threading.Lock()


def _all_validators() -> dict[tuple[str, str, str], Any]:
    """Build the validators once per test process (seconds of work), whatever thread asks first.

    A browser test's page sends several requests at once to a threaded server; before this lock each
    of them built its own set on the first request, and under load the page missed its time-outs.
    """
    with _BUILDING:
        if not _BUILT:
            _BUILT.update(_validators(document()))
    return _BUILT


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
        validators = _all_validators()
        path, method = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule), request.method.lower()
        status = str(response.status_code)
        documented = {key[2] for key in validators if key[:2] == (path, method)}
        assert documented, f"{method.upper()} {path} has no documented JSON answer"
        if response.mimetype != "application/json":
            return response
        assert status in documented, f"{method.upper()} {path} answered {status}, documented: {sorted(documented)}"
        body = json.loads(response.get_data())
        errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"[:300]
                  for e in validators[(path, method, status)].iter_errors(body)]
        assert not errors, f"{method.upper()} {path} {status} is not what the document says: {errors[:5]}"
        return response
