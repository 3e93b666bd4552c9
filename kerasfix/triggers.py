"""What a Keras class must contain for a rule to possibly report in it: each rule declares a
`Trigger`, and the prefilter (prefilter.py) parses with libcst only the classes that the
selected rules' triggers keep.

A trigger is conservative: a class it does not keep must hold no finding of its rule, with
the prefilter on or off (tests/test_prefilter.py). Triggers read what one ast walk of a class
learns (classwalk.py), and the class index.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Callable, Mapping, Protocol

from . import chain, keras_api
from .astwalk import child_nodes
from .chain import keras_layer_bases
from .classwalk import ClassSignals
from .functions import may_make_any
from .names import ImportMap, ast_dotted, tf1_imported_names
from .records import FunctionRecord
from .target import BOTH


class ClassIndex(chain.ClassIndex, Protocol):
    """What the triggers read of `index.ClassIndex`."""

    @property
    def functions(self) -> Mapping[str, FunctionRecord]: ...

    @property
    def aliases(self) -> dict[str, str]: ...

    def is_layer_dotted(self, dotted: str | None, imports: ImportMap, /) -> bool: ...

    def is_tf_module(self, qualified: str, /) -> bool: ...

    def is_model(self, qualified: str, /) -> bool: ...

    def is_weightless(self, qualified: str, /) -> bool: ...


# `x.<list>.append(...)` and its kin (KF110)
LIST_METHODS = frozenset({"append", "extend", "insert"})
_LAMBDA = "keras.layers.Lambda"
# what makes a weight, by its last name or by what it resolves to (`get_variable as gv`)
_WEIGHT_MAKERS = keras_api.GET_VARIABLE | keras_api.VARIABLE | keras_api.BACKEND_VARIABLE


@dataclass(frozen=True)
class Trigger:
    """What a class must contain, any one of it, for a rule to possibly report there."""

    calls: frozenset[str] = frozenset()  # a call whose last name is one of these (`get_variable`)
    # a call resolving to one of these canonical names; one ending in "." is a namespace
    resolved_calls: frozenset[str] = frozenset()
    bases: frozenset[str] = frozenset()  # a base resolving to one of these canonical names
    appends_to: frozenset[str] = frozenset()  # `x.<name>.append/extend/insert(...)`
    assigns: frozenset[str] = frozenset()  # an assignment to `x.<name>`
    # a call resolving to one of these canonical names assigned to an attribute (`self.x = F(...)`)
    assigned_calls: frozenset[str] = frozenset()
    # an assignment to an attribute Keras keeps for itself, as KF402 reads it: one read-only on a
    # targeted line (`keras_api.READ_ONLY_ATTRIBUTES`; a Model's own in a Model only), or a built-in
    # layer's weight (`BUILTIN_READ_ONLY_WEIGHTS`: `kernel`) in a subclass of that layer
    reserved_assign: bool = False
    words: frozenset[str] = frozenset()  # a word of the class's text (a comment too)
    nested_assign: bool = False  # `a.b.c = F(...)`, F a Keras layer class
    # a Keras layer owning weights (on a targeted line: `Matcher._weightless`) constructed in `call`
    # or a method it calls
    layer_in_call: bool = False
    weight_in_call: bool = False  # a weight made (`WEIGHT_MAKERS`) in `call` or a method it calls
    # a weight made in a function or lambda nested in a method (it runs later: a `Lambda`'s)
    weight_in_nested: bool = False
    # an `add_weight(...)` whose arguments may do harm on a Keras line the run targets
    # (`add_weight_risk`: Keras 3 may reject or misread them, or tf_keras a shape given first)
    add_weight_arguments: bool = False
    scoped_weights: bool = False  # a TF1 variable scope opened, and a weight made, in the class
    # a Keras layer constructed as an element of a tuple or set assigned to an attribute
    # (`container_elements`), or a parameter of the method that may hold one (`may_hold_layer`)
    layer_in_container: bool = False
    param_in_container: bool = False
    layer_in_class_body: bool = False  # `x = Dense(...)` in the class body
    module_layer: bool = False  # a name the module binds to a constructed layer
    tf_module: bool = False  # a `tf.Module` (or a project class built on it) constructed
    tf1_layer: bool = False  # a TF1 layer class referred to (called, named, or a base)
    initializer_dtype: bool = False  # a Keras initializer called with `dtype=`
    # an `__init__` that calls no `__init__` itself (a helper it calls may: the rule decides)
    init_without_init: bool = False
    # an `__init__` that assigns, on a line before its first `__init__` call, an attribute Keras
    # sets again (`keras_api.RESET_BY_INIT`), or any attribute in a `Model` (KF403)
    assigns_before_init: bool = False
    # a name of a module-level function that may make a layer or a variable when it runs
    # (`_ffn(x)` in `call`, `Lambda(instance_norm)`): functions.py
    module_function: bool = False
    # a call resolving to one of these canonical names outside any Keras class (a model built
    # by a function, the functional API): the top-level statement holding it is parsed too. A
    # `Lambda(...)` only when what KF112 reads of it may hold something (`Matcher._lambda_may_hold`)
    functional_calls: frozenset[str] = frozenset()

    def __or__(self, other: Trigger) -> Trigger:
        return Trigger(**{f.name: getattr(self, f.name) | getattr(other, f.name) for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


class Lookups:
    """What the matchers of one module ask of its imports and of the index, each name asked
    once: the prefilter asks every selected rule's trigger about a class it keeps."""

    def __init__(self, imports: ImportMap, index: ClassIndex):
        self.imports = imports
        self.index = index
        self._resolved: dict[str, str] = {}
        self._layers: dict[str, bool] = {}
        self._tf_modules: dict[str, bool] = {}
        self._resolved_names: dict[frozenset[str], frozenset[str]] = {}

    @cached_property
    def tf1_names(self) -> re.Pattern[str] | None:
        """The names the module imports TF1's layer classes by, as a pattern of whole words."""
        names = tf1_imported_names(self.imports)
        return re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, names))) if names else None

    def resolve(self, name: str) -> str:
        found = self._resolved.get(name)
        if found is None:
            found = self._resolved[name] = self.imports.resolve_dotted(name) or ""
        return found

    def is_layer(self, name: str) -> bool:
        found = self._layers.get(name)
        if found is None:
            found = self._layers[name] = self.index.is_layer_dotted(name, self.imports)
        return found

    def is_tf_module(self, name: str) -> bool:
        """A call of `name` constructs a `tf.Module` (or a project class built on one)."""
        found = self._tf_modules.get(name)
        if found is None:
            qualified = self.imports.qualify_dotted(name)
            found = self._tf_modules[name] = bool(qualified and self.index.is_tf_module(qualified))
        return found

    def resolved_names(self, names: frozenset[str]) -> frozenset[str]:
        """What the names resolve to ("": a name that resolves to nothing)."""
        found = self._resolved_names.get(names)
        if found is None:
            found = self._resolved_names[names] = frozenset(self.resolve(name) for name in names)
        return found


class Matcher:
    """One trigger (the union of the selected rules') against one module's classes."""

    def __init__(self, trigger: Trigger, imports: ImportMap, index: ClassIndex, lookups: Lookups | None = None,
                 target: frozenset[str] = BOTH):
        self.trigger = trigger
        self.imports = imports
        self.index = index
        self.target = target  # the Keras lines the run reports for (target.py)
        self._prefixes = tuple(n for n in trigger.resolved_calls if n.endswith("."))
        self._lookups = lookups or Lookups(imports, index)

    def sharing(self, trigger: Trigger) -> Matcher:
        """A matcher of another trigger for the same module, sharing what this one looked up."""
        return Matcher(trigger, self.imports, self.index, self._lookups, self.target)

    def keeps(self, name: str, text: str, signals_of: Callable[[], ClassSignals]) -> bool:
        """Whether the class `name` (its text, and its signals as `signals_of()` gives them:
        the scan's, or a walk of it parsed again) holds what the trigger asks for."""
        t = self.trigger
        if t.words and any(word in text for word in t.words):
            return True
        if t.tf1_layer and self._lookups.tf1_names and self._lookups.tf1_names.search(text):
            return True  # a TF1 layer class imported by name, read anywhere in the class
        signals = signals_of()
        qualified = self._qualified(name)
        return (self._calls(signals) or self._layers(signals, qualified) or self._bases(signals)
                or bool(t.appends_to and any(_appended(name) in t.appends_to for name, *_ in signals.calls))
                or bool(t.assigns & signals.assigned)
                or bool(t.assigned_calls and not t.assigned_calls.isdisjoint(
                    self._lookups.resolved_names(frozenset(signals.attribute_calls))))
                or (t.nested_assign and any(self._is_layer(n) for n in signals.nested_assigned))
                or (t.reserved_assign and self._reserved_assign(signals, qualified))
                or (t.tf1_layer and any(self._is_tf1_layer(n) for n in signals.referred))
                or (t.init_without_init and signals.has_init and not signals.init_calls_init)
                or (t.param_in_container and signals.param_in_container)
                or (t.assigns_before_init and self._reset_by_init(signals, qualified))
                or (t.module_function and self._module_function(signals, qualified))
                or (t.add_weight_arguments and not signals.add_weight_risk.isdisjoint(self.target))
                or (t.weight_in_nested and any(self._makes_weight(name) for name in signals.nested_calls))
                or (t.weight_in_call and self._weight_in_call(signals, qualified))
                or (t.scoped_weights and self._scoped_weights(signals)))

    def _reserved_assign(self, signals: ClassSignals, qualified: str) -> bool:
        """KF402's cases (`rules/reserved_attribute.py`): a read-only Keras attribute harmful on a
        targeted line (`name` on any: `self.name = None` harms both), a Model's own in a Model
        only; a built-in weight (`kernel`) in a subclass of a layer making it a property, on any
        line (set in `call`, tf_keras loses it too)."""
        for name in signals.assigned:
            read_only = keras_api.READ_ONLY_ATTRIBUTES.get(name)
            if read_only is not None:
                lines, models_only = read_only
                if ((name == "name" or not keras_api.LINE_CODES[lines].isdisjoint(self.target))
                        and (not models_only or self.index.is_model(qualified))):
                    return True
            if name in keras_api.BUILTIN_READ_ONLY_WEIGHTS:
                bases = [self._resolve(b) for b in signals.bases] + list(self.index.bases_of(qualified))
                if not keras_api.BUILTIN_READ_ONLY_WEIGHTS[name].isdisjoint(
                        keras_layer_bases(self.index, bases, self.index.aliases)):
                    return True
        return False

    def _weightless(self, name: str) -> bool:
        """KF201's `builds_weightless` (`_lift_syntax.py`): a layer owning no weights, built in
        `call`, loses nothing; a seeded one (`Dropout`) is not weightless, but for Keras 3 only
        (its seed variable: tf_keras makes none)."""
        resolved = self._resolve(name)
        if keras_api.is_weightless_layer(resolved):
            return not keras_api.is_seeded_layer(resolved) or "3" not in self.target
        qualified = self.imports.qualify_dotted(name)
        return qualified is not None and self.index.is_weightless(qualified)

    def _makes_weight(self, name: str) -> bool:
        return name.rsplit(".", 1)[-1] in keras_api.WEIGHT_FACTORY_NAMES or self._resolve(name) in _WEIGHT_MAKERS

    def _reset_by_init(self, signals: ClassSignals, qualified: str) -> bool:
        """KF403's traps (`rules/state_before_super.py`) before `super().__init__()`: an attribute
        Keras sets again, on a targeted line (`name` on both); in a Model, for tf_keras, a layer or
        variable built into any attribute."""
        early = signals.assigned_before_init()
        for attr in early:
            lines = keras_api.RESET_BY_INIT.get(attr)
            if lines is not None and (attr == "name" or not keras_api.LINE_CODES[lines].isdisjoint(self.target)):
                return True
        return "2" in self.target and any(
            self._is_layer(name) or self._resolve(name) in keras_api.VARIABLE
            for calls in early.values() for name in calls) and self.index.is_model(qualified)

    def _scoped_weights(self, signals: ClassSignals) -> bool:
        _, names, _ = signals.call_names
        return (any(self._resolve(name) in keras_api.VARIABLE_SCOPE for name in names)
                and any(self._makes_weight(name) for name in names))

    def _weight_in_call(self, signals: ClassSignals, qualified: str) -> bool:
        in_call = signals.reached_from_call(self.index, qualified)
        return any(method in in_call and self._makes_weight(name) for name, method, *_ in signals.calls)

    def _resolve(self, name: str) -> str:
        return self._lookups.resolve(name)

    def _is_layer(self, name: str) -> bool:
        return self._lookups.is_layer(name)

    def _is_tf1_layer(self, name: str) -> bool:
        return self._resolve(name).startswith("tf1.layers.")

    def _calls(self, signals: ClassSignals) -> bool:
        """A call the trigger names: each distinct name of the class's calls asked once."""
        t = self.trigger
        lasts, names, with_dtype = signals.call_names
        if not t.calls.isdisjoint(lasts):
            return True
        if t.resolved_calls or t.initializer_dtype:
            resolved = self._lookups.resolved_names(names)
            if not t.resolved_calls.isdisjoint(resolved) or (
                    self._prefixes and any(name.startswith(self._prefixes) for name in resolved)):
                return True
            if t.initializer_dtype and any(keras_api.is_keras_initializer(self._resolve(n)) for n in with_dtype):
                return True
        return t.tf_module and any(self._lookups.is_tf_module(name) for name in names)

    def _qualified(self, name: str) -> str:
        """The class's name in the index (a nested class's too: the scan names it so)."""
        module = self.imports.module_name
        return f"{module}.{name}" if module else name

    def _layers(self, signals: ClassSignals, qualified: str) -> bool:
        t = self.trigger
        if t.layer_in_container and any(self._is_layer(name) for name in signals.contained):
            return True
        if t.layer_in_call:
            in_call = signals.reached_from_call(self.index, qualified)
            for name, method, _dtype in signals.calls:
                # in `call`, a layer is built by a class (`Dense`) or a bare name (an alias)
                if (method in in_call and (name.rsplit(".", 1)[-1][:1].isupper() or "." not in name)
                        and self._is_layer(name) and not self._weightless(name)):
                    return True
        if t.layer_in_class_body and any(self._is_layer(name) for name in signals.body_calls):
            return True
        calls = self.imports.module_calls
        return t.module_layer and any(self._is_layer(calls[n]) for n in signals.names if n in calls)

    def keeps_functional(self, statement: ast.stmt, narrow: bool = True) -> bool:
        """A call the trigger's `functional_calls` name, anywhere in a top-level statement (with
        `narrow`, a `Lambda(...)` only when it may hold what KF112 reports)."""
        wanted = self.trigger.functional_calls
        stack: list[ast.AST] = [statement]
        while stack:  # not ast.walk: no names' contexts nor operators (astwalk.py), a third of the nodes
            node = stack.pop()
            if type(node) is ast.Call:
                called = self._resolve(ast_dotted(node.func) or "")
                if called in wanted and (called != _LAMBDA or not narrow or self._lambda_may_hold(node)):
                    return True
            stack.extend(child_nodes(node))
        return False

    def _lambda_may_hold(self, call: ast.Call) -> bool:
        """What KF112 reads of a `Lambda(...)` outside Keras classes (rules/_lambda_uses.py), or
        more: a name passed through `arguments={...}` (a Keras tensor?), a function of the module
        that may make something, a factory of the module (`Lambda(make_applier(inner))`), or a
        lambda calling what may make a variable or a layer, or a bare name (a local layer?).
        `Lambda(lambda x: tf.reduce_sum(x, axis=1))` holds none of them."""
        functions = self.imports.functions
        for keyword in call.keywords:
            if keyword.arg == "arguments" and type(keyword.value) is ast.Dict and any(
                    type(value) is ast.Name for value in keyword.value.values):
                return True
        candidates = [arg for arg in call.args if type(arg) is not ast.Starred]
        candidates += [k.value for k in call.keywords if k.arg == "function"]
        for function in candidates:
            if type(function) is ast.Name:
                if function.id in functions and may_make_any(functions, function.id):
                    return True
            elif type(function) is ast.Call:
                if type(function.func) is ast.Name and function.func.id in functions:
                    return True
            elif type(function) is ast.Lambda and self._lambda_calls_maker(function):
                return True
        return False

    def _lambda_calls_maker(self, function: ast.Lambda) -> bool:
        arguments = function.args
        params = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
        functions = self.imports.functions
        for node in ast.walk(function.body):
            if type(node) is not ast.Call:
                continue
            func = node.func
            if type(func) is ast.Name:
                if func.id in params:
                    continue
                if func.id not in functions or may_make_any(functions, func.id) or self._is_layer(func.id):
                    return True  # a local layer or model, a class, a function that makes something
                continue
            name = ast_dotted(func)
            if name and (self._resolve(name) in _WEIGHT_MAKERS or self._is_layer(name)):
                return True
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

# a `Lambda(...)` outside any Keras class too (a model built by a function: KF112)
LAMBDA_LAYERS = Trigger(functional_calls=frozenset({"keras.layers.Lambda"}))
# what a file holding no Keras class must contain for a functional trigger to find anything in
# it: the last name of a call it names (the runner's gate on a file's bytes, see
# prefilter._functional_spans); every rule's `functional_calls` is among LAMBDA_LAYERS's
FUNCTIONAL_WORDS = frozenset(name.rsplit(".", 1)[-1].encode() for name in LAMBDA_LAYERS.functional_calls)


def may_hold_functional(data: bytes) -> bool:
    """A file with no Keras class may still build a model by a function (`Lambda(...)`: KF112)."""
    return any(word in data for word in FUNCTIONAL_WORDS)
