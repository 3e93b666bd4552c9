"""Jupyter notebooks (nbformat 4) as one Python text, and back.

The code cells are joined into one text, so that a layer defined in one cell and subclassed
in a later one is seen as in a module. Each cell starts with a marker line
`__kerasfix_cell_N__` (N: the cell's number among ALL cells, markdown included, from 1, as
the notebook shows them). IPython magics and shell lines (`%matplotlib`, `!pip`, `?help`, a
`%%bash` cell) become `__kerasfix_magic_HEX__` (HEX: the line's own UTF-8 bytes after its
indentation, which moves with its block) or, for the lines a magic continues with `\\` and a
`%%bash` cell's, `__kerasfix_more_HEX__` (the whole line, kept as it is). All are bare names:
valid Python, no comment (the engine refuses a rewrite whose comments change), no string,
nothing a rule looks at, and each carries what is needed to undo it, so that the text alone
(a diff, a fixed text) splits back into cells.
"""

from __future__ import annotations

import ast
import difflib
import functools
import io
import json
import re
import tokenize

from .lines import source_lines
from .nbjson import LayoutError, source_spans, with_sources

SUFFIX = ".ipynb"
# a notebook's JSON is mostly outputs (plots as base64): the 10 MB limit of a .py file holds for its code
MAX_BYTES = 512 * 1024 * 1024
_CELL = re.compile(r"__kerasfix_cell_(\d+)__(?:\r\n|\r|\n)?")
_ANY_CELL = re.compile(r"^__kerasfix_cell_\d+__$", re.MULTILINE)
_MAGIC = re.compile(r"([ \t]*)__kerasfix_(magic|more)_([0-9a-f]*)__[ \t]*(\r\n|\r|\n)?")
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
    if not isinstance(notebook, dict):
        raise NotebookError("not a Jupyter notebook (no list of cells)")
    version = notebook.get("nbformat")
    if isinstance(version, str):
        raise NotebookError(f"nbformat is the string {version!r}, not a number: not a notebook Jupyter writes")
    if isinstance(version, int) and version < 4:
        raise NotebookError(f"nbformat {version} notebooks are not read (only 4): Jupyter converts them when "
                            "it opens and saves them")
    if not isinstance(notebook.get("cells"), list):
        raise NotebookError("not a Jupyter notebook (no list of cells)")
    if version != 4:
        raise NotebookError(f"nbformat {version!r} notebooks are not read (only 4)")
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
    """The code cells as one Python text, each after its marker line, magics replaced.
    Raises NotebookError, also when the code is over the 10 MB a .py file may have."""
    from .files import MAX_FILE_BYTES

    parts = []
    for number, text in _code_cells(load(data)):
        parts.append(f"__kerasfix_cell_{number}__\n")
        body = _hide_magics(text)
        parts.append(body if body.endswith(("\n", "\r")) or not body else body + "\n")
    text = "".join(parts)
    if len(text) > MAX_FILE_BYTES:
        raise NotebookError(f"its code is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, skipped")
    return text


def _placeholder(kind: str, content: str, indent: str) -> str:
    body = content.rstrip("\r\n")
    return f"{indent}__kerasfix_{kind}_{body.encode('utf-8').hex()}__{content[len(body):]}"


def _statement_starts(lines: list[str]) -> set[int]:
    """The lines (0-based) where a logical line starts, as IPython's token transformers find
    them (`make_tokens_by_line`): tokenize's lines, brackets counted, so that a line inside
    brackets (`% x` continuing a format, `!= 2`) is never taken for a magic."""
    starts: set[int] = set()
    fresh, depth = True, 0
    try:
        for token in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            if token.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
                continue
            if fresh:
                starts.add(token.start[0] - 1)
                fresh = False
            if token.type == tokenize.NEWLINE or (token.type == tokenize.NL and depth <= 0):
                fresh = True
            elif token.string in ("(", "[", "{"):
                depth += 1
            elif token.string in (")", "]", "}") and depth > 0:
                depth -= 1
    except (tokenize.TokenError, SyntaxError):
        pass  # an open bracket or string at the end: IPython stops there too
    return starts


def _hide_magics(text: str) -> str:
    lines = source_lines(text)
    first = lines[0].strip() if lines else ""
    if not (first.startswith("%%") or _indented_as_a_whole(lines) or any(map(_LINE_MAGIC.match, lines))):
        return text  # no line a magic could start on: what the loop below would give (a parse cost more)
    try:
        ast.parse(text)
        return text  # valid Python: nothing in it, not even a string's `%d` line, is a magic
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    if first.startswith("%%") and first[2:].split(" ")[0] not in _PYTHON_CELL_MAGICS:
        return "".join(_placeholder("more", line, "") for line in lines)  # %%bash & co: no Python in it
    if _indented_as_a_whole(lines):
        # IPython takes the first line's indentation off every line (`leading_indent`); kerasfix
        # does not read such a cell (its lines could not be written back as they were)
        return "".join(_placeholder("more", line, "") for line in lines)
    starts = _statement_starts(lines)
    out, indent = [], None  # indent: the magic's own, while a line ending in `\` continues it
    for number, line in enumerate(lines):
        if indent is None and number in starts and _LINE_MAGIC.match(line):
            indent = line[:len(line) - len(line.lstrip())]
            out.append(_placeholder("magic", line[len(indent):], indent))
        else:
            out.append(line if indent is None else _placeholder("more", line, indent))
        if not line.rstrip("\r\n").endswith("\\"):
            indent = None
    return "".join(out)


def _indented_as_a_whole(lines: list[str]) -> bool:
    """The cell's first line that is not blank starts with a space or a tab."""
    first = next((line for line in lines if line.strip()), "")
    return first[:1] in (" ", "\t")


def _show_magics(text: str) -> str:
    out = []
    for line in source_lines(text):
        match = _MAGIC.fullmatch(line)
        if match is None:
            out.append(line)
            continue
        indent, kind, code, end = match.groups()
        shown = bytes.fromhex(code).decode("utf-8")
        out.append((indent if kind == "magic" else "") + shown + (end or ""))
    return "".join(out)


def _split(text: str) -> tuple[list[str], dict[int, str]]:
    """The lines before the first marker (imports a fix added), and each cell's code in `text`."""
    found: dict[int, list[str]] = {}
    head: list[str] = []
    current = head
    for line in source_lines(text):
        match = _CELL.fullmatch(line)
        if match:
            current = found.setdefault(int(match.group(1)), [])
        else:
            current.append(line)
    return head, {number: _show_magics("".join(lines)) for number, lines in found.items()}


@functools.lru_cache(maxsize=16)
def _parts(text: str) -> tuple[tuple[str, ...], dict[int, str], tuple[int, int] | None]:
    head, found = _split(text)
    return tuple(head), found, _head_place(found) if head else None


def _head_place(found: dict[int, str]) -> tuple[int, int] | None:
    """Where lines a fix adds above every cell (its imports) go: in the first code cell that
    holds Python, below its cell magic (`%%time`, `%%capture`) and its `from __future__`
    imports; (cell, lines before them). Never above a cell magic: IPython refuses the cell."""
    for number, source in found.items():
        lines = source_lines(source)
        if not "".join(lines).strip():
            continue
        first = lines[0].strip()
        skip = 0
        if first.startswith("%%"):
            if first[2:].split(" ")[0] not in _PYTHON_CELL_MAGICS:
                continue
            skip = 1
        return number, skip + _futures_end(lines[skip:])
    return None


def _futures_end(lines: list[str]) -> int:
    try:
        tree = ast.parse(_hide_magics("".join(lines)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 0
    end = 0
    for index, node in enumerate(tree.body):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            end = node.end_lineno or node.lineno
        elif not (index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            break
    return end


def cells(text: str) -> dict[int, str]:
    """Each code cell's source in `text` (a `python_text`, fixed or not), magics restored.
    Lines before the first marker (an import a fix added) go where `_head_place` says (the
    first code cell, if no cell holds Python: the cell compile check then refuses it)."""
    head, found, place = _parts(text)
    if not head or not found:
        return dict(found)
    number, skip = place if place is not None else (next(iter(found)), 0)
    lines = source_lines(found[number])
    if skip and skip == len(lines) and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    return {**found, number: "".join(lines[:skip]) + "".join(head) + "".join(lines[skip:])}


def is_cells_text(text: str) -> bool:
    """Whether `text` is a `python_text` (the engine compiles it cell by cell)."""
    return _ANY_CELL.search(text) is not None


def compile_cells(text: str) -> None:
    """Each code cell of `text` compiled as IPython runs it: alone (a `from __future__`
    import starts its own cell; `await` may stand at the top level, as IPython's autoawait
    runs it), its magics made names in their place, as IPython makes them calls. Raises
    SyntaxError naming the cell: a cell written so would not run."""
    for number, source in cells(text).items():
        try:
            compile(_hide_magics(source), f"cell {number}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                    dont_inherit=True)
        except SyntaxError as error:
            raise SyntaxError(f"{error.msg}, cell {number}, line {error.lineno}") from None
        except ValueError as error:
            raise SyntaxError(f"{error}, cell {number}") from None


def position(text: str, line: int) -> tuple[int, int]:
    """(cell number, line in the cell) of a line of `text`; (0, line) when before any cell."""
    cell, start = 0, 0
    for number, content in enumerate(source_lines(text)[:line], 1):
        match = _CELL.fullmatch(content)
        if match:
            cell, start = int(match.group(1)), number
    if not cell:
        return 0, line
    head, _, place = _parts(text)
    if head and place is not None and place[0] == cell and line - start > place[1]:
        return cell, line - start + len(head)  # below the lines a fix added in this cell
    return cell, line - start


def cell_edit(text: str, line: int, column: int, end_line: int, end_column: int) -> tuple[int, int, int] | None:
    """(cell, line, end line in the cell) of a span of `text` (a `python_text`) that lies in one
    cell's own lines, none of them a magic's; a span before the first cell (an import a fix
    adds at the top) is where `cells` puts it. None when no cell holds it."""
    lines = source_lines(text)
    if (line, column, end_line, end_column) == (1, 1, 1, 1):  # the very start: before every marker
        _, found, _ = _parts(text)
        place = _head_place(found)
        if place is None:
            return None
        return place[0], place[1] + 1, place[1] + 1
    if any(_MAGIC.fullmatch(content) for content in lines[line - 1:end_line]):
        return None
    cell, start = position(text, line)
    end_cell, end = position(text, end_line)
    if cell == 0 or end_cell != cell or start == 0 or end == 0:
        return None  # across cells, or on a cell's marker line
    return cell, start, end


def write_back(data: bytes, new_text: str) -> str:
    """The notebook JSON with the code cells of `new_text`; every byte but the changed
    sources' as it was (BOM, indentation, key order, escapes, line ends, final newline), and
    new lines escaped as the file escapes. Raises NotebookError when that cannot be done."""
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    raw = data.decode("utf-8-sig")
    notebook = load(data)
    new_cells = cells(new_text)
    sources: dict[int, str | list[str]] = {}
    for index, cell in enumerate(notebook["cells"]):
        old = _text(cell["source"])
        new = new_cells.get(index + 1, old) if cell.get("cell_type") == "code" else old
        if not old.endswith("\n") and new.endswith("\n"):
            new = new[:-1]  # the cell's last line had no line end: it keeps none
        if new != old:
            sources[index] = source_lines(new) if isinstance(cell["source"], list) else new
    try:
        return bom + with_sources(raw, sources)
    except LayoutError as error:
        raise NotebookError(f"its JSON layout cannot be kept ({error}); notebook left unchanged") from None


def layout_problem(data: bytes) -> str | None:
    """Why `write_back` could not write this notebook whatever a fix changes, or None: every
    dry run says it before a fix is promised."""
    try:
        raw = data.decode("utf-8-sig")
        book = load(data)
        spans = source_spans(raw)
        if len(spans) != len(book["cells"]):
            reason = "its cells are not where json reads them"
        else:
            reason = next((f"cell {index}'s source is not where json reads it"
                           for index, (span, cell) in enumerate(zip(spans, book["cells"]), 1)
                           if span is None or json.loads(raw[span.start:span.end]) != cell["source"]), "")
    except (NotebookError, LayoutError, UnicodeDecodeError, ValueError) as error:
        reason = str(error)
    return f"its JSON layout cannot be kept ({reason}); notebook left unchanged" if reason else None


def cell_diff(path: str, old_text: str, new_text: str) -> bytes:
    """A unified diff per changed cell, headed `a/PATH:cell N` (for reading: not a patch)."""
    old, new = cells(old_text), cells(new_text)
    out = []
    for number in sorted(set(old) | set(new)):
        before, after = source_lines(old.get(number, "")), source_lines(new.get(number, ""))
        for line in difflib.unified_diff(before, after, f"a/{path}:cell {number}", f"b/{path}:cell {number}"):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of cell\n")
    return "".join(out).encode("utf-8")
