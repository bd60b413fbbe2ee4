"""Figure helpers that place text: off-scale notes and point labels stay clear of the data."""

from __future__ import annotations

import matplotlib
import matplotlib.text

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from unitroles import plots  # noqa: E402


def _boxes(ax, artists):
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    # the text's own box (an annotation's extent includes its leader line)
    return [matplotlib.text.Text.get_window_extent(a, renderer) for a in artists]


def test_labels_of_close_points_do_not_overlap_and_keep_off_the_points():
    fig, ax = plots.figure(width=3.0, height=3.0)
    x = np.array([10.0, 10.5, 11.0, 30.0, 10.2])  # four nearly on one spot, one apart
    y = np.array([20.0, 20.4, 19.8, 40.0, 20.1])
    ax.scatter(x, y)
    ax.set_xlim(0, 45)
    ax.set_ylim(0, 45)
    notes = plots.label_points(ax, x, y, list("ABCDE"))
    boxes = _boxes(ax, notes)
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (notes[i].get_text(), notes[j].get_text())
    points = ax.transData.transform(np.column_stack([x, y]))
    for box in boxes:
        assert not any(box.contains(px, py) for px, py in points)
    assert [n.get_text() for n in notes] == list("ABCDE")
    plots.plt.close(fig)


def test_off_scale_points_are_counted_and_noted_once_an_axis_away_from_their_edge():
    fig, ax = plots.figure(width=2.0, height=2.0)
    rng = np.random.default_rng(0)
    x = rng.random(60)
    y = np.concatenate([rng.random(57) * 0.2, [50.0, 60.0, 70.0]])  # three far above
    clipped = plots.clipped_scatter(ax, x, y)
    assert clipped == 3
    (note,) = ax.texts
    assert note.get_text() == "3 off scale\ny 70"
    assert note.get_position()[1] < 0.5  # the triangles sit on the top edge: the note below
    plots.plt.close(fig)
