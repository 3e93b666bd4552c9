"""The fixtures under tests/fixtures, as cases. Shared by the CLI tests and the TF judge.

A case is a folder `tests/fixtures/<RULE>/<name>/` holding:

- `input.py` (or a folder `input/` for a multi-file case): the code as a user has it;
- `expected.py` (or `expected/`): what `kerasfix apply` must make of it; absent when the
  input must come out byte-for-byte unchanged;
- `findings.txt`: the exact lines `kerasfix check` prints for it (absent: no finding);
- `case.toml`: what the case demonstrates and how real TensorFlow judges it.

`case.toml`, every key but `rule` optional unless said otherwise:

    rule = "KF104"            # the rule it demonstrates, or a list ["KF104", "KF106"]; the
                              # folder's rule must be among them, and every one of them among
                              # the findings when there are findings
    args = ["--unsafe-fixes"] # extra flags for check and apply
    why = "..."               # required when a case with findings shows no trap on either
                              # Keras line (and refused when it shows one): why it exists
    not_judged = "..."        # instead of [judge]: why real TensorFlow cannot run it

    [judge]                   # required unless not_judged says why not
    build = "Tower()"         # an expression evaluated in the module
    module = "pkg.model"      # multi-file cases only: the module holding it
    input = [2, 3]            # shape of the float32 input it is called with, twice
    weights = 4               # with expected: the weights kerasfix's output tracks on both
                              # lines (required); without: must equal what the input tracks
    trainable = 4             # how many of those are trainable (default: all of them)
    same_as_before = true     # the output computes exactly what the input did, where the
                              # input runs
    values_differ = "..."     # why the output cannot compute the input's function given the
                              # input's weight values (a formula changed by design, say); else,
                              # wherever the input runs on tf_keras (two calls agreeing, nothing
                              # remade) and tracks as many weights as the output tracks on a line,
                              # the judge copies them in (by name, then order) and compares
    expects = 4               # without expected only: the weights a reader of the code expects,
                              # for a trap that loses them alike on both lines (a report)
    [judge.before]            # what the input does on each Keras line (both required):
    keras3 = 2                #   a number: the weights it tracks after two calls, or
    tf_keras = "TypeError"    #   an exception class name: the exact type it raises
    keras3_stable = false     # two calls disagree (default: true, they agree)
    keras3_trainable = 0      # how many of its weights are trainable (default: unchecked)
    keras3_remade = 2         # variables the second call creates again (default: unchecked)
    [judge.after]             # a case kerasfix fixes only in part, on purpose (findings are
    keras3 = "ValueError"     # left for a person): what its output does on each line, in
    tf_keras = 2              # [judge.before]'s terms, instead of `weights`/`trainable`
    tf_keras_remade = 8

The judge runs `kerasfix apply` (with `args`) on a copy of the input and judges that output,
never expected.py (test_fixtures.py compares the two byte for byte). A case "shows a trap"
on a line when the input raises there, two calls disagree, the second call remakes
variables, or it tracks other weight counts than the fixed output (cases with expected), than
`expects`, or than the other Keras line (cases without).
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).parent / "fixtures"
LINES = ("keras3", "tf_keras")
UNSAFE = "--unsafe-fixes"

TOP_KEYS = {"rule", "args", "why", "not_judged", "judge"}
JUDGE_KEYS = {"build", "module", "input", "weights", "trainable", "same_as_before", "values_differ", "before",
              "after", "expects"}
BEFORE_EXTRAS = {"stable": bool, "trainable": int, "remade": int}
RULE_CODE = re.compile(r"KF\d{3}")
EXCEPTION_NAME = re.compile(r"[A-Z][A-Za-z0-9_]*")


@dataclass
class Case:
    folder: Path
    args: list[str] = field(default_factory=list)
    judge: dict | None = None
    config: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.folder.parent.name}/{self.folder.name}"

    @property
    def rules(self) -> list[str]:
        rule = self.config.get("rule", self.folder.parent.name)
        return [rule] if isinstance(rule, str) else list(rule)

    @property
    def why(self) -> str | None:
        return self.config.get("why")

    @property
    def multi_file(self) -> bool:
        return (self.folder / "input").is_dir()

    @property
    def input(self) -> Path:
        return self.folder / ("input" if self.multi_file else "input.py")

    @property
    def expected(self) -> Path | None:
        path = self.folder / ("expected" if self.multi_file else "expected.py")
        return path if path.exists() else None

    def copy_input(self, folder: Path) -> Path:
        """A fresh copy of the input in `folder` (created), as `input.py` for a single-file
        case, the name `kerasfix check` shows; returns the folder."""
        if self.multi_file:
            shutil.copytree(self.input, folder)
        else:
            folder.mkdir(parents=True)
            shutil.copy(self.input, folder / "input.py")
        return folder

    @property
    def findings(self) -> list[str]:
        path = self.folder / "findings.txt"
        if not path.exists():
            return []
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def before(self, line: str) -> int | str:
        """What the input does on `line`: the weights it tracks, or the exception it raises."""
        return self.judge["before"][line]

    @property
    def partly_fixed(self) -> bool:
        """kerasfix fixes part of it on purpose; `[judge.after]` says what its output does."""
        return self.judge is not None and "after" in self.judge

    def after(self, line: str) -> int | str:
        """What kerasfix's output does on `line`: `[judge.after]`'s word, else `weights`."""
        return self.judge["after"][line] if self.partly_fixed else self.judge["weights"]

    def raises(self, line: str) -> bool:
        return isinstance(self.before(line), str)

    def trainable_after(self) -> int:
        return self.judge.get("trainable", self.judge["weights"])

    def trap_on(self, line: str) -> bool:
        """Whether the case's declaration says the input shows a trap on `line`: it raises, two
        calls disagree, the second call remakes variables, or it tracks fewer or other weights
        than the fixed output (with expected), than `expects`, or than the other Keras line (without)."""
        if self.raises(line):
            return True
        before = self.judge["before"]
        if not before.get(f"{line}_stable", True) or before.get(f"{line}_remade", 0):
            return True
        trainable = before.get(f"{line}_trainable")
        if self.expected is not None:
            weights = self.after(line)
            reference_trainable = (self.judge["after"].get(f"{line}_trainable") if self.partly_fixed
                                   else self.trainable_after())
            if self.before(line) != weights:
                return True
        elif "expects" in self.judge:  # lost alike on both lines: what a reader expects is the measure
            return self.before(line) < self.judge["expects"]
        else:
            other = next(o for o in LINES if o != line)
            if self.raises(other):
                return False
            weights, reference_trainable = self.before(other), before.get(f"{other}_trainable")
            if self.before(line) < weights:
                return True
        return None not in (trainable, reference_trainable) and trainable != reference_trainable

    def shows_trap(self) -> bool:
        return any(self.trap_on(line) for line in LINES)


def all_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in FIXTURES.glob("*/*") if p.is_dir()):
        config_path = folder / "case.toml"
        config = tomllib.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
        cases.append(Case(folder, list(config.get("args", [])), config.get("judge"), config))
    return cases


def judged_cases() -> list[Case]:
    return [c for c in all_cases() if c.judge is not None]


# --- the format, checked: every problem as a sentence --------------------------------------------


def problems(case: Case) -> list[str]:
    """What is wrong with the case's declaration; empty when it says what it proves."""
    config = case.config
    if not (case.folder / "case.toml").exists():
        return ["no case.toml: say the rule it demonstrates and how TensorFlow judges it"]
    found = [f"unknown key {key!r}" for key in sorted(set(config) - TOP_KEYS)]
    found += _rule_problems(case)
    if (case.judge is None) == ("not_judged" not in config):
        found.append("needs exactly one of a [judge] table and `not_judged = \"reason\"`")
    if case.judge is not None:
        found += _judge_problems(case)
    return found


def _rule_problems(case: Case) -> list[str]:
    rule = case.config.get("rule")
    if rule is None:
        return [f"no `rule = \"{case.folder.parent.name}\"`: name the rule it demonstrates"]
    rules = [rule] if isinstance(rule, str) else rule
    if not isinstance(rules, list) or not rules or not all(
            isinstance(r, str) and RULE_CODE.fullmatch(r) for r in rules):
        return [f"`rule` must be a rule code or a list of them, not {rule!r}"]
    found = []
    if case.folder.parent.name not in rules:
        found.append(f"`rule` {rules} leaves out the folder's rule {case.folder.parent.name}")
    reported = {line.split(": ", 2)[1].split()[0] for line in case.findings}
    if case.findings and not set(rules) <= reported:
        found.append(f"`rule` {rules} is not among the findings ({sorted(reported)})")
    return found


def _judge_problems(case: Case) -> list[str]:
    judge = case.judge
    found = [f"unknown key [judge] {key!r}" for key in sorted(set(judge) - JUDGE_KEYS)]
    for key in ("build", "input", "before"):
        if key not in judge:
            found.append(f"[judge] needs `{key}`")
    if case.expected is not None and ("weights" in judge) == ("after" in judge):
        found.append("[judge] needs `weights` (what kerasfix's output tracks) or, for a case fixed "
                     "in part on purpose, [judge.after] (what its output does on each line)")
    if "after" in judge and (case.expected is None or "trainable" in judge or not case.findings):
        found.append("[judge.after] is for a case kerasfix changes and leaves findings in, "
                     "without `trainable`")
    if "values_differ" in judge and (case.expected is None or not isinstance(judge["values_differ"], str)
                                     or not judge["values_differ"].strip()):
        found.append('[judge] `values_differ = "why"` is for cases kerasfix changes, and says why')
    if "expects" in judge and (case.expected is not None or type(judge["expects"]) is not int):
        found.append("[judge] `expects` (a weight count) is for cases kerasfix leaves unchanged")
    if case.multi_file != ("module" in judge):
        found.append("[judge] `module` is for multi-file cases, and they need it")
    if "before" in judge:
        found += _before_problems(judge["before"])
    if "after" in judge:
        found += _before_problems(judge["after"], "[judge.after]")
    if found:
        return found
    if case.findings and not case.shows_trap() and not case.why:
        found.append("shows no trap on either Keras line: say `why = \"...\"` the case exists")
    if case.why and case.shows_trap():
        found.append("`why` is for cases that show no trap, and this one declares one")
    if case.why and not case.findings:
        found.append("`why` is for cases with findings; a look-alike shows no trap by design")
    return found


def _before_problems(before: dict, table: str = "[judge.before]") -> list[str]:
    known = set(LINES) | {f"{line}_{extra}" for line in LINES for extra in BEFORE_EXTRAS}
    found = [f"unknown key {table} {key!r}" for key in sorted(set(before) - known)]
    for line in LINES:
        value = before.get(line)
        if value == "error":
            found.append(f'{table} {line} = "error" is no longer accepted: write the exception '
                         'class name the trap raises, e.g. "ValueError"')
        elif isinstance(value, str) and not EXCEPTION_NAME.fullmatch(value):
            found.append(f"{table} {line} = {value!r} is not an exception class name")
        elif not isinstance(value, (int, str)) or isinstance(value, bool):
            found.append(f"{table} needs {line}: a weight count or an exception class name")
        for extra, kind in BEFORE_EXTRAS.items():
            key = f"{line}_{extra}"
            if key in before and (isinstance(value, str) or type(before[key]) is not kind):
                found.append(f"{table} {key} needs a {kind.__name__}, and {line} a weight count")
    return found
