"""The warm path stays light: a `check` answered from the cache imports no parser and no
pydantic, and what was made cheaper for it answers exactly as before (issue 11, "Speed stays
a feature"; the times themselves are benchmarks/bench.py's, never asserted here)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import typer
from typer.main import get_command

from kerasfix import typer_values
from kerasfix.cli import app
from kerasfix.gate import _imports_in_an_arm, class_bases
from kerasfix.index import module_name_for, package_folder

EXAMPLE = Path(__file__).parent.parent / "examples" / "legacy_layers.py"
PLAIN = "class Schedule(object):\n    def rate(self):\n        return 1\n"

# a run of `kerasfix check` in a fresh interpreter that then names every module it imported
CHECK_AND_LIST_MODULES = """
import sys
from kerasfix.cli import main
try:
    main()
except SystemExit:
    pass
print("MODULES", *sorted(sys.modules), file=sys.stderr)
"""
# what only a file to parse, a process pool, ignore patterns or typer's conversion need
NOT_WHEN_WARM = ("libcst", "kerasfix.engine", "kerasfix.rules", "rich", "pydantic", "concurrent.futures",
                 "multiprocessing", "pathspec", "secrets", "tempfile", "pygls", "lsprotocol", "kerasfix.server")


def _check(folder: Path) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", CHECK_AND_LIST_MODULES, "check", "--exit-zero", str(folder)],
                          capture_output=True, text=True, env=dict(os.environ), check=True)
    listed = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
    said = "".join(line for line in done.stderr.splitlines(keepends=True) if not line.startswith("MODULES "))
    return done.stdout + said, set(listed[-1].split()[1:])


def test_a_warm_check_imports_no_parser_pool_or_pydantic(tmp_path):
    package = tmp_path / "project" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text(EXAMPLE.read_text(encoding="utf-8"))
    (package / "plain.py").write_text(PLAIN)
    # Python refuses both: the warm run answers its verdict from the cache, starting no parser
    (package / "broken.py").write_text("class Block(Layer):\n    def call(self, x:\n        return x\n")
    (package / "book.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["x = 1\n"]},
        {"cell_type": "code", "source": ["class Block(tf.keras.layers.Layer):\n", "    pass\n", "print 'x'\n"]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    cold, cold_modules = _check(tmp_path / "project")
    warm, warm_modules = _check(tmp_path / "project")
    # the cold run parsed (in a worker process, so that a crash of the parser costs one file):
    # the warm one had something to skip
    assert "multiprocessing" in cold_modules
    assert warm == cold and "KF" in warm
    assert "broken.py: error: not valid Python 3: " in warm and "(line 2)" in warm
    assert "book.ipynb: error: not valid Python 3: Missing parentheses in call to 'print'" in warm
    assert "(cell 2, line 3)" in warm
    assert sorted(m for m in warm_modules if m.startswith(NOT_WHEN_WARM)) == []


# a check run as `python -m kerasfix` (quick.py first), every file's stat an hour old to the
# run (runmemo's margin): answered by the stats, before typer is imported
BY_STATS_AND_LIST_MODULES = """
import sys, time
from kerasfix import runmemo
runmemo.now_ns = lambda: time.time_ns() + 3600 * 10**9
from kerasfix.quick import main
try:
    main()
except SystemExit as done:
    print("EXIT", done.code, file=sys.stderr)
print("MODULES", *sorted(sys.modules), file=sys.stderr)
"""
# what a check answered by the files' stats does not import either: the command line's parser,
# and the runner, which reads and processes files
NOT_WHEN_BY_STATS = NOT_WHEN_WARM + ("typer", "click", "kerasfix.cli", "kerasfix.typer_values", "kerasfix.runner",
                                     "kerasfix.pool", "kerasfix.prefilter", "kerasfix.triggers", "kerasfix.writer")


@pytest.mark.parametrize("options", [[], ["--exit-zero"]])
def test_a_check_answered_by_stats_imports_no_command_line_parser(tmp_path, options):
    package = tmp_path / "project" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text(EXAMPLE.read_text(encoding="utf-8"))
    (package / "plain.py").write_text(PLAIN)
    (package / "broken.py").write_text("class Block(Layer):\n    def call(self, x:\n        return x\n")
    # patterns that name no file or folder walked: pathspec is never asked (gitignore.Patterns)
    (tmp_path / "project" / ".gitignore").write_text("*.pyc\n__pycache__/\n/*.egg-info\n.eggs/\n")
    runs = []
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", BY_STATS_AND_LIST_MODULES, "check", *options,
                               str(tmp_path / "project")],
                              capture_output=True, text=True, env=dict(os.environ), check=True)
        lines = done.stderr.splitlines()
        said = [line for line in lines if not line.startswith("MODULES ")]
        runs.append((done.stdout, said, set(lines[-1].split()[1:])))
    (cold_out, cold_said, cold_modules), _, (out, said, modules) = runs
    assert "typer" in cold_modules and out == cold_out and said == cold_said and "KF" in out
    assert said[-1] == "EXIT 2" and "broken.py: error: not valid Python 3" in said[0]
    assert sorted(m for m in modules if m.startswith(NOT_WHEN_BY_STATS)) == []


# --- typer_values: what it passes through is what typer itself returns -------------------------


def _parameters():
    """Every parameter of every command, and the app's own (given before any command)."""
    command = get_command(app)
    for name, sub in [("kerasfix", command), *sorted(command.commands.items())]:  # type: ignore[attr-defined]
        for param in sub.params:
            yield f"{name}:{param.name}", sub, param


VALUES = [None, "", "text", "0", "-", "a b", "x\udcff.py", 0, 1, 3, True, False, ("a.py",), ("a.py", "-"), ("1",), ()]


@pytest.mark.parametrize("name,command,param", list(_parameters()), ids=[n for n, _, _ in _parameters()])
def test_values_passed_through_are_typers_own(name, command, param):
    coercion = pytest.importorskip("typer._coercion")
    context = typer.Context(command)
    ours = typer_values._AsGiven(lambda p: coercion.build_runtime_param(p.type_descriptor))
    for value in VALUES + [param.default]:
        descriptor = param.type_descriptor
        if value is not None and not typer_values.as_given(value, descriptor.annotation, descriptor.parameter_info,
                                                           descriptor.file_annotation):
            continue  # handed to typer's own conversion: the same by construction
        expected = coercion.build_runtime_param(descriptor).coerce(value, param=param, ctx=context)
        got = ours.coerce(value, param=param, ctx=context)
        assert (got, type(got)) == (expected, type(expected)), (name, value)


def test_values_to_convert_go_to_typer():
    info = typer.models.OptionInfo(min=1)
    assert not typer_values.as_given("4", int, info)  # typed on the command line
    assert not typer_values.as_given(4, int, info)  # bounded: typer checks it
    assert not typer_values.as_given("a.md", Path, typer.models.OptionInfo())
    assert not typer_values.as_given([1], typing.List[str], typer.models.OptionInfo())
    assert not typer_values.as_given(True, str, typer.models.OptionInfo())
    assert typer_values.as_given(("a", "b"), typing.List[str], typer.models.OptionInfo())


# --- may_define_layers: class statements found from the keyword, as from each line start ---------

# the pattern may_define_layers used, tried at every line start (45 ms over tensor2tensor)
LINE_START = re.compile(rb"(?:^|(?<=\r))[ \t]*class[ \t]+\w+[ \t]*(?:\[(?:[^][]|\[[^][]*\])*\][ \t]*)?"
                        rb"\(([^)]*)\)", re.MULTILINE)


def _by_line_start(source: bytes) -> list[bytes]:
    return [match.group(1) for match in LINE_START.finditer(source)]


@pytest.mark.parametrize("source", [
    b"class A(Layer):\n    pass\n",
    b"  \tclass A[T](Base[T]):\n",
    b"x = 1\rclass A(Layer):\r",  # old Mac line ends
    b"# a subclass B(with a comment\nclass C(Layer):\n",  # a statement inside a refused match
    b"subclass A(B)\n",
    b"class A:\n    class B(object): pass\n",
    b"s = 'class A(B)'\n",
])
def test_class_bases_as_the_line_start_pattern(source):
    assert list(class_bases(source)) == _by_line_start(source)


def test_class_bases_as_the_line_start_pattern_on_generated_sources():
    pieces = [b"class ", b"class A", b"(", b")", b"B", b"\n", b"\r", b"\r\n", b" ", b"\t", b"sub", b"[T]", b"[",
              b"]", b"x", b":", b"object", b"#"]
    rng = random.Random(11)
    for _ in range(20000):
        source = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        assert list(class_bases(source)) == _by_line_start(source), source


# the pattern may_define_layers looked for an import in an arm with, tried at every line start
ARM_AT_LINE_START = re.compile(rb"^[ \t]+(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+[\w.]+[ \t]+as[ \t]+\w+[ \t]*\r?$",
                               re.MULTILINE)


def test_an_import_in_an_arm_found_as_the_line_start_pattern_finds_it():
    # an arm's line, word by word, each word sometimes dropped or another put in its place
    words = [b"  ", b"from", b" ", b"a.b", b" ", b"import", b"\t", b"x", b" ", b"as", b" ", b"K", b" ", b"\r", b"\n"]
    others = [b"re", b"#", b"\n", b"\r", b"", b"import", b".", b" as "]
    rng = random.Random(19)
    found = 0
    for _ in range(30000):
        line = [rng.choice(others) if rng.random() < 0.1 else word for word in words if rng.random() > 0.15]
        source = b"".join(line * rng.randint(1, 2))
        found += bool(ARM_AT_LINE_START.search(source))
        assert _imports_in_an_arm(source) == bool(ARM_AT_LINE_START.search(source)), source
    assert 1000 < found < 29000  # both answers were tried, many times
    assert _imports_in_an_arm(b"try:\n    from ext.layers import Base as K\nexcept ImportError:\n    pass\n")


@pytest.mark.parametrize("name", ["target._ARM_KERAS3", "target._ARM_KERAS2", "target._TF_KERAS_IMPORT",
                                  "target._KERAS3_API", "gate._KERAS_SHIM"])
def test_keras_patterns_searched_on_keras_lines_as_on_the_whole_file(name):
    from kerasfix import gate, target
    from kerasfix.lines import search_lines_saying

    module, attribute = name.split(".")
    pattern = getattr({"gate": gate, "target": target}[module], attribute)
    lines = [b"keras = pick()\n", b"tf_keras=\n", b"Dense = tf.keras.layers.Dense\r\n",
             b"from tensorflow.keras import layers\n", b"  import keras\n", b"  from keras import ops\n",
             b"    import tf_keras as keras\n", b"import tf_keras\n",
             b"  from tensorflow import keras\n", b"from keras.ops import x\n", b"y = keras.ops.sum(x)\n",
             b"from keras import layers, dtype_policies\n", b"\timport x.y as keras # c\r\n", b"x = 1\n"]
    rng = random.Random(21)
    found = 0
    for _ in range(10000):
        source = bytearray(b"".join(rng.choice(lines) for _ in range(rng.randint(1, 3))))
        for _ in range(rng.randint(0, 3)):  # a byte changed, dropped or put in
            at = rng.randrange(len(source))
            source[at:at + rng.randint(0, 1)] = rng.choice([b"", b" ", b"\n", b"\r", b"x", b"#", b"."])
        source = bytes(source)
        found += bool(pattern.search(source))
        assert search_lines_saying(b"keras", pattern, source) == bool(pattern.search(source)), source
    assert found > 100  # the pattern matched, many times


# --- module names: one look per folder gives what one look per file gave -------------------------


def _tree(root: Path) -> list[Path]:
    (root / "top" / "pkg" / "sub").mkdir(parents=True)
    for folder in (root / "top" / "pkg", root / "top" / "pkg" / "sub"):
        (folder / "__init__.py").write_text("")
    files = [root / "top" / "pkg" / "sub" / "deep.py", root / "top" / "pkg" / "a.py", root / "top" / "script.py"]
    for path in files:
        path.write_text("x = 1\n")
    (root / "linked").symlink_to(root / "top" / "pkg" / "sub")  # a folder link: its target's package
    (root / "top" / "alias.py").symlink_to(root / "top" / "pkg" / "a.py")  # a file link: its target's module
    return [*files, root / "linked" / "deep.py", root / "top" / "alias.py", root / "top" / "pkg" / "__init__.py",
            Path("relative.py")]


def _one_look_per_file(path: Path) -> tuple[str, bool]:
    """module_name_for as it was: each path resolved, its packages climbed."""
    path = path.resolve()
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), is_package


def test_module_names_with_one_look_per_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path / ".")
    paths = _tree(tmp_path)
    folders: dict = {}
    for path in paths:
        assert module_name_for(path, folders) == module_name_for(path) == _one_look_per_file(path), path
    assert package_folder(tmp_path / "linked") == ((tmp_path / "top" / "pkg" / "sub").resolve(), ("pkg", "sub"))


# --- the names shown: a string prefix where pathlib's relative_to was asked each time ---------


def _shown_by_pathlib(path: Path) -> str:
    try:
        shown = Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        shown = path.as_posix()
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@pytest.mark.parametrize("cwd", ["tmp", "/", "tmp/sub"])
def test_shown_names_as_pathlib_gives_them(cwd, tmp_path, monkeypatch):
    from kerasfix.sources import display as _display

    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(cwd.replace("tmp", str(tmp_path)))
    names = [".", "..", "a.py", "./a.py", "../a.py", "sub/x.py", str(tmp_path), str(tmp_path / "sub" / "x.py"),
             str(tmp_path) + "x/y.py", "//host/a.py", "/", "x\udcff.py", str(tmp_path / "sub") + "//z.py"]
    for name in names:
        assert _display(Path(name), os.getcwd()) == _display(Path(name)) == _shown_by_pathlib(Path(name)), name


# --- reading: the size the file had, then on to the limit -------------------------------------


def _fstat_saying(size: int):
    """os.fstat as it answers for a file that has grown since (or a /proc file: size 0)."""
    real_fstat = os.fstat

    def fstat(fd):
        status = list(real_fstat(fd))
        status[6] = size  # st_size
        return os.stat_result(status)

    return fstat


def test_read_bytes_reads_past_the_size_fstat_gave(tmp_path, monkeypatch):
    from kerasfix import files

    path = tmp_path / "grown.py"
    path.write_bytes(b"x = 1\n" * 30000)  # 180 kB: more than one 64 KiB read past the size
    monkeypatch.setattr(files.os, "fstat", _fstat_saying(10))
    assert files.read_bytes(path) == path.read_bytes()


def test_read_bytes_holds_the_size_limit_as_the_file_grows(tmp_path, monkeypatch):
    from kerasfix import files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.py"
    path.write_bytes(b"#" * 100)
    assert files.read_bytes(path) == b"#" * 100
    path.write_bytes(b"#" * 101)
    monkeypatch.setattr(files.os, "fstat", _fstat_saying(5))
    with pytest.raises(files.SourceError, match="larger than"):
        files.read_bytes(path)


# --- gitignore.Patterns: pathspec asked only where a pattern may match, same answers -----------


def _random_pattern(rng: random.Random) -> str:
    parts = ["build", "dist", "a", "b.py", ".cache", "x_y", "*", "**", "*.py", "*.pyc", "ca*", "?", "[ab]", "b\\*",
             " a", "a ", "#c", "", "!"]
    pattern = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 3)))
    return rng.choice(["", "!", "/", "\\"]) + pattern + rng.choice(["", "/", "", " "])


def _random_path(rng: random.Random) -> str:
    parts = ["build", "dist", "a", "b.py", ".cache", "x_y", "cat.py", "b*", "pyc.py", "c.pyc", " a", "[ab]", "#c"]
    return "/".join(rng.choice(parts) for _ in range(rng.randint(1, 4))) + rng.choice(["", "/"])


def test_ignore_patterns_answer_as_pathspec_where_they_skip_it():
    import pathspec

    from kerasfix.gitignore import Patterns, _compiled

    rng = random.Random(19)
    skipped = 0
    for _ in range(3000):
        lines = [_random_pattern(rng) for _ in range(rng.randint(1, 4))]
        patterns = Patterns.of(lines)
        try:
            spec = pathspec.GitIgnoreSpec.from_lines(lines)
        except ValueError:
            spec = _compiled(tuple(lines))
        for _ in range(10):
            path = _random_path(rng)
            skipped += not patterns.may_match(path)
            assert patterns.check(path) == spec.check_file(path).include, (lines, path)
    assert skipped > 1000  # the look that skips pathspec was taken, not only pathspec's answer


# --- may_define_makers: its words found from a letter of their own, as `_MAKER_WORDS` finds them --


def test_maker_words_found_as_the_pattern_searched_at_every_byte_finds_them():
    from kerasfix.gate import _MAKER_WORDS, may_define_makers

    words = [b"layers.", b"sublayers.", b"keras.layers import", b"keras.layers \t import", b"keras.layers.",
             b"get_variable(", b"Variable(", b"variable(", b"xVariable(", b"tf.Variable(", b"ariable(", b"def ",
             b" ", b".", b"\n", b"x", b"_"]
    rng = random.Random(23)
    found = 0
    for _ in range(20000):
        source = b"".join(rng.choice(words) for _ in range(rng.randint(0, 9)))
        expected = b"def " in source and _MAKER_WORDS.search(source) is not None
        assert may_define_makers(source) == expected, source
        found += expected
    assert found > 1000
