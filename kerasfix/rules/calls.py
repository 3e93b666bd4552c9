"""Reading a call's arguments by parameter name, and writing argument lists back."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..syntax import children, source

NO_SPACE = cst.SimpleWhitespace("")


@dataclass
class Bound:
    """A call's arguments by parameter name, each with its index in `call.args`."""

    args: dict[str, tuple[int, cst.Arg]]
    unknown: list[str]  # keywords the signature lacks
    positional: int  # how many were passed by position

    def value(self, name: str) -> cst.BaseExpression | None:
        item = self.args.get(name)
        return item[1].value if item else None

    def code(self, name: str) -> str | None:
        value = self.value(name)
        return source(value) if value is not None else None


def bind(call: cst.Call, params: tuple[str, ...]) -> Bound | None:
    """Bind arguments to `params` (positional order); None when `*a`/`**k` hide some,
    or when more are passed by position than the signature has."""
    args: dict[str, tuple[int, cst.Arg]] = {}
    unknown: list[str] = []
    positional = 0
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            if positional >= len(params):
                return None
            args[params[positional]] = (index, arg)
            positional += 1
        else:
            name = arg.keyword.value
            if name in args:
                return None
            args[name] = (index, arg)
            if name not in params:
                unknown.append(name)
    return Bound(args, unknown, positional)


def keyword_arg(name: str, value: cst.BaseExpression, like: cst.Arg | None = None) -> cst.Arg:
    """`name=value`, keeping the comma and spacing of the argument it replaces."""
    arg = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=NO_SPACE, whitespace_after=NO_SPACE),
    )
    if like is not None:
        arg = arg.with_changes(comma=like.comma, whitespace_after_arg=like.whitespace_after_arg)
    return arg


def as_keyword(arg: cst.Arg, name: str) -> cst.Arg:
    if arg.keyword is not None and arg.keyword.value == name:
        return arg
    if arg.keyword is not None:
        return arg.with_changes(keyword=cst.Name(name))
    return keyword_arg(name, arg.value, arg)


def rebuild(original: list[cst.Arg], replacements: list[cst.Arg | None]) -> list[cst.Arg]:
    """`replacements[i]` stands for `original[i]` (None: dropped). Commas stay well formed."""
    kept = [r for r in replacements if r is not None]
    if not kept:
        return []
    if replacements[-1] is None:
        kept[-1] = kept[-1].with_changes(comma=original[-1].comma)
    return kept


def is_string(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def is_shape_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.List, cst.Tuple))


def is_multiline(call: cst.Call) -> bool:
    return "\n" in source(call)


def layout(call: cst.Call, args: list[cst.Arg]) -> list[cst.Arg]:
    """Fresh arguments laid out like the call they replace: one line, or one per line."""
    if not args:
        return []
    if is_multiline(call) and call.args and isinstance(call.args[0].comma, cst.Comma) \
            and "\n" in cst.Module([]).code_for_node(call.args[0].comma):
        between = call.args[0].comma
        last = call.args[-1].comma
    else:  # one line, or several arguments a line: one line (a trailing `,\n)` would dangle)
        between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        last = cst.MaybeSentinel.DEFAULT
    out = [a.with_changes(comma=between) for a in args[:-1]]
    out.append(args[-1].with_changes(comma=last))
    return out


def replace_slashes(node: cst.BaseExpression) -> cst.BaseExpression:
    """Every `/` in the string literals of a name expression becomes `_` (Keras 3 rejects
    `/` in weight names)."""

    class _Slashes(cst.CSTTransformer):
        def leave_SimpleString(self, original_node, updated_node):
            return updated_node.with_changes(value=updated_node.value.replace("/", "_"))

        def leave_FormattedStringText(self, original_node, updated_node):
            return updated_node.with_changes(value=updated_node.value.replace("/", "_"))

    return node.visit(_Slashes())


def has_literal_slash(node: cst.BaseExpression) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.SimpleString) and "/" in current.value:
            return True
        if isinstance(current, cst.FormattedStringText) and "/" in current.value:
            return True
        stack.extend(children(current))
    return False
