"""KF101-KF108: weights made any other way than a portable, keyword `self.add_weight`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, Replace, Safety
from . import docs
from .base import (Context, Finding, Rule, RuleFamily, is_self_attribute, self_name, source,
                   walk, walk_no_nested_scopes)
from .calls import (Bound, as_keyword, bind, has_literal_slash, is_shape_literal, is_string, keyword_arg,
                    layout, rebuild, replace_slashes)

KF101 = Rule("KF101", "get-variable-in-layer", "`tf.get_variable` inside a Keras layer", "sometimes",
             "safe", docs.KF101)
KF102 = Rule("KF102", "raw-variable-in-layer", "`tf.Variable` inside a Keras layer", "sometimes",
             "safe", docs.KF102)
KF109 = Rule("KF109", "backend-variable-in-layer", "`keras.backend.variable` inside a Keras layer", "sometimes",
             "safe", docs.KF109)
KF110 = Rule("KF110", "weight-list-append", "appending to a layer's weight lists", "never",
             "none", docs.KF110)
KF104 = Rule("KF104", "add-weight-positional", "`self.add_weight` with positional arguments", "sometimes",
             "safe", docs.KF104)
KF105 = Rule("KF105", "add-variable-alias", "`self.add_variable`, which Keras 3 redefined", "sometimes",
             "safe", docs.KF105)
KF106 = Rule("KF106", "initializer-dtype", "`dtype=` given to a Keras initializer", "always",
             "safe for float32, else unsafe", docs.KF106)
KF107 = Rule("KF107", "add-weight-legacy-argument", "an `add_weight` argument Keras 3 rejects or misreads",
             "sometimes", "safe", docs.KF107)
KF108 = Rule("KF108", "variable-scope-in-layer", "a TF1 variable scope around a layer's weights", "sometimes",
             "safe without reuse=, else unsafe", docs.KF108)

MANUAL_HINT = "finish it by hand as `self.add_weight(name=..., shape=..., initializer=...)`"


class WeightRules(RuleFamily):
    rules = (KF101, KF102, KF104, KF105, KF106, KF107, KF108, KF109, KF110)  # KF103 lives with the lifts
    triggers = ("get_variable", "Variable", "variable", "add_weight", "add_variable", "initializers",
                "variable_scope", "_weights", "_variables", "dtype")  # KF106: `inits.Orthogonal(dtype=...)`

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            own_add_weight = ctx.index.defines_add_weight(cls.qualified)
            for name, func in cls.methods.items():
                in_call = name in cls.call_methods
                me = self_name(func)
                usable_self = not _is_static(func)
                blocked_scopes = _scopes_with_defaults(ctx, cls.nodes_of(name, cst.With))
                for node in cls.method_nodes[name]:
                    if isinstance(node, cst.Call):
                        yield from self._call(ctx, cls, node, name, me, usable_self, in_call, own_add_weight,
                                              blocked_scopes)
                if name in cls.setup_methods:
                    yield from _variable_scopes(ctx, func, me)

    def _call(self, ctx, cls, call, method_name, me, usable_self, in_call, own_add_weight, blocked_scopes):
        resolved = ctx.resolve(call.func)
        method = is_self_attribute(call.func, me)
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("append", "extend", "insert") \
                and is_self_attribute(call.func.value, me) in api.WEIGHT_LISTS:
            yield _weight_list_append(call, is_self_attribute(call.func.value, me))
            return
        if in_call:
            return  # weights made in `call`: KF103, in rules/layers.py
        kind = _variable_kind(resolved)
        if kind is not None:
            if method_name not in cls.setup_methods:
                yield _unknown_caller(call, *kind, method_name)
            elif resolved in api.GET_VARIABLE:
                yield _get_variable(ctx, call, me if usable_self else None, blocked_scopes.get(id(call)))
            elif resolved in api.BACKEND_VARIABLE:
                yield _variable(ctx, call, me if usable_self else None, backend=True)
            else:
                yield _variable(ctx, call, me if usable_self else None)
        elif method == "add_weight" and not own_add_weight:
            finding = _add_weight(call)
            if finding:
                yield finding
        elif method == "add_variable" and not ctx.index.defines_method(cls.qualified, "add_variable"):
            finding = _add_variable(call, me)
            if finding:
                yield finding
        elif resolved and api.is_keras_initializer(resolved):
            finding = _initializer_dtype(call, resolved)
            if finding:
                yield finding


def _is_static(func: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value in ("staticmethod", "classmethod")
               for d in func.decorators)


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


def _convert(call: cst.Call, bound: Bound, policy: api.ArgumentPolicy, *, lenient_strings: bool = False) -> Converted:
    plans: list[Planned | None] = [Planned(a.keyword.value) if a.keyword else None for a in call.args]
    manual: list[str] = []
    for name in bound.unknown:
        if name not in policy.renamed and name not in policy.drop_when and name not in policy.manual \
                and name not in policy.keep:
            manual.append(f"add_weight has no `{name}` argument")
    for name, (index, arg) in bound.args.items():
        code = source(arg.value)
        if name in policy.drop_when and (policy.drop_when[name] is None or code in policy.drop_when[name]):
            plans[index] = None
        elif lenient_strings and name in ("aggregation", "synchronization") and is_string(arg.value):
            plans[index] = Planned(name)  # already Keras 3 style
        elif name in policy.manual:
            manual.append(policy.manual[name])
        elif name in policy.renamed:
            plans[index] = Planned(policy.renamed[name])
        elif name in policy.keep:
            slashes = name == "name" and has_literal_slash(arg.value)
            plans[index] = Planned(name, replace_slashes if slashes else None)
    return Converted(plans, manual)


def _rewrite_call(func: cst.BaseExpression, converted: Converted):
    """A composable edit: the call, renamed and with its arguments converted."""

    def apply(updated: cst.Call) -> cst.Call:
        replacements = [None if plan is None else plan.apply(arg)
                        for plan, arg in zip(converted.plans, updated.args)]
        return updated.with_changes(func=func, args=rebuild(list(updated.args), replacements))

    return apply


def _self_add_weight(me: str) -> cst.Attribute:
    return cst.Attribute(value=cst.Name(me), attr=cst.Name("add_weight"))


def _manual_message(what: str, reasons: list[str]) -> str:
    return f"{what}; fix by hand: {'; '.join(dict.fromkeys(reasons))}"


# --- KF101 ------------------------------------------------------------------------------------


def _get_variable(ctx: Context, call: cst.Call, me: str | None, scope_defaults: str | None) -> Finding:
    what = "`tf.get_variable` in a Keras layer: Keras 3 never tracks the variable"
    bound = bind(call, api.GET_VARIABLE_PARAMS)
    if bound is None:
        return Finding("KF101", call, f"{what}; its arguments use * or **, so {MANUAL_HINT}")
    converted = _convert(call, bound, api.GET_VARIABLE_POLICY)
    initializer = bound.value("initializer")
    if initializer is not None and isinstance(initializer, cst.Call):
        resolved = ctx.resolve(initializer.func)
        if resolved in api.TENSOR_FACTORIES:
            converted.manual.append("a tensor `initializer` fixes both value and shape: "
                                    "pass `shape=` and an initializer such as `tf.constant_initializer(...)`")
    if scope_defaults:
        converted.manual.append(f"the enclosing variable scope sets `{scope_defaults}` for it: "
                                "pass that to add_weight by hand")
    if me is None:
        converted.manual.append("a static or class method has no `self` to call add_weight on")
    if converted.manual:
        return Finding("KF101", call, _manual_message(what, converted.manual))
    fix = Fix((Replace(call, _rewrite_call(_self_add_weight(me), converted)),), Safety.SAFE,
              "use self.add_weight")
    return Finding("KF101", call, f"{what}; use `{me}.add_weight`", fix)


def _scopes_with_defaults(ctx: Context, withs: list[cst.With]) -> dict[int, str]:
    """get_variable calls (by id) inside a variable scope that sets defaults for them."""
    found: dict[int, str] = {}
    for node in withs:
        for item in node.items:
            call = item.item
            if isinstance(call, cst.Call) and ctx.resolve(call.func) in api.VARIABLE_SCOPE:
                defaults = [a.keyword.value for a in call.args
                            if a.keyword is not None and a.keyword.value in _SCOPE_DEFAULTS]
                if defaults:
                    for inner in walk(node.body):
                        if isinstance(inner, cst.Call):
                            found[id(inner)] = ", ".join(defaults)
    return found


_SCOPE_DEFAULTS = frozenset({"initializer", "regularizer", "caching_device", "partitioner",
                             "custom_getter", "dtype", "constraint", "use_resource"})


# --- KF102 ------------------------------------------------------------------------------------


def _variable(ctx: Context, call: cst.Call, me: str | None, backend: bool = False) -> Finding:
    """KF102 for `tf.Variable(...)`, and KF109 for `keras.backend.variable(...)`."""
    code, label, params, policy, value_param = (
        ("KF109", "keras.backend.variable", api.BACKEND_VARIABLE_PARAMS, api.BACKEND_VARIABLE_POLICY, "value")
        if backend else ("KF102", "tf.Variable", api.VARIABLE_PARAMS, api.VARIABLE_POLICY, "initial_value"))
    what = f"`{label}` in a Keras layer: Keras 3 never tracks it"
    bound = bind(call, params)
    if bound is None:
        return Finding(code, call, f"{what}; its arguments use * or **, so {MANUAL_HINT}")
    converted = _convert(call, bound, policy)
    initial = bound.value(value_param)
    planned = _initial_value(ctx, initial) if initial is not None else None
    if initial is None:
        converted.manual.append("it has no initial value")
    elif isinstance(planned, str):
        converted.manual.append(planned)
    if me is None:
        converted.manual.append("a static or class method has no `self` to call add_weight on")
    if converted.manual:
        return Finding(code, call, _manual_message(what, converted.manual))
    shape, initializer, dtype = planned
    index = bound.args[value_param][0]
    new_args: list[cst.Arg] = []
    kept = [plan.apply(arg) for i, (plan, arg) in enumerate(zip(converted.plans, call.args))
            if i != index and plan is not None]
    by_name = {a.keyword.value: a for a in kept}
    if "name" in by_name:
        new_args.append(by_name.pop("name"))
    new_args.append(keyword_arg("shape", shape))
    new_args.append(keyword_arg("initializer", initializer))
    if dtype is not None and "dtype" not in by_name:
        new_args.append(keyword_arg("dtype", dtype))
    new_args.extend(by_name.values())
    new_call = call.with_changes(func=_self_add_weight(me), args=layout(call, [
        a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in new_args]))
    fix = Fix((Replace(call, new_call),), Safety.SAFE, "use self.add_weight")
    return Finding(code, call, f"{what}; use `{me}.add_weight`", fix)


def _initial_value(ctx: Context, value: cst.BaseExpression):
    """(shape, initializer, dtype or None) for an initial value, or the reason there is none."""
    if isinstance(value, cst.Lambda) and not value.params.params and isinstance(value.body, cst.Call):
        return _initializer_call(ctx, value.body) or "the lambda does not call an initializer"
    number = _number(value)
    if number is not None:
        literal, is_int = number
        dtype = cst.SimpleString('"int32"') if is_int else None
        return cst.Tuple(elements=[]), _constant_initializer(ctx, literal), dtype
    if not isinstance(value, cst.Call):
        return f"its initial value `{source(value)}` does not map to an initializer"
    resolved = ctx.resolve(value.func)
    factory = api.INITIAL_VALUE_FACTORIES.get(resolved or "")
    if factory is not None:
        bound = bind(value, factory.params)
        if bound is None or bound.unknown or bound.value("shape") is None:
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
        return bound.value("shape"), initializer, bound.value(factory.dtype_param) if factory.dtype_param else None
    if resolved in api.CONSTANT:
        bound = bind(value, api.CONSTANT_PARAMS)
        if bound is None or bound.unknown:
            return f"cannot read the arguments of `{source(value.func)}`"
        shape = bound.value("shape") or _literal_shape(bound.value("value"))
        if shape is None:
            return "tf.constant's shape is not written out: add `shape=` to it first"
        init = _constant_initializer(ctx, bound.value("value"))
        return (shape, init, bound.value("dtype")) if init is not None else "no `tf` import to spell tf.constant_initializer"
    if resolved in api.FILL:
        bound = bind(value, api.FILL_PARAMS)
        if bound is None or bound.unknown or bound.value("dims") is None or bound.value("value") is None:
            return f"cannot read the arguments of `{source(value.func)}`"
        init = _constant_initializer(ctx, bound.value("value"))
        return (bound.value("dims"), init, None) if init is not None else "no `tf` import to spell tf.constant_initializer"
    planned = _initializer_call(ctx, value)
    return planned or f"its initial value `{source(value)}` does not map to an initializer"


def _initializer_call(ctx: Context, call: cst.Call):
    """`init(shape, dtype=...)` where `init` is an initializer object -> (shape, init, dtype)."""
    func = call.func
    is_initializer = (isinstance(func, cst.Call) and ctx.resolve(func.func) is not None
                      and api.is_initializer_factory(ctx.resolve(func.func)))
    if not is_initializer:
        is_initializer = _bound_to_initializer(ctx, func)
    if not is_initializer:
        return None
    bound = bind(call, ("shape", "dtype"))
    if bound is None or bound.unknown or bound.value("shape") is None:
        return None
    return bound.value("shape"), func, bound.value("dtype")


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


def _number(node: cst.BaseExpression):
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
        if _number(node) is not None:
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


def _constant_initializer(ctx: Context, value: cst.BaseExpression) -> cst.BaseExpression | None:
    code = source(value)
    if code in ("0", "0.0", "0."):
        return cst.SimpleString('"zeros"')
    if code in ("1", "1.0", "1."):
        return cst.SimpleString('"ones"')
    tf_alias = ctx.imports.tf_alias()
    if tf_alias is None:
        return None
    return cst.parse_expression(f"{tf_alias}.constant_initializer({code})")


def as_add_weight(ctx: Context, call: cst.Call, me: str) -> cst.Call | None:
    """The keyword `self.add_weight(...)` call making the variable `call` makes, if any
    (for KF103, which moves it into `build`)."""
    resolved = ctx.resolve(call.func)
    method = is_self_attribute(call.func, me)
    if resolved in api.GET_VARIABLE:
        finding = _get_variable(ctx, call, me, None)
    elif resolved in api.VARIABLE:
        finding = _variable(ctx, call, me)
    elif resolved in api.BACKEND_VARIABLE:
        finding = _variable(ctx, call, me, backend=True)
    elif method == "add_weight":
        finding = _add_weight(call)
        if finding is None:
            return call
    elif method == "add_variable":
        finding = _add_variable(call, me)
        if finding is None:
            return call
    else:
        return None
    if finding.fix is None:
        return None
    edit = finding.fix.edits[0]
    return edit.new(call) if edit.composable else edit.new


def _weight_list_append(call: cst.Call, attribute: str) -> Finding:
    effect = ("raises AttributeError on Keras 3" if attribute.startswith("_")
              else "does nothing on either Keras line (the list is a fresh copy)")
    return Finding(
        "KF110", call,
        f"appending to `self.{attribute}` {effect}; make the weight with `self.add_weight(..., trainable=...)`, "
        "which tracks it, and drop this line",
    )


def _variable_kind(resolved: str | None) -> tuple[str, str] | None:
    """(rule code, the call as messages spell it) for a call that makes a bare variable."""
    if resolved in api.GET_VARIABLE:
        return "KF101", "tf.get_variable"
    if resolved in api.VARIABLE:
        return "KF102", "tf.Variable"
    if resolved in api.BACKEND_VARIABLE:
        return "KF109", "keras.backend.variable"
    return None


def _unknown_caller(call: cst.Call, code: str, what: str, method: str) -> Finding:
    return Finding(
        code, call,
        f"`{what}` in a Keras layer, in `{method}`, which neither `__init__` nor `build` calls: Keras 3 never "
        f"tracks it, and if `{method}` runs on every forward pass it makes a new one each time; create the "
        "weight once in `build` with `self.add_weight(...)`",
    )


# --- KF104 / KF107 ----------------------------------------------------------------------------


def _add_weight(call: cst.Call) -> Finding | None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if any(a.star for a in call.args):
        return None
    if positional:
        keras3_order = is_shape_literal(positional[0].value) or (
            len(positional) > 1 and is_string(positional[1].value))
        params = api.ADD_WEIGHT_KERAS3_POSITIONAL if keras3_order else api.ADD_WEIGHT_KERAS2_PARAMS
        bound = bind(call, params)
        what = "`add_weight` with positional arguments: Keras 3 raises on a positional name, tf_keras reads a positional shape as the name"
        if bound is None:
            return Finding("KF104", call, f"{what}; pass every argument by keyword")
        converted = _convert(call, bound, api.ADD_WEIGHT_POLICY, lenient_strings=True)
        if converted.manual:
            return Finding("KF104", call, _manual_message(what, converted.manual))
        fix = Fix((Replace(call, _rewrite_call(call.func, converted)),), Safety.SAFE, "pass by keyword")
        return Finding("KF104", call, f"{what}; pass every argument by keyword", fix)
    return _legacy_keywords(call, "add_weight")


def _legacy_keywords(call: cst.Call, method: str) -> Finding | None:
    """KF107: a keyword-only call with arguments Keras 3 rejects or misreads."""
    bound = bind(call, api.ADD_WEIGHT_KEYWORDS)
    if bound is None:
        return None
    converted = _convert(call, bound, api.ADD_WEIGHT_POLICY, lenient_strings=True)
    problems = _legacy_arguments(bound)
    if not problems:
        return None
    what = f"`{method}` arguments that Keras 3 rejects or misreads: {'; '.join(problems)}"
    if converted.manual:
        return Finding("KF107", call, _manual_message(what, converted.manual))
    fix = Fix((Replace(call, _rewrite_call(call.func, converted)),), Safety.SAFE, "portable arguments")
    return Finding("KF107", call, what, fix)


def _legacy_arguments(bound: Bound) -> list[str]:
    problems = []
    code = {name: source(arg.value) for name, (_, arg) in bound.args.items()}
    if code.get("trainable") == "None":
        problems.append("`trainable=None` makes the weight non-trainable on Keras 3")
    if "use_resource" in code:
        problems.append("`use_resource` raises TypeError on Keras 3")
    if "experimental_autocast" in code:
        problems.append("`experimental_autocast` raises TypeError on Keras 3 (now `autocast`)")
    name = bound.value("name")
    if name is not None and has_literal_slash(name):
        problems.append("a `/` in the name raises ValueError on Keras 3")
    for enum_arg in ("aggregation", "synchronization", "partitioner", "caching_device"):
        value = bound.value(enum_arg)
        if value is not None and not is_string(value):
            problems.append(f"`{enum_arg}={code[enum_arg]}` is not portable between Keras 3 and tf_keras")
    return problems


# --- KF105 ------------------------------------------------------------------------------------


def _add_variable(call: cst.Call, me: str) -> Finding | None:
    if any(a.star for a in call.args):
        return None
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    positional = [a for a in call.args if a.keyword is None]
    if not positional and {"shape", "initializer"} <= keywords and keywords <= set(api.ADD_VARIABLE_KERAS3_PARAMS):
        return _legacy_keywords(call, "add_variable")  # valid on both lines as written, but for these
    what = ("`add_variable` is Keras 3's `add_variable(shape, initializer, ...)`, not Keras 2's alias of "
            "add_weight: this call raises or misplaces its arguments on one Keras line")
    keras3_order = bool(positional) and (is_shape_literal(positional[0].value)
                                         or (len(positional) > 1 and is_string(positional[1].value)))
    params = api.ADD_VARIABLE_KERAS3_PARAMS if keras3_order else api.ADD_WEIGHT_KERAS2_PARAMS
    bound = bind(call, params)
    if bound is None:
        return Finding("KF105", call, f"{what}; use `{me}.add_weight` with keyword arguments")
    converted = _convert(call, bound, api.ADD_WEIGHT_POLICY, lenient_strings=True)
    if converted.manual:
        return Finding("KF105", call, _manual_message(what, converted.manual))
    func = call.func.with_changes(attr=cst.Name("add_weight"))
    fix = Fix((Replace(call, _rewrite_call(func, converted)),), Safety.SAFE, "use add_weight")
    return Finding("KF105", call, f"{what}; use `{me}.add_weight` with keyword arguments", fix)


# --- KF106 ------------------------------------------------------------------------------------


def _initializer_dtype(call: cst.Call, resolved: str) -> Finding | None:
    dtype = next((a for a in call.args if a.keyword is not None and a.keyword.value == "dtype"), None)
    if dtype is None:
        return None
    name = resolved.rsplit(".", 1)[-1]
    safe = source(dtype.value).replace(" ", "") in ("tf.float32", '"float32"', "'float32'", "float32",
                                                    "tensorflow.float32")
    index = list(call.args).index(dtype)

    def drop(updated: cst.Call) -> cst.Call:
        replacements: list[cst.Arg | None] = list(updated.args)
        replacements[index] = None
        return updated.with_changes(args=rebuild(list(updated.args), replacements))

    fix = Fix((Replace(call, drop),), Safety.SAFE if safe else Safety.UNSAFE, "drop dtype")
    return Finding(
        "KF106", dtype,
        f"`{name}(dtype=...)`: Keras initializers take no `dtype` (TypeError on Keras 3 and tf_keras); "
        "the weight's own `dtype=` sets it",
        fix,
    )


# --- KF108 ------------------------------------------------------------------------------------


def _variable_scopes(ctx: Context, func: cst.FunctionDef, me: str) -> Iterator[Finding]:
    for node in walk_no_nested_scopes(func.body):
        if not isinstance(node, cst.With) or len(node.items) != 1:
            continue
        item = node.items[0]
        call = item.item
        if not isinstance(call, cst.Call) or ctx.resolve(call.func) not in api.VARIABLE_SCOPE:
            continue
        if not _makes_weights(ctx, node.body, me):
            continue  # a scope around other work is not this rule's business
        what = ("a TF1 variable scope in a Keras layer: Keras ignores it for `add_weight` "
                "and `tf.variable_scope` is gone in TF 2")
        reasons = []
        if any(a.keyword is not None and a.keyword.value in _SCOPE_DEFAULTS for a in call.args):
            reasons.append("it sets defaults for its variables: pass them to add_weight first")
        if item.asname is not None and _uses_name(node.body, item.asname.name):
            reasons.append("its `as` name is used inside")
        if _holds_scope_sensitive(ctx, node.body, me):
            reasons.append("it holds TF1 variables or layers that kerasfix cannot rewrite: fix those first")
        if not isinstance(node.body, cst.IndentedBlock) or _has_comments(node.body.footer):
            reasons.append("its layout cannot be kept")
        if reasons:
            yield Finding("KF108", node, _manual_message(what, reasons))
            continue
        reuse = any(a.keyword is not None and a.keyword.value == "reuse" for a in call.args)
        fix = Fix((Replace(node, _unwrap_with),), Safety.UNSAFE if reuse else Safety.SAFE, "remove the scope")
        yield Finding("KF108", node, f"{what}; remove it and keep its body", fix)


def _unwrap_with(updated: cst.With):
    """The body of a `with` block in its place, one level less indented, comments kept."""
    body = list(updated.body.body)
    header_comment = updated.body.header.comment
    leading = list(updated.leading_lines)
    if header_comment is not None:
        leading.append(cst.EmptyLine(comment=header_comment))
    body[0] = body[0].with_changes(leading_lines=leading + list(body[0].leading_lines))
    return cst.FlattenSentinel(body)


def _makes_weights(ctx: Context, body: cst.CSTNode, me: str) -> bool:
    for node in walk(body):
        if isinstance(node, cst.Call):
            if ctx.resolve(node.func) in api.GET_VARIABLE | api.VARIABLE:
                return True
            if is_self_attribute(node.func, me) in ("add_weight", "add_variable"):
                return True
    return False


def _has_comments(lines) -> bool:
    return any(line.comment is not None for line in lines)


def _uses_name(body: cst.CSTNode, name: cst.BaseExpression) -> bool:
    wanted = source(name)
    return any(isinstance(n, cst.Name) and n.value == wanted for n in walk(body))


def _holds_scope_sensitive(ctx: Context, body: cst.CSTNode, me: str) -> bool:
    """The block holds a call that still needs the scope after this run's other fixes."""
    for node in walk(body):
        if not isinstance(node, cst.Call):
            continue
        resolved = ctx.resolve(node.func) or ""
        if resolved in api.GET_VARIABLE:
            if not (ctx.wants("KF101") and _get_variable(ctx, node, me, None).fix):
                return True
        elif resolved in api.VARIABLE:
            if not (ctx.wants("KF102") and _variable(ctx, node, me).fix):
                return True
        elif resolved.startswith("tf1.layers.") or resolved.endswith("get_variable_scope") \
                or resolved in api.VARIABLE_SCOPE:
            return True
    return False
