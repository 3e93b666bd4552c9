"""Facts the cheap ast scan learns per class and the rules read across files (issue 12):
what a `tf.Module` class makes in its `__init__` (KF111's message names it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kerasfix.cache import Cache
from kerasfix.index import ClassIndex, ClassRecord, scan_file
from kerasfix.records import FunctionRecord

MODULES = b'''\
import tensorflow as tf
from tensorflow.compat import v1 as tf1


class Affine(tf.Module):
    def __init__(self, depth):
        super().__init__()
        self.w = tf.Variable(tf.ones([depth, 2]))
        self.b = tf1.Variable(tf.zeros([2]))
        self.w = tf.Variable(tf.ones([depth, 2]))  # made again: named once


class Lazy(tf.Module):
    def __init__(self):
        super().__init__()
        self.v = None

    def __call__(self, x):
        self.v = tf.Variable(x)
        return self.v


class Mixed(tf.Module):
    def __init__(self):
        super().__init__()
        self.a = tf.Variable(1.0)
        self.more = [tf.Variable(2.0)]


class Guarded(tf.Module):
    def __init__(self, bias):
        super().__init__()
        if bias:
            self.bias = tf.Variable(0.0)


class Plain(tf.Module):
    def __init__(self):
        super().__init__()
        self.count = 0
'''


def _variables(source: bytes) -> dict[str, tuple[str, ...]]:
    scan = scan_file(source, "pkg.mods", False)
    assert scan is not None
    return {record.qualified.rsplit(".", 1)[-1]: record.variables for record in scan.classes}


def test_the_scan_names_the_variables_only_when_init_makes_them_all():
    assert _variables(MODULES) == {"Affine": ("w", "b"), "Lazy": (), "Mixed": (), "Guarded": (), "Plain": ()}


def test_a_project_base_may_make_more_so_nothing_is_named():
    index = ClassIndex()
    index.add(ClassRecord("pkg.Base", ("tensorflow.Module",)))
    index.add(ClassRecord("pkg.Affine", ("pkg.Base",), variables=("w",)))
    index.add(ClassRecord("pkg.Alone", ("tensorflow.Module",), variables=("w",)))
    assert index.init_variables("pkg.Affine") == ()
    assert index.init_variables("pkg.Alone") == ("w",)


def test_the_layer_digest_changes_with_a_modules_variables():
    """The message of a layer in one file names the variables of a module in another: the
    cached findings of the first must not survive a change to the second."""
    digests = []
    for made in (("w",), ("w", "b")):
        index = ClassIndex()
        index.add(ClassRecord("pkg.Affine", ("tensorflow.Module",), variables=made))
        digests.append(index.layer_digest())
    assert digests[0] != digests[1]


def test_the_cache_keeps_the_variables(tmp_path: Path):
    cache = Cache(tmp_path / "cache.json", {})
    facts = ClassRecord("pkg.Affine", ("tensorflow.Module",), frozenset(), True, frozenset({"b", "w"}), ("w", "b"),
                        span=(3, 9))
    cache.put_classes("key", [facts], {})
    cache.save()
    again = Cache(tmp_path / "cache.json", json.loads((tmp_path / "cache.json").read_text()))
    assert again.get_classes("key") == ([facts._replace(span=None)], {})  # a span is read from the file


def test_the_scan_keeps_a_module_level_calls_text_as_written():
    """KF306 copies it into `__init__`: the text as written, whatever the file's coding; none
    for a call over two lines (its indentation would not fit) or a long one."""
    source = ('# -*- coding: latin-1 -*-\nimport tensorflow as tf\n'
              'A = "\u00e9"; B = (tf.keras.layers.Dense( 2 , name="\u00e9"))  # shared\n'
              'C = tf.keras.layers.Dense(\n    2)\n'
              f'D = dict(a={"1" * 300})\n').encode("latin-1")
    scan = scan_file(source, "pkg.mod", False)
    assert scan is not None
    assert scan.imports.module_call_texts == {"B": 'tf.keras.layers.Dense( 2 , name="\u00e9")'}
    assert set(scan.imports.module_calls) == {"B", "C", "D"}


def test_subclasses_through_every_level_and_the_digest_of_their_reserved_names():
    """KF402's rename is safe only when no subclass, in any file, uses the name: the cached
    findings of the base's file must not survive a subclass starting to use it."""
    digests = []
    for names in (frozenset({"head"}), frozenset({"head", "layers"})):
        index = ClassIndex()
        index.add(ClassRecord("pkg.base.Stack", ("tensorflow.keras.Model",), attributes=frozenset({"layers", "call"})))
        index.add(ClassRecord("pkg.deep.Deeper", ("pkg.base.Stack",), attributes=frozenset({"call"})))
        index.add(ClassRecord("pkg.deeper.Deepest", ("pkg.deep.Deeper",), attributes=names))
        assert index.subclasses("pkg.base.Stack") == ["pkg.deep.Deeper", "pkg.deeper.Deepest"]
        digests.append(index.layer_digest())
    assert digests[0] != digests[1]


HELPERS = '''\
import tensorflow as tf


def ffn(x, units):
    return tf.keras.layers.Dense(units)(x)
'''

MODEL = '''\
import tensorflow as tf

from nets import helpers


class Block(tf.keras.layers.Layer):
    def call(self, x):
        return helpers.ffn(x, 3)
'''


def test_a_warm_check_follows_the_helper_module_of_another_file(tmp_path: Path, monkeypatch):
    """KF206 on `helpers.ffn(x)` is a finding of model.py made of helpers.py's facts: a warm
    run after helpers.py stops making layers must not return model.py's cached finding. The
    helper module has no class: it is read because its text names a maker."""
    from typer.testing import CliRunner

    from kerasfix.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "__init__.py").write_text("")
    (tmp_path / "nets" / "helpers.py").write_text(HELPERS)
    (tmp_path / "nets" / "model.py").write_text(MODEL)

    def codes() -> list[str]:
        out = CliRunner().invoke(app, ["check", "--select", "KF206", "nets"], catch_exceptions=False).stdout
        return [line for line in out.splitlines() if "KF206" in line]

    assert len(codes()) == 1 and "`nets.helpers`, line 4" in codes()[0]  # cold, then warm
    (tmp_path / "nets" / "helpers.py").write_text(HELPERS.replace("tf.keras.layers.Dense(units)(x)", "x * units"))
    assert codes() == []
    (tmp_path / "nets" / "helpers.py").write_text(HELPERS)
    assert len(codes()) == 1


def test_the_cache_keeps_a_modules_functions(tmp_path: Path):
    scan = scan_file(HELPERS.encode(), "nets.helpers", False)
    assert scan is not None
    assert scan.functions == [FunctionRecord("nets.helpers.ffn", 4, (("ffn", "tf.keras.layers.Dense", 5, "layer"),))]
    cache = Cache(tmp_path / "cache.json", {})
    cache.put_classes("key", [], {}, scan.functions)
    cache.save()
    again = Cache(tmp_path / "cache.json", json.loads((tmp_path / "cache.json").read_text()))
    assert again.get_functions("key") == scan.functions
    assert FunctionRecord.from_row(["nets.helpers.ffn", 4, [["ffn", "os.system('x')", 5, "layer"]]]) is None


@pytest.mark.parametrize("kind", ["layer", "TF1 layer", "TF1 contrib layer", "RNN wrapper", "variable",
                                  "class:nets.Block"])
def test_every_kind_a_scan_records_is_read_back_from_the_cache(kind: str):
    """What `functions.made_kind` can answer is a row the cache accepts: a kind it refused made
    the whole module's record a cache miss, scanned again on every warm run."""
    row = ["nets.helpers.ffn", 4, [["ffn", "tf.keras.layers.Dense", 5, kind]]]
    made = (("ffn", "tf.keras.layers.Dense", 5, kind),)
    assert FunctionRecord.from_row(row) == FunctionRecord("nets.helpers.ffn", 4, made)


def test_a_project_follows_the_helper_module_as_the_editor_changes_it(tmp_path: Path):
    """The language server's index knows the functions of a module of helpers, and an edit of
    that module changes what it knows (the other files' findings are then checked again)."""
    from kerasfix.project import Project

    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "__init__.py").write_text("")
    (tmp_path / "nets" / "helpers.py").write_text(HELPERS)
    (tmp_path / "nets" / "model.py").write_text(MODEL)
    project = Project(tmp_path)
    project.index_all()
    model = tmp_path / "nets" / "model.py"
    assert [f.code for f in project.check(MODEL, model).findings] == ["KF206"]
    changed = project.update(tmp_path / "nets" / "helpers.py",
                             HELPERS.replace("tf.keras.layers.Dense(units)(x)", "x * units"))
    assert changed and project.check(MODEL, model).findings == []
