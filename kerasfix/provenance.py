"""Where a report comes from: kerasfix's version, the date, the git revision, the options.

The git revision is read from the repository's files (HEAD, the ref file, packed-refs): no
git process, and no git needed; anything unexpected gives no revision, never an error.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .config import Settings
from .git import GitDir, git_dir

_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256 repositories


def utc_now() -> str:
    """Now in UTC, ISO 8601 to the second; `SOURCE_DATE_EPOCH` wins, for reproducible reports,
    unless it is no date (not a number, or past what a date holds: see `date_error`)."""
    try:
        moment = _source_date() or datetime.now(timezone.utc)
    except (ValueError, OverflowError, OSError):
        moment = datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _source_date() -> datetime | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else None


def date_error() -> str | None:
    """Why `SOURCE_DATE_EPOCH`, a number, gives no date a report can carry (past year 9999, or
    past what the platform's time_t holds), or None. The command line says so with the
    options, before any file is read: found after every file was rewritten, it cost the
    report (R22). Such a value is then ignored, as a value that is no number is."""
    try:
        _source_date()
    except (ValueError, OverflowError, OSError) as error:
        return f"SOURCE_DATE_EPOCH={os.environ.get('SOURCE_DATE_EPOCH', '').strip()} is no date ({error}): ignored"
    return None


def _git_dir_above(start: Path) -> GitDir | None:
    """The git folders of the work tree holding `start`: the nearest `.git` folder or file up
    from it (one that is neither, a broken link, is passed over)."""
    for folder in [start, *start.parents]:
        dot_git = folder / ".git"
        if dot_git.is_dir() or dot_git.is_file():
            return git_dir(folder)
    return None


def work_tree(start: Path) -> Path | None:
    """The folder holding the `.git` above `start`, or None outside git."""
    try:
        start = start.resolve()
        return next((folder for folder in [start, *start.parents] if (folder / ".git").exists()), None)
    except OSError:
        return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def _resolve(own: Path, common: Path, ref: str) -> str | None:
    for folder in (own, common):
        value = _read(folder / ref)
        if value and _SHA.fullmatch(value):
            return value
    for line in (_read(common / "packed-refs") or "").splitlines():
        sha, _, name = line.partition(" ")
        if name == ref and _SHA.fullmatch(sha):
            return sha
    return None


def git_revision(start: Path) -> dict | None:
    """{"commit": sha, "branch": name or None} of the work tree holding `start`, or None."""
    try:
        found = _git_dir_above(start.resolve())
        if found is None:
            return None
        head = _read(found.own / "HEAD")
        if not head:
            return None
        if _SHA.fullmatch(head):
            return {"commit": head, "branch": None}  # a detached HEAD
        if not head.startswith("ref:"):
            return None
        ref = head[len("ref:"):].strip()
        sha = _resolve(found.own, found.common, ref)  # a linked worktree keeps its refs in the main one
        if sha is None:
            return None  # a branch with no commit yet
        return {"commit": sha, "branch": ref.removeprefix("refs/heads/")}
    except (OSError, ValueError):
        return None


def options(settings: Settings | None) -> dict:
    """The settings that shaped the run, after pyproject.toml and the flags."""
    settings = settings or Settings()
    return {
        "select": None if settings.select is None else sorted(settings.select),
        "ignore": sorted(settings.ignore),
        "unsafe_fixes": settings.unsafe_fixes,
        "exclude": list(settings.exclude),
        "keras_bases": list(settings.keras_bases),
        "config": None if settings.config_file is None else str(settings.config_file),
    }


def provenance(settings: Settings | None, start: Path) -> dict:
    return {"kerasfix": __version__, "date": utc_now(), "git": git_revision(start), "options": options(settings)}
