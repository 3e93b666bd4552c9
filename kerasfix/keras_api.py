"""Facts about TensorFlow and Keras APIs, as data.

Every other module asks this one what a dotted name means; no TensorFlow fact is spelled
anywhere else. Names here are *canonical*: `names.canonical()` turns any import spelling
(`tensorflow.compat.v1.layers.dense`, `tf_keras.layers.Dense`, ...) into one of these forms:

- `keras.<path>` for anything Keras (tf.keras, tf_keras, keras, tensorflow.python.keras, ...)
- `tf1.layers.<name>` for TF1's `tf.layers` / `tf.compat.v1.layers` / `tensorflow.python.layers`
- `tf.<path>` for the rest of TensorFlow (compat.v2 folded in; compat.v1 kept, because some
  compat.v1 functions differ from their TF 2 namesakes)

Signatures were read off TensorFlow 2.21 / Keras 3.15 / tf_keras 2.21 (`inspect.signature`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- Prefixes that all mean "Keras" -----------------------------------------------------
KERAS_PREFIXES = (
    "tensorflow.python.keras",
    "tensorflow.contrib.keras.python.keras",
    "tensorflow.contrib.keras",
    "tensorflow.compat.v1.keras",
    "tensorflow.compat.v2.keras",
    "tensorflow.keras",
    "tf_keras.src",
    "tf_keras",
    "keras.src",
    "keras",
)
TF1_LAYERS_PREFIXES = (
    "tensorflow.compat.v1.layers",
    "tensorflow.python.layers.base",
    "tensorflow.python.layers.core",
    "tensorflow.python.layers.convolutional",
    "tensorflow.python.layers.pooling",
    "tensorflow.python.layers.normalization",
    "tensorflow.python.layers.layers",
    "tensorflow.python.layers",
    "tensorflow.layers",
)
TF_COMPAT_V2_PREFIX = "tensorflow.compat.v2."

# Older homes of the Keras base classes, folded onto their public names.
KERAS_BASE_ALIASES = {
    "keras.engine.base_layer.Layer": "keras.layers.Layer",
    "keras.engine.base_layer_v1.Layer": "keras.layers.Layer",
    "keras.engine.topology.Layer": "keras.layers.Layer",
    "keras.engine.Layer": "keras.layers.Layer",
    "keras.Layer": "keras.layers.Layer",
    "keras.engine.training.Model": "keras.Model",
    "keras.engine.Model": "keras.Model",
    "keras.models.Model": "keras.Model",
    "keras.engine.network.Network": "keras.Model",
    "keras.engine.functional.Functional": "keras.Model",
    "keras.engine.sequential.Sequential": "keras.Sequential",
    "keras.models.Sequential": "keras.Sequential",
}
# Namespaces whose capitalised members are Keras layers (or layer-like tracked objects).
KERAS_LAYER_NAMESPACES = (
    "keras.layers.",
    "keras.engine.",
    "keras.metrics.",
    "keras.layers.experimental.",
)
# Capitalised members of those namespaces that are not layer classes.
KERAS_NON_LAYERS = frozenset({"Input", "InputSpec", "Reduction"})
KERAS_MODEL_BASES = frozenset({"keras.Model", "keras.Sequential"})

# TF1 RNN cells are TF1 layers (rnn_cell_impl.RNNCell derives from tf.layers.Layer).
TF_RNN_CELL_NAMESPACES = (
    "tf.nn.rnn_cell.",
    "tf.compat.v1.nn.rnn_cell.",
    "tf.contrib.rnn.",
    "tf.python.ops.rnn_cell_impl.",
    "tf.python.ops.rnn_cell.",
)

# --- Variables ---------------------------------------------------------------------------
GET_VARIABLE = frozenset(
    {
        "tf.get_variable",
        "tf.compat.v1.get_variable",
        "tf.python.ops.variable_scope.get_variable",
    }
)
VARIABLE = frozenset({"tf.Variable", "tf.compat.v1.Variable", "tf.python.ops.variables.Variable"})
# keras.backend.variable(value, dtype=None, name=None, constraint=None): a bare variable
BACKEND_VARIABLE = frozenset({"keras.backend.variable"})
BACKEND_VARIABLE_PARAMS = ("value", "dtype", "name", "constraint")
# Weight lists a layer exposes: appending to them never tracks anything on Keras 3
WEIGHT_LISTS = frozenset({
    "_trainable_weights", "_non_trainable_weights", "trainable_weights", "non_trainable_weights",
    "trainable_variables", "non_trainable_variables", "weights", "variables",
})
VARIABLE_SCOPE = frozenset(
    {
        "tf.variable_scope",
        "tf.compat.v1.variable_scope",
        "tf.python.ops.variable_scope.variable_scope",
    }
)
# Default enum values of get_variable / tf.Variable that add_weight may simply omit.
DEFAULT_SYNCHRONIZATION = frozenset({"tf.VariableSynchronization.AUTO", "tf.compat.v1.VariableSynchronization.AUTO"})
DEFAULT_AGGREGATION = frozenset({"tf.VariableAggregation.NONE", "tf.compat.v1.VariableAggregation.NONE"})

# tf.compat.v1.get_variable's parameters, in positional order.
GET_VARIABLE_PARAMS = (
    "name", "shape", "dtype", "initializer", "regularizer", "trainable", "collections",
    "caching_device", "partitioner", "validate_shape", "use_resource", "custom_getter",
    "constraint", "synchronization", "aggregation",
)
# tf.Variable's parameters, in positional order.
VARIABLE_PARAMS = (
    "initial_value", "trainable", "validate_shape", "caching_device", "name", "variable_def",
    "dtype", "import_scope", "constraint", "synchronization", "aggregation", "shape",
)
# Keras 2's add_weight (tf_keras, and the Keras 2 add_variable alias), positional order.
ADD_WEIGHT_KERAS2_PARAMS = (
    "name", "shape", "dtype", "initializer", "regularizer", "trainable", "constraint",
    "use_resource", "synchronization", "aggregation",
)
# Every keyword add_weight has had on either Keras line (keyword-only calls bind to these).
ADD_WEIGHT_KEYWORDS = ADD_WEIGHT_KERAS2_PARAMS + (
    "autocast", "experimental_autocast", "overwrite_with_gradient", "partitioner", "caching_device",
)
# Keras 3's add_weight takes at most these three positionally.
ADD_WEIGHT_KERAS3_POSITIONAL = ("shape", "initializer", "dtype")
# Keras 3's add_variable(shape, initializer, ...): a call that binds to this is already valid.
ADD_VARIABLE_KERAS3_PARAMS = (
    "shape", "initializer", "dtype", "trainable", "autocast", "regularizer", "constraint", "name",
)
# Keywords accepted by add_weight on both Keras lines.
ADD_WEIGHT_PORTABLE_KEYWORDS = frozenset(
    {"name", "shape", "dtype", "initializer", "regularizer", "trainable", "constraint"}
)


@dataclass(frozen=True)
class ArgumentPolicy:
    """What a variable factory's argument becomes when the call turns into add_weight."""

    keep: frozenset[str]
    # dropped when the value is any of these literal spellings (None means: always dropped)
    drop_when: dict[str, frozenset[str] | None]
    renamed: dict[str, str] = field(default_factory=dict)
    # the reason a person must finish the call by hand, per argument
    manual: dict[str, str] = field(default_factory=dict)


_MANUAL_COMMON = {
    "collections": "add_weight has no `collections`: gather the weight from `layer.weights` instead",
    "caching_device": "add_weight has no `caching_device`: drop it or place the layer with `tf.device`",
    "partitioner": "add_weight cannot partition a variable: use a tf.distribute strategy instead",
    "custom_getter": "add_weight has no `custom_getter`: apply the getter's logic in `build`",
    "validate_shape": "add_weight needs a fully defined shape (`validate_shape=False` cannot be kept)",
    "synchronization": "Keras 3 wants `synchronization` as a string and tf_keras as an enum: set it by hand",
    "aggregation": "Keras 3 wants `aggregation` as a string ('mean', 'sum', ...) and tf_keras as an enum: set it by hand",
    "variable_def": "a Variable restored from a `variable_def` cannot become add_weight",
    "import_scope": "a Variable restored from a `variable_def` cannot become add_weight",
    "shape": "tf.Variable(shape=...) declares a partly unknown shape, which add_weight cannot",
}

GET_VARIABLE_POLICY = ArgumentPolicy(
    keep=frozenset({"name", "shape", "dtype", "initializer", "regularizer", "trainable", "constraint"}),
    drop_when={
        "trainable": frozenset({"None"}),  # None meant True; Keras 3 reads None as False
        "use_resource": None,  # TF 2 variables are always resource variables
        "validate_shape": frozenset({"True"}),
        "synchronization": DEFAULT_SYNCHRONIZATION,
        "aggregation": DEFAULT_AGGREGATION,
        "collections": frozenset({"None"}),
        "caching_device": frozenset({"None"}),
        "partitioner": frozenset({"None"}),
        "custom_getter": frozenset({"None"}),
    },
    manual={k: v for k, v in _MANUAL_COMMON.items() if k != "shape"},
)
VARIABLE_POLICY = ArgumentPolicy(
    keep=frozenset({"name", "dtype", "trainable", "constraint"}),
    drop_when={
        "trainable": frozenset({"None"}),
        "validate_shape": frozenset({"True"}),
        "synchronization": DEFAULT_SYNCHRONIZATION,
        "aggregation": DEFAULT_AGGREGATION,
        "caching_device": frozenset({"None"}),
        "variable_def": frozenset({"None"}),
        "import_scope": frozenset({"None"}),
        "shape": frozenset({"None"}),
    },
    manual=_MANUAL_COMMON,
)
BACKEND_VARIABLE_POLICY = ArgumentPolicy(
    keep=frozenset({"name", "dtype", "constraint"}),
    drop_when={},
)
ADD_WEIGHT_POLICY = ArgumentPolicy(
    keep=ADD_WEIGHT_PORTABLE_KEYWORDS | {"autocast", "overwrite_with_gradient"},
    drop_when={
        "trainable": frozenset({"None"}),
        "use_resource": None,
        "synchronization": DEFAULT_SYNCHRONIZATION,
        "aggregation": DEFAULT_AGGREGATION,
        "partitioner": frozenset({"None"}),
        "caching_device": frozenset({"None"}),
    },
    renamed={"experimental_autocast": "autocast"},
    manual={k: _MANUAL_COMMON[k] for k in ("synchronization", "aggregation", "partitioner", "caching_device")},
)

# --- Initial values that map to an initializer (tf.Variable(<value>) -> add_weight) ---------


@dataclass(frozen=True)
class InitialValueFactory:
    """A tensor factory whose call can be replayed as (shape, initializer)."""

    params: tuple[str, ...]  # positional order
    initializer: str  # "zeros" / "ones" literal, or a Keras initializer class
    # initializer argument -> (factory argument, default spelled as source)
    initializer_args: tuple[tuple[str, str, str], ...] = ()
    shape_param: str = "shape"
    dtype_param: str | None = "dtype"


INITIAL_VALUE_FACTORIES = {
    "tf.zeros": InitialValueFactory(("shape", "dtype", "name"), '"zeros"'),
    "tf.ones": InitialValueFactory(("shape", "dtype", "name"), '"ones"'),
    "tf.random.normal": InitialValueFactory(
        ("shape", "mean", "stddev", "dtype", "seed", "name"),
        "initializers.RandomNormal",
        (("mean", "mean", "0.0"), ("stddev", "stddev", "1.0"), ("seed", "seed", "None")),
    ),
    "tf.random.truncated_normal": InitialValueFactory(
        ("shape", "mean", "stddev", "dtype", "seed", "name"),
        "initializers.TruncatedNormal",
        (("mean", "mean", "0.0"), ("stddev", "stddev", "1.0"), ("seed", "seed", "None")),
    ),
    "tf.random.uniform": InitialValueFactory(
        ("shape", "minval", "maxval", "dtype", "seed", "name"),
        "initializers.RandomUniform",
        (("minval", "minval", "0.0"), ("maxval", "maxval", "1.0"), ("seed", "seed", "None")),
    ),
}
for _old, _new in (
    ("tf.random_normal", "tf.random.normal"),
    ("tf.compat.v1.random_normal", "tf.random.normal"),
    ("tf.compat.v1.random.normal", "tf.random.normal"),
    ("tf.truncated_normal", "tf.random.truncated_normal"),
    ("tf.compat.v1.truncated_normal", "tf.random.truncated_normal"),
    ("tf.compat.v1.random.truncated_normal", "tf.random.truncated_normal"),
    ("tf.random_uniform", "tf.random.uniform"),
    ("tf.compat.v1.random_uniform", "tf.random.uniform"),
    ("tf.compat.v1.random.uniform", "tf.random.uniform"),
    ("tf.compat.v1.zeros", "tf.zeros"),
    ("tf.compat.v1.ones", "tf.ones"),
    ("keras.backend.zeros", "tf.zeros"),
    ("keras.backend.ones", "tf.ones"),
):
    INITIAL_VALUE_FACTORIES[_old] = INITIAL_VALUE_FACTORIES[_new]

# numpy's float64 default never reached the variable: Keras casts to the layer's dtype
INITIAL_VALUE_FACTORIES["numpy.zeros"] = InitialValueFactory(("shape", "dtype", "order"), '"zeros"', dtype_param=None)
INITIAL_VALUE_FACTORIES["numpy.ones"] = InitialValueFactory(("shape", "dtype", "order"), '"ones"', dtype_param=None)

CONSTANT = frozenset({"tf.constant", "tf.compat.v1.constant"})
CONSTANT_PARAMS = ("value", "dtype", "shape", "name")
FILL = frozenset({"tf.fill", "tf.compat.v1.fill"})
FILL_PARAMS = ("dims", "value", "name")
# Calls that return a tensor: as get_variable's `initializer` they also fix the shape.
TENSOR_FACTORIES = frozenset(INITIAL_VALUE_FACTORIES) | CONSTANT | FILL | {
    "tf.convert_to_tensor", "numpy.array", "numpy.zeros", "numpy.ones", "numpy.asarray",
}
# Initializer factories: `F(...)` is an initializer object, `F(...)(shape, dtype)` a tensor.
INITIALIZER_FACTORY_NAMESPACES = ("keras.initializers.", "tf.initializers.", "tf.compat.v1.initializers.")
INITIALIZER_FACTORY_SUFFIX = "_initializer"  # tf.random_normal_initializer, tf.zeros_initializer, ...

# Keras 3 and tf_keras initializers take no `dtype`; compat.v1 initializers still do.
KERAS_INITIALIZER_NAMESPACES = ("keras.initializers.", "tf.initializers.")

# --- Layers --------------------------------------------------------------------------------
# Keras layers that own no weights: building one in call() loses nothing.
WEIGHTLESS_LAYERS = frozenset(
    {
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
        "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Activation", "ReLU",
        "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU", "Flatten", "Reshape", "Permute",
        "RepeatVector", "Lambda", "Masking", "Identity", "InputLayer", "Add", "Subtract",
        "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "MaxPooling1D",
        "MaxPooling2D", "MaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
        "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
        "AvgPool3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
        "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
        "GlobalAvgPool2D", "GlobalAvgPool3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
        "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
    }
)

# Attribute names a lifted layer must never take: Keras Layer/Model members on either line.
KERAS_RESERVED_ATTRIBUTES = frozenset(
    {
        "name", "weights", "variables", "trainable_weights", "non_trainable_weights",
        "trainable_variables", "non_trainable_variables", "layers", "input", "output",
        "inputs", "outputs", "input_shape", "output_shape", "input_spec", "trainable", "dtype",
        "dtype_policy", "compute_dtype", "variable_dtype", "built", "losses", "metrics",
        "metrics_names", "updates", "optimizer", "loss", "submodules", "path", "states",
        "stateful", "supports_masking", "activity_regularizer", "call", "build", "get_config",
        "from_config", "compile", "fit", "evaluate", "predict", "summary", "save", "count_params",
        "get_weights", "set_weights", "add_weight", "add_variable", "add_loss", "add_metric",
        "compute_output_shape", "compute_mask", "distribute_strategy", "run_eagerly",
        "self", "cls",
    }
)


@dataclass(frozen=True)
class Tf1Layer:
    """A TF1 `tf.layers.<function>` and the Keras class that replaces it."""

    keras_class: str
    params: tuple[str, ...]  # the TF1 function's parameters after `inputs`, in order
    keras_positional: tuple[str, ...]  # the Keras constructor's leading positional parameters
    call_args: frozenset[str] = frozenset()  # passed when calling the layer, not building it
    # TF1 default that differs from Keras: (parameter, source of the TF1 default)
    tf1_defaults: tuple[tuple[str, str], ...] = ()
    # parameters Keras lacks on at least one line, with their harmless literal defaults
    unsupported: dict[str, frozenset[str]] = field(default_factory=dict)


_DENSE = ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
          "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
          "bias_constraint", "trainable", "name", "reuse")
_CONV_TAIL = ("activation", "use_bias", "kernel_initializer", "bias_initializer",
              "kernel_regularizer", "bias_regularizer", "activity_regularizer",
              "kernel_constraint", "bias_constraint", "trainable", "name", "reuse")
_CONV = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate") + _CONV_TAIL
_CONV_T = ("filters", "kernel_size", "strides", "padding", "data_format") + _CONV_TAIL
_SEPARABLE = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "depth_multiplier", "activation", "use_bias", "depthwise_initializer",
              "pointwise_initializer", "bias_initializer", "depthwise_regularizer",
              "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
              "depthwise_constraint", "pointwise_constraint", "bias_constraint", "trainable",
              "name", "reuse")
_POOL = ("pool_size", "strides", "padding", "data_format", "name")
_CONV_POSITIONAL = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")
_CONV_T_POSITIONAL = ("filters", "kernel_size", "strides", "padding")
_BN = ("axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
       "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
       "gamma_regularizer", "beta_constraint", "gamma_constraint", "training", "trainable",
       "name", "reuse", "renorm", "renorm_clipping", "renorm_momentum", "fused",
       "virtual_batch_size", "adjustment")

TF1_LAYERS = {
    "dense": Tf1Layer("Dense", _DENSE, ("units", "activation", "use_bias")),
    "conv1d": Tf1Layer("Conv1D", _CONV, _CONV_POSITIONAL),
    "conv2d": Tf1Layer("Conv2D", _CONV, _CONV_POSITIONAL),
    "conv3d": Tf1Layer("Conv3D", _CONV, _CONV_POSITIONAL),
    "conv2d_transpose": Tf1Layer("Conv2DTranspose", _CONV_T, _CONV_T_POSITIONAL),
    "conv3d_transpose": Tf1Layer("Conv3DTranspose", _CONV_T, _CONV_T_POSITIONAL),
    "separable_conv1d": Tf1Layer("SeparableConv1D", _SEPARABLE, _CONV_POSITIONAL + ("depth_multiplier",)),
    "separable_conv2d": Tf1Layer("SeparableConv2D", _SEPARABLE, _CONV_POSITIONAL + ("depth_multiplier",)),
    "max_pooling1d": Tf1Layer("MaxPooling1D", _POOL, ("pool_size", "strides", "padding", "data_format")),
    "max_pooling2d": Tf1Layer("MaxPooling2D", _POOL, ("pool_size", "strides", "padding", "data_format")),
    "max_pooling3d": Tf1Layer("MaxPooling3D", _POOL, ("pool_size", "strides", "padding", "data_format")),
    "average_pooling1d": Tf1Layer("AveragePooling1D", _POOL, ("pool_size", "strides", "padding", "data_format")),
    "average_pooling2d": Tf1Layer("AveragePooling2D", _POOL, ("pool_size", "strides", "padding", "data_format")),
    "average_pooling3d": Tf1Layer("AveragePooling3D", _POOL, ("pool_size", "strides", "padding", "data_format")),
    "batch_normalization": Tf1Layer(
        "BatchNormalization",
        _BN,
        ("axis", "momentum", "epsilon", "center", "scale"),
        call_args=frozenset({"training"}),
        # TF1 ran batch norm in inference mode unless told otherwise; a Keras layer would
        # follow the model's training flag instead.
        tf1_defaults=(("training", "False"),),
        unsupported={
            "renorm": frozenset({"False"}),
            "renorm_clipping": frozenset({"None"}),
            "renorm_momentum": frozenset({"0.99"}),
            "fused": frozenset({"None", "True", "False"}),  # a speed hint only
            "virtual_batch_size": frozenset({"None"}),
            "adjustment": frozenset({"None"}),
        },
    ),
    "dropout": Tf1Layer(
        "Dropout",
        ("rate", "noise_shape", "seed", "training", "name"),
        ("rate", "noise_shape", "seed"),
        call_args=frozenset({"training"}),
        tf1_defaults=(("rate", "0.5"), ("training", "False")),
    ),
    "flatten": Tf1Layer("Flatten", ("name", "data_format"), ()),
}
# TF1 layer classes (tf.layers.Dense, ...) take the function's parameters minus `inputs`, up
# to the first call-time one (`training`) or `reuse`; positions past that differ.
TF1_LAYER_CLASSES = {spec.keras_class: spec for spec in TF1_LAYERS.values()}


def tf1_class_params(spec: Tf1Layer) -> tuple[str, ...]:
    params = []
    for param in spec.params:
        if param in spec.call_args or param == REUSE_ARGUMENT:
            break
        params.append(param)
    return tuple(params)
TF1_LAYER_CLASS_ALIASES = {
    "Layer": "Layer", "InputSpec": "InputSpec", "Conv2DTranspose": "Conv2DTranspose",
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Convolution2DTranspose": "Conv2DTranspose", "Convolution3DTranspose": "Conv3DTranspose",
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
    "AveragePooling1D": "AveragePooling1D", "AvgPool1D": "AveragePooling1D",
    "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
}
# Arguments TF1 layers accept that mean "reuse the variables of an earlier call".
REUSE_ARGUMENT = "reuse"


def is_keras_layer_class(canonical: str) -> bool:
    """True for a canonical name that is a Keras layer, model or metric class."""
    canonical = KERAS_BASE_ALIASES.get(canonical, canonical)
    if canonical in KERAS_MODEL_BASES or canonical == "keras.layers.Layer":
        return True
    last = canonical.rsplit(".", 1)[-1]
    if not last[:1].isupper() or last in KERAS_NON_LAYERS:
        return False
    if any(canonical.startswith(ns) for ns in KERAS_LAYER_NAMESPACES):
        return True
    if canonical.startswith("tf1.layers."):
        return True
    return any(canonical.startswith(ns) for ns in TF_RNN_CELL_NAMESPACES)


def is_weightless_layer(canonical: str) -> bool:
    return canonical.startswith("keras.layers.") and canonical.rsplit(".", 1)[-1] in WEIGHTLESS_LAYERS


def is_initializer_factory(canonical: str) -> bool:
    """`F(...)` builds an initializer object (so `F(...)(shape)` is a tensor)."""
    last = canonical.rsplit(".", 1)[-1]
    return (
        any(canonical.startswith(ns) for ns in INITIALIZER_FACTORY_NAMESPACES)
        or (canonical.startswith("tf.") and last.endswith(INITIALIZER_FACTORY_SUFFIX))
    )


def is_keras_initializer(canonical: str) -> bool:
    """A Keras (not compat.v1) initializer constructor: takes no `dtype` today."""
    return any(canonical.startswith(ns) for ns in KERAS_INITIALIZER_NAMESPACES)


# --- Keyword arguments of the Keras base layer ------------------------------------------------
# Every Keras layer's constructor forwards these to `Layer.__init__`, on both lines (measured on
# Dense, Conv2D, BatchNormalization, Dropout and Layer itself, TF 2.21): a TF1 layer class given
# them converts as is.
KERAS_LAYER_KEYWORDS = frozenset(
    {"dtype", "name", "trainable", "input_shape", "input_dim", "autocast", "activity_regularizer"}
)
# Accepted by tf_keras 2 (and TF1's layers) but refused by Keras 3 ("Unrecognized keyword
# arguments passed to Dense", ValueError): a person must decide what they become.
KERAS2_ONLY_LAYER_KEYWORDS = {
    "batch_input_shape": "Keras 3 has no `batch_input_shape` (ValueError): give `input_shape` without the batch size, "
                         "or an `Input(batch_shape=...)`",
    "batch_size": "Keras 3 has no `batch_size` for a layer (ValueError): give it to `Input(batch_size=...)`",
    "dynamic": "Keras 3 has no `dynamic` (ValueError): drop it, or compile the model with `run_eagerly=True`",
    "weights": "Keras 3 has no `weights=` (ValueError): call `set_weights` after the layer is built",
    "implementation": "Keras 3 has no `implementation=` for this layer (ValueError): drop it",
}
# TF1's layers module inside TensorFlow: it still imports on Keras 3 (its classes are the old
# `tensorflow.python.keras` ones), but a Keras 3 model tracks none of their weights (measured:
# a `core_layers.Dense` held by a Keras 3 layer, 0 of 1 weights; a `base.Layer` subclass in a
# Keras 3 model, its weight missing).
TF1_LAYERS_LEGACY_MODULE = "tensorflow.python.layers"

# --- A project's own Keras ------------------------------------------------------------------
# A module-level name of these spellings bound to a call or a conditional
# (`keras = _select_keras()`, `keras = tf_keras if legacy else tf.keras`) is how projects pick
# their Keras once: it means Keras, in that module and wherever it is imported from there.
KERAS_SHIM_NAMES = frozenset({"keras", "tf_keras"})
