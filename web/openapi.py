"""The OpenAPI 3.1 document of ``/api/v1``, generated from the routes themselves.

Every API view is registered through ``ApiSpec.operation``, which adds the Flask route, guards it with
the permission it needs, and records its parameters, request body (JSON Schema, from the pydantic
records where there is one) and answers. ``/api/v1/openapi.json`` serves the document built from that
list, so the spec cannot drift from the routes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint

from web.auth import require

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "field"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": ["string", "null"]}}}},
}


@dataclass(frozen=True)
class Param:
    """A path or query parameter."""

    name: str
    where: str = "path"
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = True
    description: str = ""


@dataclass
class Operation:
    """One documented API operation."""

    rule: str
    method: str
    summary: str
    permission: str
    params: Sequence[Param]
    body: dict[str, Any] | None
    body_type: str
    responses: dict[int, str]
    tag: str


class ApiSpec:
    """Collects operations as they are registered and renders the OpenAPI document."""

    def __init__(self, title: str, version: str) -> None:
        self.title = title
        self.version = version
        self.operations: list[Operation] = []

    def operation(
        self,
        bp: Blueprint,
        rule: str,
        method: str,
        *,
        summary: str,
        permission: str = "view",
        params: Sequence[Param] = (),
        body: dict[str, Any] | None = None,
        body_type: str = "application/json",
        responses: dict[int, str] | None = None,
        tag: str = "",
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a view on ``bp`` at ``rule`` for ``method`` and document it."""

        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            guarded = view if permission == "public" else require(permission)(view)
            bp.add_url_rule(rule, endpoint=view.__name__, view_func=guarded, methods=[method])
            self.operations.append(Operation(
                rule=rule if rule.startswith("/api/") else (bp.url_prefix or "") + rule, method=method.lower(),
                summary=summary, permission=permission,
                params=params, body=body, body_type=body_type, responses=responses or {200: "OK"},
                tag=tag or bp.name))
            return guarded

        return decorate

    def document(self) -> dict[str, Any]:
        """Return the OpenAPI 3.1 document."""
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", op.rule)
            entry: dict[str, Any] = {
                "summary": op.summary,
                "operationId": f"{op.method}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}",
                "tags": [op.tag],
                "description": "Open to everyone." if op.permission == "public" else
                f"Needs permission `{op.permission}`.",
                "parameters": [
                    {"name": p.name, "in": p.where, "required": p.required if p.where != "path" else True,
                     "schema": p.schema, **({"description": p.description} if p.description else {})}
                    for p in op.params
                ],
                "responses": {
                    str(code): {"description": text, **({"content": {"application/json": {"schema": ERROR_SCHEMA}}}
                                                         if code >= 400 else {})}
                    for code, text in {**op.responses, 400: "bad input", 401: "not signed in",
                                       403: "role lacks the permission", 404: "not found"}.items()
                },
            }
            if op.body is not None:
                entry["requestBody"] = {"required": True, "content": {op.body_type: {"schema": op.body}}}
            paths.setdefault(path, {})[op.method] = entry
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version,
                     "description": "Errors are JSON {\"error\": {\"code\", \"message\", \"field\"}} with 4xx codes."},
            "servers": [{"url": "/"}],
            "components": {"securitySchemes": {"basic": {"type": "http", "scheme": "basic"},
                                               "session": {"type": "apiKey", "in": "cookie", "name": "session"}}},
            "security": [{"basic": []}, {"session": []}],
            "paths": paths,
        }


spec = ApiSpec("Rescue resource coordination and drill planner API", "1")
"""The one spec of ``/api/v1``; blueprints register their operations on it."""
