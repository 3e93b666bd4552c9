"""The inputs of a run, as ruff's SourceKind: a Python file, a Jupyter notebook, or standard
input (holding either). A `Source` owns how its input is read, the name it is shown by, where
its findings and errors are in the input (a notebook's: in which cell), and what is written
back; the pipeline and the engine see only its Python text.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from . import notebook
from .files import SourceError, decode_source, read_bytes
from .index import module_name_for
from .results import Diagnostic, FileResult, Offer, TextEdit

STDIN = Path("-")


@dataclass(frozen=True)
class Source:
    """One input. `data` is its Python text as bytes: a notebook's is its code cells joined
    (see notebook.py), its own JSON bytes are `notebook`."""

    path: str  # as shown to the user; standard input's is `-` until `named` (see `shown`)
    real_path: str  # on disk; for standard input, --stdin-filename's path, or `-`
    data: bytes
    module_name: str
    is_package: bool
    notebook: bytes | None = None
    stdin: bool = False

    @property
    def named(self) -> bool:
        """Whether it has a path (standard input has one only with --stdin-filename)."""
        return not self.stdin or self.real_path != "-"

    @property
    def shown(self) -> str:
        """The name outputs give it: standard input is its --stdin-filename, when given."""
        return _stdin_name(Path(self.real_path)) if self.stdin and self.named else self.path

    def place(self, f: FileResult) -> None:
        """The result as the user reads it: named as shown, and a notebook's findings, edits
        and error by cell and line in the cell. Done last: the cache keeps the positions in
        the joined text, which is what its key hashes."""
        if self.notebook is not None:
            old = self.data.decode("utf-8")
            f.findings = [_in_cell(row, old) for row in f.findings]
            f.remaining = [_in_cell(row, f.new_source or old) for row in f.remaining]
            if f.error is not None and f.error.line:
                cell, line = notebook.position(old, f.error.line)
                f.error = replace(f.error, cell=cell, line=line)
        f.path = self.shown

    def place_offer(self, offer: Offer) -> Offer:
        """An offer of `apply --interactive`, named and placed as `place` places a finding."""
        if self.notebook is None:
            return replace(offer, path=self.shown)
        return replace(offer, path=self.shown, finding=_in_cell(offer.finding, offer.file_before))


def display(path: Path, cwd: str | None = None) -> str:
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


def read_sources(paths: Iterable[Path], failed: list[FileResult], stdin: Callable[[], bytes] | None = None,
                 stdin_filename: Path | None = None) -> list[Source]:
    """Read every input once; one that cannot be read is added to `failed` with its reason.
    Standard input is `-`, with `--stdin-filename` the module (name, package, config) of that
    path, and a notebook when that path is one."""
    sources: list[Source] = []
    folders: dict = {}  # each folder's packages, looked up once (see package_folder)
    cwd = os.getcwd()
    for path in paths:
        if path == STDIN:
            data = stdin() if stdin else sys.stdin.buffer.read()
            source = _from_stdin(data, stdin_filename, failed)
        else:
            source = _from_file(path, display(path, cwd), folders, failed)
        if source is not None:
            sources.append(source)
    return sources


def unchanged_stdin(stdin: Callable[[], bytes] | None, stdin_filename: Path) -> FileResult:
    """Standard input named as a file `exclude` skips: not checked, and `apply -` answers it
    byte for byte (an editor replaces its buffer with the answer)."""
    data = stdin() if stdin else sys.stdin.buffer.read()
    return FileResult(_stdin_name(stdin_filename), stdout=data)


def _from_stdin(data: bytes, stdin_filename: Path | None, failed: list[FileResult]) -> Source | None:
    if stdin_filename is None:
        return Source("-", "-", data, "", False, stdin=True)
    module_name, is_package = module_name_for(stdin_filename)
    if not notebook.is_notebook(stdin_filename):
        return Source("-", str(stdin_filename), data, module_name, is_package, stdin=True)
    try:  # a notebook read from stdin, as `--stdin-filename` says
        code = notebook.python_text(data).encode("utf-8")
    except notebook.NotebookError as error:
        failed.append(FileResult(_stdin_name(stdin_filename)).fail(str(error), "read"))
        return None
    return Source("-", str(stdin_filename), code, module_name, is_package, data, stdin=True)


def _stdin_name(stdin_filename: Path) -> str:
    try:
        return Path(os.path.abspath(stdin_filename)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return stdin_filename.as_posix()


def _from_file(path: Path, shown: str, folders: dict, failed: list[FileResult]) -> Source | None:
    raw = None
    try:
        data = read_bytes(path)
        if notebook.is_notebook(path):
            raw, data = data, notebook.python_text(data).encode("utf-8")
        decode_source(data)  # cheap, so every file's encoding is checked
    except (SourceError, notebook.NotebookError) as error:
        failed.append(FileResult(shown).fail(str(error), "read"))
        return None
    except OSError as error:
        reason = "no such file" if isinstance(error, FileNotFoundError) else (error.strerror or str(error))
        failed.append(FileResult(shown).fail(f"cannot read: {reason}", "read"))
        return None
    module_name, is_package = module_name_for(path, folders)
    return Source(shown, str(path), data, module_name, is_package and raw is None, raw)


def _in_cell(row: Diagnostic, text: str) -> Diagnostic:
    """Placed in its cell, and its fix's edits each in the cell it changes (none when one of
    them is in no cell's own lines, or its content would make or unmake a cell or a magic)."""
    cell, line = notebook.position(text, row.line)
    end = notebook.position(text, row.end_line)[1] if row.end_line else 0
    return replace(row, cell=cell, line=line, end_line=end, edits=_edits_in_cells(row.edits, text))


def _edits_in_cells(edits: tuple[TextEdit, ...] | None, text: str) -> tuple[TextEdit, ...] | None:
    placed = []
    for edit in edits or ():
        where = notebook.cell_edit(text, edit.line, edit.column, edit.end_line, edit.end_column)
        if where is None or "__kerasfix_" in edit.content:
            return None
        cell, line, end_line = where
        placed.append(replace(edit, line=line, end_line=end_line, cell=cell))
    return tuple(placed) if edits is not None else None

