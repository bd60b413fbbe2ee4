"""How much the dissection line decides (the book's claim W3; Bau et al. 2017).

Network dissection calls a unit interpretable when its best concept IoU exceeds 0.04, with each
unit's region the top 0.5% of its activation values (:mod:`unitroles.dissection`). Every count of
interpretable units in the book (Zhou Fig. 9, claim Z10) rests on those two numbers and on
whether scene labels, which on the synthetic world are the classes, count as concepts. Here the
IoU line and the activation quantile vary over a grid (:data:`IOU_LINES`, :data:`QUANTILES`),
with and without scene labels, for several recipes and for random rotations of the layer's
channel space (Bau et al. 2017, sec. 3.2: a rotated basis is as expressive as the units, so more
interpretable units than rotated directions means the units are aligned with concepts).

A rotated basis is dissected as a model of its own (:func:`rotated`): the layer's post-ReLU
output ``a (n, U, h, w)`` mapped to ``Q a`` at every position, with ``Q`` the seeded random
orthogonal matrix of Zhou Fig. 7 (:func:`unitroles.engine.random_rotation`); each row of ``Q`` is
one direction. Every dissection is :func:`unitroles.dissection.cached_dissection` (cached by the
model's weights, the rotation, the data and the quantile); the IoU line and the scene labels
only re-read its table (:func:`best_at`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from matplotlib.patches import Rectangle
from torch import nn

from . import dissection, engine, evidence, interpretable_counts, plots, sweeps, verdicts
from .broden import BrodenDataset
from .dissection import INTERPRETABLE_IOU, TOP_QUANTILE, Dissection
from .report import Judged

QUANTILES = (0.0025, 0.005, 0.01, 0.025)  # the top share of activation values kept
IOU_LINES = (0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10)
BOOK = {"quantile": TOP_QUANTILE, "iou": INTERPRETABLE_IOU, "scenes": False}  # the book's line

# The claim's checks (W3), written from Bau et al. 2017 and Zhou et al. 2018 before the run that
# shows their outcome.
AXIS_CHECK = (
    "at the book's line (top 0.5%, IoU > 0.04, scene labels left out) the units are more "
    "interpretable than random rotations of their layer, paired over seeds"
)
GRID_CHECK = (
    "the units are more interpretable than the rotations, paired over seeds, in at least three "
    "quarters of the grid's settings (scene labels left out)"
)
Z10_CHECK = (
    "Zhou Fig. 9's core check has the book's outcome in at least three quarters of the grid's "
    "settings (scene labels left out)"
)
CORE = (AXIS_CHECK, GRID_CHECK)
PAPER = (
    "network dissection calls a unit interpretable when its top 0.5% region has an IoU over "
    "0.04 with a concept; a random rotation of conv5 has far fewer interpretable directions than "
    "the units (Bau et al. 2017)."
)


class Rotated(nn.Module):
    """A model's prefix up to a layer, then the rotation ``Q`` of its channels: the output is
    ``Q a`` at each position (``rotate``: the layer to dissect)."""

    def __init__(self, prefix: nn.Module, rotation: torch.Tensor):
        super().__init__()
        self.prefix = prefix
        self.rotate = _Rotation(rotation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rotate(self.prefix(x))


class _Rotation(nn.Module):
    def __init__(self, rotation: torch.Tensor):
        super().__init__()
        self.register_buffer("q", rotation.float().contiguous())

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return torch.einsum("vu,nuhw->nvhw", self.q, a)


ROTATED_LAYER = "rotate"  # the layer of :class:`Rotated` to dissect
IN_MEMORY_ITEMS = 20_000  # a Broden set up to this many images is read once and kept


class InMemory(BrodenDataset):
    """A Broden folder whose items are decoded once and kept: the grid dissects the same set
    once per model, basis and quantile. The folder's files (and so
    :func:`unitroles.dissection.dataset_fingerprint`, which keys the cache) are the same."""

    def __init__(self, dataset: BrodenDataset):
        self.__dict__.update(dataset.__dict__)
        self.items: dict[int, dict] = {}

    def __getitem__(self, i: int) -> dict:
        if i not in self.items:
            self.items[i] = super().__getitem__(i)
        return self.items[i]

    def image(self, i: int) -> torch.Tensor:
        return self[i]["image"]


def in_memory(dataset: BrodenDataset) -> BrodenDataset:
    """``dataset`` as :class:`InMemory` when it has at most :data:`IN_MEMORY_ITEMS` images (the
    book's world), else unchanged (Broden's 63,000 images are read from disk each time)."""
    return InMemory(dataset) if len(dataset) <= IN_MEMORY_ITEMS else dataset


def rotated(model: nn.Module, layer: str, seed: int, example: torch.Tensor) -> Rotated:
    """``model`` up to ``layer`` (its post-ReLU output), followed by the random rotation of
    seed ``seed`` (:func:`unitroles.engine.random_rotation`) of its channels; ``example``
    network inputs give the layer's width."""
    width = sweeps.layer_units(model, layer, example)
    split = engine.split_at(model.eval(), layer)
    return Rotated(split.prefix, engine.random_rotation(width, seed)).eval()


def best_at(dissected: Dissection, iou: float, scenes: bool) -> pd.DataFrame:
    """Each unit's best concept (:meth:`Dissection.best`), with or without the scene labels,
    ``interpretable`` when its IoU exceeds ``iou``."""
    categories = None if scenes else sorted(set(dissected.categories) - {"scene"})
    best = dissected.best(categories)
    best["interpretable"] = best["iou"] > iou
    return best


def counts(dissections: dict, iou_lines: Sequence[float] = IOU_LINES) -> pd.DataFrame:
    """One row per (recipe, seed, basis, quantile, iou, scenes): interpretable units and the
    distinct concepts they match. ``dissections`` maps ``(recipe, seed, basis, quantile)`` to a
    :class:`Dissection` (``basis``: ``"units"`` or ``"rotation"``)."""
    rows = []
    for (recipe, seed, basis, quantile), dissected in dissections.items():
        for scenes in (False, True):
            for iou in iou_lines:
                best = best_at(dissected, iou, scenes)
                hit = best[best["interpretable"]]
                rows.append(
                    {"recipe": recipe, "seed": seed, "basis": basis, "quantile": quantile,
                     "iou": iou, "scenes": scenes, "interpretable": int(len(hit)),
                     "concepts": int(hit["concept"].nunique())}
                )  # fmt: skip
    return pd.DataFrame(rows)


def _setting(frame: pd.DataFrame, quantile: float, iou: float, scenes: bool) -> pd.DataFrame:
    at = (frame["quantile"] == quantile) & np.isclose(frame["iou"], iou)
    return frame[at & (frame["scenes"] == scenes)]


def z10_outcomes(
    dissections: dict,
    base: str,
    drop: str,
    seeds: Sequence[int],
    iou_lines: Sequence[float] = IOU_LINES,
) -> pd.DataFrame:
    """Zhou Fig. 9's core check (:func:`unitroles.interpretable_counts.paired_checks`: ``drop``
    has fewer interpretable units than ``base``, paired over ``seeds``) at every setting of the
    grid: one row per (quantile, iou, scenes) with the mean difference (units) and the
    outcome."""
    quantiles = sorted({q for (_, _, _, q) in dissections})
    rows = []
    for q in quantiles:
        for scenes in (False, True):
            for iou in iou_lines:
                best = {(r, s): best_at(dissections[r, s, "units", q], iou, scenes)
                        for r in (base, drop) for s in seeds}  # fmt: skip
                checks, core, _, _ = interpretable_counts.paired_checks(best, base, drop, seeds)
                total = interpretable_counts.totals(best)
                rows.append(
                    {"quantile": q, "iou": iou, "scenes": scenes,
                     "difference": float((total[drop] - total[base]).mean()),
                     "holds": bool(checks[core[0]])}
                )  # fmt: skip
    return pd.DataFrame(rows)


def units_vs_rotations(frame: pd.DataFrame, recipe: str) -> pd.DataFrame:
    """At every setting: ``recipe``'s interpretable units against the interpretable directions
    of its rotations, paired over the seeds that have both (one seed: its difference); one row
    per (quantile, iou, scenes) with the mean difference and whether it is above zero."""
    rows = []
    mine = frame[frame["recipe"] == recipe]
    for (q, iou, scenes), group in mine.groupby(["quantile", "iou", "scenes"]):
        wide = group.pivot_table(index="seed", columns="basis", values="interpretable")
        wide = wide.dropna()
        if "rotation" not in wide or wide.empty:
            continue
        a, b = wide["units"].to_numpy(), wide["rotation"].to_numpy()
        if len(a) >= 2:
            p = evidence.paired(a, b)
            above, text = evidence.paired_check(p, "above"), p.text("+.1f", "units")
        else:
            above, text = bool(a[0] > b[0]), f"one seed, {a[0] - b[0]:+.0f} units"
        rows.append(
            {"quantile": q, "iou": iou, "scenes": scenes, "difference": float((a - b).mean()),
             "above": above, "text": text}
        )  # fmt: skip
    return pd.DataFrame(rows)


def checks(axis: pd.DataFrame, z10: pd.DataFrame) -> tuple[dict, list[str]]:
    """Claim W3's checks from :func:`units_vs_rotations` and :func:`z10_outcomes`; returns
    ``(checks, core)``. The share checks count the settings without scene labels."""
    book = _setting(axis, BOOK["quantile"], BOOK["iou"], BOOK["scenes"])
    plain_axis = axis[~axis["scenes"]]
    plain_z10 = z10[~z10["scenes"]]
    book_z10 = _setting(z10, BOOK["quantile"], BOOK["iou"], BOOK["scenes"])["holds"].iloc[0]
    axis_name = f"{AXIS_CHECK}: {book['text'].iloc[0]}"
    grid_share = plain_axis["above"].mean()
    grid_name = f"{GRID_CHECK}: {plain_axis['above'].sum()} of {len(plain_axis)}"
    same = (plain_z10["holds"] == book_z10).mean()
    z10_name = f"{Z10_CHECK}: {(plain_z10['holds'] == book_z10).sum()} of {len(plain_z10)}"
    result = {
        axis_name: bool(book["above"].iloc[0]),
        grid_name: bool(grid_share >= 0.75),
        z10_name: bool(same >= 0.75),
    }
    return result, [axis_name, grid_name]


def flips(z10: pd.DataFrame) -> pd.DataFrame:
    """The settings where Zhou Fig. 9's core check has another outcome than at the book's
    line (same scene-label choice as the book's)."""
    book = _setting(z10, BOOK["quantile"], BOOK["iou"], BOOK["scenes"])["holds"].iloc[0]
    return z10[z10["holds"] != book].reset_index(drop=True)


def outcome_grid(z10: pd.DataFrame, scenes: bool) -> pd.DataFrame:
    """Zhou Fig. 9's core outcome as a table: rows the quantile (%), columns the IoU line, cells
    ✓ (holds) or ✗ (fails) and the mean difference (units), the book's setting marked ★."""
    part = z10[z10["scenes"] == scenes]
    table = part.pivot(index="quantile", columns="iou", values="difference")
    holds = part.pivot(index="quantile", columns="iou", values="holds")
    out = table.copy().astype(object)
    for q in table.index:
        for iou in table.columns:
            mark = " ★" if (q, iou, scenes) == tuple(BOOK.values()) else ""
            out.loc[q, iou] = f"{'✓' if holds.loc[q, iou] else '✗'} {table.loc[q, iou]:+.1f}{mark}"
    out.index = [f"top {100 * q:g}%" for q in table.index]
    out.columns = [f"IoU > {iou:g}" for iou in table.columns]
    return out


def dissect(
    model: nn.Module, layer: str, broden, transform, quantiles: Sequence[float], *,
    rotation: int | None = None, example: torch.Tensor | None = None, **cache,
) -> dict[tuple[str, float], Dissection]:  # fmt: skip
    """``(basis, quantile)`` -> :func:`unitroles.dissection.cached_dissection` of ``model``'s
    ``layer`` (basis ``"units"``) at each quantile and, when ``rotation`` is a seed, of the
    layer's random rotation of that seed (basis ``"rotation"``, :func:`rotated`; ``example``
    network inputs give the layer's width); units first, quantiles in the given order. ``cache``
    goes to the cached dissection (``store``, ``device``)."""
    bases = {"units": (model, layer)}
    if rotation is not None:
        bases["rotation"] = (rotated(model, layer, rotation, example), ROTATED_LAYER)
    return {
        (basis, q): dissection.cached_dissection(net, at, broden, transform, quantile=q, **cache)
        for basis, (net, at) in bases.items()
        for q in quantiles
    }


def dissect_models(
    run, recipes: Sequence[str], seeds: Sequence[int], layer: str, broden, transform,
    quantiles: Sequence[float], *, rotate: str, rotated_seeds: Sequence[int], **cache,
) -> dict[tuple[str, int, str, float], Dissection]:  # fmt: skip
    """``(recipe, seed, basis, quantile)`` -> :func:`dissect` of each model ``run.model(recipe,
    seed=seed)`` (a :class:`unitroles.profiles.Profile`) at ``layer``, with the random rotation
    of its own seed for the ``rotate`` recipe's ``rotated_seeds``; prints each model's
    description. ``cache`` goes to :func:`dissect`."""
    out = {}
    for recipe in recipes:
        for seed in seeds:
            setup = run.model(recipe, seed=seed)
            rotation = seed if recipe == rotate and seed in rotated_seeds else None
            found = dissect(setup.model, layer, broden, transform, quantiles, rotation=rotation,
                            example=setup.images[:1], **cache)  # fmt: skip
            out |= {(recipe, seed, *key): d for key, d in found.items()}
            print(setup.description)
    return out


def at_book(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a grid's table (:func:`counts`, :func:`z10_outcomes`,
    :func:`units_vs_rotations`) at the book's line, :data:`BOOK`."""
    at = (frame["quantile"] == BOOK["quantile"]) & (frame["iou"] == BOOK["iou"])
    return frame[at & (frame["scenes"] == BOOK["scenes"])]


def setting_text(row) -> str:
    """A grid setting in words: ``"top 0.5%, IoU > 0.04, no scene labels"``."""
    labels = "with scene labels" if row["scenes"] else "no scene labels"
    return f"top {100 * row['quantile']:g}%, IoU > {row['iou']:g}, {labels}"


def mean_counts(frame: pd.DataFrame, base: str) -> pd.DataFrame:
    """Interpretable units of each model (its units; the rotations of ``base`` too), the mean
    over seeds, one row a setting (scene labels, quantile, IoU line; the book's marked ★)."""
    table = (
        frame[frame["basis"].eq("units") | frame["recipe"].eq(base)]
        .assign(
            model=lambda f: f["recipe"] + f["basis"].map({"units": "", "rotation": ", rotated"})
        )
        .pivot_table(index=["scenes", "quantile", "iou"], columns="model", values="interpretable")
    )
    table.index = pd.MultiIndex.from_tuples(
        [
            ("yes" if s else "no", f"{100 * q:g}%",
             f"{iou:g}" + (" ★" if (q, iou, s) == tuple(BOOK.values()) else ""))
            for s, q, iou in table.index
        ],
        names=["scene labels", "top", "IoU >"],
    )  # fmt: skip
    return table


@dataclass
class Grid:
    """The grid read for the page: :func:`counts`' ``frame``, :func:`z10_outcomes`' ``z10`` and
    :func:`units_vs_rotations`' ``axis``; ``base`` (the rotated recipe) against ``drop`` (Fig.
    9's comparison) at ``layer``."""

    frame: pd.DataFrame
    z10: pd.DataFrame
    axis: pd.DataFrame
    base: str
    drop: str
    layer: str

    def spread(self, recipe: str, basis: str = "units") -> str:
        """The interpretable units (directions) of ``recipe``'s ``basis`` at the book's line:
        their range over seeds, or the one seed's count."""
        book = at_book(self.frame)
        part = book[(book["recipe"] == recipe) & (book["basis"] == basis)]
        return verdicts.over_seeds(part["interpretable"].to_numpy(), ".0f", mean=False, alone=True)

    @property
    def holds(self) -> bool:
        """Whether Fig. 9's core check holds at the book's line."""
        return bool(at_book(self.z10).iloc[0]["holds"])

    def plain_flips(self) -> pd.DataFrame:
        """The settings without scene labels where Fig. 9's check has the other outcome."""
        flipped = flips(self.z10)
        return flipped[~flipped["scenes"]]

    def axis_share(self) -> tuple[int, int]:
        """Settings without scene labels where the units beat the rotations, and all of them."""
        plain = self.axis[~self.axis["scenes"]]
        return int(plain["above"].sum()), len(plain)

    def glue_values(
        self, recipes: Sequence[str], quantiles: Sequence[float], iou_lines: Sequence[float],
        n_seeds: int, n_rotations: int,
    ) -> dict:  # fmt: skip
        """The numbers the page's prose reads (glue name -> value)."""
        z10, flipped = self.z10, flips(self.z10)
        book_row, book_axis = at_book(z10).iloc[0], at_book(self.axis).iloc[0]
        best = self.axis[~self.axis["scenes"]].sort_values("difference").iloc[-1]
        won, settings = self.axis_share()
        return {
            "layer_": self.layer,
            "base_": self.base,
            "drop_": self.drop,
            "iou_first": f"{iou_lines[0]:g}",
            "iou_last": f"{iou_lines[-1]:g}",
            "quantiles_text": ", ".join(f"{100 * q:g}%" for q in quantiles),
            "recipes_text": ", ".join(recipes),
            "n_seeds": n_seeds,
            "n_rotations": n_rotations,
            "book_z10": "holds" if book_row["holds"] else "does not hold",
            "book_diff": f"{book_row['difference']:+.1f}",
            "n_flips": len(self.plain_flips()),
            "n_plain": int((~z10["scenes"]).sum()),
            "flip_text": "; ".join(setting_text(r) for _, r in self.plain_flips().iterrows())
            or "none",
            "n_scene_flips": len(flipped[flipped["scenes"]]),
            "n_scene": int(z10["scenes"].sum()),
            "book_base": self.spread(self.base),
            "book_drop": self.spread(self.drop),
            "book_rot": self.spread(self.base, "rotation") if n_rotations else "—",
            "axis_text": book_axis["text"],
            "axis_share": f"{won} of {settings}",
            # the setting (scene labels left out) where the units lead the rotations most
            "axis_best": setting_text(best),
            "axis_best_text": best["text"],
        }

    def claim_text(self, units: int, n_rotations: int) -> str:
        """W3's "ours": the counts at the book's line (of ``units``) and where Fig. 9 flips."""
        base, drop = self.base, self.drop
        rot = self.spread(base, "rotation") if n_rotations else "—"
        return (
            f"at the book's line, {base} {self.spread(base)} interpretable units of {units}, its "
            f"rotations {rot}, {drop} {self.spread(drop)}; Fig. 9's core check "
            f"{'holds' if self.holds else 'fails'} there and has the other outcome at "
            f"{len(self.plain_flips())} of {int((~self.z10['scenes']).sum())} settings without "
            "scene labels"
        )

    def takeaway_text(self, n_rotations: int) -> str:
        """The takeaway's "this run" sentence."""
        won, settings = self.axis_share()
        return (
            f"at network dissection's line, the {self.base} models have {self.spread(self.base)} "
            f"interpretable {self.layer} units and random rotations of the same layers "
            f"{self.spread(self.base, 'rotation')} directions (ranges over {n_rotations} seeds); "
            f"the units win at {won} of {settings} settings of the grid. Zhou Fig. 9's check "
            f"{'holds' if self.holds else 'fails'} at the book's line and has the other outcome "
            f"at {len(self.plain_flips())} of {int((~self.z10['scenes']).sum())} settings "
            "without scene labels."
        )

    def exercise_glue(self, iou_lines: Sequence[float], quantiles: Sequence[float]) -> dict:
        """Exercise 1's glue: ``base``'s mean interpretable units (scene labels left out) at the
        book's line, at the lowest IoU line and at the widest region (the highest quantile)."""
        frame = self.frame
        part = frame[(frame["recipe"] == self.base) & (frame["basis"] == "units")]
        part = part[~part["scenes"]]

        def mean(q: float, iou: float) -> str:
            at = part[(part["quantile"] == q) & (part["iou"] == iou)]
            return f"{float(at['interpretable'].mean()):.1f}"

        low_iou, wide_q = min(iou_lines), max(quantiles)
        return {
            "ex1_book": mean(BOOK["quantile"], BOOK["iou"]),
            "ex1_low_iou": mean(BOOK["quantile"], low_iou),
            "ex1_wide": mean(wide_q, BOOK["iou"]),
            "ex1_iou_line": f"{low_iou:g}",
            "ex1_quantile": f"{100 * wide_q:g}%",
        }


def judge(
    grid: Grid,
    recipes: Sequence[str],
    quantiles: Sequence[float],
    iou_lines: Sequence[float],
    seeds: Sequence[int],
    rotated_seeds: Sequence[int],
    units: int,
) -> Judged:
    """Claim W3 judged on ``grid`` (:func:`checks` of its units against rotations and of Fig.
    9's check over the settings), with :meth:`Grid.glue_values`, :meth:`Grid.claim_text` (of the
    layer's ``units``) and :meth:`Grid.takeaway_text`; ``recipes``, ``quantiles``,
    ``iou_lines``, ``seeds`` and ``rotated_seeds`` as the grid was measured."""
    found, core = checks(grid.axis, grid.z10)
    n_rotations = len(rotated_seeds)
    return Judged(
        found,
        core,
        grid.claim_text(units, n_rotations),
        grid.takeaway_text(n_rotations),
        grid.glue_values(recipes, quantiles, iou_lines, len(seeds), n_rotations),
    )


def figure(frame: pd.DataFrame, z10: pd.DataFrame, recipes: Sequence[str], layer: str) -> None:
    """(a) interpretable units (scene labels left out, top 0.5%) against the IoU line for each
    recipe and for the rotations, mean over seeds; (b, c) Zhou Fig. 9's core outcome over the
    grid without and with scene labels, the book's setting boxed. Captioned."""
    fig, axes = plots.figure(3, width=7.0, height=3.0, gridspec_kw={"width_ratios": [1.3, 1, 1]})
    ax = axes[0]
    plain = frame[(frame["quantile"] == BOOK["quantile"]) & ~frame["scenes"]]
    lines = [(r, "units") for r in recipes] + [
        (r, "rotation") for r in recipes if ((plain["recipe"] == r) & (plain["basis"] ==
                                               "rotation")).any()
    ]  # fmt: skip
    for i, (recipe, basis) in enumerate(lines):
        part = plain[(plain["recipe"] == recipe) & (plain["basis"] == basis)]
        mean = part.groupby("iou")["interpretable"].agg(["mean", "min", "max"])
        colour = plots.PALETTE[i % len(plots.PALETTE)]
        label = recipe if basis == "units" else f"{recipe}, rotated"
        ax.plot(mean.index, mean["mean"], color=colour, label=label,
                ls=":" if basis == "rotation" else "-")  # fmt: skip
        ax.fill_between(mean.index, mean["min"], mean["max"], color=colour, alpha=0.15, lw=0)
    ax.axvline(BOOK["iou"], color="0.5", lw=0.8, ls="--")
    ax.set(xlabel="IoU line", ylabel=f"interpretable {layer} units",
           title="(a) top 0.5%, no scene labels")  # fmt: skip
    ax.title.set_fontsize(plots.SMALL)
    ax.legend(fontsize=plots.SMALL, loc="upper right")
    quantiles = sorted(z10["quantile"].unique())
    lines_iou = sorted(z10["iou"].unique())
    span = max(1.0, float(z10["difference"].abs().max()))
    for ax, scenes, title in ((axes[1], False, "(b) Fig. 9: no scene labels"),
                              (axes[2], True, "(c) with scene labels")):  # fmt: skip
        part = z10[z10["scenes"] == scenes]
        diff = part.pivot(index="quantile", columns="iou", values="difference").to_numpy()
        holds = part.pivot(index="quantile", columns="iou", values="holds").to_numpy()
        ax.imshow(diff, cmap="RdBu", vmin=-span, vmax=span, aspect="auto", origin="lower")
        for (y, x), d in np.ndenumerate(diff):  # ✓ where the check holds, else the difference
            ax.text(x, y, "✓" if holds[y, x] else f"{round(d):+d}", ha="center", va="center",
                    fontsize=plots.SMALL, color="black")  # fmt: skip
        ax.set_xticks(range(len(lines_iou)), [f"{v:g}" for v in lines_iou], rotation=90,
                      fontsize=plots.SMALL)  # fmt: skip
        ax.set_yticks(range(len(quantiles)), [f"{100 * q:g}%" for q in quantiles],
                      fontsize=plots.SMALL)  # fmt: skip
        ax.set_xlabel("IoU line")
        ax.set_title(title, fontsize=plots.SMALL)
        ax.grid(False)
        if scenes == BOOK["scenes"] and BOOK["quantile"] in quantiles:
            y, x = quantiles.index(BOOK["quantile"]), lines_iou.index(BOOK["iou"])
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, ec="black", lw=2))
    axes[1].set_ylabel("activation quantile (top)")
    held = {s: int(z10[z10["scenes"] == s]["holds"].sum()) for s in (False, True)}
    per_grid = len(quantiles) * len(lines_iou)
    plots.caption(
        fig,
        f"How the dissection line decides. (a) Interpretable {layer} units (best concept other "
        "than a scene label over the IoU line, each unit's region its top 0.5% of activation "
        "values) against the IoU line, for each recipe (solid) and for random rotations of the "
        "layer (dotted); lines the mean over seeds, bands their range; the dashed line is "
        "NetDissect's 0.04. (b, c) Zhou Fig. 9's comparison at each activation quantile and IoU "
        "line, without (b) and with (c) scene labels: the colour and number give the mean "
        "difference in interpretable units, dropout minus baseline (red: dropout has fewer); ✓ "
        "marks the settings where Fig. 9's core check holds (fewer, paired over seeds, the 95% "
        "interval below zero). The box marks the book's setting.",
        alt=f"A line chart of interpretable units against the IoU line from {lines_iou[0]:g} to "
        f"{lines_iou[-1]:g}, falling for every recipe and lower for the rotated bases, and two "
        f"grids of quantile against IoU line: the Fig. 9 check holds in {held[False]} of "
        f"{per_grid} settings without scene labels and {held[True]} of {per_grid} with them.",
    )
    plots.show()


__all__ = [
    "AXIS_CHECK", "BOOK", "CORE", "GRID_CHECK", "Grid", "IN_MEMORY_ITEMS", "IOU_LINES",
    "InMemory", "PAPER", "QUANTILES", "ROTATED_LAYER", "Rotated", "Z10_CHECK", "at_book",
    "best_at", "checks", "counts", "dissect", "dissect_models", "figure", "flips", "in_memory",
    "judge", "mean_counts", "outcome_grid", "rotated", "setting_text", "units_vs_rotations",
    "z10_outcomes",
]  # fmt: skip
