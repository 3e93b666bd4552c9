"""Turning a run's results into text for people and machines. Prints nothing itself."""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter

from .runner import FileResult, RunResult

FORMATS = ("text", "json", "github", "sarif")


def finding_lines(result: RunResult, fmt: str, *, remaining: bool = False) -> list[str]:
    """One line per finding (text, github), or one JSON/SARIF document."""
    rows = [(f, row) for f in result.files for row in (f.remaining if remaining else f.findings)]
    if fmt == "json":
        return [json.dumps([_json_row(f, row) for f, row in rows], indent=2)]
    if fmt == "sarif":
        return [json.dumps(_sarif(rows), indent=2)]
    if fmt == "github":
        return [
            f"::warning title={_escape_property(f'kerasfix {row.code}')},file={_escape_property(f.path)},"
            f"line={row.line},col={row.column}::{row.code} {_escape_github(row.message)}"
            for f, row in rows
        ]
    return text_finding_lines(result, remaining=remaining)


def _escape_github(text: str) -> str:
    """A workflow command's message, as GitHub's runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property value: `,` ends it and `:` the properties, so both go too."""
    return _escape_github(text).replace(":", "%3A").replace(",", "%2C")


def _json_row(f: FileResult, row) -> dict:
    return {
        "path": f.path, "line": row.line, "column": row.column, "code": row.code,
        "message": row.message,
        "fix": None if row.fix_safety is None else {"safety": row.fix_safety, "applicable": row.fixable},
    }


def _sarif(rows) -> dict:
    from .rules import RULES

    used = sorted({row.code for _, row in rows})
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "kerasfix",
                "rules": [{"id": c, "name": RULES[c].name, "shortDescription": {"text": RULES[c].summary}}
                          for c in used if c in RULES],
            }},
            "results": [{
                "ruleId": row.code, "level": "warning", "message": {"text": row.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.path},
                    "region": {"startLine": row.line, "startColumn": row.column},
                }}],
            } for f, row in rows],
        }],
    }


def error_lines(result: RunResult) -> list[str]:
    return [f"{f.path}: error: {f.error}" for f in result.files if f.error]


def unified_diff(f: FileResult) -> bytes:
    """A patch that `git apply` and `patch -p1` take: in the file's own bytes (a latin-1 file's
    diff is latin-1, a BOM stays on line 1), with lines split where git and patch split them
    (at \\n only: a CR-only file is one line to them, U+2028 is text) and `\\ No newline at end
    of file` after a last line without one."""
    assert f.original is not None and f.new_source is not None
    name = f.path.encode("utf-8", "surrogateescape")
    out = []
    for line in difflib.diff_bytes(difflib.unified_diff, _patch_lines(f.original, f.encoding),
                                   _patch_lines(f.new_source, f.encoding), b"a/" + name, b"b/" + name):
        out.append(line if line.endswith(b"\n") else line + b"\n\\ No newline at end of file\n")
    return b"".join(out)


_PATCH_LINE = re.compile(rb"[^\n]*\n|[^\n]+\Z")


def _patch_lines(text: str, encoding: str) -> list[bytes]:
    return _PATCH_LINE.findall(text.encode(encoding))


# ANSI styles as ruff paints its text output; json, github, sarif and diffs are never painted
BOLD, RED, GREEN, CYAN = "1", "31", "32", "36"


def paint(text: str, *styles: str, color: bool) -> str:
    return f"\x1b[{';'.join(styles)}m{text}\x1b[0m" if color and styles else text


def text_line(path: str, row, *, color: bool = False, mark: bool = True, hint: str = "") -> str:
    """`path:line:col: CODE [*] message`, the text format of one finding."""
    colon = paint(":", CYAN, color=color)
    marker = paint("[*]", CYAN, color=color) + " " if mark and row.fixable else ""
    return (f"{paint(path, BOLD, color=color)}{colon}{row.line}{colon}{row.column}{colon} "
            f"{paint(row.code, BOLD, RED, color=color)} {marker}{row.message}{hint}")


def text_finding_lines(result: RunResult, *, remaining: bool = False, color: bool = False) -> list[str]:
    return [text_line(f.path, row, color=color) for f in result.files
            for row in (f.remaining if remaining else f.findings)]


def file_status_lines(result: RunResult) -> list[str]:
    """`--verbose`: how each file was answered. The runner does not tell a file it skipped
    (no Keras class in it) from one answered clean from the cache, so a run that used the
    cache says either."""
    lines = []
    for f in result.files:
        if f.error:
            continue  # error_lines says why
        if f.parsed:
            how = "parsed"
        elif f.checked:
            how = "not parsed: no Keras class in it holds what a rule looks at"
        elif f.findings:  # a skipped file has none
            how = "from the cache"
        elif result.cached:
            how = "not parsed: defines no Keras class, or clean in the cache"
        else:
            how = "not parsed: defines no Keras class"
        lines.append(f"{f.path}: {how}; {_plural(len(f.findings), 'finding')}")
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def check_summary(result: RunResult, *, color: bool = False) -> str:
    rows = [row for f in result.files for row in f.findings]
    if not rows and not result.errors:
        text = paint(f"All checks passed ({_plural(result.scanned, 'file')} scanned).", BOLD, GREEN, color=color)
    elif not rows:
        text = "No findings in the files that could be processed."
    else:
        fixable = sum(r.fixable for r in rows)
        hidden = sum(1 for r in rows if not r.fixable and r.fix_safety == "unsafe")
        files = sum(1 for f in result.files if f.findings)
        text = paint(f"Found {_plural(len(rows), 'finding')} in {_plural(files, 'file')}.", BOLD, color=color)
        if fixable:
            text += f"\n{paint('[*]', CYAN, color=color)} {fixable} fixable with `kerasfix apply`."
        if hidden:
            text += f"\n{hidden} more {'fix' if hidden == 1 else 'fixes'} available with `kerasfix apply --unsafe-fixes`."
    return text + _errors_line(result, color)


def _errors_line(result: RunResult, color: bool) -> str:
    if not result.errors:
        return ""
    return "\n" + paint(f"{_plural(len(result.errors), 'file')} could not be processed.", BOLD, RED, color=color)


def apply_lines(result: RunResult, *, color: bool = False) -> list[str]:
    """Per file: what was fixed and what is left for a person."""
    lines = []
    for f in result.files:
        if not f.fixed and not f.remaining:
            continue
        fixed = sum(f.fixed.values())
        parts = []
        if fixed:
            codes = ", ".join(f"{c}" + (f" x{n}" if n > 1 else "") for c, n in sorted(f.fixed.items()))
            parts.append(f"fixed {fixed} ({codes})")
        if f.remaining:
            parts.append(f"{len(f.remaining)} left for a person")
        lines.append(f"{paint(f.path, BOLD, color=color)}: {', '.join(parts)}")
        for row in f.remaining:
            hint = " (a fix is available with --unsafe-fixes)" if row.fix_safety == "unsafe" and not row.fixable else ""
            lines.append("  " + text_line(f.path, row, color=color, mark=False, hint=hint))
    return lines


def apply_summary(result: RunResult, *, written: bool, color: bool = False) -> str:
    changed = sum(1 for f in result.files if f.changed)
    fixed = sum(result.fixed().values())
    left = sum(result.remaining().values())
    verb = "Fixed" if written else "Would fix"
    files_word = "changed" if written else "would change"
    text = f"{verb} {_plural(fixed, 'finding')}; {_plural(changed, 'file')} {files_word}; {left} left for a person."
    return paint(text, BOLD, color=color) + _errors_line(result, color)


def run_statistics(result: RunResult) -> str:
    findings: Counter = result.findings()
    with_findings = sum(1 for f in result.files if f.findings)
    return (f"{_plural(result.scanned, 'file')} scanned, {result.parsed} parsed, {result.cached} from cache, "
            f"{with_findings} with findings, {_plural(len(result.errors), 'error')}, "
            f"{result.seconds:.2f}s" + (f"; findings: {', '.join(f'{c} {n}' for c, n in sorted(findings.items()))}"
                                       if findings else ""))
