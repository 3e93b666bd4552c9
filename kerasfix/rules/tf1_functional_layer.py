"""KF202: a TF1 `tf.layers.<function>` call inside a Keras layer; found and lifted by `_lift.py`,
which KF103, KF201 and KF202 share."""

from __future__ import annotations

from ..triggers import Trigger
from ._lift import lifted_findings
from .base import FixAvailability, Rule, RuleSafety, SharedAnalysisRule

DOC = """\
## What it does
Finds TF1's functional layers inside a Keras layer or model: `tf.layers.dense(x, 20)`,
`tf.compat.v1.layers.conv2d(...)`, and the other functions of `tf.layers` (dense, conv1d/2d/3d,
conv2d/3d_transpose, separable_conv1d/2d, max and average pooling 1d/2d/3d,
batch_normalization, dropout, flatten). Builds the Keras class once in `__init__` and calls
it where the function was.

## Why is this bad?
On Keras 3 `tf.layers` is gone and `tf.compat.v1.layers` raises ("not available with
Keras 3"). On tf_keras each call builds a new layer whose weights the model never tracks.

## Example
```python
class Net(tf.keras.Model):
    def call(self, x, training=False):
        x = tf.layers.dense(x, 20, activation=tf.nn.relu, name="fc1", reuse=tf.AUTO_REUSE)
        x = tf.layers.batch_normalization(x)
        return tf.layers.dropout(x, 0.1, training=training)
```

## Use instead
```python
class Net(tf.keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fc1 = tf.keras.layers.Dense(20, activation=tf.nn.relu, name="fc1")
        self.batch_normalization = tf.keras.layers.BatchNormalization()

    def call(self, x, training=False):
        x = self.fc1(x)
        x = self.batch_normalization(x, training=False)
        ...
```
The inputs and call-time arguments (`training=`) stay at the call. TF1 ran
`batch_normalization` and `dropout` in inference mode unless given `training=`, while a Keras
layer would follow the model's training flag: the fix writes `training=False` where TF1
relied on that default, so behaviour is unchanged. `dropout`'s default rate (0.5) is written
out because Keras has none. `reuse` is dropped; two calls with the same literal `name=` and
the same arguments, one with `reuse`, share one layer as they shared variables. Positional
arguments stay positional only where the Keras constructor has the same order (Keras's
`Conv2D` has `groups` where TF1 had `activation`), else they become keywords. The Keras
class is spelled the way the module already reaches Keras (`layers.Dense` after
`from tensorflow.keras import layers`, `tf.keras.layers.Dense` under `import tensorflow as
tf`), and `import tensorflow as tf` is added only when nothing the module imports as it runs
can spell it (an import inside a function, under `if TYPE_CHECKING:` or in a docstring does
not count); it goes after the module's docstring, `__future__` and first imports, below a
shebang and an encoding line. A comment on an argument goes where the argument goes: to the
constructor, or it stays at the call.

## When there is no fix
A function imported by name (`from tensorflow.compat.v1.layers import dense`): that import
itself fails on Keras 3, so the import must go too, by hand. `batch_normalization` arguments
Keras lacks on one line or the other (`renorm`, `fused` other than a speed hint,
`virtual_batch_size`, `adjustment`) are reported, not dropped; so is a call in a loop, in a
helper method `call` calls more than once or in a loop (one it calls once, in no loop and
under no `if`, is treated as `call` itself), or with arguments computed in `call` from the
input or `training` (the message names the value). As for KF201, locals `call` computes from what
`__init__` knows are inlined (`axis = -1 if self.data_format == "channels_last" else 1`),
the attributes `super().__init__()` sets are known, a call under `if` keeps its guard, and the
attribute never takes a name Keras uses (a layer named `"_layers"` becomes `self.dense`).

A TF1 layer function in a method `call` does not reach (`body()`, `_call()`, `encode()`: what
a TF1-era base class or a caller runs to build the graph) is reported, with no fix: it fails
on Keras 3 as well, but which layer to build once depends on who calls the method, and how
often. Build the Keras layer in `__init__` and use it there.

## Fix safety
Safe when lifted into `__init__`; unsafe when an argument needs the input's shape and the
layer goes into `build`.
"""

VALID = (
    """\
import tensorflow as tf


class Net(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fc1 = tf.keras.layers.Dense(20, name="fc1")

    def call(self, x):
        return self.fc1(x)


def tf1_net(x):
    return tf.compat.v1.layers.dense(x, 20)
""",
)

INVALID = (
    """\
import tensorflow as tf


class Net(tf.keras.Model):
    def call(self, x):
        return tf.compat.v1.layers.dense(x, 20, name="fc1")
""",
)

KF202 = Rule(
    code="KF202",
    name="tf1-functional-layer",
    summary="a TF1 `tf.layers.<function>` call inside a Keras layer",
    finds="`tf.layers.dense(x, 20)`, `tf.compat.v1.layers.conv2d(...)`, ... (gone on Keras 3, lost on tf_keras)",
    fixed_by="the Keras class built once in `__init__`, called in its place, `training=` kept, safe",
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe, or unsafe via build",
    doc=DOC,
    valid=VALID,
    invalid=INVALID,
    trigger=Trigger(resolved_calls=frozenset({"tf1.layers."})),
)


class Tf1FunctionalLayer(SharedAnalysisRule):
    rules = (KF202,)
    analysis = staticmethod(lifted_findings)
