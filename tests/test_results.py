"""One result type (issue 11 item 3): no import cycle among kerasfix's modules, and the cache
answers the `check` that follows an `apply`."""

from __future__ import annotations

import ast
from pathlib import Path

from typer.testing import CliRunner

import kerasfix
from kerasfix.cli import app

PACKAGE = Path(kerasfix.__file__).parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the kerasfix modules it imports, at the top or inside a function alike."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([node.module] if node.module else []))
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
        graph[name] = (found & set(modules)) - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path walked, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_no_import_cycle_among_kerasfix_modules():
    graph = _import_graph()
    assert "kerasfix.results" in graph and "kerasfix.runner" not in graph["kerasfix.cache"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_results_module_imports_no_other_kerasfix_module_at_run_time():
    assert _import_graph()["kerasfix.results"] <= {"kerasfix.config", "kerasfix.lines"}  # config: a type


# a latin-1 file (coding line, a non-ASCII byte, CRLF) whose fix adds `import tensorflow as tf`
LATIN_TRAP = (
    "# -*- coding: latin-1 -*-\r\n"
    "# caf\xe9\r\n"
    "import tensorflow.compat.v1.layers as tfl\r\n"
    "from tensorflow.keras import Model\r\n\r\n\r\n"
    "class Head(Model):\r\n"
    "    def call(self, x):\r\n"
    "        return tfl.dense(x, 2)\r\n"
).encode("latin-1")


def _run(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False)


def test_check_after_apply_is_answered_from_the_cache(tmp_path, monkeypatch):
    (tmp_path / "head.py").write_bytes(LATIN_TRAP)
    applied = _run(["apply", "head.py"], tmp_path, monkeypatch)
    assert "fixed 1 (KF202)" in applied.stdout
    written = (tmp_path / "head.py").read_bytes()
    assert b"caf\xe9" in written and b"import tensorflow as tf\r\n" in written
    cached = _run(["check", "--statistics", "-v", "head.py"], tmp_path, monkeypatch)
    assert "1 from cache" in cached.stderr, cached.stderr
    fresh = _run(["check", "--no-cache", "head.py"], tmp_path, monkeypatch)
    assert cached.stdout == fresh.stdout
