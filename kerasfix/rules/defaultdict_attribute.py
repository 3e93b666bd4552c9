"""KF303: a `collections.defaultdict` attribute of a Keras layer (layers lost by tf_keras 2,
the factory dropped by Keras 3)."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, Replace, Safety
from ..triggers import Trigger
from .base import (Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, is_self_attribute,
                   self_name)
from .calls import comments_in

DOC = """\
## What it does
Finds an attribute of a Keras layer or model that is a `collections.defaultdict` and holds
Keras layers (`self.heads = defaultdict(...)`, then `self.heads[k] = Dense(...)`), and makes
it a plain dict when the class never relies on the default factory. Also reports a
`defaultdict` attribute of any content whose factory the class relies on.

## Why is this bad?
tf_keras 2 wraps a plain `dict` (and `OrderedDict`) assigned to a layer so that it sees the
layers put in it later, but not a `defaultdict`: its layers' weights never reach
`layer.weights`, so they are not trained or saved, and nothing raises (measured: 0 of 2
weights on tf_keras 2.21; Keras 3 tracks them). Keras 3 has the opposite trap: it replaces
any dict assigned to a layer attribute by its own tracked dict, and the default factory is
dropped on the way, so `self.counts[k] += 1` or `self.towers[k].append(...)` raises
`KeyError` at the first missing key (measured on Keras 3.15).

## Example
```python
class Heads(tf.keras.layers.Layer):
    def __init__(self, names, **kwargs):
        super().__init__(**kwargs)
        self.heads = collections.defaultdict(lambda: None)
        for name in names:
            self.heads[name] = tf.keras.layers.Dense(2)
```

## Use instead
```python
class Heads(tf.keras.layers.Layer):
    def __init__(self, names, **kwargs):
        super().__init__(**kwargs)
        self.heads = {}
        for name in names:
            self.heads[name] = tf.keras.layers.Dense(2)
```

## Fix safety
Safe when the class only stores into the dict, iterates it, or reads keys it stored by the
same literal (`self.heads["a"]` after `self.heads["a"] = ...`), or through `.get`, `.items`,
`.values`, `.keys`, `in`, `len`: a plain dict behaves the same there (and that is what Keras 3
already made of it). Reading a key given by a variable, changing a value in place
(`self.heads[k].append(...)`, `+=`) or touching `default_factory` may need the factory: then
the finding is reported for a person, who can fill a plain dict up front or use
`.get(k, default)`.
"""

VALID = (
    """\
import collections

import tensorflow as tf


class Heads(tf.keras.layers.Layer):
    def __init__(self, names, **kwargs):
        super().__init__(**kwargs)
        self.heads = {}
        for name in names:
            self.heads[name] = tf.keras.layers.Dense(2)


counts = collections.defaultdict(int)
""",
)

INVALID = (
    """\
import collections

import tensorflow as tf


class Heads(tf.keras.layers.Layer):
    def __init__(self, names, **kwargs):
        super().__init__(**kwargs)
        self.heads = collections.defaultdict(lambda: None)
        for name in names:
            self.heads[name] = tf.keras.layers.Dense(2)
""",
)


KF303 = Rule(
    code="KF303",
    name="defaultdict-attribute",
    summary="a `defaultdict` attribute (its layers lost by tf_keras 2, its factory dropped by Keras 3)",
    finds=(
        "layers kept in a `defaultdict` attribute (lost by tf_keras 2); a `defaultdict` attribute whose "
        "factory is needed (Keras 3 drops it: KeyError)"
    ),
    fixed_by="a plain dict when the factory is never needed, safe; else report",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.SAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(assigned_calls=frozenset({"collections.defaultdict"})),
    help=("fill a plain dict up front (`self.towers = {k: Dense(...) for k in keys}`) and read it with "
          "`.get(k, default)` where the factory filled a missing key"),
)

DEFAULTDICT = frozenset({"collections.defaultdict"})


class DefaultdictLayers(RuleFamily):
    rules = (KF303,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            made = _defaultdict_attributes(ctx, cls)
            for attr, call in made.items():
                uses = _uses(cls, attr)
                layers = any(_stores_layer(ctx, cls, use) for use in uses) or _holds_layers(ctx, call)
                reliance = _relies_on_factory(cls, uses)
                if layers or reliance:
                    yield _finding(attr, call, layers, reliance)


def _defaultdict_attributes(ctx: Context, cls: KerasClass) -> dict[str, cst.Call]:
    """attribute -> the `defaultdict(...)` call assigned to `self.<attribute>` (the first)."""
    made: dict[str, cst.Call] = {}
    for name, func in cls.methods.items():
        me = self_name(func)
        for node in cls.method_nodes[name]:
            if (type(node) is cst.Assign and isinstance(node.value, cst.Call)  # exact type: see syntax.of_kind
                    and ctx.resolve(node.value.func) in DEFAULTDICT):
                for target in node.targets:
                    attr = is_self_attribute(target.target, me)
                    if attr:
                        made.setdefault(attr, node.value)
    return made


def _uses(cls: KerasClass, attr: str) -> list[cst.Attribute]:
    found: list[cst.Attribute] = []
    for name, func in cls.methods.items():
        me = self_name(func)
        found.extend(n for n in cls.method_nodes[name]
                     if isinstance(n, cst.Attribute) and is_self_attribute(n, me) == attr)
    return found


def _is_layer(ctx: Context, node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and ctx.is_layer_class(node.func) and not api.is_weightless_layer(
        ctx.resolve(node.func) or "")


def _holds_layers(ctx: Context, call: cst.Call) -> bool:
    """`defaultdict(factory, {k: Dense(...)})`: built with layers in it."""
    initial = call.args[1].value if len(call.args) > 1 else None
    return isinstance(initial, cst.Dict) and any(
        isinstance(e, cst.DictElement) and _is_layer(ctx, e.value) for e in initial.elements)


def _stores_layer(ctx: Context, cls: KerasClass, use: cst.Attribute) -> bool:
    """`self.x[k] = Dense(...)` or `self.x[k].append(Dense(...))`."""
    subscript = cls.parents.get(id(use))
    if not isinstance(subscript, cst.Subscript):
        return False
    holder = cls.parents.get(id(subscript))
    if isinstance(holder, cst.AssignTarget):
        assign = cls.parents.get(id(holder))
        return isinstance(assign, cst.Assign) and _is_layer(ctx, assign.value)
    if isinstance(holder, cst.Attribute):
        call = cls.parents.get(id(holder))
        return isinstance(call, cst.Call) and any(_is_layer(ctx, a.value) for a in call.args)
    return False


def _literal_key(subscript: cst.Subscript) -> str | None:
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
        return None
    key = subscript.slice[0].slice.value
    return key.value if isinstance(key, (cst.SimpleString, cst.Integer)) else None


_MUTATORS = frozenset({"append", "extend", "insert", "add", "update", "setdefault"})


def _mutates(cls: KerasClass, holder: cst.CSTNode | None) -> bool:
    """`self.x[k].append(...)` and the like: a value the factory may have made is changed."""
    return (isinstance(holder, cst.Attribute) and holder.attr.value in _MUTATORS
            and isinstance(cls.parents.get(id(holder)), cst.Call))


def _relies_on_factory(cls: KerasClass, uses: list[cst.Attribute]) -> str | None:
    """Why the default factory may be needed, or None."""
    stored: set[str] = set()
    reads: list[cst.Subscript] = []
    for use in uses:
        parent = cls.parents.get(id(use))
        if isinstance(parent, cst.Attribute) and parent.attr.value == "default_factory":
            return "`default_factory` is read"
        if not isinstance(parent, cst.Subscript):
            continue
        holder = cls.parents.get(id(parent))
        if isinstance(holder, cst.AssignTarget):
            key = _literal_key(parent)
            if key is not None:
                stored.add(key)
        elif isinstance(holder, cst.AugAssign) or _mutates(cls, holder):
            return "a value is changed in place, `+=` or `.append(...)`"
        else:
            reads.append(parent)
    for read in reads:
        key = _literal_key(read)
        if key is None or key not in stored:
            return "a key it may not have stored is read"
    return None


def _finding(attr: str, call: cst.Call, layers: bool, reliance: str | None) -> Finding:
    dropped = ("Keras 3 turns it into a plain dict, dropping the factory (KeyError where the factory "
               f"was needed: {reliance})")
    if not layers:
        return Finding(KF303.code, call, f"a `defaultdict` in `self.{attr}` of a Keras layer: {dropped}; "
                       "use a plain dict with `.get(k, default)`, filled up front")
    what = f"layers kept in a `defaultdict` in `self.{attr}`: tf_keras 2 never tracks their weights"
    if reliance is not None:
        return Finding(KF303.code, call, f"{what}, and {dropped}; keep them in a plain dict filled up front")
    if comments_in(call):  # the factory's comments would have nowhere to go
        return Finding(KF303.code, call, f"{what} (Keras 3 does); keep them in a plain dict (not rewritten: "
                       "the call holds comments)")
    initial = call.args[1].value if len(call.args) > 1 else None
    new = cst.Dict([]) if initial is None else cst.Call(cst.Name("dict"), [cst.Arg(initial)])
    return Finding(KF303.code, call, f"{what} (Keras 3 does); keep them in a plain dict",
                   Fix((Replace(call, new),), Safety.SAFE))
