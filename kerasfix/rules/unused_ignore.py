"""Suppression comments, and KF001: an ignore comment that names no rule or suppresses nothing.

`# kerasfix: ignore` (every rule) or `# kerasfix: ignore[KF101, KF3]` (codes or prefixes) on
the line where a finding starts drops it; `# kerasfix: ignore-file` (or `ignore-file[KF1]`)
on a line of its own, anywhere in the module, drops the whole file's (ruff's `# ruff: noqa`).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Literal, TypeVar

import libcst as cst

from ..triggers import Trigger
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety

LINE_IGNORE = re.compile(r"#\s*kerasfix:\s*ignore(?!-)(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
FILE_IGNORE = re.compile(r"\s*#\s*kerasfix:\s*ignore-file(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)

DOC = """\
## What it does
Finds a `# kerasfix: ignore[...]` comment that names a code no rule has (`KF9`, `KF-101`), or
that suppresses nothing on its line: no finding of the rules it names starts there. A bare
`# kerasfix: ignore` is reported when no finding at all starts on its line. Report only.

## Why is this bad?
A misspelt code suppresses nothing, so the finding it was meant for is still reported, or,
worse, the comment outlives the code it excused: once the line is fixed or rewritten, a stale
ignore would silently hide the next real finding there (ruff's RUF100 for `# noqa`).

## Example
```python
class Head(tf.keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = tf.keras.layers.Dense(2)  # kerasfix: ignore[KF302]
```

## Use instead
```python
        self.dense = tf.keras.layers.Dense(2)
```

## When it stays silent
A comment that names `KF001` (or a prefix of it) is never reported itself.
A code whose rules are not all selected (`--select`, `--ignore`, `ignore`, `per-file-ignores`)
is never called unused: its finding may be there, unreported. A bare ignore counts only when
every rule is selected. Every ignore comment of the file is checked, wherever it is (at module
level, in a plain class, in a file with no Keras class); text that only looks like one, in a
string, is not a comment. `ignore-file` comments are not checked.

## Fix safety
No automatic fix: whether the comment or the code it names is wrong is for a person to say.
"""

KF001 = Rule(
    code="KF001",
    name="unused-ignore",
    summary="a `# kerasfix: ignore` comment that names an unknown code or suppresses nothing",
    finds="a `# kerasfix: ignore[...]` comment naming a code no rule has, or suppressing nothing on its line",
    fixed_by="report: remove or correct it",
    fix=FixAvailability.NEVER,
    safety=RuleSafety.NONE,
    doc=DOC,
    trigger=Trigger(words=frozenset({"kerasfix"})),  # a comment in a class no rule keeps,
    help="delete the comment, or drop from its brackets the codes that suppress nothing on this line",
)


def _codes(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(c.strip().upper() for c in text.split(",") if c.strip())


def suppresses(codes: Iterable[str] | None, code: str) -> bool:
    """`codes` None: every rule; else a code or prefix of `code`."""
    return codes is None or any(code.startswith(c) for c in codes)


def line_codes(comment: str) -> tuple[str, ...] | None | Literal[False]:
    """The codes an ignore comment names (None: every rule), or False: no ignore comment."""
    match = LINE_IGNORE.search(comment)
    return False if match is None else _codes(match.group("codes"))


def file_ignore(source: str) -> tuple[str, ...] | None | Literal[False]:
    """What `# kerasfix: ignore-file` lines ignore in the whole file: None (every rule), the
    codes they name, or False: there is none."""
    if "ignore-file" not in source.lower():
        return False
    found: list[str] | None = []
    for line in source.splitlines():
        match = FILE_IGNORE.match(line)
        if match:
            codes = _codes(match.group("codes"))
            if codes is None or found is None:
                found = None
            else:
                found.extend(codes)
    return False if found == [] else (None if found is None else tuple(found))


def ignore_comments(module: cst.Module) -> list[tuple[cst.Comment, tuple[str, ...] | None]]:
    """Every line-ignore comment of the module, with the codes it names."""
    found = []
    for node in _comments(module):
        codes = line_codes(node.value)
        if codes is not False:
            found.append((node, codes))
    return found


def _comments(node: cst.CSTNode) -> Iterator[cst.Comment]:
    if isinstance(node, cst.Comment):
        yield node
    for child in node.children:
        yield from _comments(child)


def may_hold_ignores(text: str) -> bool:
    """Whether `text` may hold an ignore comment (in any case, as they are read): a test
    that costs a file without the word nothing but a lowered copy."""
    return "kerasfix" in text.lower()


@dataclass
class IgnoreComment:
    node: cst.Comment
    codes: tuple[str, ...] | None
    used: set[str]  # the names that suppressed a finding ("" for a bare ignore)


@dataclass(frozen=True)
class TokenComment:
    """An ignore comment found by the tokenizer, outside every piece the engine parsed: it
    can have suppressed nothing, as every finding starts inside such a piece."""

    line: int
    column: int  # 1-based, as a finding's
    end_column: int  # 1-based, exclusive
    codes: tuple[str, ...] | None
    used: frozenset[str] = frozenset()


def token_comments(source: str) -> list[TokenComment]:
    """Every line-ignore comment of `source`, read by Python's tokenizer (a `#` in a string
    is no comment); none when it cannot read the source (libcst's pieces still say theirs)."""
    if not may_hold_ignores(source):
        return []
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                codes = line_codes(token.string)
                if codes is not False:
                    (line, column), end = token.start, token.end[1]
                    found.append(TokenComment(line, column + 1, end + 1, codes))
    except (tokenize.TokenError, SyntaxError):
        return []
    return found


def unused_outside(source: str, parsed: Iterable[tuple[int, int]], known: Iterable[str],
                   wants: Callable[[str], bool]) -> list[tuple[TokenComment, str]]:
    """KF001 for the ignore comments of `source` on no line of the `parsed` spans (1-based,
    inclusive), whose comments the engine judges itself with the findings they suppress."""
    spans = list(parsed)
    outside = [c for c in token_comments(source) if not any(start <= c.line <= end for start, end in spans)]
    return list(unused_reasons(outside, known, wants))


C = TypeVar("C", IgnoreComment, TokenComment)


def unused_reasons(comments: list[C], known: Iterable[str],
                   wants: Callable[[str], bool]) -> Iterator[tuple[C, str]]:
    """Each comment with names that are no rule's, or that suppressed nothing although
    every rule they name was run, with KF001's message for it."""
    known = list(known)
    others = [c for c in known if c != KF001.code]
    for comment in comments:
        if comment.codes is not None and suppresses(comment.codes, KF001.code):
            continue  # `ignore[KF001]` keeps the comment's own report quiet
        names = ("",) if comment.codes is None else comment.codes
        unknown = [n for n in names if n and not any(code.startswith(n) for code in known)]
        unused = [n for n in names if n not in comment.used and n not in unknown
                  and all(wants(code) for code in others if code.startswith(n))]
        if unknown or unused:
            yield comment, _message(unknown, unused)


def unused_ignores(comments: list[IgnoreComment], known: Iterable[str],
                   wants: Callable[[str], bool]) -> list[Finding]:
    """KF001 for each comment of a parsed piece that `unused_reasons` names."""
    return [Finding(KF001.code, comment.node, message) for comment, message in unused_reasons(comments, known, wants)]


def _message(unknown: list[str], unused: list[str]) -> str:
    parts = []
    if unknown:
        parts.append(f"{', '.join(unknown)} {'is no rule code' if len(unknown) == 1 else 'are no rule codes'}")
    if unused == [""]:
        parts.append("no finding starts on this line")
    elif unused:
        parts.append(f"{', '.join(unused)} suppress{'es' if len(unused) == 1 else ''} nothing on this line")
    return f"unused ignore comment: {'; '.join(parts)} (see `kerasfix rules`); remove it or correct the code"


class UnusedIgnores(RuleFamily):
    """Registered for `kerasfix rules`/`explain` and selection; the engine reports KF001,
    as only it sees which findings each comment suppressed."""

    rules = (KF001,)

    def check(self, ctx: Context) -> Iterator[Finding]:  # pragma: no cover - never called
        return iter(())
