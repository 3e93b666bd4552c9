"""One reader per concept (issue 16): suppression comments, comments, names read."""

from __future__ import annotations

import json

import libcst as cst

from kerasfix.lines import comments
from kerasfix.suppressions import read_suppressions
from kerasfix.syntax import children, is_load, walk


def test_suppressions_are_comment_tokens_placed_as_findings():
    text = ('x = 1  # kerasfix: ignore[kf101, KF3]\n'
            's = "# kerasfix: ignore"\n'
            'y = (1,  # KERASFIX: IGNORE\n'
            '     2)\n')
    found = read_suppressions(text)
    assert [(c.line, c.column, c.end_column, c.codes) for c in found.lines] == [
        (1, 8, 38, ("KF101", "KF3")), (3, 10, 28, None)]
    assert found.whole_file is False


def test_ignore_file_is_a_comment_on_a_line_of_its_own():
    assert read_suppressions("# kerasfix: ignore-file\nx = 1\n").whole_file is None
    assert read_suppressions("if x:\n    # kerasfix: ignore-file[KF1, KF2]\n    y = 1\n").whole_file == ("KF1", "KF2")
    assert read_suppressions("x = 1  # kerasfix: ignore-file\n").whole_file is False
    assert read_suppressions('"""\n# kerasfix: ignore-file\n"""\n').whole_file is False
    assert read_suppressions("# kerasfix: ignore-file[]\n").whole_file is False
    # the tokenizer stops at an unclosed bracket: what it read before still counts
    assert read_suppressions("# kerasfix: ignore-file\nx = (\n").whole_file is None


def test_a_notebooks_cell_markers_are_not_tokenized_for_suppressions(monkeypatch):
    """A notebook's text names `__kerasfix_cell_N__` in each cell: no comment of ours there."""
    from kerasfix import suppressions
    from kerasfix.notebook import python_text

    cells = [{"cell_type": "code", "source": ["import tensorflow as tf\n"], "metadata": {}, "outputs": []},
             {"cell_type": "code", "source": ["x = 1  # a note\n"], "metadata": {}, "outputs": []}]
    text = python_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode())
    assert "__kerasfix_cell_2__" in text
    monkeypatch.setattr(suppressions.tokenize, "generate_tokens", None)  # any tokenizing fails
    assert read_suppressions(text) == suppressions.Suppressions()
    monkeypatch.undo()
    assert read_suppressions(text + "y = 2  # kerasfix: ignore\n").lines[0].line == text.count("\n") + 1


def test_comments_are_counted_as_tokens():
    assert comments('x = "#no"  # yes\n# yes\n') == {"# yes": 2}


def _names(text: str) -> dict[str, list[bool]]:
    module = cst.parse_module(text)
    parents = {id(child): node for node in walk(module) for child in children(node)}
    found: dict[str, list[bool]] = {}
    for node in walk(module):
        if isinstance(node, cst.Name):
            found.setdefault(node.value, []).append(is_load(node, parents))
    return found


def test_a_name_is_read_unless_it_is_bound_an_attribute_or_a_keyword():
    names = _names("import L as A\ndef f(P, *, K=L):\n    A = P.L\n    g(K=A)\n    lambda Q: Q\n"
                   "    with x as W: pass\nclass C: pass\n")
    assert names["L"] == [False, True, False]  # imported; read as `K=L`'s default; `P.L` is no read of it
    assert names["A"] == [False, False, True]  # bound by the import and the assignment, read in g(...)
    assert names["P"] == [False, True] and names["K"] == [False, False] and names["Q"] == [False, True]
    assert names["W"] == [False] and names["C"] == [False] and names["f"] == [False]
