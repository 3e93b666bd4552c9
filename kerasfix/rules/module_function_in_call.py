"""KF206: a module-level function, run from a Keras layer's `call`, that builds layers or makes
variables each time it runs."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..edits import Fix, Safety
from ..triggers import Trigger
from ..records import FunctionRecord
from ..syntax import dotted
from ._module_functions import (Made, bound_in, imported_function, imported_made, made_by, module_function,
                                what_is_made, where_made)
from ._lift_function import Site, function_fix
from .base import (Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, deferred_function,
                   is_self_attribute, self_name, walk)

DOC = """\
## What it does
Finds a call, in `call` (or a method `call` runs), of a function defined at the top level of
the module or of another module of the project (`from pkg import helpers; helpers.ffn(x)`,
`from pkg.helpers import ffn`) that builds a Keras layer (`tf.keras.layers.Dense(...)`,
`tf.layers.dense(...)`, `tf.contrib.layers.layer_norm(...)` and TF1's other contrib layer functions
that make variables, a layer class of the project) or makes a variable (`tf.Variable`,
`tf.compat.v1.get_variable`, `keras.backend.variable`) when it runs, itself or through the
other functions of its module it calls. It reports the call site in the layer, and names the
function, its module (for another module's) and the line where the layer or variable is made.
For a private function of the module that only Keras layers call, an unsafe fix builds its
layers once in each caller's `__init__` and passes them in (see Fix safety).

## Why is this bad?
The function runs on every forward pass, so it builds a new layer (new random weights) or a
new variable each time, and the layer that calls it tracks none of them: nothing is learned,
two calls of the same input differ, and a checkpoint saves nothing of them (measured on
Keras 3 and tf_keras alike: 0 weights). It is the trap of a layer built in `call` (KF201) or a
variable made there (KF103), one function away, where those rules do not look.

## Example
```python
def _ffn(x, units):
    h = tf.keras.layers.Dense(units, activation="relu")(x)
    return tf.keras.layers.Dense(units)(h)


class FeedForward(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, x):
        return _ffn(x, self.units)
```

## Use instead
Build the layers once in `__init__` (a variable in `build`, with `self.add_weight(...)`) and
hand them to the function:
```python
def _ffn(x, inner, outer):
    return outer(inner(x))


class FeedForward(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner = tf.keras.layers.Dense(units, activation="relu")
        self.outer = tf.keras.layers.Dense(units)

    def call(self, x):
        return _ffn(x, self.inner, self.outer)
```
A function called from `__init__` or `build` runs once, and what it builds there is left to
the other rules; a function that makes no layer and no variable is not reported.

A function that builds only TF1 RNN cell wrappers (`DropoutWrapper`, `ResidualWrapper`,
`MultiRNNCell`, around cells it builds from a class it is given) is reported with the wrappers
named: they own no weights (measured on tf_keras), the cells they wrap do.

Another module's function is followed one module deep: what it makes itself or through its
own module's functions, not through functions it imports in turn. A function a package's
`__init__` imports from one of its own modules (`from .helpers import ffn`, so that a layer
writes `from pkg import ffn`) is followed there, one hop; a star re-export (`from .helpers
import *`) is not. A module of helpers only (no
class) is read when its text names a maker (`layers.`, `get_variable(`, `Variable(`, ...).

## Fix safety
Unsafe, and only for a private function of the module (its name starts with `_`): each layer
it builds becomes a new parameter of the function, and each call site passes a layer built
once in its class's `__init__` (`self.ffn_dense = tf.keras.layers.Dense(self.units,
activation="relu")`, after `super().__init__()` and after the attributes it reads), from what
that site passes. The example above becomes:
```python
def _ffn(x, units, dense, dense_1):
    h = dense(x)
    return dense_1(h)


class FeedForward(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.ffn_dense = tf.keras.layers.Dense(self.units, activation="relu")
        self.ffn_dense_1 = tf.keras.layers.Dense(self.units)

    def call(self, x):
        return _ffn(x, self.units, self.ffn_dense, self.ffn_dense_1)
```
The function's signature changes for every caller, so every one is changed or none: the fix
is made only when all of these hold, else the finding says which one failed ("no automatic
fix: ..."):
- the function is defined once, by a plain `def` at the top of the module, not decorated,
  no generator, no `global`; every use of its name in the module is a call from a Keras
  layer's `call` (or a method `call` runs exactly once per call), in no loop, under no
  condition, not in `__init__` or `build`, not from another function, never as a value;
- it builds only Keras layers (no variable, no TF1 `tf.layers.*` layer, no TF1 RNN cell), each written in its
  own body (not in a function it calls), in no loop, under no condition, not in the body of
  a `try` with handlers (what the constructor raises would no longer be caught), called at once
  (`Dense(u)(x)`) or bound once to a local (`d = Dense(u)`: the binding goes, the local's
  name becomes the parameter), from its parameters, literals and the module's names only;
- at each call site, what the layers read of what is passed can be computed in `__init__` (an
  attribute set there, a constant; not an argument of `call`, not the result of a method of
  `self`), or in `build` from the input's shape (`x.shape[-1]` in the function, `x` being
  `call`'s input: built in `build(self, input_shape)` from `input_shape[-1]`, as KF201 does),
  and neither the method nor `__init__`/`build` binds a name the layers read; a default the
  site leaves (`units=UNITS`) reads no module name set again after the `def` (the default
  keeps the value of `def` time, `__init__` would read the new one).

Unsafe because code elsewhere may still call the function the old way: another module that
imports a private name, or a caller outside the module. Each call site gets its own layers
(two calls of `_ffn` in one `call`, or two classes calling it, no longer share anything:
before the fix nothing was shared either, every call built new layers). The function keeps its
parameters (`units` above), though it may no longer read them: other callers may pass them.
The new parameters go last, by position when the function has plain parameters only and every
call passes them all by position, else keyword-only. A literal `name=` is kept: two call sites
in one class then build two layers of that name. A function of another module, a public
one, or one that makes variables is reported for a person.
"""

VALID = (
    """\
import tensorflow as tf


def _ffn(x, inner, outer):
    return outer(inner(x))


def _make_ffn(units):
    return tf.keras.layers.Dense(units, activation="relu"), tf.keras.layers.Dense(units)


class FeedForward(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.outer = _make_ffn(units)

    def call(self, x):
        return _ffn(x, self.inner, self.outer)
""",
)

INVALID = (
    """\
import tensorflow as tf


def _ffn(x, units):
    h = tf.keras.layers.Dense(units, activation="relu")(x)
    return tf.keras.layers.Dense(units)(h)


class FeedForward(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, x):
        return _ffn(x, self.units)
""",
)

KF206 = Rule(
    code="KF206",
    name="module-function-in-call",
    summary="a module-level function run from `call` builds layers or makes variables on every call",
    finds="a function of the module, run from `call`, that builds a layer or makes a variable (lost on both lines)",
    fixed_by=("layers of a private function only layers call: built once in `__init__` and passed in, unsafe "
              "(its signature changes); else report"),
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.UNSAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(module_function=True),
    help=("build the layers once in `__init__` (variables in `build` with `self.add_weight(...)`), "
          "add a parameter to the function for them and pass them from `call`"),
)


class ModuleFunctionInCall(RuleFamily):
    rules = (KF206,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        if not (ctx.imports.functions or ctx.index.functions):
            return
        found = [(cls, method, *site) for cls in ctx.keras_classes for method in sorted(cls.call_methods)
                 for site in _in_method(ctx, cls, method)]
        fixes = _fixes(ctx, [(Site(cls, method, node), name) for cls, method, node, name, _, record in found
                             if record is None and _private(name)])
        for _cls, method, node, name, made, record in found:
            yield _finding(node, name, method, made, record, fixes.get(name))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def _fixes(ctx: Context, sites: list[tuple[Site, str]]) -> dict[str, Fix | str]:
    """One fix per private function of the module (shared by its call sites: its parameters
    change for all of them), or why there is none."""
    by_name: dict[str, list[Site]] = {}
    for site, name in sites:
        by_name.setdefault(name, []).append(site)
    fixes: dict[str, Fix | str] = {}
    for name, of_name in by_name.items():
        planned = function_fix(ctx, name, of_name)
        fixes[name] = planned if isinstance(planned, str) else Fix(planned, Safety.UNSAFE)
    return fixes


def _in_method(ctx: Context, cls: KerasClass, method: str) -> Iterator[tuple[cst.Call, str, list[Made],
                                                                              FunctionRecord | None]]:
    bound: set[str] | None = None
    for node in cls.method_nodes[method]:
        if type(node) is not cst.Call:
            continue
        written = dotted(node.func) if type(node.func) in (cst.Name, cst.Attribute) else None
        own = type(node.func) is cst.Name and written in ctx.imports.functions
        record = imported_function(ctx, written) if written and not own else None
        if not own and record is None:
            continue
        bound = bound_in(cls, method) if bound is None else bound
        name = module_function(ctx, node.func, bound) if own else written
        if not name or (record is not None and name.split(".")[0] in bound):
            continue  # a name the method binds itself (`ffn = self.ffn`)
        made = imported_made(ctx, record) if record is not None else made_by(ctx, name)
        if not made or deferred_function(ctx, cls, node, cls.methods[method]) is not None:
            continue  # a function a `Lambda` layer runs is KF112's; one kept on `self`, not run here
        if _runs_once(cls, method, node, set()):
            continue
        yield node, name, made, record


def _runs_once(cls: KerasClass, method: str, node: cst.CSTNode, seen: set[str]) -> bool:
    """The site runs under `if <a test of self's state>:` (`if not self._built_models:`), in
    its method or around every call of that method from `call`'s methods: a one-time set-up
    on the first call (tensorflow-gnn's MapFeatures builds its models so, and keeps them),
    not a build on every call. KF201 words the Keras 3 side of such lazy set-ups."""
    if _under_state_test(cls, node, method):
        return True
    if method == "call" or method in seen:
        return False
    seen.add(method)
    sites = [(caller, call) for caller in cls.call_methods for call in cls.nodes_of(caller, cst.Call)
             if is_self_attribute(call.func, self_name(cls.methods[caller])) == method]
    return bool(sites) and all(_runs_once(cls, caller, call, seen) for caller, call in sites)


def _under_state_test(cls: KerasClass, node: cst.CSTNode, method: str) -> bool:
    me = self_name(cls.methods[method])
    child, parent = node, cls.parents.get(id(node))
    while parent is not None and parent is not cls.methods[method]:
        if isinstance(parent, cst.If) and child is parent.body and any(
                is_self_attribute(n, me) for n in walk(parent.test)):
            return True
        child, parent = parent, cls.parents.get(id(parent))
    return False


_TF1 = {"TF1 layer", "TF1 contrib layer"}


def _finding(call: cst.Call, name: str, method: str, made: list[Made], record: FunctionRecord | None,
             fix: Fix | str | None) -> Finding:
    kinds = {m.kind for m in made}
    wrappers = kinds == {"RNN wrapper"}
    once = {"layer": "build the layers once in `__init__`",
            "variable": "make the variables once in `build` with `self.add_weight(...)`"}
    todo = "build the cells once in `__init__`" if wrappers else " and ".join(
        once[k] for k in ("layer", "variable") if k in kinds or (k == "layer" and kinds & (_TF1 | {"RNN wrapper"})))
    lost = "lost on tf_keras, and Keras 3 has no `tf.layers` (AttributeError)" if kinds == {"TF1 layer"} else (
        "and `tf.contrib` is gone in TF 2 (AttributeError on Keras 3 and tf_keras)" if kinds == {"TF1 contrib layer"}
        else "lost on tf_keras, and Keras 3 has no TF1 RNN cells (AttributeError)" if wrappers
        else "lost on Keras 3 and tf_keras")
    last = name.rsplit(".", 1)[-1]
    module = record.qualified.rsplit(".", 1)[0] if record else ""
    defined = f" (`{module}`, line {record.line})" if record else ""
    of = f" of `{module}`" if record else ""
    # a wrapper owns no weight: the cells it wraps do (keras_api.TF1_RNN_WRAPPERS)
    anew = (f"wrappers own no weights, the cells they wrap do: those `{name}` builds are made anew on every call"
            if wrappers else "made anew on every call")
    public = "" if last.startswith("_") else f" (`{name}` is public: its other callers need them too)"
    refused = f" (no automatic fix: {fix})" if isinstance(fix, str) else ""
    return Finding(KF206.code, call,
                   f"`{name}`{defined} builds {what_is_made(made)} each time `{method}` runs "
                   f"({where_made(made, last, of)}): {anew} "
                   f"and never tracked, {lost}; {todo} and pass them to `{name}`{public}{refused}",
                   fix if isinstance(fix, Fix) else None,
                   help=f"{todo}, add a parameter to `{name}` for them and pass them from `{method}`")
