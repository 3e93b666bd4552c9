"""Every fixture through the real command line: check, apply --diff, apply, apply again.

And every fixture's case.toml says what it proves (the format: fixture_cases.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixture_cases import Case, all_cases, problems
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


def _declared_case(folder: Path, judge: dict, expected: bool = True) -> Case:
    """A case of KF101 in `folder`/KF101/, with the [judge] table given."""
    folder = folder / "KF101" / "case"
    folder.mkdir(parents=True)
    (folder / "input.py").write_text("x = 1\n")
    if expected:
        (folder / "expected.py").write_text("x = 2\n")
    (folder / "findings.txt").write_text("input.py:1:1: KF101 a finding\n")
    config = {"rule": "KF101", "judge": judge}
    (folder / "case.toml").write_text('rule = "KF101"\n')
    return Case(folder, [], judge, config)


def test_a_partly_fixed_case_declares_what_its_output_does(tmp_path):
    judge = {"build": "A()", "input": [1], "before": {"keras3": 0, "tf_keras": 2}}
    after = {"keras3": 1, "tf_keras": "ValueError"}
    assert not problems(_declared_case(tmp_path / "partly", {**judge, "after": after}))
    both = problems(_declared_case(tmp_path / "both", {**judge, "after": after, "weights": 2}))
    assert any("[judge.after]" in p for p in both)
    unchanged = problems(_declared_case(tmp_path / "same", {**judge, "after": after}, expected=False))
    assert any("[judge.after] is for a case kerasfix changes" in p for p in unchanged)
    wrong = problems(_declared_case(tmp_path / "wrong", {**judge, "after": {"keras3": "error", "tf_keras": 1}}))
    assert any('[judge.after] keras3 = "error"' in p for p in wrong)
