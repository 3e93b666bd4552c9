"""A `check` answered from its files' stats, without reading them (as ruff's cache answers).

A run that processed no file (every one answered by the per-file cache, `cache.py`) leaves
its whole answer here, with each file's stat: device, inode, size, mtime and ctime in
nanoseconds. The next run with the same command line, settings, folder and Python walks the
tree as always, stats every file it would read (the files checked, and the package context
around them) and, when every stat, the list of files and what the project's dependency
files say (`target.dependencies_of_run`) are as they were, answers as that run answered.
Anything else (one stat that differs, a file added or gone, a file that cannot be stat'ed)
and the run reads and hashes every file as before, and leaves a new answer.

Why a stat that matches means the same bytes: an edit changes a file's ctime (which no
program can set back, unlike mtime) and, made by a new file renamed over it, its inode. A
ctime is only as fine as the file system's clock, so an edit within the same tick as the
stat taken could keep it: no answer is left unless every file's mtime and ctime are more
than `MARGIN_NS` (2 s) older than the start of the run that read it, and a later edit then
has a later ctime. Left as ruff leaves it: a clock set back, or a file system that keeps no
ctime (then an edit of the same size with its mtime put back would go unseen).

Only a plain `check` (no standard input, no fix edits in the output) is answered so; the
answer keeps findings, errors and counts, never code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import __version__, notebook
from .cache import _valid_rows, cache_dir
from .context import Walked, context_paths, walk
from .files import create_temp, remove_stale_temps
from .index import module_name_for
from .results import Diagnostic, FileError, FileResult, Mode, RunResult
from .sources import STDIN, Source
from .target import LINES, Target, dependencies_of_run

FORMAT = 1
MARGIN_NS = 2_000_000_000  # a stat this close to the run's start is no proof of the bytes read


def now_ns() -> int:
    return time.time_ns()


def stat_of(path: str) -> list[int] | None:
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]


class RunMemo:
    """The answer of the last run of one command line, by its files' stats."""

    def __init__(self, file: Path, data: Any, started: int, key: str = ""):
        self.file, self.key = file, key
        self.data = data if isinstance(data, dict) and data.get("format") == FORMAT and data.get("key") == key else {}
        self.started = started  # this run's start: a stat newer than it, less the margin, proves nothing

    @classmethod
    def open(cls, paths: list[Path], settings) -> "RunMemo":
        started = now_ns()
        key = json.dumps([FORMAT, __version__, sys.version, os.getcwd(), [os.fspath(p) for p in paths],
                          _settings_key(settings)])
        # one file per tree, as the per-file cache's (pre-commit's many file lists replace one another)
        common = os.path.commonpath([os.path.abspath(p) for p in paths]) if paths else os.getcwd()
        name = hashlib.blake2b(common.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
        file = cache_dir() / f"v{__version__}" / f"{name}.stats.json"
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            data = {}
        return cls(file, data, started, key)

    def answer(self, inputs: dict, result: RunResult) -> bool:
        """The last run's answer into `result`, when `inputs` (what `inputs_of` made of this
        run's walk) are what they were for it; False (and `result` untouched) otherwise."""
        if not self.data or self.data.get("inputs") != inputs:
            return False
        try:
            files = [_file(row) for row in self.data["files"]]
            counts = self.data["counts"]
            target = _target(self.data["target"])
            scanned, keras_files, cached = (int(n) for n in counts)
        except (KeyError, IndexError, TypeError, ValueError):  # a cache file is input like any other
            return False
        result.files = files
        result.scanned, result.keras_files, result.cached = scanned, keras_files, cached
        result.from_stats = True
        if result.settings is not None:
            result.settings.target = target
        return True

    def save(self, inputs: dict | None, result: RunResult) -> None:
        """This run's answer, when it can stand for the next: no file processed or changed, and
        every stat older than this run's start by the margin."""
        if inputs is None:
            return
        stats = inputs["stats"]
        if any(stat is None or max(stat[3], stat[4]) > self.started - MARGIN_NS for stat in stats.values()):
            return
        if result.parsed or result.reads_stdin or any(not _answerable(f) for f in result.files):
            return
        target = result.settings.target if result.settings is not None else None
        data = {"format": FORMAT, "key": self.key, "inputs": inputs, "files": [_row(f) for f in result.files],
                "counts": [result.scanned, result.keras_files, result.cached],
                "target": [target.name, target.reason] if target else None}
        if data == self.data:
            return
        temp = None
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temp = create_temp(self.file)
            with open(temp, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(temp, self.file)
            temp = None
            remove_stale_temps(self.file.parent)
        except OSError:
            pass  # only costs time
        finally:
            if temp is not None:
                try:
                    os.unlink(temp)
                except OSError:
                    pass


def answer_from_stats(paths: list[Path], settings) -> RunResult | None:
    """A plain check answered by the files' stats as the last run answered it, without reading
    a file (quick.py's, before typer is imported); None: the runner must read them."""
    started = time.perf_counter()
    result = RunResult(mode=Mode.CHECK, settings=settings)
    memo = open_memo(paths, settings)
    inputs = inputs_now(paths, walk(paths, settings, result), settings, memo=memo) if memo else None
    if memo is None or inputs is None or not memo.answer(inputs, result):
        return None
    result.seconds = time.perf_counter() - started
    return result


def open_memo(paths: list[Path], settings) -> RunMemo | None:
    """The last answer to a check of `paths` (None: a check that reads standard input, or
    without the cache, is never answered so)."""
    return RunMemo.open(paths, settings) if settings.cache and STDIN not in paths else None


def inputs_now(paths: list[Path], walked: Walked, settings, memo: RunMemo | None = None,
               jobs: list[Source] | None = None, context: list[Source] | None = None) -> dict | None:
    """What a run stands on: from the sources it read, or, before reading any, from the files
    the last answer says were read (None: that answer is none of this walk's)."""
    if jobs is None:
        last = memo.data.get("inputs") if memo else None
        read = last.get("read") if isinstance(last, dict) else None
        if not (isinstance(read, list) and all(isinstance(r, list) and len(r) == 3 and isinstance(r[0], str)
                                               for r in read)):
            return None
        folders: dict = {}
        jobs = [Source(name, name, b"", *_module_of(name, folders)) for name, _, _ in read]
    if context is None:
        context = [Source("", os.fspath(p), b"", "", False) for p in context_paths(jobs, walked)]
    names = [os.fspath(p) for p in walked.found]
    other = [c.real_path for c in context]
    return {"found": names, "errors": [[os.fspath(p), reason] for p, reason in walked.errors],
            "read": [[j.real_path, j.module_name, j.is_package] for j in jobs], "context": other,
            "dependencies": dependencies_of_run(settings.target_keras, settings.project_root, paths),
            "stats": {name: stat_of(name) for name in [*names, *other]}}


def _module_of(name: str, folders: dict) -> tuple[str, bool]:
    """A file's module and whether it is a package, as `read_sources` makes its source."""
    module_name, is_package = module_name_for(Path(name), folders)
    return module_name, is_package and not notebook.is_notebook(name)


def _settings_key(settings) -> list:
    pfi = sorted((pattern, sorted(codes)) for pattern, codes in settings.per_file_ignores)
    return [sorted(settings.select) if settings.select is not None else None, sorted(settings.ignore),
            list(settings.exclude), settings.unsafe_fixes, os.fspath(settings.project_root or ""),
            os.fspath(settings.config_file or ""), list(settings.keras_bases), pfi,
            sorted(settings.extend_select), settings.target_keras]


def _answerable(f: FileResult) -> bool:
    """A check's answer of a file that only reports (a fix's edits are never kept)."""
    return (f.new_source is None and f.stdout is None and not f.fixed and f.remaining == f.findings
            and not f.written and all(d.edits is None for d in f.findings))


def _row(f: FileResult) -> list:
    error = None if f.error is None else [f.error.message, f.error.kind, f.error.line, f.error.cell]
    return [f.path, [[*d.row(), d.cell] for d in f.findings], error, list(f.unresolved), f.parsed, f.checked]


def _file(row: list) -> FileResult:
    path, findings, error, unresolved, parsed, checked = row
    if not (_valid_rows([d[:10] for d in findings]) and all(len(d) == 11 for d in findings)):
        raise ValueError(path)
    rows = [replace(Diagnostic.from_row(d[:10]), cell=int(d[10])) for d in findings]
    if not isinstance(path, str) or not all(isinstance(u, str) for u in unresolved):
        raise TypeError(path)
    if not (error is None or (isinstance(error, list) and len(error) == 4 and all(isinstance(e, str) for e in error[:2])
                              and all(type(n) is int and n >= 0 for n in error[2:]))):
        raise TypeError(path)
    return FileResult(path, findings=rows, remaining=list(rows), unresolved=tuple(unresolved),
                      error=None if error is None else FileError(*error), parsed=bool(parsed), checked=bool(checked))


def _target(row) -> Target | None:
    if row is None:
        return None
    name, reason = row
    if name not in LINES or not isinstance(reason, str):
        raise ValueError(name)
    return Target(name, reason)
