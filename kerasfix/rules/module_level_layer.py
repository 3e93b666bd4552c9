"""KF306: a Keras layer built at module level and used inside a Keras layer or model."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, Replace, Safety
from ..names import BUILTIN_NAMES
from ..syntax import is_load
from ..triggers import Trigger
from ._init import into_init
from .base import (Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, free_name,
                   is_self_attribute, self_name, walk)

DOC = """\
## What it does
Finds a Keras layer built once at module level (`_SHARED = tf.keras.layers.Dense(2)`) and
used in a method of a Keras layer or model, and (an unsafe fix) builds one per instance in
`__init__` instead: `self.project = tf.keras.layers.Dense(2)`, read as `self.project`.

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
Unsafe: after the fix each instance builds its own layer, where before every instance of
every class that used it shared the one layer and its weights; code that relied on the sharing
(two heads meant to be tied) must share a layer explicitly (build it once and pass it to each
`__init__`, or keep it on `self`: a layer assigned to `self.<name>` is tracked, shared or not,
and is not reported). The module-level name stays: code outside the class, in this module or
in others that import it, may still use it.

The construction is copied as written into `__init__` (after `super().__init__(...)`; an
`__init__(self, *args, **kwargs)` is added when the class has none), so it is moved only when
that changes nothing else: it fits on one line, its arguments are constants and names the
module binds (no call, whose side effects and cost would then happen once per instance), no
name of it is hidden by a parameter or a local of `__init__`, `__init__` itself does not read
the layer, and every method that reads it has a `self`. Otherwise the finding says which of
these stopped it. Layers without weights (`Dropout`, `Flatten`, ...) lose nothing and are not
reported.
"""

KF306 = Rule(
    code="KF306",
    name="module-level-layer",
    summary="a Keras layer built at module level and used inside a layer (its weights are lost)",
    finds="a Keras layer built at module level and used inside a layer (lost on both lines)",
    fixed_by=("built in `__init__` as `self.<name>` when its arguments are constants and module-level names, "
              "unsafe (instances stop sharing it); else report"),
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.UNSAFE,
    doc=DOC,
    trigger=Trigger(module_layer=True),
    help=("build the layer in `__init__` as `self.project = Dense(...)`, use `self.project` instead of the "
          "module-level name, and delete the module-level layer once nothing else uses it"),
)


class ModuleLevelLayers(RuleFamily):
    rules = (KF306,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        layers = {name for name, func in ctx.imports.module_calls.items() if _builds_weights(ctx, func)}
        if not layers:
            return
        for cls in ctx.keras_classes:
            taken = cls.assigned_attributes | api.KERAS_RESERVED_ATTRIBUTES | ctx.index.inherited_attributes(
                cls.qualified)
            for name, uses in _uses(cls, layers).items():
                if any(_kept_on_self(ctx, cls, node, self_name(cls.methods[method])) for method, node in uses):
                    continue  # `self.x = NAME`: the class tracks the shared layer
                attr = free_name(name.strip("_").lower() or "layer", taken)
                taken.add(attr)
                fix, why_not = _move_into_init(ctx, cls, name, uses, attr)
                yield _finding(uses[0][1], attr, fix, why_not)


def _builds_weights(ctx: Context, func: str) -> bool:
    return ctx.index.is_layer_dotted(func, ctx.imports) and not api.is_weightless_layer(
        ctx.imports.resolve_dotted(func) or "")


def _uses(cls: KerasClass, layers: set[str]) -> dict[str, list[tuple[str, cst.Name]]]:
    """Each module-level layer the class's methods read, with every (method, Name) reading it,
    in source order."""
    found: dict[str, list[tuple[str, cst.Name]]] = {}
    for method, func in cls.methods.items():
        local = _bound_in(cls, method, func)
        for node in cls.method_nodes[method]:
            if (isinstance(node, cst.Name) and node.value in layers and node.value not in local
                    and is_load(node, cls.parents)):
                found.setdefault(node.value, []).append((method, node))
    return found


def _kept_on_self(ctx: Context, cls: KerasClass, name: cst.Name, me: str) -> bool:
    """`self.<attr> = NAME`, `self.<attr>: T = NAME`, or NAME in a list, tuple, dict or
    `Sequential([...])` so stored: Keras tracks the layer through the attribute, shared or
    not (measured on both lines: 2 of 2 weights annotated, 4 of 4 in a Sequential)."""
    parent = cls.parents.get(id(name))
    while isinstance(parent, (cst.Element, cst.DictElement, cst.List, cst.Tuple, cst.Dict)) or (
            isinstance(parent, cst.Arg) and _is_sequential(ctx, cls.parents.get(id(parent)))):
        parent = cls.parents.get(id(parent))
        if isinstance(parent, cst.Call):
            parent = cls.parents.get(id(parent))
    if isinstance(parent, cst.AnnAssign):
        return is_self_attribute(parent.target, me) is not None
    return isinstance(parent, cst.Assign) and any(is_self_attribute(t.target, me) for t in parent.targets)


def _is_sequential(ctx: Context, call: cst.CSTNode | None) -> bool:
    return isinstance(call, cst.Call) and ctx.resolve(call.func) in api.KERAS_MODEL_BASES - {"keras.Model"}


def _bound_in(cls: KerasClass, method: str, func: cst.FunctionDef) -> set[str]:
    """Names the method binds itself (parameters, assignments): they hide the module's."""
    names = {p.name.value for p in (*func.params.params, *func.params.kwonly_params, *func.params.posonly_params)}
    for node in cls.method_nodes[method]:
        if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Name):
            names.add(node.target.value)
        elif isinstance(node, cst.Global):
            names.difference_update(n.name.value for n in node.names)
    return names


# what moving a construction into `__init__` may not carry: code that runs (a call's side
# effects and cost would move with it) or binds
_NOT_MOVED = (cst.Call, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp,
              cst.NamedExpr, cst.Await, cst.Yield, cst.FormattedString)


def _move_into_init(ctx: Context, cls: KerasClass, name: str, uses: list[tuple[str, cst.Name]],
                    attr: str) -> tuple[Fix | None, str]:
    """The unsafe fix (built in `__init__`, read through `self`), or why there is none."""
    text = ctx.imports.module_call_texts.get(name)
    call = _parse_call(text)
    if call is None:
        return None, "its construction is not one short line"
    init = cls.methods.get("__init__")
    if init is not None and not isinstance(init.body, cst.IndentedBlock):
        return None, "`__init__` is written on one line"
    if any(method == "__init__" for method, _ in uses):
        return None, "`__init__` itself reads it"
    if any(_without_self(cls.methods[method]) for method, _ in uses):
        return None, "a method without `self` reads it"
    if any(isinstance(n, cst.Global) and any(g.name.value == name for g in n.names)
           for nodes in cls.method_nodes.values() for n in nodes):
        return None, "a method rebinds it (`global`)"
    hidden = _bound_in(cls, "__init__", init) if init is not None else set()
    unseen = sorted(n for n in _names_read(call) if n in hidden or not _module_sees(ctx, n))
    if any(isinstance(n, _NOT_MOVED) for a in call.args for n in walk(a)) or unseen:
        return None, "its arguments are more than constants and module-level names"
    me = self_name(init) if init is not None else "self"
    line = cst.parse_statement(f"{me}.{attr} = {text}")
    assert isinstance(line, cst.SimpleStatementLine)
    edits = tuple(Replace(node, cst.Attribute(cst.Name(self_name(cls.methods[method])), attr=cst.Name(attr)))
                  for method, node in uses)
    return Fix((into_init(cls, line), *edits), Safety.UNSAFE), ""


def _parse_call(text: str | None) -> cst.Call | None:
    try:
        call = cst.parse_expression(text) if text else None
    except cst.ParserSyntaxError:
        return None
    return call if isinstance(call, cst.Call) else None


def _without_self(func: cst.FunctionDef) -> bool:
    decorators = {d.decorator.value for d in func.decorators if isinstance(d.decorator, cst.Name)}
    return bool(decorators & {"staticmethod", "classmethod"}) or not (func.params.params or func.params.posonly_params)


def _names_read(call: cst.Call) -> set[str]:
    """The bare names the call reads (the head of `a.b.c`, not `b` or `c`, nor keywords)."""
    skip = {id(n.attr) for n in walk(call) if isinstance(n, cst.Attribute)}
    skip |= {id(a.keyword) for a in call.args if a.keyword is not None}
    return {n.value for n in walk(call) if isinstance(n, cst.Name) and id(n) not in skip}


def _module_sees(ctx: Context, name: str) -> bool:
    return ctx.imports.is_bound(name) or name in BUILTIN_NAMES


def _finding(name: cst.Name, attr: str, fix: Fix | None, why_not: str) -> Finding:
    moved = "" if fix else f" (not moved automatically: {why_not})"
    return Finding(KF306.code, name, (
        f"`{name.value}` is a Keras layer built at module level: no Keras tracks its weights when a layer uses "
        f"it, and every instance shares it; build it in `__init__` as `self.{attr}` and use that{moved}"), fix)
