"""Shared figure helpers: one look across the book (fonts, colours, labelled axes with units)."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

# A colour-blind-safe cycle (Okabe & Ito) used by every figure in the book.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
}


# The smallest font size (pt) in a figure. The book's column is 660 px wide at 1280 px (measured
# in Chromium), so a figure 7.0 in wide (7.1 in as saved, with its margins) is shown at 660 px:
# 9.5 pt in it shows at 9.2 pt (CSS); smaller is hard to read. Keep figures at most 7.0 in wide and
# their legends within that width (a 7.5 in figure showed 9.5 pt at 8.6 pt).
SMALL = 9.5


def use_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a notebook)."""
    mpl.rcParams.update(STYLE)


def figure(
    ncols: int = 1, nrows: int = 1, *, width: float = 7.0, height: float | None = None, **kw
):
    """A figure sized for the book's page width (inches); returns ``(fig, axes)``."""
    use_style()
    height = height if height is not None else 2.8 * nrows
    return plt.subplots(nrows, ncols, figsize=(width, height), constrained_layout=True, **kw)


def image_grid(images, titles=None, *, ncols: int = 8, width: float = 7.0, fontsize: int = SMALL):
    """Show ``uint8 (n, 3, H, W)`` images in a grid with optional titles; returns the figure."""
    use_style()
    n = len(images)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, width / ncols * nrows * 1.18), squeeze=False
    )
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k < n:
            ax.imshow(images[k].permute(1, 2, 0).numpy(), interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[k]).replace("_", " "), fontsize=fontsize, pad=2)
    fig.subplots_adjust(wspace=0.05, hspace=0.3, left=0.01, right=0.99, top=0.95, bottom=0.01)
    return fig


def label_map(
    ax, labels, names, *, title: str = "", colors=None, cmap: str = "tab20", fontsize: int = SMALL
) -> None:
    """Draw an integer label map ``(H, W)`` (0 = none, shown white) with a legend of the labels
    present; ``names[k - 1]`` names label k and ``colors[k - 1]`` (RGB in [0, 1]) paints it, else
    a qualitative colour map does."""
    import numpy as np
    from matplotlib.patches import Patch

    labels = np.asarray(labels)
    if colors is None:
        table = plt.get_cmap(cmap)
        colors = [table(k % table.N)[:3] for k in range(len(names))]
    rgb = np.ones(labels.shape + (3,))
    present = [int(k) for k in np.unique(labels) if k > 0]
    for k in present:
        rgb[labels == k] = colors[k - 1]
    ax.imshow(rgb, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    handles = [Patch(facecolor=colors[k - 1], edgecolor="0.6", label=names[k - 1]) for k in present]
    ax.legend(
        handles=handles,
        fontsize=fontsize,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        handlelength=1,
        borderaxespad=0,
    )


def highlight(images, regions, *, dim: float = 0.25):
    """Images ``uint8 (k, 3, H, W)`` with everything outside ``regions`` (bool ``(k, H, W)``)
    darkened to ``dim`` of its brightness, as in the papers' unit visualizations; returns float
    RGB ``(k, H, W, 3)`` in [0, 1]."""
    import numpy as np

    x = np.asarray(images, dtype=float).transpose(0, 2, 3, 1) / 255.0
    keep = np.asarray(regions, dtype=float)[..., None]
    return x * (dim + (1 - dim) * keep)


def unit_strip(ax, images, regions, *, title: str = "", gap: int = 2) -> None:
    """A unit's top images side by side, its active region lit and outlined."""
    import numpy as np

    lit = highlight(images, regions)
    k, h, w, _ = lit.shape
    canvas = np.ones((h, k * w + (k - 1) * gap, 3))
    outline = np.zeros(canvas.shape[:2])
    for i in range(k):
        canvas[:, i * (w + gap) : i * (w + gap) + w] = lit[i]
        outline[:, i * (w + gap) : i * (w + gap) + w] = np.asarray(regions[i], dtype=float)
    ax.imshow(canvas, interpolation="nearest")
    if outline.any():
        ax.contour(outline, levels=[0.5], colors=PALETTE[1], linewidths=0.8)
    ax.set_axis_off()
    ax.set_title(title, fontsize=10, loc="left")


def class_drops(
    ax, drops, names, *, label_top: int = 3, title: str = "", fontsize: int = SMALL
) -> None:
    """Class accuracy drops (pts, positive = worse) sorted from most damaged to most helped, the
    ``label_top`` most damaged classes (those with a drop) listed, upright, in the panel's top
    right corner with their drops."""
    import numpy as np

    drops = np.asarray(drops, dtype=float)
    order = np.argsort(-drops, kind="stable")
    colors = [PALETTE[3] if d > 0 else PALETTE[0] for d in drops[order]]
    ax.bar(np.arange(len(drops)), drops[order], color=colors, width=0.85)
    ax.axhline(0, color="0.4", lw=0.8)
    named = [k for k in order[:label_top] if drops[k] > 0]
    if named:
        ax.text(
            0.98, 0.96,
            "\n".join(f"{str(names[k]).replace('_', ' ')} {drops[k]:+.0f}" for k in named),
            transform=ax.transAxes, ha="right", va="top", fontsize=fontsize, linespacing=1.2,
        )  # fmt: skip
    ax.set_xlabel("classes, sorted by drop")
    ax.set_ylabel("class accuracy drop (pts)")
    ax.set_xticks([])
    top = max(drops.max(), 1.0)
    ax.set_ylim(min(drops.min(), 0) - 1, top * (1.15 + 0.2 * len(named)))
    if title:
        ax.set_title(title, fontsize=10, loc="left")


def seed_band(ax, curves, *, label: str, color=None, over: str = "seeds", **kw):
    """Sorted curves of one layer over several seeds (or rotations: ``over``), ``(seeds,
    units)`` as :func:`unitroles.drop_curves.stack` gives them: their rank-by-rank mean as a
    line and their rank-by-rank minimum to maximum as a shaded band of the same colour, each
    labelled for the legend. The x axis is the rank, 1 = the largest drop; one curve draws the
    line alone. Extra keywords go to the line. Returns the colour used."""
    import numpy as np

    curves = np.atleast_2d(np.asarray(curves, dtype=float))
    rank = np.arange(1, curves.shape[1] + 1)
    n = len(curves)
    (line,) = ax.plot(
        rank, curves.mean(0), color=color, label=f"{label}, mean of {n} {over}" if n > 1 else label,
        **kw,
    )  # fmt: skip
    if n > 1:
        ax.fill_between(
            rank, curves.min(0), curves.max(0), color=line.get_color(), alpha=0.2, lw=0,
            label=f"{label}, min–max over {over}",
        )  # fmt: skip
    return line.get_color()


def outlier_limits(values, *, fence: float = 3.0) -> tuple[float, float]:
    """The range an axis shows of ``values``: their minimum and maximum, except that values more
    than ``fence`` interquartile ranges beyond the quartiles (far outliers) are left out, so one
    of them does not squash the rest. A margin of 5% of the range is added on both sides."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return (0.0, 1.0)
    q1, q3 = np.percentile(v, [25, 75])
    spread = q3 - q1
    inside = v[(v >= q1 - fence * spread) & (v <= q3 + fence * spread)] if spread > 0 else v
    lo, hi = float(inside.min()), float(inside.max())
    margin = 0.05 * (hi - lo) or 0.5
    return lo - margin, hi + margin


def clipped_scatter(ax, x, y, *, xlim=None, ylim=None, fontsize: int = SMALL, **kw) -> int:
    """Scatter ``y`` against ``x`` within ``xlim`` / ``ylim`` (default: :func:`outlier_limits`),
    points beyond them drawn on the edge as open triangles pointing out, with one note an axis of
    how many are off the scale and the farthest value on each side, in the corner with the fewest
    points among those on sides without triangles (where there are such). Returns how many
    points were clipped."""
    import numpy as np

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xlim = xlim or outlier_limits(x)
    ylim = ylim or outlier_limits(y)
    cx, cy = np.clip(x, *xlim), np.clip(y, *ylim)
    off = (cx != x) | (cy != y)
    ax.scatter(cx[~off], cy[~off], **kw)
    notes, edges = [], set()  # edges: where the triangles sit ("x0": left, "y1": top, ...)
    for axis, values, limits in (("x", x, xlim), ("y", y, ylim)):
        far = []
        for side, beyond, marker in (
            (0, values < limits[0], "<" if axis == "x" else "v"),
            (1, values > limits[1], ">" if axis == "x" else "^"),
        ):
            if beyond.any():
                color = kw.get("color", kw.get("c", PALETTE[0]))
                ax.scatter(
                    cx[beyond], cy[beyond], marker=marker, s=28, facecolors="none",
                    edgecolors=color, linewidths=1.0, clip_on=False, zorder=3,
                )  # fmt: skip
                edges.add(f"{axis}{side}")
                far.append(values[beyond].min() if side == 0 else values[beyond].max())
        beyond = (values < limits[0]) | (values > limits[1])
        if far:  # one note an axis: how many, and the farthest value on each side
            values_text = ", ".join(f"{v:.2g}" for v in far)
            notes.append(f"{int(beyond.sum())} off scale\n{axis} {values_text}")  # narrow panels
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if notes:  # in the corner with the fewest points, away from the triangles where it can be
        corners = [(r, b) for r in (False, True) for b in (False, True)]
        # a corner whose side (top, bottom; left, right) holds no triangles, where there is one
        free = [
            (r, b) for r, b in corners
            if ("y0" if b else "y1") not in edges and ("x1" if r else "x0") not in edges
        ] or [
            (r, b) for r, b in corners
            if ("y0" if b else "y1") not in edges or ("x1" if r else "x0") not in edges
        ] or corners  # fmt: skip
        u = (cx[~off] - xlim[0]) / ((xlim[1] - xlim[0]) or 1)
        v = (cy[~off] - ylim[0]) / ((ylim[1] - ylim[0]) or 1)

        def crowd(corner) -> int:  # points under a note-sized box (45% wide, 35% tall)
            r, b = corner
            in_x = u > 0.55 if r else u < 0.45
            in_y = v < 0.35 if b else v > 0.65
            return int((in_x & in_y).sum())

        right, bottom = min(free, key=lambda c: (crowd(c), c))
        ax.text(
            0.98 if right else 0.02, 0.02 if bottom else 0.98, "\n".join(notes),
            transform=ax.transAxes, ha="right" if right else "left",
            va="bottom" if bottom else "top", fontsize=fontsize, color="0.3", zorder=4,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
        )  # fmt: skip
    return int(off.sum())


def label_points(
    ax, x, y, labels, *, offset: float = 13.0, fontsize: int = 10, steps: int = 200, **text_kw
) -> list:
    """Label the points ``(x, y)`` so that no label covers another label or another labelled
    point: each starts ``offset`` points from its own point, pointing away from the others'
    middle, and labels push one another (and away from every point) until they are clear; a
    thin line joins a label to its point when it moved off its first place. Set the axis
    limits first (the layout is in display units). Returns the annotations."""
    import numpy as np

    fig = ax.figure
    fig.canvas.draw()  # lay the figure out, so that display units are final
    to_pts = 72.0 / fig.dpi  # display pixels -> typographic points
    anchors = ax.transData.transform(np.column_stack([x, y]).astype(float)) * to_pts
    middle = anchors.mean(0)
    n = len(anchors)
    direction = anchors - middle
    norms = np.linalg.norm(direction, axis=1)
    default = np.array([0.0, 1.0])
    direction = np.array(
        [d / m if m > 1e-6 else default for d, m in zip(direction, norms)]
    )  # fmt: skip
    pos = anchors + offset * direction
    clear = 1.1 * fontsize  # a letter's size, with a little room
    for _ in range(steps):
        moved = False
        for i in range(n):
            push = np.zeros(2)
            for j in range(n):  # other labels, and every labelled point (its own included)
                for other, is_point in ((pos[j], False), (anchors[j], True)):
                    if j == i and not is_point:
                        continue
                    d = pos[i] - other
                    dist = float(np.hypot(*d))
                    need = clear * (0.9 if is_point else 1.0)
                    if dist < need:
                        d = d / dist if dist > 1e-6 else np.array([np.cos(i), np.sin(i)])
                        push += d * (need - dist) / 2
            if np.hypot(*push) > 0.05:
                pos[i] += push
                moved = True
        if not moved:
            break
    out = []
    for (px, py), (ax_, ay), anchor, label in zip(pos, anchors, np.column_stack([x, y]), labels):
        far = np.hypot(px - ax_, py - ay) > offset * 1.3
        out.append(
            ax.annotate(
                label, anchor, xytext=(px - ax_, py - ay), textcoords="offset points",
                ha="center", va="center", fontsize=fontsize, zorder=6,
                arrowprops={"arrowstyle": "-", "lw": 0.6, "color": "0.4"} if far else None,
                **text_kw,
            )
        )  # fmt: skip
    return out


def show() -> None:
    """Display the current figures (end a figure cell with this, so no artist repr is printed)."""
    plt.show()


# Role colours, after Zhao et al. 2023, Fig. 2 (core light red, overfitted orange, generalizing
# light yellow, confusing light blue) but taken from the colour-blind-safe Okabe-Ito set: the
# paper's light red and orange look alike to a red-green colour-blind reader.
ROLE_COLORS = {
    "core": "#CC79A7",
    "overfitted": "#E69F00",
    "generalizing": "#F0E442",
    "confusing": "#56B4E9",
}


def role_bands(ax, n0_train: int, n0_test: int, units: int, *, alpha: float = 0.45) -> None:
    """Shade an ROF axis (x = units switched on, 0..``units``) by role: the unit at rank ``i``
    comes on between ``x = i - 1`` and ``x = i``, so core units span ``[0, min(n0)]``, then
    overfitted (``n0_train > n0_test``) or generalizing (``n0_test > n0_train``) units up to
    ``max(n0)``, then confusing units up to ``units``. Each band carries its role as label."""
    low, high = sorted((int(n0_train), int(n0_test)))
    middle = "overfitted" if n0_train > n0_test else "generalizing"
    for role, start, stop in (
        ("core", 0, low), (middle, low, high), ("confusing", high, units)
    ):  # fmt: skip
        if stop > start:
            ax.axvspan(start, stop, color=ROLE_COLORS[role], alpha=alpha, lw=0, label=role)


def role_legend(fig, **kw) -> None:
    """A legend of the four role colours below the figure (for :func:`role_bands` and role maps)."""
    from matplotlib.patches import Patch

    handles = [Patch(color=c, alpha=0.8, label=r) for r, c in ROLE_COLORS.items()]
    kw = {"loc": "outside lower center", "ncol": 4, "fontsize": SMALL} | kw
    fig.legend(handles=handles, **kw)


# --- Captions and alt text ------------------------------------------------------------------------
# A figure shown in a notebook carries, in its PNG output's metadata, an alt text (what it shows,
# for a reader who cannot see it) and optionally a caption. `unitroles.execute.present` turns a
# caption into a numbered myst-nb figure; `book/_ext/figure_alt.py` writes the alt text into the
# page.


def caption(fig, text: str, *, alt: str | None = None, name: str | None = None):
    """Number and caption ``fig`` in the book; give it ``alt`` text (else one is derived).

    ``text`` is the caption (MyST Markdown; say what the figure shows and how to read it, units
    included). ``name`` is its label for ``{numref}`` (default ``<page>-fig-<k>``). Show one
    captioned figure per code cell (myst-nb captions every output of a cell). Returns ``fig``.
    """
    fig._unitroles_caption = str(text)
    fig._unitroles_name = name
    if alt is not None:
        fig._unitroles_alt = str(alt)
    return fig


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe(fig, limit: int = 600) -> str:
    """Alt text for ``fig`` from what it says about itself: its title, then for each panel the
    title, axis labels (with scales) and legend entries, or that it is an image."""
    explicit = getattr(fig, "_unitroles_alt", None)
    if explicit:
        return _clip(explicit, limit)
    parts = []
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    images = [ax for ax in axes if ax.images and not ax.axison]
    plotted = [ax for ax in axes if ax not in images]
    if len(plotted) == 1 and not title:
        title = plotted[0].get_title() or plotted[0].get_title("left")
    kind = "Figure" if len(axes) != 1 else "Chart"
    parts.append(f"{kind}: {title}." if title else f"{kind} with {len(axes)} panels.")
    for ax in plotted[:6]:
        bits = []
        panel = ax.get_title() or ax.get_title("left")
        if panel and panel != title:
            bits.append(panel)
        for axis, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())):
            scale = getattr(ax, f"get_{axis}scale")()
            if label:
                bits.append(f"{axis}: {label}" + (f" ({scale} scale)" if scale != "linear" else ""))
        legend = ax.get_legend()
        if legend is not None:
            names = [t.get_text() for t in legend.get_texts() if t.get_text()]
            if names:
                bits.append("legend: " + ", ".join(names[:6]))
        if bits:
            parts.append("; ".join(bits) + ".")
    if images:
        names = [ax.get_title() or ax.get_title("left") for ax in images]
        named = [n for n in names if n]
        text = f"{len(images)} image{'s' * (len(images) != 1)}"
        parts.append(text + (": " + ", ".join(named[:8]) if named else "") + ".")
    return _clip(" ".join(parts), limit)


def _png_with_metadata(formatter):
    """Wrap IPython's PNG formatter for figures: return the PNG with alt text and caption."""

    def png(fig, *args, **kwargs):
        data = formatter(fig, *args, **kwargs)
        if data is None:
            return None
        meta = {"alt": describe(fig)}
        if getattr(fig, "_unitroles_caption", None):
            meta["caption"] = fig._unitroles_caption
            if getattr(fig, "_unitroles_name", None):
                meta["name"] = fig._unitroles_name
        return data, meta

    png._unitroles = True
    return png


def _register_figure_metadata() -> None:
    """In an IPython kernel, make every displayed figure carry :func:`describe`'s alt text."""
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    if "inline" in str(mpl.rcParams._get_backend_or_none() or ""):
        # The inline backend registers its own PNG formatter when first imported (lazily, at
        # the first figure); import it now, so that the wrapper below stays on top of it.
        import matplotlib_inline.backend_inline  # noqa: F401
    if not getattr(shell, "_unitroles_alt_hook", False):  # re-wrap if anything replaced it
        shell.events.register("pre_run_cell", lambda *_: _register_figure_metadata())
        shell._unitroles_alt_hook = True
    formatter = shell.display_formatter.formatters["image/png"]
    current = formatter.lookup_by_type(Figure) if Figure in formatter.type_printers else None
    if current is None:
        from IPython.core.pylabtools import print_figure

        current = lambda fig: print_figure(fig, "png")  # noqa: E731
    if not getattr(current, "_unitroles", False):
        formatter.for_type(Figure, _png_with_metadata(current))


_register_figure_metadata()
_use_style = use_style


def use_style() -> None:  # noqa: F811
    """Apply the book's matplotlib style (call once at the top of a notebook); in a notebook,
    figures then carry alt text (:func:`describe`) and captions (:func:`caption`)."""
    _use_style()
    _register_figure_metadata()
