"""Dispatch optimiser: assign whole rescue units to incidents with OR-Tools CP-SAT, lexicographically.

Formulation (problem semantics in :mod:`planner.dispatch.rules`). For every useful option
(unit u, incident i) a Boolean x[u,i]; for every requirement r of incident i an integer shortfall s[r]::

    sum_i x[u,i] <= 1                                    each unit goes to at most one incident
    s[r] + sum_u min(c[u,r], q[r]) x[u,i] >= q[r],  0 <= s[r] <= q[r]   c = on-time, covered capability
    r' * sum_u ceil(c[u,r] / d) x[u,i] + s[r] >= r' * ceil(q[r] / d)   rounding cuts, see _cover_rows
    sum_{u in R} k[u,c] sum_i x[u,i] <= H[R,c] - m[R,c]  region R keeps m of capability c at home (H held)
    H[R,c] - sum k[u,c] sum_i x[u,i] >= m_a[c] * lend_a,  x[u,i] <= lend_a   agreement a's retained minimum

    minimise, lexicographically,
      (1) sum_r p[i] s[r]                 priority-weighted shortfall
      (2) sum p[i] A[u,i] x[u,i]          priority-weighted arrival, A in centiminutes (x100, rounded)
      (3) (Z + 1) C[u,i] x[u,i] + sum_Z x compensation in fen (x100, rounded), then fewest zero-arrival units

C[u,i] is the pair's cost from :mod:`planner.dispatch.rules`: in a scenario dispatch the compensation
the ledger will charge (R-COST, priced by ``planner.sharing.compensate``), in a problem file the
agreement's planning cost. Stages are solved one after another, each optimum added as a constraint to
the next (R-AGREEMENT for who may go and what counts). Stages (1) and (2) are merged as W * (1) + (2), with W one more
than the largest possible (2), whenever W * max (1) stays below 2**50 (exact in double precision);
otherwise they are solved apart. No unit that adds nothing is ever sent: at the (2) optimum removing
such a unit would lower the arrival sum, unless its weighted arrival rounds to 0; those Z options are
counted last in stage (3) (weight Z + 1 on the fen is provably safe). When a stage stops at the time
limit, units whose withdrawal leaves the objective no worse are withdrawn afterwards. The status is
optimal only if every stage is proven optimal; ``bound`` gives each stage's best lower bound,
conditional on the earlier stages' values.

Solver settings (measured with bench/dispatch.py on 60 incidents x 400 units, 2 cores): one worker,
no CP-SAT presolve, the complete greedy hint taken as the first solution without a hint-guided dive.
The capped covers and rounding cuts change no integer point; they raise the root LP bound on the
weighted arrival (uncapped -> capped -> with cuts; optimum): ample seed 1 1689 -> 2968 -> 3002 (3055),
scarce seed 1 5304 -> 5379 -> 5603 (5778).

:func:`redispatch` re-optimises after a new incident with the units already committed kept in
place, except those listed as releasable, and reports units kept, moved, added and released.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ortools.sat.python import cp_model

from planner.dispatch.greedy import solve_dispatch_greedy
from planner.dispatch.problem import DispatchProblem
from planner.dispatch.result import DispatchObjective, DispatchResult, Redispatch, evaluate
from planner.dispatch.rules import PairOption, check_retained, forced_option, home_holdings, pair_options
from planner.errors import InputError, SolverLimitError
from planner.model.cp_sat import cp_sat_status
from planner.model.status import Status

__all__ = ["redispatch", "solve_dispatch"]

logger = logging.getLogger(__name__)

ARRIVAL_SCALE = 100
"""Arrival minutes are scaled by this and rounded for CP-SAT (centiminutes)."""
MONEY_SCALE = 100
"""Costs are scaled by this and rounded for CP-SAT (fen)."""
MERGE_LIMIT = 2**50
"""Stages (1) and (2) are merged while the merged objective stays below this (exact in a double)."""
DEFAULT_TIME_LIMIT_S = 10.0
DEFAULT_WORKERS = 1
"""One CP-SAT worker: on the 2-core machine of bench/dispatch.py (60 x 400) one worker with the full
LP proved optimality several times sooner than 2, 4 or 8, which mostly lacked the LP worker's bound."""


def _drop_idle_units(
    problem: DispatchProblem,
    assignment: Mapping[str, str],
    options: Mapping[tuple[str, str], PairOption],
    *,
    keep: frozenset[str],
) -> dict[str, str]:
    """Withdraw sent units (latest first) whose withdrawal leaves the objective no worse.

    Withdrawing a unit never breaks a constraint (it only adds to its region's holdings), so this is
    a safe clean-up of a solution the solver could not prove optimal.
    """
    current = dict(assignment)
    best = evaluate(problem, current, options=options)[2].as_tuple()
    for unit_id in sorted(current, key=lambda u: -options[(u, current[u])].arrival_min):
        if unit_id in keep:
            continue
        trial = {u: i for u, i in current.items() if u != unit_id}
        value = evaluate(problem, trial, options=options)[2].as_tuple()
        if value <= best:
            current, best = trial, value
    return current


# ----------------------------------------------------------------------------------------------------
# CP-SAT


def _cover_rows(quantity: int, contributions: list[int]) -> list[tuple[list[int], int, int]]:
    """Rows ``(coefficients, shortfall coefficient, rhs)`` of the cover ``s + sum c x >= q``, plus cuts.

    The first row is the cover with every contribution capped at ``q`` (a unit cannot cover more
    than all of it). The others are rounding (Chvatal-Gomory) cuts, valid for every integer point:
    for a divisor ``d``, with ``Q = ceil(q / d)`` and ``r = q - d (Q - 1)`` (1 <= r <= d),

        r * sum ceil(c / d) x + s >= r * Q

    (at ``s = t`` the units must supply ``q - t``, so ``sum ceil(c / d) x >= ceil((q - t) / d)``, which is
    at least ``Q - t / r`` for every integer ``t >= 0``). They forbid the LP from counting a fraction
    of a unit, e.g. ``q = 5`` covered by 2.5 units of 2: with ``d = 2`` three units or a shortfall.
    Divisors above the largest capped contribution only repeat ``d = max c``; ``r = d`` gives a row
    the cover already implies.
    """
    capped = [min(c, quantity) for c in contributions]
    rows = [(capped, 1, quantity)]
    largest = max(capped, default=0)
    for d in range(2, min(quantity, largest) + 1):
        whole = -(-quantity // d)
        r = quantity - d * (whole - 1)
        if r == d:
            continue
        rows.append(([r * -(-c // d) for c in capped], 1, r * whole))
    return rows


def solve_dispatch(
    problem: DispatchProblem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    workers: int = DEFAULT_WORKERS,
) -> DispatchResult:
    """Assign units to incidents minimising (weighted shortfall, weighted arrival, compensation).

    Parameters
    ----------
    problem
        Validated dispatch problem (see :func:`planner.dispatch.problem.problem_from_dict`).
    time_limit_s
        Wall-clock limit for all three stages together, seconds.
    workers
        CP-SAT search workers.

    Returns
    -------
    DispatchResult
        ``status`` is optimal only when every stage is proven optimal.

    Raises
    ------
    InfeasibleError
        A region's ``min_retained`` fails even with no unit sent.
    SolverLimitError
        No solution within the time limit.

    """
    if time_limit_s <= 0:
        raise InputError(f"time limit must be > 0 s, got {time_limit_s}", field="time_limit")
    started = time.perf_counter()
    # The greedy plan is feasible here too: as the first hint it makes the optimiser never worse.
    start = solve_dispatch_greedy(problem).assignment_map()
    left_s = max(0.05, time_limit_s - (time.perf_counter() - started))
    result = _solve(problem, fixed={}, free_committed=frozenset(), time_limit_s=left_s, workers=workers, start=start)
    return dataclasses.replace(result, wall_s=time.perf_counter() - started)


def redispatch(
    problem: DispatchProblem,
    current: Mapping[str, str],
    *,
    releasable: Iterable[str] = (),
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    workers: int = DEFAULT_WORKERS,
) -> Redispatch:
    """Re-optimise after a new incident, keeping committed units in place unless releasable.

    ``problem`` holds every incident (old and new) and travel minutes from each unit's present
    position. ``current`` maps each committed unit to its incident; those units stay there unless
    named in ``releasable``, in which case the optimiser may keep, move or release them. Other units
    with status ``committed`` or ``drilling`` stay unavailable.

    Returns
    -------
    Redispatch
        The new plan and the units kept, moved (unit, from, to), added and released (unit, from).

    """
    units = {u.id: u for u in problem.units}
    incidents = {i.id for i in problem.incidents}
    for unit_id, incident_id in current.items():
        if unit_id not in units:
            raise InputError(f"current: unknown unit {unit_id!r}", field="current", record=unit_id)
        if incident_id not in incidents:
            raise InputError(f"current: unknown incident {incident_id!r}", field="current", record=unit_id)
    release = set(releasable)
    for unit_id in release:
        if unit_id not in current:
            raise InputError(f"releasable: unit {unit_id!r} is not committed", field="releasable", record=unit_id)
    fixed = {u: i for u, i in current.items() if u not in release}
    result = _solve(
        problem, fixed=fixed, free_committed=frozenset(release), time_limit_s=time_limit_s, workers=workers
    )
    new = result.assignment_map()
    by_unit = {a.unit: a for a in result.assignments}
    kept = tuple(by_unit[u] for u, i in sorted(current.items()) if new.get(u) == i)
    moved = tuple((u, i, new[u]) for u, i in sorted(current.items()) if u in new and new[u] != i)
    added = tuple(a for a in result.assignments if a.unit not in current)
    released = tuple((u, i) for u, i in sorted(current.items()) if u not in new)
    return Redispatch(result=result, kept=kept, moved=moved, added=added, released=released)


def _solve(
    problem: DispatchProblem,
    *,
    fixed: Mapping[str, str],
    free_committed: frozenset[str],
    time_limit_s: float,
    workers: int,
    start: Mapping[str, str] | None = None,
) -> DispatchResult:
    """Three-stage lexicographic CP-SAT solve with ``fixed`` units kept on their incidents.

    ``start`` is a feasible unit -> incident map used as the first hint.
    """
    started = time.perf_counter()
    if time_limit_s <= 0:
        raise InputError(f"time limit must be > 0 s, got {time_limit_s}", field="time_limit")

    # Data: units released from earlier incidents are available again; kept units are away from home.
    if free_committed:
        problem = dataclasses.replace(
            problem,
            units=tuple(
                dataclasses.replace(u, status="available") if u.id in free_committed else u for u in problem.units
            ),
        )
    away = frozenset(fixed)
    check_retained(problem, away=away)
    units = {u.id: u for u in problem.units}
    incidents = {i.id: i for i in problem.incidents}
    options = {key: o for key, o in pair_options(problem).items() if key[0] not in away}
    for unit_id, incident_id in fixed.items():
        options[(unit_id, incident_id)] = forced_option(problem, units[unit_id], incidents[incident_id])
    keys = sorted(options)

    # Model.
    model = cp_model.CpModel()

    # Variables: x[u, i] sends unit u to incident i; s[i, k] is the shortfall of requirement k of i.
    x = {key: model.new_bool_var(f"x[{key[0]},{key[1]}]") for key in keys}
    shortfall = {
        (incident.id, k): model.new_int_var(0, r.quantity, f"s[{incident.id},{k}]")
        for incident in problem.incidents
        for k, r in enumerate(incident.requirements)
    }
    by_unit: dict[str, list[tuple[str, str]]] = {}
    by_incident: dict[str, list[tuple[str, str]]] = {}
    for key in keys:
        by_unit.setdefault(key[0], []).append(key)
        by_incident.setdefault(key[1], []).append(key)
    sent = {u: cp_model.LinearExpr.sum([x[key] for key in ks]) for u, ks in by_unit.items()}
    total = cp_model.LinearExpr.weighted_sum

    # Constraints.
    for unit_keys in by_unit.values():
        # A unit goes to at most one incident.
        model.add_at_most_one(x[key] for key in unit_keys)
    for unit_id, incident_id in fixed.items():
        # A committed unit that may not be released stays on its incident.
        model.add(x[(unit_id, incident_id)] == 1)
    for incident in problem.incidents:
        for k, requirement in enumerate(incident.requirements):
            # Shortfall is at least the quantity minus the on-time, agreement-covered capability sent.
            # A unit's contribution counts up to the quantity only: the same integer points, a
            # tighter LP relaxation. The rounding cuts below are implied for integers as well.
            on_scene = [key for key in by_incident.get(incident.id, []) if options[key].contribution[k]]
            for coefs, shortfall_coef, rhs in _cover_rows(
                requirement.quantity, [options[key].contribution[k] for key in on_scene]
            ):
                model.add(
                    shortfall_coef * shortfall[(incident.id, k)] + total([x[key] for key in on_scene], coefs) >= rhs
                )
    regions = sorted({u.region for u in problem.units})
    for region in regions:
        held = home_holdings(problem, region, exclude=away)
        movable = [u for u in problem.units if u.region == region and u.id in sent and u.id not in away]
        for capability, minimum in sorted(problem.min_retained.get(region, {}).items()):
            # The region's units sent nowhere keep at least its retained minimum of the capability.
            model.add(
                total([sent[u.id] for u in movable], [u.capabilities.get(capability, 0) for u in movable])
                <= held.get(capability, 0) - minimum
            )
    lending: list[tuple[Any, list[tuple[str, str]]]] = []
    for agreement in problem.agreements:
        if not agreement.retained:
            continue
        lent = [key for key in keys if options[key].agreement is agreement and key[0] not in away]
        if not lent:
            continue
        lends = model.new_bool_var(f"lends[{agreement.lender},{agreement.borrower}]")
        lending.append((lends, lent))
        for key in lent:
            # Lending any unit under the agreement switches on its retained minimum.
            model.add_implication(x[key], lends)
        held = home_holdings(problem, agreement.lender, exclude=away)
        movable = [u for u in problem.units if u.region == agreement.lender and u.id in sent and u.id not in away]
        for capability, minimum in sorted(agreement.retained.items()):
            # While lending under the agreement the lender keeps the agreement's minimum at home.
            model.add(
                total([sent[u.id] for u in movable], [u.capabilities.get(capability, 0) for u in movable])
                + minimum * lends
                <= held.get(capability, 0)
            )

    # Objective: three stages, each optimum kept as a constraint of the next.
    priority = {i.id: i.priority for i in problem.incidents}
    xs = [x[key] for key in keys]
    arrival_coef = [priority[key[1]] * round(options[key].arrival_min * ARRIVAL_SCALE) for key in keys]
    # Options whose weighted arrival rounds to 0 are the only ones stage (2) cannot keep out when
    # they add nothing; stage (3) counts them after compensation.
    zero = {key for key, coef in zip(keys, arrival_coef, strict=True) if coef == 0}
    n_zero = len(zero)
    shortfall_expr = total(list(shortfall.values()), [priority[i] for (i, _k) in shortfall])
    arrival_expr = total(xs, arrival_coef)
    cost_expr = total(xs, [(n_zero + 1) * round(options[key].cost * MONEY_SCALE) + (key in zero) for key in keys])
    # Stages (1) and (2) are solved together as W * shortfall + arrival when W (one more than the
    # largest possible arrival sum) keeps the objective exact in double precision; one solve with
    # both terms proved optimality several times faster than two in bench/dispatch.py.
    largest_arrival: dict[str, int] = {}
    for key, coef in zip(keys, arrival_coef, strict=True):
        largest_arrival[key[0]] = max(largest_arrival.get(key[0], 0), coef)
    weight = sum(largest_arrival.values()) + 1
    max_shortfall = sum(i.priority * r.quantity for i in problem.incidents for r in i.requirements)
    merged = weight * (max_shortfall + 1) < MERGE_LIMIT
    stages: list[tuple[str, Any]] = (
        [("shortfall+arrival", weight * shortfall_expr + arrival_expr)]
        if merged
        else [("shortfall", shortfall_expr), ("arrival", arrival_expr)]
    )
    stages.append(("compensation", cost_expr))

    # Solve.
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, workers)
    # Level 2 gives every worker the full LP relaxation; it closed the arrival stage sooner on
    # 400-unit instances in our runs of bench/dispatch.py.
    solver.parameters.linearization_level = 2
    # The model is small and already tight (capped covers, rounding cuts); CP-SAT's presolve took
    # 1-3 s per stage on 60 x 400 instances and the search without it proved optimality sooner.
    solver.parameters.cp_model_presolve = False
    # The hint is complete, so CP-SAT takes it as its first solution at once; its default hint-guided
    # dive (10 conflicts, LP at every node) then spent about 3 s of a 10 s budget on scarce 60 x 400.
    solver.parameters.hint_conflict_limit = 0
    hinted = {**(start or {}), **fixed}
    values = {key: int(hinted.get(key[0]) == key[1]) for key in keys}
    statuses: list[Status] = []
    bound_of: dict[str, float] = {}
    for stage, (name, expr) in enumerate(stages):
        remaining = time_limit_s - (time.perf_counter() - started)
        if remaining <= 0.01:
            logger.info("dispatch: no time left for stage %s", name)
            break
        solver.parameters.max_time_in_seconds = remaining
        # A complete hint (every variable) is checked and kept as the first solution at once.
        model.clear_hints()
        for key in keys:
            model.add_hint(x[key], values[key])
        for (incident_id, k), var in shortfall.items():
            requirement = incidents[incident_id].requirements[k]
            on_time = sum(options[key].contribution[k] for key in by_incident.get(incident_id, []) if values[key])
            model.add_hint(var, max(0, requirement.quantity - on_time))
        for lends, lent in lending:
            model.add_hint(lends, int(any(values[key] for key in lent)))
        model.minimize(expr)
        code = solver.solve(model)
        status = cp_sat_status(code)
        if status not in (Status.OPTIMAL, Status.FEASIBLE):
            if stage == 0:
                if status is Status.INFEASIBLE:
                    raise SolverLimitError("dispatch: CP-SAT reported the model infeasible")
                raise SolverLimitError(f"dispatch: no solution within {time_limit_s:g} s")
            break
        values = {key: int(solver.boolean_value(x[key])) for key in keys}
        statuses.append(status)
        found = round(solver.objective_value)
        lower = round(solver.best_objective_bound)
        logger.info("dispatch stage %s: %s value %s bound %s", name, status, found, lower)
        if name == "shortfall+arrival":
            found_shortfall, found_arrival = divmod(found, weight)
            bound_of["shortfall"] = lower // weight
            bound_of["arrival"] = lower - found_shortfall * weight if lower // weight == found_shortfall else 0
            # The stage's values become constraints of the later stages.
            # (Pinning them with == when proven was measured slower in the next stage.)
            model.add(shortfall_expr <= found_shortfall)
            model.add(arrival_expr <= found_arrival)
        else:
            bound_of[name] = lower
            # The stage's value becomes a constraint of the later stages.
            model.add(expr <= found)

    # Results: no OR-Tools object leaves this function.
    assignment = {key[0]: key[1] for key in keys if values[key]}
    optimal = len(statuses) == len(stages) and all(s is Status.OPTIMAL for s in statuses)
    if not optimal:
        assignment = _drop_idle_units(problem, assignment, options, keep=frozenset(fixed))
    rows, short, objective, borrowed = evaluate(problem, assignment, options=options)
    bound = DispatchObjective(
        weighted_shortfall=float(bound_of.get("shortfall", 0)),
        weighted_arrival=bound_of.get("arrival", 0) / ARRIVAL_SCALE,
        compensation=(bound_of.get("compensation", 0) // (n_zero + 1)) / MONEY_SCALE,
    )
    return DispatchResult(
        status=Status.OPTIMAL if optimal else Status.FEASIBLE,
        assignments=rows,
        shortfall=short,
        objective=objective,
        borrowed=borrowed,
        wall_s=time.perf_counter() - started,
        method="cp-sat",
        bound=bound,
    )
