"""The Python API: `kerasfix.check_source` and `kerasfix.fix_source` do what the command line
does to a file, on a string."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

import kerasfix
from fixture_cases import all_cases
from kerasfix.project import Project
from kerasfix.files import decode_source

TRAP = (
    "import tensorflow as tf\n\n\n"
    "class Projection(tf.keras.layers.Layer):\n"
    "    def build(self, input_shape):\n"
    "        # TF1 style\n"
    "        self.kernel = tf.compat.v1.get_variable(\"kernel\", [int(input_shape[-1]), 8])\n"
)
FIXED = TRAP.replace('tf.compat.v1.get_variable("kernel", ', 'self.add_weight(name="kernel", shape=')
IN_CALL = (  # KF103: a weight made in `call`; moving it into `build` is an unsafe fix
    "import tensorflow as tf\n\n\n"
    "class Scaled(tf.keras.layers.Layer):\n"
    "    def call(self, x):\n"
    "        kernel = tf.Variable(tf.ones([int(x.shape[-1]), 4]), name=\"kernel\")\n"
    "        return tf.matmul(x, kernel)\n"
)


def test_check_source_finds_the_trap():
    from kerasfix.rules import RULES

    [finding] = kerasfix.check_source(TRAP, "model.py")
    assert finding == kerasfix.Finding(
        code="KF101", name="get-variable-in-layer", line=7, column=23,
        message=finding.message, fixable=True, fix_safety="safe", help=RULES["KF101"].help,
    )
    assert "add_weight" in finding.message
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.line = 1  # type: ignore[misc]


def test_fix_source_fixes_compiles_and_a_second_fix_is_a_no_op():
    new_text, left = kerasfix.fix_source(TRAP, "model.py")
    assert new_text == FIXED
    assert left == []
    compile(new_text, "model.py", "exec")
    again, left_again = kerasfix.fix_source(new_text, "model.py")
    assert again is new_text
    assert left_again == []
    assert kerasfix.check_source(new_text) == []


@pytest.mark.parametrize("source", [
    "x = 1\n",
    "",
    # look-alike: the same call outside any Keras class is TF1 graph code, not a lost weight
    "import tensorflow as tf\n\nkernel = tf.compat.v1.get_variable('kernel', [3, 8])  # kept\n",
])
def test_a_clean_source_comes_back_unchanged(source):
    assert kerasfix.check_source(source) == []
    new_text, left = kerasfix.fix_source(source)
    assert new_text is source
    assert left == []


def test_unsafe_fixes_only_when_asked():
    [finding] = kerasfix.check_source(IN_CALL)
    assert (finding.code, finding.fixable, finding.fix_safety) == ("KF103", False, "unsafe")
    unchanged, left = kerasfix.fix_source(IN_CALL)
    assert unchanged is IN_CALL
    assert left == [finding]
    assert kerasfix.check_source(IN_CALL, unsafe_fixes=True)[0].fixable
    fixed, left = kerasfix.fix_source(IN_CALL, unsafe_fixes=True)
    assert "self.add_weight(" in fixed and "def build(" in fixed
    assert left == []
    compile(fixed, "<fixed>", "exec")


def test_select_and_ignore_take_codes_and_prefixes():
    both = TRAP + "        self.heads = {tf.keras.layers.Dense(1)}\n"
    assert [f.code for f in kerasfix.check_source(both)] == ["KF101", "KF302"]
    assert [f.code for f in kerasfix.check_source(both, select=["KF3"])] == ["KF302"]
    assert [f.code for f in kerasfix.check_source(both, select="kf1,KF3", ignore="KF302")] == ["KF101"]
    new_text, left = kerasfix.fix_source(both, ignore=["KF101"])
    assert "get_variable" in new_text and "[tf.keras.layers.Dense(1)]" in new_text
    assert left == []  # what is ignored is not reported either
    with pytest.raises(ValueError, match="unknown rule code or prefix 'KF9'"):
        kerasfix.check_source(both, select=["KF9"])


def test_the_sources_own_classes_are_indexed():
    source = (
        "import tensorflow as tf\n\n\n"
        "class Base(tf.keras.layers.Layer):\n"
        "    pass\n\n\n"
        "class Child(Base):\n"
        "    def build(self, input_shape):\n"
        "        self.w = tf.compat.v1.get_variable('w', [2])\n"
    )
    assert [(f.code, f.line) for f in kerasfix.check_source(source)] == [("KF101", 10)]


@pytest.mark.parametrize("source, line", [
    ("import tensorflow as tf\n\nclass A(tf.keras.layers.Layer):\n    def call(self, x:\n        pass\n", 4),
    ('print "a Python 2 file"\n', 1),
])
def test_a_syntax_error_raises_parse_error(source, line):
    with pytest.raises(kerasfix.ParseError) as raised:
        kerasfix.fix_source(source, "old/model.py")
    error = raised.value
    assert isinstance(error, ValueError)
    assert (error.path, error.line) == ("old/model.py", line)
    assert str(error).startswith("old/model.py: not valid Python 3: ")
    with pytest.raises(kerasfix.ParseError, match=r"^<source>: not valid Python 3"):
        kerasfix.check_source(source)


def test_import_kerasfix_does_not_import_libcst():
    """A command-line run answered from the cache must not pay for libcst."""
    code = "import sys, kerasfix; print('libcst' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


SINGLE_FILE = [c for c in all_cases() if not c.multi_file]


@pytest.mark.parametrize("case", SINGLE_FILE, ids=[c.id for c in SINGLE_FILE])
def test_the_api_agrees_with_the_command_line_on_every_fixture(case):
    if any(arg != "--unsafe-fixes" for arg in case.args) or not case.input.is_file():
        pytest.skip(f"not a Python file with arguments the API takes: {case.input.name} {case.args}")
    unsafe = "--unsafe-fixes" in case.args
    text = decode_source(case.input.read_bytes()).text  # as the command line reads it
    lines = [f"input.py:{f.line}:{f.column}: {f.code} {'[*] ' if f.fixable else ''}{f.message}"
             for f in kerasfix.check_source(text, case.input, unsafe_fixes=unsafe)]
    assert lines == case.findings
    new_text, _ = kerasfix.fix_source(text, case.input, unsafe_fixes=unsafe)
    expected = decode_source(case.expected.read_bytes()).text if case.expected else text
    assert new_text == expected


@pytest.mark.parametrize("case", SINGLE_FILE, ids=[c.id for c in SINGLE_FILE])
def test_a_project_agrees_with_the_command_line_on_every_fixture(case):
    """`Project.check`, the language server's, on the file's text: the CLI's findings and fixes."""
    if any(arg != "--unsafe-fixes" for arg in case.args) or not case.input.is_file():
        pytest.skip(f"not a Python file with arguments the API takes: {case.input.name} {case.args}")
    project = Project(case.input.parent, unsafe_fixes="--unsafe-fixes" in case.args)
    text = decode_source(case.input.read_bytes()).text
    checked = project.check(text, case.input)
    assert checked.error is None
    assert [f"input.py:{f.line}:{f.column}: {f.code} {'[*] ' if f.fixable else ''}{f.message}"
            for f in checked.findings] == case.findings
    fixed = project.check(text, case.input, fix=True)
    expected = decode_source(case.expected.read_bytes()).text if case.expected else text
    assert (fixed.new_text or text) == expected


def test_a_project_sees_a_base_defined_in_another_file(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text("import tensorflow as tf\n\n\nclass Base(tf.keras.layers.Layer):\n    pass\n")
    model = TRAP.replace("tf.keras.layers.Layer", "Base").replace("import tensorflow as tf\n",
                                                                  "import tensorflow as tf\n\nfrom .base import Base\n")
    project = Project(tmp_path)
    assert project.check(model, package / "model.py").findings == []  # Base not indexed yet
    assert project.index_all() == 2
    [finding] = project.check(model, package / "model.py").findings
    assert finding.code == "KF101" and finding.edits and finding.end_line == finding.line
    assert project.update(package / "base.py", "class Base(object):\n    pass\n")  # no longer a layer
    assert project.check(model, package / "model.py").findings == []
    (tmp_path / "pyproject.toml").write_text("[tool.kerasfix]\nunknown = 1\n")
    with pytest.raises(ValueError, match="unknown"):
        project.check(model, package / "model.py")
