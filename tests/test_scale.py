"""Work grows with the size of a class, not its square (reliability R16: one class with 2,000
`tf.Variable`s took 14-23 s to check, because each variable re-walked the whole class for the
weight lists it is appended to). Measured without a clock: the Python calls a check makes
(`sys.setprofile` counts each call, builtins included) are the same on every run."""

from __future__ import annotations

import sys

from kerasfix.engine import RuleSelection, process_source


def _layer(variables: int) -> str:
    parts = ["import tensorflow as tf\n\n\nclass Big(tf.keras.layers.Layer):\n    def build(self, s):\n"]
    for i in range(variables):
        parts.append(f"        self.k{i} = tf.Variable(tf.zeros([{i + 1}]))\n        x{i} = {i}\n")
    parts.append("\n    def call(self, x):\n        return x\n")
    return "".join(parts)


def _calls(variables: int) -> int:
    source = _layer(variables)
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += 1

    sys.setprofile(profile)
    try:
        outcome = process_source(source, selection=RuleSelection(None, set(), False), fix=False)
    finally:
        sys.setprofile(None)
    assert len(outcome.findings) == variables  # one KF102 a variable
    return count


def test_r16_a_check_grows_linearly_with_a_layers_variables():
    _calls(10)  # warm the caches the first check fills
    small, large = _calls(100), _calls(200)
    # measured: 2.94x before (a walk of the class per variable), 1.98x after
    assert large / small < 2.3, (small, large)
