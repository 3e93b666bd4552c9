"""The code keeps the shape issue 16 set: no module over 600 lines (data excepted), no function
over 60 lines, no signature over 8 parameters outside the typer commands, and every rule code
written as a constant in its own module only (mentions in comments and docstrings aside)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kerasfix"
DATA_MODULES = {"keras_api.py"}
TYPER_COMMANDS = {("cli.py", "check"), ("cli.py", "apply")}
CODE = re.compile(r"^KF\d{3}$")


def _modules() -> list[tuple[Path, ast.Module]]:
    modules = [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(PACKAGE.rglob("*.py"))]
    assert len(modules) > 40, PACKAGE  # the package itself, not an empty folder
    return modules


def _functions(tree: ast.Module):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    args = function.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    count = len(names) + bool(args.vararg) + bool(args.kwarg)
    return count - (names[:1] in (["self"], ["cls"]))


def test_no_module_over_600_lines():
    long = {p.name: n for p, _ in _modules() if (n := p.read_text(encoding="utf-8").count("\n")) > 600}
    assert not {k: v for k, v in long.items() if k not in DATA_MODULES}


def test_no_function_over_60_lines():
    long = [(p.name, f.name, f.end_lineno - f.lineno + 1) for p, tree in _modules() for f in _functions(tree)
            if f.end_lineno is not None and f.end_lineno - f.lineno + 1 > 60]
    assert not long


def test_no_signature_over_8_parameters():
    wide = [(p.name, f.name, _parameters(f)) for p, tree in _modules() for f in _functions(tree)
            if _parameters(f) > 8 and (p.name, f.name) not in TYPER_COMMANDS]
    assert not wide


def test_every_rule_code_is_a_constant_of_its_own_module_only():
    docstrings = set()
    seen: dict[str, set[str]] = {}
    for path, tree in _modules():
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                    and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and CODE.match(node.value):
                seen.setdefault(node.value, set()).add(path.name)
    assert {code: sorted(m) for code, m in seen.items() if len(m) > 1} == {}
