"""The lifter shared by KF103, KF201 and KF202: weights and layers built in `call` (or a TF1
`tf.layers.<function>` call there), and the plan that moves each to `__init__` or `build`.

One `_ClassLifter` per class reports all three codes, because the lifts of a class share the
attribute names they allocate and the helper methods they rewrite; each rule's module takes its
own code from `lifted_findings`."""

from __future__ import annotations

import functools
import keyword
import re
from dataclasses import dataclass, field
from typing import Iterator, cast

import libcst as cst

from .. import keras_api as api
from ..edits import AddImport, AddMethod, Fix, InsertAfter, InsertBefore, Remove, Replace, Safety
from ..names import BUILTIN_NAMES
from ..syntax import children, dotted
from .base import (Context, Finding, KerasClass, is_docstring, is_self_attribute, self_name,
                   source, walk)
from ._weights import as_add_weight
from .calls import bind, comments_in, keyword_arg, layout, strip_comments

_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


def snake_case(name: str) -> str:
    """Dense -> dense, Conv2DTranspose -> conv2d_transpose, LSTM -> lstm (Keras's own rule)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def lifted_findings(ctx: Context) -> list[Finding]:
    """KF103, KF201 and KF202 of every Keras class, computed once per module: the lifts of one
    class share the attribute names they allocate and the helpers they rewrite."""
    return ctx.memo("lift", lambda: [f for cls in ctx.keras_classes for f in _ClassLifter(ctx, cls).findings()])


# --- where a construction may go -------------------------------------------------------------


@dataclass
class Placement:
    """Where a lifted construction can be built, or why it cannot move."""

    where: str  # "__init__", "build", or "" (cannot move)
    reason: str = ""
    self_attrs: set[str] = field(default_factory=set)  # self attributes it reads
    # call-time locals it reads, by the id of each use: the expression that replaces the use
    inlined: dict[int, cst.BaseExpression] = field(default_factory=dict)
    # the statements binding those locals in `call` (removed when nothing else reads them)
    bindings: dict[str, cst.SimpleStatementLine] = field(default_factory=dict)
    blocker: str = ""  # the per-call value that keeps it from moving
    # the `if` tests it was built under, outermost first: (test, True in the body / False in the else)
    guards: list[tuple[cst.BaseExpression, bool]] = field(default_factory=list)


class _ClassLifter:
    """Finds the layers one class builds in `call`, and plans their move to `__init__`."""

    def __init__(self, ctx: Context, cls: KerasClass):
        self.ctx = ctx
        self.cls = cls
        self.taken = set(cls.assigned_attributes) | api.KERAS_RESERVED_ATTRIBUTES | self._inherited_attributes()
        self.shared: dict[tuple[str, str], str] = {}  # (literal name, constructor code) -> attribute
        self.init = cls.methods.get("__init__")
        self.build = cls.methods.get("build")
        self.module_names = ctx.imports.local_names | set(ctx.imports.bindings) | BUILTIN_NAMES
        self._orders: dict[str, dict[int, int]] = {}
        self.helper_fixes: dict[str, tuple[Fix, dict[int, str]] | str] = {}

    def _inherited_attributes(self) -> set[str]:
        """What the project's bases of the class use: the index's, and those parsed here."""
        names = self.ctx.index.inherited_attributes(self.cls.qualified)
        here = {c.qualified: c for c in self.ctx.keras_classes}
        todo, seen = list(self.ctx.index.classes.get(self.cls.qualified, ())), set()
        while todo:
            base = todo.pop()
            if base in here and base not in seen:
                seen.add(base)
                names |= here[base].assigned_attributes
                todo.extend(self.ctx.index.classes.get(base, ()))
        return names

    def findings(self) -> Iterator[Finding]:
        parents = self.cls.parents
        for name in sorted(self.cls.call_methods):
            func = self.cls.methods[name]
            for node in self.cls.method_nodes[name]:
                if not isinstance(node, cst.Call) or _inside_construction(node, parents, self.ctx):
                    continue
                resolved = self.ctx.resolve(node.func) or ""
                if resolved.startswith("tf1.layers.") and resolved.rsplit(".", 1)[-1] in api.TF1_LAYERS:
                    yield self._tf1_function(func, node, parents, resolved.rsplit(".", 1)[-1])
                elif self.ctx.is_layer_class(node.func) and not _builds_weightless(self.ctx, node.func):
                    finding = self._construction(func, node, parents)
                    if finding:
                        yield finding
                elif resolved in api.GET_VARIABLE | api.VARIABLE | api.BACKEND_VARIABLE or \
                        is_self_attribute(node.func, self_name(func)) in ("add_weight", "add_variable"):
                    yield self._weight(func, node, parents)
        yield from self._tf1_elsewhere()

    def _tf1_elsewhere(self) -> Iterator[Finding]:
        """`tf.layers.dense` in a method `call` does not reach (`body`, `_call`, `encode`: what
        a base class's `call` or the caller runs): reported, as KF101 reports `get_variable`
        there; nothing to lift it into without knowing who calls it."""
        for name in sorted(set(self.cls.methods) - self.cls.call_methods):
            for node in self.cls.method_nodes[name]:
                if not isinstance(node, cst.Call):
                    continue
                resolved = self.ctx.resolve(node.func) or ""
                function = resolved.rsplit(".", 1)[-1]
                if resolved.startswith("tf1.layers.") and function in api.TF1_LAYERS:
                    where = "" if name in self.cls.setup_methods else ", which `call` does not call"
                    yield Finding("KF202", node, (
                        f"`{source(node.func)}` in a Keras layer, in `{name}`{where}: gone on Keras 3 "
                        "(AttributeError), and on tf_keras a layer whose weights no Keras tracks (a new one each "
                        f"time `{name}` runs); build `{api.TF1_LAYERS[function].keras_class}` once in `__init__` "
                        f"and use it in `{name}`"))

    # -- KF201 ---------------------------------------------------------------------------------
    def _construction(self, func: cst.FunctionDef, call: cst.Call, parents) -> Finding | None:
        class_name = source(call.func).rsplit(".", 1)[-1]
        what = (f"`{class_name}(...)` built inside `{func.name.value}`: a new layer every call, "
                "whose weights no Keras tracks")
        if api.is_seeded_layer(self.ctx.resolve(call.func) or ""):
            what = (f"`{class_name}(...)` built inside `{func.name.value}`: a new layer every call, whose "
                    "seed variable Keras 3 makes anew each time (ValueError under `fit` and `tf.function`)")
        parent = parents.get(id(call))
        me = self_name(func)
        if _in_loop_or_scope(call, parents, func):
            manual = f"{what}; build the layers once in `__init__` (a list for a loop) and use them here"
            return self._in_loop(func, call, parents, class_name, what) or Finding("KF201", call, manual)
        if not self._runs_once_per_call(func):
            return self._in_helper(func, call, parents, what, self._helper_sites(func))
        statement, form, local = _usage(call, parent, parents, me)
        if form is None:
            return Finding("KF201", call, f"{what}; build it once in `__init__` as `self.<name>` and use that here "
                                          "(it is neither called at once, nor bound to a local, nor stored on `self`)")
        if form == "bound" and not _only_bound_once(func, self.cls.method_nodes[func.name.value], local):
            return Finding("KF201", call, f"{what}; `{local}` is assigned more than once, so move it by hand")
        placement = self._plan(func, call, parents, [a.value for a in call.args])
        if not placement.where:
            return Finding("KF201", call, f"{what}; it cannot move as is: {placement.reason}")
        if form == "self":
            attr = local
            what = (f"`{class_name}(...)` built inside `call`: stored on `self`, but a new layer with fresh "
                    "weights on every call, so nothing is learned")
        else:
            attr = self._allocate(local if form == "bound" else _usable_literal(call) or snake_case(class_name))
        edits = self._lift(func, call, placement, attr, self._moved(func, placement, call), statement, form, local)
        safety = Safety.SAFE if placement.where == "__init__" else Safety.UNSAFE
        return Finding("KF201", call, f"{what}; build it once in `{placement.where}` as `self.{attr}`",
                       Fix(edits, safety))

    def _lift(self, func: cst.FunctionDef, call: cst.Call, placement: Placement, attr: str,
              new_value: cst.BaseExpression, statement, form: str, local: str | None) -> tuple:
        """The edits that build `self.<attr> = new_value` where the placement says, and make
        `call` use `self.<attr>`: in place of an inline construction, or instead of the local
        the removed statement bound (or the attribute it set)."""
        edits = [self._place(placement, attr, new_value, statement if form != "inline" else None)]
        target = cst.Attribute(value=cst.Name(self_name(func)), attr=cst.Name(attr))
        if form == "inline":
            edits.append(Replace(call, target))
        else:
            edits.append(Remove(_emptied_if(statement, self.cls.parents) or statement))
            if form == "bound":
                assert local is not None  # the name the statement binds
                edits.extend(Replace(n, target) for n in self._loads(func, local, statement))
        edits.extend(self._unused_bindings(func, placement, [call]))
        return tuple(edits)

    def _in_loop(self, func: cst.FunctionDef, call: cst.Call, parents, class_name: str, what: str) -> Finding | None:
        """`for n in ITER: x = Dense(n)(x)` directly in `call`, with ITER known in `__init__`:
        build `[Dense(n) for n in ITER]` there and zip it into the loop (unsafe: ITER must
        give the same items on every call)."""
        loop = parents.get(id(call))
        while loop is not None and not isinstance(loop, (cst.For, *_SCOPES, *_LOOPS)):
            loop = parents.get(id(loop))
        if (not isinstance(loop, cst.For) or func.name.value != "call" or loop.orelse is not None
                or loop.asynchronous is not None or _in_loop_or_scope(loop, parents, func)
                or not (isinstance(parents.get(id(call)), cst.Call) and parents[id(call)].func is call)):
            return None
        targets = frozenset(n.value for n in walk(loop.target) if isinstance(n, cst.Name))
        if not targets or not all(isinstance(n, (cst.Name, cst.Tuple, cst.Element, cst.Comma))
                                  for n in walk(loop.target)):
            return None
        constructions = [n for n in walk(loop.body) if isinstance(n, cst.Call) and self.ctx.is_layer_class(n.func)]
        if constructions != [call]:
            return None  # one list per loop keeps the rewritten loop readable
        if _guards(call, parents, loop) != []:
            return None  # built on some iterations only: the list would build the others too
        source_place = self._plan(func, loop, parents, [loop.iter])
        args_place = self._placement(func, [a.value for a in call.args], bound_there=targets)
        if (source_place.where != "__init__" or args_place.where != "__init__"
                or source_place.inlined or args_place.inlined):
            return None
        attr = self._allocate(f"{snake_case(class_name)}_layers")
        local = self._allocate_local(func, snake_case(class_name))
        placement = Placement("__init__", self_attrs=source_place.self_attrs | args_place.self_attrs,
                              guards=source_place.guards)
        # the loop keeps its header's comments; the call's go with it
        built = self._moved(func, placement, cst.ListComp(
            call, cst.CompFor(target=strip_comments(loop.target), iter=strip_comments(loop.iter))))
        me = self_name(func)
        target_code, iter_code = source(loop.target), source(loop.iter)
        if not isinstance(loop.target, cst.Name) and not loop.target.lpar:
            target_code = f"({target_code})"

        def zip_layers(updated: cst.For) -> cst.For:
            return updated.with_changes(
                target=cst.parse_expression(f"{target_code}, {local}"),
                iter=cst.parse_expression(f"zip({iter_code}, {me}.{attr})"),
            )

        edits = (self._place(placement, attr, built, None), Replace(loop, zip_layers), Replace(call, cst.Name(local)))
        return Finding("KF201", call, f"{what}; build the loop's layers once in `__init__` as `self.{attr}` "
                                      "and zip them into the loop",
                       Fix(edits, Safety.UNSAFE))

    # -- KF201 in a helper that `call` calls -------------------------------------------------
    def _runs_once_per_call(self, func: cst.FunctionDef) -> bool:
        """`call` itself, or a helper `call` calls once, in no loop and under no `if`: what
        it builds can move as if `call` built it."""
        if func.name.value == "call":
            return True
        sites = self._helper_sites(func)
        return not isinstance(sites, str) and len(sites) == 1 and sites[0][1] is None

    def _helper_sites(self, helper: cst.FunctionDef) -> list[tuple[cst.Call, cst.For | None]] | str:
        """Where `call` calls the helper: each call with the `for ... in range(...)` loop it is
        in (None: once per call of `call`); or why the number of calls is not known."""
        name, sites = helper.name.value, []
        call_func = self.cls.methods.get("call")
        if helper.decorators:
            return f"`{name}` is decorated"
        for method, nodes in self.cls.method_nodes.items():
            me = self_name(self.cls.methods[method])
            for node in nodes:
                if is_self_attribute(node, me) != name:
                    continue
                site = self.cls.parents.get(id(node))
                if method != "call" or not isinstance(site, cst.Call) or site.func is not node:
                    return f"`{name}` is used in `{method}`, not only called by `call`"
                sites.append(site)
        if call_func is None or not sites:
            return f"`call` does not call `{name}` itself"
        placed = []
        for site in sites:
            loop = self._range_loop(site, call_func)
            if isinstance(loop, str):
                return loop.format(name=name)
            placed.append((site, loop))
        order = self._order("call")
        placed.sort(key=lambda pair: order.get(id(pair[0]), 0))
        loops = [loop for _, loop in placed if loop is not None]
        if len(set(map(id, loops))) > 1 or (loops and placed[-1][1] is None):
            return f"`call` calls `{name}` after its loop, or in more than one loop"
        return placed

    def _range_loop(self, site: cst.Call, call_func: cst.FunctionDef) -> cst.For | None | str:
        """The `for <name> in range(...)` loop the call is directly in, None when it is in no
        loop and under no `if`, or why it is neither."""
        parents = self.cls.parents
        if not _in_loop_or_scope(site, parents, call_func):
            return None if _guards(site, parents, call_func) == [] else "`call` calls `{name}` under a condition"
        loop = parents.get(id(site))
        while loop is not None and not isinstance(loop, (*_LOOPS, *_SCOPES)):
            loop = parents.get(id(loop))
        if not (isinstance(loop, cst.For) and isinstance(loop.target, cst.Name) and loop.orelse is None
                and isinstance(loop.iter, cst.Call) and source(loop.iter.func) == "range"
                and 1 <= len(loop.iter.args) <= 2 and not any(a.keyword or a.star for a in loop.iter.args)
                and (len(loop.iter.args) == 1 or isinstance(loop.iter.args[0].value, cst.Integer))
                and not _in_loop_or_scope(loop, parents, call_func) and _guards(loop, parents, call_func) == []
                and _guards(site, parents, loop) == []):
            return "`call` calls `{name}` in a loop that is not a plain `for i in range(...)`"
        return loop

    def _in_helper(self, helper: cst.FunctionDef, call: cst.Call, parents, what: str, sites) -> Finding:
        """A layer built in a helper `call` calls a known number of times: a list of that many
        layers in `__init__`, indexed by a new keyword argument of the helper (unsafe: the
        weights are created in another order)."""
        manual = f"{what}; build it once in `__init__` as `self.<name>` and have `{helper.name.value}` use it"
        if isinstance(sites, str):
            return Finding("KF201", call, f"{manual} ({sites})")
        name = helper.name.value
        if name not in self.helper_fixes:
            self.helper_fixes[name] = self._helper_fix(helper, sites)
        planned = self.helper_fixes[name]
        if isinstance(planned, str):
            return Finding("KF201", call, f"{manual} ({planned})")
        fix, attrs = planned
        return Finding("KF201", call, f"{what}; build one per call of `{name}` in `__init__`, as the list "
                                      f"`self.{attrs[id(call)]}`, and index it per call", fix)

    def _helper_fix(self, helper: cst.FunctionDef, sites) -> tuple[Fix, dict[int, str]] | str:
        """One fix for every layer the helper builds (they share its new argument)."""
        parents = self.cls.parents
        constructions = [n for n in self.cls.method_nodes[helper.name.value] if isinstance(n, cst.Call)
                         and self.ctx.is_layer_class(n.func) and not _builds_weightless(self.ctx, n.func)
                         and not _inside_construction(n, parents, self.ctx)]
        count = self._call_count(sites)
        if isinstance(count, str):
            return count
        total, indices, count_place = count
        index_name = self._allocate_local(helper, "layer_index")
        edits, attrs = [], {}
        for construction in constructions:
            planned = self._helper_layer(helper, construction, total, count_place, index_name)
            if isinstance(planned, str):
                return planned
            attr, layer_edits = planned
            attrs[id(construction)] = attr
            edits.extend(layer_edits)
        edits.append(Replace(helper.params, lambda params: _with_keyword_only(params, index_name)))
        for site, index in indices:
            edits.append(Replace(site, functools.partial(_with_keyword, name=index_name, value=index)))
        return Fix(tuple(edits), Safety.UNSAFE), attrs

    def _call_count(self, sites) -> tuple[cst.BaseExpression, list, Placement] | str:
        """How many times `call` calls the helper (an expression `__init__` can compute), and
        the index each call site passes."""
        tops = [site for site, loop in sites if loop is None]
        loops = [(site, loop) for site, loop in sites if loop is not None]
        indices: list[tuple[cst.Call, cst.BaseExpression]] = [
            (site, cst.Integer(str(number))) for number, site in enumerate(tops)]
        if not loops:
            return cst.Integer(str(len(tops))), indices, Placement("__init__")
        loop = loops[0][1]
        args = [a.value for a in loop.iter.args]
        start, stop = (int(args[0].value), args[1]) if len(args) == 2 else (0, args[0])
        place = self._placement(self.cls.methods["call"], [stop])
        if place.where != "__init__":
            return f"its loop runs `range(...)` over what only `call` knows: {place.reason}"
        stop = self._moved(self.cls.methods["call"], place, stop)
        shift = len(tops) - start
        variable = loop.target.value
        index = variable if shift == 0 else f"{variable} + {shift}" if shift > 0 else f"{variable} - {-shift}"
        indices.extend((site, cst.parse_expression(index)) for site, _ in loops)
        stop_code = source(_parenthesized(stop)) if shift else source(stop)
        total = (stop_code if start == 0 and shift == 0 else f"max({start}, {source(stop)})" if shift == 0
                 else f"{len(tops)} + max(0, {stop_code} - {start})")
        return cst.parse_expression(total), indices, place

    def _helper_layer(self, helper: cst.FunctionDef, construction: cst.Call, total: cst.BaseExpression,
                      count_place: Placement, index_name: str) -> tuple[str, list] | str:
        parents = self.cls.parents
        me = self_name(helper)
        if _in_loop_or_scope(construction, parents, helper) or _guards(construction, parents, helper) != []:
            return f"`{helper.name.value}` builds a layer in a loop or under a condition"
        statement, form, local = _usage(construction, parents.get(id(construction)), parents, me)
        if form not in ("inline", "bound") or (
                form == "bound" and not _only_bound_once(helper, self.cls.method_nodes[helper.name.value], local)):
            return f"`{helper.name.value}` keeps a layer it builds in a way only a person can follow"
        placement = self._placement(helper, [a.value for a in construction.args])
        if placement.where != "__init__":
            return placement.reason or f"it reads the shape of `{helper.name.value}`'s argument"
        class_name = source(construction.func).rsplit(".", 1)[-1]
        attr = self._allocate(f"{snake_case(local or _usable_literal(construction) or class_name)}_layers")
        layer = self._moved(helper, placement, construction)
        built = cst.ListComp(elt=layer, for_in=cst.CompFor(target=cst.Name("_"), iter=cst.Call(
            func=cst.Name("range"), args=[cst.Arg(total)])))
        place = Placement("__init__", self_attrs=placement.self_attrs | count_place.self_attrs)
        target = cst.Subscript(value=cst.Attribute(value=cst.Name(me), attr=cst.Name(attr)),
                               slice=[cst.SubscriptElement(cst.Index(cst.Name(index_name)))])
        edits = [self._place(place, attr, built, statement if form == "bound" else None)]
        if form == "inline":
            edits.append(Replace(construction, target))
        else:
            edits.append(Remove(statement))
            edits.extend(Replace(n, target) for n in self._loads(helper, local, statement))
        edits.extend(self._unused_bindings(helper, placement, [construction]))
        return attr, edits

    def _allocate_local(self, func: cst.FunctionDef, preferred: str) -> str:
        used = {n.value for n in self.cls.method_nodes[func.name.value] if isinstance(n, cst.Name)}
        name, number = preferred, 0
        while name in used or name in self.module_names:
            number += 1
            name = f"{preferred}_{number}"
        return name

    # -- KF103 ---------------------------------------------------------------------------------
    def _weight(self, func: cst.FunctionDef, call: cst.Call, parents) -> Finding:
        label = source(call.func)
        what = f"`{label}` inside `{func.name.value}` makes a new variable on every call, which no Keras tracks"
        manual = f"{what}; create it once in `build` with `self.add_weight(...)` and use it here"
        me = self_name(func)
        if _in_loop_or_scope(call, parents, func):
            return Finding("KF103", call, f"{manual} (it is made in a loop or a nested function)")
        if not self._runs_once_per_call(func):
            return Finding("KF103", call, f"{manual} (`call` does not run `{func.name.value}` exactly once)")
        statement, form, local = _usage(call, parents.get(id(call)), parents, me)
        form = form or "inline"  # a variable is a value: any expression can read `self.<name>`
        if form == "bound" and not _only_bound_once(func, self.cls.method_nodes[func.name.value], local):
            return Finding("KF103", call, f"{manual} (`{local}` is assigned more than once)")
        build_param = self._build_param()
        converted = as_add_weight(self.ctx, call, me)
        if converted is None:
            return Finding("KF103", call, f"{manual} (its initial value maps to no shape and initializer)")
        if build_param is None:
            return Finding("KF103", call, f"{manual} (`build` takes no input shape)")
        placement = self._plan(func, call, parents, [a.value for a in converted.args])
        if not placement.where:
            return Finding("KF103", call, f"{manual} ({placement.reason})")
        placement.where = "build"  # weights belong in build
        if form == "inline":
            attr = self._allocate(_literal_name(converted) or "weight")
        elif form == "self":
            attr = local
        else:
            attr = self._allocate(local)
        edits = self._lift(func, call, placement, attr, self._moved(func, placement, converted), statement, form,
                           local)
        return Finding("KF103", call, f"{what}; create it once in `build` as `self.{attr}`",
                       Fix(edits, Safety.UNSAFE))

    # -- KF202 ---------------------------------------------------------------------------------
    def _tf1_function(self, func: cst.FunctionDef, call: cst.Call, parents, fname: str) -> Finding:
        spec = api.TF1_LAYERS[fname]
        what = (f"`{source(call.func)}` inside a Keras layer: gone on Keras 3 (AttributeError), "
                "and on tf_keras a new layer every call whose weights are lost")
        manual = f"{what}; build `{spec.keras_class}` once in `__init__` and call it here"
        me = self_name(func)
        if _in_loop_or_scope(call, parents, func) or not self._runs_once_per_call(func):
            return Finding("KF202", call, manual)
        if isinstance(call.func, cst.Name):
            return Finding("KF202", call, f"{manual}; and remove its import, which itself fails on Keras 3 "
                                          f"(`from ... layers import {call.func.value}`)")
        bound = bind(call, ("inputs",) + spec.params)
        inputs = bound.value("inputs") if bound is not None and not bound.unknown else None
        if bound is None or inputs is None:
            return Finding("KF202", call, f"{manual} (its arguments cannot be read)")
        unsupported = [p for p, harmless in spec.unsupported.items()
                       if bound.value(p) is not None and bound.code(p) not in harmless]
        if unsupported:
            return Finding("KF202", call, f"{manual}; Keras lacks {', '.join(f'`{p}`' for p in unsupported)}")
        spelled, needed_import = self._spell(f"layers.{spec.keras_class}")
        if spelled is None:
            return Finding("KF202", call, f"{manual}; no import here can spell keras.layers.{spec.keras_class}")
        constructor_args = keras_constructor_args(call, bound, spec)
        placement = self._plan(func, call, parents, [a.value for a in constructor_args])
        if not placement.where:
            return Finding("KF202", call, f"{manual}; it cannot move as is: {placement.reason}")
        constructor = cst.parse_expression(f"{spelled}()").with_changes(  # the rest stays behind
            args=layout(call, constructor_args, orphans=False),
            whitespace_before_args=call.whitespace_before_args if constructor_args else cst.SimpleWhitespace(""))
        literal = _literal_name(call)
        reuse = bound.value(api.REUSE_ARGUMENT) is not None and bound.code(api.REUSE_ARGUMENT) not in ("None", "False")
        key = (literal or "", source(constructor))
        edits = []
        if literal and reuse and key in self.shared and not placement.guards:
            attr = self.shared[key]  # TF1 shared these variables by name: so does the one layer
        else:
            attr = self._allocate(_usable_literal(call) or snake_case(spec.keras_class))
            edits.append(self._place(placement, attr, self._moved(func, placement, constructor), None))
            edits.extend(self._unused_bindings(func, placement, [a.value for a in constructor_args]))
            if literal and not placement.guards:
                self.shared.setdefault(key, attr)
        call_args = [cst.Arg(inputs)]
        for param in sorted(spec.call_args):
            value = bound.value(param)
            if value is None:
                default = dict(spec.tf1_defaults).get(param)
                value = cst.parse_expression(default) if default is not None else None
            if value is not None:
                call_args.append(keyword_arg(param, value))
        opening = call.whitespace_before_args  # the comments after `(` stay here if the constructor has none
        new_call = cst.Call(func=cst.Attribute(value=cst.Name(me), attr=cst.Name(attr)),
                            args=layout(cst.Call(func=call.func, args=call.args), call_args,
                                        elsewhere=[a.value for a in constructor_args]),
                            whitespace_before_args=opening if comments_in(opening) and not constructor_args
                            else cst.SimpleWhitespace(""))
        edits.append(Replace(call, new_call))
        if needed_import:
            edits.append(AddImport(needed_import))
        safety = Safety.SAFE if placement.where == "__init__" else Safety.UNSAFE
        built = f"build `{spec.keras_class}` once in `{placement.where}` as `self.{attr}`"
        return Finding("KF202", call, f"{what}; {built}", Fix(tuple(edits), safety))

    # -- shared planning -----------------------------------------------------------------------
    def _plan(self, func: cst.FunctionDef, node: cst.CSTNode, parents, values: list[cst.BaseExpression]) -> Placement:
        """Where `node` (a construction reading `values`) can be built once, with the `if`
        tests `call` built it under: they move with it, so it is never built where `call`
        did not build it. Not in `build` for a helper of `call`: its argument's shape is not
        the input's."""
        guards = _guards(node, parents, func)
        if guards is None:
            return Placement("", "it is built only on some paths (after `and`/`or`, or in an `except`)")
        tests = [test for test, _ in guards]
        placement = self._placement(func, values + tests)
        if not placement.where:
            return placement
        me = self_name(func)
        changing = sorted(a for test in tests for a in _self_attrs_read(test, me) if self._assigned_after_init(a))
        if changing:
            return Placement("", f"it is built only when `self.{changing[0]}` says so, which changes after `__init__`")
        if placement.where == "build" and func.name.value != "call":  # `build` gets `call`'s input only
            return Placement("", f"it reads the shape of `{func.name.value}`'s argument")
        placement.guards = guards
        return placement

    def _placement(self, func: cst.FunctionDef, values: list[cst.BaseExpression],
                   bound_there: frozenset[str] = frozenset()) -> Placement:
        """Where the expressions `values` mean the same as in `func`: `__init__`, `build` (when
        they read the input's shape), or nowhere. `bound_there`: names the new code binds.
        Locals `func` computes from what `__init__` knows are inlined."""
        me = self_name(func)
        call_locals = _local_names(func, self.cls.method_nodes[func.name.value])
        first_input = _first_input(func)
        needs_shape = False
        found = Placement("__init__")
        for value in values:
            parents = _parents(value)
            for node in walk(value):
                if isinstance(node, (cst.Lambda, cst.ListComp, cst.GeneratorExp, cst.DictComp, cst.SetComp)):
                    return Placement("", "an argument defines its own names")
                if not isinstance(node, cst.Name) or not is_load(node, parents):
                    continue
                if node.value == me:
                    attr = is_self_attribute(parents.get(id(node)), me)
                    if attr is not None:
                        found.self_attrs.add(attr)
                elif node.value == first_input and _is_shape_access(node, parents):
                    needs_shape = True
                elif node.value in bound_there:
                    continue
                elif node.value in call_locals:
                    inner, expr = self._call_local(func, node)
                    if expr is None:
                        return inner
                    needs_shape |= inner.where == "build"
                    found.self_attrs |= inner.self_attrs
                    found.bindings.update(inner.bindings)
                    found.inlined[id(node)] = expr if node is value and not _needs_parens_as_arg(expr) \
                        else _parenthesized(expr)
                elif node.value not in self.module_names:
                    return Placement("", f"`{node.value}` is not known in `__init__`")
        attrs = found.self_attrs
        if attrs and self.init is not None and self_name(self.init) != me:
            return Placement("", f"`__init__` calls its first parameter `{self_name(self.init)}`, not `{me}`")
        unknown = sorted(a for a in attrs if not self._known_in_init(a))
        if unknown:
            again = unknown[0] in api.KERAS_INIT_ATTRIBUTES
            return Placement("", f"`self.{unknown[0]}` is {'set again after' if again else 'not set in'} `__init__`")
        if needs_shape and self.build is not None and not self._build_param():
            return Placement("", "it needs the input's shape, and `build` takes none")
        found.where = "build" if needs_shape else "__init__"
        return found

    def _call_local(self, func: cst.FunctionDef, use: cst.Name) -> tuple[Placement, cst.BaseExpression | None]:
        """A local of `func` read by code that moves: computed once, before `use`, at the top of
        `func` (or in a `with` there) from what `__init__` knows? Then the moved code gets its
        expression (the local's own such locals inlined too)."""
        name, fname = use.value, func.name.value
        params = _local_names(func, [])  # the parameters
        computed = Placement("", f"`{name}` is {'an argument of' if name in params else 'computed in'} `{fname}`",
                             blocker=name)
        if not _only_bound_once(func, self.cls.method_nodes[fname], name):
            return computed, None
        statement = _top_assignment(func.body, name)
        order = self._order(fname)
        if statement is None or order.get(id(statement), len(order)) > order.get(id(use), -1):
            return computed, None
        assignment = statement.body[0]
        assert isinstance(assignment, cst.Assign)  # what _top_assignment finds
        value = assignment.value
        inner = self._placement(func, [value])
        if not inner.where:
            blocker = inner.blocker or name
            reason = f"`{name}` is computed in `{fname}` from `{blocker}`" if inner.blocker else \
                f"`{name}` is computed in `{fname}`: {inner.reason}"
            return Placement("", reason, blocker=blocker), None
        expr = _substitute(value, inner.inlined)
        inner.inlined, inner.bindings = {}, {name: statement}
        return inner, expr

    def _order(self, method: str) -> dict[int, int]:
        if method not in self._orders:
            self._orders[method] = {id(n): i for i, n in enumerate(self.cls.method_nodes[method])}
        return self._orders[method]

    def _known_in_init(self, attr: str) -> bool:
        """Set in `__init__` (or the class body, or a method), or set by Keras's own
        `super().__init__()` and never reassigned by the class."""
        return (self._set_in_init(attr) or attr in self.cls.methods or self._class_attribute(attr)
                or (attr in api.KERAS_INIT_ATTRIBUTES and not self._assigned_after_init(attr)))

    def _assigned_after_init(self, attr: str) -> bool:
        return any(attr in _assigned_self_attrs(method, self_name(method))
                   for name, method in self.cls.methods.items() if name != "__init__")

    def _moved(self, func: cst.FunctionDef, placement: Placement, value: cst.BaseExpression) -> cst.BaseExpression:
        """`value` as the lifted code spells it: call-time locals inlined, the input's shape
        read from `build`'s argument, and built only when `call` built it."""
        def spell(node: cst.BaseExpression) -> cst.BaseExpression:
            node = _substitute(node, placement.inlined)
            param = self._build_param()  # never None where a placement in `build` reads the shape
            return node if placement.where == "__init__" or param is None else _shape_to_build(node, func, param)

        value = spell(value)
        if not placement.guards:
            return value
        condition = _condition([(spell(test), positive) for test, positive in placement.guards])
        return cst.IfExp(test=condition, body=value, orelse=cst.Name("None"))

    def _unused_bindings(self, func: cst.FunctionDef, placement: Placement, moved: list[cst.CSTNode]) -> list[Remove]:
        """The statements binding inlined locals that nothing left in `func` reads (one that
        carries a comment stays: the comment would have nowhere to go, and the local is harmless)."""
        inside = {id(n) for node in moved for n in walk(node)}
        return [Remove(statement) for name, statement in placement.bindings.items()
                if all(id(n) in inside for n in self._loads(func, name, statement)) and not comments_in(statement)]

    def _loads(self, func: cst.FunctionDef, name: str, statement) -> list[cst.Name]:
        inside = {id(n) for n in walk(statement)}
        return [n for n in self.cls.method_nodes[func.name.value]
                if isinstance(n, cst.Name) and n.value == name and id(n) not in inside
                and is_load(n, self.cls.parents)]

    def _set_in_init(self, attr: str) -> bool:
        return self.init is not None and any(attr in _assigned_self_attrs(s, self_name(self.init))
                                             for s in self.init.body.body)

    def _class_attribute(self, attr: str) -> bool:
        for stmt in self.cls.node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        targets = small.targets if isinstance(small, cst.Assign) else [small]
                        if any(isinstance(t.target, cst.Name) and t.target.value == attr for t in targets):
                            return True
        return False

    def _build_param(self) -> str | None:
        if self.build is None:
            return "input_shape"
        params = self.build.params.params
        return params[1].name.value if len(params) > 1 else None

    def _allocate(self, preferred: str) -> str:
        usable = preferred.isidentifier() and not keyword.iskeyword(preferred) and not preferred.startswith("__")
        base = preferred if usable else "layer"  # `name="class"` must not become `self.class`
        name, number = base, 0
        while name in self.taken:
            number += 1
            name = f"{base}_{number}"
        self.taken.add(name)
        return name

    def _spell(self, path: str) -> tuple[str | None, str | None]:
        spelled = self.ctx.imports.spell_keras(path)
        if spelled is not None:
            return spelled, None
        if not self.ctx.imports.is_bound("tf"):
            return f"tf.keras.{path}", "import tensorflow as tf"
        return None, None

    def _place(self, placement: Placement, attr: str, value: cst.BaseExpression,
               moved: cst.SimpleStatementLine | None):
        """The edit that builds `self.<attr> = value` where the placement says."""
        method = self.init if placement.where == "__init__" else self.build
        me = self_name(method) if method is not None else "self"
        line = cst.SimpleStatementLine(
            body=[cst.Assign(targets=[cst.AssignTarget(cst.Attribute(value=cst.Name(me), attr=cst.Name(attr)))],
                             value=value)],
        )
        if moved is not None:  # keep the comments that went with the statement
            line = line.with_changes(leading_lines=moved.leading_lines, trailing_whitespace=moved.trailing_whitespace)
        if placement.where == "__init__":
            if method is None:
                return AddMethod(self.cls.node, "def __init__(self, *args, **kwargs):",
                                 ("super().__init__(*args, **kwargs)",), (line,))
            return InsertAfter(self._init_anchor(placement.self_attrs), (line,))
        if method is None:
            return AddMethod(self.cls.node, "def build(self, input_shape):", (), (line,),
                             before_method="call")
        body = list(method.body.body)
        # a `build` on one line holds a small statement: the edit fails when applied (a known
        # bug, kept as it was: reported as an internal error by `apply`, found by `check`)
        first = cast(cst.BaseStatement, body[0])
        if is_docstring(first) and len(body) > 1:
            return InsertAfter(first, (line,))
        return InsertBefore(first, (line,))

    def _init_anchor(self, attrs: set[str]) -> cst.BaseStatement:
        """The statement of `__init__` after which the new line goes: after `super().__init__`
        and after every statement setting an attribute the construction reads."""
        assert self.init is not None  # the placement is in the `__init__` the class has
        body = list(self.init.body.body)
        me = self_name(self.init)
        anchor = None
        for index, stmt in enumerate(body):
            if _calls_super_init(stmt) or (attrs & _assigned_self_attrs(stmt, me)):
                anchor = index
        if anchor is None:
            anchor = len(body) - 1
        # never after a final `return`
        last = body[anchor]
        if isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, cst.Return) for s in last.body):
            anchor = max(anchor - 1, 0)
        return cast(cst.BaseStatement, body[anchor])  # a small one for `__init__` on one line: as above


def keras_constructor_args(call: cst.Call, bound, spec: api.Tf1Layer) -> list[cst.Arg]:
    """The Keras constructor's arguments for a TF1 layer call: positions kept only where the
    Keras class has the same order; inputs, call-time arguments and `reuse` left out."""
    names = {index: name for name, (index, _) in bound.args.items()}
    args: list[cst.Arg] = []
    positional = 0
    for index, arg in enumerate(call.args):
        name = names[index]
        if name == "inputs" or name in spec.call_args or name == api.REUSE_ARGUMENT or name in spec.unsupported:
            continue
        keep_position = (arg.keyword is None and positional == len(args)
                         and positional < len(spec.keras_positional) and spec.keras_positional[positional] == name)
        if keep_position:
            args.append(cst.Arg(arg.value))
            positional += 1
        else:
            args.append(keyword_arg(name, arg.value))
    for param, default in spec.tf1_defaults:
        if param not in spec.call_args and bound.value(param) is None:
            args.insert(0, cst.Arg(cst.parse_expression(default)))  # Keras has no default for it
    return args


# --- layers that own no weights ---------------------------------------------------------------


def _builds_weightless(ctx: Context, func: cst.BaseExpression) -> bool:
    """`func(...)` builds a layer that owns no weights (Keras's own, or a project class the
    index saw create none, through its bases): building it in `call` loses nothing. Not so a
    seeded one (`Dropout`): Keras 3 makes its seed variable at each build."""
    resolved = ctx.resolve(func) or ""
    if api.is_weightless_layer(resolved):
        return not api.is_seeded_layer(resolved)
    qualified = ctx.imports.qualify_dotted(dotted(func) or "")
    return qualified is not None and ctx.index.is_weightless(qualified)


# --- small analyses ---------------------------------------------------------------------------


def _parents(func: cst.CSTNode) -> dict[int, cst.CSTNode]:
    parents: dict[int, cst.CSTNode] = {}
    for node in walk(func):
        for child in children(node):
            parents[id(child)] = node
    return parents



def _inside_construction(call: cst.Call, parents, ctx: Context) -> bool:
    """A layer built as an argument of another construction moves with that one (a
    weightless one is not reported, so it moves nothing)."""
    node = parents.get(id(call))
    while node is not None and not isinstance(node, cst.FunctionDef):
        if isinstance(node, cst.Call) and node is not call and (
                (ctx.is_layer_class(node.func) and not _builds_weightless(ctx, node.func))
                or (ctx.resolve(node.func) or "").startswith("tf1.layers.")):
            return True
        node = parents.get(id(node))
    return False


def _in_loop_or_scope(node, parents, func) -> bool:
    current = parents.get(id(node))
    while current is not None and current is not func:
        if isinstance(current, _LOOPS) or isinstance(current, _SCOPES):
            return True
        current = parents.get(id(current))
    return False


def _usage(call: cst.Call, parent, parents, me: str):
    """How the construction is used: (statement, form, local name)."""
    if isinstance(parent, cst.Call) and parent.func is call:
        return None, "inline", None
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        statement = parents.get(id(parent))
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 \
                and _in_plain_blocks(statement, parents):
            target = parent.targets[0].target
            if isinstance(target, cst.Name):
                return statement, "bound", target.value
            attr = is_self_attribute(target, me)
            if attr is not None:
                return statement, "self", attr
    return None, None, None


def _in_plain_blocks(statement: cst.CSTNode, parents) -> bool:
    """A statement of the method's body, or of `if`/`else`/`with` blocks in it."""
    current = parents.get(id(statement))
    while isinstance(current, (cst.IndentedBlock, cst.If, cst.Else, cst.With)):
        current = parents.get(id(current))
    return isinstance(current, cst.FunctionDef)


def _emptied_if(statement: cst.CSTNode, parents) -> cst.If | None:
    """The `if` (no `else`, no `elif`) whose body is only `statement`: it goes with it, unless
    it carries comments of its own (they would have nowhere to go: it keeps a `pass`)."""
    block = parents.get(id(statement))
    branch = parents.get(id(block))
    if (isinstance(block, cst.IndentedBlock) and len(block.body) == 1 and isinstance(branch, cst.If)
            and branch.orelse is None and isinstance(parents.get(id(branch)), cst.IndentedBlock)
            and len(comments_in(branch)) == len(comments_in(statement))):
        return branch
    return None


def _only_bound_once(func: cst.FunctionDef, nodes: list[cst.CSTNode], name: str) -> bool:
    count = 0
    for node in nodes:
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.AsName,
                             cst.NamedExpr)):
            target = getattr(node, "target", None) or getattr(node, "name", None)
            if target is not None and any(isinstance(n, cst.Name) and n.value == name for n in walk(target)):
                count += 1
    params = {p.name.value for p in func.params.params}
    return count == 1 and name not in params


def is_load(node: cst.Name, parents) -> bool:
    parent = parents.get(id(node))
    if isinstance(parent, cst.Attribute) and parent.attr is node:
        return False
    if isinstance(parent, cst.Arg) and parent.keyword is node:
        return False
    if isinstance(parent, (cst.Param, cst.FunctionDef, cst.ClassDef, cst.ImportAlias, cst.AsName)):
        return False
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        return False
    return True


def _local_names(func: cst.FunctionDef, nodes: list[cst.CSTNode]) -> set[str]:
    names = {p.name.value for p in func.params.params} | {p.name.value for p in func.params.kwonly_params}
    for extra in (func.params.star_arg, func.params.star_kwarg):
        if isinstance(extra, cst.Param):
            names.add(extra.name.value)
    for node in nodes:
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr)):
            target = node.target
            names.update(n.value for n in walk(target) if isinstance(n, cst.Name))
        elif isinstance(node, cst.AsName):
            names.update(n.value for n in walk(node.name) if isinstance(n, cst.Name))
    params = func.params.params
    return names - ({params[0].name.value} if params else set())


def _first_input(func: cst.FunctionDef) -> str | None:
    params = func.params.params
    return params[1].name.value if len(params) > 1 else None


def _is_shape_access(node: cst.Name, parents) -> bool:
    """`x.shape[...]`: the input's static shape, which `build` receives too."""
    attribute = parents.get(id(node))
    subscript = parents.get(id(attribute))
    return (isinstance(attribute, cst.Attribute) and attribute.attr.value == "shape"
            and isinstance(subscript, cst.Subscript) and subscript.value is attribute)


def _shape_to_build(value: cst.BaseExpression, func: cst.FunctionDef, build_param: str) -> cst.BaseExpression:
    """`x.shape[...]` -> `input_shape[...]` for a construction moved into build."""
    first = _first_input(func)

    class _Shapes(cst.CSTTransformer):
        def leave_Attribute(self, original_node, updated_node):
            if (isinstance(updated_node.value, cst.Name) and updated_node.value.value == first
                    and updated_node.attr.value == "shape"):
                return cst.Name(build_param)
            return updated_node

    shaped = value.visit(_Shapes())
    assert isinstance(shaped, cst.BaseExpression)  # attributes are replaced, never removed
    return shaped


def _usable_literal(call: cst.Call) -> str | None:
    """The layer's literal `name=`, unless Keras itself uses that attribute name."""
    literal = _literal_name(call)
    return literal if literal not in api.KERAS_RESERVED_ATTRIBUTES else None


def _literal_name(call: cst.Call) -> str | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "name" and isinstance(arg.value, cst.SimpleString):
            text = arg.value.evaluated_value
            if isinstance(text, str) and text.isidentifier():
                return text
    return None


def _assigned_self_attrs(stmt: cst.CSTNode, me: str) -> set[str]:
    found = set()
    for node in walk(stmt):
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            attr = is_self_attribute(node.target, me)
            if attr:
                found.add(attr)
    return found


def _calls_super_init(stmt: cst.CSTNode) -> bool:
    for node in walk(stmt):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "__init__":
            return True
    return False


def _with_keyword_only(params: cst.Parameters, name: str) -> cst.Parameters:
    """The helper's parameters with a keyword-only `name` added."""
    star = params.star_arg if isinstance(params.star_arg, (cst.Param, cst.ParamStar)) else cst.ParamStar()
    return params.with_changes(star_arg=star, kwonly_params=[*params.kwonly_params, cst.Param(cst.Name(name))])


def _with_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    args = list(call.args)
    if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, keyword_arg(name, value)])


def _guards(node: cst.CSTNode, parents, stop: cst.CSTNode) -> list[tuple[cst.BaseExpression, bool]] | None:
    """The `if` tests (statements and expressions) `node` runs under, up to `stop`, outermost
    first, each with True when `node` is in its body; None when it runs on a path no test
    spells (the right of `and`/`or`, an `except` or `else` of `try`, a `match` case)."""
    guards = []
    child, current = node, parents.get(id(node))
    while current is not None and current is not stop:
        if isinstance(current, (cst.If, cst.IfExp)) and child is not current.test:
            guards.append((current.test, child is current.body))
        elif isinstance(current, cst.BooleanOperation) and child is current.right:
            return None
        elif isinstance(current, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Match)) or (
                isinstance(current, cst.Try) and child is current.orelse):
            return None
        child, current = current, parents.get(id(current))
    guards.reverse()
    return guards


def _condition(guards: list[tuple[cst.BaseExpression, bool]]) -> cst.BaseExpression:
    """The tests joined with `and`, an else branch's test negated."""
    loose = (cst.IfExp, cst.Lambda, cst.NamedExpr)
    parts = []
    for test, positive in guards:
        if positive:
            joined = len(guards) > 1 and isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or)
            parts.append(_parenthesized(test) if isinstance(test, loose) or joined else test)
        else:
            # `not (a == b)` reads as meant; `not a == b` means the same but reads wrong
            inner = _parenthesized(test) if isinstance(test, loose + (cst.BooleanOperation, cst.Comparison)) else test
            parts.append(cst.UnaryOperation(operator=cst.Not(), expression=inner))
    condition = parts[0]
    for part in parts[1:]:
        condition = cst.BooleanOperation(left=condition, operator=cst.And(), right=part)
    return condition


def _top_assignment(block: cst.BaseSuite, name: str) -> cst.SimpleStatementLine | None:
    """`name = <value>` as a statement of the block, or of `with` blocks in it (not under an
    `if` or a loop: it runs on every call)."""
    for statement in getattr(block, "body", ()):
        if isinstance(statement, cst.With):
            found = _top_assignment(statement.body, name)
            if found is not None:
                return found
        elif isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if (isinstance(small, cst.Assign) and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == name):
                return statement
    return None


def _substitute(value: cst.BaseExpression, inlined: dict[int, cst.BaseExpression]) -> cst.BaseExpression:
    if not inlined:
        return value

    class _Inline(cst.CSTTransformer):
        def leave_Name(self, original_node, updated_node):
            return inlined.get(id(original_node), updated_node)

    substituted = value.visit(_Inline())
    assert isinstance(substituted, cst.BaseExpression)  # names are replaced, never removed
    return substituted


_ATOMS = (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.SimpleString, cst.ConcatenatedString,
          cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary, cst.List, cst.Dict, cst.Set)


def _parenthesized(expr: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expr, _ATOMS) or getattr(expr, "lpar", None):
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _needs_parens_as_arg(expr: cst.BaseExpression) -> bool:
    """A whole argument can be any expression but a bare tuple or `:=`."""
    return isinstance(expr, cst.NamedExpr) or (isinstance(expr, cst.Tuple) and not expr.lpar)


def _self_attrs_read(expr: cst.CSTNode, me: str) -> set[str]:
    return {attr for attr in (is_self_attribute(n, me) for n in walk(expr)) if attr}

