"""What a module's top-level functions may make when they run: the calls that can build a layer
or a variable, the module's other functions they call, and the parameters a function nested in
them calls (a closure a factory returns). Read by `ast` with the module's imports (names.py), so
that a rule looking at a Keras class can follow a call out of the class without the rest of the
file being parsed (the prefilter parses only the statements holding Keras classes).

Names stay as written: the rules resolve them through the module's imports and the index.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from typing import Callable

from . import keras_api
from .astwalk import child_nodes
from .names import BUILTIN_NAMES, ImportMap, ast_dotted, canonical

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_SCOPE_TYPES = frozenset(_SCOPES)


@dataclass(frozen=True)
class FunctionFacts:
    """One top-level function, as far as what running it makes."""

    line: int
    params: tuple[str, ...]  # positional parameters, in order
    # calls that may build a layer or make a variable, run when the function runs: (name, line)
    makes: tuple[tuple[str, int], ...] = ()
    calls: tuple[str, ...] = ()  # bare names it calls (the module's other functions among them)
    # parameters called inside a function or lambda nested in it (`def apply(x): return model(x)`)
    closure_calls: tuple[str, ...] = ()


_VARIABLES = keras_api.GET_VARIABLE | keras_api.VARIABLE | keras_api.BACKEND_VARIABLE


def may_make(name: str, imports: ImportMap | None = None) -> bool:
    """A call that can build a layer (`Dense(...)`, `tf.layers.dense(...)`) or make a variable
    (`tf.Variable`, `get_variable`, `K.variable`): what the rules then resolve. With the
    module's imports, a builtin (`ValueError(...)`) and TensorFlow's or Keras's other classes
    (`tf.TensorShape`) are not: a class calling a function that raises was parsed for nothing."""
    parts = name.split(".")
    if parts[-1] in keras_api.WEIGHT_FACTORY_NAMES:
        return True
    if not (parts[-1][:1].isupper() or "layers" in parts[:-1] or parts[-1] in keras_api.TF1_CONTRIB_LAYERS):
        return False
    if imports is None:
        return True
    qualified = imports.qualify_dotted(name)
    if qualified is None:
        return parts[0] not in BUILTIN_NAMES
    resolved = canonical(qualified)
    if resolved in _VARIABLES or resolved.startswith("tf1.layers.") or keras_api.is_keras_layer_class(resolved):
        return True
    if keras_api.tf1_contrib_layer(resolved):
        return True
    return not resolved.startswith(("tf.", "keras.", "numpy."))  # the project's or a library's: may be a layer


def function_facts(func: ast.FunctionDef | ast.AsyncFunctionDef,
                   keep: Callable[[str], bool] = may_make) -> FunctionFacts | None:
    """The facts of a top-level function; None when it makes, calls and closes over nothing."""
    args = func.args
    params = tuple(a.arg for a in (*args.posonlyargs, *args.args))
    makes: list[tuple[str, int]] = []
    calls: list[str] = []
    closure: list[str] = []
    stack: list[tuple[ast.AST, bool]] = [(s, False) for s in func.body]
    while stack:
        node, nested = stack.pop()
        kind = type(node)
        if kind is ast.Name or kind is ast.Constant:
            continue  # not visiting a name's context: the walk took half the time (tensor2tensor)
        if kind is ast.Attribute:
            stack.append((node.value, nested))  # type: ignore[attr-defined] # an Attribute, by its type
            continue
        if kind is ast.Call:
            name = ast_dotted(node.func)  # type: ignore[attr-defined] # a Call, by its type
            if name and not nested and keep(name):
                makes.append((name, node.lineno))  # type: ignore[attr-defined] # a Call
            elif name and not nested and "." not in name and name not in BUILTIN_NAMES:
                calls.append(name)
            elif name and nested and name in params:
                closure.append(name)
        elif kind is ast.ClassDef:
            continue  # a class of its own
        inner = nested or kind in _SCOPE_TYPES
        stack.extend([(child, inner) for child in child_nodes(node)])
    if not (makes or calls or closure):
        return None
    return FunctionFacts(func.lineno, params, tuple(sorted(makes, key=lambda m: m[1])),
                         tuple(dict.fromkeys(calls)), tuple(dict.fromkeys(closure)))


def module_functions(body: list[ast.stmt], imports: ImportMap | None = None) -> dict[str, FunctionFacts]:
    """The facts of the module's top-level functions (the last definition of a name wins)."""
    found: dict[str, FunctionFacts] = {}
    for statement in body:
        if isinstance(statement, _FUNCTIONS):
            facts = function_facts(statement, lambda name: may_make(name, imports))
            if facts is None:
                found.pop(statement.name, None)
            else:
                found[statement.name] = facts
    return found


def read_imports(tree: ast.Module, module_name: str = "", is_package: bool = False,
                 source: str | bytes | None = None) -> ImportMap:
    """A module's imports read by ast (`ImportMap.from_ast`) with its functions' facts: the
    reader of the scan and of the engine (names.py cannot call this module: it builds on it)."""
    imports = ImportMap.from_ast(tree, module_name, is_package, source)
    imports.functions = module_functions(tree.body, imports)
    return imports


def module_functions_of_text(text: str, imports: ImportMap) -> dict[str, FunctionFacts]:
    """The same from a module's text: {} when this Python's ast cannot read it (libcst read it)."""
    try:
        return module_functions(ast.parse(text).body, imports)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}


def reached(functions: dict[str, FunctionFacts], name: str) -> list[str]:
    """`name` and the module's functions it calls, and theirs: what running it runs."""
    seen: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop()
        if current in functions and current not in seen:
            seen.append(current)
            todo.extend(reversed(functions[current].calls))
    return seen


def may_make_any(functions: dict[str, FunctionFacts], name: str) -> bool:
    """Whether running the module's function `name` may make a layer or a variable (the
    prefilter's question: the rules resolve each call)."""
    return any(functions[f].makes or functions[f].closure_calls for f in reached(functions, name))


_NOT_PROJECT = ("tf.", "keras.", "numpy.", "tf1.")
_CONTAINERS = frozenset({"keras.Model", "keras.Sequential", "keras.models.Model", "keras.models.Sequential"})


def made_kind(written: str, imports: ImportMap) -> str:
    """What a call a function makes is, read from its module alone: "variable", "TF1 layer",
    "TF1 contrib layer", "layer" (a Keras layer with weights), "RNN wrapper" (a TF1 cell wrapper:
    its cell holds the weights), "class:<qualified>" (a class of the project or a library: the
    index judges it), or "" (nothing with weights)."""
    resolved = imports.resolve_dotted(written) or ""
    if resolved in _VARIABLES:
        return "variable"
    if resolved.startswith("tf1.layers."):
        tf1 = keras_api.TF1_LAYERS.get(resolved[len("tf1.layers."):])
        weightless = tf1 is None or keras_api.is_weightless_layer("keras.layers." + tf1.keras_class)
        return "" if weightless else "TF1 layer"
    if keras_api.tf1_contrib_layer(resolved):
        return "TF1 contrib layer"  # `tf.contrib.layers.layer_norm(...)`: gone in TF 2
    if resolved in _CONTAINERS:
        return ""  # `Model(inputs, outputs)`: the layers in it are counted where built
    if keras_api.is_tf1_rnn_wrapper(resolved):
        return "RNN wrapper"  # its weights are the wrapped cell's: KF206 words it so
    if keras_api.is_keras_layer_class(resolved):
        return "" if keras_api.is_weightless_layer(resolved) else "layer"
    qualified = imports.qualify_dotted(written)
    if qualified is None or qualified.startswith(_NOT_PROJECT) or resolved.startswith(_NOT_PROJECT):
        return ""
    return "class:" + qualified


def exported_makes(imports: ImportMap) -> dict[str, tuple[tuple[str, str, int, str], ...]]:
    """Each top-level function of the module that may make something when it runs, with what
    (see `made_kind`): (function written in, call as written, line, kind), in the order written."""
    functions = imports.functions
    found = {}
    for name in functions:
        made = tuple((f, written, line, kind) for f in reached(functions, name)
                     for written, line in functions[f].makes if (kind := made_kind(written, imports)))
        if made:
            found[name] = made
    return found
