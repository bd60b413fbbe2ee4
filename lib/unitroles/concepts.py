"""The synthetic world's concepts and how they are drawn: the vocabulary, the object shapes, and
the rasteriser that turns one image's sampled parameters into pixels and per-pixel masks.

Three Broden-like categories: *objects* are parametric shapes (bed, lamp, window, wheel, ...),
*textures* are background patterns (stripes, checker, dots, ...), *colors* are named palette
entries. Every pixel carries one label per category (0 = none). :mod:`unitroles.scenes` composes
them into scene classes and images; this module knows nothing of scenes.

Masks are ``uint8`` tensors of shape ``(images, size, size)`` holding 1-based concept indices into
:data:`OBJECTS`, :data:`TEXTURES` and :data:`COLORS` (0 = no concept of that category at the pixel).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

# --------------------------------------------------------------------------------------------------
# Concepts

COLORS: dict[str, tuple[float, float, float]] = {
    "red": (0.80, 0.12, 0.10),
    "orange": (0.95, 0.55, 0.10),
    "yellow": (0.95, 0.85, 0.20),
    "green": (0.20, 0.58, 0.20),
    "blue": (0.15, 0.30, 0.80),
    "sky": (0.55, 0.75, 0.95),
    "purple": (0.50, 0.20, 0.60),
    "pink": (0.95, 0.60, 0.70),
    "brown": (0.50, 0.30, 0.15),
    "white": (0.95, 0.95, 0.95),
    "gray": (0.50, 0.50, 0.50),
    "black": (0.10, 0.10, 0.10),
}
COLOR_NAMES: tuple[str, ...] = tuple(COLORS)
TEXTURES: tuple[str, ...] = ("plain", "stripes", "checker", "dots", "grain", "grid")
OBJECTS: tuple[str, ...] = (
    "bed", "lamp", "window", "wheel", "door", "tree",
    "wave", "sun", "table", "bottle", "sign", "fence",
)  # fmt: skip
CATEGORIES: tuple[str, ...] = ("object", "texture", "color")

# Normalisation applied by :func:`normalize` (images in [0, 1] -> roughly zero mean, unit scale).
MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)


# --------------------------------------------------------------------------------------------------
# Object shapes. Each takes object-centred coordinates (u, v) in units of the object's half-height
# (u to the right, v downwards) and returns (part1, part2) boolean masks; part1 is drawn in the
# object's first colour, part2 in its second.

Shape = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def _box(u, v, u0, u1, v0, v1):
    return (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)


def _bed(u, v):
    frame = _box(u, v, -1.1, 1.1, 0.0, 0.45) | _box(u, v, 0.9, 1.1, -0.15, 0.8)
    frame |= _box(u, v, -1.1, -0.95, 0.45, 0.8)
    head = _box(u, v, -1.1, -0.8, -0.7, 0.0)
    pillow = _box(u, v, -0.75, -0.3, -0.2, 0.0)
    return frame, head | pillow


def _lamp(u, v):
    shade = (v >= -1.0) & (v <= -0.2) & (u.abs() <= 0.25 + 0.45 * (v + 1.0))
    stem = _box(u, v, -0.07, 0.07, -0.2, 0.85) | _box(u, v, -0.4, 0.4, 0.85, 1.0)
    return shade, stem


def _window(u, v):
    inside = _box(u, v, -0.8, 0.8, -0.9, 0.9)
    bars = (u.abs() <= 0.07) | (v.abs() <= 0.07) | (u.abs() >= 0.68) | (v.abs() >= 0.78)
    return inside & ~bars, inside & bars


def _wheel(u, v):
    r = torch.sqrt(u * u + v * v)
    tyre = (r >= 0.6) & (r <= 1.0)
    spokes = (r < 0.6) & ((u.abs() <= 0.08) | (v.abs() <= 0.08) | (r <= 0.22))
    return tyre, spokes


def _door(u, v):
    panel = _box(u, v, -0.5, 0.5, -1.0, 1.0)
    knob = ((u - 0.3) ** 2 + v**2) <= 0.1**2
    return panel & ~knob, knob


def _tree(u, v):
    crown = (u**2 + (v + 0.3) ** 2) <= 0.7**2
    trunk = _box(u, v, -0.15, 0.15, 0.2, 1.0) & ~crown
    return crown, trunk


def _wave(u, v):
    centre = 0.3 * torch.sin(u * math.pi * 1.5)
    body = ((v - centre).abs() <= 0.3) & (u.abs() <= 1.6)
    crest = body & (v - centre <= -0.15)
    return body & ~crest, crest


def _sun(u, v):
    r = torch.sqrt(u * u + v * v)
    angle = torch.atan2(v, u)
    rays = (r >= 0.65) & (r <= 1.0) & (torch.remainder(angle, math.pi / 4) <= 0.22)
    return (r <= 0.5) | rays, torch.zeros_like(rays)


def _table(u, v):
    top = _box(u, v, -1.2, 1.2, -0.35, -0.1)
    legs = _box(u, v, -1.05, -0.85, -0.1, 0.8) | _box(u, v, 0.85, 1.05, -0.1, 0.8)
    return top | legs, torch.zeros_like(top)


def _bottle(u, v):
    body = _box(u, v, -0.28, 0.28, -0.25, 1.0) | _box(u, v, -0.1, 0.1, -0.9, -0.25)
    label = _box(u, v, -0.28, 0.28, 0.2, 0.55)
    return body & ~label, label


def _sign(u, v):
    plate = (u.abs() + (v + 0.45).abs()) <= 0.55
    pole = _box(u, v, -0.06, 0.06, 0.1, 1.0) & ~plate
    return plate, pole


def _fence(u, v):
    pickets = (torch.remainder((u + 1.6) * 2.5, 1.0) <= 0.35) & _box(u, v, -1.6, 1.6, -0.7, 1.0)
    rails = _box(u, v, -1.6, 1.6, -0.3, -0.15) | _box(u, v, -1.6, 1.6, 0.45, 0.6)
    return pickets | rails, torch.zeros_like(pickets)


SHAPES: dict[str, Shape] = {
    "bed": _bed, "lamp": _lamp, "window": _window, "wheel": _wheel, "door": _door,
    "tree": _tree, "wave": _wave, "sun": _sun, "table": _table, "bottle": _bottle,
    "sign": _sign, "fence": _fence,
}  # fmt: skip
assert tuple(SHAPES) == OBJECTS


@dataclass(frozen=True)
class ObjectLayout:
    """Where an object sits by default: centre height range, half-height range (image units)."""

    y: tuple[float, float]
    size: tuple[float, float]
    colors: tuple[str, str]  # default (part1, part2) colour choices are drawn around these


LAYOUT: dict[str, ObjectLayout] = {
    "bed": ObjectLayout((0.68, 0.80), (0.14, 0.21), ("red", "white")),
    "lamp": ObjectLayout((0.45, 0.62), (0.16, 0.22), ("yellow", "black")),
    "window": ObjectLayout((0.25, 0.40), (0.13, 0.20), ("sky", "white")),
    "wheel": ObjectLayout((0.70, 0.84), (0.10, 0.16), ("black", "gray")),
    "door": ObjectLayout((0.50, 0.62), (0.23, 0.31), ("brown", "yellow")),
    "tree": ObjectLayout((0.45, 0.65), (0.18, 0.29), ("green", "brown")),
    "wave": ObjectLayout((0.66, 0.82), (0.12, 0.17), ("blue", "white")),
    "sun": ObjectLayout((0.12, 0.28), (0.10, 0.16), ("yellow", "yellow")),
    "table": ObjectLayout((0.68, 0.78), (0.13, 0.18), ("brown", "brown")),
    "bottle": ObjectLayout((0.52, 0.70), (0.12, 0.17), ("green", "white")),
    "sign": ObjectLayout((0.50, 0.62), (0.18, 0.23), ("red", "gray")),
    "fence": ObjectLayout((0.66, 0.78), (0.12, 0.17), ("white", "white")),
}

# Colour alternatives: an object drawn with base colour c may instead take one of these.
COLOR_VARIANTS: dict[str, tuple[str, ...]] = {
    "red": ("red", "orange", "pink", "purple"),
    "white": ("white", "gray", "pink", "yellow"),
    "yellow": ("yellow", "orange", "white"),
    "black": ("black", "gray", "brown"),
    "sky": ("sky", "blue", "white"),
    "gray": ("gray", "white", "black"),
    "brown": ("brown", "black", "orange", "gray"),
    "green": ("green", "brown", "blue"),
    "blue": ("blue", "sky"),
    "orange": ("orange",),
    "purple": ("purple",),
    "pink": ("pink",),
}


# --------------------------------------------------------------------------------------------------
# Rendering (vectorised over the batch)


def pattern(name: str, freq, orient, phase, yy, xx) -> torch.Tensor:
    """Texture ``name`` as a (n, S, S) bool pattern, for per-image parameters of shape (n,)."""
    f, ph, o = freq[:, None, None], phase[:, None, None], orient[:, None, None]
    coord = torch.where(o == 0, yy, torch.where(o == 1, xx, (xx + yy) / math.sqrt(2)))
    if name == "plain":
        return torch.zeros(coord.shape, dtype=torch.bool)
    if name == "stripes":
        return torch.remainder(coord * f + ph, 1.0) < 0.5
    if name == "checker":
        return (torch.floor(xx * f + ph) + torch.floor(yy * f + ph)).remainder(2) == 1
    if name == "dots":
        dx = torch.remainder(xx * f * 1.5 + ph, 1.0) - 0.5
        dy = torch.remainder(yy * f * 1.5 + ph, 1.0) - 0.5
        return dx * dx + dy * dy < 0.09
    if name == "grain":
        wobble = 0.35 * torch.sin(2 * math.pi * (xx + yy) * 2.0 + ph * 6)
        return torch.remainder(coord * f * 1.5 + wobble, 1.0) < 0.3
    if name == "grid":
        return (torch.remainder(xx * f + ph, 1.0) < 0.15) | (
            torch.remainder(yy * f + ph, 1.0) < 0.15
        )
    raise ValueError(f"unknown texture {name!r}")


def render(params: list[dict], size: int, noise: float):
    """Rasterise sampled parameters: uint8 images (n, 3, S, S) and uint8 masks (n, S, S)."""
    n = len(params)
    centres = (torch.arange(size, dtype=torch.float32) + 0.5) / size
    yy, xx = torch.meshgrid(centres, centres, indexing="ij")  # (S, S), image units

    color = torch.zeros(n, size, size, dtype=torch.uint8)  # 0-based index into COLORS
    texture = torch.zeros(n, size, size, dtype=torch.uint8)  # 1-based, 0 = none
    obj = torch.zeros(n, size, size, dtype=torch.uint8)  # 1-based, 0 = none
    horizon = torch.tensor([p["horizon"] for p in params], dtype=torch.float32)
    upper = yy < horizon[:, None, None]
    for key, region in (("upper", upper), ("lower", ~upper)):
        table = np.array([p[key] for p in params], dtype=np.float64)  # (n, 6)
        kinds = table[:, 0].astype(np.int64)
        for t in np.unique(kinds):
            idx = torch.from_numpy(np.flatnonzero(kinds == t))
            c1, c2, freq, orient, phase = (
                torch.from_numpy(table[idx.numpy(), j]) for j in range(1, 6)
            )
            pat = pattern(TEXTURES[t], freq.float(), orient.long(), phase.float(), yy, xx)
            painted = torch.where(
                pat, c2.to(torch.uint8)[:, None, None], c1.to(torch.uint8)[:, None, None]
            )
            color[idx] = torch.where(region[idx], painted, color[idx])
            texture[idx] = texture[idx].masked_fill(region[idx], int(t) + 1)

    # Objects, painted back to front slot by slot; one vectorised call per (slot, object type).
    slots = max((len(p["objects"]) for p in params), default=0)
    for k in range(slots):
        rows = [(i, *p["objects"][k]) for i, p in enumerate(params) if len(p["objects"]) > k]
        table = np.array(rows, dtype=np.float64)  # (m, 8): image, kind, cx, cy, s, c1, c2, mirror
        for t in np.unique(table[:, 1]).astype(np.int64):
            sel = table[table[:, 1] == t]
            idx = torch.from_numpy(sel[:, 0].astype(np.int64))
            cx, cy, s, c1, c2, mirror = (
                torch.from_numpy(sel[:, j]).float()[:, None, None] for j in range(2, 8)
            )
            u = (xx - cx) / s * mirror
            v = (yy - cy) / s
            part1, part2 = SHAPES[OBJECTS[t]](u, v)
            inside = part1 | part2
            painted = torch.where(part2, c2.to(torch.uint8), c1.to(torch.uint8))
            color[idx] = torch.where(inside, painted, color[idx])
            obj[idx] = obj[idx].masked_fill(inside, int(t) + 1)
            texture[idx] = texture[idx].masked_fill(inside, 0)

    palette = torch.tensor(list(COLORS.values()), dtype=torch.float32)  # (colors, 3)
    image = palette[color.long()].permute(0, 3, 1, 2)  # (n, 3, S, S)
    gain = torch.from_numpy(np.stack([p["gain"] for p in params])).float()
    image = image * gain[:, :, None, None]
    image += noise * torch.from_numpy(np.stack([p["noise"] for p in params]))
    image = image.clamp_(0, 1).mul_(255).round_().to(torch.uint8)
    masks = {"object": obj, "texture": texture, "color": color + 1}
    return image, masks


def normalize(images: torch.Tensor) -> torch.Tensor:
    """``uint8 (n, 3, H, W)`` images -> float32 network input with :data:`MEAN` / :data:`STD`."""
    x = images.float().div_(255)
    mean = torch.tensor(MEAN, device=x.device)[:, None, None]
    std = torch.tensor(STD, device=x.device)[:, None, None]
    return (x - mean) / std
