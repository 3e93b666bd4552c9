"""Deliberate one-time lazy initialisation: a layer or weight made on the first call only,
under `if self.<attr> is None:`, into an attribute `__init__` sets to None (tensorflow/gnn's
HGT layer, in a helper `call` runs inside `tf.init_scope()`). Measured (issue 18's brief), each
variant called twice, eagerly and in a `tf.function`: tf_keras tracks it (2 weights, 1 for an
`add_weight`); Keras 3 raises ValueError ("You cannot add new elements of state ... to a layer
that is already built"). So it is a trap on Keras 3 only, and not "a new layer every call"."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .. import keras_api as api
from .base import Context, KerasClass, is_self_attribute, self_name, walk
from ._lift_plan import LiftPlan, Placement, WeightLift
from ._lift_syntax import builds_weightless
from ._weights import as_add_weight

KERAS3_ONLY = frozenset({"3"})


def lazy_attribute(cls: KerasClass, method: cst.FunctionDef, site: cst.CSTNode) -> str | None:
    """The attribute whose `is None` guards `site`, made in `method` (itself, or where another
    method calls `method`), when `__init__` sets that attribute to None; else None."""
    nulled = _set_to_none_in_init(cls)
    if not nulled:
        return None
    me = self_name(method)
    guard = _none_guard(cls, site, me)
    if guard in nulled:
        return guard
    name = method.name.value
    asserted = _asserted_none(cls, name, me) & nulled  # gnn's helper: `assert self._norms is None`
    if asserted:
        stored = _stored_in(cls, site, me)
        return stored if stored in asserted else sorted(asserted)[0]
    for other, func in cls.methods.items():
        if other == name:
            continue
        caller = self_name(func)
        for node in cls.method_nodes[other]:
            if (isinstance(node, cst.Call) and is_self_attribute(node.func, caller) == name
                    and _none_guard(cls, node, caller) in nulled):
                return _none_guard(cls, node, caller)
    return None


@dataclass
class LazyInit:
    """A layer or weight made on the first call, `if self.<attr> is None: self.<attr> = ...` in
    `call` (its body only that, or that in a `with tf.init_scope():`), and how it moves: built
    once in `placement.where` as `value` (a weight: in `build`, as `self.add_weight(...)`), the
    `if` gone. `blocked`: why it cannot move; `unsafe`: why moving it may change what the code
    does."""

    attr: str
    guard: cst.If | None = None  # the `if` that goes
    none_statement: cst.SimpleStatementLine | None = None  # `self.<attr> = None` in `__init__`
    placement: Placement | None = None
    value: cst.BaseExpression | None = None
    # Keras 3 raises at the first call; else (no `build`, and `__init__` holds a layer not yet
    # built) it traces `call` before building, which makes the layer then, and raises only
    # when a saved model is loaded (measured, Keras 3.15)
    first_call_raises: bool = True
    blocked: str = ""
    unsafe: str = ""


def lazy_init(ctx: Context, plan: LiftPlan, attr: str) -> LazyInit:
    """How the construction of `plan`, made while `self.<attr> is None`, moves, or why not."""
    cls, func, lift = plan.lift.cls, plan.method, plan.lift
    lazy = LazyInit(attr, first_call_raises=first_call_raises(ctx, cls))
    me = self_name(func)
    lazy.guard = _guard_if(cls, plan.site, me)
    if func.name.value != "call":
        lazy.blocked = f"it is made in `{func.name.value}`, which `call` runs"
        return lazy
    if plan.form != "self" or plan.local != attr or lazy.guard is None \
            or plan.statement is None or not _only(lazy.guard, plan.statement, ctx):
        lazy.blocked = f"the `if self.{attr} is None:` holds more than `self.{attr} = ...`"
        return lazy
    assignments = [n for name, nodes in cls.method_nodes.items() if name != "__init__" for n in nodes
                   if isinstance(n, cst.AssignTarget) and is_self_attribute(n.target, self_name(cls.methods[name]))
                   == attr]
    if len(assignments) != 1:
        lazy.blocked = f"`self.{attr}` is set again elsewhere"
        return lazy
    lazy.none_statement = _none_statement(cls, attr)
    construction: cst.Call | None = plan.site
    if isinstance(plan, WeightLift):
        construction = as_add_weight(ctx, plan.site, me)
        if construction is None or lift.build_param() is None:
            lazy.blocked = "its initial value maps to no shape and initializer" if construction is None else \
                "`build` takes no input shape"
            return lazy
        if is_self_attribute(plan.site.func, me) != "add_weight":
            lazy.unsafe = "its variable becomes an `add_weight`"
    assert construction is not None  # a layer's, or the weight's converted above
    placement = lift.placement(func, [a.value for a in construction.args])
    if not placement.where:
        lazy.blocked = placement.reason
        return lazy
    if isinstance(plan, WeightLift):
        placement.where = "build"  # weights belong in build
    elif placement.where == "__init__" and lazy.none_statement is None:
        lazy.blocked = f"`__init__` sets `self.{attr}` to None only inside a block"
        return lazy
    lazy.placement, lazy.value = placement, lift.moved(func, placement, construction)
    if _tested_elsewhere(cls, attr, lazy.guard):
        lazy.unsafe = f"other code tests `self.{attr}`, which is never None after the fix"
    changing = sorted(a for a in placement.self_attrs if a != attr and lift.assigned_after_init(a))
    if changing and not lazy.unsafe:  # the first call read the value set then
        lazy.unsafe = f"`self.{changing[0]}` is set again after `__init__`, and the first call read its value then"
    return lazy


def _tested_elsewhere(cls: KerasClass, attr: str, guard: cst.If) -> bool:
    """`self.<attr> is (not) None` or `if self.<attr>:` anywhere in the class but the guard."""
    inside = {id(n) for n in walk(guard.test)}
    for name, nodes in cls.method_nodes.items():
        me = self_name(cls.methods[name])
        for node in nodes:
            if id(node) in inside:
                continue
            if isinstance(node, cst.Comparison):
                first = node.comparisons[0]
                if (isinstance(first.operator, (cst.Is, cst.IsNot)) and isinstance(first.comparator, cst.Name)
                        and first.comparator.value == "None" and is_self_attribute(node.left, me) == attr):
                    return True
            elif isinstance(node, (cst.If, cst.IfExp, cst.While, cst.Assert)):
                test = node.test.expression if isinstance(node.test, cst.UnaryOperation) else node.test
                if is_self_attribute(test, me) == attr:
                    return True
    return False


def _guard_if(cls: KerasClass, node: cst.CSTNode, me: str) -> cst.If | None:
    """The `if <me>.attr is None:` (no `else`) directly in the method's body around node."""
    parent = cls.parents.get(id(node))
    while parent is not None and not isinstance(parent, cst.FunctionDef):
        if isinstance(parent, cst.If) and _is_none_test(parent.test):
            block = cls.parents.get(id(parent))
            ok = parent.orelse is None and isinstance(cls.parents.get(id(block)), cst.FunctionDef)
            return parent if ok else None
        parent = cls.parents.get(id(parent))
    return None


def _only(guard: cst.If, statement: cst.SimpleStatementLine, ctx: Context) -> bool:
    """The `if`'s body is the statement alone, or a `with tf.init_scope():` holding it alone
    (`__init__` and `build` run outside any graph already)."""
    body = list(guard.body.body)
    if len(body) == 1 and isinstance(body[0], cst.With):
        scope = body[0]
        if len(scope.items) != 1 or not isinstance(scope.items[0].item, cst.Call) or scope.items[0].asname \
                or (ctx.resolve(scope.items[0].item.func) or "").rsplit(".", 1)[-1] != "init_scope":
            return False
        body = list(scope.body.body)
    return len(body) == 1 and body[0] is statement and len(statement.body) == 1


def _none_statement(cls: KerasClass, attr: str) -> cst.SimpleStatementLine | None:
    init = cls.methods.get("__init__")
    if init is None:
        return None
    me = self_name(init)
    for statement in init.body.body:
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if (isinstance(small, cst.Assign) and len(small.targets) == 1
                    and is_self_attribute(small.targets[0].target, me) == attr
                    and isinstance(small.value, cst.Name) and small.value.value == "None"):
                return statement
    return None


def first_call_raises(ctx: Context, cls: KerasClass) -> bool:
    """Keras 3 raises at the first call unless the class has no `build` (its own, a project
    base's or a built-in layer's) and `__init__` holds a layer with weights, not yet built:
    Keras then traces `call` symbolically before it locks the layer's state (measured: a
    `Dense` in `__init__` lets the first call run; a weight, an `Activation` or a `Dropout`
    does not)."""
    plain = {"keras.layers.Layer", "keras.Model"}
    bases = [api.KERAS_BASE_ALIASES.get(r, r) for b in cls.node.bases if (r := ctx.resolve(b.value) or "")]
    if "build" in cls.methods or len(bases) != len(cls.node.bases) or not set(bases) <= plain:
        return True
    for node in cls.method_nodes.get("__init__", ()):
        if (isinstance(node, cst.Call) and ctx.is_layer_class(node.func) and not builds_weightless(ctx, node.func)
                and not api.is_random_layer(ctx.resolve(node.func) or "")
                and not api.is_seeded_layer(ctx.resolve(node.func) or "")):
            return False
    return True


def lazy_message(what: str, attr: str, first_raises: bool) -> str:
    """What the first-call idiom does on each line (measured, Keras 3.15 and tf_keras 2.21)."""
    harm = ("Keras 3 raises ValueError at that first call" if first_raises else
            "Keras 3 runs the first call (it traces `call` before building) but raises ValueError when a saved "
            "model is loaded")
    return f"{what} on the first call only (while `self.{attr}` is None): tf_keras tracks it; {harm} " \
           "(state added to a layer already built)"


def _stored_in(cls: KerasClass, site: cst.CSTNode, me: str) -> str | None:
    """`X` of the `self.X = ...` (or `self.X[k] = ...`) statement that stores `site`."""
    node = cls.parents.get(id(site))
    while node is not None and not isinstance(node, (cst.Assign, cst.BaseStatement)):
        node = cls.parents.get(id(node))
    if not isinstance(node, cst.Assign) or len(node.targets) != 1:
        return None
    target: cst.BaseExpression = node.targets[0].target
    while isinstance(target, cst.Subscript):
        target = target.value
    return is_self_attribute(target, me)


def _set_to_none_in_init(cls: KerasClass) -> set[str]:
    init = cls.methods.get("__init__")
    if init is None:
        return set()
    me = self_name(init)
    found: set[str] = set()
    for node in cls.method_nodes["__init__"]:
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Name) and node.value.value == "None":
            found.update(a for t in node.targets if (a := is_self_attribute(t.target, me)))
    return found


def _asserted_none(cls: KerasClass, method: str, me: str) -> set[str]:
    """The attributes the method asserts to be None: it runs once, before they are set."""
    found: set[str] = set()
    for node in cls.method_nodes[method]:
        if isinstance(node, cst.Assert) and _is_none_test(node.test):
            assert isinstance(node.test, cst.Comparison)  # _is_none_test says so
            found.update(a for a in [is_self_attribute(node.test.left, me)] if a)
    return found


def _is_none_test(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Is)
            and isinstance(test.comparisons[0].comparator, cst.Name)
            and test.comparisons[0].comparator.value == "None")


def _none_guard(cls: KerasClass, node: cst.CSTNode, me: str) -> str | None:
    """`attr` of the nearest enclosing `if <me>.attr is None:` of node."""
    parent = cls.parents.get(id(node))
    while parent is not None and not isinstance(parent, cst.FunctionDef):
        if isinstance(parent, cst.If) and _is_none_test(parent.test):
            assert isinstance(parent.test, cst.Comparison)  # _is_none_test says so
            return is_self_attribute(parent.test.left, me)
        parent = cls.parents.get(id(parent))
    return None
