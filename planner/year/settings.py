"""The year model's settings document, ``incident_rates`` (``incident_rates.yaml``), registered with the store.

Its model is :class:`planner.year.rates.RatesDocument`; this module registers it with
``planner.store.documents`` (so ``scenario load`` reads it, the settings API checks edits with it and
``scenario export`` writes it) and reads it back from a scenario's documents by name, the same way for
the CLI and background jobs. A scenario without it gets :func:`planner.year.rates.default_rates`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.scenario.model import Scenario
from planner.store.documents import SettingsDocument, register
from planner.year.rates import RatesDocument, default_rates, parse_rates

INCIDENT_RATES = "incident_rates"


def check_rates(data: Any, scenario: Scenario, where: str) -> RatesDocument:
    """Validate an incident-rates document against the scenario."""
    return parse_rates(data, scenario, where=where)


register(SettingsDocument(INCIDENT_RATES, "incident_rates.yaml", RatesDocument, check_rates,
                          "how often incidents happen per site kind, risk grade and jurisdiction, by hour and month"))


def incident_rates(documents: Mapping[str, Any], scenario: Scenario) -> RatesDocument:
    """Return the scenario's incident rates, or the default rates when it has none."""
    data = documents.get(INCIDENT_RATES)
    return default_rates(scenario) if data is None else check_rates(data, scenario, INCIDENT_RATES)
