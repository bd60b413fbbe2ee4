"""Zhou Fig. 6's examples (unitroles.prediction_examples): top 3, hits, the drawn units, rates."""

import math

import numpy as np
import pandas as pd

from unitroles import prediction_examples, study, verdicts

NAMES = ("bedroom", "hostel", "desert", "forest")


def prediction() -> study.Prediction:
    """Three held-out units whose true classes are bedroom, desert and forest."""
    units = pd.DataFrame({"instance": [0, 0, 1], "unit": [4, 7, 2], "label": [0, 2, 3]})
    units["true class"] = [NAMES[k] for k in units["label"]]
    p = np.array([[0.7, 0.1, 0.1, 0.1], [0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]])
    return study.Prediction(units, {"ensemble": p}, NAMES, excluded=0)


def test_a_hit_is_the_true_class_among_the_three_most_probable():
    units = prediction_examples.ranked(prediction())
    assert units["top 3"].tolist()[1] == ["bedroom", "hostel", "desert"]
    assert units["hit"].tolist() == [True, True, True]
    assert prediction_examples.ranked(prediction(), k=2)["hit"].tolist() == [True, False, True]
    score = prediction_examples.scores(units, len(NAMES))
    assert (round(score.top1, 1), score.top3, score.chance3) == (66.7, 100.0, 75.0)
    assert score.glue() == {"top1": "67%", "top3": "100%", "chance3": "75%", "n_units": 3}


def test_the_drawn_examples_keep_their_order_and_nothing_to_predict_scores_nan():
    units = prediction_examples.ranked(prediction())
    shown = prediction_examples.draw(units, 2, seed=0)
    assert len(shown) == 2 and list(shown.index) == sorted(shown.index)
    assert len(prediction_examples.draw(units, 10, seed=0)) == 3
    none = prediction_examples.scores(units.iloc[:0], len(NAMES))
    assert math.isnan(none.top1) and math.isnan(none.top3)
    assert none.glue()["top3"] == "— (not measured)"


def test_the_claim_and_the_takeaway_read_the_scores(capsys):
    score = prediction_examples.scores(prediction_examples.ranked(prediction()), len(NAMES))
    assert list(score.checks().values()) == [False]  # 100% < twice 75%
    assert score.ours() == "the true class is in the ensemble's top 3 for 100% of 3 units"
    assert score.takeaway().startswith("for 3 held-out units, the true most damaged class is")
    none = prediction_examples.scores(prediction_examples.ranked(prediction()).iloc[:0], 40)
    assert list(none.checks().values()) == [False]  # nothing to predict: NaN passes nothing
    assert "no examples to show" in none.takeaway()
    empty = study.Prediction(pd.DataFrame({"label": []}), {}, NAMES, 0, why="too weak")
    prediction_examples.show(empty, [], [], pd.DataFrame(), layer="conv5", top_k=2)
    assert capsys.readouterr().out == "too weak\n"


def test_judge_reads_the_scores_into_the_card_glue_and_takeaway():
    made = prediction()
    z7 = prediction_examples.judge(
        prediction_examples.scores(prediction_examples.ranked(made), 4), made
    )
    assert z7.core == list(verdicts.CLAIMS["Z7"].core) and z7.checks == {z7.core[0]: False}
    assert z7.unmeasured is None and z7.glue["n_units"] == 3 and not z7.changes
    assert z7.ours == "the true class is in the ensemble's top 3 for 100% of 3 units"
    assert z7.takeaway.startswith("for 3 held-out units, the true most damaged class is")
    empty = study.Prediction(pd.DataFrame({"label": []}), {}, NAMES, 0, why="too weak")
    none = prediction_examples.scores(prediction_examples.ranked(made).iloc[:0], 4)
    assert prediction_examples.judge(none, empty).unmeasured == "too weak"
