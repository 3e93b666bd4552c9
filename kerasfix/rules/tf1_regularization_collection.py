"""KF113: the TF1 regularization collection read inside a Keras layer or model."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..edits import DropImport, Edit, Fix, Replace, Safety
from ..triggers import Trigger
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, self_name
from .calls import comments_in

DOC = """\
## What it does
Finds, in a method of a Keras layer or model, the TF1 ways of reading the regularization
losses: `tf.compat.v1.losses.get_regularization_loss()`,
`tf.compat.v1.losses.get_regularization_losses()` and
`tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES)`, and their TF1
spellings `tf.losses....` / `tf.get_collection(...)` (under any import alias). It rewrites them
as `sum(self.losses)` and `list(self.losses)`.

## Why is this bad?
Under TF 2 nothing fills the TF1 collection: Keras layers keep their `kernel_regularizer=`
penalties in `self.losses`. Measured on TF 2.21, on Keras 3 and on tf_keras, in `call` and in a
custom `train_step` run by `fit` (eager and in `tf.function`): `get_regularization_loss()`
returns 0.0, `get_regularization_losses()` and the collection return `[]`, while
`self.losses` holds the penalty. The regularization term a legacy model adds to its loss
silently becomes 0. The TF1 spellings (`tf.losses.get_regularization_loss`,
`tf.get_collection`) do not exist in TF 2 (AttributeError on both lines), and the
`tf.compat.v1` spelling that `tf_upgrade_v2` gives them returns the 0.

## Example
```python
class Classifier(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compiled_loss(y, self(x, training=True))
            loss += tf.compat.v1.losses.get_regularization_loss()
```

## Use instead
```python
            loss += sum(self.losses)
```
`get_regularization_losses()` and the collection become `list(self.losses)`. There is no fix
when the call passes a `scope` (or any argument but the collection's key: `self.losses` has no
scope to filter on), in a static or class method (no `self`), or when a comment sits inside the
call (the replacement has no place for it).

## Fix safety
Unsafe: the fix changes what the model computes, on purpose. The term comes back, and a
person checks that it is wanted once: `fit` (and Keras 3's `compute_loss`) already adds
`self.losses` to the loss, so a value passed on to `add_loss` or to a compiled loss is then
counted twice. The TF1 collection held every regularizer of the graph; `self.losses` holds the
layer's own and its sublayers'. With no regularizer at all, `sum(self.losses)` is the Python
`0`, not a float32 tensor 0.0 (`tf.add_n` of the empty list raises ValueError, measured on both
lines).
"""

VALID = (
    """\
import tensorflow as tf


class Classifier(tf.keras.Model):
    def call(self, x):
        return self.dense(x) + sum(self.losses)
""",
    """\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features, 2)
    loss = tf.compat.v1.losses.softmax_cross_entropy(labels, logits)
    return loss + tf.compat.v1.losses.get_regularization_loss()
""",
    """\
import tensorflow as tf


class Classifier(tf.keras.Model):
    def call(self, x):
        tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.UPDATE_OPS)
        return self.dense(x)
""",
)

INVALID = (
    """\
import tensorflow.compat.v1 as tf1


class Classifier(tf1.keras.Model):
    def call(self, x):
        return self.dense(x) + tf1.losses.get_regularization_loss()
""",
    """\
import tensorflow as tf


class Classifier(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compiled_loss(y, self(x, training=True))
            loss += tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
        return self.apply(tape, loss)
""",
)

# canonical names (see keras_api): TF1's spellings, and the tf.compat.v1 ones tf_upgrade_v2 gives
_LOSS = frozenset({"tf.losses.get_regularization_loss", "tf.compat.v1.losses.get_regularization_loss"})
_LOSSES = frozenset({"tf.losses.get_regularization_losses", "tf.compat.v1.losses.get_regularization_losses"})
_COLLECTION = frozenset({"tf.get_collection", "tf.compat.v1.get_collection", "tf.python.framework.ops.get_collection"})
_KEY = "GraphKeys.REGULARIZATION_LOSSES"
# spellings TF 2 still has (the others raise AttributeError); all return the empty collection
_STILL_IN_TF2 = ("tf.compat.v1.", "tf.python.")
_KEY_VALUE = "regularization_losses"  # the string GraphKeys.REGULARIZATION_LOSSES stands for

KF113 = Rule(
    code="KF113",
    name="tf1-regularization-collection",
    summary="the TF1 regularization collection read in a Keras layer",
    finds="`tf.compat.v1.losses.get_regularization_loss()` and kin (0 or `[]` on both lines)",
    fixed_by="`sum(self.losses)` / `list(self.losses)`, unsafe; report only with a `scope`",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.UNSAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(resolved_calls=_LOSS | _LOSSES | _COLLECTION),
    help=("read the layer's own `self.losses` instead of the collection: Keras keeps there the loss of each "
          "`add_weight(regularizer=...)` and `add_loss(...)`"),
)


class Tf1RegularizationCollection(RuleFamily):
    rules = (KF113,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            for name, method in cls.methods.items():
                for call in cls.nodes_of(name, cst.Call):
                    finding = _finding(ctx, method, call)
                    if finding:
                        yield finding


def _finding(ctx: Context, method: cst.FunctionDef, call: cst.Call) -> Finding | None:
    resolved = ctx.resolve(call.func) or ""
    if resolved in _COLLECTION:
        if not call.args or not _is_regularization_key(ctx, call.args[0].value):
            return None
        extra = len(call.args) > 1
    elif resolved in _LOSS | _LOSSES:
        extra = bool(call.args)
    else:
        return None
    total = resolved in _LOSS
    name = resolved.rsplit(".", 1)[-1]
    returns = "0" if total else "[]"
    me = None if extra or _has_no_self(method) else self_name(method)
    by_hand = me is not None and bool(comments_in(call))  # no place for it in the replacement
    replacement = f"sum({me}.losses)" if total else f"list({me}.losses)"
    if resolved.startswith(_STILL_IN_TF2):
        lost = f"the TF1 collection is empty under TF 2: `{name}` returns {returns} on Keras 3 and tf_keras"
    else:
        lost = (f"`{resolved}` does not exist in TF 2 (AttributeError on Keras 3 and tf_keras) and its "
                f"tf.compat.v1 spelling returns {returns}")
    if by_hand:
        action = f"`{replacement}` holds them (by hand: the call holds a comment)"
    elif me:
        action = f"`{replacement}` holds them"
    elif extra:
        action = "`self.losses` holds the layer's own, with no scope to filter on"
    else:
        action = "`self.losses` holds them, read in a method with a `self` (this one has none)"
    message = f"{lost}, so the regularization penalties are lost; {action}"
    fix = Fix(_edits(call, replacement), Safety.UNSAFE) if me and not by_hand else None
    return Finding(KF113.code, call, message, fix)


def _edits(call: cst.Call, replacement: str) -> tuple[Edit, ...]:
    """The call replaced; the name it was imported under dropped when nothing else reads it."""
    replace = Replace(call, cst.parse_expression(replacement))
    return (replace, DropImport(call.func.value)) if isinstance(call.func, cst.Name) else (replace,)


def _is_regularization_key(ctx: Context, key: cst.BaseExpression) -> bool:
    if isinstance(key, cst.SimpleString):
        return key.evaluated_value == _KEY_VALUE
    resolved = ctx.resolve(key) or ""
    return resolved.startswith("tf.") and resolved.endswith(_KEY)


def _has_no_self(method: cst.FunctionDef) -> bool:
    """A static or class method: its first parameter (if any) is not the layer."""
    names = {d.decorator.value for d in method.decorators if isinstance(d.decorator, cst.Name)}
    return bool(names & {"staticmethod", "classmethod"}) or not (method.params.params or method.params.posonly_params)
