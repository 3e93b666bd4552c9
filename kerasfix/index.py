"""Which classes are Keras layers: Keras's own, TF1's, and the project's, across files.

A project class is a layer when one of its bases is, through any number of files and levels.
The tree-wide part reads files with `ast` (about 10x cheaper than libcst) and only files
whose bytes contain a class statement.
"""

from __future__ import annotations

import ast
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import keras_api
from .aliases import module_aliases
from .astwalk import child_nodes
from .chain import BRANCH_TYPES, METHOD_READS, MethodFacts, Place
from .functions import exported_makes, may_make_any, read_imports
from .records import ClassRecord, FunctionRecord
from .names import BUILTIN_NAMES, ImportMap, ast_dotted, canonical, expand

# methods whose calls the rules rewrite: a class that defines its own is left alone
OVERRIDABLE = frozenset({"add_weight", "add_variable"})
def module_name_for(path: Path, folders: dict[str, tuple[Path, tuple[str, ...]]] | None = None) -> tuple[str, bool]:
    """The dotted module name of a file, by the packages (folders with __init__.py) above it.
    `folders`: what `package_folder` found, kept for the run's next file in the same folder."""
    if os.path.islink(path):
        path = path.resolve()
    _, packages = package_folder(os.path.dirname(path), folders)
    is_package = path.name == "__init__.py"
    return ".".join(packages if is_package else (*packages, path.stem)), is_package


def package_folder(folder: str | Path, folders: dict[str, tuple[Path, tuple[str, ...]]] | None = None,
                   ) -> tuple[Path, tuple[str, ...]]:
    """The folder resolved, and the names of the packages it is in, the outermost first (its
    own name last when it is one). Resolving each file's path and climbing its packages again
    took 15 ms of a warm check of tensor2tensor (measured): `folders` keeps the answer for each
    folder, for a run's other files."""
    key = os.fspath(folder)  # "": the current folder
    if folders is not None and key in folders:
        return folders[key]
    real = here = Path(os.path.realpath(key))
    names: list[str] = []
    while (here / "__init__.py").is_file():
        names.insert(0, here.name)
        if here.parent == here:
            break
        here = here.parent
    found = real, tuple(names)
    if folders is not None:
        folders[key] = found
    return found


@dataclass
class ClassIndex:
    """The tree's classes by qualified name, and what rules ask of them."""

    records: dict[str, ClassRecord] = field(default_factory=dict)
    # module-level names of the project's modules that alias something (imports, `X = a.b`)
    aliases: dict[str, str] = field(default_factory=dict)
    # third-party Keras base classes declared by the user (`keras-bases`, `--keras-base`)
    keras_bases: frozenset[str] = frozenset()
    # the project's top-level functions that make a layer or a variable, by qualified name
    functions: dict[str, FunctionRecord] = field(default_factory=dict)
    _memo: dict[str, bool] = field(default_factory=dict, repr=False)
    # (how many classes it was made for, suffix -> classes): see `by_path_suffix`
    _suffixes: tuple[int, dict[str, list[str]]] | None = field(default=None, repr=False)
    # base -> the classes naming it among their bases, in index order: see `subclasses`
    _derived: dict[str, list[str]] | None = field(default=None, repr=False)

    def bases_of(self, qualified: str) -> tuple[str, ...]:
        """The qualified names of a class's bases; () for a class the tree does not define."""
        record = self.records.get(qualified)
        return () if record is None else record.bases

    def may_use(self, qualified: str, name: str) -> bool:
        """Whether the class's own code may use the attribute `name`: it does, or the scan
        recorded no name of it (a class only libcst read, or one that uses none)."""
        record = self.records.get(qualified)
        return record is None or not record.attributes or name in record.attributes

    def layer_digest(self) -> str:
        """Changes whenever a class of the tree becomes, or stops being, a Keras layer, or a
        name of the tree starts or stops meaning Keras."""
        # also whether it owns weights (KF201 skips weightless ones) and, for a base, the
        # attribute names its subclasses' lifted layers must not take
        records = self.records
        bases = {b for record in records.values() for b in record.bases}
        layers = sorted(
            q + (" weightless" if self.is_weightless(q) else "")
            + (" " + ",".join(sorted(records[q].attributes)) if q in bases else "")
            for q in records if self.is_layer(q))
        # KF402's rename is safe only when no subclass uses the name: a subclass that starts or
        # stops using one changes its base's findings, in another file
        layers += sorted(f"{q} uses {name}" for q, record in records.items()
                         if any(b in records for b in record.bases)
                         for name in record.attributes if name in keras_api.READ_ONLY_RENAMES)
        # a class's `call` may run methods of its bases and subclasses, in other files (chain.reach)
        layers += sorted(f"{q} calls {','.join(sorted(r.calls))} sets {','.join(sorted(r.init_sets))}"
                         for q, r in records.items() if q in bases or any(b in records for b in r.bases))
        keras = sorted(f"{k}={v}" for k, v in self.aliases.items() if v.startswith(("keras", "tf", "tensorflow")))
        # KF111's message names a module's variables, and the module may live in another file
        modules = sorted(f"{q} {','.join(r.variables)}" for q, r in records.items()
                         if r.variables and self.is_tf_module(q))
        # ... and reports no module that makes none
        modules += sorted(f"{q} none" for q, r in records.items()
                          if not r.owns_state and self.is_tf_module(q) and self.makes_no_variables(q))
        # KF206 reports a call of another module's function by what it makes (see `functions`)
        made = sorted(repr(record.row()) for record in self.functions.values())
        # ... also when a package's `__init__` hands one on (`from .helpers import ffn`)
        made += sorted(f"{name}={target}" for name, target in self.aliases.items() if target in self.functions)
        text = "\n".join([*layers, "", *keras, "", *sorted(self.keras_bases), "", *modules, "", *made])
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def add_aliases(self, aliases: dict[str, str]) -> None:
        """A module's names that alias Keras or a class (see `module_aliases`)."""
        self.aliases.update(aliases)
        self._memo.clear()

    def declare_keras_bases(self, names) -> None:
        self.keras_bases = frozenset(names)
        self._memo.clear()

    def add(self, record: ClassRecord) -> None:
        known = self.records.get(record.qualified)
        self.records[record.qualified] = record if known is None else known.merged(record)
        self._memo.clear()
        if known is None and self._derived is not None:  # a merged record keeps the first one's bases
            for base in dict.fromkeys(record.bases):
                self._derived.setdefault(base, []).append(record.qualified)

    def inherited_attributes(self, qualified: str) -> set[str]:
        """The attribute names the project's bases of a class use, through every level."""
        names: set[str] = set()
        todo, seen = list(self.bases_of(qualified)), {qualified}
        while todo:
            base = todo.pop()
            if base not in seen:
                seen.add(base)
                record = self.records.get(base)
                if record is not None:
                    names |= record.attributes
                    todo.extend(record.bases)
        return names

    def subclasses(self, qualified: str) -> list[str]:
        """The project's classes derived from this one, through every level, in index order."""
        if self._derived is None:  # every class's records scanned once per index, not once per base asked
            self._derived = {}
            for name, record in self.records.items():
                for base in dict.fromkeys(record.bases):
                    self._derived.setdefault(base, []).append(name)
        found: list[str] = []
        seen = {qualified}
        todo = [qualified]
        while todo:
            for name in self._derived.get(todo.pop(), ()):
                if name not in seen:
                    seen.add(name)
                    found.append(name)
                    todo.append(name)
        return found

    def is_weightless(self, qualified: str, _seen: frozenset[str] = frozenset()) -> bool:
        """A layer class that owns no weights: Keras's weightless layers, and the project's
        classes that create none, through all their bases back to Keras's `Layer`."""
        record = self.records.get(qualified)
        if record is None:
            name = canonical(expand(qualified, self.aliases))  # through a shim: `pkg.backend.keras.layers.Layer`
            return name in keras_api.WEIGHTLESS_BASES or keras_api.is_weightless_layer(name)
        seen = _seen | {qualified}
        return (not record.owns_state and qualified not in _seen and bool(record.bases)
                and all(self.is_weightless(b, seen) for b in record.bases))

    def makes_no_variables(self, qualified: str, _seen: frozenset[str] = frozenset()) -> bool:
        """A project `tf.Module` class whose own code and project bases, up to `tf.Module`,
        make no weight and keep nothing that might (`_makes_state`): keras-hub's tokenizer
        cache holds a lookup table and a constant, and loses nothing (measured: 0 variables)."""
        record = self.records.get(qualified)
        if record is None:
            return canonical(expand(qualified, self.aliases)) in keras_api.TF_MODULE_BASES
        seen = _seen | {qualified}
        return (not record.owns_state and qualified not in _seen and bool(record.bases)
                and all(self.makes_no_variables(b, seen) for b in record.bases))

    def defines_method(self, qualified: str, method: str, _seen: frozenset[str] = frozenset()) -> bool:
        """The class or a project base of it defines `method` itself (an `add_weight` override)."""
        record = self.records.get(qualified)
        if record is None:
            return False
        if method in record.overrides:
            return True
        seen = _seen | {qualified}
        return any(self.defines_method(b, method, seen) for b in record.bases if b not in seen)

    def defines_add_weight(self, qualified: str) -> bool:
        return self.defines_method(qualified, "add_weight")

    def by_path_suffix(self, qualified: str) -> list[str]:
        """The project's classes a dotted name that names none may mean, by the longest suffix
        of at least a module and a class that matches any (`from models import net_keras`
        after a `sys.path.insert`: `models.net_keras.Net` is `app.models.net_keras.Net`;
        keras-cv's benchmarks import `keras_cv.layers...`, the file is `keras_cv/src/layers/...`).
        One: that class; several: ambiguous (`-v` says so); none: []."""
        if self._suffixes is None or self._suffixes[0] != len(self.records):
            table: dict[str, list[str]] = {}
            for name in self.records:
                parts = name.split(".")
                for cut in range(len(parts) - 1):
                    table.setdefault(".".join(parts[cut:]), []).append(name)
            self._suffixes = (len(self.records), table)
        parts = qualified.split(".")
        for cut in range(len(parts) - 1):
            found = self._suffixes[1].get(".".join(parts[cut:]))
            if found:
                return found
        return []

    def project_class(self, qualified: str) -> str | None:
        """The project's class of that name, or the one its path suffix names (see above)."""
        if qualified in self.records:
            return qualified
        found = self.by_path_suffix(qualified)
        return found[0] if len(found) == 1 else None

    def unresolved(self, bases: tuple[str, ...]) -> list[str]:
        """The bases no layer was found behind though they may name one: a name that goes
        through a `keras` or `tf_keras` the run could not follow (`pkg.backend.keras.layers.
        Layer`), or one whose path suffix names several project classes. `check -v` lists them,
        so that what was not looked at shows. (A project class whose file holds only plain
        classes is never scanned, so "no such class" alone says nothing.)"""
        found = []
        for base in bases:
            if self.is_layer(base) or self.project_class(base) is not None:
                continue
            name = canonical(expand(base, self.aliases))
            if name.startswith(("keras.", "tf.", "tf1.")):
                continue
            if self._through_unknown_keras(name) or (len(self.by_path_suffix(base)) > 1
                                                      and name.split(".", 1)[0] not in self._packages()):
                found.append(base)
        return found

    def _through_unknown_keras(self, name: str) -> bool:
        """`pkg.backend.keras.layers.Layer`: a `keras` on the way that is no package of the
        project (model-optimization's `...quantization.keras.` is one)."""
        parts = name.split(".")
        for cut, part in enumerate(parts[:-1]):
            if part in ("keras", "tf_keras"):
                prefix = ".".join(parts[:cut + 1]) + "."
                if not any(q.startswith(prefix) for q in self.records):
                    return True
        return False

    def _packages(self) -> set[str]:
        return {name.split(".", 1)[0] for name in self.records if "." in name}

    def is_layer(self, qualified: str, _seen: frozenset[str] = frozenset()) -> bool:
        if qualified in self._memo:
            return self._memo[qualified]
        record = self.records.get(qualified)
        if record is not None:
            # the project's own class: its bases decide, whatever its dotted name looks like
            # (inside Keras's own tree, `keras.src.layers.x_test.SomeTest` is no layer)
            seen = _seen | {qualified}
            result = qualified not in _seen and self.bases_are_layers(record.bases, seen)
        else:
            expanded = expand(qualified, self.aliases)
            if expanded != qualified:
                result = self.is_layer(expanded, _seen | {qualified})
            elif keras_api.is_keras_layer_class(canonical(qualified)) or qualified in self.keras_bases:
                result = True
            else:
                found = self.project_class(qualified)
                result = found is not None and found not in _seen and self.is_layer(found, _seen | {qualified})
        self._memo[qualified] = result
        return result

    def is_model(self, qualified: str, _seen: frozenset[str] = frozenset()) -> bool:
        """A Keras `Model` (or `Sequential`), through the project's own bases."""
        record = self.records.get(qualified)
        if record is not None:
            seen = _seen | {qualified}
            return any(self.is_model(b, seen) for b in record.bases if b not in seen)
        return keras_api.is_keras_model_class(canonical(qualified))

    def is_tf_module(self, qualified: str, _seen: frozenset[str] = frozenset()) -> bool:
        """A `tf.Module` (or a library's module built on it) that is no Keras layer."""
        if self.is_layer(qualified):
            return False
        record = self.records.get(qualified)
        if record is not None:
            seen = _seen | {qualified}
            return any(self.is_tf_module(b, seen) for b in record.bases if b not in seen)
        return keras_api.is_tf_module_class(canonical(qualified))

    def init_variables(self, qualified: str) -> tuple[str, ...]:
        """The `self.<name>`s a `tf.Module` class of the project sets to a `tf.Variable` in its
        `__init__`, when they are all the variables it makes; () when unknown, or when a base
        of the project's may make more."""
        record = self.records.get(qualified)
        if record is None or any(base in self.records for base in record.bases):
            return ()
        return record.variables

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
        found: list[tuple[cst.ClassDef, str, tuple[str, ...]]] = []
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
                self.add(ClassRecord(qualified, bases, methods))
                found.append((node, qualified, bases))
            if isinstance(node, (cst.Module, cst.ClassDef, cst.FunctionDef, cst.IndentedBlock,
                                 cst.If, cst.Else, cst.Try, cst.ExceptHandler, cst.With)):
                stack.extend(reversed(children(node)))
        found.reverse()
        return found


@dataclass
class FileScan:
    """What the cheap ast pass learns of one file: its classes and its import map."""

    classes: list[ClassRecord]
    imports: ImportMap
    functions: list[FunctionRecord] = field(default_factory=list)  # see `module_function_records`
    # top-level statement's span -> its classes' names and trigger signals (`classwalk.class_signals`),
    # None for a class not asked for: the prefilter need not parse those classes again
    signals: dict[tuple[int, int], list[tuple[str, Any]]] = field(default_factory=dict)
    # the spans of the top-level statements (imports aside) whose text says one of the words
    # asked for (a functional call's last name, `Lambda`): None when none were asked for. The
    # prefilter parses those statements, not the whole file again (`_functional_spans`).
    functional: list[tuple[int, int]] | None = None


def class_defs(statements):
    """ClassDef nodes among statements and their nested blocks (expressions are not entered)."""
    for statement in statements:
        if isinstance(statement, ast.ClassDef):
            yield statement
        if not hasattr(statement, "body"):
            continue  # a simple statement (every compound one has a body): most of them
        for field_name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field_name, None)
            if isinstance(inner, list):
                yield from class_defs(inner)
        for handler in getattr(statement, "handlers", ()):
            yield from class_defs(handler.body)


def statement_span(statement: ast.stmt) -> tuple[int, int]:
    """A top-level statement's first and last lines, its decorators included."""
    first = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
    return first, statement.end_lineno or statement.lineno


def scan_file(source: bytes, module_name: str, is_package: bool, signals_for: frozenset[str] = frozenset(),
              signals_of: Callable[[ast.ClassDef], Any] | None = None,
              functional_words: frozenset[bytes] = frozenset()) -> FileScan | None:
    """Classes and imports of a file, by `ast` (about 10x cheaper than libcst); None when
    the file does not parse (libcst will say why). `signals_for`: the names of the classes
    whose trigger signals (`signals_of`: `classwalk.class_signals`) the prefilter will want
    (those that may be layers: classgraph.py). `functional_words`: see `FileScan.functional`."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    imports = read_imports(tree, module_name, is_package, source)
    prefix = f"{module_name}." if module_name else ""
    classes = []
    signals: dict[tuple[int, int], list[tuple[str, Any]]] = {}
    for statement in tree.body:
        span = statement_span(statement)
        found = list(class_defs([statement]))
        if signals_of and any(node.name in signals_for for node in found):  # in `class_defs` order
            signals[span] = [(node.name, signals_of(node) if node.name in signals_for else None) for node in found]
        for node in found:
            bases = tuple(q for q in (imports.qualify_dotted(d) for d in map(ast_dotted, node.bases) if d) if q)
            overrides = frozenset(s.name for s in node.body
                                  if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in OVERRIDABLE)
            owns_state, attributes, variables, (calls, init_sets) = _class_facts(node, imports)
            classes.append(ClassRecord(prefix + node.name, bases, overrides, owns_state, attributes, variables, span,
                                       calls, init_sets))
    functional = _saying(tree.body, source, functional_words) if functional_words else None
    return FileScan(classes, imports, module_function_records(imports), signals, functional)


def _saying(statements: list[ast.stmt], source: bytes | str, words: frozenset[bytes]) -> list[tuple[int, int]]:
    """The spans of the statements, imports aside, whose text says one of `words`."""
    data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    if not any(word in data for word in words):
        return []
    lines = data.splitlines(keepends=True)  # \n, \r\n and \r, as Python counts lines
    found = []
    for statement in statements:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        span = statement_span(statement)
        text = b"".join(lines[span[0] - 1:span[1]])
        if any(word in text for word in words):
            found.append(span)
    return found


def module_function_records(imports: ImportMap) -> list[FunctionRecord]:
    """The module's top-level functions that make a layer or a variable when they run (KF206
    reports a call of one from another module's layer)."""
    prefix = f"{imports.module_name}." if imports.module_name else ""
    return [FunctionRecord(prefix + name, imports.functions[name].line, made)
            for name, made in exported_makes(imports).items()]


def _class_facts(cls: ast.ClassDef, imports: ImportMap) -> tuple[bool, frozenset[str], tuple[str, ...],
                                                              tuple[frozenset[str], frozenset[str]]]:
    """Whether the class's own code may create a weight or a sub-layer (see `_makes_state`),
    every `self.<name>` of its code, its methods and its class-level names (what a subclass
    must not take for a new attribute), its `_init_variables`, and its methods' calls and
    `__init__`'s attributes (`chain.MethodFacts`). One walk for all: a walk each cost a third
    more of the scan past `ast.parse` (measured on tensor2tensor)."""
    names: set[str] = set()
    state = False
    variable_calls: list[ast.Call] = []
    methods = MethodFacts()
    quiet: set[int] = set()  # what a `raise` raises, a `with`'s context manager: no state kept
    stack = _class_children(cls, methods)
    while stack:  # not ast.walk: no visit of a name's context (see astwalk.py)
        node, place = stack.pop()
        kind = type(node)  # by identity: ast's node classes have no subclasses (a tenth of the walk)
        if type(node) is ast.Attribute:
            value = node.value
            if type(value) is ast.Name:
                if value.id == "self":
                    names.add(node.attr)
                if place is not None and value.id == place[0] and type(node.ctx) is ast.Store:
                    place[2].add(node.attr)
            stack.append((value, place))
            continue
        if kind is ast.Name or kind is ast.Constant:
            continue
        if type(node) is ast.Call:
            if _is_tf_variable(node, imports):
                variable_calls.append(node)
        elif type(node) is ast.Raise:
            if node.exc is not None:
                quiet.add(id(node.exc))
        elif type(node) is ast.withitem:
            quiet.add(id(node.context_expr))
        elif kind is ast.ClassDef:
            place = None  # a nested class has its own `self`: no method of this one
        if not state and kind in _STATE_KINDS and id(node) not in quiet:
            state = _makes_state(node, imports)
        inner = None if place is None or not (kind in METHOD_READS or (place[3] and kind in BRANCH_TYPES)) else (
            methods.node(node, place))
        stack.extend(inner if inner is not None else [(child, place) for child in child_nodes(node)])
    for statement in cls.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return state, frozenset(names), _init_variables(cls, variable_calls), methods.facts()


def _class_children(cls: ast.ClassDef, methods: MethodFacts) -> list[tuple[ast.AST, Place | None]]:
    """What `_class_facts` walks first: the class's parts, each method's own statements placed
    in it (its decorators, parameters and annotations in none)."""
    stack: list[tuple[ast.AST, Place | None]] = [(node, None) for node in (*cls.bases, *cls.keywords,
                                                                          *cls.decorator_list)]
    for statement in cls.body:
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack.append((statement, None))
            continue
        place = methods.enter(statement)
        stack.extend((node, None) for node in (statement.args, *statement.decorator_list) if node is not None)
        if statement.returns is not None:
            stack.append((statement.returns, None))
        stack.extend((node, place) for node in statement.body)
    return stack


def _is_tf_variable(call: ast.Call, imports: ImportMap) -> bool:
    # the last name first: every call of every class comes here (spelling each in full cost
    # a tenth of the scan, measured on tensor2tensor)
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return last == "Variable" and imports.resolve_dotted(ast_dotted(func)) in keras_api.VARIABLE


def _init_variables(cls: ast.ClassDef, calls: list[ast.Call]) -> tuple[str, ...]:
    """The `self.<name>`s that statements of `__init__`'s own body set to a `tf.Variable(...)`,
    when those are every `tf.Variable` call of the class (a module that makes some later, in
    `__call__` or in a loop, is no easy case): what KF111 names for a hand fix."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None or not init.args.args or not calls:
        return ()
    me = init.args.args[0].arg
    made: dict[int, str] = {}
    for statement in init.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == me:
                made[id(statement.value)] = target.attr
    if any(id(call) not in made for call in calls):
        return ()
    return tuple(dict.fromkeys(made[id(call)] for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset))))


_STATE_KINDS = frozenset({ast.Call, ast.Assign, ast.AnnAssign})  # the only nodes `_makes_state` says yes to


def _makes_state(node: ast.AST, imports: ImportMap) -> bool:
    """Whether this node of a class's code may create a weight or a sub-layer: a weight call,
    a TF1 layer, a capitalised call that is not a known weightless class, or anything but
    TensorFlow's, numpy's or a builtin's result stored on `self`. Conservative: a class
    judged weightless is never reported for being built in `call`."""
    if isinstance(node, ast.Call):
        name = ast_dotted(node.func)
        if not name or name in BUILTIN_NAMES:
            return False  # super().__init__(...), a call of a call's result, `ValueError(...)`
        last = name.rsplit(".", 1)[-1]
        resolved = imports.resolve_dotted(name) or ""
        if last in keras_api.WEIGHT_FACTORY_NAMES or resolved.startswith("tf1.layers.") or \
                keras_api.tf1_contrib_layer(resolved):
            return True
        return last[:1].isupper() and not keras_api.is_weightless_layer(resolved) and not (
            resolved.startswith(keras_api.NO_STATE_NAMESPACES) and not keras_api.is_keras_layer_class(resolved))
    return (isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
            and _stores_call(node, imports))


def _stores_call(node: ast.Assign | ast.AnnAssign, imports: ImportMap) -> bool:
    """`self.x = f(...)` (or any attribute) with `f` from outside TensorFlow, numpy and builtins
    that may make a layer or a variable: the module's own function by what it makes, any other
    by its name (`keras_api.may_be_a_maker`)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if node.value is None or not any(isinstance(t, ast.Attribute) for t in targets):
        return False
    for sub in ast.walk(node.value):
        if isinstance(sub, ast.Call):
            name = ast_dotted(sub.func) or ""
            resolved = imports.resolve_dotted(name) or ""
            if name in BUILTIN_NAMES or resolved.startswith(keras_api.NO_STATE_NAMESPACES):
                continue
            if name in imports.functions:  # the module's own function: what it makes was read
                if may_make_any(imports.functions, name):
                    return True
            elif not name or keras_api.may_be_a_maker(name):
                return True
    return False
