"""The cumulative ablation page (Morcos et al. 2018; claim W4): its figures, table, glue and text.

:mod:`unitroles.cumulative` measures (and keys the cache of) the curves; this module reads them
for the page: the models of Zhao's ladder and of Zhou et al.'s recipes, each a :class:`Group` of
:func:`unitroles.cumulative.sweep`'s rows and results, drawn, tabled and written up. It computes
nothing the cache holds, so editing it leaves every cached curve valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import cumulative, plots, report, verdicts
from .report import Judged

__all__ = [
    "COLUMNS",
    "Group",
    "PAPER",
    "UNMEASURED",
    "areas_text",
    "claim_text",
    "glue_values",
    "judge",
    "per_recipe",
    "quarter_glue",
    "random_figure",
    "recipe_table",
    "selectivity_figure",
    "sizes",
    "sweep",
    "takeaway_text",
]

# :func:`per_recipe`'s columns: the summary row's name -> the table's header
COLUMNS = {
    "train_acc": "train acc. (%)", "test_acc": "test acc. (%)", "gap": "gap (pts)",
    "train_random": "area, random (train)", "test_random": "area, random (test)",
    "train_first": "area, most sel. first (train)",
    "train_last": "area, least sel. first (train)",
}  # fmt: skip
PAPER = (
    "networks that generalize better rely less on single directions (their accuracy falls more "
    "slowly under cumulative ablation); batch norm discourages that reliance; class selectivity "
    "is a poor predictor of a unit's importance."
)
UNMEASURED = (
    "the paper profile: this page reads the synthetic world's models only (the cumulative "
    "ablation of your checkpoints is not wired yet)"
)


@dataclass
class Group:
    """Models ablated at one layer: ``recipes`` in the page's order, ``frame`` and ``results``
    as :func:`unitroles.cumulative.sweep` returns them (one row and one result per ``(recipe,
    seed)``)."""

    recipes: Sequence[str]
    layer: str
    frame: pd.DataFrame
    results: Mapping[tuple[str, int], cumulative.Cumulative]

    def of(self, recipe: str) -> list[cumulative.Cumulative]:
        """The results of ``recipe``'s seeds, in the sweep's order."""
        return [r for (name, _), r in self.results.items() if name == recipe]

    @property
    def seeds(self) -> int:
        """Seeds a recipe (the first recipe's count)."""
        return len(self.of(self.recipes[0]))


def sweep(run, recipes: Sequence[str], layer: str, seeds: Sequence[int], **kw) -> Group:
    """:func:`unitroles.cumulative.sweep` of the world's models of ``recipes`` x ``seeds``
    (``run.trained``, a :class:`unitroles.profiles.Profile`) at ``layer``; ``kw`` goes to the
    sweep (images a class, orders, their seed, steps read)."""
    models = {(r, s): run.trained(r, s) for r in recipes for s in seeds}
    return Group(list(recipes), layer, *cumulative.sweep(models, layer, **kw))


def sizes(train_per_class: int, test_per_class: int, data_scale: float) -> dict[str, int]:
    """The images a class the curves read on this run: each page parameter scaled by
    ``data_scale``, at least 2."""
    return {
        "train_per_class": max(2, round(train_per_class * data_scale)),
        "test_per_class": max(2, round(test_per_class * data_scale)),
    }


def areas_text(group: Group, column: str = "train_random") -> str:
    """``"recipe area, …"``: each recipe's mean ``column`` over its seeds, 2 decimals."""
    frame = group.frame
    return ", ".join(
        f"{r} {frame.loc[frame.recipe == r, column].mean():.2f}" for r in group.recipes
    )


def random_figure(ladder: Group, zhou: Group, sizes: dict, random_orders: int) -> None:
    """Accuracy (%) against the share of the layer removed in random order: (a) the ladder on its
    training images, (b) on test images, (c) Zhou et al.'s models on their training images;
    lines the mean over orders and seeds, bands the seeds' range. Captioned and shown."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(7.0, 2.9), layout="constrained", sharey=True)
    ladder_colors = plt.get_cmap("viridis")(np.linspace(0, 0.85, len(ladder.recipes)))
    panels = [
        (axes[0], ladder, "train", ladder_colors, "(a) ladder, training images"),
        (axes[1], ladder, "test", ladder_colors, "(b) ladder, test images"),
        (axes[2], zhou, "train", plots.PALETTE, "(c) Zhou's models, training"),
    ]
    for ax, group, split, colors, title in panels:
        for recipe, color in zip(group.recipes, colors):
            mine = group.of(recipe)
            curves = cumulative.seed_curves(mine, split)
            x = 100 * getattr(mine[0], split).fraction()
            ax.plot(x, curves.mean(0), color=color, lw=1.3, label=recipe)
            if len(curves) > 1:
                ax.fill_between(x, curves.min(0), curves.max(0), color=color, alpha=0.15, lw=0)
        ax.set_title(title, loc="left", fontsize=plots.SMALL)
        ax.set_xlabel("units removed (% of layer)")
        ax.legend(fontsize=plots.SMALL - 1.5, frameon=False)
    axes[0].set_ylabel("accuracy (%)")
    plots.caption(
        fig,
        f"Cumulative ablation in random order: accuracy (%) against the share of the layer's "
        f"units removed (% of {ladder.layer} for the ladder, of {zhou.layer} for Zhou's models). "
        f"(a) Zhao's ladder on each model's own training images ({sizes['train_per_class']} a "
        f"class, or all it had); (b) the same models on {sizes['test_per_class']} test images a "
        f"class; (c) the baseline, batch-norm and conv5-dropout models on their training images. "
        f"Line: mean over {random_orders} random orders and the recipe's seeds ({ladder.seeds} a "
        f"rung, {zhou.seeds} a Zhou recipe); band: the seeds' range.",
        alt="Three panels of accuracy against the percentage of units removed. Areas under the "
        "retained-accuracy curves (training images, random order): "
        + areas_text(ladder)
        + "; "
        + areas_text(zhou)
        + ".",
    )
    plots.show()


def selectivity_figure(ladder: Group, zhou: Group) -> None:
    """Training accuracy under removal by class selectivity against random orders, for the best
    and the worst rung of the ladder and Zhou's first recipe. Captioned and shown."""
    import matplotlib.pyplot as plt

    shown = [ladder.recipes[0], ladder.recipes[-1], zhou.recipes[0]]
    fig, axes = plt.subplots(1, 3, figsize=(7.0, 3.2), layout="constrained", sharey=True)
    for ax, recipe, letter in zip(axes, shown, "abc"):
        mine = (ladder if recipe in ladder.recipes else zhou).of(recipe)
        x = 100 * mine[0].train.fraction()
        rand = np.stack([r.train.overall()[r.random] for r in mine])  # (seeds, orders, N + 1)
        ax.fill_between(x, rand.min((0, 1)), rand.max((0, 1)), color="0.6", alpha=0.35, lw=0,
                        label="random orders, min–max")  # fmt: skip
        ax.plot(x, rand.mean((0, 1)), color="0.3", lw=1.0, label="random orders, mean")
        for name, color in ((cumulative.SELECTIVE_FIRST, "C3"), (cumulative.SELECTIVE_LAST, "C0")):
            ax.plot(x, cumulative.seed_curves(mine, "train", name).mean(0), color=color, lw=1.3,
                    label=name)  # fmt: skip
        ax.set_title(f"({letter}) {recipe}", loc="left", fontsize=plots.SMALL)
        ax.set_xlabel("units removed (% of layer)")
    axes[0].set_ylabel("training accuracy (%)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2,
               fontsize=plots.SMALL, frameon=False)  # fmt: skip
    first = ladder.frame.groupby("recipe")[["train_first", "train_random"]].mean()
    plots.caption(
        fig,
        "Cumulative ablation by class selectivity against random order, on the training images: "
        f"(a) {shown[0]}, the best-generalizing rung; (b) {shown[1]}, the worst; (c) Zhou's "
        f"{shown[2]}. Grey: the random orders (band: min–max over orders and seeds; line: their "
        "mean); red: most selective first; blue: least selective first (mean over seeds).",
        alt=f"Three panels of training accuracy against units removed. Area most selective "
        f"first against random: {shown[0]} {first.loc[shown[0], 'train_first']:.2f} vs "
        f"{first.loc[shown[0], 'train_random']:.2f}; {shown[1]} "
        f"{first.loc[shown[1], 'train_first']:.2f} vs {first.loc[shown[1], 'train_random']:.2f}.",
    )
    plots.show()


def per_recipe(*frames: pd.DataFrame) -> pd.DataFrame:
    """One row a recipe of the sweeps' ``frames``, in their order: its models and the mean over
    its seeds of each of :data:`COLUMNS` (renamed to their headers)."""
    both = pd.concat(frames, ignore_index=True)
    table = both.groupby("recipe", sort=False).agg(
        models=("seed", "size"), **{c: (c, "mean") for c in COLUMNS}
    )
    return table.rename(columns=COLUMNS)


def recipe_table(table: pd.DataFrame):
    """:func:`per_recipe`'s table in the book's style: accuracies and the gap to 1 decimal, the
    areas to 3."""
    headers = list(COLUMNS.values())
    decimals = {v: 1 for v in headers[:3]} | {v: 3 for v in headers[3:]}
    return report.table(table, decimals=decimals)


def _numbers(ladder: Group, table: pd.DataFrame, numbers: dict) -> dict[str, str]:
    """The text the claim, the glue and the takeaway share."""
    top, bottom = table.loc[ladder.recipes[0]], table.loc[ladder.recipes[-1]]
    return {
        "top_area": f"{top['area, random (train)']:.2f}",
        "bottom_area": f"{bottom['area, random (train)']:.2f}",
        "first_on": verdicts.on_seeds(numbers["first"], numbers["first_seeds"]),
        "bn_paired": numbers["batchnorm"].text("+.3f"),
    }


def claim_text(ladder: Group | None, table: pd.DataFrame, numbers: dict | None) -> str:
    """W4's "ours": the ladder's areas, their Spearman ρ with the gap, the selectivity order
    against the random band, batch norm against the baseline (``numbers``:
    :func:`unitroles.cumulative.claim_checks`'); ``ladder`` None: not run (the paper profile)."""
    if ladder is None:
        return "not run on the paper profile"
    n = _numbers(ladder, table, numbers)
    rho, p = numbers["rho"]["train"]
    best, worst = ladder.recipes[0], ladder.recipes[-1]
    return (
        f"{len(ladder.frame)} ladder models: area (training, random order) {best} "
        f"{n['top_area']} to {worst} {n['bottom_area']}, Spearman ρ with the gap {rho:.2f} "
        f"(p = {p:.2g}); most selective first for {best} inside or above the random band "
        f"{n['first_on']}; batch norm minus baseline area {n['bn_paired']}"
    )


def glue_values(
    ladder: Group, zhou: Group, table: pd.DataFrame, checks: dict, numbers: dict, *,
    sizes: dict, random_orders: int, points: int,
) -> dict:  # fmt: skip
    """The numbers the page's prose reads (glue name -> value)."""
    (rho_train, p_train), (rho_test, p_test) = numbers["rho"]["train"], numbers["rho"]["test"]
    n = _numbers(ladder, table, numbers)
    return {
        "n_ladder": len(ladder.frame),
        "n_zhou": len(zhou.frame),
        "n_train": sizes["train_per_class"],
        "n_test": sizes["test_per_class"],
        "n_orders": random_orders,
        "n_points": points,
        "rho_train": f"{rho_train:.2f}",
        "p_train": f"{p_train:.2g}",
        "rho_test": f"{rho_test:.2f}",
        "p_test": f"{p_test:.2g}",
        "top_area": n["top_area"],
        "bottom_area": n["bottom_area"],
        "first_on": n["first_on"],
        "bn_paired": n["bn_paired"],
        "dropout_paired": numbers["dropout"].text("+.3f"),
        "failed_core": "; ".join(verdicts.failed_core(checks, verdicts.CLAIMS["W4"].core))
        or "none",
    }


def takeaway_text(ladder: Group | None, table: pd.DataFrame, numbers: dict | None) -> str:
    """The takeaway's "this run" sentence, from the run's numbers (``ladder`` None: the paper
    profile, which runs nothing)."""
    if ladder is None:
        return "this page runs on the synthetic world's models only."
    n = _numbers(ladder, table, numbers)
    best, worst = ladder.recipes[0], ladder.recipes[-1]
    return (
        f"over {len(ladder.frame)} models of Zhao's ladder, the area under the training-accuracy "
        f"curve (random order) goes from {n['top_area']} ({best}) to {n['bottom_area']} "
        f"({worst}), Spearman ρ {numbers['rho']['train'][0]:.2f} with the generalization gap "
        f"(test curves: {numbers['rho']['test'][0]:.2f}); removing {best}'s most selective units "
        f"first stays inside or above the random band {n['first_on']}; batch norm minus "
        f"baseline: {n['bn_paired']} of area."
    )


def judge(
    ladder: Group | None, zhou: Group | None, table: pd.DataFrame | None, *,
    sizes: dict | None, random_orders: int, points: int,
) -> Judged:  # fmt: skip
    """Claim W4 judged on the sweeps of Zhao's ladder and Zhou's recipes and their
    :func:`per_recipe` ``table``: :func:`unitroles.cumulative.claim_checks` (the best rung the
    ladder's first; core: the claim's in :data:`unitroles.verdicts.CLAIMS`), with
    :func:`glue_values` (``sizes``, ``random_orders`` and ``points`` as the sweep read them),
    :func:`claim_text` and :func:`takeaway_text`. ``ladder`` None (the paper profile, which runs
    nothing): unmeasured (:data:`UNMEASURED`), every core check failed, nothing glued."""
    core = list(verdicts.CLAIMS["W4"].core)
    if ladder is None:
        checks = {name: False for name in core}
        return Judged(
            checks, core, claim_text(None, table, None), takeaway_text(None, table, None), {},
            unmeasured=UNMEASURED,
        )  # fmt: skip
    checks, numbers = cumulative.claim_checks(ladder.frame, zhou.frame, best=ladder.recipes[0])
    glue = glue_values(ladder, zhou, table, checks, numbers, sizes=sizes,
                       random_orders=random_orders, points=points)  # fmt: skip
    return Judged(
        checks,
        core,
        claim_text(ladder, table, numbers),
        takeaway_text(ladder, table, numbers),
        glue,
    )


def quarter_glue(quarter: pd.DataFrame) -> dict:
    """Exercise 1's glue from :func:`unitroles.cumulative.at_fraction`'s rows: the mean over
    seeds per rung (random and most selective first, % kept) as a table, the rung that keeps
    most at random and the rungs from most to least kept (models at chance, with nothing above
    chance to keep, left out)."""
    mean = quarter.groupby("recipe", sort=False)[["random", cumulative.SELECTIVE_FIRST]].mean()
    kept = mean["random"].dropna()
    return {
        "ex1_table": report.table(100 * mean.rename(columns=lambda c: f"{c} (% kept)"), decimals=1),
        "ex1_best": kept.idxmax() if len(kept) else "no rung (every model at chance)",
        "ex1_order": ", ".join(kept.sort_values(ascending=False).index) or "none",
    }
