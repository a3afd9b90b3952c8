"""The project's modules import each other without cycles.

Every ``import`` and ``from … import`` of a project module counts, at the top
of a file and inside functions alike: an import moved into a function to
dodge a cycle is still the cycle.  The graph is read from the source (ast),
so nothing is imported here.  A package is the module of its
``__init__.py``; importing ``a.b`` is an edge to ``a.b`` only (the implicit
import of the parent package ``a`` is not counted: ``a`` importing its own
submodules is a package's ordinary shape).
"""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("kg", "ingest")
TOP_MODULES = ("server",)


def project_modules() -> dict[str, Path]:
    """Dotted module name → file, for every module of the project."""
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    for name in TOP_MODULES:
        out[name] = REPO / f"{name}.py"
    return out


def _imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement may refer to (``from a import b``: ``a``, ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:                       # relative: from the importing module's package
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def import_graph() -> dict[str, dict[str, str]]:
    """Module → {imported project module: "file:line" of the first such import}."""
    modules = project_modules()
    graph: dict[str, dict[str, str]] = {name: {} for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _imported_names(node, name, path.name == "__init__.py"):
                while target and target not in modules:   # a.b.func → a.b
                    target = target.rpartition(".")[0]
                if target and target != name:
                    where = f"{path.relative_to(REPO)}:{node.lineno}"
                    graph[name].setdefault(target, where)
    return graph


def strongly_connected(graph: dict[str, dict[str, str]]) -> list[set[str]]:
    """The components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(component)
    return out


def a_cycle(graph: dict[str, dict[str, str]], component: set[str]) -> list[str]:
    """One cycle through a component, as ``a → b (file:line)`` lines."""
    start = min(component)
    # breadth-first from start back to start, inside the component
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(graph[node]):
                if nxt not in component:
                    continue
                if nxt == start:
                    path = paths[node] + [start]
                    return [f"{a} → {b} ({graph[a][b]})" for a, b in zip(path, path[1:])]
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    raise AssertionError(f"no cycle through {start}")


def test_the_walk_sees_the_project() -> None:
    graph = import_graph()
    assert "kg.cli" in graph and "ingest.pipeline" in graph and "server" in graph
    # top-level and function-local imports alike
    assert "kg.store" in graph["kg.cli"]
    assert "kg.errors" in graph["kg.store"]


def test_a_cycle_is_found_and_shown() -> None:
    graph = {"a": {"b": "a.py:1"}, "b": {"c": "b.py:2"}, "c": {"a": "c.py:3"}, "d": {"a": "d.py:4"}}
    assert strongly_connected(graph) == [{"a", "b", "c"}]
    assert a_cycle(graph, {"a", "b", "c"}) == ["a → b (a.py:1)", "b → c (b.py:2)",
                                                "c → a (c.py:3)"]


def test_no_import_cycles() -> None:
    graph = import_graph()
    components = strongly_connected(graph)
    report = "\n\n".join("\n".join(a_cycle(graph, c)) for c in components)
    assert not components, f"import cycles:\n{report}"

