"""KF103: a weight created inside `call`, moved into `build` as `self.add_weight(...)`: the
lifter (`_lift.py`) plans the move of each weight `call` makes, this rule reports the plans
of weights (`WeightLift`) and builds their fixes."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, Safety
from ..triggers import Trigger
from ._assigns import AssignUses, attribute_assigns, local_assigns
from ._lazy import KERAS3_ONLY, LazyInit, lazy_attribute, lazy_init, lazy_message
from ._lift import Blocked, WeightLift, lift_plans
from ._lift_edits import lazy_edits, loads, move_edits
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, source

DOC = """\
## What it does
Finds `tf.Variable`, `tf.get_variable`, `self.add_weight` or `self.add_variable` inside
`call`, or inside a method that `call` uses.

## Why is this bad?
`call` runs on every forward pass: each call creates a fresh variable, initialised anew, so
nothing is ever learned, and none of them is tracked on either Keras line (measured). Under
`tf.function` it raises ValueError instead ("tf.function only supports singleton tf.Variables
created on the first call", measured on both lines).

## Example
```python
class Bias(tf.keras.layers.Layer):
    def call(self, x):
        b = tf.Variable(tf.zeros([x.shape[-1]]))
        return x + b
```

## Use instead
```python
class Bias(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.b = self.add_weight(name="b", shape=[input_shape[-1]], initializer="zeros")

    def call(self, x):
        return x + self.b
```

The fix (with `--unsafe-fixes`) does exactly that when the variable is made directly in
`call` (bound to a local, stored on `self`, or used inline) and its arguments need nothing
computed in `call` but the input's shape: the creation becomes a keyword
`self.add_weight(...)` (as KF101, KF102, KF104 and KF105 would write it) at the top of
`build`, with `x.shape[...]` read as `input_shape[...]`, and `call` uses `self.<name>`. A class
without `build` gets one. As for KF201, a local `call` computes from what `__init__` knows is
inlined, and a variable made under `if self.use_bias:` is made under the same test
(`self.b = self.add_weight(...) if self.use_bias else None`). A counter updated with
`tf.compat.v1.assign_add(v, 1)` (or `assign`, `assign_sub`) is updated as
`self.v.assign_add(1)`: on the Keras 3 weight the fix makes, the function raises
AttributeError (measured); where its result is used, the fix is left for a person.

A weight made once, on the first call, into an attribute `__init__` sets to None
(`if self.scale is None: self.scale = self.add_weight(...)`, in `tf.init_scope()` or not) is a
different trap: tf_keras tracks it (measured, eager, functional and `fit`), Keras 3 raises
ValueError at that first call ("You cannot add new elements of state ... to a layer that is
already built"), or only when a saved model is loaded where the class has no `build` and
`__init__` holds a layer with weights (Keras then traces `call` before it locks the layer;
measured on Keras 3.15). It is reported on Keras 3 only. When the `if` holds only that
assignment, the weight is made at the top of `build` from `input_shape`, the `if` goes, and
`__init__`'s None stays: safe, since the first call made the same weight from the same shape
(unsafe when other code tests the attribute for None, or when the variable is converted to
`add_weight`). Made in a helper `call` runs, it is reported only.

## When there is no fix
Arguments computed in `call` from the input or `training` (the message names the value), a
loop, a nested function, a helper method `call` calls more than once or in a loop (one it
calls once, in no loop and under no `if`, or that a base class's `call` runs so, is treated
as `call`), a test only `call` can answer, or an initial value that does not map to an
initializer: the message says what to move where.

## Fix safety
A weight made on the first call only, moved to `build`: safe (see above). Otherwise unsafe:
the variable is now created once, when the layer is built, instead of on every call, and is
initialised once; that is the point, but code that relied on a fresh value per call
(a random mask, say) would change behaviour. A person should read the diff.
Safe for a `get_variable` bound once to a local of `call` that `call` only reads (in
arithmetic, as an argument of a TF function other than an assignment, or for its shape or
dtype): TF1 made it once per graph and shared it, as the fix does, and no other method can
see the local. Updated, stored on `self` or passed elsewhere, it stays unsafe.
"""

VALID = (
    """\
import tensorflow as tf


class Bias(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.b = self.add_weight(name="b", shape=[input_shape[-1]], initializer="zeros")

    def call(self, x):
        return x + self.b
""",
)

INVALID = (
    """\
import tensorflow as tf


class Bias(tf.keras.layers.Layer):
    def call(self, x):
        b = tf.Variable(tf.zeros([x.shape[-1]]))
        return x + b
""",
)

KF103 = Rule(
    code="KF103",
    name="variable-created-in-call",
    summary="a weight created inside `call`",
    finds="any weight created in `call` (a new, untracked variable every call)",
    fixed_by="moved into `build` as `self.add_weight(...)`, unsafe; safe for one made on the first call only",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe for a weight made on the first call only",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(weight_in_call=True),
    help=("create the weight once in `build(self, input_shape)` as `self.w = self.add_weight(name=\"w\", "
          "shape=..., initializer=...)` and read `self.w` in `call`"),
)


class VariableCreatedInCall(RuleFamily):
    rules = (KF103,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for plan in lift_plans(ctx):
            if isinstance(plan, WeightLift):
                yield _finding(ctx, plan)


def _finding(ctx: Context, plan: WeightLift) -> Finding:
    lazy = lazy_attribute(plan.lift.cls, plan.method, plan.site)
    if lazy is not None:
        return _lazy_finding(plan, lazy_init(plan.lift.ctx, plan, lazy))
    what = (f"`{source(plan.site.func)}` inside `{plan.method.name.value}` makes a new variable on every call, "
            "which no Keras tracks")
    manual = f"{what}; create it once in `build` with `self.add_weight(...)` and use it here"
    if plan.blocked is None:
        uses = _assigns(ctx, plan)
        if uses.blocked is not None:
            return Finding(KF103.code, plan.site, f"{manual} ({uses.blocked})")
        safety = Safety.SAFE if _read_only(ctx, plan) else Safety.UNSAFE
        return Finding(KF103.code, plan.site, f"{what}; create it once in `build` as `self.{plan.attr}`",
                       Fix(move_edits(plan) + uses.edits, safety))
    return Finding(KF103.code, plan.site, f"{manual} ({_why_not(plan)})")


def _lazy_finding(plan: WeightLift, lazy: LazyInit) -> Finding:
    """A weight made on the first call only: tracked by tf_keras, refused by Keras 3 (measured);
    made once in `build` instead, the `if` gone (safe for `self.add_weight`: the first call made
    the same weight, from the same shape)."""
    what = f"`{source(plan.site.func)}` inside `{plan.method.name.value}` makes a variable"
    head = lazy_message(what, lazy.attr, lazy.first_call_raises)
    if lazy.blocked or lazy.placement is None:
        reason = f" ({lazy.blocked})" if lazy.blocked else ""
        return Finding(KF103.code, plan.site, f"{head}; create it in `build(self, input_shape)`, naming it from the "
                                              f"input shape{reason}", lines=KERAS3_ONLY)
    message = f"{head}; create it once in `build` as `self.{lazy.attr}`"
    if lazy.unsafe:
        message += f" (unsafe: {lazy.unsafe})"
    return Finding(KF103.code, plan.site, message,
                   Fix(lazy_edits(plan, lazy), Safety.UNSAFE if lazy.unsafe else Safety.SAFE), lines=KERAS3_ONLY)


def _read_only(ctx: Context, plan: WeightLift) -> bool:
    """A `get_variable` bound once to a local of `call` that `call` only reads (in arithmetic, as
    an argument of a TF function other than an assignment, or for its shape or dtype): TF1
    made it once per graph, and so does the fix; nothing else can see the local."""
    if ctx.resolve(plan.site.func) not in api.GET_VARIABLE or plan.form != "bound" or plan.local is None:
        return False
    if plan.method.name.value not in plan.lift.cls.call_methods or plan.statement is None:
        return False
    parents = plan.lift.cls.parents
    for name in loads(plan.lift, plan.method, plan.local, plan.statement):
        parent = parents.get(id(name))
        if isinstance(parent, cst.Attribute):
            if parent.attr.value not in ("shape", "dtype"):
                return False
        elif isinstance(parent, cst.Arg):
            call = parents.get(id(parent))
            resolved = ctx.resolve(call.func) if isinstance(call, cst.Call) else None
            if resolved is None or not resolved.startswith("tf.") or resolved in api.ASSIGN_FUNCTIONS:
                return False
        elif not isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation)):
            return False
    return True


def _assigns(ctx: Context, plan: WeightLift) -> AssignUses:
    """The TF1 assignment functions applied to the variable, as its own methods (on the Keras
    3 weight the fix makes, `tf.compat.v1.assign_add(v, 1)` raises AttributeError, measured)."""
    if plan.form == "bound" and plan.local is not None:
        return local_assigns(ctx, plan.lift.cls, plan.method.name.value, plan.local)
    if plan.form == "self":
        return attribute_assigns(ctx, plan.lift.cls, plan.local or plan.attr)
    return AssignUses()


def _why_not(plan: WeightLift) -> str:
    assert plan.blocked is not None  # a plan that moves has no reason not to
    if plan.blocked is Blocked.NOT_ONCE:
        return f"`call` does not run `{plan.method.name.value}` exactly once"
    if plan.blocked is Blocked.REBOUND:
        return f"`{plan.local}` is assigned more than once"
    if plan.blocked is Blocked.PLACEMENT and plan.placement is not None:
        return plan.placement.reason
    return _WHY_NOT[plan.blocked]


_WHY_NOT = {
    Blocked.IN_LOOP: "it is made in a loop or a nested function",
    Blocked.NO_INITIALIZER: "its initial value maps to no shape and initializer",
    Blocked.NO_INPUT_SHAPE: "`build` takes no input shape",
}
