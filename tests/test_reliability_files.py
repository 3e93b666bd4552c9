"""Issue 9/10 reproducers of the file walk and the file write (../shared/reliability/ID):
each test is named after the reproducer it covers and fails on kerasfix 0.1.0."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kerasfix.writer
from kerasfix.cli import app
from kerasfix.files import decode_source, discover, read_bytes, write_atomic, WriteRefused, SourceError
from samples import FIXED, TRAP

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, [*args, "--no-cache", "-j", "1"], catch_exceptions=False)


def unprivileged(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """kerasfix as a user without the power to override file permissions (root drops its
    capabilities, as the reproducers do)."""
    command = [sys.executable, "-m", "kerasfix", *args, "--no-cache"]
    if IS_ROOT:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        command = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--", *command]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


# --- the write --------------------------------------------------------------------------------


def test_D4_file_changed_after_read_is_not_overwritten(tmp_path, monkeypatch):
    victim = tmp_path / "victim.py"
    victim.write_text(TRAP)
    real_write = kerasfix.writer.write_atomic

    def user_saves_first(path, original, new_text, **options):
        with open(path, "a") as handle:
            handle.write("# USER EDIT\n")
        return real_write(path, original, new_text, **options)

    monkeypatch.setattr(kerasfix.writer, "write_atomic", user_saves_first)
    result = run(["apply", "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "victim.py: error: changed while kerasfix was running" in result.stderr
    assert victim.read_text() == TRAP + "# USER EDIT\n"


def test_D4_same_size_edit_is_seen(tmp_path):
    path = tmp_path / "a.py"
    path.write_text(TRAP)
    source = decode_source(read_bytes(path))
    path.write_text(TRAP.replace("Heads", "Tails"))
    with pytest.raises(WriteRefused, match="changed while kerasfix was running"):
        write_atomic(path, source, FIXED)
    assert "Tails" in path.read_text()


def test_D4_hard_linked_file_changed_after_read_is_not_overwritten(tmp_path):
    path = tmp_path / "a.py"
    path.write_text(TRAP)
    os.link(path, tmp_path / "b.py")
    source = decode_source(read_bytes(path))
    path.write_text(TRAP + "# USER EDIT\n")
    with pytest.raises(WriteRefused, match="changed while kerasfix was running"):
        write_atomic(path, source, FIXED)
    assert (tmp_path / "b.py").read_text() == TRAP + "# USER EDIT\n"


def test_F12_read_only_file_is_not_rewritten(tmp_path, monkeypatch):
    path = tmp_path / "ro.py"
    path.write_text(TRAP)
    path.chmod(0o444)
    result = run(["apply", "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "ro.py: error: read-only file, not rewritten" in result.stderr
    assert path.read_text() == TRAP


def test_F12_file_the_user_may_not_write_is_not_rewritten(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    path = work / "theirs.py"
    path.write_text(TRAP)
    path.chmod(0o644)
    os.chmod(work, 0o777)
    if IS_ROOT:
        os.chown(path, 1234, 1234)  # someone else's file in a folder everyone may write
    else:
        pytest.skip("needs a file owned by another user")
    result = unprivileged(["apply", "work"], tmp_path)
    assert result.returncode == 2, result.stderr
    assert "read-only file, not rewritten" in result.stderr
    assert path.read_text() == TRAP


@pytest.mark.skipif(not IS_ROOT, reason="giving a file away needs root")
def test_F13_owner_and_group_are_kept(tmp_path, monkeypatch):
    path = tmp_path / "a.py"
    path.write_text(TRAP)
    os.chown(path, 1234, 4321)
    path.chmod(0o664)
    assert run(["apply", "."], tmp_path, monkeypatch).exit_code == 0
    after = path.stat()
    assert path.read_text() == FIXED
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (1234, 4321, 0o664)


@pytest.mark.skipif(not IS_ROOT, reason="giving a file away needs root")
def test_F13_owner_a_new_file_cannot_take_is_kept_by_writing_in_place(tmp_path, monkeypatch):
    path = tmp_path / "a.py"
    path.write_text(TRAP)
    os.chown(path, 1234, 4321)

    def not_allowed(*args, **kwargs):  # as for a user who may write the file, not give one away
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", not_allowed)
    write_atomic(path, decode_source(read_bytes(path)), FIXED)
    assert path.read_text() == FIXED
    assert (path.stat().st_uid, path.stat().st_gid) == (1234, 4321)
    assert not [p for p in tmp_path.iterdir() if "kerasfix-tmp" in p.name]


def test_F13_extended_attributes_are_kept(tmp_path, monkeypatch):
    path = tmp_path / "a.py"
    path.write_text(TRAP)
    try:
        os.setxattr(path, "user.origin", b"x")
    except (OSError, AttributeError):
        pytest.skip("no user extended attributes here")
    assert run(["apply", "."], tmp_path, monkeypatch).exit_code == 0
    assert path.read_text() == FIXED
    assert os.getxattr(path, "user.origin") == b"x"


def test_F13_hard_links_are_kept(tmp_path, monkeypatch):
    (tmp_path / "work").mkdir()
    path = tmp_path / "work" / "a.py"
    path.write_text(TRAP)
    outside = tmp_path / "hardlink_outside.py"
    os.link(path, outside)
    assert run(["apply", "work"], tmp_path, monkeypatch).exit_code == 0
    assert path.read_text() == FIXED
    assert os.path.samefile(path, outside)
    assert not [p for p in path.parent.iterdir() if "kerasfix-tmp" in p.name]


def test_F12_writable_file_in_a_folder_the_user_may_not_write_is_fixed_in_place(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.py").write_text(TRAP)
    work.chmod(0o555)
    try:
        result = unprivileged(["apply", "work"], tmp_path)
    finally:
        work.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert (work / "a.py").read_text() == FIXED


def test_F02_stale_temp_files_of_a_killed_run_are_removed(tmp_path, monkeypatch):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".m.py.{dead.pid}-0123abcd.kerasfix-tmp"
    stale.write_text("half a file")
    live = tmp_path / f".m.py.{os.getppid()}-0123abcd.kerasfix-tmp"  # a run still writing
    live.write_text("half a file")
    (tmp_path / "m.py").write_text(TRAP)
    assert run(["apply", "."], tmp_path, monkeypatch).exit_code == 0
    assert not stale.exists()
    assert live.exists()


def test_F02_temp_file_names_carry_the_pid(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    path.write_text(TRAP)
    seen = []
    real_replace = os.replace

    def spy(source, target):
        seen.append(Path(source).name)
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    write_atomic(path, decode_source(read_bytes(path)), FIXED)
    assert seen and seen[0].startswith(".m.py.") and f".{os.getpid()}-" in seen[0]
    assert seen[0].endswith(".kerasfix-tmp")


def test_F22_longest_legal_file_name_can_be_written(tmp_path, monkeypatch):
    path = tmp_path / ("a" * 251 + ".py")  # 255 bytes: NAME_MAX
    path.write_text(TRAP)
    result = run(["apply", "."], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert path.read_text() == FIXED


# --- the walk ---------------------------------------------------------------------------------


def kerasfix_process(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """kerasfix in its own process, with a time and memory limit: the old walk hung on a FIFO
    and read /dev/zero until MemoryError."""
    import resource

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run([sys.executable, "-m", "kerasfix", *args, "--no-cache", "-j", "1"], cwd=cwd,
                          capture_output=True, text=True, timeout=120, preexec_fn=limit_memory)


def test_F03_symlink_loop_is_one_error(tmp_path, monkeypatch):
    package = tmp_path / "work" / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text(TRAP)
    (package / "loop.py").symlink_to("loop.py")
    result = run(["apply", "work"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "work/pkg/loop.py: error: symlink loop, skipped" in result.stderr
    assert (package / "sub" / "a.py").read_text() == FIXED
    (package / "sub" / "a.py").write_text(TRAP)
    # named explicitly, the file's package is indexed too: the loop there is no reason to stop
    result = run(["apply", "work/pkg/sub/a.py"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert (package / "sub" / "a.py").read_text() == FIXED
    assert list(discover([package / "loop.py"])) == [package / "loop.py"]  # named: reading says why
    with pytest.raises(SourceError, match="symlink loop"):
        read_bytes(package / "loop.py")


def test_F04_unreadable_folder_is_one_error(tmp_path):
    (tmp_path / "work" / "private").mkdir(parents=True)
    (tmp_path / "work" / "ok").mkdir()
    (tmp_path / "work" / "ok" / "b.py").write_text(TRAP)
    os.chmod(tmp_path / "work" / "private", 0)
    try:
        result = unprivileged(["apply", "work"], tmp_path)
    finally:
        os.chmod(tmp_path / "work" / "private", 0o755)
    assert result.returncode == 2, result.stderr
    assert "work/private: error: cannot read folder: Permission denied" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "work" / "ok" / "b.py").read_text() == FIXED


def test_F05_fifo_and_device_named_py_are_never_read(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.py").write_text(TRAP)
    os.mkfifo(work / "pipe.py")
    (work / "zero.py").symlink_to("/dev/zero")
    result = kerasfix_process(["apply", "work"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (work / "a.py").read_text() == FIXED
    for name in ("pipe.py", "zero.py"):  # named, each is the file's error
        result = kerasfix_process(["check", f"work/{name}"], tmp_path)
        assert result.returncode == 2
        assert f"work/{name}: error: not a regular file (a FIFO, socket or device), skipped" in result.stderr


def test_F05_never_reads_more_than_the_size_limit(monkeypatch):
    import kerasfix.files

    status = Path("/proc/self/status")  # a regular file whose size says 0: stat cannot be trusted
    if not status.is_file() or status.stat().st_size != 0:
        pytest.skip("no /proc")
    monkeypatch.setattr(kerasfix.files, "MAX_FILE_BYTES", 60)
    with pytest.raises(SourceError, match="larger than"):
        read_bytes(status)


def test_F06_undecodable_file_name_is_one_error(tmp_path, monkeypatch):
    (tmp_path / "ok.py").write_text(TRAP)
    try:
        with open(os.path.join(os.fsencode(tmp_path), b"bad\xffname.py"), "w") as handle:
            handle.write(TRAP)
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    result = run(["apply", "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "bad\\xffname.py: error: a name that is not valid UTF-8" in result.stderr
    assert (tmp_path / "ok.py").read_text() == FIXED


def test_F14_symlink_outside_the_tree_is_not_written_through(tmp_path, monkeypatch):
    (tmp_path / "work").mkdir()
    (tmp_path / "outside").mkdir()
    victim = tmp_path / "outside" / "victim.py"
    victim.write_text(TRAP)
    (tmp_path / "work" / "link_out.py").symlink_to("../outside/victim.py")
    result = run(["check", "work"], tmp_path, monkeypatch)
    assert "work/link_out.py:7:" in result.stdout  # read through, reported by its own name
    result = run(["apply", "work"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "work/link_out.py: error: a symlink to a file outside the folders given" in result.stderr
    assert victim.read_text() == TRAP
    assert (tmp_path / "work" / "link_out.py").is_symlink()


def test_F14_exclude_matches_the_link_not_its_target(tmp_path, monkeypatch):
    (tmp_path / "work").mkdir()
    (tmp_path / "outside").mkdir()
    victim = tmp_path / "outside" / "victim.py"
    victim.write_text(TRAP)
    (tmp_path / "work" / "link_out.py").symlink_to("../outside/victim.py")
    result = run(["apply", "--exclude", "link_out.py", "work"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == TRAP
    assert "victim" not in result.stdout + result.stderr


def test_F14_a_file_reached_by_several_names_is_processed_once(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "real.py").write_text(TRAP)
    (work / "a_link_in.py").symlink_to("real.py")  # sorts before its target
    os.link(work / "real.py", work / "z_hard.py")
    (work / "broken.py").symlink_to("missing.py")
    result = run(["check", "--statistics", "work"], tmp_path, monkeypatch)
    assert "1 file scanned" in result.stderr
    assert "work/broken.py: error: broken symlink, skipped" in result.stderr
    result = run(["apply", "work"], tmp_path, monkeypatch)
    assert result.stdout.count("fixed") == 1
    assert (work / "real.py").read_text() == FIXED
    assert (work / "a_link_in.py").is_symlink() and os.path.samefile(work / "real.py", work / "z_hard.py")
    assert len(list(discover([work / "z_hard.py", work, work / "a_link_in.py"]))) == 1


def test_F26_folder_symlink_sorting_first_does_not_hide_the_folder(tmp_path, monkeypatch):
    (tmp_path / "work" / "models").mkdir(parents=True)
    (tmp_path / "work" / "models" / "net.py").write_text(TRAP)
    (tmp_path / "work" / "aliased_models").symlink_to("models")
    result = run(["check", "--statistics", "work"], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert "work/models/net.py:7:" in result.stdout
    assert "1 file scanned" in result.stderr


# --- git's ignore rules (issue 10, item 3) ----------------------------------------------------


@pytest.fixture
def repository(tmp_path, monkeypatch):
    """A git work tree (made by hand: git itself is not needed), with no user-wide git config."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "repo"
    (root / ".git" / "info").mkdir(parents=True)
    return root


def found(root: Path, *folders: str) -> list[str]:
    return sorted(p.resolve().relative_to(root.resolve()).as_posix()
                  for p in discover([root / folder for folder in folders or ["."]]))


def tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_F17_parent_gitignore_applies_to_a_subfolder(repository):
    tree(repository, {".gitignore": "src/gen/\n", "src/gen/x.py": TRAP, "src/y.py": TRAP})
    assert found(repository, "src") == ["src/y.py"]
    assert found(repository, "src/gen") == []


def test_F17_nested_negations_re_include_as_git_does(repository):
    tree(repository, {
        ".gitignore": "src/gen/\n*.py\n!keep.py\n", "a/.gitignore": "!drop.py\n",
        "a/b/.gitignore": "!*.py\n", "d/.gitignore": "!neg.py\n",
        **{name: TRAP for name in ["src/gen/x.py", "keep.py", "drop.py", "a/keep.py", "a/drop.py",
                                   "a/b/deep.py", "d/neg.py"]},
    })
    expected = ["a/b/deep.py", "a/drop.py", "a/keep.py", "d/neg.py", "keep.py"]
    assert found(repository) == expected
    assert found(repository, "a") == ["a/b/deep.py", "a/drop.py", "a/keep.py"]
    if shutil.which("git"):  # git itself agrees
        subprocess.run(["git", "init", "-q", "."], cwd=repository, check=True)
        listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "*.py"], cwd=repository,
                                capture_output=True, text=True, check=True).stdout.split()
        assert sorted(listed) == expected


def test_F17_info_exclude_and_core_excludes_file_apply(repository, tmp_path):
    tree(repository, {"a.py": TRAP, "b.py": TRAP, "c.py": TRAP, "sub/d.py": TRAP})
    (repository / ".git" / "info" / "exclude").write_text("a.py\n")
    (tmp_path / "home" / ".config" / "git").mkdir(parents=True)
    (tmp_path / "home" / ".config" / "git" / "ignore").write_text("b.py\n")  # git's default excludesFile
    assert found(repository) == ["c.py", "sub/d.py"]
    (repository / ".git" / "config").write_text(f'[core]\n\texcludesFile = "{tmp_path / "mine"}"\n')
    (tmp_path / "mine").write_text("d.py\n")
    import kerasfix.gitignore

    kerasfix.gitignore._excludes_file.cache_clear()
    assert found(repository, "sub") == []
    assert found(repository) == ["b.py", "c.py"]  # the configured file replaces git's default


def test_F17_apply_on_a_subfolder_leaves_git_ignored_files_alone(repository, monkeypatch):
    tree(repository, {".gitignore": "src/gen/\n", "src/gen/x.py": TRAP})
    result = run(["apply", "src"], repository, monkeypatch)
    assert result.exit_code == 0
    assert (repository / "src" / "gen" / "x.py").read_text() == TRAP


# --- patches that apply (issue 10, item 2) ----------------------------------------------------

ODD_FILES = {  # name: the bytes of a file with findings, as editors and old tools leave them
    "no_final_newline.py": TRAP.rstrip("\n").encode(),
    "line_separator.py": TRAP.replace("{tf", "{  # x\u2028y\n        tf").encode(),
    "latin1.py": ("# -*- coding: latin-1 -*-\n" + TRAP.replace("(1)}", "(1)}  # caf\xe9")).encode("latin-1"),
    "crlf.py": TRAP.replace("\n", "\r\n").encode(),
    "bom.py": b"\xef\xbb\xbf" + TRAP.encode(),
    "cr_only.py": TRAP.replace("\n", "\r").encode(),
    "bom_no_newline.py": b"\xef\xbb\xbf" + TRAP.replace("\n", "\r\n").rstrip().encode(),
}


def odd_tree(root: Path) -> None:
    for name, data in ODD_FILES.items():
        (root / name).write_bytes(data)


def test_F18_diff_of_odd_files_is_a_patch_git_and_patch_apply(tmp_path, monkeypatch):
    odd_tree(tmp_path)
    result = run(["apply", "--diff", "."], tmp_path, monkeypatch)
    assert result.exit_code == 1
    patch = result.stdout_bytes
    assert patch.count(b"\n--- a/") + patch.startswith(b"--- a/") == len(ODD_FILES)
    assert b"\\ No newline at end of file\n" in patch
    assert "caf\xe9".encode("latin-1") in patch  # in the file's own encoding
    tools = [["git", "apply", "--check", "-"], ["patch", "-p1", "--dry-run"]]
    if not any(shutil.which(tool[0]) for tool in tools):
        pytest.skip("neither git nor patch is installed")
    for tool in tools:
        if shutil.which(tool[0]):
            checked = subprocess.run(tool, cwd=tmp_path, input=patch, capture_output=True)
            assert checked.returncode == 0, (tool, checked.stdout, checked.stderr)


def test_F18_patch_makes_exactly_what_apply_writes(tmp_path, monkeypatch):
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    (tmp_path / "patched").mkdir()
    (tmp_path / "applied").mkdir()
    odd_tree(tmp_path / "patched")
    odd_tree(tmp_path / "applied")
    patch = run(["apply", "--diff", "."], tmp_path / "patched", monkeypatch).stdout_bytes
    subprocess.run(["patch", "-p1", "--quiet"], cwd=tmp_path / "patched", input=patch, check=True)
    run(["apply", "."], tmp_path / "applied", monkeypatch)
    for name in ODD_FILES:
        assert (tmp_path / "patched" / name).read_bytes() == (tmp_path / "applied" / name).read_bytes(), name
        assert (tmp_path / "applied" / name).read_bytes() != ODD_FILES[name], name


# --- files the byte prefilter must not pass over ----------------------------------------------


def test_F20_cr_only_file_is_checked_and_fixed(tmp_path, monkeypatch):
    path = tmp_path / "cr_only.py"
    path.write_bytes(TRAP.replace("\n", "\r").encode())
    result = run(["check", "."], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert "cr_only.py:7:9: KF302" in result.stdout
    assert run(["apply", "."], tmp_path, monkeypatch).exit_code == 0
    assert path.read_bytes() == FIXED.replace("\n", "\r").encode()


def test_F24_pep695_generic_layer_class_is_seen(tmp_path, monkeypatch):
    (tmp_path / "pep695.py").write_text(TRAP.replace("class Heads(", "class Heads[T: (int, str), *Ts](", 1))
    result = run(["check", "."], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert "pep695.py:7:9: KF302" in result.stdout


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the running Python compiles PEP 695 syntax")
def test_F24_pep695_apply_names_the_running_python_not_the_input(tmp_path, monkeypatch):
    """libcst reads PEP 695 syntax that Python 3.11 cannot compile: the fix cannot be checked
    to compile, and the error says why, rather than calling the user's file invalid."""
    path = tmp_path / "pep695.py"
    path.write_text(TRAP.replace("class Heads(", "class Heads[T: (int, str), *Ts](", 1))
    result = run(["apply", "."], tmp_path, monkeypatch)
    assert result.exit_code == 2
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"Python {running}, which runs kerasfix, cannot compile this file" in result.stderr
    assert "run kerasfix with the Python the project targets" in result.stderr
    assert "not valid Python" not in result.stderr
    assert path.read_text() == TRAP.replace("class Heads(", "class Heads[T: (int, str), *Ts](", 1)


def test_F24_F20_look_alikes_stay_silent(tmp_path, monkeypatch):
    (tmp_path / "plain.py").write_bytes(b"class A[T](object):\r    x = {1}\rclass B:\r    pass\r")
    (tmp_path / "text.py").write_bytes(b"s = '\\rclass C(tf.keras.Model): pass'\n")
    result = run(["check", "--statistics", "."], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stdout
    assert "0 parsed" in result.stderr


def test_F17_linked_worktree_reads_the_common_info_exclude(repository, tmp_path):
    (repository / ".git" / "info" / "exclude").write_text("generated.py\n")
    (repository / ".git" / "worktrees" / "wt").mkdir(parents=True)
    (repository / ".git" / "worktrees" / "wt" / "commondir").write_text("../..\n")
    linked = tmp_path / "wt"
    tree(linked, {"generated.py": TRAP, "model.py": TRAP, "inner/x.py": TRAP, "inner/generated.py": TRAP,
                  "inner/.git/info/exclude": "x.py\n"})  # a nested repository: its own rules only
    (linked / ".git").write_text(f"gitdir: {repository / '.git' / 'worktrees' / 'wt'}\n")
    assert found(linked) == ["inner/generated.py", "model.py"]
