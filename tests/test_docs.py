"""The documentation site (docs/, mkdocs.yml): `mkdocs build --strict` is green (a broken link
or anchor fails it), every rule has its generated page, every option of the command line and
every setting is documented, and the examples the pages show still hold."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from kerasfix.cli import app
from kerasfix.config import KEYS
from kerasfix.rules import RULES
from kerasfix.rules._catalog import page, rules_table, site_index, site_page

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def _text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    for code in RULES:
        built = (site / "rules" / code / "index.html").read_text(encoding="utf-8")
        assert f"{code} {RULES[code].name}" in built and "Why is this bad?" in built
    assert all(f'href="{code}/"' in (site / "rules" / "index.html").read_text(encoding="utf-8") for code in RULES)


def test_each_rule_page_is_its_explain_page_with_its_examples():
    for code, rule in RULES.items():
        text = site_page(code)
        assert text.startswith(page(code))
        for example in rule.invalid + rule.valid:
            assert example.strip("\n") in text, code


def test_the_rules_index_is_the_registry_rendered():
    index = site_index()
    assert re.sub(r"\[(KF\d+)\]\(KF\d+\.md\)", r"\1", index).endswith(rules_table())


def _documented() -> str:
    return "".join(_text(p.name) for p in DOCS.glob("*.md"))


def test_every_command_and_option_is_documented():
    command = get_command(app)
    text = _documented()
    for name, sub in [("kerasfix", command), *sorted(command.commands.items())]:  # type: ignore[attr-defined]
        assert name == "kerasfix" or f"kerasfix {name}" in text, name
        for param in sub.params:
            for option in param.opts:
                if option.startswith("--") and option not in ("--help", "--install-completion"):
                    assert re.search(rf"`[^`]*{re.escape(option)}\b", text), f"{name} {option} is not in docs/"


def test_every_setting_is_documented():
    configuration = _text("configuration.md")
    for key in KEYS:
        assert f"| `{key}` |" in configuration, key
    editors = _text("editors.md")
    for key in ("select", "unsafeFixes", "run"):
        assert f"| `{key}` |" in editors, key


def test_the_readme_links_into_the_docs():
    links = re.findall(r"\]\((docs/[^)#]+)", README.read_text(encoding="utf-8"))
    assert len(links) >= 10, "the README links into docs/"
    for link in links:
        assert (ROOT / link).is_file(), link
