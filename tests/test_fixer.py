"""The fixer's own promises, one mechanism a test: which edits go in one pass, how they
compose, where imports go, and the guard that refuses code that would not compile."""

from __future__ import annotations

import libcst as cst
import pytest
from typer.testing import CliRunner

from kerasfix import engine
from kerasfix.cli import app
from kerasfix.edits import (Fix, ImportConflict, InsertAfter, InsertBefore, Remove, Replace, Safety, add_imports,
                            apply_fixes, select_compatible)
from kerasfix.engine import FixesDidNotConverge, InvalidRewrite, RuleSelection, check_compiles, process_source
from kerasfix.rules.base import Finding, FixAvailability, Rule, RuleFamily, RuleSafety
from kerasfix.syntax import positions, walk

UNSAFE = RuleSelection(None, set(), unsafe_fixes=True)
TF1_DENSE = (
    "import tensorflow.compat.v1.layers as tfl\n"
    "from tensorflow.keras import Model\n\n\n"
    "class Head(Model):\n"
    "    def call(self, x):\n"
    "        return tfl.dense(x, 2)\n"
)


# --- where an added import goes -----------------------------------------------------------


def test_an_import_goes_below_the_shebang_and_the_cookie_and_the_bytes_compile(tmp_path, monkeypatch):
    header = "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nAUTHOR = 'Fran\xe7ois'\n"
    (tmp_path / "head.py").write_bytes((header + TF1_DENSE).encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["apply", "--no-cache", "head.py"], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    data = (tmp_path / "head.py").read_bytes()
    compile(data, "head.py", "exec", dont_inherit=True)
    assert data.decode("latin-1").splitlines()[:4] == [
        "#!/usr/bin/env python", "# -*- coding: latin-1 -*-", "import tensorflow as tf", "AUTHOR = 'Fran\xe7ois'"]


def test_an_import_goes_after_the_docstring_future_imports_and_a_try_of_imports():
    source = ('"""Doc."""\nfrom __future__ import annotations\n'
              "import os\ntry:\n    import yaml\nexcept ImportError:\n    yaml = None\n"
              "from m import (\n    a,\n)\nX = 1\n")
    new, after, count = add_imports(source, ["import tensorflow as tf"])
    assert (after, count) == (10, 1)
    assert new == source.replace("X = 1\n", "import tensorflow as tf\nX = 1\n")


def test_an_import_below_a_licence_keeps_the_comment_of_the_first_statement():
    source = "# Licence\n# text\n\n# the width\nWIDTH = 3\n"
    new, after, _ = add_imports(source, ["import tensorflow as tf"])
    assert after == 3
    assert new == "# Licence\n# text\n\nimport tensorflow as tf\n# the width\nWIDTH = 3\n"


def test_an_import_keeps_the_file_newlines_and_its_last_line():
    new, _, _ = add_imports("import os", ["import tensorflow as tf"])
    assert new == "import os\nimport tensorflow as tf\n"
    new, _, _ = add_imports("import os\r\nX = 1\r\n", ["import tensorflow as tf"])
    assert new == "import os\r\nimport tensorflow as tf\r\nX = 1\r\n"


@pytest.mark.parametrize("where", [
    '"""Use:\n\nimport tensorflow as tf\n"""\n',
    "def helper():\n    import tensorflow as tf\n    return tf\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import tensorflow as tf\n",
])
def test_an_import_is_present_only_when_importing_the_module_binds_it(where):
    new, _, count = add_imports(where, ["import tensorflow as tf"])
    assert count == 1 and "\nimport tensorflow as tf\n" in "\n" + new.replace(where, "")


@pytest.mark.parametrize("before", [
    '"""Use:\n\nimport tensorflow as tf\n"""\n',
    "def helper():\n    import tensorflow as tf\n    return tf\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import tensorflow as tf\n",
])
def test_a_fix_spells_keras_only_through_names_the_module_binds_as_it_runs(before):
    # the whole-file path reads imports with libcst (the CLI's fixtures cover the ast path)
    fixed = process_source(before + TF1_DENSE, selection=UNSAFE, fix=True).new_source
    assert "\nimport tensorflow as tf\n" in "\n" + fixed.replace(before, "", 1)
    compile(fixed, "fixed", "exec", dont_inherit=True)


@pytest.mark.parametrize("where", [
    "import tensorflow as tf\n",
    "try:\n    import tensorflow as tf\nexcept ImportError:\n    tf = None\n",
    "if True:\n    import tensorflow as tf\n",
])
def test_an_import_the_module_runs_is_not_added_again(where):
    assert add_imports(where, ["import tensorflow as tf"]) == (where, 0, 0)


def test_an_import_that_would_rebind_a_name_is_refused():
    with pytest.raises(ImportConflict):
        add_imports("import tensorflow.compat.v1 as tf\n", ["import tensorflow as tf"])
    with pytest.raises(ImportConflict):
        add_imports("def tf():\n    pass\n", ["import tensorflow as tf"])


@pytest.mark.parametrize("existing, merged", [
    ("from tensorflow import io\n", "from tensorflow import io, keras\n"),
    ("from tensorflow import (\n    io,\n)\n", "from tensorflow import (\n    io, keras,\n)\n"),
    ("from tensorflow import io  # files\n", "from tensorflow import io, keras  # files\n"),
])
def test_an_import_merges_into_the_from_import_of_its_module(existing, merged):
    source = '"""Doc."""\n' + existing + "X = 1\n"
    assert add_imports(source, ["from tensorflow import keras"]) == ('"""Doc."""\n' + merged + "X = 1\n", 0, 0)


def test_an_import_does_not_merge_into_another_module_or_a_relative_one():
    source = "from tensorflow.keras import layers\nfrom . import tensorflow\n"
    new, _, count = add_imports(source, ["from tensorflow import keras"])
    assert count == 1 and new == source + "from tensorflow import keras\n"


# --- the guard -----------------------------------------------------------------------------


def test_the_guard_compiles_the_bytes_not_the_text():
    text = "import tensorflow as tf\n#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nA = 'Fran\xe7ois'\n"
    compile(text, "<text>", "exec")  # as text it is fine
    with pytest.raises(InvalidRewrite, match="invalid Python"):
        check_compiles(text, "latin-1")
    assert check_compiles(text[len("import tensorflow as tf\n"):], "latin-1").endswith(b"'Fran\xe7ois'\n")


def test_the_guard_refuses_a_character_the_encoding_cannot_hold():
    with pytest.raises(InvalidRewrite, match="cannot hold"):
        check_compiles("# -*- coding: latin-1 -*-\nA = '\u2713'\n", "latin-1")


def test_the_guard_refuses_a_fix_that_libcst_parses_but_python_does_not_compile(monkeypatch):
    real = engine.apply_fixes

    def return_at_module_level(module, fixes):
        fixed, imports = real(module, fixes)
        return fixed.with_changes(body=[*fixed.body, cst.parse_statement("return 1\n")]), imports

    monkeypatch.setattr(engine, "apply_fixes", return_at_module_level)
    with pytest.raises(InvalidRewrite, match="outside function"):
        process_source(TF1_DENSE, selection=UNSAFE, fix=True)


def test_a_fix_whose_output_libcst_cannot_parse_is_a_bug_of_the_fix(monkeypatch):
    real = engine.apply_fixes

    def broken(module, fixes):
        fixed, imports = real(module, fixes)
        return _Unparsable(fixed), imports

    monkeypatch.setattr(engine, "apply_fixes", broken)
    with pytest.raises(InvalidRewrite):
        process_source(TF1_DENSE, selection=UNSAFE, fix=True)


class _Unparsable:
    """A module whose code is broken, as a buggy fix would make it."""

    def __init__(self, module: cst.Module):
        self.code = module.code + "(\n"


# --- which edits go in one pass, and how they combine -------------------------------------


def _module_and_ranges(code: str):
    module = cst.parse_module(code)
    ranges = positions(module, list(walk(module)))
    return module, lambda node: ranges[id(node)]


def _fix(*edits) -> Fix:
    return Fix(tuple(edits), Safety.SAFE)


def test_an_edit_inside_a_node_another_fix_replaces_waits_for_the_next_pass():
    module, ranges = _module_and_ranges("x = f(a, b)\n")
    call = module.body[0].body[0].value
    outer = _fix(Replace(call, cst.Name("done")))
    inner = _fix(Replace(call.args[0].value, cst.Name("A")))
    assert select_compatible([outer, inner], ranges) == [outer]
    assert select_compatible([inner, outer], ranges) == [inner]
    statement = module.body[0]
    whole = _fix(Replace(statement, cst.parse_statement("y = 1\n")))
    assert select_compatible([whole, inner], ranges) == [whole]


def test_a_composable_edit_sees_the_edits_inside_it():
    module, ranges = _module_and_ranges("x = f(a, b)\n")
    call = module.body[0].body[0].value
    rename = _fix(Replace(call, lambda updated: updated.with_changes(func=cst.Name("g"))))
    inner = _fix(Replace(call.args[0].value, cst.Name("A")))
    chosen = select_compatible([rename, inner], ranges)
    assert chosen == [rename, inner]
    assert apply_fixes(module, chosen)[0].code == "x = g(A, b)\n"


def test_statements_inserted_beside_a_replaced_or_removed_statement_are_kept():
    module, ranges = _module_and_ranges("x = f(a)\ny = 2\n")
    first, second = module.body
    fixes = [
        _fix(Replace(first, cst.parse_statement("x = 3\n"))),
        _fix(InsertBefore(first, (cst.parse_statement("w = 0\n"),))),
        _fix(InsertAfter(first, (cst.parse_statement("z = 0\n"),))),
        _fix(Remove(second), InsertAfter(second, (cst.parse_statement("v = 1\n"),))),
    ]
    chosen = select_compatible(fixes, ranges)
    assert chosen == fixes
    assert apply_fixes(module, chosen)[0].code == "w = 0\nx = 3\nz = 0\nv = 1\n"


def test_two_fixes_replacing_the_same_node_do_not_both_apply():
    module, ranges = _module_and_ranges("x = f(a)\n")
    call = module.body[0].body[0].value
    first, second = _fix(Replace(call, cst.Name("one"))), _fix(Replace(call, cst.Name("two")))
    assert select_compatible([first, second], ranges) == [first]


# --- passes to a fixpoint -------------------------------------------------------------------


class _Counter(RuleFamily):
    """Renames `step<n>` to `step<n+1>` while n < `limit`: a fix that needs `limit` passes."""

    rules = (Rule("KF999", "counter", "", FixAvailability.ALWAYS, RuleSafety.SAFE, ""),)

    def __init__(self, limit: int):
        self.limit = limit

    def check(self, ctx):
        for node in walk(ctx.module):
            if isinstance(node, cst.Name) and node.value.startswith("step") and int(node.value[4:]) < self.limit:
                yield Finding("KF999", node, "count", _fix(Replace(node, cst.Name(f"step{int(node.value[4:]) + 1}"))))


def test_fixes_run_pass_after_pass_to_a_fixpoint(monkeypatch):
    monkeypatch.setattr(engine, "FAMILIES", (_Counter(limit=engine.MAX_PASSES),))
    outcome = process_source("step0 = 1\n", selection=UNSAFE, fix=True)
    assert outcome.new_source == f"step{engine.MAX_PASSES} = 1\n"
    assert outcome.fixed["KF999"] == engine.MAX_PASSES and not outcome.remaining


def test_fixes_that_do_not_converge_are_an_error_naming_the_rules(monkeypatch, tmp_path):
    monkeypatch.setattr(engine, "FAMILIES", (_Counter(limit=1000),))
    with pytest.raises(FixesDidNotConverge, match=r"did not converge after 8 passes \(KF999 still fixable\)"):
        process_source("step0 = 1\n", selection=UNSAFE, fix=True)
    layer = ("import tensorflow as tf\n\n\nclass Step(tf.keras.layers.Layer):\n    step0 = 1\n\n"
             "    def __init__(self):\n        super().__init__()\n        self.heads = {tf.keras.layers.Dense(1)}\n")
    (tmp_path / "steps.py").write_text(layer)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["apply", "--no-cache", "--jobs", "1", "steps.py"])
    assert result.exit_code == 2
    assert ("steps.py: error: kerasfix could not fix this file: fixes did not converge after 8 passes "
            "(KF999 still fixable) (please report this); file left unchanged") in result.stderr
    assert (tmp_path / "steps.py").read_text() == layer
