"""Real TensorFlow judges kerasfix's own output: the trap is what TF says, the fix tracks it all.

For each fixture with a [judge] table, `kerasfix apply` (with the case's args) runs in-process
on a copy of the input; then the input and that output are built and called twice under Keras 3
(TF_USE_LEGACY_KERAS=0) and tf_keras 2 (TF_USE_LEGACY_KERAS=1), in one subprocess per Keras
line, both at once (an output byte for byte equal to its input is not run again: the input's
verdict is its verdict). Where the input runs on tf_keras and tracks as many weights as the
output, the output must also compute the same function: the input's weight values are copied
into it and both are called on the same data (on Keras 3, against the input's tf_keras output),
unless the case declares `values_differ = "why"`. Each test id says what the test proves (see `_claim`). TensorFlow is a
test dependency: these tests fail, not skip, when it is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixture_cases import LINES, UNSAFE, Case, all_cases, judged_cases, problems
from kerasfix.cli import app

CASES = judged_cases()
TWINS = [c for c in all_cases() if UNSAFE in c.args]
WHY = [c for c in CASES if c.why]
JUDGE = Path(__file__).parent / "tf_judge.py"


# --- what each test proves, in words: its id and the head of its failure message --------------


def _claim(case: Case, line: str) -> str:
    try:
        return f"{'+'.join(case.rules)} {line}: {_before_claim(case, line)}; {_after_claim(case, line)}"
    except (KeyError, TypeError, StopIteration):
        return f"{line}: case.toml does not say what it proves"


def _before_claim(case: Case, line: str) -> str:
    if case.raises(line):
        return f"before raises {case.before(line)}"
    before = case.judge["before"]
    count = case.before(line)
    if case.partly_fixed:
        words = f"before {count} weights tracked"
    elif case.expected:
        words = f"before {count} of {case.judge['weights']} weights tracked"
    elif "expects" in case.judge:
        words = f"{count} of the {case.judge['expects']} weights the code makes tracked"
    else:
        other = next(o for o in LINES if o != line)
        elsewhere = f" ({case.before(other)} on {other})" if case.before(other) != count else ""
        words = f"{count} weights tracked{elsewhere}"
    if f"{line}_trainable" in before:
        words += f" ({before[f'{line}_trainable']} trainable)"
    if before.get(f"{line}_remade"):
        words += f", the second call remakes {before[f'{line}_remade']} variables"
    words += ", two calls agree" if before.get(f"{line}_stable", True) else ", two calls disagree"
    return words if case.trap_on(line) else words + " (no trap on this line)"


def _after_claim(case: Case, line: str) -> str:
    if case.expected is None:
        return "kerasfix leaves it byte for byte, so its output does the same"
    if case.partly_fixed:
        after = case.judge["after"]
        if isinstance(after[line], str):
            return f"partly fixed on purpose: after raises {after[line]}"
        words = f"partly fixed on purpose: after {after[line]} weights tracked"
        if f"{line}_trainable" in after:
            words += f" ({after[f'{line}_trainable']} trainable)"
        if after.get(f"{line}_remade"):
            words += f", the second call remakes {after[f'{line}_remade']} variables"
        return words + _values_claim(case, line)
    words = (f"after {case.judge['weights']} ({case.trainable_after()} trainable), "
             "two calls agree, nothing remade")
    if case.judge.get("same_as_before") and not case.raises(line):
        words += ", same output as before"
    return words + _values_claim(case, line)


def _values_claim(case: Case, line: str) -> str:
    if not _compares_values(case, line):
        return ""
    if "values_differ" in case.judge:
        return f", computes something else than the input by design ({case.judge['values_differ']})"
    return ", with the input's tf_keras weight values it computes the input's tf_keras output"


def _compares_values(case: Case, line: str) -> bool:
    """Whether the output's function is compared with the input's on `line`: kerasfix changed
    the input, the input runs on tf_keras (two calls agreeing, nothing remade) and tracks as many
    weights there as the output tracks on `line`, so its weight values can be copied in."""
    if case.expected is None or case.raises("tf_keras"):
        return False
    before = case.judge["before"]
    if not before.get("tf_keras_stable", True) or before.get("tf_keras_remade", 0):
        return False
    return case.after(line) == case.before("tf_keras")


# --- kerasfix's output, then TensorFlow's verdicts ----------------------------------------------


@dataclass
class Applied:
    path: Path  # what the judge imports: the output file, or the output folder
    exit_code: int
    output: str
    unchanged: bool  # byte for byte: TensorFlow's verdict on the input is the verdict on it


def _copy_input(case: Case, folder: Path) -> Path:
    """A fresh copy of the case's input; the file (single-file case) or the folder."""
    case.copy_input(folder)
    return folder if case.multi_file else folder / "input.py"


def _snapshot(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*.py"))}


def _kerasfix(*args: str):
    return CliRunner().invoke(app, [*args, "--no-cache"], catch_exceptions=False)


@pytest.fixture(scope="session")
def applied(tmp_path_factory) -> dict[str, Applied]:
    root = tmp_path_factory.mktemp("applied")
    outputs = {}
    for number, case in enumerate(CASES):
        path = _copy_input(case, root / str(number))
        original = _snapshot(path)
        result = _kerasfix("apply", *case.args, str(path))
        outputs[case.id] = Applied(path, result.exit_code, result.output, _snapshot(path) == original)
    return outputs


def _entry(case: Case, side: str, path: Path) -> dict:
    entry = {"id": f"{case.id}:{side}", "path": str(path), "module": case.judge.get("module", ""),
             "build": case.judge["build"], "input": case.judge["input"]}
    compare = [line for line in LINES if _compares_values(case, line)]
    if compare and side == "before":
        entry["reference"] = True
    elif compare:
        entry.update(compare=compare, reference=f"{case.id}:before")
    return entry


@pytest.fixture(scope="session")
def verdicts(applied, tmp_path_factory) -> dict[str, dict]:
    """{line: {"<case>:before" and "<case>:after": verdict}}, an unchanged output's being its input's."""
    spec = tmp_path_factory.mktemp("judge") / "spec.json"
    entries = [_entry(case, "before", case.input) for case in CASES]
    entries += [_entry(case, "after", applied[case.id].path) for case in CASES if not applied[case.id].unchanged]
    spec.write_text(json.dumps(entries), encoding="utf-8")
    references = spec.parent / "references.pickle"
    running = {line: _start_judge(line, spec, references) for line in LINES}
    # tf_keras first: its references (the inputs' weight values and outputs) are what the Keras 3
    # judge, running meanwhile, compares its outputs with last, once told where they are
    try:
        outputs = {"tf_keras": _finish_judge(running["tf_keras"], "")}
    except BaseException:
        running["keras3"][0].kill()  # it would wait for the references forever
        raise
    outputs["keras3"] = _finish_judge(running["keras3"], f"{references}\n" if references.exists() else "\n")
    results = {}
    for line, out in outputs.items():
        results[line] = json.loads(out.strip().splitlines()[-1])
        for case in CASES:
            results[line].setdefault(f"{case.id}:after", results[line][f"{case.id}:before"])
    return results


def _start_judge(line: str, spec: Path, references: Path) -> tuple[subprocess.Popen, Path]:
    # stderr to a file: TensorFlow's warnings could fill a pipe while the other judge is awaited
    errors = spec.parent / f"{line}.stderr"
    with errors.open("w") as handle:
        process = subprocess.Popen([sys.executable, str(JUDGE), str(spec), str(references)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=handle, text=True,
                                   env=dict(os.environ, TF_USE_LEGACY_KERAS="1" if line == "tf_keras" else "0"))
    return process, errors


def _finish_judge(running: tuple[subprocess.Popen, Path], stdin: str) -> str:
    process, errors = running
    out, _ = process.communicate(stdin, timeout=900)
    assert process.returncode == 0, errors.read_text()[-3000:]
    return out


def test_each_keras_line_is_the_one_asked_for(verdicts):
    assert "tf_keras" in verdicts["tf_keras"]["__keras__"]["layer_module"]
    assert "tf_keras" not in verdicts["keras3"]["__keras__"]["layer_module"]


# --- the judge ---------------------------------------------------------------------------------


def _before_mismatches(case: Case, line: str, before: dict) -> list[str]:
    return _declared_mismatches(case.judge["before"], line, before, "the input")


def _declared_mismatches(declared: dict, line: str, measured: dict, what: str) -> list[str]:
    """How `measured` differs from a [judge.before]-shaped table's word on `line`."""
    if isinstance(declared[line], str):
        if measured.get("error") != declared[line]:
            return [f"{what} was to raise {declared[line]}; it gave {_said(measured)}"]
        return []
    if "error" in measured:
        return [f"{what} was to run; it raised {_said(measured)}"]
    wanted = {"weights": declared[line], "stable": declared.get(f"{line}_stable", True)}
    wanted.update({key: declared[f"{line}_{key}"] for key in ("trainable", "remade") if f"{line}_{key}" in declared})
    return [f"{what}: {key} {measured[key]}, declared {value}"
            for key, value in wanted.items() if measured[key] != value]


def _after_mismatches(case: Case, line: str, before: dict, after: dict) -> list[str]:
    if case.expected is None:
        return _unchanged_mismatches(case, after)
    if case.partly_fixed:
        return (_declared_mismatches(case.judge["after"], line, after, "kerasfix's output")
                + _values_mismatches(case, line, after))
    if "error" in after:
        return [f"kerasfix's output raised {_said(after)}"]
    wanted = {"weights": case.judge["weights"], "trainable": case.trainable_after(), "stable": True, "remade": 0}
    found = [f"kerasfix's output: {key} {after[key]}, declared {value}" for key, value in wanted.items()
             if after[key] != value]
    if case.judge.get("same_as_before") and not case.raises(line) and not _close(after["output"], before["output"]):
        found.append("kerasfix's output computes something else than the input")
    return found + _values_mismatches(case, line, after)


def _values_mismatches(case: Case, line: str, after: dict) -> list[str]:
    """The output given the input's tf_keras weight values must compute the input's tf_keras
    output (`values_differ` declares why it cannot, and is refused when it does)."""
    if not _compares_values(case, line) or "error" in after:
        return []
    values = after.get("values", {"same": False, "detail": "not compared"})
    if "values_differ" in case.judge:
        if values["same"]:
            return [f"kerasfix's output computes what the input does with its weights ({values['detail']}), "
                    f"yet the case declares values_differ: {case.judge['values_differ']}"]
        return []
    if not values["same"]:
        return ["kerasfix's output computes something else than the input: with the input's tf_keras weight "
                f"values copied in (by name and order), {values['detail']}"]
    return []


def _unchanged_mismatches(case: Case, after: dict) -> list[str]:
    """The output is the input, byte for byte (checked in test_judge): the same verdict."""
    found = []
    if "weights" in case.judge and after.get("weights") != case.judge["weights"]:
        found.append(f"the unchanged output tracks {after.get('weights')}, declared {case.judge['weights']}")
    return found


def _said(verdict: dict) -> str:
    if "error" in verdict:
        return f"{verdict['error']}: {verdict['message']}"
    return f"no error ({verdict['weights']} weights)"


@pytest.mark.parametrize(("case", "line"), [(c, line) for c in CASES for line in LINES],
                         ids=[f"{c.id}: {_claim(c, line)}" for c in CASES for line in LINES])
def test_judge(case, line, applied, verdicts):
    assert not problems(case), problems(case)
    run = applied[case.id]
    assert run.exit_code in (0, 1), f"kerasfix apply failed on a copy of the input:\n{run.output}"
    assert run.unchanged == (case.expected is None), \
        f"kerasfix apply {'left' if run.unchanged else 'changed'} the input"
    before, after = verdicts[line][f"{case.id}:before"], verdicts[line][f"{case.id}:after"]
    found = _before_mismatches(case, line, before) + _after_mismatches(case, line, before, after)
    assert not found, "\n".join([f"not proved: {_claim(case, line)}", *found,
                                 f"measured before: {before}", f"measured after: {after}"])


@pytest.mark.parametrize("case", WHY, ids=[f"{c.id}: no trap on either line, kept because {c.why}" for c in WHY])
def test_case_without_a_trap_says_why(case, verdicts):
    """TensorFlow must agree that there is no trap to show: else the case should declare it."""
    for line in LINES:
        before, after = verdicts[line][f"{case.id}:before"], verdicts[line][f"{case.id}:after"]
        other = verdicts[next(o for o in LINES if o != line)][f"{case.id}:before"]
        reference = after if case.expected else other
        same = "error" not in before and "error" not in reference and before["stable"] and not before["remade"] \
            and all(before[k] == reference[k] for k in ("weights", "trainable"))
        assert same, (f"{case.id} says it shows no trap ({case.why}), but on {line}: "
                      f"before {before}, reference {reference}")


# --- every unsafe fix's twin: the same input, apply without --unsafe-fixes ------------------------


def _unsafe_and_safe(findings: list[dict]) -> tuple[list[dict], list[dict]]:
    with_fix = [f for f in findings if f["fix"]]
    return ([f for f in with_fix if f["fix"]["safety"] == "unsafe"],
            [f for f in with_fix if f["fix"]["safety"] == "safe"])


def _key(row: dict) -> tuple:
    # not the position: `apply` reports what is left where it is in the file it wrote, which
    # the safe fixes may have moved
    return row["path"], row["code"], row["message"]


@pytest.mark.parametrize("case", TWINS, ids=[f"{c.id}: without {UNSAFE}, every unsafe fix is left for a person"
                                               for c in TWINS])
def test_unsafe_fix_twin(case, tmp_path):
    """The twin asserts: each finding whose fix is unsafe is left for a person with the hint, and
    is still found in the output; the file is byte-for-byte unchanged when every fix is unsafe;
    otherwise the safe fixes, and only they, are applied (nothing safe is left to fix)."""
    args = [arg for arg in case.args if arg != UNSAFE]
    path = _copy_input(case, tmp_path / "work")
    original = _snapshot(path)
    checked = _kerasfix("check", "--format", "json", *args, str(path))
    unsafe, safe = _unsafe_and_safe(json.loads(checked.stdout)["findings"])
    assert unsafe, f"{case.id} passes {UNSAFE} but no finding has an unsafe fix"

    applied = _kerasfix("apply", "--report", str(tmp_path / "report.json"), *args, str(path))
    report = json.loads((tmp_path / "report.json").read_text())
    left = Counter(_key(row) for row in report["needs_a_person"] if row["fix"] == "unsafe")
    missing = Counter(_key(row) for row in unsafe) - left
    assert not missing, f"not left for a person as unsafe fixes: {list(missing)}\n{applied.output}"
    assert applied.output.count("(a fix is available with --unsafe-fixes)") == len(unsafe), applied.output

    if not safe:
        assert _snapshot(path) == original, "every fix is unsafe, yet apply without the flag changed the file"
        return
    assert _snapshot(path) != original, "the safe fixes were not applied"
    rechecked = json.loads(_kerasfix("check", "--format", "json", *args, str(path)).stdout)["findings"]
    still_unsafe, still_safe = _unsafe_and_safe(rechecked)
    assert not still_safe, f"safe fixes left undone: {still_safe}"
    assert Counter(map(_key, still_unsafe)) == Counter(map(_key, unsafe)), "the unsafe findings changed"


def _close(a, b, tolerance=1e-4) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, tolerance) for x, y in zip(a, b))
    return abs(a - b) <= tolerance
