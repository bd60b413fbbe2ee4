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

from unitroles import health, plots, recipes, report, scenes, setups, world_page

plots.use_style()
# Zhou et al.'s pages' world (48 scenes in minimal pairs); the paper profile shows it too
world = scenes.SceneWorld(size=image_size, seed=world_seed, catalogue=recipes.ZHOU_WORLD)
speed = scenes.render_speed(world, n=max(64, int(2048 * data_scale)))
report.glue(world_page.world_glue(world, speed))
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
images, labels, masks = world.sample("val", np.arange(world.num_classes))  # one image a class
world_page.class_grid(world, images, labels)

# %% [markdown]
# ## Per-pixel concept masks
#
# Each image comes with three label maps: the object at each pixel, the background texture
# (objects carry none) and the named color it was painted with, before jitter and noise.

# %%
world_page.mask_figure(world, images, labels, masks, rows=world_page.MASK_ROWS)

# %% [markdown]
# ## The class recipes
#
# Objects marked with a probability appear in only that fraction of a class's images; the rest
# always appear. A distractor object from any class is added to some images. Each scene is
# followed by its sibling: same background, without the scene's signature object (or with
# another in its place).

# %%
display(world_page.recipe_table(world))

# %% [markdown]
# ## Objects are shared between scenes
#
# The fraction of each class's images (validation split) that contain each object. Columns with
# several dark cells are the shared concepts that make a single concept-detecting unit matter for a
# few related classes.

# %%
n_per_class = max(4, int(40 * data_scale))
freq = world_page.object_frequency(world, "val", n_per_class)  # classes x objects
shared = world_page.shared_objects(freq)
report.glue({"shared_objects": shared, "freq_images": n_per_class})

# %%
world_page.frequency_figure(freq, n_per_class)

# %% [markdown]
# {glue:text}`shared_objects` of the objects are common (in more than half of the images) in two or
# more classes, measured on {glue:text}`freq_images` validation images per class.
#
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
models_table = pd.DataFrame()  # the paper profile studies your checkpoints: no book models
if run.synthetic:
    broden, transform = setups.dissection_data(
        profile, world_seed=world_seed, image_size=image_size
    )
    # one health.model_row a model: accuracies, loss, dead and object units, layer, digest
    models_table = world_page.models_table(run.book_models(), broden, transform)
    display(*world_page.model_tables(models_table))
else:
    print("the paper profile studies your checkpoints; no book models are trained here")

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
regime_glue = None
if len(models_table):
    per_class = recipes.recipe("baseline").scaled(data_scale, epoch_scale).eval_per_class
    regime, regime_glue = world_page.regime(models_table, world.num_classes, per_class)
    report.glue(regime_glue)
    display(report.table(regime, wrap=["why this target"]))

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
    report.glue(world_page.targets_glue(targets))
    display(report.table(targets))
report.takeaway(world_page.takeaway_text(world, shared, regime_glue, targets), note=world_page.NOTE)

# %% [markdown]
# {glue:text}`targets_met` of {glue:text}`targets_total` targets are met. The baseline's five
# seeds reach {glue:text}`baseline_val_range`% validation accuracy.
