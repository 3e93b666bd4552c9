"""Every rule's examples are tests (Fixit's habit): its INVALID examples must report its code,
its VALID ones must stay silent for it, through the path `kerasfix check FILE` takes (the
runner, from a file on disk), with the prefilter on and off. A rule whose examples the
prefilter hides fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix.cli import app
from kerasfix.gate import NO_PREFILTER
from kerasfix.rules import RULES

EXAMPLES = [(code, kind, n, text) for code, rule in sorted(RULES.items())
            for kind, texts in (("invalid", rule.invalid), ("valid", rule.valid))
            for n, text in enumerate(texts)]


def _codes(path: Path, monkeypatch, prefilter: bool) -> list[str]:
    if prefilter:
        monkeypatch.delenv(NO_PREFILTER, raising=False)
    else:
        monkeypatch.setenv(NO_PREFILTER, "1")
    monkeypatch.chdir(path.parent)
    result = CliRunner().invoke(app, ["check", "--no-cache", "--jobs", "1", path.name], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return [line.split(": ", 1)[1].split()[0] for line in result.stdout.splitlines() if line.startswith(path.name)]


@pytest.mark.parametrize("prefilter", [True, False], ids=["prefilter", "no-prefilter"])
@pytest.mark.parametrize(("code", "kind", "n", "text"), EXAMPLES, ids=[f"{c}-{k}{n}" for c, k, n, _ in EXAMPLES])
def test_rule_example(code, kind, n, text, prefilter, tmp_path, monkeypatch):
    path = tmp_path / "example.py"
    path.write_text(text, encoding="utf-8")
    compile(text, str(path), "exec")
    codes = _codes(path, monkeypatch, prefilter)
    if kind == "invalid":
        assert code in codes, f"{code}'s INVALID example {n} is not reported (found: {codes}):\n{text}"
    else:
        assert code not in codes, f"{code}'s VALID example {n} is reported:\n{text}"


# Rules whose modules other work owns today; their examples come with it.
WITHOUT_EXAMPLES_YET = frozenset({"KF001", "KF111", "KF204", "KF306", "KF402"})


def test_every_rule_has_examples():
    missing = sorted(code for code, rule in RULES.items() if not (rule.valid and rule.invalid))
    assert [c for c in missing if c not in WITHOUT_EXAMPLES_YET] == [], "rules without VALID and INVALID examples"
