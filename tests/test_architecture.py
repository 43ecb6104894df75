"""The layout: each stage owns one job, imports only the stages before it, and writers are pure.

These tests read the source (ast), so a new import that reaches forward or closes a circle
fails here, with the edge named.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "brief"

# The stages in pipeline order. A module may import modules of its own layer or of earlier ones.
LAYERS = [
    ("brief", "brief.errors", "brief.outputs"),
    ("brief.model",),
    ("brief.corpus", "brief.corpus.yamlio", "brief.corpus.index"),  # YAML with line numbers, the signed cache
    ("brief.i18n",),
    ("brief.corpus.schema", "brief.corpus.validate",
     "brief.corpus.numbers", "brief.corpus.standards", "brief.corpus.quotes", "brief.corpus.load"),
    ("brief.corpus.search", "brief.corpus.edit", "brief.corpus.ingest"),  # tools over a loaded corpus
    ("brief.fonts",),
    ("brief.select",),
    ("brief.views",),
    ("brief.compose",),
    ("brief.parse",),
    ("brief.cite", "brief.charts"),
    ("brief.fill",),
    ("brief.document",),
    ("brief.writers", "brief.writers.styles", "brief.writers.linebreak", "brief.writers.keeping", "brief.writers.alt",
     "brief.writers.docx", "brief.writers.pdf", "brief.writers.typst", "brief.writers.html"),
    ("brief.check",),  # checks style data and fonts too
    ("brief.build",),
    ("brief.watch",),
    ("brief.serve",),  # the live preview: the watch loop, an HTTP server on 127.0.0.1
    ("brief.distribute", "brief.distribute.stakeholders", "brief.distribute.crypt", "brief.distribute.ledger",
     "brief.distribute.mail", "brief.distribute.stamp", "brief.distribute.stamp_html", "brief.distribute.run"),
    ("brief.cli", "brief.cli.app", "brief.cli.base", "brief.cli.distribute", "brief.cli.corpus", "brief.cli.ingest", "brief.__main__"),
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports_of(path: Path, name: str) -> set[str]:
    """Every brief module `path` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    known = set(modules())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("brief"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if not base.startswith("brief"):
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.add(sub if sub in known else base)
    return {m for m in out if m in known and m != name}


def test_every_module_has_a_layer():
    # (names listed for modules that do not exist yet are harmless)
    assert sorted(set(modules()) - set(LAYER)) == [], "add new modules to LAYERS, in pipeline order"


def test_no_module_imports_a_stage_after_it():
    bad = []
    for name, path in modules().items():
        for target in imports_of(path, name):
            if LAYER[target] > LAYER[name]:
                bad.append(f"{name} imports {target}, a later stage")
    assert bad == []


def test_no_import_circle():
    graph = {name: imports_of(path, name) for name, path in modules().items()}
    # A package's __init__ is imported by its submodules implicitly; only explicit edges count.
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_each_module_states_its_job(name):
    doc = ast.get_docstring(ast.parse(modules()[name].read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 4, f"{name} needs a docstring that states its one job"


@pytest.mark.parametrize("name", [n for n in sorted(modules()) if n.startswith("brief.writers")])
def test_writers_read_no_environment_and_patch_nothing(name):
    text = modules()[name].read_text(encoding="utf-8")
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            pytest.fail(f"{name} reads the environment (line {node.lineno})")
        if isinstance(node, ast.Global):
            pytest.fail(f"{name} rebinds module globals (line {node.lineno}): {node.names}")
        if isinstance(node, ast.Assign):
            for target in node.targets:
                # module.attr = … on an imported module (e.g. reportlab) is a global patch
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id in {"paragraph", "reportlab", "docx", "rl_config"}:
                    pytest.fail(f"{name} patches {target.value.id}.{target.attr} (line {node.lineno})")
