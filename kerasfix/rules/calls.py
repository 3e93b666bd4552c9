"""Reading a call's arguments by parameter name, and writing argument lists back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import AbstractSet, Iterable, Sequence, TypeVar

import libcst as cst

from ..syntax import children, source, walk

NO_SPACE = cst.SimpleWhitespace("")
_Node = TypeVar("_Node", bound=cst.CSTNode)


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


def rebuilt(call: cst.Call, replacements: list[cst.Arg | None]) -> cst.Call:
    """`call` with `replacements[i]` for its i-th argument (None: dropped), commas well
    formed, every comment kept (those of dropped arguments where they were)."""
    original = list(call.args)
    kept = [r for r in replacements if r is not None]
    if kept and replacements[-1] is None:
        kept[-1] = kept[-1].with_changes(comma=original[-1].comma)
    origins: list[int | None] = [i for i, r in enumerate(replacements) if r is not None]
    args, left = _with_comments(call, kept, origins, orphans=True)
    if left:  # no argument left to carry them: between `(` and `)`
        opening = call.whitespace_before_args
        inner, closing = _indents(original)
        if isinstance(opening, cst.ParenthesizedWhitespace):
            inner, closing = opening, closing.with_changes(first_line=opening.first_line,
                                                           empty_lines=opening.empty_lines)
        lines = [*closing.empty_lines, *(e.with_changes(whitespace=inner.last_line) for e in left)]
        call = call.with_changes(whitespace_before_args=closing.with_changes(empty_lines=lines))
    return call.with_changes(args=args)


def is_string(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def is_shape_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.List, cst.Tuple))


def is_multiline(call: cst.Call) -> bool:
    return "\n" in source(call)


def layout(call: cst.Call, args: list[cst.Arg], *, elsewhere: Iterable[cst.BaseExpression] = (),
           orphans: bool = True) -> list[cst.Arg]:
    """Fresh arguments laid out like the call they replace: one line, or one per line.

    Each keeps the comments of the argument of `call` it comes from (its value, or a part of
    it, or its keyword). With `orphans`, the comments of arguments that went nowhere stay
    where they were; `elsewhere`: values another call built from `call` carries, with their
    comments. `call`'s own `(` (and the comments right after it) is the caller's to keep.
    """
    if not args:
        return []
    if is_multiline(call) and call.args and isinstance(call.args[0].comma, cst.Comma) \
            and "\n" in cst.Module([]).code_for_node(call.args[0].comma):
        between = call.args[0].comma
        last = call.args[-1].comma
    else:  # one line, or several arguments a line: one line (a trailing `,\n)` would dangle)
        between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        last = cst.MaybeSentinel.DEFAULT
    owner = _owners(call.args)
    origins = [owner.get(id(a.value), _by_keyword(call.args, a)) for a in args]
    # an argument in its old place keeps the line break (or not) that followed it
    out = [a.with_changes(comma=call.args[i].comma if origins[i] == i < len(call.args) - 1 else between)
           for i, a in enumerate(args[:-1])]
    out.append(args[-1].with_changes(comma=last))
    others = list(elsewhere)
    taken = {owner[id(v)] for v in others if id(v) in owner}
    return _with_comments(call, out, origins, orphans=orphans, taken=taken, elsewhere=others)[0]


# --- comments in argument lists ------------------------------------------------------------
# libcst keeps an argument's comments in the whitespace after it: the comment ending its line
# in its comma's whitespace, own-line comments there too, though they belong to the next one.


@dataclass
class _Notes:
    above: list[cst.EmptyLine]  # own-line comments right above the argument
    trailing: cst.TrailingWhitespace | None  # the comment ending its line


def _gaps(arg: cst.Arg) -> list[cst.BaseParenthesizableWhitespace]:
    comma = arg.comma
    inner = [comma.whitespace_before, comma.whitespace_after] if isinstance(comma, cst.Comma) else []
    return inner + [arg.whitespace_after_arg]


def comments_in(node: cst.CSTNode) -> list[cst.Comment]:
    """Every comment inside `node`, in source order."""
    found: list[cst.Comment] = []

    class _Comments(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment)

    node.visit(_Comments())
    return found


def strip_comments(node: _Node) -> _Node:
    """`node` without its comments, for a copy of code whose original keeps them."""

    class _Strip(cst.CSTTransformer):
        def leave_TrailingWhitespace(self, original_node, updated_node):
            if updated_node.comment is None:
                return updated_node
            return updated_node.with_changes(comment=None, whitespace=cst.SimpleWhitespace(""))

        def leave_EmptyLine(self, original_node, updated_node):
            return cst.RemovalSentinel.REMOVE if updated_node.comment is not None else updated_node

    stripped = node.visit(_Strip())
    assert isinstance(stripped, type(node))  # only comment lines are removed, never `node`
    return stripped


def _notes(args: Sequence[cst.Arg], kept: set[int],
           indent: cst.SimpleWhitespace) -> tuple[list[_Notes], list[cst.EmptyLine]]:
    """Each argument's comments, and the own-line ones before `)`. Comments above the first
    argument are in the call's `(` whitespace, which stays with the call. A comment inside
    an argument's value that no new argument carries (`kept`: their ids) goes above it."""
    notes = [_Notes([], None) for _ in args]
    pending: list[cst.EmptyLine] = []
    for note, arg in zip(notes, args):
        note.above, pending = [e for e in pending if e.comment is not None], []
        note.above += [cst.EmptyLine(whitespace=indent, comment=c) for c in comments_in(_inside(arg))
                       if id(c) not in kept]
        for gap in _gaps(arg):
            if not isinstance(gap, cst.ParenthesizedWhitespace):
                continue
            if gap.first_line.comment is not None:
                if note.trailing is None:
                    note.trailing = gap.first_line
                else:
                    pending.append(cst.EmptyLine(whitespace=indent, comment=gap.first_line.comment))
            pending.extend(gap.empty_lines)
    return notes, [e for e in pending if e.comment is not None]


def _inside(arg: cst.Arg) -> cst.Arg:
    """The argument without the whitespace after it."""
    return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=NO_SPACE)


def _bare(gap: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    return _bare_break(gap) if isinstance(gap, cst.ParenthesizedWhitespace) else gap


def _bare_break(gap: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    return gap.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])


def _indents(args: Sequence[cst.Arg]) -> tuple[cst.ParenthesizedWhitespace, cst.ParenthesizedWhitespace]:
    """A line break before an argument, and one before `)`, as the call has them."""
    breaks = [g for a in args for g in _gaps(a) if isinstance(g, cst.ParenthesizedWhitespace)]
    inner = next((g for a in args[:-1] for g in _gaps(a) if isinstance(g, cst.ParenthesizedWhitespace)), None)
    default = cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace("    "))
    closing = next((g for g in _gaps(args[-1]) if isinstance(g, cst.ParenthesizedWhitespace)), None) if args else None
    inner = _bare_break(inner or (breaks[0] if breaks else default))
    return inner, _bare_break(closing or inner.with_changes(last_line=cst.SimpleWhitespace("")))


def _owners(args: Sequence[cst.Arg]) -> dict[int, int]:
    """id of every node of each argument's value -> the argument's index."""
    return {id(node): index for index, arg in enumerate(args) for node in walk(arg.value)}


def _by_keyword(args: Sequence[cst.Arg], new: cst.Arg) -> int | None:
    if new.keyword is None:
        return None
    return next((i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == new.keyword.value), None)


def _with_comments(call: cst.Call, out: list[cst.Arg], origins: list[int | None], *, orphans: bool,
                   taken: AbstractSet[int] = frozenset(), elsewhere: Sequence[cst.BaseExpression] = ()
                   ) -> tuple[list[cst.Arg], list[cst.EmptyLine]]:
    """`out` (laid out, commas set) with the comments of `call`'s arguments: each with the
    argument it annotated (`origins[i]`: the index of the one `out[i]` comes from); those of
    arguments that went nowhere, with `orphans`, above the next one that stayed. Also the
    comments left over when `out` is empty."""
    original = call.args
    inner, closing_break = _indents(original)
    kept = {id(c) for node in [*(_inside(a) for a in out), *elsewhere] for c in comments_in(node)}
    notes, closing = _notes(original, kept, inner.last_line)
    if not closing and not any(n.above or n.trailing for n in notes):
        return out, []
    above: list[list[cst.EmptyLine]] = [[] for _ in out]
    trailing: list[cst.TrailingWhitespace | None] = [None] * len(out)
    placed = set(taken)
    for i, origin in enumerate(origins):
        if origin is not None and origin not in placed:
            placed.add(origin)
            above[i], trailing[i] = list(notes[origin].above), notes[origin].trailing
    tail: list[cst.EmptyLine] = []
    for index, note in enumerate(notes):
        if index in placed or not orphans:
            continue
        lost = note.above + ([cst.EmptyLine(whitespace=inner.last_line, comment=note.trailing.comment)]
                             if note.trailing else [])
        after = [(o, i) for i, o in enumerate(origins) if o is not None and o > index]
        (above[min(after)[1]] if after else tail).extend(lost)
    tail = (closing if orphans else []) + tail
    if not out:
        return [], tail
    opens_line = isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace)
    result = [_place(arg, trailing[i], tail if i == len(out) - 1 else above[i + 1],
                     closing_break if i == len(out) - 1 else inner) for i, arg in enumerate(out)]
    if above[0]:
        first, rest = above[0][0], above[0][1:]
        lines = (inner.with_changes(first_line=cst.TrailingWhitespace(comment=first.comment), empty_lines=rest)
                 if opens_line else inner.with_changes(empty_lines=above[0]))
        result[0] = result[0].with_changes(whitespace_after_star=lines)  # printed before the argument
    return result, []


def _place(arg: cst.Arg, trailing: cst.TrailingWhitespace | None, following: list[cst.EmptyLine],
           brk: cst.ParenthesizedWhitespace) -> cst.Arg:
    """`arg` without comments of its own, then `trailing` ending its line, and the
    `following` lines (above the next argument, or before `)`)."""
    arg = arg.with_changes(whitespace_after_arg=_bare(arg.whitespace_after_arg))
    comma = arg.comma
    if isinstance(comma, cst.Comma):
        comma = comma.with_changes(whitespace_before=_bare(comma.whitespace_before),
                                   whitespace_after=_bare(comma.whitespace_after))
        arg = arg.with_changes(comma=comma)
    if not (trailing or following):
        return arg
    gap = brk.with_changes(first_line=trailing or cst.TrailingWhitespace(), empty_lines=following)
    if isinstance(comma, cst.Comma):
        return arg.with_changes(comma=comma.with_changes(whitespace_after=gap))
    return arg.with_changes(whitespace_after_arg=gap)


def replace_slashes(node: cst.BaseExpression) -> cst.BaseExpression:
    """Every `/` in the string literals of a name expression becomes `_` (Keras 3 rejects
    `/` in weight names)."""

    class _Slashes(cst.CSTTransformer):
        def leave_SimpleString(self, original_node, updated_node):
            return updated_node.with_changes(value=updated_node.value.replace("/", "_"))

        def leave_FormattedStringText(self, original_node, updated_node):
            return updated_node.with_changes(value=updated_node.value.replace("/", "_"))

    renamed = node.visit(_Slashes())
    assert isinstance(renamed, cst.BaseExpression)  # strings change, nothing is removed
    return renamed


def has_literal_slash(node: cst.BaseExpression) -> bool:
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.SimpleString) and "/" in current.value:
            return True
        if isinstance(current, cst.FormattedStringText) and "/" in current.value:
            return True
        stack.extend(children(current))
    return False
