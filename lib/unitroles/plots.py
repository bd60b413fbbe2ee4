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


def image_grid(images, titles=None, *, ncols: int = 8, width: float = 7.0, fontsize: int = 7):
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


def label_map(ax, labels, names, *, title: str = "", colors=None, cmap: str = "tab20") -> None:
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
    ax.set_title(title, fontsize=9)
    handles = [Patch(facecolor=colors[k - 1], edgecolor="0.6", label=names[k - 1]) for k in present]
    ax.legend(
        handles=handles,
        fontsize=6,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        handlelength=1,
        borderaxespad=0,
    )


def show() -> None:
    """Display the current figures (end a figure cell with this, so no artist repr is printed)."""
    plt.show()
