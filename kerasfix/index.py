"""Which classes are Keras layers: Keras's own, TF1's, and the project's, across files.

A project class is a layer when one of its bases is, through any number of files and levels.
The tree-wide part reads files with `ast` (about 10x cheaper than libcst) and only files
whose bytes contain a class statement.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from . import keras_api
from .syntax import children
from .names import ImportMap, ast_dotted, canonical, dotted

# methods whose calls the rules rewrite: a class that defines its own is left alone
OVERRIDABLE = frozenset({"add_weight", "add_variable"})
CLASS_LINE = re.compile(rb"^[ \t]*class[ \t]+\w+[ \t]*\(", re.MULTILINE)


def module_name_for(path: Path) -> tuple[str, bool]:
    """The dotted module name of a file, by the packages (folders with __init__.py) above it."""
    path = path.resolve()
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        if folder.parent == folder:
            break
        folder = folder.parent
    return ".".join(parts), is_package


@dataclass
class ClassIndex:
    """qualified class name -> the qualified names of its bases."""

    classes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # qualified name -> the methods it defines that rules must not rewrite calls of
    overrides: dict[str, frozenset[str]] = field(default_factory=dict)
    _memo: dict[str, bool] = field(default_factory=dict, repr=False)

    def layer_digest(self) -> str:
        """Changes whenever a class of the tree becomes, or stops being, a Keras layer."""
        layers = sorted(q for q in self.classes if self.is_layer(q))
        return hashlib.blake2b("\n".join(layers).encode(), digest_size=16).hexdigest()

    def add(self, qualified: str, bases: tuple[str, ...], overrides: frozenset[str] = frozenset()) -> None:
        self.classes.setdefault(qualified, bases)
        if overrides:
            self.overrides[qualified] = self.overrides.get(qualified, frozenset()) | overrides
        self._memo.clear()

    def defines_method(self, qualified: str, method: str, _seen: frozenset[str] = frozenset()) -> bool:
        """The class or a project base of it defines `method` itself (an `add_weight` override)."""
        if method in self.overrides.get(qualified, ()):
            return True
        seen = _seen | {qualified}
        return any(self.defines_method(b, method, seen) for b in self.classes.get(qualified, ()) if b not in seen)

    def defines_add_weight(self, qualified: str) -> bool:
        return self.defines_method(qualified, "add_weight")

    def is_layer(self, qualified: str, _seen: frozenset[str] = frozenset()) -> bool:
        if qualified in self._memo:
            return self._memo[qualified]
        result = keras_api.is_keras_layer_class(canonical(qualified))
        if not result and qualified not in _seen:
            seen = _seen | {qualified}
            result = any(self.is_layer(base, seen) for base in self.classes.get(qualified, ()))
        self._memo[qualified] = result
        return result

    def is_layer_expr(self, expr: cst.BaseExpression, imports: ImportMap) -> bool:
        qualified = imports.qualify(expr)
        if qualified is not None:
            return self.is_layer(qualified)
        guess = imports.resolve(expr)  # star imports
        return guess is not None and keras_api.is_keras_layer_class(guess)

    def add_module(self, module: cst.Module, imports: ImportMap) -> list[tuple[cst.ClassDef, str]]:
        """Register the module's classes; return each with its qualified name."""
        found: list[tuple[cst.ClassDef, str]] = []
        prefix = f"{imports.module_name}." if imports.module_name else ""
        stack: list[cst.CSTNode] = [module]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.ClassDef):
                qualified = prefix + node.name.value
                bases = tuple(
                    q for q in (imports.qualify_dotted(d) for d in
                                (dotted(arg.value) for arg in node.bases if arg.keyword is None) if d)
                    if q
                )
                methods = frozenset(
                    s.name.value for s in node.body.body
                    if isinstance(s, cst.FunctionDef) and s.name.value in OVERRIDABLE
                )
                self.add(qualified, bases, methods)
                found.append((node, qualified))
            if isinstance(node, (cst.Module, cst.ClassDef, cst.FunctionDef, cst.IndentedBlock,
                                 cst.If, cst.Else, cst.Try, cst.ExceptHandler, cst.With)):
                stack.extend(reversed(children(node)))
        found.reverse()
        return found


@dataclass
class ClassRecord:
    qualified: str
    bases: tuple[str, ...]
    overrides: tuple[str, ...]  # methods of OVERRIDABLE it defines
    span: tuple[int, int]  # lines of the top-level statement holding it (decorators included)


@dataclass
class FileScan:
    """What the cheap ast pass learns of one file: its classes and its import map."""

    classes: list[ClassRecord]
    imports: ImportMap

    def to_json(self) -> dict:
        return {
            "classes": [[c.qualified, list(c.bases), list(c.overrides), list(c.span)] for c in self.classes],
            "imports": self.imports.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> "FileScan":
        return cls(
            [ClassRecord(q, tuple(b), tuple(o), (span[0], span[1])) for q, b, o, span in data["classes"]],
            ImportMap.from_json(data["imports"]),
        )


def _class_defs(statements):
    """ClassDef nodes among statements and their nested blocks (expressions are not entered)."""
    for statement in statements:
        if isinstance(statement, ast.ClassDef):
            yield statement
        for field_name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field_name, None)
            if isinstance(inner, list):
                yield from _class_defs(inner)
        for handler in getattr(statement, "handlers", ()):
            yield from _class_defs(handler.body)


def scan_file(source: bytes, module_name: str, is_package: bool) -> FileScan | None:
    """Classes and imports of a file, by `ast` (about 10x cheaper than libcst); None when
    the file does not parse (libcst will say why)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    imports = ImportMap.from_ast(tree, module_name, is_package)
    prefix = f"{module_name}." if module_name else ""
    classes = []
    for statement in tree.body:
        first = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
        span = (first, statement.end_lineno or statement.lineno)
        for node in _class_defs([statement]):
            bases = tuple(q for q in (imports.qualify_dotted(d) for d in map(ast_dotted, node.bases) if d) if q)
            overrides = tuple(s.name for s in node.body
                              if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in OVERRIDABLE)
            classes.append(ClassRecord(prefix + node.name, bases, overrides, span))
    return FileScan(classes, imports)
