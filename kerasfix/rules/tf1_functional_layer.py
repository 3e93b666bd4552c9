"""KF202: a TF1 `tf.layers.<function>` call inside a Keras layer, replaced by the Keras layer
built once: the lifter (`_lift.py`) plans where that layer is built (`Tf1Lift`), this rule
reports the plans and builds the call of the layer in place of the TF1 call."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import AddImport, Edit, Fix, Replace, Safety
from ..triggers import Trigger
from ._lift import Blocked, Tf1Lift, lift_plans
from ._lift_edits import place, unused_bindings
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, self_name, source
from .calls import comments_in, keyword_arg, layout

DOC = """\
## What it does
Finds TF1's functional layers inside a Keras layer or model: `tf.layers.dense(x, 20)`,
`tf.compat.v1.layers.conv2d(...)`, and the other functions of `tf.layers` (dense, conv1d/2d/3d,
conv2d/3d_transpose, separable_conv1d/2d, max and average pooling 1d/2d/3d,
batch_normalization, dropout, flatten). Builds the Keras class once in `__init__` and calls
it where the function was. Also reports, with no fix, TF1's `tf.contrib.layers` functions that
make variables (`layer_norm`, `batch_norm`, `fully_connected`, `conv2d`, `group_norm`, ...;
`tf.contrib.slim`'s too).

## Why is this bad?
On Keras 3 `tf.layers` is gone and `tf.compat.v1.layers` raises ("not available with
Keras 3"). On tf_keras each call builds a new layer whose weights the model never tracks.

## Example
```python
class Net(tf.keras.Model):
    def call(self, x, training=False):
        x = tf.layers.dense(x, 20, activation=tf.nn.relu, name="fc1", reuse=tf.AUTO_REUSE)
        x = tf.layers.batch_normalization(x)
        return tf.layers.dropout(x, 0.1, training=training)
```

## Use instead
```python
class Net(tf.keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fc1 = tf.keras.layers.Dense(20, activation=tf.nn.relu, name="fc1")
        self.batch_normalization = tf.keras.layers.BatchNormalization()

    def call(self, x, training=False):
        x = self.fc1(x)
        x = self.batch_normalization(x, training=False)
        ...
```
The inputs and call-time arguments (`training=`) stay at the call. TF1 ran
`batch_normalization` and `dropout` in inference mode unless given `training=`, while a Keras
layer would follow the model's training flag: the fix writes `training=False` where TF1
relied on that default, so behaviour is unchanged. `dropout`'s default rate (0.5) is written
out because Keras has none. `reuse` is dropped; two calls with the same literal `name=` and
the same arguments, one with `reuse`, share one layer as they shared variables. Positional
arguments stay positional only where the Keras constructor has the same order (Keras's
`Conv2D` has `groups` where TF1 had `activation`), else they become keywords. The Keras
class is spelled the way the module already reaches Keras (`layers.Dense` after
`from tensorflow.keras import layers`, `tf.keras.layers.Dense` under `import tensorflow as
tf`), and `import tensorflow as tf` is added only when nothing the module imports as it runs
can spell it (an import inside a function, under `if TYPE_CHECKING:` or in a docstring does
not count); it goes after the module's docstring, `__future__` and first imports, below a
shebang and an encoding line. A comment on an argument goes where the argument goes: to the
constructor, or it stays at the call.

## When there is no fix
A function imported by name (`from tensorflow.compat.v1.layers import dense`): that import
itself fails on Keras 3, so the import must go too, by hand. `batch_normalization` arguments
Keras lacks on one line or the other (`renorm`, `fused` other than a speed hint,
`virtual_batch_size`, `adjustment`) are reported, not dropped; so is a call in a loop, in a
helper method `call` calls more than once or in a loop (one it calls once, in no loop and
under no `if`, is treated as `call` itself), or with arguments computed in `call` from the
input or `training` (the message names the value). As for KF201, locals `call` computes from what
`__init__` knows are inlined (`axis = -1 if self.data_format == "channels_last" else 1`),
the attributes `super().__init__()` sets are known, a call under `if` keeps its guard, and the
attribute never takes a name Keras uses (a layer named `"_layers"` becomes `self.dense`).

A method a base class's `call` runs (OpenNMT-tf's `Inputter.call` returns
`self.make_inputs(...)`; the base in this file or another module of the project) is reached
as if `call` were the class's own, and one it runs once, unguarded, is fixed as `call` is, in
the subclass's file. A TF1 layer function in a method `call` does not reach (`body()`,
`_call()` run by an overridden `__call__`: what a TF1-era base class or a caller runs to build
the graph) is reported, with no fix: it fails on Keras 3 as well, but which layer to build
once depends on who calls the method, and how often. Build the Keras layer in `__init__` and
use it there.

`tf.contrib.layers.layer_norm(x)` and its kin are reported only: `tf.contrib` is gone in TF 2
(AttributeError on both Keras lines), and their defaults are no Keras class's. TF1's
`layer_norm` normalizes over every axis but the first (`begin_norm_axis=1`) with epsilon
1e-12, Keras's `LayerNormalization` over the last axis with epsilon 1e-3. Measured (TF1's
formula, read off its source, run on TF 2.21): `LayerNormalization(axis=-1, epsilon=1e-12)`
computes what TF1's did with `begin_norm_axis=-1`, and what its default did for 2-D inputs
only. `fully_connected` and the contrib convolutions default to relu (and `padding="same"`),
`batch_norm` to `scale=False`, `decay=0.999`. The message names what the Keras class needs.

## Fix safety
Safe when lifted into `__init__`; unsafe when an argument needs the input's shape and the
layer goes into `build`.
"""

VALID = (
    """\
import tensorflow as tf


class Net(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fc1 = tf.keras.layers.Dense(20, name="fc1")

    def call(self, x):
        return self.fc1(x)


def tf1_net(x):
    return tf.compat.v1.layers.dense(x, 20)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Net(tf.keras.Model):
    def call(self, x):
        return tf.compat.v1.layers.dense(x, 20, name="fc1")
""",
)

KF202 = Rule(
    code="KF202",
    name="tf1-functional-layer",
    summary="a TF1 `tf.layers.<function>` call inside a Keras layer",
    finds="`tf.layers.dense(x, 20)`, `tf.compat.v1.layers.conv2d(...)`, ... (gone on Keras 3, lost on tf_keras)",
    fixed_by="the Keras class built once in `__init__`, called in its place, `training=` kept, safe",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe, or unsafe via build",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(resolved_calls=frozenset({"tf1.layers.", *api.TF1_CONTRIB_LAYER_NAMESPACES})),
    help=("build the Keras layer (`tf.keras.layers.Dense(...)` for `tf.layers.dense(...)`) once in `__init__` "
          "as `self.dense`, and call `self.dense(x)` where the function was called"),
)


class Tf1FunctionalLayer(RuleFamily):
    rules = (KF202,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for plan in lift_plans(ctx):
            if isinstance(plan, Tf1Lift):
                yield _finding(plan)


def _finding(plan: Tf1Lift) -> Finding:
    call, keras_class, method = plan.site, plan.keras_class, plan.method.name.value
    if plan.contrib:
        return _contrib_finding(plan)
    if plan.blocked is Blocked.OUTSIDE_CALL:
        where = "" if method in plan.lift.cls.setup_methods else ", which `call` does not call"
        return Finding(KF202.code, call, (
            f"`{source(call.func)}` in a Keras layer, in `{method}`{where}: gone on Keras 3 "
            "(AttributeError), and on tf_keras a layer whose weights no Keras tracks (a new one each "
            f"time `{method}` runs); build `{keras_class}` once in `__init__` and use it in `{method}`"))
    what = (f"`{source(call.func)}` inside a Keras layer: gone on Keras 3 (AttributeError), "
            "and on tf_keras a new layer every call whose weights are lost")
    if plan.blocked is None:
        safety = Safety.SAFE if plan.target == "__init__" else Safety.UNSAFE
        built = f"build `{keras_class}` once in `{plan.target}` as `self.{plan.attr}`"
        return Finding(KF202.code, call, f"{what}; {built}", Fix(_edits(plan), safety))
    return Finding(KF202.code, call, f"{what}; build `{keras_class}` once in `__init__` and call it here"
                                     f"{_why_not(plan)}")


def _contrib_finding(plan: Tf1Lift) -> Finding:
    """`tf.contrib.layers.layer_norm(x)`: gone in TF 2 on both lines, and no Keras class with its
    defaults (report only, with what the Keras class needs to compute the same)."""
    call, method = plan.site, plan.method.name.value
    keras_class, how = api.TF1_CONTRIB_LAYERS[plan.function]
    built = f"`{keras_class}` once in `__init__`"
    if keras_class[:1].islower():  # bias_add's weight, which `data` says goes in `build`
        built = keras_class
    where = "" if plan.blocked is not Blocked.OUTSIDE_CALL or method in plan.lift.cls.setup_methods else \
        ", which `call` does not call"
    in_call = plan.blocked is Blocked.CONTRIB
    when, use = ("every call", "call it here") if in_call else (f"each time `{method}` runs", f"use it in `{method}`")
    use = use.replace("call it", "use it") if keras_class[:1].islower() else use
    return Finding(KF202.code, call, (
        f"`{source(call.func)}` in a Keras layer, in `{method}`{where}: `tf.contrib` is gone in TF 2 "
        f"(AttributeError on Keras 3 and tf_keras), and in TF1 it made variables no Keras tracks, anew {when}; "
        f"build {built} and {use} ({how})"))


def _why_not(plan: Tf1Lift) -> str:
    """What keeps the call from being fixed, as the message's tail."""
    if plan.blocked is Blocked.IMPORTED_FUNCTION:
        assert isinstance(plan.site.func, cst.Name)  # what the lifter found
        return ("; and remove its import, which itself fails on Keras 3 "
                f"(`from ... layers import {plan.site.func.value}`)")
    if plan.blocked is Blocked.UNREADABLE:
        return " (its arguments cannot be read)"
    if plan.blocked is Blocked.UNSUPPORTED:
        return f"; Keras lacks {', '.join(f'`{p}`' for p in plan.unsupported)}"
    if plan.blocked is Blocked.NO_SPELLING:
        return f"; no import here can spell keras.layers.{plan.spec.keras_class}"
    if plan.blocked is Blocked.PLACEMENT and plan.placement is not None:
        return f"; it cannot move as is: {plan.placement.reason}"
    return ""  # in a loop, or in a helper `call` does not run exactly once


def _edits(plan: Tf1Lift) -> tuple[Edit, ...]:
    """The Keras layer built where the plan says (unless it is an earlier call's, shared by
    name), and called in place of the TF1 call with its inputs and call-time arguments."""
    lift, call, spec, bound, placement = plan.lift, plan.site, plan.spec, plan.bound, plan.placement
    assert bound is not None and placement is not None  # a plan that moves has both
    constructor_args = [a.value for a in plan.constructor_args]
    edits: list[Edit] = []
    if not plan.shares:
        assert plan.value is not None  # the layer a new attribute is set to
        edits.append(place(lift, placement, plan.attr, plan.value, None))
        edits.extend(unused_bindings(lift, plan.method, placement, list(constructor_args)))
    inputs = bound.value("inputs")
    assert inputs is not None  # a call without one is not planned
    call_args = [cst.Arg(inputs)]
    for param in sorted(spec.call_args):
        value = bound.value(param)
        if value is None:
            default = dict(spec.tf1_defaults).get(param)
            value = cst.parse_expression(default) if default is not None else None
        if value is not None:
            call_args.append(keyword_arg(param, value))
    opening = call.whitespace_before_args  # the comments after `(` stay here if the constructor has none
    new_call = cst.Call(func=cst.Attribute(value=cst.Name(self_name(plan.method)), attr=cst.Name(plan.attr)),
                        args=layout(cst.Call(func=call.func, args=call.args), call_args, elsewhere=constructor_args),
                        whitespace_before_args=opening if comments_in(opening) and not plan.constructor_args
                        else cst.SimpleWhitespace(""))
    edits.append(Replace(call, new_call))
    if plan.needed_import:
        edits.append(AddImport(plan.needed_import))
    return tuple(edits)
