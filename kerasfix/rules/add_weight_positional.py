"""KF104: `self.add_weight` with positional arguments; found by the weight walk of `_weights.py`,
which it shares with the other weight rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import libcst as cst

from ..triggers import Trigger
from ._weight_args import convert_add_weight, shape_first
from ._weights import Kind, Worded, manual_message, unsafe_note, weight_calls
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety

DOC = """\
## What it does
Finds `self.add_weight(...)` called with positional arguments and passes every argument by
keyword.

## Why is this bad?
Keras 2's `add_weight(name, shape, dtype, initializer, ...)` and Keras 3's
`add_weight(shape, initializer, dtype, ..., name=None)` disagree on positions: on Keras 3 the
textbook `self.add_weight("kernel", shape=...)` raises ValueError (name must be a keyword),
and a Keras 3 style `self.add_weight((3, 3), "zeros")` makes tf_keras take the shape for a
name. Only keywords mean the same on both.

## Example
```python
        self.kernel = self.add_weight("kernel", [depth, self.units], tf.float32)
```

## Use instead
```python
        self.kernel = self.add_weight(name="kernel", shape=[depth, self.units], dtype=tf.float32)
```
The positions are read in Keras 2's order (name, shape, dtype, initializer, regularizer,
trainable, constraint) unless the first argument is a list or tuple literal or the second a
string, which only Keras 3's order (shape, initializer, dtype) allows, or the call passes
`name=` beside a single positional argument, which can then only be the shape (whatever the
expression: `self.add_weight(input_shape[-1:], name="gain")` becomes `shape=input_shape[-1:]`). Any name expression
works (`self.prefix + "_w"`, a variable). The same rewrite also drops `trainable=None` and
`use_resource`, renames `experimental_autocast`, and turns `/` into `_` in a literal name
(see KF107).

## When there is no fix
In a class that defines its own `add_weight` (or inherits one from a project class): its
signature is its own, so the call is left alone and not reported.

## Fix safety
Safe: the same arguments, by name.
A weight name the code builds (an f-string with fields, `+`, `%`, `.format()`, `.join()`)
may hold a `/`, which Keras 3 refuses: it becomes `(name).replace("/", "_")`, an unsafe fix
(tf_keras checkpoints see the new name).
"""

VALID = (
    """\
import tensorflow as tf


class Dense(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=[input_shape[-1], 4], dtype=tf.float32)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Dense(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", [input_shape[-1], 4], tf.float32)
""",
)

KF104 = Rule(
    code="KF104",
    # what the trap does on each Keras line ("": nothing); a finding may say its own
    harm={"3": "ValueError (a Layer), TypeError (a Metric)", "2": ""},
    finding_lines=frozenset({"2"}),  # a shape given first: Keras 3's order, a TypeError on tf_keras
    name="add-weight-positional",
    summary="`self.add_weight` with positional arguments",
    finds='`self.add_weight("kernel", ...)` (ValueError on Keras 3)',
    fixed_by="every argument by keyword, safe",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.SAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(add_weight_arguments=True),
    help="pass every argument of `add_weight` by keyword: `self.add_weight(name=..., shape=..., initializer=...)`",
)


class AddWeightPositional(RuleFamily):
    rules = (KF104,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for fact in weight_calls(ctx):
            conversion = convert_add_weight(fact.call) if fact.kind is Kind.ADD_WEIGHT else None
            if conversion is None or conversion.legacy:
                continue  # nothing to change, or only its keywords: KF107
            what, lines = _harm(fact.call)
            if conversion.manual:
                worded = Worded(manual_message(what, conversion.manual))
            else:
                worded = Worded(f"{what}; pass every argument by keyword{unsafe_note(conversion)}", conversion.fix)
            yield replace(worded.finding(KF104.code, fact.call), lines=lines)


def _harm(call: cst.Call) -> tuple[str, frozenset[str]]:
    """Which line the positions break. Keras 3's order (a shape first, or an initializer string
    second) is right on Keras 3 and a TypeError on tf_keras ("can only concatenate tuple (not
    "str") to tuple", measured); Keras 2's (a name first) is right on tf_keras, and on Keras 3
    a ValueError in a Layer, a TypeError in a Metric (measured)."""
    if shape_first(call):
        return ("`add_weight` with a positional shape first: right on Keras 3, but tf_keras reads the shape as "
                "the name (TypeError)"), frozenset({"2"})
    return ("`add_weight` with positional arguments: Keras 3 raises on a positional name, "
            "tf_keras reads a positional shape as the name"), frozenset({"3"})
