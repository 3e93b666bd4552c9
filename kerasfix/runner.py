"""Many files: discover, index the tree's classes, prefilter, process in parallel, cache, write.

libcst is imported only by the worker that needs it, so a run answered from the cache
never pays for it.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import os
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .cache import Cache
from .config import Settings
from .files import SourceError, decode_source, discover, read_bytes, write_atomic
from .index import (ClassIndex, FileScan, may_define_layers, module_name_for, scan_file,
                    spans_worth_parsing)

STDIN = Path("-")
PARALLEL_THRESHOLD = 8  # fewer files than this are not worth starting processes for


class Mode(enum.Enum):
    CHECK = "check"
    DIFF = "diff"
    FIX = "fix"


@dataclass(frozen=True)
class FindingRow:
    code: str
    line: int
    column: int
    message: str
    fixable: bool
    fix_safety: str | None


@dataclass
class FileResult:
    path: str
    findings: list[FindingRow] = field(default_factory=list)
    remaining: list[FindingRow] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)
    original: str | None = None  # set with a new source, for diffs
    new_source: str | None = None
    written: bool = False
    error: str | None = None
    parsed: bool = False  # libcst parsed it
    checked: bool = False  # every rule had its say (with or without a parse): cacheable

    @property
    def changed(self) -> bool:
        return self.new_source is not None


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    scanned: int = 0
    parsed: int = 0
    cached: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.error]

    def findings(self) -> Counter:
        return Counter(row.code for f in self.files for row in f.findings)

    def fixed(self) -> Counter:
        total: Counter = Counter()
        for f in self.files:
            total.update(f.fixed)
        return total

    def remaining(self) -> Counter:
        return Counter(row.code for f in self.files for row in f.remaining)


@dataclass(frozen=True)
class Job:
    path: str  # as shown to the user
    real_path: str
    data: bytes
    module_name: str
    is_package: bool


# --- worker side ------------------------------------------------------------------------------


def _rows(reports) -> list[FindingRow]:
    return [FindingRow(r.code, r.line, r.column, r.message, r.fixable, r.fix_safety) for r in reports]


def scan_job(job: Job) -> FileScan | None:
    try:
        return scan_file(job.data, job.module_name, job.is_package)
    except Exception:  # a scan that fails leaves the file to libcst, which says why
        return None


def process_job(item: tuple[Job, FileScan | None], mode: Mode, index: ClassIndex, settings: Settings) -> FileResult:
    """Check or fix one file. Never raises: a failure becomes the file's error."""
    job, scan = item
    result = FileResult(job.path)
    try:
        source = decode_source(job.data)
    except SourceError as error:
        result.error = str(error)
        return result
    import libcst as cst  # imported here: a run answered from the cache never needs it

    from .engine import InvalidRewrite, RuleSelection, process_source

    selection = RuleSelection(settings.select, settings.ignore, settings.unsafe_fixes)
    try:
        segments = None if scan is None else spans_worth_parsing(source.text, scan, index)
        if segments == [] and job.path != "-":
            result.checked = True
            return result  # no Keras class here holds anything a rule looks at: nothing to parse
        outcome = process_source(
            source.text, module_name=job.module_name, is_package=job.is_package,
            index=index, selection=selection, fix=mode is not Mode.CHECK,
            imports=scan.imports if scan else None, segments=segments,
        )
    except cst.ParserSyntaxError as error:
        result.error = _syntax_error(source.text, error)
        return result
    except InvalidRewrite as error:
        result.error = f"{error}; file left unchanged (please report this)"
        return result
    except RecursionError:
        result.error = "too deeply nested to parse; file left unchanged"
        return result
    except Exception as error:  # a kerasfix bug must not stop the run
        where = traceback.extract_tb(error.__traceback__)[-1]
        result.error = (f"internal error {type(error).__name__}: {error} "
                        f"({Path(where.filename).name}:{where.lineno}); file left unchanged")
        return result
    result.parsed = result.checked = True
    if job.path == "-":
        result.original = source.text  # `apply -` echoes it when nothing changes
    result.findings = _rows(outcome.findings)
    result.fixed = dict(outcome.fixed)
    result.remaining = _rows(outcome.remaining) if mode is not Mode.CHECK else list(result.findings)
    if outcome.new_source is not None:
        result.original = source.text
        result.new_source = outcome.new_source
        if mode is Mode.FIX and job.path != "-":
            try:
                write_atomic(Path(job.real_path), source, outcome.new_source)
                result.written = True
            except OSError as error:
                result.error = f"cannot write: {error.strerror or error}"
    return result


def _syntax_error(text: str, error: Exception) -> str:
    """Python's own words for a syntax error are clearer than the parser's token lists."""
    import ast

    try:
        ast.parse(text)
    except SyntaxError as python_error:
        return f"not valid Python 3: {python_error.msg} (line {python_error.lineno})"
    except (ValueError, RecursionError, MemoryError) as other:
        return f"not valid Python 3: {other}"
    return f"cannot be parsed by libcst: {_first_line(error)[:200]}"


def _first_line(error: Exception) -> str:
    text = getattr(error, "message", None) or str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


# --- coordinator side -------------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _selection_key(settings: Settings, mode: Mode) -> str:
    return "|".join([
        __version__,
        ",".join(sorted(settings.select)) if settings.select is not None else "*",
        ",".join(sorted(settings.ignore)),
        str(settings.unsafe_fixes),
    ])


def run(paths: Iterable[Path], settings: Settings, mode: Mode, *,
        stdin: Callable[[], bytes] | None = None,
        progress: Callable[[int], Callable[[], None]] | None = None) -> RunResult:
    started = time.perf_counter()
    result = RunResult()
    with _Pool(settings.jobs) as pool:
        jobs = _read_all(list(discover(paths, settings.exclude, settings.project_root)), result, stdin)
        result.scanned = len(jobs)
        cache = Cache.open(settings, [j.real_path for j in jobs]) if settings.cache else None
        context = _package_context(jobs)
        scans = _scan_all(jobs + context, cache, pool)
        index = _build_index(scans)
        index.declare_keras_bases(settings.keras_bases)
        layer_digest = index.layer_digest()
        selection_key = _selection_key(settings, mode)

        todo: list[tuple[Job, FileScan | None]] = []
        for job in jobs:
            scan = scans.get(job.path)
            if not _may_hold_finding(job, scan, index):
                result.files.append(FileResult(job.path))
                continue
            key = _result_key(job, selection_key, layer_digest)
            cached = cache.get_findings(key) if cache and job.path != "-" else None
            if cached is not None and (mode is Mode.CHECK or not any(r.fixable for r in cached)):
                result.cached += 1
                result.files.append(FileResult(job.path, findings=cached, remaining=list(cached)))
                continue
            todo.append((job, scan))

        tick = progress(len(todo)) if progress and todo else None
        work = functools.partial(process_job, mode=mode, index=index, settings=settings)
        todo.sort(key=lambda item: -len(item[0].data))  # biggest first, one at a time: balanced
        chunk = max(1, len(todo) // (pool.workers * 16))  # few files: one at a time; many: batches
        for (job, _), file_result in zip(todo, pool.map(work, todo, tick, chunk=chunk)):
            result.files.append(file_result)
            if file_result.parsed:
                result.parsed += 1
            if cache and file_result.checked and not file_result.error and job.path != "-":
                if not file_result.changed:
                    cache.put_findings(_result_key(job, selection_key, layer_digest), file_result.findings)
                elif file_result.written:
                    new_job = Job(job.path, job.real_path, file_result.new_source.encode(), job.module_name, job.is_package)
                    cache.put_findings(_result_key(new_job, selection_key, layer_digest), file_result.remaining)
    if cache:
        cache.save()
    order = {j.path: i for i, j in enumerate(jobs)}
    result.files.sort(key=lambda f: (order.get(f.path, -1), f.path))
    result.seconds = time.perf_counter() - started
    return result


class _Pool:
    """Worker processes for both phases of a run, started only when there is enough work."""

    def __init__(self, jobs: int | None):
        self.workers = jobs or os.cpu_count() or 1
        self.executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> "_Pool":
        return self

    def __exit__(self, *exc) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)

    def start(self) -> None:
        if self.executor is None and self.workers > 1:
            import multiprocessing

            context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
            self.executor = ProcessPoolExecutor(self.workers, mp_context=context)

    def map(self, function, items: list, tick=None, chunk: int | None = None):
        if self.workers <= 1 or len(items) < PARALLEL_THRESHOLD:
            for item in items:
                yield function(item)
                if tick:
                    tick()
            return
        self.start()
        chunk = chunk or max(1, min(16, len(items) // (self.workers * 4)))
        for value in self.executor.map(function, items, chunksize=chunk):
            if tick:
                tick()
            yield value


def _read_all(paths: list[Path], result: RunResult, stdin) -> list[Job]:
    """Read every file once; a file that cannot be read becomes its error."""
    jobs: list[Job] = []
    for path in paths:
        if path == STDIN:
            data = stdin() if stdin else sys.stdin.buffer.read()
            jobs.append(Job("-", "-", data, "", False))
            continue
        shown = _display(path)
        try:
            data = read_bytes(path)
            decode_source(data)  # cheap, so every file's encoding is checked
        except SourceError as error:
            result.files.append(FileResult(shown, error=str(error)))
            continue
        except OSError as error:
            reason = "no such file" if isinstance(error, FileNotFoundError) else (error.strerror or str(error))
            result.files.append(FileResult(shown, error=f"cannot read: {reason}"))
            continue
        module_name, is_package = module_name_for(path)
        jobs.append(Job(shown, str(path), data, module_name, is_package))
    return jobs


def _content_key(job: Job) -> str:
    digest = hashlib.blake2b(job.data, digest_size=16)
    digest.update(job.module_name.encode())
    digest.update(b"\0pkg" if job.is_package else b"\0mod")
    return digest.hexdigest()


def _result_key(job: Job, selection_key: str, layer_digest: str) -> str:
    return hashlib.blake2b(
        f"{_content_key(job)}|{selection_key}|{layer_digest}".encode(), digest_size=16
    ).hexdigest()


def _scan_all(jobs: list[Job], cache: Cache | None, pool: _Pool) -> dict[str, FileScan | None]:
    """Every file's classes and imports: from the cache, else by the ast scan, in parallel."""
    scans: dict[str, FileScan | None] = {}
    missing: list[Job] = []
    for job in jobs:
        if not may_define_layers(job.data, job.is_package):
            continue
        cached = cache.get_scan(_content_key(job)) if cache else None
        if cached is not None:
            scans[job.path] = cached
        else:
            missing.append(job)
    for job, scan in zip(missing, pool.map(scan_job, missing)):
        scans[job.path] = scan
        if cache and scan is not None:
            cache.put_scan(_content_key(job), scan)
    return scans


def _build_index(scans: dict[str, FileScan | None]) -> ClassIndex:
    index = ClassIndex()
    for scan in scans.values():
        if scan:
            index.add_aliases(scan.imports)
        for record in scan.classes if scan else ():
            index.add(record.qualified, record.bases, frozenset(record.overrides))
    return index


def _package_context(jobs: list[Job]) -> list[Job]:
    """The other modules of the packages the files belong to: their classes can be the bases
    of classes in the files (`check pkg/deep.py` must know `pkg/base.py`), so they are
    indexed, though not checked."""
    given = {os.path.abspath(j.real_path) for j in jobs if j.path != "-"}
    roots: set[Path] = set()
    for job in jobs:
        if job.path == "-" or not job.module_name or "." not in job.module_name and not job.is_package:
            continue
        folder = Path(job.real_path).resolve().parent
        while (folder.parent / "__init__.py").is_file():
            folder = folder.parent
        roots.add(folder)
    context: list[Job] = []
    for root in sorted(roots):
        for path in discover([root]):
            if os.path.abspath(path) in given:
                continue
            try:
                data = read_bytes(path)
            except (OSError, SourceError):
                continue
            module_name, is_package = module_name_for(path)
            context.append(Job(f"<context>{path}", str(path), data, module_name, is_package))
    return context


def _may_hold_finding(job: Job, scan: FileScan | None, index: ClassIndex) -> bool:
    """Every rule looks inside Keras classes: a file that defines none cannot hold a finding.
    (A file that ast cannot read is passed on, so that libcst reports why.)"""
    if job.path == "-":
        return True  # `apply -` echoes what it read, changed or not
    if scan is None:  # not scanned (plain classes only), or ast could not read it
        return may_define_layers(job.data, job.is_package)
    return any(index.bases_are_layers(c.bases) for c in scan.classes)
