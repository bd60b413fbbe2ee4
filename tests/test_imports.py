"""The library's import structure: no circles, no private name used across modules, imports that
run down the layers of lib/README.md's map, a map (and the README's layout) that lists every
module, and no module over 600 lines.

Read from the source with :mod:`ast` (imports inside functions included), so a circle hidden in
a function-level import counts too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "unitroles"


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text()) for p in sorted(LIB.glob("*.py"))}


def _graph() -> dict[str, set[str]]:
    trees = _modules()
    return {name: _imports(tree, set(trees)) - {name} for name, tree in trees.items()}


def layers(readme: str) -> dict[str, int]:
    """Module -> its layer's position (0 = lowest) in the ``| layer | modules | owns |`` table of
    ``readme``; a row with an empty layer cell continues the layer above it."""
    lines = readme.splitlines()
    start = lines.index("| layer | modules | owns |") + 2  # after the header and its rule
    out: dict[str, int] = {}
    layer = -1
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        layer += bool(cells[0])
        for name in re.findall(r"`(\w+)`", cells[1]):
            assert name not in out, f"lib/README.md lists {name} twice"
            out[name] = layer
    return out


def _imports(tree: ast.Module, names: set[str]) -> set[str]:
    """Library modules that ``tree`` imports (``from . import x``, ``from .x import y``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found & names


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary circle of ``graph`` of two or more modules, each listed once (from its
    smallest name)."""
    out = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt == start and len(path) > 1:
                out.append(path + [start])
            elif nxt > start and nxt not in path:
                walk(start, nxt, path + [nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return out


def test_the_circle_finder_finds_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}}
    assert circles(graph) == [["a", "b", "c", "a"]]  # a module importing itself is no circle


def test_no_import_circles():
    found = circles(_graph())
    assert found == [], "import circles: " + "; ".join(" -> ".join(c) for c in found)


def test_no_private_names_across_modules():
    trees = _modules()
    used = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                used += [
                    f"{name} imports {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in trees
                and node.value.id != name
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                used.append(f"{name} uses {node.value.id}.{node.attr}")
    assert used == [], "private names used across modules: " + "; ".join(sorted(set(used)))


def test_the_map_lists_every_module_and_imports_run_down_its_layers():
    layer = layers((ROOT / "lib" / "README.md").read_text())
    modules = set(_modules()) - {"__init__"}
    assert sorted(modules - set(layer)) == [], "modules missing from lib/README.md's table"
    assert sorted(set(layer) - modules) == [], "lib/README.md's table lists no such modules"
    upward = [
        f"{name} ({layer[name]}) imports {dep} ({layer[dep]})"
        for name, deps in _graph().items()
        if name in layer
        for dep in sorted(deps)
        if layer[dep] > layer[name]
    ]
    assert upward == [], "imports from a higher layer of lib/README.md: " + "; ".join(upward)


def test_the_layer_reader_reads_continued_rows():
    table = "| layer | modules | owns |\n|---|---|---|\n| low | `a`, `b` | x |\n| | `c` | y |\n"
    table += "| high | `d` | z |\n\nnot a row"
    assert layers(table) == {"a": 0, "b": 0, "c": 0, "d": 1}


def test_the_readme_layout_lists_every_module():
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## Layout", 1)[1].split("```")[1]  # the code block of the section
    words = set(re.findall(r"\w+", layout))
    missing = sorted(set(_modules()) - {"__init__"} - words)
    assert missing == [], "modules missing from the README's layout"


def test_no_module_passes_600_lines():
    """Issue 24: a module that grows past ~600 lines is split along its concepts."""
    long = {p.name: n for p in LIB.glob("*.py") if (n := len(p.read_text().splitlines())) > 600}
    assert long == {}, f"modules over 600 lines (split them along their concepts): {long}"
