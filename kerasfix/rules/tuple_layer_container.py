"""KF301: Keras layers kept in a tuple attribute, kept in a list instead: the attributes that
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
Finds an attribute of a Keras layer or model that holds Keras layers in a tuple:
`self.blocks = (Dense(4), Dense(2))`, `self.blocks = tuple(Dense(n) for n in sizes)`, or a
tuple grown with `self.blocks += (Dense(4),)`. Layers handed in as arguments count when one
element of the tuple is a parameter known to hold a layer: annotated with a layer class
(`head: Dense`, or the project's own layer class), checked with `isinstance(block,
<layer class>)` in the method, or named for one (`block_layer`, `layers`; not a count such as
`num_layers`): `self.blocks = (block_a, block_b)`. A tuple of other arguments (`(height,
width)`) is left alone.

## Why is this bad?
TensorFlow 1.x and early TF 2 releases did not track layers inside tuples: their weights
never reached `model.weights`, the optimizer never trained them and checkpoints never saved
them, silently. Keras 3 and tf_keras 2.21 both track tuples (measured), so on today's
TensorFlow this rule is about code that must also run on older versions, and about one
spelling for every container. A list is tracked by every Keras version.

## Example
```python
class Tower(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = (tf.keras.layers.Dense(4), tf.keras.layers.Dense(2))
```

## Use instead
```python
        self.blocks = [tf.keras.layers.Dense(4), tf.keras.layers.Dense(2)]
```
`tuple(<generator>)` becomes a list comprehension, `+= (layer,)` becomes `+= [layer]` and
the tuple it starts from, `()`, becomes `[]`.

## Fix safety
Safe when every other use of the attribute inside the class behaves the same on a list:
iterating it, indexing it, slicing it (when the slice is itself used so), its truth
(`if self.blocks:`, `not`, `and`/`or` in a condition), `is None`, unpacking it
(`first, second = self.blocks`), `x in self.blocks`, `.index(...)`/`.count(...)`, unpacking
it into a call or a display (`*self.blocks`), and passing it to `len`, `enumerate`, `zip`,
`list`, `tuple`, `reversed`, `sorted`, `bool` and the like. A use that can tell a list from a
tuple makes the fix unsafe (`--unsafe-fixes`): hashing it (`hash(...)`, a dict key,
`self.blocks in some_set`), `+` with a tuple, `isinstance(..., tuple)`, `==` against a tuple,
`%` formatting, returning it or passing it to any other function. Code outside the class that
reads the attribute is not seen.
"""

VALID = (
    """\
import tensorflow as tf


class Tower(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [tf.keras.layers.Dense(4), tf.keras.layers.Dense(2)]
        self.sizes = (4, 2)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Tower(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = (tf.keras.layers.Dense(4), tf.keras.layers.Dense(2))
""",
)

KF301 = Rule(
    code="KF301",
    name="tuple-layer-container",
    summary="Keras layers kept in a tuple attribute",
    finds="layers kept in a tuple attribute",
    fixed_by=(
        "a list (safe when every use in the class is list-compatible: length, index, truth, iteration, "
        "unpacking, `in`)"
    ),
    fix=FixAvailability.ALWAYS,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe when list-compatible, else unsafe",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(layer_in_container=True, param_in_container=True),
    help="keep the layers in a list: `[...]` where the tuple was written, `list(...)` where it was built",
)


class TupleLayerContainer(RuleFamily):
    rules = (KF301,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for use in container_uses(ctx):
            for site in use.sites:
                if site.kind == "tuple":
                    message = (f"layers kept in a tuple in `self.{use.attr}`: TensorFlow 1.x never tracks their "
                               "weights; keep them in a list")
                    yield Finding(KF301.code, site.target, message, as_list_fix(ctx, use))
