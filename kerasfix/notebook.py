"""Jupyter notebooks (nbformat 4) as one Python text, and back.

The code cells are joined into one text, so that a layer defined in one cell and subclassed
in a later one is seen as in a module. Each cell starts with a marker line
`__kerasfix_cell_N__` (N: the cell's number among ALL cells, markdown included, from 1, as
the notebook shows them). IPython magics and shell lines (`%matplotlib`, `!pip`, `?help`, a
`%%bash` cell) become `__kerasfix_magic_HEX__`, HEX being the line's own UTF-8 bytes. Both are
bare names: valid Python, no comment (the engine refuses a rewrite whose comments change), no
string, nothing a rule looks at, and each carries what is needed to undo it, so that the text
alone (a diff, a fixed text) splits back into cells.
"""

from __future__ import annotations

import ast
import difflib
import json
import re

from .lines import source_lines

SUFFIX = ".ipynb"
_CELL = re.compile(r"__kerasfix_cell_(\d+)__\r?\n?")
_MAGIC = re.compile(r"[ \t]*__kerasfix_magic_([0-9a-f]*)__[ \t]*(\r?\n)?")
# cell magics whose body is Python (IPython runs it); any other (%%bash, %%writefile) is not
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
# `%cmd`, `!cmd`, `?name`, `x = !cmd`, `name?`, `name??`; not any line ending in `?` (`# why?`)
_LINE_MAGIC = re.compile(r"\s*(?:[%!?]|[\w.]+\s*=\s*[%!]|[\w.]+\?\??\s*$)")


class NotebookError(Exception):
    """A file named .ipynb that is no notebook kerasfix can read or write; the message says why."""


def is_notebook(path) -> bool:
    return str(path).endswith(SUFFIX)


def load(data: bytes) -> dict:
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise NotebookError(f"notebook is not valid UTF-8 (byte {error.start})") from None
    except (ValueError, RecursionError) as error:
        raise NotebookError(f"notebook is not valid JSON: {error}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("not a Jupyter notebook (no list of cells)")
    if notebook.get("nbformat") != 4:
        raise NotebookError(f"nbformat {notebook.get('nbformat')!r} notebooks are not read (only 4)")
    for number, cell in enumerate(notebook["cells"], 1):
        source = cell.get("source") if isinstance(cell, dict) else None
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise NotebookError(f"cell {number} has no source text")
    return notebook


def _code_cells(notebook: dict) -> list[tuple[int, str]]:
    return [(number, _text(cell["source"])) for number, cell in enumerate(notebook["cells"], 1)
            if cell.get("cell_type") == "code"]


def _text(source) -> str:
    return source if isinstance(source, str) else "".join(source)


def python_text(data: bytes) -> str:
    """The code cells as one Python text, each after its marker line, magics replaced."""
    parts = []
    for number, text in _code_cells(load(data)):
        parts.append(f"__kerasfix_cell_{number}__\n")
        body = _hide_magics(text)
        parts.append(body if body.endswith("\n") or not body else body + "\n")
    return "".join(parts)


def _placeholder(line: str, indent: str) -> str:
    body = line.rstrip("\r\n")
    return f"{indent}__kerasfix_magic_{body.encode('utf-8').hex()}__{line[len(body):]}"


def _hide_magics(text: str) -> str:
    try:
        ast.parse(text)
        return text  # valid Python: nothing in it, not even a string's `%d` line, is a magic
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    lines = source_lines(text)
    first = lines[0].strip() if lines else ""
    if first.startswith("%%") and first[2:].split(" ")[0] not in _PYTHON_CELL_MAGICS:
        return "".join(_placeholder(line, "") for line in lines)  # %%bash & co: no Python in it
    out, indent = [], None  # indent: the magic's own, while a line ending in `\` continues it
    for line in lines:
        if indent is None and _LINE_MAGIC.match(line):
            indent = line[:len(line) - len(line.lstrip())]
        out.append(line if indent is None else _placeholder(line, indent))
        if not line.rstrip("\r\n").endswith("\\"):
            indent = None
    return "".join(out)


def _show_magics(text: str) -> str:
    out = []
    for line in source_lines(text):
        match = _MAGIC.fullmatch(line)
        out.append(bytes.fromhex(match.group(1)).decode("utf-8") + (match.group(2) or "") if match else line)
    return "".join(out)


def cells(text: str) -> dict[int, str]:
    """Each code cell's source in `text` (a `python_text`, fixed or not), magics restored.
    Lines before the first marker (an import a fix added) go to the first code cell."""
    found: dict[int, list[str]] = {}
    current: list[str] = []
    head = current
    for line in source_lines(text):
        match = _CELL.fullmatch(line)
        if match:
            current = found.setdefault(int(match.group(1)), [] if found else head)
        else:
            current.append(line)
    return {number: _show_magics("".join(lines)) for number, lines in found.items()}


def position(text: str, line: int) -> tuple[int, int]:
    """(cell number, line in the cell) of a line of `text`; (0, line) when before any cell."""
    cell, start = 0, 0
    for number, content in enumerate(source_lines(text)[:line], 1):
        match = _CELL.fullmatch(content)
        if match:
            cell, start = int(match.group(1)), number
    return (cell, line - start) if cell else (0, line)


def cell_edit(text: str, line: int, column: int, end_line: int, end_column: int) -> tuple[int, int, int] | None:
    """(cell, line, end line in the cell) of a span of `text` (a `python_text`) that lies in one
    cell's own lines, none of them a magic's; a span before the first cell (an import a fix
    adds at the top) is in the first code cell, at its start. None when no cell holds it."""
    lines = source_lines(text)
    if (line, column, end_line, end_column) == (1, 1, 1, 1):  # the very start: before every marker
        first = next((_CELL.fullmatch(content) for content in lines if _CELL.fullmatch(content)), None)
        return (int(first.group(1)), 1, 1) if first else None
    if any(_MAGIC.fullmatch(content) for content in lines[line - 1:end_line]):
        return None
    cell, start = position(text, line)
    end_cell, end = position(text, end_line)
    if cell == 0 or end_cell != cell or start == 0 or end == 0:
        return None  # across cells, or on a cell's marker line
    return cell, start, end


def write_back(data: bytes, new_text: str) -> str:
    """The notebook JSON with the code cells of `new_text`, in the file's own layout
    (indentation, key order, ASCII escapes, final newline); cells and outputs otherwise as
    they were. Raises NotebookError when json cannot reproduce the file as it is."""
    raw = data.decode("utf-8-sig")
    notebook = load(data)
    layout = _layout(notebook, raw)
    new_cells = cells(new_text)
    for number, cell in enumerate(notebook["cells"], 1):
        old = _text(cell["source"])
        new = new_cells.get(number, old) if cell.get("cell_type") == "code" else old
        if not old.endswith("\n") and new.endswith("\n"):
            new = new[:-1]  # the cell's last line had no line end: it keeps none
        if new != old:
            cell["source"] = source_lines(new) if isinstance(cell["source"], list) else new
    return _dump(notebook, *layout)


def _dump(notebook: dict, indent, ensure_ascii: bool, newline: str, bom: str) -> str:
    return bom + json.dumps(notebook, indent=indent, ensure_ascii=ensure_ascii) + newline


def _layout(notebook: dict, raw: str) -> tuple:
    bom = "\ufeff" if raw.startswith("\ufeff") else ""
    newline = raw[len(raw.rstrip("\n")):] if raw.endswith("\n") else ""
    for indent in (1, 2, 4, None, "\t"):
        for ensure_ascii in (False, True):
            if _dump(notebook, indent, ensure_ascii, newline, bom) == raw:
                return indent, ensure_ascii, newline, bom
    raise NotebookError("its JSON layout is not one json.dumps writes (indentation, escapes), so it cannot "
                        "be written back byte for byte; notebook left unchanged")


def cell_diff(path: str, old_text: str, new_text: str) -> bytes:
    """A unified diff per changed cell, headed `a/PATH:cell N` (for reading: not a patch)."""
    old, new = cells(old_text), cells(new_text)
    out = []
    for number in sorted(set(old) | set(new)):
        before, after = source_lines(old.get(number, "")), source_lines(new.get(number, ""))
        for line in difflib.unified_diff(before, after, f"a/{path}:cell {number}", f"b/{path}:cell {number}"):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of cell\n")
    return "".join(out).encode("utf-8")
