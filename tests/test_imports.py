"""The library's import structure: no circles, no private name used across modules.

Read from the source with :mod:`ast` (imports inside functions included), so a circle hidden in
a function-level import counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib" / "unitroles"


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text()) for p in sorted(LIB.glob("*.py"))}


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
    trees = _modules()
    graph = {name: _imports(tree, set(trees)) - {name} for name, tree in trees.items()}
    found = circles(graph)
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
