"""Fixes as edits of the parsed tree, and the one transformer that applies them.

Rules never rewrite the tree themselves: they describe edits against the nodes they saw, so
that every rule can look at the same, original tree, and the engine can apply the fixes that
do not overlap in one pass (overlapping ones wait for the next pass, as in ruff).
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass
from typing import Callable, Union

import libcst as cst
from libcst.metadata import CodeRange

from .files import source_lines

NodeResult = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]


class Safety(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Replace:
    """Replace `target`. `new` is a node, or a function of the already-updated node; the
    latter composes with edits inside `target` (they are applied first)."""

    target: cst.CSTNode
    new: cst.CSTNode | Callable[[cst.CSTNode], NodeResult]

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


Edit = Union[Replace, Remove, InsertAfter, InsertBefore, AddMethod, AddImport, DropImport]

_UNPLACED = (AddMethod, AddImport, DropImport)  # edits that replace no existing node


@dataclass(frozen=True)
class Fix:
    edits: tuple[Edit, ...]
    safety: Safety
    description: str = ""


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
    body = list(cls.body.body)
    for header, adds in merged.items():
        first = adds[0]
        method = cst.parse_statement(f"{header}\n    pass\n")  # its body is replaced just below
        statements = [cst.parse_statement(line) for line in first.prologue]
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
        if index + 1 < len(body) and not body[index + 1].leading_lines:
            body[index + 1] = body[index + 1].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    return cls.with_changes(body=cls.body.with_changes(body=body))


def apply_fixes(module: cst.Module, fixes: list[Fix]) -> tuple[cst.Module, list[str | DropImport]]:
    """The module with the fixes applied, and the imports they add or drop (not yet done)."""
    applier = _Applier(fixes)
    return module.visit(applier), applier.imports


def add_imports(source: str, statements: list[str]) -> tuple[str, int, int]:
    """`source` with each import statement not already in it added after its top imports;
    also the line after which they went, and how many."""
    lines = source_lines(source)
    statements = [s for s in statements if s not in {line.strip() for line in lines}]
    if not statements:
        return source, 0, 0
    tree = ast.parse(source)
    after = 0
    for index, node in enumerate(tree.body):
        is_docstring = index == 0 and isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant)
        if isinstance(node, (ast.Import, ast.ImportFrom)) or is_docstring:
            after = node.end_lineno
        else:
            break
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    added = [s + newline for s in statements]
    return "".join(lines[:after] + added + lines[after:]), after, len(added)


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
