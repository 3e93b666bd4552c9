"""Per-file results kept between runs, keyed by content hash, rule selection and version.

One JSON file per tree (the common folder of the files run on) in the user's cache folder.
Entries a run did not use are dropped when it saves, so the file never outgrows the tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from . import __version__


def cache_dir() -> Path:
    explicit = os.environ.get("KERASFIX_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kerasfix"


class Cache:
    def __init__(self, file: Path, data: dict):
        self.file = file
        self._old_findings: dict = data.get("findings", {})
        self._old_classes: dict = data.get("classes", {})
        self._findings: dict = {}
        self._classes: dict = {}
        self._dirty = False

    @classmethod
    def open(cls, settings, real_paths: list[str]) -> "Cache":
        paths = [p for p in real_paths if p != "-"]
        common = os.path.commonpath([os.path.abspath(p) for p in paths]) if paths else os.getcwd()
        name = hashlib.blake2b(common.encode(), digest_size=12).hexdigest()
        file = cache_dir() / f"v{__version__}" / f"{name}.json"
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                data = {}
        except (OSError, ValueError):
            data = {}
        return cls(file, data)

    def get_findings(self, key: str):
        from .runner import FindingRow  # the row type lives with the runner

        rows = self._findings.get(key, self._old_findings.get(key))
        if rows is None:
            return None
        self._findings[key] = rows
        return [FindingRow(*row) for row in rows]

    def put_findings(self, key: str, rows) -> None:
        self._findings[key] = [
            [r.code, r.line, r.column, r.message, r.fixable, r.fix_safety] for r in rows
        ]
        self._dirty = True

    def get_scan(self, key: str):
        from .index import FileScan

        data = self._classes.get(key, self._old_classes.get(key))
        if data is None:
            return None
        self._classes[key] = data
        try:
            return FileScan.from_json(data)
        except (KeyError, TypeError, ValueError):
            return None  # written by another version of the format: scan again

    def put_scan(self, key: str, scan) -> None:
        self._classes[key] = scan.to_json()
        self._dirty = True

    def save(self) -> None:
        stale = set(self._old_findings) - set(self._findings) or set(self._old_classes) - set(self._classes)
        if not self._dirty and not stale:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"findings": self._findings, "classes": self._classes}, handle)
            os.replace(temp, self.file)
        except OSError:
            pass  # a cache that cannot be written only costs time
