"""The house (issue 8): data flows one way, no import circles, small rooms, and every
section is one room that the ruleset, validate, diff and explain reach only through the
Section protocol."""

from __future__ import annotations

import ast
from pathlib import Path

import bigclient
from bigclient.sections import SECTIONS
from bigclient.sections.base import Section

SRC = Path(bigclient.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = ["bigclient", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """Modules of the package imported by ``path`` (at any depth, TYPE_CHECKING too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bigclient"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("bigclient"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if (SRC.parent / (sub.replace(".", "/") + ".py")).exists()
                          or (SRC.parent / sub.replace(".", "/")).is_dir() else base)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    return {name: {m for m in _imports(p, name) if m in modules and m != name}
            for name, p in modules.items()}


def test_no_import_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_data_flows_one_way() -> None:
    """source → spec → compiled plan → decision → report: no room imports a later one."""
    graph = _graph()
    assert "bigclient.ruleset" not in graph["bigclient.decision"]
    for name, deps in graph.items():
        if name.startswith(("bigclient.language", "bigclient.sections")):
            later = {d for d in deps if d.startswith(("bigclient.ruleset", "bigclient.workflow",
                                                      "bigclient.cli", "bigclient.spec"))}
            assert not later, f"{name} imports {later}"
        if name.startswith("bigclient.workflow"):
            assert not {d for d in deps if d.startswith("bigclient.cli")}, name


def test_rooms_are_small() -> None:
    big = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert not big, f"modules over 500 lines: {big}"


def test_no_private_names_across_rooms() -> None:
    """A name starting with '_' is imported only inside its own package."""
    for path in SRC.rglob("*.py"):
        name = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bigclient"):
                for alias in node.names:
                    if alias.name.startswith("_") and alias.name != "__all__":
                        assert node.module is not None
                        own = node.module.rpartition(".")[0]
                        assert name.startswith(own), \
                            f"{name} imports private {alias.name} from {node.module}"


def test_every_section_is_one_room() -> None:
    keys = [s.key for s in SECTIONS]
    assert len(set(keys)) == len(keys)
    for s in SECTIONS:
        assert isinstance(s, Section)
        module = type(s).__module__
        assert module.startswith(f"bigclient.sections.{s.key}"), (s.key, module)
        _annotation, field = s.spec_field()
        assert field.description, f"section {s.key} has no description"


def test_ruleset_model_is_assembled_from_the_sections() -> None:
    from bigclient.spec import RulesetSpec

    keys = list(RulesetSpec.model_fields)
    assert keys[-len(SECTIONS):] == [s.key for s in SECTIONS]
