"""The command line's promises: exit codes, bad input, byte-exact writes, options, formats."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from kerasfix.cli import app
from kerasfix.rules import RULES
from samples import FIXED, TRAP


def run(args, cwd: Path, monkeypatch, stdin: str | None = None):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, input=stdin, catch_exceptions=False)


def test_check_exit_codes(tmp_path, monkeypatch):
    (tmp_path / "clean.py").write_text("x = 1\n")
    assert run(["check", "clean.py"], tmp_path, monkeypatch).exit_code == 0
    (tmp_path / "trap.py").write_text(TRAP)
    result = run(["check", "."], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert "trap.py:7:9: KF302 [*] " in result.stdout
    assert run(["check", "--exit-zero", "."], tmp_path, monkeypatch).exit_code == 0


def test_bad_files_are_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    (tmp_path / "py2.py").write_text('import keras\nclass Old(keras.layers.Layer):\n    pass\nprint "hello"\n')
    (tmp_path / "bytes.py").write_bytes(b"x = 1\nname = '\xff\xfe'\n")
    (tmp_path / "trap.py").write_text(TRAP)
    result = run(["check", "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "trap.py:7:9: KF302" in result.stdout
    assert "py2.py: error: not valid Python 3: Missing parentheses in call to 'print'" in result.stderr
    assert "(line 4)" in result.stderr
    assert "bytes.py: error: not valid UTF-8" in result.stderr
    applied = run(["apply", "."], tmp_path, monkeypatch)
    assert applied.exit_code == 2
    assert (tmp_path / "trap.py").read_text() == FIXED
    assert (tmp_path / "py2.py").read_text().endswith('print "hello"\n')


def test_missing_path_is_an_error(tmp_path, monkeypatch):
    result = run(["check", "nowhere.py"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "nowhere.py: error: no such file or folder" in result.stderr


def test_apply_keeps_encoding_bom_newlines_and_mode(tmp_path, monkeypatch):
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(b"\xef\xbb\xbf" + TRAP.replace("\n", "\r\n").encode())
    os.chmod(crlf, 0o751)
    latin = tmp_path / "latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n" + TRAP + "    # caf\xe9\n").encode("latin-1"))
    assert run(["apply", "."], tmp_path, monkeypatch).exit_code == 0
    assert crlf.read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(crlf.stat().st_mode) == 0o751
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\n" + FIXED + "    # caf\xe9\n").encode("latin-1")
    assert not [p for p in tmp_path.iterdir() if "kerasfix-tmp" in p.name]


def test_file_without_findings_is_never_rewritten(tmp_path, monkeypatch):
    clean = tmp_path / "clean.py"
    clean.write_text("import tensorflow as tf\n\nclass A(tf.keras.layers.Layer):\n    pass\n")
    os.utime(clean, (1_000_000_000, 1_000_000_000))
    assert run(["apply", "."], tmp_path, monkeypatch).exit_code == 0
    assert clean.stat().st_mtime == 1_000_000_000


def test_diff_is_a_patch_git_apply_takes(tmp_path, monkeypatch):
    (tmp_path / "trap.py").write_text(TRAP)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = run(["apply", "--diff", "."], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/trap.py\n+++ b/trap.py\n")
    assert (tmp_path / "trap.py").read_text() == TRAP
    (tmp_path / "fix.patch").write_text(result.stdout)
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    assert (tmp_path / "trap.py").read_text() == FIXED


def test_stdin(tmp_path, monkeypatch):
    checked = run(["check", "-"], tmp_path, monkeypatch, stdin=TRAP)
    assert checked.exit_code == 1 and "-:7:9: KF302" in checked.stdout
    applied = run(["apply", "-"], tmp_path, monkeypatch, stdin=TRAP)
    assert applied.stdout == FIXED
    untouched = run(["apply", "-"], tmp_path, monkeypatch, stdin="x = 1\n")
    assert untouched.stdout == "x = 1\n" and untouched.exit_code == 0


def test_select_ignore_and_unknown_codes(tmp_path, monkeypatch):
    (tmp_path / "trap.py").write_text(TRAP)
    assert run(["check", "--ignore", "KF302", "."], tmp_path, monkeypatch).exit_code == 0
    assert run(["check", "--select", "KF1", "."], tmp_path, monkeypatch).exit_code == 0
    assert run(["check", "--select", "KF3", "."], tmp_path, monkeypatch).exit_code == 1
    bad = run(["check", "--select", "KF999", "."], tmp_path, monkeypatch)
    assert bad.exit_code == 2 and "unknown rule code" in bad.stderr


def test_pyproject_settings_and_excludes(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nignore = ["KF302"]\nexclude = ["vendored/"]\n')
    (tmp_path / "trap.py").write_text(TRAP)
    assert run(["check", "."], tmp_path, monkeypatch).exit_code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nexclude = ["vendored/"]\n')
    (tmp_path / "vendored").mkdir()
    (tmp_path / "vendored" / "other.py").write_text(TRAP)
    result = run(["check", "."], tmp_path, monkeypatch)
    assert "vendored" not in result.stdout and "trap.py" in result.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nselekt = ["KF1"]\n')
    broken = run(["check", "."], tmp_path, monkeypatch)
    assert broken.exit_code == 2 and "unknown [tool.kerasfix] setting" in broken.stderr


def test_gitignore_hidden_and_venv_folders_are_skipped(tmp_path, monkeypatch):
    for folder in ("ignored", ".hidden", "venv", "build", "sub"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "trap.py").write_text(TRAP)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    result = run(["check", "."], tmp_path, monkeypatch)
    assert [line.split(":")[0] for line in result.stdout.splitlines() if " KF" in line] == ["sub/trap.py"]


def test_suppression_comments(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(TRAP.replace("(1)}\n", "(1)}  # kerasfix: ignore[KF302]\n"))
    (tmp_path / "b.py").write_text(TRAP.replace("(1)}\n", "(1)}  # kerasfix: ignore\n"))
    (tmp_path / "c.py").write_text(TRAP.replace("(1)}\n", "(1)}  # kerasfix: ignore[KF101]\n"))
    result = run(["check", "."], tmp_path, monkeypatch)
    assert [line.split(":")[0] for line in result.stdout.splitlines() if " KF" in line] == ["c.py", "c.py"]  # + KF001


def test_machine_formats(tmp_path, monkeypatch):
    (tmp_path / "trap.py").write_text(TRAP)
    rows = json.loads(run(["check", "--format", "json", "."], tmp_path, monkeypatch).stdout)["findings"]
    assert rows == [{
        "path": "trap.py", "line": 7, "column": 9, "end_line": 7, "end_column": 19, "code": "KF302",
        "name": "set-layer-container", "message": rows[0]["message"], "help": RULES["KF302"].help,
        "fix": {"safety": "safe", "applicable": True,
                                                                                     "edits": rows[0]["fix"]["edits"]},
    }]
    github = run(["check", "--format", "github", "."], tmp_path, monkeypatch).stdout
    assert github.startswith("::warning title=kerasfix KF302,file=trap.py,line=7,col=9,endLine=7,endColumn=19::KF302 ")
    sarif = json.loads(run(["check", "--format", "sarif", "."], tmp_path, monkeypatch).stdout)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "KF302"


def test_every_rule_has_a_full_page(tmp_path, monkeypatch):
    for code, rule in RULES.items():
        page = run(["explain", code.lower()], tmp_path, monkeypatch).stdout
        assert page.startswith(f"# {code} {rule.name}\n")
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert heading in page, f"{code} lacks {heading}"
    listing = run(["rules"], tmp_path, monkeypatch).stdout
    assert all(code in listing for code in RULES)
    assert run(["explain", "KF000"], tmp_path, monkeypatch).exit_code == 2
    by_name = run(["explain", "get-variable-in-layer"], tmp_path, monkeypatch).stdout  # as ruff takes a name
    assert by_name == run(["explain", "KF101"], tmp_path, monkeypatch).stdout and by_name.startswith("# KF101 ")


def test_migration_report(tmp_path, monkeypatch):
    (tmp_path / "trap.py").write_text(TRAP)
    (tmp_path / "manual.py").write_text(
        "import tensorflow as tf\n\nclass L(tf.keras.layers.Layer):\n"
        "    def call(self, x):\n        return x + tf.Variable(1.0)\n")
    result = run(["apply", "--report", "migration.md", "."], tmp_path, monkeypatch)
    assert result.exit_code == 1
    report = (tmp_path / "migration.md").read_text()
    assert "| KF302 | set-layer-container | 1 | 1 | 0 |" in report
    assert "| KF103 | variable-created-in-call | 1 | 0 | 1 |" in report
    assert "`manual.py:5:" in report
    run(["check", "--report", "migration.json", "."], tmp_path, monkeypatch)
    data = json.loads((tmp_path / "migration.json").read_text())
    assert data["rules"]["KF103"] == {"name": "variable-created-in-call", "found": 1, "fixed": 0, "left": 1}


def test_cache_gives_the_same_answer(tmp_path, monkeypatch):
    (tmp_path / "trap.py").write_text(TRAP)
    first = run(["check", "--statistics", "."], tmp_path, monkeypatch)
    second = run(["check", "--statistics", "."], tmp_path, monkeypatch)
    assert first.stdout == second.stdout
    assert "1 from cache" in second.stderr and "0 from cache" in first.stderr
    table = first.stderr.splitlines()[-2:]  # per rule, as ruff's --statistics, after the timing line
    assert [line.split() for line in table] == [["code", "name", "count", "fixable"],
                                                ["KF302", "set-layer-container", "1", "1"]]


def test_console_script_and_module_entry_points(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kerasfix", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("kerasfix ")


def test_single_file_inside_a_package_sees_its_package(tmp_path, monkeypatch):
    import shutil

    from fixture_cases import FIXTURES

    shutil.copytree(FIXTURES / "KF101" / "cross_file_package" / "input", tmp_path / "tree")
    result = run(["check", "models/deep.py"], tmp_path / "tree", monkeypatch)
    assert result.exit_code == 1
    assert "models/deep.py:11:21: KF102" in result.stdout
    plain = run(["check", "tools/blocks.py"], tmp_path / "tree", monkeypatch)
    assert plain.exit_code == 0, "a same-named plain class must not be taken for the layer"


def test_form_feeds_and_unicode_line_separators_keep_lines_aligned(tmp_path, monkeypatch):
    # \f on its own line (old page breaks) and \u2028 in a string: not line ends for Python
    source = ("import tensorflow as tf\n\f\nNOTE = 'a\u2028b'\n\n\n"
              + TRAP.split("\n", 1)[1].replace("        self.heads", "        # x\x0c\n        self.heads"))
    (tmp_path / "odd.py").write_text(source, encoding="utf-8")
    checked = run(["check", "."], tmp_path, monkeypatch)
    assert "odd.py:12:9: KF302" in checked.stdout
    run(["apply", "."], tmp_path, monkeypatch)
    assert (tmp_path / "odd.py").read_text(encoding="utf-8") == source.replace(
        "{tf.keras.layers.Dense(1)}", "[tf.keras.layers.Dense(1)]")


def test_lines_left_after_fixes_are_where_the_fixed_file_has_them(tmp_path, monkeypatch):
    first = ("import tensorflow as tf\n\n\nclass A(tf.keras.Model):\n"
             "    def call(self, x):\n        return tf.keras.layers.Dense(2)(x)\n\n\n")
    second = ("class B(tf.keras.layers.Layer):\n    def call(self, x):\n"
              "        return x + tf.Variable(x)\n")
    (tmp_path / "two.py").write_text(first + second)
    result = run(["apply", "."], tmp_path, monkeypatch)
    fixed = (tmp_path / "two.py").read_text().splitlines()
    left = [line for line in result.stdout.splitlines() if "KF103" in line]
    assert len(left) == 1
    line_number = int(left[0].split(":")[1])
    assert "tf.Variable(x)" in fixed[line_number - 1]


def test_ctrl_c_says_what_state_the_files_are_in(tmp_path, monkeypatch):
    from kerasfix import runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run", interrupted)
    (tmp_path / "trap.py").write_text(TRAP)
    result = run(["apply", "."], tmp_path, monkeypatch)
    assert result.exit_code == 130
    assert "interrupted; files already rewritten are complete" in result.stderr
    assert (tmp_path / "trap.py").read_text() == TRAP


NESTED = (
    "import unittest\n"
    "import tensorflow as tf\n\n\n"
    "class {outer}({outer_base}):\n"
    "    def {method}(self):\n"
    "        class Inner(tf.keras.layers.Layer):\n"
    "            def build(self, input_shape):\n"
    "                self.w = self.add_weight('w', [1])\n"
    "        return Inner\n"
)


def test_a_class_nested_in_another_is_reported_once(tmp_path, monkeypatch):
    (tmp_path / "nested.py").write_text(NESTED.format(outer="Outer", outer_base="tf.keras.layers.Layer",
                                                      method="build"))
    result = run(["check", "."], tmp_path, monkeypatch)
    assert [line.split(": ")[1][:5] for line in result.stdout.splitlines() if " KF" in line] == ["KF104"]


def test_project_classes_are_judged_by_their_bases_not_their_dotted_names(tmp_path, monkeypatch):
    # inside a tree that is itself called `keras`, `keras.layers.thing_test.ThingTest` is a test case
    package = tmp_path / "keras" / "layers"
    package.mkdir(parents=True)
    (tmp_path / "keras" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "thing_test.py").write_text(NESTED.format(outer="ThingTest", outer_base="unittest.TestCase",
                                                        method="test_thing"))
    result = run(["check", "."], tmp_path, monkeypatch)
    assert [line.split(": ")[1][:5] for line in result.stdout.splitlines() if " KF" in line] == ["KF104"]


def test_a_module_outside_any_package_sees_the_modules_beside_it(tmp_path, monkeypatch):
    """pre-commit passes files one by one: `net.py`'s Keras base is in `base.py` beside it, in
    a folder that is no package (issue 10, item 4)."""
    (tmp_path / "base.py").write_text("import tensorflow as tf\n\n\nclass Block(tf.keras.layers.Layer):\n    pass\n")
    (tmp_path / "net.py").write_text(
        "import tensorflow as tf\nfrom base import Block\n\n\nclass Net(Block):\n"
        "    def build(self, input_shape):\n        self.k = tf.compat.v1.get_variable('k', [2])\n")
    result = run(["check", "--no-cache", "net.py"], tmp_path, monkeypatch)
    assert "net.py:7:18: KF101 [*]" in result.stdout
    assert "base.py" not in result.stdout  # indexed, not checked


def test_keras_bases_must_be_dotted_class_names(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(TRAP)
    result = run(["apply", "--keras-base", "a b", "a.py"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "--keras-base 'a b': not a dotted class name" in result.stderr
    assert (tmp_path / "a.py").read_text() == TRAP  # checked before any file is touched
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nkeras-bases = ["x y"]\n')
    result = run(["check", "a.py"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "`keras-bases` in [tool.kerasfix] must be a list of dotted class names" in result.stderr


def test_a_layer_named_after_a_keyword_gets_another_attribute(tmp_path, monkeypatch):
    """`name="class"` must not become `self.class` (a fix that does not parse)."""
    source = ("import tensorflow as tf\n\n\nclass L(tf.keras.layers.Layer):\n    def call(self, x):\n"
              "        return tf.compat.v1.layers.dense(x, 2, name=\"class\")\n")
    (tmp_path / "k.py").write_text(source)
    result = run(["apply", "--no-cache", "k.py"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert "self.layer = tf.keras.layers.Dense(2, name=\"class\")" in (tmp_path / "k.py").read_text()


def test_a_dry_run_says_would_fix(tmp_path, monkeypatch):
    (tmp_path / "trap.py").write_text(TRAP)
    result = run(["apply", "--diff", "--no-cache", "trap.py"], tmp_path, monkeypatch)
    assert "trap.py: would fix 1 (KF302)" in result.stderr
    assert "trap.py: fixed" not in result.stderr
    assert (tmp_path / "trap.py").read_text() == TRAP
