"""Every finding left for a person carries a concrete next step, its `help` (issue 20 §3): over
every rule's VALID and INVALID examples and every fixture, run without `--unsafe-fixes` (where
the most findings are left: a fix not applied is one), a finding with no applicable fix must
have a help, on one line, and shown under the finding in text output. A help never names a
code after a space: the tests that read text output pick finding lines by ` KF`."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from fixture_cases import all_cases
from kerasfix.cli import app
from kerasfix.rules import RULES


def _left_without_help(folder, args: list[str], monkeypatch) -> list[str]:
    monkeypatch.chdir(folder)
    args = [a for a in args if a != "--unsafe-fixes"]
    result = CliRunner().invoke(app, ["check", "--no-cache", "--format", "json", *args, "."],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    bad = []
    for row in json.loads(result.stdout)["findings"]:
        left = row["fix"] is None or not row["fix"]["applicable"]
        help_ = row.get("help") or ""
        if (left and not help_.strip()) or "\n" in help_ or re.search(r"\sKF\d", help_):
            bad.append(f"{row['path']}:{row['line']}: {row['code']} {row['message']} -> help {help_!r}")
    return bad


def test_every_rule_has_a_help():
    assert [code for code, rule in RULES.items() if not rule.help.strip()] == []


def test_every_example_left_for_a_person_has_a_next_step(tmp_path, monkeypatch):
    for code, rule in RULES.items():
        for n, text in enumerate(rule.invalid + rule.valid):
            (tmp_path / f"{code.lower()}_{n}.py").write_text(text, encoding="utf-8")
    assert _left_without_help(tmp_path, [], monkeypatch) == []


CASES = [c for c in all_cases() if c.findings]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_fixture_finding_left_for_a_person_has_a_next_step(case, tmp_path, monkeypatch):
    work = case.copy_input(tmp_path / "work")
    assert _left_without_help(work, case.args, monkeypatch) == []


def test_the_help_is_shown_under_a_finding_left_for_a_person(tmp_path, monkeypatch):
    (tmp_path / "emb.py").write_text(
        "import numpy as np\nimport tensorflow as tf\n\n\nclass Emb(tf.keras.layers.Layer):\n"
        "    def __init__(self, emb, **kwargs):\n        super().__init__(**kwargs)\n"
        "        self.emb = tf.Variable(emb)\n        self.table = tf.Variable(np.load('t.npy'))\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(app, ["check", "--no-cache", "emb.py"], catch_exceptions=False).stdout.splitlines()
    assert out[0].startswith("emb.py:8:20: KF102 ") and out[1] == (
        "  help: write it as `self.add_weight(name=..., shape=emb.shape, initializer=tf.constant_initializer(emb))`, "
        "which also keeps its values")
    assert out[3] == ("  help: keep the value (`value = np.load('t.npy')`), then `self.add_weight(name=..., "
                      "shape=value.shape, initializer=tf.constant_initializer(value))`, which also keeps its values")


def test_the_report_says_how_with_the_help(tmp_path, monkeypatch):
    (tmp_path / "emb.py").write_text(
        "import tensorflow as tf\n\n\nclass Emb(tf.keras.layers.Layer):\n    def __init__(self, emb, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.emb = tf.Variable(emb)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(app, ["apply", "--no-cache", "--diff", "--report", "r.md", "emb.py"], catch_exceptions=False)
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert ("How: write it as `self.add_weight(name=..., shape=emb.shape, initializer=tf.constant_initializer(emb))`, "
            "which also keeps its values (`kerasfix explain KF102`).") in report
