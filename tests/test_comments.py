"""Every comment survives a fix exactly once: beside the argument it annotated, or where
its argument was when the fix drops that argument."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest
from typer.testing import CliRunner

from fixture_cases import all_cases
from kerasfix import engine
from kerasfix.cli import app
from kerasfix.engine import InvalidRewrite, RuleSelection, check_comments, process_source
from kerasfix.rules.calls import strip_comments
from mutations import write_mutants
from test_fuzz import comments

UNSAFE = RuleSelection(None, set(), unsafe_fixes=True)
CASES = all_cases()


def _fixed(source: str) -> str:
    return process_source(textwrap.dedent(source), selection=UNSAFE, fix=True).new_source


def _apply_keeps_comments(root: Path, args: list[str], monkeypatch) -> None:
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["apply", "--unsafe-fixes", "--no-cache", *args, "."])
    assert result.exit_code in (0, 1) and "error:" not in result.stderr, result.stdout + result.stderr
    for path, data in before.items():
        assert comments(path.read_bytes()) == comments(data), path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_apply_keeps_every_comment_of_every_fixture(case, tmp_path, monkeypatch):
    work = case.copy_input(tmp_path / "work")
    _apply_keeps_comments(work, case.args, monkeypatch)


def test_apply_keeps_every_comment_of_fuzzed_fixtures(tmp_path, monkeypatch):
    write_mutants(tmp_path, 120, seed=7)
    _apply_keeps_comments(tmp_path, ["--jobs", "1"], monkeypatch)


def test_kf101_a_dropped_argument_leaves_its_comment_where_it_was():
    assert _fixed('''
        import tensorflow as tf
        class Table(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.table = tf.get_variable(
                    "table",  # the checkpoint key
                    [10, 4],
                    initializer=tf.ones_initializer(),  # all ones: see the paper
                    use_resource=True,  # TF1 needed it
                )
        ''') == textwrap.dedent('''
        import tensorflow as tf
        class Table(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.table = self.add_weight(
                    name="table",  # the checkpoint key
                    shape=[10, 4],
                    initializer=tf.ones_initializer(),  # all ones: see the paper
                    # TF1 needed it
                )
        ''')


def test_kf102_comments_follow_their_arguments_when_the_order_changes():
    assert _fixed('''
        import tensorflow as tf
        class Norm(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.scale = tf.Variable(
                    tf.ones(  # start at identity
                        [8],  # one per channel
                    ),
                    # saved under this key
                    name="scale",  # checkpoint key
                    trainable=True,  # learned
                )
        ''') == textwrap.dedent('''
        import tensorflow as tf
        class Norm(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.scale = self.add_weight(
                    # saved under this key
                    name="scale",  # checkpoint key
                    # start at identity
                    # one per channel
                    shape=[8],
                    initializer="ones",
                    trainable=True,  # learned
                )
        ''')


def test_kf107_and_kf106_the_last_argument_dropped_keeps_the_comments_before_it():
    assert _fixed('''
        import tensorflow as tf
        class Dense(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(
                    name="w",
                    shape=[2],  # two units
                    initializer=tf.keras.initializers.Ones(
                        dtype=tf.float32  # as the layer
                    ),
                    trainable=None  # TF1 default
                )
        ''') == textwrap.dedent('''
        import tensorflow as tf
        class Dense(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(
                    name="w",
                    shape=[2],  # two units
                    initializer=tf.keras.initializers.Ones(
                        # as the layer
                    )
                    # TF1 default
                )
        ''')


def test_kf202_comments_go_with_their_arguments_to_the_constructor_or_the_call():
    assert _fixed('''
        import tensorflow as tf
        class Head(tf.keras.layers.Layer):
            def call(self, x):
                return tf.compat.v1.layers.dense(
                    x,  # the features
                    # classes of the dataset
                    20,  # number of classes
                    use_bias=False,  # the loss adds its own
                    reuse=None,  # TF1 only
                )
        ''') == textwrap.dedent('''
        import tensorflow as tf
        class Head(tf.keras.layers.Layer):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.dense = tf.keras.layers.Dense(
                    # classes of the dataset
                    20,  # number of classes
                    use_bias=False,  # the loss adds its own
                )

            def call(self, x):
                return self.dense(x,  # the features
                    # TF1 only
                )
        ''')


def test_kf203_a_packed_argument_list_keeps_its_lines():
    source = '''
        import tensorflow as tf
        class Block(tf.keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.dense = tf.layers.Dense(10, use_bias=False,  # the norm after it has one
                                             name="proj")
        '''
    assert _fixed(source) == textwrap.dedent(source).replace("tf.layers.Dense", "tf.keras.layers.Dense")


def test_a_fix_that_would_drop_or_copy_a_comment_is_refused(monkeypatch):
    real = engine.apply_fixes

    def careless(module, fixes):
        fixed, imports = real(module, fixes)
        return strip_comments(fixed), imports

    monkeypatch.setattr(engine, "apply_fixes", careless)
    with pytest.raises(InvalidRewrite, match="drop '# the features'"):
        process_source("import tensorflow as tf\nclass H(tf.keras.layers.Layer):\n"
                       "    def call(self, x):\n        return tf.layers.dense(\n"
                       "            x,  # the features\n            2)\n", selection=UNSAFE, fix=True)
    with pytest.raises(InvalidRewrite, match="copy '# a'"):
        check_comments("x = 1  # a\n", "x = 1  # a\n# a\n")


def test_strip_comments_leaves_the_code():
    node = cst.parse_expression("f(  # a\n    # b\n    x,  # c\n)")
    assert cst.Module([]).code_for_node(strip_comments(node)) == "f(\n    x,\n)"


def test_a_comment_after_the_trailing_comma_of_tuple_list_is_kept(tmp_path, monkeypatch):
    """`tuple([...],  # note` with a line break before `)`: the comment was dropped by the
    KF301 fix, and the engine refused the file (a fuzz mutant found it)."""
    source = ("import tensorflow as tf\n\n\nclass W(tf.keras.layers.Layer):\n    def __init__(self):\n"
              "        super().__init__()\n        self.norms = tuple(\n"
              "            [tf.keras.layers.Dense(2)],  # note\n        )\n")
    (tmp_path / "w.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    from typer.testing import CliRunner

    from kerasfix.cli import app
    result = CliRunner().invoke(app, ["apply", "--no-cache", "w.py"], catch_exceptions=False)
    assert "error" not in result.output and "fixed 1" in result.output
    assert (tmp_path / "w.py").read_text().count("# note") == 1


def test_kf102_a_comment_inside_a_builtin_scalar_value_follows_it():
    fixed = _fixed('''
        import tensorflow as tf
        class Mixer(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.gain = tf.Variable(
                    float(  # the gain
                        self.units,
                    ),
                    name="gain",
                )
        ''')
    assert fixed.count("# the gain") == 1 and "tf.constant_initializer(float(" in fixed


def test_kf103_an_assign_call_holding_a_comment_is_left_for_a_person():
    source = textwrap.dedent('''
        import tensorflow as tf
        class Counted(tf.keras.layers.Layer):
            def call(self, x):
                steps = tf.Variable(0, trainable=False, name="steps")
                tf.compat.v1.assign_add(  # one more step
                    steps,
                    1
                )
                return x * 2.0
        ''')
    outcome = process_source(source, selection=UNSAFE, fix=True)
    assert outcome.new_source is None  # nothing to write
    assert any("a comment in the call would be lost" in f.message for f in outcome.findings)
