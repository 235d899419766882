"""Settings read at call time from the environment, each with its default.

- ``PLANNER_INSTANCE`` (path, default ``<project>/instance``): the embedded database, imported networks
  and the web app's secret key live here.
- ``DATABASE_URL`` (SQLAlchemy URL, default SQLite file ``planner.sqlite`` in the instance folder).
- ``PLANNER_CLOCK`` (ISO 8601 date-time with a zone): fixes the product's clock, read by ``planner.clock``.
"""

from __future__ import annotations

import os
from pathlib import Path

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
