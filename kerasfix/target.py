"""Which Keras line a project targets (`target-keras`): set, or inferred from its dependencies
and code, as ruff's `target-version`. A finding whose harm is only on a line the project does
not run on is noise (issue 18: 67 of 92 findings on twelve modern projects were).

The inference reads bytes and a few small files, never a syntax tree: it runs on every check.
Signals, strongest first (each seen in a real project, see the README):
- a dependency: `keras>=3` (or a library that needs Keras 3) -> 3; `tf-keras`, or a TensorFlow
  bounded below 2.16 but allowed past 2.0 -> 2 (TF 1 keeps its own, older, Keras);
- code that pins Keras 2 for good: `os.environ["TF_USE_LEGACY_KERAS"] = "1"`, or an import-time
  refusal of Keras 3 (`if ...version().startswith("3."): raise ImportError`) -> 2;
- a branch whose arms import Keras 3's `keras` and a Keras 2 (keras-cv's backend) -> both;
- weaker: `import tf_keras` or `TF_USE_LEGACY_KERAS=1` in CI -> 2; Keras 3's own API
  (`keras.ops`, `keras.dtype_policies`) -> 3. A plain `import keras` says nothing (standalone
  Keras 2 had that name too).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from .lines import search_lines_saying

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


BOTH = frozenset({"2", "3"})
LINES = {"3": frozenset({"3"}), "2": frozenset({"2"}), "both": BOTH}
CHOICES = tuple(LINES)


@dataclass(frozen=True)
class Target:
    name: str  # "3", "2" or "both"
    reason: str  # what decided it, for `-v`

    @property
    def lines(self) -> frozenset[str]:
        return LINES[self.name]


def harmed_lines(harm: Mapping[str, str] | None, lines: frozenset[str] | None = None) -> frozenset[str]:
    """The Keras lines a finding does harm on: its own when it says (`lines`), else its rule's
    (`Rule.harm`), else both."""
    if lines is not None:
        return lines
    return BOTH if harm is None else frozenset(line for line, what in harm.items() if what)


def reported(harm: Mapping[str, str] | None, lines: frozenset[str] | None, target: frozenset[str]) -> bool:
    return bool(harmed_lines(harm, lines) & target)


def of_run(target_keras: str | None, root: Path | None, paths: list[Path],
           files: Iterable[tuple[str, bytes]]) -> Target:
    """The Keras line a run reports for: as set, else inferred from the project's root (the
    pyproject.toml's folder, else the first folder given) and its files."""
    if target_keras:
        return Target(target_keras, "set by target-keras")
    return infer(_root(root, paths), files)


def dependencies_of_run(target_keras: str | None, root: Path | None, paths: list[Path]) -> str:
    """What the project's dependency files (not its Python files) say to `of_run`, as text: a
    run answered from its files' stats (runmemo.py) checks that it is what it was."""
    if target_keras:
        return ""
    signals = _Signals([], [], [], [], [], [])
    found = _root(root, paths)
    if found is not None:
        _read_dependencies(found, signals)
    return repr(signals)


def _root(root: Path | None, paths: list[Path]) -> Path | None:
    if root is None and paths and paths[0] != Path("-"):
        root = paths[0] if paths[0].is_dir() else paths[0].parent
    return root


# -- inference -------------------------------------------------------------------------------

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)\s*(?:\[[^\]]*\])?\s*([^;#]*)")
_TF_PACKAGES = frozenset({"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos",
                          "tensorflow-intel", "tensorflow-tpu", "tf-nightly", "tf-nightly-cpu"})
# libraries that run on Keras 3 only
_KERAS3_LIBRARIES = frozenset({"keras-hub", "keras-rs"})
# a string literal of setup.py: requirements may sit in variables (TFP's KERAS_PACKAGE)
_STRING = re.compile(r"""["']([A-Za-z][A-Za-z0-9_.\-]*\s*(?:\[[^\]'"]*\])?\s*[<>=!~][^'"\n]{0,60})["']""")
# addons's and OpenNMT-tf's version.py, formatted into setup.py
_MAX_TF = re.compile(rb"""^(EXCLUSIVE|INCLUSIVE)_MAX_TF_VERSION\s*=\s*["']([\d.]+)["']""", re.MULTILINE)
_LEGACY_ENV = re.compile(
    rb"""TF_USE_LEGACY_KERAS["']\s*\]\s*=\s*["']?(?:1|[Tt]rue)\b"""
    rb"""|setdefault\(\s*["']TF_USE_LEGACY_KERAS["']\s*,\s*["'](?:1|[Tt]rue)["']""")
_REFUSAL = re.compile(rb"""startswith\(\s*["']3\.?["']\s*\)\s*:[ \t]*(?:#[^\n]*)?\r?\n[ \t]*raise[ \t]+ImportError""")
# unindented: one in a `try` or an `if` is a project that runs on either (a shim), not a pin
_TF_KERAS_IMPORT = re.compile(rb"^(?:import[ \t]+tf_keras\b|from[ \t]+tf_keras[\w.]*[ \t]+import\b)", re.MULTILINE)
_KERAS3_API = re.compile(
    rb"^[ \t]*from[ \t]+keras[ \t]+import[^\n]*\b(?:ops|dtype_policies)\b|\bkeras\.ops\.|\bkeras\.dtype_policies\b"
    rb"|^[ \t]*from[ \t]+keras\.(?:ops|dtype_policies)\b", re.MULTILINE)
# one arm imports Keras 3's `keras`, another a Keras 2 as `keras` (keras-cv's backend/__init__)
_ARM_KERAS3 = re.compile(rb"^[ \t]+(?:import[ \t]+keras[ \t]*(?:#[^\n]*)?\r?$|from[ \t]+keras[ \t]+import\b)",
                         re.MULTILINE)
_ARM_KERAS2 = re.compile(
    rb"^[ \t]+(?:import[ \t]+[\w.]+[ \t]+as[ \t]+keras\b|from[ \t]+tensorflow[ \t]+import[ \t]+keras\b"
    rb"|import[ \t]+tf_keras[ \t]+as[ \t]+keras\b)", re.MULTILINE)
_CI_LEGACY = re.compile(rb"TF_USE_LEGACY_KERAS\s*[=:]\s*[\"']?(?:1|[Tt]rue)\b")


@dataclass
class _Signals:
    three: list[str]
    two: list[str]
    pinned_two: list[str]  # code that makes Keras 2 the only line
    branch_both: list[str]
    weak_two: list[str]
    weak_three: list[str]


def infer(root: Path | None, files: Iterable[tuple[str, bytes]]) -> Target:
    """The target of the project at `root` whose Python files are `files` (shown path, bytes)."""
    signals = _Signals([], [], [], [], [], [])
    if root is not None:
        _read_dependencies(root, signals)
    for path, data in files:
        _read_code(path, data, signals)
    return _decide(signals)


def _decide(s: _Signals) -> Target:
    two = s.two + s.pinned_two
    if s.three and two:
        return Target("both", f"both: {s.three[0]}; {two[0]}")
    if two:
        return Target("2", f"2: {two[0]}")
    if s.three:
        return Target("3", f"3: {s.three[0]}")
    if s.branch_both:
        return Target("both", f"both: {s.branch_both[0]}")
    if s.weak_two and s.weak_three:
        return Target("both", f"both: {s.weak_three[0]}; {s.weak_two[0]}")
    if s.weak_two:
        return Target("2", f"2: {s.weak_two[0]}")
    if s.weak_three:
        return Target("3", f"3: {s.weak_three[0]}")
    return Target("both", "both: no dependency or import says which")


def _read_code(path: str, data: bytes, s: _Signals) -> None:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    if name == "setup.py":
        for requirement in _STRING.findall(data.decode("utf-8", "replace")):
            _requirement(requirement, path, s)
    if name == "version.py" and b"_MAX_TF_VERSION" in data:
        for kind, version in _MAX_TF.findall(data):
            bound = _version(version.decode())
            if bound and _tf2_below_216(bound, inclusive=kind == b"INCLUSIVE"):
                s.two.append(f"{path} caps TensorFlow below 2.16 ({version.decode()})")
    if b"TF_USE_LEGACY_KERAS" in data and _LEGACY_ENV.search(data):
        s.pinned_two.append(f"{path} sets TF_USE_LEGACY_KERAS=1")
    if b"ImportError" in data and _REFUSAL.search(data):
        s.pinned_two.append(f"{path} refuses Keras 3 at import")
    if b"keras" not in data:
        return
    if search_lines_saying(b"keras", _ARM_KERAS3, data) and search_lines_saying(b"keras", _ARM_KERAS2, data):
        s.branch_both.append(f"{path} imports Keras 3 in one arm and Keras 2 in another")
    if b"tf_keras" in data and search_lines_saying(b"keras", _TF_KERAS_IMPORT, data):
        s.weak_two.append(f"{path} imports tf_keras")
    if search_lines_saying(b"keras", _KERAS3_API, data):
        s.weak_three.append(f"{path} uses Keras 3's API (keras.ops, keras.dtype_policies)")



def _read_dependencies(root: Path, s: _Signals) -> None:
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        for requirement in _pyproject_requirements(pyproject):
            _requirement(requirement, "pyproject.toml", s)
    for path in sorted(root.glob("requirements*.txt")):
        for line in _read_text(path).splitlines():
            _requirement(line, path.name, s)
    setup_py = root / "setup.py"
    if setup_py.is_file():  # a root setup.py that is no run's file (excluded, say)
        for requirement in _STRING.findall(_read_text(setup_py)):
            _requirement(requirement, "setup.py", s)
    workflows = root / ".github" / "workflows"
    for path in sorted(workflows.glob("*.y*ml")) if workflows.is_dir() else ():
        if _CI_LEGACY.search(_read_text(path).encode("utf-8", "replace")):
            s.weak_two.append(f"{path.relative_to(root).as_posix()} runs with TF_USE_LEGACY_KERAS=1")


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes()[:1_000_000].decode("utf-8", "replace")
    except OSError:
        return ""


def _pyproject_requirements(path: Path) -> list[str]:
    try:
        data = tomllib.loads(_read_text(path))
    except (tomllib.TOMLDecodeError, ValueError):
        return []
    project = data.get("project")
    found: list[str] = []
    if isinstance(project, dict):
        found += [r for r in project.get("dependencies", []) if isinstance(r, str)]
        extras = project.get("optional-dependencies", {})
        if isinstance(extras, dict):
            found += [r for group in extras.values() if isinstance(group, list) for r in group if isinstance(r, str)]
    tool = data.get("tool")
    poetry = tool.get("poetry", {}).get("dependencies", {}) if isinstance(tool, dict) else {}
    if isinstance(poetry, dict):
        found += [f"{name}{spec}" for name, spec in poetry.items() if isinstance(spec, str) and spec[:1] in "<>=!~"]
    return found


def _requirement(text: str, where: str, s: _Signals) -> None:
    match = _REQUIREMENT.match(text)
    if not match:
        return
    name = match.group(1).lower().replace("_", "-")
    specs = [spec.strip().replace(" ", "") for spec in match.group(2).split(",") if spec.strip()]
    if name == "tf-keras":
        s.two.append(f"{where} requires tf-keras")
    elif name in _KERAS3_LIBRARIES:
        s.three.append(f"{where} requires {name} (Keras 3 only)")
    elif name == "keras" and any(_at_least_3(spec) for spec in specs):
        s.three.append(f"{where} requires {text.strip()}")
    elif name in _TF_PACKAGES and _tf_capped_below_216(specs):
        s.two.append(f"{where} caps TensorFlow below 2.16 ({text.strip()})")


def _version(text: str) -> tuple[int, ...] | None:
    parts = re.findall(r"\d+", text)[:3]
    return tuple(int(p) for p in parts) if parts else None


def _at_least_3(spec: str) -> bool:
    operator, version = re.match(r"([<>=!~]*)(.*)", spec).groups()  # type: ignore[union-attr]
    number = _version(version)
    return operator in (">=", ">", "==", "~=", "===") and number is not None and number[0] >= 3


def _tf_capped_below_216(specs: list[str]) -> bool:
    for spec in specs:
        operator, version = re.match(r"([<>=!~]*)(.*)", spec).groups()  # type: ignore[union-attr]
        number = _version(version)
        if number is None:
            continue
        if operator in ("<", "<=") and _tf2_below_216(number, inclusive=operator == "<="):
            return True
        if operator in ("==", "~=") and number[0] == 2 and len(number) > 1 and number[1] < 16:
            return True
    return False


def _tf2_below_216(bound: tuple[int, ...], inclusive: bool) -> bool:
    """A TF upper bound that allows some TF 2 (whose tf.keras is Keras 2) and no TF >= 2.16.
    TF 1 (`tensorflow<2`) is not Keras 2 as measured here: no signal."""
    padded = (bound + (0, 0, 0))[:3]
    if padded[0] != 2 or (padded == (2, 0, 0) and not inclusive):
        return False
    return padded < (2, 16, 0) or (padded == (2, 16, 0) and not inclusive)
