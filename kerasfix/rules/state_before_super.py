"""KF403: state a Keras layer or model sets before its `super().__init__()`, which Keras then loses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, InsertAfter, Remove, Replace, Safety
from ..triggers import Trigger
from .base import (Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, dotted,
                   is_self_attribute, self_name, walk)

DOC = """\
## What it does
Finds an assignment in `__init__` that comes before `super().__init__(...)` and that Keras's
own `__init__` then undoes or refuses:
- `self.trainable`, `self.supports_masking`, `self.input_spec`, `self.activity_regularizer`
  (set again by Keras on both lines), `self.stateful` (tf_keras), `self.autocast` (Keras 3);
- `self.name` (Keras 3 sets it again; tf_keras raises AttributeError);
- in a `Model`, a sub-layer, sub-model or variable (`self.dense = Dense(2)`, a list of them).
A plain attribute (`self.units = units`) is kept by both lines and not reported.

## Why is this bad?
The value is silently lost: `self.trainable = False` before the call leaves the layer
trainable on Keras 3 and tf_keras alike, so a layer meant to be frozen is trained (measured:
every weight trainable); `supports_masking`, `input_spec` come back as `False`/`None`, and a
name given this way is replaced by the automatic one on Keras 3. In a `Model`, tf_keras
raises RuntimeError ("you forgot to call `super().__init__()`") at the first sub-layer
(even a plain `Dense`) assigned before the call; Keras 3 accepts it (functional subclassing
sets its layers before `super().__init__(inputs, outputs)`), so that case is reported only when
the project targets tf_keras (`target-keras`).

## Example
```python
class Frozen(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        self.units = units
        self.trainable = False
        self.name = "frozen"
        super().__init__(**kwargs)
        self.dense = tf.keras.layers.Dense(units)
```

## Use instead
```python
class Frozen(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        self.units = units
        kwargs.setdefault("name", "frozen")
        super().__init__(**kwargs)
        self.dense = tf.keras.layers.Dense(units)
        self.trainable = False
```

## Fix safety
An assignment is moved to right after `super().__init__(...)`, and `self.trainable` to the
end of `__init__`: Keras 3 freezes only the sub-layers that exist when `trainable` is set (a
`Dense` made after `self.trainable = False` is still trained by a model holding the layer,
measured; tf_keras freezes it either way). `self.name = value` becomes
`kwargs.setdefault("name", value)` in place, so that a name the caller passes still wins
(`super().__init__(name=..., **kwargs)` would raise TypeError when `kwargs` holds a name too).
Safe when nothing it jumps over reads what it sets, and it reads nothing they set: the
value reads no attribute of `self` that `__init__` did not set before it, and calls no
method of `self`; the statements in between, and the call's arguments, read neither the
attribute nor call a method of `self`; the class has one base, a Keras class (a project's
base `__init__` may read the attribute). Otherwise unsafe, and the message says why. An
assignment nested in an `if`, `for` or `with`, a call not at the top of `__init__`, or a name
with no `**kwargs` to put it in is reported for a person.
"""

VALID = (
    """\
import tensorflow as tf


class Scale(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        self.units = units
        self.sizes = [units, units]
        super().__init__(**kwargs)
        self.trainable = False


class Holder(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        self.dense = tf.keras.layers.Dense(2)
        super().__init__(**kwargs)


class Plain:
    def __init__(self):
        self.trainable = False
        super().__init__()
""",
)

INVALID = (
    """\
import tensorflow as tf


class Frozen(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        self.trainable = False
        super().__init__(**kwargs)
""",
    """\
import tensorflow as tf


class Tower(tf.keras.Model):
    def __init__(self):
        self.dense = tf.keras.layers.Dense(2)
        super().__init__()
""",
)

KF403 = Rule(
    code="KF403",
    name="state-before-super",
    summary="state a Keras layer or model sets before `super().__init__()` (lost, or RuntimeError in a Model)",
    finds=(
        "`self.trainable`/`supports_masking`/`input_spec`/`name` = ... before `super().__init__()` (silently "
        "lost), a sub-layer before it in a Model (RuntimeError on tf_keras)"
    ),
    fixed_by="moved after `super().__init__()` (`name` through `kwargs.setdefault`); safe when nothing in "
             "between reads it",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe when nothing in between reads it, else unsafe",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(assigns_before_init=True),
    help="move the assignment after `super().__init__(...)`; a name goes to `super().__init__(name=...)`",
)


NO_KWARGS = "no `**kwargs` of `__init__` reaches `super().__init__()`"


class StateBeforeSuper(RuleFamily):
    rules = (KF403,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            init = cls.methods.get("__init__")
            if init is not None and isinstance(init.body, cst.IndentedBlock):
                yield from _findings(ctx, cls, init)


@dataclass
class _Uses:
    """What a piece of code reads and sets: local names, attributes of `self`, methods of `self` called."""

    reads: set[str] = field(default_factory=set)
    sets: set[str] = field(default_factory=set)
    self_reads: set[str] = field(default_factory=set)
    self_sets: set[str] = field(default_factory=set)
    self_calls: set[str] = field(default_factory=set)


def _uses(node: cst.CSTNode, me: str) -> _Uses:
    uses = _Uses()
    targets: set[int] = set()
    for n in walk(node):
        if isinstance(n, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            for target in (n.targets if isinstance(n, cst.Assign) else [n]):
                for t in walk(target.target):
                    targets.add(id(t))
        elif isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute):
            receiver = n.func.value
            if isinstance(receiver, cst.Name) and receiver.value == me:
                uses.self_calls.add(n.func.attr.value)
            elif isinstance(receiver, cst.Name):
                uses.sets.add(receiver.value)  # `kwargs.pop(...)` may change it
    for n in walk(node):
        attr = is_self_attribute(n, me)
        if attr is not None:
            (uses.self_sets if id(n) in targets else uses.self_reads).add(attr)
        elif isinstance(n, cst.Name) and n.value != me:
            (uses.sets if id(n) in targets else uses.reads).add(n.value)
        elif isinstance(n, cst.Subscript) and id(n) in targets and isinstance(n.value, cst.Name):
            uses.sets.add(n.value.value)
    return uses


def _is_init_call(statement: cst.CSTNode) -> bool:
    return any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "__init__"
               for n in walk(statement))


def _assignment(statement: cst.CSTNode, me: str) -> tuple[str, cst.BaseExpression] | None:
    """(attr, value) for a statement line that is exactly `self.attr = value`."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        attr = is_self_attribute(small.targets[0].target, me)
        return (attr, small.value) if attr else None
    if isinstance(small, cst.AnnAssign) and small.value is not None:
        attr = is_self_attribute(small.target, me)
        return (attr, small.value) if attr else None
    return None


def _holds_tracked(ctx: Context, value: cst.BaseExpression) -> bool:
    """A layer, model or variable is built in `value` (a list or dict of them too)."""
    return any(isinstance(n, cst.Call) and (ctx.is_layer_class(n.func) or ctx.resolve(n.func) in api.VARIABLE)
               for n in walk(value))


def _traps(ctx: Context, cls: KerasClass, body: list[cst.BaseStatement], me: str) -> Iterator[tuple]:
    """(statement index, the `self.<attr>` node, attr, value, what Keras does) before the call."""
    model = ctx.index.is_model(cls.qualified)
    for index, statement in enumerate(body):
        for node in walk(statement):
            if isinstance(node, cst.Assign) and len(node.targets) == 1:
                target, value = node.targets[0].target, node.value
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            attr = is_self_attribute(target, me)
            if attr in api.RESET_BY_INIT:
                lines = _BOTH if attr == "name" else _LINES[api.RESET_BY_INIT[attr]]
                yield index, target, attr, value, _lost(attr), lines
            elif attr and model and _holds_tracked(ctx, value):
                # Keras 3 accepts it (functional subclassing sets layers before the call): tf_keras only
                what = ("tf_keras raises RuntimeError (\"you forgot to call `super().__init__()`\") "
                        "at a sub-layer set before it in a Model")
                yield index, target, attr, value, what, _TF_KERAS


# the Keras lines each kind of loss harms ("name": lost on Keras 3, AttributeError on tf_keras)
_TF_KERAS, _BOTH = frozenset({"2"}), frozenset({"2", "3"})
_LINES = {api.KERAS_3: frozenset({"3"}), api.TF_KERAS: _TF_KERAS, api.BOTH_LINES: _BOTH}


def _lost(attr: str) -> str:
    if attr == "name":
        return "Keras 3 sets `name` again (the automatic name wins), tf_keras raises AttributeError"
    return f"Keras sets `{attr}` again, so the value is silently lost on {api.RESET_BY_INIT[attr]}"


def _findings(ctx: Context, cls: KerasClass, init: cst.FunctionDef) -> Iterator[Finding]:
    assert isinstance(init.body, cst.IndentedBlock)  # checked by the caller
    body = list(init.body.body)
    me = self_name(init)
    first = next((i for i, statement in enumerate(body) if _is_init_call(statement)), None)
    if first is None:
        return
    for index, target, attr, value, what, lines in _traps(ctx, cls, body[:first], me):
        head = f"`self.{attr} = ...` before `super().__init__()`: {what}"
        if attr == "name":
            way = "pass it on with `kwargs.setdefault(\"name\", ...)` before the call"
        else:
            way = "set it after `super().__init__()`"
        if not isinstance(body[first], cst.SimpleStatementLine):
            fix, why = None, "`super().__init__()` is not a statement of its own at the top of `__init__`"
        elif attr == "name":
            fix, why = _name_fix(init, body, index, first, value, me)
        else:
            fix, why = _move_fix(ctx, cls, body, index, first, me)
        if attr == "name" and why == NO_KWARGS:
            way = "pass `name=...` to `super().__init__()`"
        elif fix is None or fix.safety is Safety.UNSAFE:
            way += f" ({why})"
        yield Finding(KF403.code, target, f"{head}; {way}", fix, lines=lines)


def _move_fix(ctx: Context, cls: KerasClass, body: list, index: int, first: int, me: str) -> tuple[Fix | None, str]:
    statement = body[index]
    assignment = _assignment(statement, me)
    if assignment is None:
        return None, "it is not a statement of its own at the top of `__init__`: move it by hand"
    attr, value = assignment
    # Keras 3 freezes only the sub-layers a layer has when `trainable` is set (measured: a
    # `Dense` made after it stays trainable in a model holding the layer): it goes last
    to = len(body) - 1 if attr == "trainable" else first
    why = _move_conflict(ctx, cls, body[:to + 1], index, attr, value, me)
    fix = Fix((Remove(statement), InsertAfter(body[to], (statement,))), Safety.UNSAFE if why else Safety.SAFE)
    return fix, why


def _move_conflict(ctx: Context, cls: KerasClass, body: list, index: int, attr: str,
                   value: cst.BaseExpression, me: str) -> str:
    """Why moving `self.<attr> = value` from `body[index]` to after `body[-1]` (the call, or
    the last statement of `__init__`) may change what the code does; "" when it cannot."""
    mine = _uses(value, me)
    if mine.self_calls:
        return f"its value calls `self.{sorted(mine.self_calls)[0]}()`, which may read what Keras sets"
    earlier = set().union(*(_uses(s, me).self_sets for s in body[:index]))
    unknown = sorted(mine.self_reads - earlier)
    if unknown:
        return f"its value reads `self.{unknown[0]}`, which `super().__init__()` may set"
    for statement in body[index + 1:]:
        theirs = _uses(statement, me)
        if mine.reads & theirs.sets or mine.self_reads & theirs.self_sets:
            return "a statement in between sets what its value reads"
        if attr in theirs.self_reads or attr in theirs.self_sets or theirs.self_calls:
            return f"a statement in between reads `self.{attr}` (or calls a method of `self`)"
    if len(cls.node.bases) != 1 or _qualified(ctx, cls.node.bases[0].value) in ctx.index.records:
        return f"a base class's own `__init__` may read `self.{attr}`"
    return ""


def _qualified(ctx: Context, base: cst.BaseExpression) -> str:
    chain = dotted(base)
    return (ctx.imports.qualify_dotted(chain) if chain else None) or ""


def _name_fix(init: cst.FunctionDef, body: list, index: int, first: int, value: cst.BaseExpression,
              me: str) -> tuple[Fix | None, str]:
    statement = body[index]
    star = init.params.star_kwarg
    kwargs = star.name.value if isinstance(star, cst.Param) else None
    call = next((n for n in walk(body[first]) if isinstance(n, cst.Call)), None)
    passes = call is not None and any(a.star == "**" and isinstance(a.value, cst.Name) and a.value.value == kwargs
                                      for a in call.args)
    if _assignment(statement, me) is None or not passes or kwargs is None:
        return None, NO_KWARGS
    if call is not None and any(a.keyword is not None and a.keyword.value == "name" for a in call.args):
        return None, "`super().__init__()` is given `name=` already"
    setdefault = cst.Expr(cst.Call(cst.Attribute(cst.Name(kwargs), cst.Name("setdefault")),
                                   [cst.Arg(cst.SimpleString('"name"')), cst.Arg(value)]))
    new = statement.with_changes(body=[setdefault])
    between = [_uses(s, me) for s in body[index + 1:first]]
    risky = any("name" in u.self_reads or kwargs in u.sets or kwargs in u.reads or u.self_calls for u in between)
    why = "a statement in between reads `self.name` or uses `kwargs`" if risky else ""
    return Fix((Replace(statement, new),), Safety.UNSAFE if risky else Safety.SAFE), why
