"""KF302: Keras layers kept in a set attribute, kept in a list instead: the attributes that
hold layers in a tuple or a set come from `_containers.py` (`container_uses`), with the fix
that makes one attribute a list at all its sites (shared with the rule of the other container).
"""

from __future__ import annotations

from typing import Iterator

from ..triggers import Trigger
from ._containers import as_list_fix, container_uses
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety

DOC = """\
## What it does
Finds an attribute of a Keras layer or model that holds Keras layers in a set:
`self.heads = {Dense(1), Dense(2)}` or `self.heads = set(Dense(n) for n in sizes)`.

## Why is this bad?
tf_keras 2 (`TF_USE_LEGACY_KERAS=1`, and every `tf.keras` before TF 2.16) does not track
layers inside a set: `model.weights` misses them, the optimizer never trains them and a
checkpoint never saves them, with no error (measured on tf_keras 2.21). A set's iteration
order also changes from run to run, so layers applied in sequence from a set may run in a
different order each time.

## Example
```python
class Heads(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.heads = {tf.keras.layers.Dense(1), tf.keras.layers.Dense(2)}
```

## Use instead
```python
        self.heads = [tf.keras.layers.Dense(1), tf.keras.layers.Dense(2)]
```

## Fix safety
Safe when every other use of the attribute inside the class behaves the same on a list:
iterating it, its truth, `len`, `x in self.heads`, `is None`, unpacking it, and passing it to
`list`, `set`, `sorted`, `zip`, `enumerate`, `sum`, `any` and the like. A set of freshly
built layers holds no duplicates, and its order was arbitrary, so source order is one of the
orders the program could already see. Any other use (`.add`, set operators, `==`, hashing it,
returning it or passing it to another function) makes the fix unsafe. Code outside the class
that reads the attribute is not seen.
"""

VALID = (
    """\
import tensorflow as tf


class Heads(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.heads = [tf.keras.layers.Dense(1), tf.keras.layers.Dense(2)]
        self.names = {"start", "end"}
""",
)

INVALID = (
    """\
import tensorflow as tf


class Heads(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.heads = {tf.keras.layers.Dense(1), tf.keras.layers.Dense(2)}
""",
)

KF302 = Rule(
    code="KF302",
    # what the trap does on each Keras line ("": nothing); a finding may say its own
    harm={"3": "", "2": "the layers in the set are lost"},
    name="set-layer-container",
    summary="Keras layers kept in a set attribute",
    finds="layers kept in a set attribute (lost by tf_keras 2)",
    fixed_by="a list (safe when every use in the class is list-compatible)",
    fix=FixAvailability.ALWAYS,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe when list-compatible, else unsafe",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(layer_in_container=True, param_in_container=True),
    help=("keep the layers in a list: `[...]` where the set was written, `list(...)` where it was built; test "
          "membership on the list where the code did on the set"),
)


class SetLayerContainer(RuleFamily):
    rules = (KF302,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for use in container_uses(ctx):
            for site in use.sites:
                if site.kind == "set":
                    message = (f"layers kept in a set in `self.{use.attr}`: tf_keras 2 never tracks their weights; "
                               "keep them in a list")
                    yield Finding(KF302.code, site.target, message, as_list_fix(ctx, use))
