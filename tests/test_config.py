"""ruff-grade configuration: extend-select/-ignore, per-file-ignores, "did you mean",
suppression comments, --config and --stdin-filename (issue 10 item 7)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kerasfix.cli import app
from samples import TRAP

# KF302 (a set of layers) and KF101 (get_variable in build) in one file.
TWO = TRAP + (
    "\n\nclass Var(tf.keras.layers.Layer):\n"
    "    def build(self, input_shape):\n"
    "        self.kernel = tf.compat.v1.get_variable('kernel', [2, 2])\n"
)


def run(args, cwd: Path, monkeypatch, stdin: str | None = None):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, input=stdin, catch_exceptions=False)


def codes(stdout: str) -> list[str]:
    return [line.split(": ")[1].split()[0] for line in stdout.splitlines() if ": KF" in line]


def project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.kerasfix]\n{table}\n")
    (tmp_path / "two.py").write_text(TWO)
    return tmp_path


def test_two_sample_has_both_codes(tmp_path, monkeypatch):
    project(tmp_path, "")
    assert codes(run(["check", "two.py"], tmp_path, monkeypatch).stdout) == ["KF302", "KF101"]


def test_extend_select_adds_to_select(tmp_path, monkeypatch):
    project(tmp_path, 'select = ["KF3"]\nextend-select = ["KF101"]')
    assert codes(run(["check", "two.py"], tmp_path, monkeypatch).stdout) == ["KF302", "KF101"]
    project(tmp_path, 'select = ["KF3"]')
    assert codes(run(["check", "two.py"], tmp_path, monkeypatch).stdout) == ["KF302"]
    result = run(["check", "--extend-select", "KF1", "two.py"], tmp_path, monkeypatch)
    assert codes(result.stdout) == ["KF302", "KF101"]


def test_extend_select_without_select_keeps_every_rule(tmp_path, monkeypatch):
    project(tmp_path, 'extend-select = ["KF101"]')
    assert codes(run(["check", "two.py"], tmp_path, monkeypatch).stdout) == ["KF302", "KF101"]


def test_extend_ignore_adds_to_ignore(tmp_path, monkeypatch):
    project(tmp_path, 'ignore = ["KF3"]\nextend-ignore = ["KF101"]')
    result = run(["check", "two.py"], tmp_path, monkeypatch)
    assert codes(result.stdout) == [] and result.exit_code == 0
    project(tmp_path, "")
    assert codes(run(["check", "--extend-ignore", "KF30", "two.py"], tmp_path, monkeypatch).stdout) == ["KF101"]


def test_per_file_ignores_match_gitignore_globs_from_the_project_root(tmp_path, monkeypatch):
    project(tmp_path, '[tool.kerasfix.per-file-ignores]\n"tests/*" = ["KF1"]\n"legacy.py" = ["KF302"]')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text(TWO)
    (tmp_path / "legacy.py").write_text(TWO)
    result = run(["check", "."], tmp_path, monkeypatch)
    lines = sorted(line.split(":")[0] + " " + code for line, code in zip(
        [x for x in result.stdout.splitlines() if ": KF" in x], codes(result.stdout)))
    assert lines == ["legacy.py KF101", "tests/t.py KF302", "two.py KF101", "two.py KF302"]
    # from a subfolder, the patterns still count from the pyproject.toml's folder
    assert codes(run(["check", "t.py"], tmp_path / "tests", monkeypatch).stdout) == ["KF302"]


def test_per_file_ignores_leave_fixes_alone(tmp_path, monkeypatch):
    project(tmp_path, '[tool.kerasfix.per-file-ignores]\n"two.py" = ["KF302"]')
    run(["apply", "two.py"], tmp_path, monkeypatch)
    assert "{tf.keras.layers.Dense(1)}" in (tmp_path / "two.py").read_text()


def test_wrong_types_name_the_file_and_the_key(tmp_path, monkeypatch):
    for table, key in [('extend-select = 3', "extend-select"), ('extend-ignore = [1]', "extend-ignore"),
                       ('per-file-ignores = ["x"]', "per-file-ignores"),
                       ('[tool.kerasfix.per-file-ignores]\n"a/*" = "KF1"', "per-file-ignores")]:
        project(tmp_path, table)
        result = run(["check", "two.py"], tmp_path, monkeypatch)
        assert result.exit_code == 2, table
        assert "pyproject.toml" in result.stderr and f"`{key}`" in result.stderr, result.stderr


def test_unknown_codes_in_per_file_ignores_are_refused(tmp_path, monkeypatch):
    project(tmp_path, '[tool.kerasfix.per-file-ignores]\n"a/*" = ["KF9"]')
    result = run(["check", "two.py"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "pyproject.toml: `per-file-ignores` \"a/*\": unknown rule code or prefix 'KF9'" in result.stderr


def test_a_misspelt_setting_gets_a_suggestion(tmp_path, monkeypatch):
    for wrong, right in [("unsafe_fixes", "unsafe-fixes"), ("exclud", "exclude"), ("extend_ignore", "extend-ignore"),
                         ("per-file-ignore", "per-file-ignores")]:
        project(tmp_path, f"{wrong} = []")
        result = run(["check", "two.py"], tmp_path, monkeypatch)
        assert result.exit_code == 2
        assert "pyproject.toml: unknown [tool.kerasfix] setting(s): " in result.stderr
        assert f"{wrong} (did you mean `{right}`?)" in result.stderr, result.stderr


def test_no_suggestion_for_a_setting_like_none(tmp_path, monkeypatch):
    project(tmp_path, "line-length = 88")
    result = run(["check", "two.py"], tmp_path, monkeypatch)
    assert "setting(s): line-length\n" in result.stderr


def test_config_flag_reads_that_file(tmp_path, monkeypatch):
    project(tmp_path, 'ignore = ["KF302"]')
    (tmp_path / "other.toml").write_text('[tool.kerasfix]\nignore = ["KF101"]\n')
    assert codes(run(["check", "two.py"], tmp_path, monkeypatch).stdout) == ["KF101"]
    result = run(["check", "--config", "other.toml", "two.py"], tmp_path, monkeypatch)
    assert codes(result.stdout) == ["KF302"]
    result = run(["check", "--config", "nothere.toml", "two.py"], tmp_path, monkeypatch)
    assert result.exit_code == 2 and "--config nothere.toml: no such file" in result.stderr
    (tmp_path / "bad.toml").write_text('[tool.kerasfix]\nignor = ["KF101"]\n')
    result = run(["check", "--config", "bad.toml", "two.py"], tmp_path, monkeypatch)
    assert result.exit_code == 2 and "bad.toml: unknown" in result.stderr and "`ignore`" in result.stderr


SUB = (
    "import tensorflow as tf\n"
    "from .base import Base\n\n\n"
    "class Sub(Base):\n"
    "    def build(self, input_shape):\n"
    "        self.kernel = tf.compat.v1.get_variable('kernel', [2, 2])\n"
)


def package(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "base.py").write_text("import tensorflow as tf\n\n\nclass Base(tf.keras.layers.Layer):\n"
                                              "    pass\n")


def test_stdin_filename_gives_package_context_and_the_path(tmp_path, monkeypatch):
    package(tmp_path)
    bare = run(["check", "--no-cache", "-"], tmp_path, monkeypatch, stdin=SUB)
    assert codes(bare.stdout) == []  # `.base` means nothing without a place
    named = run(["check", "--no-cache", "--stdin-filename", "pkg/sub.py", "-"], tmp_path, monkeypatch, stdin=SUB)
    assert named.exit_code == 1
    assert named.stdout.startswith("pkg/sub.py:7:23: KF101"), named.stdout
    alone = run(["check", "--no-cache", "--stdin-filename", "pkg/sub.py"], tmp_path, monkeypatch, stdin=SUB)
    assert alone.stdout == named.stdout  # no path: stdin, as ruff does


def test_stdin_filename_gets_that_paths_config(tmp_path, monkeypatch):
    package(tmp_path)
    (tmp_path / "pkg" / "pyproject.toml").write_text('[tool.kerasfix.per-file-ignores]\n"sub.py" = ["KF101"]\n')
    result = run(["check", "--stdin-filename", "pkg/sub.py", "-"], tmp_path, monkeypatch, stdin=SUB)
    assert result.exit_code == 0 and codes(result.stdout) == []
    result = run(["check", "--stdin-filename", "pkg/other.py", "-"], tmp_path, monkeypatch, stdin=SUB)
    assert codes(result.stdout) == ["KF101"]


def test_apply_stdin_filename_still_answers_on_stdout(tmp_path, monkeypatch):
    result = run(["apply", "--stdin-filename", "m.py", "-"], tmp_path, monkeypatch, stdin=TWO)
    assert "[tf.keras.layers.Dense(1)]" in result.stdout
    assert "m.py:" in result.stderr and not (tmp_path / "m.py").exists()


# --- suppression comments ---------------------------------------------------------------

SET_LINE = "        self.heads = {tf.keras.layers.Dense(1)}\n"


def commented(comment: str) -> str:
    return TWO.replace(SET_LINE, SET_LINE[:-1] + f"  {comment}\n")


def check_text(tmp_path, monkeypatch, text: str, *args: str) -> list[str]:
    (tmp_path / "m.py").write_text(text)
    return codes(run(["check", "--no-cache", *args, "m.py"], tmp_path, monkeypatch).stdout)


def test_ignore_comments_take_prefixes(tmp_path, monkeypatch):
    assert check_text(tmp_path, monkeypatch, commented("# kerasfix: ignore[KF3]")) == ["KF101"]
    assert check_text(tmp_path, monkeypatch, commented("# kerasfix: ignore[kf30]")) == ["KF101"]
    assert check_text(tmp_path, monkeypatch, commented("# kerasfix: ignore")) == ["KF101"]


def test_ignore_comments_suppress_fixes_too(tmp_path, monkeypatch):
    (tmp_path / "m.py").write_text(commented("# kerasfix: ignore[KF3]"))
    run(["apply", "--no-cache", "m.py"], tmp_path, monkeypatch)
    assert "{tf.keras.layers.Dense(1)}  # kerasfix: ignore[KF3]" in (tmp_path / "m.py").read_text()


def test_ignore_file_on_a_line_of_its_own(tmp_path, monkeypatch):
    for header in ("# kerasfix: ignore-file\n", "x = 1\n  # kerasfix: ignore-file  \n"):
        assert check_text(tmp_path, monkeypatch, header + TWO) == [], header
    assert check_text(tmp_path, monkeypatch, TWO + "# kerasfix: ignore-file[KF30]\n") == ["KF101"]
    # after code on its line it is no file-level comment (nor a line ignore)
    assert check_text(tmp_path, monkeypatch, "x = 1  # kerasfix: ignore-file\n" + TWO) == ["KF302", "KF101"]


def test_ignore_file_leaves_the_file_unwritten(tmp_path, monkeypatch):
    text = "# kerasfix: ignore-file\n" + TWO
    (tmp_path / "m.py").write_text(text)
    result = run(["apply", "--no-cache", "m.py"], tmp_path, monkeypatch)
    assert result.exit_code == 0 and (tmp_path / "m.py").read_text() == text


def test_unused_and_unknown_ignore_comments_are_kf001(tmp_path, monkeypatch):
    found = check_text(tmp_path, monkeypatch, commented("# kerasfix: ignore[KF101]"))
    assert found == ["KF302", "KF001", "KF101"]
    (tmp_path / "m.py").write_text(commented("# kerasfix: ignore[KF302, KF9]"))
    result = run(["check", "--no-cache", "m.py"], tmp_path, monkeypatch)
    assert "m.py:7:50: KF001 unused ignore comment: KF9 is no rule code" in result.stdout, result.stdout
    bare = TWO.replace("self.kernel = ", "self.kernel = ").replace(
        "    def __init__(self):\n", "    def __init__(self):  # kerasfix: ignore\n")
    assert check_text(tmp_path, monkeypatch, bare) == ["KF001", "KF302", "KF101"]


def test_kf001_is_selectable_like_any_rule(tmp_path, monkeypatch):
    text = commented("# kerasfix: ignore[KF101]")
    assert check_text(tmp_path, monkeypatch, text, "--ignore", "KF001") == ["KF302", "KF101"]
    assert check_text(tmp_path, monkeypatch, commented("# kerasfix: ignore[KF9]"), "--select", "KF001") == ["KF001"]
    assert check_text(tmp_path, monkeypatch, commented("# kerasfix: ignore[KF101, KF001]")) == ["KF302", "KF101"]


def test_kf001_stays_silent_when_the_rule_it_names_was_not_run(tmp_path, monkeypatch):
    text = commented("# kerasfix: ignore[KF101]")
    assert check_text(tmp_path, monkeypatch, text, "--ignore", "KF101") == ["KF302"]
    assert check_text(tmp_path, monkeypatch, text, "--select", "KF3,KF0") == ["KF302"]
    # a bare ignore counts only when every rule ran
    bare = TWO.replace("    def __init__(self):\n", "    def __init__(self):  # kerasfix: ignore\n")
    assert check_text(tmp_path, monkeypatch, bare, "--ignore", "KF104") == ["KF302", "KF101"]
    # but a code no rule has is reported whatever is selected
    assert check_text(tmp_path, monkeypatch, commented("# kerasfix: ignore[KF9]"), "--ignore", "KF1") == [
        "KF302", "KF001"]


def test_kf001_is_in_the_catalog(tmp_path, monkeypatch):
    assert "KF001  unused-ignore" in run(["rules"], tmp_path, monkeypatch).stdout
    page = run(["explain", "KF001"], tmp_path, monkeypatch)
    assert page.exit_code == 0 and "## Why is this bad?" in page.stdout


def test_the_documented_example_settings_load(tmp_path, monkeypatch):
    readme = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    block = readme.split("```toml\n[tool.kerasfix]\n", 1)[1].split("```", 1)[0]
    project(tmp_path, block)
    result = run(["check", "two.py"], tmp_path, monkeypatch)
    assert result.exit_code == 1 and codes(result.stdout) == ["KF302", "KF101"], result.stderr


def test_verbose_names_the_config_file_read(tmp_path, monkeypatch):
    project(tmp_path, '[tool.kerasfix.per-file-ignores]\n"tests/*" = ["KF1"]')
    (tmp_path / "other.toml").write_text('[tool.kerasfix]\n')
    result = run(["check", "-v", "--config", "other.toml", "two.py"], tmp_path, monkeypatch)
    assert f"settings from {tmp_path / 'other.toml'} and the command line" in result.stderr
    result = run(["check", "-v", "two.py"], tmp_path, monkeypatch)
    assert "per-file ignores: tests/*: KF1;" in result.stderr


def test_ignore_comments_are_comments_not_text(tmp_path, monkeypatch):
    text = TWO.replace("get_variable('kernel', [2, 2])\n", "get_variable(  # KERASFIX: ignore[kf1]\n"
                       "            'kernel', [2, 2])\n        s = '# kerasfix: ignore[KF9]'\n")
    assert check_text(tmp_path, monkeypatch, text) == ["KF302"]
