"""Cheap traversal of libcst trees, shared by every module that reads one."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from typing import Iterator

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange

from .names import ImportMap, call_text, is_type_checking

_NEWLINE = re.compile(r"\r\n?|\n")

# Fields that only ever hold punctuation, whitespace or comments: no rule looks inside them,
# and skipping them makes a walk visit about a third as many nodes.
_TRIVIA_FIELDS = frozenset({
    "lpar", "rpar", "comma", "equal", "leading_lines", "lines_after_decorators",
    "trailing_whitespace", "header", "footer", "semicolon", "lbracket", "rbracket", "lbrace",
    "rbrace", "colon", "dot", "newline",
})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


_NODE_TYPES: dict[type, bool] = {}


_VALIDATE = cst.CSTNode.__post_init__  # libcst's check of each node as it is made


def _unchecked(self: cst.CSTNode) -> None:
    return None


def parse_module(text: str) -> cst.Module:
    """`libcst.parse_module`, its nodes not validated as the parser makes them: the parser
    makes only valid trees, and the checks were an eighth of its time (libcst's own note says
    so; 0.30 s -> 0.26 s on tensor2tensor's four biggest pieces, measured). Nodes made after
    (a fix's) are checked as ever. Always puts libcst's own check back, never a copy another
    thread took."""
    cst.CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        cst.CSTNode.__post_init__ = _VALIDATE  # type: ignore[method-assign]


def _is_node_type(kind: type) -> bool:
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return known


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A node's children that can hold code (not whitespace or punctuation), read off its
    fields in field order, which is not always source order.

    libcst's own `node.children` runs a visitor over the node to collect them, which
    measured as more than half of a check's time.
    """
    kind = type(node)
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        names = _CHILD_FIELDS[kind] = tuple(
            f.name for f in dataclasses.fields(node)
            if f.name not in _TRIVIA_FIELDS and not f.name.startswith("whitespace"))
    found: list[cst.CSTNode] = []
    known = _NODE_TYPES
    for name in names:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            found.extend([v for v in value if known.get(type(v)) or (known.get(type(v)) is None
                                                                       and _is_node_type(type(v)))])
        elif known.get(kind) or (known.get(kind) is None and _is_node_type(kind)):
            found.append(value)
    return found


_KIND_MATCHES: dict[tuple[type, object], bool] = {}


def of_kind(nodes: list, kind: type | tuple[type, ...]) -> list:
    """The nodes that are instances of `kind`, in order. libcst's node classes are ABCs, and
    `isinstance` with one is a Python-level call: 1.1 million of them took 1.7 s of a profiled
    check of tensor2tensor; a look-up by the node's exact type is a dict access."""
    found = []
    for node in nodes:
        key = (type(node), kind)
        match = _KIND_MATCHES.get(key)
        if match is None:
            match = _KIND_MATCHES[key] = isinstance(node, kind)
        if match:
            found.append(node)
    return found


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node below `node` (itself first), depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def nodes_outside_classes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Every node below `node` (itself first), depth first, a nested class without its body:
    the rules' one shared walk of each method's body (`KerasClass.method_nodes`). A list, not
    a generator: no step back into a generator per node."""
    found: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if type(current) is cst.ClassDef and current is not node:  # libcst's node classes are final
            continue
        below = children(current)  # a list of its own, reversed in place
        below.reverse()
        stack.extend(below)
    return found


_SCOPES = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})


def walk_no_nested_scopes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Like walk, but does not enter nested functions, lambdas or classes."""
    stack = list(reversed(children(node)))
    while stack:
        current = stack.pop()
        yield current
        if type(current) in _SCOPES:
            continue
        stack.extend(reversed(children(current)))


def is_load(node: cst.Name, parents: dict[int, cst.CSTNode]) -> bool:
    """The name is read here: not `x.NAME`, not `f(NAME=...)`, not a name being bound (a
    parameter, a def or class, an import, `as NAME`, an assignment's target). `parents`:
    each node's parent by id."""
    parent = parents.get(id(node))
    if isinstance(parent, cst.Attribute) and parent.attr is node:
        return False
    if isinstance(parent, cst.Arg) and parent.keyword is node:
        return False
    if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.ImportAlias, cst.AsName)):
        return False  # the only names right below them are the names they bind
    if isinstance(parent, cst.Param):
        return parent.name is not node  # its default value is read
    return not (isinstance(parent, cst.AssignTarget) and parent.target is node)


def source(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


class _NoRecord:
    __slots__ = ()

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


_NO_RECORD = _NoRecord()


@dataclasses.dataclass(frozen=False)
class _PositionState(CodegenState):
    """libcst's code generation, recording positions only for the nodes asked about.

    libcst's PositionProvider records a range for every node of the module, and measured as
    the largest single cost of a check; the rules need a few dozen. The code after the last of
    them is not generated (`_AllPlaced`): a finding's range never depends on what follows it.
    """

    wanted: set[int] = dataclasses.field(default_factory=set)
    pending: set[int] = dataclasses.field(default_factory=set)  # wanted, not yet computed
    computed: dict[int, CodeRange] = dataclasses.field(default_factory=dict)
    starts: list[CodePosition] = dataclasses.field(default_factory=list)
    line: int = 1
    column: int = 0

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self._advance(value)

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        segments = _NEWLINE.split(value)
        self.line += len(segments) - 1
        self.column = len(segments[-1])

    def pop_trailing_newline(self) -> None:
        pass

    # Nodes that report no syntactic position get the range of their whole code, as
    # libcst's provider gives them.
    def before_codegen(self, node) -> None:
        if id(node) in self.wanted:
            self.starts.append(CodePosition(self.line, self.column))

    def after_codegen(self, node) -> None:
        if id(node) in self.wanted:
            start = self.starts.pop()
            self.computed.setdefault(id(node), CodeRange(start, CodePosition(self.line, self.column)))
            self._placed(node)

    def _placed(self, node) -> None:
        self.pending.discard(id(node))
        if not self.pending:
            raise _AllPlaced

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        if id(node) not in self.wanted:
            return _NO_RECORD
        # a wanted statement takes its start or end from a child: record that child too
        for child in (start_node, end_node):
            if child is not None and id(child) not in self.wanted:
                self.wanted.add(id(child))
                self.pending.add(id(child))
        return self._record(node, start_node, end_node)

    @contextlib.contextmanager
    def _record(self, node, start_node, end_node):
        start = CodePosition(self.line, self.column)
        try:
            yield
        finally:
            end = CodePosition(self.line, self.column)
            if start_node is not None and id(start_node) in self.computed:
                start = self.computed[id(start_node)].start
            if end_node is not None and id(end_node) in self.computed:
                end = self.computed[id(end_node)].end
            self.computed[id(node)] = CodeRange(start, end)
        self._placed(node)  # not in `finally`: an exception raised inside goes on as it is


class _AllPlaced(Exception):
    """Every node asked about has its range: no more code to generate."""


def dotted(expr: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while type(expr) is cst.Attribute:  # exact types: see of_kind
        parts.append(expr.attr.value)
        expr = expr.value
    if type(expr) is not cst.Name:
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


def module_dotted(node: cst.BaseExpression | None) -> str:
    return "" if node is None else (dotted(node) or "")


_EMPTY = cst.Module(body=())  # renders a node alone, as written


def import_map(module: cst.Module, module_name: str = "", is_package: bool = False) -> ImportMap:
    """The ImportMap of a libcst module, for a file that the Python running kerasfix cannot
    read with `ast` (newer syntax: libcst reads 3.12's): every other file's imports are read
    once, by the scan (`ImportMap.from_ast`), and handed to the engine, as are a fixed file's
    (tests/test_import_parity.py keeps the two readers alike)."""
    from .functions import module_functions_of_text  # here: functions.py reads names.py

    imports = ImportMap(module_name, is_package)
    _ImportCollector(imports).collect(module.body, top_level=True)
    imports.functions = module_functions_of_text(module.code, imports)
    return imports


class _ImportCollector:
    def __init__(self, imports: ImportMap):
        self.imports = imports

    def collect(self, body, top_level: bool) -> None:
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._small(small, top_level)
            elif isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
                if top_level:
                    self.imports.local_names.add(stmt.name.value)
                if isinstance(stmt, cst.FunctionDef):
                    # `import tensorflow as tf` inside a function is common in TF code
                    self.collect(getattr(stmt.body, "body", ()), top_level=False)
            elif isinstance(stmt, cst.If) and is_type_checking(dotted(stmt.test)):
                self.collect(getattr(stmt.body, "body", ()), top_level=False)
                if stmt.orelse is not None:
                    self._compound(stmt.orelse, top_level)
            elif isinstance(stmt, (cst.If, cst.Try, cst.TryStar, cst.With, cst.For, cst.While)):
                self._compound(stmt, top_level)

    def _compound(self, node, top_level: bool) -> None:
        for child in children(node):
            if isinstance(child, (cst.IndentedBlock, cst.SimpleStatementSuite)):
                self.collect(child.body, top_level)
            elif isinstance(child, (cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
                self._compound(child, top_level)

    def _small(self, small: cst.BaseSmallStatement, top_level: bool) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                self.imports.add_import(module_dotted(alias.name), _bound_name(alias), top_level)
        elif isinstance(small, cst.ImportFrom):
            module = module_dotted(small.module) if small.module is not None else ""
            names = None if isinstance(small.names, cst.ImportStar) else [
                (module_dotted(a.name), _bound_name(a)) for a in small.names
            ]
            self.imports.add_import_from(module, len(small.relative), names, top_level)
        elif top_level and isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets = small.targets if isinstance(small, cst.Assign) else [small]
            for target in targets:
                name = target.target
                if isinstance(name, cst.Name):
                    value = small.value
                    call = value if isinstance(value, cst.Call) else None
                    text = _EMPTY.code_for_node(call.with_changes(lpar=(), rpar=())) if call else ""
                    self.imports.add_assignment(name.value, dotted(value) if value is not None else None,
                                                computed=isinstance(value, (cst.Call, cst.IfExp)),
                                                called=dotted(call.func) if call else None, text=call_text(text))



def positions(module: cst.Module, nodes) -> dict[int, CodeRange]:
    """Syntactic ranges (as libcst's PositionProvider gives them) of `nodes`, by id."""
    wanted = {id(n) for n in nodes}
    state = _PositionState(default_indent=module.default_indent, default_newline=module.default_newline,
                           wanted=wanted, pending=set(wanted))
    if wanted:
        try:
            module._codegen(state)
        except _AllPlaced:
            pass
    return state.computed


def _bound_name(alias: cst.ImportAlias) -> str | None:
    """The `as` name of an import alias (an import binds a plain name), or None."""
    if alias.asname is None:
        return None
    name = alias.asname.name
    assert isinstance(name, cst.Name)
    return name.value
