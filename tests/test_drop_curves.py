"""Sorted drop curves: their head, the share over 10 pts, and the seed band the figures draw."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from unitroles import drop_curves, plots


def test_sorted_curve_puts_the_largest_drop_first():
    assert drop_curves.sorted_curve([1.0, 5.0, -2.0, 3.0]).tolist() == [5.0, 3.0, 1.0, -2.0]
    with pytest.raises(ValueError, match="non-empty vector"):
        drop_curves.sorted_curve([])
    with pytest.raises(ValueError, match="non-empty vector"):
        drop_curves.sorted_curve(np.zeros((2, 3)))


def test_head_is_the_top_tenth_rounded_up_and_at_least_one_unit():
    assert drop_curves.head_size(64) == 7  # 6.4 units: round up
    assert drop_curves.head_size(30) == 3  # 0.1 * 30 = 3.0000000000000004 in floats: still 3
    assert drop_curves.head_size(100) == 10
    assert drop_curves.head_size(5) == 1
    assert drop_curves.head_size(10, fraction=0.25) == 3
    with pytest.raises(ValueError, match="fraction"):
        drop_curves.head_size(10, fraction=0)


def test_head_mean_averages_the_largest_drops_only():
    drops = [0.0] * 17 + [50.0, 30.0, 10.0]  # 20 units: the head is the top 2
    assert drop_curves.head_mean(drops) == 40.0
    assert drop_curves.head_mean(drops, fraction=0.15) == 30.0  # top 3
    # a flat curve and a peaked curve with the same mean differ in their head
    flat, peaked = np.full(10, 5.0), np.array([50.0] + [0.0] * 9)
    assert flat.mean() == peaked.mean()
    assert drop_curves.head_mean(flat) == 5.0 and drop_curves.head_mean(peaked) == 50.0


def test_share_over_counts_drops_strictly_above_the_threshold():
    assert drop_curves.share_over([10.0, 10.5, 25.0, 0.0]) == 50.0  # exactly 10 pts is not over
    assert drop_curves.share_over([1.0, 2.0], threshold=1.5) == 50.0
    assert drop_curves.share_over([-3.0, 0.0]) == 0.0


def test_summary_gives_mean_head_share_and_largest():
    drops = np.array([40.0, 20.0, 10.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, -5.0])
    assert drop_curves.summary(drops) == {"mean": 7.0, "head": 40.0, "over": 20.0, "largest": 40.0}


def test_stack_sorts_each_seed_and_rejects_layers_of_different_widths():
    stacked = drop_curves.stack([[1.0, 3.0, 2.0], [0.0, 9.0, 4.0]])
    assert stacked.tolist() == [[3.0, 2.0, 1.0], [9.0, 4.0, 0.0]]
    with pytest.raises(ValueError, match="equal length"):
        drop_curves.stack([[1.0, 2.0], [1.0, 2.0, 3.0]])


def test_seed_band_draws_the_mean_line_and_the_min_max_band(request):
    fig, ax = plots.figure()
    request.addfinalizer(lambda: plt.close(fig))
    stacked = drop_curves.stack([[4.0, 0.0], [2.0, 2.0], [6.0, 1.0]])  # sorted: [4,0], [2,2], [6,1]
    color = plots.seed_band(ax, stacked, label="baseline", color=plots.PALETTE[2])
    (line,) = ax.get_lines()
    assert line.get_xdata().tolist() == [1, 2]
    assert line.get_ydata().tolist() == [4.0, 1.0]  # rank-by-rank mean
    assert line.get_label() == "baseline, mean of 3 seeds"
    (band,) = ax.collections
    assert band.get_label() == "baseline, min–max over seeds"
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == 0.0 and ys.max() == 6.0  # from the lowest to the highest seed
    assert color == plots.PALETTE[2]


def test_seed_band_of_one_seed_draws_only_the_line(request):
    fig, ax = plots.figure()
    request.addfinalizer(lambda: plt.close(fig))
    plots.seed_band(ax, [[3.0, 1.0]], label="units")
    assert [line.get_label() for line in ax.get_lines()] == ["units"]
    assert not ax.collections
