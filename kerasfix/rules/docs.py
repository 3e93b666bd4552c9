"""The `kerasfix explain` pages, in the shape of ruff's rule pages.

Every claim about what TensorFlow does was measured on TensorFlow 2.21 with Keras 3.15 and
with tf_keras 2.21 (`TF_USE_LEGACY_KERAS=1`), and is re-checked by tests/test_tensorflow.py.
"""

KF101 = """\
## What it does
Finds `tf.get_variable(...)`, `tf.compat.v1.get_variable(...)` and
`variable_scope.get_variable(...)` (under any import alias) in a Keras layer or model, outside
`call`, and rewrites it as `self.add_weight(...)` with every argument by keyword.

## Why is this bad?
A variable made by `get_variable` is not the layer's: on Keras 3 (every `tf.keras` since
TF 2.16) it never reaches `layer.weights`, so an optimizer given `model.trainable_variables`
never trains it and a checkpoint never saves it, and nothing raises. In TF 2 the plain
`tf.get_variable` does not even exist (AttributeError). tf_keras 2 happens to track it.

## Example
```python
class Projection(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = tf.compat.v1.get_variable("kernel", [int(input_shape[-1]), 8],
                                                trainable=None, use_resource=True)
```

## Use instead
```python
        self.kernel = self.add_weight(name="kernel", shape=[int(input_shape[-1]), 8])
```
Positional arguments become keywords in get_variable's own order (name, shape, dtype,
initializer, regularizer, trainable, ..., constraint). `trainable=None` is dropped (it meant
True; Keras 3 would read it as False), so is `use_resource` (TF 2 variables are always
resource variables), and so are arguments equal to their defaults. A `/` in a literal name
becomes `_`: Keras 3 rejects `/` in weight names.

## When there is no fix
In a method that neither `__init__` nor `build` calls (a TF1-style `body()`, say), kerasfix
cannot tell that it runs once: the finding asks to create the weight in `build`. Arguments
add_weight cannot carry are never dropped silently: `collections`,
`caching_device`, `partitioner`, `custom_getter`, `validate_shape=False`, a non-default
`synchronization` or `aggregation` enum (Keras 3 wants a string there, tf_keras an enum), a
tensor as `initializer` (it fixes value and shape at once), a variable scope that sets
defaults (`initializer=`, `regularizer=`, ...) for it, or `*args`/`**kwargs`. The finding
then says which, and what to do.

## Fix safety
Safe: the weight is created with the same name, shape, dtype, initializer, regularizer,
constraint and trainability, and is now tracked. An integer or boolean variable (a counter,
a flag) with no `trainable=` gets `trainable=False`: no optimizer can train it, yet both
Keras lines would list an `add_weight` of it among `trainable_weights` (measured). Inside a
variable scope that is only removed unsafely (see KF108) the fix is unsafe too. Name-based TF1 checkpoints
(`tf.compat.v1.train.Saver`) will see the new variable names; object-based checkpoints
(`tf.train.Checkpoint`, `model.save_weights`) are what Keras uses.
"""

KF102 = """\
## What it does
Finds `tf.Variable(...)` in a Keras layer or model, outside `call`, and rewrites it as
`self.add_weight(...)` when its initial value maps to a shape and an initializer.

## Why is this bad?
Keras 3 does not track a `tf.Variable` assigned to a layer: it is missing from
`layer.weights`, is never trained by an optimizer given `model.trainable_variables`, and is
never saved, with no error (measured on TF 2.21). The official TF 2 guides used this pattern,
so it is everywhere. tf_keras 2 happens to track it.

## Example
```python
class Scale(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.gain = tf.Variable(tf.ones([input_shape[-1]]), name="gain")
        w_init = tf.random_normal_initializer()
        self.w = tf.Variable(w_init(shape=(input_shape[-1], 4), dtype="float32"), trainable=True)
```

## Use instead
```python
        self.gain = self.add_weight(name="gain", shape=[input_shape[-1]], initializer="ones")
        w_init = tf.random_normal_initializer()
        self.w = self.add_weight(shape=(input_shape[-1], 4), initializer=w_init, dtype="float32", trainable=True)
```
Initial values that map: `tf.zeros(s)` / `tf.ones(s)` (`"zeros"` / `"ones"`);
`tf.random.normal`, `tf.random.truncated_normal`, `tf.random.uniform` and their TF1 names,
with their mean/stddev/minval/maxval/seed (the Keras initializer of the same distribution,
with the TF defaults written out, because Keras's own defaults differ);
`tf.constant(c, shape=s)`, `tf.constant(<number or nested list>)` and `tf.fill(s, c)`
(`tf.constant_initializer(c)`); a number (`0.0`, `0` with `dtype="int32"`, since
`tf.Variable(0)` is an int32); an initializer object called with a shape
(`init(shape, dtype=...)` or `lambda: init(shape, dtype=...)`). `name`, `dtype`, `trainable`
and `constraint` carry over.

## When there is no fix
In a method that neither `__init__` nor `build` calls, the finding asks to create the weight
in `build` (kerasfix cannot tell the method runs once). Any other initial value (a numpy
array, a computed tensor), `validate_shape=False`,
`caching_device`, `synchronization`/`aggregation` enums, or a `shape=` argument: the finding
says why, and the weight must be written as `self.add_weight(...)` by hand.

## Fix safety
Safe: same shape, dtype, trainability and distribution of initial values, now tracked. The
random draws themselves differ (a different random stream), as they would between two runs.
Trainability is kept as the optimizer saw it: `trainable=` is carried over; an integer or
boolean variable (`tf.Variable(0)`, `tf.Variable(False)`, `dtype=tf.int64`) gets
`trainable=False` (a counter or a flag: tf_keras listed it as trainable, but no optimizer
can train it). A variable also appended to `self._non_trainable_weights`, or to a weight
list only under a condition, makes the fix unsafe: tf.keras 2 tracked and trained it as an
attribute whatever the list said (KF110 folds the append with the variable and says when
that is safe).
"""

KF103 = """\
## What it does
Finds `tf.Variable`, `tf.get_variable`, `self.add_weight` or `self.add_variable` inside
`call`, or inside a method that `call` uses.

## Why is this bad?
`call` runs on every forward pass: each call creates a fresh variable, initialised anew, so
nothing is ever learned, and none of them is tracked on either Keras line (measured). Under
`tf.function` it raises ValueError instead ("tf.function only supports singleton tf.Variables
created on the first call", measured on both lines).

## Example
```python
class Bias(tf.keras.layers.Layer):
    def call(self, x):
        b = tf.Variable(tf.zeros([x.shape[-1]]))
        return x + b
```

## Use instead
```python
class Bias(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.b = self.add_weight(name="b", shape=[input_shape[-1]], initializer="zeros")

    def call(self, x):
        return x + self.b
```

The fix (with `--unsafe-fixes`) does exactly that when the variable is made directly in
`call` (bound to a local, stored on `self`, or used inline) and its arguments need nothing
computed in `call` but the input's shape: the creation becomes a keyword
`self.add_weight(...)` (as KF101, KF102, KF104 and KF105 would write it) at the top of
`build`, with `x.shape[...]` read as `input_shape[...]`, and `call` uses `self.<name>`. A class
without `build` gets one. As for KF201, a local `call` computes from what `__init__` knows is
inlined, and a variable made under `if self.use_bias:` is made under the same test
(`self.b = self.add_weight(...) if self.use_bias else None`).

## When there is no fix
Arguments computed in `call` from the input or `training` (the message names the value), a
loop, a nested function, a helper method `call` calls more than once or in a loop (one it
calls once, in no loop and under no `if`, is treated as `call`), a test only `call` can
answer, or an initial value that does not map to an initializer: the message says what to
move where.

## Fix safety
Unsafe: the variable is now created once, when the layer is built, instead of on every call,
and is initialised once; that is the point, but code that relied on a fresh value per call
(a random mask, say) would change behaviour. A person should read the diff.
"""

KF104 = """\
## What it does
Finds `self.add_weight(...)` called with positional arguments and passes every argument by
keyword.

## Why is this bad?
Keras 2's `add_weight(name, shape, dtype, initializer, ...)` and Keras 3's
`add_weight(shape, initializer, dtype, ..., name=None)` disagree on positions: on Keras 3 the
textbook `self.add_weight("kernel", shape=...)` raises ValueError (name must be a keyword),
and a Keras 3 style `self.add_weight((3, 3), "zeros")` makes tf_keras take the shape for a
name. Only keywords mean the same on both.

## Example
```python
        self.kernel = self.add_weight("kernel", [depth, self.units], tf.float32)
```

## Use instead
```python
        self.kernel = self.add_weight(name="kernel", shape=[depth, self.units], dtype=tf.float32)
```
The positions are read in Keras 2's order (name, shape, dtype, initializer, regularizer,
trainable, constraint) unless the first argument is a list or tuple literal or the second a
string, which only Keras 3's order (shape, initializer, dtype) allows. Any name expression
works (`self.prefix + "_w"`, a variable). The same rewrite also drops `trainable=None` and
`use_resource`, renames `experimental_autocast`, and turns `/` into `_` in a literal name
(see KF107).

## When there is no fix
In a class that defines its own `add_weight` (or inherits one from a project class): its
signature is its own, so the call is left alone and not reported.

## Fix safety
Safe: the same arguments, by name.
"""

KF105 = """\
## What it does
Finds `self.add_variable(...)` calls that do not already mean the same on both Keras lines,
and rewrites them as `self.add_weight(...)` by keyword.

## Why is this bad?
In Keras 2 `add_variable` was a deprecated alias of `add_weight`. Keras 3 reuses the name
for a different function, `add_variable(shape, initializer, ...)`: a legacy
`self.add_variable(name="k", shape=[3])` raises TypeError (no `initializer`), and
`self.add_variable("k", [3])` passes the name as the shape. A call with only keywords,
including `shape` and `initializer`, works on both and is left alone.

## Example
```python
        self.kernel = self.add_variable("kernel", shape=[depth, 4])
```

## Use instead
```python
        self.kernel = self.add_weight(name="kernel", shape=[depth, 4])
```

## Fix safety
Safe: positions are read as Keras 2 read them (it was add_weight's alias there) unless the
call is visibly in Keras 3's order (a shape literal first), and every argument keeps its
meaning.
"""

KF106 = """\
## What it does
Finds `dtype=` passed to a Keras initializer's constructor, such as
`tf.initializers.orthogonal(dtype=tf.float32)` or `tf.keras.initializers.GlorotUniform(dtype=...)`,
and removes it.

## Why is this bad?
Keras initializers (Keras 3 and tf_keras 2) take no `dtype`: the call raises TypeError, so
the layer cannot even be built. TF1's initializers did take one, and the article this
project grew from uses exactly `tf.initializers.orthogonal(dtype=tf.float32)`.
`tf.compat.v1` initializers still accept `dtype` and are left alone.

## Example
```python
        self.kernel = self.add_weight(name="kernel", shape=[3, 3], dtype=tf.float32,
                                      initializer=tf.initializers.orthogonal(dtype=tf.float32))
```

## Use instead
```python
        self.kernel = self.add_weight(name="kernel", shape=[3, 3], dtype=tf.float32,
                                      initializer=tf.initializers.orthogonal())
```

## Fix safety
Safe when the dtype removed is float32, the dtype every weight gets unless it says otherwise.
Another dtype (say float64) belongs on the weight's own `dtype=`: that fix is unsafe, so a
person checks that the weight carries it.
"""

KF107 = """\
## What it does
Finds keyword `add_weight` calls with arguments Keras 3 rejects or reads differently:
`trainable=None`, `use_resource=...`, `experimental_autocast=...`, a `/` in a literal name,
and `aggregation`/`synchronization` given as enums.

## Why is this bad?
Measured on Keras 3: `trainable=None` silently makes the weight non-trainable (tf_keras
read it as True), so the optimizer never trains it; `use_resource` and
`experimental_autocast` raise TypeError; a `/` in the name raises ValueError; an
`aggregation` enum raises ValueError (Keras 3 wants a string, tf_keras an enum).

## Example
```python
        self.w = self.add_weight(name="dense/w", shape=[4], trainable=None, use_resource=True,
                                 experimental_autocast=False)
```

## Use instead
```python
        self.w = self.add_weight(name="dense_w", shape=[4], autocast=False)
```

## When there is no fix
A non-default `aggregation` or `synchronization` enum: no single spelling works on both Keras
lines, so the finding asks a person to choose.

## Fix safety
Safe: `trainable=None` meant trainable; resource variables are the only kind in TF 2;
`autocast` is the same switch under its current name. Renaming `a/b` to `a_b` changes only
the name, which name-based TF1 checkpoints would notice.
"""

KF108 = """\
## What it does
Finds `with tf.variable_scope(...)` / `with tf.compat.v1.variable_scope(...)` blocks that make
weights in the `__init__`, `build` or helper methods of a Keras layer, once the weights
inside are (or this run makes them) `add_weight` calls, and removes the block, keeping its
body (one level less indented) and every comment.

## Why is this bad?
Keras ignores variable scopes for the weights a layer makes with `add_weight` (Keras 3 names
a weight `layer/w` whatever the scope), and `tf.variable_scope` does not exist in TF 2
(AttributeError). The scope only served TF1 variables.

## Example
```python
    def build(self, input_shape):
        with tf.compat.v1.variable_scope("proj"):
            self.w = self.add_weight(name="w", shape=[input_shape[-1], 4])
```

## Use instead
```python
    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=[input_shape[-1], 4])
```
Where the block still holds `get_variable` calls, KF101 rewrites them first and this fix
follows in the same run.

## When there is no fix
The scope sets defaults for its variables (`initializer=`, `regularizer=`, `dtype=`, ...),
its `as` name is used, or it still holds TF1 variables or layers that cannot be fixed: the
finding says which.

## Fix safety
Safe when the block holds only weight creation (after this run's fixes) and plain
assignments, whatever `reuse=` says: in TF 2 a variable scope shares nothing (measured on
both Keras lines: under `reuse=True` and `tf.compat.v1.AUTO_REUSE` alike, `get_variable`
makes a new variable), and `tf.variable_scope` / `tf.AUTO_REUSE` raise AttributeError, so a
run that fixed the weights but kept the scope would leave a file that still fails. Also safe
without `reuse=` (or with `reuse=None`/`False`) around other code.

Unsafe, with the reason in the message:
- `reuse=True` (or any value but `AUTO_REUSE`, `None`, `False`): in TF1 the scope found its
  variables made by another scope of that name, outside the layer; add_weight gives the
  layer its own. Share the weight by passing the other owner's variable, or accept new ones.
- `reuse=AUTO_REUSE` around code other than weight creation (a sub-layer's `build`, a call):
  that code's TF1 variables may have been shared.

The weight calls inside such a scope (KF101, KF102, KF109) are unsafe too: the default run
leaves the block as it was rather than half-fixed. So are those inside a `tf.variable_scope`
(gone in TF 2) that a person must remove (see "When there is no fix"): fixed alone, they
would leave a file that still raises AttributeError. Name-based TF1 checkpoints will see new
variable names.
"""

KF301 = """\
## What it does
Finds an attribute of a Keras layer or model that holds Keras layers in a tuple:
`self.blocks = (Dense(4), Dense(2))`, `self.blocks = tuple(Dense(n) for n in sizes)`, or a
tuple grown with `self.blocks += (Dense(4),)`.

## Why is this bad?
TensorFlow 1.x and early TF 2 releases did not track layers inside tuples: their weights
never reached `model.weights`, the optimizer never trained them and checkpoints never saved
them, silently. Keras 3 and tf_keras 2.21 both track tuples (measured), so on today's
TensorFlow this rule is about code that must also run on older versions, and about one
spelling for every container. A list is tracked by every Keras version.

## Example
```python
class Tower(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = (tf.keras.layers.Dense(4), tf.keras.layers.Dense(2))
```

## Use instead
```python
        self.blocks = [tf.keras.layers.Dense(4), tf.keras.layers.Dense(2)]
```
`tuple(<generator>)` becomes a list comprehension, `+= (layer,)` becomes `+= [layer]` and
the tuple it starts from, `()`, becomes `[]`.

## Fix safety
Safe when every other use of the attribute inside the class behaves the same on a list:
iterating it, indexing it, slicing it (when the slice is itself used so), its truth
(`if self.blocks:`, `not`, `and`/`or` in a condition), `is None`, unpacking it
(`first, second = self.blocks`), `x in self.blocks`, `.index(...)`/`.count(...)`, unpacking
it into a call or a display (`*self.blocks`), and passing it to `len`, `enumerate`, `zip`,
`list`, `tuple`, `reversed`, `sorted`, `bool` and the like. A use that can tell a list from a
tuple makes the fix unsafe (`--unsafe-fixes`): hashing it (`hash(...)`, a dict key,
`self.blocks in some_set`), `+` with a tuple, `isinstance(..., tuple)`, `==` against a tuple,
`%` formatting, returning it or passing it to any other function. Code outside the class that
reads the attribute is not seen.
"""

KF302 = """\
## What it does
Finds an attribute of a Keras layer or model that holds Keras layers in a set:
`self.heads = {Dense(1), Dense(2)}` or `self.heads = set(Dense(n) for n in sizes)`.

## Why is this bad?
tf_keras 2 (`TF_USE_LEGACY_KERAS=1`, and every `tf.keras` before TF 2.16) does not track
layers inside a set: `model.weights` misses them, the optimizer never trains them and a
checkpoint never saves them, with no error (measured on tf_keras 2.21). A set's iteration
order also changes from run to run, so layers applied in sequence from a set may run in a
different order each time.

## Example
```python
class Heads(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.heads = {tf.keras.layers.Dense(1), tf.keras.layers.Dense(2)}
```

## Use instead
```python
        self.heads = [tf.keras.layers.Dense(1), tf.keras.layers.Dense(2)]
```

## Fix safety
Safe when every other use of the attribute inside the class behaves the same on a list:
iterating it, its truth, `len`, `x in self.heads`, `is None`, unpacking it, and passing it to
`list`, `set`, `sorted`, `zip`, `enumerate`, `sum`, `any` and the like. A set of freshly
built layers holds no duplicates, and its order was arbitrary, so source order is one of the
orders the program could already see. Any other use (`.add`, set operators, `==`, hashing it,
returning it or passing it to another function) makes the fix unsafe. Code outside the class
that reads the attribute is not seen.
"""

KF201 = """\
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
from the classes; a local called `weights` becomes `self.weights_1`. A class without
`__init__` gets one that forwards `*args, **kwargs`; otherwise the line goes
after `super().__init__(...)` and after whatever sets the attributes the constructor reads.
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
(`if self.head is None: self.head = Dense(...)`, which Keras 3 refuses with ValueError on the
second call) is reported instead.

Layers without weights lose nothing when built in `call`, so they are not reported: Keras's
own (`Dropout`, `Activation`, `Flatten`, `Add`, pooling, ...), the project's layer classes
whose own code and bases (through every file) create no weight and no sub-layer, and state
tuples (`LSTMStateTuple`, namedtuples). Layers built in `build` are not reported when `call`
calls `self.build(...)` only under `if not self.built:`: Keras has built the layer before
`call` runs, so that never builds again.

A helper method that `call` calls once (not in a loop, not under an `if`) is treated as
`call` itself. One that `call` calls a known number of times, before and in a
`for i in range(a, b)` loop over what `__init__` knows, gets a list of layers in `__init__`
(`self.dense_layers = [Dense(self.units) for _ in range(max(1, self.num_layers))]`), a
keyword-only `layer_index` argument, and each call site passes its number: unsafe, because
the layers' weights are created in another order than before.

A layer built in a `for` loop directly in `call`, whose iterable `__init__` can compute
(`for width in self.widths: x = Dense(width)(x)`), becomes a list built once in `__init__`
(`self.dense_layers = [Dense(width) for width in self.widths]`) zipped into the loop
(`for width, dense in zip(self.widths, self.dense_layers): x = dense(x)`): unsafe, because
the iterable must give the same items on every call.

## When there is no fix
The constructor reads something computed in `call` (a local, a tensor's value), the layer is
built in a `while` loop, a comprehension, a loop with several constructions or over an
iterable only `call` knows, in a nested function, or in a helper method `call` calls an
unknown number of times (in a `while`, under an `if`, from another helper): the finding
says to build the layers (a list, for a loop) in `__init__` and use them, and why it could
not.

## Fix safety
Safe when the constructor's arguments mean the same in `__init__` (literals, module names,
`self.` attributes `__init__` or Keras's own `__init__` sets, locals computed only from
those) and any guard moves with it: the layer now keeps its weights between calls, which is
the point. When an argument needs the input's shape (`x.shape[-1]`), the layer is built in
`build(self, input_shape)` from `input_shape[...]` instead: unsafe, because `build` sees the
shape of the first call only.
"""

KF202 = """\
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

KF203 = """\
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

KF109 = """\
## What it does
Finds `keras.backend.variable(...)` (`K.variable`, `tf.keras.backend.variable`) in a Keras
layer or model, outside `call`, and rewrites it as `self.add_weight(...)` when its value
maps to a shape and an initializer (as KF102 does for `tf.Variable`: numbers, `np.zeros` /
`np.ones`, `tf.zeros`, `tf.constant`, `tf.fill`, ...).

## Why is this bad?
Multi-backend Keras code made weights with `K.variable` and then pushed them into
`self._trainable_weights`. Measured: on Keras 3 a `K.variable` made in `build` is not among
`layer.weights` (lost, silently); tf_keras 2 tracks it as a plain attribute.

## Example
```python
    def build(self, input_shape):
        self.scale = K.variable(1.5, dtype=K.floatx(), name="scale")
        self.norm = K.variable(np.ones((3,)), name="norm")
```

## Use instead
```python
    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(), initializer=tf.constant_initializer(1.5), dtype=K.floatx())
        self.norm = self.add_weight(name="norm", shape=(3,), initializer="ones")
```
numpy's float64 default dtype is not carried over: `K.variable` cast it to the layer's float
type anyway.

## When there is no fix
A value that does not map to an initializer (a computed array), or a method that neither
`__init__` nor `build` calls: the finding says what to write.

## Fix safety
Safe: the same shape, value and dtype (`K.variable` casts a number or array to `floatx()`
unless given `dtype=`: `K.variable(0)` is a float32, measured), now a tracked weight, trained
as the Keras the code was written for trained it:

- imported from the standalone `keras` (the multi-backend Keras 2, 2.3 and before: Keras 3
  has no `keras.backend.variable`) or TF 1's `tf.contrib.keras`: that Keras trained only
  `add_weight` weights and what was appended to the weight lists, so a `K.variable` kept as a
  plain attribute (a constant such as `K.variable(np.ones(...))`) gets `trainable=False`;
- imported from `tf.keras` / `tf_keras`: tf.keras 2 tracked and trained it as a plain
  attribute (tf_keras still does), so it stays trainable;
- appended to `self._trainable_weights` / `self._non_trainable_weights` (KF110 folds the
  append into the same `add_weight` when it follows the creation): trainable as that list
  says (for a tf.keras `K.variable` a non-trainable list makes the fix unsafe: tf.keras 2
  trained the attribute anyway);
- integer or boolean (`dtype="int64"`): `trainable=False`.

Where it cannot be known (appended only under a condition, an unknown import) the fix is
unsafe and the message says why.
"""

KF110 = """\
## What it does
Finds `self._trainable_weights.append(...)`, `self.trainable_weights.append(...)` and the
like (`_non_trainable_weights`, `trainable_variables`, `extend`, `insert`) in a Keras layer
or model, and folds the Keras 2 way of registering a weight by hand into one `add_weight`.

## Why is this bad?
It was how Keras 1 and 2 code registered a variable made outside `add_weight`. Measured on
TF 2.21: `self._trainable_weights` no longer exists on Keras 3 (AttributeError), and
`self.trainable_weights` is a fresh list on both Keras lines, so appending to it does
nothing at all; the variable is never trained.

## Example
```python
    def build(self, input_shape):
        self.beta = K.variable(self.beta, dtype=K.floatx(), name="beta")
        if self.trainable:
            self._trainable_weights.append(self.beta)
```

## Use instead
```python
    def build(self, input_shape):
        self.beta = self.add_weight(name="beta", shape=(), initializer=tf.constant_initializer(self.beta),
                                    dtype=K.floatx(), trainable=self.trainable)
```
The fix does exactly that when `self.x = K.variable(...)` or `self.x = tf.Variable(...)` is
followed, in the same block, by `self._trainable_weights.append(self.x)` (`trainable=True`),
`self._non_trainable_weights.append(self.x)` (`trainable=False`), or such an append as the
whole body of an `if` right after the creation (`trainable=<the condition>`; the condition
is evaluated in the same order as before). The variable's value must map to a shape and an
initializer as KF102 and KF109 map it; a value that is an attribute every assignment of
which in the class is a number (a literal, a parameter defaulting to one, `float(...)`)
becomes `shape=()` with a constant initializer (`tf.constant_initializer`, or
`keras.initializers.Constant`, imported from the Keras the module uses when nothing can spell
it). A comment on the append moves to the next statement.

## When there is no fix
The append is reported, with the reason it was not folded: the variable is not made just
before it in the same block, code in between uses it, the `if` does not directly follow the
creation, it is appended more than once, its value maps to no initializer, the creation
already says `trainable=`, or its comment has nowhere to go. Appends to the public
`trainable_weights` (a no-op on both Keras lines today) are reported only; KF102 and KF109
still rewrite the variable itself.

## Fix safety
Safe when the append decided what the original trained: an unconditional append to
`_trainable_weights`, or any append in code whose `K.variable` comes from the multi-backend
Keras 2 (standalone `keras`), which trained only what the lists held. Unsafe, with the
reason, for a conditional or `_non_trainable_weights` append of a `tf.Variable` or a tf.keras
`K.variable`: tf.keras 2 also tracked the variable as an attribute and trained it whatever
the append said (tf_keras still does, measured), so `trainable=` follows the author's intent
and not what tf.keras did.
"""
