"""Run kerasfix with the stages after one left out, to time what each stage of a cold check
costs (`bench.py --stages`): where the floor of this design is, measured, not guessed.

    python benchmarks/stages.py STAGE check --no-cache --exit-zero TREE

STAGE is one of:

    start   walk, read and sort out the files (the byte-level gates, the class graph); no parse
    parse   and `ast.parse` of each file the scan reads, nothing taken from its trees
    scan    and the scan's facts (classes, imports, functions, trigger signals): the index
    pieces  and libcst (imported, and parsing each piece the prefilter keeps); no rule runs
    full    kerasfix as it is

Each stage leaves out what comes after it by replacing one function of kerasfix's own; a
function renamed there fails here (`_replace`), and tests/test_stages.py checks that
each stage still parses and finds what it should. Not a path a user ever runs.
"""

from __future__ import annotations

import ast
import sys
from typing import Any, Callable

STAGES = ("start", "parse", "scan", "pieces", "full")


def _replace(module: Any, name: str, new: Callable) -> None:
    if not callable(getattr(module, name, None)):
        raise SystemExit(f"stages.py: kerasfix.{module.__name__}.{name} is gone: update benchmarks/stages.py")
    setattr(module, name, new)


def limit(stage: str) -> None:
    """Leave out every stage after `stage` (see the module's docstring)."""
    if stage not in STAGES:
        raise SystemExit(f"stages.py: STAGE is one of {', '.join(STAGES)}, not {stage!r}")
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
    if stage == "pieces":
        from kerasfix import engine  # here: it imports libcst, which the stages before never do

        _replace(engine, "analyze", lambda *args, **kwargs: ([], {}))


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    limit(sys.argv[1])
    sys.argv = ["kerasfix", *sys.argv[2:]]
    from kerasfix.cli import main as kerasfix

    kerasfix()


if __name__ == "__main__":
    main()
