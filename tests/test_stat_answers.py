"""A warm `check` answered by its files' stats (runmemo.py) answers exactly what reading them
answers: after a touch, after an edit that keeps size and mtime, with a package context, and
never from a stat taken too close to the run that read the file (issue 19). No timing here:
the clock the margin is measured against is set by the test."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix import runmemo
from kerasfix.cli import app
from kerasfix.config import load_settings
from kerasfix.context import Walked, context_paths, walk
from kerasfix.results import Mode, RunResult
from kerasfix.runner import RunOptions, run
from kerasfix.sources import read_sources

EXAMPLE = Path(__file__).parent.parent / "examples" / "legacy_layers.py"
BASE = "import tensorflow as tf\n\n\nclass Base(tf.keras.layers.Layer):\n    pass\n"
USER = ("from pkg.base import Base\nimport tensorflow as tf\n\n\nclass Block(Base):\n"
        "    def call(self, x):\n        return tf.layers.dense(x, 4)\n")


def _tree(tmp_path: Path) -> Path:
    package = tmp_path / "project" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text(EXAMPLE.read_text(encoding="utf-8"))
    (package / "plain.py").write_text("class Schedule(object):\n    pass\n")
    (package / "base.py").write_text(BASE)
    (package / "user.py").write_text(USER)
    return tmp_path / "project"


def _later(monkeypatch) -> None:
    """Every file counts as written long before the run (an hour)."""
    monkeypatch.setattr(runmemo, "now_ns", lambda: _newest_plus(3600))


_NEWEST = [0]  # the newest mtime or ctime of the tree's files, as `_stamp` last saw it


def _newest_plus(seconds: int) -> int:
    return _NEWEST[0] + seconds * 1_000_000_000


def _check(*paths: Path) -> RunResult:
    settings = load_settings(paths[0])
    return run(list(paths), RunOptions(Mode.CHECK, settings))


def _answer(result: RunResult) -> list:
    return [(f.path, [d.row() + [d.cell] for d in f.findings], str(f.error) if f.error else None, f.unresolved)
            for f in result.files] + [result.scanned, result.keras_files, result.settings.target]


def _stamp(tree: Path) -> None:
    _NEWEST[0] = max(max(s.st_mtime_ns, s.st_ctime_ns) for s in map(os.stat, tree.rglob("*.py")))


def _same_size_edit(path: Path, text: str, *, in_place: bool) -> None:
    """Other bytes of the same size, the mtime put back: in place, or written beside and renamed over."""
    before = os.stat(path)
    data = text.encode()
    data = data + b"#" * (before.st_size - len(data)) if len(data) < before.st_size else data[:before.st_size]
    assert len(data) == before.st_size
    target = path if in_place else path.with_name(path.name + ".new")
    target.write_bytes(data)
    if not in_place:
        os.replace(target, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_warm_check_is_answered_by_stats_and_read_again_when_one_changes(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    _stamp(tree)
    _later(monkeypatch)
    cold, warm, by_stats = _check(tree), _check(tree), _check(tree)
    assert not cold.from_stats and not warm.from_stats and by_stats.from_stats
    assert _answer(cold) == _answer(warm) == _answer(by_stats)
    assert any(f.findings for f in by_stats.files)
    layers = tree / "pkg" / "layers.py"
    status = os.stat(layers)
    os.utime(layers, ns=(status.st_atime_ns, status.st_mtime_ns + 5_000_000_000))  # touched: read again
    touched = _check(tree)  # every file answered by the cache: it leaves the next answer
    assert not touched.from_stats and _answer(touched) == _answer(cold)
    _stamp(tree)
    assert _check(tree).from_stats
    # the same size and mtime, other bytes, by a rename: another inode
    _same_size_edit(layers, "x = 1\n", in_place=False)
    _stamp(tree)
    edited = _check(tree)
    assert not edited.from_stats
    assert [f.findings for f in edited.files if f.path.endswith("layers.py")] == [[]]
    # a run that processed a file leaves no answer (its counts are no warm run's): the next does
    assert not _check(tree).from_stats and _check(tree).from_stats


def test_an_edit_keeping_size_and_mtime_in_place_is_seen(tmp_path):
    """Its ctime moves (no program sets it back); an edit in the same clock tick as the stat the
    answer keeps is ruled out by the margin: no answer stands on a stat that young. The real
    clock, so this holds however fast or slow the runs."""
    tree = _tree(tmp_path)
    first = [_check(tree) for _ in range(3)]
    layers = tree / "pkg" / "layers.py"
    _same_size_edit(layers, "x = 1\n", in_place=True)
    edited = _check(tree)
    assert [f.findings for f in edited.files if f.path.endswith("layers.py")] == [[]]
    assert [f.findings for f in first[-1].files if f.path.endswith("layers.py")] != [[]]
    _same_size_edit(layers, EXAMPLE.read_text(encoding="utf-8"), in_place=True)
    assert _answer(_check(tree)) == _answer(first[0])


def test_no_answer_stands_on_a_stat_younger_than_the_margin(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    _stamp(tree)
    monkeypatch.setattr(runmemo, "now_ns", lambda: _newest_plus(1))  # 1 s after the newest file: too young
    results = [_check(tree) for _ in range(3)]
    assert not any(r.from_stats for r in results)
    assert not list(Path(os.environ["KERASFIX_CACHE_DIR"]).rglob("*.stats.json"))


def test_the_package_context_is_part_of_the_answer(tmp_path, monkeypatch):
    """`check pkg/user.py` stands on pkg/base.py too: a change there is read again."""
    tree = _tree(tmp_path)
    user = tree / "pkg" / "user.py"
    _stamp(tree)
    _later(monkeypatch)
    runs = [_check(user) for _ in range(3)]
    assert runs[-1].from_stats and _answer(runs[0]) == _answer(runs[-1])
    assert [d.code for f in runs[-1].files for d in f.findings] == ["KF202"]
    _same_size_edit(tree / "pkg" / "base.py", "class Base(object):\n    pass\n", in_place=False)
    _stamp(tree)
    edited = _check(user)
    assert not edited.from_stats and [d.code for f in edited.files for d in f.findings] == []


def test_a_new_file_or_settings_are_read_again(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    _stamp(tree)
    _later(monkeypatch)
    for _ in range(3):
        _check(tree)
    (tree / "pkg" / "more.py").write_text(USER.replace("Block", "Other"))
    _stamp(tree)
    more = _check(tree)
    assert not more.from_stats and any(f.path.endswith("more.py") and f.findings for f in more.files)
    (tree / "pyproject.toml").write_text("[tool.kerasfix]\nignore = ['KF202']\n")
    ignored = _check(tree)
    assert not ignored.from_stats and not any(d.code == "KF202" for f in ignored.files for d in f.findings)


@pytest.mark.parametrize("poison", [{"format": 1, "inputs": None}, [], {"format": 1, "files": [["x"]]},
                                    {"target": ["4", "x"]}, {"counts": ["a", 1, 2]},
                                    {"files": [["a.py", [], ["x", "syntax", -1, 0], [], False, True]]}])
def test_a_stats_file_of_the_wrong_shape_is_ignored(tmp_path, monkeypatch, poison):
    tree = _tree(tmp_path)
    _stamp(tree)
    _later(monkeypatch)
    expected = [_check(tree) for _ in range(2)][-1]
    for file in Path(os.environ["KERASFIX_CACHE_DIR"]).rglob("*.stats.json"):
        data = json.loads(file.read_text())
        file.write_text(json.dumps({**data, **poison} if isinstance(poison, dict) else poison))
    again = _check(tree)
    assert not again.from_stats and _answer(again) == _answer(expected)


def test_the_command_line_prints_the_same_cold_warm_and_by_stats(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    _stamp(tree)
    _later(monkeypatch)
    outputs = [CliRunner().invoke(app, ["check", str(tree)]) for _ in range(3)]
    assert [o.exit_code for o in outputs] == [1, 1, 1]
    assert outputs[0].output == outputs[1].output == outputs[2].output and "KF" in outputs[0].output


def test_a_folder_given_through_a_link_is_not_read_again_as_its_own_context(tmp_path, monkeypatch):
    """`check proj` where `proj` links to the checkout: the walk enters the package under the
    link's name, the package's root resolves to the target's; each file was read a second
    time as context and scanned twice (2,165 of 2,213 files, measured), and a file named
    through the link was its own context."""
    tree = _tree(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(tree, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(link)
    walked = walk([Path("link")], settings, RunResult())
    jobs = read_sources(walked.found, [])
    assert len(jobs) == 5 and walked.info.plain
    assert context_paths(jobs, walked) == []
    named = read_sources([Path("link/pkg/layers.py")], [])
    assert sorted(p.name for p in context_paths(named, None)) == ["__init__.py", "base.py", "plain.py", "user.py"]
    through_link, through_tree = (_answer(_check(p))[:-3] for p in (Path("link"), tree))
    assert [(path.split("/", 1)[1], *rest) for path, *rest in through_link] == [
        (path.split("/", 1)[1], *rest) for path, *rest in through_tree]
    assert any(findings for _, findings, *_ in through_link)  # the same findings, found through the link


def test_a_package_the_walk_went_through_is_not_walked_again_and_gives_the_same_context(tmp_path):
    tree = _tree(tmp_path)
    (tree / "pkg" / "latin1.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xe9'\n")  # not read: context
    settings = load_settings(tree)
    walked = walk([tree], settings, RunResult())
    failed: list = []
    jobs = read_sources(walked.found, failed)
    assert [f.path for f in failed] and walked.info.plain
    assert context_paths(jobs, walked) == context_paths(jobs, None)
    readable = [job for job in jobs]
    (tree / "pkg" / "latin1.py").unlink()
    again = walk([tree], settings, RunResult())
    assert context_paths(read_sources(again.found, []), again) == context_paths(readable, None) == []
    assert isinstance(again, Walked)
