"""One check for every scenario dispatch the tests run: the reported compensation is the ledger's total.

``assert_compensation_is_ledger_total`` takes a scenario dispatch (or re-dispatch) result, or the JSON
the CLI and the API print for one, and checks, to the fen, that the plan's ``objective.compensation``
equals the ledger's ``total``, that the ledger's lines, per-payer and per-lender totals add up to it,
and (for a result object) that each sent unit's price in the problem is what the ledger charges for it;
the reserve materials drawn from each depot are charged in the ledger at quantity x the price charged.

``checked_scenario_dispatch`` (an autouse fixture in ``conftest.py``) wraps the adaptor's two entry
points, wherever they were imported, so that every dispatch any test runs, through the library, the
CLI, the API or the page, is checked: the real functions run, the check is added after them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

FEN = 0.005
"""Half a fen: amounts are rounded to fen, so equal amounts differ by less than this."""


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=FEN)


def assert_compensation_is_ledger_total(result: Any) -> None:
    """Check that a scenario dispatch's compensation equals its ledger total to the fen."""
    if isinstance(result, Mapping):
        compensation = result["optimal"]["objective"]["compensation"]
        ledger = result["ledger"]
        assignments = [(a["unit"], a["incident"]) for a in result["optimal"]["assignments"]]
        drawn = [(m["depot"], m["incident"], m["cost"]) for m in result["optimal"].get("materials", [])]
        costs = None
    else:
        compensation = result.optimal.objective.compensation
        ledger = result.ledger
        assignments = [(a.unit, a.incident) for a in result.optimal.assignments]
        drawn = [(m.depot, m.incident, m.cost) for m in result.optimal.materials]
        costs = result.problem.pair_cost
    total = ledger["total"]
    assert _close(compensation, total), f"objective.compensation {compensation} != ledger.total {total}"
    assert _close(sum(line["amount"] for line in ledger["lines"]), total)
    assert _close(sum(ledger["totals_by_payer"].values()), total)
    assert _close(sum(ledger["totals_by_lender"].values()), total)
    supplied: dict[tuple[str, str], float] = {}
    for depot, incident, cost in drawn:
        supplied[(depot, incident)] = supplied.get((depot, incident), 0.0) + cost
    charged: dict[tuple[str, str], float] = {}
    for line in ledger["lines"]:
        key = (line["unit"], line["mission"])
        assert key in assignments or key in supplied, f"ledger line for {key}, which the plan does not send"
        charged[key] = charged.get(key, 0.0) + line["amount"]
        if line["line"] == "materials":
            assert _close(line["amount"], line["quantity"] * line["rate"]), f"{key}: materials not quantity x price"
    for key, cost in supplied.items():
        assert _close(cost, charged.get(key, 0.0)), f"{key}: materials cost {cost}, charged {charged.get(key)}"
    if costs is not None:
        for key in assignments:
            assert _close(costs[key], charged.get(key, 0.0)), f"{key}: priced {costs[key]}, charged {charged.get(key)}"


def checking(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with the compensation check run on each result it returns."""

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        assert_compensation_is_ledger_total(result)
        return result

    return checked
