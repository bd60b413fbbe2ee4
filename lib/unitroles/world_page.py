"""The scene world page: the world's numbers, its figures (one image a class, the concept masks,
the objects shared between scenes), the recipes' table, and the book's models on the world (their
fitness, the paper's regime) with the page's takeaway.

It draws and tables what :mod:`unitroles.scenes`, :mod:`unitroles.health` and
:mod:`unitroles.scale` compute, and keys no cache entry (editing it retrains nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import plots, recipes, report, scenes, tables

__all__ = [
    "MASK_ROWS",
    "NOTE",
    "class_grid",
    "frequency_figure",
    "mask_figure",
    "model_tables",
    "models_table",
    "object_frequency",
    "recipe_table",
    "regime",
    "shared_objects",
    "takeaway_text",
    "targets_glue",
    "world_glue",
]

MASK_ROWS = (0, 1, 20, 21)  # two minimal pairs: bedroom and empty room, street and alley
NOTE = (
    "The papers use ImageNet, Places365 and Broden; this world stands in for them, so every "
    "number in the book is about these images, not the papers' data."
)


def world_glue(world: scenes.SceneWorld, speed: float) -> dict:
    """The world's counts for the prose: classes, minimal pairs, Zhao's scenes, objects,
    textures, colours, the image size, and ``speed`` (images rendered a second)."""
    return {
        "n_classes": world.num_classes,
        "n_pairs": len(scenes.SIBLINGS),
        "n_zhao_classes": len(scenes.CATALOGUES[recipes.ZHAO_WORLD]),
        "n_objects": len(scenes.OBJECTS),
        "n_textures": len(scenes.TEXTURES),
        "n_colors": len(scenes.COLORS),
        "image_size": world.size,
        "images_per_second": f"{speed:,.0f}",
    }


def class_grid(world: scenes.SceneWorld, images, labels) -> None:
    """One image a class in a grid titled with its class. Captioned and shown."""
    fig = plots.image_grid(images, [world.class_names[k] for k in labels], ncols=8, fontsize=9)
    plots.caption(
        fig,
        f"One validation image of each of the {world.num_classes} scene classes, at "
        f"{world.size} × {world.size} pixels, titled with its class.",
        alt=f"A grid of {world.num_classes} small synthetic scene images, one per class: "
        + ", ".join(tables.pretty(world.class_names[k]) for k in labels)
        + ". Each shows simple shapes such as beds, lamps, windows or wheels on textured, coloured "
        "backgrounds.",
    )
    plots.show()


def mask_figure(
    world: scenes.SceneWorld, images, labels, masks: dict, rows: Sequence[int] = MASK_ROWS
) -> None:
    """The images ``rows`` of ``images`` beside their object, texture and colour label maps
    (``masks`` as :meth:`unitroles.scenes.SceneWorld.sample` returns them). Captioned and
    shown."""
    fig, axes = plots.figure(4, len(rows), width=7.0, height=1.9 * len(rows))
    maps = [
        ("object", scenes.OBJECTS, None),
        ("texture", scenes.TEXTURES, None),
        ("color", scenes.COLOR_NAMES, list(scenes.COLORS.values())),
    ]
    for r, i in enumerate(rows):
        axes[r, 0].imshow(images[i].permute(1, 2, 0).numpy(), interpolation="nearest")
        axes[r, 0].set_axis_off()
        axes[r, 0].set_title(tables.pretty(world.class_names[labels[i]]), fontsize=9)
        for c, (cat, names, colors) in enumerate(maps):
            plots.label_map(
                axes[r, c + 1], masks[cat][i], names, title=f"{cat} mask", colors=colors
            )
    shown = ", ".join(tables.pretty(world.class_names[labels[i]]) for i in rows)
    plots.caption(
        fig,
        f"Four images ({shown}) and their ground-truth label maps: the object at each pixel, the "
        "background texture (objects carry none) and the painted colour. White: no label.",
        alt=f"A grid of {len(rows)} rows: for each of the scenes {shown}, the image, then its "
        "object, texture and colour label maps drawn as flat colour regions with a legend of the "
        "labels present.",
    )
    plots.show()


def recipe_table(world: scenes.SceneWorld):
    """The classes' recipes (:meth:`unitroles.scenes.SceneWorld.class_table`) in the book's
    table style, a line break allowed after each "/"."""
    table = pd.DataFrame(world.class_table()).set_index("class")
    table["scene"] = table["scene"].map(tables.pretty)
    for column in table.columns.drop(["scene", "objects"]):
        table[column] = table[column].str.replace("/", "/\u200b")
    return report.table(table, headers={"class": "class index"}, wrap=True)


def object_frequency(world: scenes.SceneWorld, split: str, per_class: int) -> pd.DataFrame:
    """Classes x objects: the fraction of each class's images (the first ``per_class`` a class
    of ``split``) whose object mask holds the object."""
    _, labels, masks = world.render_split(split, per_class)
    present = np.stack(
        [(masks["object"] == k + 1).flatten(1).any(1).numpy() for k in range(len(scenes.OBJECTS))],
        axis=1,
    )
    freq = pd.DataFrame(present, columns=scenes.OBJECTS).groupby(labels.numpy()).mean()
    freq.index = [world.class_names[k] for k in freq.index]
    return freq


def shared_objects(freq: pd.DataFrame) -> int:
    """The objects in more than half of the images of two or more classes."""
    return int(((freq > 0.5).sum(axis=0) >= 2).sum())


def frequency_figure(freq: pd.DataFrame, per_class: int) -> None:
    """:func:`object_frequency` as a heat map. Captioned and shown."""
    fig, ax = plots.figure(width=7.0, height=9.0)
    im = ax.imshow(freq.values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(freq.columns)), freq.columns, rotation=60)
    ax.set_yticks(range(len(freq.index)), freq.index)
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="fraction of the class's images containing the object")
    ax.set_title("Which objects each class's images contain")
    plots.caption(
        fig,
        f"Fraction of each class's validation images ({per_class} a class) that contain each "
        "object, from white (never) to dark blue (always). A column with several dark cells is an "
        "object shared between scenes.",
        alt=f"Heat map, {len(freq.index)} classes by {len(freq.columns)} objects, of the fraction "
        f"of each class's images that contain each object; {shared_objects(freq)} objects are "
        "common in two or more classes.",
    )
    plots.show()


def models_table(trained: dict, broden, transform) -> pd.DataFrame:
    """One :func:`unitroles.health.model_row` a model, indexed ``(recipe, seed)``: ``trained``
    maps ``(recipe, seed)`` to a trained model; the dissection set (``broden``, ``transform``)
    counts object units except on Zhao's ``gen-`` models."""
    from . import health

    return pd.DataFrame(
        [
            health.model_row(t, *(() if recipe.startswith("gen-") else (broden, transform)))
            for (recipe, _), t in trained.items()
        ]
    ).set_index(["recipe", "seed"])


def model_tables(table: pd.DataFrame) -> tuple:
    """:func:`models_table` as two tables, to fit the column: how fit each model is (accuracies
    in %, the late loss fall, nearly dead and object units), then what it is (studied layer,
    weakest class, training time, weights digest)."""
    shown = table.copy()
    for column in ("train acc", "val acc"):
        shown[column] = 100 * shown[column]
    fit = report.table(
        shown[["train acc", "val acc", "late loss fall", "nearly dead (%)", "object units"]],
        headers={"train acc": "train acc (%)", "val acc": "val acc (%)"},
        decimals={"train acc": 1, "val acc": 1, "late loss fall": 2},
        wrap=True,
    )
    about = pd.DataFrame(
        {
            "studied layer (units)": [f"{a} ({b})" for a, b in zip(shown["layer"], shown["units"])],
            "weakest class (val acc %)": [
                f"{tables.pretty(c)} ({100 * a:.0f})"
                for c, a in zip(shown["weakest class"], shown["weakest class acc"])
            ],
            "train (s)": shown["train s"].round(0),
            "weights digest": shown["weights digest"].astype(str).str[:12],
        },
        index=shown.index,
    )
    return fit, report.table(about, wrap=["studied layer (units)", "weakest class (val acc %)"])


def regime(table: pd.DataFrame, classes: int, per_class: int) -> tuple[pd.DataFrame, dict]:
    """The baseline's regime (:func:`unitroles.scale.regime_table`) from :func:`models_table`
    and its glue: targets met, conv5 units a class, the baseline's mean validation accuracy."""
    from . import scale

    zhou = table.loc["baseline"]
    units = int(zhou["units"].iloc[0])
    out = scale.regime_table(units, classes, 100 * zhou["val acc"], per_class)
    return out, {
        "regime_met": int((out["met"] == "yes").sum()),
        "regime_total": len(out),
        "regime_units_per_class": f"{units / classes:.2f}",
        "regime_accuracy": f"{100 * zhou['val acc'].mean():.1f}",
    }


def targets_glue(targets: pd.DataFrame) -> dict:
    """The fitness targets' glue (:func:`unitroles.health.targets`): met, all, the baseline's
    range of validation accuracy."""
    return {
        "targets_met": int(targets["met"].sum()),
        "targets_total": len(targets),
        "baseline_val_range": targets.attrs["baseline_val_range"],
    }


def takeaway_text(
    world: scenes.SceneWorld, shared: int, regime_glue: dict | None, targets: pd.DataFrame
) -> str:
    """The takeaway's "this run": the world's make-up and its shared objects, then (with
    models: ``regime_glue`` from :func:`regime` and ``targets`` not empty) the regime and the
    fitness targets met."""
    text = (
        f"The world has {world.num_classes} scene classes in {len(scenes.SIBLINGS)} minimal "
        f"pairs, drawn from {len(scenes.OBJECTS)} objects, {len(scenes.TEXTURES)} textures and "
        f"{len(scenes.COLORS)} colours, with a ground-truth label for every pixel; {shared} "
        "objects are common in two or more classes, so a unit that detects one of them can "
        "matter for a few related classes, as in the papers."
    )
    if len(targets):
        g = regime_glue
        text += (
            f" Zhou et al.'s pages are in the paper's regime on {g['regime_met']} of "
            f"{g['regime_total']} targets ({g['regime_units_per_class']} conv5 units a class, "
            f"the baseline at {g['regime_accuracy']}%); {int(targets['met'].sum())} of "
            f"{len(targets)} fitness targets of the book's models are met."
        )
    return text
