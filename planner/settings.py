"""Settings read at call time from the environment, each with its default.

- ``PLANNER_INSTANCE`` (path, default ``<project>/instance``): the embedded database, imported networks
  and the web app's secret key live here.
- ``DATABASE_URL`` (SQLAlchemy URL, default SQLite file ``planner.sqlite`` in the instance folder).
- ``PLANNER_CLOCK`` (ISO 8601 date-time with a zone): fixes the product's clock, read by ``planner.clock``.
- ``PLANNER_JOB_RUNNER`` (``in-process``, the default, or ``external``): whether the web process runs the
  background jobs itself, or leaves them to a runner process of its own (``python -m planner jobs run``).
- ``PLANNER_JOB_WORKERS`` (default 2): jobs one runner runs at once, each in its own worker process.
- ``PLANNER_JOB_TIME_LIMIT_S`` (default 3600): a job still running after this long is ended and failed.
- ``PLANNER_JOB_STALE_S`` (default 30): a running job whose runner has not given a heartbeat for this long
  is taken as interrupted (its runner stopped): it is failed, or queued again when its kind allows.
"""

from __future__ import annotations

import os
from pathlib import Path

from planner.errors import InputError

PROJECT_DIR = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    """Folder for the embedded database, imported networks and secrets."""
    return Path(os.environ.get("PLANNER_INSTANCE") or PROJECT_DIR / "instance")


def database_url() -> str:
    """``DATABASE_URL`` if set, else an SQLite file in the instance folder."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir() / 'planner.sqlite'}"


def imported_networks_dir() -> Path:
    """Where ``import-osm`` saves networks, one folder per name."""
    return instance_dir() / "networks"


JOB_RUNNER_MODES = ("in-process", "external")
"""Where a web process's jobs run: in the web process, or in a runner process of their own."""


def job_runner_mode() -> str:
    """``PLANNER_JOB_RUNNER``: ``in-process`` (default) or ``external``."""
    mode = os.environ.get("PLANNER_JOB_RUNNER") or "in-process"
    if mode not in JOB_RUNNER_MODES:
        raise InputError(f"PLANNER_JOB_RUNNER must be one of {', '.join(JOB_RUNNER_MODES)}, not {mode!r}",
                         field="PLANNER_JOB_RUNNER")
    return mode


def job_workers() -> int:
    """``PLANNER_JOB_WORKERS``: jobs one runner runs at once (default 2)."""
    return int(_positive("PLANNER_JOB_WORKERS", 2, whole=True))


def job_time_limit_s() -> float:
    """``PLANNER_JOB_TIME_LIMIT_S``: the longest a job may run, seconds (default 3600)."""
    return _positive("PLANNER_JOB_TIME_LIMIT_S", 3600.0)


def job_stale_s() -> float:
    """``PLANNER_JOB_STALE_S``: seconds without a heartbeat after which a running job counts as interrupted."""
    return _positive("PLANNER_JOB_STALE_S", 30.0)


def _positive(name: str, default: float, *, whole: bool = False) -> float:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = 0
    if not value > 0 or value == float("inf"):
        raise InputError(f"{name} must be a positive {'whole ' if whole else ''}number, not {text!r}", field=name)
    return value
