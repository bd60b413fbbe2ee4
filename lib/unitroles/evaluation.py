"""What a page ablates: a model and its evaluation images (:class:`Setup`).

A :class:`Setup` is built for the book and smoke profiles by :func:`unitroles.setups.model_setup`
(a recipe trained on the synthetic world, with the world's validation split) and for the paper
profile by :mod:`unitroles.paper` (a checkpoint, with a per-class subset of an ImageFolder
validation split); the measures (e.g. :mod:`unitroles.study`) take it.

A module of its own, low in the library (it imports only :mod:`unitroles.data`), so that both
builders and the measures that read it can import it without a circle: :mod:`unitroles.setups`
imports :mod:`unitroles.paper`, which builds Setups too.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .data import IMAGENET_MEAN, IMAGENET_STD

__all__ = ["Setup"]


@dataclass
class Setup:
    """A model and its evaluation set: ``images`` are network inputs ``(n, 3, H, W)``."""

    model: nn.Module
    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]
    description: str
    accuracy: float  # top-1 on ``images``, a fraction
    raw_images: torch.Tensor | None = None  # uint8 images for display (synthetic world only)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def display_images(self, index) -> torch.Tensor:
        """``uint8 (k, 3, H, W)`` images to show: the rendered pixels when the world made them,
        else the network inputs with the ImageNet normalisation undone."""
        if self.raw_images is not None:
            return self.raw_images[index]
        x = self.images[index].float()
        x = (
            x * torch.tensor(IMAGENET_STD)[:, None, None]
            + torch.tensor(IMAGENET_MEAN)[:, None, None]
        )
        return x.clamp(0, 1).mul(255).round().to(torch.uint8)
