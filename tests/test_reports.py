"""What the reports and machine formats promise: a dry run says so, provenance, rule names,
every fix and every finding left located, and the JSON, SARIF and GitHub shapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from kerasfix import __version__
from kerasfix.cli import app
from kerasfix.provenance import git_revision
from kerasfix.rules import RULES
from samples import TRAP

MANUAL = ("import tensorflow as tf\n\nclass L(tf.keras.layers.Layer):\n"
          "    def call(self, x):\n        return x + tf.Variable(1.0)\n")
SHA = "0123456789abcdef0123456789abcdef01234567"
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def run(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, catch_exceptions=False)


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "trap.py").write_text(TRAP)
    (tmp_path / "manual.py").write_text(MANUAL)
    return tmp_path


# --- item 5: a dry run says so ------------------------------------------------------------------


def test_a_dry_run_report_says_it_is_one(tmp_path, monkeypatch):
    _tree(tmp_path)
    assert run(["apply", "--diff", "--report", "m.md", "."], tmp_path, monkeypatch).exit_code == 1
    report = (tmp_path / "m.md").read_text()
    assert report.startswith("# kerasfix migration report (dry run: no file was written)\n")
    assert "`kerasfix apply --diff` wrote nothing" in report
    assert "| rule | name | found | would fix | left for a person |" in report
    assert "| `trap.py` | 1 | 1 | 0 | yes |  |" in report  # under "would change"
    assert "| file | found | would fix | left | would change | error |" in report
    assert "## Would fix" in report and "| fixed |" not in report and "changed |" not in report.replace(
        "would change |", "")
    assert (tmp_path / "trap.py").read_text() == TRAP


def test_a_dry_run_json_report_says_it_is_one(tmp_path, monkeypatch):
    _tree(tmp_path)
    run(["apply", "--diff", "--report", "m.json", "."], tmp_path, monkeypatch)
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["dry_run"] is True and data["command"] == "kerasfix apply --diff"
    run(["check", "--report", "c.json", "."], tmp_path, monkeypatch)
    checked = json.loads((tmp_path / "c.json").read_text())
    assert checked["dry_run"] is True and checked["command"] == "kerasfix check"
    assert checked["rules"] == data["rules"]  # a check says what apply would fix, as --diff does
    run(["apply", "--report", "a.json", "."], tmp_path, monkeypatch)
    applied = json.loads((tmp_path / "a.json").read_text())
    assert applied["dry_run"] is False and applied["command"] == "kerasfix apply"
    assert applied["rules"] == data["rules"]


def test_a_real_run_report_says_fixed(tmp_path, monkeypatch):
    _tree(tmp_path)
    run(["apply", "--report", "m.md", "."], tmp_path, monkeypatch)
    report = (tmp_path / "m.md").read_text()
    assert report.startswith("# kerasfix migration report\n") and "dry run" not in report.lower()
    assert "| rule | name | found | fixed | left for a person |" in report
    assert "| KF302 | set-layer-container | 1 | 1 | 0 |" in report
    assert "## Fixed\n" in report and "would" not in report


# --- provenance ---------------------------------------------------------------------------------


def test_the_report_says_where_it_comes_from(tmp_path, monkeypatch):
    _tree(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nexclude = ["gen/"]\n')
    _git(tmp_path, "ref: refs/heads/main\n", {"refs/heads/main": SHA})
    args = ["apply", "--diff", "--select", "KF3,KF1", "--ignore", "KF104", "--unsafe-fixes",
            "--keras-base", "lib.Layer", "--exclude", "old/"]
    run([*args, "--report", "m.json", "."], tmp_path, monkeypatch)
    p = json.loads((tmp_path / "m.json").read_text())["provenance"]
    assert p["kerasfix"] == __version__ and DATE.fullmatch(p["date"])
    assert p["git"] == {"commit": SHA, "branch": "main"}
    assert p["options"] == {
        "select": ["KF1", "KF3"], "ignore": ["KF104"], "unsafe_fixes": True, "exclude": ["gen/", "old/"],
        "keras_bases": ["lib.Layer"], "config": str(tmp_path.resolve() / "pyproject.toml"),
    }
    run([*args, "--report", "m.md", "."], tmp_path, monkeypatch)
    report = (tmp_path / "m.md").read_text()
    assert re.search(rf"- Made by: `kerasfix apply --diff`, kerasfix {re.escape(__version__)}, {DATE.pattern}\n",
                     report)
    assert f"- Git: commit `{SHA}` (branch `main`)\n" in report
    assert ("- Options: select `KF1`, `KF3`; ignore `KF104`; unsafe fixes on; exclude `gen/`, `old/`; "
            "keras-bases `lib.Layer`\n") in report


def test_the_date_can_be_pinned(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run(["check", "--report", "m.json", "."], tmp_path, monkeypatch)
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["provenance"]["date"] == "2023-11-14T22:13:20Z" and data["provenance"]["git"] is None


def _git(root: Path, head: str, refs: dict[str, str], packed: str = "", git_dir: Path | None = None) -> Path:
    git_dir = git_dir or root / ".git"
    git_dir.mkdir(parents=True, exist_ok=True)
    (git_dir / "HEAD").write_text(head)
    for ref, sha in refs.items():
        (git_dir / ref).parent.mkdir(parents=True, exist_ok=True)
        (git_dir / ref).write_text(sha + "\n")
    if packed:
        (git_dir / "packed-refs").write_text(packed)
    return git_dir


def test_git_revision_from_the_repository_files(tmp_path):
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert git_revision(sub) is None
    git_dir = _git(tmp_path, "ref: refs/heads/dev\n", {},
                   packed=f"# pack-refs with: peeled fully-peeled sorted\n{SHA} refs/heads/dev\n")
    assert git_revision(sub) == {"commit": SHA, "branch": "dev"}
    (git_dir / "HEAD").write_text(SHA.replace("0", "f") + "\n")
    assert git_revision(sub) == {"commit": SHA.replace("0", "f"), "branch": None}  # detached
    (git_dir / "HEAD").write_text("ref: refs/heads/new\n")
    assert git_revision(sub) is None  # a branch with no commit yet
    (git_dir / "HEAD").write_text("garbage")
    assert git_revision(sub) is None


def test_git_revision_of_a_linked_worktree(tmp_path):
    main = tmp_path / "main"
    common = _git(main, "ref: refs/heads/main\n", {"refs/heads/main": SHA, "refs/heads/topic": SHA[::-1]})
    linked_dir = _git(main, "ref: refs/heads/topic\n", {}, git_dir=common / "worktrees" / "topic")
    (linked_dir / "commondir").write_text("../..\n")
    tree = tmp_path / "topic"
    tree.mkdir()
    (tree / ".git").write_text(f"gitdir: {linked_dir}\n")
    assert git_revision(tree) == {"commit": SHA[::-1], "branch": "topic"}


# --- rule names and places ----------------------------------------------------------------------


def test_every_fix_and_every_finding_left_is_located_and_named(tmp_path, monkeypatch):
    _tree(tmp_path)
    (tmp_path / "more.py").write_text("import tensorflow as tf\n\n\n" + TRAP.split("\n\n\n", 1)[1].replace(
        "Heads", "More") + "        self.tails = {tf.keras.layers.Dense(2)}\n")
    run(["apply", "--report", "m.json", "."], tmp_path, monkeypatch)
    data = json.loads((tmp_path / "m.json").read_text())
    assert [(r["path"], r["line"], r["column"], r["code"], r["name"]) for r in data["fixed"]] == [
        ("more.py", 7, 9, "KF302", "set-layer-container"), ("more.py", 8, 9, "KF302", "set-layer-container"),
        ("trap.py", 7, 9, "KF302", "set-layer-container")]
    assert [(r["path"], r["line"], r["code"], r["name"], r["fix"]) for r in data["needs_a_person"]] == [
        ("manual.py", 5, "KF103", "variable-created-in-call", "unsafe")]
    assert data["rules"]["KF302"] == {"name": "set-layer-container", "found": 3, "fixed": 3, "left": 0}
    run(["apply", "--diff", "--report", "m.md", "."], tmp_path, monkeypatch)
    assert "Nothing: every finding would be fixed." not in (tmp_path / "m.md").read_text()
    assert "## Would fix\n\nWhere each finding is in the file as it is now.\n\nNothing.\n" in (
        tmp_path / "m.md").read_text()


def test_a_check_report_still_counts_as_before(tmp_path, monkeypatch):
    _tree(tmp_path)
    assert run(["check", "--report", "m.md", "."], tmp_path, monkeypatch).exit_code == 1
    report = (tmp_path / "m.md").read_text()
    assert "`kerasfix check` wrote nothing" in report
    assert "| KF302 | set-layer-container | 1 | 1 | 0 |" in report
    assert "| KF103 | variable-created-in-call | 1 | 0 | 1 |" in report
    assert "- `trap.py:7:9` **KF302** (set-layer-container) " in report
    assert "- `manual.py:5:20` **KF103** (variable-created-in-call) " in report


# --- item 8: machine output ---------------------------------------------------------------------

BROKEN = "import tensorflow as tf\n\nclass L(tf.keras.layers.Layer):\n    def f(:\n        pass\n"


def _broken_tree(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[tool.kerasfix]\n")
    (project / "pkg" / "trap.py").write_text(TRAP)
    (project / "pkg" / "bad.py").write_text(BROKEN)
    return project


def test_json_has_a_schema_end_positions_rule_names_and_errors(tmp_path, monkeypatch):
    project = _broken_tree(tmp_path)
    result = run(["check", "--no-cache", "--format", "json", "."], project, monkeypatch)
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1 and data["kerasfix"] == __version__
    assert data["findings"] == [{
        "path": "pkg/trap.py", "line": 7, "column": 9, "end_line": 7, "end_column": 19, "code": "KF302",
        "name": "set-layer-container", "message": data["findings"][0]["message"], "help": RULES["KF302"].help,
        "fix": {"safety": "safe", "applicable": True, "edits": [{
            "content": "[tf.keras.layers.Dense(1)]", "location": {"line": 7, "column": 22},
            "end_location": {"line": 7, "column": 48}}]},
    }]
    assert data["errors"] == [{"path": "pkg/bad.py", "message": "not valid Python 3: invalid syntax (line 4)"}]


def test_end_positions_survive_the_cache_and_a_fix_that_moves_lines(tmp_path, monkeypatch):
    (tmp_path / "trap.py").write_text(
        TRAP + "\n\nclass M(tf.keras.layers.Layer):\n"
        "    def call(self, x):\n        return x + tf.Variable(\n            1.0)\n")
    fresh = run(["check", "--format", "github", "."], tmp_path, monkeypatch).stdout
    cached = run(["check", "--format", "github", "--statistics", "."], tmp_path, monkeypatch)
    assert "1 from cache" in cached.stderr and cached.stdout == fresh  # (JSON would work out edits again)
    assert re.findall(r"line=(\d+),col=\d+,endLine=(\d+)", fresh) == [("7", "7"), ("12", "13")]


def test_github_annotations_have_end_positions_and_an_error_line_per_broken_file(tmp_path, monkeypatch):
    project = _broken_tree(tmp_path)
    lines = run(["check", "--no-cache", "--format", "github", "."], project, monkeypatch).stdout.splitlines()
    assert lines[0].startswith("::warning title=kerasfix KF302,file=pkg/trap.py,line=7,col=9,endLine=7,endColumn=19::")
    assert lines[1] == "::error title=kerasfix error,file=pkg/bad.py::not valid Python 3: invalid syntax (line 4)"


def test_sarif_names_every_rule_and_is_the_same_from_any_folder(tmp_path, monkeypatch):
    from kerasfix.rules import RULES

    project = _broken_tree(tmp_path)
    top = json.loads(run(["check", "--no-cache", "--format", "sarif", "."], project, monkeypatch).stdout)
    inside = json.loads(run(["check", "--no-cache", "--format", "sarif", "."], project / "pkg", monkeypatch).stdout)
    assert top == inside
    sarif_run = top["runs"][0]
    driver = sarif_run["tool"]["driver"]
    assert driver["version"] == __version__
    assert [r["id"] for r in driver["rules"]] == sorted(RULES)
    for rule in driver["rules"]:
        assert rule["help"]["markdown"] == RULES[rule["id"]].doc.strip() and rule["fullDescription"]["text"]
    assert sarif_run["originalUriBaseIds"] == {"PROJECTROOT": {"uri": project.resolve().as_uri() + "/"}}
    [found] = sarif_run["results"]
    assert driver["rules"][found["ruleIndex"]]["id"] == "KF302"
    assert found["properties"] == {"fix": {"safety": "safe", "applicable": True}, "help": RULES["KF302"].help}
    assert found["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "pkg/trap.py", "uriBaseId": "PROJECTROOT"},
        "region": {"startLine": 7, "startColumn": 9, "endLine": 7, "endColumn": 19},
    }
    [invocation] = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and note["message"]["text"].startswith("not valid Python 3")
    assert note["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "pkg/bad.py", "uriBaseId": "PROJECTROOT"}


def test_apply_answers_in_json_what_it_fixed_and_what_is_left(tmp_path, monkeypatch):
    _tree(tmp_path)
    (tmp_path / "bad.py").write_text(BROKEN)
    dry = run(["apply", "--diff", "--format", "json", "."], tmp_path, monkeypatch)
    assert dry.exit_code == 2  # bad.py
    data = json.loads(dry.stdout)  # the JSON only: no patch on stdout
    assert data["dry_run"] is True and (tmp_path / "trap.py").read_text() == TRAP
    assert [(r["path"], r["line"], r["code"]) for r in data["fixed"]] == [("trap.py", 7, "KF302")]
    assert [(r["path"], r["line"], r["code"], r["fix"]) for r in data["needs_a_person"]] == [
        ("manual.py", 5, "KF103", "unsafe")]
    assert data["errors"] == [{"path": "bad.py", "message": "not valid Python 3: invalid syntax (line 4)"}]
    (tmp_path / "bad.py").unlink()
    applied = run(["apply", "--format", "json", "."], tmp_path, monkeypatch)
    assert applied.exit_code == 1  # KF103 is left
    data = json.loads(applied.stdout)
    assert data["dry_run"] is False and data["errors"] == [] and len(data["fixed"]) == 1
    assert (tmp_path / "trap.py").read_text() != TRAP


def test_apply_json_is_refused_where_stdout_is_taken_or_the_format_unknown(tmp_path, monkeypatch):
    _tree(tmp_path)
    refused = run(["apply", "--format", "json", "-"], tmp_path, monkeypatch)
    assert refused.exit_code == 2 and "stdout carries the fixed source" in refused.stderr
    assert run(["apply", "--format", "sarif", "."], tmp_path, monkeypatch).exit_code == 2
    assert (tmp_path / "trap.py").read_text() == TRAP


def test_the_options_line_tells_every_rule_from_none(tmp_path, monkeypatch):
    _tree(tmp_path)
    run(["check", "--report", "m.md", "."], tmp_path, monkeypatch)
    assert "- Options: select every rule; ignore none; unsafe fixes off; exclude none; keras-bases none\n" in (
        tmp_path / "m.md").read_text()
    (tmp_path / "pyproject.toml").write_text("[tool.kerasfix]\nselect = []\n")
    run(["check", "--report", "m.md", "."], tmp_path, monkeypatch)
    assert "- Options: select none; " in (tmp_path / "m.md").read_text()
