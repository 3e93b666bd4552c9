"""Which classes are Keras layers: Keras's own, TF1's, and the project's, across files.

A project class is a layer when one of its bases is, through any number of files and levels.
The tree-wide part reads files with `ast` (about 10x cheaper than libcst) and only files
whose bytes contain a class statement.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import keras_api
from .lines import source_lines
from .names import BUILTIN_NAMES, ImportMap, ast_dotted, canonical, expand

# methods whose calls the rules rewrite: a class that defines its own is left alone
OVERRIDABLE = frozenset({"add_weight", "add_variable"})
# a class statement's bases (up to the first closing parenthesis, over lines), after PEP 695
# type parameters if any; a line starts after \n or a bare \r (old Mac files, which Python reads)
CLASS_BASES = re.compile(rb"(?:^|(?<=\r))[ \t]*class[ \t]+\w+[ \t]*(?:\[(?:[^][]|\[[^][]*\])*\][ \t]*)?"
                         rb"\(([^)]*)\)", re.MULTILINE)
# bases that make a class anything but a layer
_PLAIN_BASES = frozenset({b"", b"object", b"Exception", b"ValueError", b"TypeError", b"RuntimeError",
                          b"dict", b"list", b"tuple", b"str", b"int", b"float", b"NamedTuple", b"Enum"})


# Set to 1 to turn every prefilter off (the byte look, the class look, the families' words):
# slower, never different; tests/test_prefilter.py compares the two.
NO_PREFILTER = "KERASFIX_NO_PREFILTER"


def prefilter_on() -> bool:
    return os.environ.get(NO_PREFILTER) != "1"


# a module that can hand Keras to others without defining a class: `keras = _select_keras()`,
# `import tf_keras as keras`, `Wrapper = keras.layers.Wrapper` (a few files per real tree)
_KERAS_SHIM = re.compile(
    rb"^[ \t]*(?:(?:tf_keras|keras)[ \t]*=[^=]"
    rb"|\w+[ \t]*=[ \t]*[\w.]*\bkeras\.[\w.]*\b[A-Z]\w*[ \t]*\r?$"
    rb"|(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:[\w.]+[ \t]+as[ \t]+)?(?:tf_)?keras[ \t]*\r?$)",
    re.MULTILINE,
)


def may_define_layers(source: bytes, is_package: bool = False) -> bool:
    """False when every class statement of the file has plain bases (`object`, `Exception`,
    none) and the file binds no Keras for others: such classes are no layers and no bases
    of layers, so the file needs no scan. A package's `__init__` that imports is scanned:
    other modules name classes through its re-exports (OpenNMT-tf's `models.Model`, whose
    layer went unseen)."""
    if not prefilter_on() or (is_package and b"import" in source):
        return True
    for match in CLASS_BASES.finditer(source):
        if match.group(1).strip() not in _PLAIN_BASES:
            return True
    return b"keras" in source and _KERAS_SHIM.search(source) is not None


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


def _may_lead_to_keras(target: str) -> bool:
    """Keras, TensorFlow, a class (`pkg.base.Block`) or a shim (`pkg.compat.keras`): the rest
    (os, numpy, the project's modules) tripled what every worker is sent, measured on
    tensor2tensor, and a module is reached through its own name anyway."""
    last = target.rsplit(".", 1)[-1]
    return (last[:1].isupper() or last in keras_api.KERAS_SHIM_NAMES
            or canonical(target).startswith(("keras", "tf.", "tf1.")) or canonical(target) == "tf")


def module_aliases(imports: ImportMap) -> dict[str, str]:
    """The module's top-level bindings that may lead to Keras, by qualified name, so that
    other modules importing them see what they are (`from .compat import keras`, where
    compat says `keras = _select_keras()`)."""
    if not imports.module_name:
        return {}
    found = {}
    for local, target in imports.bindings.items():
        qualified = f"{imports.module_name}.{local}"
        if target != qualified and not target.startswith(qualified + ".") and _may_lead_to_keras(target):
            found[qualified] = target
    return found


@dataclass
class ClassIndex:
    """qualified class name -> the qualified names of its bases."""

    classes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # qualified name -> the methods it defines that rules must not rewrite calls of
    overrides: dict[str, frozenset[str]] = field(default_factory=dict)
    # classes whose own code creates no weight and no sub-layer (see `owns_state`)
    stateless: set[str] = field(default_factory=set)
    # qualified name -> the attribute names its own code uses (`self.x`, methods, class names)
    attributes: dict[str, frozenset[str]] = field(default_factory=dict)
    # module-level names of the project's modules that alias something (imports, `X = a.b`)
    aliases: dict[str, str] = field(default_factory=dict)
    # third-party Keras base classes declared by the user (`keras-bases`, `--keras-base`)
    keras_bases: frozenset[str] = frozenset()
    _memo: dict[str, bool] = field(default_factory=dict, repr=False)

    def layer_digest(self) -> str:
        """Changes whenever a class of the tree becomes, or stops being, a Keras layer, or a
        name of the tree starts or stops meaning Keras."""
        # also whether it owns weights (KF201 skips weightless ones) and, for a base, the
        # attribute names its subclasses' lifted layers must not take
        bases = {b for own in self.classes.values() for b in own}
        layers = sorted(
            q + (" weightless" if self.is_weightless(q) else "")
            + (" " + ",".join(sorted(self.attributes.get(q, ()))) if q in bases else "")
            for q in self.classes if self.is_layer(q))
        keras = sorted(f"{k}={v}" for k, v in self.aliases.items() if v.startswith(("keras", "tf", "tensorflow")))
        text = "\n".join([*layers, "", *keras, "", *sorted(self.keras_bases)])
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def add_aliases(self, aliases: dict[str, str]) -> None:
        """A module's names that alias Keras or a class (see `module_aliases`)."""
        self.aliases.update(aliases)
        self._memo.clear()

    def declare_keras_bases(self, names) -> None:
        self.keras_bases = frozenset(names)
        self._memo.clear()

    def add(self, qualified: str, bases: tuple[str, ...], overrides: frozenset[str] = frozenset(),
            owns_state: bool = True, attributes: frozenset[str] = frozenset()) -> None:
        self.classes.setdefault(qualified, bases)
        if attributes:
            self.attributes[qualified] = self.attributes.get(qualified, frozenset()) | attributes
        if overrides:
            self.overrides[qualified] = self.overrides.get(qualified, frozenset()) | overrides
        if not owns_state:
            self.stateless.add(qualified)
        self._memo.clear()

    def inherited_attributes(self, qualified: str) -> set[str]:
        """The attribute names the project's bases of a class use, through every level."""
        names: set[str] = set()
        todo, seen = list(self.classes.get(qualified, ())), {qualified}
        while todo:
            base = todo.pop()
            if base not in seen:
                seen.add(base)
                names |= self.attributes.get(base, frozenset())
                todo.extend(self.classes.get(base, ()))
        return names

    def is_weightless(self, qualified: str, _seen: frozenset[str] = frozenset()) -> bool:
        """A layer class that owns no weights: Keras's weightless layers, and the project's
        classes that create none, through all their bases back to Keras's `Layer`."""
        if qualified not in self.classes:
            name = canonical(qualified)
            return name in keras_api.WEIGHTLESS_BASES or keras_api.is_weightless_layer(name)
        seen = _seen | {qualified}
        bases = self.classes[qualified]
        return (qualified in self.stateless and qualified not in _seen and bool(bases)
                and all(self.is_weightless(b, seen) for b in bases))

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
        if qualified in self.classes:
            # the project's own class: its bases decide, whatever its dotted name looks like
            # (inside Keras's own tree, `keras.src.layers.x_test.SomeTest` is no layer)
            seen = _seen | {qualified}
            result = qualified not in _seen and self.bases_are_layers(self.classes[qualified], seen)
        else:
            expanded = expand(qualified, self.aliases)
            if expanded != qualified:
                result = self.is_layer(expanded, _seen | {qualified})
            else:
                result = keras_api.is_keras_layer_class(canonical(qualified)) or qualified in self.keras_bases
        self._memo[qualified] = result
        return result

    def is_model(self, qualified: str, _seen: frozenset[str] = frozenset()) -> bool:
        """A Keras `Model` (or `Sequential`), through the project's own bases."""
        if qualified in self.classes:
            seen = _seen | {qualified}
            return any(self.is_model(b, seen) for b in self.classes[qualified] if b not in seen)
        return keras_api.is_keras_model_class(canonical(qualified))

    def is_tf_module(self, qualified: str, _seen: frozenset[str] = frozenset()) -> bool:
        """A `tf.Module` (or a library's module built on it) that is no Keras layer."""
        if self.is_layer(qualified):
            return False
        if qualified in self.classes:
            seen = _seen | {qualified}
            return any(self.is_tf_module(b, seen) for b in self.classes[qualified] if b not in seen)
        return keras_api.is_tf_module_class(canonical(qualified))

    def bases_are_layers(self, bases: tuple[str, ...], _seen: frozenset[str] = frozenset()) -> bool:
        """Any of these bases is a Keras layer: how a class is judged by its own bases (two
        nested classes of one module may share a name, and so a qualified name)."""
        return any(self.is_layer(base, _seen) for base in bases)

    def is_layer_dotted(self, chain: str | None, imports: ImportMap) -> bool:
        if not chain:
            return False
        qualified = imports.qualify_dotted(chain)
        if qualified is not None:
            return self.is_layer(qualified)
        guess = imports.resolve_dotted(chain)  # star imports
        return guess is not None and keras_api.is_keras_layer_class(guess)

    def add_module(self, module, imports: ImportMap) -> list:
        """Register the classes of a libcst module; return each (ClassDef, qualified name,
        qualified bases)."""
        import libcst as cst  # here only: a run answered from the cache never needs libcst

        from .syntax import children, dotted

        self.add_aliases(module_aliases(imports))
        imports.aliases = self.aliases
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
                found.append((node, qualified, bases))
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
    owns_state: bool = True  # its own code may create a weight or a sub-layer
    attributes: tuple[str, ...] = ()  # `self.<name>`s, methods and class-level names it uses


@dataclass
class FileScan:
    """What the cheap ast pass learns of one file: its classes and its import map."""

    classes: list[ClassRecord]
    imports: ImportMap

    def to_json(self) -> dict:
        return {
            "classes": [[c.qualified, list(c.bases), list(c.overrides), list(c.span), c.owns_state,
                         list(c.attributes)] for c in self.classes],
            "imports": self.imports.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> "FileScan":
        return cls(
            [ClassRecord(q, tuple(b), tuple(o), (span[0], span[1]), bool(state), tuple(names))
             for q, b, o, span, state, names in data["classes"]],
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
            classes.append(ClassRecord(prefix + node.name, bases, overrides, span, *_class_facts(node, imports)))
    return FileScan(classes, imports)


def _class_facts(cls: ast.ClassDef, imports: ImportMap) -> tuple[bool, tuple[str, ...]]:
    """Whether the class's own code may create a weight or a sub-layer (see `_makes_state`),
    and every `self.<name>` of its code, its methods and its class-level names: what a
    subclass must not take for a new attribute. One walk for both (two cost a third of the
    scan, measured on tensor2tensor)."""
    names: set[str] = set()
    state = False
    for node in ast.walk(cls):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            names.add(node.attr)
        elif not state:
            state = _makes_state(node, imports)
    for statement in cls.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return state, tuple(sorted(names))


def _makes_state(node: ast.AST, imports: ImportMap) -> bool:
    """Whether this node of a class's code may create a weight or a sub-layer: a weight call,
    a TF1 layer, a capitalised call that is not a known weightless class, or anything but
    TensorFlow's, numpy's or a builtin's result stored on `self`. Conservative: a class
    judged weightless is never reported for being built in `call`."""
    if isinstance(node, ast.Call):
        name = ast_dotted(node.func)
        if not name:
            return False  # super().__init__(...), a call of a call's result
        last = name.rsplit(".", 1)[-1]
        resolved = imports.resolve_dotted(name) or ""
        if last in keras_api.WEIGHT_FACTORY_NAMES or resolved.startswith("tf1.layers."):
            return True
        return last[:1].isupper() and not keras_api.is_weightless_layer(resolved) and not (
            resolved.startswith(keras_api.NO_STATE_NAMESPACES) and not keras_api.is_keras_layer_class(resolved))
    return (isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
            and _stores_call(node, imports))


def _stores_call(node: ast.Assign | ast.AnnAssign, imports: ImportMap) -> bool:
    """`self.x = f(...)` (or any attribute) with `f` from outside TensorFlow, numpy and builtins."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not any(isinstance(t, ast.Attribute) for t in targets):
        return False
    for sub in ast.walk(node.value):
        if isinstance(sub, ast.Call):
            name = ast_dotted(sub.func) or ""
            resolved = imports.resolve_dotted(name) or ""
            if not (name in BUILTIN_NAMES or resolved.startswith(keras_api.NO_STATE_NAMESPACES)):
                return True
    return False


# --- which Keras classes could hold a finding (a cheap, conservative ast look) ----------------

_WEIGHT_CALLS = frozenset({"get_variable", "Variable", "variable", "add_weight", "add_variable"})
_LIST_CALLS = frozenset({"append", "extend", "insert"})  # on a weight list: KF110
_CONTAINER_CALLS = frozenset({"tuple", "set", "frozenset"})


def _reached_from_call(cls: ast.ClassDef) -> set[str]:
    """`call` and the methods it calls through `self.<method>(...)`, as the rules see them."""
    methods = {s.name: s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    seen: set[str] = set()
    todo = ["call"] if "call" in methods else []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(methods[name]):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.attr in methods):
                todo.append(node.func.attr)
    return seen


def _signals(cls: ast.ClassDef) -> tuple[bool, set[str], set[str], set[str]]:
    """(calls every weight rule looks at, names constructed where KF201/KF202/KF301/KF302
    look, names referred to where KF203 looks, names of calls given `dtype=`)."""
    weight_calls = False
    constructed: set[str] = set()
    referred: set[str] = {d for d in map(ast_dotted, cls.bases) if d}
    dtype_calls: set[str] = set()

    def constructions(node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                name = ast_dotted(sub.func)
                if name:
                    constructed.add(name)

    in_call = _reached_from_call(cls)
    for statement in cls.body:
        in_call_method = isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name in in_call
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                name = ast_dotted(node.func)
                if not name:
                    continue
                last = name.rsplit(".", 1)[-1]
                parts = name.split(".")
                if last in _WEIGHT_CALLS or (  # KF108's scopes matter only around these too
                        last in _LIST_CALLS and len(parts) > 2 and parts[-2] in keras_api.WEIGHT_LISTS):
                    weight_calls = True
                if last[:1].isupper() or last in keras_api.TF1_LAYERS or "." not in name:
                    # KF201 looks in `call` and what it calls, KF202 in every method (`tf_dense(...)`:
                    # any bare name may be a TF1 function imported under another name)
                    if in_call_method or last in keras_api.TF1_LAYERS or ("." not in name and not last[:1].isupper()):
                        constructed.add(name)
                    if last[:1].isupper():  # KF203: `Dense(...)` imported from TF1's layers too
                        referred.add(name)
                if last in _CONTAINER_CALLS:
                    constructions(node)
                if any(k.arg == "dtype" for k in node.keywords):
                    dtype_calls.add(name)
            elif isinstance(node, (ast.Tuple, ast.Set, ast.SetComp, ast.GeneratorExp)):
                constructions(node)
            elif isinstance(node, ast.Attribute) and node.attr[:1].isupper():
                name = ast_dotted(node)
                if name:
                    referred.add(name)
    return weight_calls, constructed, referred, dtype_calls


def spans_worth_parsing(source: str, scan: FileScan, index: ClassIndex) -> list[tuple[int, int]]:
    """The spans of the file's Keras classes that any rule could report something in.

    Conservative: it errs towards parsing. A class with none of the calls, constructions or
    references the rules look at cannot hold a finding, and is not parsed with libcst.
    """
    scan.imports.aliases = index.aliases
    keras = {c.qualified for c in scan.classes if index.bases_are_layers(c.bases)}
    if not keras:
        return []
    if not prefilter_on():
        return sorted({c.span for c in scan.classes if c.qualified in keras})
    lines = source_lines(source)
    imports, prefix = scan.imports, f"{scan.imports.module_name}." if scan.imports.module_name else ""
    spans: set[tuple[int, int]] = set()
    tf1_names = tf1_imported_names(imports)
    for span in sorted({c.span for c in scan.classes if c.qualified in keras}):
        # only the top-level statement holding the class is read again, not the whole file
        text = "".join(lines[span[0] - 1:span[1]])
        if tf1_names and any(re.search(rf"\b{name}\b", text) for name in tf1_names):
            spans.add(span)  # KF203: a TF1 layer class imported by name, read anywhere in it
            continue
        try:
            statement = ast.parse(text).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            spans.add(span)  # let libcst have the last word
            continue
        for node in _class_defs(statement):
            if prefix + node.name not in keras:
                continue
            weight_calls, constructed, referred, dtype_calls = _signals(node)
            if (weight_calls or _holder_and_contract_signals(node, imports, index)
                    or any(index.is_layer_dotted(n, imports) or _is_tf1_layer(imports, n) for n in constructed)
                    or any(_is_tf1_layer(imports, n) for n in referred)
                    or any(keras_api.is_keras_initializer(imports.resolve_dotted(n) or "") for n in dtype_calls)):
                spans.add(span)
                break
    return sorted(spans)


def _holder_and_contract_signals(cls: ast.ClassDef, imports: ImportMap, index: ClassIndex) -> bool:
    """What KF111, KF204, KF303-KF306, KF401 and KF402 look for, in one walk of the class
    (a walk each cost more than the rest of the prefilter, measured on tensor2tensor): a
    `tf.Module`, a TF1 RNN cell (or one as a base), a `defaultdict` or a namespace built; a
    layer as a class attribute; an assignment to a read-only Keras property or to `a.b.c`;
    an `__init__` from which no method calls any `__init__`."""
    if any(keras_api.tf1_rnn_cell(imports.resolve_dotted(ast_dotted(base)) or "") for base in cls.bases):
        return True
    if any(isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)
           and index.is_layer_dotted(ast_dotted(s.value.func), imports) for s in cls.body):
        return True
    has_init = calls_init = False
    stack: list[tuple[ast.AST, bool]] = [(s, True) for s in cls.body]  # (node, in one of its methods)
    while stack:
        node, own = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__init__" and own:
            has_init = True
        if (isinstance(node, ast.Name) and node.id in imports.module_calls
                and index.is_layer_dotted(imports.module_calls[node.id], imports)):
            return True  # a module-level layer used in the class (KF306)
        if isinstance(node, ast.Call):
            if own and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
                calls_init = True
            name = ast_dotted(node.func)
            resolved = imports.resolve_dotted(name) or "" if name else ""
            qualified = imports.qualify_dotted(name) if name else None
            if (resolved == "collections.defaultdict" or resolved in keras_api.NAMESPACE_HOLDERS
                    or keras_api.tf1_rnn_cell(resolved) or (qualified and index.is_tf_module(qualified))):
                return True
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in (t for top in targets for t in ast.walk(top)):
                if isinstance(target, ast.Attribute) and (
                        target.attr in keras_api.READ_ONLY_ATTRIBUTES or isinstance(target.value, ast.Attribute)):
                    return True
        inside = own and not isinstance(node, ast.ClassDef)  # a nested class is its own
        stack.extend((child, inside) for child in ast.iter_child_nodes(node))
    return has_init and not calls_init


def tf1_imported_names(imports: ImportMap) -> list[str]:
    """Names the module imports from TF1's layers themselves (`from ...layers import Dense`)."""
    return [local for local, target in imports.bindings.items() if canonical(target).startswith("tf1.layers.")]


def _is_tf1_layer(imports: ImportMap, name: str) -> bool:
    return (imports.resolve_dotted(name) or "").startswith("tf1.layers.")
