"""mkdocs hook: the rules index and one page per rule, generated at build time from the rule
modules (the pages `kerasfix explain` prints, with each rule's VALID / INVALID examples), so
that no rule's text is written twice. Offline: it imports kerasfix, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's kerasfix

from kerasfix.rules import RULES  # noqa: E402
from kerasfix.rules._catalog import site_index, site_page  # noqa: E402


def on_config(config):
    """The rule pages in the navigation, under Rules, after its index."""
    for entry in config["nav"]:
        if isinstance(entry, dict) and "Rules" in entry:
            entry["Rules"] = ["rules/index.md"] + [{f"{code} {RULES[code].name}": f"rules/{code}.md"}
                                                  for code in sorted(RULES)]
    return config


def on_files(files, config):
    files.append(File.generated(config, "rules/index.md", content=site_index()))
    for code in sorted(RULES):
        files.append(File.generated(config, f"rules/{code}.md", content=site_page(code)))
    return files
