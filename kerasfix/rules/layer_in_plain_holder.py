"""KF305: Keras layers stored on a plain object that a Keras layer holds."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..triggers import Trigger
from .base import (Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, dotted,
                   is_self_attribute, self_name)

DOC = """\
## What it does
Finds Keras layers that a Keras layer or model keeps on a plain object rather than on itself
or in a list or dict: `self.parts = types.SimpleNamespace(d=Dense(2))`, or
`self.parts.d = Dense(2)` where `self.parts` is a `SimpleNamespace`, an `argparse.Namespace`
or an instance of one of the project's classes that is neither a Keras layer nor a
`tf.Module`. Report only.

## Why is this bad?
Keras looks for sub-layers in the attributes of the layer itself, and inside the lists, tuples
and dicts held there; it does not look inside other objects. The layers' weights never reach
`layer.weights`: an optimizer given `model.trainable_variables` never trains them and a
checkpoint never saves them, on Keras 3 and tf_keras alike (measured: 0 of 2 weights on both
lines). Nothing raises.

## Example
```python
class Block(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.parts = types.SimpleNamespace(proj=tf.keras.layers.Dense(2))

    def call(self, x):
        return self.parts.proj(x)
```

## Use instead
```python
class Block(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.parts = {"proj": tf.keras.layers.Dense(2)}

    def call(self, x):
        return self.parts["proj"](x)
```

## Fix safety
No automatic fix: every read of the holder's attributes must change with it (`self.parts.proj`
becomes `self.parts["proj"]`), or the holder's class must become a Keras layer, and which is
right is the project's call.
"""

VALID = (
    """\
import types

import tensorflow as tf


class Block(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.parts = {"proj": tf.keras.layers.Dense(2)}
        self.config = types.SimpleNamespace(units=2)

    def call(self, x):
        return self.parts["proj"](x)
""",
)

INVALID = (
    """\
import types

import tensorflow as tf


class Block(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.parts = types.SimpleNamespace(proj=tf.keras.layers.Dense(2))

    def call(self, x):
        return self.parts.proj(x)
""",
)


KF305 = Rule(
    code="KF305",
    name="layer-in-plain-holder",
    summary="Keras layers kept on a plain object (`SimpleNamespace`, a non-layer class) held by a layer",
    finds="layers kept on a `SimpleNamespace` or a plain object a layer holds (lost on both lines)",
    fixed_by="report: a dict, or make the holder a layer",
    fix=FixAvailability.NEVER,
    safety=RuleSafety.NONE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(resolved_calls=api.NAMESPACE_HOLDERS, nested_assign=True),
    help=("keep the layers on the layer itself, in a dict (`self.parts = {\"name\": layer}`) or a list, or make "
          "the holder's class a `tf.keras.layers.Layer`"),
)

NAMESPACES = api.NAMESPACE_HOLDERS


class LayersInPlainHolders(RuleFamily):
    rules = (KF305,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            holders = _plain_holders(ctx, cls)
            for method, func in cls.methods.items():
                me = self_name(func)
                for node in cls.method_nodes[method]:
                    if type(node) is cst.Call and ctx.resolve(node.func) in NAMESPACES:  # see syntax.of_kind
                        if any(_is_layer(ctx, arg.value) for arg in node.args):
                            yield _finding(node, "a `SimpleNamespace`")
                    elif type(node) is cst.Assign and _is_layer(ctx, node.value):
                        for target in node.targets:
                            holder = _holder_of(target.target, me)
                            if holder in holders:
                                yield _finding(node.value, f"`self.{holder}`, {holders[holder]}")


def _is_layer(ctx: Context, node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Call) and ctx.is_layer_class(node.func)
            and not api.is_weightless_layer(ctx.resolve(node.func) or ""))


def _holder_of(target: cst.BaseExpression, me: str) -> str | None:
    """`parts` for a target `self.parts.<name>`."""
    return is_self_attribute(target.value, me) if isinstance(target, cst.Attribute) else None


def _plain_holders(ctx: Context, cls: KerasClass) -> dict[str, str]:
    """`self.<name>` assigned a namespace or an instance of a project class that is neither a
    Keras layer nor a tf.Module -> what it is, as messages say it."""
    holders: dict[str, str] = {}
    for method, func in cls.methods.items():
        me = self_name(func)
        for node in cls.method_nodes[method]:
            if not (type(node) is cst.Assign and isinstance(node.value, cst.Call)):  # see syntax.of_kind
                continue
            kind = _plain_kind(ctx, node.value.func)
            for target in node.targets:
                name = is_self_attribute(target.target, me)
                if name and kind:
                    holders.setdefault(name, kind)
    return holders


def _plain_kind(ctx: Context, func: cst.BaseExpression) -> str | None:
    if ctx.resolve(func) in NAMESPACES:
        return "a `SimpleNamespace`"
    chain = dotted(func)
    qualified = ctx.imports.qualify_dotted(chain) if chain else None
    record = ctx.index.records.get(qualified) if qualified else None
    if record is not None and not record.bases:
        return f"a plain `{chain}`"  # no base at all: neither a layer nor a module, whatever it holds
    return None


def _finding(node: cst.CSTNode, holder: str) -> Finding:
    return Finding(KF305.code, node, (
        f"a Keras layer kept on {holder}: Keras looks for layers only on the layer itself and in its lists "
        "and dicts, so no Keras tracks its weights; keep it in a dict (`self.parts = {\"name\": layer}`) or "
        "make the holder a Keras layer"))
