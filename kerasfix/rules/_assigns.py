"""TF1's assignment functions applied to a variable a fix makes a Keras weight:
`tf.compat.v1.assign_add(v, 1)` raises AttributeError on Keras 3 once `v` is made by
`add_weight` (measured), where `v.assign_add(1)` works on both lines. Shared by KF102 (a
variable made in `build`) and KF103 (a variable made in `call`, moved to `build`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import libcst as cst

from .. import keras_api as api
from ..edits import Replace
from .base import Context, KerasClass, is_self_attribute, self_name, source
from .calls import bind, comments_in


@dataclass(frozen=True)
class AssignUses:
    """The assignment-function calls on one variable: the edits that make each the variable's
    own method, and the first one that cannot be (then the fix is unsafe, and why)."""

    edits: tuple[Replace, ...] = ()
    blocked: str | None = None


def attribute_assigns(ctx: Context, cls: KerasClass, attr: str) -> AssignUses:
    """`tf.compat.v1.assign*(self.<attr>, ...)` anywhere in the class."""
    found = []
    for name, func in cls.methods.items():
        me = self_name(func)
        found += [c for c in _assign_calls(ctx, cls, name) if is_self_attribute(c.args[0].value, me) == attr]
    return _uses(ctx, cls, found)


def local_assigns(ctx: Context, cls: KerasClass, method: str, local: str) -> AssignUses:
    """`tf.compat.v1.assign*(<local>, ...)` in the method."""
    found = [c for c in _assign_calls(ctx, cls, method)
             if isinstance(c.args[0].value, cst.Name) and c.args[0].value.value == local]
    return _uses(ctx, cls, found)


def _assign_calls(ctx: Context, cls: KerasClass, method: str) -> list[cst.Call]:
    """The method's TF1 assignment calls, found once per module (asked once per variable: a
    walk each time grew with the square of a class's variables, tests/test_scale.py)."""
    return ctx.memo(f"assign-calls:{id(cls)}:{method}", lambda: [
        n for n in cls.method_nodes[method] if type(n) is cst.Call and n.args and not n.args[0].star
        and n.args[0].keyword is None and ctx.resolve(n.func) in api.ASSIGN_FUNCTIONS])


def _uses(ctx: Context, cls: KerasClass, calls: list[cst.Call]) -> AssignUses:
    edits = []
    for call in calls:
        rewrite = _as_method(cls, call, api.ASSIGN_FUNCTIONS[ctx.resolve(call.func) or ""])
        if isinstance(rewrite, str):
            return AssignUses(blocked=rewrite)
        edits.append(Replace(call, rewrite))
    return AssignUses(tuple(edits))


def _as_method(cls: KerasClass, call: cst.Call,
               signature: tuple[str, tuple[str, ...]]) -> Callable[[cst.Call], cst.Call] | str:
    """`f(v, x)` -> `v.<method>(x)`, composable (the variable's spelling may change first);
    or why not: the result is used (the function returns a tensor, the method not always), or
    an argument the method lacks."""
    func = source(call.func)
    method, params = signature
    bound = bind(call, params)
    variable = source(call.args[0].value)
    trap = f"`{func}({variable}, ...)` raises AttributeError on Keras 3 once `{variable}` is a Keras weight"
    if not isinstance(cls.parents.get(id(call)), cst.Expr):
        return f"{trap}, and its result is used: write `{variable}.{method}(...)` first"
    kept = bound.value("value") if bound is not None else None
    if bound is None or kept is None or set(bound.args) - {"ref", "value"} - api.ASSIGN_DROPPED:
        return f"{trap}: write `{variable}.{method}(...)` first"
    if len(comments_in(call)) != len(comments_in(kept)):
        return f"{trap}, and a comment in the call would be lost: write `{variable}.{method}(...)` first"

    def rewrite(updated: cst.Call) -> cst.Call:
        value = updated.args[bound.args["value"][0]].value
        return cst.Call(func=cst.Attribute(value=updated.args[0].value, attr=cst.Name(method)), args=[cst.Arg(value)])

    return rewrite
