"""The two readers of a module's imports agree: `ImportMap.from_ast` (the index and the
prefilter) and `syntax.import_map` (the rules, on a libcst tree). A difference would make a
finding depend on which path a file took."""

from __future__ import annotations

import ast
import random

import libcst as cst
import pytest

from fixture_cases import all_cases
from kerasfix.functions import read_imports
from kerasfix.names import ImportMap
from kerasfix.syntax import import_map
from mutations import mutate

CASES = [c for c in all_cases() if not c.multi_file]
SHAPES = """\
import tensorflow as tf
from tensorflow import keras as K, compat
from . import sibling
from .pkg.mod import Thing as Other
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from heavy import Hidden
try:
    import tf_keras as keras
except ImportError:
    keras = tf.keras
Layer: type = tf.keras.layers.Layer
Wrapper = keras.layers.Wrapper
SHARED = tf.keras.layers.Dense(2)
WIDE = (tf.keras.layers.Dense( 4 , name="é"))  # a layer's text as written, not its parentheses
TALL = tf.keras.layers.Dense(
    4)
keras2 = compat.v1.keras if True else None


def helper():
    import numpy as np
    return np


class Local:
    pass
"""


def _view(imports: ImportMap) -> dict:
    return {"bindings": imports.bindings, "star": imports.star_imports, "local": sorted(imports.local_names),
            "nested": sorted(imports.nested), "calls": imports.module_calls,
            "texts": imports.module_call_texts, "functions": imports.functions}


def _both(text: str) -> tuple[dict, dict]:
    from_ast = read_imports(ast.parse(text), "pkg.mod", False, text)
    from_cst = import_map(cst.parse_module(text), "pkg.mod", False)
    return _view(from_ast), _view(from_cst)


def test_the_readers_agree_on_every_shape_of_binding():
    by_ast, by_cst = _both(SHAPES)
    assert by_ast == by_cst


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_readers_agree_on_every_fixture_and_a_mutant_of_it(case):
    text = case.input.read_text(encoding="utf-8")
    seed = random.Random(case.id).randrange(1 << 30)
    for source in (text, mutate(text, seed).decode("utf-8", "surrogateescape")):
        try:
            ast.parse(source)
        except SyntaxError:
            continue  # a mutant this Python cannot read (newer syntax): libcst's word is final there
        by_ast, by_cst = _both(source)
        assert by_ast == by_cst
