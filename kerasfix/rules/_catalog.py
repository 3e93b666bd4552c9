"""The rule catalog as people read it: `kerasfix rules`, the rules table, and each rule's page
(`kerasfix explain`, the language server's hover, the documentation site), all rendered from
the registry (tests/test_rule_catalog.py fails when a checked-in copy drifts)."""

from __future__ import annotations

import re

from . import RULES

TABLE_HEADER = ("| code | name | finds, inside a Keras layer or model class | fix |\n"
                "|---|---|---|---|\n")


def listing() -> str:
    """`kerasfix rules`: code, name, whether it fixes, how safely, and what it finds."""
    rules = sorted(RULES.values(), key=lambda r: r.code)
    name_width = max(len(r.name) for r in rules)
    safety_width = max(len(r.safety_label) for r in rules)
    lines = [f"{'code':<6} {'name':<{name_width}}  {'fix':<9}  {'safety':<{safety_width}}  finds"]
    lines += [f"{r.code:<6} {r.name:<{name_width}}  {r.fix.value:<9}  {r.safety_label:<{safety_width}}  {r.summary}"
              for r in rules]
    return "\n".join(lines)


def page(code: str) -> str:
    """A rule's page in Markdown, as `kerasfix explain` prints it: title, summary, fix and
    safety, then its DOC (What it does, Why is this bad?, Example, Use instead, Fix safety)."""
    rule = RULES[code]
    return (f"# {rule.code} {rule.name}\n\n{rule.summary[:1].upper()}{rule.summary[1:]}.\n\n"
            f"Fix: {rule.fix.value}; safety: {rule.safety_label} (see Fix safety below).\n\n{rule.doc.rstrip()}\n")


def site_page(code: str) -> str:
    """A rule's page on the documentation site: its `kerasfix explain` page, then the small
    modules it is tested on (INVALID: reported; VALID: left alone)."""
    rule = RULES[code]
    parts = [page(code)]
    for title, examples in (("Reported", rule.invalid), ("Not reported", rule.valid)):
        if examples:
            parts.append(f"## {title}\n")
            parts += [f"```python\n{example.strip(chr(10))}\n```\n" for example in examples]
    if rule.invalid or rule.valid:
        parts.insert(1, "The examples at the end are the rule's own tests: `kerasfix check` reports each one "
                        "under *Reported* and none under *Not reported*.\n")
    return "\n".join(parts)


def site_index() -> str:
    """The rules index of the documentation site: the rules table, each code linking to its page."""
    rows = rules_table().splitlines(keepends=True)
    linked = [re.sub(r"^\| (KF\d+) \|", lambda m: f"| [{m.group(1)}]({m.group(1)}.md) |", row) for row in rows]
    return ("# Rules\n\nEvery rule looks inside Keras layer and model classes; `kerasfix rules` lists them, "
            "`kerasfix explain CODE` prints a rule's page. A fix is applied by `kerasfix apply` when it is safe, "
            "and with `--unsafe-fixes` when it is unsafe (see [How it stays safe](../safety.md)).\n\n"
            + "".join(linked))


def rules_table() -> str:
    """The rules table (Markdown): code, name, what it finds, its fix; the site's index links it."""
    rows = [f"| {r.code} | {r.name} | {r.finds or r.summary} | {r.fixed_by or r.fix.value} |\n"
            for r in sorted(RULES.values(), key=lambda r: r.code)]
    return TABLE_HEADER + "".join(rows)

