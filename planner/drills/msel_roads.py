"""The roads a drill's MSEL closes: an inject's closures apply from its minute in the drill's simulation.

An MSEL inject may carry ``closures`` (a stored closure set's name, or a GeoJSON area or line drawn for
the drill: the one closures field of every job, :data:`planner.roads.conditions.ClosuresField`). The
drill's Monte Carlo simulation then drives its teams on the intact roads (or the simulation's time
band) until the inject's offset and under its closures from then on; a later closure inject replaces
the earlier one's closures (write the closures that hold together into the later inject). Only played
injects count: contingency injects never do, and of a surprise branch only one option does: the option
the exercise chose or drew at or after StartEx (:mod:`planner.drills.conduct`), and before that the
branch's *default*, its first option in the MSEL's order (for an MSEL made from its template, the
template's first option). A closure that names an unknown set or lies off the network is refused naming
the inject and its ``closures`` field, when the MSEL is stored and again when a simulation is asked for
(a set deleted since).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.drills.msel import Msel, MselInject
from planner.errors import InputError, NotFoundError
from planner.roads.conditions import RoadConditions, check_closures_request, travel_network
from planner.scenario.model import Scenario


def played_options(msel: Msel, chosen: Mapping[str, str]) -> dict[str, str]:
    """Return the option played of every surprise branch: the one chosen or drawn, else its first (the default)."""
    return {branch: chosen.get(branch, options[0]) for branch, options in msel.branches().items()}


def closure_injects(msel: Msel, chosen: Mapping[str, str]) -> list[MselInject]:
    """Return the played injects that carry closures, by offset (see :func:`played_options`)."""
    return [i for i in msel.played(played_options(msel, chosen)) if i.closures is not None]


def _refused(inject: MselInject, error: InputError | NotFoundError) -> InputError:
    return InputError(f"MSEL inject {inject.id}: closures: {error}", field="closures", record=inject.id)


def check_msel_closures(scenario: Scenario, documents: Mapping[str, Any], msel: Msel) -> None:
    """Refuse an MSEL whose inject closes roads it cannot: an unknown set, or a geometry off the network.

    Every inject is checked, played or not (a branch may still be chosen). ``InputError`` naming
    ``closures`` and the inject.
    """
    for inject in msel.injects:
        try:
            check_closures_request(scenario, documents, inject.closures)
        except (InputError, NotFoundError) as error:
            raise _refused(inject, error) from None


def msel_road_changes(scenario: Scenario, documents: Mapping[str, Any], msel: Msel, chosen: Mapping[str, str],
                      band: str | None) -> list[tuple[MselInject, RoadConditions]]:
    """Return each played closure inject with the roads from its minute on (its closures, in ``band``)."""
    changes = []
    for inject in closure_injects(msel, chosen):
        try:
            roads = travel_network(scenario, documents, closures=inject.closures, band=band)
        except (InputError, NotFoundError) as error:
            raise _refused(inject, error) from None
        changes.append((inject, roads))
    return changes
