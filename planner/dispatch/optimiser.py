"""Dispatch optimiser: assign whole rescue units to incidents, lexicographically, with CP-SAT or HiGHS.

The model is stated once (:mod:`planner.dispatch.formulation`, rules in :mod:`planner.dispatch.rules`)
and minimised lexicographically: (1) priority-weighted shortfall, (2) priority-weighted arrival in
centiminutes, (3) compensation in fen (then fewest zero-arrival units). Stages are solved one after
another, each optimum added as a constraint to the next. The status is optimal only if every stage is
proven optimal; ``bound`` gives each stage's best lower bound, conditional on the earlier stages' values.

Engines (:mod:`planner.dispatch.engines`): CP-SAT, which merges (1) and (2) as W * (1) + (2) whenever
that stays exact, and the HiGHS MIP, which solves the three stages apart (its objectives are floating
point). Both start from the greedy plan, HiGHS from the better of it and greedy led by the LP
relaxation (:func:`_relaxation_start`), so the result is never worse than greedy; when a stage stops
at the time limit, units whose withdrawal leaves the objective no worse are withdrawn afterwards.

Engine choice (``engine="auto"``, :func:`choose_engine`): below :data:`RACE_MIN_OPTIONS` (2,000)
(unit, incident) options CP-SAT alone (it proved every such instance sooner, 0.02-1 s); from
:data:`HIGHS_MIN_OPTIONS` (20,000) HiGHS alone. In between, with two cores free, both engines race in
two threads (:mod:`planner.dispatch.race`): the first to
prove every stage stops the other, and at the time limit the lexicographically better plan wins,
with each stage's best bound of the two. Neither engine wins a class of instances: per instance the
faster one differs (bench/dispatch.py, 10 s limit, medians of 3, seconds to a proven optimum, load
1-4 from other work on the 2 cores)::

    instance       seed  options  CP-SAT        HiGHS         race
    scarce 20x150     1    1,140  0.60          5.04          1.26 (auto: CP-SAT alone)
    scarce 40x100     1    1,502  0.41          0.81          0.47 (auto: CP-SAT alone)
    scarce 40x250     1    3,463  1.54          2.33          1.77
    scarce 40x250     2    4,090  open at 10 s  open at 10 s  open at 10 s
    scarce 60x150     1    3,589  open at 10 s  open at 10 s  open at 10 s (HiGHS: 9.1 s at a 20 s limit)
    scarce 60x150     2    3,397  2.11          1.13          1.44
    scarce 60x200     1    4,853  6.85          3.95          4.35
    scarce 60x200     2    5,463  8.96          open at 10 s  10.05 (1 of 3 proven)
    scarce 60x400     1    9,701  (28, 5787.8)  (28, 5784.4)  (28, 5784.4), bound 5770.8 at 10 s

so the race takes about the faster of the two plus 10-30 % for sharing the cores. At 150 x 1,000
(58,411 options, ample) HiGHS alone proves all three stages in 18.9 s and the race in 25.1 s; scarce,
both end at 60 s with the same plan (102, 18492.4), arrival bound 18156.8: above 20,000 options CP-SAT's
one LP worker no longer keeps up, so HiGHS runs alone. On one core, between the two thresholds, HiGHS
from :data:`HIGHS_MIN_OPTIONS_SCARCE` (6,000) options when the instance is scarce (:func:`is_scarce`:
demand above 35 % of what the units could bring), CP-SAT otherwise. Earlier measurements behind it
(both engines alone, HiGHS through MathOpt, load 2.5-7.8)::

    instance          options  CP-SAT                                HiGHS
    ample 60x400        8,428  1.34 s                                2.20 s
    ample 100x700      29,183  36.5 s                                33.9 s
    scarce 100x700     28,268  60 s: shortfall 26, bound 20          60 s: shortfall 20 proven
    ample 150x1000     58,411  60 s: (3, 5791.8), bound 5576.4       60 s: (3, 5672.4), arrival proven in 22 s
    scarce 150x1000    60,163  60 s: shortfall 120, bound 102        60 s: (102, 18335.8), shortfall proven,
                                                                           arrival bound 18156.8

Why scarce 60 x 400 is not proven in seconds (bench/dispatch.py seed 1; CPU seconds of one thread, the
arrival stage alone, started from the optimal plan so that only the proof is measured): its optimum
5777.8 sits 3 % above the root LP (5603.0 with the capped covers and rounding cuts), HiGHS's own cuts
raise the root to 5711 and its restarts to 5759 (called directly, HiGHS proves the first two stages
in 26 s of one core under load 3.5), and the best bound any per-incident relaxation can
give, the Dantzig-Wolfe bound (every incident's plan a combination of whole plans for that incident;
computed exactly by column generation with a dynamic-programming pricing), is 5766.5. The last 0.2 %
is closed only by search among near-equal plans: HiGHS 37 s, CP-SAT not within 20 s (bound 5762.3;
with its LB-tree search 5772.9 at 20 s, proven at 95 s). Exact reductions measured on the way, none
below 15 s: reduced-cost fixing with the Dantzig-Wolfe prices keeps 1,481 of 9,701 options (HiGHS 18 s,
CP-SAT 16 s), Lagrangian cuts per incident at those prices 21 s, the per-incident patterns within the
gap as variables (Dantzig-Wolfe strength at every node, 53 of 60 incidents) 16 s, exchange-dominance
rows 65 s, HiGHS without restarts 49 s. Other seeds are no easier (whole solves, CPU seconds): seed 2
is open for CP-SAT after 86 s, and HiGHS proves its shortfall and arrival but leaves the compensation
stage open after 141 s; seed 3 is proven by HiGHS in 48 s and by CP-SAT in 107 s. So the goal of a
proof in under 3 s for this class (and of 150 x 1,000 within 60 s) is not met by either engine.

:func:`redispatch` re-optimises after a new incident with the units already committed kept in
place, except those listed as releasable, and reports units kept, moved, added and released.

Reserve materials the incidents need are allocated from depots by :mod:`planner.dispatch.materials`
(a separate problem: no constraint links them to the units), in the time the units leave.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from planner.dispatch.engines import CpSatEngine, Engine, HighsEngine, StageOutcome
from planner.dispatch.formulation import ARRIVAL_SCALE, MONEY_SCALE, Formulation, Objective, formulate
from planner.dispatch.greedy import solve_dispatch_greedy
from planner.dispatch.materials import allocate_materials, with_materials
from planner.dispatch.problem import DispatchProblem
from planner.dispatch.race import Entrant, race
from planner.dispatch.result import DispatchObjective, DispatchResult, Redispatch, evaluate
from planner.dispatch.rules import PairOption, pair_options
from planner.errors import InputError, SolverLimitError
from planner.model.cores import available_cores
from planner.model.status import Status

__all__ = [
    "ENGINES",
    "HIGHS_MIN_OPTIONS",
    "HIGHS_MIN_OPTIONS_SCARCE",
    "RACE_MIN_OPTIONS",
    "SCARCE_RATIO",
    "choose_engine",
    "is_scarce",
    "redispatch",
    "solve_dispatch",
]

logger = logging.getLogger(__name__)

MERGE_LIMIT = 2**50
"""Stages (1) and (2) are merged while the merged objective stays below this (exact in a double)."""
DEFAULT_TIME_LIMIT_S = 10.0
DEFAULT_WORKERS = 1
"""One CP-SAT worker: on the 2-core machine of bench/dispatch.py (60 x 400) one worker with the full
LP proved optimality several times sooner than 2, 4 or 8, which mostly lacked the LP worker's bound."""
HIGHS_MIN_OPTIONS = 20_000
"""From this many (unit, incident) options on, ``auto`` uses HiGHS alone (see the module docstring)."""
HIGHS_MIN_OPTIONS_SCARCE = 6_000
"""On one core, scarce instances (:func:`is_scarce`) go to HiGHS from this many options on."""
SCARCE_RATIO = 0.35
"""Demand above this share of the supply is scarce (bench/dispatch.py: ample 0.14-0.21, scarce 0.43-0.67)."""
LP_START_SHARE = 0.25
"""At most this share of the time limit goes to the LP relaxation that leads HiGHS's start plan."""
LP_SUPPORT = 1e-6
"""Options whose LP value is above this are tried first, in decreasing order, by the led greedy."""
RACE_MIN_OPTIONS = 2_000
"""From this many (unit, incident) options up to :data:`HIGHS_MIN_OPTIONS`, ``auto`` races both engines when
two cores are free (module doc)."""
ENGINES = ("auto", "cp-sat", "highs", "race")
"""Engine names :func:`solve_dispatch` accepts; ``auto`` applies :func:`choose_engine`, ``race`` runs both."""


def _drop_idle_units(
    problem: DispatchProblem,
    assignment: Mapping[str, str],
    options: Mapping[tuple[str, str], PairOption],
    *,
    keep: frozenset[str],
) -> dict[str, str]:
    """Withdraw sent units (latest first) whose withdrawal leaves the objective no worse.

    Withdrawing a unit never breaks a constraint (it only adds to its region's holdings), so this is
    a safe clean-up of a solution the solver could not prove optimal. A withdrawal changes only its
    incident's shortfall, so each is judged on that incident's on-scene totals (linear in the plan's size).
    """
    incidents = {i.id: i for i in problem.incidents}
    on_scene: dict[str, list[int]] = {i.id: [0] * len(i.requirements) for i in problem.incidents}
    for unit_id, incident_id in assignment.items():
        for k, c in enumerate(options[(unit_id, incident_id)].contribution):
            on_scene[incident_id][k] += c
    current = dict(assignment)
    for unit_id in sorted(assignment, key=lambda u: -options[(u, assignment[u])].arrival_min):
        if unit_id in keep:
            continue
        option = options[(unit_id, current[unit_id])]
        incident = incidents[option.incident]
        totals = on_scene[incident.id]
        more_short = any(
            max(0, r.quantity - (total - c)) > max(0, r.quantity - total)
            for r, total, c in zip(incident.requirements, totals, option.contribution, strict=True)
        )
        # Without more shortfall the objective changes by (0, -priority * arrival, -cost): keep it if worse.
        if more_short or (-incident.priority * option.arrival_min, -option.cost) > (0.0, 0.0):
            continue
        del current[unit_id]
        on_scene[incident.id] = [total - c for total, c in zip(totals, option.contribution, strict=True)]
    return current


def solve_dispatch(
    problem: DispatchProblem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    workers: int = DEFAULT_WORKERS,
    engine: str = "auto",
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
    engine
        ``"auto"`` (:func:`choose_engine`), ``"cp-sat"`` or ``"highs"``.

    Returns
    -------
    DispatchResult
        ``status`` is optimal only when every stage is proven optimal; ``method`` names the engine.

    Raises
    ------
    InfeasibleError
        A region's ``min_retained`` fails even with no unit sent.
    SolverLimitError
        The engine found the model infeasible (the greedy start is feasible, so this is a bug).

    """
    if time_limit_s <= 0:
        raise InputError(f"time limit must be > 0 s, got {time_limit_s}", field="time_limit")
    started = time.perf_counter()
    # The greedy plan is feasible here too: as the first hint it makes the optimiser never worse.
    options = pair_options(problem)
    start = solve_dispatch_greedy(problem, options=options).assignment_map()
    left_s = max(0.05, time_limit_s - (time.perf_counter() - started))
    result = _solve(problem, fixed={}, free_committed=frozenset(), time_limit_s=left_s, workers=workers,
                    engine=engine, start=start, options=options)
    result = _add_materials(problem, result, time_limit_s - (time.perf_counter() - started))
    return dataclasses.replace(result, wall_s=time.perf_counter() - started)


MIN_MATERIALS_S = 1.0
"""Seconds the materials always get, even when the units used the whole time limit (their model is small)."""


def _add_materials(problem: DispatchProblem, result: DispatchResult, left_s: float) -> DispatchResult:
    """Allocate the incidents' reserve materials and add them to the units' result."""
    if not any(incident.materials for incident in problem.incidents):
        return result
    return with_materials(result, allocate_materials(problem, time_limit_s=max(MIN_MATERIALS_S, left_s)))


def redispatch(
    problem: DispatchProblem,
    current: Mapping[str, str],
    *,
    releasable: Iterable[str] = (),
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    workers: int = DEFAULT_WORKERS,
    engine: str = "auto",
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
    started = time.perf_counter()
    result = _solve(
        problem, fixed=fixed, free_committed=frozenset(release), time_limit_s=time_limit_s, workers=workers,
        engine=engine,
    )
    result = _add_materials(problem, result, time_limit_s - (time.perf_counter() - started))
    new = result.assignment_map()
    by_unit = {a.unit: a for a in result.assignments}
    kept = tuple(by_unit[u] for u, i in sorted(current.items()) if new.get(u) == i)
    moved = tuple((u, i, new[u]) for u, i in sorted(current.items()) if u in new and new[u] != i)
    added = tuple(a for a in result.assignments if a.unit not in current)
    released = tuple((u, i) for u, i in sorted(current.items()) if u not in new)
    return Redispatch(result=result, kept=kept, moved=moved, added=added, released=released)


def _relaxation_start(
    problem: DispatchProblem,
    formulation: Formulation,
    engine: HighsEngine,
    start: Mapping[str, str],
    *,
    time_limit_s: float,
) -> dict[str, str]:
    """Return the better of ``start`` and the greedy plan led by the LP relaxation (shortfall, then arrival).

    Greedy tries the options in decreasing order of their LP values before its nearest-unit rule; on
    bench/dispatch.py seed 1 this start had (weighted shortfall, weighted arrival) (28, 6585.2) where
    greedy alone has (62, 9662.7) at 60 x 400, and (115, 19602.0) for (260, 30060.6) at 150 x 1,000.
    """
    relaxed = engine.relax([formulation.shortfall, formulation.arrival], time_limit_s=time_limit_s)
    if relaxed is None:
        return dict(start)
    keys = formulation.keys
    ranked = sorted((j for j in range(len(keys)) if relaxed[j] > LP_SUPPORT),
                    key=lambda j: (-relaxed[j], formulation.options[keys[j]].arrival_min))
    guided = solve_dispatch_greedy(problem, options=formulation.options, preferred=[keys[j] for j in ranked])
    plan = _drop_idle_units(problem, guided.assignment_map(), formulation.options, keep=frozenset())

    def value(assignment: Mapping[str, str]) -> tuple[float, float, float]:
        return evaluate(problem, assignment, options=formulation.options)[2].as_tuple()

    return plan if value(plan) < value(start) else dict(start)


def is_scarce(problem: DispatchProblem, formulation: Formulation) -> bool:
    """Whether the incidents ask for more than :data:`SCARCE_RATIO` of what the units could bring.

    Demand is the requirements' quantities summed; supply counts each unit once, with the most it
    could contribute on time at any one incident (its best option).
    """
    demand = sum(r.quantity for incident in problem.incidents for r in incident.requirements)
    best: dict[str, int] = {}
    for (unit_id, _), option in formulation.options.items():
        best[unit_id] = max(best.get(unit_id, 0), sum(option.contribution))
    return demand > SCARCE_RATIO * sum(best.values())


def choose_engine(options: int, *, scarce: bool, cores: int | None = None) -> str:
    """Return the engine for a model of ``options`` (unit, incident) options (rule and figures: module doc).

    ``cores`` defaults to :func:`available_cores`.
    """
    if options < RACE_MIN_OPTIONS:
        return "cp-sat"
    if options >= HIGHS_MIN_OPTIONS:
        return "highs"
    if (available_cores() if cores is None else cores) >= 2:
        return "race"
    return "highs" if scarce and options >= HIGHS_MIN_OPTIONS_SCARCE else "cp-sat"


@dataclass(frozen=True)
class Stage:
    """One solve of the lexicographic sequence: its objective and whether it is W * shortfall + arrival."""

    objective: Objective
    merged_weight: int = 0


def lexicographic_stages(formulation: Formulation, *, merge: bool) -> list[Stage]:
    """List the solves in order: shortfall, arrival, compensation, the first two merged when allowed.

    They are merged as ``W * shortfall + arrival`` (W one more than the largest possible arrival)
    when ``merge`` (an engine with exact integer objectives) and W * (largest shortfall + 1) stays
    below :data:`MERGE_LIMIT`; one CP-SAT solve with both terms proved optimality several times
    faster than two in bench/dispatch.py.
    """
    weight = formulation.arrival_ceiling
    largest_shortfall = sum(c * formulation.upper[v] for v, c in formulation.shortfall.terms.items())
    if merge and weight * (largest_shortfall + 1) < MERGE_LIMIT:
        merged = formulation.shortfall.plus(formulation.arrival, weight=weight, name="shortfall+arrival")
        stages = [Stage(merged, merged_weight=weight)]
    else:
        stages = [Stage(formulation.shortfall), Stage(formulation.arrival)]
    return [*stages, Stage(formulation.compensation)]


def _solve(
    problem: DispatchProblem,
    *,
    fixed: Mapping[str, str],
    free_committed: frozenset[str],
    time_limit_s: float,
    workers: int,
    engine: str,
    start: Mapping[str, str] | None = None,
    options: Mapping[tuple[str, str], PairOption] | None = None,
) -> DispatchResult:
    """Lexicographic solve with ``fixed`` units kept on their incidents.

    ``start`` is a feasible unit -> incident map (with ``fixed``) the engines start from; the plan
    returned is never lexicographically worse than it. ``options`` are the problem's pair options
    when the caller has them (not with ``free_committed``, which changes them).
    """
    started = time.perf_counter()
    if time_limit_s <= 0:
        raise InputError(f"time limit must be > 0 s, got {time_limit_s}", field="time_limit")
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}", field="engine")

    # Data: units released from earlier incidents are available again; kept units are away from home.
    if free_committed:
        problem = dataclasses.replace(
            problem,
            units=tuple(
                dataclasses.replace(u, status="available") if u.id in free_committed else u for u in problem.units
            ),
        )
    formulation = formulate(problem, fixed=fixed, options=None if free_committed else options)
    chosen = engine
    if engine == "auto":
        chosen = choose_engine(len(formulation.keys), scarce=is_scarce(problem, formulation))
    deadline = started + time_limit_s
    solvers = [_make_engine(name, formulation, workers=workers) for name in RACED if chosen in (name, "race")]

    def run(solver: Engine) -> _Run:
        begin = start
        if isinstance(solver, HighsEngine) and start is not None and not fixed:
            budget = LP_START_SHARE * (deadline - time.perf_counter())
            begin = _relaxation_start(problem, formulation, solver, start, time_limit_s=budget)
        return _run_stages(solver, formulation, formulation.values_of(problem, {**(begin or {}), **fixed}),
                           deadline=deadline)

    if len(solvers) == 1:
        runs = [run(solvers[0])]
    else:
        runs = race([Entrant(functools.partial(run, solver), solver.interrupt) for solver in solvers],
                     won=lambda done: done.proven)
    best = min(runs, key=lambda done: (not done.proven, formulation.stage_values(done.values)))
    bound_of = _merged_bounds(best, runs, [objective.name for objective in formulation.objectives])

    # Results: the plan, cleaned of idle units unless proven, and never worse than the start.
    assignment = formulation.assignment_of(best.values)
    optimal = best.proven
    if not optimal:
        assignment = _drop_idle_units(problem, assignment, formulation.options, keep=frozenset(fixed))
        fallback = formulation.assignment_of(best.first)
        if (evaluate(problem, fallback, options=formulation.options)[2].as_tuple()
                < evaluate(problem, assignment, options=formulation.options)[2].as_tuple()):
            assignment = fallback
    rows, short, objective, borrowed = evaluate(problem, assignment, options=formulation.options)
    bound = DispatchObjective(
        weighted_shortfall=float(bound_of.get("shortfall", 0)),
        weighted_arrival=bound_of.get("arrival", 0) / ARRIVAL_SCALE,
        compensation=(bound_of.get("compensation", 0) // (formulation.zero_options + 1)) / MONEY_SCALE,
    )
    return DispatchResult(
        status=Status.OPTIMAL if optimal else Status.FEASIBLE,
        assignments=rows,
        shortfall=short,
        objective=objective,
        borrowed=borrowed,
        wall_s=time.perf_counter() - started,
        method=best.solver.name,
        bound=bound,
    )


RACED = ("cp-sat", "highs")
"""The engines ``race`` runs side by side, in this order (the first proof wins)."""


def _make_engine(name: str, formulation: Formulation, *, workers: int) -> Engine:
    """Build the named engine's model of ``formulation``."""
    return HighsEngine(formulation) if name == "highs" else CpSatEngine(formulation, workers=workers)


@dataclass
class _Run:
    """One engine's pass through the stages: the values it began and ended with, and each stage's outcome.

    ``found_of`` and ``bound_of`` hold each objective's value and lower bound by name (shortfall,
    arrival, compensation); a bound is conditional on the earlier objectives' found values.
    """

    solver: Engine
    first: list[int]
    values: list[int]
    statuses: list[Status]
    found_of: dict[str, int]
    bound_of: dict[str, int]
    n_stages: int

    @property
    def proven(self) -> bool:
        """Whether every stage was solved and proven optimal."""
        return len(self.statuses) == self.n_stages and all(s is Status.OPTIMAL for s in self.statuses)


def _run_stages(solver: Engine, formulation: Formulation, values: list[int], *, deadline: float) -> _Run:
    """Minimise the lexicographic stages one after another from ``values``, each optimum a cap on the next."""
    stages = lexicographic_stages(formulation, merge=solver.exact_integers)
    done = _Run(solver, list(values), values, [], {}, {}, len(stages))
    for n, stage in enumerate(stages):
        remaining = deadline - time.perf_counter()
        if remaining <= 0.01:
            logger.info("dispatch: no time left for stage %s", stage.objective.name)
            break
        stage_started = time.perf_counter()
        floor = formulation.floor(stage.objective)
        if stage.objective.value(done.values) == floor:
            # The plan in hand already reaches the stage's floor: proven without a solve.
            outcome = StageOutcome(Status.OPTIMAL, done.values, floor)
        else:
            outcome = solver.minimise(stage.objective, time_limit_s=remaining, start=done.values)
        if outcome.values is None:
            if n == 0 and outcome.status is Status.INFEASIBLE:
                raise SolverLimitError(f"dispatch: {solver.name} reported the model infeasible")
            break
        done.values = outcome.values
        done.statuses.append(outcome.status)
        found = stage.objective.value(done.values)
        logger.info("dispatch %s stage %s: %s value %s bound %s in %.2f s", solver.name, stage.objective.name,
                    outcome.status, found, outcome.bound, time.perf_counter() - stage_started)
        if stage.merged_weight:
            weight = stage.merged_weight
            found_shortfall, found_arrival = divmod(found, weight)
            done.found_of.update(shortfall=found_shortfall, arrival=found_arrival)
            done.bound_of["shortfall"] = outcome.bound // weight
            same = done.bound_of["shortfall"] == found_shortfall
            done.bound_of["arrival"] = outcome.bound - found_shortfall * weight if same else 0
            # (Pinning the values with == when proven was measured slower in the next stage.)
            solver.cap(formulation.shortfall, found_shortfall)
            solver.cap(formulation.arrival, found_arrival)
        else:
            done.found_of[stage.objective.name] = found
            done.bound_of[stage.objective.name] = outcome.bound
            solver.cap(stage.objective, found)
    return done


def _merged_bounds(best: _Run, runs: Sequence[_Run], names: Sequence[str]) -> dict[str, int]:
    """Each objective's best bound over the runs that found what ``best`` found on every earlier objective.

    A stage's bound holds under the caps of the earlier stages, so two runs' bounds on one objective
    may be combined only while their earlier values agree. ``names`` are the objectives' names in order.
    """
    merged: dict[str, int] = {}
    agreeing = list(runs)
    for name in names:
        bounds = [run.bound_of[name] for run in agreeing if name in run.bound_of]
        if name in best.bound_of:
            merged[name] = max(bounds)
        agreeing = [run for run in agreeing if name in run.found_of and run.found_of[name] == best.found_of.get(name)]
    return merged
