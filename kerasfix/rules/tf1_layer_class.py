"""KF203: a TF1 `tf.layers.<Class>` in a Keras layer or as its base; its arguments are converted
as KF202's are (`_lift_syntax.keras_constructor_args`)."""

from __future__ import annotations

from typing import Iterator, Sequence

import libcst as cst

from .. import keras_api as api
from ..edits import AddImport, DropImport, Edit, Fix, Replace, Safety
from ..names import canonical, tf1_imported_names
from ..syntax import is_load
from ..triggers import Trigger
from ._lift_syntax import keras_constructor_args
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, dotted, source
from .calls import bind, layout

DOC = """\
## What it does
Finds TF1's layer classes, `tf.layers.Dense`, `tf.layers.Layer`, `tf.compat.v1.layers.Conv2D`,
`core_layers.Dense` (`from tensorflow.python.layers import core as core_layers`), `base.Layer`,
and the same classes imported by name (`from tensorflow.compat.v1.layers import Dense`), used
as a base class anywhere or referred to inside a Keras layer or model, and spells them as the
Keras classes they were aliases of.

## Why is this bad?
`tf.layers` does not exist in TF 2, `tf.compat.v1.layers.X` raises under Keras 3 ("`Layer`
is not available with Keras 3"), and `from tensorflow.compat.v1.layers import Dense` fails
with ImportError. `tensorflow.python.layers` still imports on Keras 3, but its classes are the
old `tensorflow.python.keras` ones: measured, a `core_layers.Dense` held by a Keras 3 layer
reports 0 of its 2 weights, and a Keras 3 model holding a `base.Layer` subclass misses that
layer's weight. On tf_keras 2 it runs, but a class derived from `tf.compat.v1.layers.Layer`
does not track the Keras layers it holds: measured, a block holding a `Conv2D` reported 0 of
its 2 weights. The Keras classes are tracked on both lines.

## Example
```python
from tensorflow.python.layers import core as core_layers


class Block(tf.layers.Layer):
    def build(self, input_shape):
        self.proj = core_layers.Dense(8, name="proj", use_bias=False, dtype=tf.float32)
        self.gate = tf.compat.v1.layers.Dense(1, tf.nn.sigmoid)
```

## Use instead
```python
class Block(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.proj = tf.keras.layers.Dense(8, name="proj", use_bias=False, dtype=tf.float32)
        self.gate = tf.keras.layers.Dense(1, tf.nn.sigmoid)
```
Positional arguments stay positional where the Keras class has the same order, and become
keywords where it does not (Keras's `Conv2D` has `groups` where TF1 had `activation`). The
keywords every Keras layer takes (`name`, `dtype`, `trainable`, `input_shape`, `input_dim`,
`autocast`, `activity_regularizer`) are kept as they are. Once every fix of the file is in,
the TF1 import it went through (`core_layers`, or `Dense` imported by name) is removed when
nothing else in the file reads it, unless a comment shares its lines (a comment is never
lost); `import tensorflow as tf` is added when nothing else can spell the Keras class.

## When there is no fix
A keyword Keras 3 refuses (`batch_input_shape`, `batch_size`, `dynamic`, `weights`: ValueError
there, though tf_keras takes them), or one no Keras class has (TF1's private `_reuse`,
`_scope`): the finding says what to do instead.

## Fix safety
Safe: in TF 1.13 and later `tf.layers.X` subclassed `tf.keras.layers.X` with the same
arguments; the TF1 subclass added only graph-mode variable-scope naming, which TF 2 does not
have.
"""

VALID = (
    """\
import tensorflow as tf


class Block(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.proj = tf.keras.layers.Dense(8, name="proj")
""",
)

INVALID = (
    """\
import tensorflow as tf


class Block(tf.compat.v1.layers.Layer):
    def build(self, input_shape):
        self.proj = tf.compat.v1.layers.Dense(8, name="proj")
""",
)

KF203 = Rule(
    code="KF203",
    name="tf1-layer-class",
    summary="a TF1 `tf.layers.<Class>` in a Keras layer or as its base",
    finds=(
        "`tf.layers.Dense`, `core_layers.Dense`, `base.Layer`, or one imported by name, as a base or inside a"
        " layer"
    ),
    fixed_by=(
        "the Keras class, positions made keywords where they differ, the TF1 import it left unread removed, "
        "safe"
    ),
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.SAFE,
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(tf1_layer=True),
    help=("use the Keras class of the same name (`tf.keras.layers.Dense` for `tf.layers.Dense`), with Keras's "
          "argument names"),
)


class Tf1LayerClass(RuleFamily):
    rules = (KF203,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        return _tf1_classes(ctx)


def _tf1_classes(ctx: Context) -> Iterator[Finding]:
    """`tf.layers.Dense` and friends: as a class's base anywhere, or used inside a Keras class.

    No look at the text first: `class Norm(base.Layer)` names no `layers`, and its import is
    outside the piece of the file being read."""
    calls: dict[int, cst.Call] = {}
    seen: set[int] = set()
    for expr in _tf1_class_sites(ctx, calls):
        if id(expr) in seen:
            continue
        seen.add(id(expr))
        resolved = ctx.resolve(expr) or ""
        name = resolved.rsplit(".", 1)[-1]
        if resolved.startswith("tf1.layers.") and name[:1].isupper():
            yield _tf1_class(ctx, expr, calls.get(id(expr)), api.TF1_LAYER_CLASS_ALIASES.get(name, name))


def _tf1_class_sites(ctx: Context, calls: dict[int, cst.Call]) -> Iterator[cst.BaseExpression]:
    """Every base of every class, and every dotted name (or name imported from TF1's layers)
    read in a Keras class's methods; `calls` learns which of them are called."""
    for class_def in ctx.all_classes:
        yield from (arg.value for arg in class_def.bases
                    if arg.keyword is None and isinstance(arg.value, (cst.Name, cst.Attribute)))
    imported = set(tf1_imported_names(ctx.imports))
    for cls in ctx.keras_classes:
        for nodes in cls.method_nodes.values():
            for node in nodes:
                if type(node) is cst.Call:  # exact types: see syntax.of_kind
                    calls[id(node.func)] = node
                elif type(node) is cst.Attribute or (
                        type(node) is cst.Name and node.value in imported and is_load(node, cls.parents)):
                    yield node


def _tf1_class(ctx: Context, expr: cst.BaseExpression, call: cst.Call | None, keras_name: str) -> Finding:
    what = f"`{source(expr)}` is TF1's layer class: {_tf1_class_trap(ctx, expr)}"
    spelled, needed = _spell_keras_layer(ctx, keras_name)
    if spelled is None:
        return Finding("KF203", expr, f"{what}; use `tf.keras.layers.{keras_name}`")
    new_func = cst.parse_expression(spelled)
    spec = api.TF1_LAYER_CLASSES.get(keras_name)
    if call is None or spec is None:
        edit = Replace(expr, new_func)
    else:
        bound = bind(call, api.tf1_class_params(spec))
        problem = _unconvertible(bound)
        if problem:
            return Finding("KF203", expr, f"{what}; use `{spelled}` by hand: {problem}")
        args = keras_constructor_args(call, bound, spec)
        if _same_arguments(call.args, args):  # the call keeps its own layout
            edit = Replace(call, call.with_changes(func=new_func))
        else:
            edit = Replace(call, call.with_changes(func=new_func, args=layout(call, args)))
    edits: tuple[Edit, ...] = (edit, *needed, *_dead_import(ctx, expr))
    return Finding("KF203", expr, f"{what}; use `{spelled}`", Fix(edits, Safety.SAFE))


def _same_arguments(old: Sequence[cst.Arg], new: list[cst.Arg]) -> bool:
    """The new arguments are the old ones, in order, each by position or keyword as before."""
    return len(old) == len(new) and all(
        a.value is b.value and (a.keyword is None) == (b.keyword is None)
        and (a.keyword is None or b.keyword is None or a.keyword.value == b.keyword.value)
        for a, b in zip(old, new))


def _tf1_class_trap(ctx: Context, expr: cst.BaseExpression) -> str:
    """What the spelling does on Keras 3 (measured on TF 2.21)."""
    qualified = ctx.imports.qualify_dotted(dotted(expr) or "") or ""
    if qualified.startswith(api.TF1_LAYERS_LEGACY_MODULE + "."):
        return "on Keras 3 it is no Keras layer, and the weights it holds or makes are lost"
    if isinstance(expr, cst.Name):
        return "its import fails on Keras 3 (ImportError)"
    return "gone on Keras 3 (AttributeError)"


def _unconvertible(bound) -> str | None:
    """Why a TF1 layer class's call cannot become the Keras class's, or None."""
    if bound is None:
        return "its arguments cannot be read (`*args`, `**kwargs`, or too many by position)"
    for name in bound.unknown:
        if name in api.KERAS2_ONLY_LAYER_KEYWORDS:
            return api.KERAS2_ONLY_LAYER_KEYWORDS[name]
        if name not in api.KERAS_LAYER_KEYWORDS:
            return f"the Keras class has no `{name}` argument"
    return None


def _spell_keras_layer(ctx: Context, name: str) -> tuple[str | None, tuple[AddImport, ...]]:
    """How the module can say `keras.layers.<name>`, and the import that needs, if any."""
    spelled = ctx.imports.spell_keras(f"layers.{name}")
    if spelled is not None:
        return spelled, ()
    if not ctx.imports.is_bound("tf"):
        return f"tf.keras.layers.{name}", (AddImport("import tensorflow as tf"),)
    return None, ()


def _dead_import(ctx: Context, expr: cst.BaseExpression) -> tuple[DropImport, ...]:
    """The import of TF1's layers this spelling came through (`core_layers`, `Dense`): once the
    fix is in, it may be read nowhere else."""
    head = (dotted(expr) or "").split(".", 1)[0]
    target = ctx.imports.bindings.get(head, "")
    return (DropImport(head),) if canonical(target).startswith("tf1.layers") else ()
