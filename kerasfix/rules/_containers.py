"""The attributes of a Keras class that keep sub-layers in a tuple or a set (`container_uses`),
and the fix that makes each a list (`as_list_fix`: one per attribute, shared by the findings
of its sites, whether a tuple's or a set's). Facts only: the rules of tuples and of sets
report them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from ..edits import Fix, Replace, Safety
from ..names import BUILTIN_NAMES
from ..classwalk import may_hold_layer
from .base import Context, KerasClass, is_self_attribute, self_name
from .calls import comments_in

# Builtins that treat a list exactly like a tuple or a set they are given.
_ITERATING_BUILTINS = frozenset(
    {"len", "enumerate", "zip", "list", "reversed", "iter", "sorted", "any", "all", "sum", "map",
     "filter", "tuple", "min", "max", "bool", "set", "frozenset"}
)
# Methods a list shares with a tuple, with the same results.
_SHARED_METHODS = frozenset({"index", "count"})


@dataclass(eq=False)
class ContainerSite:
    """An assignment of `self.<attr>`: the value it sets, and what that value builds."""

    value: cst.BaseExpression  # what a list replaces
    kind: str  # "tuple" or "set" of layers; "empty": the `()` that a `+=` of layers grows
    target: cst.CSTNode  # the `self.<attr>` it is assigned to (the empty start's value itself)


@dataclass(eq=False)
class ContainerUse:
    """An attribute of a class that holds layers in a tuple or a set, at each of its sites."""

    attr: str
    sites: list[ContainerSite]
    list_compatible: bool  # every read of it in the class behaves the same on a list


def container_uses(ctx: Context) -> list[ContainerUse]:
    """The attributes of every Keras class that keep layers in a tuple or a set, computed once
    per module."""
    return ctx.memo("containers", lambda: [use for cls in ctx.keras_classes for use in _uses(ctx, cls)])


def as_list_fix(ctx: Context, use: ContainerUse) -> Fix:
    """The fix that makes every site of the attribute a list: one object for all the sites'
    findings (it is applied once), safe when every use of the attribute is list-compatible."""
    def build() -> Fix:
        edits = tuple(Replace(site.value, _empty_list if site.kind == "empty" else _as_list) for site in use.sites)
        return Fix(edits, Safety.SAFE if use.list_compatible else Safety.UNSAFE)

    return ctx.memo(f"as list {id(use)}", build)


def _is_layer_construction(ctx: Context, node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and ctx.is_layer_class(node.func)


def _is_layer(ctx: Context, node: cst.BaseExpression, layer_params: frozenset[str]) -> bool:
    """A layer built there, or a parameter of the method known to hold one (`_layer_parameters`)."""
    return _is_layer_construction(ctx, node) or (isinstance(node, cst.Name) and node.value in layer_params)


def _holds_layers(ctx: Context, node: cst.BaseExpression, layer_params: frozenset[str]) -> bool:
    if isinstance(node, (cst.Tuple, cst.Set, cst.List)):
        return any(_is_layer(ctx, e.value, layer_params) for e in node.elements)
    if isinstance(node, (cst.GeneratorExp, cst.ListComp, cst.SetComp)):
        return _is_layer_construction(ctx, node.elt)
    return False


def _container_kind(ctx: Context, value: cst.BaseExpression, layer_params: frozenset[str]) -> str | None:
    """"tuple" / "set" when `value` builds that container of layers, else None."""
    if isinstance(value, cst.Tuple) and _holds_layers(ctx, value, layer_params):
        return "tuple"
    if isinstance(value, (cst.Set, cst.SetComp)) and _holds_layers(ctx, value, layer_params):
        return "set"
    if (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
            and value.func.value in ("tuple", "set", "frozenset") and len(value.args) == 1
            and value.args[0].keyword is None and not ctx.imports.is_bound(value.func.value)
            and _holds_layers(ctx, value.args[0].value, layer_params)):
        return "tuple" if value.func.value == "tuple" else "set"
    return None


def _layer_parameters(ctx: Context, cls: KerasClass, method: str, func: cst.FunctionDef) -> frozenset[str]:
    """The method's parameters that hold a layer: annotated with a layer class (`block: Dense`,
    the project's own classes by the index), checked with `isinstance(block, <layer class>)` in
    the method, or named for one (`*layer`, `*layers`, not a count such as `num_layers`)."""
    params = {p.name.value: p for p in (*func.params.posonly_params, *func.params.params,
                                        *func.params.kwonly_params)}
    found = {name for name, param in params.items() if may_hold_layer(name)
             or (param.annotation is not None and _names_layer_class(ctx, param.annotation.annotation))}
    for node in cls.method_nodes[method]:
        if (type(node) is cst.Call and isinstance(node.func, cst.Name) and node.func.value == "isinstance"
                and len(node.args) == 2 and isinstance(node.args[0].value, cst.Name)
                and node.args[0].value.value in params and _names_layer_class(ctx, node.args[1].value)):
            found.add(node.args[0].value.value)
    return frozenset(found)


def _names_layer_class(ctx: Context, expr: cst.BaseExpression) -> bool:
    """A layer class, or a tuple or subscript (`Optional[Dense]`) one of whose parts is one."""
    if isinstance(expr, cst.Tuple):
        return any(_names_layer_class(ctx, e.value) for e in expr.elements)
    if isinstance(expr, cst.Subscript):
        return any(isinstance(e.slice, cst.Index) and _names_layer_class(ctx, e.slice.value) for e in expr.slice)
    return isinstance(expr, (cst.Name, cst.Attribute)) and ctx.is_layer_class(expr)


def _as_list(node: cst.BaseExpression) -> cst.BaseExpression:
    """The same elements, as a list display or list comprehension, keeping formatting."""
    if isinstance(node, cst.Call):  # tuple(...) / set(...)
        return _call_as_list(node)
    if isinstance(node, cst.SetComp):
        return cst.ListComp(elt=node.elt, for_in=node.for_in, lpar=node.lpar, rpar=node.rpar,
                            lbracket=cst.LeftSquareBracket(whitespace_after=node.lbrace.whitespace_after),
                            rbracket=cst.RightSquareBracket(whitespace_before=node.rbrace.whitespace_before))
    if isinstance(node, cst.GeneratorExp):  # in parentheses of its own: the innermost become the brackets
        inner_l, inner_r = (node.lpar[-1], node.rpar[0]) if node.lpar else (None, None)
        return cst.ListComp(
            elt=node.elt, for_in=node.for_in,
            lbracket=(cst.LeftSquareBracket(whitespace_after=inner_l.whitespace_after) if inner_l
                      else cst.LeftSquareBracket()),
            rbracket=(cst.RightSquareBracket(whitespace_before=inner_r.whitespace_before) if inner_r
                      else cst.RightSquareBracket()),
            lpar=node.lpar[:-1], rpar=node.rpar[1:])
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


def _call_as_list(call: cst.Call) -> cst.BaseExpression:
    """`tuple(<generator>)` as `[<generator>]`, the call's parentheses become the brackets
    with what they hold (comments after `(` or before `)`, the line breaks); `tuple([...])`,
    `set((...))` as their list, in the call's parentheses when these hold a comment (which
    would have nowhere else to go)."""
    arg = call.args[0]
    inner, opening, closing = arg.value, call.whitespace_before_args, arg.whitespace_after_arg
    if isinstance(arg.comma, cst.Comma) and comments_in(arg.comma.whitespace_after) and not comments_in(closing):
        closing = arg.comma.whitespace_after  # `tuple([...],  # note` and a line break: the note stays
    if isinstance(inner, cst.GeneratorExp) and not inner.lpar:
        return cst.ListComp(elt=inner.elt, for_in=inner.for_in, lpar=call.lpar, rpar=call.rpar,
                            lbracket=cst.LeftSquareBracket(whitespace_after=opening),
                            rbracket=cst.RightSquareBracket(whitespace_before=closing))
    as_list = inner if isinstance(inner, (cst.List, cst.ListComp)) else _as_list(inner)
    if comments_in(opening) or comments_in(closing):
        return as_list.with_changes(lpar=[*call.lpar, cst.LeftParen(whitespace_after=opening), *as_list.lpar],
                                    rpar=[*as_list.rpar, cst.RightParen(whitespace_before=closing), *call.rpar])
    return as_list.with_changes(lpar=call.lpar, rpar=call.rpar)


def _is_empty_tuple(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Tuple) and not node.elements) or (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "tuple"
        and not node.args)


def _empty_list(node: cst.BaseExpression) -> cst.List:
    return cst.List(elements=[])


def _uses(ctx: Context, cls: KerasClass) -> Iterator[ContainerUse]:
    sites, grown, empty_starts = _assignments(ctx, cls)
    for attr, additions in grown.items():
        for added, reported in additions:
            sites.setdefault(attr, []).append(ContainerSite(added, "tuple", reported))
        for empty in empty_starts.get(attr, ()):
            sites[attr].append(ContainerSite(empty, "empty", empty))
    for attr, attr_sites in sites.items():
        rewritten = {id(site.value) for site in attr_sites}
        yield ContainerUse(attr, attr_sites, _only_benign_uses(cls, attr, rewritten))


_Grown = dict[str, list[tuple[cst.BaseExpression, cst.CSTNode]]]


def _assignments(ctx: Context, cls: KerasClass) -> tuple[dict[str, list[ContainerSite]], _Grown,
                                                          dict[str, list[cst.BaseExpression]]]:
    """The attributes the class sets to a tuple or a set of layers; those it grows with `+=`
    (or `self.x = self.x + ...`) by a tuple of layers; and the empty tuples they start from."""
    sites: dict[str, list[ContainerSite]] = {}
    grown: _Grown = {}  # tuples added with += / +
    empty_starts: dict[str, list[cst.BaseExpression]] = {}
    for name, func in cls.methods.items():
        me = self_name(func)
        layer_params = _layer_parameters(ctx, cls, name, func)
        for node in cls.method_nodes[name]:
            if type(node) is cst.Assign and len(node.targets) == 1:  # exact types: see syntax.of_kind
                attr = is_self_attribute(node.targets[0].target, me)
                if attr is None:
                    continue
                kind = _container_kind(ctx, node.value, layer_params)
                target = node.targets[0].target
                if kind:
                    sites.setdefault(attr, []).append(ContainerSite(node.value, kind, target))
                elif _is_empty_tuple(node.value):
                    empty_starts.setdefault(attr, []).append(node.value)
                elif (isinstance(node.value, cst.BinaryOperation) and isinstance(node.value.operator, cst.Add)
                      and is_self_attribute(node.value.left, me) == attr
                      and _container_kind(ctx, node.value.right, layer_params) == "tuple"):
                    grown.setdefault(attr, []).append((node.value.right, target))
            elif type(node) is cst.AugAssign and isinstance(node.operator, cst.AddAssign):
                attr = is_self_attribute(node.target, me)
                if attr is not None and _container_kind(ctx, node.value, layer_params) == "tuple":
                    grown.setdefault(attr, []).append((node.value, node.target))
    return sites, grown, empty_starts


def _only_benign_uses(cls: KerasClass, attr: str, rewritten: set[int]) -> bool:
    """Every read of `self.<attr>` in the class would behave the same on a list."""
    parents = cls.parents
    for name, func in cls.methods.items():
        me = self_name(func)
        for node in cls.method_nodes[name]:
            if (isinstance(node, cst.Attribute) and is_self_attribute(node, me) == attr
                    and not _benign(node, parents, rewritten)):
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
