"""KF105: `self.add_variable`, which Keras 3 redefined; found by the weight walk of `_weights.py`,
which it shares with the other weight rules."""

from __future__ import annotations

from typing import Iterator

from ..triggers import Trigger
from ._weight_args import convert_add_variable
from ._weights import Kind, Worded, manual_message, unsafe_note, weight_calls
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety

DOC = """\
## What it does
Finds `self.add_variable(...)` calls that do not already mean the same on both Keras lines,
and rewrites them as `self.add_weight(...)` by keyword.

## Why is this bad?
In Keras 2 `add_variable` was a deprecated alias of `add_weight`. Keras 3 reuses the name
for a different function, `add_variable(shape, initializer, ...)`: a legacy
`self.add_variable(name="k", shape=[3])` raises TypeError (no `initializer`), and
`self.add_variable("k", [3])` passes the name as the shape. A call with only keywords,
including `shape` and `initializer`, works on both and is left alone.

## Example
```python
        self.kernel = self.add_variable("kernel", shape=[depth, 4])
```

## Use instead
```python
        self.kernel = self.add_weight(name="kernel", shape=[depth, 4])
```

## Fix safety
Safe: positions are read as Keras 2 read them (it was add_weight's alias there) unless the
call is visibly in Keras 3's order (a shape literal first), and every argument keeps its
meaning.

Unsafe: `aggregation=tf.VariableAggregation.MEAN` (any enum member but `NONE`, which is
dropped). No spelling runs on both lines (measured): Keras 3's add_weight takes only the
strings `"none"`, `"sum"`, `"mean"`, `"only_first_replica"` (ValueError on the enum, and its
add_variable has no `aggregation`: TypeError), tf_keras's add_weight only the enum
(ValueError on the string). The fix writes Keras 3's string, the line this rule's trap breaks;
the message names both spellings. Keep the enum where the project runs on tf_keras.
"""

VALID = (
    """\
import tensorflow as tf


class Dense(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=[input_shape[-1], 4])
""",
)

INVALID = (
    """\
import tensorflow as tf


class Dense(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = self.add_variable("kernel", shape=[input_shape[-1], 4])
""",
)

KF105 = Rule(
    code="KF105",
    # what the trap does on each Keras line ("": nothing); a finding may say its own
    harm={"3": "TypeError (add_variable needs an initializer)", "2": ""},
    name="add-variable-alias",
    summary="`self.add_variable`, which Keras 3 redefined",
    finds="`self.add_variable(...)` (TypeError on Keras 3)",
    fixed_by="`self.add_weight(...)` by keyword, safe; unsafe with an `aggregation` enum (Keras 3's string written)",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe, unsafe with an aggregation enum",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(calls=frozenset({"add_variable"})),
    help="call `self.add_weight(name=..., shape=..., initializer=...)` instead, every argument by keyword",
)


class AddVariableAlias(RuleFamily):
    rules = (KF105,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        what = ("`add_variable` is Keras 3's `add_variable(shape, initializer, ...)`, not Keras 2's alias of "
                "add_weight: this call raises or misplaces its arguments on one Keras line")
        for fact in weight_calls(ctx):
            conversion = convert_add_variable(fact.call) if fact.kind is Kind.ADD_VARIABLE else None
            if conversion is None or conversion.legacy:
                continue  # nothing to change, or a Keras 3 call with legacy keywords: KF107
            if conversion.manual:
                worded = Worded(manual_message(what, conversion.manual))
            else:
                worded = Worded(f"{what}; use `{fact.me}.add_weight` with keyword arguments{unsafe_note(conversion)}",
                                conversion.fix)
            yield worded.finding(KF105.code, fact.call)
