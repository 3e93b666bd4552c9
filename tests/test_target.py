"""The Keras line a project targets (issue 18 §1): set by `target-keras`, else inferred from
its dependencies and code, said under `-v`; findings harmless on every targeted line are not
reported, and the cache keeps the target in its key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix.cli import app
from kerasfix.target import infer

POSITIONAL = ("import tensorflow as tf\n\nclass L(tf.keras.layers.Layer):\n    def build(self, shape):\n"
              "        self.w = self.add_weight('w', shape=(2,))\n")  # KF104: ValueError on Keras 3 only
SET = ("import tensorflow as tf\n\nclass S(tf.keras.layers.Layer):\n    def __init__(self):\n"
       "        super().__init__()\n        self.parts = {tf.keras.layers.Dense(2)}\n")  # KF302: lost on tf_keras only


def target_of(root: Path, files: dict[str, str]) -> tuple[str, str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    found = infer(root, [(name, text.encode()) for name, text in files.items() if name.endswith(".py")])
    return found.name, found.reason


@pytest.mark.parametrize("files, expected", [
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["keras>=3.15", "keras-tuner>=1.4"]\n'}, "3"),
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["keras"]\n',
      "a.py": "from keras import ops\n"}, "3"),
    ({"requirements.txt": "tensorflow-text>=2.20.1,<2.21.0\ntf-keras\n"}, "2"),
    ({"setup.py": "KERAS = 'tf-keras >= 2.16'\nsetup(install_requires=[KERAS])\n"}, "2"),
    ({"tools/pip/setup.py": "REQUIRED = ['tensorflow < 2.16.0']\n"}, "2"),
    ({"setup.py": "extras = {'tf': ['tensorflow>=2.7,<=2.11']}\n"}, "2"),
    ({"pkg/version.py": 'EXCLUSIVE_MAX_TF_VERSION = "2.16.0"\n'}, "2"),
    ({"pkg/compat.py": "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\n"}, "2"),
    ({"pkg/__init__.py": "import tensorflow as tf\nif tf.keras.version().startswith('3.'):\n"
                         "    raise ImportError('needs Keras 2')\n"}, "2"),
    ({"pkg/backend.py": "if not keras_3():\n    import pkg.keras2 as keras\nelse:\n    import keras\n",
      "pkg/ops.py": "from keras import ops\n"}, "both"),
    # not signals: a bare keras, a TF 1 cap (TF 1's Keras is neither line measured here)
    ({"setup.py": "install_requires=['keras']\nextras={'tf': ['tensorflow>=1.4.0,<2']}\n",
      "a.py": "import keras\n"}, "both"),
    ({"setup.py": "install_requires=['keras<=2.3.1']\n"}, "both"),
])
def test_inference(tmp_path, files, expected):
    assert target_of(tmp_path, files)[0] == expected


def run(root: Path, monkeypatch, *args: str):
    monkeypatch.chdir(root)
    return CliRunner().invoke(app, ["check", "--exit-zero", *args, "."], catch_exceptions=False)


def test_a_finding_harmless_on_the_target_line_is_not_reported(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(POSITIONAL)
    (tmp_path / "b.py").write_text(SET)
    assert ": KF104" in run(tmp_path, monkeypatch, "--no-cache").stdout  # no signal: both
    assert ": KF302" in run(tmp_path, monkeypatch, "--no-cache").stdout
    only2 = run(tmp_path, monkeypatch, "--no-cache", "--target-keras", "2").stdout
    assert ": KF104" not in only2 and ": KF302" in only2
    only3 = run(tmp_path, monkeypatch, "--no-cache", "--target-keras", "3").stdout
    assert ": KF104" in only3 and ": KF302" not in only3
    (tmp_path / "requirements.txt").write_text("tf-keras>=2.16\n")
    result = run(tmp_path, monkeypatch, "--no-cache", "-v")
    assert ": KF104" not in result.stdout
    assert "target Keras: 2 (2: requirements.txt requires tf-keras)" in result.output


# RuntimeError on tf_keras only; lost on both lines
SUBLAYER_FIRST = ("import tensorflow as tf\n\nclass M(tf.keras.Model):\n    def __init__(self):\n"
                  "        self.dense = tf.keras.layers.Dense(2)\n        super().__init__()\n")
FROZEN_FIRST = ("import tensorflow as tf\n\nclass F(tf.keras.layers.Layer):\n    def __init__(self):\n"
                "        self.trainable = False\n        super().__init__()\n")


def test_kf403_says_per_finding_which_line_it_harms(tmp_path, monkeypatch):
    """A sub-layer set before `super().__init__()` in a Model is Keras 3's functional
    subclassing idiom (keras-hub: 369 false findings): reported only where tf_keras is targeted."""
    (tmp_path / "m.py").write_text(SUBLAYER_FIRST)
    (tmp_path / "f.py").write_text(FROZEN_FIRST)
    only3 = run(tmp_path, monkeypatch, "--no-cache", "--target-keras", "3").stdout
    assert "m.py:5:9: KF403" not in only3 and "f.py:5:9: KF403" in only3
    only2 = run(tmp_path, monkeypatch, "--no-cache", "--target-keras", "2").stdout
    assert "m.py:5:9: KF403" in only2 and "f.py:5:9: KF403" in only2


def test_the_cache_key_holds_the_target(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(POSITIONAL)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert ": KF104" in run(tmp_path, monkeypatch, "--target-keras", "3").stdout
    assert ": KF104" not in run(tmp_path, monkeypatch, "--target-keras", "2").stdout
    assert ": KF104" in run(tmp_path, monkeypatch, "--target-keras", "both").stdout


def test_the_setting_is_checked(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\ntarget-keras = "4"\n')
    result = run(tmp_path, monkeypatch)
    assert result.exit_code == 2 and "`target-keras` in [tool.kerasfix] must be" in result.output
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\ntarget-keras = "3"\n')
    (tmp_path / "a.py").write_text(SET)
    assert ": KF302" not in run(tmp_path, monkeypatch, "--no-cache").stdout
    assert run(tmp_path, monkeypatch, "--target-keras", "5").exit_code == 2
