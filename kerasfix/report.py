"""Turning a run's results into text for people and machines. Prints nothing itself."""

from __future__ import annotations

import difflib
import json
import os
import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from . import __version__, phases
from .results import Diagnostic, FileResult, RunResult, TextEdit

FORMATS = ("text", "json", "github", "sarif")


JSON_SCHEMA = 1  # bumped when a key changes meaning or goes; new keys do not bump it
BASE_ID = "PROJECTROOT"  # SARIF URIs are relative to it: the same from any working directory


def finding_lines(result: RunResult, fmt: str, *, remaining: bool = False) -> list[str]:
    """One line per finding (text, github), or one JSON/SARIF document."""
    rows = [(f, row) for f in result.files for row in (f.remaining if remaining else f.findings)]
    if fmt == "json":
        return [json.dumps(_json(result, rows), indent=2)]
    if fmt == "sarif":
        return [json.dumps(_sarif(result, rows), indent=2)]
    if fmt == "github":
        return [_github(f, row) for f, row in rows] + [
            f"::error title={_escape_property('kerasfix error')},file={_escape_property(f.path)}::"
            f"{_escape_github(str(f.error))}" for f in result.errors
        ]
    return text_finding_lines(result, remaining=remaining)


def _github(f: FileResult, row: Diagnostic) -> str:
    if row.cell:  # lines of a cell are no lines of the .ipynb's JSON: the cell is named instead
        return (f"::warning title={_escape_property(f'kerasfix {row.code} (cell {row.cell})')},"
                f"file={_escape_property(f.path)}::{_cell_place(row)}: {row.code} {_escape_github(row.message)}")
    end = f",endLine={row.end_line},endColumn={row.end_column}" if row.end_line else ""
    return (f"::warning title={_escape_property(f'kerasfix {row.code}')},file={_escape_property(f.path)},"
            f"line={row.line},col={row.column}{end}::{row.code} {_escape_github(row.message)}")


def _cell_place(row: Diagnostic) -> str:
    return f"cell {row.cell}, line {row.line}, column {row.column}"


def _escape_github(text: str) -> str:
    """A workflow command's message, as GitHub's runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property value: `,` ends it and `:` the properties, so both go too."""
    return _escape_github(text).replace(":", "%3A").replace(",", "%2C")


def _rule_name(code: str) -> str | None:
    from .rules import RULES

    return RULES[code].name if code in RULES else None


def _json(result: RunResult, rows) -> dict:
    return {
        "schema_version": JSON_SCHEMA,
        "kerasfix": __version__,
        "findings": [_json_row(f, row) for f, row in rows],
        "errors": [{"path": f.path, "message": str(f.error)} for f in result.errors],
    }


def _json_row(f: FileResult, row: Diagnostic) -> dict:
    return {
        "path": f.path, **({"cell": row.cell} if row.cell else {}), "line": row.line, "column": row.column,
        "end_line": row.end_line or None, "end_column": row.end_column or None,
        "code": row.code, "name": _rule_name(row.code), "message": row.message, "help": row.help or None,
        "fix": None if row.fix_safety is None else {**_fix_safety(row), "edits": _json_edits(row.edits)},
    }


def _fix_safety(row: Diagnostic) -> dict:
    return {"safety": row.fix_safety, "applicable": row.fixable}


def _json_edits(edits: tuple[TextEdit, ...] | None) -> list[dict] | None:
    """As ruff's `fix.edits`: the text that replaces the span from `location` up to (not
    including) `end_location`."""
    if edits is None:
        return None
    return [{"content": e.content, **({"cell": e.cell} if e.cell else {}),
             "location": {"line": e.line, "column": e.column},
             "end_location": {"line": e.end_line, "column": e.end_column}} for e in edits]


def _root(result: RunResult) -> Path:
    """The project's root: pyproject.toml's folder, else the git work tree's, else here."""
    from .provenance import work_tree

    if result.settings is not None and result.settings.project_root is not None:
        return result.settings.project_root.resolve()
    named = next((f.path for f in result.files if f.path != "-"), None)
    start = Path(named).absolute().parent if named is not None else Path.cwd()
    return work_tree(start) or Path.cwd().resolve()


def _artifact(path: str, root: Path) -> dict:
    if path == "-":
        return {"uri": "-"}
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": BASE_ID}


def _what_it_does(doc: str, fallback: str) -> str:
    match = re.search(r"^## What it does\n(.*?)(?=^## |\Z)", doc, re.MULTILINE | re.DOTALL)
    return " ".join(match.group(1).split()) if match else fallback


def _sarif_rule(rule) -> dict:
    return {
        "id": rule.code, "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _what_it_does(rule.doc, rule.summary)},
        "help": {"text": rule.doc.strip(), "markdown": rule.doc.strip()},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"fix": rule.fix.value, "safety": rule.safety_label},
    }


def _sarif(result: RunResult, rows) -> dict:
    from .rules import RULES

    root = _root(result)
    codes = sorted(RULES)
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "kerasfix", "version": __version__, "semanticVersion": __version__,
                                "rules": [_sarif_rule(RULES[c]) for c in codes]}},
            "originalUriBaseIds": {BASE_ID: {"uri": root.as_uri().rstrip("/") + "/"}},
            "invocations": [{
                "executionSuccessful": not result.errors,
                "toolExecutionNotifications": [{
                    "level": "error", "message": {"text": str(f.error)},
                    "locations": [{"physicalLocation": {"artifactLocation": _artifact(f.path, root)}}],
                } for f in result.errors],
            }],
            "results": [_sarif_result(f, row, root, codes) for f, row in rows],
        }],
    }


def _sarif_result(f: FileResult, row: Diagnostic, root: Path, codes: list[str]) -> dict:
    region = {"startLine": row.line, "startColumn": row.column}
    if row.end_line:
        region.update(endLine=row.end_line, endColumn=row.end_column)
    result: dict = {
        "ruleId": row.code, "level": "warning", "message": {"text": row.message},
        "locations": [_sarif_location(f, row, region, root)],
        "properties": {"fix": None if row.fix_safety is None else _fix_safety(row), "help": row.help or None},
    }
    if row.code in codes:
        result["ruleIndex"] = codes.index(row.code)
    if row.edits is not None and not row.cell:  # a cell's lines are no region of the .ipynb
        result["fixes"] = [_sarif_fix(f, row, root)]
    return result


def _sarif_location(f: FileResult, row: Diagnostic, region: dict, root: Path) -> dict:
    """A notebook's finding: the .ipynb with no region (its lines are the JSON's, not the
    cell's), the cell as a logical location, and the region in the cell in `properties`."""
    if not row.cell:
        return {"physicalLocation": {"artifactLocation": _artifact(f.path, root), "region": region}}
    return {
        "physicalLocation": {"artifactLocation": _artifact(f.path, root)},
        "logicalLocations": [{"name": f"cell {row.cell}", "fullyQualifiedName": f"{f.path}:cell {row.cell}",
                              "kind": "module"}],
        "message": {"text": _cell_place(row)},
        "properties": {"cell": row.cell, "region": region},
    }


def _sarif_fix(f: FileResult, row: Diagnostic, root: Path) -> dict:
    return {
        "description": {"text": f"{row.code}: the fix alone ({row.fix_safety})"},
        "artifactChanges": [{
            "artifactLocation": _artifact(f.path, root),
            "replacements": [{
                "deletedRegion": {"startLine": e.line, "startColumn": e.column,
                                  "endLine": e.end_line, "endColumn": e.end_column},
                "insertedContent": {"text": e.content},
            } for e in row.edits or ()],
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
    if f.path.endswith(".ipynb"):
        from .notebook import cell_diff

        return cell_diff(f.path, f.original, f.new_source)
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
    cell = f"{colon}cell {row.cell}" if getattr(row, "cell", 0) else ""  # a notebook's, as ruff writes it
    return (f"{paint(path, BOLD, color=color)}{cell}{colon}{row.line}{colon}{row.column}{colon} "
            f"{paint(row.code, BOLD, RED, color=color)} {marker}{row.message}{hint}")


def help_lines(row: Diagnostic, *, color: bool = False, indent: str = "  ") -> list[str]:
    """Under a finding no fix of the run settles: its next step, as ruff shows a help."""
    if row.fixable or not row.help:
        return []
    return [f"{indent}{paint('help', BOLD, CYAN, color=color)}: {row.help}"]


def text_finding_lines(result: RunResult, *, remaining: bool = False, color: bool = False,
                       helps: bool = True) -> list[str]:
    """One line per finding, each followed by its help unless `helps` is off (`-q`: a line a finding)."""
    return [line for f in result.files for row in (f.remaining if remaining else f.findings)
            for line in (text_line(f.path, row, color=color), *(help_lines(row, color=color) if helps else ()))]


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
        elif f.unresolved:
            how = f"not parsed: bases not resolved: {', '.join(f.unresolved)}"
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
    if not rows and not result.errors and result.scanned and not result.keras_files:
        text = paint(f"No Keras layer or model class found ({_plural(result.scanned, 'file')} scanned): nothing was "
                     "checked.", BOLD, color=color)
    elif not rows and not result.errors:
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
            fixes = "fix" if hidden == 1 else "fixes"
            text += f"\n{hidden} more {fixes} available with `kerasfix apply --unsafe-fixes`."
    return text + _errors_line(result, color)


def _errors_line(result: RunResult, color: bool) -> str:
    if not result.errors:
        return ""
    return "\n" + paint(f"{_plural(len(result.errors), 'file')} could not be processed.", BOLD, RED, color=color)


def apply_lines(result: RunResult, *, color: bool = False, written: bool = True) -> list[str]:
    """Per file: what was fixed (would be, in a dry run) and what is left for a person."""
    lines = []
    for f in result.files:
        if not f.fixed and not f.remaining:
            continue
        fixed = sum(f.fixed.values())
        parts = []
        if fixed:
            codes = ", ".join(f"{c}" + (f" x{n}" if n > 1 else "") for c, n in sorted(f.fixed.items()))
            parts.append(f"{'fixed' if written else 'would fix'} {fixed} ({codes})")
        if f.remaining:
            parts.append(f"{len(f.remaining)} left for a person")
        lines.append(f"{paint(f.path, BOLD, color=color)}: {', '.join(parts)}")
        for row in f.remaining:
            hint = " (a fix is available with --unsafe-fixes)" if row.fix_safety == "unsafe" and not row.fixable else ""
            lines.append("  " + text_line(f.path, row, color=color, mark=False, hint=hint))
            lines += help_lines(row, color=color, indent="    ")
    return lines


def apply_summary(result: RunResult, *, written: bool, color: bool = False) -> str:
    changed = sum(1 for f in result.files if f.changed)
    fixed = sum(result.fixed().values())
    left = sum(result.remaining().values())
    verb = "Fixed" if written else "Would fix"
    files_word = "changed" if written else "would change"
    text = f"{verb} {_plural(fixed, 'finding')}; {_plural(changed, 'file')} {files_word}; {left} left for a person."
    if result.scanned and not result.keras_files:
        text += f" No Keras layer or model class found ({_plural(result.scanned, 'file')} scanned)."
    return paint(text, BOLD, color=color) + _errors_line(result, color)


def run_statistics(result: RunResult) -> str:
    findings: Counter = result.findings()
    with_findings = sum(1 for f in result.files if f.findings)
    # the phases first: the run's summary stays the last line
    return ((phases.line(result.phases) + "\n" if result.phases else "")
            + f"{_plural(result.scanned, 'file')} scanned, {result.parsed} parsed, {result.cached} from cache, "
            f"{with_findings} with findings, {_plural(len(result.errors), 'error')}, "
            f"{result.seconds:.2f}s" + (f"; findings: {', '.join(f'{c} {n}' for c, n in sorted(findings.items()))}"
                                       if findings else ""))


def statistics_table(result: RunResult) -> str:
    """Per rule, as ruff's `--statistics`: code, name, count, how many a fix applies to under
    the run's settings; "" when nothing was found."""
    rows = [row for f in result.files for row in f.findings]
    if not rows:
        return ""
    counts, fixable = Counter(r.code for r in rows), Counter(r.code for r in rows if r.fixable)
    names = {code: _rule_name(code) or "" for code in counts}
    width = max(len("name"), *map(len, names.values()))
    lines = [f"{'code':<6} {'name':<{width}} {'count':>5} {'fixable':>7}"]
    lines += [f"{code:<6} {names[code]:<{width}} {n:>5} {fixable[code]:>7}" for code, n in sorted(counts.items())]
    return "\n" + "\n".join(lines)
