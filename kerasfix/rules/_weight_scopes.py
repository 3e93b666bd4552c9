"""TF1 variable scopes in a layer's setup methods: what each means for the weight calls inside
(the defaults it sets, whether removing it is unsafe), and whether a person must remove it.

Whether the scope can go depends on the weight calls it holds being rewritten in the same run:
that is not known here (it depends on the rules the run selects), so each answer comes in two
versions, and the calls it depends on (`needs`): the engine picks the version (see
`Finding.needs`)."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .. import keras_api as api
from ..names import BUILTIN_NAMES
from ._weight_args import convert_get_variable, convert_variable
from .base import Context, is_self_attribute, source, walk

SCOPE_DEFAULTS = frozenset({"initializer", "regularizer", "caching_device", "partitioner",
                            "custom_getter", "dtype", "constraint", "use_resource"})
_SENSITIVE = "it holds TF1 variables or layers that kerasfix cannot rewrite: fix those first"


@dataclass(frozen=True)
class Manual:
    """Why a person must remove a variable scope: `reasons` once every weight call in `needs`
    is rewritten by this run, `otherwise` when one is not."""

    reasons: tuple[str, ...]
    otherwise: tuple[str, ...]
    needs: tuple[cst.Call, ...]


@dataclass(frozen=True)
class ScopeNote:
    """What the enclosing variable scopes mean for a weight call inside them: the defaults
    they set for it (e.g. "initializer"), and why removing them is unsafe (the weight goes
    with them): `unsafe` once the calls in `needs` are rewritten by this run, `unsafe_else`
    when one is not."""

    defaults: str | None = None
    unsafe: str | None = None
    unsafe_else: str | None = None
    needs: tuple[cst.Call, ...] = ()


def variable_scope_call(ctx: Context, node: cst.With) -> cst.Call | None:
    """The `variable_scope(...)` call a one-item `with` opens, if it opens one."""
    if len(node.items) != 1:
        return None
    call = node.items[0].item
    if isinstance(call, cst.Call) and ctx.resolve(call.func) in api.VARIABLE_SCOPE:
        return call
    return None


def scope_notes(ctx: Context, withs: list[cst.With], me: str) -> dict[int, ScopeNote]:
    """Weight calls (by id) inside variable scopes that set defaults or are unsafe to remove."""
    found: dict[int, ScopeNote] = {}
    for node in withs:
        call = variable_scope_call(ctx, node)
        if call is None:
            continue
        defaults = ", ".join(a.keyword.value for a in call.args
                             if a.keyword is not None and a.keyword.value in SCOPE_DEFAULTS)
        manual = manual_reasons(ctx, node, call, me)
        unsafe, unsafe_else = (_unsafe(ctx, node, call, me, reasons) for reasons in (manual.reasons, manual.otherwise))
        if not defaults and unsafe is None and unsafe_else is None:
            continue
        for inner in walk(node.body):
            if isinstance(inner, cst.Call):
                old = found.get(id(inner), ScopeNote())
                note = ScopeNote(old.defaults or defaults or None, old.unsafe or unsafe, old.unsafe_else or unsafe_else)
                needs = tuple(dict.fromkeys(old.needs + manual.needs)) if note.unsafe != note.unsafe_else else ()
                found[id(inner)] = ScopeNote(note.defaults, note.unsafe, note.unsafe_else, needs)
    return found


def _unsafe(ctx: Context, node: cst.With, call: cst.Call, me: str, manual: tuple[str, ...]) -> str | None:
    if not manual:  # a call it cannot see into makes only the scope's removal unsafe: the weights go alone
        return _sharing_reason(ctx, node, call, me)
    if ctx.resolve(call.func) in api.VARIABLE_SCOPE_GONE:  # fixing the weights alone would still fail
        return f"`{source(call.func)}` is gone in TF 2 and a person removes it: {manual[0]}"
    return None


def manual_reasons(ctx: Context, node: cst.With, call: cst.Call, me: str) -> Manual:
    """Why a person must remove a weight-making variable scope, if one must."""
    before, after = [], []
    if any(a.keyword is not None and a.keyword.value in SCOPE_DEFAULTS for a in call.args):
        before.append("it sets defaults for its variables: pass them to add_weight first")
    asname = node.items[0].asname
    if asname is not None and _uses_name(node.body, asname.name):
        before.append("its `as` name is used inside")
    if not isinstance(node.body, cst.IndentedBlock) or _has_comments(node.body.footer):
        after.append("its layout cannot be kept")
    needs = _weight_calls_inside(ctx, node.body, me)
    sensitive = (*before, _SENSITIVE, *after)
    if needs is None:
        return Manual(sensitive, sensitive, ())
    return Manual((*before, *after), sensitive if needs else (*before, *after), needs)


def scope_unsafe_reason(ctx: Context, node: cst.With, call: cst.Call, me: str) -> str | None:
    """Why removing a weight-making variable scope may change behaviour, or None: what it
    shares, or a call in it kerasfix cannot see into (see `_scope_readers`)."""
    shared = _sharing_reason(ctx, node, call, me)
    unknown = _scope_readers(ctx, node.body, me)
    if shared is not None or not unknown:
        return shared
    names = ", ".join(f"`{name}`" for name in unknown)
    return (f"the block also calls {names}, which kerasfix cannot see into: a TF1 variable it makes (a library's "
            "own variable factory) is named from the scope; without it the name loses the scope's prefix, and a "
            "second layer's collides in a TF1 graph (ValueError: already exists)")


def _sharing_reason(ctx: Context, node: cst.With, call: cst.Call, me: str) -> str | None:
    """Why removing a weight-making variable scope may change what it shares, or None.

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


def _weight_calls_inside(ctx: Context, body: cst.CSTNode, me: str) -> tuple[cst.Call, ...] | None:
    """The TF1 weight calls of the block, which still need the scope unless this run reports
    (and so rewrites) them; None when it holds something no run rewrites (a TF1 layer, another
    scope, a weight call that cannot become add_weight)."""
    found = []
    for node in walk(body):
        if not isinstance(node, cst.Call):
            continue
        resolved = ctx.resolve(node.func) or ""
        if resolved in api.GET_VARIABLE:
            if convert_get_variable(ctx, node, me, None).fix is None:
                return None
            found.append(node)
        elif resolved in api.VARIABLE | api.BACKEND_VARIABLE:
            if convert_variable(ctx, node, me, backend=resolved in api.BACKEND_VARIABLE).fix is None:
                return None
            found.append(node)
        elif resolved.startswith("tf1.layers.") or resolved.endswith("get_variable_scope") \
                or resolved in api.VARIABLE_SCOPE:
            return None
    return tuple(found)


def _scope_readers(ctx: Context, body: cst.CSTNode, me: str) -> tuple[str, ...]:
    """The calls of a scope's block, other than weight calls, that kerasfix cannot see into and
    that may make variables named from the scope: any call not known to be scope-free (a
    library's own variable factory, a method, a helper: a module's functions are not parsed)."""
    unknown: dict[str, None] = {}
    for node in walk(body):
        if isinstance(node, cst.Call) and not _is_weight_call(ctx, node, me) and not _scope_free(ctx, node.func):
            unknown[source(node.func)] = None
    return tuple(unknown)


def _scope_free(ctx: Context, func: cst.BaseExpression) -> bool:
    """A call of `func` makes no variable and reads no variable scope (keras_api.is_scope_free)."""
    if isinstance(func, cst.Name) and func.value in BUILTIN_NAMES and not ctx.imports.is_bound(func.value):
        return True
    if isinstance(func, cst.Attribute) and func.attr.value in api.SCOPE_FREE_METHODS:
        return True
    resolved = ctx.resolve(func)
    return resolved is not None and api.is_scope_free(resolved)
