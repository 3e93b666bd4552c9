"""KF106: `dtype=` given to a Keras initializer."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, Replace, Safety
from ..triggers import Trigger
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, source
from .calls import rebuilt

DOC = """\
## What it does
Finds `dtype=` passed to a Keras initializer's constructor, such as
`tf.initializers.orthogonal(dtype=tf.float32)` or `tf.keras.initializers.GlorotUniform(dtype=...)`,
and removes it.

## Why is this bad?
Keras initializers (Keras 3 and tf_keras 2) take no `dtype`: the call raises TypeError, so
the layer cannot even be built. TF1's initializers did take one, and the article this
project grew from uses exactly `tf.initializers.orthogonal(dtype=tf.float32)`.
`tf.compat.v1` initializers still accept `dtype` and are left alone.

## Example
```python
        self.kernel = self.add_weight(name="kernel", shape=[3, 3], dtype=tf.float32,
                                      initializer=tf.initializers.orthogonal(dtype=tf.float32))
```

## Use instead
```python
        self.kernel = self.add_weight(name="kernel", shape=[3, 3], dtype=tf.float32,
                                      initializer=tf.initializers.orthogonal())
```

## Fix safety
Safe when the dtype removed is float32, the dtype every weight gets unless it says otherwise.
Another dtype (say float64) belongs on the weight's own `dtype=`: that fix is unsafe, so a
person checks that the weight carries it.
"""

VALID = (
    """\
import tensorflow as tf


class Rotation(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=[3, 3], dtype=tf.float32,
                                      initializer=tf.keras.initializers.Orthogonal())
""",
)

INVALID = (
    """\
import tensorflow as tf


class Rotation(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=[3, 3], dtype=tf.float32,
                                      initializer=tf.keras.initializers.Orthogonal(dtype=tf.float32))
""",
)

KF106 = Rule(
    code="KF106",
    name="initializer-dtype",
    summary="`dtype=` given to a Keras initializer",
    finds="`tf.initializers.orthogonal(dtype=...)` (TypeError on both lines)",
    fixed_by="drop `dtype`, safe for float32",
    fix=FixAvailability.ALWAYS,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe for float32, else unsafe",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(initializer_dtype=True),
    help=("drop `dtype=` from the initializer and give it to the weight: `self.add_weight(..., "
          "initializer=..., dtype=...)`"),
)


class InitializerDtype(RuleFamily):
    rules = (KF106,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            for name in cls.methods:  # `call` too: `dtype=` raises TypeError there as anywhere
                for call in cls.nodes_of(name, cst.Call):
                    resolved = ctx.resolve(call.func)
                    if resolved and api.is_keras_initializer(resolved):
                        finding = _initializer_dtype(call, resolved)
                        if finding:
                            yield finding


def _initializer_dtype(call: cst.Call, resolved: str) -> Finding | None:
    dtype = next((a for a in call.args if a.keyword is not None and a.keyword.value == "dtype"), None)
    if dtype is None:
        return None
    name = resolved.rsplit(".", 1)[-1]
    safe = source(dtype.value).replace(" ", "") in ("tf.float32", '"float32"', "'float32'", "float32",
                                                    "tensorflow.float32")
    index = list(call.args).index(dtype)

    def drop(updated: cst.Call) -> cst.Call:
        replacements: list[cst.Arg | None] = list(updated.args)
        replacements[index] = None
        return rebuilt(updated, replacements)

    fix = Fix((Replace(call, drop),), Safety.SAFE if safe else Safety.UNSAFE)
    return Finding(
        "KF106", dtype,
        f"`{name}(dtype=...)`: Keras initializers take no `dtype` (TypeError on Keras 3 and tf_keras); "
        "the weight's own `dtype=` sets it",
        fix,
    )
