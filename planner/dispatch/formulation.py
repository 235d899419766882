"""The dispatch model as integer rows over integer variables, built once and read by every exact engine.

One place states the model (the rules themselves are in :mod:`planner.dispatch.rules`); the CP-SAT and
HiGHS engines only translate it. Variables are numbered: first x[u,i] (send unit u to incident i,
0/1) for every option, then s[i,k] (shortfall of requirement k of incident i, 0..q), then lends[a]
(agreement a lends at least one unit, 0/1)::

    sum_i x[u,i] <= 1                                    each unit goes to at most one incident
    s[r] + sum_u min(c[u,r], q[r]) x[u,i] >= q[r]        c = on-time, covered capability
    r' * sum_u ceil(c[u,r] / d) x[u,i] + s[r] >= r' * ceil(q[r] / d)   rounding cuts, see cover_rows
    sum_{u in R} k[u,c] sum_i x[u,i] <= H[R,c] - m[R,c]  region R keeps m of capability c at home (H held)
    x[u,i] <= lends[a] for u lent under a;  sum k[u,c] sum_i x[u,i] + m_a[c] lends[a] <= H[R,c]
    x[u,i] = 1 for a unit kept on its incident (re-dispatch)

and three integer objectives, minimised lexicographically:

    (1) shortfall     sum_r p[i] s[r]                       priority-weighted shortfall
    (2) arrival       sum p[i] A[u,i] x[u,i]                A in centiminutes (x100, rounded)
    (3) compensation  sum ((Z + 1) C[u,i] + [A = 0]) x       C in fen (x100, rounded), Z zero-arrival options

Options whose weighted arrival rounds to 0 are the only ones stage (2) cannot keep out when they add
nothing; stage (3) counts them after compensation (weight Z + 1 on the fen is provably safe).

Availability rules added later (a team on duty, qualified people) belong in the pair options
(:func:`planner.dispatch.rules.pair_options`) or as rows here, so every engine sees them at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from planner.dispatch.problem import DispatchProblem
from planner.dispatch.rules import PairOption, check_retained, forced_option, home_holdings, pair_options

ARRIVAL_SCALE = 100
"""Arrival minutes are scaled by this and rounded (centiminutes)."""
MONEY_SCALE = 100
"""Costs are scaled by this and rounded (fen)."""

Key = tuple[str, str]
"""(unit id, incident id)."""


@dataclass(frozen=True)
class Row:
    """``lower <= sum coefficient * variable <= upper``; None is unbounded on that side."""

    variables: tuple[int, ...]
    coefficients: tuple[int, ...]
    lower: int | None
    upper: int | None

    def holds(self, values: Sequence[int]) -> bool:
        """Whether integer ``values`` satisfy the row exactly."""
        activity = sum(c * values[v] for v, c in zip(self.variables, self.coefficients, strict=True))
        return (self.lower is None or activity >= self.lower) and (self.upper is None or activity <= self.upper)


@dataclass(frozen=True)
class Objective:
    """An integer linear objective ``sum coefficient * variable`` (zero coefficients left out)."""

    name: str
    terms: Mapping[int, int]

    def value(self, values: Sequence[int]) -> int:
        """Evaluate the objective at integer ``values``."""
        return sum(c * values[v] for v, c in self.terms.items())

    def plus(self, other: Objective, *, weight: int, name: str) -> Objective:
        """``weight * self + other``."""
        terms = {v: weight * c for v, c in self.terms.items()}
        for v, c in other.terms.items():
            terms[v] = terms.get(v, 0) + c
        return Objective(name, {v: c for v, c in terms.items() if c})


@dataclass(frozen=True)
class Formulation:
    """Variables with bounds, rows and the three stage objectives of one dispatch problem.

    Attributes
    ----------
    keys
        The option of each x variable, in variable order (x[j] is variable j).
    options
        The pair option behind each key.
    shortfalls
        (incident id, requirement index) of each s variable, numbered after the x variables.
    lent
        For each lends variable (numbered after the s variables), the x variables lent under it.
    lower, upper
        Bounds of every variable.
    at_most_one
        Groups of 0/1 variables of which at most one is 1 (one group per unit).
    implications
        ``(a, b)``: variable a = 1 forces variable b = 1.
    rows
        Every other constraint.
    shortfall, arrival, compensation
        The stage objectives.
    arrival_ceiling
        One more than the largest arrival objective any solution can have (each unit at its
        latest option): the weight that makes ``W * shortfall + arrival`` lexicographic.

    """

    keys: tuple[Key, ...]
    options: Mapping[Key, PairOption]
    shortfalls: tuple[tuple[str, int], ...]
    lent: tuple[tuple[int, ...], ...]
    lower: tuple[int, ...]
    upper: tuple[int, ...]
    at_most_one: tuple[tuple[int, ...], ...]
    implications: tuple[tuple[int, int], ...]
    rows: tuple[Row, ...]
    shortfall: Objective
    arrival: Objective
    compensation: Objective
    arrival_ceiling: int
    zero_options: int

    @property
    def n_variables(self) -> int:
        """Number of variables (x, then s, then lends)."""
        return len(self.lower)

    def values_of(self, problem: DispatchProblem, assignment: Mapping[str, str]) -> list[int]:
        """Complete variable values of a unit -> incident map (least shortfalls, lends where lent)."""
        index = {key: j for j, key in enumerate(self.keys)}
        values = [0] * self.n_variables
        for unit_id, incident_id in assignment.items():
            j = index.get((unit_id, incident_id))
            if j is not None:
                values[j] = 1
        incidents = {i.id: i for i in problem.incidents}
        on_time: dict[tuple[str, int], int] = {}
        for j, (unit_id, incident_id) in enumerate(self.keys):
            if values[j]:
                for k, c in enumerate(self.options[(unit_id, incident_id)].contribution):
                    on_time[(incident_id, k)] = on_time.get((incident_id, k), 0) + c
        first_s = len(self.keys)
        for n, (incident_id, k) in enumerate(self.shortfalls):
            quantity = incidents[incident_id].requirements[k].quantity
            values[first_s + n] = max(0, quantity - on_time.get((incident_id, k), 0))
        first_lends = first_s + len(self.shortfalls)
        for n, lent in enumerate(self.lent):
            values[first_lends + n] = int(any(values[j] for j in lent))
        return values

    def floor(self, objective: Objective) -> int:
        """Return the least value ``objective`` can take within the variable bounds alone (no row).

        A plan that reaches it is optimal for that stage without a solve: e.g. a shortfall no option
        can cover, or no compensation at all.
        """
        return sum(c * (self.lower[v] if c > 0 else self.upper[v]) for v, c in objective.terms.items())

    @property
    def objectives(self) -> tuple[Objective, Objective, Objective]:
        """The three stage objectives in lexicographic order."""
        return self.shortfall, self.arrival, self.compensation

    def stage_values(self, values: Sequence[int]) -> tuple[int, ...]:
        """Return the objectives at ``values`` in lexicographic order: plans compare by this tuple."""
        return tuple(objective.value(values) for objective in self.objectives)

    def assignment_of(self, values: Sequence[int]) -> dict[str, str]:
        """Return the unit -> incident map of variable values."""
        return {key[0]: key[1] for j, key in enumerate(self.keys) if values[j]}

    def violated(self, values: Sequence[int]) -> list[str]:
        """Every bound or constraint that integer ``values`` break, as text; empty when feasible."""
        out = [f"variable {v} = {values[v]} outside [{lo}, {hi}]"
               for v, (lo, hi) in enumerate(zip(self.lower, self.upper, strict=True))
               if not lo <= values[v] <= hi]
        out += [f"at most one of {group}" for group in self.at_most_one if sum(values[v] for v in group) > 1]
        out += [f"{a} => {b}" for a, b in self.implications if values[a] and not values[b]]
        out += [f"row {n}" for n, row in enumerate(self.rows) if not row.holds(values)]
        return out


def cover_rows(quantity: int, contributions: list[int]) -> list[tuple[list[int], int, int]]:
    """Rows ``(coefficients, shortfall coefficient, rhs)`` of the cover ``s + sum c x >= q``, plus cuts.

    The first row is the cover with every contribution capped at ``q`` (a unit cannot cover more
    than all of it). The others are rounding (Chvatal-Gomory) cuts, valid for every integer point:
    for a divisor ``d``, with ``Q = ceil(q / d)`` and ``r = q - d (Q - 1)`` (1 <= r <= d),

        r * sum ceil(c / d) x + s >= r * Q

    (at ``s = t`` the units must supply ``q - t``, so ``sum ceil(c / d) x >= ceil((q - t) / d)``, which is
    at least ``Q - t / r`` for every integer ``t >= 0``). They forbid the LP from counting a fraction
    of a unit, e.g. ``q = 5`` covered by 2.5 units of 2: with ``d = 2`` three units or a shortfall.
    Divisors above the largest capped contribution only repeat ``d = max c``; ``r = d`` gives a row
    the cover already implies. The capped covers and cuts change no integer point; they raise the
    root LP bound on the weighted arrival (uncapped -> capped -> with cuts; optimum, bench/dispatch.py
    seed 1 60 x 400): ample 1689 -> 2968 -> 3002 (3055), scarce 5304 -> 5379 -> 5603 (5778).
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


def formulate(
    problem: DispatchProblem,
    *,
    fixed: Mapping[str, str] | None = None,
    options: Mapping[Key, PairOption] | None = None,
) -> Formulation:
    """Build the model of ``problem`` with the units of ``fixed`` kept on their incidents.

    Units kept on earlier incidents are away from home: they count neither as options elsewhere nor
    at home. ``options`` are the problem's :func:`planner.dispatch.rules.pair_options` when the caller
    has them. Raises InfeasibleError when a retained minimum fails even with no unit sent.
    """
    fixed = fixed or {}
    away = frozenset(fixed)
    check_retained(problem, away=away)
    units = {u.id: u for u in problem.units}
    incidents = {i.id: i for i in problem.incidents}
    every = pair_options(problem) if options is None else options
    options = {key: o for key, o in every.items() if key[0] not in away}
    for unit_id, incident_id in fixed.items():
        options[(unit_id, incident_id)] = forced_option(problem, units[unit_id], incidents[incident_id])
    keys = tuple(sorted(options))
    lower = [int(key[0] in fixed) for key in keys]
    upper = [1] * len(keys)

    by_unit: dict[str, list[int]] = {}
    by_incident: dict[str, list[int]] = {}
    for j, key in enumerate(keys):
        by_unit.setdefault(key[0], []).append(j)
        by_incident.setdefault(key[1], []).append(j)

    # Shortfall variables: at least what every option together could not cover (exact, and it gives
    # both engines the shortfall a requirement cannot escape without search).
    shortfalls = tuple((incident.id, k) for incident in problem.incidents for k in range(len(incident.requirements)))
    s_index = {pair: len(keys) + n for n, pair in enumerate(shortfalls)}
    for incident_id, k in shortfalls:
        quantity = incidents[incident_id].requirements[k].quantity
        reachable = sum(min(quantity, options[keys[j]].contribution[k]) for j in by_incident.get(incident_id, []))
        lower.append(max(0, quantity - reachable))
        upper.append(quantity)
    rows: list[Row] = []

    # Covers: shortfall is at least the quantity minus the on-time, agreement-covered capability sent,
    # each unit's contribution capped at the quantity, with the rounding cuts (see cover_rows).
    for incident in problem.incidents:
        for k, requirement in enumerate(incident.requirements):
            on_scene = [j for j in by_incident.get(incident.id, []) if options[keys[j]].contribution[k]]
            s = s_index[(incident.id, k)]
            for coefs, s_coef, rhs in cover_rows(requirement.quantity,
                                                  [options[keys[j]].contribution[k] for j in on_scene]):
                rows.append(Row((s, *on_scene), (s_coef, *coefs), rhs, None))

    # A region's units sent nowhere keep at least its retained minimum of each capability.
    def sent_terms(region: str, capability: str) -> tuple[list[int], list[int]]:
        variables: list[int] = []
        coefficients: list[int] = []
        for unit in problem.units:
            amount = unit.capabilities.get(capability, 0)
            if unit.region == region and unit.id not in away and amount:
                for j in by_unit.get(unit.id, []):
                    variables.append(j)
                    coefficients.append(amount)
        return variables, coefficients

    for region in sorted({u.region for u in problem.units}):
        held = home_holdings(problem, region, exclude=away)
        for capability, minimum in sorted(problem.min_retained.get(region, {}).items()):
            variables, coefficients = sent_terms(region, capability)
            if variables:
                rows.append(Row(tuple(variables), tuple(coefficients), None, held.get(capability, 0) - minimum))

    # While lending under an agreement the lender keeps the agreement's minimum at home.
    lent_groups: list[tuple[int, ...]] = []
    implications: list[tuple[int, int]] = []
    for agreement in problem.agreements:
        if not agreement.retained:
            continue
        lent = tuple(j for j, key in enumerate(keys) if options[key].agreement is agreement and key[0] not in away)
        if not lent:
            continue
        lends = len(lower)
        lower.append(0)
        upper.append(1)
        lent_groups.append(lent)
        implications += [(j, lends) for j in lent]
        held = home_holdings(problem, agreement.lender, exclude=away)
        for capability, minimum in sorted(agreement.retained.items()):
            variables, coefficients = sent_terms(agreement.lender, capability)
            rows.append(Row((*variables, lends), (*coefficients, minimum), None, held.get(capability, 0)))

    # Objectives.
    priority = {i.id: i.priority for i in problem.incidents}
    arrival_coef = [priority[key[1]] * round(options[key].arrival_min * ARRIVAL_SCALE) for key in keys]
    zero = [coef == 0 for coef in arrival_coef]
    n_zero = sum(zero)
    latest: dict[str, int] = {}
    for key, coef in zip(keys, arrival_coef, strict=True):
        latest[key[0]] = max(latest.get(key[0], 0), coef)
    money = [(n_zero + 1) * round(options[key].cost * MONEY_SCALE) + int(z) for key, z in zip(keys, zero, strict=True)]
    return Formulation(
        keys=keys,
        options=options,
        shortfalls=shortfalls,
        lent=tuple(lent_groups),
        lower=tuple(lower),
        upper=tuple(upper),
        at_most_one=tuple(tuple(js) for js in by_unit.values()),
        implications=tuple(implications),
        rows=tuple(rows),
        shortfall=Objective("shortfall", {s_index[p]: priority[p[0]] for p in shortfalls if priority[p[0]]}),
        arrival=Objective("arrival", {j: c for j, c in enumerate(arrival_coef) if c}),
        compensation=Objective("compensation", {j: c for j, c in enumerate(money) if c}),
        arrival_ceiling=sum(latest.values()) + 1,
        zero_options=n_zero,
    )

