# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The synthetic concept world
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Both papers run on ImageNet or Places365, with Broden's pixel-level concept labels for network
# dissection. None of these can be used here, so the book runs on a procedurally drawn world built
# to show the same phenomena. Scenes are the classes; each is a recipe of **objects**
# (bed, lamp, wheel, ...), background **textures** and **colors**, and objects are shared between
# scenes, so a unit that detects "bed" should matter for bedroom, hotel room and youth hostel and
# little else. Zhou et al.'s pages draw 48 scenes in **minimal pairs**: every scene beside a
# sibling on the same background, with the same distractors, that lacks the scene's signature
# object (bedroom and empty room, street and alley), so that the object is the evidence for the
# class, as a bed is for Places365's bedroom. Zhao et al.'s pages keep the first 24 scenes alone.
# Every pixel carries its ground-truth object, texture and color label, which real data never
# has. This page shows the world, its recipes and its masks, and the regime its models are in
# beside the paper's.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper (the paper profile has no synthetic world: shown anyway)
data_scale = 1.0  # fraction of the book profile's image counts
epoch_scale = 1.0
world_seed = 0
image_size = 48

# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from unitroles import params, profiles

run = profiles.check(globals(), params.COMMON)

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from unitroles import plots, recipes, report, scale, scenes, tables

plots.use_style()
# Zhou et al.'s pages' world (48 scenes in minimal pairs); the paper profile shows it too
world = scenes.SceneWorld(size=image_size, seed=world_seed, catalogue=recipes.ZHOU_WORLD)
speed = scenes.render_speed(world, n=max(64, int(2048 * data_scale)))
report.glue(
    {
        "n_classes": world.num_classes,
        "n_pairs": len(scenes.SIBLINGS),
        "n_zhao_classes": len(scenes.CATALOGUES[recipes.ZHAO_WORLD]),
        "n_objects": len(scenes.OBJECTS),
        "n_textures": len(scenes.TEXTURES),
        "n_colors": len(scenes.COLORS),
        "image_size": image_size,
        "images_per_second": f"{speed:,.0f}",
    }
)
print(f"{world.num_classes} scene classes; rendering {speed:,.0f} images/s with masks")

# %% [markdown]
# The world has {glue:text}`n_classes` scene classes built from {glue:text}`n_objects` objects,
# {glue:text}`n_textures` textures and {glue:text}`n_colors` colors, drawn at
# {glue:text}`image_size` × {glue:text}`image_size` pixels. On the machine that built this page it
# renders {glue:text}`images_per_second` images per second, masks included. Image *i* of a split is
# the same on every machine for a given seed; its class is *i* mod {glue:text}`n_classes`. The
# classes come in {glue:text}`n_pairs` pairs, each scene followed by its sibling; Zhao et al.'s
# pages use the {glue:text}`n_zhao_classes` first scenes of the pairs alone.
#
# ## One image of every class

# %%
images, labels, masks = world.sample("val", np.arange(world.num_classes))
fig = plots.image_grid(images, [world.class_names[k] for k in labels], ncols=8, fontsize=9)
plots.caption(
    fig,
    f"One validation image of each of the {world.num_classes} scene classes, at "
    f"{image_size} × {image_size} pixels, titled with its class.",
    alt=f"A grid of {world.num_classes} small synthetic scene images, one per class: "
    + ", ".join(tables.pretty(world.class_names[k]) for k in labels)
    + ". Each shows simple shapes such as beds, lamps, windows or wheels on textured, coloured "
    "backgrounds.",
)
plots.show()

# %% [markdown]
# ## Per-pixel concept masks
#
# Each image comes with three label maps: the object at each pixel, the background texture
# (objects carry none) and the named color it was painted with, before jitter and noise.

# %%
rows = [0, 1, 20, 21]  # two minimal pairs: bedroom and empty room, street and alley
fig, axes = plots.figure(4, len(rows), width=7.0, height=1.9 * len(rows))
for r, i in enumerate(rows):
    axes[r, 0].imshow(images[i].permute(1, 2, 0).numpy(), interpolation="nearest")
    axes[r, 0].set_axis_off()
    axes[r, 0].set_title(tables.pretty(world.class_names[labels[i]]), fontsize=9)
    for c, (cat, names, colors) in enumerate(
        [
            ("object", scenes.OBJECTS, None),
            ("texture", scenes.TEXTURES, None),
            ("color", scenes.COLOR_NAMES, list(scenes.COLORS.values())),
        ]
    ):
        plots.label_map(axes[r, c + 1], masks[cat][i], names, title=f"{cat} mask", colors=colors)
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

# %% [markdown]
# ## The class recipes
#
# Objects marked with a probability appear in only that fraction of a class's images; the rest
# always appear. A distractor object from any class is added to some images. Each scene is
# followed by its sibling: same background, without the scene's signature object (or with
# another in its place).

# %%
scene_table = pd.DataFrame(world.class_table()).set_index("class")
scene_table["scene"] = scene_table["scene"].map(tables.pretty)
for column in scene_table.columns.drop(["scene", "objects"]):  # a line break may follow each "/"
    scene_table[column] = scene_table[column].str.replace("/", "/\u200b")
display(report.table(scene_table, headers={"class": "class index"}, wrap=True))

# %% [markdown]
# ## Objects are shared between scenes
#
# The fraction of each class's images (validation split) that contain each object. Columns with
# several dark cells are the shared concepts that make a single concept-detecting unit matter for a
# few related classes.

# %%
n_per_class = max(4, int(40 * data_scale))
_, val_labels, val_masks = world.render_split("val", n_per_class)
present = np.stack(
    [(val_masks["object"] == k + 1).flatten(1).any(1).numpy() for k in range(len(scenes.OBJECTS))],
    axis=1,
)
freq = pd.DataFrame(present, columns=scenes.OBJECTS).groupby(val_labels.numpy()).mean()
freq.index = [world.class_names[k] for k in freq.index]
fig, ax = plots.figure(width=7.0, height=9.0)
im = ax.imshow(freq.values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
ax.set_xticks(range(len(freq.columns)), freq.columns, rotation=60)
ax.set_yticks(range(len(freq.index)), freq.index)
ax.grid(False)
fig.colorbar(im, ax=ax, label="fraction of the class's images containing the object")
shared = int(((freq > 0.5).sum(axis=0) >= 2).sum())
ax.set_title("Which objects each class's images contain")
plots.caption(
    fig,
    f"Fraction of each class's validation images ({n_per_class} a class) that contain each "
    "object, from white (never) to dark blue (always). A column with several dark cells is an "
    "object shared between scenes.",
    alt=f"Heat map, {len(freq.index)} classes by {len(freq.columns)} objects, of the fraction "
    f"of each class's images that contain each object; {shared} objects are common in two or "
    "more classes.",
)
plots.show()

# %%
report.glue({"shared_objects": shared, "freq_images": n_per_class})

# %% [markdown]
# {glue:text}`shared_objects` of the objects are common (in more than half of the images) in two or
# more classes, measured on {glue:text}`freq_images` validation images per class.

# %% [markdown]
# ## The book's models on this world
#
# Zhou et al.'s claims are about converged networks whose units are alive. The first table lists
# every model the book studies with its accuracies (train on the clean training images), how far
# its training loss still fell in its last five epochs (as a share of its whole fall), the share
# of nearly-dead units in the studied layer (mean activation under 10% of the median unit's) and
# the object-interpretable units there (best IoU with an object concept > 0.04, network
# dissection on the world's dissection split). The second names the studied layer, the weakest
# class with its validation accuracy, the training time and the weights digest, which identifies
# the trained weights bit for bit: a reader whose digests match ours has our models.

# %%
import IPython.display  # noqa: E402

from unitroles import health, setups  # noqa: E402

if not run.synthetic:
    models_table = pd.DataFrame()
    print("the paper profile studies your checkpoints; no book models are trained here")
else:
    trained = run.book_models()
    broden, transform = setups.dissection_data(
        profile, world_seed=world_seed, image_size=image_size
    )
    models_table = pd.DataFrame(
        [
            health.model_row(t, *(() if recipe.startswith("gen-") else (broden, transform)))
            for (recipe, _), t in trained.items()
        ]
    ).set_index(["recipe", "seed"])
if len(models_table):  # two tables, to fit the column: how fit each model is, then what it is
    shown = models_table.copy()
    for column in ("train acc", "val acc"):
        shown[column] = 100 * shown[column]
    IPython.display.display(
        report.table(
            shown[["train acc", "val acc", "late loss fall", "nearly dead (%)", "object units"]],
            headers={"train acc": "train acc (%)", "val acc": "val acc (%)"},
            decimals={"train acc": 1, "val acc": 1, "late loss fall": 2},
            wrap=True,
        )
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
    IPython.display.display(
        report.table(about, wrap=["studied layer (units)", "weakest class (val acc %)"])
    )

# %% [markdown]
# ## The regime: the paper's, not an easy world's
#
# Zhou et al.'s phenomenon, one unit costing a class tens of points, needs a layer without spare
# evidence for each class and a model that is not far from its decision boundaries. The targets
# below were set before any verdict on this world was seen: at most 1.5 conv5 units a class (the
# paper's AlexNet 0.7, this book's first world 4), a baseline validation accuracy in the paper's
# band (50–70%; the paper's 50.6%, the first world's 88%), and 100 validation images a class as in
# Places365. The [width sweep](zhou2018_units_per_class.ipynb) measures what units per class do.

# %%
if len(models_table):
    zhou = models_table.loc["baseline"]
    units = int(zhou["units"].iloc[0])
    per_class = recipes.recipe("baseline").scaled(data_scale, epoch_scale).eval_per_class
    regime = scale.regime_table(units, world.num_classes, 100 * zhou["val acc"], per_class)
    report.glue(
        {
            "regime_met": int((regime["met"] == "yes").sum()),
            "regime_total": len(regime),
            "regime_units_per_class": f"{units / world.num_classes:.2f}",
            "regime_accuracy": f"{100 * zhou['val acc'].mean():.1f}",
        }
    )
    IPython.display.display(report.table(regime, wrap=["why this target"]))

# %% [markdown]
# {glue:text}`regime_met` of {glue:text}`regime_total` regime targets are met: conv5 has
# {glue:text}`regime_units_per_class` units a class and the baseline classifies
# {glue:text}`regime_accuracy`% of the validation images right (mean over its seeds).
#
# ## Are the Zhou models fit to study?
#
# The targets below say what "converged, alive and object-detecting" means for the book's
# alexnet-mini family; each is measured on the table above.

# %%
targets = health.targets(models_table) if len(models_table) else pd.DataFrame()
if len(targets):
    report.glue(
        {
            "targets_met": int(targets["met"].sum()),
            "targets_total": len(targets),
            "baseline_val_range": targets.attrs["baseline_val_range"],
        }
    )
    IPython.display.display(report.table(targets))
report.takeaway(
    f"The world has {world.num_classes} scene classes in {len(scenes.SIBLINGS)} minimal pairs, "
    f"drawn from {len(scenes.OBJECTS)} objects, {len(scenes.TEXTURES)} textures and "
    f"{len(scenes.COLORS)} colours, with a ground-truth label for every pixel; {shared} objects "
    "are common in two or more classes, so a unit that detects one of them can matter for a few "
    "related classes, as in the papers."
    + (
        f" Zhou et al.'s pages are in the paper's regime on {int((regime['met'] == 'yes').sum())} "
        f"of {len(regime)} targets ({units / world.num_classes:.2f} conv5 units a class, the "
        f"baseline at {100 * zhou['val acc'].mean():.1f}%); {int(targets['met'].sum())} of "
        f"{len(targets)} fitness targets of the book's models are met."
        if len(targets)
        else ""
    ),
    note="The papers use ImageNet, Places365 and Broden; this world stands in for them, so "
    "every number in the book is about these images, not the papers' data.",
)

# %% [markdown]
# {glue:text}`targets_met` of {glue:text}`targets_total` targets are met. The baseline's five
# seeds reach {glue:text}`baseline_val_range`% validation accuracy.
