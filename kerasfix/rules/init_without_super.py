"""KF401: a Keras layer or model whose `__init__` never calls `super().__init__(...)`."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..edits import Fix, InsertAfter, InsertBefore, Safety
from ..triggers import Trigger
from .base import Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, is_docstring, self_name

DOC = """\
## What it does
Finds a Keras layer or model class whose `__init__` never calls `super().__init__(...)`
(nor `Base.__init__(self, ...)`, nor a method of the class that does), and adds
`super().__init__(...)` as its first statement.

## Why is this bad?
Keras sets up the layer's weight tracking, name, dtype policy and build state in
`Layer.__init__`. Without it, the object cannot be used: on Keras 3 the first call raises
`RuntimeError: ... you forgot to call super().__init__()`, and even `repr(layer)` fails; on
tf_keras 2 a `Model` raises RuntimeError at construction and a layer at its first call.
Legacy code reaches this when a class is ported from a plain Python class or `tf.Module`.
A `super().__init__()` that comes *after* some attribute assignments works on both lines and
is not reported.

## Example
```python
class Scale(tf.keras.layers.Layer):
    def __init__(self, factor, name=None, **kwargs):
        self.factor = factor
```

## Use instead
```python
class Scale(tf.keras.layers.Layer):
    def __init__(self, factor, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.factor = factor
```

## Fix safety
The call is added first, forwarding `**kwargs` when the signature takes them, and `name=`,
`dtype=`, `trainable=` when the signature takes those parameters by name (Keras's own
keyword arguments; `*args` are not forwarded: Keras 3 takes none by position). Safe: code
that raised now runs. Unsafe when the class has more than one base: `super()` then reaches
the next class of the MRO, whose `__init__` may expect other arguments.
"""

VALID = (
    """\
import tensorflow as tf


class Scale(tf.keras.layers.Layer):
    def __init__(self, factor, **kwargs):
        self.factor = factor
        super().__init__(**kwargs)


class Plain:
    def __init__(self, factor):
        self.factor = factor
""",
)

INVALID = (
    """\
import tensorflow as tf


class Scale(tf.keras.layers.Layer):
    def __init__(self, factor, name=None, **kwargs):
        self.factor = factor
""",
)


KF401 = Rule(
    code="KF401",
    name="init-without-super",
    summary="a Keras layer or model whose `__init__` never calls `super().__init__()`",
    finds="an `__init__` that never calls `super().__init__()` (RuntimeError on both lines)",
    fixed_by=(
        "`super().__init__(...)` added first, forwarding `**kwargs`, `name`, `dtype`, `trainable`; safe with "
        "one base, else unsafe"
    ),
    fix=FixAvailability.SOMETIMES,  # `def __init__(self): pass` on one line is left to a person
    safety=RuleSafety.DEPENDS,
    safety_reason="safe with one base class, else unsafe",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(init_without_init=True),
    help=("call `super().__init__(**kwargs)` first in `__init__`, passing on `name`, `trainable` and `dtype` "
          "where `__init__` takes them"),
)

# Parameters of `Layer.__init__` worth forwarding when the subclass takes them by name.
FORWARDED_PARAMETERS = ("name", "dtype", "trainable")


class InitWithoutSuper(RuleFamily):
    rules = (KF401,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            init = cls.methods.get("__init__")
            if init is not None and not init.decorators and not _reaches_init(cls) and not _own_call(cls):
                yield _finding(cls, init)


def _own_call(cls: KerasClass) -> bool:
    """The class overrides `__call__` and never reaches Keras's: Keras's setup never runs, and
    nothing needs it (keras-cv's `Augmenter`; measured: it builds and calls on both lines)."""
    if "__call__" not in cls.methods:
        return False
    return not any(isinstance(node, cst.Attribute) and node.attr.value == "__call__"
                   for node in cls.method_nodes["__call__"])


def _calls_an_init(cls: KerasClass, method: str) -> bool:
    """The method calls `super().__init__(...)`, `Base.__init__(self, ...)` or the like."""
    return any(isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
               and node.func.attr.value == "__init__" for node in cls.method_nodes[method])


def _reaches_init(cls: KerasClass) -> bool:
    """`__init__`, or a method it calls through `self`, calls an `__init__`."""
    seen: set[str] = set()
    todo = ["__init__"]
    while todo:
        name = todo.pop()
        if name in seen or name not in cls.methods:
            continue
        seen.add(name)
        if _calls_an_init(cls, name):
            return True
        me = self_name(cls.methods[name])
        todo.extend(node.func.attr.value for node in cls.method_nodes[name]
                    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                    and isinstance(node.func.value, cst.Name) and node.func.value.value == me)
    return False


def _super_call(init: cst.FunctionDef) -> str:
    params = init.params
    named = {p.name.value for p in (*params.params, *params.kwonly_params)}
    arguments = [f"{name}={name}" for name in FORWARDED_PARAMETERS if name in named]
    if isinstance(params.star_kwarg, cst.Param):
        arguments.append(f"**{params.star_kwarg.name.value}")
    return f"super().__init__({', '.join(arguments)})"


def _finding(cls: KerasClass, init: cst.FunctionDef) -> Finding:
    call = _super_call(init)
    message = (f"`{cls.node.name.value}.__init__` never calls `super().__init__()`: Keras never sets "
               f"the layer up (RuntimeError on Keras 3 and tf_keras); call `{call}` first")
    return Finding(KF401.code, init.name, message, _fix(cls, init, call))


def _fix(cls: KerasClass, init: cst.FunctionDef, call: str) -> Fix | None:
    if not isinstance(init.body, cst.IndentedBlock):
        return None  # `def __init__(self): pass` on one line: rare, left to a person
    statement = cst.parse_statement(call + "\n")
    body = init.body.body
    safety = Safety.SAFE if len(cls.node.bases) == 1 else Safety.UNSAFE
    if is_docstring(body[0]):
        return Fix((InsertAfter(body[0], (statement,)),), safety)
    return Fix((InsertBefore(body[0], (statement,)),), safety)

