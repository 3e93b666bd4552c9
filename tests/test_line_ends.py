"""Line ends a fix must keep (R12 of ../shared/reliability2): in a file mixing \\n with old Mac
\\r (and \\r\\n), every byte outside what a fix changed is written back, as for LF, CRLF and
CR-only files."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kerasfix.cli import app
from kerasfix.files import python_newlines
from kerasfix.results import TextEdit, apply_edits

R12 = ('import tensorflow as tf\n\n\n'
       'class Projection(tf.keras.layers.Layer):\n'
       '    def build(self, input_shape):\n'
       '        self.scale = tf.Variable(tf.ones([8]), name="scale")\n'
       '\n'
       '    def call(self, x):\n'
       '        return x * self.scale\r\r\r'
       'class Other(tf.keras.layers.Layer):\n'
       '    def build(self, input_shape):\n'
       '        self.k = tf.Variable(tf.ones([8]))\r\n'
       '\n'
       '    def call(self, x):\n'
       '        return x * self.k\r')


def run(args, cwd, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False)


def test_r12_mixed_line_ends_are_kept_outside_the_fixes(tmp_path, monkeypatch):
    (tmp_path / "m.py").write_bytes(R12.encode())
    checked = json.loads(run(["check", "--no-cache", "--format", "json", "m.py"], tmp_path, monkeypatch).stdout)
    assert run(["apply", "--no-cache", "m.py"], tmp_path, monkeypatch).exit_code == 0
    after = (tmp_path / "m.py").read_bytes().decode()
    expected = R12.replace('tf.Variable(tf.ones([8]), name="scale")',
                           'self.add_weight(name="scale", shape=[8], initializer="ones")')
    expected = expected.replace("tf.Variable(tf.ones([8]))", 'self.add_weight(shape=[8], initializer="ones")')
    assert after == expected
    for finding in checked["findings"]:  # each finding's JSON edits, made in the file's own bytes
        edits = [TextEdit(e["location"]["line"], e["location"]["column"], e["end_location"]["line"],
                      e["end_location"]["column"], e["content"]) for e in finding["fix"]["edits"]]
        fixed = apply_edits(R12, edits)
        assert fixed.count("\r") == R12.count("\r") and fixed.endswith("self.k\r"), finding["code"]


def test_only_lone_carriage_returns_are_made_newlines():
    for text in ("a\nb\r\nc\n", "a\nb\n", "a\rb\r"):
        plain, restore = python_newlines(text)
        assert restore(plain) == text and "\r" not in plain.replace("\r\n", "")
    plain, restore = python_newlines("a = 1\rb = 2\r\nc = 3\n\r")
    assert plain == "a = 1\nb = 2\r\nc = 3\n\n"
    assert restore(plain.replace("b = 2", "b = 22")) == "a = 1\rb = 22\r\nc = 3\n\r"


def test_a_blank_line_a_fix_writes_after_a_lone_cr_line_stays_a_line(tmp_path, monkeypatch):
    """A kept line ending in a lone \\r, then a blank line the fix writes (the lifter's line
    between `__init__` and `call`): written as \\r then \\n, the two read as one \\r\\n and the
    blank line is gone (found by the fuzz test of mixed line ends)."""
    lines = ['import tensorflow.compat.v1 as tf\r\r\n', '\n', 'class Scorer(tf.keras.Model):\n',
             '    def call(self, x):\n', '        return tf.layers.dense(\n', '            x,\n',
             '            1  # units\n', '        )\r']
    (tmp_path / "lf").mkdir()
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "m.py").write_bytes("".join(lines).encode())
    (tmp_path / "lf" / "m.py").write_bytes("".join(lines).replace("\r\r\n", "\n\n").replace("\r", "\n").encode())
    for folder in ("lf", "mixed"):
        assert run(["apply", "--no-cache", "m.py"], tmp_path / folder, monkeypatch).exit_code == 0
    mixed = (tmp_path / "mixed" / "m.py").read_bytes()
    lf = (tmp_path / "lf" / "m.py").read_bytes()
    assert mixed.replace(b"\r\n", b"\n").replace(b"\r", b"\n") == lf
    assert b"\n\n    def call" in lf
