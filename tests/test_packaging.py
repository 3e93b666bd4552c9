"""What is published: the project's metadata, and, when `.ci/run` has built them (it sets
KERASFIX_DIST to their folder), the wheel and the sdist themselves.

Building takes seconds and needs the `build` package, so the suite never builds: the built
files are checked where they are made."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import kerasfix

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
# what the sdist must carry so that `pytest` passes in it: the suite, its example and benchmark
SDIST_FOLDERS = ("tests", "examples", "benchmarks", "docs")  # docs: tests/test_docs.py builds the site


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower().replace("_", "-") for r in requirements}


def _third_party_imports(extra: bool = False) -> set[str]:
    """What kerasfix imports (with `extra`: only the `server` extra's module, else all but it)."""
    names: set[str] = set()
    for path in (ROOT / "kerasfix").rglob("*.py"):
        if (path.name == "server.py" and path.parent.name == "kerasfix") != extra:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "kerasfix"}


def test_every_distribution_kerasfix_imports_is_declared():
    imported = {n.replace("_", "-") for n in _third_party_imports()}  # each named as it is imported
    assert "rich" in imported  # the progress bar
    assert imported <= _requirement_names(PROJECT["dependencies"])


def test_the_language_server_imports_only_its_extra():
    imported = {n.replace("_", "-") for n in _third_party_imports(extra=True)}
    assert imported == {"pygls", "lsprotocol"}
    assert imported <= _requirement_names(PROJECT["optional-dependencies"]["server"])


def test_the_license_is_an_spdx_expression_with_its_text():
    assert PROJECT["license"] == "Apache-2.0"  # the `{ text = ... }` table is deprecated (PEP 639)
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    # setuptools reads `license` as an expression, with `license-files`, from version 77 on
    assert "setuptools>=77" in PYPROJECT["build-system"]["requires"][0].replace(" ", "")
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])  # PEP 639 forbids both


def test_the_package_says_it_is_typed():
    assert (ROOT / "kerasfix" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["kerasfix"]
    assert "Typing :: Typed" in PROJECT["classifiers"]


def test_build_output_is_not_tracked():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an unpacked sdist)")
    tracked = subprocess.run(["git", "ls-files", "kerasfix.egg-info", "build", "dist"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert tracked == ""
    assert "*.egg-info/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_pre_commit_hooks_see_every_file_in_one_run():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    hooks = [h for h in re.split(r"^- id: ", text, flags=re.MULTILINE)[1:]]
    assert [h.split("\n")[0] for h in hooks] == ["kerasfix", "kerasfix-apply"]
    for hook in hooks:
        assert re.search(r"^  require_serial: true$", hook, re.MULTILINE)
        assert re.search(r"^  types_or: \[python, pyi, jupyter\]$", hook, re.MULTILINE)
        assert not re.search(r"^  types:", hook, re.MULTILINE)


# --- the built files ------------------------------------------------------------------------

DIST = Path(os.environ["KERASFIX_DIST"]) if os.environ.get("KERASFIX_DIST") else None
built = pytest.mark.skipif(DIST is None, reason="KERASFIX_DIST unset: `.ci/run` builds and checks the wheel and sdist")


def _one(pattern: str) -> Path:
    [path] = sorted(DIST.glob(pattern))
    return path


@built
def test_the_sdist_carries_the_whole_test_suite():
    sdist = _one(f"kerasfix-{kerasfix.__version__}.tar.gz")
    prefix = f"kerasfix-{kerasfix.__version__}/"
    with tarfile.open(sdist) as tar:
        names = {m.name[len(prefix):] for m in tar.getmembers() if m.isfile()}
    wanted = {
        p.relative_to(ROOT).as_posix()
        for folder in SDIST_FOLDERS for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    }
    assert wanted <= names
    assert {"LICENSE", "README.md", "pyproject.toml", ".pre-commit-hooks.yaml", "kerasfix/py.typed",
            "mkdocs.yml"} <= names
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n]


@built
def test_the_wheel_metadata():
    wheel = _one(f"kerasfix-{kerasfix.__version__}-py3-none-any.whl")
    info = f"kerasfix-{kerasfix.__version__}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode("utf-8"))
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert f"{info}/licenses/LICENSE" in names
    assert _requirement_names([r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]) \
        == _requirement_names(PROJECT["dependencies"])
    assert "kerasfix/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "examples/", "benchmarks/", "docs/"))]
