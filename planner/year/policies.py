"""The dispatch policies of the year model: which free units an incident gets, as plain functions of arrays.

- :func:`nearest_units`: the nearest-available rule, per needed capability the candidates nearest first
  until the quantity is held (:func:`planner.sweep.incidents.choose_nearest`, the sweep's rule); a unit
  chosen for one capability brings all the others it carries.
- :func:`optimal_units`: the dispatch optimiser (:func:`planner.dispatch.optimiser.solve_dispatch`, the one
  dispatch function) over the units free at that moment, with the scenario's agreements, jurisdiction
  tree and retained minimums; when the retained minimums cannot hold with the units left at home
  (:class:`~planner.errors.InfeasibleError`), they are dropped for that incident and the caller told so.

Candidates (:func:`nearest_first`) are the units that may be sent now and can reach the incident,
ordered by expected turn-out + drive from where each unit is. The engine (:mod:`planner.year.engine`)
calls these at each dispatch order and escalation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from planner.dispatch.optimiser import solve_dispatch
from planner.dispatch.problem import DispatchProblem, Incident, Requirement, Unit
from planner.errors import InfeasibleError
from planner.sweep.incidents import choose_nearest
from planner.year.model import YearModel


def nearest_first(model: YearModel, units: np.ndarray, locations: np.ndarray, place: int,
                  drive_min: np.ndarray | None = None, turnout_min: np.ndarray | None = None) -> np.ndarray:
    """Return ``units`` that can reach ``place`` from their ``locations``, nearest first (turn-out + drive).

    ``drive_min``: the drive minutes between places now (the time band's, :meth:`YearModel.drive_at`),
    default the model's free-flow ones; ``turnout_min``: each unit's turn-out now (a warning's raised
    readiness), default the model's.
    """
    turnout = model.turnout_min if turnout_min is None else turnout_min
    drive = (model.drive_min if drive_min is None else drive_min)[locations[units], place]
    reachable = np.isfinite(drive)
    units, drive = units[reachable], drive[reachable]
    return units[np.argsort(turnout[units] + drive, kind="stable")]  # type: ignore[no-any-return]


def nearest_units(model: YearModel, order: np.ndarray, missing: np.ndarray) -> list[int]:
    """Return the units the nearest-available rule sends, from ``order``, for ``missing`` quantities per capability."""
    qty = model.capability_qty
    taken = np.zeros(model.n_units, dtype=bool)
    short = missing.astype(np.int64).copy()
    sent: list[int] = []
    for cap in np.flatnonzero(short > 0):
        if short[cap] <= 0:
            continue
        for unit in choose_nearest(order, taken, qty[:, cap], int(short[cap])):
            taken[unit] = True
            short -= qty[unit]
            sent.append(int(unit))
    return sent


def optimal_units(model: YearModel, free: Sequence[int], locations: np.ndarray, units: tuple[tuple[Unit, Unit], ...],
                  incident: str, region: str, place: int, missing: np.ndarray, deadline_min: np.ndarray, *,
                  time_limit_s: float, drive_min: np.ndarray | None = None) -> tuple[list[int], bool]:
    """Return the units the dispatch optimiser sends to one incident, and whether retained minimums were dropped.

    Parameters
    ----------
    model
        The year model (units, capabilities, drive minutes, agreements, jurisdiction tree, retained minimums).
    free
        Indices of the units that may be sent now.
    locations
        Place index of every unit.
    units
        Each unit as the optimiser sees it when free and when not: ``(available, committed)``.
    incident, region, place
        The incident's id, region and place index.
    missing, deadline_min
        Per capability: the quantity still needed and its deadline, minutes from now.
    time_limit_s
        The optimiser's limit.
    drive_min
        Drive minutes between places now (the time band's), default the model's free-flow ones.

    """
    chosen = set(free)
    requirements = tuple(Requirement(model.capabilities[cap], int(q), max(0.0, float(deadline_min[cap])))
                         for cap, q in enumerate(missing) if q > 0)
    fleet = tuple(pair[0] if j in chosen else pair[1] for j, pair in enumerate(units))
    drive = model.drive_min if drive_min is None else drive_min
    travel = {(model.unit_ids[j], incident): float(drive[locations[j], place]) for j in chosen}
    needs = (Incident(incident, region, 1, requirements),)
    relaxed = False
    try:
        result = solve_dispatch(DispatchProblem(fleet, needs, travel, model.agreements, model.min_retained,
                                                parents=model.parents), time_limit_s=time_limit_s)
    except InfeasibleError:
        relaxed = True
        result = solve_dispatch(DispatchProblem(fleet, needs, travel, model.agreements, {}, parents=model.parents),
                                time_limit_s=time_limit_s)
    index = {u: j for j, u in enumerate(model.unit_ids)}
    return [index[a.unit] for a in result.assignments], relaxed


def optimiser_units(model: YearModel, turnout_min: np.ndarray | None = None) -> tuple[tuple[Unit, Unit], ...]:
    """Return every unit as the optimiser sees it, ``(available, committed)``, built when turn-outs change."""
    turnout = model.turnout_min if turnout_min is None else turnout_min
    out = []
    for j, unit_id in enumerate(model.unit_ids):
        capabilities = {c: int(q) for c, q in zip(model.capabilities, model.capability_qty[j], strict=True) if q > 0}
        out.append(tuple(Unit(unit_id, model.unit_region[j], capabilities, float(turnout[j]), status)
                         for status in ("available", "committed")))
    return tuple(out)  # type: ignore[arg-type]
