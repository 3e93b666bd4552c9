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

from .lines import source_lines
from .gate import prefilter_on
from .index import ClassIndex, FileScan, class_defs
from .triggers import ClassSignals, Matcher, Trigger, class_signals


@lru_cache(maxsize=64)
def _compiled(codes: frozenset[str]) -> Trigger:
    from .rules import RULES  # here, not above: the rules import libcst, which a cached run never needs

    union = Trigger()
    for code in codes:
        union = union | RULES[code].trigger
    return union


def compile_triggers(wants: Callable[[str], bool]) -> Trigger:
    """The union of the triggers of the rules `wants` selects (a few per run: per-file ignores)."""
    from .rules import RULES

    return _compiled(frozenset(code for code in RULES if wants(code)))


def spans_worth_parsing(source: str, scan: FileScan, index: ClassIndex,
                        wants: Callable[[str], bool]) -> list[tuple[int, int]]:
    """The spans of the file's Keras classes that the triggers of the rules `wants` keep
    (every Keras class's with KERASFIX_NO_PREFILTER=1), and of the top-level statements that
    hold a call the triggers' `functional_calls` name outside them (a model built by a function)."""
    scan.imports.aliases = index.aliases
    keras = {c.qualified for c in scan.classes if index.bases_are_layers(c.bases)}
    # a scan's records all have their span (only the cache's have none)
    candidates = sorted({c.span for c in scan.classes if c.qualified in keras and c.span is not None})
    trigger = compile_triggers(wants)
    functional = _functional_spans(source, scan, index, trigger) if trigger.functional_calls else set()
    if not keras or not prefilter_on():
        return _whole_for_function_fix(source, scan, trigger, sorted(set(candidates) | functional))
    lines = source_lines(source)
    prefix = f"{scan.imports.module_name}." if scan.imports.module_name else ""
    matcher = Matcher(trigger, scan.imports, index)
    spans: set[tuple[int, int]] = set(functional)
    own = {name[len(prefix):] for name in keras if name.startswith(prefix)}
    for span in candidates:
        text = "".join(lines[span[0] - 1:span[1]])
        if _kept(span, text, scan, matcher, own):
            spans.add(span)
    return _whole_for_function_fix(source, scan, trigger, sorted(spans))


def _kept(span: tuple[int, int], text: str, scan: FileScan, matcher: Matcher, keras: set[str]) -> bool:
    """Whether the trigger keeps a Keras class of the top-level statement `text`: by the
    signals the scan took of its classes, else by a walk of the statement parsed again
    (not the whole file)."""
    known = scan.signals.get(span)
    if known is not None and all(signals is not None for name, signals in known if name in keras):
        return any(name in keras and matcher.keeps(name, text, functools.partial(_given, signals))
                   for name, signals in known)
    try:
        statement = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # let libcst have the last word
    return any(node.name in keras and matcher.keeps(node.name, text, functools.partial(class_signals, node))
               for node in class_defs(statement))


def _given(signals: ClassSignals) -> ClassSignals:
    return signals


def _whole_for_function_fix(source: str, scan: FileScan, trigger: Trigger,
                            spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The whole file as one piece when a piece calls a private function of the module that
    may build a layer (`_ffn(x)`): KF206's fix edits that function and every class calling
    it at once, and must see every use of its name in the module. Else the spans as they are."""
    if not (trigger.module_function and spans):
        return spans
    functions = scan.imports.functions
    private = [name for name in functions if name.startswith("_") and not name.endswith("__")
               and functions[name].makes]
    if not private:
        return spans
    lines = source_lines(source)
    texts = ["".join(lines[start - 1:end]) for start, end in spans]
    called = re.compile(r"\b(?:%s)\s*\(" % "|".join(map(re.escape, private)))
    if any(called.search(text) for text in texts):
        return [(1, len(lines))]
    return spans


def _functional_spans(source: str, scan: FileScan, index: ClassIndex, trigger: Trigger) -> set[tuple[int, int]]:
    """The top-level statements holding a call of `trigger.functional_calls` (`Lambda(...)`).
    The file is parsed again only when it names one of their last names: the name is written
    in the file wherever the module imports or spells it (an alias of another module's is the
    one way past it)."""
    if prefilter_on() and not any(name.rsplit(".", 1)[-1] in source for name in trigger.functional_calls):
        return set()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    matcher = Matcher(trigger, scan.imports, index)
    spans = set()
    for statement in tree.body:
        if not isinstance(statement, (ast.Import, ast.ImportFrom)) and matcher.keeps_functional(statement):
            first = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
            spans.add((first, statement.end_lineno or statement.lineno))
    return spans
