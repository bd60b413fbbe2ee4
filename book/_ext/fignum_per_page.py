"""Sphinx extension: number figures (and tables, code blocks) afresh on every page, figures on a
paper's figure page after the paper's figure.

Without a numbered table of contents Sphinx counts figures through the whole book, so the first
figure of the Zhou Fig. 5 page is "Fig. 10". Sphinx's own per-chapter numbering
(``numfig_secnum_depth``) only works with a numbered toctree, which would put section numbers
("3.5") in front of every page title, beside the papers' own figure numbers. This renumbers each
page's figures after Sphinx has assigned its book-wide numbers:

* on the page of a paper's figure (``notebooks/zhou2018_fig3_...``) its first figure is that
  figure's number, "Fig. 3" (its panels a, b, c), and the others on the page "Fig. 3
  (continued)", "Fig. 3 (continued 2)", ...: a reader of the Fig. 3 page never meets a "Fig. 1"
  that is not the paper's Fig. 1;
* on any other page, figures are 1, 2, ... in page order.

``{numref}`` and the captions read the same numbers (Sphinx joins a number's parts with ``str``).
"""

import re

PAPER_FIGURE = re.compile(r"(?:^|/)(?:zhou2018|zhao2023)_fig(\d+)_[^/]*$")


def page_numbers(docname, count):
    """The numbers of a page's ``count`` figures, in page order, as Sphinx stores them."""
    match = PAPER_FIGURE.search(docname)
    if not match:
        return [(k,) for k in range(1, count + 1)]
    paper = match.group(1)
    return [(paper,)] + [
        (f"{paper} (continued{'' if k == 1 else f' {k}'})",) for k in range(1, count)
    ]


def _per_page(app, env):
    changed = []
    for docname, by_type in env.toc_fignumbers.items():
        renumbered = {}
        for figtype, numbers in by_type.items():
            ordered = sorted(numbers, key=numbers.get)
            if figtype == "figure":
                given = page_numbers(docname, len(ordered))
            else:
                given = [(k,) for k in range(1, len(ordered) + 1)]
            renumbered[figtype] = dict(zip(ordered, given))
        if renumbered != by_type:
            env.toc_fignumbers[docname] = renumbered
            changed.append(docname)
    return changed


def setup(app):
    # after Sphinx's toctree collector (priority 500) has numbered the figures book-wide
    app.connect("env-get-updated", _per_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
