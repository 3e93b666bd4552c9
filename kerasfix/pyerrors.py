"""Python's own verdict on a file it cannot read: clearer than a parser's token lists, and the
same for the same bytes in every run of one Python (the cache keeps it, `cache.Cache.get_error`)."""

from __future__ import annotations

import ast
import sys

from .results import FileError

# CPython refuses these nestings cleanly; libcst's native parser overflows its stack on some
# of them (measured: 3,000 parentheses or 10,000 unary minuses kill the process with SIGSEGV;
# 1,000 parentheses, which CPython refuses too, parse)
_NESTING_ERRORS = ("too many nested parentheses", "too complex", "too many levels of indentation",
                   "recursion depth", "MemoryError")


def is_pythons(error: FileError | None) -> bool:
    """The error is Python's verdict on the file's bytes (`python_error`): the same in every run
    of this Python, whatever the rules, the tree or the mode."""
    return error is not None and error.kind == "syntax" and error.message.startswith("not valid Python 3: ")


def too_deep_for_libcst(data: bytes) -> FileError | None:
    """Why Python itself refuses a file for its nesting, or None. A file Python refuses for
    another reason (newer syntax, say) is left to libcst, which may read it."""
    error = python_error(data)
    return error if error and any(reason in error.message for reason in _NESTING_ERRORS) else None


def syntax_error(text: str, error: Exception, *, fixing: bool) -> FileError:
    """Python's own words for a syntax error are clearer than the parser's token lists; and
    when the input is valid, the failure is kerasfix's own (a fix that libcst cannot re-read)."""
    refused = python_error(text)
    if refused:
        return refused
    if fixing:
        import libcst as cst

        try:
            cst.parse_module(text)
        except cst.ParserSyntaxError:
            pass
        else:
            return FileError("kerasfix could not fix this file: a fix produced code that does not parse "
                             "(please report this); file left unchanged", "fix")
    return FileError(f"cannot be parsed by libcst: {first_line(error)[:200]}", "syntax")


def python_error(source: str | bytes) -> FileError | None:
    """Why Python refuses the source (bytes: as its coding line says), or None."""
    try:
        ast.parse(source)
    except SyntaxError as python_error:
        return FileError(f"not valid Python 3: {python_error.msg}", "syntax", python_error.lineno or 0)
    except (ValueError, RecursionError, MemoryError) as other:
        return FileError(f"not valid Python 3: {other or type(other).__name__}", "syntax")
    return None


def newer_than_this_python(text: str) -> FileError | None:
    """Why a file libcst reads (so kerasfix found what it found) cannot be fixed: the Python
    running kerasfix cannot compile it (PEP 695 `type` statements on 3.11, say), so no output
    can be checked to compile. None when it compiles."""
    try:
        ast.parse(text)
    except SyntaxError as error:
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        return FileError(f"Python {running}, which runs kerasfix, cannot compile this file ({error.msg}, line "
                         f"{error.lineno}), so no fix can be checked to compile: run kerasfix with the Python the "
                         "project targets; file left unchanged", "fix")
    except (ValueError, RecursionError, MemoryError):
        return python_error(text)
    return None


def first_line(error: Exception) -> str:
    text = getattr(error, "message", None) or str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
