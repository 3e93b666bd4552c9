"""What a weight's initial value becomes in `add_weight`: a shape, an initializer and a dtype,
read from a literal, `tf.zeros(...)`, `tf.constant(...)`, `tf.fill(...)`, an initializer call or
a lambda calling one (the weight conversion of `_weight_args.py`)."""

from __future__ import annotations

import libcst as cst

from .. import keras_api as api
from .base import Context, source, walk
from .calls import bind, strip_comments

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
    if found is not None or _scalar_builtin(ctx, value) is not None:
        dtype = _scalar_dtype(ctx, value)
        # its comments follow the dropped argument (calls.layout), as a number's do
        initializer = constant_initializer(ctx, strip_comments(value))
        if initializer is None:  # `K.variable(1.5)` in a module that does not import tf
            return NO_TF_CONSTANT
        return cst.Tuple(elements=[]), initializer, dtype
    if isinstance(value, (cst.List, cst.Tuple)):
        return _constant(ctx, value, None, None, "literal")
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply):
        return _scaled(ctx, value)
    if not isinstance(value, cst.Call):
        return _unmapped(value)
    resolved = ctx.resolve(value.func) or ""
    factory = api.INITIAL_VALUE_FACTORIES.get(resolved)
    if factory is not None:
        return _factory_value(ctx, value, factory)
    if resolved in api.CONSTANT or resolved in api.NUMPY_ARRAY:
        params = api.CONSTANT_PARAMS if resolved in api.CONSTANT else api.NUMPY_ARRAY_PARAMS
        bound = bind(value, params)
        constant = bound.value(params[0]) if bound is not None and not bound.unknown else None
        if bound is None or constant is None:
            return f"cannot read the arguments of `{source(value.func)}`"
        shape = bound.value("shape") if "shape" in params else None
        return _constant(ctx, constant, bound.value("dtype"), shape, resolved)
    if resolved in api.FILL:
        bound = bind(value, api.FILL_PARAMS)
        readable = bound is not None and not bound.unknown
        dims, fill = (bound.value("dims"), bound.value("value")) if bound is not None and readable else (None, None)
        if dims is None or fill is None:
            return f"cannot read the arguments of `{source(value.func)}`"
        return _constant(ctx, fill, None, dims, resolved)
    return _initializer_call(ctx, value) or _unmapped(value)


def _unmapped(value: cst.BaseExpression) -> str:
    return f"its initial value `{source(value)}` does not map to an initializer"


def _factory_value(ctx: Context, value: cst.Call, factory: api.InitialValueFactory) -> Plan | str:
    """`tf.zeros(s)`, `np.ones(s)`, `tf.random.normal(s, ...)`: the shape and the initializer."""
    bound = bind(value, factory.params)
    shape = bound.value("shape") if bound is not None and not bound.unknown else None
    if bound is None or shape is None:
        return f"cannot read the arguments of `{source(value.func)}`"
    dims = as_shape(ctx, shape)
    if isinstance(dims, str):
        return dims
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
    return dims, initializer, bound.value(factory.dtype_param) if factory.dtype_param else None


def _constant(ctx: Context, constant: cst.BaseExpression, dtype: cst.BaseExpression | None,
              shape: cst.BaseExpression | None, kind: str) -> Plan | str:
    """A constant value (a literal, `tf.constant(v, shape=s)`, `np.array(v)`, `tf.fill(s, v)`):
    its shape written or read from the literal, `tf.constant_initializer(v)`, and the integer
    dtype a value of integer literals makes (`tf.Variable([1, 2])` is an int32 variable)."""
    dims = as_shape(ctx, shape) if shape is not None else _literal_shape(constant)
    if dims is None:
        return ("tf.constant's shape is not written out: add `shape=` to it first" if kind in api.CONSTANT
                else _unmapped(constant))
    if isinstance(dims, str):
        return dims
    init = constant_initializer(ctx, constant)
    if init is None:
        return NO_TF_CONSTANT
    if dtype is None and _integers(constant):
        dtype = cst.parse_expression(api.INTEGER_DTYPE[kind])
    return dims, init, dtype


def _scaled(ctx: Context, value: cst.BinaryOperation) -> Plan | str:
    """`c * tf.ones(s)` (or `tf.ones(s) * c`, `np.ones`): shape `s`, `tf.constant_initializer(c)`."""
    ones, scale = _ones_and_scale(ctx, value)
    if ones is None or scale is None:
        return _unmapped(value)
    planned = _factory_value(ctx, ones, api.INITIAL_VALUE_FACTORIES[ctx.resolve(ones.func) or ""])
    if isinstance(planned, str):
        return planned
    init = constant_initializer(ctx, scale)
    return (planned[0], init, planned[2]) if init is not None else NO_TF_CONSTANT


def _ones_and_scale(ctx: Context, value: cst.BinaryOperation):
    """(the `tf.ones(...)` call, the other factor) of a product, else (None, None)."""
    for ones, scale in ((value.right, value.left), (value.left, value.right)):
        if isinstance(ones, cst.Call):
            factory = api.INITIAL_VALUE_FACTORIES.get(ctx.resolve(ones.func) or "")
            if factory is not None and factory.initializer == '"ones"':
                return ones, scale
    return None, None


def value_caveat(ctx: Context, value: cst.BaseExpression | None) -> str | None:
    """Why a planned initial value may not make the same variable (the fix is then unsafe):
    `c * tf.ones(s)` with a `c` not known to be a number. tf.constant_initializer raises
    TypeError on a tensor (measured, both lines) and cannot broadcast an array of another shape."""
    if not isinstance(value, cst.BinaryOperation) or not isinstance(value.operator, cst.Multiply):
        return None
    _, scale = _ones_and_scale(ctx, value)
    if scale is None or number(scale) is not None or _scalar_builtin(ctx, scale) is not None:
        return None
    return (f"`{source(scale)}` is not known to be a number: tf.constant_initializer raises TypeError on a tensor, "
            "and cannot broadcast an array of another shape")


def as_shape(ctx: Context, shape: cst.BaseExpression) -> cst.BaseExpression | str:
    """A tensor factory's shape as add_weight takes it: `tf.zeros(3)` is a `(3,)` tensor, but
    add_weight raises on a number (both lines, measured); `(3,)` for a literal, a shape
    expression as it is, anything else through `tf.TensorShape(...)` (an int or a list alike)."""

    if isinstance(shape, cst.Integer):
        return cst.Tuple(elements=[cst.Element(shape, comma=cst.Comma())])
    if is_shape_expression(ctx, shape) or _assigned_shapes(ctx).get(_assigned_name(shape) or "", False):
        return shape
    alias = ctx.imports.tf_alias()
    if alias is None:
        return f"its shape `{source(shape)}` may be a number, which add_weight refuses: no `tf` import to spell " \
               "tf.TensorShape"
    return cst.Call(func=cst.parse_expression(f"{alias}.TensorShape"), args=[cst.Arg(shape)])


def _assigned_name(expr: cst.BaseExpression) -> str | None:
    """`x` for a name `x` or an attribute `obj.x`."""
    if isinstance(expr, cst.Name):
        return expr.value
    return expr.attr.value if isinstance(expr, cst.Attribute) else None


def _assigned_shapes(ctx: Context) -> dict[str, bool]:
    """For each name or attribute name assigned in the module: whether every value assigned to it
    is a shape expression (`self.kernel_shape = (1, n)`), memoised."""

    def compute() -> dict[str, bool]:
        found: dict[str, bool] = {}
        for node in walk(ctx.module):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    name = _assigned_name(target.target)
                    if name is not None:
                        found[name] = found.get(name, True) and is_shape_expression(ctx, node.value)
            elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.Param, cst.For)):
                name = _assigned_name(node.name if isinstance(node, cst.Param) else node.target)
                if name is not None:  # a parameter or loop name may be anything
                    found[name] = False
        return found

    return ctx.memo("assigned-shapes", compute)


def _scalar_builtin(ctx: Context, value: cst.BaseExpression) -> str | None:
    """`float(x)` or `int(x)` (the builtins, one argument): the name, else None."""
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and len(value.args) == 1 \
            and value.args[0].keyword is None and not value.args[0].star:
        name = value.func.value
        if name in api.SCALAR_BUILTINS and not ctx.imports.is_bound(name):
            return name
    return None


def _scalar_dtype(ctx: Context, value: cst.BaseExpression) -> cst.BaseExpression | None:
    builtin = _scalar_builtin(ctx, value)
    if builtin is not None:
        dtype = api.SCALAR_BUILTINS[builtin]
        return cst.parse_expression(dtype) if dtype else None
    found = number(value)
    return cst.SimpleString('"int32"') if found is not None and found[1] else None


def _integers(value: cst.BaseExpression) -> bool:
    """A number or nested list of numbers, every one an integer literal."""
    found = number(value)
    if found is not None:
        return found[1]
    if isinstance(value, (cst.List, cst.Tuple)) and value.elements:
        return all(_integers(e.value) for e in value.elements)
    return False


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


def is_shape_expression(ctx: Context, expr: cst.BaseExpression) -> bool:
    """`expr` is a shape, never a bare number: a list or tuple display, a slice of one
    (`input_shape[1:]`), a `.shape`, `tf.TensorShape(...)`, `x.get_shape()`, `.as_list()`,
    `list(...)` / `tuple(...)`, or a sum of such."""
    if isinstance(expr, (cst.List, cst.Tuple, cst.ListComp)):
        return True
    if isinstance(expr, cst.Subscript):
        return any(isinstance(e.slice, cst.Slice) for e in expr.slice)
    if isinstance(expr, cst.Attribute):
        return expr.attr.value == "shape"
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return is_shape_expression(ctx, expr.left) or is_shape_expression(ctx, expr.right)
    if isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Name) and func.value in ("list", "tuple") and not ctx.imports.is_bound(func.value):
            return True
        if isinstance(func, cst.Attribute) and func.attr.value in ("get_shape", "as_list", "TensorShape"):
            return True
    return False
