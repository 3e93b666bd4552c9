"""`kerasfix apply --interactive`: one question per fix, the answers kept, the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix import cli
from kerasfix.cli import app

# two safe KF201 fixes (one per class) and one unsafe KF106 fix, above them
SOURCE = '''import tensorflow as tf


class Precise(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.k = self.add_weight(name="k", shape=[3], initializer=tf.keras.initializers.Ones(dtype=tf.float64))

    def call(self, x):
        return self._head(x)

    def _head(self, x):
        return tf.keras.layers.Dense(4)(x)


class Other(tf.keras.layers.Layer):
    def call(self, x):
        return self._head(x)

    def _head(self, x):
        return tf.keras.layers.Dense(4)(x)
'''
QUESTION = "Apply this fix? [y]es / [n]o / [a]ll of this rule"


def interactive(tmp_path: Path, monkeypatch, answers: str, *options: str, terminal: bool = True):
    (tmp_path / "m.py").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: terminal)
    return CliRunner().invoke(app, ["apply", "--interactive", "--no-cache", *options, "m.py"], input=answers,
                              catch_exceptions=False)


def plain_apply(tmp_path: Path, monkeypatch, *options: str) -> str:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "m.py").write_text(SOURCE)
    monkeypatch.chdir(folder)
    CliRunner().invoke(app, ["apply", "--no-cache", *options, "m.py"], catch_exceptions=False)
    return (folder / "m.py").read_text()


def test_every_fix_accepted_writes_what_a_plain_apply_writes(tmp_path, monkeypatch):
    result = interactive(tmp_path, monkeypatch, "y\ny\n")
    assert result.exit_code == 1  # KF106's fix is unsafe: left, not asked about
    assert result.output.count(QUESTION) == 2
    assert "m.py:12:16: KF201 " in result.output
    assert "--- a/m.py\n+++ b/m.py\n@@ -4,4 +4,8 @@\n class Precise" in result.output  # the file's lines
    assert "@@ -19,6 +19,10 @@\n class Other" in result.output  # moved by the fix accepted above it
    written = (tmp_path / "m.py").read_text()
    assert written == plain_apply(tmp_path, monkeypatch)
    assert written != SOURCE


def test_a_refused_fix_stays_a_finding(tmp_path, monkeypatch):
    result = interactive(tmp_path, monkeypatch, "n\ny\n")
    assert result.exit_code == 1
    assert result.output.count(QUESTION) == 2  # the refused one is not asked again
    written = (tmp_path / "m.py").read_text()
    assert written.count("self.dense = tf.keras.layers.Dense(4)") == 1
    assert "return tf.keras.layers.Dense(4)(x)" in written
    assert "m.py:12:16: KF201" in result.output.split(QUESTION)[-1]  # listed as left
    assert "2 left for a person" in result.output


def test_refusing_every_fix_writes_nothing(tmp_path, monkeypatch):
    result = interactive(tmp_path, monkeypatch, "n\nn\n")
    assert result.exit_code == 1
    assert (tmp_path / "m.py").read_text() == SOURCE


def test_all_of_this_rule_asks_once(tmp_path, monkeypatch):
    result = interactive(tmp_path, monkeypatch, "a\n")
    assert "1 left for a person" in result.output
    assert result.output.count(QUESTION) == 1
    assert (tmp_path / "m.py").read_text() == plain_apply(tmp_path, monkeypatch)


def test_done_with_this_rule_skips_the_rest_of_it(tmp_path, monkeypatch):
    result = interactive(tmp_path, monkeypatch, "d\n")
    assert result.exit_code == 1
    assert result.output.count(QUESTION) == 1
    assert (tmp_path / "m.py").read_text() == SOURCE


def test_quit_keeps_the_fixes_accepted_before_it(tmp_path, monkeypatch):
    result = interactive(tmp_path, monkeypatch, "y\nq\n")
    assert result.exit_code == 1
    assert result.output.count(QUESTION) == 2
    written = (tmp_path / "m.py").read_text()
    assert written.count("self.dense = tf.keras.layers.Dense(4)") == 1


def test_an_unclear_answer_is_asked_again(tmp_path, monkeypatch):
    result = interactive(tmp_path, monkeypatch, "maybe\ny\ny\n")
    assert "Fixed 2 findings" in result.output
    assert result.output.count(QUESTION) == 3


def test_unsafe_fixes_are_offered_only_with_unsafe_fixes(tmp_path, monkeypatch):
    safe_only = interactive(tmp_path, monkeypatch, "n\nn\n")
    assert "KF106" not in safe_only.output.split("Fixed")[0].split(QUESTION)[0]
    assert "(unsafe fix)" not in safe_only.output
    result = interactive(tmp_path, monkeypatch, "y\ny\ny\n", "--unsafe-fixes")
    assert result.output.count(QUESTION) == 3
    assert "m.py:6:94: KF106 " in result.output and "(unsafe fix)" in result.output
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m.py").read_text() == plain_apply(tmp_path, monkeypatch, "--unsafe-fixes")


def test_refused_when_stdin_is_not_a_terminal(tmp_path, monkeypatch):
    result = interactive(tmp_path, monkeypatch, "y\n", terminal=False)
    assert result.exit_code == 2
    assert "--interactive needs a terminal" in result.output
    assert (tmp_path / "m.py").read_text() == SOURCE


def test_the_real_check_reads_stdin():
    assert cli._stdin_is_terminal() in (True, False)


@pytest.mark.parametrize("options, words", [
    (["--diff"], "--diff"), (["--format", "json"], "--format json"), (["-"], "with -"),
])
def test_refused_with_options_it_cannot_work_with(tmp_path, monkeypatch, options, words):
    result = interactive(tmp_path, monkeypatch, "y\n", *options)
    assert result.exit_code == 2
    assert words in result.output and "--interactive cannot be used" in result.output
    assert (tmp_path / "m.py").read_text() == SOURCE


class _Yes:
    """A reviewer that accepts every fix."""

    def decide(self, offer) -> bool:
        return True


YES = _Yes()

TWIN = '''import tensorflow as tf


class Twin(tf.keras.layers.Layer):
    def call(self, x):
        return self._a(x) + self._b(x)

    def _a(self, x):
        return tf.keras.layers.Dense(4)(x)

    def _b(self, x):
        return tf.keras.layers.Dense(4)(x)
'''


def test_the_engine_asks_once_per_finding_and_keeps_the_refused_one():
    from kerasfix.engine import RuleSelection, process_source

    asked = []

    class Reviewer:
        def decide(self, offer):
            asked.append(offer.finding.line)
            assert offer.before != offer.after and offer.first_line == 1
            return len(asked) > 1  # no to the first, yes to the rest

    outcome = process_source(TWIN, selection=RuleSelection(None, set(), False), fix=True, review=Reviewer())
    assert asked == [9, 12]
    assert [(r.code, r.line) for r in outcome.remaining] == [("KF201", 13)]
    assert "return tf.keras.layers.Dense(4)(x)" in outcome.new_source
    assert outcome.fixed == {"KF201": 1}
    plain = process_source(TWIN, selection=RuleSelection(None, set(), False), fix=True)
    assert process_source(TWIN, selection=RuleSelection(None, set(), False), fix=True,
                          review=YES).new_source == plain.new_source


def test_yes_to_every_fix_of_every_fixture_is_a_plain_apply():
    """Fixes offered one by one and all accepted: the same text, counts and findings left as
    `apply`, or the same refusal (a fix shared by two findings is applied once)."""
    from kerasfix.engine import RuleSelection, process_source

    def fixed(source: str, unsafe: bool, **review):
        try:
            outcome = process_source(source, selection=RuleSelection(None, set(), unsafe), fix=True, **review)
        except Exception as error:  # noqa: BLE001 - the same refusal is what is compared
            return repr(error)
        return outcome.new_source, outcome.fixed, outcome.remaining

    inputs = sorted(Path(__file__).parent.glob("fixtures/*/*/input.py"))
    assert len(inputs) > 100
    for path in inputs:
        source = path.read_text()
        for unsafe in (False, True):
            assert fixed(source, unsafe, review=YES) == fixed(source, unsafe), (path, unsafe)
