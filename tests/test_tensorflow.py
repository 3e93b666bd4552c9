"""Real TensorFlow judges the fixtures: the trap loses weights, the fix tracks them all.

Each fixture with a [judge] table is built and called twice, before and after the fix, under
Keras 3 (TF_USE_LEGACY_KERAS=0) and tf_keras 2 (TF_USE_LEGACY_KERAS=1), in one subprocess per
Keras line. TensorFlow is a test dependency: these tests fail, not skip, when it is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_cases import LINES, judged_cases

CASES = judged_cases()
JUDGE = Path(__file__).parent / "tf_judge.py"


def _entries(tmp: Path) -> list[dict]:
    entries = []
    for case in CASES:
        after = case.expected or case.input  # no expected: the input must already be right
        for side, path in (("before", case.input), ("after", after)):
            entries.append({
                "id": f"{case.id}:{side}", "path": str(path), "module": case.judge.get("module", ""),
                "build": case.judge["build"], "input": case.judge["input"],
            })
    return entries


@pytest.fixture(scope="session")
def verdicts(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("judge")
    spec = tmp / "spec.json"
    spec.write_text(json.dumps(_entries(tmp)), encoding="utf-8")
    results = {}
    for line in LINES:
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1" if line == "tf_keras" else "0")
        done = subprocess.run([sys.executable, str(JUDGE), str(spec)], env=env, capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        results[line] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def test_each_keras_line_is_the_one_asked_for(verdicts):
    assert "tf_keras" in verdicts["tf_keras"]["__keras__"]["layer_module"]
    assert "tf_keras" not in verdicts["keras3"]["__keras__"]["layer_module"]


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fix_tracks_every_weight(case, line, verdicts):
    judge = case.judge
    before = verdicts[line][f"{case.id}:before"]
    after = verdicts[line][f"{case.id}:after"]

    expected_before = judge["before"][line]
    if isinstance(expected_before, str):
        assert "error" in before and (expected_before == "error" or before["error"].startswith(expected_before + ":")), \
            f"the trap was expected to raise {expected_before} on {line}: {before}"
    else:
        assert before.get("weights") == expected_before, f"before the fix on {line}: {before}"
        assert before["stable"] == judge["before"].get(f"{line}_stable", True), before
        if f"{line}_trainable" in judge["before"]:
            assert before["trainable"] == judge["before"][f"{line}_trainable"], before

    assert "error" not in after, f"the fixed code fails on {line}: {after}"
    assert after["weights"] == judge["weights"], f"after the fix on {line}: {after}"
    if "trainable" in judge:
        assert after["trainable"] == judge["trainable"], after
    assert after["stable"], "two calls of the fixed code disagree"
    if judge.get("same_as_before") and "error" not in before:
        assert _close(after["output"], before["output"]), "the fix changed what the code computes"


def _close(a, b, tolerance=1e-4) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, tolerance) for x, y in zip(a, b))
    return abs(a - b) <= tolerance
