"""The Python API: check or fix one source text, as `kerasfix check` and `apply` do a file.

For editors and other codemods. `check_source` and `fix_source` read and write nothing: the
settings are the arguments (`pyproject.toml` is not read), and only the text's own classes
are known, so a layer whose Keras base class lives in another file is not seen. A `Project`
(the language server's) has the context the command line has: each file's settings from its
`pyproject.toml`, and the classes of every file of the project, indexed once and updated file
by file. libcst is imported on the first call, not by `import kerasfix`: a command-line run
answered from the cache never needs it.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Literal, Optional, Union

if TYPE_CHECKING:
    from .config import Settings
    from .engine import FileOutcome
    from .index import ClassIndex
    from .results import Diagnostic, Edit

PathArg = Union[str, "os.PathLike[str]", None]
Codes = Union[str, Iterable[str], None]


@dataclass(frozen=True)
class Finding:
    """One finding, as `kerasfix check` prints it."""

    code: str  # "KF101"
    name: str  # "get-variable-in-layer"
    line: int  # 1-based
    column: int  # 1-based
    message: str
    fixable: bool  # `fix_source` with the same settings applies its fix
    fix_safety: Optional[Literal["safe", "unsafe"]]  # None: no fix is offered at all
    # where the reported code ends (0: unknown), the end column excluded, as SARIF's endColumn
    end_line: int = field(default=0, compare=False)
    end_column: int = field(default=0, compare=False)
    cell: int = field(default=0, compare=False)  # a notebook's cell, from 1 among all cells; 0: no notebook
    # (`Project.check`) the text change this finding's fix alone makes, as `check --format json`
    # gives it (in a notebook, each edit has its cell); None: not computed, or not known alone
    edits: Optional[tuple["Edit", ...]] = field(default=None, compare=False)


class RewriteError(RuntimeError):
    """A fix produced code that does not parse: a kerasfix bug (please report it)."""


class ParseError(ValueError):
    """The source is not Python 3 that kerasfix can parse; nothing was checked."""

    def __init__(self, reason: str, *, path: Optional[str] = None, line: Optional[int] = None, cell: int = 0):
        self.reason = reason
        self.path = path
        self.line = line
        self.cell = cell  # a notebook's cell holding `line`; 0: no notebook, or no place known
        super().__init__(f"{path or '<source>'}: {reason}")


def check_source(text: str, path: PathArg = None, *, select: Codes = None, ignore: Codes = None,
                 unsafe_fixes: bool = False) -> list[Finding]:
    """The findings in `text`, in order of position. `path` gives the module its name (for
    relative imports) and names it in a `ParseError`; `select` and `ignore` take rule codes
    or prefixes, as `--select` and `--ignore` do. Raises `ParseError` and, for an unknown
    code, `ValueError`."""
    outcome = _process(text, path, select, ignore, unsafe_fixes, fix=False)
    return _findings(outcome.findings)


def fix_source(text: str, path: PathArg = None, *, unsafe_fixes: bool = False, select: Codes = None,
               ignore: Codes = None) -> tuple[str, list[Finding]]:
    """`text` with every fix applied that `kerasfix apply` would apply (safe ones, and unsafe
    ones too with `unsafe_fixes`), and the findings left for a person, positioned in the new
    text. A text with nothing to fix is returned as it is. Raises as `check_source` does, and
    `RewriteError` when a fix would produce code that does not parse (a kerasfix bug; a text
    is never returned half-fixed)."""
    outcome = _process(text, path, select, ignore, unsafe_fixes, fix=True)
    new_text = text if outcome.new_source is None else outcome.new_source
    return new_text, _findings(outcome.remaining)


def _process(text: str, path: PathArg, select: Codes, ignore: Codes, unsafe_fixes: bool,
             *, fix: bool) -> FileOutcome:
    import libcst as cst

    from .engine import InvalidRewrite, ModuleFacts, RuleSelection, process_source
    from .index import module_name_for

    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    shown = os.fspath(path) if path is not None else None
    module_name, is_package = module_name_for(Path(shown)) if shown else ("", False)
    selection = RuleSelection(_codes(select), _codes(ignore) or set(), unsafe_fixes)
    try:
        facts = ModuleFacts(module_name, is_package, _own_index(text, module_name, is_package))
        return process_source(text, selection=selection, fix=fix, module=facts)
    except cst.ParserSyntaxError as error:
        raise _parse_error(text, shown, error) from error
    except RecursionError as error:
        raise ParseError("too deeply nested to parse", path=shown) from error
    except InvalidRewrite as error:
        raise RewriteError(f"{shown or '<source>'}: {error}") from error


def _own_index(text: str, module_name: str, is_package: bool):
    """The text's own classes, as the command line's scan learns them (which of them own no
    weight, which names they use); None when `ast` cannot read it (libcst then says why)."""
    from .index import ClassIndex, scan_file

    scan = scan_file(text, module_name, is_package)  # type: ignore[arg-type]  # ast reads str too
    if scan is None:
        return None
    index = ClassIndex()
    for record in scan.classes:
        index.add(record.qualified, record.bases, frozenset(record.overrides), record.owns_state,
                  frozenset(record.attributes), record.variables)
    return index


def _codes(codes: Codes) -> Optional[set[str]]:
    """Codes or prefixes, checked against the rules: None when none are given."""
    from .rules import RULES

    if codes is None:
        return None
    parts = codes.split(",") if isinstance(codes, str) else list(codes)
    found = {part.strip().upper() for part in parts if part.strip()}
    for code in sorted(found):
        if not any(rule.startswith(code) for rule in RULES):
            raise ValueError(f"unknown rule code or prefix {code!r} (see `kerasfix rules`)")
    return found or None


def _parse_error(text: str, path: Optional[str], error: Exception) -> ParseError:
    """Python's own words for a syntax error are clearer than the parser's token lists."""
    try:
        ast.parse(text)
    except SyntaxError as python_error:
        return ParseError(f"not valid Python 3: {python_error.msg} (line {python_error.lineno})",
                          path=path, line=python_error.lineno)
    except (ValueError, RecursionError, MemoryError) as other:
        return ParseError(f"not valid Python 3: {other}", path=path)
    line = getattr(error, "raw_line", None)
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return ParseError(f"cannot be parsed by libcst: {first[:200]}", path=path, line=line)


def _safety(value: Optional[str]) -> Optional[Literal["safe", "unsafe"]]:
    return "safe" if value == "safe" else "unsafe" if value == "unsafe" else None


def _findings(diagnostics: list[Diagnostic]) -> list[Finding]:
    from .rules import RULES

    return [
        Finding(r.code, RULES[r.code].name if r.code in RULES else "", r.line, r.column, r.message,
                r.fixable, _safety(r.fix_safety), r.end_line, r.end_column, r.cell, r.edits)
        for r in diagnostics
    ]


# --- a project, as an editor sees it -----------------------------------------------------------


@dataclass(frozen=True)
class FileCheck:
    """What `Project.check` answers for one text."""

    findings: list[Finding]  # check: each with its fix's edits; fix: the findings left for a person
    error: Optional[ParseError] = None  # why the text could not be checked (or fixed), and where
    new_text: Optional[str] = None  # fix: the fixed text (a notebook's JSON); None: nothing changed


ClassFactsEntry = tuple[list, dict]  # a file's class facts and module-level aliases (runner's)


class Project:
    """The files under `root`, with the context the command line gives a file: its settings, as
    `kerasfix check FILE` reads them (the `pyproject.toml` found above it, or `config`), with
    `select` and `unsafe_fixes` on top as `--select` and `--unsafe-fixes` are; and the classes
    of every Python file under `root` (as `kerasfix check root` walks it), indexed by `index_all`
    and kept current by `update`, so that a layer whose Keras base is defined in another file is
    seen. Not thread-safe: the language server calls it from one worker thread."""

    def __init__(self, root: PathArg, *, config: PathArg = None, select: Codes = None,
                 unsafe_fixes: Optional[bool] = None):
        self.root = Path(os.path.abspath(os.fspath(root or ".")))
        self.config = Path(os.fspath(config)) if config is not None else None
        self.select = sorted(_codes(select) or ()) or None
        self.unsafe_fixes = unsafe_fixes
        self._facts: dict[str, ClassFactsEntry] = {}  # by absolute path
        self._index: Optional[ClassIndex] = None
        self._index_bases: tuple[str, ...] = ()

    def settings_for(self, path: PathArg) -> Settings:
        """The settings `kerasfix check PATH` would use. Raises `ValueError` for a mistake in
        the settings file, with the command line's message."""
        from .config import ConfigError, load_settings

        try:
            return load_settings(Path(os.fspath(path or self.root)), select=self.select,
                                 unsafe_fixes=self.unsafe_fixes, config=self.config, cache=False)
        except ConfigError as error:
            raise ValueError(str(error)) from None

    def index_all(self) -> int:
        """Index every Python file under the root (notebooks are checked, never indexed, as by
        the command line); returns how many files were read."""
        from .files import SourceError, discover, read_bytes
        from .index import module_name_for
        from .notebook import is_notebook

        from .cache import Cache
        from .runner import Job, _content_key

        settings = self.settings_for(self.root)
        paths = [path for path in discover([self.root], settings.exclude, settings.project_root)
                 if not is_notebook(path)]
        # the command line's class facts of the same bytes, when it has run here: read, never
        # saved (a save keeps only the entries its run used: the CLI's findings would go)
        cache = Cache.open(settings, [str(path) for path in paths])
        count = 0
        for path in paths:
            try:
                data = read_bytes(path)
            except (OSError, SourceError):
                continue
            count += 1
            real = os.path.abspath(path)
            module_name, is_package = module_name_for(Path(real))
            cached = cache.get_classes(_content_key(data, Job(real, real, data, module_name, is_package)))
            if cached is None:
                self._scan(real, data)
            else:
                self._facts[real] = cached
        self._index = None
        return count

    def update(self, path: PathArg, text: Optional[str]) -> bool:
        """A file's new text (an editor's buffer; None: the file is gone). Returns whether what
        the index knows changed (the findings of other files may then change too)."""
        real = os.path.abspath(os.fspath(path or ""))
        before = self._facts.get(real)
        if text is None:
            self._facts.pop(real, None)
        elif not real.endswith(".ipynb"):
            self._scan(real, text.encode("utf-8", "surrogatepass"))
        return self._changed(real, before)

    def _rescan(self, real: str, data: bytes) -> bool:
        before = self._facts.get(real)
        self._scan(real, data)
        return self._changed(real, before)

    def _changed(self, real: str, before: Optional[ClassFactsEntry]) -> bool:
        changed = self._facts.get(real) != before
        if changed:
            self._index = None
        return changed

    def _scan(self, real: str, data: bytes) -> None:
        from .index import may_define_layers, module_aliases, module_name_for, scan_file

        module_name, is_package = module_name_for(Path(real))
        scan = scan_file(data, module_name, is_package) if may_define_layers(data, is_package) else None
        if scan is None:
            self._facts.pop(real, None)
            return
        classes = [(c.qualified, c.bases, c.overrides, c.owns_state, c.attributes, c.variables) for c in scan.classes]
        self._facts[real] = (classes, module_aliases(scan.imports))

    def index(self, keras_bases: Iterable[str] = ()) -> ClassIndex:
        """The index of the project's classes, as the command line builds it for a run."""
        from .index import ClassIndex

        bases = tuple(keras_bases)
        if self._index is None or bases != self._index_bases:
            index = ClassIndex()
            for classes, aliases in self._facts.values():
                for qualified, class_bases, overrides, owns_state, attributes, variables in classes:
                    index.add(qualified, class_bases, frozenset(overrides), owns_state, frozenset(attributes),
                              variables)
                index.add_aliases(aliases)
            index.declare_keras_bases(list(bases))
            self._index, self._index_bases = index, bases
        return self._index

    def check(self, text: str, path: PathArg, *, fix: bool = False) -> FileCheck:
        """The findings in `text`, the editor's buffer of the file at `path` (a `.ipynb` path:
        `text` is the notebook's JSON), as `kerasfix check --stdin-filename PATH -` finds them,
        each with its fix's edits; with `fix`, the text as `kerasfix apply` fixes it and the
        findings left for a person. Never raises for the text: a text that cannot be checked
        (or fixed) is the answer's `error`; a mistake in the settings file raises ValueError."""
        from .results import Mode
        from .runner import process_job

        settings = self.settings_for(path)
        job = _job(text, os.fspath(path or "-"))
        if isinstance(job, ParseError):
            return FileCheck([], job)
        self._rescan(job.real_path, job.data)  # its own classes as the buffer has them (a notebook's too)
        result = process_job((job, None), Mode.FIX if fix else Mode.CHECK, self.index(settings.keras_bases),
                             settings, fix_edits=not fix)
        new_text = result.new_source if result.changed else None
        if job.notebook is not None:
            new_text = _in_cells(job, result, new_text)
        error = None if result.error is None else _placed_error(result.error, job.path)
        return FileCheck(_findings(result.remaining if fix else result.findings), error, new_text)


def _job(text: str, path: str):
    """The runner's job for an editor's text: the path's module and package, a notebook's code."""
    from . import notebook
    from .index import module_name_for
    from .runner import Job

    real = os.path.abspath(path)
    module_name, is_package = module_name_for(Path(real))
    data = text.encode("utf-8", "surrogatepass")
    if not notebook.is_notebook(path):
        return Job(path, real, data, module_name, is_package)
    try:
        code = notebook.python_text(data).encode("utf-8")
    except notebook.NotebookError as error:
        return ParseError(str(error), path=path)
    return Job(path, real, code, module_name, False, data)


def _in_cells(job, result, new_text: Optional[str]) -> Optional[str]:
    """A notebook's findings placed by cell, as the command line places them; its fixed code
    written back into its JSON."""
    from . import notebook
    from .results import RunResult
    from .runner import _cell_positions

    _cell_positions(RunResult(files=[result]), {job.path: job})
    if new_text is None:
        return None
    try:
        return notebook.write_back(job.notebook, new_text)
    except notebook.NotebookError as error:
        result.error = str(error)
        return None


def _placed_error(error: str, path: str) -> ParseError:
    """The runner's error line, with the place it names: `(line 4)`, in a notebook `(cell 3, line 4)`."""
    match = re.search(r"\((?:cell (\d+), )?line (\d+)\)", error)
    if match is None:
        return ParseError(error, path=path)
    return ParseError(error, path=path, line=int(match.group(2)), cell=int(match.group(1) or 0))
