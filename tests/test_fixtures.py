"""Every fixture through the real command line: check, apply --diff, apply, apply again.

And every fixture's case.toml says what it proves (the format: fixture_cases.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixture_cases import all_cases, problems
from kerasfix.cli import app

CASES = all_cases()


def _tree(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*.py"))}


def _invoke(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture(case, tmp_path, monkeypatch):
    work = case.copy_input(tmp_path / "work")
    original = _tree(work)

    checked = _invoke(["check", "--no-cache", *case.args, "."], work, monkeypatch)
    lines = [line for line in checked.stdout.splitlines() if ":" in line and " KF" in line]
    assert lines == case.findings, checked.stdout
    assert checked.exit_code == (1 if case.findings else 0), checked.stdout

    diffed = _invoke(["apply", "--diff", "--no-cache", *case.args, "."], work, monkeypatch)
    assert _tree(work) == original, "apply --diff wrote to disk"
    assert diffed.exit_code == (1 if case.expected else 0), diffed.stdout + diffed.stderr
    if case.expected:
        assert "--- a/" in diffed.stdout and "+++ b/" in diffed.stdout
    else:
        assert diffed.stdout == ""

    applied = _invoke(["apply", "--no-cache", *case.args, "."], work, monkeypatch)
    assert applied.exit_code in (0, 1), applied.stdout + applied.stderr
    expected = _tree(case.expected) if case.expected else original
    if case.expected and not case.multi_file:
        expected = {"input.py": case.expected.read_bytes()}
    assert _tree(work) == expected

    again = _invoke(["apply", "--no-cache", *case.args, "."], work, monkeypatch)
    assert _tree(work) == expected, "a second apply changed the file again"
    assert "0 files changed" in again.stdout or "0 files changed" in again.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_says_what_it_proves(case):
    assert not problems(case), f"{case.folder / 'case.toml'}: " + "; ".join(problems(case))
