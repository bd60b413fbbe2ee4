"""The figures of Zhao et al. 2023's pages: ROF curves, role maps and the five models' roles.

Each function draws one figure (or one panel) from a :class:`~unitroles.roles.Taxonomy` or the
five models' :class:`~unitroles.generalization.ModelRoles`, in the book's look
(:mod:`unitroles.plots`). A page's whole figure (:func:`turning_points_figure`,
:func:`taxonomy_figure`, :func:`role_space_figure`, :func:`shares_figure`) comes back with its
caption and alt text (:func:`unitroles.plots.caption`); the others leave them to the page.
Curves are cross-entropy in nats against the number of units switched on; role proportions and
shares are in % of the layer's units or of the classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from . import plots, tables
from .role_bands import class_roles, in_words, ranked_roles
from .roles import ROLES, Taxonomy

TRAIN_COLOUR, TEST_COLOUR = plots.PALETTE[0], plots.PALETTE[3]


def rof_panel(ax, tax: Taxonomy, k: int, *, turning_points: bool = True) -> None:
    """Class ``k``'s train and test ROF curves on ``ax`` over its role bands
    (:func:`unitroles.plots.role_bands`); ``turning_points``: a dot at each curve's minimum."""
    n = np.arange(tax.units + 1)
    n0_train, n0_test = int(tax.n0_train[k]), int(tax.n0_test[k])
    plots.role_bands(ax, n0_train, n0_test, tax.units)
    ax.plot(n, tax.train.loss[k], color=TRAIN_COLOUR, label="train curve")
    ax.plot(n, tax.test.loss[k], color=TEST_COLOUR, label="test curve")
    if turning_points:
        ax.plot(n0_train, tax.train.loss[k, n0_train], "o", color=TRAIN_COLOUR)
        ax.plot(n0_test, tax.test.loss[k, n0_test], "o", color=TEST_COLOUR)


def role_map(ax, tax: Taxonomy) -> None:
    """Every class of ``tax`` as a row of its units in the class's rank order, coloured by role
    (:data:`unitroles.plots.ROLE_COLORS`); rows sorted by their number of core units."""
    cmap = ListedColormap([plots.ROLE_COLORS[r] for r in ROLES])
    ranked = ranked_roles(tax)
    by_core = np.argsort(tax.counts()["core"].to_numpy(), kind="stable")
    ax.imshow(
        ranked[by_core], aspect="auto", cmap=cmap, vmin=-0.5, vmax=3.5, interpolation="none",
        extent=(0, tax.units, len(ranked), 0),
    )  # fmt: skip
    ax.set_yticks([])
    ax.grid(False)


def turning_points_figure(
    tax: Taxonomy, k: int, summary: Mapping[str, pd.DataFrame], *, model: str, layer: str
):
    """Fig. 1: (a) class ``k``'s train and test ROF curves, each turning point dotted and
    labelled; (b) the histogram of every class's turning points (% of the layer's units).
    ``summary``: per split, :func:`~unitroles.rof.rof_summary`; ``model`` and ``layer`` name
    what ``tax`` measured, in the title and caption. Returns the figure, captioned and with alt
    text."""
    title = f"(a) {tables.pretty(tax.class_names[k])}, {model}"
    n = np.arange(tax.units + 1)
    fig, (ax_a, ax_b) = plots.figure(2, width=7.0, height=3.1)
    for split, colour, height in (("train", TRAIN_COLOUR, 0.62), ("test", TEST_COLOUR, 0.8)):
        curve = getattr(tax, split).loss[k]
        n0 = int(summary[split]["n0"].iloc[k])
        ax_a.plot(n, curve, color=colour, label=f"{split} images")
        ax_a.plot(n0, curve[n0], "o", color=colour, ms=6)
        # the label sits in the empty upper middle of the panel, an arrow from its lower left
        # corner pointing at its dot (clear of the legend on the right)
        ax_a.annotate(
            f"$n_0$ = {n0} ({split})", (n0, curve[n0]), xytext=(0.45, height),
            textcoords="axes fraction", color=colour, fontsize=plots.SMALL,
            arrowprops={
                "arrowstyle": "->", "color": colour, "lw": 0.8, "shrinkB": 4, "relpos": (0, 0)
            },
        )  # fmt: skip
        ax_b.hist(
            summary[split]["n0_fraction"] * 100, bins=np.linspace(0, 100, 21), alpha=0.6,
            color=colour, label=f"{split} curves",
        )  # fmt: skip
    ax_a.set(xlabel="units switched on, n", ylabel="cross-entropy E(n) (nats)", title=title)
    ax_a.legend(fontsize=plots.SMALL, loc="center right")  # below the n0 labels
    ax_b.set(
        xlabel="turning point n0 (% of the layer's units)", ylabel="classes",
        title="(b) turning points of every class",
    )  # fmt: skip
    ax_b.legend(fontsize=plots.SMALL)
    n0 = {split: int(summary[split]["n0"].iloc[k]) for split in summary}
    median = {split: 100 * summary[split]["n0_fraction"].median() for split in summary}
    return plots.caption(
        fig,
        f"(a) The ROF curves of the class {tables.pretty(tax.class_names[k])} in {model}: "
        f"cross-entropy (nats) on its training and test images with the first n ranked units of "
        f"{layer} on; dots mark the turning points n0. (b) The turning points of every class's "
        "train and test curves, as a percentage of the layer's units.",
        alt=f"Loss curves falling from n = 0 to a minimum at n0 = {n0['train']} (train) and "
        f"{n0['test']} (test) of {tax.units} units, then rising; a histogram of turning points "
        f"with medians {median['train']:.0f}% (train) and {median['test']:.0f}% (test) of the "
        "units.",
    )


def five_models_figure(models: Mapping, k: int, mean_divergence: pd.Series, title: str):
    """Fig. 3: class ``k``'s ROF curves over its role bands in each of the five models
    (``models``: name -> :class:`~unitroles.generalization.ModelRoles`), titled with the model's
    gap and role counts, and a last panel of each model's ``mean_divergence`` (nats) against its
    generalization gap. Returns the figure."""
    fig, axes = plots.figure(2, 3, width=7.0, height=8.6)  # 3 rows of 2: titles fit
    for letter, ax, (name, m) in zip("abcde", axes.flat, models.items()):
        c = m.taxonomy.counts().iloc[k]
        if ax is not axes[0, 0]:
            ax.sharey(axes[0, 0])
        rof_panel(ax, m.taxonomy, k, turning_points=False)
        ax.set_title(
            f"({letter}) {name} (gap {m.gap:.2f})\n{c['core']} core, {c['overfitted']} overf., "
            f"{c['generalizing']} gen., {c['confusing']} conf.",
            fontsize=plots.SMALL,
        )
        ax.set_xlabel("units switched on, n", fontsize=plots.SMALL)
    for ax in axes[:, 0]:
        ax.set_ylabel("cross-entropy E(n) (nats)", fontsize=plots.SMALL)
    axes[0, 0].legend(handles=axes[0, 0].get_lines()[:2], fontsize=plots.SMALL)
    ax = axes[-1, -1]
    gaps = pd.Series({name: m.gap for name, m in models.items()})
    ax.plot(gaps, mean_divergence, "o", color="0.3")
    for name in models:
        xy = (gaps[name], mean_divergence[name])
        ax.annotate(name[-1], xy, xytext=(4, 2), textcoords="offset points")
    ax.set_xlabel("generalization gap (fraction)", fontsize=plots.SMALL)
    ax.set_ylabel("mean curve divergence (nats)", fontsize=plots.SMALL)
    ax.set_title("(f) train–test divergence,\nmean over classes", fontsize=plots.SMALL)
    plots.role_legend(fig)
    fig.suptitle(title, fontsize=10)
    return fig


ROLE_SPACE = ("core", "overfitted", "confusing")
"""The axes of Zhao et al.'s Fig. 4 (generalizing units are rare and left out)."""


def role_space_figure(points: pd.DataFrame):
    """Fig. 4: every (model, class) point of ``points`` (columns ``model`` and
    :data:`ROLE_SPACE`, in % of the layer's units) in the three 2-D projections of the role
    space, each model's mean point outlined and lettered. Returns the figure, captioned and with
    alt text (each model's mean point)."""
    models = list(dict.fromkeys(points["model"]))
    colours, markers = dict(zip(models, plots.PALETTE)), dict(zip(models, "osD^v"))
    fig, axes = plots.figure(3, width=7.0, height=3.2)
    pairs = [("core", "overfitted"), ("core", "confusing"), ("overfitted", "confusing")]
    for ax, (a, b) in zip(axes, pairs):
        for name, group in points.groupby("model", sort=False):
            ax.scatter(
                group[a], group[b], s=12, color=colours[name], marker=markers[name], alpha=0.45,
                lw=0, label=name,
            )  # fmt: skip
        centres = points.groupby("model", sort=False)[[a, b]].mean()
        for name, (ca, cb) in centres.iterrows():  # each model's mean point, on top
            ax.scatter(
                ca, cb, s=90, color=colours[name], marker=markers[name], edgecolor="black",
                lw=1.2, zorder=5,
            )  # fmt: skip
        ax.set_xlabel(f"{a} (% of units)")
        ax.set_ylabel(f"{b} (% of units)")
        # each axis spans its data (not 0-100): the clouds and the mean points fill the panel
        ax.set_xlim(-2, 1.05 * max(10, points[a].max()))
        ax.set_ylim(-2, 1.05 * max(10, points[b].max()))
        plots.label_points(  # letters that neither cover one another nor a mean point
            ax, centres[a], centres[b], [name[-1] for name in centres.index], weight="bold",
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
        )  # fmt: skip
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", ncol=len(models), fontsize=plots.SMALL,
        markerscale=1.5,
    )  # fmt: skip
    means = points.groupby("model", sort=False)[list(ROLE_SPACE)].mean()
    return plots.caption(
        fig,
        "Every class of every model as a point: the share of the layer's units (%) that are core, "
        "overfitted and confusing for it, in the three 2-D projections of the paper's 3-D plot. "
        "Small marks are classes, large outlined marks each model's mean point (letters A–E).",
        alt="Three scatter plots of per-class role proportions for models A to E. Mean points "
        "(core, overfitted, confusing %): "
        + "; ".join(
            f"{name}: {m['core']:.0f}, {m['overfitted']:.0f}, {m['confusing']:.0f}"
            for name, m in means.iterrows()
        )
        + ".",
    )


def proportion_bars(panels: Mapping[str, pd.DataFrame]):
    """Table 2 as bars: one panel per ``panels`` entry (title -> a
    :func:`~unitroles.roles.mean_std` table of fractions, one row a model), the mean proportion
    of each role (%) with one standard deviation as whiskers. Returns the figure."""
    fig, axes = plots.figure(len(panels), width=7.0, height=3.2, sharey=True)
    width = 0.2
    for ax, (label, t) in zip(axes, panels.items()):
        x = np.arange(len(t))
        for i, r in enumerate(ROLES):
            ax.bar(
                x + (i - 1.5) * width, 100 * t[(r, "mean")], width, yerr=100 * t[(r, "std")],
                color=plots.ROLE_COLORS[r], edgecolor="0.3", lw=0.5, error_kw={"lw": 0.7},
            )  # fmt: skip
        ax.set_xticks(x, [name.replace("model ", "") for name in t.index])
        ax.set_xlabel("model (A best generalized → E worst)")
        ax.set_title(label)
    axes[0].set_ylabel("units in the role (% of the layer)")
    plots.role_legend(fig)  # below the panels, off the bars
    return fig


def share_distributions(shares: Mapping[str, pd.DataFrame], roles: Sequence[str]):
    """Table 3 as curves: for each of ``roles``, the cumulative distribution over units of the
    role share (% of classes), one line per model (``shares``: name -> units x roles, fractions).
    Returns the figure."""
    fig, axes = plots.figure(len(roles), width=7.0, height=2.9, sharey=True)
    for letter, ax, role in zip("abcdef", axes, roles):
        for (name, s), colour in zip(shares.items(), plots.PALETTE):
            values = np.sort(100 * s[role].to_numpy())
            fraction = np.arange(1, len(values) + 1) / len(values)
            ax.step(values, fraction, where="post", color=colour, label=name)
        ax.set_xlabel(f"{role} share (% of classes)")
        ax.set_xlim(-2, 102)
        ax.set_title(f"({letter}) {role}")
    axes[0].set_ylabel("units with at most this share (fraction)")
    axes[0].legend(fontsize=plots.SMALL)
    return fig


def shares_figure(shares: Mapping[str, pd.DataFrame]):
    """Table 3's figure: :func:`share_distributions` of the core, overfitted and confusing
    shares (:data:`ROLE_SPACE`; generalizing shares are near zero). Returns the figure,
    captioned and with alt text (each model's median overfitted share)."""
    fig = share_distributions(shares, ROLE_SPACE)
    return plots.caption(
        fig,
        "The distribution of each role share over the layer's units (cumulative): for a share on "
        "the x axis (% of classes for which a unit plays the role), the fraction of units with at "
        "most that share; one line per model. Generalizing shares are left out, being near zero.",
        alt="Three cumulative distribution plots (core, overfitted, confusing share). Median "
        "unit, overfitted share: "
        + ", ".join(f"{name} {100 * s['overfitted'].median():.0f}%" for name, s in shares.items())
        + ".",
    )


def accuracy_panels(
    panels: Mapping[str, pd.DataFrame], seeds: Mapping[str, pd.DataFrame] | None = None
):
    """Table 1 as a figure: per panel (title -> a table of ``train_acc``, ``test_acc`` and
    ``gap``, fractions, one row a model), train and test accuracy as lines over the models and
    the gap as grey bars. ``seeds``: for a panel, one row per (model, seed) with a ``model``
    column, drawn as small marks beside the lines. Returns the figure."""
    fig, axes = plots.figure(len(panels), width=7.0, height=3.0)
    for ax, (label, df) in zip(axes, panels.items()):
        x = range(len(df))
        ax.plot(x, df["train_acc"], "o-", label="train accuracy")
        ax.plot(x, df["test_acc"], "s-", label="test accuracy")
        if seeds is not None and label in seeds:
            at = {m: i for i, m in enumerate(df.index)}
            one = seeds[label]
            xs = one["model"].map(at).to_numpy()
            for col, colour in (("train_acc", "C0"), ("test_acc", "C1")):
                ax.plot(xs, one[col], "_", color=colour, markersize=7, alpha=0.8)
        ax.bar(x, df["gap"], color="0.85", label="gap (train − test)", zorder=0)
        ax.set_xticks(list(x), [m.replace("model ", "") for m in df.index])
        ax.set_xlabel("model")
        ax.set_ylabel("accuracy (fraction)")
        ax.set_ylim(0, 1.05)
        ax.set_title(label)
    fig.legend(  # below the panels: inside, it crossed the accuracy lines
        *axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3,
        fontsize=plots.SMALL,
    )  # fmt: skip
    return fig


def taxonomy_figure(models: Mapping, k: int, names: Sequence[str]):
    """Fig. 2 from real curves: for each of the two models ``names`` (of ``models``: name ->
    :class:`~unitroles.generalization.ModelRoles`), (a, b) class ``k``'s train and test ROF
    curves over its role bands (:func:`rof_panel`) and (c, d) every class's role map
    (:func:`role_map`). Returns the figure, captioned and with alt text."""
    shown = tables.pretty(models[names[0]].taxonomy.class_names[k])
    fig, axes = plots.figure(2, 2, width=7.0, height=5.8)
    for col, (name, letters) in enumerate(zip(names, ("ac", "bd"))):
        ax_curve, ax_map, tax = axes[0, col], axes[1, col], models[name].taxonomy
        rof_panel(ax_curve, tax, k)
        ax_curve.set(
            xlabel="units switched on, n (in rank order)", ylabel="cross-entropy E(n) (nats)",
            title=f"({letters[0]}) {shown}, {name} (gap {models[name].gap:.2f})",
        )  # fmt: skip
        ax_curve.legend(handles=ax_curve.get_lines()[:2], fontsize=plots.SMALL)
        role_map(ax_map, tax)
        ax_map.set(
            xlabel="units switched on, n (in rank order)", ylabel="classes (by core units)",
            title=f"({letters[1]}) every class of {name}",
        )  # fmt: skip
    plots.role_legend(fig)
    counts = {name: in_words(class_roles(models[name].taxonomy, k)) for name in names}
    return plots.caption(
        fig,
        f"(a, b) Train and test ROF curves of {shown} in {names[0]} and {names[1]} "
        "(cross-entropy, nats); dots mark the two turning points, and the bands colour the units "
        "by role in the order they are switched on. (c, d) Every class of each model, one row "
        "each, its units in that class's rank order, coloured the same way.",
        alt=f"Loss curves and role maps for {names[0]} and {names[1]}. "
        + "; ".join(f"{name}, {shown}: {c}" for name, c in counts.items())
        + ".",
    )
