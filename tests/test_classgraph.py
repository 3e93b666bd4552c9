"""The tree's class statements, read as bytes (classgraph.py), decide which files the scan
parses: a file whose classes all derive from plain ones through the tree is not parsed, and
that never changes a finding (prefilter on and off, as tests/test_prefilter.py); everything
the bytes cannot follow is parsed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix import runner
from kerasfix.cli import app
from kerasfix.classgraph import classes_that_matter
from kerasfix.gate import NO_PREFILTER
from kerasfix.index import module_name_for

TREE = {
    "pkg/__init__.py": "",
    # a plain base of the tree, and classes derived from it only: not parsed
    "pkg/problem.py": "class Problem(object):\n    pass\n",
    "pkg/text.py": "from pkg import problem\n\n\nclass TextProblem(problem.Problem):\n    pass\n",
    "pkg/more.py": "from pkg.text import TextProblem as T\n\n\nclass Words(T):\n    pass\n",
    "pkg/relative.py": "from .problem import Problem\n\n\nclass Chars(Problem):\n    pass\n",
    # a layer through a base and a mixin of the tree: all three parsed
    "pkg/base.py": "import tensorflow as tf\n\n\nclass Base(tf.keras.layers.Layer):\n    pass\n",
    "pkg/mixin.py": "class Mixin(object):\n    def helper(self):\n        self.w = 1\n",
    "pkg/model.py": ("from pkg import base\nfrom pkg.mixin import Mixin\nimport tensorflow as tf\n\n\n"
                     "class Net(Mixin, base.Base):\n    def call(self, x):\n"
                     "        return x * tf.get_variable('w', [1])\n"),
    # a module such a file imports (its names may alias Keras): parsed
    "pkg/helpers.py": "from pkg import problem\n\n\nclass Spare(problem.Problem):\n    pass\n",
    "pkg/uses.py": "from pkg import base, helpers\n\n\nclass Other(base.Base):\n    pass\n",
}


def _write(root: Path, files: dict[str, str]) -> list[tuple[str, bytes, str, bool]]:
    found = []
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name in files:
        module, is_package = module_name_for(root / name)
        found.append((name, (root / name).read_bytes(), module, is_package))
    return found


def test_classes_derived_from_plain_ones_only_are_not_kept(tmp_path):
    matter = classes_that_matter(_write(tmp_path, TREE))
    # `pkg` and `pkg.problem` too: a module a layer's file imports, and a base of a class kept
    # (neither is parsed: no class but a plain one, see `may_define_layers`)
    assert sorted(matter.files) == ["pkg/__init__.py", "pkg/base.py", "pkg/helpers.py", "pkg/mixin.py",
                                    "pkg/model.py", "pkg/problem.py", "pkg/uses.py"]
    assert matter.maybe == {"pkg.base": {"Base"}, "pkg.model": {"Net"}, "pkg.uses": {"Other"}}


@pytest.mark.parametrize("text", [
    "from tensorflow.keras.layers import Layer as Problem\n\n\nclass A(Problem):\n    pass\n",  # not the tree's
    "import tensorflow as tf\n\n\nclass A(tf.Module):\n    pass\n",
    "from pkg.backend import keras\n\n\nclass A(keras.Thing):\n    pass\n",  # through a `keras`
    "from other import keras\n\n\nclass A(keras.Thing):\n    pass\n",
    "from pkg.problem import *\n\n\nclass A(Problem):\n    pass\n",  # a star import
    "try:\n    from pkg.problem import Problem\nexcept ImportError:\n    from other import Problem\n\n\n"
    "class A(Problem):\n    pass\n",  # bound twice
    "import six\nfrom pkg import problem\n\n\nclass A(six.with_metaclass(M, problem.Problem)):\n    pass\n",
    "from pkg import problem\n\n\nclass A(problem.Problem,  # a comment\n        ):\n    pass\n",
    "from pkg import problem\n\n\nclass A(problem.Missing):\n    pass\n",  # no class of that module
    "class A(Generic[T]):\n    pass\n",
    "import pkg.problem as p\n\n\nclass A(p.Problem, layers.Layer):\n    pass\n",
])
def test_what_the_bytes_cannot_follow_is_kept(tmp_path, text):
    files = _write(tmp_path, {"pkg/__init__.py": "", "pkg/problem.py": "class Problem(object):\n    pass\n",
                              "pkg/a.py": text, "pkg/b.py": "from pkg.a import A\n\n\nclass B(A):\n    pass\n"})
    matter = classes_that_matter(files)
    assert {"pkg/a.py", "pkg/b.py"} <= matter.files
    assert matter.maybe["pkg.b"] == {"B"}


def test_followed_through_imports_and_metaclasses(tmp_path):
    files = _write(tmp_path, {
        "pkg/__init__.py": "", "pkg/problem.py": "import abc\n\n\nclass Problem(metaclass=abc.ABCMeta):\n    pass\n",
        "pkg/a.py": "import pkg.problem\n\n\nclass A(pkg.problem.Problem):\n    pass\n",
        "pkg/b.py": "from pkg import problem as p\n\n\nclass B(p.Problem, object):\n    pass\n",
        "pkg/c.py": "from . import a\n\n\nclass C(a.A):\n    class Inner(object):\n        pass\n",
    })
    assert classes_that_matter(files).files == set()


def test_a_base_from_outside_the_tree_is_judged_as_the_index_judges_it(tmp_path):
    """Neither a Keras (or TF1) layer class nor a `tf.Module`, nor a name through a `keras`:
    no layer, as `ClassIndex.is_layer` and `is_tf_module` say."""
    files = _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "import gym\nimport tensorflow.compat.v1 as tf\n\n\nclass A(gym.Env):\n    pass\n\n\n"
                    "class Hook(tf.train.SessionRunHook):\n    pass\n",
        "pkg/b.py": "from pkg.a import A\n\n\nclass B(A):\n    pass\n",
        "pkg/c.py": "import tensorflow.compat.v1 as tf\n\n\nclass C(tf.layers.Layer):\n    pass\n",
    })
    matter = classes_that_matter(files)
    assert matter.files == {"pkg/c.py"} and matter.maybe == {"pkg.c": {"C"}}


def test_a_class_of_a_module_that_hands_keras_on_is_not_followed(tmp_path):
    """`Base = keras.layers.Layer` after `class Base(object)`: the name may be Keras's."""
    files = _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/compat.py": "from tensorflow import keras\n\n\nclass Base(object):\n    pass\n\n\n"
                         "Base = keras.layers.Layer\n",
        "pkg/a.py": "from pkg.compat import Base\n\n\nclass A(Base):\n    pass\n",
    })
    matter = classes_that_matter(files)
    assert "pkg/a.py" in matter.files and matter.maybe["pkg.a"] == {"A"}


def test_a_module_a_name_may_mean_by_its_path_suffix_is_kept(tmp_path):
    """`ClassIndex.by_path_suffix`: `app.models.net.Net` imported as `models.net.Net`."""
    files = _write(tmp_path, {
        "app/__init__.py": "", "app/models/__init__.py": "",
        "app/models/net.py": "class Net(object):\n    pass\n",
        "app/use.py": "from models import net\n\n\nclass Mine(net.Net):\n    pass\n",
    })
    assert classes_that_matter(files).files == {"app/models/net.py", "app/use.py"}


def _run(root: Path, monkeypatch, prefilter: bool) -> tuple[list[str], list[str]]:
    """The findings (and errors), and the files the scan parsed, `check --jobs 1` (in this process)."""
    scanned: list[str] = []
    own = runner.scan_or_functions_job

    def spy(item):
        scanned.append(Path(item[0].path).as_posix())
        return own(item)

    monkeypatch.setattr(runner, "scan_or_functions_job", spy)
    if prefilter:
        monkeypatch.delenv(NO_PREFILTER, raising=False)
    else:
        monkeypatch.setenv(NO_PREFILTER, "1")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["check", "--no-cache", "--jobs", "1", "."], catch_exceptions=False)
    found = [line for line in result.stdout.splitlines() if " KF" in line or ": error:" in line]
    return found, sorted(scanned)


def test_files_not_parsed_hide_no_finding(tmp_path, monkeypatch):
    _write(tmp_path, TREE)
    on, scanned = _run(tmp_path, monkeypatch, prefilter=True)
    off, everything = _run(tmp_path, monkeypatch, prefilter=False)
    assert on == off and any("KF103" in line for line in on)
    assert scanned == ["pkg/base.py", "pkg/helpers.py", "pkg/model.py", "pkg/uses.py"]  # mixin.py: plain
    assert "pkg/text.py" in everything


HELPERS = {
    "pkg/__init__.py": "",
    "pkg/helpers.py": "import tensorflow.compat.v1 as tf\n\n\ndef ffn(x):\n    return tf.layers.dense(x, 4)\n",
    "pkg/unused.py": "import tensorflow.compat.v1 as tf\n\n\ndef ffn(x):\n    return tf.layers.dense(x, 4)\n",
    "pkg/net.py": ("import tensorflow as tf\nfrom pkg import helpers\n\n\nclass Net(tf.keras.layers.Layer):\n"
                   "    def call(self, x):\n        return helpers.ffn(x)\n"),
}


def test_a_module_of_helpers_no_file_scanned_imports_is_not_parsed(tmp_path, monkeypatch):
    """Its functions could only matter to a layer that calls them (KF206), through an import."""
    _write(tmp_path, HELPERS)
    matter = classes_that_matter(_write(tmp_path, HELPERS))
    assert "pkg.helpers" in matter.imported and "pkg.unused" not in matter.imported
    on, scanned = _run(tmp_path, monkeypatch, prefilter=True)
    off, everything = _run(tmp_path, monkeypatch, prefilter=False)
    assert on == off and any("KF206" in line for line in on)
    assert scanned == ["pkg/helpers.py", "pkg/net.py"] and "pkg/unused.py" in everything


def test_a_class_a_package_hands_on_is_followed_to_its_module(tmp_path):
    """`from ..augmenters import Augmenter`, which `augmenters/__init__.py` imports from its
    module: the class's file is kept as a base (tensorflow_similarity's augmenters, next to
    a layer of the same last names in another tree of the same folder)."""
    files = _write(tmp_path, {
        "sim/__init__.py": "", "sim/aug/__init__.py": "from .augmenter import Augmenter\n",
        "sim/aug/augmenter.py": "import abc\n\n\nclass Augmenter(abc.ABC):\n    pass\n",
        "sim/aug/simclr.py": "from ..aug import Augmenter\n\n\nclass SimCLR(Augmenter):\n    pass\n",
        "sim/layer.py": "import tensorflow as tf\nfrom sim.aug import simclr\n\n\n"
                        "class L(tf.keras.layers.Layer):\n    pass\n",
    })
    matter = classes_that_matter(files)
    assert {"sim/aug/augmenter.py", "sim/aug/simclr.py"} <= matter.files
    assert matter.maybe == {"sim.layer": {"L"}}


def test_classes_sharing_their_last_names_are_kept(tmp_path):
    """Two `net.Net`s: the index may resolve a name by its suffix to either (or to neither,
    when both exist), so neither file is left out."""
    files = _write(tmp_path, {
        "a/__init__.py": "", "a/net.py": "class Base(object):\n    pass\n\n\nclass Net(Base):\n    pass\n",
        "b/__init__.py": "", "b/net.py": "import tensorflow as tf\n\n\nclass Net(tf.keras.layers.Layer):\n    pass\n",
    })
    assert classes_that_matter(files).files == {"a/net.py", "b/net.py"}
