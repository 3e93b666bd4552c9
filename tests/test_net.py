"""A net under the restructure of issue 16 (section 4): five behaviours that a one-line bug
changed without failing the suite (a mutation run, `benchmarks/mutants.py`, found each one).
Each test names the mutant it kills."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kerasfix.cli import app
from samples import TRAP


def run(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False)


def finding_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if ": KF" in line]


# --- an explicit dtype= next to a literal initial value ---------------------------------------

COUNTER = (
    "import tensorflow as tf\n\n\n"
    "class Step(tf.keras.layers.Layer):\n"
    "    def build(self, input_shape):\n"
    "        self.step = tf.Variable(0, dtype=tf.int64, trainable=False)\n"
)


def test_an_explicit_dtype_beside_an_integer_literal_is_kept_once(tmp_path, monkeypatch):
    """Mutant: `_variable` adds the literal's own dtype ("int32") whatever `dtype=` says."""
    (tmp_path / "m.py").write_text(COUNTER)
    result = run(["apply", "--no-cache", "m.py"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stdout
    assert (tmp_path / "m.py").read_text() == COUNTER.replace(
        "tf.Variable(0, dtype=tf.int64, trainable=False)",
        'self.add_weight(shape=(), initializer="zeros", dtype=tf.int64, trainable=False)')


# --- KF301: a tuple started with tuple() and grown with += ------------------------------------

GROWN = (
    "import tensorflow as tf\n\n\n"
    "class Stack(tf.keras.layers.Layer):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.blocks = tuple()\n"
    "        for _ in range(2):\n"
    "            self.blocks += (tf.keras.layers.Dense(3),)\n\n"
    "    def call(self, x):\n"
    "        for block in self.blocks:\n"
    "            x = block(x)\n"
    "        return x\n"
)


def test_a_tuple_started_with_tuple_call_becomes_an_empty_list_with_its_additions(tmp_path, monkeypatch):
    """Mutant: `_is_empty_tuple` no longer knows `tuple()`: it stays a tuple, and
    `self.blocks += [layer]` then raises TypeError."""
    (tmp_path / "m.py").write_text(GROWN)
    run(["apply", "--no-cache", "m.py"], tmp_path, monkeypatch)
    assert (tmp_path / "m.py").read_text() == GROWN.replace("tuple()", "[]").replace(
        "(tf.keras.layers.Dense(3),)", "[tf.keras.layers.Dense(3)]")


# --- KF108 without KF101: the scope is reported for a person and kept -------------------------

SCOPED = (
    "import tensorflow as tf\n\n\n"
    "class Projection(tf.keras.layers.Layer):\n"
    "    def build(self, input_shape):\n"
    "        with tf.compat.v1.variable_scope(\"proj\"):\n"
    "            self.w = tf.compat.v1.get_variable(\"w\", [2, 4])\n"
)


def test_kf108_alone_reports_a_scope_around_get_variable_for_a_person_and_keeps_it(tmp_path, monkeypatch):
    """Mutant: the scope's removal no longer waits for KF101 to be run: the scope goes, and
    the get_variable it named is left bare."""
    (tmp_path / "m.py").write_text(SCOPED)
    for selection in (["--select", "KF108"], ["--ignore", "KF101"]):
        result = run(["check", "--no-cache", *selection, "m.py"], tmp_path, monkeypatch)
        [line] = finding_lines(result.stdout)
        assert "KF108" in line and "[*]" not in line and "fix by hand" in line and "fix those first" in line
        run(["apply", "--no-cache", "--unsafe-fixes", *selection, "m.py"], tmp_path, monkeypatch)
        assert (tmp_path / "m.py").read_text() == SCOPED
    # with KF101 run too, both go (the net's other side)
    run(["apply", "--no-cache", "m.py"], tmp_path, monkeypatch)
    assert (tmp_path / "m.py").read_text() == SCOPED.replace(
        '        with tf.compat.v1.variable_scope("proj"):\n'
        '            self.w = tf.compat.v1.get_variable("w", [2, 4])',
        '        self.w = self.add_weight(name="w", shape=[2, 4])')


# --- per-file-ignores and the cache, and the global ignore ------------------------------------

VAR = (
    "\n\nclass Var(tf.keras.layers.Layer):\n"
    "    def build(self, input_shape):\n"
    "        self.kernel = tf.compat.v1.get_variable('kernel', [2, 2])\n"
)


def test_a_warm_run_after_only_per_file_ignores_changed_does_not_reuse_the_old_verdict(tmp_path, monkeypatch):
    """Mutant: the cache key forgets `per-file-ignores`."""
    (tmp_path / "two.py").write_text(TRAP + VAR)
    (tmp_path / "pyproject.toml").write_text("[tool.kerasfix]\n")
    cold = run(["check", "two.py"], tmp_path, monkeypatch)
    assert [line.split()[1] for line in finding_lines(cold.stdout)] == ["KF302", "KF101"]
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix.per-file-ignores]\n"two.py" = ["KF101"]\n')
    warm = run(["check", "two.py"], tmp_path, monkeypatch)
    assert [line.split()[1] for line in finding_lines(warm.stdout)] == ["KF302"]


def test_a_file_matching_per_file_ignores_still_gets_the_global_ignore(tmp_path, monkeypatch):
    """Mutant: `Settings.ignore_for` starts from the per-file codes alone."""
    (tmp_path / "two.py").write_text(TRAP + VAR)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kerasfix]\nignore = ["KF302"]\n[tool.kerasfix.per-file-ignores]\n"two.py" = ["KF101"]\n')
    result = run(["check", "--no-cache", "two.py"], tmp_path, monkeypatch)
    assert finding_lines(result.stdout) == [] and result.exit_code == 0, result.stdout
