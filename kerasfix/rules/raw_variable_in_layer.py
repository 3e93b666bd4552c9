"""KF102: `tf.Variable` inside a Keras layer; found by the weight walk of `_weights.py`, which it
shares with the other weight rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import libcst as cst

from ..edits import Fix
from .. import keras_api as api
from ..triggers import Trigger
from ._assigns import AssignUses, attribute_assigns
from ._weight_args import Conversion, convert_variable
from ._weights import Kind, WeightCall, converted, folded_creation, unknown_caller, weight_calls
from .base import Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, is_self_attribute, source

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
`tf.constant(c, shape=s)`, `tf.constant(<number or nested list>)`, a nested list or tuple of
numbers itself, `np.array(<nested list>)` and `tf.fill(s, c)` (`tf.constant_initializer(c)`);
`c * tf.ones(s)` or `tf.ones(s) * c` (and `np.ones`: `tf.constant_initializer(c)` of shape `s`);
a number, `float(x)` or `int(x)` (shape `()`); an initializer object called with a shape
(`init(shape, dtype=...)` or `lambda: init(shape, dtype=...)`). A value of integer literals
keeps its integer dtype (`tf.Variable(0)` and `tf.constant([1, 2])` are int32,
`np.array([1, 2])` int64). A shape written as a number (`tf.zeros(3)`) becomes `(3,)`, and
one that may be a number (`tf.zeros(self.units)`) `tf.TensorShape(...)`: add_weight raises on
a bare number on both lines (measured). `name`, `dtype`, `trainable` and `constraint` carry
over.

A counter updated with TF1's functions, `tf.compat.v1.assign_add(self.steps, 1)` (or `assign`,
`assign_sub`), is updated with the variable's own method, `self.steps.assign_add(1)`, in the
same fix: on a Keras 3 weight the function raises AttributeError (it reads
`dtype._is_ref_dtype`, and a Keras 3 variable's dtype is a string; measured), the method works
on both lines. Where the function's result is used, or it is given `validate_shape`, the
variable is left for a person.

A variable assigned to another object's attribute (`self.projection.kernel = tf.Variable(...)`)
is tracked by neither layer on Keras 3, by both on tf_keras (measured); `add_weight` makes it
this layer's weight, which the other object then holds. When that attribute is a built-in
layer's own weight (`Dense.kernel`), Keras 3 raises AttributeError before and after (no setter):
the message says so.

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
In `c * tf.ones(s)`, a `c` that is not a number literal or `float(...)` makes the fix unsafe:
tf.constant_initializer raises TypeError on a tensor and cannot broadcast an array of
another shape (measured).
A weight name the code builds (an f-string with fields, `+`, `%`, `.format()`, `.join()`),
or computes otherwise (a call such as TF1's `name_from_variable_scope(...)`, an attribute, a
subscript), or passes in a variable (a parameter, a local not bound only to string literals without `/`;
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
    trigger=Trigger(calls=frozenset({"Variable"}), resolved_calls=api.VARIABLE),
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
    owner = _other_owner(ctx, fact)
    if owner is not None:
        what = (f"`tf.Variable` assigned to `{owner}`, another object's attribute: Keras 3 tracks it in neither "
                "layer, and raises AttributeError when that attribute is a built-in layer's weight (`Dense.kernel` "
                "has no setter); a weight `add_weight` makes is this layer's, held by that object")
    if fact.fold is None:
        conversion = convert_variable(ctx, fact.call, fact.self_or_none, backend=False,
                                      appended=list(fact.appended))
        conversion = with_assigns(ctx, fact, conversion)
        return converted(what, fact.me, conversion, fact.scope).finding(KF102.code, fact.call)
    return folded_creation(what, fact.fold).finding(KF102.code, fact.call)


def _assignment(ctx: Context, fact: WeightCall) -> tuple[KerasClass, cst.Assign] | None:
    """The class and the `target = <the call>` statement, when the call is its whole value."""
    for cls in ctx.keras_classes:
        parent = cls.parents.get(id(fact.call)) if fact.method in cls.methods else None
        if parent is not None:
            return (cls, parent) if isinstance(parent, cst.Assign) and len(parent.targets) == 1 else None
    return None


def _other_owner(ctx: Context, fact: WeightCall) -> str | None:
    """`self.layer.kernel` (or `layer.kernel`) when the variable is assigned to an attribute of an
    object other than the layer (measured: Keras 3 tracks it in neither, tf_keras in both when
    that object is a layer)."""
    found = _assignment(ctx, fact)
    target = found[1].targets[0].target if found is not None else None
    if isinstance(target, cst.Attribute) and not (isinstance(target.value, cst.Name) and target.value.value == fact.me):
        return source(target)
    return None


def with_assigns(ctx: Context, fact: WeightCall, conversion: Conversion) -> Conversion:
    """The conversion, with `tf.compat.v1.assign*(self.<attr>, x)` in the class made
    `self.<attr>.assign*(x)`: on a Keras 3 weight the function raises AttributeError (measured)."""
    if conversion.fix is None:
        return conversion
    found = _assignment(ctx, fact)
    if found is None:
        return conversion
    cls, assign = found
    attr = is_self_attribute(assign.targets[0].target, fact.me)
    uses = attribute_assigns(ctx, cls, attr) if attr is not None else AssignUses()
    if uses.blocked is not None:
        return replace(conversion, fix=None, manual=(uses.blocked,))
    return replace(conversion, fix=Fix(conversion.fix.edits + uses.edits, conversion.fix.safety))
