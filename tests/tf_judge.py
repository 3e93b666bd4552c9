"""Builds and runs fixture code under real TensorFlow; prints what it tracked, as JSON.

Run as a subprocess, once per Keras line, because `TF_USE_LEGACY_KERAS` must be set before
TensorFlow is imported:

    TF_USE_LEGACY_KERAS=1 python tests/tf_judge.py spec.json

`spec.json` lists {"id", "path", "module", "build", "input"}: `path` is a Python file, or
a folder put on sys.path to import `module` from. For each, the judge builds the object,
calls it twice on the same deterministic input, and reports the weights it tracks (all and
trainable), how many variables the second call creates again, whether the two calls agree,
and the output; or the exception the code raises, as its class name and its first line.

Values, not only weights: an input entry with `"reference": true` keeps, on tf_keras (where
raw variables are tracked), its weights' values after the two calls and the output of a third
call; an output entry with `"compare": [lines]` and `"reference": "<input id>"` gets those
values copied into its own weights (paired by name and shape, else by order and shape), is
called once more, and reports under `values` whether it computes the same output. tf_keras
compares in-process; with a second argument it also writes its references there (a pickle).
The Keras 3 process compares last: it reads that file's path from stdin once tf_keras is done
(an empty line: no references), so both lines still run at the same time.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import pickle
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


# --- values: the output must compute the input's function, with the input's weight values ------


def _weights(obj) -> list:
    # a tf.Module (a look-alike) has no `weights`: its variables are what it tracks
    return list(obj.weights if hasattr(obj, "weights") else obj.variables)


def _base_name(variable) -> str:
    """`dense/kernel:0` (tf_keras) and `kernel` (Keras 3) alike: `kernel`."""
    return variable.name.split(":")[0].rsplit("/", 1)[-1]


def _pair(wanted: list[tuple[str, tuple]], reference: list[tuple[str, tuple, np.ndarray]]) -> list[int] | str:
    """For each of the output's (name, shape), the index of the input weight whose value it takes:
    the same name and shape first, then the first one left of the same shape, in order."""
    if len(wanted) != len(reference):
        return f"the output tracks {len(wanted)} weights, the input {len(reference)} on tf_keras"
    free = list(range(len(reference)))
    order: list[int | None] = [None] * len(wanted)
    for by_name in (True, False):
        for index, (name, shape) in enumerate(wanted):
            match = next((i for i in free if order[index] is None and reference[i][1] == shape
                          and (reference[i][0] == name or not by_name)), None)
            if match is not None:
                free.remove(match)
                order[index] = match
    missing = [wanted[i] for i, o in enumerate(order) if o is None]
    if missing:
        name, shape = missing[0]
        return f"no weight of the input is left with the shape {shape} of the output's {name!r}"
    return [o for o in order if o is not None]


def _compare(obj, x, reference: dict | None) -> dict:
    """Whether `obj`, given the input's weight values, computes the input's output on `x`."""
    if reference is None:
        return {"same": False, "detail": "no reference: the input did not run on tf_keras"}
    try:
        weights = _weights(obj)
        order = _pair([(_base_name(v), tuple(v.shape)) for v in weights], reference["weights"])
        if isinstance(order, str):
            return {"same": False, "detail": order}
        for variable, index in zip(weights, order):
            dtype = tf.as_dtype(variable.dtype).as_numpy_dtype
            variable.assign(np.asarray(reference["weights"][index][2]).astype(dtype))
        output, expected = np.asarray(obj(x)), reference["output"]
    except Exception as error:
        return {"same": False, "detail": f"raised {type(error).__name__}: {_message(error)}"}
    if output.shape != expected.shape:
        return {"same": False, "detail": f"output shape {output.shape}, the input's {expected.shape}"}
    difference = float(np.max(np.abs(output.astype(np.float64) - expected))) if output.size else 0.0
    return {"same": bool(np.allclose(output, expected, rtol=1e-3, atol=1e-4)),
            "detail": f"largest difference {difference:.3g}"}


class Values:
    """The references this process keeps (tf_keras) and the comparisons it still owes (Keras 3)."""

    def __init__(self, legacy: bool):
        self.legacy = legacy
        self.line = "tf_keras" if legacy else "keras3"
        self.references: dict[str, dict] = {}
        self.pending: list[tuple[str, object, object, str]] = []

    def after_calls(self, entry: dict, obj, x, verdict: dict) -> None:
        if entry.get("reference") is True and self.legacy:
            try:  # the state after two calls, and what a third call makes of it
                weights = [(_base_name(v), tuple(v.shape), np.array(v.numpy())) for v in _weights(obj)]
                self.references[entry["id"]] = {"weights": weights, "output": np.asarray(obj(x)).astype(np.float64)}
            except Exception:  # no reference: the comparison says so
                pass
        if self.line not in entry.get("compare", ()):
            return
        if self.legacy:
            verdict["values"] = _compare(obj, x, self.references.get(entry["reference"]))
        else:
            self.pending.append((entry["id"], obj, x, entry["reference"]))

    def compare_pending(self, results: dict) -> None:
        for entry_id, obj, x, reference in self.pending:
            if "error" not in results[entry_id]:
                results[entry_id]["values"] = _compare(obj, x, self.references.get(reference))


def judge(entry: dict, number: int, values: Values) -> dict:
    loaded_before = None
    try:
        _seed()
        module, loaded_before = _load(entry, number)
        obj = eval(entry["build"], vars(module))  # noqa: S307 - our own fixtures
        x = tf.constant(np.linspace(-1.0, 1.0, int(np.prod(entry["input"]))).reshape(entry["input"]), tf.float32)
        first, _ = _call_counting_variables(obj, x)
        second, remade = _call_counting_variables(obj, x)
        # a tf.Module (a look-alike) has no `weights`: its variables are what it tracks
        trainable = obj.trainable_weights if hasattr(obj, "trainable_weights") else obj.trainable_variables
        verdict = {
            "weights": len(_weights(obj)),
            "trainable": len(trainable),
            "remade": remade,
            "stable": bool(first.shape == second.shape and np.allclose(first, second, atol=1e-6)),
            "output": first.round(5).tolist(),
        }
        values.after_calls(entry, obj, x, verdict)
        return verdict
    except Exception as error:  # the "before" side is expected to fail sometimes
        return {"error": type(error).__name__, "message": _message(error)}
    finally:
        if loaded_before is not None:
            for name in set(sys.modules) - loaded_before:
                del sys.modules[name]


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        entries = json.load(handle)
    values = Values(legacy=os.environ.get("TF_USE_LEGACY_KERAS") == "1")
    results = {entry["id"]: judge(entry, number, values) for number, entry in enumerate(entries)}
    if values.legacy and len(sys.argv) > 2:
        with open(sys.argv[2], "wb") as handle:
            pickle.dump(values.references, handle)
    elif values.pending:
        path = sys.stdin.readline().strip()
        if path:
            with open(path, "rb") as handle:
                values.references = pickle.load(handle)  # noqa: S301 - written by the tf_keras judge above
        values.compare_pending(results)
    results["__keras__"] = {"legacy": os.environ.get("TF_USE_LEGACY_KERAS") == "1",
                            "keras_module": type(tf.keras.layers.Layer).__module__,
                            "layer_module": tf.keras.layers.Layer.__module__}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
