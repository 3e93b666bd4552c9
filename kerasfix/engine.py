"""One file: parse once, run the selected rules, collect findings, apply fixes to a fixpoint.

Many files: see `runner.py`. This module reads and writes nothing.
"""

from __future__ import annotations

import ast
import copy
import tokenize
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import libcst as cst
from libcst.metadata import CodeRange

from .edits import (AddImport, AddMethod, DropImport, ImportConflict, Safety, add_imports, apply_fixes,
                    drop_imports, select_compatible)
from . import phases
from .functions import module_functions, read_imports
from .lines import comments, source_lines
from .index import ClassIndex
from .names import ImportMap
from .notebook import compile_cells, is_cells_text
from .results import Diagnostic, Offer, Reviewer, TextEdit, edits_between
from .rules import FAMILIES, RULES
from .rules.base import Context, Finding, KerasClass, Rule
from .rules.unused_ignore import KF001, unused_ignores, unused_reasons
from .suppressions import LineIgnore, read_suppressions, suppresses
from .syntax import import_map, parse_module, positions
from .target import BOTH, reported

MAX_PASSES = 8


@dataclass
class FileOutcome:
    findings: list[Diagnostic] = field(default_factory=list)  # in the source as given
    new_source: str | None = None  # when fixing and something changed
    fixed: Counter = field(default_factory=Counter)  # code -> fixes applied
    remaining: list[Diagnostic] = field(default_factory=list)  # after fixing


class RuleSelection:
    def __init__(self, select: set[str] | None, ignore: set[str], unsafe_fixes: bool,
                 target: frozenset[str] = BOTH):
        self.select = select
        self.ignore = ignore
        self.unsafe_fixes = unsafe_fixes
        self.target = target  # the Keras lines the project runs on (target.py)

    def wants(self, code: str) -> bool:
        selected = self.select is None or any(code.startswith(s) for s in self.select)
        return selected and not any(code.startswith(i) for i in self.ignore)

    def runs(self, rule: Rule) -> bool:
        """Selected, and able to report on a targeted line (`Rule.reports_on`)."""
        return self.wants(rule.code) and rule.reports_on(self.target)

    def reports(self, finding: Finding) -> bool:
        """Selected, and harmful on a targeted line."""
        rule = RULES.get(finding.code)
        return self.wants(finding.code) and reported(rule.harm if rule else None, finding.lines, self.target)

    def applies(self, finding: Finding) -> bool:
        return finding.fix is not None and (finding.fix.safety is Safety.SAFE or self.unsafe_fixes)


def analyze(module: cst.Module, source: str, imports: ImportMap, index: ClassIndex,
            selection: RuleSelection, alone: dict[int, Finding] | None = None,
            only: frozenset[str] | None = None) -> tuple[list[Finding], dict[int, CodeRange]]:
    """Findings for one parsed module, with positions, minus those the source ignores; and
    the ranges of every node the findings' fixes edit. `alone` collects, for each finding
    whose fix needs others (`Finding.needs`), the finding `--select` of its code alone gives.
    With `only` (the prefilter's codes for the piece: `ModuleFacts.rules`), the checks of the
    other registered rules are not run: their triggers kept no class of it, so they find
    nothing there (a rule the registry does not hold, a test's own, has no trigger to ask).
    Nor is a rule whose findings would harm only lines the run does not target
    (`RuleSelection.runs`): `reports` would drop each of them."""
    classes = index.add_module(module, imports)
    ctx = Context(module, imports, index, all_classes=[node for node, _, _ in classes])
    ctx.keras_classes = [KerasClass(node, q, index) for node, q, bases in classes if index.bases_are_layers(bases)]
    found: list[Finding] = []
    for family in FAMILIES:
        if any(selection.runs(rule) and (only is None or rule.code in only or rule.code not in RULES)
               for rule in family.rules):
            found.extend(f for f in family.check(ctx) if selection.reports(f))
    findings = _honour_needs(found, alone)
    comments = read_suppressions(source).lines
    if not findings and not (comments and selection.wants(KF001.code)):
        return [], {}
    targets = [f.node for f in findings] + [
        edit.target for f in findings if f.fix for edit in f.fix.edits
        if not isinstance(edit, (AddMethod, AddImport, DropImport))
    ]
    ranges = positions(module, targets)
    by_line = {c.line: c for c in comments}
    kept = [f for f in findings if not _suppressed(f, ranges, by_line)]
    if comments and selection.wants(KF001.code):
        kept.extend(unused_ignores(list(comments), RULES, selection.wants))
    kept.sort(key=lambda f: (f.line, f.column, f.code))
    return kept, ranges


def _honour_needs(findings: list[Finding], alone: dict[int, Finding] | None) -> list[Finding]:
    """Each finding, or its `otherwise` when a node its fix needs is reported by no finding of
    the run (the run's selection decides: a rule never asks it)."""
    reported = {id(f.node) for f in findings}
    by_code: dict[str, set[int]] = {}
    for f in findings:
        by_code.setdefault(f.code, set()).add(id(f.node))
    chosen = []
    for finding in findings:
        version = _version(finding, reported)
        if alone is not None and finding.needs:
            alone[id(version)] = _version(finding, by_code.get(finding.code, set()))
        chosen.append(version)
    return chosen


def _version(finding: Finding, reported: set[int]) -> Finding:
    while finding.needs and not all(id(node) in reported for node in finding.needs):
        assert finding.otherwise is not None  # a rule that declares needs says what happens without them
        finding = finding.otherwise
    return finding


def _place(finding: Finding, ranges: dict[int, CodeRange]) -> None:
    start, end = ranges[id(finding.node)].start, ranges[id(finding.node)].end
    finding.line, finding.column = start.line, start.column + 1
    finding.end_line, finding.end_column = end.line, end.column + 1


def _suppressed(finding: Finding, ranges: dict[int, CodeRange], by_line: dict[int, LineIgnore]) -> bool:
    """Placed, then dropped when an ignore comment on its first line names it (the comment
    notes which of its names did: the others may be unused)."""
    _place(finding, ranges)
    comment = by_line.get(finding.line)
    if comment is None or not suppresses(comment.codes, finding.code):
        return False
    comment.used.update([""] if comment.codes is None else [c for c in comment.codes if finding.code.startswith(c)])
    return True


def _report(finding: Finding, selection: RuleSelection, line_offset: int = 0,
            edits: tuple[TextEdit, ...] | None = None) -> Diagnostic:
    return Diagnostic(
        finding.code, finding.line + line_offset, finding.column, finding.message,
        selection.applies(finding), finding.fix.safety.value if finding.fix else None,
        finding.end_line + line_offset, finding.end_column, edits=edits,
        help=finding.help or (RULES[finding.code].help if finding.code in RULES else ""),  # a test's own rule: none
    )


def _fix_edits(source: str, pieces: list[str], place: int, alone: tuple[str, list] | None,
               encoding: str) -> tuple[TextEdit, ...] | None:
    """The edits one fix alone makes to the whole file: its piece, and the imports it adds or
    drops, as `apply` makes them. None when `apply` would refuse that file (an import that
    cannot be added, code that does not compile, a comment lost)."""
    if alone is None:
        return None
    text, needed = alone
    new_source = "".join(pieces[:place] + [text] + pieces[place + 1:])
    try:
        dropped = [i.name for i in needed if isinstance(i, DropImport)]
        if dropped:
            new_source = drop_imports(new_source, dropped)[0]
        added = [i for i in needed if isinstance(i, str)]
        if added:
            new_source = add_imports(new_source, added)[0]
        check_compiles(new_source, encoding)
        check_comments(source, new_source)
    except (SyntaxError, ImportConflict, InvalidRewrite):
        return None
    return edits_between(source, new_source)


class InvalidRewrite(Exception):
    """A fix produced code that does not parse: a kerasfix bug, never written."""


class FixesDidNotConverge(InvalidRewrite):
    """Each pass of fixes left something to fix for the next, up to MAX_PASSES: what the
    last pass made is not trusted, and nothing is written."""


@dataclass
class _Unit:
    """One parsed piece of a file (the whole file, or one top-level statement of it)."""

    findings: list[Finding]
    remaining: list[Finding]
    fixed: Counter
    original_text: str
    new_text: str
    imports: list  # statements to add (str) and DropImport
    # check only: id(finding) -> the piece with that finding's fix alone, and the imports it needs
    alone: dict[int, tuple[str, list]] = field(default_factory=dict)


@dataclass(frozen=True)
class ModuleFacts:
    """What the caller already knows of the module a source is: its name, the tree's classes
    (`index`), its imports (read by the runner's scan), and the 1-based inclusive line spans of
    the top-level statements worth parsing (None: the whole source)."""

    name: str = ""
    is_package: bool = False
    index: ClassIndex | None = None
    imports: ImportMap | None = None
    segments: list[tuple[int, int]] | None = None
    # for a segment, the codes of the only rules that can report in it (prefilter.pieces_worth_parsing)
    rules: Mapping[tuple[int, int], frozenset[str] | None] | None = None


@dataclass(frozen=True)
class _Work:
    """One call of `process_source`, as each of its pieces needs it."""

    module: ModuleFacts
    index: ClassIndex
    selection: RuleSelection
    fix: bool
    fix_edits: bool


@dataclass(frozen=True)
class _Asker:
    """The reviewer's questions for one piece: each finding placed after `offset` lines of the
    file as fixed so far, which is `prefix` + the piece + `suffix`."""

    review: Reviewer
    selection: RuleSelection
    offset: int
    prefix: str
    suffix: str

    def __call__(self, finding: Finding, before: str, after: str) -> bool:
        return self.review.decide(Offer(_report(finding, self.selection, self.offset), before, after, self.offset + 1,
                                        self.prefix + before + self.suffix, self.prefix + after + self.suffix))


def _process_unit(text: str, work: _Work, ask: _Asker | None = None, only: frozenset[str] | None = None) -> _Unit:
    """One piece: parsed, checked (by the rules `only` names, when given: see `analyze`), and
    with `work.fix`, fixed to a fixpoint (every pass after the first checked by every rule)."""
    with phases.timed("parse"):
        module = parse_module(text)
    imports = work.module.imports
    if imports is None:
        imports = import_map(module, work.module.name, work.module.is_package)
    index, selection = work.index, work.selection
    alone: dict[int, Finding] = {}
    with phases.timed("rules"):
        findings, ranges = analyze(module, text, imports, index, selection, alone if work.fix_edits else None, only)
    unit = _Unit(findings, findings, Counter(), text, text, [])
    if not work.fix:
        if work.fix_edits:  # measured: 10x a check's time on a file of ten fixable findings, so only when asked
            unit.alone = _each_fix_alone(module, findings)
            _drop_edits_of_fixes_needing_others(unit, module, alone)
        return unit
    _fix_passes(unit, _Pass(module, text, findings, ranges),
                lambda m, t: analyze(m, t, _refreshed(imports, t), index, selection), selection, ask)
    return unit


def _refreshed(imports: ImportMap, text: str) -> ImportMap:
    """The imports with the facts of the functions the piece defines read again from the piece
    as a pass of fixes left it: KF206's fix changes what a function makes (its layers become
    parameters), and the next pass must not report the function for what it made before."""
    if not any(f"def {name}" in text for name in imports.functions):
        return imports  # a piece holding classes only (the usual one): nothing to read again
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return imports
    defined = {s.name for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if not defined & set(imports.functions):
        return imports
    fresh = copy.copy(imports)
    fresh.functions = {k: v for k, v in imports.functions.items() if k not in defined}
    fresh.functions.update(module_functions(body, imports))
    return fresh


@dataclass
class _Pass:
    """A piece as the passes so far left it."""

    module: cst.Module
    text: str
    findings: list[Finding]
    ranges: dict[int, CodeRange]


def _fix_passes(unit: _Unit, current: _Pass, reanalyze: Callable[[cst.Module, str], tuple[list[Finding], dict]],
                selection: RuleSelection, ask: _Asker | None) -> None:
    """Fix a piece to a fixpoint: each pass applies every fix that touches no node another
    fix of the pass touches, then the piece is parsed and checked again. With `ask` (`apply
    --interactive`), each fix of a pass is first shown alone and the accepted ones are applied
    together, so that accepting all writes what `apply` writes. A refused finding is known by
    its code, message and rank among its equals: it is not offered again, and stays left for a
    person. Raises FixesDidNotConverge when fixable findings are still left after the passes."""
    refused: set[tuple[str, str, int]] = set()
    for _ in range(MAX_PASSES if ask is None else MAX_PASSES * (len(unit.findings) + 1)):
        keys = {id(f): key for f, key in zip(current.findings, _ranked(current.findings))}
        fixable = [f for f in current.findings if selection.applies(f) and keys[id(f)] not in refused]
        if not fixable:
            break
        chosen = {id(fix) for fix in select_compatible([f.fix for f in fixable if f.fix], _placed_by(current.ranges))}
        offered = [f for f in fixable if id(f.fix) in chosen]
        accepted = _answered(offered, current, ask)
        taken = {id(f) for f in accepted}
        refused |= {keys[id(f)] for f in offered if id(f) not in taken}
        if not accepted:
            continue
        # one fix may serve two findings (KF201's per-call layer lists): applied once
        fixed_module, needed = apply_fixes(current.module, list({id(f.fix): f.fix for f in accepted if f.fix}.values()))
        new_text = fixed_module.code
        if new_text == current.text:
            break
        unit.fixed.update(f.code for f in accepted)
        unit.imports.extend(i for i in needed if i not in unit.imports)
        refused = _reranked(refused, [keys[id(f)] for f in accepted])
        module = _reparsed(new_text)
        current = _Pass(module, new_text, *reanalyze(module, new_text))
    else:
        codes = sorted({f.code for f in current.findings if selection.applies(f)})
        if codes:
            raise FixesDidNotConverge(f"fixes did not converge after {MAX_PASSES} passes "
                                      f"({', '.join(codes)} still fixable)")
    unit.remaining, unit.new_text = current.findings, current.text


def _answered(offered: list[Finding], current: _Pass, ask: _Asker | None) -> list[Finding]:
    """The findings whose fixes are accepted: all of them without a reviewer; else each fix
    is asked about once (findings that share a fix, one edit fixing both, share its answer),
    and a fix that alone changes nothing needs no answer."""
    if ask is None:
        return offered
    answers: dict[int, bool] = {}
    for finding in offered:
        if id(finding.fix) not in answers and finding.fix is not None:
            alone = apply_fixes(current.module, [finding.fix])[0].code
            answers[id(finding.fix)] = alone == current.text or ask(finding, current.text, alone)
    return [f for f in offered if answers.get(id(f.fix))]


def _reparsed(text: str) -> cst.Module:
    """A piece as a fix left it, parsed for the next pass; a parse error is the fix's fault,
    not the input's. Raises InvalidRewrite."""
    try:
        return parse_module(text)
    except cst.ParserSyntaxError as error:
        raise InvalidRewrite(f"a fix produced invalid Python ({error.message}, line {error.raw_line})") from error


def _placed_by(ranges: dict[int, CodeRange]) -> Callable[[cst.CSTNode], CodeRange]:
    return lambda node: ranges[id(node)]


def _each_fix_alone(module: cst.Module, findings: list[Finding]) -> dict[int, tuple[str, list]]:
    """What each finding's fix does on its own to the piece as it is: the edits that JSON and
    SARIF give (a fix that cannot be made alone gets none)."""
    alone = {}
    for finding in findings:
        if finding.fix is None:
            continue
        try:
            fixed, needed = apply_fixes(module, [finding.fix])
        except Exception:  # noqa: BLE001 - no edits are offered; `apply` reports its own failure
            continue
        alone[id(finding)] = (fixed.code, needed)
    return alone


def _drop_edits_of_fixes_needing_others(unit: _Unit, module: cst.Module, alone: dict[int, Finding]) -> None:
    """A fix that needs another rule's (KF108 removes a scope only when this run also fixes
    what the scope holds) is not the fix `apply --select CODE` makes: its finding gets no
    edits when the finding that command gives would edit otherwise."""
    for finding in unit.findings:
        by_itself = alone.get(id(finding))
        if by_itself is None or by_itself is finding or id(finding) not in unit.alone:
            continue
        if _each_fix_alone(module, [by_itself]).get(id(by_itself)) != unit.alone[id(finding)]:
            del unit.alone[id(finding)]


def _reranked(refused: set[tuple[str, str, int]], gone: list[tuple[str, str, int]]) -> set[tuple[str, str, int]]:
    """The refused findings' ranks once the fixed ones are gone: each equal fixed before one
    moves it up a rank."""
    return {(c, m, r - sum(1 for gc, gm, gr in gone if (gc, gm) == (c, m) and gr < r)) for c, m, r in refused}


def _ranked(findings: list[Finding]) -> list[tuple[str, str, int]]:
    seen: Counter = Counter()
    keys = []
    for f in findings:
        keys.append((f.code, f.message, seen[f.code, f.message]))
        seen[f.code, f.message] += 1
    return keys


def process_source(source: str, *, selection: RuleSelection, fix: bool, module: ModuleFacts | None = None,
                   review: Reviewer | None = None, fix_edits: bool = False, encoding: str = "utf-8") -> FileOutcome:
    """Check (and with `fix`, fix) one module's source. Raises cst.ParserSyntaxError, and
    InvalidRewrite when the fixed source, in `encoding` (the file's), would not compile.

    With `module.segments` (and the module's `imports`), only those pieces are parsed: every
    rule looks inside Keras classes, and the rest of a file is, measured on real trees, most
    of its bytes. The ignore comments outside those pieces are read by the tokenizer, for KF001.

    With `fix_edits` (a check only), each finding with a fix carries the edits that fix alone
    makes to `source` (see `_fix_edits`).

    With `review` (`apply --interactive`), each fix is offered to it and applied only when it
    answers yes.
    """
    module = module or ModuleFacts()
    suppressions = read_suppressions(source)
    whole = suppressions.whole_file
    if whole is None:
        return FileOutcome()  # `# kerasfix: ignore-file`: nothing to report, nothing to fix
    if isinstance(whole, tuple) and whole:
        selection = RuleSelection(selection.select, selection.ignore | set(whole), selection.unsafe_fixes,
                                  selection.target)
    work = _Work(module, module.index if module.index is not None else ClassIndex(), selection, fix,
                 fix_edits and not fix)
    units, pieces, places = _units(source, work, review)
    outcome = FileOutcome()
    needed: list = []
    growth = 0  # lines earlier pieces gained (or lost) by their fixes
    for (offset, unit), place in zip(units, places):
        if not fix:
            outcome.findings.extend(
                _report(f, selection, offset, _fix_edits(source, pieces, place, unit.alone.get(id(f)), encoding))
                for f in unit.findings)
            continue
        outcome.findings.extend(_report(f, selection, offset) for f in unit.findings)
        outcome.remaining.extend(_report(f, selection, offset + growth) for f in unit.remaining)
        outcome.fixed.update(unit.fixed)
        needed.extend(i for i in unit.imports if i not in needed)
        growth += len(source_lines(unit.new_text)) - len(source_lines(unit.original_text))
    if module.segments is not None and selection.wants(KF001.code):
        _unused_outside(outcome, suppressions.lines, sorted(set(module.segments)), units, selection)
    if fix:
        _write_imports(outcome, source, "".join(pieces), needed, encoding)
        if needed and outcome.new_source is not None:
            outcome.remaining = _found_in(outcome.new_source, work)
    return outcome


def _found_in(new_source: str, work: _Work) -> list[Diagnostic]:
    """What is left in a file whose fixes added or dropped an import, found in the file as
    written: each piece's findings were found with the imports the file had, and a class whose
    base a fix made `tf.keras.layers.Layer` was then no layer, its other findings lost from the
    count, the report and the cache (R09). Its imports are read by ast, as the scan reads a
    file's: the file as written compiles (`_write_imports` checked it)."""
    module = work.module
    imports = read_imports(ast.parse(new_source), module.name, module.is_package, new_source)
    facts = replace(module, imports=imports, segments=None, rules=None)
    check = _Work(facts, work.index, work.selection, fix=False, fix_edits=False)
    return sorted((_report(f, work.selection) for f in _process_unit(new_source, check).findings),
                  key=lambda r: (r.line, r.column, r.code))


def _units(source: str, work: _Work, review: Reviewer | None) -> tuple[list[tuple[int, _Unit]], list[str], list[int]]:
    """The pieces of the file, each processed: (lines before it, its unit), the text of the
    file in pieces (the units' new texts among the lines between them), and each unit's place
    among the pieces."""
    segments = work.module.segments
    if segments is None:
        ask = None if review is None else _Asker(review, work.selection, 0, "", "")
        unit = _process_unit(source, work, ask)
        return [(0, unit)], [unit.new_text], [0]
    lines = source_lines(source)
    units, pieces, places, cursor, moved = [], [], [], 0, 0
    for start, end in sorted(set(segments)):
        text = "".join(lines[cursor:start - 1])
        pieces.append(text)
        ask = None if review is None else _Asker(review, work.selection, start - 1 + moved, "".join(pieces),
                                                 "".join(lines[end:]))
        only = work.module.rules.get((start, end)) if work.module.rules is not None else None
        unit = _process_unit("".join(lines[start - 1:end]), work, ask, only)
        units.append((start - 1, unit))
        places.append(len(pieces))
        pieces.append(unit.new_text)
        cursor = end
        if review is not None:
            moved += len(source_lines(unit.new_text)) - len(source_lines(unit.original_text))
    pieces.append("".join(lines[cursor:]))
    return units, pieces, places


def _write_imports(outcome: FileOutcome, source: str, new_source: str, needed: list, encoding: str) -> None:
    """The imports the fixes add or drop, made once for the whole file, and the new source
    checked (it compiles, it keeps every comment) before it is the outcome's."""
    dropped = [i.name for i in needed if isinstance(i, DropImport)]
    if dropped:
        new_source, gone = drop_imports(new_source, dropped)
        outcome.remaining = [r.moved(-sum(1 for n in gone if n < r.line)) for r in outcome.remaining]
    needed = [i for i in needed if isinstance(i, str)]
    if needed:
        try:
            new_source, after, count = add_imports(new_source, needed)
        except SyntaxError as error:
            raise InvalidRewrite(f"a fix produced invalid Python ({error.msg}, line {error.lineno})") from error
        except ImportConflict as error:
            raise InvalidRewrite(f"a fix cannot add its import: {error}") from error
        outcome.remaining = [r if r.line <= after else r.moved(count) for r in outcome.remaining]
    if new_source != source:
        check_compiles(new_source, encoding)
        check_comments(source, new_source)
        outcome.new_source = new_source


def _unused_outside(outcome: FileOutcome, comments: tuple[LineIgnore, ...], spans: list[tuple[int, int]],
                    units: list[tuple[int, _Unit]], selection: RuleSelection) -> None:
    """KF001 for the ignore comments outside the parsed pieces (an unused one at module level
    is as stale as one in a layer: it can have suppressed nothing, as every finding starts
    inside a piece), left where the pieces' fixes moved them."""
    outside = [c for c in comments if not any(start <= c.line <= end for start, end in spans)]
    found = list(unused_reasons(outside, RULES, selection.wants))
    for comment, message in found:
        diagnostic = Diagnostic(KF001.code, comment.line, comment.column, message, False, None, comment.line,
                                comment.end_column, help=KF001.help)
        outcome.findings.append(diagnostic)
        moved = sum(len(source_lines(unit.new_text)) - len(source_lines(unit.original_text))
                    for offset, unit in units if offset < comment.line)
        outcome.remaining.append(diagnostic.moved(moved))
    if found:
        outcome.findings.sort(key=lambda r: (r.line, r.column, r.code))
        outcome.remaining.sort(key=lambda r: (r.line, r.column, r.code))


def check_comments(source: str, new_source: str) -> None:
    """Every comment of `source` is in `new_source` exactly once (fixes add none): a fix
    that would drop or copy one is refused. Raises InvalidRewrite."""
    try:
        before = comments(source)
    except (tokenize.TokenError, SyntaxError):
        return  # what Python's tokenizer cannot read, the compile guard has judged
    after = comments(new_source)
    if before != after:
        lost, copied = before - after, after - before
        what = f"drop {next(iter(lost))!r}" if lost else f"copy {next(iter(copied))!r}"
        raise InvalidRewrite(f"a fix would {what}")


def check_compiles(text: str, encoding: str) -> bytes:
    """The bytes that writing `text` in `encoding` gives, once Python compiles them: the
    bytes are what must parse (an import above a `coding:` line made a latin-1 file a
    UTF-8 one). Raises InvalidRewrite."""
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as error:
        raise InvalidRewrite(f"a fix needs {text[error.start:error.end]!r}, which {encoding} cannot hold") from error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the user's `"\d"` is not ours to report
            if is_cells_text(text):
                compile_cells(text)  # a notebook: each cell as IPython runs it, not the joined text
            else:
                compile(data, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        where = f", line {line}" if line else ""
        raise InvalidRewrite(f"a fix produced invalid Python ({getattr(error, 'msg', error)}{where})") from error
    return data
