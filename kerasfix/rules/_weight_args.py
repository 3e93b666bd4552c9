"""The conversion of a weight call (`tf.get_variable`, `tf.Variable`, `K.variable`, a legacy
`add_weight` or `add_variable`) into a portable, keyword `self.add_weight(...)`: its fix, or
why a person must write it. Shared by the weight rules (each words its own message), by the
fold of a weight-list append (`_weight_folds.py`) and by KF103 (`as_add_weight`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, Replace, Safety
from .base import Context, KerasClass, dotted, source, walk
from .calls import (Bound, as_keyword, bind, has_literal_slash, is_shape_literal, is_string, keyword_arg, layout,
                    rebuilt, replace_slashes)
from ._weight_values import Plan, initial_value, is_shape_expression, value_caveat


@dataclass(frozen=True)
class Trained:
    """Whether the original trained a variable: the `trainable=` to write (None: the default,
    True), why, in the message, or why it cannot be known (the fix is then unsafe)."""

    value: cst.BaseExpression | None = None
    why: str = ""
    unknown: str | None = None


NOT_TRAINED = cst.Name("False")
_COUNTER = "an integer or boolean variable is a counter or a flag, never trained"


@dataclass(frozen=True)
class Conversion:
    """A weight call as a keyword add_weight (`fix`), or why a person must write it (`manual`;
    `starred`: its arguments use * or ** and cannot be read)."""

    fix: Fix | None = None
    manual: tuple[str, ...] = ()
    starred: bool = False
    trained: Trained = field(default_factory=Trained)
    unsafe: str | None = None  # why the fix may change what the code does (it is then unsafe)
    problems: tuple[str, ...] = ()  # a keyword add_weight / add_variable: what Keras 3 rejects or misreads
    legacy: bool = False  # only its keywords are wrong (no positional argument to reorder)


# --- converting arguments ---------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """What becomes of one argument: passed as `keyword`, its value through `transform`."""

    keyword: str
    transform: Callable[[cst.BaseExpression], cst.BaseExpression] | None = None

    def apply(self, arg: cst.Arg) -> cst.Arg:
        arg = as_keyword(arg, self.keyword)
        return arg.with_changes(value=self.transform(arg.value)) if self.transform else arg


@dataclass
class Converted:
    """add_weight arguments planned from another call, or why a person must do it."""

    plans: list[Planned | None]  # one per original argument; None: dropped
    manual: list[str]
    unsafe: list[str] = field(default_factory=list)  # why the converted call may behave otherwise


def convert(call: cst.Call, bound: Bound, policy: api.ArgumentPolicy, *, lenient_strings: bool = False,
            literal: Callable[[cst.BaseExpression], bool] | None = None, keras3_aggregation: bool = False) -> Converted:
    """`literal`: whether a name expression provably holds no `/` (`literal_binding`); None: a
    plain variable is kept as it is, as in a call already add_weight. `keras3_aggregation`: an
    `aggregation=` enum becomes Keras 3's string, unsafely (add_variable, which only Keras 3 breaks)."""
    plans: list[Planned | None] = [Planned(a.keyword.value) if a.keyword else None for a in call.args]
    manual: list[str] = []
    unsafe: list[str] = []
    for name in bound.unknown:
        if name not in policy.renamed and name not in policy.drop_when and name not in policy.manual \
                and name not in policy.keep:
            manual.append(f"add_weight has no `{name}` argument")
    for name, (index, arg) in bound.args.items():
        code = source(arg.value)
        spellings = policy.drop_when.get(name)
        if name in policy.drop_when and (spellings is None or code in spellings):
            plans[index] = None
        elif lenient_strings and name in ("aggregation", "synchronization") and is_string(arg.value):
            plans[index] = Planned(name)  # already Keras 3 style
        elif keras3_aggregation and name == "aggregation" and code in api.AGGREGATION_STRINGS:
            text = f'"{api.AGGREGATION_STRINGS[code]}"'
            plans[index] = Planned(name, _constant(cst.SimpleString(text)))
            unsafe.append(f"Keras 3's add_weight wants `aggregation={text}` (ValueError on the enum), tf_keras "
                          f"`aggregation={code}` (ValueError on the string), measured: no spelling runs on both, so "
                          "this one is Keras 3's; keep the enum where the project runs on tf_keras")
        elif name in policy.manual:
            manual.append(policy.manual[name])
        elif name in policy.renamed:
            plans[index] = Planned(policy.renamed[name])
        elif name == "name" and name in policy.keep and _may_hold_slash(arg.value, literal):
            plans[index] = Planned(name, sanitised_name)
            how = "passed in a variable" if variable_name(arg.value) else "computed"
            unsafe.append(f"the name `{source(arg.value)}` is {how} and may hold a `/`, which Keras 3 refuses: "
                          "each `/` becomes `_`, which renames the variable in tf_keras checkpoints")
        elif name in policy.keep:
            slashes = name == "name" and has_literal_slash(arg.value) and not sanitised(arg.value)
            plans[index] = Planned(name, replace_slashes if slashes else None)
    return Converted(plans, manual, unsafe)


def _constant(value: cst.BaseExpression) -> Callable[[cst.BaseExpression], cst.BaseExpression]:
    return lambda _: value


def computed_name(expr: cst.BaseExpression) -> bool:
    """A name built by the code (an f-string with fields, `+`, `%`, `.format()`, `.join()`): it
    may hold a `/` (a scope's name, `+ "/"`). A name passed in a variable is taken as it is."""
    if isinstance(expr, cst.FormattedString):
        return any(isinstance(part, cst.FormattedStringExpression) for part in expr.parts)
    if isinstance(expr, cst.BinaryOperation):
        return isinstance(expr.operator, (cst.Add, cst.Modulo))
    return (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value in ("format", "join"))


def _may_hold_slash(expr: cst.BaseExpression, literal: Callable[[cst.BaseExpression], bool] | None) -> bool:
    """A weight name that is not a string literal and not provably free of `/` (`literal`): a
    name computed by a call (`scoped("kernel")`, a TF1 helper that appends the scope and `/`),
    taken from an attribute, a subscript or a variable, is never kept silently. Without
    `literal` (the call is already `add_weight`), only a name built in place."""
    if literal is None:
        return computed_name(expr)
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)) or (
            isinstance(expr, cst.Name) and expr.value == "None"):
        return False  # a literal's own `/` is rewritten in place
    return not literal(expr)


def variable_name(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value not in ("None", "True", "False")


def literal_binding(ctx: Context, call: cst.Call, me: str | None) -> Callable[[cst.BaseExpression], bool]:
    """Whether a weight name given at `call` provably holds no `/` (get_variable takes it, Keras
    3's add_weight raises ValueError on it, measured): built only of string literals without
    `/` and the layer's own name (Keras 3 refuses a `/` in a layer's name, ValueError, measured;
    tf_keras's add_weight takes one), or a variable the method holding `call` binds only to such
    values (never a parameter, a loop target, ...)."""
    def literal(expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Name):
            return slash_free(expr, me)
        for cls in ctx.keras_classes:
            for method, nodes in cls.method_nodes.items():
                if any(node is call for node in nodes):
                    func = cls.methods[method]
                    return expr.value in _literal_locals(func, me) or _literal_argument(cls, func, expr.value)
        return False

    return literal


def slash_free(expr: cst.BaseExpression, me: str | None) -> bool:
    """`expr` is built of string literals without `/`, numbers and the layer's name (`self.name`)."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        text = expr.evaluated_value
        return isinstance(text, str) and "/" not in text
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Attribute):
        return me is not None and isinstance(expr.value, cst.Name) and expr.value.value == me \
            and expr.attr.value == "name"
    if isinstance(expr, cst.FormattedString):
        return all("/" not in part.value if isinstance(part, cst.FormattedStringText)
                   else isinstance(part, cst.FormattedStringExpression) and part.format_spec is None
                   and slash_free(part.expression, me) for part in expr.parts)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo)):
        return slash_free(expr.left, me) and slash_free(expr.right, me)
    if isinstance(expr, cst.Tuple):
        return all(slash_free(e.value, me) for e in expr.elements)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format":
        return slash_free(expr.func.value, me) and all(not a.star and slash_free(a.value, me) for a in expr.args)
    return False


def _literal_locals(func: cst.FunctionDef, me: str | None) -> frozenset[str]:
    """The names a function (and what it nests) binds only to values without `/` (`slash_free`)."""
    good: set[str] = set()
    bad: set[str] = set()
    for node in walk(func):
        if isinstance(node, cst.Assign):
            free = slash_free(node.value, me)
            for target in node.targets:
                if isinstance(target.target, cst.Name) and free:
                    good.add(target.target.value)
                else:
                    bad.update(_names(target.target))
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr)):
            bad.update(_names(node.target))
        elif isinstance(node, (cst.WithItem, cst.ExceptHandler)):
            asname = node.asname if isinstance(node, cst.WithItem) else node.name
            bad.update(_names(asname.name) if asname is not None else ())
        elif isinstance(node, cst.Param):
            bad.add(node.name.value)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            bad.update(item.name.value for item in node.names)
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            bad.update(_names(node))
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node is not func:
            bad.add(node.name.value)
    return frozenset(good - bad)


def _literal_argument(cls: KerasClass, func: cst.FunctionDef, name: str) -> bool:
    """`name` is a parameter of a private method that the class only calls, each time passing
    it a string literal without `/` (`self._weight("w", ...)`)."""
    params = [p.name.value for p in func.params.params]
    if not func.name.value.startswith("_") or name not in params[1:] or any(
            p.name.value == name for p in func.params.kwonly_params):
        return False
    position = params.index(name) - 1
    uses = [node for nodes in cls.method_nodes.values() for node in nodes
            if isinstance(node, cst.Attribute) and node.attr.value == func.name.value]
    calls = [node for nodes in cls.method_nodes.values() for node in nodes
             if isinstance(node, cst.Call) and any(node.func is use for use in uses)]
    if not calls or len(calls) != len(uses):
        return False  # also referred to otherwise (passed on, say)
    for site in calls:
        if any(a.star for a in site.args):
            return False
        given = [a.value for a in site.args if a.keyword is not None and a.keyword.value == name]
        positional = [a.value for a in site.args if a.keyword is None]
        value = given[0] if given else positional[position] if position < len(positional) else None
        text = value.evaluated_value if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)) else None
        if not isinstance(text, str) or "/" in text:
            return False
    return True


def _names(node: cst.CSTNode) -> set[str]:
    return {n.value for n in walk(node) if isinstance(n, cst.Name)}


def sanitised(expr: cst.BaseExpression) -> bool:
    """`expr` is `<name>.replace("/", "_")`, as `sanitised_name` writes it."""
    return (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "replace"
            and len(expr.args) == 2 and isinstance(expr.args[0].value, cst.SimpleString)
            and expr.args[0].value.evaluated_value == "/")


def sanitised_name(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`(expr).replace("/", "_")`: the name Keras 3 accepts."""
    if isinstance(expr, cst.BinaryOperation) and not expr.lpar:
        expr = expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return cst.Call(func=cst.Attribute(value=expr, attr=cst.Name("replace")),
                    args=[cst.Arg(cst.SimpleString('"/"'), comma=comma), cst.Arg(cst.SimpleString('"_"'))])


def rewrite_call(func: cst.BaseExpression, converted: Converted, extra: tuple[cst.Arg, ...] = ()):
    """A composable edit: the call, renamed, with its arguments converted and `extra` added."""

    def apply(updated: cst.Call) -> cst.Call:
        replacements = [None if plan is None else plan.apply(arg)
                        for plan, arg in zip(converted.plans, updated.args)]
        call = rebuilt(updated, replacements)
        if extra:  # after the last argument, which hands its comma (and what follows it) on
            args = list(call.args)
            last = args[-1].comma if args else cst.MaybeSentinel.DEFAULT
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            args = [*args[:-1], *(a.with_changes(comma=comma) for a in args[-1:])]
            args += [a.with_changes(comma=comma) for a in extra[:-1]] + [extra[-1].with_changes(comma=last)]
            call = call.with_changes(args=args)
        return call.with_changes(func=func)

    return apply


def self_add_weight(me: str) -> cst.Attribute:
    return cst.Attribute(value=cst.Name(me), attr=cst.Name("add_weight"))


# --- tf.get_variable ---------------------------------------------------------------------------


def convert_get_variable(ctx: Context, call: cst.Call, me: str | None, defaults: str | None) -> Conversion:
    """`defaults`: what an enclosing variable scope sets for the variable, e.g. "initializer"."""
    bound = bind(call, api.GET_VARIABLE_PARAMS)
    if bound is None:
        return Conversion(starred=True)
    converted = convert(call, bound, api.GET_VARIABLE_POLICY, literal=literal_binding(ctx, call, me))
    initializer = bound.value("initializer")
    tensor = isinstance(initializer, cst.Call) and ctx.resolve(initializer.func) in api.TENSOR_FACTORIES
    # with no `shape`, TF1 takes the shape from the initializer: it can only be a tensor or a
    # value (`initializer=self.v_norm`), which add_weight refuses (ValueError on both lines)
    if initializer is not None and (tensor or bound.value("shape") is None):
        converted.manual.append("a tensor `initializer` fixes both value and shape: "
                                "pass `shape=` and an initializer such as `tf.constant_initializer(...)`")
    if defaults:
        converted.manual.append(f"the enclosing variable scope sets `{defaults}` for it: "
                                "pass that to add_weight by hand")
    if me is None:
        converted.manual.append("a static or class method has no `self` to call add_weight on")
    if converted.manual:
        return Conversion(manual=tuple(converted.manual))
    assert me is not None  # else a person was asked to finish it, above
    unsafe = "; ".join([*converted.unsafe, *filter(None, [_shape_as_add_weight_takes_it(ctx, bound, converted)])])
    trained = Trained()
    if bound.code("trainable") in (None, "None") and untrainable_dtype(ctx, bound.value("dtype")):
        trained = Trained(NOT_TRAINED, _COUNTER)
    extra = (keyword_arg("trainable", trained.value),) if trained.value is not None else ()
    fix = Fix((Replace(call, rewrite_call(self_add_weight(me), converted, extra)),),
              Safety.UNSAFE if unsafe else Safety.SAFE)
    return Conversion(fix, trained=trained, unsafe=unsafe or None)


def _shape_as_add_weight_takes_it(ctx: Context, bound: Bound, converted: Converted) -> str | None:
    """get_variable takes a scalar shape (`shape=5` makes a `(5,)` variable), add_weight raises
    on it on both lines (ValueError on Keras 3, TypeError on tf_keras, measured); both take
    `tf.TensorShape(v)` for an int, a list or a tuple alike. A shape not known to be one is
    passed through `tf.TensorShape(...)`; without `tf` to spell it, the fix is unsafe (why)."""
    item = bound.args.get("shape")
    if item is None or is_shape_expression(ctx, item[1].value):
        return None
    alias = ctx.imports.tf_alias()
    if alias is None:
        return (f"its shape `{source(item[1].value)}` may be a number, which add_weight refuses: no `tf` import "
                "to spell tf.TensorShape")
    wrap = cst.parse_expression(f"{alias}.TensorShape")
    converted.plans[item[0]] = Planned("shape", lambda value: cst.Call(func=wrap, args=[cst.Arg(value)]))
    return None


# --- tf.Variable and keras.backend.variable ----------------------------------------------------


def convert_variable(ctx: Context, call: cst.Call, me: str | None, backend: bool = False,
                     appended: list[tuple[str, bool]] | None = None, trained: Trained | None = None,
                     scalar: cst.BaseExpression | None = None) -> Conversion:
    """`tf.Variable(...)`, or `keras.backend.variable(...)` (`backend`). `appended`: the
    weight lists the variable is appended to (and whether under a condition); `trained`: what
    a caller already knows of its trainability; `scalar`: the constant initializer of a value
    the caller knows to be a number."""
    params, policy, value_param = (
        (api.BACKEND_VARIABLE_PARAMS, api.BACKEND_VARIABLE_POLICY, "value")
        if backend else (api.VARIABLE_PARAMS, api.VARIABLE_POLICY, "initial_value"))
    bound = bind(call, params)
    if bound is None:
        return Conversion(starred=True)
    converted = convert(call, bound, policy, literal=literal_binding(ctx, call, me))
    initial = bound.value(value_param)
    planned = _planned_value(ctx, initial, scalar, converted.manual)
    converted.unsafe.extend(filter(None, [value_caveat(ctx, initial)]))
    if me is None:
        converted.manual.append("a static or class method has no `self` to call add_weight on")
    if converted.manual:
        return Conversion(manual=tuple(converted.manual))
    assert me is not None and planned is not None  # else manual, above
    shape, initializer, dtype = planned
    if backend:
        dtype = None  # keras.backend.variable casts any value to floatx() unless given `dtype=` (measured)
    index = bound.args[value_param][0]
    kept = [plan.apply(arg) for i, (plan, arg) in enumerate(zip(converted.plans, call.args))
            if i != index and plan is not None]
    by_name = {a.keyword.value: a for a in kept if a.keyword is not None}  # every one: plans are keywords
    new_args = [by_name.pop("name")] if "name" in by_name else []
    new_args += [keyword_arg("shape", shape), keyword_arg("initializer", initializer)]
    if dtype is not None and "dtype" not in by_name:
        new_args.append(keyword_arg("dtype", dtype))
    if trained is None:
        explicit = by_name["dtype"].value if "dtype" in by_name else dtype
        trained = _original_trainability(ctx, call, backend, explicit, appended or [])
    if "trainable" in by_name:
        trained = Trained()  # written out: kept as it is
    elif trained.value is not None:
        by_name["trainable"] = keyword_arg("trainable", trained.value)
    new_args.extend(by_name.values())
    new_call = call.with_changes(func=self_add_weight(me), args=layout(call, [
        a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in new_args]))
    unsafe = "; ".join(converted.unsafe) or None
    safety = Safety.UNSAFE if trained.unknown or unsafe else Safety.SAFE
    return Conversion(Fix((Replace(call, new_call),), safety), trained=trained, unsafe=unsafe)


def _planned_value(ctx: Context, initial: cst.BaseExpression | None, scalar: cst.BaseExpression | None,
                   manual: list[str]) -> Plan | None:
    """The (shape, initializer, dtype) of the variable's initial value; else None, and why in `manual`."""
    planned = initial_value(ctx, initial) if initial is not None else None
    if isinstance(planned, str) and scalar is not None:
        planned = cst.Tuple(elements=[]), scalar, None
    if initial is None:
        manual.append("it has no initial value")
    elif isinstance(planned, str):
        manual.append(planned)
    return None if isinstance(planned, str) else planned


# --- which variables the original trained -----------------------------------------------------


def _original_trainability(ctx: Context, call: cst.Call, backend: bool, dtype: cst.BaseExpression | None,
                           appended: list[tuple[str, bool]]) -> Trained:
    if untrainable_dtype(ctx, dtype):
        return Trained(NOT_TRAINED, _COUNTER)
    if appended:
        lists = {name in api.TRAINABLE_WEIGHT_LISTS for name, _ in appended}
        if any(conditional for _, conditional in appended) or len(lists) > 1:
            return Trained(unknown="it is appended to a weight list only under a condition, so whether the "
                                   "original trained it depends on that condition")
        if lists == {False} and not (backend and untracking_keras(ctx, call)):
            return Trained(unknown="it is appended to a non-trainable weight list, but tf.keras 2 also tracked "
                                   "it as an attribute and trained it")
        if lists == {False}:
            return Trained(NOT_TRAINED, "it is appended to a non-trainable weight list")
        return Trained()
    if not backend:
        return Trained()  # tf.Variable: trainable by default, and tf.keras 2 trained it
    qualified = ctx.imports.qualify_dotted(dotted(call.func) or "") or ""
    if qualified.startswith(api.TF_KERAS_IMPORTS):
        return Trained()
    if untracking_keras(ctx, call):
        return Trained(NOT_TRAINED, "the multi-backend Keras 2 it was written for never trained a "
                                    "`K.variable` kept out of the weight lists")
    return Trained(unknown=f"which Keras `{source(call.func)}` comes from is unknown, and with it whether "
                           "the original trained the variable (tf.keras 2 did, multi-backend Keras 2 did not)")


def untracking_keras(ctx: Context, call: cst.Call) -> bool:
    """`K.variable` imported from a Keras 2 that never tracked a variable assigned to a layer."""
    qualified = ctx.imports.qualify_dotted(dotted(call.func) or "") or ""
    return qualified.startswith(api.UNTRACKING_KERAS_IMPORTS)


def untrainable_dtype(ctx: Context, dtype: cst.BaseExpression | None) -> bool:
    if dtype is None:
        return False
    if isinstance(dtype, cst.SimpleString):
        name = dtype.evaluated_value
    elif isinstance(dtype, cst.Name) and not ctx.imports.is_bound(dtype.value):
        name = dtype.value  # the builtins `int` and `bool`
    else:
        resolved = ctx.resolve(dtype) or ""
        name = resolved.rsplit(".", 1)[-1] if resolved.startswith(("tf.", "numpy.")) else ""
    return isinstance(name, str) and name.rstrip("_") in api.UNTRAINABLE_DTYPES


# --- add_weight and add_variable -----------------------------------------------------------------


def convert_add_weight(call: cst.Call) -> Conversion | None:
    """A positional add_weight by keyword, or a keyword one's legacy arguments (`legacy`);
    None when there is nothing to change (or its arguments use * or **)."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if any(a.star for a in call.args):
        return None
    if not positional:
        return _legacy_keywords(call)
    return _reordered(call, api.ADD_WEIGHT_KERAS3_POSITIONAL if shape_first(call) else api.ADD_WEIGHT_KERAS2_PARAMS,
                      call.func)


def shape_first(call: cst.Call) -> bool:
    """A positional add_weight visibly in Keras 3's order: a shape literal first, a string
    second (an initializer), or a lone positional argument beside `name=` (only the shape can
    be first then, whatever the expression)."""
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    named = any(a.keyword is not None and a.keyword.value == "name" for a in call.args)
    return bool(positional) and (is_shape_literal(positional[0]) or (len(positional) > 1 and is_string(positional[1]))
                                 or (len(positional) == 1 and named))


def convert_add_variable(call: cst.Call) -> Conversion | None:
    """Keras 2's `add_variable` (an alias of add_weight) as a keyword add_weight; a keyword
    call valid on both lines as written only for its legacy arguments (`legacy`)."""
    if any(a.star for a in call.args):
        return None
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    positional = [a for a in call.args if a.keyword is None]
    if not positional and {"shape", "initializer"} <= keywords and keywords <= set(api.ADD_VARIABLE_KERAS3_PARAMS):
        return _legacy_keywords(call)
    keras3_order = bool(positional) and (is_shape_literal(positional[0].value)
                                         or (len(positional) > 1 and is_string(positional[1].value)))
    params = api.ADD_VARIABLE_KERAS3_PARAMS if keras3_order else api.ADD_WEIGHT_KERAS2_PARAMS
    assert isinstance(call.func, cst.Attribute)  # `self.add_variable`
    return _reordered(call, params, call.func.with_changes(attr=cst.Name("add_weight")), keras3_aggregation=True)


def _reordered(call: cst.Call, params: tuple[str, ...], func: cst.BaseExpression,
               keras3_aggregation: bool = False) -> Conversion:
    bound = bind(call, params)
    if bound is None:
        return Conversion(starred=True)
    converted = convert(call, bound, api.ADD_WEIGHT_POLICY, lenient_strings=True, keras3_aggregation=keras3_aggregation)
    if converted.manual:
        return Conversion(manual=tuple(converted.manual))
    return _rewritten(call, func, converted)


def _rewritten(call: cst.Call, func: cst.BaseExpression, converted: Converted, problems: tuple[str, ...] = (),
               legacy: bool = False) -> Conversion:
    unsafe = "; ".join(converted.unsafe) or None
    fix = Fix((Replace(call, rewrite_call(func, converted)),), Safety.UNSAFE if unsafe else Safety.SAFE)
    return Conversion(fix, unsafe=unsafe, problems=problems, legacy=legacy)


def _legacy_keywords(call: cst.Call) -> Conversion | None:
    """A keyword-only call with arguments Keras 3 rejects or misreads (None: it has none)."""
    bound = bind(call, api.ADD_WEIGHT_KEYWORDS)
    if bound is None:
        return None
    converted = convert(call, bound, api.ADD_WEIGHT_POLICY, lenient_strings=True)
    problems = tuple(legacy_arguments(bound))
    if not problems:
        return None
    if converted.manual:
        return Conversion(manual=tuple(converted.manual), problems=problems, legacy=True)
    return _rewritten(call, call.func, converted, problems=problems, legacy=True)


def legacy_arguments(bound: Bound) -> list[str]:
    problems = []
    code = {name: source(arg.value) for name, (_, arg) in bound.args.items()}
    if code.get("trainable") == "None":
        problems.append("`trainable=None` makes the weight non-trainable on Keras 3")
    if "use_resource" in code:
        problems.append("`use_resource` raises TypeError on Keras 3")
    if "experimental_autocast" in code:
        problems.append("`experimental_autocast` raises TypeError on Keras 3 (now `autocast`)")
    name = bound.value("name")
    if name is not None and has_literal_slash(name) and not sanitised(name):
        problems.append("a `/` in the name raises ValueError on Keras 3")
    for enum_arg in api.ADD_WEIGHT_STRING_ONLY:
        value = bound.value(enum_arg)
        if value is not None and not is_string(value):
            problems.append(f"`{enum_arg}={code[enum_arg]}` is not portable between Keras 3 and tf_keras")
    return problems

