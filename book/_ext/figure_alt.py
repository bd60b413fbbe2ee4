"""Sphinx extension: alt text for the figures of executed notebooks.

A figure displayed by a notebook carries its alt text in the metadata of its PNG output (``alt``,
written by ``unitroles.plots`` at run time from the figure's titles, axis labels and legends, or
given by the page). myst-nb keeps only width and height from that metadata, and Sphinx writes the
image's path as ``alt`` when none is set. myst-nb names each image file by the SHA-256 of its
bytes, so this extension hashes every image output of the book's notebooks and, on each page,
gives every image node whose file has a recorded alt text that text (also for figures glued from
another page).
"""

import hashlib
import json
from base64 import b64decode
from pathlib import Path

from docutils import nodes

_cache: dict[Path, tuple[float, dict[str, str]]] = {}


def _alts_of(path: Path) -> dict[str, str]:
    """``{sha256 of the image bytes: alt text}`` for the image outputs of one notebook."""
    stamp = path.stat().st_mtime
    if path in _cache and _cache[path][0] == stamp:
        return _cache[path][1]
    found = {}
    try:
        notebook = json.loads(path.read_text())
    except (OSError, ValueError):
        notebook = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {})
            for mime, data in output.get("data", {}).items():
                if not mime.endswith(("image/png", "image/jpeg")):
                    continue
                plain = "/".join(mime.split("/")[-2:])  # glue prefixes the mime type
                alt = meta.get(mime, {}).get("alt") or meta.get(plain, {}).get("alt")
                if alt:
                    raw = b64decode("".join(data) if isinstance(data, list) else data)
                    found[hashlib.sha256(raw).hexdigest()] = alt
    _cache[path] = (stamp, found)
    return found


def _set_alt(app, doctree, docname):
    alts: dict[str, str] = {}
    for path in Path(app.srcdir).rglob("*.ipynb"):
        if "_build" not in path.parts and ".ipynb_checkpoints" not in path.parts:
            alts.update(_alts_of(path))
    for image in doctree.findall(nodes.image):
        if image.get("alt"):
            continue
        stem = Path(str(image.get("uri", ""))).stem
        if stem in alts:
            image["alt"] = alts[stem]


def setup(app):
    app.connect("doctree-resolved", _set_alt)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
