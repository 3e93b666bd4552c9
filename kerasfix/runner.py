"""Many files: discover, index the tree's classes, prefilter, process in parallel, cache, write.

libcst is imported only by the worker that needs it, so a run answered from the cache
never pays for it.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import re
import signal
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from . import __version__, notebook
from .cache import Cache, ClassFacts
from .config import Settings
from .files import (SourceError, SourceFile, WriteRefused, decode_source, discover, python_newlines, read_bytes,
                    write_atomic)
from .index import ClassIndex, FileScan, may_define_layers, module_aliases, module_name_for, package_folder, scan_file
from .prefilter import spans_worth_parsing
from .results import Diagnostic, Edit, FileResult, Mode, RunResult

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

STDIN = Path("-")
PARALLEL_THRESHOLD = 8  # fewer files than this are not worth starting processes for


@dataclass(frozen=True)
class Job:
    path: str  # as shown to the user
    real_path: str
    data: bytes
    module_name: str
    is_package: bool
    notebook: bytes | None = None  # a notebook's own JSON bytes; `data` is its code (notebook.py)


# --- worker side ------------------------------------------------------------------------------


def scan_job(job: Job) -> FileScan | None:
    try:
        return scan_file(job.data, job.module_name, job.is_package)
    except Exception:  # a scan that fails leaves the file to libcst, which says why
        return None


def process_job(item: tuple[Job, FileScan | None], mode: Mode, index: ClassIndex, settings: Settings,
                decide=None, fix_edits: bool = False) -> FileResult:
    """Check or fix one file. Never raises: a failure becomes the file's error. Writes
    nothing: the coordinator writes, so that no worker outlives it with a file half done.
    `decide(path, diagnostic, before, after, first_line)`: `apply --interactive`'s question."""
    job, scan = item
    result = FileResult(job.path)
    try:
        source = decode_source(job.data)
    except SourceError as error:
        result.error = str(error)
        return result
    result.encoding = source.encoding
    if scan is None:  # only this run's own scan of the bytes shapes a rewrite, never the cache
        scan = scan_job(job)
    too_deep = _too_deep_for_libcst(job.data) if scan is None else None
    if too_deep:
        result.error = too_deep
        return result
    import libcst as cst  # imported here: a run answered from the cache never needs it

    from .engine import InvalidRewrite, RuleSelection, process_source

    selection = RuleSelection(settings.select, settings.ignore_for(job.real_path), settings.unsafe_fixes)
    text, restore_newlines = python_newlines(source.text)
    try:
        segments = None if scan is None else spans_worth_parsing(text, scan, index, selection.wants)
        if segments == [] and job.path != "-" and not _may_hold_ignores(job.data):
            result.checked = True
            return result  # no Keras class here holds anything a rule looks at: nothing to parse
        outcome = process_source(
            text, module_name=job.module_name, is_package=job.is_package,
            index=index, selection=selection, fix=mode is not Mode.CHECK,
            imports=scan.imports if scan else None, segments=segments, encoding=source.encoding,
            decide=None if decide is None else functools.partial(decide, job.path),
            fix_edits=fix_edits and mode is Mode.CHECK,
        )
    except cst.ParserSyntaxError as error:
        result.error = _syntax_error(source.text, error, fixing=mode is not Mode.CHECK)
        return result
    except InvalidRewrite as error:
        result.error = _newer_than_this_python(source.text) or (
            f"kerasfix could not fix this file: {error} (please report this); file left unchanged")
        _still_found(result, text, job, index, scan, segments, selection)
        return result
    except RecursionError:
        result.error = "too deeply nested to parse; file left unchanged"
        return result
    except Exception as error:  # a kerasfix bug must not stop the run
        where = traceback.extract_tb(error.__traceback__)[-1]
        result.error = (f"internal error {type(error).__name__}: {error} "
                        f"({Path(where.filename).name}:{where.lineno}); file left unchanged")
        return result
    result.parsed, result.checked = segments != [], True  # []: only its ignore comments were read
    if job.path == "-":
        result.original = source.text  # `apply -` echoes it when nothing changes
    result.findings = list(outcome.findings) if text == source.text else _edits_restored(outcome.findings,
                                                                                           restore_newlines)
    result.fixed = dict(outcome.fixed)
    result.remaining = list(outcome.remaining) if mode is not Mode.CHECK else list(result.findings)
    if outcome.new_source is not None:
        result.original = source.text
        result.new_source = restore_newlines(outcome.new_source)
    return result


def _edits_restored(findings: list[Diagnostic], restore: Callable[[str], str]) -> list[Diagnostic]:
    """A CR-only file's edits, made in its text with \\n line ends, in its own (one for one:
    no position moves)."""
    return [f if not f.edits else replace(f, edits=tuple(replace(e, content=restore(e.content)) for e in f.edits))
            for f in findings]


def _still_found(result: FileResult, text: str, job: Job, index: ClassIndex, scan: FileScan | None,
                 segments, selection) -> None:
    """A file kerasfix could not fix keeps its findings, all of them left for a person: the
    counts and the report must not lose them with the fix."""
    from .engine import process_source

    try:
        outcome = process_source(text, module_name=job.module_name, is_package=job.is_package, index=index,
                                 selection=selection, fix=False, imports=scan.imports if scan else None,
                                 segments=segments)
    except Exception:  # noqa: BLE001 - the file's error already says what went wrong
        return
    result.findings = list(outcome.findings)
    result.remaining = list(result.findings)


# CPython refuses these nestings cleanly; libcst's native parser overflows its stack on some
# of them (measured: 3,000 parentheses or 10,000 unary minuses kill the process with SIGSEGV;
# 1,000 parentheses, which CPython refuses too, parse)
_NESTING_ERRORS = ("too many nested parentheses", "too complex", "too many levels of indentation",
                   "recursion depth", "MemoryError")


def _too_deep_for_libcst(data: bytes) -> str | None:
    """Why Python itself refuses a file for its nesting, or None. A file Python refuses for
    another reason (newer syntax, say) is left to libcst, which may read it."""
    error = _python_error(data)
    return error if error and any(reason in error for reason in _NESTING_ERRORS) else None


def _syntax_error(text: str, error: Exception, *, fixing: bool) -> str:
    """Python's own words for a syntax error are clearer than the parser's token lists; and
    when the input is valid, the failure is kerasfix's own (a fix that libcst cannot re-read)."""
    python_error = _python_error(text)
    if python_error:
        return python_error
    if fixing:
        import libcst as cst

        try:
            cst.parse_module(text)
        except cst.ParserSyntaxError:
            pass
        else:
            return "kerasfix could not fix this file: a fix produced code that does not parse " \
                   "(please report this); file left unchanged"
    return f"cannot be parsed by libcst: {_first_line(error)[:200]}"


def _python_error(source: str | bytes) -> str | None:
    """Why Python refuses the source (bytes: as its coding line says), or None."""
    try:
        ast.parse(source)
    except SyntaxError as python_error:
        return f"not valid Python 3: {python_error.msg} (line {python_error.lineno})"
    except (ValueError, RecursionError, MemoryError) as other:
        return f"not valid Python 3: {other or type(other).__name__}"
    return None


def _newer_than_this_python(text: str) -> str | None:
    """Why a file libcst reads (so kerasfix found what it found) cannot be fixed: the Python
    running kerasfix cannot compile it (PEP 695 `type` statements on 3.11, say), so no output
    can be checked to compile. None when it compiles."""
    try:
        ast.parse(text)
    except SyntaxError as error:
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        return (f"Python {running}, which runs kerasfix, cannot compile this file ({error.msg}, line "
                f"{error.lineno}), so no fix can be checked to compile: run kerasfix with the Python the "
                "project targets; file left unchanged")
    except (ValueError, RecursionError, MemoryError):
        return _python_error(text)
    return None


def _first_line(error: Exception) -> str:
    text = getattr(error, "message", None) or str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


# --- coordinator side -------------------------------------------------------------------------


def _display(path: Path, cwd: str | None = None) -> str:
    """A link by its own name; a name that is not UTF-8 with backslash escapes (printable).
    `cwd`: the current folder, asked once for a run's many files."""
    absolute, here = os.path.abspath(path), cwd or os.getcwd()
    inside = here.rstrip("/") + "/"
    if absolute == here or absolute.startswith("//"):  # `//` is a root of its own: pathlib knows
        try:
            shown = Path(absolute).relative_to(here).as_posix()
        except ValueError:
            shown = path.as_posix()
    else:  # what pathlib's relative_to says, at a tenth of its 4 ms for 453 files (measured)
        shown = absolute[len(inside):] if absolute.startswith(inside) else path.as_posix()
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _selection_key(settings: Settings) -> str:
    return "|".join([
        __version__,
        ",".join(sorted(settings.select)) if settings.select is not None else "*",
        ",".join(sorted(settings.ignore)),
        repr(settings.per_file_ignores),
        str(settings.unsafe_fixes),
    ])


def _index_digest(index: ClassIndex) -> str:
    """Changes whenever a class of the tree becomes, or stops being, a Keras layer, or gains
    or loses an `add_weight` override (a subclass's calls of it are then left alone)."""
    overrides = sorted(f"{q}:{','.join(sorted(methods))}" for q, methods in index.overrides.items())
    text = "\n".join([index.layer_digest(), *overrides])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def run(paths: Iterable[Path], settings: Settings, mode: Mode, *,
        stdin: Callable[[], bytes] | None = None,
        progress: Callable[[int], Callable[[], None]] | None = None, decide=None,
        fix_edits: bool = False) -> RunResult:
    """With `decide` (`apply --interactive`, see process_job), the files are fixed one at a
    time in this process, in the order found, each written before the next is asked about.
    With `fix_edits` (a check for JSON or SARIF), findings carry their fix's edits."""
    started = time.perf_counter()
    result = RunResult(mode=mode, settings=settings)
    fault = _fault_hook()
    with _Pool(1 if decide else settings.jobs) as pool:
        walk_errors: list[tuple[Path, str]] = []
        found = list(discover(paths, settings.exclude, settings.project_root, walk_errors))
        result.files.extend(FileResult(_display(path), error=reason) for path, reason in walk_errors)
        jobs = _read_all(found, result, stdin, settings.stdin_filename)
        result.scanned = len(jobs)
        cache = Cache.open(settings, [j.real_path for j in jobs]) if settings.cache else None
        context = _package_context(jobs)
        classes, aliases, fresh = _scan_all(jobs + context, cache, pool)
        index = _build_index(classes, aliases)
        index.declare_keras_bases(settings.keras_bases)
        layer_digest = _index_digest(index)
        selection_key = _selection_key(settings)
        # A fix's edits are code a JSON or SARIF reader may apply: they are never read from the
        # cache (a poisoned entry would offer any code as a fix), so such a run answers from the
        # cache only the files whose findings have no fix.
        edits = fix_edits and mode is Mode.CHECK

        todo: list[tuple[Job, FileScan | None]] = []
        rewritten: list[tuple[Job, bytes, list[Diagnostic]]] = []  # fixed files: bytes written, findings left
        for job in jobs:
            if not _may_hold_finding(job, classes.get(job.path), index):
                result.files.append(FileResult(job.path))
                continue
            key = _result_key(job.data, job, selection_key, layer_digest)
            cached = cache.get_findings(key) if cache and job.path != "-" else None
            if edits and cached is not None and any(r.fix_safety for r in cached):
                cached = None
            if cached is not None and (mode is Mode.CHECK or not any(r.fixable for r in cached)):
                result.cached += 1
                result.files.append(FileResult(job.path, findings=cached, remaining=list(cached)))
                continue
            todo.append((job, fresh.get(job.path)))  # a scan from the cache: the worker scans again

        tick = progress(len(todo)) if progress and todo else None
        work = functools.partial(process_job, mode=mode, index=index, settings=settings, decide=decide,
                                 fix_edits=fix_edits)
        if decide is None:
            todo.sort(key=lambda item: -len(item[0].data))  # biggest first, one at a time: balanced
        chunk = max(1, len(todo) // (pool.workers * 16))  # few files: one at a time; many: batches
        for (job, _), file_result in zip(todo, pool.map(work, todo, tick, chunk=chunk)):
            if isinstance(file_result, WorkerCrashed):
                file_result = FileResult(job.path, error="kerasfix crashed on this file (its parser died; "
                                                         "please report this); file left unchanged")
            written = None
            if mode is Mode.FIX and file_result.changed and job.path != "-":
                fault("before-write")
                written = _write(job, file_result)
                fault("after-write")
            result.files.append(file_result)
            if file_result.parsed:
                result.parsed += 1
            if cache and file_result.checked and not file_result.error and job.path != "-":
                if not file_result.changed:
                    cache.put_findings(_result_key(job.data, job, selection_key, layer_digest),
                                       file_result.findings)
                elif written is not None:
                    rewritten.append((job, written, file_result.remaining))
    fault("before-cache")
    if cache:
        if rewritten:
            _cache_rewritten(cache, rewritten, classes, aliases, settings, selection_key)
        cache.save()
    _cell_positions(result, {j.path: j for j in jobs if j.notebook is not None})
    if mode is Mode.FIX:
        _stdin_notebook(result, next((j for j in jobs if j.path == "-" and j.notebook is not None), None))
    order = {j.path: i for i, j in enumerate(jobs)}
    result.files.sort(key=lambda f: (order.get(f.path, -1), f.path))
    result.seconds = time.perf_counter() - started
    return result


def _cache_rewritten(cache: Cache, rewritten: list[tuple[Job, bytes, list[Diagnostic]]],
                     classes: dict[str, list[ClassFacts]], aliases: dict[str, dict[str, str]],
                     settings: Settings, selection_key: str) -> None:
    """The fixed files' findings, keyed as the next run looks them up: by the bytes written
    and by the tree as it is now. A fix can change what the index knows (an import it adds, a
    Keras base it swaps in), and the next run's layer digest with it: keyed by this run's, 7
    of the 82 fixed fixtures missed the cache on the `check` after `apply` (measured)."""
    for job, data, _ in rewritten:
        scan = scan_job(replace(job, data=data))
        if scan is None:
            continue
        classes[job.path] = _facts(scan)
        aliases[job.path] = module_aliases(scan.imports)
        cache.put_classes(_content_key(data, job), classes[job.path], aliases[job.path])
    index = _build_index(classes, aliases)
    index.declare_keras_bases(settings.keras_bases)
    digest = _index_digest(index)
    for job, data, remaining in rewritten:
        cache.put_findings(_result_key(data, job, selection_key, digest), remaining)


def _stdin_notebook(result: RunResult, job: Job | None) -> None:
    """`apply -` of a notebook echoes the notebook, fixed in its own layout, not its code
    (`apply --diff -` shows its cells' diff, as for a notebook file)."""
    f = next((f for f in result.files if f.path == "-"), None)
    if job is None or job.notebook is None or f is None or f.original is None:
        return
    if f.new_source is not None:
        try:
            f.new_source = notebook.write_back(job.notebook, f.new_source)
        except notebook.NotebookError as error:  # the message is the whole reason
            _not_written(f, str(error))
    f.original, f.encoding = job.notebook.decode("utf-8"), "utf-8"


def _cell_positions(result: RunResult, notebooks: dict[str, Job]) -> None:
    """A notebook's findings by cell and line in the cell. Done last: the cache keeps the
    positions in the joined text, which is what its key hashes."""
    for f in result.files:
        job = notebooks.get(f.path)
        if job is None:
            continue
        old = job.data.decode("utf-8")
        f.findings = [_in_cell(row, old) for row in f.findings]
        f.remaining = [_in_cell(row, f.new_source or old) for row in f.remaining]
        if f.error:
            f.error = _error_in_cell(f.error, old)


def _error_in_cell(error: str, text: str) -> str:
    """Python's `(line N)` in an error, as the cell and the line in it."""
    def where(match: re.Match) -> str:
        cell, line = notebook.position(text, int(match.group(1)))
        return f"(cell {cell}, line {line})"

    return re.sub(r"\(line (\d+)\)", where, error)


def _in_cell(row: Diagnostic, text: str) -> Diagnostic:
    """Placed in its cell, and its fix's edits each in the cell it changes (none when one of
    them is in no cell's own lines, or its content would make or unmake a cell or a magic)."""
    cell, line = notebook.position(text, row.line)
    end = notebook.position(text, row.end_line)[1] if row.end_line else 0
    return replace(row, cell=cell, line=line, end_line=end, edits=_edits_in_cells(row.edits, text))


def _edits_in_cells(edits: tuple[Edit, ...] | None, text: str) -> tuple[Edit, ...] | None:
    placed = []
    for edit in edits or ():
        where = notebook.cell_edit(text, edit.line, edit.column, edit.end_line, edit.end_column)
        if where is None or "__kerasfix_" in edit.content:
            return None
        cell, line, end_line = where
        placed.append(replace(edit, line=line, end_line=end_line, cell=cell))
    return tuple(placed) if edits is not None else None


def _write(job: Job, file_result: FileResult) -> bytes | None:
    """Write a fixed file (in the coordinator only); return the bytes written, or None with
    the file's error set and nothing counted as fixed (the file is as it was)."""
    if job.notebook is not None:
        return _write_notebook(job, file_result)
    source = decode_source(job.data)
    assert file_result.new_source is not None  # only a changed file is written
    try:
        data = file_result.new_source.encode(source.encoding)
        write_atomic(Path(job.real_path), source, file_result.new_source)
    except UnicodeEncodeError as error:
        reason = (f"kerasfix could not write its fix in the file's encoding ({source.encoding} cannot hold "
                  f"{error.object[error.start:error.end]!r}; please report this); file left unchanged")
    except WriteRefused as error:  # changed since it was read, read-only, a link out of the tree
        reason = str(error)
    except OSError as error:
        reason = f"cannot write: {error.strerror or error}; file left unchanged"
    else:
        file_result.written = True
        return data
    _not_written(file_result, reason)
    return None


def _not_written(file_result: FileResult, reason: str) -> None:
    file_result.error = reason
    file_result.new_source = None
    file_result.fixed = {}
    file_result.remaining = list(file_result.findings)


def _write_notebook(job: Job, file_result: FileResult) -> bytes | None:
    """The fixed code put back in the notebook's JSON, written as any file is; returns the
    new notebook's code (the cache keys a notebook by it)."""
    assert job.notebook is not None and file_result.new_source is not None
    try:
        text = notebook.write_back(job.notebook, file_result.new_source)
        write_atomic(Path(job.real_path), SourceFile("", "utf-8", job.notebook), text)
        written = notebook.python_text(text.encode("utf-8")).encode("utf-8")
    except (notebook.NotebookError, WriteRefused) as error:  # the message is the whole reason
        reason = str(error)
    except OSError as error:
        reason = f"cannot write: {error.strerror or error}; file left unchanged"
    else:
        file_result.written = True
        return written
    _not_written(file_result, reason)
    return None


def _fault_hook() -> Callable[[str], None]:
    """A test-only hook (tests/test_faults.py): KERASFIX_TEST_FAULT=after-write:2 kills this
    process with SIGKILL when it reaches that point the 2nd time (`:TERM` at the end sends
    SIGTERM instead). Points: before-write, after-write, before-cache."""
    spec = os.environ.get("KERASFIX_TEST_FAULT")
    if not spec:
        return lambda point: None
    target, _, rest = spec.partition(":")
    count, _, how = rest.partition(":")
    seen: Counter = Counter()

    def hit(point: str) -> None:
        seen[point] += 1
        if point == target and seen[point] == int(count or 1):
            os.kill(os.getpid(), signal.SIGTERM if how == "TERM" else signal.SIGKILL)

    return hit


class _Pool:
    """Worker processes for both phases of a run, started only when there is enough work."""

    def __init__(self, jobs: int | None):
        self.workers = jobs or os.cpu_count() or 1
        self.executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> "_Pool":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self.executor is None:
            return
        if exc_type is not None:
            # interrupted: workers write nothing, so stop them at once; the pool then fails its
            # pending work itself (cancelling it too makes Python 3.11's pool thread raise)
            for process in list((self.executor._processes or {}).values()):
                process.kill()
            self.executor.shutdown(wait=True)
            return
        self.executor.shutdown(wait=True, cancel_futures=True)

    def start(self) -> ProcessPoolExecutor:
        if self.executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor  # here: 10 ms a warm run never needs

            context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
            self.executor = ProcessPoolExecutor(self.workers, mp_context=context,
                                                initializer=_worker_start, initargs=(os.getpid(),))
        return self.executor

    def map(self, function, items: list, tick=None, chunk: int | None = None):
        if self.workers <= 1 or len(items) < PARALLEL_THRESHOLD:
            for item in items:
                yield function(item)
                if tick:
                    tick()
            return
        from concurrent.futures.process import BrokenProcessPool

        chunk = chunk or max(1, min(16, len(items) // (self.workers * 4)))
        done = 0
        while done < len(items):
            executor = self.start()
            try:
                for value in executor.map(function, items[done:], chunksize=chunk):
                    done += 1
                    if tick:
                        tick()
                    yield value
            except BrokenProcessPool:
                # a worker died (a native crash, the OOM killer): the pool is lost, not the
                # run. Workers write nothing, so the items in flight are run again, each in a
                # process of its own: the one that crashes is its own error
                executor.shutdown(wait=True)
                self.executor = None
                in_flight = items[done:done + (2 * self.workers + 1) * chunk]
                for item in in_flight:
                    done += 1
                    if tick:
                        tick()
                    yield _isolated(function, item)


class WorkerCrashed:
    """What `_Pool.map` yields for an item whose process died."""


def _isolated(function, item):
    """`function(item)` in a child process of its own; WorkerCrashed when the child dies."""
    import multiprocessing

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(function, item, sender, os.getpid()))
    process.start()
    sender.close()
    try:
        return receiver.recv()
    except EOFError:
        return WorkerCrashed()
    finally:  # after its answer, or an interrupt of this process
        receiver.close()
        process.kill()
        process.join()


def _send_result(function, item, sender, parent: int) -> None:
    _worker_start(parent)
    sender.send(function(item))


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_start(parent: int) -> None:
    """A worker dies with the coordinator. Killed with SIGKILL, the coordinator cannot stop
    its workers, and 0.1.0's went on rewriting files for seconds, then waited forever on a
    queue nobody reads (F01)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        import threading

        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the coordinator died before the line above
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _read_all(paths: list[Path], result: RunResult, stdin, stdin_filename: Path | None = None) -> list[Job]:
    """Read every file once; a file that cannot be read becomes its error. Stdin is `-`,
    with `--stdin-filename` the module (name, package, config) of that path."""
    jobs: list[Job] = []
    folders: dict = {}  # each folder's packages, looked up once (see package_folder)
    cwd = os.getcwd()
    for path in paths:
        if path == STDIN:
            data = stdin() if stdin else sys.stdin.buffer.read()
            if stdin_filename and notebook.is_notebook(stdin_filename):
                try:  # a notebook read from stdin, as `--stdin-filename` says
                    raw, data = data, notebook.python_text(data).encode("utf-8")
                except notebook.NotebookError as error:
                    result.files.append(FileResult("-", error=str(error)))
                    continue
                jobs.append(Job("-", str(stdin_filename), data, *module_name_for(stdin_filename), raw))
            elif stdin_filename:
                jobs.append(Job("-", str(stdin_filename), data, *module_name_for(stdin_filename)))
            else:
                jobs.append(Job("-", "-", data, "", False))
            continue
        shown = _display(path, cwd)
        raw = None
        try:
            data = read_bytes(path)
            if notebook.is_notebook(path):
                raw, data = data, notebook.python_text(data).encode("utf-8")
            decode_source(data)  # cheap, so every file's encoding is checked
        except (SourceError, notebook.NotebookError) as error:
            result.files.append(FileResult(shown, error=str(error)))
            continue
        except OSError as error:
            reason = "no such file" if isinstance(error, FileNotFoundError) else (error.strerror or str(error))
            result.files.append(FileResult(shown, error=f"cannot read: {reason}"))
            continue
        module_name, is_package = module_name_for(path, folders)
        jobs.append(Job(shown, str(path), data, module_name, is_package and raw is None, raw))
    return jobs


def _content_key(data: bytes, job: Job) -> str:
    digest = hashlib.blake2b(data, digest_size=16)
    digest.update(job.module_name.encode())
    digest.update(b"\0pkg" if job.is_package else b"\0mod")
    if job.notebook is not None:  # a notebook's code is no .py file's, even byte for byte
        digest.update(b"\0ipynb")
    return digest.hexdigest()


def _result_key(data: bytes, job: Job, selection_key: str, layer_digest: str) -> str:
    return hashlib.blake2b(
        f"{_content_key(data, job)}|{selection_key}|{layer_digest}".encode(), digest_size=16
    ).hexdigest()


def _scan_all(jobs: list[Job], cache: Cache | None, pool: _Pool) -> tuple[
        dict[str, list[ClassFacts]], dict[str, dict[str, str]], dict[str, FileScan | None]]:
    """Every file's classes (name, bases, overrides, whether it owns state, the attributes it
    uses) and module-level names that may lead to Keras: from the cache, else by the ast
    scan, in parallel; and the scans made by this run (None: ast could not read the file)."""
    classes: dict[str, list[ClassFacts]] = {}
    aliases: dict[str, dict[str, str]] = {}
    missing: list[Job] = []
    for job in jobs:
        if not may_define_layers(job.data, job.is_package):
            classes[job.path] = []  # no class that can be a layer: _may_hold_finding need not look again
            continue
        cached = cache.get_classes(_content_key(job.data, job)) if cache else None
        if cached is not None:
            classes[job.path], aliases[job.path] = cached
        else:
            missing.append(job)
    fresh: dict[str, FileScan | None] = {}
    for job, scan in zip(missing, pool.map(scan_job, missing)):
        scan = None if isinstance(scan, WorkerCrashed) else scan  # libcst will have its say
        fresh[job.path] = scan
        if scan is not None:
            classes[job.path] = _facts(scan)
            aliases[job.path] = module_aliases(scan.imports)
            if cache:
                cache.put_classes(_content_key(job.data, job), classes[job.path], aliases[job.path])
    return classes, aliases, fresh


def _facts(scan: FileScan) -> list[ClassFacts]:
    """What the cache and the index keep of a file's classes."""
    return [(c.qualified, c.bases, c.overrides, c.owns_state, c.attributes, c.variables) for c in scan.classes]


def _build_index(classes: dict[str, list[ClassFacts]], aliases: dict[str, dict[str, str]]) -> ClassIndex:
    index = ClassIndex()
    for records in classes.values():
        for qualified, bases, overrides, owns_state, attributes, variables in records:
            index.add(qualified, bases, frozenset(overrides), owns_state, frozenset(attributes), variables)
    for names in aliases.values():
        index.add_aliases(names)
    return index


def _package_context(jobs: list[Job]) -> list[Job]:
    """The other modules around the files: their classes can be the bases of classes in the
    files, so they are indexed, though not checked. For a module of a package, the whole
    package (`check pkg/deep.py` must know `pkg/base.py`); for a module in a folder that is no
    package, the modules beside it (a script's `from base import Block`; pre-commit passes
    files one by one)."""
    given = {os.path.abspath(j.real_path) for j in jobs if j.real_path != "-"}
    roots: set[Path] = set()
    folders: set[Path] = set()
    packages: dict = {}  # each folder's packages, looked up once (see package_folder)
    for job in jobs:
        if job.real_path == "-" or not job.module_name:
            continue
        real = os.path.realpath(job.real_path) if os.path.islink(job.real_path) else job.real_path
        folder, names = package_folder(os.path.dirname(real), packages)
        if "." not in job.module_name and not job.is_package:
            folders.add(folder)
            continue
        for _ in names[1:]:  # up to the outermost package
            folder = folder.parent
        roots.add(folder)
    paths = [p for root in sorted(roots) for p in discover([root]) if not notebook.is_notebook(p)]
    paths += [p for folder in sorted(folders) for p in sorted(folder.glob("*.py")) if p.is_file() and _utf8(p.name)]
    context: list[Job] = []
    for path in paths:
        if os.path.abspath(path) in given:
            continue
        given.add(os.path.abspath(path))
        try:
            data = read_bytes(path)
        except (OSError, SourceError):
            continue
        module_name, is_package = module_name_for(path, packages)
        context.append(Job(f"<context>{path}", str(path), data, module_name, is_package))
    return context


def _utf8(name: str) -> bool:
    """A file name no module can have (not UTF-8: the walk reports it) is no context either."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _may_hold_finding(job: Job, classes: list[ClassFacts] | None, index: ClassIndex) -> bool:
    """Every rule looks inside Keras classes: a file that defines none cannot hold a finding,
    but for KF001's on an ignore comment. (A file that ast cannot read is passed on, so that
    libcst reports why.)"""
    if job.path == "-":
        return True  # `apply -` echoes what it read, changed or not
    if classes is None:  # not scanned (plain classes only), or ast could not read it
        return may_define_layers(job.data, job.is_package) or _may_hold_ignores(job.data)
    return any(index.bases_are_layers(facts[1]) for facts in classes) or _may_hold_ignores(job.data)


def _may_hold_ignores(data: bytes) -> bool:
    """KF001 reads every `# kerasfix: ignore` comment of a file, Keras classes or not (as
    `unused_ignore.may_hold_ignores`, on bytes: 13 ms over tensor2tensor's 5 MB, measured)."""
    return b"kerasfix" in data.lower()
