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
# # Zhou et al. 2018, Fig. 2: a gallery of ablated units
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Fig. 2 of the paper shows five units, each with its top images, the sorted class drops its
# ablation causes and overall accuracy before and after. We draw the same panels for conv5 units
# of the book's baseline alexnet-mini, the interpretable ones (dissection IoU > 0.04) that damage
# some class most, topped up with the most damaging others, on several seeds of the recipe. The
# most damaged class *matches* the unit when the world's masks (not its recipes) say that at least
# 30% of its validation images hold the unit's concept over 1% of the pixels or more (a scene
# concept: that scene's images); a unit that damages no class (every drop ≤ 0) has no match.
# Drops are in percentage points; positive = worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
seeds = [0, 1, 2, 3, 4]  # baseline instances; the gallery shows the first
n_units = 5  # units in the gallery
top_k = 5  # images shown per unit
dissect_per_class = 50
# paper profile only
checkpoint = None  # or $UNITROLES_CHECKPOINT
val_root = None  # or $UNITROLES_VAL_ROOT
broden_root = None  # or $UNITROLES_BRODEN
eval_per_class = 10


# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from IPython.display import display

from unitroles import params, profiles

run = profiles.check(
    globals(),
    {
        **params.COMMON,
        **params.ZHOU_PAPER,
        **params.BRODEN,
        "layer": params.Str(),
        "seeds": params.List(params.Int(min=0), min_len=1),
        "n_units": params.Int(min=1),
        "top_k": params.Int(min=1),
    },
)

# %%
from unitroles import concept_units, plots, report, unit_gallery

plots.use_style()
seeds = run.seeds(seeds)  # paper: your checkpoint; smoke: two seeds, the code path only
studies = run.unit_studies(seeds, layer=layer)
# which classes hold which concept, from the world's masks (None on the paper profile)
shares = concept_units.presence(run.world, studies)
galleries = [unit_gallery.gallery(st, n_units, shares) for st in studies]
for st in studies:
    print(st.setup.description, f"— top-1 accuracy {st.counts.base_overall_accuracy():.1f}%")

# %%
unit_gallery.figure(studies[0], galleries[0], seed=seeds[0], layer=layer, top_k=top_k)
plots.show()

# %% [markdown]
# ## The gallery in numbers
#
# Seed {glue:text}`seed0`'s gallery, the paper's waterfall unit below it; then every seed's
# gallery in one line: how many of its units' most damaged classes hold the unit's concept,
# against the number a class drawn at random would give (the sum over the units of the share of
# classes holding the unit's concept).

# %%
display(unit_gallery.table(galleries[0]))
per_seed = unit_gallery.per_seed(seeds, galleries)
display(report.table(per_seed))

# %%
if shares is not None:  # the paper profile has no masks: no match to count
    unit_gallery.match_figure(seeds, per_seed, n_units)
    plots.show()

# %%
z2 = unit_gallery.judge(seeds, galleries)  # the match pooled over seeds, the rest seed by seed
z2.show("Z2", paper=unit_gallery.PAPER, profile=profile)

# %% [markdown]
# On seed {glue:text}`seed0`, the most damaged class holds the unit's concept for
# {glue:text}`n_match` of the {glue:text}`n_units` units, against {glue:text}`n_chance` by chance;
# half the units or more match on {glue:text}`seeds_match` of the {glue:text}`n_seeds` seeds. That
# match is the paper's central statement; a seed's units are too few to vote with, so the core
# check pools all seeds' units: {glue:text}`pooled_match` match (95% interval
# {glue:text}`pooled_interval`), passing when the interval lies at or above one half, failing when
# below, undecided when it straddles it; the other checks are voted seed by seed. The worst-hit
# class loses a median {glue:text}`median_max_drop` pts on seed {glue:text}`seed0`
# ({glue:text}`median_max_drop_range` pts over the seeds), while no unit of that gallery moves
# overall accuracy by more than {glue:text}`max_overall` pts. Some classes gain when a unit goes
# (median largest gain {glue:text}`median_gain` pts); the paper found such gains unrelated to the
# unit.
