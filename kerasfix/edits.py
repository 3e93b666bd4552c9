"""Fixes as edits of the parsed tree, and the one transformer that applies them.

Rules never rewrite the tree themselves: they describe edits against the nodes they saw, so
that every rule can look at the same, original tree, and the engine can apply the fixes that
do not overlap in one pass (overlapping ones wait for the next pass, as in ruff).
"""

from __future__ import annotations

import ast
import enum
import re
from dataclasses import dataclass
from typing import Any, Callable, Union

import libcst as cst
from libcst.metadata import CodeRange

from .lines import source_lines
from .names import ImportMap
from .syntax import module_dotted

NodeResult = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]


class Safety(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Replace:
    """Replace `target`. `new` is a node, or a function of the already-updated node; the
    latter composes with edits inside `target` (they are applied first)."""

    target: cst.CSTNode
    new: cst.CSTNode | Callable[[Any], NodeResult]  # called with the updated target: of its type

    @property
    def composable(self) -> bool:
        return callable(self.new) and not isinstance(self.new, cst.CSTNode)


@dataclass(frozen=True)
class Remove:
    target: cst.BaseStatement


@dataclass(frozen=True)
class InsertAfter:
    target: cst.BaseStatement
    statements: tuple[cst.BaseStatement, ...]


@dataclass(frozen=True)
class InsertBefore:
    target: cst.BaseStatement
    statements: tuple[cst.BaseStatement, ...]


@dataclass(frozen=True)
class AddMethod:
    """Add statements to a method the class does not have yet; edits for the same method
    of the same class merge into one new method."""

    cls: cst.ClassDef
    header: str  # e.g. "def __init__(self, *args, **kwargs):"
    prologue: tuple[str, ...]  # e.g. ("super().__init__(*args, **kwargs)",)
    statements: tuple[cst.BaseStatement, ...]
    epilogue: tuple[str, ...] = ()
    before_method: str | None = None  # place it before this method, else before the first


@dataclass(frozen=True)
class AddImport:
    """A module-level import a fix needs (`import tensorflow as tf`); added once per file,
    after the module's last top-level import."""

    statement: str


@dataclass(frozen=True)
class DropImport:
    """A module-level import of `name` that the fix leaves unread: removed once every fix of
    the file is in, if nothing in the file still reads `name`."""

    name: str


# an edit of the nodes a rule saw, a fix's part (what it becomes in the file's text is a
# `results.TextEdit`)
Edit = Union[Replace, Remove, InsertAfter, InsertBefore, AddMethod, AddImport, DropImport]

_UNPLACED = (AddMethod, AddImport, DropImport)  # edits that replace no existing node


@dataclass(frozen=True)
class Fix:
    edits: tuple[Edit, ...]
    safety: Safety


# --- Choosing fixes that can go in one pass ---------------------------------------------------


def _contains(outer: CodeRange, inner: CodeRange) -> bool:
    return (outer.start.line, outer.start.column) <= (inner.start.line, inner.start.column) and (
        inner.end.line, inner.end.column) <= (outer.end.line, outer.end.column)


def _overlap(a: CodeRange, b: CodeRange) -> bool:
    return (a.start.line, a.start.column) < (b.end.line, b.end.column) and (
        b.start.line, b.start.column) < (a.end.line, a.end.column)


def _strong(edit: Edit) -> bool:
    """An edit that replaces its target wholesale: edits inside it would be lost."""
    return isinstance(edit, Remove) or (isinstance(edit, Replace) and not edit.composable)


def _conflict(a: Edit, ra: CodeRange, b: Edit, rb: CodeRange) -> bool:
    if not (_overlap(ra, rb) or ra == rb):
        return False
    for first, r1, second, r2 in ((a, ra, b, rb), (b, rb, a, ra)):
        if _strong(first):
            if isinstance(second, Replace) and second.composable and r2 != r1 and _contains(r2, r1):
                continue  # a composable parent sees the updated child
            if isinstance(second, (InsertAfter, InsertBefore)) and r1 == r2:
                continue  # inserting beside a replaced statement is fine
            return True
    return False


def select_compatible(fixes: list[Fix], ranges: Callable[[cst.CSTNode], CodeRange]) -> list[Fix]:
    """The fixes, in order, that touch no node another accepted fix touches."""
    accepted: list[Fix] = []
    taken: list[tuple[Edit, CodeRange]] = []
    for fix in fixes:
        mine = [(e, ranges(e.target)) for e in fix.edits if not isinstance(e, _UNPLACED)]
        if any(_conflict(e, r, o, ro) for e, r in mine for o, ro in taken):
            continue
        accepted.append(fix)
        taken.extend(mine)
    return accepted


# --- Applying them ---------------------------------------------------------------------------


class _Applier(cst.CSTTransformer):
    def __init__(self, fixes: list[Fix]):
        super().__init__()
        self.by_target: dict[int, list[Edit]] = {}
        self.new_methods: dict[int, list[AddMethod]] = {}
        self.imports: list[str | DropImport] = []
        for fix in fixes:
            for edit in fix.edits:
                if isinstance(edit, AddMethod):
                    self.new_methods.setdefault(id(edit.cls), []).append(edit)
                elif isinstance(edit, AddImport):
                    if edit.statement not in self.imports:
                        self.imports.append(edit.statement)
                elif isinstance(edit, DropImport):
                    if edit not in self.imports:
                        self.imports.append(edit)
                else:
                    self.by_target.setdefault(id(edit.target), []).append(edit)

    def on_leave(self, original_node, updated_node):
        result: NodeResult = updated_node
        if isinstance(original_node, cst.ClassDef) and id(original_node) in self.new_methods:
            result = _add_methods(result, self.new_methods[id(original_node)])
        if isinstance(result, cst.IndentedBlock) and not result.body:
            result = result.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        edits = self.by_target.get(id(original_node))
        if not edits:
            return result
        before: list[cst.BaseStatement] = []
        after: list[cst.BaseStatement] = []
        for edit in edits:
            if isinstance(edit, Replace):
                if isinstance(result, cst.CSTNode):
                    result = edit.new(result) if edit.composable else edit.new
            elif isinstance(edit, Remove):
                result = cst.RemovalSentinel.REMOVE
            elif isinstance(edit, InsertAfter):
                after.extend(edit.statements)
            elif isinstance(edit, InsertBefore):
                before.extend(edit.statements)
        if before or after:
            middle = [] if isinstance(result, cst.RemovalSentinel) else (
                list(result.nodes) if isinstance(result, cst.FlattenSentinel) else [result])
            items = before + middle + after
            return cst.FlattenSentinel(items) if items else cst.RemovalSentinel.REMOVE
        return result


def _add_methods(cls: cst.ClassDef, additions: list[AddMethod]) -> cst.ClassDef:
    merged: dict[str, list[AddMethod]] = {}
    for add in additions:
        merged.setdefault(add.header, []).append(add)
    assert isinstance(cls.body, cst.IndentedBlock)  # AddMethod is never made for `class A: pass`
    body: list[cst.BaseStatement] = list(cls.body.body)
    for header, adds in merged.items():
        first = adds[0]
        method = cst.parse_statement(f"{header}\n    pass\n")  # its body is replaced just below
        assert isinstance(method, cst.FunctionDef)
        statements: list[cst.BaseStatement] = [cst.parse_statement(line) for line in first.prologue]
        for add in adds:
            statements.extend(add.statements)
        statements.extend(cst.parse_statement(line) for line in first.epilogue)
        index = next(
            (i for i, s in enumerate(body) if isinstance(s, cst.FunctionDef)
             and (first.before_method is None or s.name.value == first.before_method)),
            None,
        )
        if index is None:
            index = next((i for i, s in enumerate(body) if isinstance(s, cst.FunctionDef)), len(body))
        method = method.with_changes(
            body=method.body.with_changes(body=statements),
            leading_lines=[cst.EmptyLine(indent=False)] if index > 0 else [],
        )
        body.insert(index, method)
        following = body[index + 1] if index + 1 < len(body) else None
        if isinstance(following, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and not following.leading_lines:
            body[index + 1] = following.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    return cls.with_changes(body=cls.body.with_changes(body=body))


def apply_fixes(module: cst.Module, fixes: list[Fix]) -> tuple[cst.Module, list[str | DropImport]]:
    """The module with the fixes applied, and the imports they add or drop (not yet done)."""
    applier = _Applier(fixes)
    return module.visit(applier), applier.imports


# --- Adding imports --------------------------------------------------------------------------

_COOKIE = re.compile(r"[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


class ImportConflict(Exception):
    """The name an import would bind already names something else at module level."""


@dataclass(frozen=True)
class _Wanted:
    local: str  # the name the import binds
    target: str  # what it binds it to
    module: str | None  # `from <module> import ...`: where it can merge
    alias: cst.ImportAlias | None


def _wanted(statement: str) -> _Wanted:
    node = ast.parse(statement).body[0]
    assert isinstance(node, (ast.Import, ast.ImportFrom))
    name = node.names[0]
    if isinstance(node, ast.Import):
        local = name.asname or name.name.split(".")[0]
        return _Wanted(local, name.name if name.asname else local, None, None)
    assert isinstance(node, ast.ImportFrom) and not node.level
    alias = cst.ImportAlias(cst.Name(name.name), asname=cst.AsName(cst.Name(name.asname)) if name.asname else None)
    return _Wanted(name.asname or name.name, f"{node.module}.{name.name}", node.module, alias)


def _is_import_block(node: ast.stmt) -> bool:
    """An import, or `try:` around nothing but imports (`except ImportError: ...`)."""
    if isinstance(node, ast.Try):
        return all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in node.body)
    return isinstance(node, (ast.Import, ast.ImportFrom))


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _top_imports(tree: ast.Module) -> tuple[int, list[ast.ImportFrom]]:
    """The last line of the module's docstring and first imports (0: none), and its
    `from x import ...` statements."""
    end, froms = 0, []
    for index, node in enumerate(tree.body):
        if not (_is_import_block(node) or (index == 0 and _is_docstring(node))):
            break
        end = node.end_lineno or node.lineno
        if isinstance(node, ast.ImportFrom) and not node.level and node.module != "__future__":
            froms.append(node)
    return end, froms


def _header_end(lines: list[str]) -> int:
    """Lines an import must stay below when the module starts with code: the shebang and
    the encoding cookie (Python reads it on line 1 or 2 only), and the comment block above
    the first blank line (a licence), but never the comments right above a statement."""
    end = 0
    for number, line in enumerate(lines[:2], start=1):
        if (number == 1 and line.startswith("#!")) or _COOKIE.match(line):
            end = number
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        if not stripped:
            end = max(end, number)
    return end


def _merge(lines: list[str], into: ast.ImportFrom, alias: cst.ImportAlias) -> list[str]:
    """`from m import a` becomes `from m import a, <alias>`, on the same lines."""
    start, end = into.lineno - 1, into.end_lineno or into.lineno
    chunk = cst.parse_module("".join(lines[start:end]))

    class _Append(cst.CSTTransformer):
        def leave_ImportFrom(self, original_node, updated_node):
            if isinstance(updated_node.names, cst.ImportStar) or module_dotted(updated_node.module) != into.module:
                return updated_node
            names = list(updated_node.names)
            last = names[-1]
            names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            names.append(alias.with_changes(comma=last.comma))  # a trailing comma stays trailing
            return updated_node.with_changes(names=names)

    return lines[:start] + source_lines(chunk.visit(_Append()).code) + lines[end:]


def add_imports(source: str, statements: list[str]) -> tuple[str, int, int]:
    """`source` with each import statement (`import m as a`, `from m import n`) the module
    does not already bind at module level: merged into a `from m import ...` of the module's
    first imports, or added after them (after the docstring, `__future__` imports and a
    `try:` of imports; below the shebang and the encoding cookie). Also the line after which
    new lines went, and how many. Raises ImportConflict when a name is taken."""
    lines = source_lines(source)
    tree = ast.parse(source)
    bound = ImportMap.from_ast(tree)
    after, froms = _top_imports(tree)
    added: list[str] = []
    for statement in statements:
        wanted = _wanted(statement)
        if bound.is_bound(wanted.local):
            if bound.bindings.get(wanted.local) != wanted.target:
                raise ImportConflict(f"`{statement}` would rebind `{wanted.local}`")
            continue
        into = next((f for f in froms if f.module == wanted.module), None)
        if into is not None and wanted.alias is not None:
            lines = _merge(lines, into, wanted.alias)
        elif statement not in added:
            added.append(statement)
    if not added:
        return "".join(lines), 0, 0
    after = after or _header_end(lines)
    first_end = re.search(r"\r\n?|\n", source)
    newline = first_end.group() if first_end else "\n"
    if after and not lines[after - 1].endswith(("\n", "\r")):
        lines[after - 1] += newline
    new = [s + newline for s in added]
    return "".join(lines[:after] + new + lines[after:]), after, len(new)


def drop_imports(source: str, names: list[str]) -> tuple[str, list[int]]:
    """`source` without the module-level imports of `names` that nothing in it reads any
    more; also the numbers of the lines removed. An import sharing its lines with a comment
    or another statement stays (a comment must never be lost)."""
    tree = ast.parse(source)
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}  # __all__
    dead = set(names) - read
    lines = source_lines(source)
    removed: list[int] = []
    for node in reversed(tree.body):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        kept = [a for a in node.names if (a.asname or a.name.split(".")[0]) not in dead]
        if len(kept) == len(node.names) or not _alone_on_its_lines(node, lines):
            continue
        first, last = node.lineno, node.end_lineno or node.lineno
        ending = lines[last - 1][len(lines[last - 1].rstrip("\r\n")):]
        new = [ast.unparse(type(node)(**{**vars(node), "names": kept})) + ending] if kept else []
        lines[first - 1:last] = new
        removed.extend(range(first + len(new), last + 1))
    return "".join(lines), sorted(removed)


def _alone_on_its_lines(node: ast.stmt, lines: list[str]) -> bool:
    text = "".join(lines[node.lineno - 1:node.end_lineno])
    last = lines[(node.end_lineno or node.lineno) - 1]
    return node.col_offset == 0 and "#" not in text and not last[node.end_col_offset:].strip(" \t\r\n\\")
