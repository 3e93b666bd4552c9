"""KF107: an `add_weight` argument Keras 3 rejects or misreads; found by the weight walk of
`_weights.py`, which it shares with the other weight rules."""

from __future__ import annotations

from typing import Iterator

from ..triggers import Trigger
from ._weight_args import convert_add_variable, convert_add_weight
from ._weights import Kind, Worded, manual_message, unsafe_note, weight_calls
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety

DOC = """\
## What it does
Finds keyword `add_weight` calls with arguments Keras 3 rejects or reads differently:
`trainable=None`, `use_resource=...`, `experimental_autocast=...`, a `/` in a literal name,
and `aggregation`/`synchronization` given as enums.

## Why is this bad?
Measured on Keras 3: `trainable=None` silently makes the weight non-trainable (tf_keras
read it as True), so the optimizer never trains it; `use_resource` and
`experimental_autocast` raise TypeError; a `/` in the name raises ValueError; an
`aggregation` enum raises ValueError (Keras 3 wants a string, tf_keras an enum).

## Example
```python
        self.w = self.add_weight(name="dense/w", shape=[4], trainable=None, use_resource=True,
                                 experimental_autocast=False)
```

## Use instead
```python
        self.w = self.add_weight(name="dense_w", shape=[4], autocast=False)
```

## When there is no fix
A non-default `aggregation` or `synchronization` enum: no single spelling works on both Keras
lines (Keras 3's `add_weight` has no `synchronization` at all: TypeError), so the finding asks
a person to choose.

## Fix safety
Safe: `trainable=None` meant trainable; resource variables are the only kind in TF 2;
`autocast` is the same switch under its current name. Renaming `a/b` to `a_b` changes only
the name, which name-based TF1 checkpoints would notice.
"""

VALID = (
    """\
import tensorflow as tf


class Gate(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(name="gate_w", shape=[4], trainable=False)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Gate(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(name="gate/w", shape=[4], trainable=None)
""",
)

KF107 = Rule(
    code="KF107",
    # what the trap does on each Keras line ("": nothing); a finding may say its own
    harm={"3": "TypeError or ValueError, or a non-trainable weight", "2": ""},
    name="add-weight-legacy-argument",
    summary="an `add_weight` argument Keras 3 rejects or misreads",
    finds="`trainable=None` (non-trainable on Keras 3), `use_resource`, `experimental_autocast`, `/` in a name",
    fixed_by="portable arguments, safe",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.SAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(calls=frozenset({"add_variable"}), add_weight_arguments=True),
    help=("call `self.add_weight(name=..., shape=..., initializer=..., regularizer=..., trainable=...)` with "
          "only the arguments Keras 3 takes, by keyword"),
)


class AddWeightLegacyArgument(RuleFamily):
    rules = (KF107,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for fact in weight_calls(ctx):
            if fact.kind is Kind.ADD_WEIGHT:
                conversion = convert_add_weight(fact.call)
            elif fact.kind is Kind.ADD_VARIABLE:
                conversion = convert_add_variable(fact.call)
            else:
                continue
            if conversion is None or not conversion.legacy:
                continue  # nothing to change, or positional arguments: KF104, KF105
            what = f"`{fact.kind.value}` arguments that Keras 3 rejects or misreads: {'; '.join(conversion.problems)}"
            if conversion.manual:
                worded = Worded(manual_message(what, conversion.manual))
            else:
                worded = Worded(what + unsafe_note(conversion), conversion.fix)
            yield worded.finding(KF107.code, fact.call)
