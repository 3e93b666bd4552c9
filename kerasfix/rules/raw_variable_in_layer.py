"""KF102: `tf.Variable` inside a Keras layer; found by the weight walk of `_weights.py`, which it
shares with the other weight rules."""

from __future__ import annotations

from typing import Iterator

from ..triggers import WEIGHT_CALLS
from ._weight_args import convert_variable
from ._weights import Kind, WeightCall, converted, folded_creation, unknown_caller, weight_calls
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety

DOC = """\
## What it does
Finds `tf.Variable(...)` in a Keras layer or model, outside `call`, and rewrites it as
`self.add_weight(...)` when its initial value maps to a shape and an initializer.

## Why is this bad?
Keras 3 does not track a `tf.Variable` assigned to a layer: it is missing from
`layer.weights`, is never trained by an optimizer given `model.trainable_variables`, and is
never saved, with no error (measured on TF 2.21). The official TF 2 guides used this pattern,
so it is everywhere. tf_keras 2 happens to track it.

## Example
```python
class Scale(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.gain = tf.Variable(tf.ones([input_shape[-1]]), name="gain")
        w_init = tf.random_normal_initializer()
        self.w = tf.Variable(w_init(shape=(input_shape[-1], 4), dtype="float32"), trainable=True)
```

## Use instead
```python
        self.gain = self.add_weight(name="gain", shape=[input_shape[-1]], initializer="ones")
        w_init = tf.random_normal_initializer()
        self.w = self.add_weight(shape=(input_shape[-1], 4), initializer=w_init, dtype="float32", trainable=True)
```
Initial values that map: `tf.zeros(s)` / `tf.ones(s)` (`"zeros"` / `"ones"`);
`tf.random.normal`, `tf.random.truncated_normal`, `tf.random.uniform` and their TF1 names,
with their mean/stddev/minval/maxval/seed (the Keras initializer of the same distribution,
with the TF defaults written out, because Keras's own defaults differ);
`tf.constant(c, shape=s)`, `tf.constant(<number or nested list>)` and `tf.fill(s, c)`
(`tf.constant_initializer(c)`); a number (`0.0`, `0` with `dtype="int32"`, since
`tf.Variable(0)` is an int32); an initializer object called with a shape
(`init(shape, dtype=...)` or `lambda: init(shape, dtype=...)`). `name`, `dtype`, `trainable`
and `constraint` carry over.

## When there is no fix
In a method that neither `__init__` nor `build` calls, the finding asks to create the weight
in `build` (kerasfix cannot tell the method runs once). Any other initial value (a numpy
array, a computed tensor), `validate_shape=False`,
`caching_device`, `synchronization`/`aggregation` enums, or a `shape=` argument: the finding
says why, and the weight must be written as `self.add_weight(...)` by hand.

## Fix safety
Safe: same shape, dtype, trainability and distribution of initial values, now tracked. The
random draws themselves differ (a different random stream), as they would between two runs.
Trainability is kept as the optimizer saw it: `trainable=` is carried over; an integer or
boolean variable (`tf.Variable(0)`, `tf.Variable(False)`, `dtype=tf.int64`) gets
`trainable=False` (a counter or a flag: tf_keras listed it as trainable, but no optimizer
can train it). A variable also appended to `self._non_trainable_weights`, or to a weight
list only under a condition, makes the fix unsafe: tf.keras 2 tracked and trained it as an
attribute whatever the list said (KF110 folds the append with the variable and says when
that is safe).
A weight name the code builds (an f-string with fields, `+`, `%`, `.format()`, `.join()`),
or passes in a variable (a parameter, a local not bound only to string literals without `/`;
a private method's parameter the class always passes such a literal is kept, and so is a
name built only of such literals and `self.name`: Keras 3 refuses `/` in a layer's name),
may hold a `/`, which Keras 3 refuses: it becomes `(name).replace("/", "_")`, an unsafe fix
(tf_keras checkpoints see the new name).
"""

VALID = (
    """\
import tensorflow as tf


class Scale(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.gain = self.add_weight(name="gain", shape=[input_shape[-1]], initializer="ones")
""",
    """\
import tensorflow as tf


step = tf.Variable(0, trainable=False)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Scale(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.gain = tf.Variable(tf.ones([input_shape[-1]]), name="gain")
""",
)

KF102 = Rule(
    code="KF102",
    # what the trap does on each Keras line ("": nothing); a finding may say its own
    harm={"3": "the variable is lost", "2": ""},  # tf.Variable on self: tracked by tf_keras
    name="raw-variable-in-layer",
    summary="`tf.Variable` inside a Keras layer",
    finds="`tf.Variable(...)` (lost on Keras 3)",
    fixed_by="`self.add_weight(...)` when the initial value maps to a shape and an initializer, safe",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.SAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=WEIGHT_CALLS,
    help=("create the weight once in `build` (or `__init__`) as `self.w = self.add_weight(name=\"w\", "
          "shape=value.shape, initializer=tf.constant_initializer(value), trainable=...)`, `value` being the "
          "variable's initial value, and use `self.w` where the variable was"),
)


class RawVariableInLayer(RuleFamily):
    rules = (KF102,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for fact in weight_calls(ctx):
            if fact.kind is Kind.VARIABLE:
                yield _finding(ctx, fact)


def _finding(ctx: Context, fact: WeightCall) -> Finding:
    if not fact.setup:
        return Finding(KF102.code, fact.call, unknown_caller(fact.kind, fact.method))
    what = "`tf.Variable` in a Keras layer: Keras 3 never tracks it"
    if fact.fold is None:
        conversion = convert_variable(ctx, fact.call, fact.self_or_none, backend=False,
                                      appended=list(fact.appended))
        return converted(what, fact.me, conversion, fact.scope).finding(KF102.code, fact.call)
    return folded_creation(what, fact.fold).finding(KF102.code, fact.call)
