"""How a check reads evidence from several seeds: two recipes compared seed by seed, and
agreement above chance.

:func:`paired` measures one recipe against another over the same seeds (batch norm against the
baseline, units against rotations of the same model) with a 95% t interval, and
:func:`paired_check` passes when that interval lies wholly on the claimed side of zero, so a null
effect fails. :func:`cohen_kappa` scores predicted classes above the agreement chance gives, so
that a prediction check reads the same on 48 classes as on 365. The vote over seeds of a check on
one model (:func:`unitroles.verdicts.seed_vote`) stays in :mod:`unitroles.verdicts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Paired", "cohen_kappa", "paired", "paired_check"]


@dataclass(frozen=True)
class Paired:
    """A paired comparison over seeds: ``diffs[i] = a[i] - b[i]`` for the models of seed ``i``
    of two recipes, their mean and its two-sided 95% t interval (``low``, ``high``)."""

    diffs: tuple[float, ...]
    mean: float
    low: float
    high: float

    def text(self, fmt: str = "+.1f", unit: str = "") -> str:
        """``"-3.2 pts (95% interval -5.0 to -1.4, 5 seeds)"``."""
        u = f" {unit}" if unit else ""
        return (
            f"{self.mean:{fmt}}{u} (95% interval {self.low:{fmt}} to {self.high:{fmt}}, "
            f"{len(self.diffs)} seeds)"
        )


# two-sided 95% Student t quantiles by degrees of freedom (1..30); larger: the normal's
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip


def paired(a: Sequence[float], b: Sequence[float]) -> Paired:
    """The paired difference ``a - b`` over seeds (``a[i]`` and ``b[i]`` from seed ``i``) with
    its 95% t interval: a recipe's effect measured against the same seeds of another, so that
    what a seed's draw shares across recipes cancels."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired values need one value a seed on both sides: {a.shape}, {b.shape}")
    if len(a) < 2:
        raise ValueError("a paired interval needs at least two seeds")
    d = a - b
    n = len(d)
    half = (_T95[n - 2] if n - 1 <= len(_T95) else 1.96) * d.std(ddof=1) / n**0.5
    return Paired(tuple(float(x) for x in d), float(d.mean()), float(d.mean() - half),
                  float(d.mean() + half))  # fmt: skip


def paired_check(p: Paired, direction: str) -> bool:
    """Whether the paired difference ``p`` shows an effect in ``direction`` (``"below"``: ``a``
    lower than ``b``; ``"above"``: higher): its 95% interval lies wholly on that side of zero.

    No undecided outcome: an interval that holds zero (no effect, or one too small for the seeds
    to show) fails, as does one on the other side. With one check per comparison over five seeds,
    a null effect fails instead of waiting on the seeds to agree (:func:`seed_vote`).
    """
    if direction == "below":
        return p.high < 0
    if direction == "above":
        return p.low > 0
    raise ValueError(f"direction is 'below' or 'above', not {direction!r}")


def cohen_kappa(true: Sequence[int], predicted: Sequence[int]) -> float:
    """Cohen's κ of predicted against true labels: accuracy above the agreement that the two
    label frequencies give by chance, as a share of what is left above it (1: perfect; 0:
    chance). Unlike "k-fold chance", it reads the same on 24 classes as on 365."""
    t, p = np.asarray(true), np.asarray(predicted)
    if t.shape != p.shape or t.size == 0:
        raise ValueError("κ needs one prediction a true label, and at least one")
    observed = float((t == p).mean())
    labels = np.union1d(t, p)
    expected = float(sum((t == k).mean() * (p == k).mean() for k in labels))
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)
