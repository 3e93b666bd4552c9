"""What the weight rules share: one walk of a layer's methods for the weights they make, as
facts (`weight_calls`: each call, its kind, where it stands, the variable scopes around it, the
weight lists it is appended to, its fold with an append), computed once per module.

The facts name no rule: each weight rule (KF101 get_variable_in_layer.py, KF102, KF104, KF105,
KF107, KF109, KF110) takes the facts it reports, words its message and takes its fix from the
conversion of `_weight_args.py`. KF103 (`_lift.py`) converts through `as_add_weight`; KF108
reads the variable scopes through `_weight_scopes.py`."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, Replace, Safety
from .base import Context, Finding, KerasClass, deferred_function, is_self_attribute, self_name, source
from ._weight_args import (Conversion, Trained, convert_add_variable, convert_add_weight, convert_get_variable,
                           convert_variable)
from ._weight_folds import Append, Fold, class_appends, folds
from ._weight_scopes import ScopeNote, scope_notes

MANUAL_HINT = "finish it by hand as `self.add_weight(name=..., shape=..., initializer=...)`"


class Kind(enum.Enum):
    """What a weight call is, by the name messages give it."""

    GET_VARIABLE = "tf.get_variable"
    VARIABLE = "tf.Variable"
    BACKEND_VARIABLE = "keras.backend.variable"
    ADD_WEIGHT = "add_weight"
    ADD_VARIABLE = "add_variable"
    LIST_APPEND = "append"  # to one of a layer's weight lists


@dataclass(frozen=True)
class WeightCall:
    """A call that makes a weight, or registers one, in a Keras class's method."""

    call: cst.Call
    kind: Kind
    method: str
    me: str  # the method's first parameter
    usable_self: bool  # not a static or class method
    setup: bool  # in a method only `__init__` and `build` reach (elsewhere weights are only reported)
    scope: ScopeNote | None = None  # the variable scopes around it
    appended: tuple[tuple[str, bool], ...] = ()  # the weight lists it is appended to, each: conditionally?
    fold: Fold | None = None  # its creation and append made one add_weight
    weights: str | None = None  # LIST_APPEND: the list
    why_not_folded: str | None = None  # LIST_APPEND of a private list that is not folded

    @property
    def self_or_none(self) -> str | None:
        return self.me if self.usable_self else None


def weight_calls(ctx: Context) -> list[WeightCall]:
    """The weight calls of every Keras class of the module, computed once per module."""
    return ctx.memo("weight-calls", lambda: [c for cls in ctx.keras_classes for c in _class_calls(ctx, cls)])


@dataclass(frozen=True)
class _Site:
    """Where a call stands: its method, that method's `self`, and what the class allows."""

    method: str
    me: str
    usable_self: bool
    in_call: bool
    own_add_weight: bool
    own_add_variable: bool


def _class_calls(ctx: Context, cls: KerasClass) -> Iterator[WeightCall]:
    own_add_weight = ctx.index.defines_add_weight(cls.qualified)
    own_add_variable = ctx.index.defines_method(cls.qualified, "add_variable")
    for name, func in cls.methods.items():
        me = self_name(func)
        site = _Site(name, me, not _is_static(func), name in cls.call_methods, own_add_weight, own_add_variable)
        setup = name in cls.setup_methods
        notes = scope_notes(ctx, cls.nodes_of(name, cst.With), me) if setup else {}
        folded = folds(ctx, cls, name, me, notes) if setup and site.usable_self else {}
        for node in cls.method_nodes[name]:
            if type(node) is not cst.Call:  # exact type: see syntax.of_kind
                continue
            if id(node) in folded:
                yield _folded(node, folded[id(node)], site)
            elif site.in_call or not _may_make_weight(node) or deferred_function(ctx, cls, node, func) is None:
                fact = _weight_call(ctx, cls, node, site, notes)
                if fact is not None:
                    yield fact


def _folded(node: cst.Call, fold: Fold | tuple[Append, str], site: _Site) -> WeightCall:
    if isinstance(fold, tuple):
        append, why = fold
        return WeightCall(node, Kind.LIST_APPEND, site.method, site.me, True, True, weights=append.weights,
                          why_not_folded=why)
    if node is fold.append.call:
        return WeightCall(node, Kind.LIST_APPEND, site.method, site.me, True, True, fold.scope, fold=fold,
                          weights=fold.append.weights)
    kind = Kind.BACKEND_VARIABLE if fold.backend else Kind.VARIABLE
    return WeightCall(node, kind, site.method, site.me, True, True, fold.scope, fold=fold)


def _weight_call(ctx: Context, cls: KerasClass, call: cst.Call, site: _Site,
                 notes: dict[int, ScopeNote]) -> WeightCall | None:
    me = site.me
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("append", "extend", "insert"):
        weights = is_self_attribute(call.func.value, me)
        if weights in api.WEIGHT_LISTS:
            return WeightCall(call, Kind.LIST_APPEND, site.method, me, site.usable_self, False, weights=weights)
    if site.in_call:
        return None  # weights made in `call`: KF103, in _lift.py
    kind = _variable_kind(ctx.resolve(call.func))
    method = is_self_attribute(call.func, me)
    if kind is not None:
        if site.method not in cls.setup_methods:
            return WeightCall(call, kind, site.method, me, site.usable_self, False)
        attr = _assigned_attribute(cls, call, me)
        appended = () if attr is None or kind is Kind.GET_VARIABLE else tuple(class_appends(ctx, cls).get(attr, ()))
        return WeightCall(call, kind, site.method, me, site.usable_self, True, notes.get(id(call)), appended)
    if method == "add_weight" and not site.own_add_weight:
        return WeightCall(call, Kind.ADD_WEIGHT, site.method, me, site.usable_self, False)
    if method == "add_variable" and not site.own_add_variable:
        return WeightCall(call, Kind.ADD_VARIABLE, site.method, me, site.usable_self, False)
    return None


def _variable_kind(resolved: str | None) -> Kind | None:
    if resolved in api.GET_VARIABLE:
        return Kind.GET_VARIABLE
    if resolved in api.VARIABLE:
        return Kind.VARIABLE
    if resolved in api.BACKEND_VARIABLE:
        return Kind.BACKEND_VARIABLE
    return None


def _may_make_weight(call: cst.Call) -> bool:
    """Cheap: the call's last name is one that makes a weight (`tf.Variable`, `add_weight`)."""
    func = call.func
    last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return last in api.WEIGHT_FACTORY_NAMES


def _is_static(func: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value in ("staticmethod", "classmethod")
               for d in func.decorators)


def _assigned_attribute(cls: KerasClass, call: cst.Call, me: str) -> str | None:
    """`attr` when the call is the whole value of `self.attr = <call>`."""
    parent = cls.parents.get(id(call))
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        return is_self_attribute(parent.targets[0].target, me)
    return None


# --- what the weight rules word alike ----------------------------------------------------------


@dataclass(frozen=True)
class Worded:
    """A finding's message and fix; when they hold only if the weight calls `needs` names are
    rewritten by this run (a variable scope around them goes too), `otherwise` when not."""

    message: str
    fix: Fix | None = None
    needs: tuple[cst.CSTNode, ...] = ()
    otherwise: Worded | None = None
    help: str = ""  # the finding's own next step (else the rule's)

    def finding(self, code: str, node: cst.CSTNode) -> Finding:
        otherwise = self.otherwise.finding(code, node) if self.otherwise is not None else None
        return Finding(code, node, self.message, self.fix, needs=self.needs, otherwise=otherwise, help=self.help)


def manual_message(what: str, reasons: tuple[str, ...] | list[str]) -> str:
    return f"{what}; fix by hand: {'; '.join(dict.fromkeys(reasons))}"


_UNMAPPED = re.compile(r"its initial value `(.+)` does not map to an initializer")


def manual_help(me: str, reasons: tuple[str, ...] | list[str]) -> str:
    """The recipe for a value no initializer spells (`np.load(...)`): a constant initializer of
    the value itself, which keeps its values and takes its shape; else the rule's help."""
    for reason in reasons:
        found = _UNMAPPED.fullmatch(reason)
        if found:
            value = found.group(1)
            if not re.fullmatch(r"[\w.]+", value):
                return (f"keep the value (`value = {value}`), then `{me}.add_weight(name=..., shape=value.shape, "
                        "initializer=tf.constant_initializer(value))`, which also keeps its values")
            return (f"write it as `{me}.add_weight(name=..., shape={value}.shape, "
                    f"initializer=tf.constant_initializer({value}))`, which also keeps its values")
    return ""


def unknown_caller(kind: Kind, method: str, written: str | None = None) -> str:
    """A variable made in a method neither `__init__` nor `build` calls (`written`: the
    function as the code spells it, else the kind's name)."""
    return (f"`{written or kind.value}` in a Keras layer, in `{method}`, which neither `__init__` nor `build` calls: "
            f"Keras 3 never tracks it, and if `{method}` runs on every forward pass it makes a new one each time; "
            "create the weight once in `build` with `self.add_weight(...)`")


def trained_note(trained: Trained) -> str:
    if trained.unknown:
        return f" (unsafe: {trained.unknown})"
    if trained.value is not None:
        return f" with `trainable={source(trained.value)}`: {trained.why}"
    return ""


def converted(what: str, me: str, conversion: Conversion, scope: ScopeNote | None) -> Worded:
    """A variable made by a TF1 or backend call, worded from its conversion to add_weight: inside
    a variable scope that is only removed unsafely, the fix is unsafe too (fixed alone, it would
    leave the scope, gone in TF 2 when spelled `tf.variable_scope`, around an add_weight)."""
    if conversion.starred:
        return Worded(f"{what}; its arguments use * or **, so {MANUAL_HINT}")
    if conversion.fix is None:
        return Worded(manual_message(what, conversion.manual), help=manual_help(me, conversion.manual))
    return scoped(f"{what}; use `{me}.add_weight`{trained_note(conversion.trained)}{unsafe_note(conversion)}",
                  conversion.fix, scope)


def unsafe_note(conversion: Conversion) -> str:
    return f" (unsafe: {conversion.unsafe})" if conversion.unsafe else ""


# as tf_keras still does (measured)
UNSAFE_FOLD = (" (unsafe: tf.keras 2 also tracked the variable as an attribute and trained it whatever the "
               "append says)")


def unsafe_fold(what: str) -> str:
    """UNSAFE_FOLD, of an append or of a list assignment (`what`)."""
    return UNSAFE_FOLD.replace("the append", f"the {what}")


def folded_creation(what: str, fold: Fold) -> Worded:
    """The creation of a variable folded with its append (KF102, KF109): the fold's fix."""
    conversion = fold.conversion
    assert conversion.fix is not None  # else it is no fold
    message = f"{what}; use `{fold.me}.add_weight`{trained_note(conversion.trained)}"
    suffix = f", and drop the {fold.append.what}" + (unsafe_fold(fold.append.what) if fold.unsafe else "")
    return scoped(message, conversion.fix, fold.scope, suffix, (fold.fix, fold.fix_else))


def scoped(message: str, fix: Fix, scope: ScopeNote | None, suffix: str = "",
           fixes: tuple[Fix, Fix] | None = None) -> Worded:
    """`message` (and `suffix` after the scope's note), with `fix` made unsafe by an unsafe
    scope; `fixes`: the fix to give for each version instead (a fold's)."""
    def version(unsafe: str | None, given: Fix | None) -> Worded:
        if unsafe is None:
            return Worded(message + suffix, given or fix)
        return Worded(f"{message} (unsafe, with its variable scope: {unsafe}){suffix}",
                      given or Fix(fix.edits, Safety.UNSAFE))

    mine, other = fixes if fixes is not None else (None, None)
    if scope is None:
        return version(None, mine)
    main = version(scope.unsafe, mine)
    if not scope.needs:
        return main
    return Worded(main.message, main.fix, scope.needs, version(scope.unsafe_else, other))


def as_add_weight(ctx: Context, call: cst.Call, me: str) -> cst.Call | None:
    """The keyword `self.add_weight(...)` call making the variable `call` makes, if any
    (for KF103, which moves it into `build`)."""
    resolved = ctx.resolve(call.func)
    method = is_self_attribute(call.func, me)
    conversion: Conversion | None
    if resolved in api.GET_VARIABLE:
        conversion = convert_get_variable(ctx, call, me, None)
    elif resolved in api.VARIABLE | api.BACKEND_VARIABLE:
        conversion = convert_variable(ctx, call, me, backend=resolved in api.BACKEND_VARIABLE)
    elif method in ("add_weight", "add_variable"):
        conversion = convert_add_weight(call) if method == "add_weight" else convert_add_variable(call)
        if conversion is None:
            return call
    else:
        return None
    if conversion.fix is None:
        return None
    edit = conversion.fix.edits[0]
    assert isinstance(edit, Replace)  # a weight call's fix replaces the call, first
    new = edit.new if isinstance(edit.new, cst.CSTNode) else edit.new(call)
    return new if isinstance(new, cst.Call) else None
