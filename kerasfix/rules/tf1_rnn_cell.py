"""KF204: TF1 RNN cells in or under a Keras layer (not available with Keras 3)."""

from __future__ import annotations

import tokenize
from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..edits import Fix, InsertAfter, Replace, Safety
from ..lines import comments
from ..triggers import Trigger
from ._tf1_rnn_runs import local_run, tf1_rnn_run
from .base import (Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, is_self_attribute,
                   self_name, source)

DOC = """\
## What it does
Finds TF1 RNN cells (`tf.compat.v1.nn.rnn_cell.LSTMCell`, `GRUCell`, `BasicLSTMCell`,
`BasicRNNCell`, `MultiRNNCell`, `DropoutWrapper`, ..., and the `tf.nn.rnn_cell` and
`tf.contrib.rnn` spellings) and their `LSTMStateTuple` built inside a Keras layer or model,
and Keras classes derived from TF1's `RNNCell`, and names the Keras class that replaces
each. The same classes imported from TF's private `tensorflow.python.ops.rnn_cell_impl` (or
`rnn_cell`) are found too: that module still imports on Keras 3, but its cells are no Keras 3
layers.
A cell that only a Keras `RNN` layer runs has its constructor mapped (an unsafe fix):
`RNN(MultiRNNCell([LSTMCell(num_units=4), GRUCell(3)]))` becomes
`RNN(StackedRNNCells([LSTMCell(units=4), GRUCell(3, reset_after=False)]))`.

## Why is this bad?
On Keras 3 (every `tf.keras` since TF 2.16) each of these raises `AttributeError: LSTMCell is
not available with Keras 3`; `tf.nn.rnn_cell` is gone from TF 2 altogether. Through
`rnn_cell_impl` they import, but they are the old `tensorflow.python.keras` layers: measured, a
Keras 3 layer holding a subclass of `rnn_cell_impl.RNNCell` tracks 0 of its 1 weight, and Keras
3's `RNN` raises ValueError running it. On tf_keras 2 they still run, deprecated. Their Keras
counterparts (`tf.keras.layers.LSTMCell`, `GRUCell`, `SimpleRNNCell`, `StackedRNNCells`,
and, for a cell of the project, a `tf.keras.layers.Layer` with `state_size` and `output_size` run
by `tf.keras.layers.RNN`) are tracked on both lines, but they are not drop-in replacements
(Keras 3 has no `AbstractRNNCell`: AttributeError).

A TF1 cell class of the project that holds a Keras layer (`self.dense = tf.keras.layers.Dense(4)`
in `__init__`) loses that layer on tf_keras too: measured, the Keras layer running the cell (by
`tf.compat.v1.nn.dynamic_rnn` or by `tf.keras.layers.RNN`) tracks 0 of the Dense's 2 weights,
so they are never trained or saved (through `rnn_cell_impl`, on Keras 3 as well); the finding
names the layers it holds. As a `tf.keras.layers.Layer` cell, the same code tracks 2 of 2 on
both lines.

## Example
```python
class Encoder(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cell = tf.compat.v1.nn.rnn_cell.LSTMCell(num_units=8)
```

## Use instead
```python
class Encoder(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rnn = tf.keras.layers.RNN(tf.keras.layers.LSTMCell(units=8), return_state=True)
```

## Fix safety
The constructor is mapped only where no code of the class can tell the two cells apart: the
cell is built straight into a Keras `RNN(...)` (alone, or in a `MultiRNNCell` list every cell of
which maps), that layer returns no state (`return_state`), and the class hands no
`initial_state` in. Then the RNN layer runs it as it ran the TF1 cell.

A cell that `__init__` keeps (`self.cell = GRUCell(4)`) for one `tf.nn.dynamic_rnn` or
`static_rnn` call becomes the Keras cell, run by a Keras `RNN` layer built beside it
(`self.cell_rnn = tf.keras.layers.RNN(self.cell, ...)`), and the call becomes that layer's:
`return_sequences=True` where the outputs are read, `return_state=True` where the state is
read too (a run whose outputs are not read returns the last output, which is a GRU's or basic
RNN's state), `unroll=True` for `static_rnn`, whose list of steps is stacked on the way in and
unstacked on the way out, and `sequence_length=L` a mask, `mask=tf.sequence_mask(L,
maxlen=...)` with `zero_output_for_mask=True` (measured on both lines: zeros past each length,
the state of the last valid step, as TF1's; outputs and state agree to 1e-7 with the weights
copied, on tf_keras). `dtype`, `scope`, `parallel_iterations` and `swap_memory` change no
result and are dropped. The call is left for a person, and the message says why, when the
state of an LSTM (or `MultiRNNCell`) is read or handed in as `initial_state` (TF1's
`LSTMStateTuple(c, h)`, Keras's `h, c` apart), when `time_major=True` (Keras 3's `RNN` has
none), when both the list of outputs of `static_rnn` and its state are read, when the class
uses the cell anywhere else, or when a comment sits in an argument the Keras call drops.

Elsewhere (a cell stepped by hand, `zero_state`, `LSTMStateTuple`, a cell built in `call`, the
state returned) the calls change with the class, and the finding is a report: a Keras `LSTMCell` keeps its state
as a list `[h, c]` where TF1 used `LSTMStateTuple(c, h)`; `zero_state(batch, dtype)` is
`get_initial_state(batch_size=..., dtype=...)`; `DropoutWrapper` becomes the cell's own
`dropout=` arguments. Each message names what differs for the class it found.

The mapping (`TF1_RNN_CELL_CONSTRUCTORS` in `keras_api.py`): `LSTMCell` and `BasicLSTMCell`
become `LSTMCell`, `GRUCell` becomes `GRUCell(..., reset_after=False)` (TF1's formula),
`BasicRNNCell` becomes `SimpleRNNCell`, `MultiRNNCell` becomes `StackedRNNCells`; `num_units`
is `units`, and `activation`, `name`, `dtype` carry over (given as `None`, TF1's default, they
are dropped: Keras's `activation=None` is linear, TF1's is tanh). A cell given any other
argument (`use_peepholes`, `forget_bias`, `initializer`, `cell_clip`, `num_proj`,
`state_is_tuple`, `reuse`, ...) has no Keras equivalent and is reported only.

Unsafe, because the layer computes the same function with other weights: Keras's cells keep
the kernel and the recurrent kernel apart (TF1 concatenated them; Keras's GRU has 3 weights
where TF1's had 4), initialise them otherwise (orthogonal recurrent kernels, `unit_forget_bias`
where TF1 added `forget_bias` at every step), and name them otherwise, so outputs differ
before training and a checkpoint written with the TF1 cells does not load.
"""

KF204 = Rule(
    code="KF204",
    # what the trap does on each Keras line ("": nothing); a finding may say its own
    harm={"3": "AttributeError (no TF1 RNN cells with Keras 3)", "2": ""},
    finding_lines=frozenset({"2"}),  # a cell subclassed holding Keras layers: they are lost on tf_keras too
    name="tf1-rnn-cell",
    summary="a TF1 RNN cell (`rnn_cell.LSTMCell`, ...) built in, or subclassed by, a Keras layer",
    finds=(
        "TF1 RNN cells (`rnn_cell.LSTMCell`, `MultiRNNCell`, `LSTMStateTuple`, ...) built in a layer, or "
        "`RNNCell` as a base (AttributeError on Keras 3)"
    ),
    fixed_by=(
        "the Keras cell when only a Keras `RNN` layer runs it (`num_units` -> `units`, `MultiRNNCell` -> "
        "`StackedRNNCells`), or when `__init__` keeps it for one `dynamic_rnn`/`static_rnn` (then a Keras `RNN` "
        "layer with `return_sequences`/`return_state`/`unroll` and a mask), unsafe (other weights, initial "
        "values); else report: the Keras cell to use and what differs at the call sites"
    ),
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.UNSAFE,
    doc=DOC,
    trigger=Trigger(resolved_calls=api.TF1_RNN_CELL_CLASSES, bases=api.TF1_RNN_CELL_CLASSES),
    help=("use the Keras cell (`tf.keras.layers.LSTMCell(units)`, `GRUCell`, `StackedRNNCells`), run it with "
          "`tf.keras.layers.RNN(cell)`, and keep its state as a list"),
)


class Tf1RnnCells(RuleFamily):
    rules = (KF204,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            for base in cls.node.bases:
                name = ctx.resolve(base.value) or ""
                cell = api.tf1_rnn_cell(name)
                if cell is not None:
                    held = _held_note(ctx, cls, name)  # lost on tf_keras too: harm on both lines
                    yield _finding(base.value, cell, name, "a base class", held=held,
                                   lines=frozenset({"2", "3"}) if held else None)
            for nodes in cls.method_nodes.values():
                for node in nodes:
                    if type(node) is cst.Call:  # exact type: see syntax.of_kind
                        name = ctx.resolve(node.func) or ""
                        cell = api.tf1_rnn_cell(name)
                        if cell is not None:
                            fix, note = _constructor_fix(ctx, cls, node, cell)
                            yield _finding(node, cell, name, "built in a Keras layer", fix, note)


def _finding(node: cst.CSTNode, cell: str, name: str, where: str, fix: Fix | None = None,
             note: str = "", held: str = "", lines: frozenset[str] | None = None) -> Finding:
    replacement, differs = api.TF1_RNN_CELLS[cell]
    legacy = name.startswith(api.TF1_RNN_CELL_LEGACY_NAMESPACES)
    trap = api.TF1_RNN_CELL_LEGACY_TRAP if legacy else "not available with Keras 3 (AttributeError)"
    return Finding(KF204.code, node, f"TF1's `{cell}`, {where}: {trap}, deprecated on tf_keras{held}; use "
                   f"{_spell(replacement)} ({differs}){note}", fix, lines=lines)


def _held_note(ctx: Context, cls: KerasClass, base: str) -> str:
    """What a TF1 cell class loses of the Keras layers it holds (`self.dense = Dense(4)`).
    Measured on TF 2.21, a cell holding a Dense run by `dynamic_rnn` or by `RNN` in a Keras
    layer: that layer tracks 0 of the Dense's 2 weights on tf_keras (and, through
    `rnn_cell_impl`, on Keras 3); a Keras `Layer` cell tracks 2 of 2 on both lines."""
    held: list[str] = []
    for nodes in cls.method_nodes.values():
        for node in nodes:
            if type(node) is cst.Assign and isinstance(node.value, cst.Call) and _keras_layer(ctx, node.value):
                held.extend(f"`{source(t.target)}`" for t in node.targets
                            if isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name))
    if not held:
        return ""
    lines = "on both lines" if base.startswith(api.TF1_RNN_CELL_LEGACY_NAMESPACES) else "on tf_keras"
    return (f"; the Keras layers it holds ({', '.join(dict.fromkeys(held))}) are lost {lines}: the layer "
            "running the cell tracks none of their weights, never trained or saved")


def _keras_layer(ctx: Context, call: cst.Call) -> bool:
    """A Keras layer built (Keras's own or the project's), not a TF1 layer or cell."""
    resolved = ctx.resolve(call.func) or ""
    return ctx.is_layer_class(call.func) and not resolved.startswith(("tf1.", *api.TF_RNN_CELL_NAMESPACES))


def _spell(replacement: str) -> str:
    return f"`{replacement}`" if replacement.startswith("tf.") else replacement


# --- the constructor fix: only for a cell that only a Keras `RNN` layer sees -----------------


def _constructor_fix(ctx: Context, cls: KerasClass, call: cst.Call, cell: str) -> tuple[Fix | None, str]:
    """`LSTMCell(num_units=4)` -> `tf.keras.layers.LSTMCell(units=4)`, when the cell goes
    straight into a Keras `RNN(...)` (alone or in a `MultiRNNCell`) that returns no state and
    the class passes no `initial_state`: then no code of the class sees the cell's state, whose
    shape is what differs (`LSTMStateTuple(c, h)` against `[h, c]`). Or when `__init__` keeps
    the cell for one `dynamic_rnn`/`static_rnn` call: that call becomes a Keras `RNN` layer's
    (`_tf1_rnn_runs`). Unsafe: see the page. With the fix, or None and why not (a note)."""
    mapping = _mapped(ctx, call, cell)
    rnn = _keras_rnn_holding(ctx, cls, call)
    if rnn is not None:
        fixed = mapping is not None and _state_unseen(cls, rnn)
        return (Fix((Replace(call, lambda updated: _mapped(ctx, updated, cell) or updated),), Safety.UNSAFE)
                if fixed else None), ""
    kept = _kept_in_init(cls, call)
    run = tf1_rnn_run(ctx, cls, kept[1], cell) if kept else None
    if kept is None or run is None:
        local = local_run(ctx, cls, call)
        return None, (f"; run by `{local}` where it is built, not rewritten: build the Keras cell and a Keras "
                      "`RNN` layer running it once, in `__init__`" if local else "")
    if run.problem or mapping is None or run.rnn_statement is None:
        why = run.problem or "the cell's arguments do not all map"
        return None, f"; run by `{run.kind}`, not rewritten: {why}"
    assert run.target is not None and run.replacement is not None  # set with rnn_statement
    return Fix((Replace(call, lambda updated: _mapped(ctx, updated, cell) or updated),
                InsertAfter(kept[0], (run.rnn_statement,)), Replace(run.target, run.replacement)),
               Safety.UNSAFE), f"; its `{run.kind}` becomes a Keras `RNN` layer"


def _kept_in_init(cls: KerasClass, call: cst.Call) -> tuple[cst.SimpleStatementLine, str] | None:
    """`self.<attr> = <the cell>` as a statement of `__init__`, the class's one assignment of it."""
    assign = cls.parents.get(id(call))
    line = cls.parents.get(id(assign))
    init = cls.methods.get("__init__")
    if not (isinstance(assign, cst.Assign) and isinstance(line, cst.SimpleStatementLine) and init is not None
            and len(assign.targets) == 1 and line in init.body.body):
        return None
    attr = is_self_attribute(assign.targets[0].target, self_name(init))
    assigned = [n for nodes in cls.method_nodes.values() for n in nodes if type(n) is cst.AssignTarget
                and isinstance(n.target, cst.Attribute) and n.target.attr.value == attr]
    return (line, attr) if attr is not None and len(assigned) == 1 else None


def _mapped(ctx: Context, call: cst.CSTNode, cell: str) -> cst.Call | None:
    """The Keras cell's construction for a TF1 cell's, or None when an argument has no Keras
    equivalent (or, for a `MultiRNNCell`, a cell of its list cannot be mapped)."""
    mapping = api.TF1_RNN_CELL_CONSTRUCTORS.get(cell)
    spelled = ctx.imports.spell_keras(mapping[0]) if mapping else None
    if mapping is None or spelled is None or not isinstance(call, cst.Call):
        return None
    _, renames, extras = mapping
    args: list[cst.Arg] = []
    for index, arg in enumerate(call.args):
        if arg.star or (arg.keyword is None and index > 0):
            return None
        name = arg.keyword.value if arg.keyword is not None else ""
        if arg.keyword is not None and name not in renames:
            return None
        if name in api.TF1_RNN_CELL_NONE_IS_DEFAULT and isinstance(arg.value, cst.Name) and arg.value.value == "None":
            continue
        if cell == "MultiRNNCell" and not _all_cells_mapped(ctx, arg.value):
            return None
        args.append(arg.with_changes(keyword=cst.Name(renames[name])) if arg.keyword is not None else arg)
    args.extend(cst.Arg(cst.parse_expression(value), keyword=cst.Name(key),
                        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
                for key, value in extras)
    if args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    mapped = call.with_changes(func=cst.parse_expression(spelled), args=args)
    return mapped if _same_comments(mapped, call) else None  # one in a dropped piece: by hand


def _same_comments(mapped: cst.CSTNode, call: cst.CSTNode) -> bool:
    try:
        return comments(source(mapped)) == comments(source(call))
    except (tokenize.TokenError, SyntaxError):  # what the tokenizer cannot read is left to a person
        return False


def _all_cells_mapped(ctx: Context, cells: cst.BaseExpression) -> bool:
    """A `MultiRNNCell`'s list is written out, and each of its cells maps to a Keras cell."""
    if isinstance(cells, (cst.List, cst.Tuple)):
        elements = [e.value for e in cells.elements]
    elif isinstance(cells, cst.ListComp):
        elements = [cells.elt]
    else:
        return False
    return bool(elements) and all(isinstance(e, cst.Call) and _maps(ctx, e) for e in elements)


def _maps(ctx: Context, call: cst.Call) -> bool:
    """A TF1 cell that maps, or a Keras one (what the fix made of it, applied first)."""
    cell = api.tf1_rnn_cell(ctx.resolve(call.func) or "")
    return _mapped(ctx, call, cell) is not None if cell else ctx.is_layer_class(call.func)


def _keras_rnn_holding(ctx: Context, cls: KerasClass, call: cst.Call) -> cst.Call | None:
    """The Keras `RNN(...)` whose cell is this call, directly or in a `MultiRNNCell`'s list."""
    node: cst.CSTNode = call
    parent = cls.parents.get(id(node))
    while parent is not None:
        if isinstance(parent, (cst.Element, cst.List, cst.Tuple)) or (
                isinstance(parent, cst.ListComp) and parent.elt is node):
            node, parent = parent, cls.parents.get(id(parent))
            continue
        holder = cls.parents.get(id(parent)) if isinstance(parent, cst.Arg) else None
        if not isinstance(holder, cst.Call) or not _first_argument(holder, parent, ("cell", "cells")):
            return None
        if api.tf1_rnn_cell(ctx.resolve(holder.func) or "") == "MultiRNNCell":
            node, parent = holder, cls.parents.get(id(holder))
            continue
        return holder if ctx.resolve(holder.func) in api.KERAS_RNN_LAYERS else None
    return None


def _first_argument(call: cst.Call, arg: cst.CSTNode, keywords: tuple[str, ...]) -> bool:
    return bool(call.args and call.args[0] is arg and arg.keyword is None) or (
        isinstance(arg, cst.Arg) and arg.keyword is not None and arg.keyword.value in keywords)


def _state_unseen(cls: KerasClass, rnn: cst.Call) -> bool:
    """The RNN layer returns no state, and no call in the class hands one in."""
    for arg in rnn.args:
        if arg.keyword is not None and arg.keyword.value == "return_state" and not (
                isinstance(arg.value, cst.Name) and arg.value.value == "False"):
            return False
    return not any(isinstance(n, cst.Arg) and n.keyword is not None and n.keyword.value == "initial_state"
                   for nodes in cls.method_nodes.values() for n in nodes)
