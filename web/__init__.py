"""Flask web app: pages for managers, dispatchers and planners, and the JSON API under ``/api/v1``.

``create_app(test_config)`` follows Flask's factory pattern: defaults (SQLite in the instance
folder, ``DATABASE_URL`` from the environment), then ``config.py`` in the instance folder and any setting
from the environment as ``FLASK_<NAME>`` (a JSON value: ``FLASK_SESSION_COOKIE_SECURE=true``), or instead
the test config. Views parse the request, call ``planner`` and render; they never reach into ``geodata``
directly.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from planner import clock, formats
from planner.settings import database_url, instance_dir, job_runner_mode, job_stale_s, job_time_limit_s, job_workers
from web import (
    admin,
    api,
    auth,
    availability,
    coverage,
    dispatch,
    errors,
    i18n,
    inventory,
    jobs,
    limits,
    pages,
    points,
    posture,
    requests,
    roads,
    security,
    settings,
    store,
    sweep,
)
from web.drills import api as drills_api
from web.drills import conduct_api
from web.drills import pages as drills


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, store, error handlers and blueprints."""
    app = Flask(__name__, instance_path=str(instance_dir()), instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY") or _instance_secret(Path(app.instance_path)),
        DATABASE_URL=database_url(),
        DEFAULT_SCENARIO="jinan",
        JSON_SORT_KEYS=False,
        JOB_RUNNER=job_runner_mode(),
        JOB_WORKERS=job_workers(),
        JOB_TIME_LIMIT_S=job_time_limit_s(),
        JOB_STALE_S=job_stale_s(),
        SESSION_COOKIE_SECURE=None,  # follows PREFERRED_URL_SCHEME unless set (web.security)
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.update(test_config)

    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese as text, not \u escapes (the audit log)
    app.add_template_filter(local_time)
    app.add_template_filter(json_text)
    i18n.init_app(app)
    security.configure(app)
    store.init_app(app)
    limits.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    jobs.init_app(app)
    for area in (pages, api, availability, coverage, dispatch, posture, sweep, drills, drills_api, conduct_api,
                 inventory, admin, jobs, settings, requests, points, roads):
        app.register_blueprint(area.bp)
    return app


def json_text(value: Any, indent: int | None = None) -> str:
    """Write a value as JSON for a reader (``{{ value | json_text }}``): the app's JSON, without ``tojson``'s escapes.

    ``tojson`` writes ``<``, ``>``, ``&`` and ``'`` as unicode escapes so that it is safe inside a script; in the
    page's text the template's autoescape does that job, and the reader sees ``author's``.
    """
    return current_app.json.dumps(value, indent=indent)


def local_time(value: str | dt.datetime | None, zone: dt.tzinfo, form: str | None = None) -> str:
    """Show a stored moment (ISO text or date-time) in a scenario's zone: labelled, or in ``form`` (``%H:%M``).

    The pages' one way to show a time (``{{ e.at | local_time(zone) }}``), so no page shows UTC or the
    browser's zone by mistake; written as the page's language writes dates (:mod:`planner.formats`).
    """
    if value is None or value == "":
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = clock.wall_clock(moment, zone)  # none: a wall-clock time stored before times carried their zone
    return clock.local(moment, zone).strftime(form) if form else formats.moment_text(moment, zone, i18n.language())


def _instance_secret(instance: Path) -> str:
    """Return a per-installation secret key kept in the instance folder, made on first start.

    Several web processes starting at once (gunicorn workers) must end up with one key, or a session signed
    by one is refused by another: each writes its candidate under its own name and links it into place,
    which succeeds for one of them; all then read the key that won.
    """
    path = instance / "secret_key"
    if not path.is_file():
        instance.mkdir(parents=True, exist_ok=True)
        candidate = instance / f".secret_key.{os.getpid()}"
        candidate.write_text(secrets.token_hex(32))
        candidate.chmod(0o600)
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()
