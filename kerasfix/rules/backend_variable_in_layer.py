"""KF109: `keras.backend.variable` inside a Keras layer; found by the weight walk of `_weights.py`,
which it shares with the other weight rules."""

from __future__ import annotations

from typing import Iterator

from .. import keras_api as api
from ..triggers import Trigger
from ._weight_args import convert_variable
from ._weights import Kind, WeightCall, converted, folded_creation, unknown_caller, weight_calls
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety

DOC = """\
## What it does
Finds `keras.backend.variable(...)` (`K.variable`, `tf.keras.backend.variable`) in a Keras
layer or model, outside `call`, and rewrites it as `self.add_weight(...)` when its value
maps to a shape and an initializer (as KF102 does for `tf.Variable`: numbers, `np.zeros` /
`np.ones`, `tf.zeros`, `tf.constant`, `tf.fill`, ...).

## Why is this bad?
Multi-backend Keras code made weights with `K.variable` and then pushed them into
`self._trainable_weights`. Measured: on Keras 3 a `K.variable` made in `build` is not among
`layer.weights` (lost, silently); tf_keras 2 tracks it as a plain attribute.

## Example
```python
    def build(self, input_shape):
        self.scale = K.variable(1.5, dtype=K.floatx(), name="scale")
        self.norm = K.variable(np.ones((3,)), name="norm")
```

## Use instead
```python
    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(), initializer=tf.constant_initializer(1.5), dtype=K.floatx())
        self.norm = self.add_weight(name="norm", shape=(3,), initializer="ones")
```
numpy's float64 default dtype is not carried over: `K.variable` cast it to the layer's float
type anyway.

## When there is no fix
A value that does not map to an initializer (a computed array), or a method that neither
`__init__` nor `build` calls: the finding says what to write.

## Fix safety
Safe: the same shape, value and dtype (`K.variable` casts a number or array to `floatx()`
unless given `dtype=`: `K.variable(0)` is a float32, measured), now a tracked weight, trained
as the Keras the code was written for trained it:

- imported from the standalone `keras` (the multi-backend Keras 2, 2.3 and before: Keras 3
  has no `keras.backend.variable`) or TF 1's `tf.contrib.keras`: that Keras trained only
  `add_weight` weights and what was appended to the weight lists, so a `K.variable` kept as a
  plain attribute (a constant such as `K.variable(np.ones(...))`) gets `trainable=False`;
- imported from `tf.keras` / `tf_keras`: tf.keras 2 tracked and trained it as a plain
  attribute (tf_keras still does), so it stays trainable;
- appended to `self._trainable_weights` / `self._non_trainable_weights` (KF110 folds the
  append into the same `add_weight` when it follows the creation): trainable as that list
  says (for a tf.keras `K.variable` a non-trainable list makes the fix unsafe: tf.keras 2
  trained the attribute anyway);
- integer or boolean (`dtype="int64"`): `trainable=False`.

Where it cannot be known (appended only under a condition, an unknown import) the fix is
unsafe and the message says why.
"""

VALID = (
    """\
import tensorflow as tf


from tensorflow.keras import backend as K


class Scale(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones")


temperature = K.variable(1.5, name="temperature")
""",
)

INVALID = (
    """\
from tensorflow import keras
from tensorflow.keras import backend as K


class Scale(keras.layers.Layer):
    def build(self, input_shape):
        self.scale = K.variable(1.5, name="scale")  # no `tf` to spell tf.constant_initializer: by hand
""",
    """\
import tensorflow as tf


from tensorflow.keras import backend as K


class Scale(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.scale = K.variable(1.5, name="scale")
""",
)

KF109 = Rule(
    code="KF109",
    # what the trap does on each Keras line ("": nothing); a finding may say its own
    harm={"3": "the variable is lost", "2": ""},
    name="backend-variable-in-layer",
    summary="`keras.backend.variable` inside a Keras layer",
    finds="`K.variable(...)` (lost on Keras 3)",
    fixed_by="`self.add_weight(...)` when the value maps, trained as the Keras it was written for trained it, safe",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.SAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(calls=frozenset({"variable"}), resolved_calls=api.BACKEND_VARIABLE),
    help=("create the weight once in `build` (or `__init__`) as `self.w = self.add_weight(name=\"w\", "
          "shape=value.shape, initializer=tf.constant_initializer(value), trainable=...)`, `value` being the "
          "variable's initial value, and use `self.w` where the variable was"),
)


class BackendVariableInLayer(RuleFamily):
    rules = (KF109,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for fact in weight_calls(ctx):
            if fact.kind is Kind.BACKEND_VARIABLE:
                yield _finding(ctx, fact)


def _finding(ctx: Context, fact: WeightCall) -> Finding:
    if not fact.setup:
        return Finding(KF109.code, fact.call, unknown_caller(fact.kind, fact.method))
    what = "`keras.backend.variable` in a Keras layer: Keras 3 never tracks it"
    if fact.fold is None:
        conversion = convert_variable(ctx, fact.call, fact.self_or_none, backend=True,
                                      appended=list(fact.appended))
        return converted(what, fact.me, conversion, fact.scope).finding(KF109.code, fact.call)
    return folded_creation(what, fact.fold).finding(KF109.code, fact.call)
