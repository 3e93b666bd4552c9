"""Which files to look at; reading and writing them without losing a byte."""

from __future__ import annotations

import io
import os
import re
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pathspec

ALWAYS_SKIPPED_DIRS = frozenset(
    {"__pycache__", "build", "dist", "node_modules", "site-packages", "venv", "env", ".venv"}
)
MAX_FILE_BYTES = 10 * 1024 * 1024  # larger .py files are generated data, not code


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def source_lines(text: str) -> list[str]:
    """The lines of Python source as Python counts them (ends kept): only \\n, \\r\\n and
    \\r end a line. `str.splitlines` also splits at form feeds, \\x1c-\\x1e, \\x85 and
    \\u2028, which old sources and string literals contain, and would shift every line."""
    return _LINE.findall(text)


class SourceError(Exception):
    """A file that cannot be read as Python source; the message names the reason."""


@dataclass(frozen=True)
class SourceFile:
    text: str  # newlines exactly as on disk
    encoding: str  # as detected: "utf-8", "utf-8-sig" (with a BOM), "latin-1", ...


def read_bytes(path: Path) -> bytes:
    """A file's bytes; raises SourceError for one too large to be code, OSError otherwise."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise SourceError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, skipped")
    return path.read_bytes()


def decode_source(data: bytes) -> SourceFile:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"bad encoding declaration: {error}") from error
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding in ("utf-8", "utf-8-sig"):
            raise SourceError(
                f"not valid UTF-8 (byte {error.start}) and declares no other encoding"
            ) from error
        raise SourceError(f"not valid {encoding} (byte {error.start})") from error
    except LookupError as error:
        raise SourceError(f"unknown encoding {encoding!r}") from error
    return SourceFile(text, encoding)


def write_atomic(path: Path, original: SourceFile, new_text: str) -> None:
    """Replace `path` with `new_text` in the file's own encoding, keeping its permissions.

    The new content goes to a temporary file in the same folder and is renamed over the old
    one, so an interrupted run leaves either the old file or the new one, never half of each.
    """
    path = path.resolve()  # write through a symlink, keeping the link
    data = new_text.encode(original.encoding)
    mode = path.stat().st_mode & 0o7777
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".kerasfix-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def _gitignore_spec(folder: Path) -> pathspec.PathSpec | None:
    ignore = folder / ".gitignore"
    if not ignore.is_file():
        return None
    try:
        lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _excluded(path: Path, root: Path, excludes: pathspec.PathSpec | None) -> bool:
    if excludes is None:
        return False
    try:
        relative = path.relative_to(root).as_posix()
    except ValueError:
        relative = path.as_posix()
    return excludes.match_file(relative) or excludes.match_file(relative + "/")


def discover(paths: Iterable[Path], exclude: Iterable[str] = (), root: Path | None = None) -> Iterator[Path]:
    """Python files under `paths`, in a stable order.

    Folders are walked for `*.py`, skipping hidden folders, virtual environments, caches,
    build output and whatever each folder's `.gitignore` (from the walk's start down)
    excludes. A file named explicitly is always taken, unless `exclude` matches it.
    """
    root = (root or Path.cwd()).resolve()
    excludes = pathspec.GitIgnoreSpec.from_lines(list(exclude)) if exclude else None
    seen: set[Path] = set()
    for given in paths:
        if given.is_file() or not given.exists():
            if not _excluded(given.resolve(), root, excludes) and given not in seen:
                seen.add(given)
                yield given
            continue
        yield from _walk(given, root, excludes, seen)


def _walk(top: Path, root: Path, excludes, seen: set[Path]) -> Iterator[Path]:
    specs: list[tuple[Path, pathspec.PathSpec]] = []
    visited: set[tuple[int, int]] = set()
    for folder, dirs, files in os.walk(top, followlinks=False):
        here = Path(folder)
        spec = _gitignore_spec(here)
        specs = [(base, s) for base, s in specs if base == here or base in here.parents]
        if spec is not None:
            specs.append((here, spec))

        def ignored(path: Path, is_dir: bool) -> bool:
            for base, s in specs:
                relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
                if s.match_file(relative):
                    return True
            return _excluded(path.resolve(), root, excludes)

        kept = []
        for name in sorted(dirs):
            path = here / name
            if name.startswith(".") or name in ALWAYS_SKIPPED_DIRS or (path / "pyvenv.cfg").exists():
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            if (stat.st_dev, stat.st_ino) in visited or ignored(path, True):
                continue
            visited.add((stat.st_dev, stat.st_ino))
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            path = here / name
            if name.endswith(".py") and not ignored(path, False) and path not in seen:
                seen.add(path)
                yield path
