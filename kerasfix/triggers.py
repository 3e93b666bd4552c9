"""What a Keras class must contain for a rule to possibly report in it: each rule declares a
`Trigger`, and the prefilter (prefilter.py) parses with libcst only the classes that the
selected rules' triggers keep.

A trigger is conservative: a class it does not keep must hold no finding of its rule, with
the prefilter on or off (tests/test_prefilter.py). `ClassSignals` is what one ast walk of a
class learns, and all triggers read it: one walk, since a walk per rule cost more than the
rest of the prefilter (measured on tensor2tensor).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, fields
from typing import Callable, Mapping, Protocol

from . import chain, keras_api
from .astwalk import child_nodes
from .chain import reach
from .functions import may_make_any
from .names import ImportMap, ast_dotted, tf1_imported_names
from .records import FunctionRecord


class ClassIndex(chain.ClassIndex, Protocol):
    """What the triggers read of `index.ClassIndex` (whose scan takes `class_signals` from here)."""

    @property
    def functions(self) -> Mapping[str, FunctionRecord]: ...

    def is_layer_dotted(self, dotted: str | None, imports: ImportMap, /) -> bool: ...

    def is_tf_module(self, qualified: str, /) -> bool: ...


# `x.<list>.append(...)` and its kin (KF110)
LIST_METHODS = frozenset({"append", "extend", "insert"})
# builtins whose argument is a container display (KF301, KF302)
_CONTAINER_CALLS = frozenset({"tuple", "set", "frozenset"})
_CONTAINERS = (ast.Tuple, ast.Set, ast.SetComp, ast.GeneratorExp)
_CONTAINER_TYPES = frozenset(_CONTAINERS)
_ASSIGNMENTS = frozenset({ast.Assign, ast.AugAssign, ast.AnnAssign})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Trigger:
    """What a class must contain, any one of it, for a rule to possibly report there."""

    calls: frozenset[str] = frozenset()  # a call whose last name is one of these (`get_variable`)
    # a call resolving to one of these canonical names; one ending in "." is a namespace
    resolved_calls: frozenset[str] = frozenset()
    bases: frozenset[str] = frozenset()  # a base resolving to one of these canonical names
    appends_to: frozenset[str] = frozenset()  # `x.<name>.append/extend/insert(...)`
    assigns: frozenset[str] = frozenset()  # an assignment to `x.<name>`
    words: frozenset[str] = frozenset()  # a word of the class's text (a comment too)
    nested_assign: bool = False  # an assignment to `a.b.c`
    layer_in_call: bool = False  # a Keras layer constructed in `call` or a method it calls
    layer_in_container: bool = False  # ... in a tuple, a set, a generator, `tuple(...)`
    # a parameter of a method in a tuple or set display assigned to an attribute (KF301: it may be a layer)
    param_in_container: bool = False
    layer_in_class_body: bool = False  # `x = Dense(...)` in the class body
    module_layer: bool = False  # a name the module binds to a constructed layer
    tf_module: bool = False  # a `tf.Module` (or a project class built on it) constructed
    tf1_layer: bool = False  # a TF1 layer class referred to (called, named, or a base)
    initializer_dtype: bool = False  # a Keras initializer called with `dtype=`
    # an `__init__` that calls no `__init__` itself (a helper it calls may: the rule decides)
    init_without_init: bool = False
    # an `__init__` that assigns an attribute on a line before its first `__init__` call
    assigns_before_init: bool = False
    # a name of a module-level function that may make a layer or a variable when it runs
    # (`_ffn(x)` in `call`, `Lambda(instance_norm)`): functions.py
    module_function: bool = False
    # a call resolving to one of these canonical names outside any Keras class (a model built
    # by a function, the functional API): the top-level statement holding it is parsed too
    functional_calls: frozenset[str] = frozenset()

    def __or__(self, other: Trigger) -> Trigger:
        return Trigger(**{f.name: getattr(self, f.name) | getattr(other, f.name) for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


@dataclass
class ClassSignals:
    """What one ast walk of a class learns, for every trigger to read."""

    # (dotted name, the class's method it is made in or "", inside a container, given dtype=)
    calls: list[tuple[str, str, bool, bool]] = field(default_factory=list)
    referred: set[str] = field(default_factory=set)  # capitalised attribute chains and calls, bases
    bases: list[str] = field(default_factory=list)
    assigned: set[str] = field(default_factory=set)  # attribute names assigned
    nested_assign: bool = False
    body_calls: list[str] = field(default_factory=list)  # `x = f(...)` in the class body
    names: set[str] = field(default_factory=set)  # every bare name used
    method_calls: dict[str, set[str]] = field(default_factory=dict)  # method -> `x.<method>(...)`s in it
    has_init: bool = False
    init_calls_init: bool = False  # `__init__` itself calls an `__init__` (`super().__init__()`)
    init_call_line: int = 0  # the first line of `__init__` calling an `__init__` (0: none)
    init_assign_line: int = 0  # the first line of `__init__` assigning an attribute (0: none)
    params: dict[str, set[str]] = field(default_factory=dict)  # method -> its parameters' names
    param_in_container: bool = False  # `self.x = (param, ...)` (or a set, `tuple([...])`)
    # what `reached_from_call` found, by class name (the index is the run's): asked by each trigger
    _reached: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)

    def assigns_before_init(self) -> bool:
        return 0 < self.init_assign_line < self.init_call_line

    def reached_from_call(self, index: ClassIndex | None = None, qualified: str = "") -> set[str]:
        """`call` and the methods it calls through `x.<method>(...)`, through
        the class chain when given the index: what the rules see, or more (see `chain.reach`)."""
        if index is None:
            return reach(index, qualified, self.method_calls)[0]
        if qualified not in self._reached:
            self._reached[qualified] = reach(index, qualified, self.method_calls)[0]
        return self._reached[qualified]


def class_signals(cls: ast.ClassDef) -> ClassSignals:
    """One walk of the class: its calls (where made), names, references and assignments."""
    signals = ClassSignals(bases=[d for d in map(ast_dotted, cls.bases) if d])
    signals.referred.update(signals.bases)
    for statement in cls.body:
        if isinstance(statement, _FUNCTIONS):
            signals.method_calls[statement.name] = set()
            arguments = statement.args
            signals.params[statement.name] = {a.arg for a in (*arguments.posonlyargs, *arguments.args,
                                                              *arguments.kwonlyargs)}
            signals.has_init = signals.has_init or statement.name == "__init__"
        elif isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
            name = ast_dotted(statement.value.func)
            if name:
                signals.body_calls.append(name)
    # (node, the class's method it is in, in one of the class's own methods, inside a container)
    stack: list[tuple[ast.AST, str, bool, bool]] = [
        (s, s.name if isinstance(s, _FUNCTIONS) else "", True, False) for s in cls.body]
    while stack:  # node types by identity: ast's node classes have no subclasses (a fifth of the walk)
        node, method, own, contained = stack.pop()
        kind = type(node)
        if type(node) is ast.Name:
            signals.names.add(node.id)
            continue  # its one child is its context: not visiting those, the prefilter took 30% less
        if kind is ast.Constant:
            continue
        if type(node) is ast.Attribute:
            if node.attr[:1].isupper():
                name = ast_dotted(node)
                if name:
                    signals.referred.add(name)
            stack.append((node.value, method, own, contained))
            continue
        if type(node) is ast.Call:
            contained = _call_fact(node, method, own, contained, signals)
        elif kind in _ASSIGNMENTS and isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            _assignment_fact(node, own and method == "__init__", signals)
            if own and method and not signals.param_in_container:
                signals.param_in_container = _holds_parameter(node.value, signals.params.get(method, set()))
        elif kind in _CONTAINER_TYPES:
            contained = True
        elif kind is ast.ClassDef:
            own = False  # a nested class is its own
        stack.extend([(child, method, own, contained) for child in child_nodes(node)])
    return signals


def _call_fact(node: ast.Call, method: str, own: bool, contained: bool, signals: ClassSignals) -> bool:
    """Records the call; whether what is inside it is inside a container."""
    func = node.func
    if isinstance(func, ast.Attribute):
        if own and method == "__init__" and func.attr == "__init__":
            signals.init_calls_init = True
            signals.init_call_line = min(signals.init_call_line or node.lineno, node.lineno)
        if method and isinstance(func.value, ast.Name):
            signals.method_calls[method].add(func.attr)
    name = ast_dotted(func)
    if not name:
        return contained
    signals.calls.append((name, method, contained, any(k.arg == "dtype" for k in node.keywords)))
    last = name.rsplit(".", 1)[-1]
    if last[:1].isupper():
        signals.referred.add(name)
    return contained or last in _CONTAINER_CALLS


def _assignment_fact(node: ast.Assign | ast.AugAssign | ast.AnnAssign, in_init: bool, signals: ClassSignals) -> None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in (t for top in targets for t in ast.walk(top)):
        if isinstance(target, ast.Attribute):
            signals.assigned.add(target.attr)
            if in_init:
                signals.init_assign_line = min(signals.init_assign_line or node.lineno, node.lineno)
            signals.nested_assign = signals.nested_assign or isinstance(target.value, ast.Attribute)


def _holds_parameter(value: ast.AST | None, params: set[str]) -> bool:
    """A tuple or set display (or `tuple([...])`) one of whose elements is a bare parameter."""
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _CONTAINER_CALLS
            and len(value.args) == 1):
        value = value.args[0]
    return isinstance(value, (ast.Tuple, ast.Set, ast.List)) and any(
        isinstance(e, ast.Name) and e.id in params for e in value.elts)


class Matcher:
    """One trigger (the union of the selected rules') against one module's classes."""

    def __init__(self, trigger: Trigger, imports: ImportMap, index: ClassIndex):
        self.trigger = trigger
        self.imports = imports
        self.index = index
        self._prefixes = tuple(n for n in trigger.resolved_calls if n.endswith("."))
        tf1_names = tf1_imported_names(imports)
        self._tf1_names = re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, tf1_names))) if tf1_names else None

    def keeps(self, name: str, text: str, signals_of: Callable[[], ClassSignals]) -> bool:
        """Whether the class `name` (its text, and its signals as `signals_of()` gives them:
        the scan's, or a walk of it parsed again) holds what the trigger asks for."""
        t = self.trigger
        if t.words and any(word in text for word in t.words):
            return True
        if t.tf1_layer and self._tf1_names and self._tf1_names.search(text):
            return True  # a TF1 layer class imported by name, read anywhere in the class
        signals = signals_of()
        qualified = self._qualified(name)
        return (self._calls(signals) or self._layers(signals, qualified) or self._bases(signals)
                or bool(t.appends_to and any(_appended(name) in t.appends_to for name, *_ in signals.calls))
                or bool(t.assigns & signals.assigned) or (t.nested_assign and signals.nested_assign)
                or (t.tf1_layer and any(self._is_tf1_layer(n) for n in signals.referred))
                or (t.init_without_init and signals.has_init and not signals.init_calls_init)
                or (t.param_in_container and signals.param_in_container)
                or (t.assigns_before_init and signals.assigns_before_init())
                or (t.module_function and self._module_function(signals, qualified)))

    def _resolve(self, name: str) -> str:
        return self.imports.resolve_dotted(name) or ""

    def _is_layer(self, name: str) -> bool:
        return self.index.is_layer_dotted(name, self.imports)

    def _is_tf1_layer(self, name: str) -> bool:
        return self._resolve(name).startswith("tf1.layers.")

    def _calls(self, signals: ClassSignals) -> bool:
        t = self.trigger
        for name, _method, _contained, dtype in signals.calls:
            if name.rsplit(".", 1)[-1] in t.calls:
                return True
            if t.resolved_calls or t.initializer_dtype:
                resolved = self._resolve(name)
                if resolved in t.resolved_calls or (self._prefixes and resolved.startswith(self._prefixes)):
                    return True
                if t.initializer_dtype and dtype and keras_api.is_keras_initializer(resolved):
                    return True
            if t.tf_module:
                qualified = self.imports.qualify_dotted(name)
                if qualified and self.index.is_tf_module(qualified):
                    return True
        return False

    def _qualified(self, name: str) -> str:
        """The class's name in the index (a nested class's too: the scan names it so)."""
        module = self.imports.module_name
        return f"{module}.{name}" if module else name

    def _layers(self, signals: ClassSignals, qualified: str) -> bool:
        t = self.trigger
        if t.layer_in_call or t.layer_in_container:
            in_call = signals.reached_from_call(self.index, qualified) if t.layer_in_call else set()
            for name, method, contained, _dtype in signals.calls:
                # in `call`, a layer is built by a class (`Dense`) or a bare name (an alias)
                built_in_call = method in in_call and (name.rsplit(".", 1)[-1][:1].isupper() or "." not in name)
                if ((contained and t.layer_in_container) or built_in_call) and self._is_layer(name):
                    return True
        if t.layer_in_class_body and any(self._is_layer(name) for name in signals.body_calls):
            return True
        calls = self.imports.module_calls
        return t.module_layer and any(self._is_layer(calls[n]) for n in signals.names if n in calls)

    def keeps_functional(self, statement: ast.stmt) -> bool:
        """A call the trigger's `functional_calls` name, anywhere in a top-level statement."""
        wanted = self.trigger.functional_calls
        stack: list[ast.AST] = [statement]
        while stack:  # not ast.walk: no names' contexts nor operators (astwalk.py), a third of the nodes
            node = stack.pop()
            if type(node) is ast.Call and self._resolve(ast_dotted(node.func) or "") in wanted:
                return True
            stack.extend(child_nodes(node))
        return False

    def _module_function(self, signals: ClassSignals, qualified: str) -> bool:
        # a function of this module, or another's (`helpers.ffn(x)`), run from `call` (KF206)
        functions, made = self.imports.functions, self.index.functions if self.index else {}
        if not any(n in functions for n in signals.names) and not made:
            return False
        in_call = signals.reached_from_call(self.index, qualified)
        return any(method in in_call and ((name in functions and may_make_any(functions, name))
                                          or self.imports.qualify_dotted(name) in made)
                   for name, method, *_ in signals.calls)

    def _bases(self, signals: ClassSignals) -> bool:
        return bool(self.trigger.bases) and any(self._resolve(b) in self.trigger.bases for b in signals.bases)


def _appended(name: str) -> str:
    """`weights` for `self.weights.append`, else ""."""
    parts = name.split(".")
    return parts[-2] if len(parts) > 2 and parts[-1] in LIST_METHODS else ""


# --- the triggers rules share -------------------------------------------------------------------

# a weight made by a call: by its last name, or by what it resolves to (`get_variable as gv`)
WEIGHT_CALLS = Trigger(calls=keras_api.WEIGHT_FACTORY_NAMES,
                       resolved_calls=keras_api.GET_VARIABLE | keras_api.VARIABLE | keras_api.BACKEND_VARIABLE)

# a `Lambda(...)` outside any Keras class too (a model built by a function: KF112)
LAMBDA_LAYERS = Trigger(functional_calls=frozenset({"keras.layers.Lambda"}))
# what a file holding no Keras class must contain for a functional trigger to find anything in
# it: the last name of a call it names (the runner's gate on a file's bytes, see
# prefilter._functional_spans); every rule's `functional_calls` is among LAMBDA_LAYERS's
FUNCTIONAL_WORDS = frozenset(name.rsplit(".", 1)[-1].encode() for name in LAMBDA_LAYERS.functional_calls)


def may_hold_functional(data: bytes) -> bool:
    """A file with no Keras class may still build a model by a function (`Lambda(...)`: KF112)."""
    return any(word in data for word in FUNCTIONAL_WORDS)
