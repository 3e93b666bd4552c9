"""Suppression comments, read once by Python's tokenizer: text that looks like one inside a
string (a docstring telling how to opt out, a test's embedded source) is no comment (R15).

`# kerasfix: ignore` (every rule) or `# kerasfix: ignore[KF101, KF3]` (codes or prefixes) on
the line where a finding starts drops it; `# kerasfix: ignore-file` (or `ignore-file[KF1]`)
on a line of its own, anywhere in the module, drops the whole file's (ruff's `# ruff: noqa`).
KF001 (rules/unused_ignore.py) reports the line ignores that suppress nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Iterable, Literal

LINE_IGNORE = re.compile(r"#\s*kerasfix:\s*ignore(?!-)(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
FILE_IGNORE = re.compile(r"#\s*kerasfix:\s*ignore-file(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)

# None: every rule; a tuple: those codes or prefixes; False: no such comment
Codes = tuple[str, ...] | None


@dataclass
class LineIgnore:
    """A `# kerasfix: ignore[...]` comment, placed as a finding is (1-based columns)."""

    line: int
    column: int
    end_column: int  # exclusive
    text: str
    codes: Codes
    used: set[str] = field(default_factory=set)  # the names that suppressed a finding ("" for a bare ignore)


@dataclass(frozen=True)
class Suppressions:
    """Every suppression comment of one text."""

    lines: tuple[LineIgnore, ...] = ()
    whole_file: Codes | Literal[False] = False  # what `ignore-file` comments drop, False: there is none


def may_hold_suppressions(text: str) -> bool:
    """Whether `text` may hold one (in any case, as they are read): a test that costs a file
    without `kerasfix:` nothing but a lowered copy. Not the bare word: each cell of a notebook's
    text starts with `__kerasfix_cell_N__` (notebook.py), and every notebook was tokenized, once
    per piece (0.1 s of CPU on 48 notebooks of the nine-tree benchmark)."""
    return "kerasfix:" in text.lower()


def read_suppressions(text: str) -> Suppressions:
    """The suppression comments of `text`. A text the tokenizer cannot read to its end keeps
    those it read before the error (libcst, or Python, says what is wrong with the rest)."""
    if not may_hold_suppressions(text):
        return Suppressions()
    lines: list[LineIgnore] = []
    whole: list[str] | None = []  # [] at the end: none, or only `ignore-file[]`s
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT:
                continue
            codes = line_codes(token.string)
            if codes is not False:
                (line, column), end = token.start, token.end[1]
                lines.append(LineIgnore(line, column + 1, end + 1, token.string, codes))
            match = FILE_IGNORE.match(token.string)
            if match and not token.line[:token.start[1]].strip():  # on a line of its own
                codes = _codes(match.group("codes"))
                whole = None if codes is None or whole is None else [*whole, *codes]
    except (tokenize.TokenError, SyntaxError):
        pass
    return Suppressions(tuple(lines), False if whole == [] else None if whole is None else tuple(whole))


def line_codes(comment: str) -> Codes | Literal[False]:
    """The codes a line-ignore comment names (None: every rule), or False: no such comment."""
    match = LINE_IGNORE.search(comment)
    return False if match is None else _codes(match.group("codes"))


def _codes(text: str | None) -> Codes:
    if text is None:
        return None
    return tuple(c.strip().upper() for c in text.split(",") if c.strip())


def suppresses(codes: Iterable[str] | None, code: str) -> bool:
    """`codes` None: every rule; else a code or prefix of `code`."""
    return codes is None or any(code.startswith(c) for c in codes)
