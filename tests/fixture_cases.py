"""The fixtures under tests/fixtures, as cases. Shared by the CLI tests and the TF judge.

A case is a folder `tests/fixtures/<RULE>/<name>/` holding:

- `input.py` (or a folder `input/` for a multi-file case): the code as a user has it;
- `expected.py` (or `expected/`): what `kerasfix apply` must make of it; absent when the
  input must come out byte-for-byte unchanged;
- `findings.txt`: the exact lines `kerasfix check` prints for it (absent: no finding);
- `case.toml`, optional: `args` (extra flags for check/apply, e.g. ["--unsafe-fixes"]) and a
  `[judge]` table telling real TensorFlow what to build:

      [judge]
      build = "Tower()"       # an expression evaluated in the fixture module
      module = "pkg.model"    # multi-file cases only: the module holding it
      input = [2, 3]          # shape of the float32 input it is called with, twice
      weights = 4             # weights tracked after the fix, on both Keras lines
      trainable = 4           # optional: trainable weights after the fix
      same_as_before = true   # optional: the fix computes exactly what the input did
      [judge.before]          # what the input does: weight count, or "error"
      keras3 = 2
      tf_keras = 2
      keras3_stable = false   # optional: whether two calls agree (default: true)
      keras3_trainable = 0    # optional: how many of the weights are trainable
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).parent / "fixtures"
LINES = ("keras3", "tf_keras")


@dataclass
class Case:
    folder: Path
    args: list[str] = field(default_factory=list)
    judge: dict | None = None

    @property
    def id(self) -> str:
        return f"{self.folder.parent.name}/{self.folder.name}"

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

    @property
    def findings(self) -> list[str]:
        path = self.folder / "findings.txt"
        if not path.exists():
            return []
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def all_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in FIXTURES.glob("*/*") if p.is_dir()):
        config_path = folder / "case.toml"
        config = tomllib.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
        cases.append(Case(folder, list(config.get("args", [])), config.get("judge")))
    return cases


def judged_cases() -> list[Case]:
    return [c for c in all_cases() if c.judge is not None]
