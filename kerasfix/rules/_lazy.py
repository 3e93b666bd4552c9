"""Deliberate one-time lazy initialisation: a layer or weight made on the first call only,
under `if self.<attr> is None:`, into an attribute `__init__` sets to None (tensorflow/gnn's
HGT layer, in a helper `call` runs inside `tf.init_scope()`). Measured (issue 18's brief), each
variant called twice, eagerly and in a `tf.function`: tf_keras tracks it (2 weights, 1 for an
`add_weight`); Keras 3 raises ValueError ("You cannot add new elements of state ... to a layer
that is already built"). So it is a trap on Keras 3 only, and not "a new layer every call"."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

import libcst as cst

from .. import keras_api as api
from .base import Context, KerasClass, is_self_attribute, self_name, walk
from .calls import comments_in
from ._lift_plan import ClassLift, LiftPlan, Placement, WeightLift
from ._lift_syntax import builds_weightless, first_input, self_attrs_read
from ._weights import as_add_weight

KERAS3_ONLY = frozenset({"3"})


def lazy_attribute(cls: KerasClass, method: cst.FunctionDef, site: cst.CSTNode, unset: bool = False) -> str | None:
    """The attribute whose `is None` guards `site`, made in `method` (itself, or where another
    method calls `method`), when `__init__` sets that attribute to None; else None. `unset`: also
    the attribute of an `if not hasattr(self, "<attr>"):` directly around `site` (no `else`)."""
    around = _guard_if(cls, site, self_name(method))
    if unset and around is not None and (attr := hasattr_attr(around.test, self_name(method))) \
            and _stored_in(cls, site, self_name(method)) == attr:  # else it tests what it never sets
        return attr
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
    unset: bool = False  # the guard is `if not hasattr(self, "<attr>"):`, `__init__` never sets it
    exists: str = ""  # why `self.<attr>` may exist before that `if` runs
    none_statement: cst.SimpleStatementLine | None = None  # `self.<attr> = None` in `__init__`
    placement: Placement | None = None
    value: cst.BaseExpression | None = None
    # Keras 3 raises at the first call; else (no `build`, and `__init__` holds a layer not yet
    # built) it traces `call` before building, which makes the layer then, and raises only
    # when a saved model is loaded (measured, Keras 3.15)
    first_call_raises: bool = True
    blocked: str = ""
    unsafe: str = ""
    # a choice between layers (U12): the `if`s that `build` runs instead, spelled for it (the
    # fix moves them whole; `value` stays None)
    block: tuple[cst.BaseStatement, ...] = ()


def lazy_init(ctx: Context, plan: LiftPlan, attr: str) -> LazyInit:
    """How the construction of `plan`, made while `self.<attr> is None`, moves, or why not."""
    cls, func, lift = plan.lift.cls, plan.method, plan.lift
    lazy = LazyInit(attr, first_call_raises=first_call_raises(ctx, cls))
    me = self_name(func)
    lazy.guard = _guard_if(cls, plan.site, me)
    lazy.unset = lazy.guard is not None and hasattr_attr(lazy.guard.test, me) == attr
    if func.name.value != "call":
        lazy.blocked = f"it is made in `{func.name.value}`, which `call` runs"
        return lazy
    test = f'not hasattr({me}, "{attr}")' if lazy.unset else f"{me}.{attr} is None"
    if plan.form != "self" or lazy.guard is None or plan.statement is None or (
            lazy.unset and (plan.local != attr or not _only(lazy.guard, plan.statement, ctx))):
        lazy.blocked = f"the `if {test}:` holds more than `{me}.{attr} = ...`"
        return lazy
    if lazy.unset:
        lazy.exists = _may_exist(ctx, cls, attr)
        lazy.blocked = lazy.exists or _unset_blocked(cls, attr, lazy.guard)
        if lazy.blocked:
            return lazy
    if plan.local != attr or not _only(lazy.guard, plan.statement, ctx):
        guard = lazy.guard
        return ctx.memo(f"lazy choice {id(guard)}", lambda: lazy_choice(ctx, plan, replace(lazy, guard=guard)))
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
    elif placement.where == "__init__" and lazy.none_statement is None and not lazy.unset:
        lazy.blocked = f"`__init__` sets `self.{attr}` to None only inside a block"
        return lazy
    lazy.placement, lazy.value = placement, lift.moved(func, placement, construction)
    if _tested_elsewhere(cls, attr, lazy.guard):
        lazy.unsafe = f"other code tests `self.{attr}`, which is never None after the fix"
    changing = sorted(a for a in placement.self_attrs if a != attr and lift.assigned_after_init(a))
    if changing and not lazy.unsafe:  # the first call read the value set then
        lazy.unsafe = f"`self.{changing[0]}` is set again after `__init__`, and the first call read its value then"
    return lazy


def lazy_choice(ctx: Context, plan: LiftPlan, lazy: LazyInit) -> LazyInit:
    """`if self.<attr> is None:` holding only `if`/`else` choices between layers (U12,
    keras-team/keras#18601): each branch sets the same `self.` attributes to Keras layers, and
    the tests and constructors read only the input's static shape, attributes `__init__` sets
    and module names. `build` runs the choices instead, from `input_shape` (unsafe: on the shape
    the layer is built with, not the first call's input), the outer `if` gone."""
    cls, func, lift = plan.lift.cls, plan.method, plan.lift
    me, guard = self_name(func), lazy.guard
    assert guard is not None  # lazy_init found it
    body = _block_body(guard, ctx)
    if body is None or not body or not all(isinstance(s, cst.If) for s in body):
        lazy.blocked = f"the `if self.{lazy.attr} is None:` holds more than `self.{lazy.attr} = ...`"
        return lazy
    tests: list[cst.BaseExpression] = []
    values: list[cst.BaseExpression] = []
    attrs: set[str] = set()
    for choice in body:
        assert isinstance(choice, cst.If)  # checked above
        chosen = _chosen_attrs(ctx, choice, me, tests, values)
        if isinstance(chosen, str) or chosen & attrs:
            lazy.blocked = chosen if isinstance(chosen, str) else "two of its `if`s set the same attribute"
            return lazy
        attrs |= chosen
    lazy.blocked = _choice_blocked(lift, func, guard, lazy.attr, attrs)
    if lazy.blocked:
        return lazy
    placement = lift.placement(func, values + tests)
    changing = sorted(a for e in values + tests for a in self_attrs_read(e, me) if lift.assigned_after_init(a))
    if not placement.where or changing:
        lazy.blocked = placement.reason or f"it chooses on `self.{changing[0]}`, which changes after `__init__`"
        return lazy
    if lift.build is not None and self_name(lift.build) != me:
        lazy.blocked = f"`build` calls its first parameter `{self_name(lift.build)}`, not `{me}`"
        return lazy
    placement.where, placement.guards = "build", []
    spelled = {id(e): lift.moved(func, placement, e) for e in values + tests}
    block = [cast(cst.If, s.visit(_Swap(spelled))) for s in body]  # the `if`s stay `if`s
    kept = {id(c) for s in body for c in comments_in(s)}
    carried = [cst.EmptyLine(comment=cst.Comment(c.value)) for c in comments_in(guard) if id(c) not in kept]
    block[0] = block[0].with_changes(leading_lines=[*carried, *block[0].leading_lines])
    lazy.block = tuple(block)
    lazy.placement = placement
    lazy.unsafe = "it is made on the shape the layer is built with, not on the first call's input"
    if _tested_elsewhere(cls, lazy.attr, guard):
        lazy.unsafe += f"; other code tests `self.{lazy.attr}`"
    return lazy


class _Swap(cst.CSTTransformer):
    """Nodes replaced by identity (the tests and constructors spelled for `build`)."""

    def __init__(self, spelled: dict[int, cst.BaseExpression]):
        super().__init__()
        self.spelled = spelled

    def on_leave(self, original_node, updated_node):
        return self.spelled.get(id(original_node), updated_node)


def _block_body(guard: cst.If, ctx: Context) -> list[cst.BaseStatement] | None:
    """The guard's statements, inside a `with tf.init_scope():` that is its only one."""
    body = list(guard.body.body)
    if len(body) == 1 and isinstance(body[0], cst.With):
        scope = body[0]
        if len(scope.items) != 1 or not isinstance(scope.items[0].item, cst.Call) or scope.items[0].asname \
                or (ctx.resolve(scope.items[0].item.func) or "").rsplit(".", 1)[-1] != "init_scope":
            return None
        body = list(scope.body.body)
    return [cast(cst.BaseStatement, s) for s in body]


def _chosen_attrs(ctx: Context, choice: cst.If, me: str, tests: list[cst.BaseExpression],
                  values: list[cst.BaseExpression]) -> set[str] | str:
    """The attributes every branch of `if`/`elif`/`else` sets, each to a Keras layer and nothing
    else (its tests and constructors added to `tests` and `values`); else why not."""
    if _last_is_if(choice):
        return "an `if` in it has no `else`: some input would choose no layer"
    branch: cst.If | cst.Else | None = choice
    sets: list[set[str]] = []
    while branch is not None:
        if isinstance(branch, cst.If):
            tests.append(branch.test)
        found: set[str] = set()
        for statement in branch.body.body:
            small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and \
                len(statement.body) == 1 else None
            attr = is_self_attribute(small.targets[0].target, me) if isinstance(small, cst.Assign) and \
                len(small.targets) == 1 else None
            if attr is None or attr in found or not isinstance(small, cst.Assign) \
                    or not isinstance(small.value, cst.Call) or not ctx.is_layer_class(small.value.func):
                return "a branch of its `if` does more than set `self.` attributes to layers"
            found.add(attr)
            values.append(small.value)
        sets.append(found)
        branch = branch.orelse if isinstance(branch, cst.If) else None
    if any(s != sets[0] for s in sets):
        return "the branches of its `if` set different attributes"
    return sets[0]


def _last_is_if(choice: cst.If) -> bool:
    """The `if`/`elif` chain ends without an `else`."""
    node: cst.If = choice
    while isinstance(node.orelse, cst.If):
        node = node.orelse
    return node.orelse is None


def _choice_blocked(lift: ClassLift, func: cst.FunctionDef, guard: cst.If, attr: str, attrs: set[str]) -> str:
    """Why the choice cannot move: the guard's attribute is not among those chosen, one is set
    elsewhere (but to None at the top of `__init__`), `call` takes no input or reads one of them
    before the block (an input bound again is the placement's to refuse)."""
    cls, me = lift.cls, self_name(func)
    if attr not in attrs:
        return f"its branches never set `self.{attr}`"
    for name, nodes in cls.method_nodes.items():
        inside = {id(n) for n in walk(guard)} if name == func.name.value else set()
        owner = self_name(cls.methods[name])
        for node in nodes:
            set_attr = is_self_attribute(node.target, owner) if isinstance(node, cst.AssignTarget) else None
            if set_attr not in attrs or id(node) in inside:
                continue
            assert set_attr is not None  # one of attrs
            none = _none_statement(cls, set_attr) if name == "__init__" else None
            if none is None or all(n is not node for n in walk(none)):
                return f"`self.{set_attr}` is set elsewhere too (other than to None at the top of `__init__`)"
    if first_input(func) is None:
        return f"`{func.name.value}` takes no input"
    if lift.build is None and me != "self":
        return f"`{func.name.value}` calls its first parameter `{me}`, which a new `build` would not"
    order = lift.order(func.name.value)
    start = order.get(id(guard), -1)
    for node in cls.method_nodes[func.name.value]:
        if order.get(id(node), len(order)) >= start:
            continue
        if (read := is_self_attribute(node, me)) in attrs:
            return f"`{func.name.value}` reads `self.{read}` before the block sets it"
    return ""


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
    """The `if <me>.attr is None:` or `if not hasattr(<me>, "attr"):` (no `else`) directly in the
    method's body around node."""
    parent = cls.parents.get(id(node))
    while parent is not None and not isinstance(parent, cst.FunctionDef):
        if isinstance(parent, cst.If) and (_is_none_test(parent.test) or hasattr_attr(parent.test, me)):
            block = cls.parents.get(id(parent))
            ok = parent.orelse is None and isinstance(cls.parents.get(id(block)), cst.FunctionDef)
            return parent if ok else None
        parent = cls.parents.get(id(parent))
    return None


def _only(guard: cst.If, statement: cst.SimpleStatementLine, ctx: Context) -> bool:
    """The `if`'s body is the statement alone, or a `with tf.init_scope():` holding it alone
    (`__init__` and `build` run outside any graph already)."""
    body = _block_body(guard, ctx)
    return body is not None and len(body) == 1 and body[0] is statement and len(statement.body) == 1


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


def lazy_message(what: str, attr: str, first_raises: bool, unset: bool = False) -> str:
    """What the first-call idiom does on each line (measured, Keras 3.15 and tf_keras 2.21);
    `unset`: guarded by `hasattr` rather than `is None`."""
    harm = ("Keras 3 raises ValueError at that first call" if first_raises else
            "Keras 3 runs the first call (it traces `call` before building) but raises ValueError when a saved "
            "model is loaded")
    while_ = f"while `self` has no `{attr}`" if unset else f"while `self.{attr}` is None"
    return f"{what} on the first call only ({while_}): tf_keras tracks it; {harm} " \
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


def hasattr_attr(test: cst.BaseExpression, me: str) -> str | None:
    """`attr` of `not hasattr(<me>, "attr")`, the name a string literal."""
    if not isinstance(test, cst.UnaryOperation) or not isinstance(test.operator, cst.Not):
        return None
    return _hasattr_call(test.expression, me)


def _hasattr_call(node: cst.CSTNode, me: str, names: tuple[str, ...] = ("hasattr",)) -> str | None:
    """`attr` of `hasattr(<me>, "attr")` (or another of `names`), the name a string literal."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in names
            and len(node.args) >= 2 and isinstance(node.args[0].value, cst.Name) and node.args[0].value.value == me
            and isinstance(node.args[1].value, cst.SimpleString)):
        return None
    value = node.args[1].value.evaluated_value
    return value if isinstance(value, str) and value.isidentifier() else None


def _may_exist(ctx: Context, cls: KerasClass, attr: str) -> str:
    """Why `self.<attr>` may exist before the `if not hasattr(self, "<attr>"):` first runs
    (then the `if` builds nothing), or ""."""
    if attr in api.KERAS_RESERVED_ATTRIBUTES:
        return f"Keras itself may set `self.{attr}`"
    bases = [api.KERAS_BASE_ALIASES.get(r, r) for b in cls.node.bases if (r := ctx.resolve(b.value) or "")]
    if len(bases) != len(cls.node.bases) or not set(bases) <= {"keras.layers.Layer", "keras.Model"}:
        return f"a base class may set `self.{attr}`"
    for statement in cls.node.body.body:
        if not isinstance(statement, cst.FunctionDef) and any(
                isinstance(n, cst.Name) and n.value == attr for n in walk(statement)):
            return f"the class body binds `{attr}`"
    if "__init__" in cls.methods and _touches(cls, "__init__", attr, set()):
        return f"`__init__` sets `self.{attr}`"
    return ""


def _unset_blocked(cls: KerasClass, attr: str, guard: cst.If) -> str:
    """Why a layer made under `if not hasattr(self, "<attr>"):` cannot move into `__init__`:
    another method sets, deletes or asks for it (by name, or by `hasattr`/`getattr`/`setattr`/
    `delattr`): after the fix it always exists."""
    inside = {id(n) for n in walk(guard)}
    for name in cls.methods:
        if touch := _touches(cls, name, attr, inside):
            return touch
    return ""


def _touches(cls: KerasClass, method: str, attr: str, inside: set[int]) -> str:
    """How `method` sets, deletes or asks for `self.<attr>` outside the nodes `inside`, or ""."""
    me = self_name(cls.methods[method])
    for node in cls.method_nodes[method]:
        if id(node) in inside:
            continue
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.Del)) and any(
                is_self_attribute(n, me) == attr for n in walk(node.target)):
            return f"`self.{attr}` is set or deleted elsewhere too"
        if _hasattr_call(node, me, ("hasattr", "getattr", "setattr", "delattr")) == attr:
            return f"other code asks whether `self` has `{attr}`, which it always has after the fix"
    return ""
