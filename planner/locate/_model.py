"""Shared input checking and the common class API of every location model."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

import numpy as np

from planner.errors import InfeasibleError, InputError
from planner.locate._result import LocationResult

__all__ = ["Instance", "LocationModel", "DEFAULT_TIME_LIMIT_S"]

DEFAULT_TIME_LIMIT_S = 60.0
_Model = TypeVar("_Model", bound="LocationModel")


@dataclass(frozen=True)
class Instance:
    """Validated data of a location problem: demand rows x site columns.

    ``cost`` holds ``np.inf`` for unreachable pairs; ``allowed`` marks the sites that may be open
    (the candidates plus the existing sites); ``existing`` are the sites that must stay open.
    """

    cost: np.ndarray
    weights: np.ndarray
    p: int | None
    max_cost: float | None
    existing: np.ndarray
    allowed: np.ndarray
    capacities: np.ndarray | None

    @property
    def n_demand(self) -> int:
        """Number of demand points (rows)."""
        return int(self.cost.shape[0])

    @property
    def n_sites(self) -> int:
        """Number of sites (columns)."""
        return int(self.cost.shape[1])

    def coverage(self) -> np.ndarray:
        """Boolean ``n x m`` matrix: demand ``i`` is covered by allowed site ``j`` within ``max_cost``."""
        assert self.max_cost is not None
        return (self.cost <= self.max_cost) & self.allowed[None, :]

    def require_covered(self, covered: np.ndarray) -> None:
        """Raise InfeasibleError naming the demand rows no allowed site covers within ``max_cost``."""
        lonely = np.flatnonzero(~covered.any(axis=1))
        if len(lonely):
            raise InfeasibleError(
                f"{len(lonely)} demand point(s) have no candidate site within max_cost={self.max_cost:g}: "
                f"rows {_preview(lonely)}"
            )


class LocationModel(ABC):
    """A facility location model built from a cost matrix and solved with OR-Tools or HiGHS.

    Every model is made by :meth:`from_cost_matrix` with the same keywords and solved by
    :meth:`solve`, which returns a :class:`LocationResult`. A keyword a model does not use must be
    left at its default, so a misspelt intent fails loudly instead of being ignored.
    """

    name: ClassVar[str]
    uses_p: ClassVar[bool] = False
    uses_max_cost: ClassVar[bool] = False
    supports_capacities: ClassVar[bool] = False

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    @classmethod
    def from_cost_matrix(
        cls: type[_Model],
        cost: np.ndarray,
        weights: np.ndarray | None = None,
        *,
        p: int | None = None,
        max_cost: float | None = None,
        existing: Iterable[int] = (),
        candidates: Iterable[int] | None = None,
        capacities: np.ndarray | None = None,
    ) -> _Model:
        """Check the inputs and build the model.

        Parameters
        ----------
        cost
            ``n x m`` cost (e.g. travel seconds) from demand point ``i`` to site ``j``; ``np.inf`` means
            unreachable. Finite entries must be >= 0.
        weights
            Demand weight of each row (e.g. population), >= 0; default 1 each.
        p
            Number of sites to open, existing sites included (p-median, p-center, MCLP, backup).
        max_cost
            Coverage standard: ``i`` is covered by ``j`` when ``cost[i, j] <= max_cost`` (LSCP, MCLP,
            backup).
        existing
            Site indices that must stay open.
        candidates
            Site indices that may be opened (default all); existing sites are always allowed.
        capacities
            Capacity of each site in weight units (models that support it: p-median, LSCP, p-center).

        Raises
        ------
        InputError
            Naming the field and the numbers: bad shape, NaN, negative cost or weight, index out of
            range, ``p`` outside ``len(existing)..number of allowed sites``, a keyword the model does
            not use.

        """
        return cls(_validate(cls, cost, weights, p, max_cost, existing, candidates, capacities))

    @abstractmethod
    def solve(self, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> LocationResult:
        """Solve the model within ``time_limit_s`` seconds of wall clock."""


def _validate(
    cls: type[LocationModel],
    cost: np.ndarray,
    weights: np.ndarray | None,
    p: int | None,
    max_cost: float | None,
    existing: Iterable[int],
    candidates: Iterable[int] | None,
    capacities: np.ndarray | None,
) -> Instance:
    """Check every input and return the validated instance (arrays copied, read-only)."""
    try:
        cost_arr = np.array(cost, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(f"cost matrix is not numeric: {error}", field="cost") from None
    if cost_arr.ndim != 2 or cost_arr.shape[0] == 0 or cost_arr.shape[1] == 0:
        raise InputError(f"cost matrix must be 2-D demand x site and non-empty, got shape {cost_arr.shape}",
                         field="cost")
    n, m = cost_arr.shape
    _no_nan("cost", cost_arr)
    if (cost_arr < 0).any():
        i, j = np.argwhere(cost_arr < 0)[0]
        raise InputError(f"cost[{i}, {j}] = {cost_arr[i, j]:g} < 0: costs must be >= 0", field="cost")

    if weights is None:
        weight_arr = np.ones(n)
    else:
        weight_arr = np.array(weights, dtype=np.float64).ravel()
        if len(weight_arr) != n:
            raise InputError(f"weights has {len(weight_arr)} entries, cost matrix has {n} demand rows", field="weights")
        _no_nan("weights", weight_arr)
        if not np.isfinite(weight_arr).all() or (weight_arr < 0).any():
            i = int(np.flatnonzero(~np.isfinite(weight_arr) | (weight_arr < 0))[0])
            raise InputError(f"weights[{i}] = {weight_arr[i]:g}: weights must be finite and >= 0", field="weights")

    existing_arr = _indices("existing", existing, m)
    if candidates is None:
        allowed = np.ones(m, dtype=bool)
    else:
        allowed = np.zeros(m, dtype=bool)
        allowed[_indices("candidates", candidates, m)] = True
    allowed[existing_arr] = True

    if cls.uses_p:
        if p is None:
            raise InputError(f"{cls.name} needs p, the number of sites to open", field="p")
        if isinstance(p, bool) or int(p) != p:
            raise InputError(f"p = {p!r} is not an integer", field="p")
        p = int(p)
        n_allowed = int(allowed.sum())
        if p < 1 or p > n_allowed:
            raise InputError(f"p = {p} is not in 1..{n_allowed} (the number of candidate sites)", field="p")
        if p < len(existing_arr):
            raise InputError(f"p = {p} is smaller than the {len(existing_arr)} existing sites that stay open",
                             field="p")
    elif p is not None:
        raise InputError(f"{cls.name} does not take p (it decides how many sites to open)", field="p")

    if cls.uses_max_cost:
        if max_cost is None:
            raise InputError(f"{cls.name} needs max_cost, the coverage standard", field="max_cost")
        max_cost = float(max_cost)
        if not math.isfinite(max_cost) or max_cost < 0:
            raise InputError(f"max_cost = {max_cost:g} must be finite and >= 0", field="max_cost")
    elif max_cost is not None:
        raise InputError(f"{cls.name} does not take max_cost", field="max_cost")

    capacity_arr = None
    if capacities is not None:
        if not cls.supports_capacities:
            raise InputError(f"{cls.name} does not support capacities", field="capacities")
        capacity_arr = np.array(capacities, dtype=np.float64).ravel()
        if len(capacity_arr) != m:
            raise InputError(f"capacities has {len(capacity_arr)} entries, cost matrix has {m} sites",
                             field="capacities")
        _no_nan("capacities", capacity_arr)
        if (capacity_arr < 0).any():
            j = int(np.flatnonzero(capacity_arr < 0)[0])
            raise InputError(f"capacities[{j}] = {capacity_arr[j]:g} < 0", field="capacities")
        capacity_arr.setflags(write=False)

    for array in (cost_arr, weight_arr, existing_arr, allowed):
        array.setflags(write=False)
    return Instance(cost_arr, weight_arr, p, max_cost, existing_arr, allowed, capacity_arr)


def _no_nan(field: str, array: np.ndarray) -> None:
    """Raise InputError naming the first NaN entry of ``array``."""
    if np.isnan(array).any():
        where = tuple(int(k) for k in np.argwhere(np.isnan(array))[0])
        raise InputError(f"{field}{list(where)} is NaN", field=field)


def _indices(field: str, values: Iterable[int], m: int) -> np.ndarray:
    """Site indices as a sorted unique int array, each checked to be in ``0..m-1``."""
    array = np.array(list(values))
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise InputError(f"{field} must be integer site indices, got {array.dtype}", field=field)
    bad = array[(array < 0) | (array >= m)]
    if len(bad):
        raise InputError(f"{field} index {int(bad[0])} is not in 0..{m - 1}", field=field)
    return np.unique(array.astype(np.int64))


def _preview(rows: np.ndarray, limit: int = 10) -> str:
    """Comma-separated row numbers, the first ``limit`` of them."""
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return shown + (", ..." if len(rows) > limit else "")
