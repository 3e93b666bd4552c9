"""What one ast walk of a Keras class learns (`ClassSignals`), for every trigger to read
(triggers.py): one walk, since a walk per rule cost more than the rest of the prefilter
(measured on tensor2tensor). The scan takes it of each class that may be a layer
(index.scan_file), the prefilter of a class the scan did not.

Each fact is a cheap superset of what a rule reads on libcst: `add_weight_risk` of
`rules/_weight_args.py`, `container_elements` and `may_hold_layer` of `rules/_containers.py`.
A rule that reads more must widen its fact here (tests/test_prefilter.py fails otherwise).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property

from . import chain, keras_api
from .astwalk import child_nodes
from .chain import reach
from .names import ast_dotted

# builtins whose argument is a container display (KF301, KF302)
_CONTAINER_CALLS = frozenset({"tuple", "set", "frozenset"})
_ASSIGNMENTS = frozenset({ast.Assign, ast.AugAssign, ast.AnnAssign})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTED_SCOPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda})


@dataclass
class ClassSignals:
    """What one ast walk of a class learns, for every trigger to read."""

    # (dotted name, the class's method it is made in or "", given dtype=)
    calls: list[tuple[str, str, bool]] = field(default_factory=list)
    referred: set[str] = field(default_factory=set)  # capitalised attribute chains and calls, bases
    bases: list[str] = field(default_factory=list)
    assigned: set[str] = field(default_factory=set)  # attribute names assigned
    attribute_calls: set[str] = field(default_factory=set)  # F of each `x.y = F(...)`
    nested_assigned: set[str] = field(default_factory=set)  # F of each `a.b.c = F(...)`
    body_calls: list[str] = field(default_factory=list)  # `x = f(...)` in the class body
    names: set[str] = field(default_factory=set)  # every bare name used
    method_calls: dict[str, set[str]] = field(default_factory=dict)  # method -> `x.<method>(...)`s in it
    has_init: bool = False
    init_calls_init: bool = False  # `__init__` itself calls an `__init__` (`super().__init__()`)
    init_call_line: int = 0  # the first line of `__init__` calling an `__init__` (0: none)
    init_assign_line: int = 0  # the first line of `__init__` assigning an attribute (0: none)
    # (attribute, line, the calls in the value) of each assignment in `__init__`
    init_assigns: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)
    params: dict[str, set[str]] = field(default_factory=dict)  # method -> its parameters' names
    nested_calls: set[str] = field(default_factory=set)  # calls in a function or lambda nested in a method
    add_weight_risk: frozenset[str] = frozenset()  # the Keras lines its `add_weight_risk`s name
    # what `x.y = ...` puts in a tuple or set (`container_elements`): the calls, by name, and
    # whether a parameter that may hold a layer (`may_hold_layer`) is among them
    contained: set[str] = field(default_factory=set)
    param_in_container: bool = False
    # what `reached_from_call` found, by class name (the index is the run's): asked by each trigger
    _reached: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def call_names(self) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """Its calls' names: their last names, the names, the names of those given `dtype=`."""
        names = frozenset(name for name, *_ in self.calls)
        return (frozenset(name.rsplit(".", 1)[-1] for name in names), names,
                frozenset(name for name, _method, dtype in self.calls if dtype))

    def assigned_before_init(self) -> dict[str, set[str]]:
        """The attributes `__init__` assigns on a line before its first `__init__` call, each
        with the calls of the values assigned to it (what they may build)."""
        early: dict[str, set[str]] = {}
        if 0 < self.init_assign_line < self.init_call_line:
            for attr, line, calls in self.init_assigns:
                if line < self.init_call_line:
                    early.setdefault(attr, set()).update(calls)
        return early

    def reached_from_call(self, index: chain.ClassIndex | None = None, qualified: str = "") -> set[str]:
        """`call` and the methods it calls through `x.<method>(...)`, through
        the class chain when given the index: what the rules see, or more (see `chain.reach`)."""
        if index is None:
            return reach(index, qualified, self.method_calls)[0]
        if qualified not in self._reached:
            self._reached[qualified] = reach(index, qualified, self.method_calls)[0]
        return self._reached[qualified]


def class_signals(cls: ast.ClassDef) -> ClassSignals:
    """One walk of the class: its calls (where made), names, references and assignments."""
    signals = _of_body(cls)
    contained_params: list[tuple[str, str]] = []  # (method, a parameter of it in a container display)
    checked: set[tuple[str, str]] = set()  # (method, a name it asks `isinstance(name, ...)` of)
    # (node, the class's method it is in, in one of the class's own methods, inside a function
    # or lambda nested in the method)
    stack: list[tuple[ast.AST, str, bool, bool]] = [
        (s, s.name if isinstance(s, _FUNCTIONS) else "", True, False) for s in cls.body]
    methods = {id(s) for s in cls.body if isinstance(s, _FUNCTIONS)}
    while stack:  # node types by identity: ast's node classes have no subclasses (a fifth of the walk)
        node, method, own, nested = stack.pop()
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
            stack.append((node.value, method, own, nested))
            continue
        if type(node) is ast.Call:
            _call_fact(node, method, own, nested, signals)
            if (own and method and type(node.func) is ast.Name and node.func.id == "isinstance"
                    and node.args and type(node.args[0]) is ast.Name):
                checked.add((method, node.args[0].id))
        elif kind in _ASSIGNMENTS and isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            _assignment_fact(node, own and method == "__init__", signals)
            if node.value is not None and any(type(t) is ast.Attribute for t in _targets(node)):
                for element in container_elements(node.value):
                    if type(element) is ast.Starred:  # `(*layers,)`: the rules read what is unpacked
                        element = element.value
                    if type(element) is ast.Call:
                        called = ast_dotted(element.func)
                        if called:
                            signals.contained.add(called)
                    elif type(element) is ast.Name and own and element.id in signals.params.get(method, ()):
                        contained_params.append((method, element.id))
        elif kind is ast.ClassDef:
            own = False  # a nested class is its own
        elif kind in _NESTED_SCOPES and method and id(node) not in methods:
            nested = True
        stack.extend([(child, method, own, nested) for child in child_nodes(node)])
    if contained_params:
        layer_params = _layer_parameters(cls)
        signals.param_in_container = any(pair in layer_params or pair in checked for pair in contained_params)
    return signals


def _of_body(cls: ast.ClassDef) -> ClassSignals:
    """What the class body's statements say: its bases, methods, parameters, `x = f(...)`."""
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
    return signals


# a parameter named for a layer (`layer`, `inner_layers`), not for a count (`num_layers`): KF301 and
# KF302 read it as holding one (rules/_containers.py)
LAYER_PARAMETER = re.compile(r"(?:^|_)layers?$", re.IGNORECASE)
COUNT_PARAMETER = re.compile(r"(?:num|n|nb|number_of|max|min|count)_", re.IGNORECASE)


def may_hold_layer(name: str) -> bool:
    """A parameter's name says it holds a layer."""
    return bool(LAYER_PARAMETER.search(name)) and not COUNT_PARAMETER.match(name)


def _layer_parameters(cls: ast.ClassDef) -> set[tuple[str, str]]:
    """(method, parameter) for each parameter of a method named for a layer, or annotated (the
    rules ask whether the annotation names a layer class; any annotation is kept here)."""
    found: set[tuple[str, str]] = set()
    for statement in cls.body:
        if isinstance(statement, _FUNCTIONS):
            arguments = statement.args
            found.update((statement.name, a.arg) for a in (*arguments.posonlyargs, *arguments.args,
                                                           *arguments.kwonlyargs)
                         if a.annotation is not None or may_hold_layer(a.arg))
    return found


def _call_fact(node: ast.Call, method: str, own: bool, nested: bool, signals: ClassSignals) -> None:
    """Records the call."""
    func = node.func
    if isinstance(func, ast.Attribute):
        if own and method == "__init__" and func.attr == "__init__":
            signals.init_calls_init = True
            signals.init_call_line = min(signals.init_call_line or node.lineno, node.lineno)
        if method and isinstance(func.value, ast.Name):
            signals.method_calls[method].add(func.attr)
    name = ast_dotted(func)
    if not name:
        return
    signals.calls.append((name, method, any(k.arg == "dtype" for k in node.keywords)))
    if nested:
        signals.nested_calls.add(name)
    last = name.rsplit(".", 1)[-1]
    if last == "add_weight" and len(signals.add_weight_risk) < 2:
        signals.add_weight_risk |= add_weight_risk(node)
    if last[:1].isupper():
        signals.referred.add(name)


def _assignment_fact(node: ast.Assign | ast.AugAssign | ast.AnnAssign, in_init: bool, signals: ClassSignals) -> None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    built: tuple[str, ...] | None = None
    for target in (t for top in targets for t in ast.walk(top)):
        if isinstance(target, ast.Attribute):
            if type(target.ctx) is ast.Store:  # not `name` of `metrics[metric.name] = ...`
                signals.assigned.add(target.attr)
            if in_init:
                if built is None:
                    built = _calls_in(node.value)
                signals.init_assign_line = min(signals.init_assign_line or node.lineno, node.lineno)
                signals.init_assigns.append((target.attr, node.lineno, built))
    if type(node) is ast.Assign and type(node.value) is ast.Call and any(type(t) is ast.Attribute for t in targets):
        called = ast_dotted(node.value.func)
        if called:
            signals.attribute_calls.add(called)
            if any(type(t) is ast.Attribute and type(t.value) is ast.Attribute for t in targets):
                signals.nested_assigned.add(called)


def _calls_in(value: ast.expr | None) -> tuple[str, ...]:
    """The names of the calls in `value` (KF403: a layer or variable built before the call)."""
    if value is None:
        return ()
    return tuple(name for node in ast.walk(value) if type(node) is ast.Call and (name := ast_dotted(node.func)))


def _targets(node: ast.Assign | ast.AugAssign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if type(node) is ast.Assign else [node.target]  # type: ignore[union-attr]


def container_elements(value: ast.expr) -> list[ast.expr]:
    """What KF301 and KF302 read as the elements of a tuple or set assigned (`_containers.py`):
    a tuple or set display's, a set comprehension's, and those of the one argument of `tuple`,
    `set` or `frozenset` (a list display too, any comprehension); either side of a `+`
    (`self.x + (layer,)`)."""
    if type(value) is ast.BinOp:
        return container_elements(value.left) + container_elements(value.right)
    displays: tuple[type, ...] = (ast.Tuple, ast.Set)
    comprehensions: tuple[type, ...] = (ast.SetComp,)
    if (type(value) is ast.Call and type(value.func) is ast.Name and value.func.id in _CONTAINER_CALLS
            and len(value.args) == 1):
        value = value.args[0]
        displays, comprehensions = (ast.Tuple, ast.Set, ast.List), (ast.GeneratorExp, ast.ListComp, ast.SetComp)
    if type(value) in displays:
        return list(value.elts)  # type: ignore[attr-defined]
    if type(value) in comprehensions:
        return [value.elt]  # type: ignore[attr-defined]
    return []


def add_weight_risk(call: ast.Call) -> frozenset[str]:
    """The Keras lines ("2", "3") on which KF104 or KF107 may report an `add_weight(...)` for its
    arguments (`_weight_args`), or more. Positional arguments: tf_keras's when a shape visibly
    comes first (`shape_first`: Keras 3's order), else Keras 3's (a name first). Keras 3's alone
    for `trainable=None`, a keyword Keras 3 rejects, a name with a literal `/` in it, or a keyword
    portable only as a string given something else. A keyword-only call of today's Keras
    (`name="kernel", shape=..., initializer=...`) harms neither."""
    lines: set[str] = set()
    positional = [arg for arg in call.args if type(arg) is not ast.Starred]
    if positional:
        lines.add("2" if _shape_first(positional, call.keywords) else "3")
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg in keras_api.ADD_WEIGHT_REJECTED:
            lines.add("3")
        elif keyword.arg == "trainable" and type(value) is ast.Constant and value.value is None:
            lines.add("3")
        elif keyword.arg == "name" and any(type(n) is ast.Constant and isinstance(n.value, (str, bytes))
                                           and ("/" in n.value if isinstance(n.value, str) else b"/" in n.value)
                                           for n in ast.walk(value)):
            lines.add("3")
        elif keyword.arg in keras_api.ADD_WEIGHT_STRING_ONLY and not (
                type(value) is ast.Constant and isinstance(value.value, str)):
            lines.add("3")
    return frozenset(lines)


def _shape_first(positional: list[ast.expr], keywords: list[ast.keyword]) -> bool:
    """`_weight_args.shape_first` on the ast: a list or tuple display first, a string second,
    or a lone positional argument beside `name=`."""
    return (type(positional[0]) in (ast.List, ast.Tuple) or (len(positional) > 1 and _is_string(positional[1]))
            or (len(positional) == 1 and any(k.arg == "name" for k in keywords)))


def _is_string(node: ast.expr) -> bool:
    """A string or bytes literal, concatenated or formatted (libcst's three kinds of string)."""
    return type(node) is ast.JoinedStr or (type(node) is ast.Constant and isinstance(node.value, (str, bytes)))
