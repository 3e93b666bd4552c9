"""Builds and runs fixture code under real TensorFlow; prints what it tracked, as JSON.

Run as a subprocess, once per Keras line, because `TF_USE_LEGACY_KERAS` must be set before
TensorFlow is imported:

    TF_USE_LEGACY_KERAS=1 python tests/tf_judge.py spec.json

`spec.json` lists {"id", "path", "module", "build", "input"}: `path` is a fixture file, or
a folder put on sys.path to import `module` from. For each, the judge builds the object,
calls it twice on the same deterministic input, and reports the weights it tracks, whether
the two calls agree, and the output (or the error the code raises).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


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


def judge(entry: dict, number: int) -> dict:
    loaded_before = None
    try:
        _seed()
        module, loaded_before = _load(entry, number)
        obj = eval(entry["build"], vars(module))  # noqa: S307 - our own fixtures
        x = tf.constant(np.linspace(-1.0, 1.0, int(np.prod(entry["input"]))).reshape(entry["input"]), tf.float32)
        first = np.asarray(obj(x))
        second = np.asarray(obj(x))
        return {
            "weights": len(obj.weights),
            "trainable": len(obj.trainable_weights),
            "stable": bool(first.shape == second.shape and np.allclose(first, second, atol=1e-6)),
            "output": first.round(5).tolist(),
        }
    except Exception as error:  # the "before" side is expected to fail sometimes
        return {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"}
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
