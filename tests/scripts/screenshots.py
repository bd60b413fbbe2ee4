"""PNG screenshots of built pages, 1280 px wide and as tall as each page, in headless Chromium.

    python tests/scripts/screenshots.py _build/html shots book/intro.html book/notebooks/x.html

writes shots/book__intro.png and shots/book__notebooks__x.png. ``WIDTH=400`` in the environment
takes them 400 px wide (a phone) instead, as shots/…@400.png.
"""

import os
import sys
from pathlib import Path


def main(root: str, out: str, *pages: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from browser import Browser, serve

    Path(out).mkdir(parents=True, exist_ok=True)
    width = int(os.environ.get("WIDTH", 1280))
    suffix = "" if width == 1280 else f"@{width}"
    with serve(root) as base, Browser(width=width) as browser:
        for page in pages:
            path = Path(out) / (page.removesuffix(".html").replace("/", "__") + suffix + ".png")
            browser.screenshot(base + page, path)
            print(path)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
