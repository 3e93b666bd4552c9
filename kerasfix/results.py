"""What a run found and did, as the outside world sees it: no syntax tree, no libcst.

The engine makes `Diagnostic`s, the runner gathers them in `FileResult`s and a `RunResult`,
the cache keeps them as JSON rows, and the outputs (`report`, `migration`, `api`) read them.
This module imports nothing of kerasfix's but the pure text helpers of `lines`, so that none
of them imports another for its types.
"""

from __future__ import annotations

import difflib
import enum
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from .lines import line_starts, position, source_lines

if TYPE_CHECKING:
    from .config import Settings


class Mode(enum.Enum):
    CHECK = "check"
    DIFF = "diff"
    FIX = "fix"


@dataclass(frozen=True)
class TextEdit:
    """One replacement in a file's text: from (line, column) up to (end_line, end_column),
    1-based, the end excluded, columns in characters; `content` takes its place (an empty
    span inserts, an empty content deletes)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str
    cell: int = 0  # a notebook's cell (lines and columns: in that cell's source); 0: not a notebook

    def row(self) -> list:
        """The cache's JSON form (no cell: the cache keeps positions in the file's text)."""
        return [self.line, self.column, self.end_line, self.end_column, self.content]


def edits_between(old: str, new: str) -> tuple[TextEdit, ...]:
    """The replacements that turn `old` into `new`: one per changed run of lines, trimmed to
    the characters that differ, in order, none overlapping."""
    a, b = source_lines(old), source_lines(new)
    a_cuts, b_cuts = _cuts(a), _cuts(b)
    starts = line_starts(old)
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        before, after = old[a_cuts[i1]:a_cuts[i2]], new[b_cuts[j1]:b_cuts[j2]]
        head = len(_common_prefix(before, after))
        tail = len(_common_prefix(before[head:][::-1], after[head:][::-1]))
        start, end = a_cuts[i1] + head, a_cuts[i2] - tail
        edits.append(TextEdit(*position(starts, start), *position(starts, end), after[head:len(after) - tail]))
    return tuple(edits)


def _cuts(lines: list[str]) -> list[int]:
    """Where each line starts, and the end: slices of whole lines."""
    cuts = [0]
    for line in lines:
        cuts.append(cuts[-1] + len(line))
    return cuts


def _common_prefix(x: str, y: str) -> str:
    n = 0
    while n < min(len(x), len(y)) and x[n] == y[n]:
        n += 1
    return x[:n]


def apply_edits(text: str, edits: tuple[TextEdit, ...] | list[TextEdit]) -> str:
    """`text` with non-overlapping edits made (what a JSON or SARIF consumer does)."""
    starts = line_starts(text)
    out, cursor = [], 0
    for edit in sorted(edits, key=lambda e: (e.line, e.column)):
        start = starts[edit.line - 1] + edit.column - 1
        out += [text[cursor:start], edit.content]
        cursor = starts[edit.end_line - 1] + edit.end_column - 1
    return "".join(out) + text[cursor:]


@dataclass(frozen=True)
class Diagnostic:
    """One finding, placed in its file: what every output, the cache and the API read."""

    code: str
    line: int
    column: int
    message: str
    fixable: bool  # a fix applies under the current settings
    fix_safety: str | None  # "safe" / "unsafe" / None (no fix at all)
    end_line: int = 0  # where the finding's node ends (0: unknown); end_column is 1-based and exclusive
    end_column: int = 0
    cell: int = 0  # a notebook's cell (line: in that cell); 0: not a notebook
    # the text change this finding's fix alone makes to the file as it is (check only); None:
    # not computed, or no such change to offer (see `fix_edits` in `engine.process_source`)
    edits: tuple[TextEdit, ...] | None = None
    help: str = ""  # the next step for a person, where no fix is applied (the rule's, or the finding's own)

    def moved(self, lines: int) -> "Diagnostic":
        return replace(self, line=self.line + lines, end_line=self.end_line + lines if self.end_line else 0)

    def row(self) -> list:
        """The cache's JSON form (no cell: the cache keeps positions in the file's text)."""
        edits = None if self.edits is None else [edit.row() for edit in self.edits]
        return [self.code, self.line, self.column, self.message, self.fixable, self.fix_safety,
                self.end_line, self.end_column, edits, self.help]

    @classmethod
    def from_row(cls, row: list) -> "Diagnostic":
        code, line, column, message, fixable, safety, end_line, end_column, edits, help_ = row
        return cls(code, line, column, message, fixable, safety, end_line, end_column,
                   edits=None if edits is None else tuple(TextEdit(*edit) for edit in edits), help=help_)


@dataclass(frozen=True)
class FileError:
    """Why a file was not processed (or not written), kept as a record until printed: a
    notebook's line is placed in its cell by its source, never by rewording the text."""

    message: str
    kind: str = "error"  # read, syntax, fix, write, internal, crash
    line: int = 0  # where Python placed it (0: nowhere): in the file's text, or in `cell`
    cell: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.message
        return f"{self.message} (cell {self.cell}, line {self.line})" if self.cell else \
            f"{self.message} (line {self.line})"


@dataclass
class FileResult:
    path: str
    findings: list[Diagnostic] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)
    original: str | None = None  # set with a new source, for diffs
    encoding: str = "utf-8"  # the file's, as detected: diffs and `apply -` answer in it
    new_source: str | None = None
    # a notebook's file as fixed (`new_source` is its code): made once, where the worker checks
    # that the fix can be written back, and written as it is
    notebook_text: str | None = None
    written: bool = False
    error: FileError | None = None
    parsed: bool = False  # libcst parsed it
    checked: bool = False  # every rule had its say (with or without a parse): cacheable
    phases: dict[str, float] = field(default_factory=dict, compare=False, repr=False)  # seconds, for --statistics
    unresolved: tuple[str, ...] = ()  # not parsed: bases of its classes kerasfix could not resolve

    stdout: bytes | None = None  # what `apply -` answers on standard output for this input

    @property
    def changed(self) -> bool:
        return self.new_source is not None

    def fail(self, message: str, kind: str = "error", line: int = 0) -> "FileResult":
        self.error = FileError(message, kind, line)
        return self


@dataclass(frozen=True)
class Offer:
    """One fix offered for review (`apply --interactive`): its finding, placed in the file (a
    notebook's: in its cell), and the piece of the file the fix changes, before and after it
    alone; `first_line`: the piece's first line in the file as fixed so far. `file_before`
    and `file_after`: that whole file, for a source whose diff is not the piece's (a notebook
    shows the changed cell)."""

    finding: Diagnostic
    before: str
    after: str
    first_line: int
    file_before: str = ""
    file_after: str = ""
    path: str = ""  # as shown to the user: the runner's source names it (the engine knows no file)


class Reviewer(Protocol):
    """Who answers the offers: the engine applies a fix only when `decide` says yes."""

    def decide(self, offer: Offer) -> bool: ...


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    scanned: int = 0
    keras_files: int = 0  # of those scanned, the files that define a Keras layer or model class (or may)
    parsed: int = 0
    cached: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds by phase (see phases.py)
    mode: Mode = Mode.CHECK  # what the run did, and with which settings: the report says so
    settings: Settings | None = None
    from_stats: bool = False  # answered by the files' stats as the last run answered, none read (runmemo.py)
    reads_stdin: bool = False  # `-` was an input: stdout carries `apply -`'s answer

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
