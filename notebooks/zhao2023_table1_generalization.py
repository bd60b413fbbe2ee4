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
# # Zhao et al. 2023, Table 1: five models, small to large generalization gaps
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# The role taxonomy of Zhao et al. is built to tell well-generalized from poorly generalized
# networks, so the paper first trains five VGG16 models on ImageNet with different
# hyper-parameters, from model A (generalization gap 0.075, the best test accuracy) to model E
# (0.604, the worst), where the gap is training accuracy minus test accuracy. Every later figure
# of that paper compares these five. Here we train five vgg16-mini models (with batch norm) on
# the synthetic world with recipes `gen-A` … `gen-E` that differ mainly in training-set size (and
# in augmentation, weight decay and dropout). Each stops where the paper's model stands instead of
# training to zero loss: at the end of the first epoch on which it classifies the paper's share
# of its training images correctly (Table 1: 0.732, 0.730, 0.818, 0.828 and 0.978 for A to E).
# Each rung is trained from three seeds, and every number below is their mean with their range.
# Do the gaps span the paper's range, and does test accuracy fall from A to E as in the paper?

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0  # scales the recipes' image counts (smoke runs use a few images)
epoch_scale = 1.0  # scales the recipes' epochs
world_seed = 0
image_size = 48
# paper profile only: five VGG16 checkpoints gen-A.pth .. gen-E.pth and ImageFolder splits
checkpoint_dir = None  # or $UNITROLES_CHECKPOINTS
train_root = None  # or $UNITROLES_TRAIN_ROOT
val_root = None  # or $UNITROLES_VAL_ROOT
eval_per_class = 50
skip_unreadable = False  # paper profile: leave out images that do not decode (counted)

# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from unitroles import params, profiles

run = profiles.check(globals(), {**params.COMMON, **params.ZHAO_PAPER})

# %%
from IPython.display import display

from unitroles import ladder, plots, report, role_figures, zhao2023

plots.use_style()
if run.synthetic:  # the five rungs, trained from each seed: {seed: {"model A": Trained, …}}
    ladders = ladder.trained_ladders(run)
    per_seed = ladder.accuracy_rows(ladders)  # a (model, seed) a row
else:  # your five checkpoints, as one seed
    ladders, per_seed = None, ladder.paper_accuracy_rows(
        checkpoint_dir, train_root, val_root, per_class=eval_per_class, image_size=image_size,
        skip_unreadable=skip_unreadable,
    )  # fmt: skip
ours = zhao2023.accuracy_means(per_seed)  # the mean over seeds, a model a row

# %% [markdown]
# ## Our five models beside the paper's

# %%
arch = run.arch("vgg16-mini", "VGG16")
display(zhao2023.accuracy_table(per_seed, arch=arch, profile=profile))

# %% [markdown]
# The recipes that trained our five models (the Zhao chapter page shows this table too):

# %%
recipe_table = zhao2023.recipe_table(ladders, ours)
report.glue({"recipe_table": recipe_table})  # an HTML table: the chapter page pastes it
display(recipe_table)

# %%
paper = zhao2023.TABLE1  # Zhao et al. 2023, Table 1 (VGG16, ImageNet)
fig = role_figures.accuracy_panels(
    {"(a) paper": paper, "(b) ours": ours}, seeds={"(b) ours": per_seed}
)
plots.caption(fig, **zhao2023.accuracy_caption(paper, ours))
plots.show()

# %% [markdown]
# ## The claim

# %%
z3 = zhao2023.judge(per_seed)  # each check voted over the seeds
z3.show("R3", paper=zhao2023.PAPER, profile=profile)

# %% [markdown]
# Averaged over {glue:text}`seeds_n` seeds, our model A generalizes with a gap of
# {glue:text}`gap_A` (test accuracy {glue:text}`test_A`); model E fits its training images to
# {glue:text}`train_E` and reaches only {glue:text}`test_E` on test images, a gap of
# {glue:text}`gap_E`. Test accuracy ({glue:text}`test_ladder`, A → E)
# {glue:text}`test_falls`. The paper reaches its range with ImageNet-scale hyper-parameter
# changes; ours comes mostly from the size of the training set, the lever that is cheap to pull
# on a CPU: fewer images give both a lower test accuracy and a larger gap, as in the paper, where
# the best-generalized model is also the most accurate. A rung stops at the end of an epoch, so
# its training accuracy overshoots the paper's by up to one epoch's progress. Model E trains on
# 32 images a class: a class's training accuracy moves in steps of 3.1 pts, and its train ROF
# curve averages 32 images. Later pages use these models for the role taxonomy.
