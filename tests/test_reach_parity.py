"""The prefilter's idea of what `call` reaches (`triggers.ClassSignals.reached_from_call`, on ast) holds
every method the rules' idea holds (`KerasClass.call_methods`, on libcst): where they differ,
the prefilter must err towards parsing, or a finding in a helper of `call` would be hidden."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from fixture_cases import all_cases
from kerasfix.rules.base import KerasClass
from kerasfix.triggers import class_signals

CASES = [c for c in all_cases() if not c.multi_file]


def _classes(text: str):
    by_name = {node.name: node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ClassDef)}
    module = cst.parse_module(text)
    stack = list(module.body)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.ClassDef):
            yield by_name[node.name.value], KerasClass(node, node.name.value)
        if isinstance(node, (cst.ClassDef, cst.FunctionDef, cst.If, cst.Try, cst.With)):
            stack.extend(node.body.body if hasattr(node.body, "body") else ())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_prefilter_reaches_at_least_what_the_rules_reach(case):
    for tree, cls in _classes(case.input.read_text(encoding="utf-8")):
        assert cls.call_methods <= class_signals(tree).reached_from_call(), tree.name
