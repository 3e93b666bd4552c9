"""KF301, KF302: sub-layers kept in tuples or sets."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..edits import Fix, Replace, Safety
from ..names import BUILTIN_NAMES
from . import docs
from ..triggers import Trigger
from .base import Context, Finding, KerasClass, Rule, RuleFamily, is_self_attribute, self_name

KF301 = Rule(
    code="KF301",
    name="tuple-layer-container",
    summary="Keras layers kept in a tuple attribute",
    fix="always",
    safety="safe when list-compatible, else unsafe",
    doc=docs.KF301,
    trigger=Trigger(layer_in_container=True),
)

KF302 = Rule(
    code="KF302",
    name="set-layer-container",
    summary="Keras layers kept in a set attribute",
    fix="always",
    safety="safe when list-compatible, else unsafe",
    doc=docs.KF302,
    trigger=Trigger(layer_in_container=True),
)

# Builtins that treat a list exactly like a tuple or a set they are given.
_ITERATING_BUILTINS = frozenset(
    {"len", "enumerate", "zip", "list", "reversed", "iter", "sorted", "any", "all", "sum", "map",
     "filter", "tuple", "min", "max", "bool", "set", "frozenset"}
)
# Methods a list shares with a tuple, with the same results.
_SHARED_METHODS = frozenset({"index", "count"})


class ContainerRules(RuleFamily):
    rules = (KF301, KF302)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            yield from _check_class(ctx, cls)


def _is_layer_construction(ctx: Context, node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and ctx.is_layer_class(node.func)


def _holds_layers(ctx: Context, node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Tuple, cst.Set, cst.List)):
        return any(_is_layer_construction(ctx, e.value) for e in node.elements)
    if isinstance(node, (cst.GeneratorExp, cst.ListComp, cst.SetComp)):
        return _is_layer_construction(ctx, node.elt)
    return False


def _container_kind(ctx: Context, value: cst.BaseExpression) -> str | None:
    """"tuple" / "set" when `value` builds that container of layers, else None."""
    if isinstance(value, cst.Tuple) and _holds_layers(ctx, value):
        return "tuple"
    if isinstance(value, (cst.Set, cst.SetComp)) and _holds_layers(ctx, value):
        return "set"
    if (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
            and value.func.value in ("tuple", "set", "frozenset") and len(value.args) == 1
            and value.args[0].keyword is None and not ctx.imports.is_bound(value.func.value)
            and _holds_layers(ctx, value.args[0].value)):
        return "tuple" if value.func.value == "tuple" else "set"
    return None


def _as_list(node: cst.BaseExpression) -> cst.BaseExpression:
    """The same elements, as a list display or list comprehension, keeping formatting."""
    if isinstance(node, cst.Call):  # tuple(...) / set(...)
        inner = node.args[0].value
        if isinstance(inner, (cst.List, cst.ListComp)):
            return inner.with_changes(lpar=node.lpar, rpar=node.rpar)
        return _as_list(inner).with_changes(lpar=node.lpar, rpar=node.rpar)
    if isinstance(node, (cst.GeneratorExp, cst.SetComp)):
        return cst.ListComp(elt=node.elt, for_in=node.for_in)
    if isinstance(node, cst.Tuple):
        elements = list(node.elements)
        inner_l, inner_r = (node.lpar[-1], node.rpar[0]) if node.lpar else (None, None)
        if len(elements) == 1 and isinstance(elements[0].comma, cst.Comma):
            comma = elements[0].comma
            if "\n" not in cst.Module([]).code_for_node(comma):
                elements[0] = elements[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return cst.List(
            elements=elements,
            lbracket=(cst.LeftSquareBracket(whitespace_after=inner_l.whitespace_after) if inner_l
                      else cst.LeftSquareBracket()),
            rbracket=(cst.RightSquareBracket(whitespace_before=inner_r.whitespace_before) if inner_r
                      else cst.RightSquareBracket()),
            lpar=node.lpar[:-1],
            rpar=node.rpar[1:],
        )
    if isinstance(node, cst.Set):
        return cst.List(
            elements=node.elements,
            lbracket=cst.LeftSquareBracket(whitespace_after=node.lbrace.whitespace_after),
            rbracket=cst.RightSquareBracket(whitespace_before=node.rbrace.whitespace_before),
            lpar=node.lpar,
            rpar=node.rpar,
        )
    return node


def _is_empty_tuple(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Tuple) and not node.elements) or (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "tuple"
        and not node.args)


def _empty_list(node: cst.BaseExpression) -> cst.List:
    return cst.List(elements=[])


def _check_class(ctx: Context, cls: KerasClass) -> Iterator[Finding]:
    # attribute -> [(value node to rewrite, kind, the `self.<attr>` reported)]
    sites: dict[str, list[tuple[cst.BaseExpression, str, cst.CSTNode]]] = {}
    grown: dict[str, list[tuple[cst.BaseExpression, cst.CSTNode]]] = {}  # tuples added with += / +
    empty_starts: dict[str, list[cst.BaseExpression]] = {}
    for name, func in cls.methods.items():
        me = self_name(func)
        for node in cls.method_nodes[name]:
            if isinstance(node, cst.Assign) and len(node.targets) == 1:
                attr = is_self_attribute(node.targets[0].target, me)
                if attr is None:
                    continue
                kind = _container_kind(ctx, node.value)
                target = node.targets[0].target
                if kind:
                    sites.setdefault(attr, []).append((node.value, kind, target))
                elif _is_empty_tuple(node.value):
                    empty_starts.setdefault(attr, []).append(node.value)
                elif (isinstance(node.value, cst.BinaryOperation) and isinstance(node.value.operator, cst.Add)
                      and is_self_attribute(node.value.left, me) == attr
                      and _container_kind(ctx, node.value.right) == "tuple"):
                    grown.setdefault(attr, []).append((node.value.right, target))
            elif isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
                attr = is_self_attribute(node.target, me)
                if attr is not None and _container_kind(ctx, node.value) == "tuple":
                    grown.setdefault(attr, []).append((node.value, node.target))
    for attr, nodes in grown.items():
        for node, target in nodes:
            sites.setdefault(attr, []).append((node, "tuple", target))
        for node in empty_starts.get(attr, ()):
            sites[attr].append((node, "empty", node))
    for attr, attr_sites in sites.items():
        rewritten = {id(node) for node, _, _ in attr_sites}
        safe = _only_benign_uses(cls, attr, rewritten)
        edits = tuple(
            Replace(node, _empty_list if kind == "empty" else _as_list) for node, kind, _ in attr_sites
        )
        fix = Fix(edits, Safety.SAFE if safe else Safety.UNSAFE)
        for _, kind, target in attr_sites:
            if kind == "empty":
                continue
            rule = KF301 if kind == "tuple" else KF302
            who = "TensorFlow 1.x" if kind == "tuple" else "tf_keras 2"
            yield Finding(
                rule.code, target,
                f"layers kept in a {kind} in `self.{attr}`: {who} never tracks their weights; keep them in a list",
                fix,
            )


def _only_benign_uses(cls: KerasClass, attr: str, rewritten: set[int]) -> bool:
    """Every read of `self.<attr>` in the class would behave the same on a list."""
    parents = cls.parents
    for name, func in cls.methods.items():
        me = self_name(func)
        for node in cls.method_nodes[name]:
            if is_self_attribute(node, me) == attr and not _benign(node, parents, rewritten):
                return False
    return True


def _benign(node: cst.BaseExpression, parents, rewritten: set[int]) -> bool:
    """`node` holds the container (or a slice of it): does its use tell a list from a tuple
    or a set? Length, indexing, truth, iteration, unpacking, membership, `index`/`count` and
    the iterating builtins do not; hashing, `==`, `isinstance`, `+` with a tuple, `%`
    formatting, and passing it anywhere else (a return, another function) may."""
    parent = parents.get(id(node))
    if isinstance(parent, cst.AssignTarget):
        return True  # the assignments themselves (their values are checked separately)
    if isinstance(parent, cst.AugAssign) and parent.target is node:
        return id(parent.value) in rewritten
    if isinstance(parent, cst.BinaryOperation) and parent.left is node:
        return isinstance(parent.operator, cst.Add) and id(parent.right) in rewritten
    if isinstance(parent, cst.Subscript) and parent.value is node:
        # an item is the same item; a slice is a container of the same kind, used in turn
        return not any(isinstance(e.slice, cst.Slice) for e in parent.slice) or _benign(parent, parents, rewritten)
    if _is_truth_test(node, parent):
        return True
    if isinstance(parent, cst.BooleanOperation) or (isinstance(parent, cst.IfExp) and parent.test is not node):
        return _benign(parent, parents, rewritten)  # `self.x or ()` is the container itself
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
        return True
    if isinstance(parent, cst.StarredElement) or (isinstance(parent, cst.Arg) and parent.star == "*"):
        return True
    if isinstance(parent, cst.ComparisonTarget):
        return _benign_comparison(node, parent, parents.get(id(parent)))
    if isinstance(parent, cst.Comparison) and parent.left is node and len(parent.comparisons) == 1:
        return _benign_comparison(node, parent.comparisons[0], parent)
    if isinstance(parent, cst.Assign) and parent.value is node:
        return all(isinstance(t.target, (cst.Tuple, cst.List)) for t in parent.targets)  # unpacking
    if isinstance(parent, cst.Attribute) and parent.value is node:
        call = parents.get(id(parent))
        return parent.attr.value in _SHARED_METHODS and isinstance(call, cst.Call) and call.func is parent
    if isinstance(parent, cst.Arg) and parent.keyword is None:
        call = parents.get(id(parent))
        return (isinstance(call, cst.Call) and isinstance(call.func, cst.Name)
                and call.func.value in _ITERATING_BUILTINS and call.func.value in BUILTIN_NAMES)
    return False


def _is_truth_test(node: cst.BaseExpression, parent) -> bool:
    return ((isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert, cst.CompIf)) and parent.test is node)
            or (isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not)))


def _benign_comparison(node: cst.BaseExpression, target: cst.ComparisonTarget, comparison) -> bool:
    """`x in self.heads` (not `self.heads in x`, which hashes it), `self.heads is None`."""
    if isinstance(target.operator, (cst.In, cst.NotIn)):
        return target.comparator is node
    if isinstance(target.operator, (cst.Is, cst.IsNot)) and isinstance(comparison, cst.Comparison):
        other = comparison.left if target.comparator is node else target.comparator
        return isinstance(other, cst.Name) and other.value == "None"
    return False
