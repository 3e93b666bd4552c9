"""Which Keras classes of a file are worth parsing with libcst: those the selected rules'
triggers keep (triggers.py), compiled into one trigger once per selection.

Conservative: it errs towards parsing. A class none of the selected rules' triggers keeps
cannot hold a finding of theirs, and is not parsed.
"""

from __future__ import annotations

import ast
import functools
import re
from functools import lru_cache
from typing import Callable

from .classwalk import ClassSignals, class_signals
from .gate import prefilter_on
from .index import ClassIndex, FileScan, class_defs, statement_span
from .lines import source_lines
from .target import BOTH
from .triggers import Lookups, Matcher, Trigger


def selected_codes(wants: Callable[[str], bool], target: frozenset[str] = BOTH) -> frozenset[str]:
    """The codes of the rules `wants` selects that can report for a project on the Keras lines
    `target`: a rule whose every finding harms only a line the project does not run on (KF107
    on tf_keras) would find nothing the engine reports (`RuleSelection.reports`), so its trigger
    keeps nothing and its check is not run."""
    from .rules import RULES  # here, not above: the rules import libcst, which a cached run never needs

    return frozenset(code for code, rule in RULES.items() if wants(code) and rule.reports_on(target))


@lru_cache(maxsize=64)
def compile_triggers(codes: frozenset[str]) -> Trigger:
    """The union of the triggers of the rules `codes` (`selected_codes`: a few sets per run,
    with per-file ignores)."""
    from .rules import RULES

    union = Trigger()
    for code in codes:
        union = union | RULES[code].trigger
    return union


@lru_cache(maxsize=64)
def _by_trigger(codes: frozenset[str]) -> tuple[tuple[Trigger, frozenset[str]], ...]:
    """The selected rules grouped by their trigger (rules that share one are asked once)."""
    from .rules import RULES

    groups: dict[Trigger, set[str]] = {}
    for code in sorted(codes):
        groups.setdefault(RULES[code].trigger, set()).add(code)
    return tuple((trigger, frozenset(group)) for trigger, group in groups.items())


def spans_worth_parsing(source: str, scan: FileScan, index: ClassIndex, wants: Callable[[str], bool],
                        target: frozenset[str] = BOTH) -> list[tuple[int, int]]:
    """The spans of the file's Keras classes that the triggers of the rules `wants` keep
    (every Keras class's with KERASFIX_NO_PREFILTER=1), and of the top-level statements that
    hold a call the triggers' `functional_calls` name outside them (a model built by a function)."""
    return sorted(pieces_worth_parsing(source, scan, index, wants, target))


def pieces_worth_parsing(source: str, scan: FileScan, index: ClassIndex, wants: Callable[[str], bool],
                         target: frozenset[str] = BOTH) -> dict[tuple[int, int], frozenset[str] | None]:
    """`spans_worth_parsing`, each span with the codes of the selected rules whose triggers keep
    one of its Keras classes: only those can report there (a trigger is conservative, rule by
    rule: tests/test_prefilter.py), so only their checks need run. None: every selected rule
    (a statement kept for a functional call, the whole file, the prefilter off). Rules and
    triggers answer for a project on the Keras lines `target` (the run's)."""
    scan.imports.aliases = index.aliases
    keras = {c.qualified for c in scan.classes if index.bases_are_layers(c.bases)}
    # a scan's records all have their span (only the cache's have none)
    candidates = sorted({c.span for c in scan.classes if c.qualified in keras and c.span is not None})
    codes = selected_codes(wants, target)
    trigger = compile_triggers(codes)
    lookups = Lookups(scan.imports, index)  # what the file's matchers ask, each asked once
    functional = _functional_spans(source, scan, index, trigger, lookups) if trigger.functional_calls else set()
    if not keras or not prefilter_on():
        return _whole_for_function_fix(source, scan, trigger, dict.fromkeys(sorted(set(candidates) | functional)))
    lines = source_lines(source)
    prefix = f"{scan.imports.module_name}." if scan.imports.module_name else ""
    matcher = Matcher(trigger, scan.imports, index, lookups, target)

    @functools.cache
    def groups() -> list[tuple[Matcher, frozenset[str]]]:
        """A matcher for each selected rule's trigger, made for the first class the union keeps."""
        return [(matcher.sharing(each), group) for each, group in _by_trigger(codes)]

    pieces: dict[tuple[int, int], frozenset[str] | None] = dict.fromkeys(functional)
    own = {name[len(prefix):] for name in keras if name.startswith(prefix)}
    for span in candidates:
        text = "".join(lines[span[0] - 1:span[1]])
        kept = _kept(span, text, scan, matcher, own, groups)
        if kept is not None and span not in pieces:
            pieces[span] = kept
    return _whole_for_function_fix(source, scan, trigger, pieces, codes)


def _kept(span: tuple[int, int], text: str, scan: FileScan, matcher: Matcher, keras: set[str],
          groups: Callable[[], list[tuple[Matcher, frozenset[str]]]]) -> frozenset[str] | None:
    """The codes whose triggers keep a Keras class of the top-level statement `text` (None: the
    union of the triggers keeps none): by the signals the scan took of its classes, else by a
    walk of the statement parsed again (not the whole file)."""
    known = scan.signals.get(span)
    classes: list[tuple[str, Callable[[], ClassSignals]]]
    if known is not None and all(signals is not None for name, signals in known if name in keras):
        classes = [(name, functools.partial(_given, signals)) for name, signals in known if name in keras]
    else:
        try:
            statement = ast.parse(text).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return frozenset().union(*(codes for _, codes in groups()))  # let libcst have the last word
        # each class walked once, however many triggers ask
        classes = [(node.name, functools.cache(functools.partial(class_signals, node)))
                   for node in class_defs(statement) if node.name in keras]
    kept = [(name, signals_of) for name, signals_of in classes if matcher.keeps(name, text, signals_of)]
    if not kept:
        return None
    return frozenset().union(*(codes for each, codes in groups()
                               if any(each.keeps(name, text, signals_of) for name, signals_of in kept)))


def _given(signals: ClassSignals) -> ClassSignals:
    return signals


def _whole_for_function_fix(source: str, scan: FileScan, trigger: Trigger,
                            pieces: dict[tuple[int, int], frozenset[str] | None],
                            codes: frozenset[str] | None = None) -> dict[tuple[int, int], frozenset[str] | None]:
    """The whole file as one piece, for every selected rule (`codes`; None: the prefilter is
    off), when a piece that may run KF206 (its codes name a selected rule whose trigger asks for
    `module_function`, or are every rule's) calls a private function of the module
    that may build a layer (`_ffn(x)`): KF206's fix edits that function and every class calling
    it at once, and must see every use of its name in the module. Else the pieces as they are
    (a piece calling one only from `__init__`: 5 whole files of keras-cv and others were parsed
    for nothing)."""
    if not (trigger.module_function and pieces):
        return pieces
    functions = scan.imports.functions
    private = [name for name in functions if name.startswith("_") and not name.endswith("__")
               and functions[name].makes]
    if not private:
        return pieces
    fixing = None if codes is None else frozenset().union(
        *(group for each, group in _by_trigger(codes) if each.module_function))
    lines = source_lines(source)
    texts = ["".join(lines[start - 1:end]) for (start, end), kept in pieces.items()
             if kept is None or fixing is None or not kept.isdisjoint(fixing)]
    called = re.compile(r"\b(?:%s)\s*\(" % "|".join(map(re.escape, private)))
    if any(called.search(text) for text in texts):
        return {(1, len(lines)): None}
    return pieces


def _functional_spans(source: str, scan: FileScan, index: ClassIndex, trigger: Trigger,
                      lookups: Lookups | None = None) -> set[tuple[int, int]]:
    """The top-level statements holding a call of `trigger.functional_calls` (`Lambda(...)`).
    Read only when the file names one of their last names: the name is written in the file
    wherever the module imports or spells it (an alias of another module's is the one way past
    it); then only the statements that name it (`FileScan.functional`), else the whole file."""
    if prefilter_on() and not any(name.rsplit(".", 1)[-1] in source for name in trigger.functional_calls):
        return set()
    matcher = Matcher(trigger, scan.imports, index, lookups)
    if prefilter_on() and scan.functional is not None:
        lines = source_lines(source)
        spans = set()
        for span in scan.functional:
            try:
                statements = ast.parse("".join(lines[span[0] - 1:span[1]])).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                break  # what the scan read as one statement is no longer one: the whole file, below
            if any(matcher.keeps_functional(statement) for statement in statements):  # the prefilter is on
                spans.add(span)
        else:
            return spans
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    spans = set()
    for statement in tree.body:
        if not isinstance(statement, (ast.Import, ast.ImportFrom)) and matcher.keeps_functional(statement,
                                                                                               prefilter_on()):
            spans.add(statement_span(statement))
    return spans
