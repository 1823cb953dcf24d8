"""The code-quality tools of pyproject.toml, run as the test command runs everything: ruff, mypy (strict on the
pure cores), and import-linter's layers contract, plus a check that the domain packages' import graph has no
cycle. A failure prints the tool's own report. Caches live in var/cache/ (git-ignored)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The domain packages the layers contract orders (app/ minus the base modules and the top: main, cli, demo ...).
DOMAIN = ("annotations", "pages", "topics", "quality", "tagging", "people", "search", "linkeddata", "following",
          "reports", "wikiimport")


def _run(*command: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"


def test_ruff():
    _run(sys.executable, "-m", "ruff", "check", "--no-fix", "app", "tests", "bench", "migrations")


def test_mypy():
    _run(sys.executable, "-m", "mypy")


def test_import_layers():
    _run(str(BIN / "lint-imports"), "--no-cache")


def _ignored() -> set[tuple[str, str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    pairs = set()
    for contract in config:
        for line in contract.get("ignore_imports", []):
            importer, _, imported = line.partition(" -> ")
            pairs.add((importer.strip(), imported.strip()))
    return pairs


def package_edges() -> dict[str, set[str]]:
    """Which domain package imports which (any module of it, function-level imports included), minus the
    imports the contract ignores for now."""
    graph = grimp.build_graph("app", cache_dir=None)
    ignored = _ignored()
    edges: dict[str, set[str]] = {name: set() for name in DOMAIN}
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in DOMAIN:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = imported.split(".")
            if len(target) >= 2 and target[1] in DOMAIN and target[1] != parts[1] and (module, imported) not in ignored:
                edges[parts[1]].add(target[1])
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize(("edges", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}}, [["a", "b", "c"]]),
])
def test_the_cycle_check_finds_cycles(edges, expected):
    assert cycles(edges) == expected


def test_no_cycle_among_domain_packages():
    edges = package_edges()
    assert cycles(edges) == [], "\n".join(f"{a} -> {', '.join(sorted(b))}" for a, b in sorted(edges.items()))


def test_every_pydantic_model_derives_from_the_one_schema_base():
    """Request bodies, responses and the models inside them all start from app.schema.Schema."""
    import importlib
    import pkgutil

    from pydantic import BaseModel
    from pydantic_settings import BaseSettings

    import app
    from app.schema import Schema

    for info in pkgutil.walk_packages(app.__path__, "app."):
        if not info.name.startswith("app.demo.pages"):
            importlib.import_module(info.name)
    stray = sorted(f"{model.__module__}.{model.__qualname__}" for model in _subclasses(BaseModel)
                   if model.__module__.startswith("app.") and model is not Schema and not issubclass(model, Schema)
                   and not issubclass(model, BaseSettings) and "[" not in model.__qualname__)
    assert stray == [], f"derive these from app.schema.Schema (or RequestSchema for request bodies): {stray}"


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found
