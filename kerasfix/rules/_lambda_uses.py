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
from ._module_functions import Made, bound_in, bound_names, made_by, module_function
from .base import (Context, KerasClass, children, dotted, is_lambda_layer, is_self_attribute, self_name, walk,
                   nodes_outside_classes)

_VARIABLES = api.GET_VARIABLE | api.VARIABLE | api.BACKEND_VARIABLE


@dataclass(frozen=True)
class LambdaUse:
    """One thing a `Lambda`'s function does that its weights are lost by."""

    node: cst.CSTNode  # where to report: the function argument, or the call inside the lambda
    kind: str  # "variable", "layer" (built), "called" (a layer or model made elsewhere, called)
    subject: str  # the module function or local named, or the call as written
    made: tuple[Made, ...] = ()  # what a module function makes, where


def lambda_uses(ctx: Context, cls: KerasClass, method: str) -> Iterator[LambdaUse]:
    """Each such use, for every `Lambda(...)` built in the class's method."""
    nodes = cls.method_nodes[method]
    if any(type(n) is cst.Call and is_lambda_layer(ctx, n) for n in nodes):
        yield from _uses(ctx, nodes, bound_in(cls, method), self_name(cls.methods[method]), False)


def functional_lambda_uses(ctx: Context) -> Iterator[LambdaUse]:
    """The same outside the module's Keras classes (a model built by a function, or at the
    module's top level), with the variables its lambdas make, and the Keras tensors passed
    through `arguments=`."""
    keras = {id(c.node) for c in ctx.keras_classes}
    for scope in _scopes(ctx.module, keras):
        nodes = nodes_outside_classes(scope.body if isinstance(scope, cst.FunctionDef) else scope)
        if any(type(n) is cst.Call and is_lambda_layer(ctx, n) for n in nodes):
            bound = bound_names(scope.params if isinstance(scope, cst.FunctionDef) else None, nodes)
            yield from _uses(ctx, nodes, bound, "", True)


def _scopes(module: cst.Module, keras: set[int]) -> Iterator[cst.CSTNode]:
    """The module's functions outside Keras classes (methods of other classes too), and its
    top-level statements outside functions and classes, as one scope."""
    top: list[cst.CSTNode] = []
    stack: list[tuple[cst.CSTNode, bool]] = [(s, True) for s in module.body]
    while stack:
        node, at_top = stack.pop()
        if isinstance(node, cst.FunctionDef):
            yield node
            stack.extend((s, False) for s in children(node.body))
        elif isinstance(node, cst.ClassDef):
            if id(node) not in keras:
                stack.extend((s, False) for s in children(node.body))
        elif at_top and isinstance(node, (cst.SimpleStatementLine, cst.If, cst.With, cst.For, cst.While, cst.Try)):
            top.append(node)
    if top:
        yield cst.Module(body=tuple(top))  # type: ignore[arg-type] # statements, as libcst's own


def _uses(ctx: Context, nodes: list[cst.CSTNode], bound: set[str], me: str, variables: bool) -> Iterator[LambdaUse]:
    layers = _local_layers(ctx, nodes, me)
    tensors = _keras_tensors(ctx, nodes, layers) if variables else set()
    for node in nodes:
        if type(node) is not cst.Call or not is_lambda_layer(ctx, node):
            continue
        function = _function_argument(node)
        if isinstance(function, cst.Name):
            yield from _run(ctx, function, module_function(ctx, function, bound))
        elif isinstance(function, cst.Lambda):
            yield from _in_lambda(ctx, function, bound, layers, variables)
        elif isinstance(function, cst.Call):
            yield from _factory(ctx, function, bound, layers)
        yield from _through_arguments(node, tensors)


def _function_argument(call: cst.Call) -> cst.BaseExpression | None:
    for arg in call.args:
        if (arg.keyword is None and arg.star == "") or (arg.keyword is not None and arg.keyword.value == "function"):
            return arg.value
    return None


def _local_layers(ctx: Context, nodes: list[cst.CSTNode], me: str) -> set[str]:
    """Locals bound to a Keras layer or model built in the scope (`inner = Sequential([...])`)
    and not kept on `self` too (a layer on `self` is the outer layer's)."""
    built: set[str] = set()
    kept: set[str] = set()
    for node in nodes:
        if type(node) is not cst.Assign:
            continue
        for target in node.targets:
            if isinstance(target.target, cst.Name) and isinstance(node.value, cst.Call) and ctx.is_layer_class(
                    node.value.func):
                built.add(target.target.value)
            elif me and is_self_attribute(target.target, me) and isinstance(node.value, cst.Name):
                kept.add(node.value.value)
    return built - kept


def _keras_tensors(ctx: Context, nodes: list[cst.CSTNode], layers: set[str]) -> set[str]:
    """Locals bound to a Keras tensor of the functional graph: `keras.Input(...)`, or what a
    layer built there returns (`Dense(4)(a)`, `inner(a)`)."""
    found: set[str] = set()
    for node in nodes:
        if type(node) is not cst.Assign or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            continue
        value = node.value
        if not isinstance(value, cst.Call):
            continue
        func = value.func
        if ((ctx.resolve(func) or "") in api.KERAS_INPUTS
                or (isinstance(func, cst.Call) and ctx.is_layer_class(func.func))
                or (isinstance(func, cst.Name) and func.value in layers)):
            found.add(node.targets[0].target.value)
    return found


def _through_arguments(call: cst.Call, tensors: set[str]) -> Iterator[LambdaUse]:
    """`Lambda(f, arguments={"other": b})` where `b` is a Keras tensor."""
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value != "arguments" or not isinstance(arg.value, cst.Dict):
            continue
        for element in arg.value.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.value, cst.Name) and (
                    element.value.value in tensors):
                yield LambdaUse(element.value, "tensor", element.value.value)


def _in_lambda(ctx: Context, function: cst.Lambda, bound: set[str], layers: set[str],
               variables: bool) -> Iterator[LambdaUse]:
    params = {p.name.value for p in function.params.params}
    for node in walk(function.body):
        if type(node) is not cst.Call:
            continue
        resolved = ctx.resolve(node.func) or ""
        if isinstance(node.func, cst.Name) and node.func.value in params:
            continue
        if resolved in _VARIABLES:
            if variables:  # in a Keras class, KF112 finds it by `deferred_function`
                yield LambdaUse(node, "variable", dotted(node.func) or "a variable")
            continue
        if ctx.is_layer_class(node.func) and not api.is_weightless_layer(resolved):
            yield LambdaUse(node, "layer", dotted(node.func) or "a layer")
        elif isinstance(node.func, cst.Name) and node.func.value in layers:
            yield LambdaUse(node, "called", node.func.value)
        elif isinstance(node.func, cst.Name):
            yield from _run(ctx, node, module_function(ctx, node.func, bound | params))


def _run(ctx: Context, node: cst.CSTNode, name: str | None) -> Iterator[LambdaUse]:
    made = tuple(made_by(ctx, name)) if name else ()
    if made:
        kind = "variable" if any(m.kind == "variable" for m in made) else "layer"  # a TF1 layer too
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
