"""Compare what two builds glued, page by page: the values a refactor must leave unchanged.

    python tests/scripts/glue_diff.py build/executed/book /tmp/before/build/executed/book

prints every glued value that differs (or exists on one side only) and a count per page, and
exits 1 when any differs. Timing values (names ending in ``_s``, ``seconds``, ``minutes``,
``per_second``) are listed apart, not counted: they measure the machine. A table or text glued
as a display object (a pandas Styler, IPython Markdown: the takeaways) is compared by the HTML or
Markdown it shows (a table's random ids aside), not by its repr.
"""

import re
import sys
from pathlib import Path

TIMING = re.compile(r"(_s|seconds|minutes|_time|per_second|wall.*|elapsed.*)$")
# values glued as display objects, whose repr says nothing: compared by what they show
SHOWN = re.compile(
    r"^<(pandas\.io\.formats\.style\.Styler|IPython\.core\.display\.\w+) (at 0x[0-9a-f]+|object)>$"
)


def glued_html(path) -> dict:
    """What each glued value displays as HTML or Markdown (a table, a takeaway), by name."""
    from unitroles import report

    out = {}
    for cell in report.read_executed(path).cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                data = output.get("data", {})
                for mime in ("text/html", "text/markdown"):
                    shown = data.get(record["mime_prefix"] + mime)
                    if shown is not None:
                        out[record["name"]] = shown
    return out


def main(a: str, b: str) -> int:
    from unitroles import report

    pages = sorted({p.name for p in report.executed_notebooks(a)} |
                   {p.name for p in report.executed_notebooks(b)})  # fmt: skip
    differing = total = 0
    for name in pages:
        pa, pb = Path(a) / name, Path(b) / name
        if not (pa.exists() and pb.exists()):
            print(f"{name}: only in {'the first' if pa.exists() else 'the second'} build")
            differing += 1
            continue
        ga, gb = report.glued(pa), report.glued(pb)
        ha, hb = glued_html(pa), glued_html(pb)
        for g, h in ((ga, ha), (gb, hb)):  # a table glued by its repr: compare what it shows
            for k, v in g.items():
                if isinstance(v, str) and SHOWN.match(v) and k in h:
                    g[k] = re.sub(r"T_[0-9a-f_]+", "T_", h[k])  # pandas' random table ids
        keys = sorted(set(ga) | set(gb))
        total += len(keys)
        diff = [k for k in keys if ga.get(k, "<absent>") != gb.get(k, "<absent>")]
        timing = [k for k in diff if TIMING.search(k)]
        counted = [k for k in diff if k not in timing]
        differing += len(counted)
        print(f"{name}: {len(keys)} values, {len(counted)} differ"
              + (f" (+{len(timing)} timings)" if timing else ""))  # fmt: skip
        for k in counted:
            print(f"    {k}: {str(ga.get(k, '<absent>'))[:150]!r}")
            print(f"    {' ' * len(k)}  {str(gb.get(k, '<absent>'))[:150]!r}")
    print(f"{differing} of {total} glued values differ")
    return 1 if differing else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
