"""The cumulative ablation page's reading (unitroles.cumulative_page): groups, tables, glue, text
and figures, on small synthetic curves (no model is run)."""

import matplotlib
import numpy as np
import pandas as pd

from unitroles import cumulative, cumulative_page, verdicts

matplotlib.use("Agg")

NAMES = ["random 0", "random 1", cumulative.SELECTIVE_FIRST, cumulative.SELECTIVE_LAST]


def result(level: float) -> cumulative.Cumulative:
    """Two classes, two units, four orders: every order keeps ``level`` of its accuracy above
    chance after the first step."""
    acc = np.full((4, 2, 3), 50 + 50 * level)
    acc[..., 0] = 100
    curves = cumulative.AblationCurves(acc, np.zeros_like(acc), np.zeros((4, 2), int),
                                       np.array([4, 4]))  # fmt: skip
    return cumulative.Cumulative(np.zeros(2), NAMES, curves, curves)


def group(recipes, seeds=(0, 1), layer="conv5") -> cumulative_page.Group:
    results = {(r, s): result(0.9 - 0.2 * i + 0.01 * s) for i, r in enumerate(recipes)
               for s in seeds}  # fmt: skip
    frame = pd.DataFrame(
        [
            {"recipe": r, "seed": s, "layer": layer, **cumulative.summary(res)}
            for (r, s), res in results.items()
        ]  # fmt: skip
    )
    frame["gap"] = [10 * i + s for i in range(len(recipes)) for s in seeds]
    return cumulative_page.Group(list(recipes), layer, frame, results)


def test_sizes_scale_the_images_a_class_and_keep_two():
    assert cumulative_page.sizes(50, 40, 0.5) == {"train_per_class": 25, "test_per_class": 20}
    assert cumulative_page.sizes(50, 40, 0.01) == {"train_per_class": 2, "test_per_class": 2}


def test_group_reads_a_recipes_seeds_and_per_recipe_means():
    g = group(["gen-A", "gen-B"], seeds=(0, 1, 2))
    assert g.seeds == 3 and len(g.of("gen-B")) == 3
    table = cumulative_page.per_recipe(g.frame)
    assert list(table.index) == ["gen-A", "gen-B"] and (table["models"] == 3).all()
    assert list(table.columns[1:]) == list(cumulative_page.COLUMNS.values())
    mean = g.frame[g.frame.recipe == "gen-A"]["train_random"].mean()
    assert np.isclose(table.loc["gen-A", "area, random (train)"], mean)
    assert cumulative_page.areas_text(g).startswith(f"gen-A {mean:.2f}, gen-B ")


def test_claim_glue_and_takeaway_read_the_same_numbers():
    ladder = group(["gen-A", "gen-B", "gen-C"], seeds=(0, 1, 2))
    zhou = group(["baseline", "batchnorm", "dropout-conv5"], seeds=(0, 1, 2))
    table = cumulative_page.per_recipe(ladder.frame, zhou.frame)
    checks, numbers = cumulative.claim_checks(ladder.frame, zhou.frame, best="gen-A")
    glued = cumulative_page.glue_values(ladder, zhou, table, checks, numbers,
                                        sizes=cumulative_page.sizes(50, 50, 1.0),
                                        random_orders=2, points=3)  # fmt: skip
    assert glued["n_ladder"] == 9 and glued["n_train"] == 50 and glued["n_points"] == 3
    assert glued["top_area"] == f"{table.loc['gen-A', 'area, random (train)']:.2f}"
    claim = cumulative_page.claim_text(ladder, table, numbers)
    ours = cumulative_page.takeaway_text(ladder, table, numbers)
    for text in (claim, ours):
        assert glued["top_area"] in text and glued["bottom_area"] in text
        assert glued["bn_paired"] in text and glued["first_on"] in text
    assert cumulative_page.claim_text(None, None, None) == "not run on the paper profile"
    assert "synthetic" in cumulative_page.takeaway_text(None, None, None)


def test_judge_reads_the_sweeps_or_says_the_paper_profile_measures_nothing():
    ladder = group(["gen-A", "gen-B", "gen-C"], seeds=(0, 1, 2))
    zhou = group(["baseline", "batchnorm", "dropout-conv5"], seeds=(0, 1, 2))
    table = cumulative_page.per_recipe(ladder.frame, zhou.frame)
    kw = dict(sizes=cumulative_page.sizes(50, 50, 1.0), random_orders=2, points=3)
    w4 = cumulative_page.judge(ladder, zhou, table, **kw)
    checks, numbers = cumulative.claim_checks(ladder.frame, zhou.frame, best="gen-A")
    assert w4.checks == checks and w4.core == list(verdicts.CLAIMS["W4"].core)
    assert w4.glue == cumulative_page.glue_values(ladder, zhou, table, checks, numbers, **kw)
    assert w4.ours == cumulative_page.claim_text(ladder, table, numbers)
    assert w4.takeaway == cumulative_page.takeaway_text(ladder, table, numbers)
    assert w4.unmeasured is None and w4.changes == {}
    none = cumulative_page.judge(None, None, None, sizes=None, random_orders=2, points=3)
    assert none.unmeasured == cumulative_page.UNMEASURED and none.glue == {}
    assert set(none.checks) == set(none.core) and not any(none.checks.values())


def test_quarter_glue_ranks_the_rungs_and_skips_models_at_chance():
    quarter = pd.DataFrame(
        [{"recipe": r, "seed": s, "random": v, cumulative.SELECTIVE_FIRST: 0.1}
         for r, v in (("gen-A", 0.5), ("gen-B", 0.8), ("gen-C", np.nan)) for s in (0, 1)]
    )  # fmt: skip
    glued = cumulative_page.quarter_glue(quarter)
    assert glued["ex1_best"] == "gen-B" and glued["ex1_order"] == "gen-B, gen-A"
    none = cumulative_page.quarter_glue(quarter.assign(random=np.nan))
    assert none["ex1_best"].startswith("no rung") and none["ex1_order"] == "none"


def test_figures_draw_and_caption_every_panel():
    import matplotlib.pyplot as plt

    ladder, zhou = group(["gen-A", "gen-B"]), group(["baseline"], seeds=(0,))
    for draw in (
        lambda: cumulative_page.random_figure(ladder, zhou, {"train_per_class": 2,
                                                             "test_per_class": 3}, 2),
        lambda: cumulative_page.selectivity_figure(ladder, zhou),
    ):  # fmt: skip
        draw()
        fig = plt.gcf()
        assert len(fig.axes) == 3 and "Cumulative ablation" in fig._unitroles_caption
        assert "gen-A" in fig._unitroles_alt
        plt.close("all")
