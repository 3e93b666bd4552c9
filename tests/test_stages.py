"""benchmarks/stages.py, which `bench.py --stages` times: each stage of a cold check stops where
its name says (nothing parsed by libcst before `pieces`, libcst never imported before it, no
rule run before `full`), and `full` is kerasfix's own check. Not timed: what each stage does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"
STAGES = BENCHMARKS / "stages.py"
TALLY = re.compile(r"(\d+) files scanned, (\d+) parsed, \d+ from cache, (\d+) with findings")


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from bench import make_tree
    finally:
        sys.path.remove(str(BENCHMARKS))
    root = tmp_path_factory.mktemp("stages") / "tree"
    make_tree(root, files=40, seed=5)
    return root


def _run(command: list[str], tree: Path) -> tuple[tuple[int, ...], bool, str]:
    """The statistics' tally (files scanned, parsed, with findings), whether libcst was
    imported, and the findings' lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASFIX_")}
    done = subprocess.run([sys.executable, "-X", "importtime", *command, "check", "--no-cache", "--exit-zero",
                           "--statistics", "."], cwd=tree, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    tally = TALLY.search(done.stdout + done.stderr)
    assert tally, done.stdout
    imported = any(re.fullmatch(r"import time:.*\|\s+libcst", line.rstrip()) for line in done.stderr.splitlines())
    findings = "\n".join(line for line in done.stdout.splitlines() if re.search(r":\d+:\d+: KF\d{3}", line))
    return tuple(map(int, tally.groups())), imported, findings


@pytest.fixture(scope="module")
def kerasfix(tree) -> tuple[tuple[int, ...], bool, str]:
    return _run(["-m", "kerasfix"], tree)


@pytest.mark.parametrize("stage", ["start", "parse", "scan"])
def test_a_stage_before_pieces_parses_nothing_with_libcst_and_never_imports_it(tree, kerasfix, stage):
    (scanned, parsed, found), imported, _ = _run([str(STAGES), stage], tree)
    assert scanned == kerasfix[0][0] and parsed == 0 and found == 0
    assert not imported and kerasfix[1]


def test_pieces_parses_what_kerasfix_parses_and_runs_no_rule(tree, kerasfix):
    (scanned, parsed, found), imported, findings = _run([str(STAGES), "pieces"], tree)
    (_, parsed_by_kerasfix, found_by_kerasfix), _, _ = kerasfix
    assert imported and parsed == parsed_by_kerasfix > 0
    assert found == 0 and not findings and found_by_kerasfix > 0


def test_ast_pieces_reads_the_files_kerasfix_parses_and_finds_nothing(tree, kerasfix):
    (scanned, parsed, found), _, findings = _run([str(STAGES), "ast-pieces"], tree)
    assert scanned == kerasfix[0][0] and parsed == kerasfix[0][1] > 0
    assert found == 0 and not findings


def test_full_is_kerasfix_itself(tree, kerasfix):
    assert _run([str(STAGES), "full"], tree) == kerasfix


def test_an_unknown_stage_is_refused_by_name():
    done = subprocess.run([sys.executable, str(STAGES), "rules", "check"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "STAGE is one of start, parse, scan, pieces, full, ast-pieces, not 'rules'" in done.stderr
