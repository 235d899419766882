"""Persistence: SQLAlchemy tables, migrations, record and document access, accounts and stored settings.

Owns the tables (``tables``), the database (``database``: SQLite by default, PostgreSQL by
``DATABASE_URL``), its Alembic migrations (``migrate``), user accounts (``accounts``) and the settings
documents stored with a scenario (``settings``: domain packages register their documents there; it
stores and returns them by name). Imports ``planner.scenario`` and ``planner.model``; domain packages above it read and
write through it, and it knows nothing of coverage, dispatch or drills.
"""
