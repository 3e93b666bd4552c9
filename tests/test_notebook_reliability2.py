"""Issue 21's notebook reproducers (../shared/reliability2: R01-R05, R17, R18, R21), one test
each or more: a notebook is written as IPython runs it, in the layout it was saved in, and what
a dry run promises is what `apply` writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix import cli, files, nbjson, notebook
from kerasfix.cli import app
from kerasfix.engine import InvalidRewrite, check_compiles

TF1_LAYER = "from tensorflow.python.layers import core as core_layers\nclass L(core_layers.Dense):\n    pass\n"
VARIABLE = "class L(tf.keras.layers.Layer):\n    def build(self, s):\n        self.k = tf.Variable(tf.zeros([3]))\n"
VARIABLE_FIXED = "        self.k = self.add_weight(shape=[3], initializer=\"zeros\")\n"


def book(*sources: str, source_as_list: bool = True) -> dict:
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                       "source": s.splitlines(True) if source_as_list else s} for i, s in enumerate(sources)],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def save(path: Path, notebook_: dict, **dumps) -> bytes:
    data = (json.dumps(notebook_, **dumps) + "\n").encode("utf-8")
    path.write_bytes(data)
    return data


def sources(path: Path) -> list[str]:
    return ["".join(cell["source"]) for cell in json.loads(path.read_bytes().decode("utf-8-sig"))["cells"]]


def kf(args, cwd: Path, monkeypatch, **kwargs):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False, **kwargs)


# R01: an import a fix adds goes below a cell magic, or into a cell whose body is Python

@pytest.mark.parametrize("first, expected", [
    ("%%capture\n!pip install tensorflow==2.15\n",
     ["%%capture\nimport tensorflow as tf\n!pip install tensorflow==2.15\n",
      "class L(tf.keras.layers.Dense):\n    pass\n"]),
    ("%%bash\npip install tensorflow\n", ["%%bash\npip install tensorflow\n",
                                          "import tensorflow as tf\nclass L(tf.keras.layers.Dense):\n    pass\n"]),
    ("from __future__ import print_function\n", ["from __future__ import print_function\nimport tensorflow as tf\n",
                                                  "class L(tf.keras.layers.Dense):\n    pass\n"]),
    ("\n", ["\n", "import tensorflow as tf\nclass L(tf.keras.layers.Dense):\n    pass\n"]),
])
def test_r01_an_added_import_never_goes_above_a_cell_magic(tmp_path, monkeypatch, first, expected):
    save(tmp_path / "m.ipynb", book(first, TF1_LAYER), indent=1)
    checked = kf(["check", "--no-cache", "--format", "json", "m.ipynb"], tmp_path, monkeypatch)
    edits = json.loads(checked.stdout)["findings"][0]["fix"]["edits"]
    result = kf(["apply", "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert sources(tmp_path / "m.ipynb") == expected
    # the JSON edits place the import where apply put it
    cell = expected.index(next(s for s in expected if "import tensorflow as tf\n" in s)) + 1
    line = expected[cell - 1].splitlines().index("import tensorflow as tf") + 1
    assert (edits[0]["cell"], edits[0]["location"]["line"], edits[0]["content"]) == (
        cell, line, "import tensorflow as tf\n")


# R02: a magic moves with its block; a cell is written only if it compiles as IPython runs it

R02 = ("import tensorflow as tf\nclass L(tf.keras.layers.Layer):\n    def build(self, s):\n"
       "        with tf.compat.v1.variable_scope(\"x\"):\n"
       "            %time self.k = tf.compat.v1.get_variable(\"k\", [3])\n"
       "            self.b = tf.compat.v1.get_variable(\"b\", [3])\n")


def test_r02_a_magic_line_is_reindented_with_its_block(tmp_path, monkeypatch):
    save(tmp_path / "m.ipynb", book(R02), indent=1)
    result = kf(["apply", "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert sources(tmp_path / "m.ipynb")[0].splitlines()[3:] == [
        "        %time self.k = tf.compat.v1.get_variable(\"k\", [3])",
        "        self.b = self.add_weight(name=\"b\", shape=[3])"]


def test_r02_a_cell_that_ipython_would_not_run_is_never_written():
    misplaced = "__kerasfix_cell_1__\nif x:\n    y = 1\n        %time f()\n"
    with pytest.raises(SyntaxError, match="cell 1, line 3"):
        notebook.compile_cells(misplaced)
    with pytest.raises(InvalidRewrite, match="cell 1, line 3"):
        check_compiles(misplaced, "utf-8")
    check_compiles("__kerasfix_cell_1__\nif x:\n    y = 1\n    %time f()\n", "utf-8")


# R03: cells compile each alone, as IPython compiles them

@pytest.mark.parametrize("first", ["from __future__ import print_function\nimport tensorflow as tf\n",
                                   "import asyncio\nimport tensorflow as tf\nawait asyncio.sleep(0)\n"])
def test_r03_future_imports_and_top_level_await_do_not_block_the_fix(tmp_path, monkeypatch, first):
    save(tmp_path / "m.ipynb", book(first, VARIABLE), indent=1)
    result = kf(["apply", "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert sources(tmp_path / "m.ipynb") == [first, VARIABLE.replace(VARIABLE.splitlines(True)[2], VARIABLE_FIXED)]


# R04: only the lines IPython takes for magics (the starts of statements) are hidden

def test_r04_a_continuation_line_starting_with_percent_or_bang_is_python(tmp_path, monkeypatch):
    first = "import tensorflow as tf\n%matplotlib inline\nprint('loss: %f'\n      % 0.5)\nok = (1\n      != 2)\n"
    save(tmp_path / "m.ipynb", book(first, VARIABLE), indent=1)
    text = notebook.python_text((tmp_path / "m.ipynb").read_bytes())
    assert text.count("__kerasfix_magic_") == 1 and "      % 0.5)\n" in text and "      != 2)\n" in text
    result = kf(["check", "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
    assert result.exit_code == 1 and result.stdout.startswith("m.ipynb:cell 2:3:18: KF102"), result.output


# R05: the layouts real tools save are written back; what cannot be is said by every dry run

def colab(notebook_: dict, **dumps) -> str:
    text = json.dumps(notebook_, **dumps)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


LAYOUTS = {
    "colab": lambda nb: colab(nb, indent=2),
    "colab compact": lambda nb: colab(nb, separators=(",", ":")),
    "dumps default": lambda nb: json.dumps(nb),
    "crlf": lambda nb: json.dumps(nb, indent=1, ensure_ascii=False).replace("\n", "\r\n") + "\r\n",
    "indent 4 ascii": lambda nb: json.dumps(nb, indent=4) + "\n",
    "tab": lambda nb: json.dumps(nb, indent="\t", ensure_ascii=False),
    "upper hex": lambda nb: json.dumps(nb, indent=1).replace("\\u00e9", "\\u00E9"),
    "string sources": lambda nb: json.dumps({**nb, "cells": [{**c, "source": "".join(c["source"])}
                                                          for c in nb["cells"]]}, indent=1, ensure_ascii=False),
}
MOVED = ("import tensorflow as tf\nprint(1 < 2 > 0 & 1, 'é')\n",
         "class L(tf.keras.layers.Layer):\n    def build(self, s):\n        with tf.compat.v1.variable_scope('é<'):\n"
         "            self.k = tf.compat.v1.get_variable('k', [3])  # <&>\n")


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_r05_a_layout_real_tools_save_is_written_back_in_that_layout(tmp_path, monkeypatch, layout):
    dump = LAYOUTS[layout]
    original = book(*MOVED)
    before = dump(original)
    (tmp_path / "m.ipynb").write_bytes(before.encode("utf-8"))
    diff = kf(["apply", "--diff", "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
    result = kf(["apply", "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
    assert diff.exit_code == 1 and result.exit_code == 0, result.output
    after = (tmp_path / "m.ipynb").read_bytes().decode("utf-8")
    fixed, was = json.loads(after), json.loads(before)
    new_source = fixed["cells"][1]["source"]
    assert new_source != was["cells"][1]["source"]
    fixed["cells"][1]["source"] = was["cells"][1]["source"]
    assert fixed == was  # only the fixed cell's source changed
    lines = new_source.splitlines(True) if isinstance(new_source, str) else new_source
    expected = dump({**original, "cells": [original["cells"][0], {**original["cells"][1], "source": lines}]})
    assert after == expected  # the file's own layout, new lines escaped as it escapes


def test_r05_the_cell_lines_a_fix_keeps_keep_their_bytes(tmp_path, monkeypatch):
    # a line the fix does not touch is not re-escaped, even in an escape style no writer uses
    raw = json.dumps(book(*MOVED), indent=1).replace('"import tensorflow', '"\\u0069mport tensorflow')
    raw = raw.replace('"    def build', '"    d\\u0065f build')
    (tmp_path / "m.ipynb").write_text(raw)
    assert kf(["apply", "--no-cache", "m.ipynb"], tmp_path, monkeypatch).exit_code == 0
    assert '"\\u0069mport tensorflow' in (tmp_path / "m.ipynb").read_text()
    assert '"    d\\u0065f build' in (tmp_path / "m.ipynb").read_text()


def unwritable(monkeypatch) -> None:
    monkeypatch.setattr(notebook, "layout_problem", lambda data: "its JSON layout cannot be kept (test)")


def test_r05_a_layout_that_cannot_be_kept_is_said_by_every_dry_run(tmp_path, monkeypatch):
    data = save(tmp_path / "m.ipynb", book(*MOVED), indent=1)
    unwritable(monkeypatch)
    check = kf(["check", "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
    assert check.exit_code == 1 and "[*]" not in check.stdout and "fixable" not in check.stdout, check.output
    as_json = json.loads(kf(["check", "--no-cache", "--format", "json", "m.ipynb"], tmp_path, monkeypatch).stdout)
    assert as_json["findings"] and not any(f["fix"]["applicable"] for f in as_json["findings"])
    runs = [kf(["apply", *args, "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
            for args in (["--diff"], ["--diff", "--report", "r.json"], ["--diff", "--format", "json"], [])]
    for run in runs[:2] + runs[3:]:
        assert run.exit_code == 2 and "m.ipynb: error: its JSON layout cannot be kept (test)" in run.output
        assert "would fix" not in run.output and "--- a/m.ipynb" not in run.stdout
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)
    asked = kf(["apply", "-i", "--no-cache", "m.ipynb"], tmp_path, monkeypatch, input="y\ny\ny\n")
    assert "Apply this fix?" not in asked.output and "its JSON layout cannot be kept (test)" in asked.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["dry_run"] and report["summary"]["files_changed"] == 0, report["summary"]
    assert json.loads(runs[2].stdout)["summary"]["files_changed"] == 0
    assert (tmp_path / "m.ipynb").read_bytes() == data


def test_r05_a_write_that_would_not_read_back_is_refused_by_the_dry_run_too(tmp_path, monkeypatch):
    data = save(tmp_path / "m.ipynb", book(*MOVED), indent=1)
    monkeypatch.setattr(nbjson, "_string", lambda text, style: json.dumps(text + "x"))
    for args in (["--diff"], []):
        run = kf(["apply", *args, "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
        assert run.exit_code == 2 and "would not read back as written" in run.output, run.output
    assert (tmp_path / "m.ipynb").read_bytes() == data


@pytest.mark.parametrize("data", [b'{"cells": [', b"\xff\xfe not json", None])
def test_r05_apply_stdin_echoes_a_notebook_it_cannot_fix(tmp_path, monkeypatch, data):
    if data is None:  # a notebook, but one it cannot write back
        data = json.dumps(book(*MOVED), indent=1).encode()
        unwritable(monkeypatch)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["apply", "--no-cache", "--stdin-filename", "x.ipynb", "-"], input=data)
    assert result.exit_code == 2 and result.stdout_bytes == data


# R17: a notebook's size limit is its code's

def test_r17_outputs_do_not_count_against_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 4000)
    big = book("import tensorflow as tf\n", VARIABLE)
    big["cells"][0]["outputs"] = [{"output_type": "display_data", "data": {"image/png": "A" * 20000}, "metadata": {}}]
    save(tmp_path / "plots.ipynb", big, indent=1)
    save(tmp_path / "code.ipynb", book("x = 1\n" * 1000, VARIABLE), indent=1)
    result = kf(["check", "--no-cache", "plots.ipynb", "code.ipynb"], tmp_path, monkeypatch)
    assert "plots.ipynb:cell 2:3:18: KF102" in result.stdout, result.output
    assert "code.ipynb: error: its code is larger than" in result.output


# R18: a BOM is kept

def test_r18_a_notebooks_bom_is_kept(tmp_path, monkeypatch):
    data = b"\xef\xbb\xbf" + json.dumps(book("import tensorflow as tf\n", VARIABLE), indent=1).encode() + b"\n"
    (tmp_path / "m.ipynb").write_bytes(data)
    piped = CliRunner().invoke(app, ["apply", "--no-cache", "--stdin-filename", "x.ipynb", "-"], input=data)
    assert kf(["apply", "--no-cache", "m.ipynb"], tmp_path, monkeypatch).exit_code == 0
    written = (tmp_path / "m.ipynb").read_bytes()
    assert written.startswith(b"\xef\xbb\xbf{") and VARIABLE_FIXED.strip() in sources(tmp_path / "m.ipynb")[1]
    assert piped.stdout_bytes == written


# R21: messages that say what the notebook is

def test_r21_nbformat_3_and_a_string_nbformat_are_named(tmp_path, monkeypatch):
    (tmp_path / "old.ipynb").write_text(json.dumps({"nbformat": 3, "worksheets": [{"cells": []}]}))
    (tmp_path / "str.ipynb").write_text(json.dumps({"cells": [], "nbformat": "4"}))
    result = kf(["check", "--no-cache", "old.ipynb", "str.ipynb"], tmp_path, monkeypatch)
    assert "old.ipynb: error: nbformat 3 notebooks are not read (only 4)" in result.output
    assert "str.ipynb: error: nbformat is the string '4', not a number" in result.output
