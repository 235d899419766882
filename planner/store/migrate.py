"""Schema migrations with Alembic: every store is brought to the latest revision when it is opened.

A new, empty database gets the tables created from the models and is stamped at the latest
revision; an existing one is upgraded through the migrations in ``planner/store/migrations/versions``. A
database made before migrations existed (tables but no recorded revision) gets its missing tables
created and is then stamped, so an installation from before the change keeps its data.
``python -m alembic -c planner/store/alembic.ini revision --autogenerate -m "..."`` writes a new migration
after a model change.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from planner.store.tables import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """Alembic configuration for a database URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema of ``engine``'s database to the latest revision.

    Give an engine whose transactions begin as writes (``planner.store.engine.for_writes``): on SQLite the
    lock is then taken before the revision is read, so two processes opening a new database at once
    create its tables once.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision is None:
            Base.metadata.create_all(connection)
            command.stamp(config, "head")
        else:
            command.upgrade(config, "head")
