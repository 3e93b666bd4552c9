"""One file: parse once, run the selected rules, collect findings, apply fixes to a fixpoint.

Many files: see `runner.py`. This module reads and writes nothing.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from .edits import AddImport, AddMethod, Safety, apply_fixes, select_compatible
from .index import ClassIndex
from .names import ImportMap
from .rules import FAMILIES
from .rules.base import Context, Finding, KerasClass
from .syntax import positions

MAX_PASSES = 8
IGNORE_COMMENT = re.compile(r"#\s*kerasfix:\s*ignore(?:\[(?P<codes>[A-Z0-9,\s]+)\])?", re.IGNORECASE)


@dataclass(frozen=True)
class Report:
    """A finding as the outside world sees it: no syntax tree."""

    code: str
    line: int
    column: int
    message: str
    fixable: bool  # a fix applies under the current settings
    fix_safety: str | None  # "safe" / "unsafe" / None (no fix at all)


@dataclass
class FileOutcome:
    findings: list[Report] = field(default_factory=list)  # in the source as given
    new_source: str | None = None  # when fixing and something changed
    fixed: Counter = field(default_factory=Counter)  # code -> fixes applied
    remaining: list[Report] = field(default_factory=list)  # after fixing


class RuleSelection:
    def __init__(self, select: set[str] | None, ignore: set[str], unsafe_fixes: bool):
        self.select = select
        self.ignore = ignore
        self.unsafe_fixes = unsafe_fixes

    def wants(self, code: str) -> bool:
        selected = self.select is None or any(code.startswith(s) for s in self.select)
        return selected and not any(code.startswith(i) for i in self.ignore)

    def applies(self, finding: Finding) -> bool:
        return finding.fix is not None and (finding.fix.safety is Safety.SAFE or self.unsafe_fixes)


def _ignored_lines(source: str) -> dict[int, set[str] | None]:
    """line -> codes ignored there (None: all)."""
    ignored: dict[int, set[str] | None] = {}
    if "kerasfix" not in source:
        return ignored
    for number, line in enumerate(source.splitlines(), start=1):
        match = IGNORE_COMMENT.search(line)
        if match:
            codes = match.group("codes")
            ignored[number] = None if codes is None else {c.strip().upper() for c in codes.split(",") if c.strip()}
    return ignored


def analyze(module: cst.Module, source: str, module_name: str, is_package: bool,
            index: ClassIndex, selection: RuleSelection) -> tuple[list[Finding], dict[int, CodeRange]]:
    """Findings for one parsed module, with positions, minus those the source ignores; and
    the ranges of every node the findings' fixes edit."""
    imports = ImportMap.from_cst(module, module_name, is_package)
    classes = index.add_module(module, imports)
    ctx = Context(module, imports, index, source=source, all_classes=[node for node, _ in classes],
                  wants=selection.wants)
    ctx.keras_classes = [KerasClass(node, q) for node, q in classes if index.is_layer(q)]
    findings: list[Finding] = []
    for family in FAMILIES:
        if any(selection.wants(rule.code) for rule in family.rules) and family.may_apply(source):
            findings.extend(f for f in family.check(ctx) if selection.wants(f.code))
    if not findings:
        return [], {}
    targets = [f.node for f in findings] + [
        edit.target for f in findings if f.fix for edit in f.fix.edits if not isinstance(edit, (AddMethod, AddImport))
    ]
    ranges = positions(module, targets)
    ignored = _ignored_lines(source)
    kept = []
    for finding in findings:
        start = ranges[id(finding.node)].start
        finding.line, finding.column = start.line, start.column + 1
        codes = ignored.get(finding.line, set())
        if codes is None or finding.code in codes:
            continue
        kept.append(finding)
    kept.sort(key=lambda f: (f.line, f.column, f.code))
    return kept, ranges


def _report(finding: Finding, selection: RuleSelection) -> Report:
    return Report(
        finding.code, finding.line, finding.column, finding.message,
        selection.applies(finding), finding.fix.safety.value if finding.fix else None,
    )


class InvalidRewrite(Exception):
    """A fix produced code that does not parse: a kerasfix bug, never written."""


def process_source(source: str, *, module_name: str = "", is_package: bool = False,
                   index: ClassIndex | None = None, selection: RuleSelection, fix: bool) -> FileOutcome:
    """Check (and with `fix`, fix) one module's source. Raises cst.ParserSyntaxError."""
    index = index if index is not None else ClassIndex()
    module = cst.parse_module(source)
    findings, ranges = analyze(module, source, module_name, is_package, index, selection)
    outcome = FileOutcome(findings=[_report(f, selection) for f in findings])
    if not fix:
        return outcome
    current, current_source = module, source
    for _ in range(MAX_PASSES):
        fixable = [f for f in findings if selection.applies(f)]
        if not fixable:
            break
        chosen = select_compatible([f.fix for f in fixable], lambda node: ranges[id(node)])
        new_source = apply_fixes(current, chosen).code
        if new_source == current_source:
            break
        chosen_ids = {id(f) for f in chosen}
        for finding in fixable:
            if id(finding.fix) in chosen_ids:
                outcome.fixed[finding.code] += 1
        current_source = new_source
        current = cst.parse_module(new_source)
        findings, ranges = analyze(current, new_source, module_name, is_package, index, selection)
    outcome.remaining = [_report(f, selection) for f in findings]
    if current_source != source:
        try:
            ast.parse(current_source)
        except SyntaxError as error:
            raise InvalidRewrite(f"a fix produced invalid Python ({error.msg}, line {error.lineno})") from error
        outcome.new_source = current_source
    return outcome
