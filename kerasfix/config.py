"""One Settings object, from `[tool.kerasfix]` in pyproject.toml and the command line."""

from __future__ import annotations

import difflib
import functools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    import pathspec

    from .target import Target

TARGETS = ("3", "2", "both")

KEYS = ("select", "extend-select", "ignore", "extend-ignore", "per-file-ignores", "exclude", "extend-exclude",
        "unsafe-fixes", "keras-bases", "target-keras")


class ConfigError(Exception):
    pass


@dataclass
class Settings:
    select: set[str] | None = None  # None: every rule
    ignore: set[str] = field(default_factory=set)
    exclude: list[str] = field(default_factory=list)
    unsafe_fixes: bool = False
    jobs: int | None = None  # None: every core
    cache: bool = True
    project_root: Path | None = None  # the folder of the pyproject.toml read, if any
    config_file: Path | None = None  # the pyproject.toml (or --config file) read, if any
    keras_bases: list[str] = field(default_factory=list)  # third-party Keras layer classes, dotted
    stdin_filename: Path | None = None  # `--stdin-filename`: whose module stdin is
    per_file_ignores: list[tuple[str, frozenset[str]]] = field(default_factory=list)  # (pattern, codes)
    # the codes `extend-select` named: with no `select` every rule runs already, but a code no
    # rule has is still an error (the CLI checks them with the others)
    extend_select: set[str] = field(default_factory=set)
    target_keras: str | None = None  # "3", "2", "both"; None: inferred by the run (target.py)
    target: Target | None = None  # the run's: as set, or inferred, and why

    def ignore_for(self, path: str) -> set[str]:
        """`ignore` plus the `per-file-ignores` whose pattern matches `path` (relative to the
        pyproject.toml's folder, or to the current one when there is none)."""
        if not self.per_file_ignores or path == "-":
            return self.ignore
        root = self.project_root or Path.cwd()
        try:
            relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
        except ValueError:
            return self.ignore
        codes = set(self.ignore)
        for pattern, extra in self.per_file_ignores:
            if _spec(pattern).match_file(relative):
                codes |= extra
        return codes


@functools.lru_cache(maxsize=None)
def _spec(pattern: str) -> pathspec.GitIgnoreSpec:
    import pathspec  # here: a run without per-file-ignores never imports it

    return pathspec.GitIgnoreSpec.from_lines([pattern])


def valid_pattern(pattern: str) -> bool:
    """Whether pathspec reads `pattern` as gitignore does. `bin\\` (a trailing backslash, as
    Windows users write folders) is one it raises on: git matches nothing with it, and the
    error aborted the whole run (R14)."""
    import pathspec  # here: only settings with patterns need it

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except ValueError:
        return False
    return True


def _check_patterns(where: str, patterns) -> None:
    for pattern in patterns:
        if not valid_pattern(pattern):
            raise ConfigError(f"{where}: {pattern!r} is not a gitignore pattern (git matches nothing with it)")


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else [*start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _codes(value, key: str) -> set[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of rule codes")
    return {v.strip().upper() for v in value if v.strip()}


def _dotted(name: str) -> bool:
    return bool(name) and all(part.isidentifier() for part in name.split("."))


def _read_table(pyproject: Path) -> dict:
    """`[tool.kerasfix]`, its keys and the types of their values checked: a mistake in the
    file is one error line naming the file and the key, never a guess (`"false"` is no bool)."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{pyproject}: not valid UTF-8 (byte {error.start})") from None
    except OSError as error:
        raise ConfigError(f"{pyproject}: cannot read: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        raise ConfigError(f"{pyproject}: not valid TOML: {error}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{pyproject}: `tool` must be a table, not {tool!r}")
    table = tool.get("kerasfix", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: `tool.kerasfix` must be a table ([tool.kerasfix]), not {table!r}")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(f"{pyproject}: unknown [tool.kerasfix] setting(s): {', '.join(map(_suggest, unknown))}")
    for key in ("exclude", "extend-exclude"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{pyproject}: `{key}` in [tool.kerasfix] must be a list of patterns")
        _check_patterns(f"{pyproject}: `{key}` in [tool.kerasfix]", value)
    bases = table.get("keras-bases", [])
    if not isinstance(bases, list) or not all(isinstance(v, str) and _dotted(v.strip()) for v in bases):
        raise ConfigError(f"{pyproject}: `keras-bases` in [tool.kerasfix] must be a list of dotted class names")
    if "target-keras" in table and table["target-keras"] not in TARGETS:
        raise ConfigError(f"{pyproject}: `target-keras` in [tool.kerasfix] must be \"3\", \"2\" or \"both\", "
                          f"not {table['target-keras']!r}")
    if not isinstance(table.get("unsafe-fixes", False), bool):
        raise ConfigError(f"{pyproject}: `unsafe-fixes` in [tool.kerasfix] must be true or false, "
                          f"not {table['unsafe-fixes']!r}")
    _check_per_file_ignores(pyproject, table.get("per-file-ignores", {}))
    return table


def _suggest(key: str) -> str:
    """`unsafe_fixes (did you mean unsafe-fixes?)`: ruff's habit for a misspelt setting."""
    close = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1, cutoff=0.6)
    return f"{key} (did you mean `{close[0]}`?)" if close else key


def _check_per_file_ignores(pyproject: Path, value) -> None:
    wrong = f"{pyproject}: `per-file-ignores` in [tool.kerasfix] must be a table of pattern = [rule codes]"
    if not isinstance(value, dict):
        raise ConfigError(wrong)
    for pattern, codes in value.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{wrong} (`{pattern}` is not)")
    _check_patterns(f"{pyproject}: `per-file-ignores` in [tool.kerasfix]", value)


@dataclass(frozen=True)
class Flags:
    """The command line's settings (None: not given), put on top of `[tool.kerasfix]`."""

    select: list[str] | None = None
    ignore: list[str] | None = None
    exclude: list[str] | None = None
    unsafe_fixes: bool | None = None
    jobs: int | None = None
    cache: bool | None = None
    keras_bases: list[str] | None = None
    extend_select: list[str] | None = None
    extend_ignore: list[str] | None = None
    config: Path | None = None  # read this TOML file, not the pyproject.toml found
    target_keras: str | None = None


def load_settings(start: Path, flags: Flags | None = None) -> Settings:
    """`[tool.kerasfix]` of `flags.config`, or of the pyproject.toml found from `start`
    upwards, then the flags on top (`--select` replaces `select`, `--extend-select` adds to it)."""
    flags = flags or Flags()
    settings = Settings()
    config = flags.config
    if config is not None and not config.is_file():
        raise ConfigError(f"--config {config}: no such file")
    pyproject = config.resolve() if config is not None else find_pyproject(start)
    if pyproject is not None:
        _apply_table(settings, pyproject, _read_table(pyproject))
    _apply_flags(settings, flags)
    return settings


def _apply_flags(settings: Settings, flags: Flags) -> None:
    select, extend_select, exclude, keras_bases = flags.select, flags.extend_select, flags.exclude, flags.keras_bases
    if select:
        settings.select = _codes(select, "--select")
    if extend_select:
        extra = _codes(extend_select, "--extend-select")
        settings.extend_select |= extra
        if settings.select is not None:  # no `select`: every rule already
            settings.select |= extra
    for flag, codes in (("--ignore", flags.ignore), ("--extend-ignore", flags.extend_ignore)):
        if codes:
            settings.ignore |= _codes(codes, flag)
    if exclude:
        _check_patterns("--exclude", exclude)
        settings.exclude.extend(exclude)
    if flags.unsafe_fixes is not None:
        settings.unsafe_fixes = flags.unsafe_fixes
    if flags.jobs is not None:
        settings.jobs = flags.jobs
    if flags.cache is not None:
        settings.cache = flags.cache
    if keras_bases:
        wrong = [name for name in keras_bases if not _dotted(name)]
        if wrong:
            raise ConfigError(f"--keras-base {wrong[0]!r}: not a dotted class name (such as `somelib.layers.Layer`)")
        settings.keras_bases.extend(keras_bases)
    if flags.target_keras is not None:
        if flags.target_keras not in TARGETS:
            raise ConfigError(f"--target-keras {flags.target_keras!r}: must be 3, 2 or both")
        settings.target_keras = flags.target_keras


def _table_codes(pyproject: Path, table: dict, key: str) -> set[str]:
    try:
        return _codes(table[key], key)
    except ConfigError as error:
        raise ConfigError(f"{pyproject}: {error} in [tool.kerasfix]") from None


def _apply_table(settings: Settings, pyproject: Path, table: dict) -> None:
    if "select" in table:
        settings.select = _table_codes(pyproject, table, "select")
    if "extend-select" in table:
        codes = _table_codes(pyproject, table, "extend-select")
        settings.extend_select |= codes
        if settings.select is not None:  # no `select`: every rule already
            settings.select |= codes
    for key in ("ignore", "extend-ignore"):
        if key in table:
            settings.ignore |= _table_codes(pyproject, table, key)
    for pattern, codes in table.get("per-file-ignores", {}).items():
        settings.per_file_ignores.append((pattern, frozenset(_codes(codes, "per-file-ignores"))))
    settings.exclude.extend(table.get("exclude", []) + table.get("extend-exclude", []))
    settings.unsafe_fixes = table.get("unsafe-fixes", False)
    settings.keras_bases.extend(v.strip() for v in table.get("keras-bases", []))
    settings.target_keras = table.get("target-keras")
    settings.project_root = pyproject.parent
    settings.config_file = pyproject
