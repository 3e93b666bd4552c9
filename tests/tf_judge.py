"""Builds and runs fixture code under real TensorFlow; prints what it tracked, as JSON.

Run as a subprocess, once per Keras line, because `TF_USE_LEGACY_KERAS` must be set before
TensorFlow is imported:

    TF_USE_LEGACY_KERAS=1 python tests/tf_judge.py spec.json

`spec.json` lists {"id", "path", "module", "build", "input"}: `path` is a Python file, or
a folder put on sys.path to import `module` from. For each, the judge builds the object,
calls it twice on the same deterministic input, and reports the weights it tracks (all and
trainable), how many variables the second call creates again, whether the two calls agree,
and the output; or the exception the code raises, as its class name and its first line.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

# Keras 3 re-raises an error from `call` as the same type with this first line; the
# original message is the next line, in bold.
KERAS3_WRAPPER = "Exception encountered when calling"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _load(entry: dict, number: int):
    path = entry["path"]
    if os.path.isdir(path):
        before = set(sys.modules)
        sys.path.insert(0, path)
        try:
            return importlib.import_module(entry["module"]), before
        finally:
            sys.path.remove(path)
    spec = importlib.util.spec_from_file_location(f"kerasfix_fixture_{number}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, None


def _seed() -> None:
    tf.random.set_seed(0)
    np.random.seed(0)
    try:
        tf.keras.utils.set_random_seed(0)
    except AttributeError:
        pass


def _call_counting_variables(obj, x):
    """The call's output, and how many variables it created (Keras 3 ones are tf.Variables too)."""
    created = []

    def creator(next_creator, **kwargs):
        created.append(kwargs.get("name"))
        return next_creator(**kwargs)

    with tf.variable_creator_scope(creator):
        output = np.asarray(obj(x))
    return output, len(created)


def _message(error: Exception) -> str:
    lines = [ANSI.sub("", line).strip() for line in str(error).splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 1 and lines[0].startswith(KERAS3_WRAPPER):
        lines = lines[1:]
    return lines[0][:300] if lines else ""


def judge(entry: dict, number: int) -> dict:
    loaded_before = None
    try:
        _seed()
        module, loaded_before = _load(entry, number)
        obj = eval(entry["build"], vars(module))  # noqa: S307 - our own fixtures
        x = tf.constant(np.linspace(-1.0, 1.0, int(np.prod(entry["input"]))).reshape(entry["input"]), tf.float32)
        first, _ = _call_counting_variables(obj, x)
        second, remade = _call_counting_variables(obj, x)
        # a tf.Module (a look-alike) has no `weights`: its variables are what it tracks
        weights = obj.weights if hasattr(obj, "weights") else obj.variables
        trainable = obj.trainable_weights if hasattr(obj, "trainable_weights") else obj.trainable_variables
        return {
            "weights": len(weights),
            "trainable": len(trainable),
            "remade": remade,
            "stable": bool(first.shape == second.shape and np.allclose(first, second, atol=1e-6)),
            "output": first.round(5).tolist(),
        }
    except Exception as error:  # the "before" side is expected to fail sometimes
        return {"error": type(error).__name__, "message": _message(error)}
    finally:
        if loaded_before is not None:
            for name in set(sys.modules) - loaded_before:
                del sys.modules[name]


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        entries = json.load(handle)
    results = {entry["id"]: judge(entry, number) for number, entry in enumerate(entries)}
    results["__keras__"] = {"legacy": os.environ.get("TF_USE_LEGACY_KERAS") == "1",
                            "keras_module": type(tf.keras.layers.Layer).__module__,
                            "layer_module": tf.keras.layers.Layer.__module__}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
