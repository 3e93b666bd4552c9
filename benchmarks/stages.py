"""Run kerasfix with the stages after one left out, to time what each stage of a cold check
costs (`bench.py --stages`): where the floor of this design is, measured, not guessed.

    python benchmarks/stages.py STAGE check --no-cache --exit-zero TREE

STAGE is one of:

    start   walk, read and sort out the files (the byte-level gates, the class graph); no parse
    parse   and `ast.parse` of each file the scan reads, nothing taken from its trees
    scan    and the scan's facts (classes, imports, functions, trigger signals): the index
    pieces  and libcst (imported, and parsing each piece the prefilter keeps); no rule runs
    full    kerasfix as it is

and one what-if, beside the stages rather than after them:

    ast-pieces  `pieces` with each piece read by `ast.parse` in place of libcst: the floor of
                a design whose rules read `ast`, rules aside (libcst is still imported: the
                prefilter asks the rules' registry, which imports it)

Each stage leaves out what comes after it by replacing one function of kerasfix's own; a
function renamed there fails here (`_replace`), and tests/test_stages.py checks that
each stage still parses and finds what it should. Not a path a user ever runs.
"""

from __future__ import annotations

import ast
import sys
from typing import Any, Callable

STAGES = ("start", "parse", "scan", "pieces", "full")
WHAT_IF = ("ast-pieces",)


def _replace(module: Any, name: str, new: Callable) -> None:
    if not callable(getattr(module, name, None)):
        raise SystemExit(f"stages.py: kerasfix.{module.__name__}.{name} is gone: update benchmarks/stages.py")
    setattr(module, name, new)


def limit(stage: str) -> None:
    """Leave out every stage after `stage` (see the module's docstring)."""
    if stage not in STAGES + WHAT_IF:
        raise SystemExit(f"stages.py: STAGE is one of {', '.join(STAGES + WHAT_IF)}, not {stage!r}")
    from kerasfix import runner
    from kerasfix.results import FileResult

    if stage in ("start", "parse", "scan"):
        def unprocessed(item, work):
            result = FileResult(item[0].path)
            result.checked = True
            return result

        _replace(runner, "process_job", unprocessed)
        _replace(runner, "_meanwhile", lambda missing: None)  # libcst is never imported,
        _replace(runner, "_import_parser", lambda: None)  # neither during the scan nor after
    if stage in ("start", "parse"):
        def parsed_only(item):
            if stage == "parse":
                try:
                    ast.parse(item[0].data)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    pass
            return None  # as a file whose scan failed: no class, no function known

        _replace(runner, "scan_or_functions_job", parsed_only)
    if stage == "ast-pieces":
        _replace(runner, "process_job", _pieces_by_ast)
    if stage == "pieces":
        from kerasfix import engine  # here: it imports libcst, which the stages before never do

        _replace(engine, "analyze", lambda *args, **kwargs: ([], {}))


def _pieces_by_ast(item, work):
    """`process_job` up to the prefilter, each piece it keeps then read by `ast.parse`."""
    from kerasfix import runner
    from kerasfix.files import SourceError, decode_source, python_newlines
    from kerasfix.results import FileResult
    from kerasfix.target import BOTH

    job, scan = item
    result = FileResult(job.path)
    result.checked = True
    try:
        text, _ = python_newlines(decode_source(job.data).text)
    except SourceError:
        return result
    if scan is None:
        return result
    lines = text.splitlines(keepends=True)
    target = work.settings.target.lines if work.settings.target else BOTH
    for first, last in runner.pieces_worth_parsing(text, scan, work.index, lambda code: True, target):
        try:
            ast.parse("".join(lines[first - 1:last]))
        except SyntaxError:
            pass
        result.parsed = True  # counted as kerasfix counts a file whose pieces libcst parsed
    return result


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    limit(sys.argv[1])
    sys.argv = ["kerasfix", *sys.argv[2:]]
    from kerasfix.cli import main as kerasfix

    kerasfix()


if __name__ == "__main__":
    main()
