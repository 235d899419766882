"""Scenario access for views, and per-app caches of results derived from a scenario version.

Caches live on the app (not in module globals), keyed by scenario name and version: two apps in one
process, or two databases one after the other, never see each other's entries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Response, current_app

from planner.scenario.model import Scenario
from web.store import get_store

T = TypeVar("T")
_MAX_ENTRIES = 64
_MISSING = object()


CacheKey = tuple[str, int, Hashable]
"""(scenario name, its version, what else the entry depends on)."""


def app_cache(name: str) -> dict[CacheKey, Any]:
    """Return a named cache belonging to the running app."""
    caches: dict[str, dict[CacheKey, Any]] = current_app.extensions.setdefault("planner_caches", {})
    return caches.setdefault(name, {})


def cached_for_version(cache_name: str, scenario_name: str, extra: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per (scenario, its current version, ``extra``), kept in the app's cache.

    Requests that miss the same cache at once (just after a change) wait for one computation instead of
    each computing it; an entry of an older version of the same scenario and ``extra`` is dropped when
    the new one is stored.
    """
    cache = app_cache(cache_name)
    key: CacheKey = (scenario_name, get_store().scenario_version(scenario_name), extra)
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        locks: dict[str, threading.Lock] = current_app.extensions.setdefault("planner_cache_locks", {})
        with locks.setdefault(cache_name, threading.Lock()):
            found = cache.get(key, _MISSING)
            if found is _MISSING:
                found = compute()
                for older in [k for k in cache if k[0] == scenario_name and k[2] == extra]:
                    cache.pop(older, None)
                if len(cache) >= _MAX_ENTRIES:
                    cache.clear()
                cache[key] = found
    return found  # type: ignore[no-any-return]


def cached_json(cache_name: str, scenario_name: str, extra: Hashable, compute: Callable[[], Any]) -> Response:
    """Answer ``compute()`` as JSON serialised once per (scenario, its version, ``extra``), like ``jsonify``.

    The map's layers, the roads, coverage and the record lists are read far more often than they change:
    serialising them again for every request was most of a read's time under load (``bench/load.py``).
    """
    return json_answer(cached_for_version(cache_name, scenario_name, extra, lambda: json_bytes(compute())))


def json_bytes(value: Any) -> bytes:
    """Serialise ``value`` as ``jsonify`` does."""
    return f"{current_app.json.dumps(value)}\n".encode()


def json_answer(body: bytes) -> Response:
    """Answer a JSON body serialised before (:func:`json_bytes`)."""
    return current_app.response_class(body, mimetype="application/json")


def current_scenario(name: str) -> Scenario:
    """Return the stored scenario, re-read only when its version changed."""
    return cached_for_version("scenarios", name, None, lambda: get_store().load_scenario(name))
