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
# Both papers run on ImageNet or Places365, with Broden's pixel-level concept labels for network
# dissection. None of these can be used here, so the book runs on a procedurally drawn world built
# to show the same phenomena. Scenes are the classes; each is a recipe of **objects**
# (bed, lamp, wheel, ...), background **textures** and **colors**, and objects are shared between
# scenes, so a unit that detects "bed" should matter for bedroom, hotel room and youth hostel and
# little else. Every pixel carries its ground-truth object, texture and color label, which real
# data never has. This page shows the world, its recipes and its masks.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper (the paper profile has no synthetic world: shown anyway)
data_scale = 1.0  # fraction of the book profile's image counts
epoch_scale = 1.0
world_seed = 0
image_size = 48

# %%
import numpy as np
import pandas as pd

from unitroles import plots, report, scenes

plots.use_style()
world = scenes.SceneWorld(size=image_size, seed=world_seed)
speed = scenes.render_speed(world, n=max(64, int(2048 * data_scale)))
report.glue(
    {
        "n_classes": world.num_classes,
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
# the same on every machine for a given seed; its class is *i* mod {glue:text}`n_classes`.
#
# ## One image of every class

# %%
images, labels, masks = world.sample("val", np.arange(world.num_classes))
fig = plots.image_grid(images, [world.class_names[k] for k in labels], ncols=8)

# %% [markdown]
# ## Per-pixel concept masks
#
# Each image comes with three label maps: the object at each pixel, the background texture
# (objects carry none) and the named color it was painted with, before jitter and noise.

# %%
rows = [0, 10, 16, 21]
fig, axes = plots.figure(4, len(rows), width=7.5, height=1.9 * len(rows))
for r, i in enumerate(rows):
    axes[r, 0].imshow(images[i].permute(1, 2, 0).numpy(), interpolation="nearest")
    axes[r, 0].set_axis_off()
    axes[r, 0].set_title(world.class_names[labels[i]].replace("_", " "), fontsize=9)
    for c, (cat, names, colors) in enumerate(
        [
            ("object", scenes.OBJECTS, None),
            ("texture", scenes.TEXTURES, None),
            ("color", scenes.COLOR_NAMES, list(scenes.COLORS.values())),
        ]
    ):
        plots.label_map(axes[r, c + 1], masks[cat][i], names, title=f"{cat} mask", colors=colors)

# %% [markdown]
# ## The class recipes
#
# Objects marked with a probability appear in only that fraction of a class's images; the rest
# always appear. A distractor object from any class is added to some images.

# %%
pd.DataFrame(world.class_table()).set_index("class")

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
fig, ax = plots.figure(width=7.0, height=6.0)
im = ax.imshow(freq.values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
ax.set_xticks(range(len(freq.columns)), freq.columns, rotation=60)
ax.set_yticks(range(len(freq.index)), freq.index)
ax.grid(False)
fig.colorbar(im, ax=ax, label="fraction of the class's images containing the object")
shared = int(((freq > 0.5).sum(axis=0) >= 2).sum())
report.glue({"shared_objects": shared, "freq_images": n_per_class})
plots.show()

# %% [markdown]
# {glue:text}`shared_objects` of the objects are common (in more than half of the images) in two or
# more classes, measured on {glue:text}`freq_images` validation images per class.
