"""KF001: an ignore comment that names no rule or suppresses nothing.

The comments themselves are read in `kerasfix/suppressions.py`, one reader for the whole file.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

import libcst as cst

from ..suppressions import LineIgnore, suppresses
from ..triggers import Trigger
from .base import Context, Finding, FixAvailability, Rule, RuleFamily, RuleSafety

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


def unused_reasons(comments: Iterable[LineIgnore], known: Iterable[str],
                   wants: Callable[[str], bool]) -> Iterator[tuple[LineIgnore, str]]:
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


def unused_ignores(comments: list[LineIgnore], known: Iterable[str],
                   wants: Callable[[str], bool]) -> list[Finding]:
    """KF001 for each comment of a parsed piece that `unused_reasons` names, placed on it.
    Its node is the comment as the tokenizer read it: no fix ever edits it."""
    return [Finding(KF001.code, cst.Comment(comment.text), message, line=comment.line, column=comment.column,
                    end_line=comment.line, end_column=comment.end_column)
            for comment, message in unused_reasons(comments, known, wants)]


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
