"""KF111: a `tf.Module` (not a Keras layer) held by a Keras layer or model."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..triggers import Trigger
from .base import Context, Finding, KerasClass, Rule, RuleFamily, dotted, is_self_attribute, self_name

DOC = """\
## What it does
Finds a Keras layer or model that builds an instance of a `tf.Module` subclass (the
project's own, or a library's such as Sonnet's `snt.Module`) and keeps it on itself
(`self.affine = Affine(3)`, alone or in a list or dict). Report only.

## Why is this bad?
On tf_keras 2 a Keras layer is itself a `tf.Module` and finds the variables of the modules it
holds. On Keras 3 (every `tf.keras` since TF 2.16) it does not: `layer.weights` misses them, an
optimizer given `model.trainable_variables` never trains them and a checkpoint of the model
never saves them (measured: 0 of 1 weights on Keras 3, 1 of 1 on tf_keras). Nothing raises.

## Example
```python
class Affine(tf.Module):
    def __init__(self, depth):
        super().__init__()
        self.w = tf.Variable(tf.ones([depth, depth]))

    def __call__(self, x):
        return x @ self.w


class Block(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.affine = Affine(3)

    def call(self, x):
        return self.affine(x)
```

## Use instead
```python
class Affine(tf.keras.layers.Layer):
    def __init__(self, depth, **kwargs):
        super().__init__(**kwargs)
        self.w = self.add_weight(name="w", shape=[depth, depth], initializer="ones")

    def call(self, x):
        return x @ self.w
```

## Fix safety
No automatic fix, because there are three ways out and the choice is the project's: make the
module a Keras layer (its `__call__` becomes `call`, its `tf.Variable`s become `add_weight`,
which KF102 then does), register copies of its variables with `add_weight`, or stay on
tf_keras (`TF_USE_LEGACY_KERAS=1`). A module that only creates `tf.Variable`s in its
`__init__` is the easy case: change its base and rename `__call__` to `call`, and kerasfix does
the rest.
"""

KF111 = Rule(
    code="KF111",
    name="tf-module-in-layer",
    summary="a `tf.Module` kept by a Keras layer (its variables are lost on Keras 3)",
    fix="never",
    safety="none (report only)",
    doc=DOC,
    trigger=Trigger(tf_module=True),
)


class TfModuleInLayer(RuleFamily):
    rules = (KF111,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            for method, func in cls.methods.items():
                me = self_name(func)
                for node in cls.method_nodes[method]:
                    if isinstance(node, cst.Call) and _is_tf_module(ctx, node.func) and _kept(cls, node, me):
                        yield _finding(node)


def _kept(cls: KerasClass, call: cst.Call, me: str) -> bool:
    """The module is kept on the layer: assigned to `self.<name>`, alone or in a list, tuple
    or dict (one built and dropped within a call is another trap: it is remade every call)."""
    node: cst.CSTNode = call
    parent = cls.parents.get(id(node))
    while isinstance(parent, (cst.Element, cst.DictElement, cst.List, cst.Tuple, cst.Dict)):
        node, parent = parent, cls.parents.get(id(parent))
    return isinstance(parent, cst.Assign) and any(is_self_attribute(t.target, me) for t in parent.targets)


def _is_tf_module(ctx: Context, func: cst.BaseExpression) -> bool:
    chain = dotted(func)
    qualified = ctx.imports.qualify_dotted(chain) if chain else None
    return qualified is not None and ctx.index.is_tf_module(qualified)


def _last_name(func: cst.BaseExpression) -> str:
    return func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")


def _finding(call: cst.Call) -> Finding:
    name = _last_name(call.func)
    return Finding(KF111.code, call, (
        f"`{name}` is a `tf.Module`, not a Keras layer: Keras 3 never tracks its variables (tf_keras does), so "
        f"they are not trained or saved with this layer; make `{name}` a Keras layer (its `__call__` becomes "
        "`call`; kerasfix then turns its `tf.Variable`s into `add_weight`, KF102), register its variables "
        "with `add_weight`, or stay on tf_keras"))
