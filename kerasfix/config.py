"""One Settings object, from `[tool.kerasfix]` in pyproject.toml and the command line."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
    keras_bases: list[str] = field(default_factory=list)  # third-party Keras layer classes, dotted


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
    unknown = set(table) - {"select", "ignore", "exclude", "extend-exclude", "unsafe-fixes", "keras-bases"}
    if unknown:
        raise ConfigError(f"{pyproject}: unknown [tool.kerasfix] setting(s): {', '.join(sorted(unknown))}")
    for key in ("exclude", "extend-exclude"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{pyproject}: `{key}` in [tool.kerasfix] must be a list of patterns")
    bases = table.get("keras-bases", [])
    if not isinstance(bases, list) or not all(isinstance(v, str) and _dotted(v.strip()) for v in bases):
        raise ConfigError(f"{pyproject}: `keras-bases` in [tool.kerasfix] must be a list of dotted class names")
    if not isinstance(table.get("unsafe-fixes", False), bool):
        raise ConfigError(f"{pyproject}: `unsafe-fixes` in [tool.kerasfix] must be true or false, "
                          f"not {table['unsafe-fixes']!r}")
    return table


def load_settings(start: Path, *, select=None, ignore=None, exclude=None, unsafe_fixes=None,
                  jobs=None, cache=None, keras_bases=None) -> Settings:
    """pyproject.toml's `[tool.kerasfix]` (found from `start` upwards), then the flags on top."""
    settings = Settings()
    pyproject = find_pyproject(start)
    if pyproject is not None:
        table = _read_table(pyproject)
        for key in ("select", "ignore"):
            if key in table:
                try:
                    codes = _codes(table[key], key)
                except ConfigError as error:
                    raise ConfigError(f"{pyproject}: {error} in [tool.kerasfix]") from None
                setattr(settings, key, codes)
        settings.exclude.extend(table.get("exclude", []) + table.get("extend-exclude", []))
        settings.unsafe_fixes = table.get("unsafe-fixes", False)
        settings.keras_bases.extend(v.strip() for v in table.get("keras-bases", []))
        settings.project_root = pyproject.parent
    if select:
        settings.select = _codes(select, "--select")
    if ignore:
        settings.ignore |= _codes(ignore, "--ignore")
    if exclude:
        settings.exclude.extend(exclude)
    if unsafe_fixes is not None:
        settings.unsafe_fixes = unsafe_fixes
    if jobs is not None:
        settings.jobs = jobs
    if cache is not None:
        settings.cache = cache
    if keras_bases:
        wrong = [name for name in keras_bases if not _dotted(name)]
        if wrong:
            raise ConfigError(f"--keras-base {wrong[0]!r}: not a dotted class name (such as `somelib.layers.Layer`)")
        settings.keras_bases.extend(keras_bases)
    return settings
