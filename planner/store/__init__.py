"""Persistence: SQLAlchemy tables, migrations, record and document access, accounts and stored settings.

Owns the database (``database``: SQLite by default, PostgreSQL by ``DATABASE_URL``), its Alembic
migrations (``migrate``), user accounts (``accounts``) and the settings documents stored with a scenario
(``settings``). Imports ``planner.scenario`` and ``planner.model``; domain packages above it read and
write through it, and it knows nothing of coverage, dispatch or drills.
"""
