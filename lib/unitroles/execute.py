"""Execute a book notebook (jupytext ``py:percent`` source) with papermill under a profile.

    python -m unitroles.execute notebooks/zhao2023_table1_generalization.py \\
        --profile notebooks/profiles/book.yml --out build/executed/book/ [-p name value ...]

The source is converted to ``.ipynb``, executed with the profile's parameters (``-p`` overrides
them), and written to ``--out`` only when the whole run succeeded (written to a temporary file,
then renamed), so a failed or interrupted run never leaves an executed notebook that looks good.
The wall time, profile and parameters are recorded in the notebook's metadata under
``unitroles``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def load_profile(path: str | os.PathLike) -> dict:
    """Read a profile YAML (a flat mapping of papermill parameters)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"profile {path} not found; profiles live in notebooks/profiles/")
    params = yaml.safe_load(path.read_text()) or {}
    if not isinstance(params, dict):
        raise ValueError(f"profile {path} must be a mapping of parameter names to values")
    return params


def execute_notebook(
    source: str | os.PathLike,
    out: str | os.PathLike,
    *,
    parameters: dict | None = None,
    cwd: str | os.PathLike | None = None,
    progress: bool = False,
) -> Path:
    """Run ``source`` (.py percent or .ipynb) with ``parameters``; return the executed path.

    ``out`` may be a folder (the notebook keeps its stem) or a ``.ipynb`` path.
    """
    import jupytext
    import nbformat
    import papermill

    source, out = Path(source), Path(out)
    if not source.is_file():
        raise FileNotFoundError(f"notebook source {source} not found")
    if out.suffix != ".ipynb":
        out = out / f"{source.stem}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    if not any("parameters" in c.metadata.get("tags", []) for c in notebook.cells):
        raise ValueError(f"{source} has no cell tagged 'parameters'; papermill needs one")
    parameters = dict(parameters or {})
    with tempfile.TemporaryDirectory() as tmp:
        unexecuted = Path(tmp) / f"{source.stem}.ipynb"
        nbformat.write(notebook, unexecuted)
        partial = out.with_name(f".{out.stem}.partial.ipynb")
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(unexecuted),
                str(partial),
                parameters=parameters,
                cwd=str(cwd or source.parent),
                progress_bar=progress,
                kernel_name="python3",
            )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        executed = nbformat.read(partial, as_version=4)
        executed.metadata["unitroles"] = {
            "source": source.name,
            "seconds": round(time.perf_counter() - start, 2),
            "parameters": parameters,
        }
        nbformat.write(executed, partial)
        os.replace(partial, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+", help="notebook sources (.py percent or .ipynb)")
    parser.add_argument("--profile", required=True, help="profile YAML with the parameters")
    parser.add_argument("--out", required=True, help="output folder for executed notebooks")
    parser.add_argument(
        "-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="override one parameter (value parsed as YAML)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    import yaml

    parameters = load_profile(args.profile)
    parameters.update({name: yaml.safe_load(value) for name, value in args.p})
    for source in args.sources:
        start = time.perf_counter()
        print(f"execute {source} [{parameters.get('profile', '?')}] ...", flush=True)
        out = execute_notebook(source, args.out, parameters=parameters, progress=False)
        print(f"  -> {out} in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
