"""Issue 21, the reproducers of `shared/reliability2/` about the cache key, ignore patterns,
suppression comments and rule codes: one test each, named after its id, each failing on
kerasfix at 1d2e3f5."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix.cli import app

TRAP = (
    "import tensorflow as tf\n\n\n"
    "class Projection(tf.keras.layers.Layer):\n"
    "    def build(self, input_shape):\n"
    "        self.kernel = tf.compat.v1.get_variable(\"kernel\", [int(input_shape[-1]), 8])\n"
    "        self.scale = tf.Variable(tf.ones([8]), name=\"scale\")\n"
)


def run(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False)


def _project(root: Path, per_file_ignores: str) -> Path:
    for folder in ("src", "tests"):
        (root / folder).mkdir()
        (root / folder / "model.py").write_text(TRAP)
    (root / "pyproject.toml").write_text(f"[tool.kerasfix.per-file-ignores]\n{per_file_ignores}\n")
    return root


def test_R07_same_files_in_two_folders_keep_their_own_verdicts(tmp_path, monkeypatch):
    _project(tmp_path, '"tests/*" = ["KF"]')
    cold = run(["check", "."], tmp_path, monkeypatch)
    warm = run(["check", "--statistics", "."], tmp_path, monkeypatch)
    assert cold.exit_code == warm.exit_code == 1
    assert warm.stdout.count("src/model.py:") == 2 and "tests/model.py" not in warm.stdout
    assert "2 from cache" in warm.stderr + warm.stdout  # both answered, each by its own entry
    fixed = run(["apply", "."], tmp_path, monkeypatch)
    assert "Fixed 2 findings" in fixed.stdout
    assert (tmp_path / "src" / "model.py").read_text() != TRAP
    assert (tmp_path / "tests" / "model.py").read_text() == TRAP


_KEY = """
from kerasfix.config import load_settings
from kerasfix.runner import _selection_key
from pathlib import Path
print(_selection_key(load_settings(Path(".")), "tests/model.py"))
"""


def test_R08_the_cache_key_is_the_same_whatever_the_hash_seed(tmp_path):
    _project(tmp_path, '"tests/*" = ["KF101", "KF102", "KF201", "KF302"]')
    keys = set()
    for seed in range(6):
        env = dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=str(Path(__file__).parent.parent))
        done = subprocess.run([sys.executable, "-c", _KEY], cwd=tmp_path, env=env, capture_output=True, text=True,
                              check=True)
        keys.add(done.stdout)
    assert len(keys) == 1 and "KF101,KF102,KF201,KF302" in keys.pop()


def test_R08_warm_runs_are_answered_from_the_cache(tmp_path, monkeypatch):
    _project(tmp_path, '"tests/*" = ["KF101", "KF102", "KF201", "KF302"]')
    run(["check", "."], tmp_path, monkeypatch)
    warm = run(["check", "--statistics", "."], tmp_path, monkeypatch)
    assert "0 parsed, 2 from cache" in warm.stderr + warm.stdout


def test_R14_a_trailing_backslash_in_a_gitignore_is_skipped_as_git_does(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("bin\\\nobj\\\n!\n*.gen.py\n")
    (tmp_path / "model.py").write_text(TRAP)
    (tmp_path / "sub" / "bin").mkdir()
    (tmp_path / "sub" / "bin" / "m.py").write_text(TRAP)
    (tmp_path / "sub" / "x.gen.py").write_text(TRAP)
    result = run(["check", "--no-cache", "."], tmp_path, monkeypatch)
    assert result.exit_code == 1, result.output
    # the valid line still counts; `bin\` matches nothing, as in git
    assert "model.py:" in result.stdout and "sub/bin/m.py:" in result.stdout and "x.gen.py" not in result.stdout


@pytest.mark.parametrize("where", ["--exclude", "exclude", "extend-exclude", "per-file-ignores"])
def test_R14_a_trailing_backslash_in_kerasfix_settings_is_one_error_line(tmp_path, monkeypatch, where):
    (tmp_path / "model.py").write_text(TRAP)
    args = ["check", "--no-cache", "."]
    if where == "--exclude":
        args[1:1] = ["--exclude", "gen\\"]
    elif where == "per-file-ignores":
        (tmp_path / "pyproject.toml").write_text('[tool.kerasfix.per-file-ignores]\n"gen\\\\" = ["KF101"]\n')
    else:
        (tmp_path / "pyproject.toml").write_text(f'[tool.kerasfix]\n{where} = ["gen\\\\"]\n')
    result = run(args, tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"kerasfix: error: {'' if where == '--exclude' else str(tmp_path / 'pyproject.toml') + ': '}"
        f"{'`' + where + '` in [tool.kerasfix]' if where != '--exclude' else where}: "
        "'gen\\\\' is not a gitignore pattern (git matches nothing with it)"]


def test_R15_ignore_file_in_a_string_is_no_comment(tmp_path, monkeypatch):
    layer = TRAP.split("\n", 1)[1]
    for text in ('"""How to opt out:\n\n# kerasfix: ignore-file\n"""\nimport tensorflow as tf\n' + layer,
                 'import tensorflow as tf\nHELP = f"""\n# kerasfix: ignore-file\n"""\n' + layer,
                 'import tensorflow as tf\nHELP = b"""\n  # kerasfix: ignore-file[KF1]\n"""\n' + layer):
        (tmp_path / "m.py").write_text(text)
        result = run(["check", "--no-cache", "m.py"], tmp_path, monkeypatch)
        assert result.exit_code == 1 and "KF102" in result.stdout, text
    (tmp_path / "m.py").write_text("import tensorflow as tf  # kerasfix: ignore-file\n" + layer)
    assert "KF102" in run(["check", "--no-cache", "m.py"], tmp_path, monkeypatch).stdout  # not on a line of its own
    (tmp_path / "m.py").write_text("import tensorflow as tf\n# kerasfix: ignore-file[KF1]\n" + layer)
    assert run(["check", "--no-cache", "m.py"], tmp_path, monkeypatch).exit_code == 0  # a real comment


@pytest.mark.parametrize("how", ["pyproject", "flag"])
def test_R20_an_unknown_code_in_extend_select_is_an_error(tmp_path, monkeypatch, how):
    (tmp_path / "m.py").write_text("import tensorflow as tf\n")
    args = ["check", "--no-cache", "m.py"]
    if how == "flag":
        args[1:1] = ["--extend-select", "KF999"]
    else:
        (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nextend-select = ["KF999"]\n')
    result = run(args, tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["kerasfix: error: unknown rule code or prefix 'KF999' (see `kerasfix rules`)"]
    (tmp_path / "pyproject.toml").unlink(missing_ok=True)
    assert run(["check", "--no-cache", "--extend-select", "KF1", "m.py"], tmp_path, monkeypatch).exit_code == 0
