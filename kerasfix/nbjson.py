"""A notebook's JSON with new cell sources, every other byte as it was.

Tools save notebooks in many layouts: Jupyter (indent 1, raw UTF-8), Colab (indent 2 or
compact, `<` `>` `&` as `\\u003c` `\\u003e` `\\u0026`), `json.dump` (ASCII escapes), CRLF line
ends after a git checkout on Windows. Re-dumping the whole document reproduces few of them
(16 of the 62 notebooks of a legacy corpus were refused that way), so only the changed
`source` values are written: the lines a fix kept keep their own bytes, new lines are
escaped as the file escapes, and the list's own separators are reused.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# a `\uXXXX` escape (not an escaped backslash followed by `u`)
_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u([0-9a-fA-F]{4})")
# characters some writers escape although JSON does not ask them to (Colab: <, >, &)
_OPTIONAL_ESCAPES = "<>&'=\u2028\u2029"


class LayoutError(Exception):
    """The JSON cannot be rewritten in its own layout; the message says why."""


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    colon: str = ":"  # the text between the key and the value (`": "`, `":"`)


@dataclass(frozen=True)
class _Style:
    ensure_ascii: bool
    escaped: frozenset[str]  # characters written as \\uXXXX though printable
    upper_hex: bool
    slash: bool  # `/` written `\\/`


def _ws(raw: str, index: int) -> int:
    match = _WS.match(raw, index)
    assert match is not None  # `*`: always matches
    return match.end()


def _expect(raw: str, index: int, char: str) -> None:
    if raw[index:index + 1] != char:
        raise LayoutError(f"unexpected JSON at character {index}")


def _object(raw: str, index: int) -> tuple[dict[str, _Span], int]:
    """The span of each member's value of the object at raw[index] (the last of a repeated
    key, as json reads it), and where the object ends."""
    _expect(raw, index, "{")
    spans: dict[str, _Span] = {}
    index = _ws(raw, index + 1)
    if raw[index:index + 1] == "}":
        return spans, index + 1
    while True:
        _expect(raw, index, '"')
        key, after = _DECODER.raw_decode(raw, index)
        index = _ws(raw, after)
        _expect(raw, index, ":")
        start = _ws(raw, index + 1)
        end = _DECODER.raw_decode(raw, start)[1]
        spans[key] = _Span(start, end, raw[after:start])
        index = _ws(raw, end)
        if raw[index:index + 1] == "}":
            return spans, index + 1
        _expect(raw, index, ",")
        index = _ws(raw, index + 1)


def _array(raw: str, index: int) -> list[_Span]:
    """The span of each item of the array at raw[index]."""
    _expect(raw, index, "[")
    items: list[_Span] = []
    index = _ws(raw, index + 1)
    if raw[index:index + 1] == "]":
        return items
    while True:
        end = _DECODER.raw_decode(raw, index)[1]
        items.append(_Span(index, end))
        index = _ws(raw, end)
        if raw[index:index + 1] == "]":
            return items
        _expect(raw, index, ",")
        index = _ws(raw, index + 1)


def source_spans(raw: str) -> list[_Span | None]:
    """Where each cell's `source` value is in `raw` (None for a cell that is no object, or has no source)."""
    try:
        top, _ = _object(raw, _ws(raw, 0))
        if "cells" not in top:
            raise LayoutError("no list of cells")
        spans: list[_Span | None] = []
        for item in _array(raw, top["cells"].start):
            if raw[item.start] != "{":
                spans.append(None)
                continue
            members, _ = _object(raw, item.start)
            spans.append(members.get("source"))
        return spans
    except (ValueError, IndexError) as error:
        raise LayoutError(f"unexpected JSON: {error}") from None


def _style(raw: str) -> _Style:
    escapes = [match.group(1) for match in _ESCAPE.finditer(raw)]
    ensure_ascii = raw.isascii() and any(int(code, 16) >= 0x80 for code in escapes)
    escaped = frozenset(chr(int(code, 16)) for code in escapes) & frozenset(_OPTIONAL_ESCAPES)
    upper = any(re.search("[A-F]", code) for code in escapes)
    return _Style(ensure_ascii, escaped, upper, bool(re.search(r"(?<!\\)(?:\\\\)*\\/", raw)))


def _string(text: str, style: _Style) -> str:
    out = json.dumps(text, ensure_ascii=style.ensure_ascii)
    for char in style.escaped:
        out = out.replace(char, f"\\u{ord(char):04x}")
    if style.slash:
        out = out.replace("/", "\\/")
    if style.upper_hex:
        out = re.sub(r"(?<!\\)((?:\\\\)*\\u)([0-9a-f]{4})", lambda m: m.group(1) + m.group(2).upper(), out)
    return out


def _list_layout(raw: str, spans: list[_Span | None]) -> tuple[str, str, str] | None:
    """(after `[`, between items, before `]`) of the source lists, taken from one with two
    items or more (all cells' sources are at one depth: one layout), else from one with one."""
    single = None
    for span in spans:
        if span is None or raw[span.start] != "[":
            continue
        items = _array(raw, span.start)
        if len(items) >= 2:
            return (raw[span.start + 1:items[0].start], raw[items[0].end:items[1].start],
                    raw[items[-1].end:span.end - 1])
        if items and single is None:
            head, tail = raw[span.start + 1:items[0].start], raw[items[0].end:span.end - 1]
            between = "," + head if "\n" in head or "\r" in head else ("," if span.colon == ":" else ", ")
            single = (head, between, tail)
    return single


def _new_list(raw: str, span: _Span, lines: list[str], layout: tuple[str, str, str] | None,
              style: _Style) -> str:
    items = _array(raw, span.start)
    old = [json.loads(raw[item.start:item.end]) for item in items]
    texts: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            texts.extend(raw[item.start:item.end] for item in items[i1:i2])
        else:
            texts.extend(_string(line, style) for line in lines[j1:j2])
    if not texts:
        return raw[span.start:span.end] if not items else "[]"
    if layout is None:
        raise LayoutError("no cell's source shows how its lines are laid out")
    head, between, tail = layout
    return "[" + head + between.join(texts) + tail + "]"


def with_sources(raw: str, sources: dict[int, str | list[str]]) -> str:
    """`raw` (a notebook's JSON text) with the source of each cell in `sources` (0-based
    index: its new value, a string or a list of lines as the cell has it). Raises LayoutError."""
    spans = source_spans(raw)
    style = _style(raw)
    layout = None
    out, cursor = [], 0
    for index in sorted(sources):
        span = spans[index] if index < len(spans) else None
        if span is None:
            raise LayoutError(f"cell {index + 1} has no source to rewrite")
        value = sources[index]
        if isinstance(value, str):
            text = _string(value, style)
        else:
            layout = layout or _list_layout(raw, spans)
            text = _new_list(raw, span, value, layout, style)
        if json.loads(text) != value:  # a bug of this module, never a notebook written wrong
            raise LayoutError(f"cell {index + 1} would not read back as written (please report this)")
        out += [raw[cursor:span.start], text]
        cursor = span.end
    return "".join(out) + raw[cursor:]
