"""Scenario access for views, and per-app caches of results derived from a scenario version.

Caches live on the app (not in module globals), keyed by scenario name and version: two apps in one
process, or two databases one after the other, never see each other's entries.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

from planner.scenario.model import Scenario
from web.store import get_store

T = TypeVar("T")
_MAX_ENTRIES = 64


def app_cache(name: str) -> dict[Hashable, Any]:
    """Return a named cache belonging to the running app."""
    caches: dict[str, dict[Hashable, Any]] = current_app.extensions.setdefault("planner_caches", {})
    return caches.setdefault(name, {})


def cached_for_version(cache_name: str, scenario_name: str, extra: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per (scenario, its current version, ``extra``), kept in the app's cache."""
    cache = app_cache(cache_name)
    key = (scenario_name, get_store().scenario_version(scenario_name), extra)
    if key not in cache:
        if len(cache) >= _MAX_ENTRIES:
            cache.clear()
        cache[key] = compute()
    return cache[key]  # type: ignore[no-any-return]


def current_scenario(name: str) -> Scenario:
    """Return the stored scenario, re-read only when its version changed."""
    return cached_for_version("scenarios", name, None, lambda: get_store().load_scenario(name))
