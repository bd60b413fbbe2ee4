"""The reference ablation path: a forward hook on the layer and one full forward per ablation.

This is how published ablation code works, and it is the ground truth for
:mod:`unitroles.engine`: every fast path of the engine is tested against :func:`reference_sweep`
on random models and inputs (``tests/test_engine.py``). It lives apart from the engine so that the
engine's cache keys (:func:`unitroles.sweeps.sweep_key`) do not move when it changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

from . import zoo
from .engine import AblationCounts, Ablations, check_labels

__all__ = ["ablated", "reference_sweep"]


@contextlib.contextmanager
def ablated(model: nn.Module, layer: str, ablation: Ablations | None) -> Iterator[nn.Module]:
    """Within the block, ``layer``'s output (post-ReLU) is ablated by the single ``ablation``.

    The hook is removed on exit, also when the body raises. ``None`` hooks with no edit.
    """
    if ablation is not None and len(ablation) != 1:
        raise ValueError(f"ablated() takes one ablation at a time, got {len(ablation)}")
    module = zoo.get_layer(model, layer)

    def hook(_module, _inputs, output):
        return output if ablation is None else ablation.apply(output)

    handle = module.register_forward_hook(hook)
    try:
        yield model
    finally:
        handle.remove()


@torch.no_grad()
def reference_sweep(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    ablations: Ablations,
    num_classes: int,
    *,
    batch_size: int = 256,
) -> AblationCounts:
    """Per (ablation, class) correct counts and loss sums, one full pass per ablation.

    ``images`` are network inputs ``(n, 3, H, W)``; ``labels`` ``(n,)``.
    """
    model.eval()
    check_labels(labels, num_classes)
    counts = AblationCounts.empty(len(ablations), num_classes, labels, ablations.names)
    for a in range(len(ablations)):
        with ablated(model, layer, ablations[a : a + 1]):
            for s in range(0, len(labels), batch_size):
                logits = model(images[s : s + batch_size])
                counts.add(slice(a, a + 1), logits[None], labels[s : s + batch_size])
    counts.baseline_from(model, images, labels, batch_size)
    return counts
