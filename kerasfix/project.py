"""The Python API for a project, as an editor sees it: each file's settings from its
`pyproject.toml`, and the classes of every file of the project, indexed once and updated file by
file, so that a file's text gets the context the command line gives it (`kerasfix server`'s).

Not imported by `import kerasfix`: it reads through the runner, which the package's own import
must not pull in (tests/test_results.py keeps the modules free of import cycles).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

from .api import Codes, Finding, ParseError, PathArg, _codes, _findings

if TYPE_CHECKING:
    from .config import Settings
    from .index import ClassIndex, ClassRecord


@dataclass(frozen=True)
class FileCheck:
    """What `Project.check` answers for one text."""

    findings: list[Finding]  # check: each with its fix's edits; fix: the findings left for a person
    error: Optional[ParseError] = None  # why the text could not be checked (or fixed), and where
    new_text: Optional[str] = None  # fix: the fixed text (a notebook's JSON); None: nothing changed


ClassFactsEntry = tuple[list["ClassRecord"], dict]  # a file's class records and module-level aliases (runner's)


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
        self._functions: dict[str, list] = {}  # by absolute path: FunctionRecords (index.module_function_records)
        self._index: Optional[ClassIndex] = None
        self._index_bases: tuple[str, ...] = ()

    def settings_for(self, path: PathArg) -> Settings:
        """The settings `kerasfix check PATH` would use. Raises `ValueError` for a mistake in
        the settings file, with the command line's message."""
        from .config import ConfigError, Flags, load_settings

        flags = Flags(select=self.select, unsafe_fixes=self.unsafe_fixes, config=self.config)
        try:
            return load_settings(Path(os.fspath(path or self.root)), flags)
        except ConfigError as error:
            raise ValueError(str(error)) from None

    def index_all(self) -> int:
        """Index every Python file under the root (notebooks are checked, never indexed, as by
        the command line); returns how many files were read."""
        from .cache import Cache
        from .files import SourceError, discover, read_bytes
        from .index import module_name_for
        from .notebook import is_notebook
        from .runner import _content_key
        from .sources import Source

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
            cached = cache.get_classes(_content_key(data, Source(real, real, data, module_name, is_package)))
            made = cache.get_functions(_content_key(data, Source(real, real, data, module_name, is_package)))
            if cached is None or made is None:
                self._scan(real, data)
            else:
                self._facts[real], self._functions[real] = cached, made
        self._index = None
        return count

    def update(self, path: PathArg, text: Optional[str]) -> bool:
        """A file's new text (an editor's buffer; None: the file is gone). Returns whether what
        the index knows changed (the findings of other files may then change too)."""
        real = os.path.abspath(os.fspath(path or ""))
        before = self._facts.get(real), self._functions.get(real)
        if text is None:
            self._facts.pop(real, None)
            self._functions.pop(real, None)
        elif not real.endswith(".ipynb"):
            self._scan(real, text.encode("utf-8", "surrogatepass"))
        return self._changed(real, before)

    def _rescan(self, real: str, data: bytes) -> bool:
        before = self._facts.get(real), self._functions.get(real)
        self._scan(real, data)
        return self._changed(real, before)

    def _changed(self, real: str, before: tuple[Optional[ClassFactsEntry], Optional[list]]) -> bool:
        changed = (self._facts.get(real), self._functions.get(real)) != before
        if changed:
            self._index = None
        return changed

    def _scan(self, real: str, data: bytes) -> None:
        from .gate import may_define_layers, may_define_makers
        from .aliases import module_aliases
        from .index import module_name_for, scan_file

        module_name, is_package = module_name_for(Path(real))
        layers = may_define_layers(data, is_package)
        scan = scan_file(data, module_name, is_package) if layers or may_define_makers(data) else None
        self._functions.pop(real, None)
        if scan is not None and scan.functions:
            self._functions[real] = scan.functions
        if scan is None or not layers:  # a module of helpers: its functions only
            self._facts.pop(real, None)
            return
        # records without the span: the index compares files' facts, not where they stand
        self._facts[real] = ([c._replace(span=None) for c in scan.classes], module_aliases(scan.imports))

    def index(self, keras_bases: Iterable[str] = ()) -> ClassIndex:
        """The index of the project's classes, as the command line builds it for a run."""
        from .index import ClassIndex

        bases = tuple(keras_bases)
        if self._index is None or bases != self._index_bases:
            index = ClassIndex()
            for classes, aliases in self._facts.values():
                for record in classes:
                    index.add(record)
                index.add_aliases(aliases)
            for made in self._functions.values():
                index.functions.update((record.qualified, record) for record in made)
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
        from .runner import Work, process_job

        settings = self.settings_for(path)
        source = _source(text, os.fspath(path or "-"))
        if isinstance(source, ParseError):
            return FileCheck([], source)
        self._rescan(source.real_path, source.data)  # its own classes as the buffer has them (a notebook's too)
        work = Work(Mode.FIX if fix else Mode.CHECK, self.index(settings.keras_bases), settings, fix_edits=not fix)
        result = process_job((source, None), work)
        source.place(result)  # a notebook's findings and error by cell, as the command line places them
        new_text = result.new_source if result.changed else None
        if new_text is not None and source.notebook is not None:
            new_text = _written_back(source.notebook, new_text, result)
        error = None if result.error is None else ParseError(str(result.error), path=source.path,
                                                             line=result.error.line or None, cell=result.error.cell)
        return FileCheck(_findings(result.remaining if fix else result.findings), error, new_text)


def _source(text: str, path: str):
    """The runner's source for an editor's text: the path's module and package, a notebook's code."""
    from . import notebook
    from .index import module_name_for
    from .sources import Source

    real = os.path.abspath(path)
    module_name, is_package = module_name_for(Path(real))
    data = text.encode("utf-8", "surrogatepass")
    if not notebook.is_notebook(path):
        return Source(path, real, data, module_name, is_package)
    try:
        code = notebook.python_text(data).encode("utf-8")
    except notebook.NotebookError as error:
        return ParseError(str(error), path=path)
    return Source(path, real, code, module_name, False, data)


def _written_back(raw: bytes, new_text: str, result) -> Optional[str]:
    """A notebook's fixed code put back into its JSON, as `apply` writes it."""
    from . import notebook

    try:
        return notebook.write_back(raw, new_text)
    except notebook.NotebookError as error:
        result.fail(str(error), "write")
        return None
