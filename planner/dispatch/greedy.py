"""Greedy nearest-available-unit dispatcher: the baseline the optimiser is compared with, and its start.

Incidents are taken by descending priority (ties by input order), their requirements by ascending
deadline. While a requirement is short, the earliest-arriving unit that is available, not yet sent,
arrives by the deadline, contributes the capability (under an agreement that covers it when it
crosses a border, R-AGREEMENT) and whose departure keeps its region's retained minimums is sent; it
brings all its capabilities, so later requirements of the same incident may already be met. Ties go
to the cheaper unit, then the smaller id. The rules are those of :mod:`planner.dispatch.rules`.
Reserve materials are drawn by :func:`planner.dispatch.materials.allocate_materials_greedy`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

from planner.dispatch.materials import allocate_materials_greedy, with_materials
from planner.dispatch.problem import DispatchProblem
from planner.dispatch.result import DispatchResult, evaluate
from planner.dispatch.rules import PairOption, check_retained, home_holdings, pair_options
from planner.model.status import Status


def solve_dispatch_greedy(
    problem: DispatchProblem,
    *,
    options: Mapping[tuple[str, str], PairOption] | None = None,
    preferred: Sequence[tuple[str, str]] = (),
) -> DispatchResult:
    """Dispatch greedily; the result has status ``feasible`` and no bound.

    ``options`` are the problem's :func:`planner.dispatch.rules.pair_options` when the caller has them.
    ``preferred`` (unit, incident) pairs are tried first, in their order (the optimiser passes them in
    decreasing order of an LP relaxation's values): each is sent when the unit is still free, brings a
    capability the incident still lacks and leaves its region's minimums; the nearest-unit rule then
    completes the plan.

    Raises
    ------
    InfeasibleError
        A region's ``min_retained`` fails even with no unit sent.

    """
    started = time.perf_counter()
    check_retained(problem)
    options = pair_options(problem) if options is None else options
    units = {u.id: u for u in problem.units}
    home = {region: home_holdings(problem, region) for region in {u.region for u in problem.units}}
    sent: dict[str, str] = {}
    lending: set[tuple[str, str]] = set()

    def keeps_minimums(unit_id: str, incident_id: str) -> bool:
        unit = units[unit_id]
        held = home[unit.region]
        minimums = dict(problem.min_retained.get(unit.region, {}))
        agreement = options[(unit_id, incident_id)].agreement
        for a in problem.agreements:
            if a.lender == unit.region and (a is agreement or (a.lender, a.borrower) in lending):
                for capability, minimum in a.retained.items():
                    minimums[capability] = max(minimums.get(capability, 0), minimum)
        return all(
            held.get(c, 0) - unit.capabilities.get(c, 0) >= m for c, m in minimums.items()
        )

    def send(option: PairOption) -> None:
        sent[option.unit] = option.incident
        unit = units[option.unit]
        for capability, quantity in unit.capabilities.items():
            home[unit.region][capability] -= quantity
        if option.agreement is not None:
            lending.add((option.agreement.lender, option.agreement.borrower))
        lacking[option.incident] = [max(0, q - c) for q, c in zip(lacking[option.incident], option.contribution,
                                                                     strict=True)]

    lacking = {incident.id: [r.quantity for r in incident.requirements] for incident in problem.incidents}
    for unit_id, incident_id in preferred:
        option = options.get((unit_id, incident_id))
        if option is None or unit_id in sent:
            continue
        if any(c and q for c, q in zip(option.contribution, lacking[incident_id], strict=True)) and keeps_minimums(
            unit_id, incident_id
        ):
            send(option)

    order = sorted(enumerate(problem.incidents), key=lambda item: (-item[1].priority, item[0]))
    for _, incident in order:
        requirements = sorted(enumerate(incident.requirements), key=lambda item: (item[1].deadline_min, item[0]))
        for k, requirement in requirements:
            while True:
                on_scene = sum(options[(u, i)].contribution[k] for u, i in sent.items() if i == incident.id)
                if on_scene >= requirement.quantity:
                    break
                candidates = [
                    options[(u.id, incident.id)]
                    for u in problem.units
                    if u.id not in sent
                    and (u.id, incident.id) in options
                    and options[(u.id, incident.id)].contribution[k] > 0
                ]
                candidates = [o for o in candidates if keeps_minimums(o.unit, incident.id)]
                if not candidates:
                    break
                send(min(candidates, key=lambda o: (o.arrival_min, o.cost, o.unit)))
    rows, short, objective, borrowed = evaluate(problem, sent, options=options)
    result = DispatchResult(
        status=Status.FEASIBLE,
        assignments=rows,
        shortfall=short,
        objective=objective,
        borrowed=borrowed,
        wall_s=0.0,
        method="greedy",
        bound=None,
    )
    if any(incident.materials for incident in problem.incidents):
        result = with_materials(result, allocate_materials_greedy(problem))
    return dataclasses.replace(result, wall_s=time.perf_counter() - started)
