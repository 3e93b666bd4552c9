"""Never lose user code, on a few hundred seeded mutants of the fixtures (see mutations.py):
the output compiles as the bytes written, a second `apply` changes nothing, a file without a
finding is not touched, and every comment is kept exactly once."""

from __future__ import annotations

import io
import os
import tokenize
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix.cli import app
from mutations import write_mutants

MUTANTS = 300
SEED = 20261127


def comments(data: bytes) -> Counter:
    tokens = tokenize.tokenize(io.BytesIO(data).readline)
    return Counter(t.string for t in tokens if t.type == tokenize.COMMENT)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.glob("*.py"))}


def kerasfix(args: list[str], cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, [*args, "--no-cache", "--jobs", "1", "."], catch_exceptions=False)


@pytest.fixture(scope="module")
def applied(tmp_path_factory) -> tuple[dict[str, bytes], dict[str, bytes], set[str], str]:
    """The mutants' bytes before and after `apply`, the names of those with findings, and
    what `apply` printed."""
    root = tmp_path_factory.mktemp("fuzz")
    write_mutants(root, MUTANTS, SEED)
    before = snapshot(root)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(os, "fsync", lambda fd: None)  # durability is not what this measures: 20 s of it
        checked = kerasfix(["check"], root, monkeypatch)
        flagged = {line.split(":")[0] for line in checked.stdout.splitlines() if ": KF" in line}
        first = kerasfix(["apply", "--unsafe-fixes"], root, monkeypatch)
        after = snapshot(root)
        second = kerasfix(["apply", "--unsafe-fixes"], root, monkeypatch)
        assert snapshot(root) == after, "a second apply changed something"
        assert "0 files changed" in second.stdout
    return before, after, flagged, first.stdout + first.stderr


def test_every_mutant_is_processed_and_most_are_fixed(applied):
    before, after, flagged, output = applied
    assert "error:" not in output, output[-3000:]
    assert len(flagged) > MUTANTS // 2
    assert sum(after[name] != before[name] for name in flagged) > MUTANTS // 2


def test_every_output_compiles_as_written(applied):
    _, after, _, _ = applied
    for name, data in after.items():
        compile(data, name, "exec", dont_inherit=True)


def test_a_file_without_findings_is_byte_identical(applied):
    before, after, flagged, _ = applied
    untouched = [name for name in before if name not in flagged]
    assert untouched
    assert all(after[name] == before[name] for name in untouched)


def test_every_comment_is_kept_exactly_once(applied):
    before, after, _, _ = applied
    changed = [name for name in before if after[name] != before[name]]
    assert changed
    for name in changed:
        assert comments(after[name]) == comments(before[name]), name
