"""What the weight rules share: one walk of a layer's methods for the weights they make, and
the conversion of a weight call (`tf.get_variable`, `tf.Variable`, `K.variable`, a legacy
`add_weight` or `add_variable`) into a portable, keyword `self.add_weight(...)`.

The walk reports KF101, KF102, KF104, KF105, KF107, KF109 and KF110 at once, because they
share its analyses (the variable scopes around a call, the appends folded into a variable's
creation, with one fix for both findings); each of those rules' modules takes its own code
from `weight_findings`. KF103 (`_lift.py`) converts through `as_add_weight`; KF108 reads the
variable scopes through the functions here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import AddImport, Fix, Remove, Replace, Safety
from .base import Context, Finding, KerasClass, deferred_function, dotted, is_self_attribute, self_name, source, walk
from .calls import (Bound, as_keyword, bind, comments_in, has_literal_slash, is_shape_literal, is_string, keyword_arg,
                    layout, rebuilt, replace_slashes)

_NO_TF_CONSTANT = "no `tf` import to spell tf.constant_initializer"
MANUAL_HINT = "finish it by hand as `self.add_weight(name=..., shape=..., initializer=...)`"


def weight_findings(ctx: Context) -> list[Finding]:
    """The findings of the shared walk, computed once per module."""
    return ctx.memo("weights", lambda: [f for cls in ctx.keras_classes for f in _check_class(ctx, cls)])


def _check_class(ctx: Context, cls: KerasClass) -> Iterator[Finding]:
    own_add_weight = ctx.index.defines_add_weight(cls.qualified)
    for name, func in cls.methods.items():
        in_call = name in cls.call_methods
        me = self_name(func)
        usable_self = not _is_static(func)
        setup = name in cls.setup_methods  # elsewhere weights are only reported
        scope_notes = _scope_notes(ctx, cls.nodes_of(name, cst.With), me) if setup else {}
        folds = _folds(ctx, cls, name, me, scope_notes) if setup and usable_self else {}
        for node in cls.method_nodes[name]:
            if isinstance(node, cst.Call) and id(node) in folds:
                yield folds[id(node)]
            elif isinstance(node, cst.Call) and (in_call or not _may_make_weight(node)
                                                 or deferred_function(ctx, cls, node, func) is None):
                yield from _call(ctx, cls, node, _Site(name, me, usable_self, in_call, own_add_weight), scope_notes)


@dataclass(frozen=True)
class _Site:
    """Where a call stands: its method, that method's `self`, and what the class allows."""

    method: str
    me: str
    usable_self: bool
    in_call: bool
    own_add_weight: bool


def _call(ctx: Context, cls: KerasClass, call: cst.Call, site: _Site,
          scope_notes: dict[int, ScopeNote]) -> Iterator[Finding]:
    resolved = ctx.resolve(call.func)
    me = site.me
    method = is_self_attribute(call.func, me)
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("append", "extend", "insert"):
        weights = is_self_attribute(call.func.value, me)
        if weights in api.WEIGHT_LISTS:
            yield _weight_list_append(call, weights)
            return
    if site.in_call:
        return  # weights made in `call`: KF103, in _lift.py
    kind = _variable_kind(resolved)
    finding: Finding | None = None
    if kind is not None:
        if site.method not in cls.setup_methods:
            finding = _unknown_caller(call, *kind, site.method)
        elif resolved in api.GET_VARIABLE:
            finding = _get_variable(ctx, call, me if site.usable_self else None, scope_notes.get(id(call)))
        else:
            appended = _appends(cls, _assigned_attribute(cls, call, me))
            finding = _in_scope(_variable(ctx, call, me if site.usable_self else None,
                                          backend=resolved in api.BACKEND_VARIABLE, appended=appended),
                                scope_notes.get(id(call)))
    elif method == "add_weight" and not site.own_add_weight:
        finding = _add_weight(call)
    elif method == "add_variable" and not ctx.index.defines_method(cls.qualified, "add_variable"):
        finding = _add_variable(call, me)
    if finding is not None:
        yield finding


def _may_make_weight(call: cst.Call) -> bool:
    """Cheap: the call's last name is one that makes a weight (`tf.Variable`, `add_weight`)."""
    func = call.func
    last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return last in api.WEIGHT_FACTORY_NAMES


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
        spellings = policy.drop_when.get(name)
        if name in policy.drop_when and (spellings is None or code in spellings):
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


def _rewrite_call(func: cst.BaseExpression, converted: Converted, extra: tuple[cst.Arg, ...] = ()):
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


def _self_add_weight(me: str) -> cst.Attribute:
    return cst.Attribute(value=cst.Name(me), attr=cst.Name("add_weight"))


def manual_message(what: str, reasons: list[str]) -> str:
    return f"{what}; fix by hand: {'; '.join(dict.fromkeys(reasons))}"


# --- KF101 ------------------------------------------------------------------------------------


def _get_variable(ctx: Context, call: cst.Call, me: str | None, scope: ScopeNote | None) -> Finding:
    what = "`tf.get_variable` in a Keras layer: Keras 3 never tracks the variable"
    bound = bind(call, api.GET_VARIABLE_PARAMS)
    if bound is None:
        return Finding("KF101", call, f"{what}; its arguments use * or **, so {MANUAL_HINT}")
    converted = _convert(call, bound, api.GET_VARIABLE_POLICY)
    initializer = bound.value("initializer")
    tensor = isinstance(initializer, cst.Call) and ctx.resolve(initializer.func) in api.TENSOR_FACTORIES
    # with no `shape`, TF1 takes the shape from the initializer: it can only be a tensor or a
    # value (`initializer=self.v_norm`), which add_weight refuses (ValueError on both lines)
    if initializer is not None and (tensor or bound.value("shape") is None):
        converted.manual.append("a tensor `initializer` fixes both value and shape: "
                                "pass `shape=` and an initializer such as `tf.constant_initializer(...)`")
    if scope is not None and scope.defaults:
        converted.manual.append(f"the enclosing variable scope sets `{scope.defaults}` for it: "
                                "pass that to add_weight by hand")
    if me is None:
        converted.manual.append("a static or class method has no `self` to call add_weight on")
    if converted.manual:
        return Finding("KF101", call, manual_message(what, converted.manual))
    assert me is not None  # else a person was asked to finish it, above
    trained = Trained()
    if bound.code("trainable") in (None, "None") and _untrainable_dtype(ctx, bound.value("dtype")):
        trained = Trained(_NOT_TRAINED, "an integer or boolean variable is a counter or a flag, never trained")
    extra = (keyword_arg("trainable", trained.value),) if trained.value is not None else ()
    fix = Fix((Replace(call, _rewrite_call(_self_add_weight(me), converted, extra)),), Safety.SAFE)
    return _in_scope(Finding("KF101", call, f"{what}; use `{me}.add_weight`{_trained_note(trained)}", fix), scope)


@dataclass(frozen=True)
class ScopeNote:
    """What an enclosing variable scope means for a weight call inside it."""

    defaults: str | None = None  # the defaults it sets for its variables, e.g. "initializer"
    unsafe: str | None = None  # why removing it is unsafe: the weight goes with it


def _in_scope(finding: Finding, scope: ScopeNote | None) -> Finding:
    """A weight fix inside a scope that is only removed unsafely is unsafe too: fixed alone, it
    would leave the scope (gone in TF 2 when spelled `tf.variable_scope`) around an add_weight."""
    if finding.fix is None or scope is None or scope.unsafe is None:
        return finding
    return Finding(finding.code, finding.node,
                   f"{finding.message} (unsafe, with its variable scope: {scope.unsafe})",
                   Fix(finding.fix.edits, Safety.UNSAFE))


def _scope_notes(ctx: Context, withs: list[cst.With], me: str) -> dict[int, ScopeNote]:
    """Weight calls (by id) inside variable scopes that set defaults or are unsafe to remove."""
    found: dict[int, ScopeNote] = {}
    for node in withs:
        call = variable_scope_call(ctx, node)
        if call is None:
            continue
        defaults = ", ".join(a.keyword.value for a in call.args
                             if a.keyword is not None and a.keyword.value in _SCOPE_DEFAULTS)
        manual = scope_manual_reasons(ctx, node, call, me)
        if not manual:
            unsafe = scope_unsafe_reason(ctx, node, call, me)
        elif ctx.resolve(call.func) in api.VARIABLE_SCOPE_GONE:  # fixing the weights alone would still fail
            unsafe = f"`{source(call.func)}` is gone in TF 2 and a person removes it: {manual[0]}"
        else:
            unsafe = None
        if not defaults and unsafe is None:
            continue
        for inner in walk(node.body):
            if isinstance(inner, cst.Call):
                old = found.get(id(inner), ScopeNote())
                found[id(inner)] = ScopeNote(old.defaults or defaults or None, old.unsafe or unsafe)
    return found


_SCOPE_DEFAULTS = frozenset({"initializer", "regularizer", "caching_device", "partitioner",
                             "custom_getter", "dtype", "constraint", "use_resource"})


# --- KF102 ------------------------------------------------------------------------------------


def _variable(ctx: Context, call: cst.Call, me: str | None, backend: bool = False,
              appended: list[tuple[str, bool]] | None = None, trained: Trained | None = None,
              scalar: cst.BaseExpression | None = None) -> Finding:
    """KF102 for `tf.Variable(...)`, and KF109 for `keras.backend.variable(...)`. `appended`: the
    weight lists the variable is appended to (and whether under a condition); `trained`: what
    a caller already knows of its trainability; `scalar`: the constant initializer of a value
    the caller knows to be a number."""
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
    if isinstance(planned, str) and scalar is not None:
        planned = cst.Tuple(elements=[]), scalar, None
    if initial is None:
        converted.manual.append("it has no initial value")
    elif isinstance(planned, str):
        converted.manual.append(planned)
    if me is None:
        converted.manual.append("a static or class method has no `self` to call add_weight on")
    if converted.manual:
        return Finding(code, call, manual_message(what, converted.manual))
    assert me is not None and not isinstance(planned, str) and planned is not None  # else manual, above
    shape, initializer, dtype = planned
    if backend:
        dtype = None  # keras.backend.variable casts any value to floatx() unless given `dtype=` (measured)
    index = bound.args[value_param][0]
    new_args: list[cst.Arg] = []
    kept = [plan.apply(arg) for i, (plan, arg) in enumerate(zip(converted.plans, call.args))
            if i != index and plan is not None]
    by_name = {a.keyword.value: a for a in kept if a.keyword is not None}  # every one: plans are keywords
    if "name" in by_name:
        new_args.append(by_name.pop("name"))
    new_args.append(keyword_arg("shape", shape))
    new_args.append(keyword_arg("initializer", initializer))
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
    new_call = call.with_changes(func=_self_add_weight(me), args=layout(call, [
        a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in new_args]))
    safety = Safety.UNSAFE if trained.unknown else Safety.SAFE
    fix = Fix((Replace(call, new_call),), safety)
    return Finding(code, call, f"{what}; use `{me}.add_weight`{_trained_note(trained)}", fix)


# --- which variables the original trained -----------------------------------------------


@dataclass(frozen=True)
class Trained:
    """Whether the original trained a variable: the `trainable=` to write (None: the default,
    True), why, in the message, or why it cannot be known (the fix is then unsafe)."""

    value: cst.BaseExpression | None = None
    why: str = ""
    unknown: str | None = None


def _trained_note(trained: Trained) -> str:
    if trained.unknown:
        return f" (unsafe: {trained.unknown})"
    if trained.value is not None:
        return f" with `trainable={source(trained.value)}`: {trained.why}"
    return ""


_NOT_TRAINED = cst.Name("False")


def _original_trainability(ctx: Context, call: cst.Call, backend: bool, dtype: cst.BaseExpression | None,
                           appended: list[tuple[str, bool]]) -> Trained:
    if _untrainable_dtype(ctx, dtype):
        return Trained(_NOT_TRAINED, "an integer or boolean variable is a counter or a flag, never trained")
    if appended:
        lists = {name in api.TRAINABLE_WEIGHT_LISTS for name, _ in appended}
        if any(conditional for _, conditional in appended) or len(lists) > 1:
            return Trained(unknown="it is appended to a weight list only under a condition, so whether the "
                                   "original trained it depends on that condition")
        if lists == {False} and not (backend and _untracking_keras(ctx, call)):
            return Trained(unknown="it is appended to a non-trainable weight list, but tf.keras 2 also tracked "
                                   "it as an attribute and trained it")
        if lists == {False}:
            return Trained(_NOT_TRAINED, "it is appended to a non-trainable weight list")
        return Trained()
    if not backend:
        return Trained()  # tf.Variable: trainable by default, and tf.keras 2 trained it
    qualified = ctx.imports.qualify_dotted(dotted(call.func) or "") or ""
    if qualified.startswith(api.TF_KERAS_IMPORTS):
        return Trained()
    if _untracking_keras(ctx, call):
        return Trained(_NOT_TRAINED, "the multi-backend Keras 2 it was written for never trained a "
                                     "`K.variable` kept out of the weight lists")
    return Trained(unknown=f"which Keras `{source(call.func)}` comes from is unknown, and with it whether "
                           "the original trained the variable (tf.keras 2 did, multi-backend Keras 2 did not)")


def _untracking_keras(ctx: Context, call: cst.Call) -> bool:
    """`K.variable` imported from a Keras 2 that never tracked a variable assigned to a layer."""
    qualified = ctx.imports.qualify_dotted(dotted(call.func) or "") or ""
    return qualified.startswith(api.UNTRACKING_KERAS_IMPORTS)


def _untrainable_dtype(ctx: Context, dtype: cst.BaseExpression | None) -> bool:
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


def _assigned_attribute(cls: KerasClass, call: cst.Call, me: str) -> str | None:
    """`attr` when the call is the whole value of `self.attr = <call>`."""
    parent = cls.parents.get(id(call))
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        return is_self_attribute(parent.targets[0].target, me)
    return None


def _appends(cls: KerasClass, attr: str | None) -> list[tuple[str, bool]]:
    """The weight lists `self.attr` is appended to in the class, each with whether the append
    runs under a condition or in a loop."""
    if attr is None:
        return []
    found = []
    for name, func in cls.methods.items():
        me = self_name(func)
        for node in cls.method_nodes[name]:
            if isinstance(node, cst.Call) and len(node.args) == 1 and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value == "append" and is_self_attribute(node.args[0].value, me) == attr:
                target = is_self_attribute(node.func.value, me)
                if target in api.WEIGHT_LISTS:
                    found.append((target, _conditional(cls, node)))
    return found


def _conditional(cls: KerasClass, node: cst.CSTNode) -> bool:
    while not isinstance(node, cst.FunctionDef):
        node = cls.parents[id(node)]
        if isinstance(node, (cst.If, cst.IfExp, cst.For, cst.While, cst.Try, cst.BooleanOperation)):
            return True
    return False


# (shape, initializer, dtype or None) of a planned add_weight
_Plan = tuple[cst.BaseExpression, cst.BaseExpression, "cst.BaseExpression | None"]


def _initial_value(ctx: Context, value: cst.BaseExpression) -> _Plan | str:
    """(shape, initializer, dtype or None) for an initial value, or the reason there is none."""
    if isinstance(value, cst.Lambda) and not value.params.params and isinstance(value.body, cst.Call):
        return _initializer_call(ctx, value.body) or "the lambda does not call an initializer"
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        filled = '"ones"' if value.value == "True" else '"zeros"'
        return cst.Tuple(elements=[]), cst.SimpleString(filled), cst.SimpleString('"bool"')
    number = _number(value)
    if number is not None:
        literal, is_int = number
        dtype = cst.SimpleString('"int32"') if is_int else None
        initializer = _constant_initializer(ctx, literal)
        if initializer is None:  # `K.variable(1.5)` in a module that does not import tf
            return _NO_TF_CONSTANT
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
        init = _constant_initializer(ctx, constant)
        return (shape, init, bound.value("dtype")) if init is not None else _NO_TF_CONSTANT
    if resolved in api.FILL:
        bound = bind(value, api.FILL_PARAMS)
        readable = bound is not None and not bound.unknown
        dims, fill = (bound.value("dims"), bound.value("value")) if bound is not None and readable else (None, None)
        if dims is None or fill is None:
            return f"cannot read the arguments of `{source(value.func)}`"
        init = _constant_initializer(ctx, fill)
        return (dims, init, None) if init is not None else _NO_TF_CONSTANT
    planned = _initializer_call(ctx, value)
    return planned or f"its initial value `{source(value)}` does not map to an initializer"


def _initializer_call(ctx: Context, call: cst.Call) -> _Plan | None:
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
    finding: Finding | None
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
    assert isinstance(edit, Replace)  # a weight call's fix replaces the call, first
    new = edit.new if isinstance(edit.new, cst.CSTNode) else edit.new(call)
    return new if isinstance(new, cst.Call) else None


# --- KF110: folding a weight-list append into add_weight --------------------------------------


def _folds(ctx: Context, cls: KerasClass, method: str, me: str,
           scope_notes: dict[int, ScopeNote]) -> dict[int, Finding]:
    """`self.x = K.variable(...)` (or tf.Variable) followed in the same block by
    `self._trainable_weights.append(self.x)` (or `_non_trainable_weights`, or under `if cond:`):
    one fix for both, shared by the two findings (the creation's and the append's), by call id."""
    found: dict[int, Finding] = {}
    for block in cls.nodes_of(method, cst.IndentedBlock):
        body = list(block.body)
        for index, stmt in enumerate(body):
            append = _private_append(stmt, me)
            if append is not None:
                fold = _fold(ctx, cls, body, index, append, me, scope_notes)
                if isinstance(fold, str):
                    fold = {id(append.call): _weight_list_append(append.call, append.weights, fold)}
                for key, finding in fold.items():
                    found.setdefault(key, finding)  # an `if` holding the append is seen before its body
    return found


@dataclass(frozen=True)
class Append:
    """`self.<weights>.append(self.<attr>)`, alone or as the whole body of `if <condition>:`."""

    call: cst.Call
    weights: str
    attr: str
    condition: cst.BaseExpression | None


def _private_append(stmt: cst.BaseStatement, me: str) -> Append | None:
    condition = None
    line: cst.CSTNode = stmt
    if isinstance(stmt, cst.If) and stmt.orelse is None and len(stmt.body.body) == 1:
        condition, line = stmt.test, stmt.body.body[0]
    if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 and isinstance(line.body[0], cst.Expr)):
        return None
    call = line.body[0].value
    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "append"
            and len(call.args) == 1 and not call.args[0].star):
        return None
    weights, attr = is_self_attribute(call.func.value, me), is_self_attribute(call.args[0].value, me)
    if weights not in api.PRIVATE_WEIGHT_LISTS or attr is None:
        return None
    return Append(call, weights, attr, condition)


def _fold(ctx, cls, body, index, append: Append, me, scope_notes) -> dict[int, Finding] | str:
    """The findings of a fold, by call id, or why there is none."""
    start = _creation_index(ctx, body, index, append, me)
    if isinstance(start, str):
        return start
    if len(_appends(cls, append.attr)) != 1:
        return f"`{me}.{append.attr}` is appended to the weight lists more than once"
    keep = _comments(body[index])
    if keep and index + 1 == len(body):
        return "its comment has no statement after it to go to"
    create = body[start].body[0].value
    if any(a.keyword is not None and a.keyword.value == "trainable" for a in create.args):
        return "the variable's own `trainable=` and the list it is appended to must be reconciled"
    backend = ctx.resolve(create.func) in api.BACKEND_VARIABLE
    trainable = append.weights in api.TRAINABLE_WEIGHT_LISTS
    value = (append.condition or cst.Name("True")) if trainable else cst.Name("False")
    why = f"it was appended to `{me}.{append.weights}`"
    if append.condition is not None:
        why += f" when `{source(append.condition)}`"
    scalar, needed = _scalar_initializer(ctx, cls, create, me, start, body)
    finding = _in_scope(_variable(ctx, create, me, backend, trained=Trained(value, why), scalar=scalar),
                        scope_notes.get(id(create)))
    if finding.fix is None:
        return f"`{me}.{append.attr}` cannot become add_weight: see the finding on its creation"
    edits = finding.fix.edits + (Remove(body[index]),) + ((AddImport(needed),) if needed else ())
    if keep:
        edits += (Replace(body[index + 1], lambda updated: updated.with_changes(
            leading_lines=[*keep, *updated.leading_lines])),)
    tracked = not (backend and _untracking_keras(ctx, create))
    unsafe = tracked and (append.condition is not None or not trainable)
    note = (" (unsafe: tf.keras 2 also tracked the variable as an attribute and trained it whatever the "
            "append says)") if unsafe else ""  # as tf_keras still does (measured)
    fix = Fix(edits, Safety.UNSAFE if unsafe else finding.fix.safety)
    effect = f"appending to `{me}.{append.weights}` raises AttributeError on Keras 3"
    return {
        id(create): Finding(finding.code, create, f"{finding.message}, and drop the append{note}", fix),
        id(append.call): Finding("KF110", append.call, f"{effect}; fold it into the `add_weight` that makes "
                                                       f"`{me}.{append.attr}`, with `trainable={source(value)}`{note}",
                                 fix),
    }


def _comments(stmt: cst.BaseStatement) -> list[cst.EmptyLine]:
    """Every comment of a statement, in order, as lines to put before another statement."""
    return [cst.EmptyLine(comment=comment) for comment in comments_in(stmt)]


def _creation_index(ctx: Context, body: list, index: int, append: Append, me: str) -> int | str:
    """Where `self.<attr> = <variable factory>(...)` stands before the append in the same block,
    or why it does not qualify. Nothing in between may use the attribute or a weight list, or
    make a weight (each weight's place in the lists would change); a conditional append must
    follow the creation directly, and its condition must not read the attribute."""
    start = next((k for k in range(index - 1, -1, -1) if _assigns(body[k], append.attr, me)), None)
    if start is None:
        return f"`{me}.{append.attr}` is not made in the same block before it"
    value = body[start].body[0].value
    if not (isinstance(value, cst.Call) and ctx.resolve(value.func) in api.VARIABLE | api.BACKEND_VARIABLE):
        return f"`{me}.{append.attr}` is not made by `tf.Variable` or `K.variable` just before"
    if append.condition is not None and (start != index - 1 or _mentions(append.condition, append.attr)):
        return "the `if` around it does not directly follow the variable's creation, or reads the variable"
    for stmt in body[start + 1:index]:
        if _mentions(stmt, append.attr):
            return f"the code between the creation of `{me}.{append.attr}` and the append uses it or a weight list"
        if makes_weights(ctx, stmt, me):
            return "weights are made between its creation and the append: folding would change their order"
    return start


def _assigns(stmt: cst.BaseStatement, attr: str, me: str) -> bool:
    """`stmt` is `self.<attr> = ...` and nothing else."""
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign)
            and len(stmt.body[0].targets) == 1 and is_self_attribute(stmt.body[0].targets[0].target, me) == attr)


def _mentions(node: cst.CSTNode, attr: str) -> bool:
    """`node` reads `.<attr>` or a weight list."""
    return any(isinstance(n, cst.Attribute) and (n.attr.value == attr or n.attr.value in api.WEIGHT_LISTS)
               for n in walk(node))


def _scalar_initializer(ctx: Context, cls: KerasClass, create: cst.Call, me: str, start: int, body: list):
    """(constant initializer, import it needs) when the variable's value is `self.<attr>` and
    every other assignment of that attribute in the class is a number; else (None, None)."""
    value = create.args[0].value if create.args and create.args[0].keyword is None else None
    attr = is_self_attribute(value, me) if value is not None else None
    if value is None or attr is None or not _always_a_number(cls, attr, body[start]):
        return None, None
    initializer = _constant_initializer(ctx, value)
    if initializer is not None:
        return initializer, None
    spelled = ctx.imports.spell_keras("initializers.Constant")
    if spelled is not None:
        return cst.parse_expression(f"{spelled}({source(value)})"), None
    origin = (ctx.imports.qualify_dotted(dotted(create.func) or "") or "").rsplit(".backend.", 1)[0]
    if origin.startswith(("keras", "tensorflow.keras", "tf_keras")) and not ctx.imports.is_bound("initializers"):
        return cst.parse_expression(f"initializers.Constant({source(value)})"), f"from {origin} import initializers"
    return None, None


def _always_a_number(cls: KerasClass, attr: str, creation: cst.BaseStatement) -> bool:
    """Every `self.<attr> = ...` of the class but `creation` assigns a number literal, a
    parameter whose default is one, or `float(...)`; and there is at least one."""
    inside = {id(n) for n in walk(creation)}
    seen = False
    for name, func in cls.methods.items():
        me = self_name(func)
        defaults = {p.name.value: p.default for p in (*func.params.params, *func.params.kwonly_params)
                    if p.default is not None}
        for node in cls.method_nodes[name]:
            if isinstance(node, (cst.AugAssign, cst.AnnAssign)) and is_self_attribute(node.target, me) == attr:
                return False
            if not isinstance(node, cst.Assign) or id(node) in inside:
                continue
            if any(is_self_attribute(t.target, me) == attr for t in node.targets):
                value = node.value
                if isinstance(value, cst.Name) and value.value in defaults:
                    value = defaults[value.value]
                elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "float":
                    value = cst.Float("0.0")
                if _number(value) is None:
                    return False
                seen = True
    return seen


def _weight_list_append(call: cst.Call, attribute: str, why_not_folded: str | None = None) -> Finding:
    effect = ("raises AttributeError on Keras 3" if attribute.startswith("_")
              else "does nothing on either Keras line (the list is a fresh copy)")
    reason = f" (not folded: {why_not_folded})" if why_not_folded else ""
    return Finding(
        "KF110", call,
        f"appending to `self.{attribute}` {effect}; make the weight with `self.add_weight(..., trainable=...)`, "
        f"which tracks it, and drop this line{reason}",
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
        what = ("`add_weight` with positional arguments: Keras 3 raises on a positional name, "
                "tf_keras reads a positional shape as the name")
        if bound is None:
            return Finding("KF104", call, f"{what}; pass every argument by keyword")
        converted = _convert(call, bound, api.ADD_WEIGHT_POLICY, lenient_strings=True)
        if converted.manual:
            return Finding("KF104", call, manual_message(what, converted.manual))
        fix = Fix((Replace(call, _rewrite_call(call.func, converted)),), Safety.SAFE)
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
        return Finding("KF107", call, manual_message(what, converted.manual))
    fix = Fix((Replace(call, _rewrite_call(call.func, converted)),), Safety.SAFE)
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
        return Finding("KF105", call, manual_message(what, converted.manual))
    func = call.func.with_changes(attr=cst.Name("add_weight"))
    fix = Fix((Replace(call, _rewrite_call(func, converted)),), Safety.SAFE)
    return Finding("KF105", call, f"{what}; use `{me}.add_weight` with keyword arguments", fix)


# --- KF108 ------------------------------------------------------------------------------------


def scope_manual_reasons(ctx: Context, node: cst.With, call: cst.Call, me: str) -> list[str]:
    """Why a person must remove a weight-making variable scope, if one must."""
    reasons = []
    if any(a.keyword is not None and a.keyword.value in _SCOPE_DEFAULTS for a in call.args):
        reasons.append("it sets defaults for its variables: pass them to add_weight first")
    asname = node.items[0].asname
    if asname is not None and _uses_name(node.body, asname.name):
        reasons.append("its `as` name is used inside")
    if _holds_scope_sensitive(ctx, node.body, me):
        reasons.append("it holds TF1 variables or layers that kerasfix cannot rewrite: fix those first")
    if not isinstance(node.body, cst.IndentedBlock) or _has_comments(node.body.footer):
        reasons.append("its layout cannot be kept")
    return reasons


def variable_scope_call(ctx: Context, node: cst.With) -> cst.Call | None:
    """The `variable_scope(...)` call a one-item `with` opens, if it opens one."""
    if len(node.items) != 1:
        return None
    call = node.items[0].item
    if isinstance(call, cst.Call) and ctx.resolve(call.func) in api.VARIABLE_SCOPE:
        return call
    return None


def scope_unsafe_reason(ctx: Context, node: cst.With, call: cst.Call, me: str) -> str | None:
    """Why removing a weight-making variable scope may change behaviour, or None.

    In TF 2 a variable scope shares nothing (measured: under `reuse=True` or `AUTO_REUSE`,
    `get_variable` makes a new variable on both Keras lines), and Keras ignores it for
    `add_weight`. Only TF1 sharing is lost: `reuse=True` found its variables made by another
    scope of that name (code outside the layer), and a `reuse=` scope that also wraps other
    code (a sub-layer's build, say) may share that code's variables."""
    reuse = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "reuse"), None)
    if reuse is None or source(reuse) in ("None", "False"):
        return None
    if ctx.resolve(reuse) not in api.AUTO_REUSE:
        shared = "shared" if source(reuse) == "True" else "may have shared"
        return (f"`reuse={source(reuse)}` {shared}, in TF1, variables that another scope of that name made "
                "outside the layer; add_weight makes new ones")
    if not _only_weights(ctx, node.body, me):
        return (f"`reuse={source(reuse)}` also covers code other than weight creation and assignments, "
                "whose TF1 variables it may share")
    return None


def _only_weights(ctx: Context, block: cst.BaseSuite, me: str) -> bool:
    """Every statement makes a weight or is a plain assignment (or holds only such statements)."""
    if not isinstance(block, cst.IndentedBlock):
        return False
    for stmt in block.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            if not all(isinstance(s, (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Pass))
                       or (isinstance(s, cst.Expr) and _is_weight_call(ctx, s.value, me)) for s in stmt.body):
                return False
        elif isinstance(stmt, (cst.If, cst.For, cst.With)):
            if isinstance(stmt, cst.With) and variable_scope_call(ctx, stmt) is None:
                return False
            orelse = getattr(stmt, "orelse", None)
            inner = [stmt.body] + ([orelse.body] if isinstance(orelse, cst.Else) else [])
            if isinstance(orelse, cst.If) or not all(_only_weights(ctx, b, me) for b in inner):
                return False
        else:
            return False
    return True


def _is_weight_call(ctx: Context, expr: cst.BaseExpression, me: str) -> bool:
    """`expr` makes a weight: a variable factory, add_weight, or a list append of one."""
    if not isinstance(expr, cst.Call):
        return False
    if isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "append" and len(expr.args) == 1:
        return _is_weight_call(ctx, expr.args[0].value, me)
    return ctx.resolve(expr.func) in api.GET_VARIABLE | api.VARIABLE | api.BACKEND_VARIABLE \
        or is_self_attribute(expr.func, me) in ("add_weight", "add_variable")


def makes_weights(ctx: Context, body: cst.CSTNode, me: str) -> bool:
    for node in walk(body):
        if isinstance(node, cst.Call):
            if ctx.resolve(node.func) in api.GET_VARIABLE | api.VARIABLE | api.BACKEND_VARIABLE:
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
        elif resolved in api.VARIABLE | api.BACKEND_VARIABLE:
            code = "KF109" if resolved in api.BACKEND_VARIABLE else "KF102"
            if not (ctx.wants(code) and _variable(ctx, node, me, backend=code == "KF109").fix):
                return True
        elif resolved.startswith("tf1.layers.") or resolved.endswith("get_variable_scope") \
                or resolved in api.VARIABLE_SCOPE:
            return True
    return False
