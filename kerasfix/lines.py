"""Lines and positions in Python source text, as Python counts them. Pure text: no disk, no parser."""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def source_lines(text: str) -> list[str]:
    """The lines of Python source as Python counts them (ends kept): only \\n, \\r\\n and
    \\r end a line. `str.splitlines` also splits at form feeds, \\x1c-\\x1e, \\x85 and
    \\u2028, which old sources and string literals contain, and would shift every line."""
    return _LINE.findall(text)


def line_starts(text: str) -> list[int]:
    """The offset in `text` where each line starts (line N at index N-1), the empty line
    after a final line end included."""
    starts = [0]
    for line in source_lines(text):
        if line.endswith(("\n", "\r")):
            starts.append(starts[-1] + len(line))
    return starts


def position(starts: list[int], offset: int) -> tuple[int, int]:
    """(line, column) of an offset, both 1-based, columns in characters (as findings')."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:  # the last start <= offset
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1, offset - starts[lo] + 1


def comments(text: str) -> Counter[str]:
    """Each comment of Python source and how often it occurs, as Python's tokenizer reads
    them: a `#` inside a string is no comment. Raises tokenize.TokenError or SyntaxError when
    the tokenizer cannot read the text."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return Counter(t.string for t in tokens if t.type == tokenize.COMMENT)


def search_lines_saying(word: bytes, pattern: re.Pattern[bytes], data: bytes) -> bool:
    """Whether `pattern` is found in `data`, for a pattern whose every match says `word` and
    lies within one line (up to its \\n): only the lines that say it are searched. A pattern
    that starts at every line start (`^[ \\t]*...`) is tried at every byte: `target._KERAS3_API`
    took 30 ms a MB, `gate._KERAS_SHIM` 229 ms over the 17 real trees' 49 MB (measured)."""
    at = data.find(word)
    while at != -1:
        start, end = data.rfind(b"\n", 0, at) + 1, data.find(b"\n", at)
        end = len(data) if end == -1 else end + 1
        if pattern.search(data[start:end]):
            return True
        at = data.find(word, end)
    return False
