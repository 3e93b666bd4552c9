"""One result type (issue 11 item 3): no import cycle among kerasfix's modules, and the cache
answers the `check` that follows an `apply`."""

from __future__ import annotations

import ast
import json
import random
from dataclasses import replace
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kerasfix
from fixture_cases import UNSAFE, all_cases
from kerasfix.cli import app
from kerasfix.results import TextEdit, apply_edits, edits_between

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


# --- fix edits in machine output (issue 10 item 8) --------------------------------------------

CASES = [c for c in all_cases() if c.findings]


def _sources(path: Path) -> dict[str, str]:
    files = [path] if path.is_file() else sorted(path.rglob("*.py"))
    return {p.relative_to(path.parent if path.is_file() else path).as_posix(): p.read_bytes().decode("latin-1")
            for p in files}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_json_edits_are_what_apply_writes_for_a_finding_fixed_alone(case, tmp_path, monkeypatch):
    """Each finding's edits, made on the input, give what `apply --select CODE` writes, for
    every code with one fix in the case (more would be fixed together)."""
    work = case.copy_input(tmp_path / "check")
    args = ["--no-cache", UNSAFE, *[a for a in case.args if a != UNSAFE]]
    data = json.loads(_run(["check", "--format", "json", *args, "."], work, monkeypatch).stdout)
    with_fix = [f for f in data["findings"] if f["fix"] is not None]
    # KF108's fix needs KF101's (Finding.needs): alone it has none (engine._drop_edits_of_fixes_needing_others)
    assert {f["code"] for f in with_fix if f["fix"]["edits"] is None} <= {"KF108"}
    assert all(f["fix"]["edits"] for f in with_fix if f["fix"]["edits"] is not None), "edits that do nothing"
    before = _sources(work)
    by_code = Counter(f["code"] for f in with_fix)
    for finding in (f for f in with_fix if by_code[f["code"]] == 1 and f["fix"]["edits"] is not None):
        alone = case.copy_input(tmp_path / finding["code"])
        _run(["apply", *args, "--select", finding["code"], "."], alone, monkeypatch)
        expected = dict(before)
        edits = [TextEdit(e["location"]["line"], e["location"]["column"], e["end_location"]["line"],
                      e["end_location"]["column"], e["content"]) for e in finding["fix"]["edits"]]
        expected[finding["path"]] = apply_edits(before[finding["path"]], edits)
        assert _sources(alone) == expected, finding["code"]


def test_sarif_fixes_carry_the_same_edits(tmp_path, monkeypatch):
    (tmp_path / "head.py").write_bytes(LATIN_TRAP)
    sarif = json.loads(_run(["check", "--no-cache", "--format", "sarif", "head.py"], tmp_path, monkeypatch).stdout)
    found = json.loads(_run(["check", "--no-cache", "--format", "json", "head.py"], tmp_path, monkeypatch).stdout)
    [result] = sarif["runs"][0]["results"]
    [change] = result["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"] == result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert [(r["deletedRegion"], r["insertedContent"]["text"]) for r in change["replacements"]] == [
        ({"startLine": e["location"]["line"], "startColumn": e["location"]["column"],
          "endLine": e["end_location"]["line"], "endColumn": e["end_location"]["column"]}, e["content"])
        for e in found["findings"][0]["fix"]["edits"]]
    text = LATIN_TRAP.decode("latin-1")
    edits = [TextEdit(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"], r["deletedRegion"]["endLine"],
                  r["deletedRegion"]["endColumn"], r["insertedContent"]["text"]) for r in change["replacements"]]
    _run(["apply", "--no-cache", "head.py"], tmp_path, monkeypatch)
    assert apply_edits(text, edits) == (tmp_path / "head.py").read_bytes().decode("latin-1")


def test_edits_between_and_apply_edits_round_trip():
    rnd = random.Random(7)
    for _ in range(2000):  # line ends of every kind, split anywhere
        old, new = ("".join(rnd.choice("ab \r\n") for _ in range(rnd.randrange(14))) for _ in range(2))
        edits = edits_between(old, new)
        assert apply_edits(old, edits) == new, (old, new, edits)
        assert all((e.line, e.column) <= (e.end_line, e.end_column) for e in edits)
    assert edits_between("x", "x\ny") == (TextEdit(1, 2, 1, 2, "\ny"),)  # no final line end: still line 1
    assert edits_between("a\nb\n", "a\nb\n") == ()


def test_a_json_check_never_takes_edits_from_the_cache(tmp_path, monkeypatch):
    """Edits are code a JSON or SARIF reader may apply: the cache keeps none, so a JSON check
    works out again each file whose findings have a fix, and one planted in the cache is
    never offered; a file whose findings have no fix is answered from the cache."""
    from kerasfix.cache import cache_dir

    (tmp_path / "head.py").write_bytes(LATIN_TRAP)
    first = _run(["check", "--statistics", "--format", "json", "head.py"], tmp_path, monkeypatch)
    cache_file = next(cache_dir().rglob("*.json"))
    stored = json.loads(cache_file.read_text())
    rows = [row for entry in stored["findings"].values() for row in entry]
    assert rows and all(row[8] is None for row in rows)
    for row in rows:
        row[8] = [[1, 1, 1, 1, "import os; os.system('planted')\n"]]
    cache_file.write_text(json.dumps(stored))
    again = _run(["check", "--statistics", "--format", "json", "head.py"], tmp_path, monkeypatch)
    assert "0 from cache" in again.stderr and again.stdout == first.stdout and "planted" not in again.stdout
    assert json.loads(again.stdout)["findings"][0]["fix"]["edits"]
    text = _run(["check", "--statistics", "head.py"], tmp_path, monkeypatch)
    assert "1 from cache" in text.stderr and "head.py:9:16: KF202 [*]" in text.stdout
    (tmp_path / "cell.py").write_text("import tensorflow as tf\n\n\nclass C(tf.compat.v1.nn.rnn_cell.RNNCell):\n"
                                      "    pass\n")  # KF204, reported with no fix
    assert "1 parsed" in _run(["check", "--statistics", "cell.py"], tmp_path, monkeypatch).stderr
    reported = _run(["check", "--statistics", "--format", "json", "cell.py"], tmp_path, monkeypatch)
    assert "0 parsed, 1 from cache" in reported.stderr and json.loads(reported.stdout)["findings"]


# --- notebook positions (issue 10 item 1) -----------------------------------------------------

NOTEBOOK_CELLS = [
    {"cell_type": "markdown", "metadata": {}, "source": ["# A model\n"]},
    {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
     "source": ["import tensorflow as tf\n"]},
    {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
     "source": ["class Scaled(tf.keras.layers.Layer):\n", "    def build(self, input_shape):\n",
                "        self.k = tf.compat.v1.get_variable(\"k\", [2])\n"]},
]


def _notebook(tmp_path: Path) -> Path:
    path = tmp_path / "model.ipynb"
    book = {"cells": NOTEBOOK_CELLS, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(book, indent=1) + "\n", encoding="utf-8")
    return path


def test_github_names_the_cell_and_puts_no_cell_line_on_the_ipynb(tmp_path, monkeypatch):
    _notebook(tmp_path)
    [line] = _run(["check", "--format", "github", "model.ipynb"], tmp_path, monkeypatch).stdout.splitlines()
    assert line.startswith("::warning title=kerasfix KF101 (cell 3),file=model.ipynb::cell 3, line 3, column 18: "
                           "KF101 `tf.compat.v1.get_variable` in a Keras layer")
    assert ",line=" not in line and ",col=" not in line  # line 3 of the cell is no line of the JSON


def test_sarif_gives_the_notebook_the_cell_and_the_region_in_it(tmp_path, monkeypatch):
    _notebook(tmp_path)
    sarif = json.loads(_run(["check", "--format", "sarif", "model.ipynb"], tmp_path, monkeypatch).stdout)
    [result] = sarif["runs"][0]["results"]
    [location] = result["locations"]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "model.ipynb", "uriBaseId": "PROJECTROOT"}}
    assert location["logicalLocations"] == [{"name": "cell 3", "fullyQualifiedName": "model.ipynb:cell 3",
                                             "kind": "module"}]
    assert location["properties"] == {"cell": 3, "region": {"startLine": 3, "startColumn": 18, "endLine": 3,
                                                            "endColumn": 53}}
    assert "fixes" not in result  # the fix is made in the joined cells: no replacement in the .ipynb


def _code(cell_type: str, *lines: str) -> dict:
    if cell_type == "markdown":
        return {"cell_type": "markdown", "metadata": {}, "source": list(lines)}
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": list(lines)}


NOTEBOOKS = {
    "get_variable": NOTEBOOK_CELLS,
    "adds_import": [  # KF202: `import tensorflow as tf` added beside the cell's imports
        _code("code", "%matplotlib inline\n", "import tensorflow.compat.v1.layers as tfl\n",
              "from tensorflow.keras import Model\n"),
        _code("markdown", "A head\n"),
        _code("code", "class Head(Model):\n", "    def call(self, x):\n", "        return tfl.dense(x, 2)"),
    ],
    "magic_in_the_cell": [
        _code("code", "import tensorflow as tf\n"),
        _code("code", "%%time\n", "class Scaled(tf.keras.layers.Layer):\n", "    def build(self, input_shape):\n",
              "        self.k = tf.compat.v1.get_variable(\"k\", [2])\n",
              "        self.s = {tf.keras.layers.Dense(1)}\n"),
    ],
}


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_a_notebook_findings_edits_are_in_its_cells_as_apply_writes_them(name, tmp_path, monkeypatch):
    book = {"cells": NOTEBOOKS[name], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "model.ipynb"
    path.write_text(json.dumps(book, indent=1) + "\n", encoding="utf-8")
    findings = json.loads(_run(["check", "--no-cache", "--format", "json", "model.ipynb"], tmp_path,
                               monkeypatch).stdout)["findings"]
    assert findings and all(f["fix"]["edits"] for f in findings)
    for finding in findings:
        path.write_text(json.dumps(book, indent=1) + "\n", encoding="utf-8")
        _run(["apply", "--no-cache", "--select", finding["code"], "model.ipynb"], tmp_path, monkeypatch)
        cells = ["".join(c["source"]) for c in book["cells"]]
        for number in sorted({e["cell"] for e in finding["fix"]["edits"]}):
            cells[number - 1] = apply_edits(cells[number - 1], [
                TextEdit(e["location"]["line"], e["location"]["column"], e["end_location"]["line"],
                     e["end_location"]["column"], e["content"])
                for e in finding["fix"]["edits"] if e["cell"] == number])
        assert ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]] == cells, finding["code"]


def test_the_cache_keeps_a_diagnostic_whole_and_refuses_bad_edits(tmp_path):
    from kerasfix.cache import FORMAT, Cache
    from kerasfix.results import Diagnostic

    found = Diagnostic("KF302", 7, 9, "set", True, "safe", 7, 19, edits=(TextEdit(7, 22, 7, 48, "[x]"),))
    assert Diagnostic.from_row(json.loads(json.dumps(found.row()))) == found
    bad = [row[:8] + [edits] for row in [found.row()] for edits in ([[7, 22, 7, "48", "[x]"]], [[7, 22]], "x")]
    cache = Cache(tmp_path / "c.json", {"format": FORMAT, "findings": {str(i): [row] for i, row in enumerate(bad)}})
    assert [cache.get_findings(str(i)) for i in range(len(bad))] == [None] * len(bad)
    cache.put_findings("good", [found])
    assert cache.get_findings("good") == [replace(found, edits=None)]  # edits are never kept


def test_edits_of_an_old_mac_file_keep_its_line_ends(tmp_path, monkeypatch):
    """A CR-only file is fixed with \\n line ends (libcst drops lines of it): its edits are
    given back in its own."""
    source = "\r".join(LATIN_TRAP.decode("latin-1").split("\r\n")[2:])  # no coding line: Python finds none in CR
    (tmp_path / "head.py").write_bytes(source.encode("utf-8"))
    data = json.loads(_run(["check", "--no-cache", "--format", "json", "head.py"], tmp_path, monkeypatch).stdout)
    edits = [TextEdit(e["location"]["line"], e["location"]["column"], e["end_location"]["line"],
                  e["end_location"]["column"], e["content"]) for e in data["findings"][0]["fix"]["edits"]]
    assert all("\n" not in e.content for e in edits)
    _run(["apply", "--no-cache", "head.py"], tmp_path, monkeypatch)
    assert apply_edits(source, edits) == (tmp_path / "head.py").read_bytes().decode("utf-8")
