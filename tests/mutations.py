"""Seeded mutations of the fixture inputs, for the fuzz and comment tests: the same code in
the shapes real files have (comments everywhere, one argument a line, wrapped, decorated,
nested, shuffled, continued lines, newer syntax, latin-1 under a coding line, CRLF). Every
mutant compiles."""

from __future__ import annotations

import ast
import io
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
