"""KF001 sees every ignore comment of a file, not only those inside the Keras classes the
engine parses (issue 10 item 7): at module level, in a plain class, in a file with no Keras
class at all, in a notebook cell; never in a string; and `apply` keeps them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix import check_source
from kerasfix.cli import app
from samples import TRAP

STALE = "# kerasfix: ignore[KF101]"


def run(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False)


def found(tmp_path, monkeypatch, text: str, *args: str, name: str = "m.py") -> list[str]:
    (tmp_path / name).write_text(text)
    result = run(["check", "--no-cache", *args, name], tmp_path, monkeypatch)
    assert result.exit_code in (0, 1), result.output
    return [line for line in result.stdout.splitlines() if ": KF" in line]


def unused(line: int, column: int, why: str = "KF101 suppresses nothing on this line", name: str = "m.py") -> str:
    return (f"{name}:{line}:{column}: KF001 unused ignore comment: {why} (see `kerasfix rules`); "
            "remove it or correct the code")


def test_a_stale_ignore_at_module_level_beside_a_keras_class(tmp_path, monkeypatch):
    text = TRAP + f"\n\nSIZE = 3  {STALE}\n"
    lines = found(tmp_path, monkeypatch, text)
    assert lines[0].startswith("m.py:7:9: KF302 ") and lines[1:] == [unused(10, 11)]


def test_a_stale_ignore_in_a_file_without_any_keras_class(tmp_path, monkeypatch):
    text = "import os\n\n\ndef f():\n    return os.sep  # kerasfix: ignore[KF9, KF302]\n"
    assert found(tmp_path, monkeypatch, text) == [
        unused(5, 20, "KF9 is no rule code; KF302 suppresses nothing on this line")]


def test_a_stale_ignore_in_a_plain_class(tmp_path, monkeypatch):
    text = TRAP + "\n\nclass Plain:\n    def __init__(self):\n        self.x = {1}  # kerasfix: ignore\n"
    assert found(tmp_path, monkeypatch, text)[1:] == [unused(12, 23, "no finding starts on this line")]


def test_an_ignore_in_a_string_is_no_comment(tmp_path, monkeypatch):
    text = 'HELP = """\nwrite # kerasfix: ignore[KF9] to\n"""\nTAG = "# kerasfix: ignore"\n'
    assert found(tmp_path, monkeypatch, text) == []
    assert found(tmp_path, monkeypatch, TRAP + text)[1:] == []


def test_a_used_ignore_file_is_never_kf001(tmp_path, monkeypatch):
    assert found(tmp_path, monkeypatch, "# kerasfix: ignore-file[KF302]\n" + TRAP) == []
    assert found(tmp_path, monkeypatch, "# kerasfix: ignore-file\n" + TRAP + f"X = 1  {STALE}\n") == []
    # a file-level ignore of KF001 keeps the stale line ignores quiet, as `--ignore KF001` does
    assert found(tmp_path, monkeypatch, f"# kerasfix: ignore-file[KF001]\nX = 1  {STALE}\n") == []


def test_kf001_anywhere_follows_the_selection(tmp_path, monkeypatch):
    text = f"X = 1  {STALE}\n"
    assert found(tmp_path, monkeypatch, text, "--ignore", "KF001") == []
    assert found(tmp_path, monkeypatch, text, "--ignore", "KF101") == []  # KF101 not run: maybe used
    assert found(tmp_path, monkeypatch, text, "--select", "KF001") == []
    assert found(tmp_path, monkeypatch, text, "--select", "KF0,KF1") == [unused(1, 8)]
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix.per-file-ignores]\n"m.py" = ["KF001"]\n')
    assert found(tmp_path, monkeypatch, text) == []


def test_a_capitalised_ignore_comment_counts(tmp_path, monkeypatch):
    commented = TRAP.replace("{tf.keras.layers.Dense(1)}", "{tf.keras.layers.Dense(1)}  # KERASFIX: IGNORE[kf3]")
    assert found(tmp_path, monkeypatch, commented) == []
    assert found(tmp_path, monkeypatch, "# KERASFIX: IGNORE-FILE[KF3]\n" + TRAP) == []
    assert found(tmp_path, monkeypatch, "X = 1  # Kerasfix: Ignore[KF1]\n") == [
        unused(1, 8, "KF1 suppresses nothing on this line")]


def test_the_command_line_agrees_with_the_api(tmp_path, monkeypatch):
    text = TRAP + f"\n\nSIZE = 3  {STALE}\n\n\nclass Plain:\n    x = 1  # kerasfix: ignore\n"
    api = [f"m.py:{f.line}:{f.column}: {f.code}" for f in check_source(text, "m.py")]
    assert [line.split(" [*]")[0].split(" unused")[0] for line in found(tmp_path, monkeypatch, text)] == api


def test_the_cache_answers_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASFIX_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text(TRAP + f"SIZE = 3  {STALE}\n")
    (tmp_path / "src" / "plain.py").write_text(f"X = 1  {STALE}\n")
    first = run(["check", "src"], tmp_path, monkeypatch)
    again = run(["check", "-v", "src"], tmp_path, monkeypatch)
    assert first.stdout == again.stdout and first.stdout.count("KF001") == 2, first.stdout
    assert "src/plain.py: from the cache; 1 finding" in again.stderr.splitlines()


def test_apply_keeps_the_comments_and_places_what_is_left(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASFIX_CACHE_DIR", str(tmp_path / "cache"))
    stale_bare = "from x import y  # kerasfix: ignore\n"
    unfixed = TRAP.replace("import tensorflow as tf\n", "import tensorflow as tf\n" + stale_bare)
    variable = "        self.k = tf.compat.v1.get_variable('k', [2])\n"
    text = unfixed + "\n\nclass Var(tf.keras.layers.Layer):\n    def build(self, input_shape):\n" + variable \
        + f"\n\nSIZE = 3  {STALE}\n"
    (tmp_path / "m.py").write_text(text)
    applied = run(["apply", "-q", "m.py"], tmp_path, monkeypatch)
    fixed = (tmp_path / "m.py").read_text()
    assert fixed != text and fixed.count("# kerasfix: ignore") == 2
    checked = run(["check", "-q", "m.py"], tmp_path, monkeypatch)
    assert applied.stdout == checked.stdout  # what apply says is left is where check finds it
    assert [line.split(": ")[1][:5] for line in checked.stdout.splitlines()] == ["KF001", "KF001"]
    assert run(["apply", "m.py"], tmp_path, monkeypatch).exit_code == 1  # report only: left
    assert (tmp_path / "m.py").read_text() == fixed


def test_a_stale_ignore_in_a_notebook_cell(tmp_path, monkeypatch):
    book = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# notes"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
         "source": ["%matplotlib inline\n", "import tensorflow as tf\n", f"SIZE = 3  {STALE}"]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    data = json.dumps(book, indent=1) + "\n"
    (tmp_path / "m.ipynb").write_text(data)
    result = run(["check", "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
    assert result.stdout.splitlines()[0] == unused(3, 11, name="m.ipynb:cell 2")
    run(["apply", "--no-cache", "m.ipynb"], tmp_path, monkeypatch)
    assert (tmp_path / "m.ipynb").read_text() == data


@pytest.mark.parametrize("text", ["", "x = 1\n", "# kerasfix\n", "s = 'kerasfix: ignore'\n"])
def test_files_without_an_ignore_comment_stay_clean(tmp_path, monkeypatch, text):
    assert found(tmp_path, monkeypatch, text) == []


def test_what_is_left_moves_with_a_fix_that_drops_lines(tmp_path, monkeypatch):
    text = ("from keras import backend as K\nfrom keras.layers import Layer\n\n\nclass Scale(Layer):\n"
            "    def build(self, input_shape):\n        self.gain = K.variable(1.0, name='gain')\n"
            "        self._trainable_weights.append(self.gain)\n        super().build(input_shape)\n\n\n"
            f"SIZE = 3  {STALE}\n")
    (tmp_path / "m.py").write_text(text)
    assert run(["check", "--no-cache", "m.py"], tmp_path, monkeypatch).stdout.count("m.py:12:11: KF001 ") == 1
    applied = run(["apply", "--no-cache", "-q", "m.py"], tmp_path, monkeypatch)
    assert len((tmp_path / "m.py").read_text().splitlines()) == 11  # the append folded into add_weight
    assert applied.stdout == unused(11, 11) + "\n"
    assert run(["check", "--no-cache", "-q", "m.py"], tmp_path, monkeypatch).stdout == applied.stdout
