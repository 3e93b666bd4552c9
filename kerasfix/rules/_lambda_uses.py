"""What a Keras `Lambda` layer's function does that the `Lambda` cannot hold: a layer built or a
variable made when the function runs (written in a lambda, in a function nested in the method,
or in a function of the module, whose body functions.py read), and a Keras layer or model the
function calls (a local, or the parameter of a factory that returns the function). Facts for
KF112; the rule words them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ._module_functions import Made, bound_in, made_by, module_function
from .base import Context, KerasClass, dotted, is_lambda_layer, is_self_attribute, self_name, walk

_VARIABLES = api.GET_VARIABLE | api.VARIABLE | api.BACKEND_VARIABLE


@dataclass(frozen=True)
class LambdaUse:
    """One thing a `Lambda`'s function does that its weights are lost by."""

    node: cst.CSTNode  # where to report: the function argument, or the call inside the lambda
    kind: str  # "variable", "layer" (built), "called" (a layer or model made elsewhere, called)
    subject: str  # the module function or local named, or the call as written
    made: tuple[Made, ...] = ()  # what a module function makes, where


def lambda_uses(ctx: Context, cls: KerasClass, method: str) -> Iterator[LambdaUse]:
    """Each such use, for every `Lambda(...)` built in the method."""
    bound: set[str] | None = None
    for node in cls.method_nodes[method]:
        if type(node) is not cst.Call or not is_lambda_layer(ctx, node):
            continue
        function = _function_argument(node)
        if function is None:
            continue
        bound = bound_in(cls, method) if bound is None else bound
        layers = _local_layers(ctx, cls, method)
        if isinstance(function, cst.Name):
            yield from _run(ctx, function, module_function(ctx, function, bound))
        elif isinstance(function, cst.Lambda):
            yield from _in_lambda(ctx, function, bound, layers)
        elif isinstance(function, cst.Call):
            yield from _factory(ctx, function, bound, layers)


def _function_argument(call: cst.Call) -> cst.BaseExpression | None:
    for arg in call.args:
        if (arg.keyword is None and arg.star == "") or (arg.keyword is not None and arg.keyword.value == "function"):
            return arg.value
    return None


def _local_layers(ctx: Context, cls: KerasClass, method: str) -> set[str]:
    """Locals of the method bound to a Keras layer or model built there (`inner =
    Sequential([...])`) and not kept on `self` too (a layer on `self` is the outer layer's)."""
    me = self_name(cls.methods[method])
    built: set[str] = set()
    kept: set[str] = set()
    for node in cls.method_nodes[method]:
        if type(node) is not cst.Assign:
            continue
        for target in node.targets:
            if isinstance(target.target, cst.Name) and isinstance(node.value, cst.Call) and ctx.is_layer_class(
                    node.value.func):
                built.add(target.target.value)
            elif is_self_attribute(target.target, me) and isinstance(node.value, cst.Name):
                kept.add(node.value.value)
    return built - kept


def _in_lambda(ctx: Context, function: cst.Lambda, bound: set[str], layers: set[str]) -> Iterator[LambdaUse]:
    params = {p.name.value for p in function.params.params}
    for node in walk(function.body):
        if type(node) is not cst.Call:
            continue
        resolved = ctx.resolve(node.func) or ""
        if isinstance(node.func, cst.Name) and node.func.value in params:
            continue
        if resolved in _VARIABLES:
            continue  # KF112's own finding (deferred_function)
        if ctx.is_layer_class(node.func) and not api.is_weightless_layer(resolved):
            yield LambdaUse(node, "layer", dotted(node.func) or "a layer")
        elif isinstance(node.func, cst.Name) and node.func.value in layers:
            yield LambdaUse(node, "called", node.func.value)
        elif isinstance(node.func, cst.Name):
            yield from _run(ctx, node, module_function(ctx, node.func, bound | params))


def _run(ctx: Context, node: cst.CSTNode, name: str | None) -> Iterator[LambdaUse]:
    made = tuple(made_by(ctx, name)) if name else ()
    if made:
        kind = "variable" if any(m.kind == "variable" for m in made) else "layer"
        yield LambdaUse(node, kind, name or "", made)


def _factory(ctx: Context, call: cst.Call, bound: set[str], layers: set[str]) -> Iterator[LambdaUse]:
    """`Lambda(make_applier(inner))`: the module's function returns a function that calls its
    parameter, here a Keras layer or model."""
    name = module_function(ctx, call.func, bound)
    if name is None:
        return
    facts = ctx.imports.functions[name]
    for position, arg in enumerate(call.args):
        if arg.star:
            return
        param = arg.keyword.value if arg.keyword is not None else (
            facts.params[position] if position < len(facts.params) else None)
        if param not in facts.closure_calls:
            continue
        value = arg.value
        if isinstance(value, cst.Name) and value.value in layers:
            yield LambdaUse(value, "called", value.value)
        elif isinstance(value, cst.Call) and ctx.is_layer_class(value.func):
            yield LambdaUse(value, "called", dotted(value.func) or "a layer")
