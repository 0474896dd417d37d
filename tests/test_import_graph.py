"""The import graph of our packages: layered, acyclic, and no module imports another's private names.

Read statically with ``ast`` from every ``import`` statement, at module level or inside a
function (an import inside a function is still a dependency, often one hiding a cycle).
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

# Where the packages are imported from: the clone (editable install) or site-packages (the
# wheel, which CI tests from a copy of tests/ with no packages beside it).
_SPEC = importlib.util.find_spec("autograd_core")
assert _SPEC is not None and _SPEC.origin is not None
ROOT = Path(_SPEC.origin).resolve().parent.parent
PACKAGES = ("autograd_core", "nn", "viz", "autograd_core_cli")

# What each package may import besides itself: autograd_core <- nn, viz <- autograd_core_cli.
ALLOWED = {
    "autograd_core": set(),
    "nn": {"autograd_core"},
    "viz": {"autograd_core"},
    "autograd_core_cli": {"autograd_core", "nn", "viz"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module name of ``from <module> import ...`` in ``importer``."""
    if node.level == 0:
        return node.module or ""
    package = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:`` (imports for annotations only)."""
    for child in ast.iter_child_nodes(tree):
        if _is_type_checking(child):
            continue
        yield child
        yield from _runtime_nodes(child)


def imports(importer: str) -> list[tuple[str, str | None]]:
    """(module, name) for each name imported by ``importer`` from our modules (name None: the module)."""
    found = []
    for node in _runtime_nodes(ast.parse(MODULES[importer].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = resolve(importer, node)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.append((submodule, None) if submodule in MODULES else (source, alias.name))
    return [(module, name) for module, name in found if module in MODULES]


def graph() -> dict[str, set[str]]:
    return {importer: {module for module, _ in imports(importer)} - {importer} for importer in MODULES}


def test_the_modules_are_found():
    assert {"autograd_core.engine.value", "nn.train", "viz.graph", "autograd_core_cli.article"} <= set(MODULES)


def test_each_package_imports_only_the_layers_below_it():
    wrong = sorted(f"{importer} imports {module}" for importer, modules in graph().items() for module in modules
                   if module.split(".")[0] not in ALLOWED[importer.split(".")[0]] | {importer.split(".")[0]})
    assert wrong == [], "\n".join(wrong)


def test_the_module_graph_has_no_cycle():
    edges = graph()
    state: dict[str, str] = {}
    cycles = []

    def visit(module: str, stack: list[str]) -> None:  # depth first; the graph is a few dozen modules
        state[module] = "open"
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target, stack + [target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == [], "\n".join(cycles)


def test_no_module_imports_another_modules_private_names():
    private = sorted(f"{importer} imports {name} from {module}" for importer in MODULES
                     for module, name in imports(importer)
                     if name is not None and name.startswith("_") and not name.startswith("__") and module != importer)
    assert private == [], "\n".join(private)
