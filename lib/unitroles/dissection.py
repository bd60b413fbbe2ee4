"""Network dissection (Bau et al. 2017): each unit's IoU with every concept of a Broden-format
dataset, its threshold, and its top images.

**Concept IoU**: the threshold ``T_u`` is the ``k``-th largest of all ``N·h·w`` activation values
of unit ``u`` over the dissection set, ``k = ⌈0.005·N·h·w⌉`` (the top 0.5 %), found exactly by a
streaming top-``k``; the map is upsampled bilinearly (``align_corners=False``) to the mask size and
thresholded, ``M_u = up(a_u) > T_u``. For concept ``c`` with mask ``L_c``: ``IoU(u, c) = Σ|M_u ∧
L_c| / Σ|M_u ∨ L_c|``, sums over the images of the dataset where ``c``'s category is labelled
(NetDissect's rule, :func:`labelled`: an image-level label of the category, or a mask of it with a
labelled pixel; on real Broden each image is labelled for some categories only). Image-level labels
(scenes) count the whole image as the mask. A unit is **interpretable** when its best IoU exceeds
0.04. :func:`dissect`.

Public implementations estimate this quantile: the original NetDissect from a sample of the
activations, some NetDissect-Lite revisions as NumPy's interpolated 99.5th percentile; the later
``netdissect`` takes the top 1 %. We take the order statistic itself (within one gap between
adjacent activation values of the interpolated percentile), so the threshold is exact and
streaming costs ``k·U`` floats. The book's Methods page compares the conventions.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from . import cost, engine, zoo
from .attributes import progress_bar
from .broden import BrodenDataset

TOP_QUANTILE = 0.005  # dissection keeps the top 0.5 % of activation values
INTERPRETABLE_IOU = 0.04
KEEP_BYTES = 1 << 30  # dissection keeps a layer's activations between its passes up to this size

# --------------------------------------------------------------------------------------------------
# Thresholds: the exact top-0.5 % value of each unit, streaming


class TopValues:
    """The ``k`` largest values seen so far of each of ``units`` streams (exact).

    ``update`` takes activations ``(b, U, ...)``; :attr:`threshold` is the ``k``-th largest value
    of each unit, ``(U,)``. Memory is ``U·k`` floats whatever the dataset size.
    """

    def __init__(self, units: int, k: int, device=None):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.k = k
        self.values = torch.full((units, 0), -math.inf, device=device)

    @staticmethod
    def count(total_values: int, quantile: float = TOP_QUANTILE) -> int:
        """``k = ⌈quantile · total⌉`` (at least 1)."""
        return max(1, math.ceil(quantile * total_values - 1e-9))

    def update(self, act: torch.Tensor) -> None:
        flat = act.detach().float().transpose(0, 1).reshape(act.shape[1], -1)
        merged = torch.cat([self.values, flat.to(self.values.device)], 1)
        self.values = merged.topk(min(self.k, merged.shape[1]), dim=1).values

    @property
    def threshold(self) -> torch.Tensor:
        if self.values.shape[1] < self.k:
            raise ValueError(f"saw {self.values.shape[1]} values per unit, fewer than k={self.k}")
        return self.values[:, -1]


def top_quantile_thresholds(act: torch.Tensor, quantile: float = TOP_QUANTILE) -> torch.Tensor:
    """All at once: the ``k``-th largest value of each unit over ``act (n, U, h, w)``."""
    flat = act.transpose(0, 1).reshape(act.shape[1], -1)
    k = TopValues.count(flat.shape[1], quantile)
    return flat.sort(1, descending=True).values[:, k - 1]


def active_regions(act: torch.Tensor, thresholds: torch.Tensor, size) -> torch.Tensor:
    """``up(a_u) > T_u``: bool ``(n, U, H, W)`` at mask ``size`` (bilinear, no corner align)."""
    up = F.interpolate(act.float(), size=tuple(size), mode="bilinear", align_corners=False)
    return up > thresholds.to(up).view(1, -1, 1, 1)


# --------------------------------------------------------------------------------------------------
# Network dissection


@dataclass
class Dissection:
    """Concept IoU of every unit of a layer with every concept of a Broden-format dataset."""

    iou: np.ndarray  # (U, C)
    concepts: tuple[str, ...]  # C concept names
    categories: tuple[str, ...]  # each concept's category (object, texture, color, scene, ...)
    thresholds: np.ndarray  # (U,) the top-0.5 % activation value of each unit

    def best(self, categories: Sequence[str] | None = None) -> pd.DataFrame:
        """Each unit's best concept (optionally within ``categories``): concept, category, IoU,
        interpretable (IoU > 0.04)."""
        cols = np.arange(len(self.concepts))
        if categories is not None:
            cols = cols[np.isin(np.array(self.categories), list(categories))]
        if not len(cols):
            raise ValueError(f"no concepts in categories {list(categories or ())}")
        sub = self.iou[:, cols]
        j = cols[sub.argmax(1)]
        best = sub.max(1)
        return pd.DataFrame(
            {
                "concept": [self.concepts[c] for c in j],
                "category": [self.categories[c] for c in j],
                "iou": best,
                "interpretable": best > INTERPRETABLE_IOU,
            },
            index=pd.RangeIndex(len(best), name="unit"),
        )

    def frame(self) -> pd.DataFrame:
        """The full ``U × C`` IoU table, columns named by concept."""
        return pd.DataFrame(self.iou, columns=list(self.concepts)).rename_axis("unit")


def broden_concepts(dataset: BrodenDataset, categories: Sequence[str] | None = None):
    """``(numbers, names, categories)`` of the concepts dissection scores, in label order."""
    cats = [c for c in dataset.categories if categories is None or c in categories]
    rows = [lab for c in cats for lab in dataset.category_labels(c)]
    rows.sort(key=lambda lab: lab.number)
    return (
        np.array([lab.number for lab in rows], np.int64),
        tuple(lab.name for lab in rows),
        tuple(lab.category for lab in rows),
    )


def _batches(dataset, batch_size: int, read: Callable[[int], object]):
    for s in range(0, len(dataset), batch_size):
        yield [read(i) for i in range(s, min(s + batch_size, len(dataset)))]


@torch.no_grad()
def dissect(
    model: nn.Module,
    layer: str,
    dataset: BrodenDataset,
    transform: Callable[[torch.Tensor], torch.Tensor],
    *,
    categories: Sequence[str] | None = None,
    quantile: float = TOP_QUANTILE,
    batch_size: int = 64,
    device=None,
    progress: bool = False,
) -> Dissection:
    """Network dissection of ``layer`` on a Broden-format ``dataset`` (see the module docstring).

    ``transform`` maps a ``uint8 (b, 3, H, W)`` image batch to network input. Two streaming
    passes: thresholds (exact top ``quantile`` per unit), then intersections and unions. The
    intersection of all units with all concepts is the product ``M · L`` of the ``U × pixels``
    active-region matrix and the ``pixels × C`` label indicator, done with ``index_add`` over the
    pixels' label numbers so that ``L`` is never materialised (Broden has ~1,200 concepts).
    """
    if len(dataset) == 0:
        raise ValueError("the dissection dataset is empty")
    eng = engine.Engine(model, layer, device=device)
    dev = eng.device
    n_batches = -(-len(dataset) // batch_size)
    said = not progress  # a full-size run (the paper profile) says its plan once, before pass 1

    def activations(items):
        nonlocal said
        images = torch.stack([it["image"] if isinstance(it, dict) else it for it in items])
        if not said:
            said = True
            if cost.is_full_size(images):
                print(
                    f"planned: dissect {layer} on {len(dataset):,} Broden images ({n_batches:,} "
                    f"batches of {batch_size}) on {dev}, in two passes: each unit's threshold, "
                    "then its IoU with every concept; the bars show the time left",
                    flush=True,
                )
        return eng.activations(transform(images.to(dev)))

    # Pass 1: thresholds. Activations are kept for pass 2 when they fit in KEEP_BYTES.
    top, kept = None, []
    for items in progress_bar(
        _batches(dataset, batch_size, dataset.image), progress, f"thresholds {layer}", n_batches
    ):
        act = activations(items)
        if top is None:
            total = len(dataset) * act.shape[2] * act.shape[3]
            top = TopValues(act.shape[1], TopValues.count(total, quantile), device=dev)
            keep = len(dataset) * act[0].numel() * act.element_size() <= KEEP_BYTES
        top.update(act)
        if keep:
            kept.append(act)
    thresholds = top.threshold

    # Pass 2: intersections and unions.
    tally = _Tally(dataset, categories, len(thresholds), dev)
    batches = _batches(dataset, batch_size, dataset.__getitem__)
    for b, items in enumerate(progress_bar(batches, progress, "IoU", n_batches)):
        act = kept[b] if kept else activations(items)
        sizes = [_mask_size(it) for it in items]
        for size in dict.fromkeys(sizes):
            js = [j for j, s in enumerate(sizes) if s == size]
            region = active_regions(act[js], thresholds, size).float()
            tally.add(region.transpose(0, 1).flatten(2).contiguous(), [items[j] for j in js])
    return Dissection(tally.iou(), tally.names, tally.cats, thresholds.cpu().numpy())


def labelled(item: dict, category: str) -> bool:
    """Whether a Broden item (:class:`unitroles.broden.BrodenDataset`) labels ``category``: it has
    an image-level label of it, or a mask of it with at least one labelled (non-zero) pixel.
    NetDissect's rule: only such images add a unit's active area to the category's unions. A mask
    that ``index.csv`` lists but that labels no pixel does not count."""
    if item["labels"].get(category):
        return True
    return any(bool(m.any()) for m in item["masks"].get(category, ()))


class _Tally:
    """Intersections, label areas and per-category active areas, accumulated in float64."""

    def __init__(self, dataset: BrodenDataset, categories, units: int, device):
        numbers, self.names, self.cats = broden_concepts(dataset, categories)
        if not len(numbers):
            raise ValueError("the dataset has no concepts in the requested categories")
        self.junk = len(numbers)  # column for unlabeled pixels and unscored labels
        column = torch.full((max(max(dataset.labels, default=0), int(numbers.max())) + 1,), -1)
        column[torch.from_numpy(numbers)] = torch.arange(len(numbers))
        self.column = column.to(device)
        self.cat_names = sorted(set(self.cats))
        self.concept_cat = torch.tensor([self.cat_names.index(c) for c in self.cats], device=device)
        kw = {"dtype": torch.float64, "device": device}
        self.inter = torch.zeros(units, self.junk + 1, **kw)
        self.label_area = torch.zeros(self.junk + 1, **kw)
        self.cat_act_area = torch.zeros(units, len(self.cat_names), **kw)

    def columns(self, numbers: torch.Tensor) -> torch.Tensor:
        if len(numbers) and (int(numbers.min()) < 0 or int(numbers.max()) >= len(self.column)):
            raise ValueError(
                f"a mask holds label {int(numbers.max())}, which label.csv does not list; the "
                "mask PNGs and label.csv of this Broden folder disagree"
            )
        cols = self.column[numbers.to(self.column.device)]
        return torch.where(cols < 0, torch.full_like(cols, self.junk), cols)

    def add(self, region: torch.Tensor, items: list[dict]) -> None:
        """``region``: 0/1 float ``(U, b, P)``, the active pixels of ``items`` (one mask size).

        Per batch the counts are exact in float32 (at most ``b·P`` pixels), then summed in
        float64.
        """
        units, b, pixels = region.shape
        area = region.sum(2)  # (U, b)
        inter = torch.zeros(units, self.junk + 1, device=region.device)
        label_area = torch.zeros(self.junk + 1, device=region.device)
        for ci, cat in enumerate(self.cat_names):
            annotated = [j for j, it in enumerate(items) if labelled(it, cat)]
            if not annotated:
                continue
            self.cat_act_area[:, ci] += area[:, annotated].sum(1).double()
            js = [j for j in annotated for _ in items[j]["masks"].get(cat, ())]
            if js:  # pixel masks: add each pixel's column of ``region`` to its concept's column
                maps = [m.flatten() for j in annotated for m in items[j]["masks"][cat]]
                cols = self.columns(torch.cat(maps))
                src = region if js == list(range(b)) else region[:, js]
                inter.index_add_(1, cols, src.reshape(units, -1))
                label_area.index_add_(0, cols, torch.ones_like(cols, dtype=label_area.dtype))
            js = [j for j in annotated for _ in items[j]["labels"].get(cat, ())]
            if js:  # image-level labels: the whole image is the concept's mask
                numbers = [n for j in annotated for n in items[j]["labels"][cat]]
                cols = self.columns(torch.tensor(numbers))
                inter.index_add_(1, cols, area[:, js])
                label_area.index_add_(0, cols, torch.full_like(cols, pixels, dtype=torch.float32))
        self.inter += inter.double()
        self.label_area += label_area.double()

    def iou(self) -> np.ndarray:
        inter, label_area = self.inter[:, : self.junk], self.label_area[: self.junk]
        union = self.cat_act_area[:, self.concept_cat] + label_area[None] - inter
        iou = torch.where(union > 0, inter / union.clamp_min(1e-12), torch.zeros_like(inter))
        return iou.cpu().numpy()


def _mask_size(item: dict) -> tuple[int, int]:
    for maps in item["masks"].values():
        if maps:
            return tuple(maps[0].shape)
    return tuple(item["image"].shape[1:])


FINGERPRINT = "unitroles-fingerprint.txt"  # in a generated Broden folder: what generated it


def dataset_fingerprint(dataset: BrodenDataset) -> str:
    """A hash of a Broden folder's index and label tables (its images are named there), and of
    the export stamp a generated folder carries (``FINGERPRINT``: the world and its code), so a
    re-drawn world with the same tables is a different dataset."""
    digest = hashlib.sha256()
    for name in ("index.csv", "label.csv", "category.csv", FINGERPRINT):
        if name == FINGERPRINT and not (dataset.root / name).is_file():
            continue
        digest.update((dataset.root / name).read_bytes())
    digest.update(repr(dataset.categories).encode())
    return digest.hexdigest()[:16]


def cached_dissection(
    model: nn.Module,
    layer: str,
    dataset: BrodenDataset,
    transform: Callable[[torch.Tensor], torch.Tensor],
    *,
    store=None,
    **kwargs,
) -> Dissection:
    """:func:`dissect`, cached by the model's weights, the layer, the dataset, the transform's
    name, the options and the code of this module."""
    from . import dissection as this
    from . import sweeps
    from .store import Store, code_version

    key_parts = (
        sweeps.model_fingerprint(model), zoo.resolve_layer(model, layer),
        dataset_fingerprint(dataset), f"{transform.__module__}.{transform.__qualname__}",
        sorted((k, v) for k, v in kwargs.items() if k not in ("progress", "device")),
        code_version(this, engine),
    )  # fmt: skip

    def compute():
        d = dissect(model, layer, dataset, transform, **kwargs)
        return {
            "iou": d.iou, "thresholds": d.thresholds,
            "concepts": np.array(d.concepts), "categories": np.array(d.categories),
        }  # fmt: skip

    name = f"dissect-{zoo.resolve_layer(model, layer)}"
    arrays = sweeps.cached_arrays(store or Store(), "dissection", name, key_parts, compute)
    return Dissection(
        arrays["iou"], tuple(arrays["concepts"].tolist()), tuple(arrays["categories"].tolist()),
        arrays["thresholds"],
    )  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Unit visualization: top images with the region above threshold


@dataclass
class TopImages:
    """A unit's top images: dataset indices, their peak activation and the active regions."""

    unit: int
    indices: np.ndarray  # (k,) into the images given, by decreasing peak activation
    peaks: np.ndarray  # (k,) max over positions of the unit's map
    regions: torch.Tensor  # bool (k, H, W): up(a_u) > T_u at image size
    threshold: float


@torch.no_grad()
def top_images(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    units: Sequence[int],
    *,
    k: int = 6,
    thresholds: torch.Tensor | np.ndarray | None = None,
    batch_size: int = 256,
    device=None,
) -> dict[int, TopImages]:
    """The ``k`` images of ``images`` (network inputs) on which each unit peaks highest.

    Regions are thresholded at ``thresholds`` (e.g. :attr:`Dissection.thresholds`), or at the
    top-0.5 % value over ``images`` when not given; upsampled to the image size.
    """
    eng = engine.Engine(model, layer, device=device)
    units = [int(u) for u in units]
    peaks, top = [], None
    for s in range(0, len(images), batch_size):
        act = eng.activations(images[s : s + batch_size])
        peaks.append(act[:, units].flatten(2).amax(2).cpu())
        if thresholds is None:
            if top is None:
                total = len(images) * act.shape[2] * act.shape[3]
                top = TopValues(act.shape[1], TopValues.count(total), device=eng.device)
            top.update(act)
    thr = top.threshold.cpu() if thresholds is None else torch.as_tensor(thresholds).float()
    peak = torch.cat(peaks)  # (n, len(units))
    order = peak.argsort(dim=0, descending=True, stable=True)[: min(k, len(images))]
    out = {}
    for j, u in enumerate(units):
        idx = order[:, j]
        act = eng.activations(images[idx])[:, u : u + 1].cpu()
        regions = active_regions(act, thr[u : u + 1], images.shape[-2:])[:, 0]
        out[u] = TopImages(u, idx.numpy(), peak[idx, j].numpy(), regions, float(thr[u]))
    return out
