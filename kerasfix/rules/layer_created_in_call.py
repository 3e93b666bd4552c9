"""KF201: a Keras layer constructed inside `call`, built once in `__init__` (or `build`) instead:
the lifter (`_lift.py`) plans the move of each layer `call` builds (`LayerLift`), alone, as
the list of a loop, or as the lists a helper indexes; this rule reports them and builds the
fixes."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Edit, Fix, Replace, Safety
from ..triggers import Trigger
from ._lift import Blocked, HelperLift, LayerLift, LoopLift, lift_plans
from ._lift_edits import lazy_choice_edits, lazy_edits, move_edits, place, unused_loop_locals
from ._lazy import KERAS3_ONLY, LazyInit, lazy_attribute, lazy_init, lazy_message
from ._lift_syntax import with_keyword, with_keyword_only
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety, self_name, source

DOC = """\
## What it does
Finds a Keras layer (`tf.keras.layers.Dense(20)`, `layers.Conv2D(...)`, or a layer class of
the project) constructed inside `call`, as `Dense(20)(x)`, `d = Dense(20); y = d(x)` or
`self.d = Dense(20)`, and builds it once in `__init__` as `self.<name>` instead.

## Why is this bad?
`call` runs on every forward pass: each run builds a new layer with new random weights, so
nothing is ever learned, the outputs of two calls differ, and none of those weights is
tracked by the model (measured on Keras 3 and tf_keras 2). Under `tf.function` it raises
ValueError on both lines (measured).

## Example
```python
class Classifier(tf.keras.Model):
    def call(self, x):
        hidden = tf.keras.layers.Dense(8, activation="relu")(x)
        out = tf.keras.layers.Dense(2, name="logits")
        return out(hidden)
```

## Use instead
```python
class Classifier(tf.keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dense = tf.keras.layers.Dense(8, activation="relu")
        self.out = tf.keras.layers.Dense(2, name="logits")

    def call(self, x):
        hidden = self.dense(x)
        return self.out(hidden)
```
The attribute is named after the local it was bound to, else a literal `name="..."`, else
the class in snake case (`dense`, `conv2d`), numbered on collision, and never a name Keras
uses itself: every member of `Layer` and `Model` on either Keras line, public and private
(`name`, `weights`, `layers`, `input`, `output`, `trainable`, `dtype`, `_layers`, ...), measured
from the classes; a local called `weights` becomes `self.weights_1`. In a subclass of a class
of the project it starts with the subclass's name (`self.child_dense`): its base may get a
`self.dense` of its own, and one attribute set in both `__init__`s would be one layer, the
subclass's, called on the base's input too (measured: ValueError on both lines). A class without
`__init__` gets one that forwards `*args, **kwargs`; otherwise the line goes
after `super().__init__(...)` and after whatever sets the attributes the constructor reads.
An `__init__` that may `return` before that point (`if width is None: ...; return`) keeps the
layer where it is, reported: the line would not run on that path, and `call` would raise
AttributeError.
Comments on a moved line move with it.

What `super().__init__()` sets is known in `__init__`: a constructor reading `self.name`,
`self.dtype`, `self.trainable`, `self.dtype_policy`, `self.compute_dtype`,
`self.variable_dtype`, `self.supports_masking` or `self.activity_regularizer` moves (unless the
class sets it again later). A local computed in `call` from attributes, literals and module
names only (`axis = -1 if self.data_format == "channels_last" else 1`) is inlined into the
moved constructor, and its assignment goes too when nothing else reads it; one computed from
the input, `training` or anything per call keeps the layer where it is, and the message names
that value.

A layer built under `if self.proj is not None:` (or in its `else`, or in `x if test else y`)
is built under the same test: `self.dense = Dense(...) if self.proj is not None else None`,
and the call site keeps its `if`; an `if` whose only statement was the construction goes.
A test that reads the input, `training`, or an attribute the class changes after `__init__`
is reported instead, and so is a layer built in the body of a `try` with handlers: moved to
`__init__`, what its constructor raises is no longer caught (Keras 3's `Dense(0)` raises
ValueError), and a line before it that raises no longer skips it.

## A layer made on the first call only
`if self.proj is None: self.proj = Dense(...)` in `call` (in `tf.init_scope()` or not), with
`self.proj = None` in `__init__`, is deliberate one-time lazy initialisation, not a new layer
every call. tf_keras tracks it (measured: eager, functional and `fit`, 2 weights). Keras 3
raises ValueError at that first call ("You cannot add new elements of state (variables or
sub-layers) to a layer that is already built"): the layer's state is locked once it is built.
Where the class has no `build` (nor a base with one) and `__init__` holds a layer with weights
not yet built, Keras 3 traces `call` before it locks the state, so the first call runs, but
`load_model` of a saved model raises the same ValueError (measured on Keras 3.15; a weight, an
`Activation` or a `Dropout` in `__init__` does not let the first call run). The finding says
which, and is reported on Keras 3 only: on a project that targets tf_keras alone it is
harmless.

When the `if` holds only that assignment (directly in `call`), it goes, and the layer is built
once: in `__init__` in place of `self.proj = None` (or after whatever sets the attributes its
constructor reads, the None removed), or, when sized from the input (`Dense(x.shape[-1])`, a
local computed from it), in `build(self, input_shape)` from `input_shape[-1]`: a `build` is
made, or the existing one gets the line at its top, reading its own parameter's name, and
`__init__`'s None stays. Safe on both lines (judged by TensorFlow): the first call built the
same layer, from the same shape. Unsafe, with the reason, when other code tests the attribute
for None (`get_config`, say): after the fix it never is; or when the constructor reads an
attribute the class sets again after `__init__` (in `build`, say): the first call read the
later value. A layer made in a helper `call` runs (tensorflow/gnn's HGT) is reported only.

`if not hasattr(self, "proj"): self.proj = Dense(...)` (a string literal, no `else`), where
`__init__` never sets `self.proj`, is the same idiom and gets the same message and fix: the
layer is built once in `__init__` (or `build`), the `if` goes (measured: Keras 3 raised
ValueError at the first call, tf_keras tracked 2 weights; the fixed layer tracks 2 on both
lines, and a model holding it fits, saves and loads on Keras 3). Reported without a fix when
`self.proj` may exist before the `if` runs (`__init__`, the class body, a project base or Keras
itself may set it: the `if` may never build anything), or when another method sets or deletes
it, or asks `hasattr`/`getattr`/`setattr`/`delattr` about it: after the fix it always exists.

An `if` under the guard that chooses between layers on the input's shape (keras-team/keras#18601:
`if x.shape[-1] != self.out_dim: self.shortcut = Dense(self.out_dim)` `else: self.shortcut =
Activation("linear")`) moves whole into `build(self, input_shape)` (made, or the existing one
gets it at its top), testing `input_shape[-1]`; the guard goes, `__init__`'s None stays. It
moves when every statement under the guard is such an `if`/`elif`/`else` whose every branch
sets the same `self.` attributes (the guard's among them) to Keras layers and does nothing
else; its tests and constructors read only the input's static shape (`x.shape[...]`,
`x.get_shape()`, `.as_list()`, or a local computed from them, which is written out),
attributes `__init__` sets and never changes, module names and literals; the input is `call`'s
first parameter; and nothing in `call` before the guard reads what it sets. Unsafe: the choice
is made on the shape the layer is built with (`build`'s argument), not on the first call's
input; where Keras builds it from that call, the two agree (judged on both lines, each branch
taken). Measured on Keras 3.15: `load_model` of a saved model that chooses on the first call
raises ValueError, the moved one loads. A test on `training` or another argument, on a value
`call` computes first, a branch that does anything else, an `if` without `else`: reported
only, with the reason.

Layers without weights lose nothing when built in `call`, so they are not reported: Keras's
own (`Activation`, `Flatten`, `Add`, pooling, ...), the project's layer classes whose own
code and bases (through every file) create no weight and no sub-layer (what they raise, the
context managers they enter, and what they keep from a function of their module that makes
nothing, or from one elsewhere whose name says no maker, such as `get_interpolation(...)`, do
not count; `make_projection(...)` does), and state tuples
(`LSTMStateTuple`, namedtuples). Keras's random layers (`Dropout`, `SpatialDropout*`,
`GaussianNoise`, `GaussianDropout`, `AlphaDropout`) hold no weight either, but Keras 3 gives
each a seed generator whose variable is made when the layer is: built in `call`, one is made
on every call, and `fit` (a `tf.function`) raises ValueError on its second trace (measured on
Keras 3.15; tf_keras makes none). They are reported and moved like any layer; the seed drawn
in `__init__` shifts the random initial values of the layers made after it.

Layers built in `build` are not reported when `call` calls `self.build(...)` only under
`if not self.built:`: Keras has built the layer before `call` runs, so that never builds
again.

A helper method that `call` calls once (not in a loop, not under an `if`) is treated as
`call` itself. So is a method that a base class's `call` runs once, unguarded, when the class
has no `call` of its own (`Encoder.call` returns `self.encode(x)`, `DenseEncoder` defines
`encode`), the base in this file or another module of the project: the layer moves to the
subclass's `__init__` (one that runs the base's is added when it has none), in the subclass's
file only. What a base's `__init__` sets (`self.units`) is known there, in this file or
another. A method of a base class that a subclass's method calls is reached too, and reported
without a fix. One that `call` calls a known number of times, before and in a
`for i in range(a, b)` loop over what `__init__` knows, gets a list of layers in `__init__`
(`self.dense_layers = [Dense(self.units) for _ in range(max(1, self.num_layers))]`), a
keyword-only `layer_index` argument, and each call site passes its number. Safe when every
call of the helper gets that argument: the helper is private (`_block`), no class of the
project derives from the class, and the count reads nothing the class changes after
`__init__`. Otherwise unsafe: code elsewhere may call a public helper, or a subclass a private
one, without the argument (TypeError), and a count that grows runs past the lists.

A layer built in a `for` loop directly in `call`, whose iterable `__init__` can compute
(`for width in self.widths: x = Dense(width)(x)`), becomes a list built once in `__init__`
(`self.dense_layers = [Dense(width) for width in self.widths]`) zipped into the loop
(`for width, dense in zip(self.widths, self.dense_layers): x = dense(x)`): unsafe, because
the iterable must give the same items on every call. Each layer of the loop gets its own
list, all zipped in one header. A layer built under an `if` in the loop keeps its test: the
list holds it where the test holds and `None` elsewhere
(`[LayerNormalization() if self.use_norm else None for width in self.widths]`), and the call
site keeps its `if`, when the test reads only the loop's names and what `__init__` knows. The
loop's own locals bound at the top of its body before the layer (`units = self.sizes[i]`) are
written out in the list (`[Dense(self.sizes[i]) for i in range(len(self.sizes))]`) when they
read only the loop's names and what `__init__` knows, and nothing else binds them; such a
local's line goes when only the moved layers read it (directly or through another such local,
`wide = units * 2`), it binds a plain name with a value that runs no code of its own (names,
attributes, subscripts, literals and arithmetic of them) and carries no comment: anything else
stays (ruff may then call it unused). A
layer of the loop that cannot move (under `if training:`, sized from the input) stays for a
person and the others move.

## When there is no fix
The constructor reads something computed in `call` (a local, a tensor's value), the layer is
built in a `while` loop, a comprehension, a loop over an iterable only `call` knows, under a
test only `call` knows in a loop, in a nested function, or in a helper method `call` calls an
unknown number of times (in a `while`, under an `if`, from another helper): the finding
says to build the layers (a list, for a loop) in `__init__` and use them, and why it could
not.

## Fix safety
Safe when the constructor's arguments mean the same in `__init__` (literals, module names,
`self.` attributes `__init__` or Keras's own `__init__` sets, locals computed only from
those) and any guard moves with it: the layer now keeps its weights between calls, which is
the point. When an argument needs the input's shape (`x.shape[-1]`, `x.get_shape()[-1]`,
`x.shape.as_list()[-1]`, or a name unpacked from the whole shape, `_, h, w, c =
x.get_shape().as_list()`, read as `input_shape[3]`), the layer is built in
`build(self, input_shape)` from `input_shape[...]` instead: unsafe, because `build` sees the
shape of the first call only. The input is `call`'s first parameter, as long as `call` never
binds that name again: after `x = tf.concat([x, x], -1)`, `x.shape[-1]` is twice the width
`build` receives (a layer sized from `input_shape[-1]` there made the sum raise
InvalidArgumentError, measured), so such a layer is reported only. A layer made on the first
call only moves safely (above): it was sized by the first call already; a choice between layers
made then moves unsafely (above).
"""

VALID = (
    """\
import tensorflow as tf


class Classifier(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.out = tf.keras.layers.Dense(2, name="logits")

    def call(self, x):
        x = tf.keras.layers.Flatten()(x)
        return self.out(x)
""",
    """\
import tensorflow as tf


class Identity(tf.keras.layers.Layer):
    def call(self, x):
        return x


class Encoder(Identity):
    def encode(self, x):  # the `call` it inherits never runs it
        return tf.keras.layers.Dense(2)(x)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Classifier(tf.keras.Model):
    def call(self, x):
        out = tf.keras.layers.Dense(2, name="logits")
        return out(x)
""",
    """\
import tensorflow as tf


class Encoder(tf.keras.layers.Layer):
    def call(self, x):
        return self.encode(x)


class DenseEncoder(Encoder):
    def encode(self, x):  # run by the `call` it inherits
        return tf.keras.layers.Dense(2)(x)
""",
)

KF201 = Rule(
    code="KF201",
    name="layer-created-in-call",
    summary="a Keras layer constructed inside `call`",
    finds="a Keras layer (or a project layer class) built in `call`",
    fixed_by=(
        "built once in `__init__` as `self.<name>`, safe; in `build` when it needs the input's shape, or as a"
        " list zipped into a `for` loop, unsafe"
    ),
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe, or unsafe via build, loops, helpers",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(layer_in_call=True),
    help=("build the layer once in `__init__` (`self.dense = Dense(...)`) and call `self.dense(x)` in `call`; "
          "where its arguments come from the input, build it in `build(self, input_shape)` from "
          "`input_shape`, and where they come from an argument of `call`, make that an argument of `__init__`"),
)


class LayerCreatedInCall(RuleFamily):
    rules = (KF201,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for plan in lift_plans(ctx):
            if isinstance(plan, LayerLift) and not _no_seed(ctx, plan.site):
                yield _finding(ctx, plan)


def _no_seed(ctx: Context, call: cst.Call) -> bool:
    """`Dropout(0.0)` (a literal zero rate): Keras 3 makes no seed generator, and so no
    variable (measured: 0 variables, `fit` runs on both lines)."""
    if not api.is_seeded_layer(ctx.resolve(call.func) or ""):
        return False
    rate = next((a.value for a in call.args if a.keyword is None or a.keyword.value == "rate"), None)
    return isinstance(rate, (cst.Integer, cst.Float)) and float(rate.value) == 0.0


def _finding(ctx: Context, plan: LayerLift) -> Finding:
    call, method = plan.site, plan.method.name.value
    class_name = source(call.func).rsplit(".", 1)[-1]
    what = f"`{class_name}(...)` built inside `{method}`: a new layer every call, whose weights no Keras tracks"
    lazy = lazy_attribute(plan.lift.cls, plan.method, call, unset=True)
    if lazy is not None:
        return _lazy_finding(ctx, plan, lazy_init(ctx, plan, lazy), f"`{class_name}(...)` built inside `{method}`")
    resolved = ctx.resolve(call.func) or ""
    lines = None
    if api.is_seeded_layer(resolved):
        what = (f"`{class_name}(...)` built inside `{method}`: a new layer every call, whose "
                "seed variable Keras 3 makes anew each time (ValueError under `fit` and `tf.function`)")
        lines = KERAS3_ONLY  # tf_keras makes none (measured: fit runs)
    elif api.is_random_layer(resolved):
        what = (f"`{class_name}(...)` built inside `{method}`: a new layer every call, with a new seed variable "
                "each time (ValueError under `fit` on Keras 3 and tf_keras alike)")
    return replace(_worded(ctx, plan, what), lines=lines)


def _lazy_finding(ctx: Context, plan: LayerLift, lazy: LazyInit, what: str) -> Finding:
    """A layer made on the first call only: right on tf_keras (measured: tracked, 2 weights),
    refused by Keras 3. Built once in `__init__` (or in `build` from `input_shape` when sized
    from the input, as the first call sized it), the `if` gone."""
    attr = lazy.attr
    if lazy.exists:  # the `if` may build nothing: nothing lost, unless `self.<attr>` goes
        return Finding(KF201.code, plan.site, f"{what} only while `self` has no `{attr}`, but {lazy.exists}, so "
                       "the `if` may never run (if it runs once the layer is built, Keras 3 raises ValueError: state "
                       "added to a layer already built); build it in `__init__` only", lines=KERAS3_ONLY)
    head = lazy_message(what, attr, lazy.first_call_raises, lazy.unset)
    if lazy.blocked or lazy.placement is None or (lazy.value is None and not lazy.block):
        reason = f" ({lazy.blocked})" if lazy.blocked else ""
        return Finding(KF201.code, plan.site, f"{head}; build it in `__init__`, or in `build(self, input_shape)` "
                                              f"from the input shape{reason}", lines=KERAS3_ONLY)
    if lazy.block:  # a choice between layers, which `build` makes: one fix for the layers it holds
        fix = ctx.memo(f"lazy choice fix {id(lazy)}", lambda: Fix(lazy_choice_edits(plan, lazy), Safety.UNSAFE))
        return Finding(KF201.code, plan.site, f"{head}; make the choice once in `build`, from `input_shape` "
                                              f"(unsafe: {lazy.unsafe})", fix,
                       lines=KERAS3_ONLY)
    where = lazy.placement.where
    message = f"{head}; build it once in `{where}` as `self.{attr}`" + (
        " from `input_shape`, as the first call sized it" if where == "build" else "")
    if lazy.unsafe:
        message += f" (unsafe: {lazy.unsafe})"
    return Finding(KF201.code, plan.site, message, Fix(lazy_edits(plan, lazy), Safety.UNSAFE if lazy.unsafe
                                                         else Safety.SAFE), lines=KERAS3_ONLY)


def _worded(ctx: Context, plan: LayerLift, what: str) -> Finding:
    call, method = plan.site, plan.method.name.value
    class_name = source(call.func).rsplit(".", 1)[-1]
    if plan.loop is not None:
        return Finding(KF201.code, call, f"{what}; build the loop's layers once in `__init__` as `self.{plan.attr}` "
                                         "and zip them into the loop", _loop_fix(ctx, plan.loop))
    if plan.helper is not None:
        return Finding(KF201.code, call, f"{what}; build one per call of `{method}` in `__init__`, as the list "
                                         f"`self.{plan.attr}`, and index it per call", _helper_fix(ctx, plan.helper))
    if plan.blocked is not None:
        return Finding(KF201.code, call, _by_hand(plan, what))
    if plan.form == "self":
        what = (f"`{class_name}(...)` built inside `call`: stored on `self`, but a new layer with fresh "
                "weights on every call, so nothing is learned")
    safety = Safety.SAFE if plan.target == "__init__" else Safety.UNSAFE
    return Finding(KF201.code, call, f"{what}; build it once in `{plan.target}` as `self.{plan.attr}`",
                   Fix(move_edits(plan), safety))


def _by_hand(plan: LayerLift, what: str) -> str:
    """The message of a layer the lifter cannot move: what a person does instead."""
    if plan.blocked is Blocked.IN_LOOP:
        return f"{what}; build the layers once in `__init__` (a list for a loop) and use them here"
    if plan.blocked is Blocked.NOT_ONCE:
        return (f"{what}; build it once in `__init__` as `self.<name>` and have `{plan.method.name.value}` use it "
                f"({plan.reason})")
    if plan.blocked is Blocked.NOT_KEPT:
        return (f"{what}; build it once in `__init__` as `self.<name>` and use that here "
                "(it is neither called at once, nor bound to a local, nor stored on `self`)")
    if plan.blocked is Blocked.REBOUND:
        return f"{what}; `{plan.local}` is assigned more than once, so move it by hand"
    assert plan.placement is not None  # the other reason: where it could go
    return f"{what}; it cannot move as is: {plan.placement.reason}"


def _loop_fix(ctx: Context, lifted: LoopLift) -> Fix:
    """One fix for the layers of a loop, shared by their findings: each one's list built in
    `__init__`, all zipped into the loop (unsafe: its iterable must give the same items on
    every call)."""
    def build() -> Fix:
        loop, layers = lifted.loop, lifted.layers
        me = self_name(layers[0].method)
        target_code, iter_code = source(loop.target), source(loop.iter)
        if not isinstance(loop.target, cst.Name) and not loop.target.lpar:
            target_code = f"({target_code})"
        names = ", ".join(layer.local or "" for layer in layers)
        lists = ", ".join(f"{me}.{layer.attr}" for layer in layers)

        def zip_layers(updated: cst.For) -> cst.For:
            return updated.with_changes(target=cst.parse_expression(f"{target_code}, {names}"),
                                        iter=cst.parse_expression(f"zip({iter_code}, {lists})"))

        edits: list[Edit] = []
        for layer in layers:
            assert layer.placement is not None and layer.value is not None  # a loop's layer that moves
            edits.append(place(layer.lift, layer.placement, layer.attr, layer.value, None))
        edits.append(Replace(loop, zip_layers))
        edits.extend(Replace(layer.site, cst.Name(layer.local or "")) for layer in layers)
        edits.extend(unused_loop_locals(layers[0].lift, layers[0].method, loop, [layer.site for layer in layers]))
        return Fix(tuple(edits), Safety.UNSAFE)

    return ctx.memo(f"loop fix {id(lifted)}", build)


def _helper_fix(ctx: Context, helper: HelperLift) -> Fix:
    """One fix for every layer the helper builds, shared by their findings: a list of each in
    `__init__`, indexed by the helper's new keyword argument. Safe when every call of the
    helper is one the fix passes the argument to, and the lists are as long as `call` needs."""
    def build() -> Fix:
        me, index = self_name(helper.helper), helper.index_name
        edits: list[Edit] = []
        for layer in helper.layers:
            edits.extend(move_edits(layer, cst.Subscript(
                value=cst.Attribute(value=cst.Name(me), attr=cst.Name(layer.attr)),
                slice=[cst.SubscriptElement(cst.Index(cst.Name(index)))])))
        edits.append(Replace(helper.helper.params, lambda params: with_keyword_only(params, index)))
        for site, value in helper.indices:
            edits.append(Replace(site, functools.partial(with_keyword, name=index, value=value)))
        safe = helper.private and helper.count_fixed
        return Fix(tuple(edits), Safety.SAFE if safe else Safety.UNSAFE)

    return ctx.memo(f"helper fix {id(helper)}", build)
