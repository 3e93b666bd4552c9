"""Layers built in a helper method that `call` calls: how many times `call` calls it, and the
plan that builds that many of each layer in `__init__`, indexed per call (`HelperLift`)."""

from __future__ import annotations

import libcst as cst

from .base import is_self_attribute, self_name, source
from ._lift_plan import ClassLift, HelperLift, LayerLift, Placement
from ._lift_syntax import (LOOPS, SCOPES, builds_weightless, guards_to, in_loop_or_scope, inside_construction,
                           only_bound_once, parenthesized, snake_case, usable_literal, usage)

# each call site of a helper, with the `for ... in range(...)` loop it is in (None: in no loop)
Sites = list[tuple[cst.Call, cst.For | None]]


def runs_once_per_call(lift: ClassLift, func: cst.FunctionDef) -> bool:
    """`call` itself (or a method the class chain runs once per call: `__call__`, `encode`
    that a base's `call` returns), or a helper `call` calls once, in no loop and under no
    `if`: what it builds can move as if `call` built it."""
    if func.name.value == "call" or func.name.value in lift.cls.once_per_call:
        return True
    sites = helper_sites(lift, func)
    return not isinstance(sites, str) and len(sites) == 1 and sites[0][1] is None


def helper_sites(lift: ClassLift, helper: cst.FunctionDef) -> Sites | str:
    """Where `call` calls the helper: each call with the `for ... in range(...)` loop it is
    in (None: once per call of `call`); or why the number of calls is not known."""
    cls = lift.cls
    name, sites = helper.name.value, []
    call_func = cls.methods.get("call")
    if helper.decorators:
        return f"`{name}` is decorated"
    for method, nodes in cls.method_nodes.items():
        me = self_name(cls.methods[method])
        for node in nodes:
            if is_self_attribute(node, me) != name:
                continue
            site = cls.parents.get(id(node))
            if method != "call" or not isinstance(site, cst.Call) or site.func is not node:
                return f"`{name}` is used in `{method}`, not only called by `call`"
            sites.append(site)
    if call_func is None or not sites:
        if call_func is None and name in cls.call_methods:  # reached through the class chain
            return f"`{name}` runs from a base class's or a subclass's method, not exactly once per call"
        return f"`call` does not call `{name}` itself"
    placed: Sites = []
    for site in sites:
        loop = _range_loop(lift, site, call_func)
        if isinstance(loop, str):
            return loop.format(name=name)
        placed.append((site, loop))
    order = lift.order("call")
    placed.sort(key=lambda pair: order.get(id(pair[0]), 0))
    loops = [loop for _, loop in placed if loop is not None]
    if len(set(map(id, loops))) > 1 or (loops and placed[-1][1] is None):
        return f"`call` calls `{name}` after its loop, or in more than one loop"
    return placed


def _range_loop(lift: ClassLift, site: cst.Call, call_func: cst.FunctionDef) -> cst.For | None | str:
    """The `for <name> in range(...)` loop the call is directly in, None when it is in no
    loop and under no `if`, or why it is neither."""
    parents = lift.cls.parents
    if not in_loop_or_scope(site, parents, call_func):
        return None if guards_to(site, parents, call_func) == [] else "`call` calls `{name}` under a condition"
    loop = parents.get(id(site))
    while loop is not None and not isinstance(loop, (*LOOPS, *SCOPES)):
        loop = parents.get(id(loop))
    if not (isinstance(loop, cst.For) and isinstance(loop.target, cst.Name) and loop.orelse is None
            and isinstance(loop.iter, cst.Call) and source(loop.iter.func) == "range"
            and 1 <= len(loop.iter.args) <= 2 and not any(a.keyword or a.star for a in loop.iter.args)
            and (len(loop.iter.args) == 1 or isinstance(loop.iter.args[0].value, cst.Integer))
            and not in_loop_or_scope(loop, parents, call_func) and guards_to(loop, parents, call_func) == []
            and guards_to(site, parents, loop) == []):
        return "`call` calls `{name}` in a loop that is not a plain `for i in range(...)`"
    return loop


def plan_helper(lift: ClassLift, helper: cst.FunctionDef, sites: Sites) -> HelperLift | str:
    """One plan for every layer the helper builds (they share its new argument), or why the
    helper's layers cannot move."""
    parents = lift.cls.parents
    constructions = [n for n in lift.cls.method_nodes[helper.name.value] if isinstance(n, cst.Call)
                     and lift.ctx.is_layer_class(n.func) and not builds_weightless(lift.ctx, n.func)
                     and not inside_construction(n, parents, lift.ctx)]
    count = _call_count(lift, sites)
    if isinstance(count, str):
        return count
    total, indices, count_place = count
    planned = HelperLift(helper, lift.allocate_local(helper, "layer_index"), [], indices)
    name = helper.name.value
    planned.private = (name.startswith("_") and not name.endswith("__")
                       and not lift.ctx.index.subclasses(lift.cls.qualified))
    planned.count_fixed = not any(lift.assigned_after_init(attr) for attr in count_place.self_attrs)
    for construction in constructions:
        layer = _helper_layer(lift, helper, construction, total, count_place)
        if isinstance(layer, str):
            return layer
        layer.helper = planned
        planned.layers.append(layer)
    return planned


def _call_count(lift: ClassLift, sites: Sites) -> tuple[cst.BaseExpression, list, Placement] | str:
    """How many times `call` calls the helper (an expression `__init__` can compute), and
    the index each call site passes."""
    tops = [site for site, loop in sites if loop is None]
    loops = [(site, loop) for site, loop in sites if loop is not None]
    indices: list[tuple[cst.Call, cst.BaseExpression]] = [
        (site, cst.Integer(str(number))) for number, site in enumerate(tops)]
    if not loops:
        return cst.Integer(str(len(tops))), indices, Placement("__init__")
    loop = loops[0][1]
    # what _range_loop checked: `for <name> in range([<int>,] <stop>)`
    assert isinstance(loop.iter, cst.Call) and isinstance(loop.target, cst.Name)
    args = [a.value for a in loop.iter.args]
    start, stop = (int(args[0].value), args[1]) if len(args) == 2 else (0, args[0])  # type: ignore[attr-defined]
    call_func = lift.cls.methods["call"]
    place = lift.placement(call_func, [stop])
    if place.where != "__init__":
        return f"its loop runs `range(...)` over what only `call` knows: {place.reason}"
    stop = lift.moved(call_func, place, stop)
    shift = len(tops) - start
    variable = loop.target.value
    index = variable if shift == 0 else f"{variable} + {shift}" if shift > 0 else f"{variable} - {-shift}"
    indices.extend((site, cst.parse_expression(index)) for site, _ in loops)
    stop_code = source(parenthesized(stop)) if shift else source(stop)
    total = (stop_code if start == 0 and shift == 0 else f"max({start}, {source(stop)})" if shift == 0
             else f"{len(tops)} + max(0, {stop_code} - {start})")
    return cst.parse_expression(total), indices, place


def _helper_layer(lift: ClassLift, helper: cst.FunctionDef, construction: cst.Call, total: cst.BaseExpression,
                  count_place: Placement) -> LayerLift | str:
    """The plan of one layer of the helper: a list of `total` such layers in `__init__`."""
    parents = lift.cls.parents
    name = helper.name.value
    if in_loop_or_scope(construction, parents, helper) or guards_to(construction, parents, helper) != []:
        return f"`{name}` builds a layer in a loop or under a condition"
    statement, form, local = usage(construction, parents.get(id(construction)), parents, self_name(helper))
    if form not in ("inline", "bound") or (
            form == "bound" and not only_bound_once(helper, lift.cls.method_nodes[name], local)):
        return f"`{name}` keeps a layer it builds in a way only a person can follow"
    placement = lift.placement(helper, [a.value for a in construction.args])
    if placement.where != "__init__":
        return placement.reason or f"it reads the shape of `{name}`'s argument"
    class_name = source(construction.func).rsplit(".", 1)[-1]
    attr = lift.allocate(f"{snake_case(local or usable_literal(construction) or class_name)}_layers")
    layer = lift.moved(helper, placement, construction)
    built = cst.ListComp(elt=layer, for_in=cst.CompFor(target=cst.Name("_"), iter=cst.Call(
        func=cst.Name("range"), args=[cst.Arg(total)])))
    # the new line goes after what the layer and the count read; the call's bindings it inlined may go
    place = Placement("__init__", self_attrs=placement.self_attrs | count_place.self_attrs,
                      bindings=placement.bindings)
    return LayerLift(lift, helper, construction, placement=place, attr=attr, value=built, form=form,
                     statement=statement, local=local)
