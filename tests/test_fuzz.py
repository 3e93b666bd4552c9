"""Never lose user code, on a few hundred seeded mutants of the fixtures (see mutations.py):
the output compiles as the bytes written, a second `apply` changes nothing, a file without a
finding is not touched, and every comment is kept exactly once. Also on files with mixed line
ends (every byte outside a fix kept) and on notebooks (magics, layouts, BOM: every cell runs
as IPython runs it, the layout and the magics kept, the dry run says what apply does)."""

from __future__ import annotations

import ast
import difflib
import io
import json
import os
import re
import tokenize
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix.cli import app
from mutations import NOTEBOOK_LAYOUTS, fixture_inputs, mixed_line_ends, mutate, write_notebook_mutants, write_mutants

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


# --- mixed line ends ----------------------------------------------------------------------------

MIXED = 24


def _lines(data: bytes) -> list[bytes]:
    return re.findall(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", data)


def test_mixed_line_ends_are_kept_outside_the_fixes(tmp_path, monkeypatch):
    """The same mutants with LF and with mixed \\n, \\r, \\r\\n line ends: fixed the same, and
    each line a fix left alone keeps its own line end."""
    inputs = fixture_inputs()
    for number in range(MIXED):
        case, source = inputs[(number * 7) % len(inputs)]
        data = mutate(source, SEED + number)
        (tmp_path / "lf").mkdir(exist_ok=True)
        (tmp_path / "mixed").mkdir(exist_ok=True)
        (tmp_path / "lf" / f"m{number:03d}.py").write_bytes(data.replace(b"\r\n", b"\n"))
        (tmp_path / "mixed" / f"m{number:03d}.py").write_bytes(mixed_line_ends(data.replace(b"\r\n", b"\n"), number))
    mixed_before = snapshot(tmp_path / "mixed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", lambda fd: None)
        for folder in ("lf", "mixed"):
            result = kerasfix(["apply", "--unsafe-fixes"], tmp_path / folder, patch)
            assert "error:" not in result.output, result.output[-3000:]
        again = kerasfix(["apply", "--unsafe-fixes"], tmp_path / "mixed", patch)
        assert "0 files changed" in again.stdout
    lf_before = {name: data.replace(b"\r\n", b"\n") for name, data in mixed_before.items()}
    lf_after, mixed_after = snapshot(tmp_path / "lf"), snapshot(tmp_path / "mixed")
    assert sum(lf_after[name] != lf_before[name] for name in lf_before) > MIXED // 2
    for name, before in mixed_before.items():
        after = mixed_after[name]
        compile(after, name, "exec", dont_inherit=True)
        assert re.sub(rb"\r\n?", b"\n", after) == lf_after[name], name  # fixed as the LF file is
        old, new = _lines(before), _lines(after)
        plain = [re.sub(rb"\r\n?|\n", b"", line) for line in old], [re.sub(rb"\r\n?|\n", b"", line) for line in new]
        matcher = difflib.SequenceMatcher(None, *plain, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":  # a line the fixes left alone, its line end included
                assert old[i1:i2] == new[j1:j2], name


# --- notebooks ----------------------------------------------------------------------------------

NOTEBOOKS = 32
# the magics mutations.py puts in notebooks, as IPython turns them into calls
_MAGIC = re.compile(r"([ \t]*)(?:%time |!echo |listing = !ls|%env |%matplotlib |!pip |%%capture|%%time|len\?)")


def as_ipython_runs_it(cell: str) -> str | None:
    """The Python IPython compiles for a cell of the mutants (None: a %%bash cell, no Python)."""
    if cell.startswith("%%bash"):
        return None
    out, continued = [], False
    for line in cell.splitlines(keepends=True):
        match = None if continued else _MAGIC.match(line)
        out.append(f"{match.group(1)}get_ipython()\n" if match else "\n" if continued else line)
        continued = (continued or match is not None) and line.rstrip("\r\n").endswith("\\")
    return "".join(out)


def magic_lines(book: dict) -> Counter:
    return Counter(line.strip() for cell in book["cells"] if cell["cell_type"] == "code"
                   for line in "".join(cell["source"]).splitlines() if _MAGIC.match(line))


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    """The notebook mutants: what they were made as, their bytes before and after `apply`, the
    dry run's JSON, and what `apply` printed."""
    root = tmp_path_factory.mktemp("notebooks")
    made = write_notebook_mutants(root, NOTEBOOKS, SEED)
    before = {p.name: p.read_bytes() for p in sorted(root.glob("*.ipynb"))}
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(os, "fsync", lambda fd: None)
        dry = json.loads(kerasfix(["apply", "--diff", "--unsafe-fixes", "--format", "json"], root, monkeypatch).stdout)
        first = kerasfix(["apply", "--unsafe-fixes"], root, monkeypatch)
        after = {p.name: p.read_bytes() for p in sorted(root.glob("*.ipynb"))}
        second = kerasfix(["apply", "--unsafe-fixes"], root, monkeypatch)
        assert "0 files changed" in second.stdout, second.output
    return made, before, after, dry, first.output


def test_every_notebook_is_fixed_as_the_dry_run_said(notebooks):
    made, before, after, dry, output = notebooks
    assert "error:" not in output, output[-3000:]
    changed = {name for name in before if after[name] != before[name]}
    assert len(changed) > NOTEBOOKS // 2
    assert {Path(f["path"]).name for f in dry["files"] if f["changed"]} == changed
    assert dry["errors"] == []


def test_every_notebook_keeps_its_layout_bom_outputs_and_magics(notebooks):
    made, before, after, _, _ = notebooks
    for name, (book, layout, bom) in made.items():
        data = after[name]
        assert data.startswith(b"\xef\xbb\xbf") == bom, name
        fixed = json.loads(data.decode("utf-8-sig"))
        assert data.decode("utf-8-sig") == NOTEBOOK_LAYOUTS[layout](fixed), (name, layout)  # its own layout
        assert magic_lines(fixed) == magic_lines(book), name
        for old, new in zip(book["cells"], fixed["cells"]):
            assert {**old, "source": None} == {**new, "source": None}, name


def test_every_notebook_cell_runs_as_ipython_compiles_it(notebooks):
    _, _, after, _, _ = notebooks
    for name, data in after.items():
        for number, cell in enumerate(json.loads(data.decode("utf-8-sig"))["cells"], 1):
            code = as_ipython_runs_it("".join(cell["source"])) if cell["cell_type"] == "code" else None
            if code is not None:
                compile(code, f"{name} cell {number}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                        dont_inherit=True)
