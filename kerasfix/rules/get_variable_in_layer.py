"""KF101: `tf.get_variable` inside a Keras layer; reported from the weight calls that `_weights.py`
finds for all the weight rules, converted by `_weight_args.py`."""

from __future__ import annotations

from typing import Iterator

from .. import keras_api as api
from ..triggers import Trigger
from ._weight_args import convert_get_variable
from ._weights import Kind, WeightCall, converted, unknown_caller, weight_calls
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, source

DOC = """\
## What it does
Finds `tf.get_variable(...)`, `tf.compat.v1.get_variable(...)` and
`variable_scope.get_variable(...)` (under any import alias) in a Keras layer or model, outside
`call`, and rewrites it as `self.add_weight(...)` with every argument by keyword.

## Why is this bad?
A variable made by `get_variable` is not the layer's: on Keras 3 (every `tf.keras` since
TF 2.16) it never reaches `layer.weights`, so an optimizer given `model.trainable_variables`
never trains it and a checkpoint never saves it, and nothing raises. In TF 2 the plain
`tf.get_variable` does not even exist (AttributeError). tf_keras 2 happens to track it.

## Example
```python
class Projection(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = tf.compat.v1.get_variable("kernel", [int(input_shape[-1]), 8],
                                                trainable=None, use_resource=True)
```

## Use instead
```python
        self.kernel = self.add_weight(name="kernel", shape=[int(input_shape[-1]), 8])
```
Positional arguments become keywords in get_variable's own order (name, shape, dtype,
initializer, regularizer, trainable, ..., constraint). `trainable=None` is dropped (it meant
True; Keras 3 would read it as False), so is `use_resource` (TF 2 variables are always
resource variables), and so are arguments equal to their defaults. A `/` in a literal name
becomes `_`: Keras 3 rejects `/` in weight names.

## When there is no fix
In a method that neither `__init__` nor `build` calls (a TF1-style `body()`, say), kerasfix
cannot tell that it runs once: the finding asks to create the weight in `build`. Arguments
add_weight cannot carry are never dropped silently: `collections`,
`caching_device`, `partitioner`, `custom_getter`, `validate_shape=False`, a non-default
`synchronization` or `aggregation` enum (Keras 3 wants a string there, tf_keras an enum), a
tensor as `initializer` (it fixes value and shape at once), a variable scope that sets
defaults (`initializer=`, `regularizer=`, ...) for it, or `*args`/`**kwargs`. The finding
then says which, and what to do.

## Fix safety
Safe: the weight is created with the same name, shape, dtype, initializer, regularizer,
constraint and trainability, and is now tracked. An integer or boolean variable (a counter,
a flag) with no `trainable=` gets `trainable=False`: no optimizer can train it, yet both
Keras lines would list an `add_weight` of it among `trainable_weights` (measured). Inside a
variable scope that is only removed unsafely (see KF108) the fix is unsafe too. Name-based TF1 checkpoints
(`tf.compat.v1.train.Saver`) will see the new variable names; object-based checkpoints
(`tf.train.Checkpoint`, `model.save_weights`) are what Keras uses.
A weight name the code builds (an f-string with fields, `+`, `%`, `.format()`, `.join()`),
or computes otherwise (a call such as TF1's `name_from_variable_scope(...)`, an attribute, a
subscript), or passes in a variable (a parameter, a local not bound only to string literals without `/`;
a private method's parameter the class always passes such a literal is kept, and so is a
name built only of such literals and `self.name`: Keras 3 refuses `/` in a layer's name),
may hold a `/`, which Keras 3 refuses: it becomes `(name).replace("/", "_")`, an unsafe fix
(tf_keras checkpoints see the new name).
A shape that may be a number (`shape=self.units`: get_variable makes a `(5,)` variable of
`5`, add_weight raises on both lines, measured) becomes `tf.TensorShape(...)`, which both lines
take for a number, a list or a tuple alike; without `tf` to spell it, the fix is unsafe.
"""

VALID = (
    """\
import tensorflow as tf


class Projection(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=[int(input_shape[-1]), 8])
""",
    """\
import tensorflow as tf


def projection(x):
    kernel = tf.compat.v1.get_variable("kernel", [int(x.shape[-1]), 8])
    return tf.matmul(x, kernel)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Projection(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = tf.compat.v1.get_variable("kernel", [int(input_shape[-1]), 8])
""",
)

KF101 = Rule(
    code="KF101",
    name="get-variable-in-layer",
    summary="`tf.get_variable` inside a Keras layer",
    finds="`tf.get_variable` / `tf.compat.v1.get_variable` (lost on Keras 3)",
    fixed_by="`self.add_weight(...)` by keyword, safe; report only for arguments add_weight cannot carry",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.SAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(calls=frozenset({"get_variable"}), resolved_calls=api.GET_VARIABLE),
    help=("create the weight once in `build` (or `__init__`) as `self.w = self.add_weight(name=\"w\", "
          "shape=..., initializer=..., trainable=...)` with the variable's name, shape, initializer and "
          "trainable, and use `self.w` where the variable was"),
)


class GetVariableInLayer(RuleFamily):
    rules = (KF101,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for fact in weight_calls(ctx):
            if fact.kind is Kind.GET_VARIABLE:
                yield _finding(ctx, fact)


def _finding(ctx: Context, fact: WeightCall) -> Finding:
    if not fact.setup:
        return Finding(KF101.code, fact.call, unknown_caller(fact.kind, fact.method, source(fact.call.func)))
    defaults = fact.scope.defaults if fact.scope is not None else None
    conversion = convert_get_variable(ctx, fact.call, fact.self_or_none, defaults)
    # named as written: `tf.compat.v1.get_variable` exists in TF 2, `tf.get_variable` does not
    what = f"`{source(fact.call.func)}` in a Keras layer: Keras 3 never tracks the variable"
    return converted(what, fact.me, conversion, fact.scope).finding(KF101.code, fact.call)
