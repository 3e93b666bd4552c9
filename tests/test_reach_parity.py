"""The prefilter's idea of what `call` reaches (`classwalk.ClassSignals.reached_from_call`, on ast) holds
every method the rules' idea holds (`KerasClass.call_methods`, on libcst): where they differ,
the prefilter must err towards parsing, or a finding in a helper of `call` would be hidden."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from fixture_cases import all_cases
from kerasfix.rules.base import KerasClass
from kerasfix.classwalk import class_signals

CASES = [c for c in all_cases() if not c.multi_file]


def _classes(text: str):
    by_name = {node.name: node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ClassDef)}
    module = cst.parse_module(text)
    stack = list(module.body)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.ClassDef):
            yield by_name[node.name.value], KerasClass(node, node.name.value)
        if isinstance(node, (cst.ClassDef, cst.FunctionDef, cst.If, cst.Try, cst.With)):
            stack.extend(node.body.body if hasattr(node.body, "body") else ())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_prefilter_reaches_at_least_what_the_rules_reach(case):
    for tree, cls in _classes(case.input.read_text(encoding="utf-8")):
        assert cls.call_methods <= class_signals(tree).reached_from_call(), tree.name


BASE = '''
import tensorflow as tf


class Block(tf.keras.layers.Layer):
    def call(self, x):
        return self.encode(x) + self.shared(x)

    def shared(self, x):
        return self.hook(x)

    def hook(self, x):
        return x
'''

SUB = '''
from pkg.base import Block


class Sub(Block):
    def encode(self, x):
        return self.helper(x)

    def helper(self, x):
        return x

    def hook(self, x):
        return x

    def unused(self, x):
        return x


class Mid(Block):
    def call(self, x):
        return x


class Leaf(Mid):
    def encode(self, x):
        return x
'''


def test_both_readings_follow_the_class_chain_across_modules():
    """A base's `call` in another module runs `encode` (and, through its own `shared`, `hook`,
    each once per call; `helper` as `encode` calls it):
    both readings reach them, the prefilter's no less than the rules'; a `call` overridden on
    the way (`Mid`) runs none."""
    from kerasfix.index import ClassIndex, scan_file

    index = ClassIndex()
    for text, name in ((BASE, "pkg.base"), (SUB, "pkg.sub")):
        for record in scan_file(text.encode(), name, False).classes:
            index.add(record)
    module = cst.parse_module(SUB)
    trees = {node.name: node for node in ast.walk(ast.parse(SUB)) if isinstance(node, ast.ClassDef)}
    reached = {}
    for node in module.body:
        if isinstance(node, cst.ClassDef):
            qualified = f"pkg.sub.{node.name.value}"
            cls = KerasClass(node, qualified, index)
            signals = class_signals(trees[node.name.value]).reached_from_call(index, qualified)
            assert cls.call_methods <= signals, node.name.value
            reached[node.name.value] = (cls.call_methods, cls.once_per_call)
    assert reached["Sub"] == ({"encode", "helper", "hook"}, {"encode", "hook"})
    assert reached["Mid"] == ({"call"}, {"call"})
    assert reached["Leaf"] == (set(), set())


ONCE = '''
import tensorflow as tf


class Composite(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ready = False

    def call(self, x):
        if not self._ready:
            self._make()
        if not self.built:
            self.build(x.shape)
        if not self.trainable:
            self.note()
        return self.inner(x)

    def _make(self):
        self.inner = self.symbolic()
        self._ready = True

    def note(self):
        pass
'''


def test_what_runs_once_under_a_flag_is_not_reached_from_call():
    """`if not self._ready: self._make()` where the class sets `_ready` to True runs once
    (gnn's `CompositeLayer`, keras-rs's sparsecore build): neither the record a subclass
    inherits nor the rules' reading follow it; a flag the class never sets true guards
    nothing (`trainable`)."""
    from kerasfix.index import scan_file

    (record,) = scan_file(ONCE.encode(), "pkg.base", False).classes
    assert {c for c in record.calls if c.startswith("call.")} == {"call.note", "call.inner", "call.inner.once"}
    node = next(n for n in cst.parse_module(ONCE).body if isinstance(n, cst.ClassDef))
    assert KerasClass(node, "pkg.base.Composite").call_methods == {"call", "note"}
