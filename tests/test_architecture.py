"""The package's shape: subpackages by concern, dependencies one way, no import cycle.

Every ``import`` in ``server/`` counts, also those inside functions (a deferred import hides a cycle
from Python, not from a reader). The layers, lowest first, as ``docs/ARCHITECTURE.md`` draws them::

    graph ← store ← protocol ← linkeddata ← web ← ops        (problems: importable by every layer)
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from cec_kg.graph import paths

PACKAGE = "cec_kg"
SERVER = Path(paths.__file__).resolve().parent.parent
LAYERS = ["graph", "store", "protocol", "linkeddata", "web", "ops"]
KERNEL = "problems"          # the typed error: any layer may raise it; it imports nothing of ours


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVER).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


MODULES = {module_name(p): p for p in sorted(SERVER.rglob("*.py")) if "__pycache__" not in p.parts}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    if node.level:
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))
    return node.module or ""


def imports_of(name: str) -> set[str]:
    """The modules of ours that ``name`` imports, anywhere in its body."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, path.name == "__init__.py", node)
            if target.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    found.discard(name)
    return {m for m in found if m in MODULES}


GRAPH = {name: imports_of(name) for name in MODULES}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def rank(module: str) -> int:
    layer = layer_of(module)
    if layer == KERNEL:
        return -1
    if layer in LAYERS:
        return LAYERS.index(layer)
    return len(LAYERS)          # the package root (lazy create_app, __main__): above everything


def test_the_folders_are_the_layers():
    found = sorted(p.name for p in SERVER.iterdir() if (p / "__init__.py").exists())
    assert found == sorted(LAYERS), f"server/ subpackages {found} differ from the documented layers {LAYERS}"
    loose = sorted(p.name for p in SERVER.glob("*.py") if p.stem not in ("__init__", "__main__", KERNEL))
    assert not loose, f"modules outside a layer (put each in the subpackage of its concern): {loose}"


EDGES = sorted((a, b) for a, targets in GRAPH.items() for b in targets)


@pytest.mark.parametrize("importer,imported", EDGES, ids=[f"{a[7:]}->{b[7:]}" for a, b in EDGES])
def test_dependencies_run_one_way(importer, imported):
    assert rank(importer) >= rank(imported), (
        f"{importer} imports {imported}: {layer_of(importer)} may not depend on {layer_of(imported)} "
        f"(order: {' <- '.join(LAYERS)}); move the code, or let the lower layer take a hook as "
        f"protocol.http.html_view does")


def test_kernel_imports_nothing_of_ours():
    assert not GRAPH[f"{PACKAGE}.{KERNEL}"], GRAPH[f"{PACKAGE}.{KERNEL}"]


def test_no_import_cycle():
    """Depth-first search over every import, deferred ones included; report the first cycle found."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (cycle := visit(n)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(GRAPH):
        if m not in state and (cycle := visit(m)):
            pytest.fail("import cycle: " + " → ".join(cycle))


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_says_what_it_owns_and_may_import(layer):
    doc = ast.get_docstring(ast.parse((SERVER / layer / "__init__.py").read_text(encoding="utf-8"))) or ""
    match = re.search(r"May import:(.*)", doc, re.S)
    assert doc and match, f"server/{layer}/__init__.py: its docstring should say what it owns and 'May import: …'"
    declared = set(re.findall(r"cec_kg\.(\w+)", match.group(1)))
    used = {layer_of(b) for a, targets in GRAPH.items() if layer_of(a) == layer for b in targets} - {layer}
    assert used <= declared, f"server/{layer} imports {sorted(used - declared)} beyond its 'May import' {sorted(declared)}"
    allowed = {KERNEL, *LAYERS[: LAYERS.index(layer)]}
    assert declared <= allowed, f"server/{layer} declares {sorted(declared - allowed)}, which are not below it"
