"""How a recipe becomes weights: the model's initialisation and the deterministic training loop.

This module, :mod:`unitroles.scenes` (the world's images) and :mod:`unitroles.zoo` (the
architectures) are all the code that determines a trained model's weights, so their code version
is part of every model's cache key and of the published models' manifest
(:func:`unitroles.train.code_key`). Loading, caching, publishing and reporting live elsewhere
(:mod:`unitroles.train`, :mod:`unitroles.published`): a change there keeps every model's key.
"""

from __future__ import annotations

import contextlib
import hashlib
import math

import torch
import torch.nn.functional as F
from torch import nn

from . import zoo
from .recipes import Recipe
from .scenes import normalize


def build(rec: Recipe, num_classes: int) -> nn.Module:
    """The untrained model for ``rec`` (seeded by ``rec.seed``)."""
    torch.manual_seed(rec.seed)
    return zoo.build_model(
        rec.arch,
        num_classes,
        batchnorm=rec.batchnorm,
        channel_dropout=dict(rec.channel_dropout) or None,
        classifier_dropout=rec.classifier_dropout,
        conv5_units=rec.conv5_units,
    )


def fit(
    model: nn.Module, rec: Recipe, images: torch.Tensor, labels: torch.Tensor, *, progress: bool
) -> list[float]:
    """SGD (Nesterov momentum 0.9), warm-up then cosine learning rate; mean loss per epoch.

    With ``rec.stop_train_acc`` set, training stops at the end of the first epoch whose clean
    (un-augmented, eval-mode) training accuracy reaches it; the schedule is still laid out over
    ``rec.epochs``, so the rule decides when to stop, not how fast to learn.
    """
    gen = torch.Generator().manual_seed(rec.seed)
    steps_per_epoch = math.ceil(len(labels) / rec.batch_size)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=rec.lr, momentum=0.9, nesterov=True, weight_decay=rec.weight_decay
    )
    total_steps = rec.epochs * steps_per_epoch
    warmup = max(1, total_steps // 5)

    def lr_factor(step: int) -> float:  # linear warm-up over 20% of the steps, then cosine to 0
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total_steps - warmup)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=rec.epochs, desc=f"train {rec.name} (seed {rec.seed})", unit="epoch")
    history = []
    model.train()
    with _flush_denormals():
        for _ in range(rec.epochs):
            order = torch.randperm(len(labels), generator=gen)
            total, count = 0.0, 0
            for start in range(0, len(labels), rec.batch_size):
                idx = order[start : start + rec.batch_size]
                x = normalize(images[idx])
                if rec.augment:
                    x = _augment(x, gen)
                loss = F.cross_entropy(model(x), labels[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
                total += loss.item() * len(idx)
                count += len(idx)
            history.append(round(total / count, 5))
            if bar is not None:
                bar.set_postfix(loss=f"{history[-1]:.3f}")
                bar.update()
            if (
                rec.stop_train_acc is not None
                and accuracy(model, images, labels) >= rec.stop_train_acc
            ):
                break  # the stopping rule: clean training accuracy has reached the target
            model.train()
    if bar is not None:
        bar.close()
    model.eval()
    return history


TRAIN_THREADS = 1
"""Torch threads used to train every model (see :func:`unitroles.train.train`)."""


@contextlib.contextmanager
def threads(n: int):
    """Run the body on ``n`` torch intra-op threads, then restore the caller's setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def weights_digest(model: nn.Module) -> str:
    """SHA-256 (first 16 hex digits) of the state dict: each tensor's name, dtype, shape and bytes.

    Two models have the same digest exactly when their weights and buffers are bit-identical.
    """
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{t.dtype}:{tuple(t.shape)}:".encode())
        digest.update(t.numpy().tobytes())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _flush_denormals():
    """Memorising recipes drive gradients into denormal floats, which are very slow on CPUs."""
    flushed = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if flushed:
            torch.set_flush_denormal(False)


def _augment(x: torch.Tensor, gen: torch.Generator, shift: int = 4) -> torch.Tensor:
    """Random horizontal flip and random translation by up to ``shift`` px (edge padding)."""
    n, _, h, w = x.shape
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = F.pad(x, (shift, shift, shift, shift), mode="replicate")
    dy = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None].expand(n, x.shape[1], h, w + 2 * shift)
    padded = padded.gather(2, rows)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :].expand(n, x.shape[1], h, w)
    return padded.gather(3, cols)


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Predicted classes ``(images,)`` for ``uint8 (images, 3, H, W)`` scene images."""
    model.eval()
    return torch.cat(
        [
            model(normalize(images[s : s + batch_size])).argmax(1)
            for s in range(0, len(images), batch_size)
        ]
    )


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Top-1 accuracy (fraction in [0, 1])."""
    return round(float((predict(model, images) == labels).float().mean()), 5)
