"""Jupyter notebooks: their code cells are checked and fixed; the rest of the file is kept byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix import notebook
from kerasfix.cli import app

LAYER = [
    "class Projection(tf.keras.layers.Layer):\n",
    "    def build(self, input_shape):\n",
    "        self.kernel = tf.compat.v1.get_variable(  # the projection\n",
    "            \"kernel\", shape=[3, 4])\n",
]
FIXED_LINES = {
    "        self.kernel = tf.compat.v1.get_variable(  # the projection\n":
        "        self.kernel = self.add_weight(  # the projection\n",
    "            \"kernel\", shape=[3, 4])\n": "            name=\"kernel\", shape=[3, 4])\n",
}
OUTPUT = {"name": "stdout", "output_type": "stream", "text": ["héllo\n"]}


def cell(source, kind: str = "code") -> dict:
    if kind != "code":
        return {"cell_type": kind, "metadata": {}, "source": source}
    return {"cell_type": "code", "execution_count": 1, "metadata": {"tags": ["x"]}, "outputs": [OUTPUT],
            "source": source}


def write(path: Path, cells: list[dict], indent=1, ensure_ascii: bool = False, newline: str = "\n") -> bytes:
    book = {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}, "zeta": 1, "alpha": 2},
            "nbformat": 4, "nbformat_minor": 5}
    data = (json.dumps(book, indent=indent, ensure_ascii=ensure_ascii) + newline).encode("utf-8")
    path.write_bytes(data)
    return data


def standard(path: Path, **layout) -> bytes:
    return write(path, [
        cell(["# A model\n", "Notes, é"], "markdown"),
        cell(["%matplotlib inline\n", "!pip install tensorflow\n", "import tensorflow as tf"]),
        cell(["%%time\n", *LAYER]),
        cell("%%bash\necho hi\n  indented"),
    ], **layout)


def run(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False)


def test_the_trap_is_found_by_cell_and_line(tmp_path, monkeypatch):
    standard(tmp_path / "model.ipynb")
    result = run(["check", "model.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("model.ipynb:cell 3:4:23: KF101 [*] ")
    again = run(["check", "model.ipynb"], tmp_path, monkeypatch)  # answered from the cache
    assert again.stdout == result.stdout


@pytest.mark.parametrize("layout", [
    {}, {"indent": 2}, {"indent": 2, "ensure_ascii": True}, {"newline": ""}, {"indent": 1, "newline": "\n\n"},
])
def test_apply_changes_only_the_fixed_lines(tmp_path, monkeypatch, layout):
    before = standard(tmp_path / "model.ipynb", **layout).decode("utf-8")
    result = run(["apply", "model.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    expected = before
    for old, new in FIXED_LINES.items():
        expected = expected.replace(json.dumps(old), json.dumps(new))
    assert expected != before
    assert (tmp_path / "model.ipynb").read_text("utf-8") == expected  # magics, outputs, layout: as they were
    second = run(["apply", "model.ipynb"], tmp_path, monkeypatch)
    assert "0 files changed" in second.output
    assert (tmp_path / "model.ipynb").read_text("utf-8") == expected


def test_magics_are_never_an_error_nor_changed(tmp_path, monkeypatch):
    write(tmp_path / "magic.ipynb", [
        cell(["%load_ext autoreload\n", "x = !ls\n", "len?\n", "import tensorflow as tf\n"]),
        cell("%%writefile run.sh\nif then (\n"),
        cell(["%%capture out\n", "class Block(tf.keras.layers.Layer):\n", "    pass\n"]),
    ])
    result = run(["check", "magic.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "All checks passed (1 file scanned)" in result.stdout


def test_a_cell_indented_as_a_whole_is_no_error_and_kept(tmp_path, monkeypatch):
    """IPython takes a cell's leading indentation off each line (seen in tensorflow/similarity's
    examples: a cell pasted as ` for i in ...`); kerasfix reads the other cells and keeps it."""
    indented = " for i in range(2):\n     print(i)\n"
    standard_cells = json.loads(standard(tmp_path / "model.ipynb"))["cells"]
    before = write(tmp_path / "model.ipynb", [*standard_cells, cell(indented), cell("\n  x = 1\n  y = !ls\n")])
    result = run(["check", "model.ipynb"], tmp_path, monkeypatch)
    assert "error" not in result.output and ": KF101 [*] " in result.stdout, result.output
    assert run(["apply", "model.ipynb"], tmp_path, monkeypatch).exit_code == 0
    after = (tmp_path / "model.ipynb").read_bytes()
    assert after != before and json.dumps(indented) in after.decode("utf-8")
    assert json.loads(after)["cells"][4:] == json.loads(before)["cells"][4:]


def test_only_magic_lines_are_hidden():
    source = "%time f()\nlen?\n  tf.keras??\n# why?\nx = 1  # why?\n"
    text = notebook.python_text(json.dumps({"nbformat": 4, "cells": [cell(source)]}).encode())
    assert text.count("__kerasfix_magic_") == 3 and "# why?\nx = 1  # why?\n" in text
    assert notebook.cells(text) == {1: source}


def test_a_magic_continued_with_a_backslash_is_a_magic_to_its_end(tmp_path, monkeypatch):
    source = "!pip install \\\n    tensorflow \\\n  keras\nimport tensorflow as tf\nx = (1 +\\\n     2)\n"
    text = notebook.python_text(json.dumps({"nbformat": 4, "cells": [cell(source)]}).encode())
    assert text.count("__kerasfix_magic_") == 1 and text.count("__kerasfix_more_") == 2
    assert "x = (1 +\\\n     2)\n" in text
    assert notebook.cells(text) == {1: source}
    write(tmp_path / "pip.ipynb", [cell(source), cell(LAYER)])
    result = run(["check", "pip.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 1 and "pip.ipynb:cell 2:" in result.stdout, result.output


def test_a_string_in_valid_python_is_no_magic():
    text = notebook.python_text(json.dumps({"nbformat": 4, "cells": [cell('s = """\n%d items\n!"""\n')]}).encode())
    assert "%d items" in text and "__kerasfix_magic" not in text


def test_a_layer_of_one_cell_subclassed_in_a_later_one_is_seen(tmp_path, monkeypatch):
    write(tmp_path / "two.ipynb", [
        cell(["import tensorflow as tf\n", "class Base(tf.keras.layers.Layer):\n", "    pass\n"]),
        cell("print(1)\n"),
        cell(["class Child(Base):\n", "    def build(self, input_shape):\n",
              "        self.w = tf.compat.v1.get_variable('w', shape=[2])\n"]),
    ])
    result = run(["check", "two.ipynb"], tmp_path, monkeypatch)
    assert result.stdout.startswith("two.ipynb:cell 3:3:18: KF101 ")


def test_folders_include_notebooks_unless_excluded(tmp_path, monkeypatch):
    (tmp_path / "nb").mkdir()
    standard(tmp_path / "nb" / "model.ipynb")
    assert "nb/model.ipynb:cell 3:4:23: KF101" in run(["check", "."], tmp_path, monkeypatch).stdout
    assert run(["check", "--exclude", "*.ipynb", "."], tmp_path, monkeypatch).exit_code == 0


def test_diff_is_per_cell_and_writes_nothing(tmp_path, monkeypatch):
    before = standard(tmp_path / "model.ipynb")
    result = run(["apply", "--diff", "model.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert "--- a/model.ipynb:cell 3\n+++ b/model.ipynb:cell 3\n" in result.stdout
    assert " %%time\n" in result.stdout and "+        self.kernel = self.add_weight(" in result.stdout
    assert (tmp_path / "model.ipynb").read_bytes() == before


def test_a_malformed_notebook_is_one_error_and_the_run_goes_on(tmp_path, monkeypatch):
    (tmp_path / "bad.ipynb").write_text('{"cells": [')
    (tmp_path / "old.ipynb").write_text('{"nbformat": 3, "worksheets": []}')
    standard(tmp_path / "model.ipynb")
    result = run(["check", "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "model.ipynb:cell 3:4:23: KF101" in result.stdout
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert errors == ["bad.ipynb: error: notebook is not valid JSON: Expecting value: line 1 column 12 (char 11)",
                      "old.ipynb: error: nbformat 3 notebooks are not read (only 4): Jupyter converts them when "
                      "it opens and saves them"]


def test_a_layout_json_dumps_cannot_reproduce_is_kept(tmp_path, monkeypatch):
    before = standard(tmp_path / "model.ipynb").replace(b'"nbformat": 4', b'"nbformat":   4')
    (tmp_path / "model.ipynb").write_bytes(before)
    result = run(["apply", "model.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    expected = before.decode("utf-8")
    for old, new in FIXED_LINES.items():
        expected = expected.replace(json.dumps(old), json.dumps(new))
    assert (tmp_path / "model.ipynb").read_text("utf-8") == expected


def test_a_notebook_cache_entry_is_not_a_python_files():
    from kerasfix.runner import _content_key
    from kerasfix.sources import Source

    py = Source("m.py", "m.py", b"x = 1\n", "m", False)
    book = Source("m.ipynb", "m.ipynb", b"x = 1\n", "m", False, notebook=b"{}")
    assert _content_key(py.data, py) != _content_key(book.data, book)


def test_an_added_import_goes_into_the_first_code_cell(tmp_path, monkeypatch):
    write(tmp_path / "head.ipynb", [
        cell("# Head", "markdown"),
        cell(["%matplotlib inline"]),
        cell(["import tensorflow.compat.v1.layers as tfl\n", "from tensorflow.keras import Model\n",
              "class Head(Model):\n", "    def call(self, x):\n", "        return tfl.dense(x, 2)\n"]),
    ])
    assert run(["apply", "head.ipynb"], tmp_path, monkeypatch).exit_code == 0
    cells = json.loads((tmp_path / "head.ipynb").read_text())["cells"]
    assert cells[1]["source"] == ["import tensorflow as tf\n", "%matplotlib inline"]
    assert "        return self.dense(x)\n" in cells[2]["source"]


def test_the_migration_report_places_notebook_findings_by_cell(tmp_path, monkeypatch):
    standard(tmp_path / "model.ipynb")
    run(["apply", "--diff", "--report", "m.md", "model.ipynb"], tmp_path, monkeypatch)
    assert "`model.ipynb:cell 3:4:23` **KF101**" in (tmp_path / "m.md").read_text()


def test_a_coding_line_in_a_cell_does_not_change_how_it_is_read(tmp_path, monkeypatch):
    # the notebook is UTF-8 whatever a cell says: its code must not be decoded as latin-1
    write(tmp_path / "coded.ipynb", [cell(["# -*- coding: latin-1 -*-\n", "import tensorflow as tf\n",
                                           "name = 'é'\n", *LAYER])])
    assert run(["apply", "coded.ipynb"], tmp_path, monkeypatch).exit_code == 0
    source = json.loads((tmp_path / "coded.ipynb").read_text("utf-8"))["cells"][0]["source"]
    assert source[2] == "name = 'é'\n" and source[5] == FIXED_LINES[LAYER[2]]


def test_a_syntax_error_is_placed_in_its_cell(tmp_path, monkeypatch):
    write(tmp_path / "broken.ipynb", [cell("import tensorflow as tf\n"),
                                      cell(["class A(tf.keras.layers.Layer):\n", "    def call(self, x:\n"])])
    result = run(["check", "broken.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "broken.ipynb: error: " in result.output and "(cell 2, line 2)" in result.output


def test_a_notebook_saved_meanwhile_is_not_overwritten(tmp_path, monkeypatch):
    # the write compares the notebook's own bytes on disk with those read, as for any file
    standard(tmp_path / "model.ipynb")
    real = notebook.write_back

    def saved_meanwhile(data: bytes, text: str) -> str:
        (tmp_path / "model.ipynb").write_bytes(data + b" ")
        return real(data, text)

    monkeypatch.setattr(notebook, "write_back", saved_meanwhile)
    result = run(["apply", "model.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 2 and "model.ipynb: error: changed while kerasfix was running" in result.output
    assert (tmp_path / "model.ipynb").read_bytes().endswith(b"\n ")


def test_a_notebook_on_stdin_is_read_as_the_stdin_filename_says(tmp_path, monkeypatch):
    data = standard(tmp_path / "model.ipynb")
    monkeypatch.chdir(tmp_path)
    named = ["--no-cache", "--stdin-filename", "model.ipynb", "-"]
    checked = CliRunner().invoke(app, ["check", *named], input=data)
    assert checked.exit_code == 1 and checked.stdout.startswith("model.ipynb:cell 3:4:23: KF101"), checked.output
    diffed = CliRunner().invoke(app, ["apply", "--diff", *named], input=data)
    assert "--- a/model.ipynb:cell 3\n" in diffed.stdout, diffed.output
    applied = CliRunner().invoke(app, ["apply", *named], input=data)
    fixed = run(["apply", "model.ipynb"], tmp_path, monkeypatch)  # the file, fixed as a file is
    assert fixed.exit_code == 0 and applied.stdout_bytes == (tmp_path / "model.ipynb").read_bytes()
    bad = CliRunner().invoke(app, ["check", *named], input=b'{"cells": [')
    assert bad.exit_code == 2 and "model.ipynb: error: notebook is not valid JSON" in bad.output, bad.output


def test_a_cell_with_no_line_a_magic_could_start_on_is_not_parsed(monkeypatch):
    """Each code cell was parsed to find out that it holds no magic: 2,746 cells of 135 notebooks,
    0.1 s of a run's serial start. A cell none of whose lines looks like one is given back as it
    is, valid Python or not (`print "x"`: the later parse says what is wrong); one that may hold
    one is read as before."""
    parsed = []
    real = notebook.ast.parse
    monkeypatch.setattr(notebook.ast, "parse", lambda text, *a, **k: parsed.append(text) or real(text, *a, **k))
    for cell in ("import tensorflow as tf\nx = tf.ones(3)\n", 'print "x"\n', "y = (1,\n     2)\n"):
        assert notebook._hide_magics(cell) == cell
    assert parsed == []
    assert notebook._hide_magics("%time x = 1\ny = 2\n") != "%time x = 1\ny = 2\n"
    assert parsed == ["%time x = 1\ny = 2\n"]
