"""The dispatch rules every dispatcher shares: who may go where, what they bring, what it costs.

- a unit sent to an incident brings all its capabilities and arrives at ``ready_min + travel_min``;
  a missing travel entry means unreachable;
- on what terms a unit serves an incident's region is :func:`planner.sharing.deployment_terms`
  (R-AGREEMENT): its own region's (or, without an agreement, a parent region's) own force, or lent
  under the agreement lender -> region, when it contributes only the capabilities the agreement covers;
  with neither it may not go;
- a pair's cost is ``problem.pair_cost`` when the caller priced the pairs (a scenario dispatch prices
  them with :func:`planner.sharing.compensate`, the ledger's function); otherwise a lent unit costs the
  agreement's ``fixed_cost + cost_per_travel_min * travel_min`` and own forces are free;
- each requirement is met separately: shortfall = quantity minus the capability units of the units
  sent to that incident arriving by its deadline, never below zero;
- the available units of a region sent nowhere must together hold ``min_retained`` of each capability;
  while a region lends under an agreement with ``retained``, they must also hold that;
- units whose status is not ``available`` are neither sent nor counted at home.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from planner.dispatch.problem import DispatchProblem, Incident, Unit
from planner.errors import InfeasibleError, InputError
from planner.sharing import Agreement, Terms, deployment_terms


@dataclass(frozen=True)
class PairOption:
    """What sending ``unit`` to ``incident`` means: arrival, cost, and on-time contribution per requirement.

    ``agreement`` is the agreement the unit is lent under, None for own forces.
    """

    unit: str
    incident: str
    arrival_min: float
    cost: float
    agreement: Agreement | None
    contribution: tuple[int, ...]

    @property
    def useful(self) -> bool:
        """Whether the unit counts towards at least one requirement of the incident."""
        return any(self.contribution)


def pair_terms(problem: DispatchProblem, unit: Unit, incident: Incident) -> Terms | None:
    """Terms on which ``unit`` serves ``incident``'s region, or None when it may not (R-AGREEMENT)."""
    return deployment_terms(problem.agreements, unit.region, incident.region, parents=problem.parents)


def _cost(problem: DispatchProblem, unit: Unit, incident: Incident, terms: Terms | None, travel: float) -> float:
    if problem.pair_cost is not None:
        cost = problem.pair_cost.get((unit.id, incident.id))
        if cost is None and terms is not None:
            raise InputError(f"pair_cost: no cost for unit {unit.id} -> incident {incident.id}", field="pair_cost",
                             record=unit.id)
        return cost or 0.0
    if terms is None or terms.agreement is None or not terms.lent:
        return 0.0
    return terms.agreement.dispatch_cost(travel)


def pair_option(
    problem: DispatchProblem,
    unit: Unit,
    incident: Incident,
    *,
    terms_by_regions: dict[tuple[str, str], Terms | None] | None = None,
) -> PairOption | None:
    """Option for ``unit`` -> ``incident``, or None when unreachable or not allowed without an agreement.

    ``terms_by_regions`` caches the terms per (unit region, incident region): they depend on nothing else.
    """
    travel = problem.travel_min.get((unit.id, incident.id))
    if travel is None:
        return None
    if terms_by_regions is None:
        terms = pair_terms(problem, unit, incident)
    else:
        regions = (unit.region, incident.region)
        if regions not in terms_by_regions:
            terms_by_regions[regions] = pair_terms(problem, unit, incident)
        terms = terms_by_regions[regions]
    if terms is None:
        return None
    arrival = unit.ready_min + travel
    contribution = tuple(
        unit.capabilities.get(r.capability, 0) if arrival <= r.deadline_min and terms.covers(r.capability) else 0
        for r in incident.requirements
    )
    return PairOption(unit.id, incident.id, arrival, _cost(problem, unit, incident, terms, travel),
                      terms.lending_agreement, contribution)


def forced_option(problem: DispatchProblem, unit: Unit, incident: Incident) -> PairOption:
    """Option of a pair already decided (a kept unit): it needs a travel entry, not an agreement."""
    option = pair_option(problem, unit, incident)
    if option is not None:
        return option
    travel = problem.travel_min.get((unit.id, incident.id))
    if travel is None:
        raise InputError(
            f"travel_min: no entry for unit {unit.id} -> incident {incident.id}", field="travel_min", record=unit.id
        )
    arrival = unit.ready_min + travel
    contribution = tuple(
        unit.capabilities.get(r.capability, 0) if arrival <= r.deadline_min else 0 for r in incident.requirements
    )
    return PairOption(unit.id, incident.id, arrival, _cost(problem, unit, incident, None, travel), None, contribution)


def pair_options(problem: DispatchProblem) -> dict[tuple[str, str], PairOption]:
    """Every useful (unit, incident) option of the available units.

    A unit that would contribute nothing on time to any requirement of an incident is never an option
    there: sending it could only add arrival minutes and cost.
    """
    out: dict[tuple[str, str], PairOption] = {}
    terms_by_regions: dict[tuple[str, str], Terms | None] = {}
    for unit in problem.units:
        if not unit.available:
            continue
        for incident in problem.incidents:
            option = pair_option(problem, unit, incident, terms_by_regions=terms_by_regions)
            if option is not None and option.useful:
                out[(unit.id, incident.id)] = option
    return out


def home_holdings(
    problem: DispatchProblem, region: str, *, exclude: set[str] | frozenset[str] = frozenset()
) -> dict[str, int]:
    """Capability totals of the available units of ``region`` outside ``exclude``."""
    out: dict[str, int] = {}
    for unit in problem.units:
        if unit.region == region and unit.available and unit.id not in exclude:
            for capability, quantity in unit.capabilities.items():
                out[capability] = out.get(capability, 0) + quantity
    return out


def check_retained(problem: DispatchProblem, *, away: set[str] | frozenset[str] = frozenset()) -> None:
    """Raise InfeasibleError when a region's min_retained fails even with no further unit sent.

    ``away`` lists units already out (kept on earlier incidents), which do not count at home.
    """
    for region, minimums in sorted(problem.min_retained.items()):
        held = home_holdings(problem, region, exclude=away)
        for capability, required in sorted(minimums.items()):
            if held.get(capability, 0) < required:
                raise InfeasibleError(
                    f"min_retained: region {region} must keep {required} {capability} at home "
                    f"but its available units hold only {held.get(capability, 0)}"
                )


@dataclass(frozen=True)
class RetainedMinimum:
    """A retained minimum a plan had to honour: the region, the capability, the minimum, what stays and why.

    ``agreement`` is ``lender->borrower`` when the minimum is an agreement's (the region lends under it
    in the plan), empty for the region's own ``min_retained``.
    """

    region: str
    capability: str
    minimum: int
    kept: int
    agreement: str = ""


def retained_minimums(problem: DispatchProblem, sent: Iterable[str],
                      lent: Iterable[tuple[str, str]] = ()) -> list[RetainedMinimum]:
    """Return every retained minimum binding a plan with what its region keeps at home once ``sent`` have gone.

    ``lent`` are the (lender, borrower) pairs the plan lends under; their agreements' ``retained`` bind
    too. The dispatchers guarantee ``kept >= minimum``; the summary shows it, so a reader sees what was
    held back and by which rule.
    """
    away = frozenset(sent)
    lending = set(lent)
    minimums = [(region, capability, minimum, "") for region, row in sorted(problem.min_retained.items())
                for capability, minimum in sorted(row.items())]
    minimums += [(a.lender, capability, minimum, f"{a.lender}->{a.borrower}") for a in problem.agreements
                 if (a.lender, a.borrower) in lending for capability, minimum in sorted(a.retained.items())]
    return [RetainedMinimum(region, capability, minimum,
                            home_holdings(problem, region, exclude=away).get(capability, 0), agreement)
            for region, capability, minimum, agreement in minimums]
