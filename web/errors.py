"""Error mapping: bad input becomes a 4xx JSON body under /api, or an error page elsewhere; never a traceback."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from geodata.errors import GeodataError
from planner.errors import ForbiddenError, InfeasibleError, InputError, NotFoundError, PlannerError, SolverLimitError
from planner.model.codes import shown
from planner.store.database import ConflictError
from planner.store.engine import StoreBusyError
from planner.store.throttle import SignInThrottled
from web.i18n import language, localized, phrase

ERROR_TITLES = {
    "invalid_input": phrase("invalid input"),
    "invalid_geodata": phrase("unreadable geographic data"),
    "not_found": phrase("not found"),
    "forbidden": phrase("not allowed for your role"),
    "conflict": phrase("changed by someone else meanwhile"),
    "busy": phrase("busy: try again in a moment"),
    "infeasible": phrase("no solution as stated"),
    "solver_limit": phrase("the solver ran out of time"),
    "planner_error": phrase("the planner could not do this"),
    "too_many_sign_ins": phrase("too many sign-in attempts"),
    "too_large": phrase("too large"),
    "method_not_allowed": phrase("method not allowed"),
    "bad_request": phrase("bad request"),
    "unauthorized": phrase("sign in first"),
    "request_entity_too_large": phrase("too large"),
}
"""The heading of an error page, by the error's code (the API's ``error.code``), in the page's language."""


def error_response(status: int, code: str, message: str | BaseException, field: str | None = None,
                   **extra: Any) -> tuple[Response | str, int]:
    """JSON ``{"error": {"code", "message", "field", **extra}}`` for the API, an HTML page otherwise.

    ``message`` may be the error itself, whose coded values then show by their display names in the language.
    """
    if request.path.startswith("/api/"):  # the message in the request's language (web.i18n); code and field as is
        return jsonify({"error": {"code": code, "message": localized(message), "field": field, **extra}}), status
    text = shown(message.marked if isinstance(message, PlannerError) else str(message), language())
    title = gettext(ERROR_TITLES[code]) if code in ERROR_TITLES else code.replace("_", " ")
    return render_template("error.html", status=status, title=title, message=text, field=field), status


def init_app(app: Flask) -> None:
    """Register the handlers (the request's input is checked before a view sees it: ``web.limits``)."""

    @app.errorhandler(ConflictError)
    def conflict(error: ConflictError) -> tuple[Response | str, int]:
        return error_response(409, "conflict", error, error.field, current_version=error.current_version)

    @app.errorhandler(StoreBusyError)
    def busy(error: StoreBusyError) -> tuple[Response | str, int]:
        body, status = error_response(503, "busy", error, None)
        response = make_response(body, status)
        response.headers["Retry-After"] = "1"
        return response, status

    @app.errorhandler(SignInThrottled)
    def throttled(error: SignInThrottled) -> Response:
        response = make_response(*error_response(429, "too_many_sign_ins", error, None))
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(NotFoundError)
    def not_found(error: NotFoundError) -> tuple[Response | str, int]:
        return error_response(404, "not_found", error, error.field)

    @app.errorhandler(InputError)
    def bad_input(error: InputError) -> tuple[Response | str, int]:
        return error_response(400, "invalid_input", error, error.field)

    @app.errorhandler(GeodataError)
    def bad_geodata(error: GeodataError) -> tuple[Response | str, int]:
        return error_response(400, "invalid_geodata", error, None)

    @app.errorhandler(ForbiddenError)
    def forbidden(error: ForbiddenError) -> tuple[Response | str, int]:
        return error_response(403, "forbidden", error, "role")

    @app.errorhandler(InfeasibleError)
    def infeasible(error: InfeasibleError) -> tuple[Response | str, int]:
        return error_response(422, "infeasible", error, None)

    @app.errorhandler(SolverLimitError)
    def solver_limit(error: SolverLimitError) -> tuple[Response | str, int]:
        return error_response(422, "solver_limit", error, None)

    @app.errorhandler(PlannerError)
    def planner_error(error: PlannerError) -> tuple[Response | str, int]:
        return error_response(400, "planner_error", error, None)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        code = (error.name or "error").lower().replace(" ", "_")
        response = make_response(*error_response(error.code or 500, code, error.description or error.name, None))
        for name, value in error.get_headers():  # e.g. a 405's Allow
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
