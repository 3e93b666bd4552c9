"""Properties that hold for any input, checked on a generated legacy tree and the fixtures."""

from __future__ import annotations

import ast
import importlib.util
import os
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider
from typer.testing import CliRunner

from fixture_cases import FIXTURES
from kerasfix.cli import app
from kerasfix.syntax import positions, walk

BENCH = Path(__file__).parent.parent / "benchmarks" / "bench.py"


def _bench():
    spec = importlib.util.spec_from_file_location("kerasfix_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def test_positions_match_libcst_position_provider():
    for path in sorted(FIXTURES.rglob("*.py")):
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        # every node but the Module itself, whose end libcst computes after dropping the
        # final newline; no fix ever targets the whole module
        nodes = [n for n in walk(module) if not isinstance(n, cst.Module)]
        mine = positions(module, nodes)
        assert all(mine[id(n)] == expected[n] for n in nodes), path


def test_apply_on_a_generated_legacy_tree(tmp_path, monkeypatch):
    tree = tmp_path / "tree"
    _bench().make_tree(tree, files=300, seed=3)
    before = _snapshot(tree)
    monkeypatch.chdir(tree)
    checked = CliRunner().invoke(app, ["check", "--no-cache", "."])
    assert checked.exit_code == 1
    flagged = {line.split(":")[0] for line in checked.stdout.splitlines() if " KF" in line}

    first = CliRunner().invoke(app, ["apply", "--unsafe-fixes", "--no-cache", "."])
    assert first.exit_code in (0, 1), first.stdout
    after = _snapshot(tree)
    for name, data in after.items():
        ast.parse(data)  # every output is valid Python
        if name not in flagged:
            assert data == before[name], f"{name} had no finding but was rewritten"
    assert any(after[name] != before[name] for name in flagged)

    second = CliRunner().invoke(app, ["apply", "--unsafe-fixes", "--no-cache", "."])
    assert _snapshot(tree) == after, "a second apply changed something"
    assert "0 files changed" in second.stdout


def test_a_crash_in_one_file_is_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    trap = (FIXTURES / "KF302" / "set_in_init" / "input.py").read_text()
    (tmp_path / "a.py").write_text(trap)
    (tmp_path / "b.py").write_text(trap.replace("Ensemble", "Other"))
    from kerasfix import engine

    original = engine.process_source

    def flaky(source, **kwargs):
        if "Other" in source:
            raise RuntimeError("boom")
        return original(source, **kwargs)

    monkeypatch.setattr(engine, "process_source", flaky)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["apply", "--no-cache", "--jobs", "1", "."])
    assert result.exit_code == 2
    assert "b.py: error: internal error RuntimeError: boom" in result.stderr
    assert "[keras.layers.Dense(2), keras.layers.Dense(2)]" in (tmp_path / "a.py").read_text()
    assert (tmp_path / "b.py").read_text() == trap.replace("Ensemble", "Other")


def test_huge_files_and_symlink_loops_do_not_stop_a_run(tmp_path, monkeypatch):
    trap = (FIXTURES / "KF302" / "set_in_init" / "input.py").read_text()
    (tmp_path / "trap.py").write_text(trap)
    (tmp_path / "huge.py").write_text("x = 1\n" * (2 * 1024 * 1024))
    (tmp_path / "loop").mkdir()
    os.symlink(tmp_path, tmp_path / "loop" / "back")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "--no-cache", "."])
    assert result.exit_code == 2
    assert "huge.py: error: larger than 10 MB, skipped" in result.stderr
    assert "trap.py:9:9: KF302" in result.stdout
