"""Classes that derive from Keras through the import shapes modern projects use (issue 18 §3):
a backend module that binds `keras` to a project module in one arm, conditional star
re-exports, a conditional re-export of `layers`, sys.path-style imports, `--keras-base`
through a shim, tf_keras's v1 namespace; and `-v` naming the bases it could not resolve."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kerasfix.cli import app

LAYER = "    def call(self, x):\n        return tf.keras.layers.Dense(2)(x)\n"


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def check(root: Path, monkeypatch, *args: str):
    monkeypatch.chdir(root)
    return CliRunner().invoke(app, ["check", "--no-cache", "--target-keras", "both", *args, "."],
                              catch_exceptions=False)


def found(result) -> list[str]:
    return [line.split(" ")[0] + " " + line.split(" ")[1] for line in result.stdout.splitlines() if ": KF" in line]


BACKEND = {
    "pkg/__init__.py": "",
    "pkg/backend/keras2.py": "from tensorflow import keras\nfrom tensorflow.keras import *\n",
    "pkg/backend/config.py": "def keras_3():\n    return True\n",
    "pkg/layers/__init__.py": "",
    "pkg/layers/head.py": ("import tensorflow as tf\nfrom pkg.backend import keras\n"
                           "class Head(keras.layers.Layer):\n" + LAYER),
    "pkg/layers/sub.py": "import tensorflow as tf\nfrom pkg.layers.head import Head\nclass Sub(Head):\n" + LAYER,
}


def test_a_backend_that_binds_keras_to_a_project_module_in_one_arm(tmp_path, monkeypatch):
    for keras3_first in (False, True):
        arms = ["    import pkg.backend.keras2 as keras\n", "    import keras\n"]
        if keras3_first:
            arms.reverse()
        init = "from pkg.backend import config\nif not config.keras_3():\n" + arms[0] + "else:\n" + arms[1]
        root = tree(tmp_path / str(keras3_first), {**BACKEND, "pkg/backend/__init__.py": init})
        assert found(check(root, monkeypatch)) == ["pkg/layers/head.py:5:16: KF201", "pkg/layers/sub.py:5:16: KF201"]


def test_a_conditional_star_reexport_even_in_a_module_named_tf_keras(tmp_path, monkeypatch):
    compat = ("import os\nif os.environ.get('TF_USE_LEGACY_KERAS') == '1':\n    from tf_keras import *\n"
              "else:\n    from tensorflow.keras import *\n")
    for module in ("compat", "tf_keras"):
        root = tree(tmp_path / module, {
            "pkg/__init__.py": "", f"pkg/{module}.py": compat,
            "pkg/model.py": (f"import tensorflow as tf\nfrom pkg import {module}\nfrom pkg.{module} import layers\n"
                             f"class A({module}.layers.Layer):\n" + LAYER + "class B(layers.Layer):\n" + LAYER),
        })
        assert found(check(root, monkeypatch)) == ["pkg/model.py:6:16: KF201", "pkg/model.py:9:16: KF201"]


def test_a_conditional_reexport_of_layers(tmp_path, monkeypatch):
    root = tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/kx.py": ("try:\n    from tf_keras import layers\nexcept ImportError:\n"
                      "    from tensorflow.keras import layers\n"),
        "pkg/m.py": "import tensorflow as tf\nfrom pkg.kx import layers\nclass C(layers.Layer):\n" + LAYER,
    })
    assert found(check(root, monkeypatch)) == ["pkg/m.py:5:16: KF201"]


def test_a_sys_path_import_resolves_by_the_path_suffix(tmp_path, monkeypatch):
    root = tree(tmp_path, {
        "src/app/models/net_keras.py": "import tensorflow as tf\nclass Net(tf.keras.layers.Layer):\n    pass\n",
        "src/app/scripts/train.py": ("import os, sys\nimport tensorflow as tf\n"
                                     "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))\n"
                                     "from models import net_keras\nclass Sub(net_keras.Net):\n" + LAYER),
    })
    assert found(check(root, monkeypatch)) == ["src/app/scripts/train.py:7:16: KF201"]


def test_an_ambiguous_path_suffix_is_named_under_verbose(tmp_path, monkeypatch):
    files = {"train.py": "import tensorflow as tf\nfrom models import net_keras\nclass Sub(net_keras.Net):\n" + LAYER}
    for side in ("a", "b"):  # two packages, each with a models/net_keras.py
        net = "import tensorflow as tf\nclass Net(tf.keras.layers.Layer):\n    pass\n"
        files |= {f"{side}/__init__.py": "", f"{side}/models/__init__.py": "", f"{side}/models/net_keras.py": net}
    root = tree(tmp_path, files)
    result = check(root, monkeypatch, "-v")
    assert found(result) == []
    assert "train.py: not parsed: bases not resolved: models.net_keras.Net; 0 findings" in result.output


def test_keras_base_through_a_shim(tmp_path, monkeypatch):
    root = tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/shim.py": "try:\n    import extlayers as K\nexcept ImportError:\n    import pkg.fallback as K\n",
        "pkg/model.py": ("import tensorflow as tf\nfrom pkg.shim import K\nimport extlayers\n"
                         "class D(K.Layer):\n" + LAYER + "class E(extlayers.Layer):\n" + LAYER),
    })
    assert found(check(root, monkeypatch, "--keras-base", "extlayers.Layer")) == [
        "pkg/model.py:6:16: KF201", "pkg/model.py:9:16: KF201"]
    assert found(check(root, monkeypatch)) == []


def test_the_v1_namespace_of_tf_keras(tmp_path, monkeypatch):
    root = tree(tmp_path, {"m.py": "import tensorflow as tf\nimport tf_keras.api._v1.keras as v1\n"
                                   "class Q(v1.Model):\n" + LAYER})
    assert found(check(root, monkeypatch)) == ["m.py:5:16: KF201"]


def test_verbose_names_the_bases_it_could_not_resolve(tmp_path, monkeypatch):
    root = tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/m.py": ("import foo.keras as keras\nfrom pkg import plain\nclass A(keras.layers.Layer):\n    pass\n"
                     "class B(plain.Base):\n    pass\n"),
        "pkg/plain.py": "class Base:\n    pass\n",
    })
    result = check(root, monkeypatch, "-v")
    assert "pkg/m.py: not parsed: bases not resolved: foo.keras.layers.Layer; 0 findings" in result.output
    assert "pkg/plain.py: not parsed: defines no Keras class; 0 findings" in result.output


def test_a_weightless_layer_through_the_shim_is_weightless(tmp_path, monkeypatch):
    init = "from pkg.backend import config\nif not config.keras_3():\n    import pkg.backend.keras2 as keras\n" \
           "else:\n    import keras\n"
    root = tree(tmp_path, {**BACKEND, "pkg/backend/__init__.py": init, "pkg/layers/nms.py": (
        "from pkg.backend import keras\nclass Nms(keras.layers.Layer):\n    def __init__(self, k, **kw):\n"
        "        super().__init__(**kw)\n        self.k = k\n    def call(self, x):\n        return x[: self.k]\n"),
        "pkg/layers/user.py": ("from pkg.backend import keras\nfrom pkg.layers.nms import Nms\n"
                               "class User(keras.layers.Layer):\n    def call(self, x):\n        return Nms(2)(x)\n")})
    assert "pkg/layers/user.py" not in " ".join(found(check(root, monkeypatch)))
