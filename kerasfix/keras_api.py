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
    # tf_keras's own v1 and v2 namespaces (`import tf_keras.api._v1.keras as v1`, TFP's shim)
    "tf_keras.api._v1.keras",
    "tf_keras.api._v2.keras",
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
# what returns a Keras tensor of the functional graph by itself (`keras.Input(shape=(4,))`)
KERAS_INPUTS = frozenset({"keras.Input", "keras.layers.Input"})
# Weight lists a layer exposes: appending to them never tracks anything on Keras 3
WEIGHT_LISTS = frozenset({
    "_trainable_weights", "_non_trainable_weights", "trainable_weights", "non_trainable_weights",
    "trainable_variables", "non_trainable_variables", "weights", "variables",
})
# The lists Keras 2 kept its own weights in (AttributeError on Keras 3): appending there
# registered a variable by hand.
PRIVATE_WEIGHT_LISTS = frozenset({"_trainable_weights", "_non_trainable_weights"})
# The trainable ones among them: appending a variable there (Keras 2) made it trained.
TRAINABLE_WEIGHT_LISTS = frozenset({"_trainable_weights", "trainable_weights", "trainable_variables"})
# Dtypes no optimizer trains: a variable of one is a counter or a flag (`trainable=False`);
# Keras 3 and tf_keras would still list it in `trainable_weights` (measured).
UNTRAINABLE_DTYPES = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool"})
# Where `keras.backend.variable` was imported from says which Keras the code was written for:
# tf.keras 2 tracked a variable assigned to a layer as trainable (as tf_keras still does);
# the standalone multi-backend Keras 2 (`import keras`, 2.3 and before; Keras 3 has no
# `backend.variable`) and TF 1's contrib copy of it trained only what add_weight made or what
# was appended to the weight lists.
TF_KERAS_IMPORTS = ("tensorflow.keras.", "tensorflow.python.keras.", "tensorflow.compat.v1.keras.",
                    "tensorflow.compat.v2.keras.", "tf_keras.")
UNTRACKING_KERAS_IMPORTS = ("keras.", "tensorflow.contrib.keras.")
# TF1's assignment functions: `tf.compat.v1.assign_add(v, 1)` reads `v.dtype._is_ref_dtype`,
# which a Keras 3 variable (its dtype a string) lacks: AttributeError (measured), where the
# variable's own method works on both lines. name -> (the method, the function's parameters).
ASSIGN_FUNCTIONS = {
    f"{prefix}.{name}": (name, ("ref", "value", "validate_shape", "use_locking", "name") if name == "assign"
                         else ("ref", "value", "use_locking", "name"))
    for prefix in ("tf", "tf.compat.v1") for name in ("assign", "assign_add", "assign_sub")
}
# their arguments the method does without (an op name, a lock a resource variable ignores)
ASSIGN_DROPPED = frozenset({"use_locking", "name"})
VARIABLE_SCOPE = frozenset(
    {
        "tf.variable_scope",
        "tf.compat.v1.variable_scope",
        "tf.python.ops.variable_scope.variable_scope",
    }
)
# The spelling TF 2 removed (AttributeError); `tf.compat.v1.variable_scope` still runs.
VARIABLE_SCOPE_GONE = frozenset({"tf.variable_scope"})
# `reuse=` values that create a scope's variables when they are missing (TF1); `tf.AUTO_REUSE`
# is gone in TF 2, like `tf.variable_scope` itself.
AUTO_REUSE = frozenset({"tf.AUTO_REUSE", "tf.compat.v1.AUTO_REUSE", "tf.python.ops.variable_scope.AUTO_REUSE"})
# Default enum values of get_variable / tf.Variable that add_weight may simply omit.
DEFAULT_SYNCHRONIZATION = frozenset({"tf.VariableSynchronization.AUTO", "tf.compat.v1.VariableSynchronization.AUTO"})
DEFAULT_AGGREGATION = frozenset({"tf.VariableAggregation.NONE", "tf.compat.v1.VariableAggregation.NONE"})
# add_weight's `aggregation=` has no spelling both lines take (measured, TF 2.21): Keras 3 takes
# only None or the strings below (ValueError on the enum, and on "MEAN"), and its add_variable
# has no `aggregation` at all (TypeError); tf_keras's add_weight and add_variable take only the
# enum (ValueError "Invalid variable aggregation mode: mean" on the string). Keras 3's string
# for each enum spelling:
AGGREGATION_STRINGS = {
    f"{prefix}VariableAggregation.{member}": member.lower()
    for prefix in ("tf.", "tf.compat.v1.", "tensorflow.", "tensorflow.compat.v1.")
    for member in ("NONE", "SUM", "MEAN", "ONLY_FIRST_REPLICA")
}

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
# add_weight's keywords Keras 3 rejects (TypeError), and those whose value is portable between
# Keras 3 and tf_keras only as a string (an enum of either line's is not): KF107
ADD_WEIGHT_REJECTED = ("use_resource", "experimental_autocast")
ADD_WEIGHT_STRING_ONLY = ("aggregation", "synchronization", "partitioner", "caching_device")
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
    # measured: Keras 3's add_weight has no `synchronization` (TypeError, an enum or a string alike);
    # tf_keras takes the enum and rejects the string
    "synchronization": "Keras 3's add_weight has no `synchronization` (TypeError) and tf_keras takes only the "
                       "enum: drop it, or keep it on tf_keras only",
    "aggregation": "Keras 3 wants `aggregation` as a string ('mean', 'sum', ...) and tf_keras as an enum: "
                   "set it by hand",
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
# A value made of integer literals makes an integer variable (measured, both lines): the dtype
# each constant factory gives it, unless `dtype=` says otherwise.
INTEGER_DTYPE = {"tf.constant": '"int32"', "tf.compat.v1.constant": '"int32"', "literal": '"int32"',
                 "tf.fill": '"int32"', "tf.compat.v1.fill": '"int32"', "numpy.array": '"int64"',
                 "numpy.asarray": '"int64"'}
# numpy arrays of literals: shape and values read like tf.constant's; a float one is float64,
# which never reached a layer's float32 arithmetic (as numpy.zeros below)
NUMPY_ARRAY = frozenset({"numpy.array", "numpy.asarray"})
NUMPY_ARRAY_PARAMS = ("object", "dtype")
# Builtins that make a Python scalar: `tf.Variable(float(x))` is a scalar variable (shape ())
SCALAR_BUILTINS = {"float": None, "int": '"int32"'}
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
        # preprocessing layers with no variable and no seed (measured on both lines: 0 variables
        # after a call, and built in `call` under `fit` for 2 epochs, no error)
        "Resizing", "Rescaling", "CenterCrop",
    }
)

# Weightless layers that Keras 3 gives a seed generator, whose state variable is made when the
# layer is built: built in `call`, one is made on every call, and under `fit` (a tf.function)
# the second trace raises ValueError (measured on Keras 3.15; tf_keras 2 makes none).
# Preprocessing layers that draw random numbers: a seed variable on Keras 3 (measured: 1
# `seed_generator_state` after a call), none in eager tf_keras; built in `call`, `fit` raises
# ValueError on both lines (tf_keras: "tf.function only supports singleton tf.Variables created
# on the first call"; RandomFlip and RandomRotation measured).
RANDOM_LAYERS = frozenset({"RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "RandomTranslation",
                           "RandomCrop", "RandomBrightness", "RandomHeight", "RandomWidth"})
SEEDED_LAYERS = frozenset({"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
                           "GaussianDropout", "AlphaDropout"})

# Every non-dunder name of a Keras Layer or Model: `dir()` of `keras.layers.Layer` and
# `keras.Model`, and `vars()` of a built layer and of a model after `fit`, on Keras 3.15 and
# tf_keras 2.21 (measured 2026-11-27). A lifted layer stored under one of these either fails
# (`self.weights = ...`: no setter; `self._layers = ...` on Keras 3) or breaks Keras's own
# bookkeeping silently.
KERAS_LAYER_MODEL_MEMBERS = frozenset(
    {
        "activity_regularizer", "add_loss", "add_metric", "add_update", "add_variable",
        "add_weight", "autocast", "autotune_steps_per_execution", "build", "build_from_config",
        "built", "call", "call_signature_parameters", "compile", "compile_from_config",
        "compiled", "compiled_loss", "compiled_metrics", "compute_dtype", "compute_loss",
        "compute_mask", "compute_metrics", "compute_output_shape", "compute_output_signature",
        "compute_output_spec", "count_params", "distribute_reduction_method",
        "distribute_strategy", "dtype", "dtype_policy", "dynamic", "evaluate",
        "evaluate_generator", "export", "finalize_state", "fit", "fit_generator", "from_config",
        "get_build_config", "get_compile_config", "get_config", "get_input_at",
        "get_input_mask_at", "get_input_shape_at", "get_layer", "get_metrics_result",
        "get_output_at", "get_output_mask_at", "get_output_shape_at",
        "get_quantization_layer_structure", "get_state_tree", "get_weight_paths", "get_weights",
        "history", "inbound_nodes", "input", "input_dtype", "input_mask", "input_names",
        "input_shape", "input_spec", "inputs", "jit_compile", "layers", "load_own_variables",
        "load_weights", "loss", "losses", "make_predict_function", "make_test_function",
        "make_train_function", "metrics", "metrics_names", "metrics_variables", "name",
        "name_scope", "non_trainable_variables", "non_trainable_weights", "optimizer",
        "outbound_nodes", "output", "output_mask", "output_names", "output_shape", "outputs",
        "path", "predict", "predict_function", "predict_generator", "predict_on_batch",
        "predict_step", "quantization_mode", "quantize", "quantized_build", "quantized_call",
        "rematerialized_call", "reset_metrics", "reset_states", "run_eagerly", "save",
        "save_own_variables", "save_spec", "save_weights", "set_state_tree", "set_weights",
        "state_updates", "stateful", "stateless_call", "stateless_compute_loss",
        "steps_per_execution", "stop_training", "submodules", "summary", "supports_jit",
        "supports_masking", "symbolic_call", "test_function", "test_on_batch", "test_step",
        "to_json", "to_yaml", "train_function", "train_on_batch", "train_step",
        "train_tf_function", "trainable", "trainable_variables", "trainable_weights",
        "unrolled_steps_per_execution", "updates", "variable_dtype", "variables", "weights",
        "with_name_scope"
    }
)
KERAS_PRIVATE_MEMBERS = frozenset(
    {
        "_SCALAR_UPRANKING_ON", "_TF_MODULE_IGNORED_PROPERTIES", "_activity_regularizer",
        "_add_trackable", "_add_trackable_child", "_add_variable_with_custom_getter",
        "_aggregate_additional_loss", "_aggregate_exact_metrics",
        "_allow_non_tensor_positional_args", "_api_export_path", "_api_export_symbol_id",
        "_assert_compile_called", "_assert_compile_was_called", "_assert_input_compatibility",
        "_assert_weights_created", "_assign_variable_values", "_auto_config",
        "_auto_get_config", "_auto_track_sub_layers", "_autocast", "_autoconvert_optionals",
        "_autographed_call", "_autotune_steps_per_execution", "_awq_call",
        "_base_model_initialized", "_build_at_init", "_build_by_run_for_kwargs",
        "_build_by_run_for_single_pos_arg", "_build_input_shape", "_build_shapes_dict",
        "_call_context_args", "_call_has_context_arg", "_call_has_mask_arg",
        "_call_has_training_arg", "_call_signature", "_call_spec", "_callable_losses",
        "_called", "_captured_weight_regularizer", "_cast_single_input", "_check_call_args",
        "_check_load_own_variables", "_check_quantize_args", "_check_sample_weight_warning",
        "_check_super_called", "_checkpoint", "_checkpoint_adapter", "_checkpoint_dependencies",
        "_clear_losses", "_cluster_coordinator", "_compile_config", "_compile_loss",
        "_compile_metrics", "_compile_was_called", "_compiled_metrics_update_state",
        "_compiled_trainable_state", "_compute_dtype", "_compute_dtype_object", "_compute_loss",
        "_compute_loss_has_training_arg", "_compute_output_and_mask_jointly",
        "_configure_steps_per_execution", "_convert_input_args", "_convert_tracked_collections",
        "_copy_trackable_to_cpu", "_create_counter_variable", "_create_nested_dict",
        "_dedup_weights", "_default_save_signature", "_deferred_dependencies",
        "_delete_tracking", "_deserialization_dependencies", "_deserialize_from_proto",
        "_disallow_exact_eval_with_add_metrics", "_distribute_reduction_method",
        "_distribute_strategy", "_distribution_strategy", "_dtype", "_dtype_policy", "_dynamic",
        "_eager_losses", "_eval_epoch_iterator", "_expects_context_arg", "_expects_mask_arg",
        "_expects_training_arg", "_export_to_saved_model_graph", "_flatten", "_flatten_layers",
        "_flatten_metrics_in_order", "_flatten_modules", "_flatten_nested_dict", "_float8_call",
        "_functional_construction_call", "_gather_children_attribute",
        "_gather_saveables_for_checkpoint", "_get_call_context", "_get_callback_model",
        "_get_cell_name", "_get_compile_args", "_get_existing_metric", "_get_input_masks",
        "_get_metrics_result_or_logs", "_get_node_attribute_at_index", "_get_optimizer",
        "_get_own_losses", "_get_own_metrics", "_get_propagated_call_context_arguments",
        "_get_regularization_losses", "_get_save_spec", "_get_test_function_runner",
        "_get_trainable_state", "_get_unnested_name_scope", "_get_variable_map", "_gptq_call",
        "_handle_activity_regularization", "_handle_deferred_dependencies",
        "_handle_weight_regularization", "_in_multi_worker_mode", "_inbound_nodes",
        "_inbound_nodes_value", "_infer_exact_eval_shards", "_infer_output_signature",
        "_init_batch_counters", "_init_call_fn_args", "_init_set_name", "_initial_epoch",
        "_initial_weights", "_initialize_tracker", "_input_spec", "_instrument_layer_creation",
        "_instrumented_keras_api", "_instrumented_keras_layer_class",
        "_instrumented_keras_model_class", "_int4_call", "_int8_call", "_is_compiled",
        "_is_graph_network", "_is_layer", "_is_model_for_instrumentation", "_jit_compile",
        "_keras_api_names", "_keras_api_names_v1", "_keras_tensor_symbolic_call", "_layers",
        "_layout_map", "_lock", "_lock_state", "_lookup_dependency", "_loss_ids",
        "_loss_tracker", "_losses", "_losses_override", "_make_function",
        "_make_test_function_exact", "_maybe_build", "_maybe_cast_inputs",
        "_maybe_create_attribute", "_maybe_initialize_trackable",
        "_maybe_load_initial_counters_from_ckpt", "_maybe_reset_call_context",
        "_maybe_symbolic_build", "_metrics", "_metrics_lock", "_must_restore_from_config",
        "_name", "_name_based_attribute_restore", "_name_based_restores", "_name_scope",
        "_name_scope_on_declaration", "_no_dependency", "_non_trainable_variables",
        "_non_trainable_weights", "_not_implemented_error", "_obj_reference_counts",
        "_obj_reference_counts_dict", "_obj_type", "_object_identifier", "_open_name_scope",
        "_outbound_nodes", "_outbound_nodes_value", "_parent_path", "_path", "_post_build",
        "_post_quantize", "_post_track_variable", "_post_untrack_variable", "_predict_counter",
        "_preload_simple_restoration", "_preserve_input_structure_in_config",
        "_pss_evaluation_shards", "_quantization_mode_error", "_register_call_context_args",
        "_remat_mode", "_reset_compile_cache", "_resolve_and_populate_arg",
        "_resolve_auto_jit_compile", "_restore_from_tensors", "_run_eagerly",
        "_saved_model_arg_spec", "_saved_model_inputs_spec", "_seed_generators",
        "_self_name_based_restores", "_self_saveable_object_factories",
        "_self_setattr_tracking", "_self_tracked_trackables",
        "_self_unconditional_checkpoint_dependencies",
        "_self_unconditional_deferred_dependencies", "_self_unconditional_dependency_names",
        "_self_update_uid", "_serialize_to_proto", "_serialize_to_tensors",
        "_set_connectivity_metadata", "_set_dtype_policy", "_set_inputs",
        "_set_mask_keras_history_checked", "_set_mask_metadata", "_set_save_spec",
        "_set_trainable_state", "_setattr_hook", "_setattr_tracking",
        "_should_cast_single_input", "_should_compute_mask", "_should_eval",
        "_should_use_autograph", "_stateful", "_steps_per_execution",
        "_steps_per_execution_tuner", "_supports_masking", "_symbolic_build", "_test_counter",
        "_tf_api_names", "_tf_api_names_v1", "_thread_local", "_track_trackable",
        "_track_variable", "_track_variables", "_trackable_children",
        "_trackable_saved_model_saver", "_tracked", "_tracker", "_tracking_metadata",
        "_train_counter", "_trainable", "_trainable_variables", "_trainable_weights",
        "_training_state", "_unconditional_checkpoint_dependencies",
        "_unconditional_dependency_names", "_undeduplicated_weights", "_unpickle_model",
        "_untrack_variable", "_update_trackables", "_update_uid", "_updated_config", "_updates",
        "_use_input_spec_as_call_signature", "_validate_and_get_metrics_result",
        "_validate_compile", "_validate_target_and_loss", "_warn_if_trainable_state_changed"
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
) | KERAS_LAYER_MODEL_MEMBERS | KERAS_PRIVATE_MEMBERS
# Attributes `super().__init__()` sets on both Keras lines, with the value a later `call`
# reads (measured: `name`, `dtype`, ... of a bare subclass right after `__init__`); not
# `built` or `input_spec`, which `build` changes.
KERAS_INIT_ATTRIBUTES = frozenset(
    {"name", "dtype", "trainable", "dtype_policy", "compute_dtype", "variable_dtype", "supports_masking",
     "activity_regularizer"}
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
# what a person must change for each TF1 contrib convolution (TF1_CONTRIB_LAYERS, below)
_CONV_NOTE = "`num_outputs` is `filters`; TF1's defaults: `padding='same'`, relu activation"
# TF1's `tf.contrib.layers` functions that make variables as they run (read off TF 1.15's
# contrib/layers/python/layers/layers.py; `tf.contrib.slim` re-exports the same functions), with
# the Keras way. `tf.contrib` is gone in TF 2: AttributeError on both Keras lines (measured on TF
# 2.21), the import `tensorflow.contrib` fails alike; in TF1 each call inside a Keras layer made
# variables no Keras tracked. Report only: their defaults differ from the Keras classes' (below).
TF1_CONTRIB_LAYERS = {
    # TF1: moments over axes begin_norm_axis.. (default 1: every axis but the first), gamma/beta
    # over begin_params_axis.. (default -1), epsilon 1e-12 (1e-3 for float16). Measured on both
    # lines: LayerNormalization(axis=-1, epsilon=1e-12) computes begin_norm_axis=-1 exactly, and
    # the default for 2-D inputs only (3-D differs); Keras's default epsilon 1e-3 differs too.
    "layer_norm": ("LayerNormalization", "with `axis=-1, epsilon=1e-12` it computes what TF1 did with "
                   "`begin_norm_axis=-1`, and with TF1's default (every axis but the first) for 2-D inputs "
                   "only; Keras's default epsilon is 1e-3"),
    "batch_norm": ("BatchNormalization", "TF1's defaults: `momentum=0.999` (`decay`), `scale=False`, "
                   "`epsilon=0.001`; run it with TF1's `is_training`, whose default was True"),
    "group_norm": ("GroupNormalization", "TF1's default: `groups=32`, `epsilon=1e-6`"),
    "instance_norm": ("GroupNormalization", "`GroupNormalization(groups=-1, epsilon=1e-6)` is instance norm"),
    "fully_connected": ("Dense", "`num_outputs` is `units`; TF1's default activation was relu "
                        "(`activation_fn=tf.nn.relu`), Keras's is none"),
    "conv1d": ("Conv1D", _CONV_NOTE),
    "conv2d": ("Conv2D", _CONV_NOTE),
    "conv3d": ("Conv3D", _CONV_NOTE),
    "convolution": ("Conv2D", "the Keras `ConvND` of the input's rank; TF1's defaults: `padding='same'`, relu"),
    "convolution1d": ("Conv1D", _CONV_NOTE),
    "convolution2d": ("Conv2D", _CONV_NOTE),
    "convolution3d": ("Conv3D", _CONV_NOTE),
    "conv2d_transpose": ("Conv2DTranspose", "`num_outputs` is `filters`; TF1's defaults: `padding='same'`, relu"),
    "convolution2d_transpose": ("Conv2DTranspose", "`num_outputs` is `filters`; TF1's defaults: `padding='same'`, "
                                "relu"),
    "conv3d_transpose": ("Conv3DTranspose", "`num_outputs` is `filters`; TF1's defaults: `padding='same'`, relu"),
    "convolution3d_transpose": ("Conv3DTranspose", "`num_outputs` is `filters`; TF1's defaults: "
                                "`padding='same'`, relu"),
    "separable_conv2d": ("SeparableConv2D", "`num_outputs=None` is Keras's `DepthwiseConv2D`; TF1's defaults: "
                         "`padding='same'`, relu"),
    "separable_convolution2d": ("SeparableConv2D", "`num_outputs=None` is Keras's `DepthwiseConv2D`; TF1's "
                                "defaults: `padding='same'`, relu"),
    # TF1 source (contrib/layers/python/layers/{layers,encoders,normalization}.py): batch_norm
    # decay=0.999, center=True, scale=False, epsilon=0.001, NHWC; fully_connected, the convolutions
    # (and transposes, separable) activation_fn=relu, xavier (glorot uniform) weights, zero biases,
    # the convolutions padding='SAME'; instance_norm epsilon=1e-6; all as the messages say. Two
    # defaults the messages left out, measured: embed_sequence's initializer=None is get_variable's
    # glorot uniform (a (1000, 8) table spans +-0.077, TF 2.21 compat.v1), Keras's Embedding draws
    # uniform(-0.05, 0.05); bias_add's zeros, where `add_weight` without an initializer draws glorot
    # uniform on both lines.
    "embed_sequence": ("Embedding", "`vocab_size` is `input_dim`, `embed_dim` is `output_dim`; TF1's default "
                       "initializer was glorot uniform (`embeddings_initializer=\"glorot_uniform\"`), Keras's "
                       "is uniform in +-0.05"),
    "bias_add": ("a weight of `add_weight` in `build`", "`initializer=\"zeros\"`, TF1's default (`add_weight`'s "
                 "is glorot uniform), shaped as the input's last axis; added to the input in `call`"),
}
TF1_CONTRIB_LAYER_NAMESPACES = ("tf.contrib.layers.", "tf.contrib.layers.python.layers.layers.",
                                "tf.contrib.layers.python.layers.", "tf.contrib.slim.")


def tf1_contrib_layer(canonical: str) -> str | None:
    """The `tf.contrib.layers` function that makes variables a canonical name is
    ("layer_norm"), or None."""
    space, _, name = canonical.rpartition(".")
    return name if name in TF1_CONTRIB_LAYERS and space + "." in TF1_CONTRIB_LAYER_NAMESPACES else None


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
    return any(canonical.startswith(ns) for ns in TF_RNN_CELL_NAMESPACES) and last not in TF_RNN_NON_LAYERS


def is_weightless_layer(canonical: str) -> bool:
    return canonical.startswith("keras.layers.") and canonical.rsplit(".", 1)[-1] in WEIGHTLESS_LAYERS


def is_random_layer(canonical: str) -> bool:
    return is_keras_layer_class(canonical) and canonical.rsplit(".", 1)[-1] in RANDOM_LAYERS


def is_seeded_layer(canonical: str) -> bool:
    return canonical.startswith("keras.layers.") and canonical.rsplit(".", 1)[-1] in SEEDED_LAYERS


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


# Keras properties without a setter: `self.<name> = ...` in a subclass raises AttributeError.
# Measured on TF 2.21 by `setattr` on a freshly built Layer and Model subclass, Keras 3.15 and
# tf_keras 2.21; names with a setter that only validates (`dtype_policy` on Keras 3,
# `input_spec`) and private names are left out. name -> (the lines that raise, models only?)
KERAS_3, TF_KERAS, BOTH_LINES = "Keras 3", "tf_keras", "Keras 3 and tf_keras"
READ_ONLY_ATTRIBUTES: dict[str, tuple[str, bool]] = {
    **{name: (BOTH_LINES, False) for name in (
        "weights", "variables", "trainable_weights", "non_trainable_weights", "trainable_variables",
        "non_trainable_variables", "losses", "metrics", "input", "output", "dtype", "compute_dtype",
        "variable_dtype")},
    **{name: (KERAS_3, False) for name in ("input_dtype", "metrics_variables", "path", "quantization_mode")},
    **{name: (TF_KERAS, False) for name in (
        "name", "dtype_policy", "dynamic", "inbound_nodes", "outbound_nodes", "input_mask",
        "output_mask", "input_shape", "output_shape", "name_scope", "submodules", "updates")},
    **{name: (BOTH_LINES, True) for name in ("layers", "distribute_strategy", "metrics_names")},
    "compiled_metrics": (KERAS_3, True),
    "state_updates": (TF_KERAS, True),
}
# Weights of Keras's own layers that Keras 3 exposes as a property with no setter (measured on
# TF 2.21 / Keras 3.15: the read-only properties of each built-in layer class, then `self.kernel
# = ...` in a subclass's `call` and `build`): `self.kernel = quantize(self.kernel)` in a `Dense`
# subclass raises AttributeError on Keras 3; tf_keras has plain attributes there, and in `call`
# the tensor replaces the variable, which drops out of `weights` (2 -> 1 on Dense and Conv2D,
# 1 -> 0 on Embedding). Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, BatchNormalization,
# LayerNormalization, PReLU and the RNN cells have none. attribute -> the classes (last names).
BUILTIN_READ_ONLY_WEIGHTS: dict[str, frozenset[str]] = {
    "kernel": frozenset({"Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D",
                         "Convolution3D"}),
    "embeddings": frozenset({"Embedding"}),
}
# Attributes Keras's `Layer.__init__` sets again, so that a value assigned before
# `super().__init__()` is silently lost -> the lines that lose it (measured 2026-12-05 on a
# Layer and a Model subclass: set before the call, read after the first call; set after the
# call, every one is kept). `name` is lost on Keras 3 and raises AttributeError on tf_keras
# (READ_ONLY_ATTRIBUTES). Not here, kept on both lines: `built`, plain and private attributes;
# `dynamic` (kept on Keras 3, read-only on tf_keras) and `dtype` (read-only on both).
RESET_BY_INIT: dict[str, str] = {
    **{name: BOTH_LINES for name in ("trainable", "supports_masking", "input_spec", "activity_regularizer")},
    "stateful": TF_KERAS, "autocast": KERAS_3, "name": KERAS_3,
}
# What a reserved attribute that holds the class's own things is renamed to; the others
# (`name`, `dtype`, ...) are Keras's to set, through `super().__init__(...)`: reported only.
READ_ONLY_RENAMES = {
    "layers": "sublayers", "weights": "weight_list", "variables": "variable_list",
    "trainable_weights": "trainable_weight_list", "non_trainable_weights": "non_trainable_weight_list",
    "trainable_variables": "trainable_variable_list",
    "non_trainable_variables": "non_trainable_variable_list", "losses": "loss_list",
    "metrics": "metric_list", "updates": "update_list", "submodules": "submodule_list",
    "input": "input_tensor", "output": "output_tensor", "input_shape": "expected_input_shape",
    "output_shape": "expected_output_shape",
}


def is_keras_model_class(canonical: str) -> bool:
    return KERAS_BASE_ALIASES.get(canonical, canonical) in KERAS_MODEL_BASES

# `tf.Module` and the libraries' classes built on it (canonical names): its variables are
# tracked by tf_keras 2 (whose Layer is a tf.Module) but lost by Keras 3 (probes/holders.py).
TF_MODULE_BASES = frozenset({"tf.Module", "tf.compat.v1.Module", "tf.python.module.module.Module", "sonnet.Module"})


# Plain attribute bags a layer may (wrongly) keep sub-layers in: Keras looks inside neither.
NAMESPACE_HOLDERS = frozenset({"types.SimpleNamespace", "argparse.Namespace"})


def is_tf_module_class(canonical: str) -> bool:
    return canonical in TF_MODULE_BASES

# Capitalised names under TF's RNN modules that are no layers: LSTMStateTuple is a namedtuple
# (measured: its MRO is LSTMStateTuple, tuple, object on tf_keras 2.21 and in rnn_cell_impl).
TF_RNN_NON_LAYERS = frozenset({"LSTMStateTuple"})
# TF1 RNN cells (`tf.compat.v1.nn.rnn_cell.*`, `tf.nn.rnn_cell.*` in TF 1.x, `tf.contrib.rnn.*`):
# "not available with Keras 3" (AttributeError, measured on TF 2.21); the Keras class that
# replaces each, and what a person must change at the call sites.
TF1_RNN_CELLS: dict[str, tuple[str, str]] = {
    "LSTMCell": ("tf.keras.layers.LSTMCell", "`num_units` is `units`; the state is a list [h, c], not "
                 "`LSTMStateTuple(c, h)`; `use_peepholes`, `cell_clip`, `num_proj` have no Keras counterpart"),
    "BasicLSTMCell": ("tf.keras.layers.LSTMCell", "`num_units` is `units`; the state is a list [h, c], not "
                      "`LSTMStateTuple(c, h)`; TF1 adds `forget_bias` at every step, Keras initialises the "
                      "bias to it (`unit_forget_bias`)"),
    "GRUCell": ("tf.keras.layers.GRUCell", "`num_units` is `units`; TF1's GRU is Keras's `reset_after=False`"),
    "BasicRNNCell": ("tf.keras.layers.SimpleRNNCell", "`num_units` is `units`; the state is a list"),
    "MultiRNNCell": ("tf.keras.layers.StackedRNNCells", "the states are a list of the cells' lists"),
    "DropoutWrapper": ("the cell's own `dropout=` / `recurrent_dropout=`", "Keras cells drop inside the cell"),
    "ResidualWrapper": ("a residual `x + cell(x)` in `call`", "Keras has no residual cell wrapper"),
    # (Keras 3 has no `AbstractRNNCell`: AttributeError, measured on TF 2.21; a `Layer` with
    # `state_size` and `output_size` runs in `keras.layers.RNN` on both lines)
    "RNNCell": ("a `tf.keras.layers.Layer` with `state_size` and `output_size`, run by `tf.keras.layers.RNN`",
                "`call(inputs, state)` becomes `call(inputs, states)` with `states` a list; `zero_state(batch, "
                "dtype)` is `get_initial_state(batch_size=, dtype=)`; Keras 3 has no `AbstractRNNCell`"),
    "LSTMStateTuple": ("a list `[h, c]`", "Keras's LSTM cells keep their state as a list, h first"),
    "LayerRNNCell": ("a `tf.keras.layers.Layer` with `state_size` and `output_size`, run by `tf.keras.layers.RNN`",
                     "`call(inputs, state)` becomes `call(inputs, states)`; "
                     "`zero_state` is `get_initial_state`"),
}
# TF1 RNN cell wrappers: no weight of their own, the cells they wrap hold them (measured on
# tf_keras 2.21, each built around a `tf.compat.v1.nn.rnn_cell.LSTMCell(4)` and called once:
# DropoutWrapper, ResidualWrapper and DeviceWrapper list 0 weights, MultiRNNCell lists its
# cell's 2 and owns none; KF206 words a function building only wrappers so).
TF1_RNN_WRAPPERS = frozenset({"DropoutWrapper", "ResidualWrapper", "DeviceWrapper", "MultiRNNCell"})


def is_tf1_rnn_wrapper(canonical: str) -> bool:
    return canonical.rsplit(".", 1)[-1] in TF1_RNN_WRAPPERS and canonical.startswith(TF_RNN_CELL_NAMESPACES)


# The same classes through TF's private modules (`from tensorflow.python.ops import
# rnn_cell_impl`): they still import on Keras 3, but are the old tensorflow.python.keras layers.
# Measured on TF 2.21: a Keras 3 layer holding a subclass of `rnn_cell_impl.RNNCell` tracks 0 of
# its 1 weight, and Keras 3's `RNN` raises ValueError running it; tf_keras runs and tracks it.
TF1_RNN_CELL_LEGACY_NAMESPACES = ("tf.python.ops.rnn_cell_impl.", "tf.python.ops.rnn_cell.")
TF1_RNN_CELL_LEGACY_TRAP = ("imports on Keras 3, but as no Keras 3 layer (a Keras 3 layer holding it loses its "
                            "weights; Keras 3's `RNN` raises ValueError running it)")
TF1_RNN_CELL_NAMESPACES = ("tf.nn.rnn_cell.", "tf.compat.v1.nn.rnn_cell.", "tf.contrib.rnn.",
                           *TF1_RNN_CELL_LEGACY_NAMESPACES)
# (`rnn_cell_impl.LSTMStateTuple` is a namedtuple that runs on Keras 3 as it did: no trap there)
TF1_RNN_CELL_CLASSES = frozenset(space + cell for space in TF1_RNN_CELL_NAMESPACES for cell in TF1_RNN_CELLS
                                 if space not in TF1_RNN_CELL_LEGACY_NAMESPACES or cell not in TF_RNN_NON_LAYERS)


# TF1 cell -> (its Keras cell under `keras.`, TF1 keyword -> Keras keyword, keywords the Keras
# cell needs to compute what TF1's did). Every TF1 cell's first parameter is its first Keras
# one (`num_units` -> `units`, `cells` -> `cells`); a TF1 argument not listed here (`use_peepholes`,
# `forget_bias`, `initializer`, `state_is_tuple`, `reuse`, ...) has no Keras equivalent: no fix.
# Measured on TF 2.21: `keras.layers.RNN` runs each mapped cell on both lines.
TF1_RNN_CELL_CONSTRUCTORS: dict[str, tuple[str, dict[str, str], tuple[tuple[str, str], ...]]] = {
    "LSTMCell": ("layers.LSTMCell", {"num_units": "units", "activation": "activation", "name": "name",
                                     "dtype": "dtype"}, ()),
    "BasicLSTMCell": ("layers.LSTMCell", {"num_units": "units", "activation": "activation", "name": "name",
                                          "dtype": "dtype"}, ()),
    # TF1's GRU resets the state before the matrix product: Keras's `reset_after=False`
    "GRUCell": ("layers.GRUCell", {"num_units": "units", "activation": "activation", "name": "name",
                                   "dtype": "dtype"}, (("reset_after", "False"),)),
    "BasicRNNCell": ("layers.SimpleRNNCell", {"num_units": "units", "activation": "activation", "name": "name",
                                              "dtype": "dtype"}, ()),
    "MultiRNNCell": ("layers.StackedRNNCells", {"cells": "cells"}, ()),
}
# the Keras layers that run a cell (canonical names)
KERAS_RNN_LAYERS = frozenset({"keras.layers.RNN"})
# TF1's functions that run a cell over a sequence (canonical name -> which), their parameters in
# order, and those with no Keras `RNN` counterpart (anything but their default): why. (`dtype`,
# `scope`, `parallel_iterations`, `swap_memory` change no result: dropped.)
TF1_RNN_RUNS = {f"{space}{name}": name for name in ("dynamic_rnn", "static_rnn")
                for space in ("tf.nn.", "tf.compat.v1.nn.", "tf.python.ops.rnn.")}
TF1_RNN_RUN_PARAMS = {
    "dynamic_rnn": ("cell", "inputs", "sequence_length", "initial_state", "dtype", "parallel_iterations",
                    "swap_memory", "time_major", "scope"),
    "static_rnn": ("cell", "inputs", "initial_state", "dtype", "sequence_length", "scope"),
}
TF1_RNN_RUN_UNMAPPED = {
    # (a GRU's or basic RNN's state is one tensor, which Keras's `RNN` takes as `initial_state=`)
    "initial_state": "an `initial_state` has TF1's shape (an `LSTMStateTuple(c, h)` where Keras wants `[h, c]`)",
    # Keras 3's `RNN` has no `time_major` (tf_keras's has): the input and outputs must be transposed
    "time_major": "`time_major`: Keras 3's `RNN` has none; transpose the input and the outputs",
}
# cells whose TF1 state is a tuple (`LSTMStateTuple(c, h)`, one per cell for `MultiRNNCell`)
# where Keras's `RNN(..., return_state=True)` returns `h, c` as outputs of their own
TF1_RNN_TUPLE_STATES = frozenset({"LSTMCell", "BasicLSTMCell", "MultiRNNCell"})
# TF1 cell arguments whose `None` is the Keras default too (TF1's `activation=None` is tanh,
# Keras's is linear): dropped rather than passed on
TF1_RNN_CELL_NONE_IS_DEFAULT = frozenset({"activation", "name", "dtype"})


def tf1_rnn_cell(canonical: str) -> str | None:
    """The TF1 RNN cell class a canonical name is (e.g. "LSTMCell"), or None."""
    return canonical.rsplit(".", 1)[-1] if canonical in TF1_RNN_CELL_CLASSES else None
# Bases that own no weights themselves: a subclass owns only what it creates.
WEIGHTLESS_BASES = frozenset({"keras.layers.Layer", "keras.Model", "tf1.layers.Layer"})
# Calls that make a weight, by their last name (`tf.compat.v1.get_variable`, `self.add_weight`, ...).
WEIGHT_FACTORY_NAMES = frozenset({"add_weight", "add_variable", "get_variable", "Variable", "variable"})
# Namespaces whose calls return no layer and no variable when stored on `self`, except the
# layer classes and weight factories checked before them.
NO_STATE_NAMESPACES = ("tf.", "keras.activations.", "keras.initializers.", "keras.regularizers.",
                       "keras.constraints.", "keras.backend.", "keras.ops.", "numpy.", "math.")
# A function whose result a class stores on `self` (`self.x = f(...)`), defined outside the
# module (its body is not read): taken to make a layer or a variable when its name says it may
# (`build_block`, `make_layer`, `get_norm_layer`, `copy.deepcopy`), else to make neither
# (`get_interpolation`, `parse_format`): keras-cv's `Resizing` was judged to own state from
# `self._interpolation_method = get_interpolation(...)`, a false KF201 on Keras 3 (issue 18).
MAKER_WORDS = ("layer", "model", "block", "net", "build", "make", "create", "new", "copy", "clone", "load",
               "dense", "conv", "embed", "cell", "rnn", "lstm", "gru", "encoder", "decoder", "head", "stack",
               "variable", "weight", "norm", "attention", "module", "tower", "branch", "projection", "init")


def may_be_a_maker(name: str) -> bool:
    """Whether a function of this name, not read, may build a layer or make a variable."""
    lowered = name.rsplit(".", 1)[-1].lower()
    return any(word in lowered for word in MAKER_WORDS)

# --- What a variable scope may be removed around (KF108) ---------------------------------------
# Calls that make no variable and read no variable scope: under `tf.variable_scope(...)` they
# do what they do without it, so KF108 may remove a scope that holds them (with the weight
# calls it rewrites). Any other call (a library's own variable factory such as t3f's
# `get_variable`, a project helper, a method) may name its TF1 variables from the scope:
# measured (issue 17 1a), a factory's `core_0` made under `factored_1/` becomes `matrix/core_0`
# once the scope is gone, and a second layer's collides in a TF1 graph ("Variable
# matrix/core_0 already exists", tf_keras with eager execution off).
SCOPE_FREE_TF_NAMESPACES = ("tf.", "tf.compat.v1.", "tf.math.", "tf.compat.v1.math.", "tf.random.",
                            "tf.compat.v1.random.", "tf.dtypes.", "tf.compat.v1.dtypes.")
SCOPE_FREE_TF_OPS = frozenset({
    "TensorShape", "Dimension", "as_dtype", "name_scope", "shape", "size", "rank", "cast", "reshape",
    "concat", "stack", "unstack", "split", "zeros", "ones", "zeros_like", "ones_like", "constant", "fill",
    "range", "eye", "identity", "transpose", "expand_dims", "squeeze", "tile", "gather", "one_hot",
    "convert_to_tensor", "sqrt", "rsqrt", "square", "exp", "log", "pow", "abs", "maximum", "minimum",
    "add", "multiply", "divide", "matmul", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
    "sigmoid", "tanh", "normal", "uniform", "truncated_normal", "random_normal", "random_uniform",
})
# Namespaces whose calls never make a TF variable (objects, functions of values, numbers).
SCOPE_FREE_NAMESPACES = ("keras.initializers.", "keras.regularizers.", "keras.constraints.",
                         "keras.activations.", "numpy.", "math.")
# Methods of values (strings, lists, shapes) that make no variable whatever their receiver holds.
SCOPE_FREE_METHODS = frozenset({"append", "extend", "insert", "format", "join", "replace", "lower", "upper",
                                "as_list", "get_shape"})


def is_scope_free(canonical: str) -> bool:
    """A call of `canonical` makes no variable and reads no variable scope (see above)."""
    namespace, _, last = canonical.rpartition(".")
    if last in SCOPE_FREE_TF_OPS and namespace + "." in SCOPE_FREE_TF_NAMESPACES:
        return True
    return (canonical.startswith(SCOPE_FREE_NAMESPACES) or is_initializer_factory(canonical)
            or (is_keras_layer_class(canonical) and canonical.startswith("keras.")))  # a constructor builds nothing


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
# The test-case classes of TensorFlow's, absl's and the standard library's test modules, as
# bases are written: no Keras layer, so a file whose classes all stand on them (or on plain
# bases, index.py) needs no scan: 108 of tensor2tensor's 453 files, of 326 scanned before
# (`tf.test.TestCase` is 123 bases there). A project's own `test_util.TestCase` is not one.
TEST_CASE_BASES = frozenset({"tf.test.TestCase", "test.TestCase", "parameterized.TestCase", "absltest.TestCase",
                             "unittest.TestCase", "googletest.TestCase"})
# A module-level name of these spellings bound to a call or a conditional
# (`keras = _select_keras()`, `keras = tf_keras if legacy else tf.keras`) is how projects pick
# their Keras once: it means Keras, in that module and wherever it is imported from there.
KERAS_SHIM_NAMES = frozenset({"keras", "tf_keras"})
# What a project module that star-imports Keras (`from tf_keras import *`, `from tensorflow.keras
# import *`: keras-cv's backend, TFP's `internal/tf_keras.py`) hands to the modules importing
# it: Keras's public top-level names, each then meaning Keras's own.
KERAS_TOP_LEVEL_NAMES = frozenset({
    "layers", "models", "Model", "Sequential", "Layer", "Input", "InputSpec", "Variable", "backend",
    "activations", "applications", "callbacks", "constraints", "initializers", "losses", "metrics",
    "mixed_precision", "optimizers", "regularizers", "saving", "utils", "preprocessing", "ops", "random",
    "dtype_policies", "config", "export", "quantizers", "tree", "distribution", "experimental", "estimator",
    "premade", "wrappers", "datasets", "v1", "name_scope",
})


# READ_ONLY_ATTRIBUTES's lines, as target.py names them
LINE_CODES = {KERAS_3: frozenset({"3"}), TF_KERAS: frozenset({"2"}), BOTH_LINES: frozenset({"2", "3"})}
# Attributes Keras sets in every layer's `__init__`, never to None (measured on both lines: a
# layer built with `name=None` is named `'block'`, `'b_1'`; `dtype` is `'float32'`): a write
# under `if self.<name> is None:` never runs (keras-hub's and keras-cv's MBConv blocks)
ALWAYS_SET_ATTRIBUTES = frozenset({"name", "dtype", "dtype_policy"})
