"""Scenario access for views: loaded from the store and cached per scenario version."""

from __future__ import annotations

from planner.scenario import Scenario
from web.store import get_store

_cache: dict[str, tuple[int, Scenario]] = {}


def current_scenario(name: str) -> Scenario:
    """The stored scenario, re-read only when its version changed."""
    store = get_store()
    version = store.scenario_version(name)
    cached = _cache.get(name)
    if cached is None or cached[0] != version:
        _cache[name] = (version, store.load_scenario(name))
    return _cache[name][1]
