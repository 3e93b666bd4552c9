"""KF206: a module-level function, run from a Keras layer's `call`, that builds layers or makes
variables each time it runs."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..triggers import Trigger
from ..records import FunctionRecord
from ..syntax import dotted
from ._module_functions import (Made, bound_in, imported_function, imported_made, made_by, module_function,
                                what_is_made, where_made)
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
Report only.

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

Another module's function is followed one module deep: what it makes itself or through its
own module's functions, not through functions it imports in turn. A function a package's
`__init__` imports from one of its own modules (`from .helpers import ffn`, so that a layer
writes `from pkg import ffn`) is followed there, one hop; a star re-export (`from .helpers
import *`) is not. A module of helpers only (no
class) is read when its text names a maker (`layers.`, `get_variable(`, `Variable(`, ...).

## Fix safety
No automatic fix: the function's parameters change, and every other caller of it (in this
module or, for a public function, in others) has to build the layers too. The message says
where the function makes each layer or variable.
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
    fixed_by="report: build them once in `__init__`/`build` and pass them in",
    fix=FixAvailability.NEVER,
    safety=RuleSafety.NONE,
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
        for cls in ctx.keras_classes:
            for method in sorted(cls.call_methods):
                yield from _in_method(ctx, cls, method)


def _in_method(ctx: Context, cls: KerasClass, method: str) -> Iterator[Finding]:
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
        yield _finding(node, name, method, made, record)


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


def _finding(call: cst.Call, name: str, method: str, made: list[Made], record: FunctionRecord | None) -> Finding:
    kinds = {m.kind for m in made}
    once = {"layer": "build the layers once in `__init__`",
            "variable": "make the variables once in `build` with `self.add_weight(...)`"}
    todo = " and ".join(once[k] for k in ("layer", "variable") if k in kinds or (k == "layer" and kinds & _TF1))
    lost = "lost on tf_keras, and Keras 3 has no `tf.layers` (AttributeError)" if kinds == {"TF1 layer"} else (
        "and `tf.contrib` is gone in TF 2 (AttributeError on Keras 3 and tf_keras)" if kinds == {"TF1 contrib layer"}
        else "lost on Keras 3 and tf_keras")
    last = name.rsplit(".", 1)[-1]
    module = record.qualified.rsplit(".", 1)[0] if record else ""
    defined = f" (`{module}`, line {record.line})" if record else ""
    of = f" of `{module}`" if record else ""
    public = "" if last.startswith("_") else f" (`{name}` is public: its other callers need them too)"
    return Finding(KF206.code, call,
                   f"`{name}`{defined} builds {what_is_made(made)} each time `{method}` runs "
                   f"({where_made(made, last, of)}): made "
                   f"anew on every call and never tracked, {lost}; {todo} and pass them to `{name}`{public}",
                   help=f"{todo}, add a parameter to `{name}` for them and pass them from `{method}`")
