"""The migration report a team reviews before merging a bulk migration (`--report`)."""

from __future__ import annotations

import json
from pathlib import Path

from .runner import RunResult


def _left(result: RunResult):
    from .rules import RULES

    for f in result.files:
        for row in f.remaining:
            rule = RULES.get(row.code)
            yield f, row, rule


def as_data(result: RunResult) -> dict:
    found, fixed, left = result.findings(), result.fixed(), result.remaining()
    return {
        "summary": {
            "files_scanned": result.scanned,
            "files_parsed": result.parsed,
            "files_with_findings": sum(1 for f in result.files if f.findings),
            "files_changed": sum(1 for f in result.files if f.changed),
            "files_failed": len(result.errors),
            "seconds": round(result.seconds, 3),
        },
        "rules": {
            code: {"found": found.get(code, 0), "fixed": fixed.get(code, 0), "left": left.get(code, 0)}
            for code in sorted(set(found) | set(fixed) | set(left))
        },
        "files": [
            {"path": f.path, "found": len(f.findings), "fixed": sum(f.fixed.values()),
             "left": len(f.remaining), "changed": f.changed, "error": f.error}
            for f in result.files if f.findings or f.fixed or f.remaining or f.error
        ],
        "needs_a_person": [
            {"path": f.path, "line": row.line, "column": row.column, "code": row.code,
             "message": row.message, "fix": row.fix_safety,
             "how": _how(rule, row)}
            for f, row, rule in _left(result)
        ],
    }


def _how(rule, row) -> str:
    if row.fix_safety == "unsafe" and not row.fixable:
        return "review the unsafe fix: `kerasfix apply --unsafe-fixes --diff`, then apply"
    return f"see `kerasfix explain {row.code}`" + (f" ({rule.name})" if rule else "")


def as_markdown(result: RunResult) -> str:
    data = as_data(result)
    s = data["summary"]
    lines = [
        "# kerasfix migration report", "",
        f"{s['files_scanned']} files scanned, {s['files_parsed']} parsed, {s['files_with_findings']} with findings, "
        f"{s['files_changed']} changed, {s['files_failed']} failed ({s['seconds']} s).", "",
        "## Per rule", "", "| rule | found | fixed | left for a person |", "|---|---:|---:|---:|",
    ]
    lines += [f"| {code} | {c['found']} | {c['fixed']} | {c['left']} |" for code, c in data["rules"].items()]
    lines += ["", "## Per file", "", "| file | found | fixed | left | changed | error |", "|---|---:|---:|---:|---|---|"]
    lines += [
        f"| `{f['path']}` | {f['found']} | {f['fixed']} | {f['left']} | {'yes' if f['changed'] else ''} | "
        f"{_cell(f['error'] or '')} |" for f in data["files"]
    ]
    lines += ["", "## Needs a person", ""]
    if not data["needs_a_person"]:
        lines.append("Nothing: every finding was fixed.")
    for item in data["needs_a_person"]:
        lines.append(f"- `{item['path']}:{item['line']}:{item['column']}` **{item['code']}** "
                     f"{_cell(item['message'])}. How: {item['how']}.")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_report(result: RunResult, path: Path) -> None:
    if path.suffix == ".json":
        text = json.dumps(as_data(result), indent=2) + "\n"
    elif path.suffix in (".md", ".markdown"):
        text = as_markdown(result)
    else:
        raise ValueError("the report must be a .md or .json file")
    path.write_text(text, encoding="utf-8")
