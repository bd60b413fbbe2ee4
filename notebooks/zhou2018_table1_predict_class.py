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
# # Zhou et al. 2018, Table 1: predicting the class a unit matters most for
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# If attributes say something about a unit's role, they should predict which class suffers most
# when the unit is ablated, and do so across independently trained networks. Zhou et al. train
# five AlexNet-Places365 instances from different seeds, fit a logistic regression on the conv5
# units of three (features: a unit's whole class-correlation, class-selectivity or concept-IoU
# *vector*; label: the class with the largest accuracy drop) and test it on the units of the
# other two; an ensemble averages the three models' probabilities. We repeat this with five
# instances of the book's baseline alexnet-mini. Units whose ablation hurts no class have no
# label and are left out. Accuracies are in %.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
train_seeds = [0, 1, 2]  # instances whose units train the classifiers
test_seeds = [3, 4]  # held-out instances
regularization = 1.0  # inverse L2 strength of the logistic regression (scikit-learn's C)
dissect_per_class = 50
# paper profile only: <instances_dir>/alexnet-seed<N>.pth for every seed above
instances_dir = None  # or $UNITROLES_INSTANCES
val_root = None  # or $UNITROLES_VAL_ROOT
broden_root = None  # or $UNITROLES_BRODEN
eval_per_class = 10


# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from unitroles import params, profiles

run = profiles.check(
    globals(),
    {
        **params.COMMON,
        "layer": params.Str(),
        "train_seeds": params.List(params.Int(min=0), min_len=1),
        "test_seeds": params.List(params.Int(min=0), min_len=1),
        "regularization": params.Float(min=0, min_open=True),
        "dissect_per_class": params.Int(min=1),
        **params.ZHOU_INSTANCES,
    },
)

# %%
from IPython.display import display

from unitroles import class_prediction, plots, report, study

plots.use_style()
if run.smoke:  # seconds, not minutes: the code path, not the science
    train_seeds, test_seeds = train_seeds[:2], test_seeds[:1]
# paper: one AlexNet per seed from instances_dir, trained by you (the paper's are not published)
train = run.unit_studies(train_seeds, layer=layer)
test = run.unit_studies(test_seeds, layer=layer)
# Instances too weak to hurt more than one class leave nothing to predict: the page then shows
# the claim as not measured, and why (prediction.why), rather than stopping.
prediction = study.predict_most_damaged(
    train, test, regularization=regularization, if_nothing="report"
)
accuracy = prediction.accuracy()
chance = prediction.chance()
for s in train + test:
    print(s.setup.description, f"— top-1 accuracy {s.counts.base_overall_accuracy():.1f}%")

# %%
class_prediction.figure(prediction, layer, len(test))

# %% [markdown]
# ## Beside the paper

# %%
n_train = sum(s.units for s in train)
print(
    f"{n_train} training units ({len(train)} instances), {len(prediction.units)} held-out units "
    f"({len(test)} instances), {prediction.excluded} units hurt no class and are left out; "
    f"{len(prediction.class_names)} classes (the paper: 365)."
)
display(report.table(class_prediction.paper_table(prediction), decimals=2))

# %%
report.glue(class_prediction.glue_values(prediction))
report.claim(
    "Z6",
    ours=(
        f"concept {accuracy['concept']:.1f}%, correlation {accuracy['correlation']:.1f}%, "
        f"selectivity {accuracy['selectivity']:.1f}%, ensemble {accuracy['ensemble']:.1f}% "
        f"({len(prediction.class_names)} classes; honest baseline {chance['majority']:.1f}%, "
        f"always naming the most common label; uniform chance {chance['uniform']:.1f}%)"
        if not prediction.why
        else "no units to predict"
    ),
    checks=class_prediction.checks(prediction),
    profile=profile,
    unmeasured=prediction.why or None,
)

# %% [markdown]
# **The core check was rewritten** to say what the paper says (issue 25), before the run that
# shows its outcome; the old check is evaluated on this run too, and not counted:

# %%
outcomes = {**class_prediction.checks(prediction), **class_prediction.old_checks(prediction)}
report.check_changes("Z6", outcomes if not prediction.why else {})

# %%
singles = accuracy.drop("ensemble")
report.takeaway(
    f"on {len(prediction.units)} held-out units, the attributes predict the most damaged class "
    + ", ".join(f"{study.FEATURE_LABELS[f].lower()} {accuracy[f]:.1f}%" for f in accuracy.index)
    + f" of the time, against {chance['uniform']:.1f}% for a uniform guess over "
    f"{len(prediction.class_names)} classes and {chance['majority']:.1f}% for always naming the "
    f"most common label: Cohen's κ {prediction.kappa().drop('ensemble').min():.2f} at least (the "
    f"core check's line {class_prediction.KAPPA_LINE}; the paper's about 0.39)."
    if not prediction.why
    else "the instances leave nothing to predict, so the test could not be made.",
    paper="trained on the conv5 units of three AlexNet instances and tested on two others, each "
    "attribute predicts the class a unit matters most for about 38% of the time over 365 "
    "classes (chance 0.27%): a unit's role carries over between independently trained networks.",
    claim="Z6",
)

# %% [markdown]
# On {glue:text}`n_heldout` held-out units, concept alignment predicts the most damaged class
# {glue:text}`acc_concept` of the time, class correlation {glue:text}`acc_correlation`, class
# selectivity {glue:text}`acc_selectivity` and their ensemble {glue:text}`acc_ensemble`, against
# {glue:text}`chance_uniform` for a uniform guess and {glue:text}`chance_majority` for always
# naming the most common label. {glue:text}`excluded` units hurt no class and were left out.
# Our world has {glue:text}`n_classes` classes to the paper's 365, so chance is far higher here,
# and raw percentages do not compare. Cohen's κ does: it counts the agreement above what the
# label frequencies give by chance, as a share of what is left above it. The attributes' κ are
# {glue:text}`kappa_concept` (concept), {glue:text}`kappa_correlation` (correlation) and
# {glue:text}`kappa_selectivity` (selectivity); the paper's weakest attribute is about
# {glue:text}`paper_kappa`. The concept vector leaves out the world's scene labels: they are its
# classes, so a unit's IoU with a scene would already name one (Broden's scene labels overlap
# Places365's classes only in part).
#
# The claim's core check is the paper's central statement: every attribute predicts the class
# well above chance, here a κ of at least 0.25 (the paper's are about 0.38). Beating the most
# common label and the ensemble matching the best single attribute are details of the paper's
# table.
