"""Many files: discover, read, index the tree's classes, prefilter, process in parallel,
cache, write. The pipeline only: its inputs are `sources.py`'s, its worker processes
`pool.py`'s, and its writes `writer.py`'s.

libcst is imported only by the worker that needs it, so a run answered from the cache
never pays for it.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import signal
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from . import __version__, notebook, phases
from .cache import Cache
from .config import Settings
from .files import SourceError, decode_source, excluded, python_newlines
from .classgraph import classes_that_matter
from .gate import hands_keras_on, may_define_layers, may_define_makers, prefilter_on
from .records import FunctionRecord
from .functions import read_imports
from .aliases import module_aliases
from .index import ClassIndex, ClassRecord, FileScan, module_function_records, scan_file
from .pool import Pool, WorkerCrashed
from .prefilter import pieces_worth_parsing
from .pyerrors import is_pythons, newer_than_this_python, syntax_error, too_deep_for_libcst
from .results import (Diagnostic, FileError, FileResult, Mode, Offer, Reviewer, RunResult, apply_edits,
                      edits_between)
from .context import package_context
from .context import walk as walk_inputs
from .sources import STDIN, Source, read_sources, unchanged_stdin
from .runmemo import RunMemo, inputs_now, open_memo
from .target import BOTH, dependencies_of_run, of_run
from .classwalk import class_signals
from .triggers import FUNCTIONAL_WORDS, may_hold_functional
from .writer import answer_stdin, not_written, write


@dataclass(frozen=True)
class RunOptions:
    """What a command asks of a run, built once from its options (the command line's, or an
    editor's). `review`: `apply --interactive`'s questions, the files then fixed one at a
    time in this process, in the order found, each written before the next is asked about.
    `fix_edits`: findings carry their fix's edits (a check for JSON or SARIF). `progress`:
    given the number of files to process, a function to call after each (or None)."""

    mode: Mode
    settings: Settings
    review: Reviewer | None = None
    fix_edits: bool = False
    progress: Callable[[int], Callable[[], None] | None] | None = None
    stdin: Callable[[], bytes] | None = None  # what `-` reads (default: standard input)


@dataclass(frozen=True)
class Work:
    """What a worker needs to process one file (pickled to it, or inherited)."""

    mode: Mode
    index: ClassIndex
    settings: Settings
    fix_edits: bool = False
    review: Reviewer | None = None


@dataclass(frozen=True)
class _SourceReview:
    """The reviewer of one source's fixes: each offer named and placed as the source shows it."""

    source: Source
    reviewer: Reviewer

    def decide(self, offer: Offer) -> bool:
        return self.reviewer.decide(self.source.place_offer(offer))


# --- worker side ------------------------------------------------------------------------------


def scan_job(job: Source, signals_for: frozenset[str] = frozenset()) -> FileScan | None:
    try:
        return scan_file(job.data, job.module_name, job.is_package, signals_for, class_signals, FUNCTIONAL_WORDS)
    except Exception:  # a scan that fails leaves the file to libcst, which says why
        return None


def functions_job(job: Source) -> list[FunctionRecord] | None:
    """A module of helpers only (see gate.may_define_makers): its functions' facts alone."""
    try:
        return module_function_records(read_imports(ast.parse(job.data), job.module_name, job.is_package, job.data))
    except Exception:  # noqa: BLE001 - unreadable: no functions known (libcst never reads it)
        return None


def scan_or_functions_job(item: tuple[Source, bool, frozenset[str]]) -> FileScan | list[FunctionRecord] | None:
    """`functions_job` for a module of helpers (True), else `scan_job` (with the names of the
    classes whose trigger signals to take): one map for both, so that one set of workers
    scans the tree, the biggest files first."""
    job, helpers_only, signals_for = item
    return functions_job(job) if helpers_only else scan_job(job, signals_for)


def process_job(item: tuple[Source, FileScan | None], work: Work) -> FileResult:
    """Check or fix one file. Never raises: a failure becomes the file's error. Writes
    nothing: the coordinator writes, so that no worker outlives it with a file half done.
    A notebook's fix is offered only as it can be written: every dry run (`check`'s marks,
    `--diff`, a report, JSON, `-i`) says what `apply` then does."""
    phases.take()  # what this process timed before is no phase of this file
    result = _process_and_place(item, work)
    result.phases = phases.take()
    return result


def _process_and_place(item: tuple[Source, FileScan | None], work: Work) -> FileResult:
    """`process_job` without its phases: a notebook's fix only as it can be written."""
    book = item[0].notebook
    problem = notebook.layout_problem(book) if book is not None else None
    if problem:
        checked = _process_job(item, replace(work, mode=Mode.CHECK, review=None, fix_edits=False))
        return _not_writable(checked, problem, work.mode)
    result = _process_job(item, work)
    if book is not None and result.new_source is not None:
        try:
            result.notebook_text = notebook.write_back(book, result.new_source)
        except notebook.NotebookError as error:  # the message is the whole reason
            not_written(result, str(error))
    return result


def _not_writable(result: FileResult, problem: str, mode: Mode) -> FileResult:
    """A notebook kerasfix cannot write back: its findings, none fixable; an error when fixing.
    Not cached: the verdict is its layout's, and the cache keys a notebook by its code."""
    result.findings = [replace(row, fixable=False) for row in result.findings]
    result.remaining, result.checked = list(result.findings), False
    if mode is not Mode.CHECK and result.error is None:
        result.fail(problem, "write")
    return result


def _process_job(item: tuple[Source, FileScan | None], work: Work) -> FileResult:
    job, scan = item
    _fault_hook()("parse", job.path)
    result = FileResult(job.path)
    try:
        source = decode_source(job.data)
    except SourceError as error:
        return result.fail(str(error), "read")
    result.encoding = source.encoding
    if scan is None:  # only this run's own scan of the bytes shapes a rewrite, never the cache
        scan = scan_job(job)
    too_deep = too_deep_for_libcst(job.data) if scan is None else None
    if too_deep:
        result.error = too_deep
        return result
    import libcst as cst  # imported here: a run answered from the cache never needs it

    from .engine import InvalidRewrite, ModuleFacts, RuleSelection, process_source

    selection = RuleSelection(work.settings.select, work.settings.ignore_for(job.real_path),
                              work.settings.unsafe_fixes, work.settings.target.lines if work.settings.target else BOTH)
    text, restore_newlines = python_newlines(source.text)
    try:
        with phases.timed("prefilter"):
            pieces = None if scan is None else pieces_worth_parsing(text, scan, work.index, selection.wants,
                                                                    selection.target)
        segments = None if pieces is None else sorted(pieces)
        if segments == [] and not job.stdin and not _may_hold_ignores(job.data):
            result.checked = True
            return result  # no Keras class here holds anything a rule looks at: nothing to parse
        facts = ModuleFacts(job.module_name, job.is_package, work.index, scan.imports if scan else None, segments,
                            pieces)
        outcome = process_source(
            text, selection=selection, fix=work.mode is not Mode.CHECK, module=facts, encoding=source.encoding,
            review=None if work.review is None else _SourceReview(job, work.review),
            fix_edits=work.fix_edits and work.mode is Mode.CHECK)
    except cst.ParserSyntaxError as error:
        result.error = syntax_error(source.text, error, fixing=work.mode is not Mode.CHECK)
        return result
    except InvalidRewrite as error:
        result.error = newer_than_this_python(source.text) or FileError(
            f"kerasfix could not fix this file: {error} (please report this); file left unchanged", "fix")
        _still_found(result, text, selection, replace(facts, segments=segments))
        return result
    except Exception as error:  # a kerasfix bug must not stop the run
        return result.fail(*_internal_error(error))
    result.parsed, result.checked = segments != [], True  # []: only its ignore comments were read
    if job.stdin:
        result.original = source.text  # `apply -` echoes it when nothing changes
    result.findings = list(outcome.findings) if text == source.text else _edits_restored(
        outcome.findings, text, source.text, restore_newlines)
    result.fixed = dict(outcome.fixed)
    result.remaining = list(outcome.remaining) if work.mode is not Mode.CHECK else list(result.findings)
    if outcome.new_source is not None:
        result.original = source.text
        result.new_source = restore_newlines(outcome.new_source)
    return result


def _internal_error(error: Exception) -> tuple[str, str]:
    if isinstance(error, RecursionError):
        return "too deeply nested to parse; file left unchanged", "syntax"
    where = traceback.extract_tb(error.__traceback__)[-1]
    return (f"internal error {type(error).__name__}: {error} "
            f"({Path(where.filename).name}:{where.lineno}); file left unchanged"), "internal"


def _edits_restored(findings: list[Diagnostic], text: str, original: str,
                    restore: Callable[[str], str]) -> list[Diagnostic]:
    """A CR-only or mixed file's edits, made in its text with \\n line ends: the change each
    makes to the file itself, with its line ends put back as `apply` puts them."""
    return [f if not f.edits else replace(f, edits=edits_between(original, restore(apply_edits(text, f.edits))))
            for f in findings]


def _still_found(result: FileResult, text: str, selection, facts) -> None:
    """A file kerasfix could not fix keeps its findings, all of them left for a person: the
    counts and the report must not lose them with the fix."""
    from .engine import process_source

    try:
        outcome = process_source(text, selection=selection, fix=False, module=facts)
    except Exception:  # noqa: BLE001 - the file's error already says what went wrong
        return
    result.findings = list(outcome.findings)
    result.remaining = list(result.findings)



# --- coordinator side -------------------------------------------------------------------------


@dataclass
class _Tree:
    """What the run knows of the whole tree before it processes a file: each file's classes
    and aliases, the scans this run made, the class index, and the cache keys' parts."""

    classes: dict[str, list[ClassRecord]]
    aliases: dict[str, dict[str, str]]
    fresh: dict[str, FileScan | None]
    functions: dict[str, list[FunctionRecord]] = field(default_factory=dict)  # see index.module_function_records
    index: ClassIndex = field(default_factory=ClassIndex)
    layer_digest: str = ""


def run(paths: Iterable[Path], options: RunOptions) -> RunResult:
    started = time.perf_counter()
    settings, mode = options.settings, options.mode
    result = RunResult(mode=mode, settings=settings)
    fault = _fault_hook()
    paths = list(paths)
    memo = _memo(paths, options)
    walk = walk_inputs(paths, settings, result)
    dependencies = dependencies_of_run(settings.target_keras, settings.project_root, paths) if memo else ""
    inputs = inputs_now(paths, walk, settings, memo=memo) if memo else None
    if memo and inputs and memo.answer(inputs, result):
        result.seconds = time.perf_counter() - started
        return result  # answered from the files' stats: none read (runmemo.py)
    with Pool(1 if options.review else settings.jobs) as pool:
        jobs = _read(walk.found, options, result)
        cache = Cache.open(settings, [j.real_path for j in jobs]) if settings.cache else None
        context = package_context(jobs, walk)
        settings.target = of_run(settings.target_keras, settings.project_root, paths,
                                 ((job.path, job.data) for job in jobs + context))
        with phases.timed("scan", result.phases):
            classes, aliases, fresh, functions = _scan_all(jobs + context, cache, pool, not settings.keras_bases)
            tree = _Tree(classes, aliases, fresh, functions)
        tree.index = _build_index(tree.classes, tree.aliases, tree.functions)
        tree.index.declare_keras_bases(settings.keras_bases)
        tree.layer_digest = _index_digest(tree.index)
        todo = _from_cache(jobs, tree, cache, options, result)
        rewritten = _process(todo, tree, cache, pool, options, result)
    fault("before-cache")
    if cache:
        if rewritten:
            _cache_rewritten(cache, rewritten, tree, settings)
        cache.save()
    _finish(jobs, result)
    if memo and not todo:  # what the dependency files said before the run read them, and after
        now = inputs_now(paths, walk, settings, jobs=jobs, context=context)
        memo.save(now if now and now["dependencies"] == dependencies else None, result)
    result.seconds = time.perf_counter() - started
    return result


def _read(found: list[Path], options: RunOptions, result: RunResult) -> list[Source]:
    """Every input read; what cannot be read is its file's error."""
    settings = options.settings
    found = list(found)
    result.reads_stdin = STDIN in found
    if result.reads_stdin and settings.stdin_filename and excluded(settings.stdin_filename, settings.exclude,
                                                                   settings.project_root):
        found.remove(STDIN)  # skipped as that file named would be; `apply -` answers it unchanged (R19)
        if options.mode is Mode.FIX:
            result.files.append(unchanged_stdin(options.stdin, settings.stdin_filename))
    jobs = read_sources(found, result.files, options.stdin, settings.stdin_filename)
    result.scanned = len(jobs)
    return jobs


def _memo(paths: list[Path], options: RunOptions) -> RunMemo | None:
    """The last answer to this command line, by its files' stats: a plain check only."""
    plain = not options.fix_edits and options.review is None
    return open_memo(paths, options.settings) if plain and options.mode is Mode.CHECK else None


def _from_cache(jobs: list[Source], tree: _Tree, cache: Cache | None, options: RunOptions,
                result: RunResult) -> list[tuple[Source, FileScan | None]]:
    """Each file answered without processing it (it holds no Keras class, or the cache
    knows its findings); the rest, to process, with this run's scan of them."""
    # A fix's edits are code a JSON or SARIF reader may apply: they are never read from the
    # cache (a poisoned entry would offer any code as a fix), so such a run answers from the
    # cache only the files whose findings have no fix.
    edits = options.fix_edits and options.mode is Mode.CHECK
    todo: list[tuple[Source, FileScan | None]] = []
    for job in jobs:
        keras = _defines_keras(job, tree.classes.get(job.path), tree.index)
        result.keras_files += keras
        # `apply -` echoes what it read, changed or not
        if not (keras or job.stdin or _may_hold_ignores(job.data) or may_hold_functional(job.data)):
            result.files.append(FileResult(job.path, unresolved=_unresolved(tree.classes.get(job.path), tree.index)))
            continue
        refused = cache.get_error(_content_key(job.data, job)) if cache and not job.stdin else None
        if refused is not None:  # what processing answers, without starting a parser (a warm run)
            result.cached += 1
            result.files.append(FileResult(job.path, error=refused))
            continue
        key = _result_key(job.data, job, options.settings, tree.layer_digest)
        cached = cache.get_findings(key) if cache and not job.stdin else None
        if edits and cached is not None and any(r.fix_safety for r in cached):
            cached = None
        if cached is not None and (options.mode is Mode.CHECK or not any(r.fixable for r in cached)):
            result.cached += 1
            result.files.append(FileResult(job.path, findings=cached, remaining=list(cached)))
            continue
        todo.append((job, tree.fresh.get(job.path)))  # a scan from the cache: the worker scans again
    return todo


def _process(todo: list[tuple[Source, FileScan | None]], tree: _Tree, cache: Cache | None, pool: Pool,
             options: RunOptions, result: RunResult) -> list[tuple[Source, bytes, list[Diagnostic]]]:
    """Process the files left (in workers, apart from this process unless asking a person),
    write the fixed ones, cache the findings; returns the files rewritten: bytes written,
    findings left."""
    fault = _fault_hook()
    tick = options.progress(len(todo)) if options.progress and todo else None
    work = functools.partial(process_job, work=Work(options.mode, tree.index, options.settings,
                                                    options.fix_edits, options.review))
    if todo:
        pool.preload(_import_parser)
    if options.review is None:
        todo.sort(key=lambda item: -len(item[0].data))  # biggest first, one at a time: balanced
    chunk = max(1, len(todo) // (pool.workers * 16))  # few files: one at a time; many: batches
    rewritten = []
    for (job, _), file_result in zip(todo, pool.map(work, todo, tick, chunk=chunk, apart=options.review is None)):
        if isinstance(file_result, WorkerCrashed):
            file_result = FileResult(job.path).fail("kerasfix crashed on this file (its parser died; please report "
                                                    "this); file left unchanged", "crash")
        written = None
        if options.mode is Mode.FIX and file_result.changed and not job.stdin:
            fault("before-write")
            with phases.timed("write", result.phases):
                written = write(job, file_result)
            fault("after-write")
        result.files.append(file_result)
        phases.add(result.phases, file_result.phases)
        if file_result.parsed:
            result.parsed += 1
        if cache and is_pythons(file_result.error) and not job.stdin:
            cache.put_error(_content_key(job.data, job), file_result.error)
        if cache and file_result.checked and not file_result.error and not job.stdin:
            if not file_result.changed:
                cache.put_findings(_result_key(job.data, job, options.settings, tree.layer_digest),
                                   file_result.findings)
            elif written is not None:
                rewritten.append((job, written, file_result.remaining))
    return rewritten


def _import_parser() -> None:
    """What processing a file imports (never needed when every file is answered from the cache)."""
    import libcst  # noqa: F401

    from . import engine, rules  # noqa: F401


def _finish(jobs: list[Source], result: RunResult) -> None:
    """The results in the order the files were found, each placed and named as its source
    shows it, and standard input's answer made (`apply -`)."""
    order = {j.path: i for i, j in enumerate(jobs)}
    result.files.sort(key=lambda f: (order.get(f.path, -1), f.path))
    by_path = {j.path: j for j in jobs}
    for f in result.files:
        source = by_path.get(f.path)
        if source is None:
            continue
        source.place(f)
        if source.stdin and result.mode is Mode.FIX:
            answer_stdin(source, f)


def _selection_key(settings: Settings, real_path: str) -> str:
    """What decides a file's findings besides its bytes and the tree: the rules run on it,
    with the codes `per-file-ignores` drop for its path (two files alike in two folders
    differ there: R07), each set sorted (a set's repr follows the hash seed: R08)."""
    return "|".join([
        __version__,
        ",".join(sorted(settings.select)) if settings.select is not None else "*",
        ",".join(sorted(settings.ignore_for(real_path))),
        str(settings.unsafe_fixes),
        settings.target.name if settings.target else "both",
    ])


def _index_digest(index: ClassIndex) -> str:
    """Changes whenever a class of the tree becomes, or stops being, a Keras layer, or gains
    or loses an `add_weight` override (a subclass's calls of it are then left alone)."""
    overrides = sorted(f"{q}:{','.join(sorted(r.overrides))}" for q, r in index.records.items() if r.overrides)
    text = "\n".join([index.layer_digest(), *overrides])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _content_key(data: bytes, job: Source) -> str:
    digest = hashlib.blake2b(data, digest_size=16)
    digest.update(job.module_name.encode())
    digest.update(b"\0pkg" if job.is_package else b"\0mod")
    if job.notebook is not None:  # a notebook's code is no .py file's, even byte for byte
        digest.update(b"\0ipynb")
    return digest.hexdigest()


def _result_key(data: bytes, job: Source, settings: Settings, layer_digest: str) -> str:
    return hashlib.blake2b(
        f"{_content_key(data, job)}|{_selection_key(settings, job.real_path)}|{layer_digest}".encode(),
        digest_size=16,
    ).hexdigest()


def _scan_all(jobs: list[Source], cache: Cache | None, pool: Pool, follow: bool = True) -> tuple[
        dict[str, list[ClassRecord]], dict[str, dict[str, str]], dict[str, FileScan | None],
        dict[str, list[FunctionRecord]]]:
    """Every file's classes (name, bases, overrides, whether it owns state, the attributes it
    uses) and module-level names that may lead to Keras: from the cache, else by the ast
    scan, in parallel; the scans made by this run (None: ast could not read the file); and the
    functions that make layers or variables (a module of helpers only: its functions alone)."""
    classes: dict[str, list[ClassRecord]] = {}
    aliases: dict[str, dict[str, str]] = {}
    functions: dict[str, list[FunctionRecord]] = {}
    missing: list[Source] = []
    helpers: set[str] = set()
    # the files whose classes may be layers or bases of one, through the tree's class statements
    # (a `--keras-base` may name a class of the tree: then each file's own look alone)
    matter = classes_that_matter((j.path, j.data, j.module_name, j.is_package) for j in jobs) if (
        follow and prefilter_on()) else None
    for job in jobs:
        if not may_define_layers(job.data, job.is_package) or (
                matter is not None and job.path not in matter.files and not hands_keras_on(job.data, job.is_package)):
            classes[job.path] = []  # no class that can be a layer: _defines_keras need not look again
            if not may_define_makers(job.data) or (matter is not None and job.module_name not in matter.imported):
                continue
            helpers.add(job.path)
        cached = cache.get_classes(_content_key(job.data, job)) if cache else None
        made = cache.get_functions(_content_key(job.data, job)) if cached is not None and cache else None
        if cached is not None and made is not None:
            if job.path not in helpers:
                classes[job.path], aliases[job.path] = cached
            functions[job.path] = made
        else:
            missing.append(job)
    fresh: dict[str, FileScan | None] = {}
    # biggest first, one map for the modules of helpers and the rest: balanced over the workers
    # (two maps waited twice for their slowest batch); libcst imported meanwhile (see _meanwhile)
    maybe = matter.maybe if matter is not None else {}
    items = sorted(((job, job.path in helpers, maybe.get(job.module_name, frozenset())) for job in missing),
                   key=lambda item: -len(item[0].data))
    chunk = max(1, min(16, len(items) // (pool.workers * 8)))
    scanned = dict(zip((job.path for job, *_ in items),
                    pool.map(scan_or_functions_job, items, chunk=chunk, meanwhile=_meanwhile(missing))))
    # taken in the files' order, helpers first, as before: the index merges two classes of one
    # name (two trees of one package) in the order it meets them
    for job in (job for job in missing if job.path in helpers):  # its functions only: its plain classes are no layers
        if isinstance(scanned[job.path], list):
            functions[job.path] = scanned[job.path]
            if cache:
                cache.put_classes(_content_key(job.data, job), [], {}, functions[job.path])
    for job in (job for job in missing if job.path not in helpers):
        scan = scanned[job.path] if isinstance(scanned[job.path], FileScan) else None  # or its worker crashed
        fresh[job.path] = scan
        if scan is not None:
            classes[job.path] = scan.classes
            aliases[job.path] = module_aliases(scan.imports)
            functions[job.path] = scan.functions
            if cache:
                cache.put_classes(_content_key(job.data, job), classes[job.path], aliases[job.path], scan.functions)
    return classes, aliases, fresh, functions


def _meanwhile(missing: list[Source]) -> Callable[[], None] | None:
    """What this process does while the workers scan: import what processing a file imports,
    when workers are forked from it (then forked with it) and a file scanned may be Keras's
    (0.15 s a cold run otherwise spent before the workers that process files start)."""
    if any(b"keras" in job.data or b"tensorflow" in job.data for job in missing):
        return _import_parser
    return None


def _build_index(classes: dict[str, list[ClassRecord]], aliases: dict[str, dict[str, str]],
                 functions: dict[str, list[FunctionRecord]] | None = None) -> ClassIndex:
    index = ClassIndex()
    for made in (functions or {}).values():
        index.functions.update((record.qualified, record) for record in made)
    for records in classes.values():
        for record in records:
            index.add(record)
    for names in aliases.values():
        index.add_aliases(names)
    return index


def _cache_rewritten(cache: Cache, rewritten: list[tuple[Source, bytes, list[Diagnostic]]],
                     tree: _Tree, settings: Settings) -> None:
    """The fixed files' findings, keyed as the next run looks them up: by the bytes written
    and by the tree as it is now. A fix can change what the index knows (an import it adds, a
    Keras base it swaps in), and the next run's layer digest with it: keyed by this run's, 7
    of the 82 fixed fixtures missed the cache on the `check` after `apply` (measured)."""
    classes, aliases, functions = tree.classes, tree.aliases, tree.functions
    for job, data, _ in rewritten:
        scan = scan_job(replace(job, data=data))
        if scan is None:
            continue
        classes[job.path] = scan.classes
        aliases[job.path] = module_aliases(scan.imports)
        functions[job.path] = scan.functions
        cache.put_classes(_content_key(data, job), classes[job.path], aliases[job.path], scan.functions)
    index = _build_index(classes, aliases, functions)
    index.declare_keras_bases(settings.keras_bases)
    digest = _index_digest(index)
    for job, data, remaining in rewritten:
        cache.put_findings(_result_key(data, job, settings, digest), remaining)


def _fault_hook() -> Callable[..., None]:
    """A test-only hook (tests/test_faults.py): KERASFIX_TEST_FAULT=after-write:2 kills this
    process with SIGKILL when it reaches that point the 2nd time (`:TERM` at the end sends
    SIGTERM instead, `:INT` SIGINT, `:SEGV` SIGSEGV, as a native crash). Points: before-write, after-write,
    before-cache; and parse:NAME, the process about to parse a file whose name ends in NAME."""
    spec = os.environ.get("KERASFIX_TEST_FAULT")
    if not spec:
        return lambda point, name="": None
    target, _, rest = spec.partition(":")
    count, _, how = rest.partition(":")
    seen: Counter = Counter()
    how_ = {"TERM": signal.SIGTERM, "INT": signal.SIGINT, "SEGV": signal.SIGSEGV}.get(how, signal.SIGKILL)

    def hit(point: str, name: str = "") -> None:
        seen[point] += 1
        if point != target:
            return
        if (name.endswith(count) if point == "parse" else seen[point] == int(count or 1)):
            os.kill(os.getpid(), how_)

    return hit


def _defines_keras(job: Source, classes: list[ClassRecord] | None, index: ClassIndex) -> bool:
    """Every rule looks inside Keras classes: a file that defines none cannot hold a finding,
    but for KF001's on an ignore comment. (A file that ast cannot read is passed on, so that
    libcst reports why.)"""
    if classes is None:  # not scanned (plain classes only), or ast could not read it
        return may_define_layers(job.data, job.is_package)
    return any(index.bases_are_layers(record.bases) for record in classes)


def _unresolved(classes: list[ClassRecord] | None, index: ClassIndex) -> tuple[str, ...]:
    """The bases of a skipped file's classes that may name a layer kerasfix could not see."""
    return tuple(dict.fromkeys(base for record in classes or () for base in index.unresolved(record.bases)))


def _may_hold_ignores(data: bytes) -> bool:
    """KF001 reads every `# kerasfix: ignore` comment of a file, Keras classes or not (as
    `unused_ignore.may_hold_ignores`, on bytes: 13 ms over tensor2tensor's 5 MB, measured)."""
    return b"kerasfix" in data.lower()
