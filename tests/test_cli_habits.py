"""The command-line habits ruff users bring: -q, -v, -V, --color with NO_COLOR, shell completion."""

from __future__ import annotations

import json
import re
import sys

import pytest
from typer.testing import CliRunner

from kerasfix import __version__, cli
from kerasfix.cli import app
from samples import TRAP

FINDING = "trap.py:7:9: KF302 [*] layers kept in a set in `self.heads`"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "trap.py").write_text(TRAP)
    (tmp_path / "clean.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def test_capital_v_is_version():
    for flag in ("-V", "--version"):
        result = run(flag)
        assert result.exit_code == 0
        assert result.stdout == f"kerasfix {__version__}\n"


def test_color_always_paints_the_text_format_only_with_styles(tree):
    plain = run("check", "--color", "never", ".")
    painted = run("check", "--color", "always", ".")
    assert painted.exit_code == plain.exit_code == 1
    assert "\x1b[1;31mKF302\x1b[0m" in painted.stdout  # the code, bold red as ruff's
    assert "\x1b[36m[*]\x1b[0m" in painted.stdout
    assert "\x1b[1mFound 1 finding in 1 file.\x1b[0m" in painted.stdout
    assert ANSI.sub("", painted.stdout) == plain.stdout  # the same text underneath
    assert "\x1b" not in plain.stdout
    assert plain.stdout.startswith(FINDING)


def test_color_auto_off_a_terminal_and_no_color_win(tree):
    assert "\x1b" not in run("check", ".").stdout  # CliRunner's stdout is not a terminal
    assert "\x1b" in run("check", ".", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b" not in run("check", ".", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b" in run("check", "--color", "always", ".", env={"NO_COLOR": "1"}).stdout  # the flag wins


class _Terminal:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("env, tty, expected", [
    ({}, True, True), ({}, False, False), ({"NO_COLOR": "1"}, True, False),
    ({"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
    ({"FORCE_COLOR": "1"}, False, True),
])
def test_color_auto_follows_the_terminal_and_the_environment(monkeypatch, env, tty, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", _Terminal(tty))
    assert cli._use_color("auto") is expected
    assert cli._use_color("never") is False and cli._use_color("always") is True


def test_color_auto_asks_the_stream_written_to(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", _Terminal(False))
    monkeypatch.setattr(sys, "stderr", _Terminal(True))
    assert (cli._use_color("auto"), cli._use_color("auto", err=True)) == (False, True)


@pytest.mark.parametrize("fmt", ["json", "github", "sarif"])
def test_machine_formats_are_never_painted(tree, fmt):
    result = run("check", "--color", "always", "--format", fmt, ".")
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    if fmt != "github":
        json.loads(result.stdout)


def test_diffs_are_never_painted(tree):
    plain = run("apply", "--diff", ".")
    painted = run("apply", "--diff", "--color", "always", ".", env={"FORCE_COLOR": "1"})
    assert painted.exit_code == plain.exit_code == 1
    assert painted.stdout_bytes == plain.stdout_bytes  # what `git apply` reads
    assert b"\x1b" not in painted.stdout_bytes
    assert "\x1b" in painted.stderr  # the summary beside it is painted
    assert (tree / "trap.py").read_text() == TRAP


def test_quiet_prints_findings_only(tree):
    quiet = run("check", "-q", ".")
    assert quiet.exit_code == 1
    assert quiet.stdout.splitlines() == [line for line in run("check", ".").stdout.splitlines()
                                         if line.startswith("trap.py:")]
    assert run("check", "--quiet", "clean.py").stdout == ""
    silent = run("check", "-qq", ".")
    assert (silent.exit_code, silent.stdout, silent.stderr) == (1, "", "")


def test_quiet_apply_prints_what_is_left_only(tree):
    diff = run("apply", "--diff", "-q", ".")
    assert diff.exit_code == 1
    assert diff.stdout.startswith("--- a/trap.py\n")  # the diff is the output asked for
    assert diff.stderr == ""  # no "fixed ..." line, no summary
    assert run("apply", "--diff", "-qq", ".").stdout == diff.stdout
    unfixable = "import tensorflow as tf\n\n\nclass Bad(tf.keras.layers.Layer):\n    def build(self, shape):\n" \
                "        self.w = tf.compat.v1.get_variable('w', initializer=tf.zeros([2]))\n"
    (tree / "left.py").write_text(unfixable)
    applied = run("apply", "-q", ".")
    assert applied.exit_code == 1
    assert applied.stdout.startswith("left.py:6:18: KF101 ")
    assert len(applied.stdout.splitlines()) == 1
    assert (tree / "trap.py").read_text() != TRAP  # quiet, but it still fixes


def test_quiet_still_prints_errors(tree):
    (tree / "bytes.py").write_bytes(b"x = 1\nname = '\xff\xfe'\n")
    result = run("check", "-qq", ".")
    assert result.exit_code == 2
    assert result.stderr.startswith("bytes.py: error: not valid UTF-8")


def test_verbose_says_what_settings_and_how_each_file_was_answered(tree):
    plain = run("check", "--no-cache", ".")
    verbose = run("check", "--no-cache", "-v", ".")
    assert verbose.exit_code == 1
    assert verbose.stdout == plain.stdout  # the findings are unchanged; the detail goes to stderr
    lines = verbose.stderr.splitlines()
    assert lines[0] == f"kerasfix {__version__}: settings from the command line (no pyproject.toml found)"
    assert lines[1].startswith("select: every rule; ignore: none; unsafe fixes: off;")
    assert "clean.py: not parsed: defines no Keras class; 0 findings" in lines
    assert "trap.py: parsed; 1 finding" in lines
    assert lines[-1].startswith("2 files scanned, 1 parsed, 0 from cache, 1 with findings, 0 errors")


def test_verbose_names_the_pyproject_and_the_cache(tree):
    (tree / "pyproject.toml").write_text('[tool.kerasfix]\nignore = ["KF104"]\n')
    run("check", ".")
    lines = run("check", "--verbose", ".").stderr.splitlines()
    assert lines[0].endswith(f"settings from {tree / 'pyproject.toml'} and the command line")
    assert "ignore: KF104;" in lines[1]
    assert "trap.py: from the cache; 1 finding" in lines


def test_quiet_and_verbose_and_bad_colors_are_usage_errors(tree):
    for args in (["-q", "-v"], ["--color", "blue"]):
        result = run("check", *args, ".")
        assert result.exit_code == 2
        assert result.stderr.startswith("kerasfix: error: ")


def test_shell_completion_is_offered(tree):
    helped = run("--help").stdout
    assert "--install-completion" in helped and "--show-completion" in helped
    # (`--show-completion` itself asks shellingham which shell runs it: with no terminal and
    # no parent shell, as in CI, it answers none, so the completion protocol is tested instead)
    completed = CliRunner().invoke(app, [], prog_name="kerasfix", env={
        "_KERASFIX_COMPLETE": "complete_bash", "COMP_WORDS": "kerasfix check --col", "COMP_CWORD": "2"})
    assert completed.stdout.split() == ["--color"]


# -- options before the command (ruff's global options) ------------------------------------------

@pytest.mark.parametrize("options", [["-q"], ["-qq"], ["--quiet"], ["-v"], ["--verbose"], ["--color", "always"],
                                     ["--color", "never"], ["--no-cache"], ["--config", "other.toml"],
                                     ["-q", "--color", "always", "--no-cache"]])
@pytest.mark.parametrize("command", [["check"], ["apply", "--diff"]])
def test_global_options_work_before_the_command_as_after_it(tree, options, command):
    (tree / "other.toml").write_text('[tool.kerasfix]\nignore = ["KF104"]\n')
    run("check", ".")  # the cache filled: --no-cache shows in -v's lines
    before = run(*options, *command, ".", env={"FORCE_COLOR": "1"})
    after = run(*command, *options, ".", env={"FORCE_COLOR": "1"})
    assert before.exit_code == after.exit_code == 1
    timed = re.compile(r"\d+\.\d\ds")
    assert (before.stdout, timed.sub("", before.stderr)) == (after.stdout, timed.sub("", after.stderr))
    assert (tree / "trap.py").read_text() == TRAP


def test_each_global_option_before_the_command_counts(tree):
    (tree / "other.toml").write_text('[tool.kerasfix]\nignore = ["KF3"]\n')
    assert run("-q", "check", ".").stdout == FINDING + ": tf_keras 2 never tracks their weights; keep them in a list\n"
    assert run("-qq", "check", ".").stdout == ""
    assert "trap.py: parsed; 1 finding" in run("-v", "check", "--no-cache", ".").stderr
    assert "cache: off" in run("--no-cache", "check", "-v", ".").stderr
    assert "\x1b[1;31mKF302" in run("--color", "always", "check", ".").stdout
    assert "\x1b" not in run("--color", "never", "check", ".", env={"FORCE_COLOR": "1"}).stdout
    assert run("--config", "other.toml", "check", ".").exit_code == 0
    applied = run("-q", "apply", ".")
    assert (applied.exit_code, applied.stdout) == (0, "") and (tree / "trap.py").read_text() != TRAP


def test_options_after_the_command_win(tree):
    (tree / "a.toml").write_text('[tool.kerasfix]\nignore = ["KF3"]\n')
    (tree / "b.toml").write_text('[tool.kerasfix]\nignore = ["KF104"]\n')
    quiet = run("-v", "check", "-q", ".")  # -q and -v are one setting: the later says
    assert quiet.stderr == "" and quiet.stdout.startswith(FINDING)
    assert len(quiet.stdout.splitlines()) == 1
    loud = run("-q", "check", "--verbose", ".")
    assert "trap.py: " in loud.stderr and "Found 1 finding" in loud.stdout
    assert "\x1b" not in run("--color", "always", "check", "--color", "never", ".").stdout
    assert "\x1b" in run("--color", "never", "check", "--color", "always", ".").stdout
    assert run("--config", "a.toml", "check", "--config", "b.toml", ".").exit_code == 1
    assert run("--config", "b.toml", "check", "--config", "a.toml", ".").exit_code == 0


def test_global_options_do_not_disturb_the_other_commands(tree):
    assert run("-q", "--no-cache", "rules").stdout == run("rules").stdout
    assert run("--color", "never", "explain", "KF302").stdout == run("explain", "KF302").stdout
    assert run("-q", "-V").stdout == f"kerasfix {__version__}\n"


def test_bad_options_before_the_command_are_usage_errors(tree):
    for args in (["-q", "-v"], ["--color", "blue"]):
        result = run(*args, "check", ".")
        assert result.exit_code == 2
        assert result.stderr.startswith("kerasfix: error: "), result.stderr
    misspelt = run("--colour", "never", "check", ".")
    assert misspelt.exit_code == 2
    assert "No such option: --colour" in misspelt.stderr and "--color" in misspelt.stderr.split("--colour", 1)[1]
    assert run("--select", "KF3", "check", ".").exit_code == 2  # a check option, not a global one


def test_global_options_are_completed(tree):
    completed = CliRunner().invoke(app, [], prog_name="kerasfix", env={
        "_KERASFIX_COMPLETE": "complete_bash", "COMP_WORDS": "kerasfix --no-c", "COMP_CWORD": "1"})
    assert completed.stdout.split() == ["--no-cache"]


def test_help_shows_brackets_as_written(tree):
    for args in (["--help"], ["check", "--help"], ["apply", "--help"]):
        helped = run(*args, env={"COLUMNS": "200"}).stdout
        assert "[tool.kerasfix]" in helped, args
        assert "<list[str]>" not in helped and "<bool>" not in helped and "<int>" not in helped, helped  # issue 20 §3


def test_quiet_shows_no_progress_bar(tree, monkeypatch):
    shown = []
    monkeypatch.setattr(cli, "_progress_bar", lambda: shown.append(True))  # the bar, on a terminal
    for args in (["check", "."], ["apply", "--diff", "."]):
        for quiet in (["-q"], ["-qq"]):
            run(*args[:-1], *quiet, ".")
            run(*quiet, *args)
        assert not shown
        run(*args)
        assert shown.pop()


def test_a_tree_without_keras_classes_is_not_called_passed(tmp_path, monkeypatch):
    """Issue 20 §3: "All checks passed" over a tree that defines no Keras layer or model class
    overstates what was looked at; the cache does not change the answer."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERASFIX_CACHE_DIR", str(tmp_path / ".cache"))
    (tmp_path / "a.py").write_text("class A:\n    pass\n")
    (tmp_path / "b.py").write_text("x = 1\n")
    for _ in range(2):  # cold, then warm
        result = run("check", "a.py", "b.py")
        assert result.exit_code == 0
        assert result.stdout == "No Keras layer or model class found (2 files scanned): nothing was checked.\n"
    assert run("apply", "a.py").stdout.endswith("No Keras layer or model class found (1 file scanned).\n")
    (tmp_path / "layer.py").write_text("import tensorflow as tf\n\n\nclass L(tf.keras.layers.Layer):\n    pass\n")
    assert run("check", ".").stdout == "All checks passed (3 files scanned).\n"


def test_check_fix_is_apply(tree):
    """ruff's `check --fix` (and `--unsafe-fixes`): apply, with its output and exit codes."""
    fixed = run("check", "--fix", "--no-cache", "trap.py")
    assert fixed.exit_code == 0 and fixed.stdout.startswith("trap.py: fixed 1 (KF302)")
    (tree / "trap.py").write_text(TRAP)
    assert run("apply", "--no-cache", "trap.py").stdout == fixed.stdout
    assert run("check", "--fix", "--format", "sarif", "trap.py").exit_code == 2  # apply's formats only
