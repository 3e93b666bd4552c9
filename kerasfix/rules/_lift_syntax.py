"""Small questions about the syntax of what the lifter moves (`_lift.py`): where a node sits in
its method (a loop, a nested scope, under which `if` tests), how a construction is used, which
locals a method binds; and the small rewrites of the moved code (inlined locals, the input's
shape read in `build`, a keyword added to a helper). No rule, no class-wide state."""

from __future__ import annotations

import re

import libcst as cst

from .. import keras_api as api
from ..syntax import children, dotted
from .base import Context, is_self_attribute, walk
from .calls import comments_in, keyword_arg

LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


def snake_case(name: str) -> str:
    """Dense -> dense, Conv2DTranspose -> conv2d_transpose, LSTM -> lstm (Keras's own rule)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


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


def builds_weightless(ctx: Context, func: cst.BaseExpression) -> bool:
    """`func(...)` builds a layer that owns no weights (Keras's own, or a project class the
    index saw create none, through its bases): building it in `call` loses nothing. Not so a
    seeded one (`Dropout`): Keras 3 makes its seed variable at each build."""
    resolved = ctx.resolve(func) or ""
    if api.is_weightless_layer(resolved):
        return not api.is_seeded_layer(resolved)
    qualified = ctx.imports.qualify_dotted(dotted(func) or "")
    return qualified is not None and ctx.index.is_weightless(qualified)


# --- small analyses ---------------------------------------------------------------------------


def parent_map(func: cst.CSTNode) -> dict[int, cst.CSTNode]:
    parents: dict[int, cst.CSTNode] = {}
    for node in walk(func):
        for child in children(node):
            parents[id(child)] = node
    return parents



def inside_construction(call: cst.Call, parents, ctx: Context) -> bool:
    """A layer built as an argument of another construction moves with that one (a
    weightless one is not reported, so it moves nothing)."""
    node = parents.get(id(call))
    while node is not None and not isinstance(node, cst.FunctionDef):
        if isinstance(node, cst.Call) and node is not call and (
                (ctx.is_layer_class(node.func) and not builds_weightless(ctx, node.func))
                or (ctx.resolve(node.func) or "").startswith("tf1.layers.")):
            return True
        node = parents.get(id(node))
    return False


def in_loop_or_scope(node, parents, func) -> bool:
    current = parents.get(id(node))
    while current is not None and current is not func:
        if isinstance(current, LOOPS) or isinstance(current, SCOPES):
            return True
        current = parents.get(id(current))
    return False


def usage(call: cst.Call, parent, parents, me: str):
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


def emptied_if(statement: cst.CSTNode, parents) -> cst.If | None:
    """The `if` (no `else`, no `elif`) whose body is only `statement`: it goes with it, unless
    it carries comments of its own (they would have nowhere to go: it keeps a `pass`)."""
    block = parents.get(id(statement))
    branch = parents.get(id(block))
    if (isinstance(block, cst.IndentedBlock) and len(block.body) == 1 and isinstance(branch, cst.If)
            and branch.orelse is None and isinstance(parents.get(id(branch)), cst.IndentedBlock)
            and len(comments_in(branch)) == len(comments_in(statement))):
        return branch
    return None


def only_bound_once(func: cst.FunctionDef, nodes: list[cst.CSTNode], name: str) -> bool:
    count = 0
    for node in nodes:
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.AsName,
                             cst.NamedExpr)):
            target = getattr(node, "target", None) or getattr(node, "name", None)
            if target is not None and any(isinstance(n, cst.Name) and n.value == name for n in walk(target)):
                count += 1
    params = {p.name.value for p in func.params.params}
    return count == 1 and name not in params


def local_names(func: cst.FunctionDef, nodes: list[cst.CSTNode]) -> set[str]:
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


def first_input(func: cst.FunctionDef) -> str | None:
    params = func.params.params
    return params[1].name.value if len(params) > 1 else None


def is_shape_access(node: cst.Name, parents) -> bool:
    """`x.shape[...]` (or `x.get_shape()[...]`, `x.shape.as_list()[...]`): the input's static
    shape, which `build` receives too."""
    shape = _shape_of(node, parents)
    subscript = parents.get(id(shape)) if shape is not None else None
    return isinstance(subscript, cst.Subscript) and subscript.value is shape


def _shape_of(node: cst.Name, parents) -> cst.BaseExpression | None:
    """The largest of `x.shape`, `x.get_shape()`, then `.as_list()` of either, around `x`."""
    attribute = parents.get(id(node))
    if not isinstance(attribute, cst.Attribute) or attribute.attr.value not in ("shape", "get_shape"):
        return None
    shape: cst.BaseExpression = attribute
    if attribute.attr.value == "get_shape":
        call = parents.get(id(attribute))
        if not (isinstance(call, cst.Call) and call.func is attribute and not call.args):
            return None
        shape = call
    as_list = parents.get(id(shape))
    call = parents.get(id(as_list))
    if (isinstance(as_list, cst.Attribute) and as_list.attr.value == "as_list" and isinstance(call, cst.Call)
            and call.func is as_list and not call.args):
        return call
    return shape


def top_unpacking(block: cst.BaseSuite, name: str, first: str | None) -> tuple[cst.SimpleStatementLine, int] | None:
    """`_, h, w, c = x.get_shape().as_list()` (or of `x.shape`, `list(x.shape)`, ...) at the top
    of the block, `x` the input: the statement, and where `name` is in the tuple. Each name
    is a dimension of the static shape `build` receives (`input_shape[3]` for `c`)."""
    for statement in getattr(block, "body", ()):
        if isinstance(statement, cst.With):
            found = top_unpacking(statement.body, name, first)
            if found is not None:
                return found
        elif isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1
                    and isinstance(small.targets[0].target, (cst.Tuple, cst.List))):
                continue
            elements = small.targets[0].target.elements
            names = [e.value.value if isinstance(e.value, cst.Name) and not isinstance(e, cst.StarredElement)
                     else None for e in elements]
            if name in names and None not in names and _whole_shape(small.value, first):
                return statement, names.index(name)
    return None


def _whole_shape(value: cst.BaseExpression, first: str | None) -> bool:
    """`x.shape`, `x.get_shape()`, `.as_list()` of either, or `list(...)`/`tuple(...)` of them."""
    if (isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in ("list", "tuple")
            and len(value.args) == 1 and value.args[0].keyword is None and not value.args[0].star):
        value = value.args[0].value
    parents = parent_map(value)
    return (first is not None and isinstance(value, (cst.Attribute, cst.Call))
            and any(isinstance(n, cst.Name) and n.value == first and _shape_of(n, parents) is value
                    for n in walk(value)))


def shape_to_build(value: cst.BaseExpression, func: cst.FunctionDef, build_param: str) -> cst.BaseExpression:
    """`x.shape[...]` (`x.get_shape()`, `.as_list()`) -> `input_shape[...]` for a construction
    moved into build."""
    first = first_input(func)

    made: list[cst.Name] = []  # the `input_shape` names this put in, whose `.as_list()` goes

    class _Shapes(cst.CSTTransformer):
        def leave_Attribute(self, original_node, updated_node):
            if (isinstance(updated_node.value, cst.Name) and updated_node.value.value == first
                    and updated_node.attr.value == "shape"):
                made.append(cst.Name(build_param))
                return made[-1]
            return updated_node

        def leave_Call(self, original_node, updated_node):
            func = updated_node.func
            if not isinstance(func, cst.Attribute) or updated_node.args:
                return updated_node
            if func.attr.value == "get_shape" and isinstance(func.value, cst.Name) and func.value.value == first:
                made.append(cst.Name(build_param))
                return made[-1]
            if func.attr.value == "as_list" and any(func.value is name for name in made):
                return func.value  # Keras 3 gives `build` a tuple, which has no `as_list`
            return updated_node

    shaped = value.visit(_Shapes())
    assert isinstance(shaped, cst.BaseExpression)  # attributes are replaced, never removed
    return shaped


def usable_literal(call: cst.Call) -> str | None:
    """The layer's literal `name=`, unless Keras itself uses that attribute name."""
    literal = literal_name(call)
    return literal if literal not in api.KERAS_RESERVED_ATTRIBUTES else None


def literal_name(call: cst.Call) -> str | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "name" and isinstance(arg.value, cst.SimpleString):
            text = arg.value.evaluated_value
            if isinstance(text, str) and text.isidentifier():
                return text
    return None


def assigned_self_attrs(stmt: cst.CSTNode, me: str) -> set[str]:
    found = set()
    for node in walk(stmt):
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            attr = is_self_attribute(node.target, me)
            if attr:
                found.add(attr)
    return found


def calls_super_init(stmt: cst.CSTNode) -> bool:
    for node in walk(stmt):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "__init__":
            return True
    return False


def with_keyword_only(params: cst.Parameters, name: str) -> cst.Parameters:
    """The helper's parameters with a keyword-only `name` added."""
    star = params.star_arg if isinstance(params.star_arg, (cst.Param, cst.ParamStar)) else cst.ParamStar()
    return params.with_changes(star_arg=star, kwonly_params=[*params.kwonly_params, cst.Param(cst.Name(name))])


def with_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    args = list(call.args)
    if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, keyword_arg(name, value)])


def guards_to(node: cst.CSTNode, parents, stop: cst.CSTNode) -> list[tuple[cst.BaseExpression, bool]] | None:
    """The `if` tests (statements and expressions) `node` runs under, up to `stop`, outermost
    first, each with True when `node` is in its body; None when it runs on a path no test
    spells (the right of `and`/`or`, an `except` or `else` of `try`, a `match` case), or in
    the body of a `try` with handlers: built there, a layer is skipped when a line before it
    raises, and what its constructor raises is caught (`Dense(0)` on Keras 3: ValueError, which
    `__init__` would raise instead)."""
    guards = []
    child, current = node, parents.get(id(node))
    while current is not None and current is not stop:
        if isinstance(current, (cst.If, cst.IfExp)) and child is not current.test:
            guards.append((current.test, child is current.body))
        elif isinstance(current, cst.BooleanOperation) and child is current.right:
            return None
        elif isinstance(current, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Match)) or (
                isinstance(current, cst.Try) and child is current.orelse) or (
                isinstance(current, (cst.Try, cst.TryStar)) and child is current.body and current.handlers):
            return None
        child, current = current, parents.get(id(current))
    guards.reverse()
    return guards


def condition_of(guards: list[tuple[cst.BaseExpression, bool]]) -> cst.BaseExpression:
    """The tests joined with `and`, an else branch's test negated."""
    loose = (cst.IfExp, cst.Lambda, cst.NamedExpr)
    parts = []
    for test, positive in guards:
        if positive:
            joined = len(guards) > 1 and isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or)
            parts.append(parenthesized(test) if isinstance(test, loose) or joined else test)
        else:
            # `not (a == b)` reads as meant; `not a == b` means the same but reads wrong
            inner = parenthesized(test) if isinstance(test, loose + (cst.BooleanOperation, cst.Comparison)) else test
            parts.append(cst.UnaryOperation(operator=cst.Not(), expression=inner))
    condition = parts[0]
    for part in parts[1:]:
        condition = cst.BooleanOperation(left=condition, operator=cst.And(), right=part)
    return condition


def top_assignment(block: cst.BaseSuite, name: str) -> cst.SimpleStatementLine | None:
    """`name = <value>` as a statement of the block, or of `with` blocks in it (not under an
    `if` or a loop: it runs on every call)."""
    for statement in getattr(block, "body", ()):
        if isinstance(statement, cst.With):
            found = top_assignment(statement.body, name)
            if found is not None:
                return found
        elif isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if (isinstance(small, cst.Assign) and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == name):
                return statement
    return None


def substitute(value: cst.BaseExpression, inlined: dict[int, cst.BaseExpression]) -> cst.BaseExpression:
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


def parenthesized(expr: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expr, _ATOMS) or getattr(expr, "lpar", None):
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def needs_parens_as_arg(expr: cst.BaseExpression) -> bool:
    """A whole argument can be any expression but a bare tuple or `:=`."""
    return isinstance(expr, cst.NamedExpr) or (isinstance(expr, cst.Tuple) and not expr.lpar)


def self_attrs_read(expr: cst.CSTNode, me: str) -> set[str]:
    return {attr for attr in (is_self_attribute(n, me) for n in walk(expr)) if attr}

