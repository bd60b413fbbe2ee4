"""Paired differences over seeds and Cohen's κ: the rules issue 25's checks rest on."""

import numpy as np
import pytest

from unitroles import evidence


def test_paired_interval_is_the_t_interval_of_the_differences():
    a, b = [10.0, 12.0, 11.0, 13.0, 9.0], [12.0, 13.0, 14.0, 15.0, 12.0]
    p = evidence.paired(a, b)
    d = np.subtract(a, b)
    half = 2.776 * d.std(ddof=1) / np.sqrt(5)  # t(0.975, 4 degrees of freedom)
    assert p.mean == pytest.approx(d.mean())
    assert (p.low, p.high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert evidence.paired_check(p, "below") and not evidence.paired_check(p, "above")


def test_a_null_effect_fails_in_either_direction():
    p = evidence.paired([43, 46, 44, 45, 44], [44, 45, 44, 44, 45])
    assert p.low < 0 < p.high
    assert evidence.paired_check(p, "below") is False
    assert evidence.paired_check(p, "above") is False


def test_what_every_seed_shares_cancels():
    base = np.array([5.0, 20.0, 8.0, 30.0, 12.0])  # seeds differ a lot
    p = evidence.paired(base - 1.0, base)  # the recipe lowers each seed by 1
    assert p.mean == pytest.approx(-1.0) and p.high < 0


def test_paired_refuses_unpaired_or_single_values():
    with pytest.raises(ValueError, match="one value a seed"):
        evidence.paired([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least two seeds"):
        evidence.paired([1], [2])
    with pytest.raises(ValueError, match="direction"):
        evidence.paired_check(evidence.paired([1, 2], [0, 0]), "lower")


def test_kappa_is_zero_at_chance_and_one_when_perfect():
    rng = np.random.default_rng(0)
    true = rng.integers(0, 24, 20000)
    assert evidence.cohen_kappa(true, true) == 1.0
    assert abs(evidence.cohen_kappa(true, rng.integers(0, 24, 20000))) < 0.01
    # 3x uniform chance on 24 classes (12.5% right, errors uniform) is a κ of about 0.09
    right = rng.random(20000) < 0.125
    guess = np.where(right, true, (true + rng.integers(1, 24, 20000)) % 24)
    assert evidence.cohen_kappa(true, guess) == pytest.approx(0.087, abs=0.01)
    with pytest.raises(ValueError, match="one prediction"):
        evidence.cohen_kappa([1, 2], [1])
