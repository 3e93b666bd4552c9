"""Seeded mutations of the fixture inputs, for the fuzz and comment tests: the same code in
the shapes real files have (comments everywhere, one argument a line, wrapped, decorated,
nested, shuffled, continued lines, newer syntax, latin-1 under a coding line, CRLF). Every
mutant compiles."""

from __future__ import annotations

import ast
import io
import json
import random
import tokenize
from pathlib import Path

import libcst as cst

from fixture_cases import all_cases

NEWER_SYNTAX = '''

def _newer_syntax(values):
    match values:
        case [first, *_] if (count := len(values)) > 1:  # a match, a walrus
            return f"{first!r:>{count}} {'nested'}"
        case {"key": value}:
            return value
        case _:
            return None
'''


def fixture_inputs() -> list[tuple[str, str]]:
    """(case id, source) of every single-file fixture input."""
    return [(c.id, c.input.read_text(encoding="utf-8")) for c in all_cases() if not c.multi_file]


class _OnePerLine(cst.CSTTransformer):
    """Some calls get one argument a line, as long calls are written."""

    def __init__(self, rng: random.Random):
        super().__init__()
        self.rng = rng

    def leave_Call(self, original_node, updated_node):
        if not updated_node.args or self.rng.random() < 0.4 \
                or any(isinstance(a.value, cst.GeneratorExp) for a in updated_node.args):
            return updated_node
        brk = cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace("    "))
        end = cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(""))
        args = [a.with_changes(comma=cst.Comma(whitespace_after=brk)) for a in updated_node.args[:-1]]
        trailing = self.rng.random() < 0.5
        last = updated_node.args[-1]
        args.append(last.with_changes(comma=cst.Comma(whitespace_after=end)) if trailing and not last.star
                    else last.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=end))
        return updated_node.with_changes(args=args, whitespace_before_args=brk)


def _lines_to_comment(source: str) -> tuple[set[int], set[int]]:
    """Lines whose end can take a comment, and lines above which a comment line can go."""
    ends, starts = set(), {1}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.NL, tokenize.NEWLINE) and token.line.strip() \
                and not token.line.rstrip().endswith("\\") and "#" not in token.line:
            ends.add(token.start[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            starts.add(token.start[0] + 1)
    return ends, starts


LATIN1_HEADER = '#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nAUTHOR = "Fran\xe7ois"\n'


def _comment(source: str, rng: random.Random, label: str, mark: str = "\u2713") -> str:
    ends, starts = _lines_to_comment(source)
    lines = source.splitlines(keepends=True)
    out = []
    for number, line in enumerate(lines, start=1):
        if number in starts and line.strip() and rng.random() < 0.15:
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}# {label} above {number}: (paren \xfc\n")
        if number in ends and rng.random() < 0.35:
            line = line.rstrip("\n") + f"  # {label} {number} {mark}\n"
        out.append(line)
    return "".join(out)


def _indent(text: str) -> str:
    return "".join("    " + line if line.strip() else line for line in text.splitlines(keepends=True))


def _top_statements(source: str) -> list[tuple[int, int, ast.stmt]]:
    tree = ast.parse(source)
    spans = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        spans.append((start, node.end_lineno, node))
    return spans


def _wrap_classes(source: str, rng: random.Random) -> str:
    """Wrap some classes in `if`, `try`, an outer class, or add a decorator."""
    lines = source.splitlines(keepends=True)
    for start, end, node in reversed(_top_statements(source)):
        if not isinstance(node, ast.ClassDef) or rng.random() < 0.5:
            continue
        body = "".join(lines[start - 1:end])
        choice = rng.choice(["if", "try", "outer", "decorator"])
        if choice == "if":
            new = "if True:\n" + _indent(body)
        elif choice == "try":
            new = "try:\n" + _indent(body) + "except ImportError:\n    raise\n"
        elif choice == "outer":
            new = "class Outer:\n    '''Holds a layer.'''\n" + _indent(body)
        else:
            new = "@(lambda cls: cls)\n" + body
        lines[start - 1:end] = [new]
    return "".join(lines)


def _shuffle(source: str, rng: random.Random) -> str:
    """The classes and functions after the imports, in another order."""
    spans = _top_statements(source)
    lines = source.splitlines(keepends=True)
    movable = [s for s in spans if isinstance(s[2], (ast.ClassDef, ast.FunctionDef))]
    if len(movable) < 2:
        return source
    first = movable[0][0]
    if any(start >= first and not isinstance(node, (ast.ClassDef, ast.FunctionDef)) for start, _, node in spans):
        return source  # code between them might matter to the order; keep it simple
    chunks = ["".join(lines[s - 1:e]).rstrip("\n") + "\n" for s, e, _ in movable]
    rng.shuffle(chunks)
    return "".join(lines[:first - 1]) + "\n\n".join(chunks)


def _continue_lines(source: str, rng: random.Random) -> str:
    """A backslash after some `=` of an assignment."""
    lines = source.splitlines(keepends=True)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if " = " in stripped and stripped.startswith("self.") and "#" not in line and rng.random() < 0.3:
            head, _, tail = line.partition(" = ")
            indent = line[:len(line) - len(line.lstrip())]
            lines[index] = f"{head} = \\\n{indent}        {tail}"
    return "".join(lines)


def mutate(source: str, seed: int, latin1: bool = False) -> bytes:
    """A mutant's bytes: UTF-8, or latin-1 under a shebang and a coding line; now and then
    with CRLF line ends."""
    rng = random.Random(seed)
    text = source
    if rng.random() < 0.7:
        text = cst.parse_module(text).visit(_OnePerLine(rng)).code
    if rng.random() < 0.3:
        text = _shuffle(text, rng)
    if rng.random() < 0.5:
        text = _continue_lines(text, rng)
    if rng.random() < 0.5:
        text = _wrap_classes(text, rng)
    if rng.random() < 0.3:
        text += NEWER_SYNTAX
    if rng.random() < 0.9:
        text = _comment(text, rng, f"note{seed}", "\xe9" if latin1 else "\u2713")
    if latin1:
        text = LATIN1_HEADER + text
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    data = text.encode("latin-1" if latin1 else "utf-8")
    compile(data, f"mutant {seed}", "exec", dont_inherit=True)
    return data


def write_mutants(folder: Path, count: int, seed: int = 0) -> dict[str, str]:
    """`count` mutants of the fixture inputs in `folder`, the second of each fixture in
    latin-1: file name -> the case it came from."""
    inputs = fixture_inputs()
    rng = random.Random(seed)
    origin = {}
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        case, source = inputs[number % len(inputs)]
        name = f"m{number:04d}_{case.replace('/', '_')}.py"
        latin1 = number // len(inputs) == 1
        (folder / name).write_bytes(mutate(source, rng.randrange(1 << 30), latin1))
        origin[name] = case
    return origin


# --- line ends and notebooks (issue 21) --------------------------------------------------------


def mixed_line_ends(data: bytes, seed: int) -> bytes:
    """Some \\n line ends made old Mac \\r (and a few \\r\\n), as files edited on several
    systems have them; Python reads the file the same."""
    rng = random.Random(seed)
    lines = data.split(b"\n")
    out, end = [], b""
    for line in lines[:-1]:  # never \r then an empty line ended by \n: that is one \r\n line end
        end = rng.choice([b"\r", b"\r\n"] if end == b"\r" and not line else [b"\n", b"\n", b"\r", b"\r\n"])
        out.append(line + end)
    return b"".join(out) + lines[-1]


# Magics the notebook mutants hold, as IPython reads them: cell magics on a cell's first line,
# line magics at the start of a statement (also inside a method, at its indentation), a shell
# line continued with `\`, and Python lines that only look like magics (`%` and `!=` continuing
# an expression). tests/test_fuzz.py turns exactly these into calls, as IPython does.
LINE_MAGICS = ("%time None", "!echo step", "listing = !ls", "%env KERAS_BACKEND=tensorflow")
SETUP_CELLS = ("%matplotlib inline\n!pip install tensorflow \\\n    keras\n", "%%bash\npip install tensorflow\n",
               "%%capture\n!pip install tensorflow\n", "import asyncio\nawait asyncio.sleep(0)\n",
               "print('loss: %f'\n      % 0.5, (1\n      != 2))\nlen?\n")
PYTHON_CELL_MAGICS = ("%%capture\n", "%%time\n")


def _body_starts(source: str) -> list[tuple[int, int]]:
    """(line, indentation) of statements in function bodies that start their line."""
    lines = source.splitlines(keepends=True)
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for statement in node.body:
                first = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
                line = lines[first - 1]
                if len(line) - len(line.lstrip()) == statement.col_offset and not isinstance(statement, ast.Expr):
                    found.append((first, statement.col_offset))
    return found


def _cells_of(source: str, rng: random.Random) -> list[str]:
    """The module cut into cells at some top-level statements, line magics put in methods."""
    starts = sorted({start for start, _, _ in _top_statements(source)} - {1})
    cuts = [1] + sorted(rng.sample(starts, min(len(starts), rng.randrange(3)))) + [None]
    lines = source.splitlines(keepends=True)
    cells = []
    for first, end in zip(cuts, cuts[1:]):
        cell = "".join(lines[first - 1:end - 1 if end else None])
        if not cell.strip():
            continue
        cell_lines = cell.splitlines(keepends=True)
        for line, indent in sorted(_body_starts(cell), reverse=True):
            if rng.random() < 0.3:
                cell_lines.insert(line - 1, " " * indent + rng.choice(LINE_MAGICS) + "\n")
        cells.append("".join(cell_lines))
    return cells


def notebook_mutant(source: str, seed: int) -> tuple[dict, str, bool]:
    """A notebook of `source` (its JSON object), the name of the layout to save it in (a key of
    NOTEBOOK_LAYOUTS) and whether it starts with a BOM."""
    rng = random.Random(seed)
    cells = _cells_of(source, rng)
    if rng.random() < 0.5 and not cells[0].startswith("from __future__"):
        cells[0] = rng.choice(PYTHON_CELL_MAGICS) + cells[0]
    elif rng.random() < 0.3 and "from __future__" not in source:
        cells[0] = "from __future__ import print_function\n" + cells[0]
    cells[rng.randrange(len(cells) + 1):0] = [rng.choice(SETUP_CELLS)]
    book = {"cells": [], "metadata": {"colab": {"provenance": []}, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": rng.choice([0, 4, 5])}
    for number, cell in enumerate(cells):
        if rng.random() < 0.3:
            book["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["# Step <1> & é\n"]})
        book["cells"].append({"cell_type": "code", "execution_count": number, "metadata": {}, "source":
                              cell.splitlines(keepends=True), "outputs": [
                                  {"name": "stdout", "output_type": "stream", "text": ["<done> é\n"]}]})
    return book, rng.choice(sorted(NOTEBOOK_LAYOUTS)), rng.random() < 0.2


def _escaped(text: str) -> str:
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _string_sources(book: dict) -> dict:
    return {**book, "cells": [{**c, "source": "".join(c["source"])} for c in book["cells"]]}


# the layouts tools save notebooks in: a notebook's JSON object -> its text
NOTEBOOK_LAYOUTS = {
    "jupyter": lambda book: json.dumps(book, indent=1, ensure_ascii=False) + "\n",
    "colab": lambda book: _escaped(json.dumps(book, indent=2)),
    "colab compact": lambda book: _escaped(json.dumps(book, separators=(",", ":"))),
    "crlf": lambda book: (json.dumps(book, indent=1, ensure_ascii=False) + "\n").replace("\n", "\r\n"),
    "ascii indent 4": lambda book: json.dumps(book, indent=4),
    "string sources": lambda book: json.dumps(_string_sources(book), indent=1, ensure_ascii=False) + "\n",
}


def write_notebook_mutants(folder: Path, count: int, seed: int = 0) -> dict[str, tuple[dict, str, bool]]:
    """`count` notebooks of fixture inputs (every third one) in `folder`: name -> what
    notebook_mutant made of it."""
    inputs = fixture_inputs()[::3]
    rng = random.Random(seed)
    made = {}
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        case, source = inputs[number % len(inputs)]
        name = f"n{number:03d}_{case.replace('/', '_')}.ipynb"
        book, layout, bom = made[name] = notebook_mutant(source, rng.randrange(1 << 30))
        (folder / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + NOTEBOOK_LAYOUTS[layout](book).encode())
    return made
