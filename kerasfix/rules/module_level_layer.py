"""KF306: a Keras layer built at module level and used inside a Keras layer or model."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..triggers import Trigger
from .base import Context, Finding, KerasClass, Rule, RuleFamily

DOC = """\
## What it does
Finds a Keras layer built once at module level (`_SHARED = tf.keras.layers.Dense(2)`) and
used in a method of a Keras layer or model. Report only.

## Why is this bad?
Keras tracks the sub-layers assigned to the layer itself, not the module's globals: the
shared layer's weights never reach `layer.weights`, so an optimizer given
`model.trainable_variables` never trains them and a checkpoint never saves them, on Keras 3
and tf_keras alike (measured: 0 of 2 weights on both lines). Nothing raises. And every
instance of every class that uses it shares the one layer and its weights.

## Example
```python
_PROJECT = tf.keras.layers.Dense(2)


class Head(tf.keras.layers.Layer):
    def call(self, x):
        return _PROJECT(x)
```

## Use instead
```python
class Head(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.project = tf.keras.layers.Dense(2)

    def call(self, x):
        return self.project(x)
```

## Fix safety
No automatic fix yet: the module-level layer may be shared on purpose (tied weights between
two layers), and code outside the class may use it; building one per instance changes that,
so a person decides. Layers without weights (`Dropout`, `Flatten`, ...) lose nothing and are
not reported.
"""

KF306 = Rule(
    code="KF306",
    name="module-level-layer",
    summary="a Keras layer built at module level and used inside a layer (its weights are lost)",
    fix="never",
    safety="none (report only)",
    doc=DOC,
    trigger=Trigger(module_layer=True),
)


class ModuleLevelLayers(RuleFamily):
    rules = (KF306,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        layers = {name for name, func in ctx.imports.module_calls.items() if _builds_weights(ctx, func)}
        if not layers:
            return
        for cls in ctx.keras_classes:
            seen: set[str] = set()
            for method, func in cls.methods.items():
                local = _bound_in(cls, method, func)
                for node in cls.method_nodes[method]:
                    if (isinstance(node, cst.Name) and node.value in layers and node.value not in local
                            and node.value not in seen and _is_load(cls, node)):
                        seen.add(node.value)
                        yield _finding(node)


def _builds_weights(ctx: Context, func: str) -> bool:
    return ctx.index.is_layer_dotted(func, ctx.imports) and not api.is_weightless_layer(
        ctx.imports.resolve_dotted(func) or "")


def _bound_in(cls: KerasClass, method: str, func: cst.FunctionDef) -> set[str]:
    """Names the method binds itself (parameters, assignments): they hide the module's."""
    names = {p.name.value for p in (*func.params.params, *func.params.kwonly_params, *func.params.posonly_params)}
    for node in cls.method_nodes[method]:
        if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Name):
            names.add(node.target.value)
        elif isinstance(node, cst.Global):
            names.difference_update(n.name.value for n in node.names)
    return names


def _is_load(cls: KerasClass, name: cst.Name) -> bool:
    """Read as the module's name: not `x.NAME`, not `f(NAME=...)`, not assigned to."""
    parent = cls.parents.get(id(name))
    if isinstance(parent, cst.Attribute) and parent.attr is name:
        return False
    if isinstance(parent, cst.Arg) and parent.keyword is name:
        return False
    return not isinstance(parent, cst.AssignTarget)


def _finding(name: cst.Name) -> Finding:
    attr = name.value.strip("_").lower() or "layer"
    return Finding(KF306.code, name, (
        f"`{name.value}` is a Keras layer built at module level: no Keras tracks its weights when a layer uses "
        f"it, and every instance shares it; build it in `__init__` as `self.{attr}` and use that"))
