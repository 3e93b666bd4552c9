"""The files a run reads besides those it checks: the package context around them, whose
classes can be the bases of the checked files' classes, found without walking again the
folders the run's own walk went through."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import notebook
from .files import SourceError, WalkInfo, discover, read_bytes
from .index import module_name_for, package_folder
from .results import FileResult, RunResult
from .sources import Source, display


@dataclass
class Walked:
    """The inputs found (in order), what could not be walked, and what the walk saw."""

    found: list[Path]
    errors: list[tuple[Path, str]]
    info: WalkInfo


def walk(paths: list[Path], settings, result: RunResult) -> Walked:
    """Every input found; what cannot be walked is its file's error."""
    walked = Walked([], [], WalkInfo())
    walked.found = list(discover(paths, settings.exclude, settings.project_root, walked.errors, walked.info))
    result.files.extend(FileResult(display(path)).fail(reason, "read") for path, reason in walked.errors)
    return walked


def package_context(jobs: list[Source], walk: Walked | None = None) -> list[Source]:
    """The other modules around the files: their classes can be the bases of classes in the
    files, so they are indexed, though not checked (see `context_paths`)."""
    context: list[Source] = []
    packages: dict = {}
    for path in context_paths(jobs, walk):
        try:
            data = read_bytes(path)
        except (OSError, SourceError):
            continue
        module_name, is_package = module_name_for(path, packages)
        context.append(Source(f"<context>{path}", str(path), data, module_name, is_package))
    return context


def context_paths(jobs: list[Source], walk: Walked | None) -> list[Path]:
    """For a module of a package, the whole package (`check pkg/deep.py` must know
    `pkg/base.py`); for a module in a folder that is no package, the modules beside it (a
    script's `from base import Block`; pre-commit passes files one by one); but the files.
    A package the run's own walk went through, plainly, adds none: not walked again."""
    given = {os.path.abspath(j.real_path) for j in jobs if j.named}
    roots: set[Path] = set()
    folders: set[Path] = set()
    packages: dict = {}  # each folder's packages, looked up once (see package_folder)
    for job in jobs:
        if not job.named or not job.module_name:
            continue
        real = os.path.realpath(job.real_path) if os.path.islink(job.real_path) else job.real_path
        folder, names = package_folder(os.path.dirname(real), packages)
        given.add(os.path.join(folder, os.path.basename(real)))  # its name in the package walked, resolved
        if "." not in job.module_name and not job.is_package:
            folders.add(folder)
            continue
        for _ in names[1:]:  # up to the outermost package
            folder = folder.parent
        roots.add(folder)
    unread = _unread(walk, given)
    entered = _Entered(walk)
    paths = [p for root in sorted(roots) if not entered.went_through(root, unread) for p in discover([root])
             if not notebook.is_notebook(p)]
    paths += [p for folder in sorted(folders) for p in sorted(folder.glob("*.py")) if p.is_file() and _utf8(p.name)]
    found: list[Path] = []
    for path in paths:
        if os.path.abspath(path) not in given:
            given.add(os.path.abspath(path))
            found.append(path)
    return found


def _unread(walk: Walked | None, given: set[str]) -> list[str]:
    """The files the walk found that were not read (absolute): a walk of their package would
    take them as context, so it is walked again."""
    if walk is None or not walk.info.plain:
        return []
    return [name for name in map(os.path.abspath, walk.found) if name not in given]


class _Entered:
    """The folders the run's walk entered, as it named them and (asked once) as they resolve:
    `package_folder` gives a package's root resolved, and a folder given through a link
    (`check proj`, `proj` a link to the checkout) was walked under the link's name. Taken for
    a folder not walked, each of its files was read again and scanned twice (measured: 2,165
    files of a 2,213-file run, every one given through a link)."""

    def __init__(self, walk: Walked | None):
        self.walk = walk
        self._resolved: dict[str, str] | None = None

    def went_through(self, root: Path, unread: list[str]) -> bool:
        """Whether the walk went through `root` as a walk of it would (no link inside, no
        second name of a file, no exclude pattern), every file it found there read: nothing
        to add."""
        walk = self.walk
        if walk is None or not walk.info.plain:
            return False
        where = os.path.abspath(root)
        if where not in walk.info.entered:
            if self._resolved is None:
                self._resolved = {os.path.realpath(folder): folder for folder in walk.info.entered}
            if os.path.realpath(where) not in self._resolved:
                return False
            where = self._resolved[os.path.realpath(where)]  # the name the walk gave it: unread's names
        inside = where.rstrip(os.sep) + os.sep
        return not any(name.startswith(inside) for name in unread)


def _utf8(name: str) -> bool:
    """A file name no module can have (not UTF-8: the walk reports it) is no context either."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
