"""Execute a book notebook (jupytext ``py:percent`` source) with papermill under a profile.

    python -m unitroles.execute notebooks/zhao2023_table1_generalization.py \\
        --profile notebooks/profiles/book.yml --out build/executed/book/ [-p name value ...]

The source is converted to ``.ipynb``, executed with the profile's parameters (``-p`` overrides
them), and written to ``--out`` only when the whole run succeeded (written to a temporary file,
then renamed), so a failed or interrupted run never leaves an executed notebook that looks good.
The wall time, parameters and the machine (versions, CPU, GPU, commit) are recorded in the
notebook's metadata under ``unitroles``; the status page reads them back. A "Run this page" box
after the title gives the exact commands that reproduce the run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import subprocess
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


def environment() -> dict:
    """The software and hardware this process runs on, for the status page."""
    import torch

    import unitroles

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    try:
        root = Path(__file__).resolve().parents[2]
        commit = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty", "--abbrev=10"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "unitroles": unitroles.__version__,
        "commit": commit or "unknown",
        "platform": platform.platform(terse=True),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": ", ".join(gpus) or "none",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _flag(name: str, value) -> str:
    """One parameter on papermill's command line: ``-p`` for values it reads back as given,
    ``-r`` (raw) for strings it would convert, ``-y`` (YAML) for anything else."""
    if value is None or isinstance(value, (bool, int, float)):
        return f"-p {name} {value}"  # papermill reads None, True, 3, 0.5 back as such
    if isinstance(value, str):
        try:
            float(value)
            raw = True
        except ValueError:
            raw = value in ("None", "True", "False")
        return f"{'-r' if raw else '-p'} {name} {shlex.quote(value)}"
    return f"-y {shlex.quote(_yaml({name: value}))}"


def _yaml(value) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def run_box(source: str | os.PathLike, parameters: dict, profile: str | None = None) -> str:
    """Markdown for the "Run this page" box: the exact commands that reproduce this run."""
    source = Path(source)
    try:
        source = source.resolve().relative_to(Path.cwd())
    except ValueError:
        source = Path("notebooks") / source.name
    stem = source.stem
    flags = [_flag(name, value) for name, value in parameters.items()]
    flags = " \\\n    ".join(" ".join(flags[k : k + 4]) for k in range(0, len(flags), 4))
    ours = f"python -m unitroles.execute {source} --out build/mine"
    if profile:
        base = load_profile(profile)
        ours += f" \\\n    --profile {profile}"
        changed = {k: v for k, v in parameters.items() if k not in base or base[k] != v}
        ours += "".join(f" -p {k} {shlex.quote(_yaml(v))}" for k, v in changed.items())
    return (
        ":::{admonition} Run this page\n:class: tip dropdown\n"
        "From the repository root, with the environment of `make env` (`.venv`), this runs the "
        "page exactly as shown here:\n\n"
        f"```bash\n{ours}\n```\n\n"
        "or, with jupytext and papermill alone (every parameter spelled out; change any of "
        "them with `-p NAME VALUE`):\n\n"
        f"```bash\njupytext --to ipynb {source} -o {stem}.ipynb\n"
        f"papermill {stem}.ipynb {stem}-out.ipynb --cwd {source.parent} \\\n    {flags}\n```\n"
        "\nTrained models and results are cached in `.cache/unitroles/` (or `$UNITROLES_CACHE`); "
        "a second run loads them. The {download}`executed notebook <" + f"{stem}.ipynb>` is "
        "also in the download menu at the top of the page.\n:::"
    )


def execute_notebook(
    source: str | os.PathLike,
    out: str | os.PathLike,
    *,
    parameters: dict | None = None,
    cwd: str | os.PathLike | None = None,
    progress: bool = False,
    profile_path: str | os.PathLike | None = None,
) -> Path:
    """Run ``source`` (.py percent or .ipynb) with ``parameters``; return the executed path.

    ``out`` may be a folder (the notebook keeps its stem) or a ``.ipynb`` path. A "Run this
    page" box (:func:`run_box`) is placed after the first cell (the title).
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
        seconds = round(time.perf_counter() - start, 2)
        executed = nbformat.read(partial, as_version=4)
        executed.metadata["unitroles"] = {
            "source": source.name,
            "seconds": seconds,
            "parameters": parameters,
            "environment": environment(),
        }
        for cell in executed.cells:  # papermill's copy of the parameters: folded, not repeated
            tags = cell.metadata.get("tags", [])
            if "injected-parameters" in tags and "hide-cell" not in tags:
                cell.metadata["tags"] = [*tags, "hide-cell"]
        box = nbformat.v4.new_markdown_cell(run_box(source, parameters, profile_path))
        box.metadata["tags"] = ["run-this-page"]
        executed.cells.insert(1, box)
        nbformat.write(executed, partial)
        os.replace(partial, out)
    return out


def parse_overrides(pairs) -> dict:
    """``-p NAME VALUE`` pairs as parameters, each value read as YAML (``null``, ``0.5``)."""
    import yaml

    return {name: yaml.safe_load(value) for name, value in pairs}


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
    parameters = load_profile(args.profile)
    parameters.update(parse_overrides(args.p))
    for source in args.sources:
        start = time.perf_counter()
        print(f"execute {source} [{parameters.get('profile', '?')}] ...", flush=True)
        out = execute_notebook(
            source, args.out, parameters=parameters, progress=False, profile_path=args.profile
        )
        print(f"  -> {out} in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
