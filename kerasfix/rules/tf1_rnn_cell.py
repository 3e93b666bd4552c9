"""KF204: TF1 RNN cells in or under a Keras layer (not available with Keras 3)."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..triggers import Trigger
from .base import Context, Finding, Rule, RuleFamily

DOC = """\
## What it does
Finds TF1 RNN cells (`tf.compat.v1.nn.rnn_cell.LSTMCell`, `GRUCell`, `BasicLSTMCell`,
`BasicRNNCell`, `MultiRNNCell`, `DropoutWrapper`, ..., and the `tf.nn.rnn_cell` and
`tf.contrib.rnn` spellings) and their `LSTMStateTuple` built inside a Keras layer or model,
and Keras classes derived from TF1's `RNNCell`, and names the Keras class that replaces
each. Report only. (`tensorflow.python.ops.rnn_cell_impl` still imports on Keras 3 and is
not reported.)

## Why is this bad?
On Keras 3 (every `tf.keras` since TF 2.16) each of these raises `AttributeError: LSTMCell is
not available with Keras 3`; `tf.nn.rnn_cell` is gone from TF 2 altogether. On tf_keras 2
they still run, deprecated. Their Keras counterparts (`tf.keras.layers.LSTMCell`,
`GRUCell`, `SimpleRNNCell`, `StackedRNNCells`, `AbstractRNNCell`) are tracked on both lines,
but they are not drop-in replacements.

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
No automatic fix yet: the calls change with the class. A Keras `LSTMCell` keeps its state as a
list `[h, c]` where TF1 used `LSTMStateTuple(c, h)`; `zero_state(batch, dtype)` is
`get_initial_state(batch_size=..., dtype=...)`; TF1's `GRUCell` computes Keras's
`reset_after=False`; TF1's `forget_bias` is added at every step, Keras's `unit_forget_bias`
only initialises the bias; `DropoutWrapper` becomes the cell's own `dropout=` arguments. Each
message names what differs for the class it found.
"""

KF204 = Rule(
    code="KF204",
    name="tf1-rnn-cell",
    summary="a TF1 RNN cell (`rnn_cell.LSTMCell`, ...) built in, or subclassed by, a Keras layer",
    fix="never",
    safety="none (report only)",
    doc=DOC,
    trigger=Trigger(resolved_calls=api.TF1_RNN_CELL_CLASSES, bases=api.TF1_RNN_CELL_CLASSES),
)


class Tf1RnnCells(RuleFamily):
    rules = (KF204,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            for base in cls.node.bases:
                cell = api.tf1_rnn_cell(ctx.resolve(base.value) or "")
                if cell is not None:
                    yield _finding(base.value, cell, "a base class")
            for nodes in cls.method_nodes.values():
                for node in nodes:
                    if isinstance(node, cst.Call):
                        cell = api.tf1_rnn_cell(ctx.resolve(node.func) or "")
                        if cell is not None:
                            yield _finding(node, cell, "built in a Keras layer")


def _finding(node: cst.CSTNode, cell: str, where: str) -> Finding:
    replacement, differs = api.TF1_RNN_CELLS[cell]
    return Finding(KF204.code, node, f"TF1's `{cell}`, {where}: not available with Keras 3 (AttributeError), "
                   f"deprecated on tf_keras; use {_spell(replacement)} ({differs})")


def _spell(replacement: str) -> str:
    return f"`{replacement}`" if replacement.startswith("tf.") else replacement
