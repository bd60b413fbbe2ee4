"""Zhou Fig. 2's gallery (unitroles.unit_gallery): which units it shows, the match, the checks."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from unitroles import unit_gallery

CLASSES = ("bedroom", "hostel", "desert")


def fake_study(drops, concepts, ious) -> SimpleNamespace:
    """A layer whose units have class ``drops`` ``(units, classes)`` (pts) and the given best
    concepts (objects) and IoUs; overall drop: the mean class drop."""
    drops = np.asarray(drops, float)
    ious = np.asarray(ious, float)
    table = pd.DataFrame(
        {
            "concept": concepts,
            "category": "object",
            "iou": ious,
            "interpretable": ious > 0.04,
            "overall_drop": drops.mean(1),
            "max_class_drop": drops.max(1),
            "min_class_drop": drops.min(1),
        }
    )
    return SimpleNamespace(
        table=lambda: table,
        counts=SimpleNamespace(class_drop=lambda: drops),
        class_names=CLASSES,
    )


def shares() -> pd.DataFrame:
    """The bedroom and hostel images hold a bed; the desert's hold a sun."""
    columns = pd.MultiIndex.from_tuples([("object", "bed"), ("object", "sun")])
    return pd.DataFrame([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0]], index=CLASSES, columns=columns)


DROPS = [[0.5, 0.5, -0.5], [30.0, 0.0, -0.5], [0.0, -0.5, 20.0], [0.0, 0.0, 40.0]]
CONCEPTS = ["sun", "bed", "bed", "sun"]


def test_the_gallery_shows_interpretable_units_first_then_tops_up_with_the_most_damaging():
    st = fake_study(DROPS, CONCEPTS, [0.02, 0.2, 0.3, 0.01])  # units 0 and 3 are not interpretable
    g = unit_gallery.gallery(st, 3, shares())
    assert list(g.index) == [1, 2, 3]  # 1 and 2 interpretable (largest drops), then 3
    assert g["most damaged class"].tolist() == ["bedroom", "desert", "desert"]
    assert g[unit_gallery.MATCHES].tolist() == [True, False, True]
    np.testing.assert_allclose(g[unit_gallery.CHANCE], [2 / 3, 2 / 3, 1 / 3])
    assert g[unit_gallery.GAIN].tolist() == [0.5, 0.5, 0.0]


def test_the_core_check_pools_the_seeds_and_without_masks_reads_no_match():
    st = fake_study(DROPS, CONCEPTS, [0.02, 0.2, 0.3, 0.01])
    galleries = [unit_gallery.gallery(st, 3, shares())] * 2
    c = unit_gallery.checks(galleries)
    assert (c.matched, c.pooled, c.half) == (4, 6, [True, True])
    assert c.core[0].startswith("the most damaged class holds the unit's concept")
    assert c.checks[c.core[0]] is None  # 4 of 6: the interval straddles one half
    values = unit_gallery.glue_values([0, 1], galleries, c)
    assert values["pooled_match"] == "4 of 6" and values["n_match"] == 2
    blind = unit_gallery.checks([unit_gallery.gallery(st, 3, None)] * 5)
    assert blind.half is None and len(blind.core) == 1
    assert blind.core[0].startswith("each unit's largest gain is smaller than its largest drop")
    assert blind.checks[blind.core[0]] is True  # on 5 of 5 seeds


def test_judge_reads_the_checks_numbers_and_words_of_the_galleries():
    st = fake_study(DROPS, CONCEPTS, [0.02, 0.2, 0.3, 0.01])
    galleries = [unit_gallery.gallery(st, 3, shares())] * 2
    z2 = unit_gallery.judge([0, 1], galleries)
    c = unit_gallery.checks(galleries)
    assert (z2.checks, z2.core) == (c.checks, c.core)
    assert z2.glue == unit_gallery.glue_values([0, 1], galleries, c)
    assert z2.ours == unit_gallery.ours([0, 1], galleries)
    assert z2.takeaway.startswith("over the 2 seeds, 4 of the 6 gallery units")
    assert z2.changes == {}
