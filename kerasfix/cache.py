"""Per-file results kept between runs, keyed by content hash, rule selection and version.

One JSON file per tree (the common folder of the files run on) in the user's cache folder.
Entries a run did not use are dropped when it saves, so the file never outgrows the tree.

The cache is never a source of code: it keeps verdicts only (each file's findings, and its
classes' names, bases, `add_weight` overrides, whether they own state, the attribute names
they use and the variables their `__init__` makes, and the module-level names that alias
Keras or a class, which say what is a Keras layer and which names are taken; every name is
checked to be a dotted identifier; and why Python refused a file, by its bytes and that
Python's version). What shapes a rewrite (import bindings, statement spans) is recomputed from the file. Every entry
is checked for shape when read; one of the wrong shape is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import __version__
from .files import create_temp, remove_stale_temps
from .index import ClassRecord
from .records import FunctionRecord
from .results import Diagnostic, FileError

# 5: KF001 reads ignore comments outside Keras classes, 6: `__init__`'s variables, 7: fix edits;
# 1 kept whole ast scans: never read again
FORMAT = 9  # 8: a finding's row ends with its help; 9: a file's functions that make (KF206)


def cache_dir() -> Path:
    explicit = os.environ.get("KERASFIX_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kerasfix"


class Cache:
    def __init__(self, file: Path, data: dict):
        self.file = file
        valid = isinstance(data, dict) and data.get("format") == FORMAT
        self._old_findings = _dict(data.get("findings")) if valid else {}
        self._old_classes = _dict(data.get("classes")) if valid else {}
        self._old_errors = _dict(data.get("errors")) if valid else {}
        self._findings: dict = {}
        self._classes: dict = {}
        self._errors: dict = {}
        self._dirty = False

    @classmethod
    def open(cls, settings, real_paths: list[str]) -> "Cache":
        paths = [p for p in real_paths if p != "-"]
        common = os.path.commonpath([os.path.abspath(p) for p in paths]) if paths else os.getcwd()
        name = hashlib.blake2b(common.encode(), digest_size=12).hexdigest()
        file = cache_dir() / f"v{__version__}" / f"{name}.json"
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            data = {}
        return cls(file, data)

    def get_findings(self, key: str) -> list[Diagnostic] | None:
        rows: Any = self._findings.get(key, self._old_findings.get(key))
        if not _valid_rows(rows):
            return None
        self._findings[key] = rows
        return [replace(Diagnostic.from_row(row), edits=None) for row in rows]

    def put_findings(self, key: str, findings: list[Diagnostic]) -> None:
        """A file's findings, without their fixes' edits: edits are code a JSON or SARIF reader
        may apply, so they are never kept where anyone who can write the cache could plant some."""
        self._findings[key] = [replace(finding, edits=None).row() for finding in findings]
        self._dirty = True

    def get_classes(self, key: str) -> tuple[list[ClassRecord], dict[str, str]] | None:
        """A file's classes and the module-level names in it that may lead to Keras."""
        entry = self._classes.get(key, self._old_classes.get(key))
        if not (isinstance(entry, dict) and isinstance(entry.get("classes"), list)
                and _valid_aliases(entry.get("aliases"))):
            return None
        records = [ClassRecord.from_row(row) for row in entry["classes"]]
        if not all(records):
            return None
        self._classes[key] = entry
        return [r for r in records if r is not None], dict(entry["aliases"])

    def get_functions(self, key: str) -> list[FunctionRecord] | None:
        """The file's functions that make layers or variables, kept beside its classes."""
        rows = _dict(self._classes.get(key, self._old_classes.get(key))).get("functions", [])
        records = [FunctionRecord.from_row(row) for row in rows] if isinstance(rows, list) else [None]
        return [r for r in records if r is not None] if all(records) else None

    def put_classes(self, key: str, classes: list[ClassRecord], aliases: dict[str, str],
                    functions: list[FunctionRecord] | None = None) -> None:
        self._classes[key] = {"classes": [record.row() for record in classes], "aliases": dict(aliases)}
        if functions:
            self._classes[key]["functions"] = [record.row() for record in functions]
        self._dirty = True

    def get_error(self, content_key: str) -> FileError | None:
        """Why Python refused a file's bytes ("not valid Python 3", and where): a verdict kept so
        that a warm run starts no parser for a file it cannot read (2 of tensor2tensor's notebooks,
        each checked again in a worker process on every warm run before)."""
        key = _with_python(content_key)
        entry = self._errors.get(key, self._old_errors.get(key))
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str) and _is_int(entry[1])
                and entry[1] >= 0):
            return None
        self._errors[key] = entry
        return FileError(entry[0], "syntax", entry[1])

    def put_error(self, content_key: str, error: FileError) -> None:
        self._errors[_with_python(content_key)] = [error.message, error.line]
        self._dirty = True

    def save(self) -> None:
        stale = (set(self._old_findings) - set(self._findings) or set(self._old_classes) - set(self._classes)
                 or set(self._old_errors) - set(self._errors))
        if not self._dirty and not stale:
            return
        temp = None
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temp = create_temp(self.file)  # named as a fixed file's: one stale-temp policy for both
            with open(temp, "w", encoding="utf-8") as handle:
                json.dump({"format": FORMAT, "findings": self._findings, "classes": self._classes,
                           "errors": self._errors}, handle)
            os.replace(temp, self.file)
            temp = None
            remove_stale_temps(self.file.parent)
        except OSError:
            pass  # a cache that cannot be written only costs time
        finally:
            if temp is not None:  # a full disk, or an interrupt: leave nothing behind
                try:
                    os.unlink(temp)
                except OSError:
                    pass


def _with_python(content_key: str) -> str:
    """Python words its syntax errors by its version, and a newer one reads more."""
    return hashlib.blake2b(f"{content_key}|{sys.version}".encode(), digest_size=16).hexdigest()


# --- shape checks: a cache file is input like any other ---------------------------------------


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_rows(rows) -> bool:
    return isinstance(rows, list) and all(
        isinstance(row, list) and len(row) == 10 and isinstance(row[9], str)
        and isinstance(row[0], str) and _is_int(row[1]) and _is_int(row[2]) and isinstance(row[3], str)
        and isinstance(row[4], bool) and (row[5] is None or isinstance(row[5], str))
        and _is_int(row[6]) and _is_int(row[7]) and (row[8] is None or _valid_edits(row[8]))
        for row in rows
    )


def _valid_edits(edits) -> bool:
    return isinstance(edits, list) and all(
        isinstance(edit, list) and len(edit) == 5 and all(_is_int(n) for n in edit[:4]) and isinstance(edit[4], str)
        for edit in edits
    )


def _dotted(name) -> bool:
    return isinstance(name, str) and all(part.isidentifier() for part in name.split("."))


def _valid_aliases(aliases) -> bool:
    return isinstance(aliases, dict) and all(_dotted(k) and _dotted(v) for k, v in aliases.items())
