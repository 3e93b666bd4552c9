"""The prefilter never hides a finding: every fixture and a generated tree give the same
findings with the prefilter on and off (KERASFIX_NO_PREFILTER=1 turns off the byte look at
class statements, the ast look at each Keras class, and the rule families' trigger words).

The generated tree holds every fixture input again, rewritten in ways real code is written
and the prefilter must not depend on: comments gone, `tensorflow` under another alias, the
imports at the end of the module; and the benchmark's synthetic legacy tree.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from pathlib import Path

import pytest
from fixture_cases import all_cases
from typer.testing import CliRunner

from kerasfix.cli import app
from kerasfix.index import NO_PREFILTER

CASES = all_cases()


def make_tree(root: Path, files: int, seed: int) -> None:
    """The benchmark's synthetic legacy tree (benchmarks/bench.py)."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    try:
        from bench import make_tree as make
    finally:
        sys.path.pop(0)
    make(root, files, seed)


def _findings(folder: Path, args: list[str], monkeypatch, prefilter: bool) -> list[str]:
    if prefilter:
        monkeypatch.delenv(NO_PREFILTER, raising=False)
    else:
        monkeypatch.setenv(NO_PREFILTER, "1")
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, ["check", "--no-cache", "--jobs", "1", *args, "."], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if " KF" in line or ": error:" in line]


def _same_either_way(folder: Path, args: list[str], monkeypatch) -> list[str]:
    on = _findings(folder, args, monkeypatch, prefilter=True)
    off = _findings(folder, args, monkeypatch, prefilter=False)
    assert on == off, "the prefilter hid or added findings:\n" + "\n".join(
        [f"- {line}" for line in off if line not in on] + [f"+ {line}" for line in on if line not in off])
    return on


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture_findings_do_not_depend_on_the_prefilter(case, tmp_path, monkeypatch):
    work = case.copy_input(tmp_path / "work")
    assert _same_either_way(work, case.args, monkeypatch) == case.findings


def _without_comments(text: str) -> str:
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type != tokenize.COMMENT]
    return tokenize.untokenize(tokens)


def _other_alias(text: str) -> str:
    return re.sub(r"\btf\b", "tensorflow_v", text)


def _names_aliased(text: str) -> str:
    """`from tensorflow.keras import initializers` -> `... import initializers as _n0`, and
    every use after it: the module's words are no longer the API's."""
    for number, match in enumerate(re.finditer(r"^from [\w.]+ import (\w+)$", text, re.MULTILINE)):
        name, alias = match.group(1), f"_n{number}"
        text = re.sub(rf"\b{name}\b", alias, text)
        text = text.replace(f"import {alias}\n", f"import {name} as {alias}\n")
    return text


def _bases_aliased(text: str) -> str:
    """`class Block(tf.keras.layers.Layer):` -> `Block_base = tf.keras.layers.Layer` above it."""
    return re.sub(r"^class (\w+)\(([\w.]+)\):", r"\1_base = \2\n\n\nclass \1(\1_base):", text, flags=re.MULTILINE)


def _through_shim(text: str) -> str:
    """Keras reached through the project's own shim module (`from shim_compat import keras`)."""
    if "tf.keras." not in text:
        return text
    return "from shim_compat import keras\n" + text.replace("tf.keras.", "keras.")


SHIM = """\
import os


def _select_keras():
    import tensorflow as tf
    return tf.keras


keras = _select_keras() if os.environ.get("X") is None else None
"""


def _imports_last(text: str) -> str:
    lines = text.splitlines(keepends=True)
    imports = [line for line in lines if line.startswith(("import ", "from ")) and "__future__" not in line]
    rest = [line for line in lines if line not in imports]
    return "".join(rest) + "\n" + "".join(imports)


# Shapes no fixture has, each once hidden by a prefilter
HARD_CASES = {
    # KF106 in a class with no weight call: the family's words were looked for in the class only
    "initializer_in_dense.py": """\
import tensorflow as tf
from tensorflow.keras import initializers as inits


class Proj(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = tf.keras.layers.Dense(2, kernel_initializer=inits.Orthogonal(dtype=tf.float32))

    def call(self, x):
        return self.dense(x)
""",
    # a base named through a package's `__init__` that re-exports it and defines no class
    "reexport/__init__.py": "from .model import Model\n",
    "reexport/model.py": "import tensorflow as tf\n\n\nclass Model(tf.keras.Model):\n    pass\n",
    "uses_reexport.py": """\
import tensorflow as tf

import reexport


class Net(reexport.Model):
    def __init__(self):
        super().__init__()
        self.step = tf.Variable(0.0)
""",
}


def test_generated_tree_findings_do_not_depend_on_the_prefilter(tmp_path, monkeypatch):
    root = tmp_path / "tree"
    make_tree(root / "synthetic", 120, seed=7)
    (root / "shim").mkdir()
    (root / "shim" / "shim_compat.py").write_text(SHIM, encoding="utf-8")
    (root / "hard").mkdir()
    for name, text in HARD_CASES.items():
        (root / "hard" / name).parent.mkdir(exist_ok=True)
        (root / "hard" / name).write_text(text, encoding="utf-8")
    for number, case in enumerate(c for c in CASES if not c.multi_file):
        text = case.input.read_text(encoding="utf-8")
        for name, rewrite in (("same", str), ("nocomments", _without_comments),
                              ("alias", _other_alias), ("names", _names_aliased),
                              ("importslast", _imports_last), ("bases", _bases_aliased),
                              ("shim", _through_shim)):
            folder = root / name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"case_{number}.py").write_text(rewrite(text), encoding="utf-8")
    findings = _same_either_way(root, [], monkeypatch)
    assert len(findings) > 100  # the tree is full of traps: a run that finds none proves nothing
