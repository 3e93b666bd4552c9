"""KF112: a weight made inside a lambda or function nested in a Keras layer's method."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..triggers import LAMBDA_LAYERS, Trigger
from ._lambda_uses import LambdaUse, functional_lambda_uses, lambda_uses
from ._module_functions import what_is_made, where_made
from .base import (Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, deferred_function,
                   is_self_attribute, self_name)

DOC = """\
## What it does
Finds what a Keras `Lambda` layer's function does that a `Lambda` cannot hold, and variables
made in a function that runs later than the method it is written in:
- `tf.Variable(...)`, `tf.compat.v1.get_variable(...)`, `keras.backend.variable(...)` or
  `self.add_weight(...)` inside the function of a `Lambda` layer (`Lambda(lambda v: v *
  tf.Variable(2.0))`, or a nested `def` passed to `Lambda`), or in a lambda kept on `self`;
- a function of the module passed to `Lambda` (`Lambda(instance_norm)`, `Lambda(function=head)`)
  that makes a variable or builds a Keras layer when it runs, itself or through the module's
  other functions it calls (the finding names the line that makes it);
- a Keras layer built inside a `Lambda`'s lambda (`Lambda(lambda x: Dense(2)(x))`), or a layer
  or model of the method's locals called there (`Lambda(lambda x: inner(x))`), or handed to a
  factory of the module whose returned function calls it (`Lambda(make_applier(inner))`).

A nested helper that the method calls itself makes its weights once and is left to the other
rules; a `Lambda` of a function that makes nothing (a named one too) is not reported. Report
only.

## Why is this bad?
The variable is made each time the function runs, not once. A `Lambda` layer never tracks
what its function creates: on Keras 3 the weight is silently lost (and made anew on every
call; `get_variable` raises ValueError "Variable ... already exists" on the second call), on
tf_keras 2 the layer raises `ValueError` ("The following Variables were created within a
Lambda layer ... but are not tracked"). Turning it into `self.add_weight(...)` where it stands
does not help: the function runs after the layer is built, and Keras 3 then raises ValueError
("You cannot add new elements of state ... to a layer that is already built").

A layer built or a model called inside the function is the same trap: Keras 3 tracks none of
its weights (a layer built there is built anew on every call), and tf_keras raises
ValueError (measured: a `Sequential` called through a factory's closure, 0 of 2 weights on
Keras 3).

## Example
```python
class Scaled(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = tf.keras.layers.Lambda(lambda v: v * tf.Variable(2.0))

    def call(self, x):
        return self.scale(x)
```

## Use instead
```python
class Scaled(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.factor = self.add_weight(name="factor", shape=(), initializer=tf.constant_initializer(2.0))

    def call(self, x):
        return x * self.factor
```
A layer or model the function calls is called directly instead: `y = inner(x)` in the
functional graph, or kept on `self` (`self.inner = inner`) and called in `call`; two tensors
are combined by a merge layer (`Add()([a, b])`), not by a `Lambda`.

## Fix safety
No automatic fix: the weight has to move out of the function into `build`, and the function
has to read it from there, which changes the code's shape. KF101, KF102 and KF109 leave such
variables alone.
"""

VALID = (
    """\
import tensorflow as tf


class Scaled(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.factor = self.add_weight(name="factor", shape=(), initializer="ones")

    def call(self, x):
        return x * self.factor
""",
)

INVALID = (
    """\
import tensorflow as tf


class Scaled(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = tf.keras.layers.Lambda(lambda v: v * tf.Variable(2.0))

    def call(self, x):
        return self.scale(x)
""",
)


KF112 = Rule(
    code="KF112",
    name="variable-in-nested-function",
    summary="a weight made, or a layer built or called, inside a `Lambda` layer's function (or a lambda on `self`)",
    finds=(
        "a variable made, or a layer built or called, in a `Lambda` layer's function (a named function of the "
        "module too), or a variable in a lambda kept on `self` (lost on Keras 3, ValueError on tf_keras)"
    ),
    fixed_by="report: create it once in `build` of a custom layer",
    fix=FixAvailability.NEVER,
    safety=RuleSafety.NONE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    # any `Lambda(...)` in the class (a module function it runs: `Lambda(instance_norm)`, a layer in
    # its lambda), and a `Lambda(...)` outside Keras classes
    trigger=Trigger(weight_in_nested=True) | LAMBDA_LAYERS | Trigger(resolved_calls=frozenset({"keras.layers.Lambda"})),
    help=("write a custom layer instead: create the weight once in its `build` with `self.add_weight(...)` "
          "and compute the function in its `call`"),
)

_FACTORIES = api.GET_VARIABLE | api.VARIABLE | api.BACKEND_VARIABLE


class VariableInNestedFunction(RuleFamily):
    rules = (KF112,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from map(_use_finding, functional_lambda_uses(ctx))
        for cls in ctx.keras_classes:
            for name in cls.methods:
                yield from map(_use_finding, lambda_uses(ctx, cls, name))
            for name, func in cls.methods.items():
                if name in cls.call_methods:
                    continue  # made in `call`: KF103
                me = self_name(func)
                for node in cls.method_nodes[name]:
                    if type(node) is cst.Call and _makes_variable(ctx, node, me):  # see syntax.of_kind
                        how = deferred_function(ctx, cls, node, func)
                        if how is not None:
                            yield _finding(node, how)


def _makes_variable(ctx: Context, call: cst.Call, me: str) -> bool:
    return ctx.resolve(call.func) in _FACTORIES or is_self_attribute(call.func, me) == "add_weight"


def _finding(call: cst.Call, how: str) -> Finding:
    if how == "lambda layer":
        where = ("inside a `Lambda` layer's function: Keras 3 never tracks it and makes it anew on every call, "
                 "tf_keras raises ValueError")
    else:
        where = "inside a lambda kept on the layer: it is made each time the lambda runs, and no Keras tracks it"
    return Finding(KF112.code, call, f"a variable made {where}; create it once in `build` with "
                   "`self.add_weight(...)` (in a custom layer) and use it in the function")


def _use_finding(use: LambdaUse) -> Finding:
    made = f" {what_is_made(use.made)} ({where_made(use.made, use.subject)})" if use.made else ""
    if use.kind == "variable":
        subject = (f"`{use.subject}`, run by a `Lambda` layer, makes{made}" if use.made
                   else f"a variable (`{use.subject}`) made inside a `Lambda` layer's function")
        return Finding(KF112.code, use.node,
                       f"{subject}: Keras 3 never tracks a variable made there (it is made anew on every call, and "
                       "`get_variable` raises ValueError on the second), tf_keras raises ValueError; write a custom "
                       "layer that creates it once in `build` with `self.add_weight(...)` and computes the function "
                       "in its `call`")
    if use.kind == "tensor":
        return Finding(KF112.code, use.node,
                       f"the Keras tensor `{use.subject}` is passed through `Lambda(arguments=...)`: Keras 3 raises "
                       "ValueError (a KerasTensor is symbolic), tf_keras TypeError (no TypeSpec for it); pass it as "
                       f"an input of the layer instead (`Lambda(f)([x, {use.subject}])`), or use a merge layer "
                       f"(`Add()([x, {use.subject}])`)",
                       help=f"pass `{use.subject}` as an input of the layer, or use a merge layer such as `Add()`")
    subject = (f"`{use.subject}`, run by a `Lambda` layer, builds{made}" if use.made
               else f"a layer (`{use.subject}`) built inside a `Lambda` layer's function")
    if use.kind == "layer":
        return Finding(KF112.code, use.node,
                       f"{subject}: its weights are never tracked (built anew and lost on every call on Keras 3, "
                       "ValueError on tf_keras); build the layer once and call it directly (in the functional "
                       "graph, or on `self` in a custom layer's `call`)",
                       help="build the layer once outside the `Lambda` and call it directly where the Lambda was")
    return Finding(KF112.code, use.node,
                   f"the Keras layer or model `{use.subject}` is called inside a `Lambda` layer's function: the "
                   "`Lambda` never tracks its weights (lost on Keras 3, ValueError on tf_keras); call it directly "
                   "(`y = inner(x)` in the functional graph, or keep it on `self` and call it in `call`)",
                   help=f"call `{use.subject}` directly instead of through the `Lambda`")
