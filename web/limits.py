"""Size and shape limits on every request, checked before authentication and before any view reads the body.

- **Size.** ``MAX_CONTENT_LENGTH`` (bytes; default 20 MB, or the ``MAX_CONTENT_LENGTH`` environment
  variable, or the instance ``config.py``) bounds the whole body, form fields included: a larger
  request is a 413 whose message states the limit, as a JSON error body under ``/api``.
- **Nesting.** A JSON body nested more than ``planner.model.reading.MAX_DEPTH`` arrays or objects deep
  is a 400 naming ``body``, found by a scan of the text before any parser recurses into it (deep
  nesting made the parser, and every check after it, run out of stack: a 500 on any URL, ``/login``
  included).
- **NUL characters** anywhere in the path, the query, a form or a JSON body are a 400 (PostgreSQL
  cannot store them).

Encodings and CSV cells are checked where an upload is read, by ``planner.model.reading``, as the CLI
reads files.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from planner.errors import InputError
from planner.model.reading import check_depth
from planner.store.database import check_text
from web.errors import error_response

DEFAULT_MAX_CONTENT_LENGTH = 20 * 1024 * 1024
"""Largest request body accepted when nothing is configured, in bytes (20 MB)."""


def init_app(app: Flask) -> None:
    """Set the size limit and check every request's input first, before any other ``before_request`` hook."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = _environment_limit()
    # One limit for the whole body: Werkzeug's own, smaller limit on a multipart form's text fields (500 kB)
    # answered 413 to bodies well below the limit the message states.
    app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_CONTENT_LENGTH"]
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_bad_input)
    app.register_error_handler(RequestEntityTooLarge, too_large)


def refuse_bad_input() -> None:
    """Refuse a body over the size limit, JSON nested too deep, and NUL characters, naming the part at fault."""
    if request.is_json:
        check_depth(request.get_data(cache=True), "body", field="body")
    check_text([request.path, request.args.to_dict(flat=False), request.form.to_dict(flat=False)], "request")
    if request.is_json:
        check_text(request.get_json(silent=True), "body")


def too_large(_error: RequestEntityTooLarge) -> Any:
    """Answer 413 stating the limit (a JSON error body under ``/api``)."""
    return error_response(413, "too_large", f"the request is larger than this server accepts: at most "
                          f"{limit_text(current_app.config['MAX_CONTENT_LENGTH'])} (MAX_CONTENT_LENGTH)", "body")


def limit_text(size: int) -> str:
    """``"20 MB (20,971,520 bytes)"``: a size in bytes, readable."""
    if size < 1024:
        return f"{size} bytes"
    scaled = f"{size / 1024 / 1024:.4g} MB" if size >= 1024 * 1024 else f"{size / 1024:.4g} kB"
    return f"{scaled} ({size:,} bytes)"


def _environment_limit() -> int:
    """Return ``MAX_CONTENT_LENGTH`` from the environment (bytes), else the default; refuse one that is not a size."""
    text = os.environ.get("MAX_CONTENT_LENGTH", "").strip()
    if not text:
        return DEFAULT_MAX_CONTENT_LENGTH
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        raise InputError(f"MAX_CONTENT_LENGTH: {text!r} is not a positive number of bytes", field="MAX_CONTENT_LENGTH")
    return int(text)
