"""The OpenAPI 3.1 document of ``/api/v1``, and request validation, both by spectree from the pydantic models.

Every API view is registered through ``operation``: it adds the Flask route, guards it with the permission
it needs (``web.auth.require``, checked first: 401/403 before any 400), and hands the view to spectree,
which validates the query string and the JSON body against the view's models (its ``query`` and ``json``
parameters) before the view runs, and documents them with the answers in the one OpenAPI document served
at ``/api/v1/openapi.json``. A request that does not match is a 400 with the project's error body
``{"error": {"code": "invalid_input", "message", "field"}}`` naming the field as a path
(``incidents[0].requirements[1].quantity``).

Two things spectree does not express are added to its document here: a plain-text request body (CSV or
GeoJSON uploads) and answers that are not JSON (CSV, iCalendar, HTML, PDF). Answers are checked against
their models only while testing (``API_VALIDATE_RESPONSES``, on when ``TESTING``): a mismatch there is a
test failure, never a 500 in service.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any, get_type_hints

from flask import Blueprint, current_app, has_app_context, make_response, request
from pydantic import BaseModel, ValidationError
from spectree import Response, SpecTree
from spectree.model_adapter.pydantic_adapter import PydanticModelAdapter
from spectree.plugins.flask_plugin import FlaskPlugin

from planner.drills.records import DRILL_KEY
from planner.errors import InputError
from planner.model.reading import MAX_DEPTH
from planner.model.validation import located_error
from web.auth import require
from web.limits import limit_text
from web.schemas.common import ErrorBody

TITLE = "Rescue resource coordination and drill planner API"
PATH_PARAMETERS = {
    "name": "scenario name", "kind": "record kind", "record_id": "record id", "year": "programme year",
    "key": "drill id: <year>-<programme drill id>", "action_id": "corrective action id", "team": "team id",
    "job_id": "job id", "plan_id": "emergency plan id", "inject_id": "MSEL inject id", "branch": "surprise branch id",
    "set_name": "closure set name",
    "request_id": "request id (R<date>-<hex>)",
}
"""Descriptions of the path parameters; their types come from the Flask route converters."""
PATH_PATTERNS = {"key": re.sub(r"\(\?P<\w+>", "(", DRILL_KEY.pattern)}
"""Patterns of the path parameters whose converter is plain text but whose view accepts only that form (named
groups written as plain ones: JSON Schema's regular expressions are ECMA 262's)."""
ERROR_ANSWERS = {400: "bad input (the field is named)", 401: "not signed in",
                 403: "role lacks the permission, or the initial password must be changed first", 404: "not found",
                 413: "the request body is larger than the server's MAX_CONTENT_LENGTH",
                 429: "too many failed sign-ins for the account or from the address: try again after Retry-After s"}
"""Answers every operation may give; each carries ``ErrorBody`` (an open operation: 400 and 404 only)."""


class JsonModeAdapter(PydanticModelAdapter):
    """Validate request data as JSON text, in pydantic's JSON mode.

    Strict models then read JSON exactly as JSON Schema does (``"5"`` is not an integer, a date is an ISO
    text, ``60.0`` is the integer 60), and query models convert text the same way for every type. A planner
    model a body holds (a settings document, a drill design) keeps its own rules: it reads JSON as the
    planner reads a scenario's files, so a number sent as text is accepted there, as in a CSV cell.
    """

    def validate_obj(self, model: type[Any], value: Any) -> Any:  # noqa: D102
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate_json(json.dumps(_whole_numbers(value)))
        return super().validate_obj(model, value)

    def validation_errors(self, err: ValidationError) -> Any:  # noqa: D102
        # spectree renders these before our ``before`` hook turns the error into the project's 400: keep them
        # JSON (pydantic's own rendering), as an input a validator already read may be a set or a date
        return json.loads(err.json(include_url=False, include_context=False))


def request_json() -> Any:
    """Return the request's JSON body as its model read it: whole numbers as integers (``60.0`` as ``60``)."""
    return _whole_numbers(request.get_json())


def _whole_numbers(value: Any) -> Any:
    """Return JSON data with every number that has no fraction written as an integer (``60.0`` as ``60``).

    JSON Schema counts ``60.0`` as an integer; pydantic's strict mode would refuse it where an integer is
    due, and takes an integer wherever a number is due.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


class ApiPlugin(FlaskPlugin):
    """Spectree's Flask plugin, answering views' own responses unchanged unless answers are being checked."""

    def validate_response(self, resp: Any, resp_model: Response | None, skip_validation: bool,  # noqa: D102
                          force_resp_serialize: bool) -> tuple[Any, Any]:
        if not current_app.config.get("API_VALIDATE_RESPONSES", current_app.testing):
            return make_response(resp), None
        return super().validate_response(resp, resp_model, skip_validation, force_resp_serialize)  # type: ignore[no-untyped-call]


def _refuse(_request: Any, _response: Any, error: Exception | None, _instance: Any, _adapter: Any) -> None:
    """Turn spectree's validation error into the project's 400 (``web.errors`` renders it)."""
    if isinstance(error, ValidationError):
        raise located_error(error, where="query" if request.method in ("GET", "DELETE") else "body")


api = SpecTree(
    # spectree's adapter protocol is typed for Exception, its own pydantic adapter for ValidationError
    "flask", backend=ApiPlugin, model_adapter=JsonModeAdapter(),  # type: ignore[arg-type]
    mode="strict", title=TITLE, version="1",
    description='Errors are JSON {"error": {"code", "message", "field"}} with 4xx codes; a request that '
                "does not match this document is a 400 naming the field. On every operation, a JSON body nested "
                f"more than {MAX_DEPTH} arrays or objects deep is a 400 naming `body`, and a body larger than the "
                "server's MAX_CONTENT_LENGTH (20 MB unless configured otherwise) is a 413. No text, key or value "
                "anywhere in a request may hold a NUL character (U+0000): it is a 400.",
    annotations=True,
    validation_error_status=400, validation_error_model=ErrorBody, before=_refuse,
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    servers=[{"url": "/"}],
    security_schemes=[{"name": "basic", "data": {"type": "http", "scheme": "basic"}},
                      {"name": "session", "data": {"type": "apiKey", "field_in": "cookie", "name": "session"}}],
    security=[{"basic": []}, {"session": []}],
)
"""The one spectree instance of ``/api/v1``."""

_SPEC_BUILDING = threading.Lock()
"""spectree builds its document on first use and, while it does, strips the nested definitions out of its models:
two threads building at once (two first requests) could each keep a document missing components."""

_EXTRAS: dict[tuple[str, str], dict[str, Any]] = {}
"""OpenAPI additions spectree cannot express, by (path, method): text bodies and non-JSON answers."""


def operation(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    permission: str = "view",
    answers: Mapping[int, type[BaseModel] | str] | None = None,
    media: Mapping[int, Sequence[str]] | None = None,
    text_body: str | None = None,
    notes: str = "",
    tag: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on ``bp`` at ``rule`` for ``method``: guarded, validated and documented.

    The view declares its query-string and JSON-body models as the annotations of parameters named
    ``query`` and ``json`` (spectree passes the validated models in). ``answers`` maps status codes to
    answer models (or a description when there is no body); ``media`` lists non-JSON content types of
    an answer; ``text_body`` describes a plain-text request body; ``notes`` adds to the operation's
    description what its schema cannot state (checks across records). The ``ERROR_ANSWERS`` are always
    documented with ``ErrorBody``.
    """
    path = rule if rule.startswith("/api/") else (bp.url_prefix or "") + rule
    openapi_path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", path)
    errors = {code: text for code, text in ERROR_ANSWERS.items() if permission != "public" or code in (400, 404, 413)}
    responses: dict[str, Any] = {}
    for code, answer in {**errors, **(answers or {200: "OK"})}.items():
        text = answer if isinstance(answer, str) else ERROR_ANSWERS.get(code)
        model = answer if isinstance(answer, type) else ErrorBody if code >= 400 else None
        responses[f"HTTP_{code}"] = (model, text) if text else model
    who = "Open to everyone." if permission == "public" else f"Needs permission `{permission}`."
    extras: dict[str, Any] = {"description": f"{who} {notes}".strip()}
    if text_body:
        extras["requestBody"] = {"required": True, "description": text_body,
                                 "content": {"text/plain": {"schema": {"type": "string"}}}}
    if media:
        extras["media"] = {str(code): list(types) for code, types in media.items()}
    _EXTRAS[(openapi_path, method.lower())] = extras

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        validated = api.validate(
            resp=Response(**responses),
            tags=[tag or bp.name], security={} if permission == "public" else None,
            operation_id=f"{method.lower()}_{re.sub(r'[^a-z0-9]+', '_', openapi_path.lower()).strip('_')}",
            path_parameter_descriptions=PATH_PARAMETERS,
        )(view)
        if "json" in get_type_hints(view):
            validated = _json_object_first(validated)
        guarded = validated if permission == "public" else require(permission)(validated)
        guarded.__doc__ = summary  # spectree takes the summary from the registered view's docstring
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=guarded, methods=[method])
        return guarded

    return decorate


def _json_object_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse a body that is not a JSON object before the model sees it (spectree would read it as ``{}``)."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not isinstance(request.get_json(silent=True), dict):
            raise InputError("the request body must be a JSON object", field="body")
        return view(*args, **kwargs)

    return checked


def document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document: spectree's, with text bodies, non-JSON answers and permissions added.

    Inside the app, the description states the app's own ``MAX_CONTENT_LENGTH``.
    """
    with _SPEC_BUILDING:
        spec = copy.deepcopy(api.spec)
    if has_app_context() and current_app.config.get("MAX_CONTENT_LENGTH"):
        spec["info"]["description"] += (f" This server's MAX_CONTENT_LENGTH is "
                                        f"{limit_text(current_app.config['MAX_CONTENT_LENGTH'])}.")
    for (path, method), extras in _EXTRAS.items():
        entry = spec["paths"].get(path, {}).get(method)
        if entry is None:
            continue
        entry["description"] = extras["description"]
        for parameter in entry.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] in PATH_PATTERNS:
                parameter["schema"]["pattern"] = PATH_PATTERNS[parameter["name"]]
        if "requestBody" in extras:
            entry["requestBody"] = extras["requestBody"]
        for code, types in extras.get("media", {}).items():
            entry["responses"][code]["content"] = {media_type: {"schema": {"type": "string"}} for media_type in types}
    _no_nul(spec)
    return spec


NO_NUL = "^[^\\u0000]*$"
"""Pattern of a text without NUL characters, which no request may hold (``web.limits``)."""


def _no_nul(schema: Any) -> None:
    """State in every schema of the document that texts and keys hold no NUL character.

    A text schema without a pattern gets :data:`NO_NUL`, one with a pattern that does not span the whole
    text gets it as well (under ``allOf``; a pattern anchored at both ends is a list of what is allowed,
    and the models' such patterns exclude NUL), and an object with free keys gets it as ``propertyNames``.
    """
    if isinstance(schema, list):
        for item in schema:
            _no_nul(item)
        return
    if not isinstance(schema, dict):
        return
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "string" in types and not {"pattern", "enum", "const", "format"} & set(schema):
        schema["pattern"] = NO_NUL
    elif "string" in types and not re.fullmatch(r"\^.*\$", schema.get("pattern", "^$")):
        schema["allOf"] = [*schema.get("allOf", []), {"pattern": NO_NUL}]
    if "object" in types and schema.get("additionalProperties") is not False and "propertyNames" not in schema:
        schema["propertyNames"] = {"pattern": NO_NUL}
    for key, value in schema.items():
        if key not in ("pattern", "propertyNames", "example", "examples", "default", "enum", "const"):
            _no_nul(value)
