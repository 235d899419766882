"""Persistence: SQLAlchemy tables, migrations, record and document access, accounts and stored settings.

Owns the tables (``tables``), the database (``database``: SQLite by default, PostgreSQL by
``DATABASE_URL``; conditional writes), how connections are set up and what is retried (``engine``), its
Alembic migrations (``migrate``), backup and restore (``backup``), user accounts (``accounts``) and what
each role may do (``roles``), which documents a scenario keeps beside its records (``documents``: domain
packages register their settings documents there, the one list of them) and the settings documents
themselves (``settings``: stored and returned by name). Imports ``planner.scenario`` and
``planner.model``; domain packages above it read and write through it, and it knows nothing of coverage,
dispatch or drills.
"""
