"""The app's one ``planner.store.database.Store``, made at start-up and shared by every request."""

from __future__ import annotations

from flask import Flask, current_app

from planner.store.database import Store


def init_app(app: Flask) -> None:
    """Open the store named by ``DATABASE_URL`` and close it with the app."""
    app.extensions["planner_store"] = Store(app.config["DATABASE_URL"])


def get_store() -> Store:
    """Return the store of the running app."""
    return current_app.extensions["planner_store"]  # type: ignore[no-any-return]
