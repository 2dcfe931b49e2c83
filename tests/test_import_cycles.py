"""No import cycles among the project's own modules, counting every import: top level,
function level and TYPE_CHECKING blocks (a cycle hidden in a function is still a cycle in the design).

Dependencies point one way (commands -> operations -> Azure layer -> catalog); a cycle means two
modules cannot be understood, tested or moved apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("infra", "policies", "provisioning")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # `from pkg import module` imports the module, not only pkg
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {t for t in targets if t in modules and t != name}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_checker_sees_function_level_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from provisioning.azure import session\n")
    assert _imports("x", module, {"provisioning.azure.session": module, "x": module}) == {"provisioning.azure.session"}


def test_no_import_cycles_among_project_modules() -> None:
    graph = import_graph()
    assert "provisioning.azure.arm" in graph["provisioning.azure.session"]  # the walk sees function-level imports
    assert cycles(graph) == []


def test_dependencies_point_down_the_layers() -> None:
    """commands -> operations -> Azure layer -> catalog: a lower layer never imports a higher one; only the
    commands import the command layer (the console entry point `provisioning.__main__` aside)."""
    above_azure = ("provisioning.cli", "provisioning.operations", "provisioning.audit", "provisioning.plan",
                   "provisioning.verify", "provisioning.emulator")
    wrong = []
    for module, targets in import_graph().items():
        for target in targets:
            if (module.startswith("provisioning.azure") and target.startswith(above_azure)
                    or module.startswith("infra") and target.startswith("provisioning")
                    or module.startswith(("infra", "policies")) and target.startswith("provisioning")
                    or module.startswith("infra") and target.startswith("policies")
                    or not module.startswith(("provisioning.cli", "provisioning.__main__"))
                    and target.startswith("provisioning.cli")):
                wrong.append(f"{module} -> {target}")
    assert wrong == []
