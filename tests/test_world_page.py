"""The scene world page (unitroles.world_page): the world's glue, figures and tables, the models'
tables, the regime and the takeaway, on a small world and a synthetic model table (no model is
trained or run)."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from unitroles import health, recipes, scenes, world_page

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def world():
    return scenes.SceneWorld(size=16, seed=0, classes=scenes.PAIRED_CLASSES[:4])


def _models(base_val=(0.55, 0.6, 0.58)) -> pd.DataFrame:
    """A models table as :func:`world_page.models_table` gives it: baseline seeds, two Zhou
    recipes, one ladder rung."""
    rows = [
        {"recipe": r, "seed": s, "train acc": 0.9, "val acc": v, "late loss fall": 0.01,
         "nearly dead (%)": 0.0, "object units": 9, "layer": "conv5", "units": 32,
         "weakest class": "empty_room", "weakest class acc": 0.4, "train s": 12.4,
         "weights digest": "0123456789abcdef"}
        for r, vals in (("baseline", base_val), ("batchnorm", (0.6,)), ("dropout-conv5", (0.57,)),
                        ("gen-A", (0.3,)))
        for s, v in enumerate(vals)
    ]  # fmt: skip
    return pd.DataFrame(rows).set_index(["recipe", "seed"])


def test_world_glue_counts_the_worlds_parts(world):
    glued = world_page.world_glue(world, 1234.5)
    assert glued["n_classes"] == world.num_classes == 4
    assert glued["n_zhao_classes"] == len(scenes.CATALOGUES[recipes.ZHAO_WORLD])
    assert glued["n_objects"] == len(scenes.OBJECTS) and glued["image_size"] == 16
    assert glued["images_per_second"] == "1,234"


def test_object_frequency_is_the_share_of_images_holding_each_object(world):
    freq = world_page.object_frequency(world, "val", 2)
    assert freq.shape == (world.num_classes, len(scenes.OBJECTS))
    assert ((freq >= 0) & (freq <= 1)).all().all()
    _, labels, masks = world.render_split("val", 2)
    k = scenes.OBJECTS.index(freq.columns[0])
    first = (masks["object"][labels == 0] == k + 1).flatten(1).any(1).float().mean()
    assert freq.iloc[0, 0] == pytest.approx(float(first))
    toy = pd.DataFrame({"a": [1.0, 0.6, 0.0], "b": [1.0, 0.0, 0.0], "c": [0.6, 0.6, 0.6]})
    assert world_page.shared_objects(toy) == 2


def test_figures_and_the_recipe_table_draw(world):
    import matplotlib.pyplot as plt

    images, labels, masks = world.sample("val", np.arange(world.num_classes))
    world_page.class_grid(world, images, labels)
    assert "scene classes" in plt.gcf()._unitroles_caption
    world_page.mask_figure(world, images, labels, masks, rows=[0, 1])
    assert len(plt.gcf().axes) >= 8 and "label maps" in plt.gcf()._unitroles_caption
    world_page.frequency_figure(world_page.object_frequency(world, "val", 1), 1)
    assert "1 a class" in plt.gcf()._unitroles_caption
    plt.close("all")
    html = world_page.recipe_table(world).to_html()
    assert "class index" in html and "/\u200b" in html


def test_model_tables_regime_targets_and_takeaway(world):
    table = _models()
    fit, about = world_page.model_tables(table)
    assert "train acc (%)" in fit.to_html() and "0123456789ab" in about.to_html()
    assert "0123456789abc" not in about.to_html()  # the digest is cut to 12 characters
    regime, glued = world_page.regime(table, 48, 100)
    assert glued["regime_units_per_class"] == "0.67" and glued["regime_accuracy"] == "57.7"
    assert glued["regime_total"] == len(regime)
    assert glued["regime_met"] == int((regime["met"] == "yes").sum())
    targets = health.targets(table)
    t = world_page.targets_glue(targets)
    assert t["targets_total"] == len(targets) and t["baseline_val_range"] == "55.0–60.0"
    text = world_page.takeaway_text(world, 5, glued, targets)
    assert f"{world.num_classes} scene classes" in text and "; 5 objects are common" in text
    assert f"{glued['regime_met']} of {glued['regime_total']} targets (0.67 conv5" in text
    alone = world_page.takeaway_text(world, 5, None, pd.DataFrame())
    assert alone.endswith("as in the papers.")
