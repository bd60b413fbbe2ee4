"""What a paper-profile page reads, stamped for make: each input's path and the size and
modification time of every file under it (``<folder>/<input>.json``, rewritten only when it
changes), and ``deps.mk``, which makes each executed page depend on the stamps of the inputs its
parameters cell declares. A changed checkpoint or dataset re-runs exactly the pages that read it::

    python -m unitroles.input_stamps --stamp-inputs build/inputs/paper \
        --profile notebooks/profiles/paper.yml --executed build/executed/paper notebooks/*.py
"""

from __future__ import annotations

import os
from pathlib import Path

from . import data, paper


def input_state(value: str | os.PathLike | None) -> dict:
    """What a path input is now: its absolute path and, for every file under it, the size and
    modification time (a changed, added or removed file changes the state)."""
    if value in (None, ""):
        return {"path": None}
    path = data.absolute(value)
    if path.is_file():
        st = path.stat()
        return {"path": str(path), "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
    if not path.is_dir():
        return {"path": str(path), "missing": True}
    import hashlib

    digest, count = hashlib.sha256(), 0
    for folder, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            st = os.stat(os.path.join(folder, name))
            rel = os.path.relpath(os.path.join(folder, name), path)
            digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            count += 1
    return {"path": str(path), "files": count, "listing_sha256": digest.hexdigest()}


def _write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text() == text:
        return  # unchanged: keep its modification time, so make re-runs nothing
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def declared(source: Path) -> set[str]:
    """The names assigned in a jupytext page's parameters cell."""
    import re

    text = source.read_text()
    start = text.find('tags=["parameters"]')
    if start < 0:
        return set()
    cell = text[start:].split("\n# %%", 1)[0]
    return set(re.findall(r"^([A-Za-z_]\w*)\s*=", cell, flags=re.M))


def stamp_inputs(folder, profile_path, executed, sources) -> None:
    """Write ``<folder>/<input>.json`` (what each paper input is now, :func:`input_state`) and
    ``<folder>/deps.mk`` (each executed page depends on the stamps of the inputs it declares),
    each rewritten only when its content changed. The Makefile includes ``deps.mk``."""
    import json

    from .params import load_profile

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    profile = load_profile(profile_path)
    for name, env in paper.INPUTS.items():
        value = profile.get(name) or os.environ.get(env)
        state = {"parameter": name, "variable": env, **input_state(value)}
        _write_if_changed(folder / f"{name}.json", json.dumps(state, indent=1, sort_keys=True))
    lines = [
        "# written by python -m unitroles.input_stamps; each page depends on the inputs it reads"
    ]
    for source in sorted(map(Path, sources)):
        used = sorted(declared(source) & set(paper.INPUTS))
        if used:
            stamps = " ".join(str(folder / f"{n}.json") for n in used)
            lines.append(f"{executed}/{source.stem}.ipynb: {stamps}")
    _write_if_changed(folder / "deps.mk", "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        description="Stamp what the paper profile reads (paths, sizes, modification times) for make"
    )
    parser.add_argument("--stamp-inputs", required=True, metavar="FOLDER")
    parser.add_argument("--profile", required=True)
    parser.add_argument("--executed", required=True, help="folder of executed notebooks")
    parser.add_argument("sources", nargs="+")
    args = parser.parse_args(argv)
    stamp_inputs(args.stamp_inputs, args.profile, args.executed, args.sources)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
