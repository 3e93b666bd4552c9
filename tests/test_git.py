"""kerasfix reads a work tree's git folders from the files themselves: for a linked worktree
and a submodule it finds the folders git itself names."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kerasfix.git import git_dir
from kerasfix.provenance import git_revision

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "protocol.file.allow=always",
                           *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _as_git_says(tree: Path) -> tuple[Path, Path]:
    own, common = _git(tree, "rev-parse", "--git-dir"), _git(tree, "rev-parse", "--git-common-dir")
    return (tree / own).resolve(), (tree / common).resolve()


def test_the_git_folders_of_a_repository_a_linked_worktree_and_a_submodule(tmp_path):
    main = tmp_path / "main"
    main.mkdir()
    _git(main, "init", "-q", "-b", "trunk")
    (main / "a.py").write_text("x = 1\n")
    _git(main, "add", "a.py")
    _git(main, "commit", "-q", "-m", "one")
    _git(main, "worktree", "add", "-q", "-b", "topic", str(tmp_path / "linked"))
    _git(main, "submodule", "add", "-q", str(main), "sub")
    for tree in (main, tmp_path / "linked", main / "sub"):
        found = git_dir(tree)
        assert found is not None
        assert (found.own.resolve(), found.common.resolve()) == _as_git_says(tree), tree
    head = _git(main, "rev-parse", "HEAD")
    assert git_revision(tmp_path / "linked") == {"commit": head, "branch": "topic"}
    assert git_revision(main) == {"commit": head, "branch": "trunk"}


def test_no_git_folder_where_dot_git_says_nothing(tmp_path):
    (tmp_path / ".git").write_text("not a pointer\n")
    assert git_dir(tmp_path) is None
    assert git_dir(tmp_path / "nowhere") is None
