"""What a dispatcher returns, and the one evaluation of a plan every dispatcher reports with.

:class:`DispatchResult` (assignments, shortfalls, the lexicographic :class:`DispatchObjective`, bound,
status, borrowings, and the reserve materials drawn from depots with their shortfalls) is what the
optimiser (either engine) and the greedy baseline return, and
:func:`evaluate` is how both score a unit -> incident map under the rules of
:mod:`planner.dispatch.rules`, so their figures compare like with like. :class:`Redispatch` adds what
changed when a plan is re-optimised after a new incident.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.dispatch.problem import DispatchProblem
from planner.dispatch.rules import PairOption, forced_option
from planner.model.status import Status


@dataclass(frozen=True)
class Assignment:
    """``unit`` goes to ``incident`` and arrives after ``arrival_min`` minutes."""

    unit: str
    incident: str
    arrival_min: float


@dataclass(frozen=True)
class Shortfall:
    """``missing`` units of ``capability`` are not on scene at ``incident`` by ``deadline_min``."""

    incident: str
    capability: str
    missing: int
    deadline_min: float


@dataclass(frozen=True)
class Borrowing:
    """``unit`` of ``lender`` serves ``borrower`` under an agreement, costing ``cost`` yuan."""

    unit: str
    lender: str
    borrower: str
    cost: float


@dataclass(frozen=True)
class MaterialAllocation:
    """``quantity`` of ``material`` from lot ``stock`` of ``depot`` to ``incident``, arriving after ``arrival_min``.

    ``unit_price`` is what is charged per unit (the depot's price, or 0 when the terms do not pay it);
    ``cost`` = quantity x unit_price, yuan.
    """

    incident: str
    material: str
    depot: str
    stock: str
    quantity: int
    unit: str
    unit_price: float
    cost: float
    arrival_min: float


@dataclass(frozen=True)
class MaterialShortfall:
    """``missing`` units of ``material`` are not on scene at ``incident`` by ``deadline_min``."""

    incident: str
    material: str
    missing: int
    unit: str
    deadline_min: float


@dataclass(frozen=True)
class DispatchObjective:
    """The lexicographic objective: weighted shortfall, weighted arrival minutes, compensation yuan.

    ``compensation`` includes the reserve materials charged; ``material_shortfall`` and
    ``material_arrival`` are the priority-weighted units short and minutes until the last depot of each
    material need arrives (the materials' own first two stages).
    """

    weighted_shortfall: float
    weighted_arrival: float
    compensation: float
    material_shortfall: float = 0.0
    material_arrival: float = 0.0

    def as_tuple(self) -> tuple[float, float, float]:
        """``(weighted_shortfall, weighted_arrival, compensation)`` for lexicographic comparison."""
        return (self.weighted_shortfall, self.weighted_arrival, self.compensation)


@dataclass(frozen=True)
class DispatchResult:
    """Outcome of a dispatcher: assignments, shortfalls, objective, bound, status, wall time."""

    status: Status
    assignments: tuple[Assignment, ...]
    shortfall: tuple[Shortfall, ...]
    objective: DispatchObjective
    borrowed: tuple[Borrowing, ...]
    wall_s: float
    method: str
    bound: DispatchObjective | None = None
    materials: tuple[MaterialAllocation, ...] = ()
    material_shortfall: tuple[MaterialShortfall, ...] = ()

    def assignment_map(self) -> dict[str, str]:
        """Map unit id -> incident id."""
        return {a.unit: a.incident for a in self.assignments}

    def _values(self, objective: DispatchObjective) -> dict[str, float]:
        """Return an objective as JSON: the materials' values only when the incidents needed materials."""
        values = dataclasses.asdict(objective)
        if not self.materials and not self.material_shortfall:
            del values["material_shortfall"], values["material_arrival"]
        return values

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's output)."""
        return {
            "status": self.status.value,
            "method": self.method,
            "assignments": [dataclasses.asdict(a) for a in self.assignments],
            "shortfall": [dataclasses.asdict(s) for s in self.shortfall],
            "objective": self._values(self.objective),
            "bound": None if self.bound is None else self._values(self.bound),
            "borrowed": [dataclasses.asdict(b) for b in self.borrowed],
            "materials": [dataclasses.asdict(m) for m in self.materials],
            "material_shortfall": [dataclasses.asdict(m) for m in self.material_shortfall],
            "seconds": round(self.wall_s, 3),
        }


@dataclass(frozen=True)
class Redispatch:
    """Re-dispatch after a new incident: the new plan and how it differs from the old one."""

    result: DispatchResult
    kept: tuple[Assignment, ...]
    moved: tuple[tuple[str, str, str], ...]
    added: tuple[Assignment, ...]
    released: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            **self.result.to_dict(),
            "kept": [dataclasses.asdict(a) for a in self.kept],
            "moved": [{"unit": u, "from": a, "to": b} for u, a, b in self.moved],
            "added": [dataclasses.asdict(a) for a in self.added],
            "released": [{"unit": u, "from": a} for u, a in self.released],
        }


def evaluate(
    problem: DispatchProblem,
    assignment: Mapping[str, str],
    *,
    options: Mapping[tuple[str, str], PairOption] | None = None,
) -> tuple[tuple[Assignment, ...], tuple[Shortfall, ...], DispatchObjective, tuple[Borrowing, ...]]:
    """Evaluate a unit -> incident map: its assignments, shortfalls, objective and borrowings.

    ``options`` gives the pair options to use (default: recomputed, ignoring unit status, so a kept
    committed unit is evaluated like any other). Raises InputError for an unreachable pair.
    """
    units = {u.id: u for u in problem.units}
    incidents = {i.id: i for i in problem.incidents}
    chosen: dict[str, list[PairOption]] = {i.id: [] for i in problem.incidents}
    for unit_id, incident_id in assignment.items():
        option = None if options is None else options.get((unit_id, incident_id))
        if option is None:
            option = forced_option(problem, units[unit_id], incidents[incident_id])
        chosen[incident_id].append(option)
    rows = tuple(
        sorted(
            (Assignment(o.unit, o.incident, round(o.arrival_min, 4)) for opts in chosen.values() for o in opts),
            key=lambda a: (a.incident, a.arrival_min, a.unit),
        )
    )
    shortfall: list[Shortfall] = []
    weighted_shortfall = 0
    weighted_arrival = 0.0
    compensation = 0.0
    borrowed: list[Borrowing] = []
    for incident in problem.incidents:
        opts = chosen[incident.id]
        for k, requirement in enumerate(incident.requirements):
            missing = max(0, requirement.quantity - sum(o.contribution[k] for o in opts))
            if missing:
                shortfall.append(Shortfall(incident.id, requirement.capability, missing, requirement.deadline_min))
                weighted_shortfall += incident.priority * missing
        for option in opts:
            weighted_arrival += incident.priority * option.arrival_min
            compensation += option.cost
            if option.agreement is not None:
                borrowed.append(
                    Borrowing(option.unit, option.agreement.lender, option.agreement.borrower, round(option.cost, 2))
                )
    objective = DispatchObjective(weighted_shortfall, round(weighted_arrival, 4), round(compensation, 2))
    return rows, tuple(shortfall), objective, tuple(sorted(borrowed, key=lambda b: b.unit))
