"""What a weight's initial value becomes in `add_weight`: a shape, an initializer and a dtype,
read from a literal, `tf.zeros(...)`, `tf.constant(...)`, `tf.fill(...)`, an initializer call or
a lambda calling one (the weight conversion of `_weight_args.py`)."""

from __future__ import annotations

import libcst as cst

from .. import keras_api as api
from .base import Context, source, walk
from .calls import bind

NO_TF_CONSTANT = "no `tf` import to spell tf.constant_initializer"

# (shape, initializer, dtype or None) of a planned add_weight
Plan = tuple[cst.BaseExpression, cst.BaseExpression, "cst.BaseExpression | None"]


def initial_value(ctx: Context, value: cst.BaseExpression) -> Plan | str:
    """(shape, initializer, dtype or None) for an initial value, or the reason there is none."""
    if isinstance(value, cst.Lambda) and not value.params.params and isinstance(value.body, cst.Call):
        return _initializer_call(ctx, value.body) or "the lambda does not call an initializer"
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        filled = '"ones"' if value.value == "True" else '"zeros"'
        return cst.Tuple(elements=[]), cst.SimpleString(filled), cst.SimpleString('"bool"')
    found = number(value)
    if found is not None:
        literal, is_int = found
        dtype = cst.SimpleString('"int32"') if is_int else None
        initializer = constant_initializer(ctx, literal)
        if initializer is None:  # `K.variable(1.5)` in a module that does not import tf
            return NO_TF_CONSTANT
        return cst.Tuple(elements=[]), initializer, dtype
    if not isinstance(value, cst.Call):
        return f"its initial value `{source(value)}` does not map to an initializer"
    resolved = ctx.resolve(value.func)
    factory = api.INITIAL_VALUE_FACTORIES.get(resolved or "")
    if factory is not None:
        bound = bind(value, factory.params)
        shape = bound.value("shape") if bound is not None and not bound.unknown else None
        if bound is None or shape is None:
            return f"cannot read the arguments of `{source(value.func)}`"
        if factory.initializer.startswith('"'):
            initializer = cst.parse_expression(factory.initializer)
        else:
            spelled = ctx.imports.spell_keras(factory.initializer)
            if spelled is None:
                return f"no import in this module can spell keras.{factory.initializer}"
            parts = []
            for keyword, param, default in factory.initializer_args:
                code = bound.code(param)
                if code is None and keyword == "seed":
                    continue
                parts.append(f"{keyword}={code if code is not None else default}")
            initializer = cst.parse_expression(f"{spelled}({', '.join(parts)})")
        return shape, initializer, bound.value(factory.dtype_param) if factory.dtype_param else None
    if resolved in api.CONSTANT:
        bound = bind(value, api.CONSTANT_PARAMS)
        constant = bound.value("value") if bound is not None and not bound.unknown else None
        if bound is None or constant is None:
            return f"cannot read the arguments of `{source(value.func)}`"
        shape = bound.value("shape") or _literal_shape(constant)
        if shape is None:
            return "tf.constant's shape is not written out: add `shape=` to it first"
        init = constant_initializer(ctx, constant)
        return (shape, init, bound.value("dtype")) if init is not None else NO_TF_CONSTANT
    if resolved in api.FILL:
        bound = bind(value, api.FILL_PARAMS)
        readable = bound is not None and not bound.unknown
        dims, fill = (bound.value("dims"), bound.value("value")) if bound is not None and readable else (None, None)
        if dims is None or fill is None:
            return f"cannot read the arguments of `{source(value.func)}`"
        init = constant_initializer(ctx, fill)
        return (dims, init, None) if init is not None else NO_TF_CONSTANT
    planned = _initializer_call(ctx, value)
    return planned or f"its initial value `{source(value)}` does not map to an initializer"


def _initializer_call(ctx: Context, call: cst.Call) -> Plan | None:
    """`init(shape, dtype=...)` where `init` is an initializer object -> (shape, init, dtype)."""
    func = call.func
    factory = ctx.resolve(func.func) if isinstance(func, cst.Call) else None
    is_initializer = factory is not None and api.is_initializer_factory(factory)
    if not is_initializer:
        is_initializer = _bound_to_initializer(ctx, func)
    if not is_initializer:
        return None
    bound = bind(call, ("shape", "dtype"))
    shape = bound.value("shape") if bound is not None and not bound.unknown else None
    if bound is None or shape is None:
        return None
    return shape, func, bound.value("dtype")


def _bound_to_initializer(ctx: Context, expr: cst.BaseExpression) -> bool:
    """`expr` is a name assigned an initializer (`w_init = tf.random_normal_initializer()`)
    somewhere in the module: the TF 2 guide's own pattern."""
    if not isinstance(expr, cst.Name):
        return False
    for node in walk(ctx.module):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
            for target in node.targets:
                if isinstance(target.target, cst.Name) and target.target.value == expr.value:
                    resolved = ctx.resolve(node.value.func)
                    if resolved is not None and api.is_initializer_factory(resolved):
                        return True
    return False


def number(node: cst.BaseExpression):
    """(the literal, is it an int) for `3`, `-0.5`, else None."""
    inner = node.expression if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) else node
    if isinstance(inner, cst.Integer):
        return node, True
    if isinstance(inner, cst.Float):
        return node, False
    return None


def _literal_shape(value: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """The shape of a number or a rectangular nested list of numbers, written out."""
    def shape_of(node):
        if number(node) is not None:
            return []
        if isinstance(node, (cst.List, cst.Tuple)) and node.elements:
            inner = [shape_of(e.value) for e in node.elements]
            if any(s is None for s in inner) or any(s != inner[0] for s in inner):
                return None
            return [len(node.elements)] + inner[0]
        return None

    dims = shape_of(value) if value is not None else None
    if dims is None:
        return None
    return cst.parse_expression(f"[{', '.join(map(str, dims))}]" if dims else "()")


def constant_initializer(ctx: Context, value: cst.BaseExpression) -> cst.BaseExpression | None:
    code = source(value)
    if code in ("0", "0.0", "0."):
        return cst.SimpleString('"zeros"')
    if code in ("1", "1.0", "1."):
        return cst.SimpleString('"ones"')
    tf_alias = ctx.imports.tf_alias()
    if tf_alias is None:
        return None
    return cst.parse_expression(f"{tf_alias}.constant_initializer({code})")
