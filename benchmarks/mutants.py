"""A small mutation run: plausible one-line bugs in kerasfix, each applied to a copy of the
project and checked against the tests that should catch it. Run by hand (or nightly), never in
CI's time (about 15 s a mutant on two cores):

    python benchmarks/mutants.py              # every mutant
    python benchmarks/mutants.py dtype kf108  # those whose name contains a word
    python benchmarks/mutants.py --suite      # a survivor of its tests meets the whole suite

It prints, per mutant, `killed` (a test failed), `SURVIVED` (every test passed: a behaviour
no test pins, or an equivalent mutant), `killed by the suite` (with --suite: only the whole
suite kills it), or `STALE` (its line is no longer in the source: the code moved; point the
mutant at its new place). Issue 16's five survivors are the first five.
Exit 1 when a mutant survived or is stale.

This module is not a test (pytest collects `tests/` only)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the tests that run the rules end to end without TensorFlow: about 10 s
FAST = ("tests/test_net.py", "tests/test_fixtures.py", "tests/test_rule_examples.py")
NET = ("tests/test_net.py",)  # issue 16's five: the net alone must kill them


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # under kerasfix/
    old: str  # exactly once in the file
    new: str
    tests: tuple[str, ...] = FAST


MUTANTS = (
    # issue 16's five survivors of the whole suite, each killed by tests/test_net.py alone
    Mutant("dtype-twice", "rules/_weight_args.py",
           'if dtype is not None and "dtype" not in by_name:', "if dtype is not None:", NET),
    Mutant("tuple-call-start", "rules/_containers.py",
           'node.func.value == "tuple"\n        and not node.args)',
           'node.func.value == "tuple"\n        and False)', NET),
    Mutant("kf108-without-kf101", "rules/variable_scope_in_layer.py",
           "fix, manual.needs, otherwise)", "fix)", NET),
    Mutant("cache-key-per-file-ignores", "runner.py",
           "repr(settings.per_file_ignores),", '"",', NET),
    Mutant("per-file-drops-global-ignore", "config.py",
           "codes = set(self.ignore)", "codes = set()", NET),
    # the weight conversion
    Mutant("trainable-none-not-legacy", "rules/_weight_args.py",
           'if code.get("trainable") == "None":', 'if code.get("trainable") == "False":'),
    Mutant("untrainable-dtype-inverted", "rules/_weight_args.py",
           'return isinstance(name, str) and name.rstrip("_") in api.UNTRAINABLE_DTYPES',
           'return isinstance(name, str) and name.rstrip("_") not in api.UNTRAINABLE_DTYPES'),
    Mutant("loop-not-conditional", "rules/_weight_folds.py",
           "(cst.If, cst.IfExp, cst.For, cst.While, cst.Try, cst.BooleanOperation)",
           "(cst.If, cst.IfExp, cst.While, cst.Try, cst.BooleanOperation)"),
    Mutant("zero-is-ones", "rules/_weight_values.py",
           'if code in ("0", "0.0", "0."):\n        return cst.SimpleString(\'"zeros"\')',
           'if code in ("0", "0.0", "0."):\n        return cst.SimpleString(\'"ones"\')'),
    Mutant("reuse-false-shares", "rules/_weight_scopes.py",
           'if reuse is None or source(reuse) in ("None", "False"):', 'if reuse is None or source(reuse) == "None":'),
    Mutant("untrainable-fold-safe", "rules/_weight_folds.py",
           "unsafe = tracked and (append.condition is not None or not trainable)",
           "unsafe = tracked and append.condition is not None"),
    Mutant("positional-order-and", "rules/_weight_args.py",
           "keras3_order = is_shape_literal(positional[0].value) or (",
           "keras3_order = is_shape_literal(positional[0].value) and ("),
    Mutant("backend-keeps-literal-dtype", "rules/_weight_args.py",
           "dtype = None  # keras.backend.variable", "pass  # keras.backend.variable"),
    Mutant("scope-defaults-ignored", "rules/_weight_scopes.py",
           'before.append("it sets defaults for its variables: pass them to add_weight first")', "pass"),
    Mutant("slash-name-kept", "rules/calls.py",
           'if isinstance(current, cst.SimpleString) and "/" in current.value:',
           'if isinstance(current, cst.SimpleString) and "//" in current.value:'),
    Mutant("deferred-stored-not", "rules/base.py", 'return "stored"', "return None"),
    Mutant("get-variable-gone", "keras_api.py", '"tf.compat.v1.get_variable",', ""),
    # the engine, the selection and the comments
    Mutant("unsafe-always-applied", "engine.py",
           "(finding.fix.safety is Safety.SAFE or self.unsafe_fixes)", "(True or self.unsafe_fixes)"),
    Mutant("one-pass", "engine.py", "MAX_PASSES = 8", "MAX_PASSES = 1"),
    Mutant("comment-guard-off", "engine.py", "    if before != after:\n", "    if False:\n",
           ("tests/test_comments.py",)),
    Mutant("ignore-comment-any-code", "engine.py",
           "if comment is None or not suppresses(comment.codes, finding.code):", "if comment is None:"),
    Mutant("suppress-exact-only", "rules/unused_ignore.py",
           "return codes is None or any(code.startswith(c) for c in codes)",
           "return codes is None or code in codes", FAST + ("tests/test_config.py",)),
    Mutant("overlapping-fixes", "edits.py",
           "if any(_conflict(e, r, o, ro) for e, r in mine for o, ro in taken):", "if False:",
           FAST + ("tests/test_fixer.py",)),
    Mutant("select-prefix-exact", "engine.py",
           "selected = self.select is None or any(code.startswith(s) for s in self.select)",
           "selected = self.select is None or code in self.select", FAST + ("tests/test_config.py",)),
    # what a class is, and what `call` reaches
    Mutant("setup-includes-call", "rules/base.py",
           'return self._reach(["__init__", "build"]) - self.call_methods',
           'return self._reach(["__init__", "build"])'),
    Mutant("built-guard-any-test", "rules/base.py",
           "and isinstance(node.test.operator, cst.Not)", "and True"),
    Mutant("layer-any-base", "index.py",
           "return any(self.is_layer(base, _seen) for base in bases)",
           "return all(self.is_layer(base, _seen) for base in bases)"),
    Mutant("cache-key-unsafe", "runner.py", "str(settings.unsafe_fixes),", '"",',
           ("tests/test_cli.py", "tests/test_results.py", "tests/test_net.py")),
    Mutant("kf302-frozenset", "rules/_containers.py",
           'value.func.value in ("tuple", "set", "frozenset")', 'value.func.value in ("tuple", "set")'),
    Mutant("fold-trainable-own", "rules/_weight_folds.py",
           'if any(a.keyword is not None and a.keyword.value == "trainable" for a in create.args):', "if False:"),
)


def _copy(to: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, to / name)


def _run(mutant: Mutant, work: Path, suite: bool) -> str:
    path = work / "kerasfix" / mutant.path
    text = path.read_text() if path.exists() else ""
    if text.count(mutant.old) != 1:
        return "STALE"
    path.write_text(text.replace(mutant.old, mutant.new))
    try:
        env = {**os.environ, "PYTHONPATH": str(work), "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
                              cwd=work, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode == 0 and suite:  # the whole suite, TensorFlow judge included (~2 min)
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
                                  cwd=work, env=env, capture_output=True, text=True, timeout=1800)
            return "SURVIVED" if done.returncode == 0 else "killed by the suite"
        return "SURVIVED" if done.returncode == 0 else "killed"
    except subprocess.TimeoutExpired:
        return "killed"  # a hang is caught too
    finally:
        path.write_text(text)


def main(words: list[str]) -> int:
    suite = "--suite" in words
    words = [w for w in words if w != "--suite"]
    chosen = [m for m in MUTANTS if not words or any(w in m.name for w in words)]
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="kerasfix-mutants-") as tmp:
        work = Path(tmp)
        _copy(work)
        for mutant in chosen:
            start = time.monotonic()
            verdict = _run(mutant, work, suite)
            counts[verdict] = counts.get(verdict, 0) + 1
            print(f"{verdict:19} {mutant.name:32} {mutant.path} ({time.monotonic() - start:.0f} s)", flush=True)
    print(", ".join(f"{n} {v}" for v, n in sorted(counts.items())) + f" of {len(chosen)}")
    return 0 if set(counts) <= {"killed", "killed by the suite"} else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
