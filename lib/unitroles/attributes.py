"""Unit attributes (Zhou et al. 2018, sec. 2.2): weight L1 norm, class selectivity, class
correlation.

A **unit** is one channel of a layer's post-ReLU output ``a`` of shape ``(n, U, h, w)``. Every
attribute below streams over its data in chunks (CPU or GPU) and returns the full per-class
vector of each unit; the paper's scalar summary is its maximum. The fourth attribute, concept
IoU, is network dissection's: :mod:`unitroles.dissection`.

Conventions (also stated on every book page that uses them):

* **Weight L1 norm** ``‖w_u‖₁``: sum of absolute values of the conv filter that produces unit
  ``u`` (all input channels and taps; bias excluded; batch norm not folded in).
  :func:`weight_l1`.
* **Class selectivity** (Morcos et al. 2018): ``m_u(x)`` is the spatial mean of the unit's map on
  image ``x``; ``μ_k`` the mean of ``m_u`` over images of class ``k``; ``μ_¬k`` the mean of the
  other classes' ``μ``. ``sel(u, k) = (μ_k − μ_¬k) / (μ_k + μ_¬k)``, in ``[−1, 1]``; a unit
  silent on every image has selectivity 0. The scalar is ``max_k sel``, in ``[0, 1]``.
  :meth:`ClassStatistics.selectivity`.
* **Class correlation**: Pearson correlation over images between ``m_u(x)`` and the softmax
  probability ``p_k(x)`` of class ``k``: the columns are standardised and the whole ``U × K``
  matrix is one matrix product. A unit (or class) constant over the images has correlation 0.
  The scalar is ``max_k corr``. :meth:`ClassStatistics.correlation`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from . import engine, zoo

# --------------------------------------------------------------------------------------------------
# Weight L1 norm


def layer_conv(model: nn.Module, layer: str) -> tuple[str, nn.Conv2d]:
    """The conv whose output channels are the units of ``layer``: the last ``Conv2d`` run up to
    the layer's output (for a ResNet stage, its last block's second conv)."""
    path = zoo.resolve_layer(model, layer)
    found, inside = None, False
    for name, module in model.named_modules():
        if name == path:
            inside = True
        elif inside and not name.startswith(path + "."):
            break
        if isinstance(module, nn.Conv2d):
            found = (name, module)
    if found is None:
        raise ValueError(f"no Conv2d produces layer {layer!r} ({path}); it has no unit weights")
    return found


def weight_l1(model: nn.Module, layer: str) -> np.ndarray:
    """``‖w_u‖₁`` for each unit of ``layer``, shape ``(U,)`` (float64); see the module docstring."""
    _, conv = layer_conv(model, layer)
    return conv.weight.detach().double().abs().flatten(1).sum(1).cpu().numpy()


# --------------------------------------------------------------------------------------------------
# Class selectivity and class correlation


def class_selectivity(means: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """``sel(u, k)`` of shape ``(U, K)`` from spatial means ``(n, U)`` and labels ``(n,)``.

    All at once; :class:`ClassStatistics` computes the same while streaming.
    """
    stats = ClassStatistics(np.shape(means)[1], num_classes, probabilities=False)
    stats.update(means, None, labels)
    return stats.selectivity()


def class_correlation(means: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Pearson ``corr(u, k)`` of shape ``(U, K)``: standardise both, one matrix product."""
    x, p = np.asarray(means, np.float64), np.asarray(probs, np.float64)
    return _standardised(x).T @ _standardised(p) / len(x)


def _standardised(x: np.ndarray) -> np.ndarray:
    centred = x - x.mean(0)
    std = np.sqrt((centred**2).mean(0))
    return np.divide(centred, std, out=np.zeros_like(centred), where=std > 0)


class ClassStatistics:
    """Streaming sufficient statistics of per-image unit means (and class probabilities).

    :meth:`update` with chunks of ``means (b, U)``, ``probs (b, K)`` and ``labels (b,)``; all sums
    are float64 and shifted by the first chunk's means, so the correlation does not lose digits to
    cancellation. The result does not depend on how the data is chunked (up to rounding).
    """

    def __init__(self, units: int, classes: int, *, probabilities: bool = True):
        self.units, self.classes = units, classes
        self.n = 0
        self.class_sum = np.zeros((classes, units))
        self.class_count = np.zeros(classes, np.int64)
        self._probabilities = probabilities
        self._shift: tuple[np.ndarray, np.ndarray] | None = None
        self._sx, self._sxx = np.zeros(units), np.zeros(units)
        self._sp, self._spp = np.zeros(classes), np.zeros(classes)
        self._sxp = np.zeros((units, classes))

    def update(self, means, probs, labels) -> None:
        x = np.asarray(_numpy(means), np.float64)
        y = np.asarray(_numpy(labels), np.int64)
        if x.ndim != 2 or x.shape[1] != self.units or len(y) != len(x):
            raise ValueError(f"expected means (n, {self.units}) and labels (n,); got {x.shape}")
        if len(y) and (y.min() < 0 or y.max() >= self.classes):
            raise ValueError(f"labels must lie in [0, {self.classes}); got {y.min()}..{y.max()}")
        if (x < 0).any():
            raise ValueError(
                "class selectivity needs non-negative activations; pass a post-ReLU layer"
            )
        np.add.at(self.class_sum, y, x)
        self.class_count += np.bincount(y, minlength=self.classes)
        self.n += len(x)
        if not self._probabilities:
            return
        p = np.asarray(_numpy(probs), np.float64)
        if p.shape != (len(x), self.classes):
            raise ValueError(f"expected probs ({len(x)}, {self.classes}); got {p.shape}")
        if self._shift is None:
            self._shift = (x.mean(0), p.mean(0))
        xc, pc = x - self._shift[0], p - self._shift[1]
        self._sx += xc.sum(0)
        self._sxx += (xc**2).sum(0)
        self._sp += pc.sum(0)
        self._spp += (pc**2).sum(0)
        self._sxp += xc.T @ pc

    def class_means(self) -> np.ndarray:
        """``μ_k`` for each unit: ``(U, K)``."""
        if (self.class_count == 0).any():
            empty = np.flatnonzero(self.class_count == 0).tolist()
            raise ValueError(f"classes {empty} have no images; selectivity needs every class")
        return (self.class_sum / self.class_count[:, None]).T

    def selectivity(self) -> np.ndarray:
        """``(μ_k − μ_¬k) / (μ_k + μ_¬k)``, ``(U, K)``; 0 for a unit silent on every image."""
        mu = self.class_means()
        others = (mu.sum(1, keepdims=True) - mu) / (self.classes - 1)
        total = mu + others
        return np.divide(mu - others, total, out=np.zeros_like(mu), where=total > 0)

    def correlation(self) -> np.ndarray:
        """Pearson correlation of unit means and class probabilities over images, ``(U, K)``."""
        if not self._probabilities:
            raise ValueError("these statistics were collected without class probabilities")
        if self.n < 2:
            raise ValueError("correlation needs at least two images")
        n = self.n
        mx, mp = self._sx / n, self._sp / n
        cov = self._sxp / n - np.outer(mx, mp)
        sx = np.sqrt(np.maximum(self._sxx / n - mx**2, 0))
        sp = np.sqrt(np.maximum(self._spp / n - mp**2, 0))
        scale = np.outer(sx, sp)
        corr = np.divide(cov, scale, out=np.zeros_like(cov), where=scale > 0)
        return np.clip(corr, -1.0, 1.0)


def _numpy(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x


@torch.no_grad()
def class_statistics(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    *,
    batch_size: int = 256,
    device=None,
    progress: bool = False,
) -> ClassStatistics:
    """Stream ``images`` (network inputs) through ``model``: spatial means of ``layer`` and the
    softmax of the output, accumulated into :class:`ClassStatistics`."""
    eng = engine.Engine(model, layer, device=device)
    stats: ClassStatistics | None = None
    starts = progress_bar(range(0, len(images), batch_size), progress, f"statistics {layer}")
    for s in starts:
        act = eng.activations(images[s : s + batch_size])
        probs = eng.split.suffix(act).softmax(-1)
        if stats is None:
            stats = ClassStatistics(act.shape[1], num_classes)
        stats.update(act.double().mean((2, 3)), probs, labels[s : s + batch_size])
    if stats is None:
        raise ValueError("no images")
    return stats


def progress_bar(iterable, enabled: bool, desc: str, total: int | None = None):
    """``iterable`` with a tqdm bar (batches, time left) when ``enabled``."""
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, unit="batch", total=total)  # total: the bar shows time left
