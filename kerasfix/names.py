"""What a dotted name means, through the module's own imports. (No libcst here: a run
answered from the cache never imports it.)

libcst's QualifiedNameProvider would do this too, but it needs scope analysis, measured 13x
slower than parsing; imports (plus module-level aliases like `layers = tf.keras.layers`)
are all a codemod for Keras needs.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import re
from typing import Any

from . import keras_api

BUILTIN_NAMES = frozenset(dir(builtins))


_CANONICAL: dict[str, str] = {}


def canonical(qualified: str) -> str:
    """Fold every import spelling of a TensorFlow/Keras name onto one form (see keras_api).

    Remembered: a check of tensor2tensor asks 35,000 times, for a few hundred names."""
    known = _CANONICAL.get(qualified)
    if known is None:
        known = _CANONICAL[qualified] = _canonical(qualified)
    return known


def _canonical(qualified: str) -> str:
    for prefix in keras_api.KERAS_PREFIXES:
        if qualified == prefix or qualified.startswith(prefix + "."):
            rest = qualified[len(prefix):]
            name = "keras" + rest
            return keras_api.KERAS_BASE_ALIASES.get(name, name)
    for prefix in keras_api.TF1_LAYERS_PREFIXES:
        if qualified.startswith(prefix + "."):
            return "tf1.layers." + qualified[len(prefix) + 1:]
    if qualified.startswith(keras_api.TF_COMPAT_V2_PREFIX):
        qualified = "tensorflow." + qualified[len(keras_api.TF_COMPAT_V2_PREFIX):]
    if qualified == "tensorflow" or qualified.startswith("tensorflow."):
        return "tf" + qualified[len("tensorflow"):]
    return qualified


def absolute_module(module_name: str, is_package: bool, module: str, level: int) -> str | None:
    """The module `from <level dots><module> import ...` names, read in `module_name`; None
    when the dots climb above the top."""
    if not level:
        return module
    parts = module_name.split(".") if module_name else []
    # a package's __init__ is its own package; a module's package is its parent
    keep = len(parts) - level + (1 if is_package else 0)
    if keep < 0:
        return None
    base = ".".join(parts[:keep])
    return f"{base}.{module}".strip(".") if module else base


class ImportMap:
    """Local names bound by the module's imports and module-level aliases.

    `module_name` is the module's dotted name in its tree ("pkg.models.block"); it resolves
    relative imports and qualifies the module's own top-level names. Build it with
    `from_ast` here, or `syntax.import_map` from a libcst tree.
    """

    def __init__(self, module_name: str = "", is_package: bool = False):
        self.module_name = module_name
        self.is_package = is_package
        self.bindings: dict[str, str] = {}
        self.star_imports: list[str] = []
        self.local_names: set[str] = set()
        # bound only where importing the module does not run (a function body, `if
        # TYPE_CHECKING:`): they resolve names, but new code outside that scope cannot use them
        self.nested: set[str] = set()
        # qualified name -> what it aliases, across the project's modules (set by the index;
        # `pkg.compat.keras` -> `keras`)
        self.aliases: dict[str, str] = {}
        # module-level `NAME = f(...)` -> the dotted name of `f` (a layer built at import time)
        self.module_calls: dict[str, str] = {}
        # ... and the call's own text, when it is one short line (`call_text`): KF306 moves it
        self.module_call_texts: dict[str, str] = {}
        # a module-level name imported more than once (`try: import a as K` / `except: import b
        # as K`, one arm of an `if` each) -> every target, in order: a shim's alternatives
        self.alternatives: dict[str, list[str]] = {}
        # top-level function name -> what running it may make (functions.FunctionFacts)
        self.functions: dict[str, Any] = {}

    # -- recording ----------------------------------------------------------------------
    def add_import(self, full: str, asname: str | None, top_level: bool = True) -> None:
        if asname is not None:
            self._bind(asname, full, top_level)
        else:
            # `import a.b` binds `a` to the package `a`, whatever `a` meant before (keras-cv's
            # `else: import keras` after `import keras_cv.src.backend.keras2 as keras`)
            head = full.split(".", 1)[0]
            self._bind(head, head, top_level)

    def add_import_from(self, module: str, level: int, names: list[tuple[str, str | None]] | None,
                        top_level: bool = True) -> None:
        base = self._from_base(module, level)
        if base is None:
            return
        if names is None:
            if top_level:
                self.star_imports.append(base)
            return
        for name, asname in names:
            self._bind(asname or name, f"{base}.{name}" if base else name, top_level)

    def _bind(self, local: str, target: str, top_level: bool) -> None:
        if top_level:
            before = self.bindings.get(local)
            if before is not None and before != target and local not in self.nested:
                self.alternatives.setdefault(local, [before]).append(target)
            self.nested.discard(local)
        elif local not in self.bindings:
            self.nested.add(local)
        self.bindings[local] = target

    def add_assignment(self, target: str, value_chain: str | None, computed: bool = False,
                       called: str | None = None, text: str | None = None) -> None:
        """A module-level `target = value`: an alias when value names something imported or
        defined (`Wrapper = keras.layers.Wrapper`, `Base = LocalBlock`); Keras itself when a
        `keras` is `computed` by a call or a conditional (see keras_api.KERAS_SHIM_NAMES);
        `called` is the dotted name of the function when the value is a call of one, `text`
        the call's source when it is short and on one line."""
        if called:
            self.module_calls[target] = called
        else:
            self.module_calls.pop(target, None)  # bound again to something else
        if called and text:
            self.module_call_texts[target] = text
        else:
            self.module_call_texts.pop(target, None)
        if computed and target in keras_api.KERAS_SHIM_NAMES:
            self.bindings[target] = "keras"
            return
        resolved = self.qualify_dotted(value_chain) if value_chain else None
        if resolved:
            self._bind(target, resolved, top_level=True)
        elif target not in self.bindings or target in self.nested:
            self.local_names.add(target)

    # -- front ends ----------------------------------------------------------------------
    @classmethod
    def from_ast(cls, tree: ast.Module, module_name: str = "", is_package: bool = False,
                 source: str | bytes | None = None) -> "ImportMap":
        """With the `source` the tree was parsed from, module-level calls keep their text."""
        imports = cls(module_name, is_package)
        _collect_ast(imports, tree.body, top_level=True, lines=_SourceLines(source))
        return imports

    def _from_base(self, module: str, level: int) -> str | None:
        return absolute_module(self.module_name, self.is_package, module, level)

    # -- asking ------------------------------------------------------------------------
    def qualify_dotted(self, chain: str) -> str | None:
        head, _, rest = chain.partition(".")
        target = self.bindings.get(head)
        if target is None:
            if head in self.local_names:
                target = f"{self.module_name}.{head}" if self.module_name else head
            else:
                return None
        qualified = f"{target}.{rest}" if rest else target
        return expand(qualified, self.aliases) if self.aliases else qualified

    def resolve_dotted(self, chain: str | None) -> str | None:
        """The canonical name (see keras_api) of a dotted name, or None."""
        if not chain:
            return None
        qualified = self.qualify_dotted(chain)
        if qualified is None:
            if self.star_imports and "." not in chain:
                for base in self.star_imports:
                    guess = canonical(f"{base}.{chain}")
                    if keras_api.is_keras_layer_class(guess):
                        return guess
            return None
        return canonical(qualified)

    # -- spelling new references ---------------------------------------------------------
    def module_bindings(self) -> dict[str, str]:
        """The bindings that importing the module makes: what new code anywhere can use."""
        return {local: target for local, target in self.bindings.items() if local not in self.nested}

    def spell_keras(self, path: str) -> str | None:
        """How this module can say `keras.<path>` (e.g. "layers.Dense"), or None."""
        namespace, _, member = path.rpartition(".")
        # through the project's shim too: `from .compat import keras` is the Keras it chose
        meanings = {local: canonical(expand(target, self.aliases))
                    for local, target in self.module_bindings().items()}
        for local, meaning in meanings.items():
            if meaning == f"keras.{path}":
                return local
        if namespace:
            for local, meaning in meanings.items():
                if meaning == f"keras.{namespace}":
                    return f"{local}.{member}"
        for local, meaning in meanings.items():
            if meaning == "keras":
                return f"{local}.{path}"
        tf_alias = self.tf_alias()
        return f"{tf_alias}.keras.{path}" if tf_alias else None

    def tf_alias(self) -> str | None:
        """A module-level name bound to `tensorflow` (or `tensorflow.compat.v1`/`v2`)."""
        for local, target in self.module_bindings().items():
            if target in ("tensorflow", "tensorflow.compat.v1", "tensorflow.compat.v2"):
                return local
        return None

    def is_bound(self, name: str) -> bool:
        """Whether importing the module binds `name` (a function's own imports do not)."""
        return (name in self.bindings and name not in self.nested) or name in self.local_names


def expand(qualified: str, aliases: dict[str, str]) -> str:
    """`qualified` with its longest aliased prefix replaced, again until none is left:
    `pkg.compat.keras.layers.Wrapper` -> `keras.layers.Wrapper`."""
    for _ in range(8):  # alias chains are short; a cycle stops here
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            target = aliases.get(".".join(parts[:cut]))
            if target is not None:
                qualified = ".".join([target, *parts[cut:]])
                break
        else:
            return qualified
    return qualified


def tf1_imported_names(imports: ImportMap) -> list[str]:
    """Names the module imports from TF1's layers themselves (`from ...layers import Dense`)."""
    return [local for local, target in imports.bindings.items() if canonical(target).startswith("tf1.layers.")]


def ast_dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def is_type_checking(test: str | None) -> bool:
    """`if TYPE_CHECKING:` imports bind nothing when the module runs."""
    return test in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


MAX_CALL_TEXT = 200  # a layer's construction is short; a `dict(...)` of settings need not travel


def call_text(text: str) -> str | None:
    """A module-level call's text worth keeping: one line, short."""
    return text if len(text) <= MAX_CALL_TEXT and "\n" not in text and "\r" not in text else None


class _SourceLines:
    """The lines of a module's source, decoded only when a module-level call asks for one."""

    def __init__(self, source: str | bytes | None):
        self.source = source
        self._lines: list[bytes] | None = None

    def segment(self, node: ast.expr) -> str | None:
        if self.source is None or node.end_lineno != node.lineno or node.end_col_offset is None:
            return None
        if self._lines is None:
            text = self.source if isinstance(self.source, str) else importlib.util.decode_source(self.source)
            self._lines = [line.encode("utf-8", "surrogatepass") for line in re.split("\r\n|\r|\n", text)]
        if node.lineno > len(self._lines):
            return None
        # ast's columns count the UTF-8 bytes of the decoded line, whatever the file's coding
        piece = self._lines[node.lineno - 1][node.col_offset:node.end_col_offset]
        return call_text(piece.decode("utf-8", "surrogatepass"))


_NO_SOURCE = _SourceLines(None)


def _collect_ast(imports: ImportMap, body: list[ast.stmt], top_level: bool,
                 lines: _SourceLines = _NO_SOURCE) -> None:
    for stmt in body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                imports.add_import(alias.name, alias.asname, top_level)
        elif isinstance(stmt, ast.ImportFrom):
            names = None if any(a.name == "*" for a in stmt.names) else [(a.name, a.asname) for a in stmt.names]
            imports.add_import_from(stmt.module or "", stmt.level, names, top_level)
        elif isinstance(stmt, ast.If) and is_type_checking(ast_dotted(stmt.test)):
            _collect_ast(imports, stmt.body, top_level=False)
            _collect_ast(imports, stmt.orelse, top_level, lines)
        elif isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            if top_level:
                imports.local_names.add(stmt.name)
            if not isinstance(stmt, ast.ClassDef):
                _collect_ast(imports, stmt.body, top_level=False)
        elif top_level and isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name) and stmt.value is not None:
                    call = stmt.value if isinstance(stmt.value, ast.Call) else None
                    imports.add_assignment(target.id, ast_dotted(stmt.value),
                                           computed=isinstance(stmt.value, (ast.Call, ast.IfExp)),
                                           called=ast_dotted(call.func) if call else None,
                                           text=lines.segment(call) if call else None)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or type(stmt).__name__ == "TryStar":
            for field_name in ("body", "orelse", "finalbody"):
                _collect_ast(imports, getattr(stmt, field_name, []), top_level, lines)
            for handler in getattr(stmt, "handlers", []):
                _collect_ast(imports, handler.body, top_level, lines)
