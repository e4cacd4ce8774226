"""The package layout is the data flow, and stays so: every import (module level or inside a
function, read with ast) points at the same layer or one below it, and no modules import each
other in a circle. Layers, lowest first:

    vocabulary (trustlint/*.py but cli, scan, __main__) < input < terraform < formats < trust
    < engine < gate < reporters < scan, cli, __main__
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "trustlint"
LAYERS = ["vocabulary", "input", "terraform", "formats", "trust", "engine", "gate", "reporters", "inventory", "entry"]
# What each layer may import, as its __init__.py says: only layers below it, and not all of them
# (trust semantics never reach back into the readers; the gate and reporters see findings only).
MAY_IMPORT = {
    "vocabulary": {"vocabulary"},
    "input": {"vocabulary", "input"},
    "terraform": {"vocabulary", "input", "terraform"},
    "formats": {"vocabulary", "input", "terraform", "formats"},
    "trust": {"vocabulary", "input", "trust"},
    "engine": {"vocabulary", "input", "trust", "engine"},
    "gate": {"vocabulary", "input", "gate"},
    "reporters": {"vocabulary", "reporters"},
    "inventory": {"vocabulary", "input", "gate", "inventory"},
    "entry": set(LAYERS),
}
ENTRY_MODULES = {"trustlint.cli", "trustlint.scan", "trustlint.__main__"}


def module_names() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def layer_of(module: str) -> str:
    if module in ENTRY_MODULES:
        return "entry"
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS:
        return parts[1]
    assert len(parts) <= 2, f"{module}: a subpackage that is not a layer (add it to LAYERS and MAY_IMPORT)"
    return "vocabulary"


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every trustlint module `module` imports, wherever the import statement stands."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("trustlint")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("trustlint"):
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
    return {name for name in found if name != module}


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    return {module: imports_of(module, path, modules) for module, path in modules.items()}


def test_every_layer_is_a_package_with_a_docstring_saying_what_it_holds_and_may_import():
    for layer in LAYERS[1:-1]:
        init = PACKAGE / layer / "__init__.py"
        assert init.is_file(), layer
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "may import" in docstring.lower(), f"{layer}/__init__.py must say what it may import"


def test_no_module_imports_from_a_layer_above_it_or_outside_what_its_layer_may_import():
    upward = []
    for module, targets in import_graph().items():
        for target in targets:
            if target == "trustlint":
                continue  # the package itself: __version__
            source_layer, target_layer = layer_of(module), layer_of(target)
            if target_layer not in MAY_IMPORT[source_layer]:
                upward.append(f"{module} ({source_layer}) imports {target} ({target_layer})")
    assert not upward, "\n".join(sorted(upward))


def test_each_layer_may_import_only_layers_below_it():
    for layer, allowed in MAY_IMPORT.items():
        assert all(LAYERS.index(other) <= LAYERS.index(layer) for other in allowed), layer


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the list of modules around it, or None (iterative DFS)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child) and child in graph:
                state[child] = 1
                path.append(child)
                stack.append(iter(sorted(graph[child])))
    return None


def test_no_import_circles():
    cycle = find_cycle({m: t - {"trustlint"} for m, t in import_graph().items()})
    assert cycle is None, " -> ".join(cycle)


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": set(), "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
])
def test_the_circle_finder_finds_circles(graph, expected):
    assert find_cycle(graph) == expected


def test_the_layer_check_sees_imports_inside_functions(tmp_path):
    # The checker must read lazy imports too: most of trustlint's heavy imports are inside functions.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ..engine.rules import load_rules\n", encoding="utf-8")
    assert imports_of("trustlint.trust.m", module, {"trustlint.engine.rules": module}) == {"trustlint.engine.rules"}
