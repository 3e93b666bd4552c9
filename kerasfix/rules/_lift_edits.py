"""The edits that move what a lift plan (`_lift.py`) says: the new `self.<attr> = ...` line in
`__init__` or `build`, the use in `call` that reads the attribute instead, and the bindings
of inlined locals nothing reads any more. The rules build their fixes of these."""

from __future__ import annotations

from typing import cast

import libcst as cst

from ..edits import AddMethod, Edit, InsertAfter, InsertBefore, Remove, Replace
from ..syntax import is_load
from .base import is_docstring, self_name, walk
from .calls import comments_in
from ._lazy import LazyInit
from ._lift_plan import ClassLift, LiftPlan, Placement
from ._lift_syntax import emptied_if, only_bound_once


def move_edits(plan: LiftPlan, target: cst.BaseExpression | None = None) -> tuple[Edit, ...]:
    """The edits that build `self.<attr> = <value>` where the plan says, and make its method
    use `target` (default `self.<attr>`): in place of an inline construction, or instead of
    the local the removed statement bound (or the attribute it set)."""
    lift, func, placement = plan.lift, plan.method, plan.placement
    assert placement is not None and plan.value is not None  # a plan that moves has both
    statement = plan.statement
    edits: list[Edit] = [place(lift, placement, plan.attr, plan.value,
                               statement if plan.form != "inline" else None)]
    if target is None:
        target = cst.Attribute(value=cst.Name(self_name(func)), attr=cst.Name(plan.attr))
    if plan.form == "inline":
        edits.append(Replace(plan.site, target))
    else:
        assert statement is not None  # a bound or stored construction has its statement
        edits.append(Remove(emptied_if(statement, lift.cls.parents) or statement))
        if plan.form == "bound":
            assert plan.local is not None  # the name the statement binds
            edits.extend(Replace(n, target) for n in loads(lift, func, plan.local, statement))
    edits.extend(unused_bindings(lift, func, placement, [plan.site]))
    return tuple(edits)


def lazy_edits(plan: LiftPlan, lazy: LazyInit) -> tuple[Edit, ...]:
    """`self.<attr> = None` in `__init__` becomes the construction where it stands after what
    the construction reads (else the line goes after that); in `build`, `__init__`'s None stays
    (read before `build`, it means the same). The `if` goes; its comments (and those of a
    removed None) go above the new line."""
    lift, placement, value = plan.lift, lazy.placement, lazy.value
    assert placement is not None and value is not None and lazy.guard is not None
    edits: list[Edit] = [Remove(lazy.guard)]
    kept = {id(c) for c in comments_in(plan.site)}  # they move inside the construction
    carried = [c for c in comments_in(lazy.guard) if id(c) not in kept]
    none = lazy.none_statement
    if placement.where == "__init__" and none is not None and lift.init is not None:
        body = list(lift.init.body.body)
        if body.index(init_anchor(lift, placement.self_attrs)) <= body.index(none):
            assignment = none.body[0]
            assert isinstance(assignment, cst.Assign)  # what _none_statement finds
            edits.append(Replace(none, none.with_changes(
                leading_lines=[*none.leading_lines, *_comment_lines(carried)],
                body=[assignment.with_changes(value=value)])))
            edits.extend(unused_bindings(lift, plan.method, placement, [plan.site]))
            return tuple(edits)
        edits.append(Remove(none))
        carried = comments_in(none) + carried
    moved = cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=_comment_lines(carried))
    edits.append(place(lift, placement, lazy.attr, value, moved))
    edits.extend(unused_bindings(lift, plan.method, placement, [plan.site]))
    return tuple(edits)


def lazy_choice_edits(plan: LiftPlan, lazy: LazyInit) -> tuple[Edit, ...]:
    """A choice between layers made on the first call: the `if self.<attr> is None:` goes and
    `build` runs its `if`s instead (`lazy.block`, the guard's own comments above them);
    `__init__`'s None stays, as for a layer moved to `build`."""
    assert lazy.guard is not None and lazy.placement is not None and lazy.block  # what lazy_choice made
    return (Remove(lazy.guard), into_build(plan.lift, lazy.block),
            *unused_bindings(plan.lift, plan.method, lazy.placement, [lazy.guard]))


def _comment_lines(comments: list[cst.Comment]) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(comment=cst.Comment(c.value)) for c in comments]


def unused_bindings(lift: ClassLift, func: cst.FunctionDef, placement: Placement,
                    moved: list[cst.CSTNode]) -> list[Remove]:
    """The statements binding inlined locals that nothing left in `func` reads (one that
    carries a comment stays: the comment would have nowhere to go, and the local is harmless)."""
    inside = {id(n) for node in moved for n in walk(node)}
    return [Remove(statement) for name, statement in placement.bindings.items()
            if all(id(n) in inside for n in loads(lift, func, name, statement)) and not comments_in(statement)]


def unused_loop_locals(lift: ClassLift, func: cst.FunctionDef, loop: cst.For,
                       moved: list[cst.CSTNode]) -> list[Remove]:
    """The loop's locals (`units = self.sizes[i]`) that only the constructions moved out of it
    read (`moved`: the nodes the fix replaces), directly or through another such local: their
    bindings go (ruff F841 after the lift). Only a plain name bound once by a side-effect-free
    value (names, attributes, subscripts, literals, arithmetic of them), on a line of its own
    without a comment, and read before the fix; nothing else is removed."""
    nodes = lift.cls.method_nodes[func.name.value]
    candidates: dict[str, cst.SimpleStatementLine] = {}
    for statement in loop.body.body:
        simple = isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
        assign = statement.body[0] if simple else None  # type: ignore[union-attr]  # a simple line, above
        target = assign.targets[0].target if isinstance(assign, cst.Assign) and len(assign.targets) == 1 else None
        if isinstance(target, cst.Name) and isinstance(assign, cst.Assign) and _side_effect_free(assign.value) \
                and isinstance(statement, cst.SimpleStatementLine) and not comments_in(statement) \
                and only_bound_once(func, nodes, target.value):
            candidates[target.value] = statement
    gone = {id(n) for node in moved for n in walk(node)}
    removed: dict[str, cst.SimpleStatementLine] = {}
    changed = True
    while changed:  # a local that only a removed one read goes too (`wide = units * 2`)
        changed = False
        for name, line in candidates.items():
            reads = loads(lift, func, name, line)
            if name not in removed and reads and all(id(n) in gone for n in reads):
                removed[name] = line
                gone |= {id(n) for n in walk(line)}
                changed = True
    return [Remove(line) for line in removed.values()]


def _side_effect_free(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(expr, cst.Attribute):
        return _side_effect_free(expr.value)
    if isinstance(expr, cst.Subscript):
        return _side_effect_free(expr.value) and all(
            isinstance(e.slice, cst.Index) and _side_effect_free(e.slice.value) for e in expr.slice)
    if isinstance(expr, cst.BinaryOperation):
        return _side_effect_free(expr.left) and _side_effect_free(expr.right)
    if isinstance(expr, cst.UnaryOperation):
        return _side_effect_free(expr.expression)
    return False


def loads(lift: ClassLift, func: cst.FunctionDef, name: str, statement: cst.CSTNode) -> list[cst.Name]:
    """The reads of the local `name` in `func`, outside `statement`."""
    inside = {id(n) for n in walk(statement)}
    return [n for n in lift.cls.method_nodes[func.name.value]
            if isinstance(n, cst.Name) and n.value == name and id(n) not in inside
            and is_load(n, lift.cls.parents)]


def place(lift: ClassLift, placement: Placement, attr: str, value: cst.BaseExpression,
          moved: cst.SimpleStatementLine | None) -> Edit:
    """The edit that builds `self.<attr> = value` where the placement says."""
    method = lift.init if placement.where == "__init__" else lift.build
    me = self_name(method) if method is not None else "self"
    line = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Attribute(value=cst.Name(me), attr=cst.Name(attr)))],
                         value=value)],
    )
    if moved is not None:  # keep the comments that went with the statement
        line = line.with_changes(leading_lines=moved.leading_lines, trailing_whitespace=moved.trailing_whitespace)
    if placement.where == "__init__":
        if method is None:
            return AddMethod(lift.cls.node, "def __init__(self, *args, **kwargs):",
                             ("super().__init__(*args, **kwargs)",), (line,))
        return InsertAfter(init_anchor(lift, placement.self_attrs), (line,))
    return into_build(lift, (line,))


def into_build(lift: ClassLift, statements: tuple[cst.BaseStatement, ...]) -> Edit:
    """The edit that puts `statements` at the top of `build` (after its docstring), or makes
    `build(self, input_shape)` of them before `call`."""
    if lift.build is None:
        return AddMethod(lift.cls.node, "def build(self, input_shape):", (), statements, before_method="call")
    body = list(lift.build.body.body)
    # a `build` on one line holds a small statement: the edit fails when applied (a known
    # bug, kept as it was: reported as an internal error by `apply`, found by `check`)
    first = cast(cst.BaseStatement, body[0])
    if is_docstring(first) and len(body) > 1:
        return InsertAfter(first, statements)
    return InsertBefore(first, statements)


def init_anchor(lift: ClassLift, attrs: set[str]) -> cst.BaseStatement:
    """The statement of `__init__` after which the new line goes (`ClassLift.init_anchor_index`)."""
    assert lift.init is not None  # the placement is in the `__init__` the class has
    # a small one for `__init__` on one line: as above
    return cast(cst.BaseStatement, list(lift.init.body.body)[lift.init_anchor_index(attrs)])
