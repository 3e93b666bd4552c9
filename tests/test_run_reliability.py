"""Issue 21's reproducers that live in the run (../shared/reliability2/RNN): each as a test of its
own. R11 and the parser that dies with -j 1 are in test_faults.py (they need a real process)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kerasfix import cli
from kerasfix.cli import app

LAYER = ("import tensorflow as tf\n\n\nclass L(tf.keras.layers.Layer):\n    def build(self, s):\n"
         "        self.k = tf.Variable(tf.zeros([3]))\n")


def run(args: list[str], cwd: Path, monkeypatch, **kwargs):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False, **kwargs)


def test_R06_apply_interactive_names_a_notebooks_cell_and_shows_its_diff(tmp_path, monkeypatch):
    cells = [("markdown", "# Title\n"), ("code", "import tensorflow as tf\n"),
             ("code", "class L(tf.keras.layers.Layer):\n    def build(self, s):\n        %time self.b = 1\n"
                      "        self.k = tf.Variable(tf.zeros([3]), name=\"k\")\n")]
    book = {"cells": [dict({"cell_type": kind, "metadata": {}, "source": text.splitlines(True)},
                           **({"execution_count": None, "outputs": []} if kind == "code" else {}))
                      for kind, text in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    data = (json.dumps(book, indent=1) + "\n").encode()
    (tmp_path / "m.ipynb").write_bytes(data)
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)
    result = run(["apply", "-i", "--no-cache", "m.ipynb"], tmp_path, monkeypatch, input="n\n")
    assert "m.ipynb:cell 3:4:18: KF102 " in result.output, result.output
    assert "__kerasfix_" not in result.output and "m.ipynb:7:" not in result.output
    assert ("--- a/m.ipynb:cell 3\n+++ b/m.ipynb:cell 3\n@@ -1,4 +1,4 @@\n class L(tf.keras.layers.Layer):\n"
            "     def build(self, s):\n         %time self.b = 1\n") in result.output
    assert (tmp_path / "m.ipynb").read_bytes() == data  # refused: left as it was


def test_R09_findings_left_after_an_added_import_are_counted_and_cached(tmp_path, monkeypatch):
    source = ("from tensorflow.python.layers import base\n\n\nclass Block(base.Layer):\n"
              "    def call(self, inputs, new_vars=()):\n        for var in new_vars:\n"
              "            self._trainable_weights.append(var)\n        return inputs\n")
    (tmp_path / "m.py").write_text(source)
    applied = run(["apply", "m.py"], tmp_path, monkeypatch)
    assert "import tensorflow as tf" in (tmp_path / "m.py").read_text()  # KF203's fix added it
    assert applied.exit_code == 1 and "Fixed 1 finding; 1 file changed; 1 left for a person." in applied.stdout
    left = "m.py:7:13: KF110 "
    assert left in applied.stdout
    cached = run(["check", "m.py"], tmp_path, monkeypatch)
    fresh = run(["check", "--no-cache", "m.py"], tmp_path, monkeypatch)
    assert cached.stdout == fresh.stdout and cached.stdout.startswith(left)


def test_R13_a_nul_byte_is_not_valid_python(tmp_path, monkeypatch):
    (tmp_path / "m.py").write_bytes(LAYER.replace("\n\n\nclass", '\nSEP = "\0"\n\n\nclass').encode())
    for command in ("check", "apply"):
        result = run([command, "--no-cache", "m.py"], tmp_path, monkeypatch)
        assert result.exit_code == 2
        assert result.stderr == "m.py: error: not valid Python 3: source code cannot contain null bytes\n"
        assert "KF102" not in result.stdout


def test_R19_stdin_named_as_an_excluded_file_is_skipped_as_that_file_is(tmp_path, monkeypatch):
    (tmp_path / "vendor").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nexclude = ["vendor/"]\n')
    (tmp_path / "vendor" / "lib.py").write_text(LAYER)
    named = run(["check", "--no-cache", "vendor/lib.py"], tmp_path, monkeypatch)
    given = run(["check", "--no-cache", "--stdin-filename", "vendor/lib.py", "-"], tmp_path, monkeypatch,
                input=LAYER)
    assert given.exit_code == named.exit_code == 0
    assert given.stdout == named.stdout == "All checks passed (0 files scanned).\n"
    fixed = run(["apply", "--no-cache", "--stdin-filename", "vendor/lib.py", "-"], tmp_path, monkeypatch,
                input=LAYER)
    assert fixed.exit_code == 0 and fixed.stdout == LAYER  # echoed unchanged: an editor keeps its buffer


def test_R22_a_source_date_epoch_no_date_holds_is_told_before_any_write(tmp_path, monkeypatch):
    from datetime import datetime

    for epoch in ("253402300800", "99999999999999999999"):
        (tmp_path / "m.py").write_text(LAYER)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        result = run(["apply", "--no-cache", "--report", "migration.json", "m.py"], tmp_path, monkeypatch)
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith(f"kerasfix: warning: SOURCE_DATE_EPOCH={epoch} is no date (")
        report = json.loads((tmp_path / "migration.json").read_text())
        assert report["summary"]["files_changed"] == 1
        datetime.strptime(report["provenance"]["date"], "%Y-%m-%dT%H:%M:%SZ")  # dated now instead
