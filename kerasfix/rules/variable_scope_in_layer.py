"""KF108: a TF1 variable scope around a layer's weights; it reads the scopes through
`_weight_scopes.py`. Its fix needs the weight calls inside rewritten by the same run: it
declares them (`Finding.needs`), and the engine reports the scope for a person when a run
does not rewrite them."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..edits import Fix, Replace, Safety
from ..triggers import Trigger
from ._weight_scopes import makes_weights, manual_reasons, scope_unsafe_reason, variable_scope_call
from ._weights import Worded, manual_message
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, self_name, walk_no_nested_scopes
from .calls import comments_in

DOC = """\
## What it does
Finds `with tf.variable_scope(...)` / `with tf.compat.v1.variable_scope(...)` blocks that make
weights in the `__init__`, `build` or helper methods of a Keras layer, once the weights
inside are (or this run makes them) `add_weight` calls, and removes the block, keeping its
body (one level less indented) and every comment.

## Why is this bad?
Keras ignores variable scopes for the weights a layer makes with `add_weight` (Keras 3 names
a weight `layer/w` whatever the scope), and `tf.variable_scope` does not exist in TF 2
(AttributeError). The scope only served TF1 variables.

## Example
```python
    def build(self, input_shape):
        with tf.compat.v1.variable_scope("proj"):
            self.w = self.add_weight(name="w", shape=[input_shape[-1], 4])
```

## Use instead
```python
    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=[input_shape[-1], 4])
```
Where the block still holds `get_variable` calls, KF101 rewrites them first and this fix
follows in the same run.

## When there is no fix
The scope sets defaults for its variables (`initializer=`, `regularizer=`, `dtype=`, ...),
its `as` name is used, or it still holds TF1 variables or layers that cannot be fixed: the
finding says which.

## Fix safety
Safe when the block holds only weight creation (after this run's fixes), plain assignments
and calls that make no variable, whatever `reuse=` says: in TF 2 a variable scope shares
nothing (measured on both Keras lines: under `reuse=True` and `tf.compat.v1.AUTO_REUSE`
alike, `get_variable` makes a new variable), and `tf.variable_scope` / `tf.AUTO_REUSE` raise
AttributeError, so a run that fixed the weights but kept the scope would leave a file that
still fails. Also safe without `reuse=` (or with `reuse=None`/`False`) around other code
that makes no variable.

Unsafe, with the reason in the message:
- a call in the block that kerasfix cannot see into: anything but the weight calls it
  rewrites, builtins, numpy, string and list methods, initializers, Keras layer
  constructors and the TF ops listed in `keras_api.SCOPE_FREE_TF_OPS`. A library's own
  variable factory (t3f's `get_variable`) names its TF1 variables from the scope: without it
  they lose the scope's prefix, and two such layers in a TF1 graph raise ValueError
  ("Variable matrix/left already exists", measured on both lines). The weight calls inside are
  still fixed alone (the scope stays around them), as t3f's maintainers did.
- `reuse=True` (or any value but `AUTO_REUSE`, `None`, `False`): in TF1 the scope found its
  variables made by another scope of that name, outside the layer; add_weight gives the
  layer its own. Share the weight by passing the other owner's variable, or accept new ones.
- `reuse=AUTO_REUSE` around code other than weight creation (a sub-layer's `build`, a call):
  that code's TF1 variables may have been shared.

The weight calls inside such a scope (KF101, KF102, KF109) are unsafe too: the default run
leaves the block as it was rather than half-fixed. So are those inside a `tf.variable_scope`
(gone in TF 2) that a person must remove (see "When there is no fix"): fixed alone, they
would leave a file that still raises AttributeError. Name-based TF1 checkpoints will see new
variable names.
"""

VALID = (
    """\
import tensorflow as tf


class Projection(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=[input_shape[-1], 4])

    def call(self, x):
        with tf.compat.v1.variable_scope("proj"):
            return tf.matmul(x, self.w)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Projection(tf.keras.layers.Layer):
    def build(self, input_shape):
        with tf.compat.v1.variable_scope("proj"):
            self.w = self.add_weight(name="w", shape=[input_shape[-1], 4])
""",
)

KF108 = Rule(
    code="KF108",
    name="variable-scope-in-layer",
    summary="a TF1 variable scope around a layer's weights",
    finds="`with tf.compat.v1.variable_scope(...)` around the weights",
    fixed_by=(
        "remove the block, keep its body, safe when it only makes weights, whatever `reuse=` says; unsafe "
        "with `reuse=True` (TF1 sharing) or a call that may name variables from the scope"
    ),
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe, unsafe with reuse=True or a call it cannot see into",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(scoped_weights=True),
    help=("delete the `with` line of the variable scope and dedent its body; name each weight with "
          "`add_weight(name=...)`, and where the scope's `as` name is read, use `self.name`"),
)


class VariableScopeInLayer(RuleFamily):
    rules = (KF108,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            for name, func in cls.methods.items():
                if name in cls.setup_methods:  # elsewhere only the weights inside are reported
                    yield from _variable_scopes(ctx, func, self_name(func))


def _variable_scopes(ctx: Context, func: cst.FunctionDef, me: str) -> Iterator[Finding]:
    for node in walk_no_nested_scopes(func.body):
        if not isinstance(node, cst.With):
            continue
        call = variable_scope_call(ctx, node)
        if call is None or not makes_weights(ctx, node.body, me):
            continue  # a scope around other work is not this rule's business
        what = ("a TF1 variable scope in a Keras layer: Keras ignores it for `add_weight` "
                "and `tf.variable_scope` is gone in TF 2")
        manual = manual_reasons(ctx, node, call, me)
        # with the weight calls inside (`needs`) left as they are, a person removes the scope
        otherwise = Worded(manual_message(what, manual.otherwise)) if manual.needs else None
        if manual.reasons:
            worded = Worded(manual_message(what, manual.reasons), None, manual.needs, otherwise)
        else:
            unsafe = scope_unsafe_reason(ctx, node, call, me)
            fix = Fix((Replace(node, _unwrap_with),), Safety.UNSAFE if unsafe else Safety.SAFE)
            note = f" (unsafe: {unsafe})" if unsafe else ""
            worded = Worded(f"{what}; remove it and keep its body{note}", fix, manual.needs, otherwise)
        yield worded.finding(KF108.code, node)


def _unwrap_with(updated: cst.With) -> cst.FlattenSentinel[cst.BaseStatement]:
    """The body of a `with` block in its place, one level less indented, comments kept."""
    assert isinstance(updated.body, cst.IndentedBlock)  # a one-line `with` is left to a person
    body: list[cst.BaseStatement] = list(updated.body.body)
    leading = list(updated.leading_lines)
    header = updated.with_changes(leading_lines=[], body=cst.IndentedBlock(body=[], header=updated.body.header))
    leading.extend(cst.EmptyLine(comment=c) for c in comments_in(header))  # the scope's own lines
    first = body[0]
    assert isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement))  # every statement is one
    body[0] = first.with_changes(leading_lines=leading + list(first.leading_lines))
    return cst.FlattenSentinel(body)
