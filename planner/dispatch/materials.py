"""Reserve materials for incidents: divisible quantities from several depots, with OR-Tools CP-SAT.

Formulation. For every useful option o = (stock lot s, incident need n) an integer y[o] (whole units of
the lot's unit); for every (depot d, need n) a Boolean z[d,n] (the depot supplies the need); per need an
integer shortfall m[n] and its arrival A[n] (centiminutes)::

    sum_n y[s,n] <= Q[s]                         a lot gives at most what it holds (usable, not expired)
    m[n] + sum_s y[s,n] >= q[n],  0 <= m[n] <= q[n]
    y[s,n] <= min(Q[s], q[n]) z[d(s),n]          a lot gives only through its depot's delivery
    A[n] >= t[d,n] z[d,n]                        the need is met when the last depot used arrives

    minimise, lexicographically,
      (1) sum p[i(n)] m[n]          priority-weighted units short
      (2) sum p[i(n)] A[n]          priority-weighted arrival of the last depot of each need
      (3) sum c[s,n] y[s,n]         charged cost in fen (the depot's price when the terms pay it)

An option exists only when the depot may supply the incident's region (:func:`planner.sharing.deployment_terms`,
R-AGREEMENT, the rule teams follow), the lot's material and unit are the need's and the depot arrives by the
need's deadline (its ``ready_min`` plus the travel minutes). No constraint links materials to the units sent,
so the materials and the units of a dispatch are two separate lexicographic problems: the optimum of each is
the joint optimum (:func:`with_materials` adds a plan to the units' result; the compensation reported is the
sum, which the ledger charges line by line). The greedy plan (:func:`allocate_materials_greedy`: needs by
priority then deadline, the earliest-arriving lots first, the cheaper on ties) is the first hint and the
baseline.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from planner.dispatch.formulation import ARRIVAL_SCALE, MONEY_SCALE
from planner.dispatch.problem import DispatchProblem, Incident, MaterialNeed, Supply
from planner.dispatch.result import DispatchObjective, DispatchResult, MaterialAllocation, MaterialShortfall
from planner.errors import InputError
from planner.model.cp_sat import cp_sat_status
from planner.model.status import Status
from planner.sharing import deployment_terms, money

__all__ = ["MaterialPlan", "allocate_materials", "allocate_materials_greedy", "supply_options", "with_materials"]

Need = tuple[str, int]
"""(incident id, index of the material need in the incident)."""


@dataclass(frozen=True)
class SupplyOption:
    """What drawing lot ``supply`` for need ``need`` means: its depot's arrival and the price charged per unit."""

    supply: Supply
    need: Need
    arrival_min: float
    unit_cost: float


@dataclass(frozen=True)
class MaterialPlan:
    """Materials drawn per need and lot, what is short, the lexicographic values, status and bound."""

    allocations: tuple[MaterialAllocation, ...]
    shortfall: tuple[MaterialShortfall, ...]
    weighted_shortfall: float
    weighted_arrival: float
    cost: float
    status: Status
    bound_cost: float = 0.0


def _needs(problem: DispatchProblem) -> list[tuple[Incident, int, MaterialNeed]]:
    return [(incident, k, need) for incident in problem.incidents for k, need in enumerate(incident.materials)]


def supply_options(problem: DispatchProblem) -> dict[tuple[str, Need], SupplyOption]:
    """Every (lot id, need) option: the material and unit match, the depot may go, and it arrives in time."""
    out: dict[tuple[str, Need], SupplyOption] = {}
    for incident, k, need in _needs(problem):
        for supply in problem.supplies:
            if supply.material != need.material or supply.quantity <= 0:
                continue
            if need.unit and supply.unit and need.unit != supply.unit:
                continue
            travel = problem.supply_travel_min.get((supply.depot, incident.id))
            if travel is None or supply.ready_min + travel > need.deadline_min:
                continue
            if deployment_terms(problem.agreements, supply.region, incident.region, parents=problem.parents) is None:
                continue
            if problem.supply_cost is None:
                unit_cost = supply.unit_price
            else:
                priced = problem.supply_cost.get((supply.id, incident.id))
                if priced is None:
                    raise InputError(f"supply_cost: no price for lot {supply.id} -> incident {incident.id}",
                                     field="supply_cost", record=supply.id)
                unit_cost = priced
            out[(supply.id, (incident.id, k))] = SupplyOption(supply, (incident.id, k), supply.ready_min + travel,
                                                              unit_cost)
    return out


def evaluate_materials(problem: DispatchProblem, drawn: Mapping[tuple[str, Need], int],
                       options: Mapping[tuple[str, Need], SupplyOption], status: Status,
                       bound_cost: float = 0.0) -> MaterialPlan:
    """Return the plan of ``drawn`` (lot id, need) -> units: allocations, shortfalls and the objective values."""
    allocations: list[MaterialAllocation] = []
    shortfall: list[MaterialShortfall] = []
    weighted_shortfall = 0.0
    weighted_arrival = 0.0
    cost = 0.0
    for incident, k, need in _needs(problem):
        used = [(options[key], units) for key, units in drawn.items() if key[1] == (incident.id, k) and units > 0]
        for option, units in sorted(used, key=lambda item: (item[0].arrival_min, item[0].supply.id)):
            charged = money(option.unit_cost * units)
            cost += charged
            allocations.append(MaterialAllocation(incident.id, need.material, option.supply.depot, option.supply.id,
                                                  units, need.unit or option.supply.unit, option.unit_cost, charged,
                                                  round(option.arrival_min, 4)))
        missing = need.quantity - sum(units for _, units in used)
        if missing > 0:
            shortfall.append(MaterialShortfall(incident.id, need.material, missing, need.unit, need.deadline_min))
            weighted_shortfall += incident.priority * missing
        if used:
            weighted_arrival += incident.priority * max(option.arrival_min for option, _ in used)
    return MaterialPlan(tuple(allocations), tuple(shortfall), weighted_shortfall, round(weighted_arrival, 4),
                        money(cost), status, bound_cost)


def allocate_materials_greedy(problem: DispatchProblem) -> MaterialPlan:
    """Draw materials greedily: needs by priority then deadline, earliest-arriving lots first (cheaper on ties)."""
    options = supply_options(problem)
    return evaluate_materials(problem, _greedy_draws(problem, options), options, Status.FEASIBLE)


def _greedy_draws(problem: DispatchProblem, options: Mapping[tuple[str, Need], SupplyOption]
                  ) -> dict[tuple[str, Need], int]:
    """Units drawn per (lot id, need) by the greedy rule of :func:`allocate_materials_greedy`."""
    left = {s.id: s.quantity for s in problem.supplies}
    drawn: dict[tuple[str, Need], int] = {}
    needs = sorted(enumerate(_needs(problem)), key=lambda item: (-item[1][0].priority, item[1][2].deadline_min,
                                                                 item[0]))
    for _, (incident, k, need) in needs:
        wanted = need.quantity
        choices = sorted((o for (_, key), o in options.items() if key == (incident.id, k)),
                         key=lambda o: (o.arrival_min, o.unit_cost, o.supply.id))
        for option in choices:
            units = min(wanted, left[option.supply.id])
            if units > 0:
                drawn[(option.supply.id, (incident.id, k))] = units
                left[option.supply.id] -= units
                wanted -= units
    return drawn


def allocate_materials(problem: DispatchProblem, *, time_limit_s: float = 10.0) -> MaterialPlan:
    """Allocate materials minimising (weighted units short, weighted last arrival, charged cost); see the module.

    The status is optimal only if every stage is proven optimal; at the time limit the best plan found
    (never worse than the greedy one, its first hint) is returned as feasible.
    """
    started = time.perf_counter()
    needs = _needs(problem)
    options = supply_options(problem)
    if not needs:
        return MaterialPlan((), (), 0.0, 0.0, 0.0, Status.OPTIMAL)
    hint = _greedy_draws(problem, options)

    # Model.
    model = cp_model.CpModel()
    keys = sorted(options)
    need_of = {(incident.id, k): (incident, need) for incident, k, need in needs}

    # Variables: units drawn per option, depot used per need, units short and arrival per need.
    cap = {key: min(options[key].supply.quantity, need_of[key[1]][1].quantity) for key in keys}
    y = {key: model.new_int_var(0, cap[key], f"y{key}") for key in keys}
    depots = sorted({(options[key].supply.depot, key[1]) for key in keys})
    z = {pair: model.new_bool_var(f"z{pair}") for pair in depots}
    short = {n: model.new_int_var(0, need.quantity, f"m{n}") for n, (_, need) in need_of.items()}
    latest = {n: max([round(options[key].arrival_min * ARRIVAL_SCALE) for key in keys if key[1] == n], default=0)
              for n in need_of}
    arrival = {n: model.new_int_var(0, latest[n], f"A{n}") for n in need_of}

    # Constraints.
    for supply in problem.supplies:
        # A lot gives at most what it holds.
        drawn = [y[key] for key in keys if key[0] == supply.id]
        if drawn:
            model.add(sum(drawn) <= supply.quantity)
    for n, (_, need) in need_of.items():
        # What is short is at least the quantity less the units drawn for the need.
        model.add(short[n] + sum(y[key] for key in keys if key[1] == n) >= need.quantity)
    for key in keys:
        # A lot gives only through its depot's delivery.
        model.add(y[key] <= cap[key] * z[(options[key].supply.depot, key[1])])
    for (depot, n), used in z.items():
        # The need is met when the last depot used arrives.
        minutes = min(round(options[key].arrival_min * ARRIVAL_SCALE) for key in keys
                      if key[1] == n and options[key].supply.depot == depot)
        model.add(arrival[n] >= minutes * used)

    # Objective: three stages, each optimum kept as a constraint of the next.
    priority = {n: incident.priority for n, (incident, _) in need_of.items()}
    stages = [
        ("shortfall", sum(priority[n] * short[n] for n in need_of)),
        ("arrival", sum(priority[n] * arrival[n] for n in need_of)),
        ("cost", sum(round(options[key].unit_cost * MONEY_SCALE) * y[key] for key in keys)),
    ]

    # Solve.
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    values = {key: hint.get(key, 0) for key in keys}
    statuses: list[Status] = []
    bound_cost = 0.0
    for name, expr in stages:
        remaining = time_limit_s - (time.perf_counter() - started)
        if remaining <= 0.01:
            break
        solver.parameters.max_time_in_seconds = remaining
        model.clear_hints()
        for key in keys:
            model.add_hint(y[key], values[key])
        model.minimize(expr)
        status = cp_sat_status(solver.solve(model))
        if status not in (Status.OPTIMAL, Status.FEASIBLE):
            break
        values = {key: int(solver.value(y[key])) for key in keys}
        statuses.append(status)
        model.add(expr <= round(solver.objective_value))
        if name == "cost":
            bound_cost = round(solver.best_objective_bound) / MONEY_SCALE
    optimal = len(statuses) == len(stages) and all(s is Status.OPTIMAL for s in statuses)
    if not statuses:
        return evaluate_materials(problem, hint, options, Status.FEASIBLE)
    return evaluate_materials(problem, values, options, Status.OPTIMAL if optimal else Status.FEASIBLE, bound_cost)


def with_materials(result: DispatchResult, plan: MaterialPlan) -> DispatchResult:
    """Return the units' result with the materials plan added: its draws, shortfalls, values and cost.

    The compensation becomes the units' plus the materials' charged cost (what the ledger charges for
    both); the status is optimal only when both parts are.
    """
    objective = DispatchObjective(result.objective.weighted_shortfall, result.objective.weighted_arrival,
                                  money(result.objective.compensation + plan.cost), plan.weighted_shortfall,
                                  plan.weighted_arrival)
    bound = result.bound
    if bound is not None:
        bound = dataclasses.replace(bound, compensation=money(bound.compensation + plan.bound_cost),
                                    material_shortfall=plan.weighted_shortfall if plan.status is Status.OPTIMAL else 0,
                                    material_arrival=plan.weighted_arrival if plan.status is Status.OPTIMAL else 0)
    status = result.status if plan.status is Status.OPTIMAL else Status.FEASIBLE
    return dataclasses.replace(result, objective=objective, bound=bound, status=status, materials=plan.allocations,
                               material_shortfall=plan.shortfall)
