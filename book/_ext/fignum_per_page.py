"""Sphinx extension: number figures (and tables, code blocks) afresh on every page.

Without a numbered table of contents Sphinx counts figures through the whole book, so the first
figure of the Zhou Fig. 5 page is "Fig. 10". Sphinx's own per-chapter numbering
(``numfig_secnum_depth``) only works with a numbered toctree, which would put section numbers
("3.5") in front of every page title, beside the papers' own figure numbers. This renumbers each
page's figures 1, 2, ... in page order, after Sphinx has assigned its book-wide numbers, so that
``{numref}`` and the captions both read "Fig. 1" for a page's first figure.
"""


def _per_page(app, env):
    changed = []
    for docname, by_type in env.toc_fignumbers.items():
        renumbered = {
            figtype: {
                figure_id: (k,)
                for k, figure_id in enumerate(sorted(numbers, key=numbers.get), start=1)
            }
            for figtype, numbers in by_type.items()
        }
        if renumbered != by_type:
            env.toc_fignumbers[docname] = renumbered
            changed.append(docname)
    return changed


def setup(app):
    # after Sphinx's toctree collector (priority 500) has numbered the figures book-wide
    app.connect("env-get-updated", _per_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
