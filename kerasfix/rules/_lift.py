"""The lifter: what a Keras class builds anew on every call of `call` (a weight, a layer, a TF1
`tf.layers.<function>` call there) and how each can be built once in `__init__` or `build`.

`lift_plans(ctx)` gives one `LiftPlan` per such construction, computed once per module: the
plans of a class share the attribute names they allocate and the helper methods they rewrite,
so every plan of the class is made, in one walk, whichever rules are selected. A plan is a
fact: it names no rule and builds no finding; the rules that report out of it (a weight, a
layer, a TF1 call made in `call`) word their own message and build their fix from it with
`_lift_edits`. The parts: `_lift_plan` (where a construction can go, the facts),
`_lift_helper` (layers of a helper `call` calls), `_lift_syntax` (small questions of syntax)."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from .base import Context, KerasClass, is_self_attribute, self_name, source, walk
from .calls import bind, layout, strip_comments
from ._lift_helper import helper_sites, plan_helper, runs_once_per_call
from ._lift_plan import (Blocked, ClassLift, HelperLift, LayerLift, LiftPlan, LoopLift, Placement, Tf1Lift,
                         WeightLift)
from ._lift_syntax import (LOOPS, SCOPES, builds_weightless, condition_of, guards_to, in_loop_or_scope,
                           inside_construction, keras_constructor_args, literal_name, only_bound_once,
                           needs_parens_as_arg, parent_map, parenthesized, self_attrs_read, snake_case, substitute,
                           usable_literal, usage)
from ..syntax import is_load
from ._weights import as_add_weight

__all__ = ["Blocked", "HelperLift", "LayerLift", "LiftPlan", "LoopLift", "Placement", "Tf1Lift", "WeightLift",
           "lift_plans"]


def lift_plans(ctx: Context) -> list[LiftPlan]:
    """The plan of every construction each Keras class of the module makes in `call` (and of
    each TF1 layer call in its other methods), computed once per module."""
    return ctx.memo("lift", lambda: [plan for cls in ctx.keras_classes for plan in _Planner(ctx, cls).plans()])


class _Planner:
    """One class's walk: a plan per construction, in the order of the class's methods (the
    order in which the plans allocate their attribute names)."""

    def __init__(self, ctx: Context, cls: KerasClass):
        self.ctx = ctx
        self.lift = ClassLift(ctx, cls)
        self.helpers: dict[str, HelperLift | str] = {}  # a helper's name -> its layers' plan, or why none
        self.loops: dict[int, LoopLift | None] = {}  # a loop's id -> its layers' plan, or None

    def plans(self) -> Iterator[LiftPlan]:
        ctx, cls = self.ctx, self.lift.cls
        for name in sorted(cls.call_methods):
            func = cls.methods[name]
            for node in cls.method_nodes[name]:
                if not isinstance(node, cst.Call) or inside_construction(node, cls.parents, ctx):
                    continue
                resolved = ctx.resolve(node.func) or ""
                function = resolved.rsplit(".", 1)[-1]
                if resolved.startswith("tf1.layers.") and function in api.TF1_LAYERS:
                    yield self._tf1(func, node, function)
                elif api.tf1_contrib_layer(resolved):
                    yield Tf1Lift(self.lift, func, node, Blocked.CONTRIB, function=function, contrib=True)
                elif ctx.is_layer_class(node.func) and not builds_weightless(ctx, node.func):
                    yield self._layer(func, node)
                elif resolved in api.GET_VARIABLE | api.VARIABLE | api.BACKEND_VARIABLE or \
                        is_self_attribute(node.func, self_name(func)) in ("add_weight", "add_variable"):
                    yield self._weight(func, node)
        yield from self._tf1_elsewhere()

    def _tf1_elsewhere(self) -> Iterator[Tf1Lift]:
        """`tf.layers.dense` in a method `call` does not reach (`body`, `_call`, `encode`: what
        a base class's `call` or the caller runs): nothing to lift it into without knowing who
        calls it."""
        cls = self.lift.cls
        for name in sorted(set(cls.methods) - cls.call_methods):
            for node in cls.method_nodes[name]:
                if type(node) is not cst.Call:  # exact type: see syntax.of_kind
                    continue
                resolved = self.ctx.resolve(node.func) or ""
                function = resolved.rsplit(".", 1)[-1]
                contrib = api.tf1_contrib_layer(resolved) is not None
                if contrib or (resolved.startswith("tf1.layers.") and function in api.TF1_LAYERS):
                    yield Tf1Lift(self.lift, cls.methods[name], node, Blocked.OUTSIDE_CALL, function=function,
                                  contrib=contrib)

    # -- layers --------------------------------------------------------------------------------
    def _layer(self, func: cst.FunctionDef, call: cst.Call) -> LayerLift:
        lift, parents = self.lift, self.lift.cls.parents
        plan = LayerLift(lift, func, call)
        if in_loop_or_scope(call, parents, func):
            return self._in_loop(plan)
        if not runs_once_per_call(lift, func):
            return self._in_helper(plan)
        plan.statement, plan.form, plan.local = usage(call, parents.get(id(call)), parents, self_name(func))
        if plan.form is None:
            plan.blocked = Blocked.NOT_KEPT
            return plan
        if plan.form == "bound" and not only_bound_once(func, lift.cls.method_nodes[func.name.value], plan.local):
            plan.blocked = Blocked.REBOUND
            return plan
        plan.placement = lift.plan(func, call, parents, [a.value for a in call.args])
        if not plan.placement.where:
            plan.blocked = Blocked.PLACEMENT
            return plan
        if plan.form == "self":
            assert plan.local is not None  # the attribute the statement sets
            plan.attr = plan.local
        else:
            class_name = source(call.func).rsplit(".", 1)[-1]
            plan.attr = lift.allocate(plan.local if plan.form == "bound" else
                                      usable_literal(call) or snake_case(class_name))
        plan.value = lift.moved(func, plan.placement, call)
        return plan

    # -- layers of a loop ----------------------------------------------------------------------
    def _in_loop(self, plan: LayerLift) -> LayerLift:
        """A layer built in a `for` loop: the loop's plan (made once for all its layers) holds
        this one's, or it stays for a person."""
        parents = self.lift.cls.parents
        loop = parents.get(id(plan.site))
        while loop is not None and not isinstance(loop, (*SCOPES, *LOOPS)):
            loop = parents.get(id(loop))
        if isinstance(loop, cst.For):
            if id(loop) not in self.loops:
                self.loops[id(loop)] = self._plan_loop(plan.method, loop)
            lifted = self.loops[id(loop)]
            layer = next((layer for layer in lifted.layers if layer.site is plan.site), None) if lifted else None
            if layer is not None:
                return layer
        plan.blocked = Blocked.IN_LOOP
        return plan

    def _plan_loop(self, func: cst.FunctionDef, loop: cst.For) -> LoopLift | None:
        """`for n in ITER: x = Dense(n)(x)` directly in `call`, with ITER known in `__init__`:
        `[Dense(n) for n in ITER]` built there for each layer the loop builds, to zip into the
        loop (ITER must give the same items on every call). None: no layer of it can move."""
        lift, parents, ctx = self.lift, self.lift.cls.parents, self.ctx
        if (func.name.value != "call" or loop.orelse is not None or loop.asynchronous is not None
                or in_loop_or_scope(loop, parents, func)):
            return None
        targets = frozenset(n.value for n in walk(loop.target) if isinstance(n, cst.Name))
        if not targets or not all(isinstance(n, (cst.Name, cst.Tuple, cst.Element, cst.Comma))
                                  for n in walk(loop.target)):
            return None
        source_place = lift.plan(func, loop, parents, [loop.iter])
        if source_place.where != "__init__" or source_place.inlined:
            return None
        lifted = LoopLift(loop, [])
        for node in walk(loop.body):
            if (isinstance(node, cst.Call) and ctx.is_layer_class(node.func) and not builds_weightless(ctx, node.func)
                    and not inside_construction(node, parents, ctx)):
                layer = self._loop_layer(func, lifted, node, targets, source_place)
                if layer is not None:
                    lifted.layers.append(layer)
        return lifted if lifted.layers else None

    def _loop_layer(self, func: cst.FunctionDef, lifted: LoopLift, call: cst.Call, targets: frozenset[str],
                    source_place: Placement) -> LayerLift | None:
        """The plan of one layer the loop builds, called at once, in no inner loop: its list,
        built under the `if` tests the loop builds it under (the call site keeps them), when
        these and its arguments read only the loop's names and what `__init__` knows."""
        lift, parents = self.lift, self.lift.cls.parents
        parent = parents.get(id(call))
        guards = guards_to(call, parents, lifted.loop)
        if not (isinstance(parent, cst.Call) and parent.func is call) or guards is None \
                or in_loop_or_scope(call, parents, lifted.loop):
            return None
        tests = [test for test, _ in guards]
        moving = _with_loop_locals(func, self.lift.cls.method_nodes[func.name.value], lifted.loop, call)
        args_place = lift.placement(func, [a.value for a in moving.args] + tests, bound_there=targets)
        me = self_name(func)
        if (args_place.where != "__init__" or args_place.inlined
                or any(lift.assigned_after_init(a) for test in tests for a in self_attrs_read(test, me))):
            return None
        class_name = source(call.func).rsplit(".", 1)[-1]
        attr = lift.allocate(f"{snake_case(class_name)}_layers")
        chosen = frozenset(layer.local or "" for layer in lifted.layers)  # the loop binds each layer to one
        local = lift.allocate_local(func, snake_case(class_name), chosen)
        placement = Placement("__init__", self_attrs=source_place.self_attrs | args_place.self_attrs,
                              guards=source_place.guards)
        built: cst.BaseExpression = moving
        if guards:  # the call site keeps its tests, the list builds a layer where they hold
            built = cst.IfExp(test=condition_of([(strip_comments(test), positive) for test, positive in guards]),
                              body=moving, orelse=cst.Name("None"))
        # the loop keeps its header's comments; the call's go with it
        built = lift.moved(func, placement, cst.ListComp(
            built, cst.CompFor(target=strip_comments(lifted.loop.target), iter=strip_comments(lifted.loop.iter))))
        return LayerLift(lift, func, call, placement=placement, attr=attr, value=built, local=local, loop=lifted)

    def _in_helper(self, plan: LayerLift) -> LayerLift:
        """A layer built in a helper `call` calls a known number of times: the helper's plan
        (made once for all its layers) holds this one's."""
        helper = plan.method
        sites = helper_sites(self.lift, helper)
        if isinstance(sites, str):
            plan.blocked, plan.reason = Blocked.NOT_ONCE, sites
            return plan
        name = helper.name.value
        if name not in self.helpers:
            self.helpers[name] = plan_helper(self.lift, helper, sites)
        planned = self.helpers[name]
        if isinstance(planned, str):
            plan.blocked, plan.reason = Blocked.NOT_ONCE, planned
            return plan
        return next(layer for layer in planned.layers if layer.site is plan.site)

    # -- weights -------------------------------------------------------------------------------
    def _weight(self, func: cst.FunctionDef, call: cst.Call) -> WeightLift:
        lift, parents, me = self.lift, self.lift.cls.parents, self_name(func)
        plan = WeightLift(lift, func, call)
        if in_loop_or_scope(call, parents, func):
            plan.blocked = Blocked.IN_LOOP
            return plan
        if not runs_once_per_call(lift, func):
            plan.blocked = Blocked.NOT_ONCE
            return plan
        statement, form, local = usage(call, parents.get(id(call)), parents, me)
        # a variable is a value: any expression can read `self.<name>`
        plan.statement, plan.form, plan.local = statement, form or "inline", local
        if plan.form == "bound" and not only_bound_once(func, lift.cls.method_nodes[func.name.value], local):
            plan.blocked = Blocked.REBOUND
            return plan
        build_param = lift.build_param()
        converted = as_add_weight(self.ctx, call, me)
        if converted is None or build_param is None:
            plan.blocked = Blocked.NO_INITIALIZER if converted is None else Blocked.NO_INPUT_SHAPE
            return plan
        plan.placement = lift.plan(func, call, parents, [a.value for a in converted.args])
        if not plan.placement.where:
            plan.blocked = Blocked.PLACEMENT
            return plan
        plan.placement.where = "build"  # weights belong in build
        if plan.form == "inline":
            plan.attr = lift.allocate(literal_name(converted) or "weight")
        else:
            assert local is not None  # the name a bound or stored weight goes by
            plan.attr = local if plan.form == "self" else lift.allocate(local)
        plan.value = lift.moved(func, plan.placement, converted)
        return plan

    # -- TF1 layer functions -------------------------------------------------------------------
    def _tf1(self, func: cst.FunctionDef, call: cst.Call, function: str) -> Tf1Lift:
        lift, parents = self.lift, self.lift.cls.parents
        plan = Tf1Lift(lift, func, call, function=function)
        spec = plan.spec
        if in_loop_or_scope(call, parents, func) or not runs_once_per_call(lift, func):
            plan.blocked = Blocked.IN_LOOP if in_loop_or_scope(call, parents, func) else Blocked.NOT_ONCE
            return plan
        if isinstance(call.func, cst.Name):
            plan.blocked = Blocked.IMPORTED_FUNCTION
            return plan
        bound = plan.bound = bind(call, ("inputs",) + spec.params)
        if bound is None or bound.unknown or bound.value("inputs") is None:
            plan.blocked = Blocked.UNREADABLE
            return plan
        plan.unsupported = [p for p, harmless in spec.unsupported.items()
                            if bound.value(p) is not None and bound.code(p) not in harmless]
        if plan.unsupported:
            plan.blocked = Blocked.UNSUPPORTED
            return plan
        spelled, plan.needed_import = lift.spell(f"layers.{spec.keras_class}")
        if spelled is None:
            plan.blocked = Blocked.NO_SPELLING
            return plan
        plan.constructor_args = keras_constructor_args(call, bound, spec)
        plan.placement = lift.plan(func, call, parents, [a.value for a in plan.constructor_args])
        if not plan.placement.where:
            plan.blocked = Blocked.PLACEMENT
            return plan
        self._tf1_layer(plan, spelled)
        return plan

    def _tf1_layer(self, plan: Tf1Lift, spelled: str) -> None:
        """The Keras layer a TF1 call becomes, and its attribute: a new one, or the layer of an
        earlier call of the same name and constructor when this one says `reuse=True` (TF1
        shared these variables by name: so does the one layer)."""
        lift, call, bound, placement = plan.lift, plan.site, plan.bound, plan.placement
        assert bound is not None and placement is not None  # what _tf1 planned
        constructor = cst.parse_expression(f"{spelled}()").with_changes(  # the rest stays behind
            args=layout(call, plan.constructor_args, orphans=False),
            whitespace_before_args=call.whitespace_before_args if plan.constructor_args else cst.SimpleWhitespace(""))
        literal = literal_name(call)
        reuse = bound.value(api.REUSE_ARGUMENT) is not None and bound.code(api.REUSE_ARGUMENT) not in ("None", "False")
        key = (literal or "", source(constructor))
        if literal and reuse and key in lift.shared and not placement.guards:
            plan.attr, plan.shares = lift.shared[key], True
            return
        plan.attr = lift.allocate(usable_literal(call) or snake_case(plan.spec.keras_class))
        plan.value = lift.moved(plan.method, placement, constructor)
        if literal and not placement.guards:
            lift.shared.setdefault(key, plan.attr)


def _with_loop_locals(func: cst.FunctionDef, nodes: list[cst.CSTNode], loop: cst.For, call: cst.Call) -> cst.Call:
    """The layer's construction with the loop's own locals it reads written out: `units =
    self.sizes[i]` at the top of the loop's body, before the statement building the layer, bound
    nowhere else in `func` (issue 17 §2d). The list comprehension in `__init__` then reads the
    loop's names and what `__init__` knows only, which `placement` checks as for any argument."""
    values: dict[str, cst.BaseExpression] = {}
    for statement in loop.body.body:
        if any(node is call for node in walk(statement)):
            break
        simple = isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
        assign = statement.body[0] if simple else None  # type: ignore[union-attr]  # a simple line, above
        target = assign.targets[0].target if isinstance(assign, cst.Assign) and len(assign.targets) == 1 else None
        if isinstance(target, cst.Name) and isinstance(assign, cst.Assign) and only_bound_once(func, nodes,
                                                                                                 target.value):
            values[target.value] = _inline(strip_comments(assign.value), values)
    moved = _inline(call, values)
    assert isinstance(moved, cst.Call)  # names are replaced inside it, the call stays
    return moved


def _inline(expr: cst.BaseExpression, values: dict[str, cst.BaseExpression]) -> cst.BaseExpression:
    parents = parent_map(expr)
    return substitute(expr, {id(n): _spelled(values[n.value], parents.get(id(n))) for n in walk(expr)
                             if isinstance(n, cst.Name) and n.value in values and is_load(n, parents)})


def _spelled(value: cst.BaseExpression, parent: cst.CSTNode | None) -> cst.BaseExpression:
    """A whole argument as it is; inside an expression, in parentheses where it needs them."""
    return value if isinstance(parent, cst.Arg) and not needs_parens_as_arg(value) else parenthesized(value)
