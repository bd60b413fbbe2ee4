"""Zhou et al. 2018, Fig. 5 over seeds: which unit attributes go with ablation damage.

For every seed's layer table (:meth:`unitroles.study.UnitStudy.table`: one row per unit, its
attributes and drops), :func:`measure` gives Spearman's r and p of every attribute with the
overall drop and with the max class drop, over all units and over the active units alone
(:meth:`unitroles.study.UnitStudy.live`), and the range a random attribute's r falls in (the
central 95% of ``draws`` random draws, :func:`unitroles.study.random_r_band`). The rest reads
the result: the scatter plots (:func:`scatter_figure`), the table of r (:func:`r_table`), the
random bands (:func:`band_table`), the dot plot of r (:func:`r_figure`), claim Z5's checks
(:func:`checks`) and the page's claim cell (:func:`judge`). Drops are in percentage points,
positive = worse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import plots, study
from .report import Judged

DROPS = {"overall_drop": "overall drop (pts)", "max_class_drop": "max class drop (pts)"}
ATTRS = [a for a in study.ATTRIBUTES if a != "random"]  # the attributes the claim is about
# the sign of r Zhou et al. report for AlexNet-Places365 conv5 (sec. 3.3 and Fig. 5)
PAPER_SIGN = {
    ("overall_drop", "random"): "≈ 0", ("overall_drop", "l1"): "+",
    ("overall_drop", "correlation"): "−", ("overall_drop", "selectivity"): "−",
    ("overall_drop", "iou"): "−", ("max_class_drop", "random"): "≈ 0",
    ("max_class_drop", "l1"): "+", ("max_class_drop", "correlation"): "+",
    ("max_class_drop", "selectivity"): "+", ("max_class_drop", "iou"): "+",
}  # fmt: skip


def drop_name(drop: str) -> str:
    """``"max_class_drop"`` -> ``"max class drop"``: a drop's label without its unit."""
    return DROPS[drop].replace(" (pts)", "")


def correlations(table: pd.DataFrame, keep: np.ndarray) -> dict:
    """``(drop, attribute) -> (r, p)``: Spearman's r and p over the units (rows) in ``keep``."""
    return {
        (drop, attr): study.spearman(table[attr][keep], table[drop][keep])
        for drop in DROPS
        for attr in study.ATTRIBUTES
    }


@dataclass
class Correlations:
    """Fig. 5's numbers for several seeds."""

    seeds: list[int]
    # ("all" | "active", seed) -> (drop, attribute) -> (r, p)
    results: dict
    # (drop, seed) -> the 95% range of r for a random attribute, all units
    bands: dict

    def r(self, subset: str, seed: int, drop: str, attr: str) -> float:
        """Spearman's r of ``attr`` with ``drop`` on ``seed``, over ``subset``'s units."""
        return self.results[(subset, seed)][(drop, attr)][0]

    def median_r(self, subset: str, drop: str, attr: str) -> float:
        """The median over seeds of :meth:`r` (NaN seeds skipped)."""
        return float(np.nanmedian([self.r(subset, s, drop, attr) for s in self.seeds]))

    def band_text(self, drop: str, seed: int) -> str:
        """A random attribute's 95% range of r, ``"-0.20 to +0.21"``."""
        return "{:+.2f} to {:+.2f}".format(*self.bands[(drop, seed)])


def measure(
    tables: Sequence[pd.DataFrame], active: Sequence[np.ndarray], seeds: Sequence[int], draws: int
) -> Correlations:
    """The correlations of every seed (one layer table and active-unit mask ``(units,)`` each),
    over all units and the active ones, and each seed's random band from ``draws`` draws
    (seeded by the seed)."""
    masks = {"all": [np.ones(len(t), bool) for t in tables], "active": list(active)}
    results = {
        (subset, s): correlations(t, keep)
        for subset in ("all", "active")
        for s, t, keep in zip(seeds, tables, masks[subset])
    }
    bands = {
        (drop, s): study.random_r_band(t[drop], draws=draws, seed=s)
        for drop in DROPS
        for s, t in zip(seeds, tables)
    }
    return Correlations(list(seeds), results, bands)


def active_note(seeds: Sequence[int], active: Sequence[np.ndarray]) -> str:
    """A sentence for the page naming the seeds on which every unit is active (whose *active*
    rows repeat their *all* rows); empty when there are none."""
    every_active = [str(s) for s, a in zip(seeds, active) if a.all()]
    if len(every_active) == len(seeds):
        return (
            "Every unit is active on every seed here, so each *active* row repeats the *all* row "
            "above it."
        )
    if every_active:
        return (
            f"Every unit is active on seed{'s' * (len(every_active) > 1)} "
            f"{', '.join(every_active)}, whose *active* values repeat their *all* values."
        )
    return ""


def scatter_figure(table: pd.DataFrame, seed: int, layer: str) -> None:
    """Fig. 5 for one seed, with its caption: each drop (rows) against each attribute (columns),
    one dot a unit, Spearman's r and p in the titles; far outliers drawn on the edge
    (:func:`unitroles.plots.clipped_scatter`)."""
    import matplotlib as mpl

    fig, axes = plots.figure(len(study.ATTRIBUTES), 2, width=7.0, height=4.8, sharey="row")
    clipped = 0
    for i, (drop, drop_label) in enumerate(DROPS.items()):
        ylim = plots.outlier_limits(table[drop])  # one far outlier does not squash the row
        for j, attr in enumerate(study.ATTRIBUTES):
            ax = axes[i, j]
            clipped += plots.clipped_scatter(
                ax, table[attr], table[drop], ylim=ylim, xlim=plots.outlier_limits(table[attr]),
                s=7, alpha=0.7, color=plots.PALETTE[i * 3],
            )  # fmt: skip
            r, p = study.spearman(table[attr], table[drop])
            letter = "abcdefghij"[i * len(study.ATTRIBUTES) + j]
            ax.set_title(f"({letter}) r = {r:.2f}\np = {p:.2g}", fontsize=plots.SMALL)  # 2 lines
            ax.tick_params(labelsize=plots.SMALL)
            ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(3))
            if i == 1:
                label = study.ATTRIBUTE_LABELS[attr].replace(" (", "\n(")
                ax.set_xlabel(label, fontsize=plots.SMALL)
        axes[i, 0].set_ylabel(drop_label.replace(" (", "\n("), fontsize=plots.SMALL)
    plots.caption(
        fig,
        f"Seed {seed}: each dot is one of the {len(table)} {layer} units. Top row: the overall "
        "accuracy drop when the unit is ablated; bottom row: its max class drop, both in "
        "percentage points (positive = worse), panels (a)–(j) row by row; columns: a random "
        "value, then the unit's weight L1 norm, class correlation, class selectivity and concept "
        "IoU. Titles give Spearman's r and its p-value. "
        + (
            f"{clipped} far outlying points (beyond 3 interquartile ranges) are drawn as open "
            "triangles on the panel's edge, the farthest value noted, so they do not squash the "
            "other points."
            if clipped
            else ""
        ),
        alt=f"Ten scatter plots of the {len(table)} units of seed {seed}: overall drop (top) and "
        "max class drop (bottom) against random value, weight L1 norm, class correlation, class "
        "selectivity and concept IoU. Spearman r: "
        + "; ".join(
            f"{drop_name(d)} vs {study.ATTRIBUTE_LABELS[a]} "
            f"{study.spearman(table[a], table[d])[0]:.2f}"
            for d in DROPS
            for a in study.ATTRIBUTES
        )
        + ".",
    )
    plots.show()


def r_table(corr: Correlations) -> pd.DataFrame:
    """One row per (drop, attribute, units: all | active): each seed's r, on how many seeds
    p < 0.05, and the sign of r the paper reports."""
    rows = []
    for drop in DROPS:
        for attr in study.ATTRIBUTES:
            for subset in ("all", "active"):
                rs = [corr.results[(subset, s)][(drop, attr)] for s in corr.seeds]
                rows.append(
                    {
                        "drop": drop_name(drop),
                        "attribute": study.ATTRIBUTE_LABELS[attr],
                        "units": subset,
                        **{f"r, seed {s}": r for s, (r, _) in zip(corr.seeds, rs)},
                        "seeds with p < 0.05": (
                            f"{sum(bool(p < 0.05) for _, p in rs)} of {len(corr.seeds)}"
                        ),
                        "paper (sign of r)": PAPER_SIGN[(drop, attr)],
                    }
                )
    return pd.DataFrame(rows).set_index(["drop", "attribute", "units"])


def band_table(corr: Correlations) -> pd.DataFrame:
    """A random attribute's 95% range of r, one row per drop, one column per seed."""
    return pd.DataFrame(
        {f"seed {s}": [corr.band_text(d, s) for d in DROPS] for s in corr.seeds},
        index=pd.Index([drop_name(d) for d in DROPS], name="r of"),
    )


def r_figure(corr: Correlations, layer: str) -> None:
    """Every seed's r of every attribute with the overall drop (a) and the max class drop (b),
    all units (circles) and active units (triangles), over the median random band; with its
    caption."""
    seeds = corr.seeds
    fig, axes = plots.figure(2, width=7.0, height=2.8, sharey=True)
    x = np.arange(len(study.ATTRIBUTES))
    for letter, ax, drop in zip("ab", axes, DROPS):
        lo = np.median([corr.bands[(drop, s)][0] for s in seeds])
        hi = np.median([corr.bands[(drop, s)][1] for s in seeds])
        ax.axhspan(lo, hi, color="0.85", label="random attribute, 95% of draws")
        ax.axhline(0, color="0.4", lw=0.8)
        for k, (subset, marker) in enumerate((("all", "o"), ("active", "^"))):
            for i, s in enumerate(seeds):
                r = [corr.r(subset, s, drop, a) for a in study.ATTRIBUTES]
                ax.scatter(
                    x + (k - 0.5) * 0.3, r, marker=marker, s=18 if i == 0 else 9,
                    color=plots.PALETTE[k], alpha=1 if i == 0 else 0.45,
                    label=f"{subset} units ({len(seeds)} seeds)" if i == 0 else None,
                )  # fmt: skip
        ax.set_xticks(x, [study.ATTRIBUTE_LABELS[a].split(" (")[0] for a in study.ATTRIBUTES])
        ax.tick_params(axis="x", labelsize=plots.SMALL, rotation=30)
        ax.set_title(f"({letter}) " + drop_name(drop), fontsize=plots.SMALL)
    axes[0].set_ylabel("Spearman r")
    fig.legend(
        *axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3,
        fontsize=plots.SMALL,
    )  # fmt: skip

    def medians(drop: str) -> str:
        return ", ".join(
            f"{study.ATTRIBUTE_LABELS[a]} "
            f"{np.median([corr.r('all', s, drop, a) for s in seeds]):.2f}"
            for a in study.ATTRIBUTES
        )

    plots.caption(
        fig,
        "Spearman's r between each attribute and the overall drop (left) or the max class drop "
        f"(right), every seed: circles over all {layer} units, triangles over the active units "
        "alone; the first seed's markers are larger. Grey: where a random attribute's r lands in "
        "95% of draws (median band over seeds). Positive r: the attribute goes with larger "
        "damage.",
        alt=f"Two dot plots of Spearman r for {len(study.ATTRIBUTES)} attributes over "
        f"{len(seeds)} seeds. Median r with the max class drop: {medians('max_class_drop')}; "
        f"with the overall drop: {medians('overall_drop')}.",
    )
    plots.show()


def checks(corr: Correlations) -> tuple[dict[str, list[bool]], list[str]]:
    """Claim Z5's checks, outcome per seed, and the names of the core ones (the max class drop's
    r > 0 for each attribute): each attribute's r has the paper's sign for each drop; a random
    value's r lies in the random band; on active units the max class drop's r is positive for
    every attribute; and it lies above the random band for at least 2 attributes."""
    seeds, r, bands = corr.seeds, corr.r, corr.bands
    per_seed = {}
    for drop in DROPS:
        for attr in ATTRS:
            positive = PAPER_SIGN[(drop, attr)] == "+"
            name = f"{drop_name(drop)}: {attr} r {'> 0' if positive else '< 0'}"
            values = [r("all", s, drop, attr) for s in seeds]
            per_seed[name] = [(v > 0) if positive else (v < 0) for v in values]
    core = [f"max class drop: {attr} r > 0" for attr in ATTRS]
    per_seed["random value: r inside the random band for both drops"] = [
        all(bands[(d, s)][0] <= r("all", s, d, "random") <= bands[(d, s)][1] for d in DROPS)
        for s in seeds
    ]
    per_seed["active units only: max class drop r > 0 for every attribute"] = [
        all(r("active", s, "max_class_drop", a) > 0 for a in ATTRS) for s in seeds
    ]
    per_seed["max class drop: r above the random band for at least 2 attributes"] = [
        sum(r("all", s, "max_class_drop", a) > bands[("max_class_drop", s)][1] for a in ATTRS) >= 2
        for s in seeds
    ]
    return per_seed, core


def medians_text(corr: Correlations, drop: str, fmt: str = ".2f", *, labels: bool = False) -> str:
    """The median r over seeds of each attribute with ``drop``, ``"l1 0.31, correlation ..."``;
    ``labels``: ``"+0.31 (weight L1 norm), ..."`` (with ``fmt="+.2f"``)."""
    if labels:
        return ", ".join(
            f"{corr.median_r('all', drop, a):{fmt}} ({study.ATTRIBUTE_LABELS[a]})" for a in ATTRS
        )
    return ", ".join(f"{a} {corr.median_r('all', drop, a):{fmt}}" for a in ATTRS)


# --- the page: its models, checks over seeds, glue, claim text, takeaway and diagnosis -----------

PAPER = (
    "for the overall drop, selective and interpretable units matter *less* (negative r; weight L1 "
    "positive), as Morcos et al. found; for the max class drop every attribute correlates "
    "*positively*: the units that look selective are the ones some class needs."
)
# glue name: (units, drop, attribute) of a median r over seeds
GLUED_R = {
    "sel_max_r": ("all", "max_class_drop", "selectivity"),
    "sel_max_r_active": ("active", "max_class_drop", "selectivity"),
    "l1_max_r": ("all", "max_class_drop", "l1"),
    "l1_overall_r": ("all", "overall_drop", "l1"),
    "sel_overall_r": ("all", "overall_drop", "selectivity"),
}
WITHIN_CAPTION = (
    "Spearman r of concept IoU with the max class drop within each category of best concept "
    "(categories with at least 6 units on a seed)."
)


def models_text(
    studies: Sequence[study.UnitStudy], active: Sequence[np.ndarray], layer: str
) -> str:
    """One line per instance: its description, top-1 accuracy (%) and active units."""
    return "\n".join(
        f"{s.setup.description} — top-1 accuracy {s.counts.base_overall_accuracy():.1f}%, "
        f"{int(a.sum())} of {len(a)} {layer} units active"
        for s, a in zip(studies, active)
    )


def glue_values(
    corr: Correlations,
    active: Sequence[np.ndarray],
    units: int,
    checks: dict[str, bool | None],
    core: Sequence[str],
    draws: int,
) -> dict:
    """The page's glue: the first seed and its ``units``, the seeds, the median count of active
    units, how many checks and core checks pass (``checks``, ``core``: :func:`judge`'s),
    the median r of :data:`GLUED_R`, the first seed's random band, the note on seeds whose units
    are all active (:func:`active_note`) and the random ``draws``."""
    seeds = corr.seeds
    return {
        "active_note": active_note(seeds, active) or " ",
        "random_draws": f"{draws:,}",
        "seed0": seeds[0],
        "n_units": units,
        "n_seeds": len(seeds),
        "n_active": f"{int(np.median([a.sum() for a in active]))}",
        "agree": sum(ok is True for ok in checks.values()),
        "n_checks": len(checks),
        "core_passed": sum(checks[c] is True for c in core),
        "n_core": len(core),
        **{name: f"{corr.median_r(*which):.2f}" for name, which in GLUED_R.items()},
        "band": corr.band_text("max_class_drop", seeds[0]),
    }


def ours(corr: Correlations) -> str:
    """Claim Z5's figures of this run: the median r of each attribute with both drops."""
    return (
        f"{len(corr.seeds)} instances: max class drop median r: "
        f"{medians_text(corr, 'max_class_drop')}; overall drop median r: "
        f"{medians_text(corr, 'overall_drop')}"
    )


def takeaway_text(
    corr: Correlations, checks: dict[str, bool | None], core: Sequence[str], units: int, layer: str
) -> str:
    """What this run shows, for the takeaway: the median r with both drops, how many core
    checks pass, and the first seed's random band."""
    seed = corr.seeds[0]
    return (
        f"over {len(corr.seeds)} seeds of {units} {layer} units, the median Spearman r with the "
        f"max class drop is {medians_text(corr, 'max_class_drop', '+.2f', labels=True)}; "
        f"{sum(checks[c] is True for c in core)} of the {len(core)} attributes correlate "
        "positively on a majority of seeds that one seed cannot overturn. With the overall drop: "
        f"{medians_text(corr, 'overall_drop', '+.2f', labels=True)}. A random attribute's r "
        "falls between "
        + "{:+.2f} and {:+.2f}".format(*corr.bands[("max_class_drop", seed)])
        + f" in 95% of draws on seed {seed}."
    )


def judge(
    corr: Correlations, active: Sequence[np.ndarray], units: int, layer: str, draws: int
) -> Judged:
    """Claim Z5 judged on ``corr``: :func:`checks` voted over the seeds
    (:func:`unitroles.study.seed_checks`; the core: the max class drop's r > 0 for each
    attribute), with the page's glue (:func:`glue_values`), the claim card's *This run*
    (:func:`ours`) and the takeaway's (:func:`takeaway_text`); ``active``: each seed's active
    units, ``units`` the layer's, ``draws`` the random attributes per seed."""
    found, core = study.seed_checks(*checks(corr))
    glue = glue_values(corr, active, units, found, core, draws)
    return Judged(found, core, ours(corr), takeaway_text(corr, found, core, units, layer), glue)


def diagnosis_glue(
    studies: Sequence[study.UnitStudy],
    tables: Sequence[pd.DataFrame],
    corr: Correlations,
    within: pd.DataFrame,
    failed: Sequence[str],
) -> dict:
    """The diagnosis' glue (names ``z5_…``): the core checks that failed (``failed``:
    :func:`unitroles.verdicts.failed_core`), how coarse the max class drop is
    (:func:`unitroles.diagnosis.drop_resolution`), the shares of scene and object units
    (:func:`unitroles.diagnosis.concept_mix`), IoU's r over the seeds, its range among object
    units (``within``: :func:`unitroles.diagnosis.within_category_r`) and units per class
    against the paper's."""
    from . import diagnosis

    fewest = [int(np.bincount(s.setup.labels.numpy()).min()) for s in studies]
    resolution = diagnosis.drop_resolution(tables, fewest)
    mix = diagnosis.concept_mix(tables)
    first = studies[0]
    scale = study.scale_comparison(
        len(tables[0]), len(first.class_names), first.counts.base_overall_accuracy()
    )
    iou_r = [corr.r("all", s, "max_class_drop", "iou") for s in corr.seeds]
    objects = within.loc["object"] if "object" in within.index else None
    return {
        "z5_failed_core": "; ".join(failed) or "none",
        "z5_median_drop": f"{resolution['median_drop']:.0f}",
        "z5_images": resolution["images"],
        "z5_share_small": f"{resolution['share_small']:.0%}",
        "z5_distinct": resolution["distinct"],
        "z5_scene_share": f"{mix.get('scene', 0.0):.0%}",
        "z5_object_share": f"{mix.get('object', 0.0):.0%}",
        "z5_iou_r_range": f"{min(iou_r):+.2f} to {max(iou_r):+.2f}",
        "z5_object_r": (
            f"{objects.min():+.2f} to {objects.max():+.2f}"
            if objects is not None and objects.notna().any()
            else "not measurable (too few object units)"
        ),
        "z5_units_per_class": scale["units_per_class"],
        "z5_paper_units_per_class": scale["paper_units_per_class"],
    }


def within_table(within: pd.DataFrame, seeds: Sequence[int]) -> pd.DataFrame:
    """:func:`unitroles.diagnosis.within_category_r`'s frame with its columns named by seed."""
    return within.rename(columns=dict(enumerate(f"seed {s}" for s in seeds))).rename_axis(
        "units whose best concept is a"
    )
