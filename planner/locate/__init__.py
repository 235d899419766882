"""Facility location models with one API: ``Model.from_cost_matrix(cost, weights, ...).solve()``.

Every model takes a demand x site cost matrix (``np.inf`` = unreachable), optional weights, existing
sites that stay open, a candidate subset and (where supported) capacities, and returns a frozen
:class:`LocationResult`. Models: :class:`LSCP` (Toregas et al. 1971), :class:`MCLP` (Church & ReVelle
1974), :class:`PMedian` (ReVelle & Swain 1970), :class:`PCenter` (Hakimi 1965) and
:class:`BackupCoverage` (Hogan & ReVelle 1986).
"""

from planner.locate._model import LocationModel
from planner.locate._result import LocationResult
from planner.locate.coverage import LSCP, MCLP, BackupCoverage
from planner.locate.pcenter import PCenter
from planner.locate.pmedian import PMedian

MODELS: dict[str, type[LocationModel]] = {
    model.name: model for model in (LSCP, MCLP, PMedian, PCenter, BackupCoverage)
}

__all__ = ["MODELS", "LSCP", "MCLP", "BackupCoverage", "LocationModel", "LocationResult", "PCenter", "PMedian"]
