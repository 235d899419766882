"""The import graph of planner, geodata and web: no circles, and no module imports another's private name.

Static (ast only): every ``import`` and ``from ... import`` between the project's own modules, wherever it
stands in the module, becomes an edge; strongly connected components of more than one module are circles.
A private name (``_name``) may be imported only from a helper module of the same package (``pkg._helpers``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("planner", "geodata", "web")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(modules: dict[str, Path]) -> Iterator[tuple[str, str, str]]:
    """Yield ``(importer, imported module, imported name)``; the name is '' for a plain ``import``."""

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                for alias in node.names:
                    target = owner(f"{base}.{alias.name}") or owner(base)
                    if target and target != module:
                        yield module, target, alias.name if target == owner(base) else ""
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    target = owner(alias.name)
                    if target and target != module:
                        yield module, target, ""


def test_no_import_circles() -> None:
    modules = _modules()
    graph = nx.DiGraph((a, b) for a, b, _ in _imports(modules))
    circles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not circles, f"import circles: {circles}"


def test_no_private_names_imported_across_modules() -> None:
    modules = _modules()
    offenders = []
    for importer, target, name in _imports(modules):
        package, _, leaf = target.rpartition(".")
        own_helper = package == importer.rpartition(".")[0] and leaf.startswith("_")
        if name.startswith("_") and not name.startswith("__") and not own_helper:
            offenders.append(f"{importer} imports {target}.{name}")
    assert not offenders, "\n".join(offenders)


def test_dependencies_run_one_way() -> None:
    """geodata never imports planner or web; planner never imports web."""
    below = {"geodata": ("planner", "web"), "planner": ("web",)}
    wrong = [f"{a} imports {b}" for a, b, _ in _imports(_modules())
             if b.split(".")[0] in below.get(a.split(".")[0], ())]
    assert not wrong, "\n".join(wrong)
