"""KF111: a `tf.Module` (not a Keras layer) held by a Keras layer or model."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..triggers import Trigger
from .base import (Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, dotted,
                   is_self_attribute, self_name)

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
tf_keras (`TF_USE_LEGACY_KERAS=1`).

When the project's module class (in any file of the tree) makes all its `tf.Variable`s as
`self.<name> = tf.Variable(...)` in its own `__init__`, the message names them: that is the
easy case. Either change its base and rename `__call__` to `call`, and kerasfix does the rest,
or put Keras copies in their place right after building it, in the layer's `__init__`
(measured: 2 of 2 weights tracked on both lines, same outputs):

```python
        self.affine = Affine(3)
        for name in ("w", "b"):
            old = getattr(self.affine, name)
            setattr(self.affine, name, self.add_weight(
                name=name, shape=old.shape, dtype=old.dtype,
                initializer=lambda shape, dtype=None, old=old: old.read_value()))
```

A module that makes a variable anywhere else (in `__call__`, in a loop, in a helper), or whose
project base class may make more, is not named: its variables exist only once it has run.
"""

KF111 = Rule(
    code="KF111",
    # what the trap does on each Keras line ("": nothing); a finding may say its own
    harm={"3": "the module's variables are lost", "2": ""},
    name="tf-module-in-layer",
    summary="a `tf.Module` kept by a Keras layer (its variables are lost on Keras 3)",
    finds="a `tf.Module` (not a Keras layer) kept by a layer (its variables lost on Keras 3)",
    fixed_by="report: make it a Keras layer, or register its variables",
    fix=FixAvailability.NEVER,
    safety=RuleSafety.NONE,
    doc=DOC,
    trigger=Trigger(tf_module=True),
    help=("make the module a Keras layer (subclass `tf.keras.layers.Layer`, rename `__call__` to `call`, make "
          "its variables with `self.add_weight(...)`), or stay on tf_keras"),
)


class TfModuleInLayer(RuleFamily):
    rules = (KF111,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            for method, func in cls.methods.items():
                me = self_name(func)
                for node in cls.nodes_of(method, cst.Call):
                    qualified = _tf_module(ctx, node.func)
                    if qualified is not None and _kept(cls, node, me):
                        yield _finding(node, ctx.index.init_variables(qualified), _kept_as(cls, node, me))


def _holder(cls: KerasClass, call: cst.Call) -> tuple[cst.CSTNode, cst.CSTNode | None]:
    """The outermost list, tuple or dict the call is built in (or the call), and its parent."""
    node: cst.CSTNode = call
    parent = cls.parents.get(id(node))
    while isinstance(parent, (cst.Element, cst.DictElement, cst.List, cst.Tuple, cst.Dict)):
        node, parent = parent, cls.parents.get(id(parent))
    return node, parent


def _kept(cls: KerasClass, call: cst.Call, me: str) -> bool:
    """The module is kept on the layer: assigned to `self.<name>`, alone or in a list, tuple
    or dict (one built and dropped within a call is another trap: it is remade every call)."""
    _, parent = _holder(cls, call)
    return isinstance(parent, cst.Assign) and any(is_self_attribute(t.target, me) for t in parent.targets)


def _kept_as(cls: KerasClass, call: cst.Call, me: str) -> str | None:
    """`self.<name>` when the module alone is kept there (not in a container)."""
    node, parent = _holder(cls, call)
    if node is not call or not isinstance(parent, cst.Assign):
        return None
    return next((f"{me}.{name}" for t in parent.targets if (name := is_self_attribute(t.target, me))), None)


def _tf_module(ctx: Context, func: cst.BaseExpression) -> str | None:
    """The qualified name of the `tf.Module` class called, or None."""
    chain = dotted(func)
    qualified = ctx.imports.qualify_dotted(chain) if chain else None
    if qualified is None or not ctx.index.is_tf_module(qualified) or ctx.index.makes_no_variables(qualified):
        return None
    return qualified


def _last_name(func: cst.BaseExpression) -> str:
    return func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")


def _finding(call: cst.Call, variables: tuple[str, ...], kept_as: str | None) -> Finding:
    name = _last_name(call.func)
    return Finding(KF111.code, call, (
        f"`{name}` is a `tf.Module`, not a Keras layer: Keras 3 never tracks its variables (tf_keras does), so "
        f"they are not trained or saved with this layer; make `{name}` a Keras layer (its `__call__` becomes "
        "`call`; kerasfix then turns its `tf.Variable`s into `add_weight`, KF102), "
        f"{_register(variables, kept_as)}, or stay on tf_keras"))


def _register(variables: tuple[str, ...], kept_as: str | None) -> str:
    """The hand fix that registers the module's variables, as precise as the scan allows."""
    if not variables:
        return "register its variables with `add_weight`"
    names = ", ".join(f"`{v}`" for v in variables)
    holder = kept_as or "module"  # one of several in a list or dict: each by hand
    first = variables[0]
    return (f"replace its variables, all made in its `__init__` ({names}), with `add_weight` copies after building "
            f"it (`{holder}.{first} = self.add_weight(name=\"{first}\", shape={holder}.{first}.shape, "
            f"initializer=...)`, and so on)")
