"""Writing a run's fixes back: files in place (in the coordinator only, so that no worker
outlives it with a file half done), a notebook's code into its JSON, and `apply -`'s answer on
standard output. A write that fails is the file's error, and nothing of it counts as fixed."""

from __future__ import annotations

from pathlib import Path

from . import notebook
from .files import SourceFile, WriteRefused, decode_source, write_atomic
from .results import FileResult
from .sources import Source


def write(source: Source, file_result: FileResult) -> bytes | None:
    """Write a fixed file; return the Python bytes written (a notebook's: its new code, by
    which the cache keys it), or None with the file's error set and the file as it was."""
    if source.notebook is not None:
        return _write_notebook(source, file_result)
    original = decode_source(source.data)
    assert file_result.new_source is not None  # only a changed file is written
    try:
        data = file_result.new_source.encode(original.encoding)
        write_atomic(Path(source.real_path), original, file_result.new_source)
    except UnicodeEncodeError as error:
        reason = (f"kerasfix could not write its fix in the file's encoding ({original.encoding} cannot hold "
                  f"{error.object[error.start:error.end]!r}; please report this); file left unchanged")
    except WriteRefused as error:  # changed since it was read, read-only, a link out of the tree
        reason = str(error)
    except OSError as error:
        reason = f"cannot write: {error.strerror or error}; file left unchanged"
    else:
        file_result.written = True
        return data
    not_written(file_result, reason)
    return None


def not_written(file_result: FileResult, reason: str) -> None:
    file_result.fail(reason, "write")
    file_result.new_source = None
    file_result.fixed = {}
    file_result.remaining = list(file_result.findings)


def _write_notebook(source: Source, file_result: FileResult) -> bytes | None:
    assert source.notebook is not None and file_result.notebook_text is not None
    text = file_result.notebook_text
    try:
        write_atomic(Path(source.real_path), SourceFile("", "utf-8", source.notebook), text)
        written = notebook.python_text(text.encode("utf-8")).encode("utf-8")
    except WriteRefused as error:  # the message is the whole reason
        reason = str(error)
    except OSError as error:
        reason = f"cannot write: {error.strerror or error}; file left unchanged"
    else:
        file_result.written = True
        return written
    not_written(file_result, reason)
    return None


def answer_stdin(source: Source, f: FileResult) -> None:
    """What `apply -` writes on standard output: the input fixed, or as it came when nothing
    changed (an editor replaces its buffer with it); a notebook in its own layout, not its
    code, and as it came when it cannot be fixed; nothing when a Python input could not be
    processed."""
    if source.notebook is not None:
        if f.new_source is not None:
            f.new_source = f.notebook_text
        f.original, f.encoding = source.notebook.decode("utf-8"), "utf-8"
        f.stdout = _stdin_bytes(f)
    elif f.error is None:
        f.stdout = _stdin_bytes(f)


def _stdin_bytes(f: FileResult) -> bytes:
    """The answer in the input's own encoding, BOM included (`utf-8-sig` writes it)."""
    encoding = f.encoding or "utf-8"
    original = f.original if f.original is not None else ""
    try:
        return (original if f.new_source is None else f.new_source).encode(encoding)
    except UnicodeEncodeError as error:  # the input comes back as it was: an editor keeps its buffer
        f.fail(f"kerasfix could not write its fix in the input's encoding ({encoding} cannot hold "
               f"{error.object[error.start:error.end]!r}; please report this); input left unchanged", "write")
        f.new_source, f.fixed, f.remaining = None, {}, list(f.findings)
        return original.encode(encoding)
