"""Which files to look at; reading and writing them without losing a byte."""

from __future__ import annotations

import difflib
import errno
import io
import os
import re
import stat
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .lines import source_lines

if TYPE_CHECKING:
    import pathspec

ALWAYS_SKIPPED_DIRS = frozenset(
    {"__pycache__", "build", "dist", "node_modules", "site-packages", "venv", "env", ".venv"}
)
MAX_FILE_BYTES = 10 * 1024 * 1024  # larger .py files are generated data, not code


def python_newlines(text: str) -> tuple[str, Callable[[str], str]]:
    """`text` with old Mac (CR-only) line ends made \\n, and the function that puts them back.
    libcst drops blank lines and the last line end of a CR-only file (measured, libcst 1.9),
    and in a file that mixes them with \\n, the \\r-ended blank lines and a final \\r (R12).
    Where no \\n exists, every \\r ends a line (Python reads them so), so the round trip is
    exact; in a mixed file, each line a fix left as it was keeps its own line end."""
    if "\r" not in text:
        return text, lambda new: new
    if "\n" not in text:
        return text.replace("\r", "\n"), lambda new: new.replace("\n", "\r")
    plain = _LONE_CR.sub("\n", text)
    if plain == text:  # \r\n and \n only: libcst keeps them
        return text, lambda new: new
    return plain, lambda new: _line_ends_kept(text, new)


_LONE_CR = re.compile(r"\r(?!\n)")


def _line_ends_kept(original: str, new: str) -> str:
    """`new` with each line whose text a fix did not change ended as in `original`: libcst
    writes the lines of a node it rewrites with the module's one line end."""
    old_lines, new_lines = source_lines(original), source_lines(new)
    matcher = difflib.SequenceMatcher(None, [line.rstrip("\r\n") for line in old_lines],
                                      [line.rstrip("\r\n") for line in new_lines], autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        out.extend(old_lines[i1:i2] if tag == "equal" else new_lines[j1:j2])
    for at in range(1, len(out)):
        # a line kept with its lone \r, then a blank line a fix wrote with \n: together they
        # would read as one \r\n, and the blank line would be gone; the blank line takes \r
        if out[at] == "\n" and out[at - 1].endswith("\r"):
            out[at] = "\r"
    return "".join(out)


class SourceError(Exception):
    """A file that cannot be read as Python source; the message names the reason."""


@dataclass(frozen=True)
class SourceFile:
    text: str  # newlines exactly as on disk
    encoding: str  # as detected: "utf-8", "utf-8-sig" (with a BOM), "latin-1", ...
    data: bytes | None = field(default=None, repr=False)  # the bytes read: a write checks them


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """A regular file's bytes; raises SourceError for anything else (a FIFO would block the
    run, /dev/zero would fill the memory) or one over `limit` bytes (too large to be code),
    OSError otherwise (default limit: MAX_FILE_BYTES)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SourceError("symlink loop, skipped") from error
        raise
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise SourceError("a folder, not a file")
        if not stat.S_ISREG(status.st_mode):
            raise SourceError("not a regular file (a FIFO, socket or device), skipped")
        data = _read_up_to(fd, status.st_size, limit + 1)  # the limit holds if the file grows
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SourceError(f"larger than {limit // (1024 * 1024)} MB, skipped")
    return data


def _read_up_to(fd: int, size: int, limit: int) -> bytes:
    """At most `limit` bytes, asking for the size the file had (and one byte more, to see it
    end). A buffered read(limit) makes a buffer of `limit` bytes first: 10 MB for each file
    took 10 of the 13 ms of reading tensor2tensor's 453 files, and the buffered file object 2
    of the 5 left (measured)."""
    chunks, want = [], size + 1
    while limit > 0:
        chunk = os.read(fd, min(want, limit))
        if not chunk:
            break
        chunks.append(chunk)
        limit -= len(chunk)
        want = max(want, 1 << 16)  # a file grown since, or whose size says nothing (/proc): 64 KiB at a time
    return b"".join(chunks)


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
    if "\0" in text:  # libcst parses it, and rules then reported in a file no Python compiles (R13)
        raise SourceError("not valid Python 3: source code cannot contain null bytes")
    return SourceFile(text, encoding, data)


# --- writing ----------------------------------------------------------------------------------

TEMP_SUFFIX = ".kerasfix-tmp"
# `.NAME.PID-RANDOM.kerasfix-tmp`: the pid tells a later run whether the writer is gone
_TEMP_NAME = re.compile(r"\..*\.(\d+)-[0-9a-f]{8}" + re.escape(TEMP_SUFFIX), re.DOTALL)
_SHORT_NAME_ROOM = 100  # bytes a temp name may take even when the file's own name is shorter
_CLEANED: set[str] = set()  # folders this process has removed stale temp files from


class WriteRefused(Exception):
    """A file kerasfix will not rewrite; the message is the whole reason, for the file's error."""


def write_atomic(path: Path, original: SourceFile, new_text: str) -> None:
    """Replace `path` with `new_text` in the file's own encoding, keeping its permissions,
    owner, group and extended attributes.

    The new content goes to a temporary file in the same folder and is renamed over the old
    one, so an interrupted run leaves either the old file or the new one, never half of each.
    A file with several hard links, or whose owner or attributes a new file cannot carry, or
    in a folder the user may not add a file to, is rewritten in place once the full new
    content is ready, so that it keeps them (not atomic, but nothing else keeps a link).
    Raises WriteRefused, without writing, for a symlink (the walk gives one only when it
    points outside the folders given), a read-only file, or a file whose bytes are no longer
    `original.data`.
    """
    if os.path.islink(path):
        raise WriteRefused("a symlink to a file outside the folders given; not written through")
    data = new_text.encode(original.encoding)
    before = os.stat(path)
    if not before.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise WriteRefused("read-only file, not rewritten")
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in _CLEANED:
        _CLEANED.add(folder)
        remove_stale_temps(Path(folder))
    if before.st_nlink > 1 or not _replace(path, original, data, before):
        _write_in_place(path, original, data)


def _replace(path: Path, original: SourceFile, data: bytes, before: os.stat_result) -> bool:
    """Rename a finished copy over `path`; False, having written nothing, when the copy cannot
    be made or cannot carry the file's owner, group and attributes."""
    try:
        temp = create_temp(path)
    except PermissionError:  # a folder the user may not add to, around a file they may write
        return False
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if not _carry_metadata(path, temp, before):
            os.unlink(temp)
            return False
        _check_unchanged(path, original)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    return True


def _check_unchanged(path: Path, original: SourceFile) -> None:
    """The file still holds the bytes it was read with (an editor may have saved meanwhile)."""
    if original.data is None:
        return
    with open(path, "rb") as handle:
        same = (os.fstat(handle.fileno()).st_size == len(original.data)
                and handle.read(len(original.data) + 1) == original.data)
    if not same:
        raise WriteRefused("changed while kerasfix was running")


def _write_in_place(path: Path, original: SourceFile, data: bytes) -> None:
    """Through the file's own inode, which keeps its links, owner and attributes; not atomic."""
    _check_unchanged(path, original)
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        written = 0
        while written < len(data):
            written += os.pwrite(fd, data[written:], written)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def create_temp(path: Path) -> Path:
    """A new, empty, private file next to `path`, named so that no file name that fits the
    folder makes it too long (NAME_MAX counts bytes)."""
    import secrets  # here: only a write needs it

    name = os.fsencode(path.name)
    while True:
        tail = f".{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}".encode()
        room = max(len(name), _SHORT_NAME_ROOM) - len(tail) - 1
        temp = path.parent / os.fsdecode(b"." + name[:max(room, 0)] + tail)
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            return temp
        except FileExistsError:
            continue


def _carry_metadata(path: Path, temp: Path, before: os.stat_result) -> bool:
    """Give `temp` the mode, owner, group and extended attributes of `path`; False when the
    system does not allow it (a user cannot give away a file)."""
    try:
        now = os.stat(temp)
        if (now.st_uid, now.st_gid) != (before.st_uid, before.st_gid):
            os.chown(temp, before.st_uid, before.st_gid)
        os.chmod(temp, before.st_mode & 0o7777)  # after chown, which clears setuid bits
        for name in _xattr_names(path):
            os.setxattr(temp, name, os.getxattr(path, name, follow_symlinks=False), follow_symlinks=False)
    except OSError:
        return False
    return True


def _xattr_names(path: Path) -> list[str]:
    if not hasattr(os, "listxattr"):
        return []
    try:
        return os.listxattr(path)
    except OSError as error:
        if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return []
        raise


def remove_stale_temps(folder: Path, names: Iterable[str] | None = None) -> None:
    """Delete the temp files of kerasfix runs that were killed before they could (their pid
    is gone). A live process's files are kept, whoever it is now."""
    try:
        names = os.listdir(folder) if names is None else names
    except OSError:
        return
    for name in names:
        match = _TEMP_NAME.fullmatch(name) if name.endswith(TEMP_SUFFIX) else None
        if match and not _alive(int(match.group(1))):
            try:
                os.unlink(folder / name)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


# --- the walk ---------------------------------------------------------------------------------


def _excluded(path: Path, root: Path, excludes: pathspec.PathSpec | None) -> bool:
    """`--exclude` and `exclude` match the name given or found, never where a link points."""
    if excludes is None:
        return False
    path = Path(os.path.abspath(path))
    try:
        relative = path.relative_to(root).as_posix()
    except ValueError:
        relative = path.as_posix()
    return excludes.match_file(relative) or excludes.match_file(relative + "/")


def excluded(path: Path, exclude: Iterable[str], root: Path | None = None) -> bool:
    """Whether `exclude` skips `path` (relative to `root`, default the current folder), as
    `discover` skips a file named on the command line."""
    exclude = list(exclude)
    if not exclude:
        return False
    import pathspec

    return _excluded(path, Path(os.path.abspath(root or Path.cwd())), pathspec.GitIgnoreSpec.from_lines(exclude))


@dataclass
class WalkInfo:
    """What a walk saw, for a second look at the same folders without walking them again
    (runner's package context): the folders it entered (absolute), and whether it was plain:
    no link followed, no file skipped as a second name of one found, no exclude pattern."""

    entered: set[str] = field(default_factory=set)
    plain: bool = True


def discover(paths: Iterable[Path], exclude: Iterable[str] = (), root: Path | None = None,
             errors: list[tuple[Path, str]] | None = None, info: WalkInfo | None = None) -> Iterator[Path]:
    """Python files under `paths`, in a stable order, each file once however many names
    (hard links, symlinks) reach it.

    Folders are walked for `*.py` and `*.ipynb` (Jupyter notebooks) regular files, skipping
    hidden folders, virtual environments, caches, build output, symlinked folders and
    whatever git ignores (see `gitignore`). A symlinked file is taken under its target's name when the target lies in a
    folder given, else under its own name (and `write_atomic` will not write through it).
    A file named explicitly is always taken, unless `exclude` matches it. What cannot be
    walked (an unreadable folder, a broken link, a link loop) is added to `errors` as
    (path, reason), and the walk goes on.
    """
    paths = list(paths)
    if exclude:
        import pathspec  # here: only patterns need it (10 ms of a warm check's CPU, measured)
    walk = _Walk(
        root=Path(os.path.abspath(root or Path.cwd())),
        excludes=pathspec.GitIgnoreSpec.from_lines(list(exclude)) if exclude else None,
        tops=tuple(os.path.realpath(p) for p in paths if _is_folder(p)),
        errors=errors if errors is not None else [],
        info=info if info is not None else WalkInfo(),
    )
    walk.info.plain = walk.info.plain and not exclude
    for given in paths:
        if _is_folder(given):
            yield from walk.folder(given)
        elif not _excluded(given, walk.root, walk.excludes):
            yield from walk.named(given)


def _utf8(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode kept the bytes as surrogates
        return False
    return True


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


@dataclass
class _Walk:
    root: Path
    excludes: pathspec.PathSpec | None
    tops: tuple[str, ...]  # the folders given, resolved: a link into them is followed
    errors: list[tuple[Path, str]]
    info: WalkInfo
    seen: set[tuple[int, int]] = field(default_factory=set)  # (st_dev, st_ino)

    def first_time(self, device: int, inode: int) -> bool:
        key = (device, inode)
        if key in self.seen:
            self.info.plain = False
            return False
        self.seen.add(key)
        return True

    def named(self, given: Path) -> Iterator[Path]:
        if not _utf8(given):
            self.errors.append((given, "a name that is not valid UTF-8 (no module can have it), skipped"))
            return
        try:
            status = os.stat(given)
        except OSError:
            yield given  # reading it says why
            return
        if self.first_time(status.st_dev, status.st_ino):
            # a link named is written through: under its target's name, as write_atomic wants
            followed = os.path.islink(given) and stat.S_ISREG(status.st_mode)
            yield Path(os.path.realpath(given)) if followed else given

    def folder(self, top: Path) -> Iterator[Path]:
        from .gitignore import Ignores

        stack = [(top, Ignores.above(top))]
        while stack:
            here, ignores = stack.pop()
            try:
                with os.scandir(here) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
                device = os.stat(here).st_dev
            except OSError as error:
                self.errors.append((here, f"cannot read folder: {error.strerror or error}"))
                continue
            names = {entry.name for entry in entries}
            ignores = ignores.entering(here, has_gitignore=".gitignore" in names,
                                       has_git=".git" in names and here != top)
            remove_stale_temps(here, names)
            folders = []
            absolute = os.path.abspath(here)
            self.info.entered.add(absolute)
            for entry in entries:
                path, where = here / entry.name, os.path.join(absolute, entry.name)
                try:
                    is_folder = entry.is_dir(follow_symlinks=False)
                except OSError:  # gone since the folder was listed
                    continue
                if is_folder:
                    if not self.skipped_folder(path, where, ignores):
                        folders.append((path, ignores))
                elif entry.name.endswith((".py", ".ipynb")) and not self.ignored(path, where, ignores, False):
                    yield from self.found(path, entry, device)
            stack.extend(reversed(folders))

    def skipped_folder(self, path: Path, absolute: str, ignores) -> bool:
        name = path.name
        return (name.startswith(".") or name in ALWAYS_SKIPPED_DIRS
                or os.path.exists(path / "pyvenv.cfg") or self.ignored(path, absolute, ignores, True))

    def ignored(self, path: Path, absolute: str, ignores, is_dir: bool) -> bool:
        return ignores.ignored(absolute, is_dir) or _excluded(path, self.root, self.excludes)

    def found(self, path: Path, entry: os.DirEntry, device: int) -> Iterator[Path]:
        if not _utf8(path):
            self.errors.append((path, "a name that is not valid UTF-8 (no module can have it), skipped"))
            return
        try:
            is_link, is_file = entry.is_symlink(), entry.is_file(follow_symlinks=False)
        except OSError:  # gone since the folder was listed
            return
        if not is_link:
            # FIFOs, sockets and devices named *.py are no source files: skipped unread
            if is_file and self.first_time(device, entry.inode()):
                yield path
            return
        self.info.plain = False
        try:
            status = os.stat(path)
        except OSError as error:
            reason = "symlink loop" if error.errno == errno.ELOOP else "broken symlink"
            self.errors.append((path, f"{reason}, skipped"))
            return
        if not stat.S_ISREG(status.st_mode) or not self.first_time(status.st_dev, status.st_ino):
            return
        target = os.path.realpath(path)
        inside = any(target.startswith(top.rstrip(os.sep) + os.sep) for top in self.tops)
        yield Path(target) if inside else path

