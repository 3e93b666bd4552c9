"""Issue 9, processes, cache, config and reporting: one test per reproducer of
`shared/reliability/` (named after its id), each failing on kerasfix 0.1.0 (c537976)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kerasfix.cli import app

EXAMPLE = Path(__file__).parent.parent / "examples" / "legacy_layers.py"
KERASFIX = [sys.executable, "-m", "kerasfix"]
HEAD = (  # KF202: the fix spells the Keras class through the module's import bindings
    "import tensorflow.compat.v1.layers as tfl\n"
    "from tensorflow.keras import Model\n\n\n"
    "class Head(Model):\n"
    "    def call(self, x):\n"
    "        return tfl.dense(x, 2)\n"
)


def run(args, cwd: Path, monkeypatch, stdin=None):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, input=stdin, catch_exceptions=False)


def _tree(folder: Path) -> Path:
    work = folder
    work.mkdir()
    (work / "head.py").write_text(HEAD)
    (work / "layers.py").write_bytes(EXAMPLE.read_bytes())
    return work


def _cache_file() -> Path:
    (found,) = Path(os.environ["KERASFIX_CACHE_DIR"]).glob("*/*.json")
    return found


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.py"))}


# --- the cache ---------------------------------------------------------------------------------


def _poison(value):
    """Every place of a cache file that could shape code, crafted as the D5 report did: code in
    import bindings and class names, overlapping spans (the format of 0.1.0 and today's)."""
    if isinstance(value, dict):
        if "bindings" in value:
            value["bindings"]["(__import__('os').system('touch PWNED') or tf.keras.layers.Dense)"] = \
                "tensorflow.keras.layers.Dense"
        for item in value.values():
            _poison(item)
    elif isinstance(value, list):
        for record in value:
            if isinstance(record, list) and record and isinstance(record[0], str) and "." in record[0]:
                if len(record) == 4:  # 0.1.0: [name, bases, overrides, span]
                    record[3] = [6, 28]
                record[1].append("os.system('touch PWNED') or tf.keras.layers.Layer")
            else:
                _poison(record)


def test_D5_a_crafted_cache_never_writes_code(tmp_path, monkeypatch):
    work, reference = _tree(tmp_path / "work"), _tree(tmp_path / "reference")
    run(["apply", "--no-cache", "."], reference, monkeypatch)
    run(["check", "."], work, monkeypatch)
    data = json.loads(_cache_file().read_text())
    data["findings"] = {}  # the rules run again, on what the cache says
    _poison(data)
    _cache_file().write_text(json.dumps(data))
    run(["apply", "."], work, monkeypatch)
    assert _snapshot(work) == _snapshot(reference)
    assert not (work / "PWNED").exists()


@pytest.mark.parametrize("content", [
    '{"findings": [], "classes": {}}',
    '[]',
    '"text"',
    '{"format": 2, "findings": {"k": "x"}, "classes": []}',
    '{"findings": {', # truncated
    "ROWS OF WRONG ARITY",
    "CLASSES OF WRONG TYPES",
])
def test_F09_cache_of_wrong_shape_is_rebuilt(tmp_path, monkeypatch, content):
    (tmp_path / "a.py").write_bytes(EXAMPLE.read_bytes())
    expected = run(["check", "--no-cache", "."], tmp_path, monkeypatch).stdout
    run(["check", "."], tmp_path, monkeypatch)
    data = json.loads(_cache_file().read_text())
    if content == "ROWS OF WRONG ARITY":
        data["findings"] = {key: [["KF101", 1]] for key in data["findings"]}
        content = json.dumps(data)
    elif content == "CLASSES OF WRONG TYPES":
        data["classes"] = {key: [[1, "a", None]] for key in data["classes"]}
        content = json.dumps(data)
    _cache_file().write_text(content)
    for _ in range(2):  # ignored, then rebuilt
        result = run(["check", "--statistics", "."], tmp_path, monkeypatch)
        assert (result.exit_code, result.stdout) == (1, expected)
    assert "1 from cache" in result.stderr


def test_F10_a_base_class_losing_its_add_weight_override_invalidates_subclasses(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    base = "import tensorflow as tf\n\n\nclass Base(tf.keras.layers.Layer):\n"
    (pkg / "base.py").write_text(base + "    def add_weight(self, *args, **kwargs):\n"
                                 "        return super().add_weight(*args, **kwargs)\n")
    (pkg / "sub.py").write_text("from pkg.base import Base\n\n\nclass Sub(Base):\n"
                                "    def build(self, input_shape):\n"
                                "        self.k = self.add_weight(\"k\", [3, 3])\n")
    assert run(["check", "."], tmp_path, monkeypatch).exit_code == 0  # its own add_weight: left alone
    (pkg / "base.py").write_text(base + "    pass\n")
    assert "pkg/sub.py:6:18: KF104" in run(["check", "."], tmp_path, monkeypatch).stdout
    run(["apply", "."], tmp_path, monkeypatch)
    assert 'self.add_weight(name="k", shape=[3, 3])' in (pkg / "sub.py").read_text()


def test_F19_a_cache_that_cannot_be_saved_leaves_no_temp_file(tmp_path, monkeypatch):
    import kerasfix.cache

    def disk_full(data, handle):
        handle.write(json.dumps(data)[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kerasfix.cache.json, "dump", disk_full)
    (tmp_path / "a.py").write_bytes(EXAMPLE.read_bytes())
    for _ in range(2):
        assert run(["check", "."], tmp_path, monkeypatch).exit_code == 1
    assert [p.name for p in Path(os.environ["KERASFIX_CACHE_DIR"]).rglob("*") if p.is_file()] == []


def test_cache_key_is_the_bytes_written(tmp_path, monkeypatch):
    """After a fix, a latin-1 file's result is cached under the bytes on disk: the next
    run answers from the cache (0.1.0 keyed it by the UTF-8 encoding of the text)."""
    source = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + EXAMPLE.read_text().split("\n", 1)[1]
    (tmp_path / "a.py").write_bytes(source.encode("latin-1"))
    run(["apply", "."], tmp_path, monkeypatch)
    again = run(["check", "--statistics", "."], tmp_path, monkeypatch)
    assert "1 from cache" in again.stderr


# --- configuration ------------------------------------------------------------------------------


def test_D6_unsafe_fixes_as_a_string_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nunsafe-fixes = "false"\n')
    (tmp_path / "a.py").write_bytes(EXAMPLE.read_bytes())
    result = run(["apply", "--no-cache", "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "pyproject.toml: `unsafe-fixes` in [tool.kerasfix] must be true or false" in result.stderr
    assert (tmp_path / "a.py").read_bytes() == EXAMPLE.read_bytes()


@pytest.mark.parametrize("toml", [
    b'tool = "x"\n', b"[tool]\nkerasfix = 5\n", b'[tool.kerasfix]\n# caf\xe9\nselect = ["KF1"]\n',
    b"a = " + b"[" * 3000 + b"]" * 3000 + b"\n", b'[tool.kerasfix]\nselect = "KF1\n',
    b"[tool.kerasfix]\nselect = [1]\n", b'[tool.kerasfix]\nexclude = "build"\n',
])
def test_F11_malformed_pyproject_is_one_error_line(tmp_path, monkeypatch, toml):
    (tmp_path / "pyproject.toml").write_bytes(toml)
    (tmp_path / "a.py").write_bytes(EXAMPLE.read_bytes())
    for command in ("check", "apply"):
        done = subprocess.run([*KERASFIX, command, "--no-cache", "."], cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"kerasfix: error: {tmp_path / 'pyproject.toml'}: ")
        assert len(done.stderr.splitlines()) == 1, done.stderr
    assert (tmp_path / "a.py").read_bytes() == EXAMPLE.read_bytes()


# --- standard input -----------------------------------------------------------------------------


def test_D7_apply_stdin_answers_in_the_input_encoding(tmp_path, monkeypatch):
    latin1 = ("# -*- coding: latin-1 -*-\nNAME = \"caf\xe9\"\n" + EXAMPLE.read_text()).encode("latin-1")
    result = run(["apply", "-"], tmp_path, monkeypatch, stdin=latin1)
    out = result.stdout_bytes
    assert "self.add_weight(" in out.decode("latin-1")
    namespace: dict = {}
    exec(compile(out.split(b"import tensorflow")[0], "<stdin>", "exec"), namespace)
    assert namespace["NAME"] == "caf\xe9"
    bom_clean = b"\xef\xbb\xbfx = 1\n"
    assert run(["apply", "-"], tmp_path, monkeypatch, stdin=bom_clean).stdout_bytes == bom_clean
    bom_trap = b"\xef\xbb\xbf" + EXAMPLE.read_bytes()
    fixed = run(["apply", "-"], tmp_path, monkeypatch, stdin=bom_trap).stdout_bytes
    assert fixed.startswith(b"\xef\xbb\xbf\"\"\"Legacy") and b"self.add_weight(" in fixed


# --- the parser's limits and the messages -------------------------------------------------------


def test_F07_a_file_that_crashes_the_parser_is_its_own_error(tmp_path):
    deep = "import tensorflow as tf\n\nclass L(tf.keras.layers.Layer):\n" \
           "    def build(self, input_shape):\n        y = " + "(" * 3000 + "1" + ")" * 3000 + "\n"
    (tmp_path / "deep.py").write_text(deep)
    for i in range(12):
        (tmp_path / f"ok_{i}.py").write_bytes(EXAMPLE.read_bytes())
    for jobs in ("1", "2"):
        done = subprocess.run([*KERASFIX, "apply", "--no-cache", "-j", jobs, "."], cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
        assert "deep.py: error: not valid Python 3: too many nested parentheses (line 5)" in done.stderr
        assert all((tmp_path / f"ok_{i}.py").read_bytes() != EXAMPLE.read_bytes() for i in range(12))
        assert "Fixed 48 findings; 12 files changed" in done.stdout if jobs == "1" else True
        for i in range(12):
            (tmp_path / f"ok_{i}.py").write_bytes(EXAMPLE.read_bytes())
    assert (tmp_path / "deep.py").read_text() == deep


def test_F21_errors_blame_the_input_or_kerasfix_rightly(tmp_path, monkeypatch):
    parens = "import tensorflow as tf\n\nclass L(tf.keras.layers.Layer):\n" \
             "    def build(self, input_shape):\n        y = " + "(" * 500 + "1" + ")" * 500 + "\n" \
             "        self.k = tf.compat.v1.get_variable('k', [2])\n"
    (tmp_path / "parens500.py").write_text(parens)
    result = run(["apply", "--diff", "--no-cache", "parens500.py"], tmp_path, monkeypatch)
    assert "parens500.py: error: not valid Python 3: too many nested parentheses (line 5)" in result.stderr
    import libcst

    import kerasfix.engine

    real = libcst.parse_module

    def reparse_fails(text, *args, **kwargs):  # a fix that libcst cannot read back
        if "self.add_weight" in text:
            raise libcst.ParserSyntaxError("boom", lines=["x"], raw_line=1, raw_column=0)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(kerasfix.engine.cst, "parse_module", reparse_fails)
    (tmp_path / "a.py").write_bytes(EXAMPLE.read_bytes())
    result = run(["apply", "--no-cache", "a.py"], tmp_path, monkeypatch)
    assert "a.py: error: kerasfix could not fix this file: a fix produced invalid Python" in result.stderr
    assert "(please report this); file left unchanged" in result.stderr
    assert (tmp_path / "a.py").read_bytes() == EXAMPLE.read_bytes()
    # the fix failed, the findings did not: they are left for a person, counted as such
    assert "left for a person" in result.stdout and " 0 left for a person" not in result.stdout


# --- honest reporting ---------------------------------------------------------------------------


def test_F15_a_failed_write_is_never_counted_changed(tmp_path, monkeypatch):
    import kerasfix.writer

    def denied(path, original, text):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(kerasfix.writer, "write_atomic", denied)
    (tmp_path / "a.py").write_bytes(EXAMPLE.read_bytes())
    result = run(["apply", "--no-cache", "--report", "report.json", "a.py"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "Fixed 0 findings; 0 files changed; 4 left for a person." in result.stdout
    assert "a.py: error: cannot write: Permission denied; file left unchanged" in result.stderr
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["summary"]["files_changed"] == 0 and data["summary"]["files_failed"] == 1
    assert data["files"][0]["changed"] is False and data["files"][0]["fixed"] == 0
    assert sum(rule["fixed"] for rule in data["rules"].values()) == 0


@pytest.mark.parametrize("report", ["report.txt", "missing/report.md", "folder.json"])
def test_F16_a_bad_report_is_rejected_before_any_write(tmp_path, monkeypatch, report):
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "a.py").write_bytes(EXAMPLE.read_bytes())
    result = run(["apply", "--no-cache", "--report", report, "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kerasfix: error: --report {report}: ")
    assert (tmp_path / "a.py").read_bytes() == EXAMPLE.read_bytes()


def test_F23_github_format_escapes_property_values(tmp_path, monkeypatch):
    (tmp_path / "a,b:c%.py").write_bytes(EXAMPLE.read_bytes())
    lines = run(["check", "--no-cache", "--format", "github", "."], tmp_path, monkeypatch).stdout.splitlines()
    assert lines[0].startswith(
        "::warning title=kerasfix KF101,file=a%2Cb%3Ac%25.py,line=14,col=23,endLine=14,endColumn=79::KF101 ")


def test_F19_temp_files_of_killed_saves_are_removed(tmp_path, monkeypatch):
    """As a killed `apply`'s (F02): one policy, the writer's pid in the temp file's name."""
    (tmp_path / "a.py").write_bytes(EXAMPLE.read_bytes())
    run(["check", "."], tmp_path, monkeypatch)
    folder = _cache_file().parent
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = folder / f".{_cache_file().name}.{dead.pid}-a1b2c3d4.kerasfix-tmp"
    fresh = folder / f".other.json.{os.getppid()}-a1b2c3d4.kerasfix-tmp"
    stale.write_text('{"findings": {')
    fresh.write_text('{"findings": {')
    (tmp_path / "b.py").write_bytes(EXAMPLE.read_bytes())  # something new to save
    run(["check", "."], tmp_path, monkeypatch)
    assert not stale.exists() and fresh.exists()  # a live process's may be another run's, saving now


def test_a_fix_the_file_encoding_cannot_hold_is_the_file_error(tmp_path, monkeypatch):
    """(F08's traceback, seen from the writer: whatever the fix, the run goes on.)"""
    import kerasfix.runner

    real = kerasfix.runner.process_job

    def euro_fix(*args, **kwargs):
        result = real(*args, **kwargs)
        if result.new_source:
            result.new_source = result.new_source.replace("import tensorflow", "# \u20ac\nimport tensorflow")
        return result

    monkeypatch.setattr(kerasfix.runner, "process_job", euro_fix)
    original = ("# -*- coding: latin-1 -*-\n" + EXAMPLE.read_text()).encode("latin-1")
    (tmp_path / "a.py").write_bytes(original)
    (tmp_path / "b.py").write_bytes(EXAMPLE.read_bytes())
    result = run(["apply", "--no-cache", "-j", "1", "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert ("a.py: error: kerasfix could not write its fix in the file's encoding (iso-8859-1 cannot hold "
            "'\u20ac'; please report this); file left unchanged") in result.stderr
    assert (tmp_path / "a.py").read_bytes() == original
    assert "Fixed 4 findings; 1 file changed;" in result.stdout


def _crash_on_one_file(item, **kwargs):  # at module level: work items are pickled
    import faulthandler
    import signal

    from kerasfix.runner import _real_process_job

    if item[0].path.endswith("crash.py"):
        faulthandler.disable()  # pytest's would print this process's stack
        os.kill(os.getpid(), signal.SIGSEGV)
    return _real_process_job(item, **kwargs)


def test_F07_a_worker_that_dies_is_its_file_error_and_the_run_goes_on(tmp_path, monkeypatch):
    """Whatever kills a worker (a native crash the nesting check does not foresee, the OOM
    killer), the pool is restarted and only the file that crashes its process is an error."""
    import kerasfix.runner

    monkeypatch.setattr(kerasfix.runner, "_real_process_job", kerasfix.runner.process_job, raising=False)
    monkeypatch.setattr(kerasfix.runner, "process_job", _crash_on_one_file)
    for i in range(12):
        (tmp_path / f"ok_{i}.py").write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "crash.py").write_bytes(EXAMPLE.read_bytes())
    result = run(["apply", "--no-cache", "-j", "2", "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert ("crash.py: error: kerasfix crashed on this file (its parser died; please report this); "
            "file left unchanged") in result.stderr
    assert (tmp_path / "crash.py").read_bytes() == EXAMPLE.read_bytes()
    assert all((tmp_path / f"ok_{i}.py").read_bytes() != EXAMPLE.read_bytes() for i in range(12))
    assert "Fixed 48 findings; 12 files changed; 0 left for a person." in result.stdout
