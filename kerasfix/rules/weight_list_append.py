"""KF110: appending to a layer's weight lists; found by the weight walk of `_weights.py`, which it
shares with the other weight rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..triggers import Trigger
from ._weight_folds import Append, Fold, computed_folds
from ._weights import UNSAFE_FOLD, Kind, WeightCall, Worded, unsafe_fold, weight_calls
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, is_self_attribute, self_name, source

DOC = """\
## What it does
Finds `self._trainable_weights.append(...)`, `self.trainable_weights.append(...)` and the
like (`_non_trainable_weights`, `trainable_variables`, `extend`, `insert`) in a Keras layer
or model, and folds the Keras 2 way of registering a weight by hand into one `add_weight`.

## Why is this bad?
It was how Keras 1 and 2 code registered a variable made outside `add_weight`. Measured on
TF 2.21: `self._trainable_weights` no longer exists on Keras 3 (AttributeError), and
`self.trainable_weights` is a fresh list on both Keras lines, so appending to it does
nothing at all; the variable is never trained.

## Example
```python
    def build(self, input_shape):
        self.beta = K.variable(self.beta, dtype=K.floatx(), name="beta")
        if self.trainable:
            self._trainable_weights.append(self.beta)
```

## Use instead
```python
    def build(self, input_shape):
        self.beta = self.add_weight(name="beta", shape=(), initializer=tf.constant_initializer(self.beta),
                                    dtype=K.floatx(), trainable=self.trainable)
```
The fix does exactly that when `self.x = K.variable(...)` or `self.x = tf.Variable(...)` is
followed, in the same block, by `self._trainable_weights.append(self.x)` (`trainable=True`),
`self._non_trainable_weights.append(self.x)` (`trainable=False`), or such an append as the
whole body of an `if` right after the creation (`trainable=<the condition>`; the condition
is evaluated in the same order as before). The variable's value must map to a shape and an
initializer as KF102 and KF109 map it; a value that is an attribute every assignment of
which in the class is a number (a literal, a parameter defaulting to one, `float(...)`)
becomes `shape=()` with a constant initializer (`tf.constant_initializer`, or
`keras.initializers.Constant`, imported from the Keras the module uses when nothing can spell
it). A comment on the append moves to the next statement.

Assigning the private lists is folded the same way: `self._trainable_weights = [self.a,
self.b]` (or `self._non_trainable_weights = [...]`, or `+=`) where each listed variable is
made by `tf.Variable` or `K.variable` before it in the same block, in the list's order, and
nothing else in the class uses the list: each becomes `add_weight(..., trainable=True)` (or
`False`) and the assignment goes. Measured on TF 2.21: Keras 3 ignores `=` with no error (a
`tf.Variable` only listed there is not tracked, and a weight `add_weight` made keeps its own
trainability whichever list it is put in) and `+=` raises AttributeError; tf_keras tracks what
the list holds, and `=` drops from it the weights made before.

## When there is no fix
The append is reported, with the reason it was not folded: the variable is not made just
before it in the same block, code in between uses it, the `if` does not directly follow the
creation, it is appended more than once, its value maps to no initializer, the creation
already says `trainable=`, or its comment has nowhere to go. A list assignment is not
folded when an element is not such a variable (an `add_weight` weight, a local name), the list
is in another order than the variables are made (add_weight would reorder the weights), the
list is used elsewhere in the class (it is gone on Keras 3 once the assignment is), a variable
is made in a variable scope, or `=` comes after another weight made in `__init__` or `build`
(tf_keras dropped that weight; add_weight would keep it). An empty list loses nothing and is
not reported. Appends to the public `trainable_weights` (a no-op on both Keras lines today)
are reported only; KF102 and KF109 still rewrite the variable itself.

## Fix safety
Safe when the append decided what the original trained: an unconditional append to
`_trainable_weights`, or any append in code whose `K.variable` comes from the multi-backend
Keras 2 (standalone `keras`), which trained only what the lists held. Unsafe, with the
reason, for a conditional or `_non_trainable_weights` append of a `tf.Variable` or a tf.keras
`K.variable`: tf.keras 2 also tracked the variable as an attribute and trained it whatever
the append said (tf_keras still does, measured), so `trainable=` follows the author's intent
and not what tf.keras did. The same for a list assignment: safe for `_trainable_weights`,
unsafe for `_non_trainable_weights` of a variable tf.keras tracked (measured: tf_keras lists it
in both and trains it).
"""

VALID = (
    """\
import tensorflow as tf


class Norm(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.beta = self.add_weight(name="beta", shape=(), trainable=self.trainable)
        self.history = []
        self.history.append(self.beta)
""",
    """\
import tensorflow as tf


class Reset(tf.keras.layers.Layer):
    def build(self, input_shape):
        self._non_trainable_weights = []
        self.trainable_list = [self.add_weight(name="w", shape=())]
""",
)

INVALID = (
    """\
import tensorflow as tf


from tensorflow.keras import backend as K


class Norm(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.beta = K.variable(0.5, name="beta")
        self._trainable_weights.append(self.beta)
""",
)

KF110 = Rule(
    code="KF110",
    name="weight-list-append",
    summary="appending to a layer's weight lists",
    finds=(
        "`self._trainable_weights.append(...)` (AttributeError on Keras 3), "
        "`self.trainable_weights.append(...)` (a no-op), `self._trainable_weights = [...]` (ignored on Keras 3)"
    ),
    fixed_by=(
        "folded with the variable made just before (an assignment of the list: with each variable it lists) "
        "into one `add_weight(..., trainable=...)`, safe (unsafe where tf.keras trained it anyway)"
    ),
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe, or unsafe as the page says",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(appends_to=api.WEIGHT_LISTS, assigns=api.PRIVATE_WEIGHT_LISTS),
    help=("make the weight with `self.add_weight(name=..., shape=..., initializer=..., trainable=...)`, which "
          "tracks it, and delete the append"),
)


class WeightListAppend(RuleFamily):
    rules = (KF110,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from _assignments(ctx)
        for fact in weight_calls(ctx):
            if fact.kind is Kind.LIST_APPEND:
                assert fact.weights is not None  # an append names its list
                # Keras's private lists are tf_keras's own (model-optimization's wrappers extend them on
                # purpose, measured fine there): the AttributeError is Keras 3's only
                lines = frozenset({"3"}) if fact.weights.startswith("_") else None
                yield replace(_worded(fact).finding(KF110.code, fact.call), lines=lines)


def _worded(fact: WeightCall) -> Worded:
    assert fact.weights is not None  # an append names its list
    fold = fact.fold
    if fold is None:
        effect = ("raises AttributeError on Keras 3" if fact.weights.startswith("_")
                  else "does nothing on either Keras line (the list is a fresh copy)")
        reason = f" (not folded: {fact.why_not_folded})" if fact.why_not_folded else ""
        return Worded(f"appending to `self.{fact.weights}` {effect}; make the weight with "
                      f"`self.add_weight(..., trainable=...)`, which tracks it, and drop this line{reason}")
    note = UNSAFE_FOLD if fold.unsafe else ""
    message = (f"appending to `{fold.me}.{fold.append.weights}` raises AttributeError on Keras 3; fold it into "
               f"the `add_weight` that makes `{fold.me}.{fold.append.attr}`, with `trainable={source(fold.value)}`"
               f"{note}")
    if fold.fix_else is fold.fix or fold.scope is None:
        return Worded(message, fold.fix)
    return Worded(message, fold.fix, fold.scope.needs, Worded(message, fold.fix_else))


def _assignments(ctx: Context) -> Iterator[Finding]:
    """`self._trainable_weights = [...]` (or `_non_trainable_weights`): Keras 3 ignores it
    silently (measured: a tf.Variable only listed there is not tracked, an add_weight weight
    listed in the other list keeps its own trainability; no error; `+=` raises AttributeError);
    tf_keras tracks what it holds. Folded when `_weight_folds.list_folds` can."""
    weight_calls(ctx)  # the folds, computed by the weight walk
    for cls in ctx.keras_classes:
        for name, func in cls.methods.items():
            me = self_name(func)
            folded = computed_folds(ctx, cls, name)
            for node in cls.nodes_of(name, (cst.Assign, cst.AugAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                if isinstance(node.value, (cst.List, cst.Tuple)) and not node.value.elements:
                    continue  # an empty list loses nothing (an append to it is reported on its own)
                for target in targets:
                    weights = is_self_attribute(target, me)
                    if weights in api.PRIVATE_WEIGHT_LISTS:
                        yield _assignment(node, target, me, weights, folded.get(id(node)))


def _assignment(node: cst.Assign | cst.AugAssign, target: cst.BaseExpression, me: str, weights: str,
                fold: Fold | tuple[Append, str] | None) -> Finding:
    if isinstance(fold, Fold):
        note = unsafe_fold("assignment") if fold.unsafe else ""
        return Finding(KF110.code, target, (
            f"assigning `{me}.{weights}` {_effect(node)}; fold it into the `add_weight` calls that "
            f"make the variables it lists, with `trainable={source(fold.value)}`{note}"),
            fix=fold.fix, lines=frozenset({"3"}))
    reason = f" (not folded: {fold[1]})" if fold is not None else ""
    return Finding(KF110.code, target, (
        f"assigning `{me}.{weights}` {_effect(node)}: a variable only listed there is not "
        "tracked, and a weight made by `add_weight` keeps the trainability `add_weight` gave it; make each "
        f"weight with `self.add_weight(..., trainable=...)`, which tracks it, and drop this line{reason}"),
        lines=frozenset({"3"}))


def _effect(node: cst.Assign | cst.AugAssign) -> str:
    if isinstance(node, cst.AugAssign):
        return "raises AttributeError on Keras 3 (`+=` reads the list, which Keras 3 does not have)"
    return "is silently ignored on Keras 3"
