"""KF304: a Keras layer built in a class body (a class attribute) and used through `self`."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, Remove, Safety
from ..triggers import Trigger
from ._init import into_init
from .base import (Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, is_self_attribute,
                   self_name, walk)

DOC = """\
## What it does
Finds a Keras layer built in the body of a Keras layer or model class (`proj = Dense(2)` next
to the methods) and used through `self.proj`, and builds it in `__init__` instead, as
`self.proj = Dense(2)`.

## Why is this bad?
Keras tracks the sub-layers assigned to an instance (`self.proj = ...` in a method), not the
attributes of its class: the class attribute's weights never reach `layer.weights`, so an
optimizer given `model.trainable_variables` never trains them and a checkpoint never saves
them, on Keras 3 and tf_keras alike (measured: 0 of 2 weights on both lines). And every
instance of the class shares the one layer.

## Example
```python
class Head(tf.keras.layers.Layer):
    proj = tf.keras.layers.Dense(2)

    def call(self, x):
        return self.proj(x)
```

## Use instead
```python
class Head(tf.keras.layers.Layer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.proj = tf.keras.layers.Dense(2)

    def call(self, x):
        return self.proj(x)
```

## Fix safety
Unsafe: after the fix each instance has its own layer, where before all instances shared one
(and its weights, once built); code that relied on the sharing (two heads meant to be tied)
must share the layer explicitly. The construction moves as written, so it must only use names
the module defines: one that reads other class attributes is reported, not moved. Layers
without weights (`Dropout`, `Flatten`, ...) lose nothing and are not reported.
"""

VALID = (
    """\
import tensorflow as tf


class Head(tf.keras.layers.Layer):
    units = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.proj = tf.keras.layers.Dense(self.units)

    def call(self, x):
        return self.proj(x)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Head(tf.keras.layers.Layer):
    proj = tf.keras.layers.Dense(2)

    def call(self, x):
        return self.proj(x)
""",
)


KF304 = Rule(
    code="KF304",
    name="layer-class-attribute",
    summary="a Keras layer kept as a class attribute (its weights are lost on both lines)",
    finds="a Keras layer built in the class body and used through `self` (lost on both lines)",
    fixed_by="built in `__init__` as `self.<name>`, unsafe (instances stop sharing it)",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.UNSAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(layer_in_class_body=True),
    help="build the layer in `__init__` as `self.proj = Dense(...)`, use `self.proj`, and delete the class attribute",
)


class LayerClassAttributes(RuleFamily):
    rules = (KF304,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            class_names = _class_level_names(cls)
            for statement, name, value in _class_level_layers(ctx, cls):
                if _used_through_self(cls, name):
                    yield _finding(cls, statement, name, value, class_names)


def _class_level_names(cls: KerasClass) -> set[str]:
    return {name for _, name, _ in _assignments(cls)} | set(cls.methods)


def _assignments(cls: KerasClass) -> Iterator[tuple[cst.SimpleStatementLine, str, cst.BaseExpression]]:
    for statement in cls.node.body.body:
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if (isinstance(small, cst.Assign) and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name)):
                yield statement, small.targets[0].target.value, small.value


def _class_level_layers(ctx: Context, cls: KerasClass):
    for statement, name, value in _assignments(cls):
        if (isinstance(value, cst.Call) and ctx.is_layer_class(value.func)
                and not api.is_weightless_layer(ctx.resolve(value.func) or "")):
            yield statement, name, value


def _used_through_self(cls: KerasClass, name: str) -> bool:
    for method, func in cls.methods.items():
        me = self_name(func)
        if any(isinstance(n, cst.Attribute) and is_self_attribute(n, me) == name for n in cls.method_nodes[method]):
            return True
    return False


def _finding(cls: KerasClass, statement: cst.SimpleStatementLine, name: str, value: cst.Call,
             class_names: set[str]) -> Finding:
    what = (f"`{name}` is a Keras layer kept as a class attribute: no Keras tracks its weights, and every "
            f"instance shares it")
    reads = {n.value for n in walk(value) if isinstance(n, cst.Name)} & (class_names - {name})
    if reads:
        return Finding(KF304.code, value, f"{what}; build it in `__init__` as `self.{name}` "
                       f"(it reads the class's own `{sorted(reads)[0]}`, which a person must carry along)")
    target = cst.AssignTarget(cst.Attribute(cst.Name("self"), cst.Name(name)))
    line = cst.SimpleStatementLine([cst.Assign([target], value)],
                                   leading_lines=statement.leading_lines,
                                   trailing_whitespace=statement.trailing_whitespace)
    fix = Fix((Remove(statement), into_init(cls, line)), Safety.UNSAFE)
    return Finding(KF304.code, value, f"{what}; build it in `__init__` as `self.{name}`", fix)

