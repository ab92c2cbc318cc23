"""The house's import rules, checked on the source: no package cycles, layers in one
direction, pure cores that load no Flask, and no imports of our own modules hidden inside
functions (the way cycles used to be held together).

The map these tests enforce is drawn in docs/architecture.md; change both together.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"

# Top to bottom: a unit imports units of lower layers; units of one layer are independent of
# each other, except in CORE_LAYERS. A unit is a first-level package or module of app/
# ("app.cases", "app.web").
LAYERS: list[set[str]] = [
    {"app"},  # the package root defers to the factory
    {"app.factory"},  # wiring: knows every feature
    {"app.models"},  # every model, for Alembic
    {"app.demo"},
    {"app.main", "app.admin"},
    {"app.identification"},  # DNA identification's pages, on remains and cases
    {"app.answers"},  # an exchange's answer files, paired by the matching engine
    {"app.matching", "app.exchanges"},
    {"app.imports"},
    {"app.cases", "app.records"},
    {"app.auth"},
    {"app.audit"},
    # Cores: no feature. Their own order is only that of the imports between them.
    {
        "app.web",
        "app.forms",
        "app.name_search",
        "app.reports",
        "app.jobs",
        "app.bulk",
        "app.sqlite",
        "app.postgres",
        "app.errors",
        "app.security",
        "app.i18n",
        "app.formats",
        "app.logs",
        "app.backup",
        "app.dna",
        "app.tallies",
    },
    {"app.extensions"},
    {"app.database", "app.dates", "app.names", "app.sorting", "app.alphabet"},
]
CORE_LAYERS = {len(LAYERS) - 3, len(LAYERS) - 1}  # these import each other as they need

# Pure cores: plain values in, plain values out; importing one loads no Flask, no SQLAlchemy
# and none of our modules but these.
PURE_CORES = [
    "app.alphabet",
    "app.dates",
    "app.sorting",
    "app.names.tables",
    "app.names.text",
    "app.names.surnames",
    "app.names.given",
    "app.names.places",
    "app.imports.readers",
    "app.imports.fields",
    "app.imports.names",
    "app.imports.rows",
    "app.names.keys",
    "app.names.scripts",
    "app.matching.entities",
    "app.matching.blocking",
    "app.matching.scoring",
    "app.matching.calibration",
    "app.matching.learning",
    "app.matching.engine",
    "app.matching.parallel",
    "app.matching.explain",
    "app.auth.second_factor",
    "app.exchanges.listdiff",
    "app.dna.markers",
    "app.dna.frequencies",
    "app.dna.kinship",
    "app.dna.screening",
    "app.dna.explain",
    "app.dna.checks",
    "app.dna.labfiles",
    "app.dna.evidence",
    "app.answers.words",
]
PURE_ALLOWED = {"app", "app.names", "app.imports", "app.cases", "app.matching", "app.records"}
PURE_ALLOWED |= {"app.auth", "app.exchanges", "app.dna", "app.answers"}
PURE_ALLOWED |= {*PURE_CORES, "app.records.fields"}


@dataclass(frozen=True)
class Import:
    source: str  # module that imports
    target: str  # module imported
    line: int
    deferred: bool  # inside a function or class body (not at module level)
    type_only: bool  # under `if TYPE_CHECKING:`


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
    )


def _imports_of(path: Path) -> list[Import]:
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[Import] = []

    def visit(node: ast.AST, deferred: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "app" or alias.name.startswith("app."):
                        found.append(Import(module, alias.name, child.lineno, deferred, type_only))
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                if child.module == "app":
                    # "from app import models": each name is a module of app.
                    for alias in child.names:
                        target = f"app.{alias.name}"
                        found.append(Import(module, target, child.lineno, deferred, type_only))
                elif child.module.startswith("app."):
                    found.append(Import(module, child.module, child.lineno, deferred, type_only))
            nested = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            visit(child, deferred or nested, type_only or _is_type_checking(child))

    visit(tree, False, False)
    return found


def _all_imports() -> list[Import]:
    return [imp for path in sorted(APP.rglob("*.py")) for imp in _imports_of(path)]


def unit(module: str) -> str:
    """The first-level package or module a module belongs to."""
    return ".".join(module.split(".")[:2])


def _layer_of(name: str) -> int:
    for index, layer in enumerate(LAYERS):
        if name in layer:
            return index
    raise AssertionError(f"{name} is in no layer: add it to LAYERS and docs/architecture.md")


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strongconnect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                strongconnect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            strongconnect(node)
    return found


def _unit_edges(imports: list[Import]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        source, target = unit(imp.source), unit(imp.target)
        if source != target:
            edges[source].add(target)
    return edges


def test_the_cycle_finder_finds_a_cycle():
    """The check below can fail: a made-up graph with a cycle is caught."""
    edges = {"app.cases": {"app.matching"}, "app.matching": {"app.cases", "app.names"}}
    assert _cycles(edges) == [["app.cases", "app.matching"]]
    assert _cycles({"app.cases": {"app.names"}}) == []


def test_no_package_imports_another_that_imports_it_back():
    """Counting every import: at module level, inside functions, and for type checking."""
    imports = _all_imports()
    cycles = _cycles(_unit_edges(imports))
    explained = []
    for cycle in cycles:
        lines = [
            f"  {imp.source}:{imp.line} imports {imp.target}"
            for imp in imports
            if unit(imp.source) in cycle and unit(imp.target) in cycle
            and unit(imp.source) != unit(imp.target)
        ]  # fmt: skip
        explained.append(" <-> ".join(cycle) + "\n" + "\n".join(lines))
    assert not cycles, "package cycles:\n" + "\n".join(explained)


def test_packages_import_only_their_own_layer_or_lower():
    wrong = []
    for imp in _all_imports():
        source, target = unit(imp.source), unit(imp.target)
        if source == target:
            continue
        source_layer, target_layer = _layer_of(source), _layer_of(target)
        if target_layer < source_layer or (
            target_layer == source_layer and source_layer not in CORE_LAYERS
        ):
            wrong.append(f"{imp.source}:{imp.line} imports {imp.target}")
    assert not wrong, "imports against the layers of docs/architecture.md:\n" + "\n".join(wrong)


def test_our_modules_are_imported_at_the_top_of_the_file():
    """An import of one of our modules inside a function hides a dependency (and used to
    hide cycles). Only the package root defers, to keep pure cores free of Flask."""
    deferred = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in _all_imports()
        if imp.deferred and not imp.type_only and imp.source != "app"
    ]
    assert not deferred, "imports inside functions:\n" + "\n".join(deferred)


@pytest.mark.parametrize("core", PURE_CORES)
def test_a_pure_core_loads_no_flask_and_no_feature(core):
    """Imported in a fresh interpreter, a pure core brings no Flask, no SQLAlchemy, no
    blueprint and none of our modules but pure ones."""
    script = (
        f"import sys, {core}; "
        "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('app', 'flask', 'flask_sqlalchemy', 'sqlalchemy', 'werkzeug', 'flask_babel'))))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    assert core in loaded
    outside = sorted(loaded - PURE_ALLOWED)
    assert not outside, f"importing {core} loads {outside}"
