"""The pre-positioning optimiser on plain data: teams, their options and weighted rows (OR-Tools CP-SAT).

It knows nothing of scenarios; :mod:`planner.posture.prepositioning` builds the problem from one.

Formulation (:func:`solve_posture`). Options o = (team t, point p) include one "stay" option per team;
a move option exists only if p is within ``max_move_min`` drive of t's base, p admits t's type, and
either p lies in t's region or a sharing agreement t's region -> p's region covers one of t's
capabilities (R-AGREEMENT). a[o,i] = 1 when t at p reaches row i = (site, standard) within the
standard (turn-out at the posture's readiness + drive), counting only the standard's tiers::

    sum_{o of t} x[o] = 1                                each team is at exactly one place
    y[i] <= sum_o a[o,i] x[o]                            a row counts only if some team covers it
    sum_{o move} x[o] <= K                               at most K moves
    sum_{o move at p} x[o] <= cap[p]                     a staging point holds at most its capacity
    sum_{o leaving R} k[t,c] x[o] <= max(0, H[R,c] - m[R,c])       region R keeps m of capability c
    sum_{o leaving L} k[t,c] x[o] + m_a[c] lend[a] <= H[L,c];  x[o] <= lend[a] for o under a
                                                                   agreement a's retained minimum
    maximise  sum_i w[i] y[i]                            w = risk weight of the site's grade under the warning
    then      minimise sum_{o move} ((K + 1) C[o] + 1) x[o]   compensation in fen, then fewest moves

H[R,c] is the capability c held by R's available teams (``Team.capabilities``); a team "leaves" R when it
moves to a point outside R. Stage 2 keeps stage 1's optimum as a constraint. C[o] is the agreement's
planning cost ``fixed_cost + cost_per_travel_min x drive`` (0 inside the region). Each stage has its own
time limit; the status is optimal only if both are proven.

The greedy baseline (:func:`greedy_posture`) takes rows by weight, and for each row not covered moves the
nearest team (shortest arrival) that covers it and keeps every constraint, if that raises the total.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from planner.errors import InputError
from planner.model.cp_sat import cp_sat_status
from planner.model.status import Status
from planner.sharing import Agreement

__all__ = [
    "PostureOption",
    "PostureProblem",
    "PostureSolution",
    "PostureTeam",
    "evaluate",
    "greedy_posture",
    "solve_posture",
    "stay_home",
    "violations",
]

_WEIGHT_SCALE = 1000
"""Risk weights are scaled to integers for CP-SAT (three decimals kept)."""


@dataclass(frozen=True)
class PostureTeam:
    """A team that may stay or move: its home region and capability quantities."""

    id: str
    region: str
    capabilities: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PostureOption:
    """Team ``team`` at point ``point`` (its home when ``home``): rows it covers there, with arrival minutes."""

    team: str
    point: str
    region: str
    home: bool
    covers: Mapping[int, float]
    cost: float = 0.0
    agreement: str = ""
    drive_min: float = 0.0


@dataclass(frozen=True)
class PostureProblem:
    """Teams, their options (one home option each), row weights and the limits.

    ``agreements`` are the sharing agreements whose ``retained`` minimums apply when an option names
    them (by id, or ``lender->borrower`` when the agreement has no id).
    """

    teams: tuple[PostureTeam, ...]
    options: tuple[PostureOption, ...]
    weights: tuple[float, ...]
    max_moves: int
    min_retained: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    agreements: tuple[Agreement, ...] = ()
    capacity: Mapping[str, int] = field(default_factory=dict)

    def check(self) -> None:
        """Raise ``InputError`` for a team without exactly one home option or a row out of range."""
        ids = [t.id for t in self.teams]
        if len(set(ids)) != len(ids):
            raise InputError("posture problem: duplicate team id", field="teams")
        homes = {t: 0 for t in ids}
        for o in self.options:
            if o.team not in homes:
                raise InputError(f"posture problem: option for unknown team {o.team!r}", field="options")
            homes[o.team] += o.home
            if any(not 0 <= i < len(self.weights) for i in o.covers):
                raise InputError(f"posture problem: option {o.team}@{o.point} covers an unknown row", field="options")
            if not o.home and o.agreement and self.agreement(o.agreement) is None:
                raise InputError(f"posture problem: unknown agreement {o.agreement!r}", field="agreements")
        bad = [t for t, n in homes.items() if n != 1]
        if bad:
            raise InputError(f"posture problem: team {bad[0]} needs exactly one home option", field="options")
        if self.max_moves < 0:
            raise InputError("posture problem: max_moves must be >= 0", field="max_moves")

    def agreement(self, key: str) -> Agreement | None:
        """Return the agreement an option names."""
        for a in self.agreements:
            if key in (a.id, f"{a.lender}->{a.borrower}"):
                return a
        return None

    def holdings(self, region: str) -> dict[str, int]:
        """Capability quantities held by the region's teams in the problem."""
        held: dict[str, int] = {}
        for t in self.teams:
            if t.region == region:
                for c, q in t.capabilities.items():
                    held[c] = held.get(c, 0) + q
        return held

    def leaves(self, option: PostureOption) -> bool:
        """Whether the option takes its team out of its region."""
        team = next(t for t in self.teams if t.id == option.team)
        return not option.home and option.region != team.region


@dataclass(frozen=True)
class PostureSolution:
    """Where each team is (option index per team), the covered weight, the moves and their cost."""

    method: str
    choice: Mapping[str, int]
    weight: float
    cost: float
    moves: tuple[int, ...]
    status: Status
    bound: float | None
    wall_s: float


def evaluate(problem: PostureProblem, choice: Mapping[str, int]) -> tuple[float, float, tuple[int, ...]]:
    """Covered weight, total cost and move option indices of a choice (team -> option index)."""
    covered: set[int] = set()
    for index in choice.values():
        covered.update(problem.options[index].covers)
    moves = tuple(sorted(i for i in choice.values() if not problem.options[i].home))
    return (float(sum(problem.weights[i] for i in covered)), float(sum(problem.options[i].cost for i in moves)), moves)


def violations(problem: PostureProblem, choice: Mapping[str, int]) -> list[str]:
    """Every constraint a choice breaks, in words (empty when feasible)."""
    out = []
    if set(choice) != {t.id for t in problem.teams}:
        out.append("not every team has exactly one place")
    for team, index in choice.items():
        if problem.options[index].team != team:
            out.append(f"team {team} given another team's option")
    moves = [problem.options[i] for i in choice.values() if not problem.options[i].home]
    if len(moves) > problem.max_moves:
        out.append(f"{len(moves)} moves > {problem.max_moves}")
    for point, cap in problem.capacity.items():
        n = sum(1 for o in moves if o.point == point)
        if n > cap:
            out.append(f"point {point}: {n} teams > capacity {cap}")
    team_of = {t.id: t for t in problem.teams}
    for region in sorted({t.region for t in problem.teams}):
        held = problem.holdings(region)
        gone: dict[str, int] = {}
        for o in moves:
            if team_of[o.team].region == region and o.region != region:
                for c, q in team_of[o.team].capabilities.items():
                    gone[c] = gone.get(c, 0) + q
        for c, m in problem.min_retained.get(region, {}).items():
            if gone.get(c, 0) > max(0, held.get(c, 0) - m):
                out.append(f"region {region} keeps {held.get(c, 0) - gone.get(c, 0)} {c} < {m}")
        for a in problem.agreements:
            if a.lender != region or not a.retained:
                continue
            if any(problem.agreement(o.agreement) is a for o in moves):
                for c, m in a.retained.items():
                    if held.get(c, 0) - gone.get(c, 0) < m:
                        out.append(f"lending under {a.id or a.lender + '->' + a.borrower}: {region} keeps "
                                   f"{held.get(c, 0) - gone.get(c, 0)} {c} < {m}")
    return out


def stay_home(problem: PostureProblem) -> PostureSolution:
    """Return the do-nothing posture: every team at home."""
    started = time.perf_counter()
    choice = {o.team: i for i, o in enumerate(problem.options) if o.home}
    weight, cost, moves = evaluate(problem, choice)
    return PostureSolution("stay", choice, weight, cost, moves, Status.FEASIBLE, None, time.perf_counter() - started)


def greedy_posture(problem: PostureProblem) -> PostureSolution:
    """Greedy nearest moves: for each uncovered row, heaviest first, the nearest feasible gaining move."""
    started = time.perf_counter()
    problem.check()
    choice = dict(stay_home(problem).choice)
    best, _, _ = evaluate(problem, choice)
    moved: set[str] = set()
    order = sorted(range(len(problem.weights)), key=lambda i: (-problem.weights[i], i))
    for row in order:
        if len(moved) >= problem.max_moves:
            break
        if any(row in problem.options[i].covers for i in choice.values()):
            continue
        candidates = sorted((o.covers[row], o.cost, k) for k, o in enumerate(problem.options)
                            if not o.home and row in o.covers and o.team not in moved)
        for _, _, k in candidates:
            trial = dict(choice)
            trial[problem.options[k].team] = k
            weight, _, _ = evaluate(problem, trial)
            if weight > best + 1e-9 and not violations(problem, trial):
                choice, best = trial, weight
                moved.add(problem.options[k].team)
                break
    weight, cost, moves = evaluate(problem, choice)
    return PostureSolution("greedy", choice, weight, cost, moves, Status.FEASIBLE, None, time.perf_counter() - started)


def solve_posture(problem: PostureProblem, *, time_limit_s: float = 10.0,
                  hint: PostureSolution | None = None) -> PostureSolution:
    """Best pre-positioning by CP-SAT (formulation in the module docstring), cost second.

    Parameters
    ----------
    problem
        Teams, options, weights and limits.
    time_limit_s
        Seconds per stage (two stages).
    hint
        A feasible solution to start from (default: the greedy one).

    Returns
    -------
    PostureSolution
        ``status`` optimal when both stages are proven; ``bound`` the best bound on the weight.

    """
    started = time.perf_counter()
    problem.check()
    if not time_limit_s > 0:
        raise InputError(f"time limit {time_limit_s} must be > 0", field="time_limit_s")
    hint = hint or greedy_posture(problem)

    # Data: integer weights and fen costs, rows that some option covers, holdings per region.
    weights = [int(round(w * _WEIGHT_SCALE)) for w in problem.weights]
    fen = [int(round(o.cost * 100)) for o in problem.options]
    rows = sorted({i for o in problem.options for i in o.covers})
    team_of = {t.id: t for t in problem.teams}
    by_team: dict[str, list[int]] = {t.id: [] for t in problem.teams}
    for k, o in enumerate(problem.options):
        by_team[o.team].append(k)
    movers = [k for k, o in enumerate(problem.options) if not o.home]

    # Model.
    model = cp_model.CpModel()

    # Variables: x[o] the team takes option o; y[i] row i is covered.
    x = [model.new_bool_var(f"x[{o.team}@{o.point}]") for o in problem.options]
    y = {i: model.new_bool_var(f"y[{i}]") for i in rows}

    # Constraints.
    for options in by_team.values():
        # Each team is at exactly one place (home or one standby point).
        model.add_exactly_one(x[k] for k in options)
    covering: dict[int, list[int]] = {i: [] for i in rows}
    for k, o in enumerate(problem.options):
        for i in o.covers:
            covering[i].append(k)
    for i in rows:
        # A row counts as covered only if a team at a place covering it is chosen.
        model.add(y[i] <= sum(x[k] for k in covering[i]))
    # At most max_moves teams move.
    model.add(sum(x[k] for k in movers) <= problem.max_moves)
    for point, cap in sorted(problem.capacity.items()):
        at_point = [k for k in movers if problem.options[k].point == point]
        if at_point:
            # A staging point holds no more teams than its capacity.
            model.add(sum(x[k] for k in at_point) <= cap)
    for region in sorted({t.region for t in problem.teams}):
        held = problem.holdings(region)
        leaving = [k for k in movers if team_of[problem.options[k].team].region == region
                   and problem.options[k].region != region]
        for capability, minimum in sorted(problem.min_retained.get(region, {}).items()):
            terms = [(k, team_of[problem.options[k].team].capabilities.get(capability, 0)) for k in leaving]
            terms = [(k, q) for k, q in terms if q]
            if terms:
                # The region keeps its minimum of the capability at home (all of it if it holds less).
                model.add(sum(q * x[k] for k, q in terms) <= max(0, held.get(capability, 0) - minimum))
        for agreement in problem.agreements:
            if agreement.lender != region or not agreement.retained:
                continue
            lent = [k for k in leaving if problem.agreement(problem.options[k].agreement) is agreement]
            if not lent:
                continue
            lends = model.new_bool_var(f"lends[{agreement.lender}->{agreement.borrower}]")
            for k in lent:
                # Moving a team under the agreement switches on its retained minimum.
                model.add_implication(x[k], lends)
            for capability, minimum in sorted(agreement.retained.items()):
                terms = [(k, team_of[problem.options[k].team].capabilities.get(capability, 0)) for k in leaving]
                # While lending under the agreement the lender keeps the agreement's minimum at home.
                model.add(sum(q * x[k] for k, q in terms if q) + minimum * lends <= held.get(capability, 0))

    # Objective, stage 1: the risk-weighted coverage.
    covered_weight = sum(weights[i] * y[i] for i in rows)
    model.maximize(covered_weight)
    for k, var in enumerate(x):
        model.add_hint(var, 1 if hint.choice.get(problem.options[k].team) == k else 0)

    # Solve stage 1.
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    # One worker with the full LP relaxation proves these covering models in well under a second,
    # where a two-worker portfolio (no LP worker) stalls at the relaxation bound.
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = 0
    code = solver.solve(model)
    status1 = cp_sat_status(code)
    if status1 not in (Status.OPTIMAL, Status.FEASIBLE):
        return dataclasses.replace(hint, method="greedy (solver found nothing)", status=Status.NOT_SOLVED,
                                   wall_s=time.perf_counter() - started)
    best = int(round(solver.objective_value))
    bound = solver.best_objective_bound / _WEIGHT_SCALE
    stage1 = {t: next(k for k in ks if solver.boolean_value(x[k])) for t, ks in by_team.items()}

    # Objective, stage 2: keep the coverage, then least compensation, then fewest moves.
    model.add(covered_weight >= best)
    model.minimize(sum(((problem.max_moves + 1) * fen[k] + 1) * x[k] for k in movers))
    model.clear_hints()  # type: ignore[no-untyped-call]  # OR-Tools leaves CpModel.clear_hints unannotated
    for k, var in enumerate(x):
        model.add_hint(var, 1 if stage1[problem.options[k].team] == k else 0)
    code2 = solver.solve(model)
    status2 = cp_sat_status(code2)
    if status2 in (Status.OPTIMAL, Status.FEASIBLE):
        choice = {t: next(k for k in ks if solver.boolean_value(x[k])) for t, ks in by_team.items()}
    else:
        choice, status2 = stage1, Status.FEASIBLE
    weight, cost, moves = evaluate(problem, choice)
    status = Status.OPTIMAL if status1 is Status.OPTIMAL and status2 is Status.OPTIMAL else Status.FEASIBLE
    return PostureSolution("cp-sat", choice, weight, cost, moves, status, bound, time.perf_counter() - started)
