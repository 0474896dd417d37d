"""The import graph of our packages: layered, acyclic, and no module reaching into another's privates.

Read statically with ``ast`` from every ``import`` statement, at module level or inside a
function (an import inside a function is still a dependency, often one hiding a cycle). Also:
no module imports another module's private names, reads the private attributes of a class
defined in another (sub-)package (the compiler reading ``Value._data``; the engine's own modules
share ``Value``'s slots), writes such reads into the source it generates, or hands its
namespace (``globals()``) to another.
"""

from __future__ import annotations

import ast
import importlib.util
import re
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


def package_of(module: str) -> str:
    """The (sub-)package a module belongs to: ``autograd_core.engine`` for ``autograd_core.engine.value``."""
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def _declared_private_attributes(tree: ast.AST) -> set[str]:
    """Underscore attributes the classes of a module declare: in ``__slots__``, as class-body
    annotations, or assigned on ``self`` in a method."""
    found: set[str] = set()
    for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        for item in cls.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                found.add(item.target.id)
            if (isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__slots__" for t in item.targets)
                    and isinstance(item.value, (ast.Tuple, ast.List))):
                found |= {elt.value for elt in item.value.elts if isinstance(elt, ast.Constant)}
        for node in ast.walk(cls):
            if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                    and isinstance(node.value, ast.Name) and node.value.id == "self"):
                found.add(node.attr)
    return {name for name in found if name.startswith("_") and not name.startswith("__")}


def _trees() -> dict[str, ast.AST]:
    return {module: ast.parse(path.read_text(encoding="utf-8")) for module, path in MODULES.items()}


def _owners() -> dict[str, set[str]]:
    """Each private attribute name of our classes -> the packages whose classes declare it."""
    owners: dict[str, set[str]] = {}
    for module, tree in _trees().items():
        for name in _declared_private_attributes(tree):
            owners.setdefault(name, set()).add(package_of(module))
    return owners


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_module_reads_the_private_attributes_of_another_packages_classes():
    owners = _owners()
    wrong = []
    for module, tree in _trees().items():
        package = package_of(module)
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in owners and package not in owners[node.attr]
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                wrong.append(f"{module}:{node.lineno} reads .{node.attr} (private to {sorted(owners[node.attr])})")
            # Generated source is code too: no `x._data` in the text a module writes out.
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                for name in re.findall(r"\w\.(_[a-z]\w*)", node.value):
                    if name in owners and package not in owners[name]:
                        wrong.append(f"{module}:{node.lineno} writes code reading .{name} "
                                     f"(private to {sorted(owners[name])})")
    assert wrong == [], "\n".join(wrong)


def test_the_private_attribute_check_sees_the_engines_slots():
    # Guard: the check above knows Value's slots belong to the engine, so it can fail.
    owners = _owners()
    assert owners["_data"] == {"autograd_core.engine"} and owners["_a"] == {"autograd_core.engine"}


def test_no_module_hands_its_namespace_to_another():
    wrong = []
    for module, tree in _trees().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            for argument in arguments:
                if (isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name)
                        and argument.func.id in ("globals", "locals", "vars") and not argument.args):
                    wrong.append(f"{module}:{node.lineno} passes {argument.func.id}() to a call")
    assert wrong == [], "\n".join(wrong)
