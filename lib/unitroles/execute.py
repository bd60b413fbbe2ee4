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
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# Profiles and -p values are read by unitroles.params (an error names the file and line; a value
# with ' #' or ': ' is kept whole); execute.load_profile and parse_overrides stay importable here.
from .params import PASSED_ENV, ParameterError, load_profile, parse_overrides, unknown_message


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


# The checkout this module belongs to (lib/unitroles/execute.py): run boxes give paths in it
# relative to it, never the build machine's absolute path.
ROOT = Path(__file__).resolve().parents[2]
# Where models and results are, as the run box and the intro say it.
WHERE_CACHED = (
    "Models: the published set in `models/` (digest-checked); results cached in "
    "`.cache/unitroles/` of the checkout, or `$UNITROLES_CACHE` if set, whichever way the page "
    "is run"
)


def relative(value, start: str | os.PathLike = ROOT):
    """``value``, when it is an absolute path inside the checkout, relative to ``start`` (the
    checkout, or the folder a command runs the notebook in); any other value as it is."""
    if not isinstance(value, str) or not os.path.isabs(value):
        return value
    try:
        Path(value).relative_to(ROOT)
    except ValueError:
        return value
    return os.path.relpath(value, start)


def run_box(
    source: str | os.PathLike,
    parameters: dict,
    profile: str | None = None,
    *,
    defaults: str = "",
) -> str:
    """Markdown for the "Run this page" box: the parameters of this run and the exact commands
    that reproduce it, to paste in the repository root. ``defaults``: the source of the page's
    parameters cell (its defaults and their comments), shown in the box instead of as a cell of
    the page. Paths inside the checkout are given relative to it (to ``notebooks/`` for papermill,
    which runs the page there), never as the build machine's absolute path."""
    source = Path(source)
    try:
        source = source.resolve().relative_to(ROOT)
    except ValueError:
        source = Path("notebooks") / source.name
    stem = source.stem
    here = {k: relative(v) for k, v in parameters.items()}
    inside = {k: relative(v, ROOT / source.parent) for k, v in parameters.items()}
    flags = [_flag(name, value) for name, value in inside.items()]
    flags = " \\\n    ".join(" ".join(flags[k : k + 4]) for k in range(0, len(flags), 4))
    ours = f"python -m unitroles.execute {source} --out build/mine"
    if profile:
        base = load_profile(profile)
        ours += f" \\\n    --profile {relative(str(Path(profile).resolve()))}"
        changed = {k: here[k] for k, v in parameters.items() if k not in base or base[k] != v}
        ours += "".join(f" -p {k} {shlex.quote(_yaml(v))}" for k, v in changed.items())
    return (
        ":::{admonition} Run this page\n:class: tip dropdown\n"
        + _parameter_listing(here, defaults)
        + "From the repository root, with the environment of `make env` (`.venv`), this runs the "
        "page exactly as shown here:\n\n"
        f"```bash\n{ours}\n```\n\n"
        "or, with jupytext and papermill alone (every parameter spelled out; change any of "
        f"them with `-p NAME VALUE`; papermill runs the page in `{source.parent}/`, so a "
        "relative path is taken from there):\n\n"
        f"```bash\njupytext --to ipynb {source} -o {stem}.ipynb\n"
        f"papermill {stem}.ipynb {stem}-out.ipynb --cwd {source.parent} \\\n    {flags}\n```\n"
        f"\n{WHERE_CACHED}; a second run loads them. The "
        "{download}`executed notebook <" + f"{stem}.ipynb>` is also in the download menu at the "
        "top of the page.\n:::"
    )


def _parameter_listing(parameters: dict, defaults: str) -> str:
    """The "Parameters" part of the run box: this run's values, then the page's defaults."""
    if not parameters and not defaults.strip():
        return ""
    text = "**Parameters of this run** (papermill's values; the page's defaults below):\n\n"
    if parameters:
        lines = [f"{name} = {value!r}" for name, value in parameters.items()]
        text += "```python\n" + "\n".join(lines) + "\n```\n\n"
    if defaults.strip():
        text += (
            f"Defaults, from the page's parameters cell:\n\n```python\n{defaults.strip()}\n```\n\n"
        )
    return text


# Tags that already say how a code cell shows; any other code cell gets ``hide-input``.
_SHOWN_AS = {"hide-input", "remove-input", "hide-cell", "remove-cell", "show-input"}


def present(notebook, stem: str = "page") -> None:
    """Make an executed notebook read as a page of the book (in place).

    * Code is folded: every code cell not tagged otherwise gets ``hide-input`` (myst-nb shows a
      "Show code cell source" toggle); a cell tagged ``show-input`` stays open.
    * The parameters cell and papermill's injected copy get ``remove-cell``: their values are
      in the "Run this page" box (:func:`run_box`).
    * Printed logs are folded: a cell's ``stdout`` streams (split by progress bars on stderr)
      become one closed "Log" ``<details>`` block in HTML, where the first one was (its text
      stays as ``text/plain``).
    * A figure captioned with :func:`unitroles.plots.caption` is numbered and captioned: its
      caption and name move from the image's output metadata into the cell's ``mystnb.figure``
      metadata, which myst-nb renders as a numbered figure. The alt text stays in the output
      metadata, where ``book/_ext/figure_alt.py`` reads it.
    """
    figures = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tags = list(cell.metadata.get("tags", []))
        if {"parameters", "injected-parameters"} & set(tags):
            tags = [t for t in tags if t not in _SHOWN_AS] + ["remove-cell"]
        elif not _SHOWN_AS & set(tags):
            tags.append("hide-input")
        cell.metadata["tags"] = tags
        cell.outputs = [_fold_log(o) for o in _one_stdout(cell.get("outputs", []))]
        captions = [
            o["metadata"]["image/png"]
            for o in cell.outputs
            if "caption" in o.get("metadata", {}).get("image/png", {})
        ]
        shown = [
            o for o in cell.outputs if o.get("output_type") in ("display_data", "execute_result")
        ]
        if len(captions) == 1 and len(shown) == 1:  # myst-nb captions every output of the cell
            figures += 1
            meta = captions[0]
            figure = {
                "caption": meta["caption"],
                "name": meta.get("name") or f"{stem}-fig-{figures}",
            }
            cell.metadata.setdefault("mystnb", {}).setdefault("figure", figure)


def _one_stdout(outputs: list) -> list:
    """``outputs`` with every ``stdout`` stream joined into the first one."""
    import copy

    kept, first = [], None
    for o in outputs:
        if o.get("output_type") != "stream" or o.get("name") != "stdout":
            kept.append(o)
        elif first is None:
            first = copy.deepcopy(o)
            first["text"] = "".join(o["text"])  # a str, or nbformat's list of lines
            kept.append(first)
        else:
            first["text"] += "".join(o["text"])
    return kept


def _fold_log(output):
    """A ``stdout`` stream as a display of a closed ``<details>`` block (HTML), text kept."""
    import html

    import nbformat

    if output.get("output_type") != "stream" or output.get("name") != "stdout":
        return output
    text = output["text"] if isinstance(output["text"], str) else "".join(output["text"])
    lines = text.rstrip("\n").count("\n") + 1
    block = (
        f'<details class="unitroles-log"><summary>Log ({lines} line{"s" * (lines != 1)})'
        f"</summary><pre>{html.escape(text)}</pre></details>"
    )
    return nbformat.v4.new_output("display_data", data={"text/html": block, "text/plain": text})


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
    page" box (:func:`run_box`) is placed after the first cell (the title). The page runs with
    :func:`page_parameters`: the profile's values of the names it declares, then ``parameters``,
    each of which it must declare.
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
    with tempfile.TemporaryDirectory() as tmp:
        unexecuted = Path(tmp) / f"{source.stem}.ipynb"
        nbformat.write(notebook, unexecuted)
        parameters = page_parameters(unexecuted, source, parameters, profile_path)
        # One partial file per run: two runs of this page into one folder (other parameters,
        # make -j) never write, read or rename each other's; out appears whole, in one rename.
        partial = out.with_name(f".{out.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial.ipynb")
        start = time.perf_counter()
        # The kernel runs in ``cwd`` (``notebooks/``); it resolves relative paths against the
        # folder this command was run from (unitroles.data.caller_cwd), and unitroles.params
        # checks the names passed here.
        env = {
            "UNITROLES_CALLER_CWD": os.environ.get("UNITROLES_CALLER_CWD") or os.getcwd(),
            PASSED_ENV: json.dumps(sorted(parameters)),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
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
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        seconds = round(time.perf_counter() - start, 2)
        try:
            executed = nbformat.read(partial, as_version=4)
            executed.metadata["unitroles"] = {
                "source": source.name,
                "seconds": seconds,
                "parameters": parameters,
                "environment": environment(),
            }
            defaults = "\n".join(
                c.source for c in executed.cells if "parameters" in c.metadata.get("tags", [])
            )
            present(executed, source.stem)
            box = nbformat.v4.new_markdown_cell(
                run_box(source, parameters, profile_path, defaults=defaults)
            )
            box.metadata["tags"] = ["run-this-page"]
            executed.cells.insert(1, box)
            nbformat.write(executed, partial)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)  # already renamed, or half-written
    return out


def page_parameters(
    notebook: str | os.PathLike,
    source: str | os.PathLike,
    parameters: dict | None,
    profile_path: str | os.PathLike | None,
) -> dict:
    """The parameters to run ``notebook`` with: the profile's values for the names its parameters
    cell declares (a profile serves every page; a page ignores the others), then ``parameters``.

    A name in ``parameters`` that the page does not declare is an error listing the names it
    accepts (papermill would only warn, and run with the default).
    """
    import papermill

    declared = set(papermill.inspect_notebook(str(notebook)))
    given = dict(parameters or {})
    unknown = set(given) - declared
    if unknown:
        raise ParameterError(unknown_message(unknown, declared, str(source)))
    profile = load_profile(profile_path) if profile_path else {}
    return {**{k: v for k, v in profile.items() if k in declared}, **given}


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
    try:
        profile = load_profile(args.profile)
        overrides = parse_overrides(args.p)
    except ParameterError as err:  # a profile that is not YAML, a -p value to quote
        print(f"error: {err}", file=sys.stderr)
        return 2
    for source in args.sources:
        start = time.perf_counter()
        print(f"execute {source} [{profile.get('profile', '?')}] ...", flush=True)
        try:
            out = execute_notebook(
                source, args.out, parameters=overrides, progress=False, profile_path=args.profile
            )
        except ParameterError as err:  # unknown parameter names: the message says it all
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(f"  -> {out} in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
