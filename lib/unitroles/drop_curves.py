"""Sorted drop curves and the numbers that summarise them (Zhou et al. 2018, Fig. 3, 7, 8).

A layer's *max class drop curve* sorts its units (or directions) by their max class accuracy
drop, largest first: ``curve[0]`` is the unit that hurts its worst class most. Drops are in
percentage points (pts), positive = worse. The paper reads these curves from the left, so
besides the mean (the area under the curve) this module gives the curve's *head*: the mean drop
of its top 10% of units, and the share of units whose drop exceeds 10 pts.

Several training seeds give several curves of one layer: :func:`stack` sorts each and stacks
them ``(seeds, units)``, the shape :func:`unitroles.plots.seed_band` draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

HEAD_FRACTION = 0.1  # the head of a sorted curve: its top 10% of units
OVER_PTS = 10.0  # Zhou et al. 2018, sec. 3.2: "over half the units" drop some class by > 10 pts


def sorted_curve(drops) -> np.ndarray:
    """``drops`` ``(units,)`` sorted from largest to smallest (pts)."""
    drops = np.asarray(drops, dtype=float)
    if drops.ndim != 1 or len(drops) == 0:
        raise ValueError(f"drops must be a non-empty vector (units,), got shape {drops.shape}")
    return np.sort(drops)[::-1]


def head_size(units: int, fraction: float = HEAD_FRACTION) -> int:
    """How many units the head of a curve of ``units`` holds: ``ceil(fraction * units)``, at
    least 1 (a tenth of 64 units is 7 units; of 5 units, 1)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction}")
    return max(1, math.ceil(round(fraction * units, 9)))


def head_mean(drops, fraction: float = HEAD_FRACTION) -> float:
    """Mean drop (pts) of the :func:`head_size` largest entries of ``drops`` ``(units,)``."""
    curve = sorted_curve(drops)
    return float(curve[: head_size(len(curve), fraction)].mean())


def share_over(drops, threshold: float = OVER_PTS) -> float:
    """Share (%) of units whose drop exceeds ``threshold`` pts (strictly)."""
    drops = np.asarray(drops, dtype=float)
    if drops.size == 0:
        raise ValueError("drops must be non-empty")
    return float(100 * (drops > threshold).mean())


def summary(
    drops, *, fraction: float = HEAD_FRACTION, threshold: float = OVER_PTS
) -> dict[str, float]:
    """One curve in four numbers (pts, share in %): ``mean``, ``head`` (top-``fraction`` mean),
    ``over`` (share over ``threshold`` pts) and ``largest``."""
    drops = np.asarray(drops, dtype=float)
    return {
        "mean": float(drops.mean()),
        "head": head_mean(drops, fraction),
        "over": share_over(drops, threshold),
        "largest": float(drops.max()),
    }


def stack(curves: Sequence) -> np.ndarray:
    """Each of ``curves`` (drops ``(units,)`` of one seed or rotation) sorted, stacked
    ``(seeds, units)``. Every curve must have the same number of units."""
    sizes = {len(c) for c in curves}
    if len(sizes) != 1:
        raise ValueError(f"curves of one layer must have equal length, got lengths {sorted(sizes)}")
    return np.stack([sorted_curve(c) for c in curves])
