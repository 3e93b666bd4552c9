"""The migration report a team reviews before merging a bulk migration (`--report`).

A report says what it is: `apply` fixed, `apply --diff` and `check` are dry runs that say
what `apply` would fix. It says where it comes from (kerasfix's version, the date, the git
revision, the options) and where every fix went and every finding left for a person is.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from .provenance import provenance
from .results import Diagnostic, FileResult, Mode, RunResult

REPORT_SCHEMA = 1  # bumped when a key changes meaning or goes; new keys do not bump it
COMMANDS = {Mode.CHECK: "kerasfix check", Mode.DIFF: "kerasfix apply --diff", Mode.FIX: "kerasfix apply"}


def _rule_name(code: str) -> str | None:
    from .rules import RULES

    rule = RULES.get(code)
    return rule.name if rule else None


def fixed_rows(result: RunResult, f: FileResult) -> list[Diagnostic]:
    """The findings `apply` fixed (or, in a dry run, would fix), where they are in the file as
    it was. A fix run goes on until no fixable finding is left or the file fails, so these are
    the fixable findings, as many of each rule as its fixes counted."""
    if result.mode is Mode.CHECK:
        return [row for row in f.findings if row.fixable]
    budget = Counter(f.fixed)
    rows = []
    for row in f.findings:
        if row.fixable and budget[row.code] > 0:
            budget[row.code] -= 1
            rows.append(row)
    return rows


def left_rows(result: RunResult, f: FileResult) -> list[Diagnostic]:
    """What is left for a person: in a fix run, where it is in the file written."""
    if result.mode is Mode.CHECK:
        return [row for row in f.findings if not row.fixable]
    return list(f.remaining)


def _fixed_count(result: RunResult, f: FileResult) -> Counter:
    if result.mode is Mode.CHECK:
        return Counter(row.code for row in f.findings if row.fixable)
    return Counter(f.fixed)


def _row(f: FileResult, row: Diagnostic) -> dict:
    return {"path": f.path, **({"cell": row.cell} if row.cell else {}), "line": row.line, "column": row.column,
            "code": row.code, "name": _rule_name(row.code), "message": row.message, "fix": row.fix_safety}


def _git_start(result: RunResult) -> Path:
    named = next((f.path for f in result.files if f.path != "-"), None)
    if named is not None:
        return Path(named).absolute().parent
    if result.settings is not None and result.settings.project_root is not None:
        return result.settings.project_root
    return Path.cwd()


def as_data(result: RunResult) -> dict:
    found = result.findings()
    fixed: Counter = Counter()
    left: Counter = Counter()
    for f in result.files:
        fixed.update(_fixed_count(result, f))
        left.update(row.code for row in left_rows(result, f))
    return {
        "schema_version": REPORT_SCHEMA,
        "command": COMMANDS[result.mode],
        "dry_run": result.mode is not Mode.FIX,
        "provenance": provenance(result.settings, _git_start(result)),
        "summary": {
            "files_scanned": result.scanned,
            "files_parsed": result.parsed,
            "files_with_findings": sum(1 for f in result.files if f.findings),
            "files_changed": sum(1 for f in result.files if _changes(result, f)),
            "files_failed": len(result.errors),
            "seconds": round(result.seconds, 3),
        },
        "rules": {
            code: {"name": _rule_name(code), "found": found.get(code, 0), "fixed": fixed.get(code, 0),
                   "left": left.get(code, 0)}
            for code in sorted(set(found) | set(fixed) | set(left))
        },
        "files": [
            {"path": f.path, "found": len(f.findings), "fixed": sum(_fixed_count(result, f).values()),
             "left": len(left_rows(result, f)), "changed": _changes(result, f),
             "error": None if f.error is None else str(f.error)}
            for f in result.files if f.findings or f.fixed or f.remaining or f.error
        ],
        "fixed": [_row(f, row) for f in result.files for row in fixed_rows(result, f)],
        "needs_a_person": [
            {**_row(f, row), "how": _how(row)} for f in result.files for row in left_rows(result, f)
        ],
        "errors": [{"path": f.path, "message": str(f.error)} for f in result.errors],
    }


def _changes(result: RunResult, f: FileResult) -> bool:
    if result.mode is Mode.CHECK:
        return any(row.fixable for row in f.findings)
    return f.changed


def _how(row: Diagnostic) -> str:
    if row.fix_safety == "unsafe" and not row.fixable:
        return "review the unsafe fix: `kerasfix apply --unsafe-fixes --diff`, then apply" + \
            (f"; or by hand: {row.help}" if row.help else "")
    return f"{row.help} (`kerasfix explain {row.code}`)" if row.help else f"see `kerasfix explain {row.code}`"


def as_markdown(result: RunResult) -> str:
    data = as_data(result)
    dry = data["dry_run"]
    fixed_word, changed_word = ("would fix", "would change") if dry else ("fixed", "changed")
    s = data["summary"]
    lines = ["# kerasfix migration report" + (" (dry run: no file was written)" if dry else ""), ""]
    if dry:
        lines += [f"**Dry run.** `{data['command']}` wrote nothing: \"{fixed_word}\" and \"{changed_word}\" "
                  "say what `kerasfix apply` would do with the same options.", ""]
    lines += _provenance_lines(data)
    lines += [
        f"{s['files_scanned']} files scanned, {s['files_parsed']} parsed, {s['files_with_findings']} with findings, "
        f"{s['files_changed']} {changed_word}, {s['files_failed']} failed ({s['seconds']} s).", "",
        "## Per rule", "", f"| rule | name | found | {fixed_word} | left for a person |", "|---|---|---:|---:|---:|",
    ]
    lines += [f"| {code} | {c['name'] or ''} | {c['found']} | {c['fixed']} | {c['left']} |"
              for code, c in data["rules"].items()]
    lines += ["", "## Per file", "", f"| file | found | {fixed_word} | left | {changed_word} | error |",
              "|---|---:|---:|---:|---|---|"]
    lines += [
        f"| `{f['path']}` | {f['found']} | {f['fixed']} | {f['left']} | {'yes' if f['changed'] else ''} | "
        f"{_cell(f['error'] or '')} |" for f in data["files"]
    ]
    lines += ["", f"## {fixed_word[:1].upper()}{fixed_word[1:]}", ""]
    if dry:
        lines += ["Where each finding is in the file as it is now.", ""]
    else:
        lines += ["Where each finding was, in the file as it was before the fixes.", ""]
    if not data["fixed"]:
        lines.append("Nothing.")
    lines += [f"- {_place(item)} {_cell(item['message'])}." for item in data["fixed"]]
    lines += ["", "## Needs a person", ""]
    if not data["needs_a_person"]:
        lines.append(f"Nothing: every finding {'would be' if dry else 'was'} fixed.")
    for item in data["needs_a_person"]:
        lines.append(f"- {_place(item)} {_cell(item['message'])}. How: {item['how']}.")
    return "\n".join(lines) + "\n"


def _place(item: dict) -> str:
    name = f" ({item['name']})" if item["name"] else ""
    cell = f":cell {item['cell']}" if "cell" in item else ""  # a notebook's
    return f"`{item['path']}{cell}:{item['line']}:{item['column']}` **{item['code']}**{name}"


def _provenance_lines(data: dict) -> list[str]:
    p = data["provenance"]
    o = p["options"]
    git = p["git"]
    where = "not in a git repository" if git is None else (
        f"commit `{git['commit']}`" + (f" (branch `{git['branch']}`)" if git["branch"] else " (detached HEAD)"))

    def listed(values, none="none"):
        return ", ".join(f"`{v}`" for v in values) if values else none

    return [
        f"- Made by: `{data['command']}`, kerasfix {p['kerasfix']}, {p['date']}",
        f"- Git: {where}",
        f"- Options: select {'every rule' if o['select'] is None else listed(o['select'])}; "
        f"ignore {listed(o['ignore'])}; unsafe fixes {'on' if o['unsafe_fixes'] else 'off'}; "
        f"exclude {listed(o['exclude'])}; keras-bases {listed(o['keras_bases'])}",
        f"- Config: {'`' + o['config'] + '`' if o['config'] else 'no pyproject.toml'}",
        "",
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_json(result: RunResult) -> str:
    """The report as JSON: `--report x.json`, and `apply --format json` on stdout."""
    return json.dumps(as_data(result), indent=2) + "\n"


def write_report(result: RunResult, path: Path) -> None:
    if path.suffix == ".json":
        text = as_json(result)
    elif path.suffix in (".md", ".markdown"):
        text = as_markdown(result)
    else:
        raise ValueError("the report must be a .md or .json file")
    path.write_text(text, encoding="utf-8")
