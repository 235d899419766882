"""The check every scenario passes before it is stored, whatever door its records came through.

The store runs it on every write with the scenario that write produces (a record saved through the
inventory form or the API, a file imported through the page, the API or the CLI, a folder loaded by
``scenario load``), and the import preview runs it on the scenario the upload would produce, so all
of them accept and refuse the same records with the same message. A record that fails would break the
map, Coverage and Dispatch pages of the whole scenario for everyone until it is removed, so it is
never stored.

``Scenario.build`` has checked each record and the references between them (duplicate ids, missing
bases, teams, jurisdictions and standards, loops in the jurisdiction tree, agreements between unknown
regions). This adds what needs more than the records:

- every agreement is a valid agreement (R-AGREEMENT: amounts, rate card, cost lines) and no two
  agreements join the same lender and borrower, as dispatch and the ledger read them;
- the scenario's road network can be built, and every base, site and reserve depot lies within its ``snap_limit_m``
  of it (``planner.scenario.network.placement``).
"""

from __future__ import annotations

from planner.model.agreements import agreements_from_dicts
from planner.scenario.model import Scenario
from planner.scenario.network import placement


def check_scenario(scenario: Scenario) -> None:
    """Refuse a scenario that cannot be stored; the ``InputError`` names the first record at fault and its field.

    The network is built once per specification and the placement is cached by the points' positions
    (``planner.scenario.network``), so a check after a change to one record costs a few milliseconds.
    """
    agreements_from_dicts(scenario.agreements)
    placement(scenario)
