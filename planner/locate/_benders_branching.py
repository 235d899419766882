"""Which site the p-median branch-and-bound branches on: reliability branching on pseudocosts.

Achterberg, Koch & Martin (2005), "Branching rules revisited", Operations Research Letters 33: 42-54.
A site's pseudocosts are the average rise of the node LP bound per unit of change of ``y_j`` when it
is forced open (up) and when it is closed (down), learnt from every child solved. A fractional site
whose pseudocosts rest on too few observations is first tried by strong branching (both children's
master LP, warm and cut short after a few hundred dual simplex iterations), which also teaches its
pseudocosts. The site branched on maximises the product of the two estimated rises, so both
children move the bound (the most fractional site often moves neither: the LP of fl1400-like
clustered instances has hundreds of fractional sites, most with an equally good neighbour).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PseudoCosts", "product_score"]

_EPSILON = 1e-6


def product_score(down: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Score branching choices by the product rule: both rises count, a zero one does not cancel the other."""
    return np.maximum(down, _EPSILON) * np.maximum(up, _EPSILON)


class PseudoCosts:
    """Per site, the sum and count of bound rises per unit change, opened (up) and closed (down)."""

    def __init__(self, m: int) -> None:
        self.sum_up, self.sum_down = np.zeros(m), np.zeros(m)
        self.count_up, self.count_down = np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)

    def record(self, site: int, up: bool, rise: float, change: float) -> None:
        """Learn that moving ``y_site`` by ``change`` (> 0) raised the LP bound by ``rise`` (>= 0)."""
        if change <= _EPSILON or not np.isfinite(rise):
            return
        per_unit = max(rise, 0.0) / change
        if up:
            self.sum_up[site] += per_unit
            self.count_up[site] += 1
        else:
            self.sum_down[site] += per_unit
            self.count_down[site] += 1

    def reliable(self, sites: np.ndarray, threshold: int) -> np.ndarray:
        """Whether each site has at least ``threshold`` observations in both directions."""
        return (self.count_up[sites] >= threshold) & (self.count_down[sites] >= threshold)

    def estimate(self, sites: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Estimated rises (closed, opened) of branching on each site at the LP point ``y``.

        A site never observed in a direction takes the average over the sites that were.
        """
        down = _average(self.sum_down, self.count_down, sites)
        up = _average(self.sum_up, self.count_up, sites)
        return down * y[sites], up * (1.0 - y[sites])


def _average(total: np.ndarray, count: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Mean per site, the mean over observed sites where a site has none (1 before any observation)."""
    seen = count > 0
    fallback = float(total[seen].sum() / count[seen].sum()) if seen.any() else 1.0
    return np.where(count[sites] > 0, total[sites] / np.maximum(count[sites], 1), fallback)
