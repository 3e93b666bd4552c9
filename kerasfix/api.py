"""The Python API: check or fix one source text, as `kerasfix check` and `apply` do a file.

For editors and other codemods. Nothing is read or written: the settings are the arguments
(`pyproject.toml` is not read), and only the text's own classes are known, so a layer whose
Keras base class lives in another file is not seen (the command line indexes the package
around a file). libcst is imported on the first call, not by `import kerasfix`: a command-line
run answered from the cache never needs it.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Literal, Optional, Union

if TYPE_CHECKING:
    from .engine import FileOutcome
    from .results import Diagnostic

PathArg = Union[str, "os.PathLike[str]", None]
Codes = Union[str, Iterable[str], None]


@dataclass(frozen=True)
class Finding:
    """One finding, as `kerasfix check` prints it."""

    code: str  # "KF101"
    name: str  # "get-variable-in-layer"
    line: int  # 1-based
    column: int  # 1-based
    message: str
    fixable: bool  # `fix_source` with the same settings applies its fix
    fix_safety: Optional[Literal["safe", "unsafe"]]  # None: no fix is offered at all
    help: str = ""  # the next step for a person where no fix is applied, as `kerasfix check` shows it


class RewriteError(RuntimeError):
    """A fix produced code that does not parse: a kerasfix bug (please report it)."""


class ParseError(ValueError):
    """The source is not Python 3 that kerasfix can parse; nothing was checked."""

    def __init__(self, reason: str, *, path: Optional[str] = None, line: Optional[int] = None):
        self.reason = reason
        self.path = path
        self.line = line
        super().__init__(f"{path or '<source>'}: {reason}")


def check_source(text: str, path: PathArg = None, *, select: Codes = None, ignore: Codes = None,
                 unsafe_fixes: bool = False) -> list[Finding]:
    """The findings in `text`, in order of position. `path` gives the module its name (for
    relative imports) and names it in a `ParseError`; `select` and `ignore` take rule codes
    or prefixes, as `--select` and `--ignore` do. Raises `ParseError` and, for an unknown
    code, `ValueError`."""
    outcome = _process(text, path, select, ignore, unsafe_fixes, fix=False)
    return _findings(outcome.findings)


def fix_source(text: str, path: PathArg = None, *, unsafe_fixes: bool = False, select: Codes = None,
               ignore: Codes = None) -> tuple[str, list[Finding]]:
    """`text` with every fix applied that `kerasfix apply` would apply (safe ones, and unsafe
    ones too with `unsafe_fixes`), and the findings left for a person, positioned in the new
    text. A text with nothing to fix is returned as it is. Raises as `check_source` does, and
    `RewriteError` when a fix would produce code that does not parse (a kerasfix bug; a text
    is never returned half-fixed)."""
    outcome = _process(text, path, select, ignore, unsafe_fixes, fix=True)
    new_text = text if outcome.new_source is None else outcome.new_source
    return new_text, _findings(outcome.remaining)


def _process(text: str, path: PathArg, select: Codes, ignore: Codes, unsafe_fixes: bool,
             *, fix: bool) -> FileOutcome:
    import libcst as cst

    from .engine import InvalidRewrite, ModuleFacts, RuleSelection, process_source
    from .index import module_name_for

    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    shown = os.fspath(path) if path is not None else None
    module_name, is_package = module_name_for(Path(shown)) if shown else ("", False)
    selection = RuleSelection(_codes(select), _codes(ignore) or set(), unsafe_fixes)
    index, imports = _scanned(text, module_name, is_package)
    try:
        facts = ModuleFacts(module_name, is_package, index, imports)
        return process_source(text, selection=selection, fix=fix, module=facts)
    except cst.ParserSyntaxError as error:
        raise _parse_error(text, shown, error) from error
    except RecursionError as error:
        raise ParseError("too deeply nested to parse", path=shown) from error
    except InvalidRewrite as error:
        raise RewriteError(f"{shown or '<source>'}: {error}") from error


def _scanned(text: str, module_name: str, is_package: bool):
    """The text's own classes and its imports, as the command line's scan learns them (which
    classes own no weight, which names they use), handed to the engine as the runner hands
    them; (None, None) when `ast` cannot read it (libcst then says why, or reads the imports)."""
    from .index import ClassIndex, scan_file

    scan = scan_file(text, module_name, is_package)  # type: ignore[arg-type]  # ast reads str too
    if scan is None:
        return None, None
    index = ClassIndex()
    for record in scan.classes:
        index.add(record)
    return index, scan.imports


def _codes(codes: Codes) -> Optional[set[str]]:
    """Codes or prefixes, checked against the rules: None when none are given."""
    from .rules import RULES

    if codes is None:
        return None
    parts = codes.split(",") if isinstance(codes, str) else list(codes)
    found = {part.strip().upper() for part in parts if part.strip()}
    for code in sorted(found):
        if not any(rule.startswith(code) for rule in RULES):
            raise ValueError(f"unknown rule code or prefix {code!r} (see `kerasfix rules`)")
    return found or None


def _parse_error(text: str, path: Optional[str], error: Exception) -> ParseError:
    """Python's own words for a syntax error are clearer than the parser's token lists."""
    try:
        ast.parse(text)
    except SyntaxError as python_error:
        return ParseError(f"not valid Python 3: {python_error.msg} (line {python_error.lineno})",
                          path=path, line=python_error.lineno)
    except (ValueError, RecursionError, MemoryError) as other:
        return ParseError(f"not valid Python 3: {other}", path=path)
    line = getattr(error, "raw_line", None)
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return ParseError(f"cannot be parsed by libcst: {first[:200]}", path=path, line=line)


def _safety(value: Optional[str]) -> Optional[Literal["safe", "unsafe"]]:
    return "safe" if value == "safe" else "unsafe" if value == "unsafe" else None


def _findings(diagnostics: list[Diagnostic]) -> list[Finding]:
    from .rules import RULES

    return [
        Finding(r.code, RULES[r.code].name if r.code in RULES else "", r.line, r.column, r.message,
                r.fixable, _safety(r.fix_safety), r.help)
        for r in diagnostics
    ]
