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


def check_answers(app: Flask) -> None:
    """Fail the test when an ``/api/v1`` answer's status or JSON body is not the documented one."""
    validators: dict[tuple[str, str, str], Any] = {}
    lock = threading.Lock()  # a live server (browser tests) answers in several threads at once

    @app.after_request
    def conforms(response: Response) -> Response:
        rule = request.url_rule
        if rule is None or not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            return response
        with lock:
            if not validators:
                validators.update(_validators(document()))
        path, method = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule), request.method.lower()
        status = str(response.status_code)
        documented = {key[2] for key in validators if key[:2] == (path, method)}
        assert documented, f"{method.upper()} {path} has no documented JSON answer"
        if response.mimetype != "application/json":
            return response
        assert status in documented, f"{method.upper()} {path} answered {status}, documented: {sorted(documented)}"
        body = json.loads(response.get_data())
        with lock:
            errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"[:300]
                      for e in validators[(path, method, status)].iter_errors(body)]
        assert not errors, f"{method.upper()} {path} {status} is not what the document says: {errors[:5]}"
        return response
