"""Folding a Keras 2 weight registration into add_weight: `self.x = K.variable(...)` (or
`tf.Variable`) followed in the same block by `self._trainable_weights.append(self.x)` (or
`_non_trainable_weights`, or under `if cond:`) becomes one `self.add_weight(..., trainable=...)`,
with one fix for the two (the creation's and the append's), memoised with the fold. An
assignment `self._trainable_weights = [self.x, self.y]` (or `+=`) of variables made before it in
the same block folds the same way: one fix for every creation and the assignment's removal."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .. import keras_api as api
from ..edits import AddImport, Edit, Fix, Remove, Replace, Safety
from .base import Context, KerasClass, dotted, is_self_attribute, self_name, source, walk
from .calls import comments_in
from ._weight_args import Conversion, Trained, convert_variable, untracking_keras
from ._weight_scopes import ScopeNote, makes_weights
from ._weight_values import constant_initializer, number


def class_appends(ctx: Context, cls: KerasClass) -> dict[str, list[tuple[str, bool]]]:
    """For each attribute, the weight lists `self.<attr>` is appended to in the class, each with
    whether the append runs under a condition or in a loop: one walk of the class, memoised
    (a walk per variable made one class of 2,000 variables take 14 s: reliability R16)."""
    return ctx.memo(f"weight-appends:{id(cls.node)}", lambda: _class_appends(cls))


def _class_appends(cls: KerasClass) -> dict[str, list[tuple[str, bool]]]:
    found: dict[str, list[tuple[str, bool]]] = {}
    for name, func in cls.methods.items():
        me = self_name(func)
        for node in cls.method_nodes[name]:
            if isinstance(node, cst.Call) and len(node.args) == 1 and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value == "append":
                attr = is_self_attribute(node.args[0].value, me)
                target = is_self_attribute(node.func.value, me)
                if attr is not None and target in api.WEIGHT_LISTS:
                    found.setdefault(attr, []).append((target, _conditional(cls, node)))
    return found


def _conditional(cls: KerasClass, node: cst.CSTNode) -> bool:
    while not isinstance(node, cst.FunctionDef):
        node = cls.parents[id(node)]
        if isinstance(node, (cst.If, cst.IfExp, cst.For, cst.While, cst.Try, cst.BooleanOperation)):
            return True
    return False


@dataclass(frozen=True)
class Append:
    """`self.<weights>.append(self.<attr>)`, alone or as the whole body of `if <condition>:`;
    or one element of `self.<weights> = [...]` (`call` is then the assignment, `what` says so)."""

    call: cst.CSTNode
    weights: str
    attr: str
    condition: cst.BaseExpression | None
    what: str = "append"


@dataclass(frozen=True)
class Fold:
    """A creation and its append made one add_weight: `fix` (one object for both findings)
    once the calls `scope.needs` names are rewritten by this run, `fix_else` when not (see
    `ScopeNote`); `unsafe`: tf.keras 2 also tracked the variable and trained it whatever
    the append says."""

    create: cst.Call
    append: Append
    me: str
    backend: bool  # a `K.variable`, not a `tf.Variable`
    value: cst.BaseExpression  # the `trainable=` written
    conversion: Conversion  # the creation's, trained as the append says
    scope: ScopeNote | None
    unsafe: bool
    fix: Fix
    fix_else: Fix


def folds(ctx: Context, cls: KerasClass, method: str, me: str,
          notes: dict[int, ScopeNote]) -> dict[int, Fold | tuple[Append, str]]:
    """The folds of a method, by the ids of both their calls (of a list assignment: its
    creations' and the assignment's); an append or list assignment that cannot be folded is
    there with the reason, by its node's id. Memoised: see `computed_folds`."""
    return ctx.memo(_key(cls, method), lambda: _folds(ctx, cls, method, me, notes))


def computed_folds(ctx: Context, cls: KerasClass, method: str) -> dict[int, Fold | tuple[Append, str]]:
    """The folds `folds` found for a method, the same objects (a fix shared by findings is
    applied once); none when the weight walk folds nothing there (not a setup method)."""
    return ctx.shared.get(_key(cls, method), {})


def _key(cls: KerasClass, method: str) -> str:
    return f"weight-folds:{id(cls.node)}:{method}"


def _folds(ctx: Context, cls: KerasClass, method: str, me: str,
           notes: dict[int, ScopeNote]) -> dict[int, Fold | tuple[Append, str]]:
    found: dict[int, Fold | tuple[Append, str]] = {}
    for block in cls.nodes_of(method, cst.IndentedBlock):
        body = list(block.body)
        for index, stmt in enumerate(body):
            listed = list_assignment(stmt, me)
            if listed is not None:
                found.update(list_folds(ctx, cls, method, body, index, listed, me, notes))
                continue
            append = _private_append(stmt, me)
            if append is None:
                continue
            fold = _fold(ctx, cls, body, index, append, me, notes)
            if isinstance(fold, str):
                found.setdefault(id(append.call), (append, fold))
            else:  # an `if` holding the append is seen before its body
                found.setdefault(id(fold.create), fold)
                found.setdefault(id(append.call), fold)
    return found


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


def _fold(ctx: Context, cls: KerasClass, body: list, index: int, append: Append, me: str,
          notes: dict[int, ScopeNote]) -> Fold | str:
    """The fold of an append, or why there is none."""
    start = _creation_index(ctx, body, index, append, me)
    if isinstance(start, str):
        return start
    if len(class_appends(ctx, cls).get(append.attr, ())) != 1:
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
    conversion = convert_variable(ctx, create, me, backend, trained=Trained(value, why), scalar=scalar)
    if conversion.fix is None:
        return f"`{me}.{append.attr}` cannot become add_weight: see the finding on its creation"
    edits: tuple[Edit, ...] = conversion.fix.edits + (Remove(body[index]),) + ((AddImport(needed),) if needed else ())
    if keep:
        edits += (Replace(body[index + 1], lambda updated: updated.with_changes(
            leading_lines=[*keep, *updated.leading_lines])),)
    tracked = not (backend and untracking_keras(ctx, create))
    unsafe = tracked and (append.condition is not None or not trainable)  # as tf_keras still does (measured)
    scope = notes.get(id(create))
    fix = _fix(edits, unsafe or conversion.fix.safety is Safety.UNSAFE or bool(scope and scope.unsafe))
    fix_else = _fix(edits, unsafe or conversion.fix.safety is Safety.UNSAFE or bool(scope and scope.unsafe_else))
    return Fold(create, append, me, backend, value, conversion, scope, unsafe, fix,
                fix if fix_else.safety is fix.safety else fix_else)


def _fix(edits: tuple[Edit, ...], unsafe: bool) -> Fix:
    return Fix(edits, Safety.UNSAFE if unsafe else Safety.SAFE)


@dataclass(frozen=True)
class ListAssignment:
    """`self.<weights> = [self.<attr>, ...]` (or `+=`, or a tuple), alone on its line."""

    node: cst.Assign | cst.AugAssign
    weights: str
    attrs: tuple[str | None, ...]  # None: an element that is not `self.<attr>`


def list_assignment(stmt: cst.BaseStatement, me: str) -> ListAssignment | None:
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    node = stmt.body[0]
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        target = node.targets[0].target
    elif isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
        target = node.target
    else:
        return None
    weights = is_self_attribute(target, me)
    if weights not in api.PRIVATE_WEIGHT_LISTS or not isinstance(node.value, (cst.List, cst.Tuple)) \
            or not node.value.elements:
        return None
    attrs = tuple(None if isinstance(e, cst.StarredElement) else is_self_attribute(e.value, me)
                  for e in node.value.elements)
    return ListAssignment(node, weights, attrs)


def list_folds(ctx: Context, cls: KerasClass, method: str, body: list, index: int, listed: ListAssignment,
               me: str, notes: dict[int, ScopeNote]) -> dict[int, Fold | tuple[Append, str]]:
    """The folds of a list assignment, by the ids of its creations and of the assignment (one
    fix for them all); or the assignment, with why it is not folded, by its id."""
    first = Append(listed.node, listed.weights, listed.attrs[0] or "", None, "assignment")
    starts = _list_creations(ctx, cls, body, index, listed, me)
    if isinstance(starts, str):
        return {id(listed.node): (first, starts)}
    creations = {id(body[k].body[0].value) for k in starts}
    why_not = _list_refusal(ctx, cls, method, creations, listed)
    if why_not is None and any(k in notes for k in creations):
        why_not = "a listed variable is made in a variable scope"
    if why_not is not None:
        return {id(listed.node): (first, why_not)}
    keep = _comments(body[index])
    if keep and index + 1 == len(body):
        return {id(listed.node): (first, "its comment has no statement after it to go to")}
    trainable = listed.weights in api.TRAINABLE_WEIGHT_LISTS
    value = cst.Name("True" if trainable else "False")
    why = f"it was listed in `{me}.{listed.weights}`"
    edits: tuple[Edit, ...] = (Remove(body[index]),)
    made = []
    for attr, start in zip(listed.attrs, starts):
        assert attr is not None  # checked by _list_creations
        create = body[start].body[0].value
        backend = ctx.resolve(create.func) in api.BACKEND_VARIABLE
        scalar, needed = _scalar_initializer(ctx, cls, create, me, start, body)
        conversion = convert_variable(ctx, create, me, backend, trained=Trained(value, why), scalar=scalar)
        if conversion.fix is None:
            return {id(listed.node): (first, f"`{me}.{attr}` cannot become add_weight: see the finding on its "
                                             "creation")}
        edits = conversion.fix.edits + edits + ((AddImport(needed),) if needed else ())
        made.append((create, Append(listed.node, listed.weights, attr, None, "assignment"), backend, conversion))
    if keep:
        edits += (Replace(body[index + 1], lambda updated: updated.with_changes(
            leading_lines=[*keep, *updated.leading_lines])),)
    # a variable tf_keras tracked as an attribute was trained whatever the list said (measured)
    unsafe = not trainable and any(not (backend and untracking_keras(ctx, create)) for create, _, backend, _ in made)
    fix = _fix(edits, unsafe or any(c.fix is not None and c.fix.safety is Safety.UNSAFE for *_, c in made))
    found: dict[int, Fold | tuple[Append, str]] = {}
    for create, append, backend, conversion in made:
        found[id(create)] = Fold(create, append, me, backend, value, conversion, None, unsafe, fix, fix)
    found[id(listed.node)] = found[id(made[0][0])]
    return found


def _list_creations(ctx: Context, cls: KerasClass, body: list, index: int, listed: ListAssignment,
                    me: str) -> list[int] | str:
    """Where each listed variable is made, in the list's order, in the block before the
    assignment, or why the assignment does not fold: each must be `self.<attr> = tf.Variable(...)`
    (or `K.variable`) with no `trainable=` of its own and no variable scope, in no other weight
    list; nothing else in between may use them, a weight list, or make a weight; nothing else in
    the class may read the list; `=` must not drop a weight made before it (tf_keras loses those)."""
    attrs = listed.attrs
    if any(a is None for a in attrs) or len(set(attrs)) != len(attrs):
        return f"its elements are not each a distinct `{me}.<attribute>`"
    starts: list[int] = []
    for attr in attrs:
        start = next((k for k in range(index - 1, -1, -1) if _assigns(body[k], attr or "", me)), None)
        value = body[start].body[0].value if start is not None else None
        if not (isinstance(value, cst.Call) and ctx.resolve(value.func) in api.VARIABLE | api.BACKEND_VARIABLE):
            return f"`{me}.{attr}` is not made by `tf.Variable` or `K.variable` in the same block before it"
        if any(a.keyword is not None and a.keyword.value == "trainable" for a in value.args):
            return f"`{me}.{attr}`'s own `trainable=` and the list it is in must be reconciled"
        if class_appends(ctx, cls).get(attr or ""):
            return f"`{me}.{attr}` is also appended to a weight list"
        if start is None or (starts and start <= starts[-1]):
            return "the list's order is not the order its variables are made in: add_weight would reorder the weights"
        starts.append(start)
    for stmt in body[starts[0] + 1:index]:
        if stmt not in [body[k] for k in starts] and (
                any(_mentions(stmt, a or "") for a in attrs) or makes_weights(ctx, stmt, me)):
            return "the code between the variables' creations and the list uses them, a weight list, or makes a weight"
    return starts


def _list_refusal(ctx: Context, cls: KerasClass, method: str, creations: set[int],
                  listed: ListAssignment) -> str | None:
    """Why nothing but the assignment may hold the list: read elsewhere, it is gone on Keras 3
    once the assignment is; and `=` (not `+=`) drops from tf_keras the weights made before it
    (measured), which add_weight would keep: a weight made in another setup method, or before
    it in its own, keeps it."""
    target = listed.node.targets[0].target if isinstance(listed.node, cst.Assign) else listed.node.target
    for name in cls.methods:
        if any(isinstance(n, cst.Attribute) and n.attr.value == listed.weights and n is not target
               for n in cls.method_nodes[name]):
            return f"`{listed.weights}` is used elsewhere in the class"
    if isinstance(listed.node, cst.AugAssign):
        return None
    for name in sorted(cls.setup_methods):
        me = self_name(cls.methods[name])
        for node in cls.method_nodes[name]:
            if node is listed.node:
                break
            if isinstance(node, cst.Call) and id(node) not in creations and makes_weights(ctx, node, me):
                return ("assigning the list drops from tf_keras the weights made before it (measured), which "
                        "add_weight would keep")
    return None


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
    if value is None or attr is None or not _always_anumber(cls, attr, body[start]):
        return None, None
    initializer = constant_initializer(ctx, value)
    if initializer is not None:
        return initializer, None
    spelled = ctx.imports.spell_keras("initializers.Constant")
    if spelled is not None:
        return cst.parse_expression(f"{spelled}({source(value)})"), None
    origin = (ctx.imports.qualify_dotted(dotted(create.func) or "") or "").rsplit(".backend.", 1)[0]
    if origin.startswith(("keras", "tensorflow.keras", "tf_keras")) and not ctx.imports.is_bound("initializers"):
        return cst.parse_expression(f"initializers.Constant({source(value)})"), f"from {origin} import initializers"
    return None, None


def _always_anumber(cls: KerasClass, attr: str, creation: cst.BaseStatement) -> bool:
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
                if number(value) is None:
                    return False
                seen = True
    return seen
