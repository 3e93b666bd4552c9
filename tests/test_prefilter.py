"""The prefilter never hides a finding: every fixture and a generated tree give the same
findings with the prefilter on and off (KERASFIX_NO_PREFILTER=1 turns off the byte look at
class statements and the rules' triggers), with every rule selected and with each alone.

The generated tree holds every fixture input again, rewritten in ways real code is written
and the prefilter must not depend on: comments gone, `tensorflow` under another alias, the
imports at the end of the module, functions imported under other names, two fixtures in one
module; and the benchmark's synthetic legacy tree.
"""

from __future__ import annotations

import ast

import io
import re
import sys
import tokenize
from pathlib import Path

import json

import pytest
from fixture_cases import all_cases
from typer.testing import CliRunner

from kerasfix import engine
from kerasfix.engine import ModuleFacts, RuleSelection, process_source
from kerasfix.cli import app
from kerasfix.gate import NO_PREFILTER
from kerasfix.aliases import module_aliases
from kerasfix.index import ClassIndex, FileScan, module_name_for, scan_file
from kerasfix.prefilter import compile_triggers, pieces_worth_parsing, selected_codes, spans_worth_parsing
from kerasfix.rules import RULES
from kerasfix.target import LINES, harmed_lines

CASES = all_cases()


def make_tree(root: Path, files: int, seed: int) -> None:
    """The benchmark's synthetic legacy tree (benchmarks/bench.py)."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    try:
        from bench import make_tree as make
    finally:
        sys.path.pop(0)
    make(root, files, seed)


def _check(folder: Path, args: list[str], monkeypatch, prefilter: bool) -> str:
    if prefilter:
        monkeypatch.delenv(NO_PREFILTER, raising=False)
    else:
        monkeypatch.setenv(NO_PREFILTER, "1")
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, ["check", "--no-cache", "--jobs", "1", *args, "."], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return result.stdout


def _findings(folder: Path, args: list[str], monkeypatch, prefilter: bool) -> list[str]:
    stdout = _check(folder, args, monkeypatch, prefilter)
    return [line for line in stdout.splitlines() if " KF" in line or ": error:" in line]


def _same_either_way(folder: Path, args: list[str], monkeypatch) -> list[str]:
    on = _findings(folder, args, monkeypatch, prefilter=True)
    off = _findings(folder, args, monkeypatch, prefilter=False)
    assert on == off, "the prefilter hid or added findings:\n" + "\n".join(
        [f"- {line}" for line in off if line not in on] + [f"+ {line}" for line in on if line not in off])
    return on


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture_findings_do_not_depend_on_the_prefilter(case, tmp_path, monkeypatch):
    work = case.copy_input(tmp_path / "work")
    assert _same_either_way(work, case.args, monkeypatch) == case.findings


def _without_comments(text: str) -> str:
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type != tokenize.COMMENT]
    return tokenize.untokenize(tokens)


def _other_alias(text: str) -> str:
    return re.sub(r"\btf\b", "tensorflow_v", text)


def _names_aliased(text: str) -> str:
    """`from tensorflow.keras import initializers` -> `... import initializers as _n0`, and
    every use after it: the module's words are no longer the API's."""
    for number, match in enumerate(re.finditer(r"^from [\w.]+ import (\w+)$", text, re.MULTILINE)):
        name, alias = match.group(1), f"_n{number}"
        text = re.sub(rf"\b{name}\b", alias, text)
        text = text.replace(f"import {alias}\n", f"import {name} as {alias}\n")
    return text


def _bases_aliased(text: str) -> str:
    """`class Block(tf.keras.layers.Layer):` -> `Block_base = tf.keras.layers.Layer` above it."""
    return re.sub(r"^class (\w+)\(([\w.]+)\):", r"\1_base = \2\n\n\nclass \1(\1_base):", text, flags=re.MULTILINE)


def _through_shim(text: str) -> str:
    """Keras reached through the project's own shim module (`from shim_compat import keras`)."""
    if "tf.keras." not in text:
        return text
    return "from shim_compat import keras\n" + text.replace("tf.keras.", "keras.")


SHIM = """\
import os


def _select_keras():
    import tensorflow as tf
    return tf.keras


keras = _select_keras() if os.environ.get("X") is None else None
"""


def _imports_last(text: str) -> str:
    lines = text.splitlines(keepends=True)
    imports = [line for line in lines if line.startswith(("import ", "from ")) and "__future__" not in line]
    rest = [line for line in lines if line not in imports]
    return "".join(rest) + "\n" + "".join(imports)


# Shapes no fixture has, each once hidden by a prefilter
HARD_CASES = {
    # KF106 in a class with no weight call: the family's words were looked for in the class only
    "initializer_in_dense.py": """\
import tensorflow as tf
from tensorflow.keras import initializers as inits


class Proj(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = tf.keras.layers.Dense(2, kernel_initializer=inits.Orthogonal(dtype=tf.float32))

    def call(self, x):
        return self.dense(x)
""",
    # a base named through a package's `__init__` that re-exports it and defines no class
    "reexport/__init__.py": "from .model import Model\n",
    "reexport/model.py": "import tensorflow as tf\n\n\nclass Model(tf.keras.Model):\n    pass\n",
    "uses_reexport.py": """\
import tensorflow as tf

import reexport


class Net(reexport.Model):
    def __init__(self):
        super().__init__()
        self.step = tf.Variable(0.0)
""",
}


# Findings today's rules make that the hand-written prefilter hid: a family's words missing
# from the class (`self.weights.append` has no "_weights"; `make(...)` no "get_variable"),
# and an `__init__` with a call of `__init__` only in another method.
HIDDEN_BEFORE = {
    "weights_append.py": ("KF110", """\
from keras.engine import base


class Tracked(base.Layer):
    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def build(self, shape):
        self.inner.build(shape)
        self.weights.append(self.inner.kernel)

    def call(self, x):
        return self.inner(x)
"""),
    "get_variable_alias.py": ("KF101", """\
from keras.engine import base
from tensorflow.compat.v1 import get_variable as make


class Scaled(base.Layer):
    def build(self, shape):
        self.scale = make("scale", [int(shape[-1])])

    def call(self, x):
        return x * self.scale
"""),
    "init_elsewhere.py": ("KF401", """\
from keras.engine import base_layer as kl


class Reset(kl.Layer):
    def __init__(self, units):
        self.units = units

    def reset(self):
        kl.Layer.__init__(self)

    def call(self, x):
        return x
"""),
}


def _calls_aliased(text: str) -> str:
    """`tf.compat.v1.get_variable(...)` -> `_f_compat_v1_get_variable(...)`, imported under
    that name: the call's words are no longer the API's (`get_variable as gv`)."""
    if not re.search(r"^import tensorflow as tf$", text, re.MULTILINE):
        return text
    imports: dict[str, str] = {}

    def alias(match: re.Match) -> str:
        path = match.group(1)[1:].split(".")
        name = "_f_" + "_".join(path)
        imports[name] = f"from tensorflow{''.join('.' + p for p in path[:-1])} import {path[-1]} as {name}\n"
        return name + "("

    body = re.sub(r"\btf((?:\.[a-z_][a-z0-9_]*)+)\(", alias, text)
    return body.replace("import tensorflow as tf\n", "import tensorflow as tf\n" + "".join(imports.values()), 1)


def _mixed(first: str, second: str) -> str:
    """Two fixtures' modules as one (a `from __future__` line first, as Python wants it)."""
    lines = [line for text in (first, second) for line in text.splitlines(keepends=True)]
    future = [line for line in lines if line.startswith("from __future__")]
    return "".join(future) + "".join(line for line in lines if line not in future) + "\n"


REWRITES = (("same", str), ("nocomments", _without_comments), ("alias", _other_alias),
            ("names", _names_aliased), ("importslast", _imports_last), ("bases", _bases_aliased),
            ("shim", _through_shim), ("calls", _calls_aliased))


@pytest.fixture(scope="module")
def generated_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prefilter") / "tree"
    make_tree(root / "synthetic", 120, seed=7)
    (root / "shim").mkdir()
    (root / "shim" / "shim_compat.py").write_text(SHIM, encoding="utf-8")
    (root / "hard").mkdir()
    for name, text in [*HARD_CASES.items(), *((n, t) for n, (_, t) in HIDDEN_BEFORE.items())]:
        (root / "hard" / name).parent.mkdir(exist_ok=True)
        (root / "hard" / name).write_text(text, encoding="utf-8")
    texts = [c.input.read_text(encoding="utf-8") for c in CASES if not c.multi_file]
    for number, text in enumerate(texts):
        for name, rewrite in REWRITES:
            folder = root / name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"case_{number}.py").write_text(rewrite(text), encoding="utf-8")
        (root / "mixed").mkdir(exist_ok=True)
        mixed = _mixed(text, _calls_aliased(texts[(number * 7 + 3) % len(texts)]))
        (root / "mixed" / f"case_{number}.py").write_text(mixed, encoding="utf-8")
    return root


def test_generated_tree_findings_do_not_depend_on_the_prefilter(generated_tree, monkeypatch):
    findings = _same_either_way(generated_tree, [], monkeypatch)
    assert len(findings) > 100  # the tree is full of traps: a run that finds none proves nothing


@pytest.mark.parametrize("target", ["2", "3"])
def test_a_targeted_line_hides_nothing_the_prefilter_off_reports(target, generated_tree, monkeypatch):
    """On one Keras line the prefilter asks only the rules that can report there, and their
    triggers only for what harms that line (KF104 on tf_keras: a shape given first)."""
    findings = _same_either_way(generated_tree, ["--target-keras", target], monkeypatch)
    assert len(findings) > 100


def test_every_line_a_finding_harms_is_one_its_rule_declares(generated_tree, monkeypatch):
    """`Rule.reports_on` reads the lines a rule declares (`harm`, `finding_lines`): a finding
    saying it harms another one (`Finding.lines`) would be lost on a run targeting only that
    line, its rule not run there. Every rule, each whole module of the tree, in this process."""
    seen: list[tuple[str, frozenset[str]]] = []
    reports = engine.RuleSelection.reports

    def recorded(self, finding):
        seen.append((finding.code, harmed_lines(RULES[finding.code].harm, finding.lines)))
        return reports(self, finding)

    monkeypatch.setattr(engine.RuleSelection, "reports", recorded)
    index, scans = _tree_index(generated_tree)
    for path, scan in scans.items():
        text = (generated_tree / path).read_text(encoding="utf-8")
        _found(text, scan, index, RuleSelection(None, set(), False))
    undeclared = sorted({f"{code}: {sorted(lines)}" for code, lines in seen
                         if not lines <= harmed_lines(RULES[code].harm) | RULES[code].finding_lines})
    assert undeclared == []
    narrower = {code for code, lines in seen if lines != harmed_lines(RULES[code].harm)}
    assert narrower >= {"KF104", "KF204"}  # findings that say their own lines, outside their rule's harm


def _tree_index(root: Path) -> tuple[ClassIndex, dict[str, FileScan]]:
    """The class index of the tree and each file's scan, as the runner makes them."""
    index, scans = ClassIndex(), {}
    for path in sorted(root.rglob("*.py")):
        scan = scan_file(path.read_bytes(), *module_name_for(path))
        if scan is not None:
            scans[path.relative_to(root).as_posix()] = scan
            for c in scan.classes:
                index.add(c)
            index.add_aliases(module_aliases(scan.imports))
    return index, scans


def _one_file(folder: Path, text: str) -> tuple[FileScan, ClassIndex]:
    """A module of its own: its scan, and the index of its classes."""
    path = folder / "block.py"
    path.write_text(text, encoding="utf-8")
    scan = scan_file(path.read_bytes(), *module_name_for(path))
    assert scan is not None
    index = ClassIndex()
    for record in scan.classes:
        index.add(record)
    return scan, index


def _found(text: str, scan: FileScan, index: ClassIndex, selection: RuleSelection) -> set[str]:
    """The codes of the findings in the whole module, parsed without the prefilter's pieces."""
    facts = ModuleFacts(scan.imports.module_name, False, index, scan.imports, None, None)
    return {f.code for f in process_source(text, selection=selection, fix=False, module=facts).findings}


def test_each_rule_alone_keeps_every_class_it_reports_in(generated_tree, monkeypatch):
    """`--select KF101` prefilters with KF101's trigger only: that trigger alone must keep
    every class where KF101 reports with the prefilter off."""
    rows = json.loads(_check(generated_tree, ["--format", "json"], monkeypatch, prefilter=False))["findings"]
    monkeypatch.delenv(NO_PREFILTER)
    index, scans = _tree_index(generated_tree)
    hidden = []
    for row in rows:
        text = (generated_tree / row["path"]).read_text(encoding="utf-8")
        spans = spans_worth_parsing(text, scans[row["path"]], index, row["code"].__eq__)
        if not any(start <= row["line"] <= end for start, end in spans):
            hidden.append(f"{row['path']}:{row['line']}: {row['code']}")
    assert hidden == []
    assert {r["code"] for r in rows} >= set(RULES) - {"KF001"}  # every rule reports somewhere in the tree


def test_each_piece_names_every_rule_that_reports_in_it(generated_tree, monkeypatch):
    """Every rule selected, the prefilter gives each piece the codes of the rules whose triggers
    keep one of its classes, and only those rules' checks run there: every finding made with
    the prefilter off lies in a piece that names its code (or names none: every rule runs)."""
    rows = json.loads(_check(generated_tree, ["--format", "json"], monkeypatch, prefilter=False))["findings"]
    monkeypatch.delenv(NO_PREFILTER)
    index, scans = _tree_index(generated_tree)
    missed, narrowed = [], 0
    for row in rows:
        text = (generated_tree / row["path"]).read_text(encoding="utf-8")
        pieces = pieces_worth_parsing(text, scans[row["path"]], index, lambda code: True)
        narrowed += sum(1 for codes in pieces.values() if codes is not None and codes != set(RULES))
        if not any(start <= row["line"] <= end and (codes is None or row["code"] in codes)
                   for (start, end), codes in pieces.items()):
            missed.append(f"{row['path']}:{row['line']}: {row['code']}")
    assert missed == []
    assert narrowed > 100  # most pieces run a few rules, not all of them


NARROWED = """\
import tensorflow as tf


class Block(tf.keras.layers.Layer):
    def call(self, x):
        return tf.layers.dense(x, 4)


class Scale(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.w = tf.get_variable("w", [4])

    def call(self, x):
        return x * self.w
"""


def test_a_piece_runs_only_the_rules_whose_triggers_keep_its_classes(tmp_path):

    scan, index = _one_file(tmp_path, NARROWED)
    pieces = pieces_worth_parsing(NARROWED, scan, index, lambda code: True)
    block, scale = sorted(pieces)
    assert "KF202" in pieces[block] and "KF101" not in pieces[block]
    assert "KF101" in pieces[scale] and "KF202" not in pieces[scale]
    selection = RuleSelection(None, set(), False)

    def codes(rules):
        facts = ModuleFacts(scan.imports.module_name, False, index, scan.imports, sorted(pieces), rules)
        return sorted({f.code for f in process_source(NARROWED, selection=selection, fix=False, module=facts).findings})

    assert codes(pieces) == codes(None) == ["KF101", "KF202"]
    # the proof that a piece's other rules do not run: named the other piece's codes, each finds nothing
    assert codes({block: pieces[scale], scale: pieces[block]}) == []


WEIGHT_BODIES = {
    # today's keyword-only add_weight in `build`: no weight rule has anything to look at
    "modern": ("    def build(self, shape):\n        self.w = self.add_weight(name='w', shape=(4,), trainable=True)\n",
               set()),
    "positional": ("    def build(self, shape):\n        self.w = self.add_weight('w', (4,))\n", {"KF104", "KF107"}),
    "slash": ("    def build(self, shape):\n        self.w = self.add_weight(name=f'{self.name}/w', shape=(4,))\n",
              {"KF104", "KF107"}),
    "enum": ("    def build(self, shape):\n        self.w = self.add_weight(name='w', shape=(4,), "
             "aggregation=tf.VariableAggregation.MEAN)\n", {"KF104", "KF107"}),
    "in_call": ("    def call(self, x):\n        return x * self.add_weight(name='w', shape=(4,))\n", {"KF103"}),
    "nested": ("    def build(self, shape):\n        self.f = lambda: tf.Variable(1.0)\n",
               {"KF102", "KF112"}),
    "scope_only": ("    def build(self, shape):\n        with tf.compat.v1.variable_scope('s'):\n"
                   "            self.d = 4\n", set()),
    "scoped": ("    def build(self, shape):\n        with tf.compat.v1.variable_scope('s'):\n"
               "            self.w = tf.compat.v1.get_variable('w', [4])\n", {"KF101", "KF108"}),
    "add_variable": ("    def build(self, shape):\n        self.w = self.add_variable('w', (4,))\n",
                     {"KF105", "KF107"}),
}
WEIGHT_RULES = {"KF101", "KF102", "KF103", "KF104", "KF105", "KF107", "KF108", "KF109", "KF112"}
# what a weight rule's trigger keeps on each Keras line: (body, tf_keras's codes, Keras 3's)
TARGETED_BODIES = {
    "name_first": ("self.w = self.add_weight('w', (4,))", set(), {"KF104", "KF107"}),
    "shape_first": ("self.w = self.add_weight((4,), 'zeros')", {"KF104"}, set()),
    "lone_beside_name": ("self.w = self.add_weight(shape, name='w')", {"KF104"}, set()),
    "string_second": ("self.w = self.add_weight(shape, 'zeros')", {"KF104"}, set()),
    "slash": ("self.w = self.add_weight(name='a/w', shape=(4,))", set(), {"KF104", "KF107"}),
    "shape_first_and_legacy": ("self.w = self.add_weight([4], use_resource=True)", {"KF104"}, {"KF104", "KF107"}),
    "add_variable": ("self.w = self.add_variable('w', (4,))", set(), {"KF105", "KF107"}),
    "raw_variable": ("self.w = tf.Variable(1.0)", set(), {"KF102"}),
    "nested": ("self.f = lambda: tf.Variable(1.0)", {"KF112"}, {"KF102", "KF112"}),
}


@pytest.mark.parametrize("name", sorted(WEIGHT_BODIES))
def test_the_weight_rules_keep_a_class_only_for_what_each_reports(name, tmp_path):
    """Each weight rule's trigger asks for its own calls (one trigger for all nine kept every
    layer with an `add_weight`: 58 of a 2,166-file tree's 218 pieces parsed for nothing)."""
    body, codes = WEIGHT_BODIES[name]
    text = f"import tensorflow as tf\n\n\nclass Block(tf.keras.layers.Layer):\n{body}"
    scan, index = _one_file(tmp_path, text)
    pieces = pieces_worth_parsing(text, scan, index, WEIGHT_RULES.__contains__)
    assert set().union(*pieces.values()) == codes


@pytest.mark.parametrize("name", sorted(TARGETED_BODIES))
def test_on_one_keras_line_a_weight_rule_keeps_only_what_harms_it(name, tmp_path):
    """A tf_keras project (target 2) needs no KF107, KF105 or KF102 (they harm Keras 3 only)
    and KF104 only for a shape given first; a Keras 3 one no KF104 for it: 23 classes of
    addons, OpenNMT-tf 2 and others were parsed for nothing (a 2,166-file tree on tf_keras)."""
    body, on_2, on_3 = TARGETED_BODIES[name]
    text = ("import tensorflow as tf\n\n\nclass Block(tf.keras.layers.Layer):\n"
            f"    def build(self, shape):\n        {body}\n")
    scan, index = _one_file(tmp_path, text)
    for target, codes in ((frozenset({"2"}), on_2), (frozenset({"3"}), on_3)):
        pieces = pieces_worth_parsing(text, scan, index, WEIGHT_RULES.__contains__, target)
        assert set().union(*pieces.values()) == codes, sorted(target)
        found = _found(text, scan, index, RuleSelection(WEIGHT_RULES, set(), False, target))
        assert found <= codes, sorted(target)  # the prefilter off: the same rules report, or fewer


FUNCTIONAL = """\
import tensorflow as tf
from tensorflow.keras.layers import Lambda


def plain(x):
    return x + 1


def head(x):
    return Lambda(lambda v: v * tf.Variable(2.0))(x)


NOTE = "a Lambda in a string"
"""


def test_the_statements_naming_a_functional_call_are_read_not_the_whole_file(tmp_path, monkeypatch):
    """The scan notes the top-level statements whose text says `Lambda`; the prefilter parses
    those alone (it parsed each such file whole again: 39 files, a tenth of a 2,166-file tree's
    prefilter), and keeps those that call it."""
    from kerasfix import prefilter
    from kerasfix.triggers import FUNCTIONAL_WORDS

    path = tmp_path / "model.py"
    path.write_text(FUNCTIONAL, encoding="utf-8")
    scan = scan_file(path.read_bytes(), *module_name_for(path), functional_words=FUNCTIONAL_WORDS)
    assert scan.functional == [(9, 10), (13, 13)]  # not the import: its name is no call
    parsed = []
    real = ast.parse
    monkeypatch.setattr(prefilter.ast, "parse", lambda text, *a, **k: parsed.append(text) or real(text, *a, **k))
    assert pieces_worth_parsing(FUNCTIONAL, scan, ClassIndex(), lambda code: True) == {(9, 10): None}
    assert FUNCTIONAL not in parsed and len(parsed) == 2
    assert pieces_worth_parsing(FUNCTIONAL, scan_file(path.read_bytes(), *module_name_for(path)), ClassIndex(),
                                lambda code: True) == {(9, 10): None}  # a scan that did not look: the file
    assert parsed[-1] == FUNCTIONAL


# (base, methods, code, target, whether its trigger keeps the class): each kept case is a real
# finding of the rule, each other one none (both checked with the prefilter off)
NARROW = {
    "kernel_in_a_layer": ("tf.keras.layers.Layer", "def build(self, shape):\n        self.kernel = self.add_weight("
                          "name='k', shape=(4,))", "KF402", "both", False),
    "kernel_in_a_dense": ("tf.keras.layers.Dense", "def build(self, shape):\n        self.kernel = tf.zeros((4,))",
                          "KF402", "both", True),
    "layers_in_a_layer": ("tf.keras.layers.Layer", "def __init__(self):\n        super().__init__()\n"
                          "        self.layers = []", "KF402", "both", False),
    "layers_in_a_model": ("tf.keras.Model", "def __init__(self):\n        super().__init__()\n"
                          "        self.layers = []", "KF402", "both", True),
    "tf_keras_only_on_keras_3": ("tf.keras.layers.Layer", "def call(self, x):\n        self.input_mask = None\n"
                                 "        return x", "KF402", "3", False),
    "tf_keras_only_on_tf_keras": ("tf.keras.layers.Layer", "def call(self, x):\n        self.input_mask = None\n"
                                  "        return x", "KF402", "2", True),
    "tuple_of_counts": ("tf.keras.layers.Layer", "def __init__(self, num_layers, units):\n        super().__init__()\n"
                        "        self.shape_ = (num_layers, units)", "KF301", "both", False),
    "list_of_a_layer": ("tf.keras.layers.Layer", "def __init__(self, layer):\n        super().__init__()\n"
                        "        self.blocks = [layer]", "KF301", "both", False),
    "tuple_grown_by_a_layer": ("tf.keras.layers.Layer", "def __init__(self):\n        super().__init__()\n"
                               "        self.blocks = ()\n\n    def add(self, layer):\n"
                               "        self.blocks = self.blocks + (layer,)", "KF301", "both", True),
    "tuple_of_a_checked_block": ("tf.keras.layers.Layer", "def __init__(self, block):\n        super().__init__()\n"
                                 "        assert isinstance(block, tf.keras.layers.Dense)\n"
                                 "        self.blocks = (block,)", "KF301", "both", True),
    "layers_in_a_list": ("tf.keras.layers.Layer", "def __init__(self):\n        super().__init__()\n"
                         "        self.blocks = list(tf.keras.layers.Dense(2) for _ in range(2))", "KF301", "both",
                         False),
    "layer_in_a_returned_tuple": ("tf.keras.layers.Layer", "def call(self, x):\n"
                                  "        return (tf.keras.layers.Dense(2), x)", "KF301", "both", False),
    "layers_unpacked_in_a_tuple": ("tf.keras.layers.Layer", "def __init__(self, layers):\n        super().__init__()\n"
                                   "        self.blocks = (*layers,)", "KF301", "both", True),
    "weightless_in_call": ("tf.keras.layers.Layer", "def call(self, x):\n"
                           "        return tf.keras.layers.Concatenate()([x, x])", "KF201", "both", False),
    "seeded_in_call": ("tf.keras.layers.Layer", "def call(self, x):\n        return tf.keras.layers.Dropout(0.5)(x)",
                       "KF201", "both", True),
    "seeded_in_call_on_tf_keras": ("tf.keras.layers.Layer", "def call(self, x):\n"
                                   "        return tf.keras.layers.Dropout(0.5)(x)", "KF201", "2", False),
    "name_of_a_subscript": ("tf.keras.layers.Layer", "def call(self, x):\n        out = {}\n"
                            "        out[self.name] = x\n        return out", "KF402", "both", False),
    "defaultdict_local": ("tf.keras.layers.Layer", "def call(self, x):\n        seen = collections.defaultdict(list)\n"
                          "        seen[0].append(x)\n        return x", "KF303", "both", False),
    "defaultdict_of_layers": ("tf.keras.layers.Layer", "def __init__(self):\n        super().__init__()\n"
                              "        self.heads = collections.defaultdict(lambda: None)\n"
                              "        self.heads['a'] = tf.keras.layers.Dense(2)", "KF303", "both", True),
    "config_on_a_holder": ("tf.keras.layers.Layer", "def __init__(self, config):\n        super().__init__()\n"
                           "        self.config = Plain()\n        self.config.size = len(config)", "KF305", "both",
                           False),
    "layer_on_a_holder": ("tf.keras.layers.Layer", "def __init__(self):\n        super().__init__()\n"
                          "        self.parts = Plain()\n        self.parts.d = tf.keras.layers.Dense(2)", "KF305",
                          "both", True),
}


@pytest.mark.parametrize("name", sorted(NARROW))
def test_a_trigger_keeps_a_class_for_what_its_rule_reports_there(name, tmp_path):
    """Triggers that ask what their rule reports: KF402 `kernel` only in a subclass of a layer
    that makes it a property, a Model's own attribute in a Model, a line's read-only attribute
    on that line; KF301 a parameter named or checked as a layer, in a tuple (grown too: one
    the trigger missed); KF201 no layer owning no weights; KF305 only a layer set on a holder;
    KF303 only a `defaultdict` set on an attribute."""
    base, methods, code, target, kept = NARROW[name]
    text = (f"import collections\n\nimport tensorflow as tf\n\n\nclass Plain:\n    pass\n\n\n"
            f"class Block({base}):\n    {methods}\n")
    scan, index = _one_file(tmp_path, text)
    lines = LINES[target]
    assert bool(pieces_worth_parsing(text, scan, index, code.__eq__, lines)) is kept
    assert bool(_found(text, scan, index, RuleSelection({code}, set(), False, lines))) is kept


HELPER_BUILT = """\
import tensorflow as tf


def _dense(units):
    return tf.keras.layers.Dense(units)


class Built(tf.keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.d = _dense(4)
        self.kept = (tf.keras.layers.Dense(2),)

    def call(self, x):
        return self.d(x)
"""
HELPER_REMADE = """

class Remade(tf.keras.layers.Layer):
    def call(self, x):
        return _dense(4)(x)
"""


def test_the_whole_file_is_parsed_only_for_a_helper_kf206_may_fix(tmp_path):
    """KF206's fix edits a private helper and every class calling it, so a piece calling one
    from `call` makes the whole file one piece; a piece calling it only from `__init__` (KF301
    keeps `Built` here) runs no KF206 and is parsed alone (5 files of 2,166 were parsed whole)."""
    scan, index = _one_file(tmp_path, HELPER_BUILT)
    assert pieces_worth_parsing(HELPER_BUILT, scan, index, lambda code: True) == {(8, 15): {"KF301", "KF302"}}
    text = HELPER_BUILT + HELPER_REMADE
    scan, index = _one_file(tmp_path, text)
    assert pieces_worth_parsing(text, scan, index, lambda code: True) == {(1, 20): None}


# (base, the statement before `super().__init__()`, target, whether KF403's trigger keeps it):
# each kept case is a finding of KF403, each other one none
BEFORE_SUPER = {
    "plain_attribute": ("tf.keras.layers.Layer", "self.units = units", "both", False),
    "reset_by_keras": ("tf.keras.layers.Layer", "self.supports_masking = True", "both", True),
    "plain_in_a_model": ("tf.keras.Model", "self.units = units", "both", False),
    "layer_in_a_model": ("tf.keras.Model", "self.dense = tf.keras.layers.Dense(units)", "both", True),
    "layer_in_a_model_on_keras_3": ("tf.keras.Model", "self.dense = tf.keras.layers.Dense(units)", "3", False),
    "tf_keras_only_on_keras_3": ("tf.keras.layers.Layer", "self.stateful = True", "3", False),
    "keras_3_only_on_tf_keras": ("tf.keras.layers.Layer", "self.autocast = False", "2", False),
    "keras_3_only_on_keras_3": ("tf.keras.layers.Layer", "self.autocast = False", "3", True),
    "name_on_keras_3": ("tf.keras.layers.Layer", "self.name = 'block'", "3", True),
    "after": ("tf.keras.layers.Layer", None, "both", False),
}


@pytest.mark.parametrize("name", sorted(BEFORE_SUPER))
def test_state_before_super_keeps_what_keras_sets_again_or_a_model(name, tmp_path):
    """KF403 reports, before `super().__init__()`, an attribute Keras sets again (on the lines
    it harms), or in a Model a layer built into any attribute (tf_keras raises): `self.units =
    units` there in a layer is no trap (38 of a 2,166-file tree's pieces were parsed for it, every
    one without a finding), nor in a Model (48 of 5,382 files' pieces)."""
    base, early, target, kept = BEFORE_SUPER[name]
    first = f"        {early}\n" if early else ""
    text = (f"import tensorflow as tf\n\n\nclass Block({base}):\n    def __init__(self, units, **kwargs):\n"
            f"{first}        super().__init__(**kwargs)\n        self.supports_masking = True\n")
    scan, index = _one_file(tmp_path, text)
    lines = LINES[target]
    assert bool(pieces_worth_parsing(text, scan, index, "KF403".__eq__, lines)) is kept
    assert bool(_found(text, scan, index, RuleSelection({"KF403"}, set(), False, lines))) is kept


LAMBDAS = {
    "tf_op": ("Lambda(lambda x: tf.reduce_sum(x, axis=1))(inputs)", False),
    "tf_function": ("Lambda(tf.nn.relu)(inputs)", False),
    "plain_function": ("Lambda(plain)(inputs)", False),
    "variable": ("Lambda(lambda v: v * tf.Variable(2.0))(inputs)", True),
    "layer": ("Lambda(lambda x: Dense(2)(x))(inputs)", True),
    "local": ("Lambda(lambda x: inner(x))(inputs)", True),
    "maker": ("Lambda(makes)(inputs)", True),
    "factory": ("Lambda(function=applier(inner))(inputs)", True),
    "arguments": ("Lambda(lambda x, other: x + other, arguments={'other': other})(inputs)", True),
}


@pytest.mark.parametrize("name", sorted(LAMBDAS))
def test_a_lambda_outside_layers_is_parsed_only_when_it_may_hold_what_kf112_reports(name, tmp_path):
    """A `Lambda` of a TensorFlow op is no trap: its statement is not parsed for it (41 such
    statements of a 2,166-file tree ran every rule and held no finding)."""
    from kerasfix.triggers import FUNCTIONAL_WORDS

    lambda_call, kept = LAMBDAS[name]
    text = ("import tensorflow as tf\nfrom tensorflow.keras.layers import Dense, Lambda\n\n\n"
            "def plain(x):\n    return x + 1\n\n\ndef makes(x):\n    return Dense(2)(x)\n\n\n"
            "def applier(layer):\n    return lambda x: layer(x)\n\n\n"
            f"def head(inputs, inner, other):\n    return {lambda_call}\n")
    path = tmp_path / "model.py"
    path.write_text(text, encoding="utf-8")
    scan = scan_file(path.read_bytes(), *module_name_for(path), functional_words=FUNCTIONAL_WORDS)
    pieces = pieces_worth_parsing(text, scan, ClassIndex(), lambda code: True)
    assert (list(pieces) == [(17, 18)]) is kept


@pytest.mark.parametrize("name", sorted(HIDDEN_BEFORE))
def test_a_finding_the_trigger_words_hid(name, tmp_path, monkeypatch):
    code, text = HIDDEN_BEFORE[name]
    (tmp_path / name).write_text(text, encoding="utf-8")
    found = _same_either_way(tmp_path, [], monkeypatch)
    assert [line.split()[1] for line in found] == [code]


def test_every_rule_declares_a_trigger():
    """A rule without one would never be reported with the prefilter on."""
    assert [code for code, rule in RULES.items() if not rule.trigger] == []


def test_the_prefilter_is_the_union_of_the_selected_rules_triggers():
    assert compile_triggers(selected_codes(lambda code: code == "KF101")) == RULES["KF101"].trigger
    both = compile_triggers(selected_codes(lambda code: code in ("KF201", "KF401")))
    assert both == RULES["KF201"].trigger | RULES["KF401"].trigger
    assert both.layer_in_call and both.init_without_init and not both.calls


TEST_CASES_ONLY = """\
import tensorflow as tf
from absl.testing import parameterized


class BlockTest(parameterized.TestCase, tf.test.TestCase):
    def test_it(self):
        self.assertEqual(1, 1)
"""
TEST_CASE_WITH_LAYER = """\
import tensorflow as tf


class BlockTest(tf.test.TestCase):
    def test_it(self):
        class Inner(tf.keras.layers.Layer):
            def call(self, x):
                return x * tf.get_variable("w", [1])

        Inner()(tf.ones([1]))
"""


def test_a_file_of_test_cases_only_is_not_scanned_and_hides_nothing(tmp_path, monkeypatch):
    from kerasfix.gate import may_define_layers

    assert not may_define_layers(TEST_CASES_ONLY.encode())
    assert may_define_layers(TEST_CASE_WITH_LAYER.encode())  # a class statement inside counts too
    assert may_define_layers(TEST_CASES_ONLY.replace("tf.test.TestCase", "tf.keras.layers.Layer").encode())
    (tmp_path / "only_test.py").write_text(TEST_CASES_ONLY, encoding="utf-8")
    (tmp_path / "inner_test.py").write_text(TEST_CASE_WITH_LAYER, encoding="utf-8")
    found = _same_either_way(tmp_path, [], monkeypatch)
    assert [line.split()[1] for line in found] == ["KF103"]  # its variable made in `call`
