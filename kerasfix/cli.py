"""The command line: parse options, call the runner, print. No rule logic here."""

from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__, typer_values

typer_values.install()  # before any command line is parsed (0.08 s of a warm check: see there)

app = typer.Typer(
    name="kerasfix",
    help="Find and fix Keras layers and models whose weights TensorFlow silently loses.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

PathsArg = typer.Argument(None, help="Files or folders (default: the current folder); - reads stdin.")
SelectOpt = typer.Option(None, "--select", help="Only these rule codes or prefixes (comma separated).")
IgnoreOpt = typer.Option(None, "--ignore", help="Skip these rule codes or prefixes (comma separated).")
ExtendSelectOpt = typer.Option(None, "--extend-select", help="Also these rule codes or prefixes, on top of `select`.")
ExtendIgnoreOpt = typer.Option(None, "--extend-ignore", help="Skip these too, on top of `ignore` (as --ignore).")
ConfigOpt = typer.Option(None, "--config", help="Read \\[tool.kerasfix] from this TOML file, not the pyproject.toml "
                         "found above the first path.")
StdinFilenameOpt = typer.Option(None, "--stdin-filename",
                                help="The path of the file read from - : its config, module and package.")
ExcludeOpt = typer.Option(None, "--exclude", help="gitignore-style patterns of paths to skip (repeatable).")
FormatOpt = typer.Option("text", "--format", help="text, json, github or sarif.")
JobsOpt = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: every core).")
NoCacheOpt = typer.Option(False, "--no-cache", help="Neither read nor write the result cache.")
UnsafeOpt = typer.Option(None, "--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that may change behaviour.")
ReportOpt = typer.Option(None, "--report", help="Write a migration report: a .md or .json file.")
KerasBaseOpt = typer.Option(None, "--keras-base",
                            help="A third-party Keras layer class, dotted (somelib.Layer); repeatable.")
StatsOpt = typer.Option(False, "--statistics",
                        help="Print what the run scanned, parsed and found, and how long it took.")
QuietOpt = typer.Option(0, "--quiet", "-q", count=True, show_default=False,
                        help="Print only findings, no summary; -qq: not even findings (errors still print).")
VerboseOpt = typer.Option(False, "--verbose", "-v",
                          help="Also print the settings used, how each file was answered, and statistics.")
ColorOpt = typer.Option("auto", "--color", help="auto (on a terminal, unless NO_COLOR is set), always or never.")
COLORS = ("auto", "always", "never")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kerasfix {__version__}")
        raise typer.Exit()


@dataclass
class _Globals:
    """The options that may come before the command as well as after it (`kerasfix -q check`,
    as ruff takes its global ones)."""

    quiet: int = 0
    verbose: bool = False
    color: str = "auto"
    config: Optional[Path] = None
    no_cache: bool = False


@app.callback()
def _main(ctx: typer.Context,
          version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                       help="Show the version and exit."),
          quiet: int = QuietOpt, verbose: bool = VerboseOpt, color: str = ColorOpt,
          config: Optional[Path] = ConfigOpt, no_cache: bool = NoCacheOpt) -> None:
    """Find and fix Keras layers and models whose weights TensorFlow silently loses.

    -q, -v, --color, --config and --no-cache may also come before the command; given after
    it too, the command's own win."""
    _check_output_options(quiet, verbose, color)
    ctx.obj = _Globals(quiet, verbose, color, config, no_cache)


def _given(ctx: typer.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source.name != "DEFAULT"


def _with_globals(ctx: typer.Context, quiet: int, verbose: bool, color: str, config: Optional[Path],
                  no_cache: bool) -> tuple[int, bool, str, Optional[Path], bool]:
    """The command's options, each completed by the same option given before the command.
    -q and -v are one setting, the verbosity: either after the command replaces both before."""
    before = ctx.obj if isinstance(ctx.obj, _Globals) else _Globals()
    if not (_given(ctx, "quiet") or _given(ctx, "verbose")):
        quiet, verbose = before.quiet, before.verbose
    return (quiet, verbose, color if _given(ctx, "color") else before.color,
            config if _given(ctx, "config") else before.config, no_cache or before.no_cache)


def _fail(message: str) -> "typer.Exit":
    typer.echo(f"kerasfix: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def _use_color(choice: str, err: bool = False) -> bool:
    """--color auto paints only a terminal, and honours NO_COLOR (no-color.org) and FORCE_COLOR;
    always and never win over both."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return (sys.stderr if err else sys.stdout).isatty()


def _check_output_options(quiet: int, verbose: bool, color: str) -> None:
    if color not in COLORS:
        raise _fail(f"--color must be one of {', '.join(COLORS)}")
    if quiet and verbose:
        raise _fail("--quiet and --verbose cannot be used together")


def _split(values: Optional[List[str]]) -> Optional[List[str]]:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _check_report_path(report: Optional[Path]) -> None:
    """A report that cannot be written is a usage error found before any file is touched."""
    if report is None:
        return
    if report.suffix not in (".json", ".md", ".markdown"):
        raise _fail(f"--report {report}: the report must be a .md or .json file")
    if report.is_dir():
        raise _fail(f"--report {report}: is a folder")
    folder = report.parent
    if not folder.is_dir():
        raise _fail(f"--report {report}: no such folder {folder}")
    if report.exists():
        if not os.access(report, os.W_OK):
            raise _fail(f"--report {report}: not writable")
        return
    import tempfile

    try:  # a file made and removed: the only sure test that the report can be created
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise _fail(f"--report {report}: cannot create a file in {folder}: {error.strerror or error}") from None


@dataclass
class _More:
    """The configuration flags both commands share beyond the first ones."""

    extend_select: Optional[List[str]] = None
    extend_ignore: Optional[List[str]] = None
    config: Optional[Path] = None
    stdin_filename: Optional[Path] = None
    decide: object = None  # `apply --interactive`'s _Review
    quiet: int = 0  # -q: no progress bar either, as nothing but findings is printed
    fix_edits: bool = False  # findings carry their fix's edits (check --format json/sarif)


def _stdin_named(result, stdin_filename: Optional[Path]) -> None:
    """With --stdin-filename, findings name that path instead of `-`."""
    if stdin_filename is None or result is None:
        return
    for f in result.files:
        if f.path == "-":
            f.path = _shown(stdin_filename)


def _shown(path: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _run(paths, select, ignore, exclude, jobs, no_cache, unsafe_fixes, mode, report=None, keras_bases=None,
         verbose=False, more=None):
    from .config import ConfigError, load_settings
    from .runner import run

    _check_report_path(report)
    more = more or _More()
    paths = [Path(p) for p in (paths or (["-"] if more.stdin_filename else ["."]))]  # as ruff: stdin
    start = paths[0] if str(paths[0]) != "-" else (more.stdin_filename or Path.cwd())
    try:
        settings = load_settings(
            start, select=_split(select), ignore=_split(ignore),
            exclude=exclude, unsafe_fixes=unsafe_fixes, jobs=jobs, cache=False if no_cache else None,
            keras_bases=_split(keras_bases), extend_select=_split(more.extend_select),
            extend_ignore=_split(more.extend_ignore), config=more.config,
        )
    except ConfigError as error:
        raise _fail(str(error)) from None
    settings.stdin_filename = more.stdin_filename
    if verbose:
        for line in _settings_lines(settings):
            typer.echo(line, err=True)
    _check_codes(settings)
    missing = [p for p in paths if str(p) != "-" and not p.exists()]
    for path in missing:
        typer.echo(f"{path}: error: no such file or folder", err=True)
    existing = [p for p in paths if p not in missing]
    main_thread = threading.current_thread() is threading.main_thread()  # signals need it
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        result = run(existing, settings, mode, progress=None if more.decide or more.quiet else _progress_bar(),
                     decide=more.decide, fix_edits=more.fix_edits) if existing else None
    except KeyboardInterrupt as interrupt:
        # every write renames a finished temporary file over the original: none is half-written
        terminated = isinstance(interrupt, _Terminated)
        typer.echo(f"kerasfix: {'terminated' if terminated else 'interrupted'}; files already rewritten "
                   "are complete, the rest untouched", err=True)
        raise typer.Exit(128 + (signal.SIGTERM if terminated else signal.SIGINT)) from None
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    return result, bool(missing)


def _check_codes(settings) -> None:
    """Every code or prefix named must be some rule's: a typo would select or skip nothing."""
    places = [("", code) for code in (settings.select or set()) | settings.ignore]
    places += [(f"{settings.config_file}: `per-file-ignores` \"{pattern}\": ", code)
               for pattern, codes in settings.per_file_ignores for code in sorted(codes)]
    if not places:
        return
    from .rules import RULES  # imports libcst: only when there are codes to check

    for where, code in sorted(places):
        if not any(rule.startswith(code) for rule in RULES):
            raise _fail(f"{where}unknown rule code or prefix {code!r} (see `kerasfix rules`)")


def _settings_lines(settings) -> list[str]:
    """`--verbose`: where the settings came from and what they are, before the run."""
    source = (f"{settings.config_file} and the command line" if settings.config_file
              else "the command line (no pyproject.toml found)")
    return [
        f"kerasfix {__version__}: settings from {source}",
        f"select: {'every rule' if settings.select is None else _listed(settings.select)}; "
        f"ignore: {_listed(settings.ignore)}; unsafe fixes: {'on' if settings.unsafe_fixes else 'off'}; "
        f"exclude: {_listed(settings.exclude)}; keras bases: {_listed(settings.keras_bases)}; "
        f"per-file ignores: {_listed(f'{p}: {_listed(c)}' for p, c in settings.per_file_ignores)}; "
        f"cache: {'on' if settings.cache else 'off'}; jobs: {settings.jobs or 'every core'}",
    ]


def _listed(values) -> str:
    return ", ".join(sorted(values)) or "none"


def _progress_bar():
    """A rich progress bar on a terminal for runs over many files; nothing otherwise."""
    if not sys.stderr.isatty():
        return None

    def start(total: int):
        if total < 50:
            return None
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(transient=True, console=Console(stderr=True))  # stdout stays for results
        bar.start()
        task = bar.add_task("kerasfix", total=total)

        def tick():
            bar.advance(task)
            if bar.finished:
                bar.stop()

        return tick

    return start


def _finish(result, missing: bool, exit_code: int, report_path: Optional[Path], statistics: bool,
            verbose: bool = False) -> None:
    from .report import error_lines, file_status_lines, run_statistics

    if verbose:
        for line in file_status_lines(result):
            typer.echo(line, err=True)
    for line in error_lines(result):
        typer.echo(line, err=True)
    if report_path is not None:
        from .migration import write_report

        try:
            write_report(result, report_path)
        except (OSError, ValueError) as error:
            typer.echo(f"{report_path}: error: cannot write report: {error}", err=True)
            exit_code = EXIT_ERROR
    if statistics or verbose:
        typer.echo(run_statistics(result), err=True)
    if result.errors or missing:
        exit_code = EXIT_ERROR
    raise typer.Exit(exit_code)


@app.command()
def check(
    ctx: typer.Context,
    paths: Optional[List[str]] = PathsArg,
    select: Optional[List[str]] = SelectOpt,
    ignore: Optional[List[str]] = IgnoreOpt,
    extend_select: Optional[List[str]] = ExtendSelectOpt,
    extend_ignore: Optional[List[str]] = ExtendIgnoreOpt,
    config: Optional[Path] = ConfigOpt,
    stdin_filename: Optional[Path] = StdinFilenameOpt,
    exclude: Optional[List[str]] = ExcludeOpt,
    output_format: str = FormatOpt,
    jobs: Optional[int] = JobsOpt,
    no_cache: bool = NoCacheOpt,
    unsafe_fixes: Optional[bool] = UnsafeOpt,
    report: Optional[Path] = ReportOpt,
    statistics: bool = StatsOpt,
    keras_base: Optional[List[str]] = KerasBaseOpt,
    exit_zero: bool = typer.Option(False, "--exit-zero",
                                   help="Exit 0 even when there are findings (errors still exit 2)."),
    quiet: int = QuietOpt,
    verbose: bool = VerboseOpt,
    color: str = ColorOpt,
) -> None:
    """List every finding as `path:line:col: CODE [*] message`. Exit 0: none, 1: some, 2: error."""
    from .report import FORMATS
    from .results import Mode

    if output_format not in FORMATS:
        raise _fail(f"--format must be one of {', '.join(FORMATS)}")
    _check_output_options(quiet, verbose, color)
    quiet, verbose, color, config, no_cache = _with_globals(ctx, quiet, verbose, color, config, no_cache)
    result, missing = _run(paths, select, ignore, exclude, jobs, no_cache, unsafe_fixes, Mode.CHECK, report, keras_base,
                           verbose, _More(extend_select, extend_ignore, config, stdin_filename, quiet=quiet,
                                          fix_edits=output_format in ("json", "sarif")))
    if result is None:
        raise typer.Exit(EXIT_ERROR)
    _stdin_named(result, stdin_filename)
    _echo_check(result, output_format, quiet, color)
    has_findings = any(f.findings for f in result.files) and not exit_zero
    _finish(result, missing, EXIT_FINDINGS if has_findings else EXIT_CLEAN, report, statistics, verbose)


def _echo_check(result, output_format: str, quiet: int, color: str) -> None:
    """The findings, then the summary; -q: the findings only; -qq: nothing. Only text is painted."""
    from .report import check_summary, finding_lines, text_finding_lines

    if quiet >= 2:
        return
    if output_format != "text":
        for line in finding_lines(result, output_format):
            typer.echo(line)
        return
    painted = _use_color(color)
    for line in text_finding_lines(result, color=painted):
        typer.echo(line, color=painted or None)  # None: click's own choice, as before --color
    if not quiet:
        typer.echo(check_summary(result, color=painted), color=painted or None)


@app.command()
def apply(
    ctx: typer.Context,
    paths: Optional[List[str]] = PathsArg,
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff of the fixes; write nothing."),
    select: Optional[List[str]] = SelectOpt,
    ignore: Optional[List[str]] = IgnoreOpt,
    extend_select: Optional[List[str]] = ExtendSelectOpt,
    extend_ignore: Optional[List[str]] = ExtendIgnoreOpt,
    config: Optional[Path] = ConfigOpt,
    stdin_filename: Optional[Path] = StdinFilenameOpt,
    exclude: Optional[List[str]] = ExcludeOpt,
    unsafe_fixes: Optional[bool] = UnsafeOpt,
    jobs: Optional[int] = JobsOpt,
    no_cache: bool = NoCacheOpt,
    report: Optional[Path] = ReportOpt,
    statistics: bool = StatsOpt,
    keras_base: Optional[List[str]] = KerasBaseOpt,
    quiet: int = QuietOpt,
    verbose: bool = VerboseOpt,
    color: str = ColorOpt,
    output_format: str = typer.Option("text", "--format", help="text, or json: what was fixed and what is left "
                                      "(the --report JSON) on stdout, instead of the text and the diff."),
    interactive: bool = typer.Option(False, "--interactive", "-i",
                                     help="Show each fix as a diff and ask whether to apply it."),
) -> None:
    """Write the fixes in place (or show them with --diff), and list what is left for a person.

    Exit 0: nothing left; 1: findings left (with --diff: something would change); 2: error."""
    from .report import unified_diff
    from .results import Mode

    _check_output_options(quiet, verbose, color)
    quiet, verbose, color, config, no_cache = _with_globals(ctx, quiet, verbose, color, config, no_cache)
    if output_format not in ("text", "json"):
        raise _fail("--format must be text or json for apply")
    if output_format == "json" and "-" in (paths or []):
        raise _fail("--format json cannot be used with - (stdout carries the fixed source)")
    review = _interactive_review(diff, paths, stdin_filename, output_format) if interactive else None
    mode = Mode.DIFF if diff else Mode.FIX
    result, missing = _run(paths, select, ignore, exclude, jobs, no_cache, unsafe_fixes, mode, report, keras_base,
                           verbose, _More(extend_select, extend_ignore, config, stdin_filename, review, quiet))
    if result is None:
        raise typer.Exit(EXIT_ERROR)
    if output_format == "json":
        from .migration import as_json

        typer.echo(as_json(result), nl=False)
        pending = any(f.changed for f in result.files) if diff else any(f.remaining for f in result.files)
        _finish(result, missing, EXIT_FINDINGS if pending else EXIT_CLEAN, report, statistics)
    stdin_result = next((f for f in result.files if f.path == "-"), None)
    _stdin_named(result, stdin_filename)
    if diff:
        sys.stdout.flush()
        for f in result.files:
            if f.changed:
                sys.stdout.buffer.write(unified_diff(f))  # bytes: each file's own encoding, never painted
        sys.stdout.buffer.flush()
        _echo_apply(result, quiet, _use_color(color, err=True), written=False, err=True)
        changed = any(f.changed for f in result.files)
        _finish(result, missing, EXIT_FINDINGS if changed else EXIT_CLEAN, report, statistics, verbose)
    if stdin_result is not None and stdin_result.error is None:
        _write_stdin_result(stdin_result)
    out_err = stdin_result is not None  # keep stdout for the fixed source
    _echo_apply(result, quiet, _use_color(color, err=out_err), written=True, err=out_err)
    left = any(f.remaining for f in result.files)
    _finish(result, missing, EXIT_FINDINGS if left else EXIT_CLEAN, report, statistics, verbose)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _interactive_review(diff: bool, paths, stdin_filename, output_format: str) -> "_Review":
    """The questions of `apply --interactive`, once its options are known to fit them."""
    if diff:
        raise _fail("--interactive cannot be used with --diff")
    if "-" in (paths or []) or (not paths and stdin_filename):
        raise _fail("--interactive cannot be used with - (stdin carries the source, not the answers)")
    if output_format != "text":
        raise _fail("--interactive cannot be used with --format json")
    if not _stdin_is_terminal():
        raise _fail("--interactive needs a terminal on stdin to ask its questions")
    return _Review()


class _Review:
    """`apply --interactive`: one question per fix (`git add -p`'s), and the answers that
    hold for the rest of the run ([a]ll of a rule, [d]one with it, [q]uit)."""

    QUESTION = "Apply this fix? [y]es / [n]o / [a]ll of this rule / [d]one with this rule / [q]uit"

    def __init__(self) -> None:
        self.accept: set[str] = set()
        self.refuse: set[str] = set()
        self.stopped = False

    def __call__(self, path: str, report, before: str, after: str, first_line: int) -> bool:
        if self.stopped or report.code in self.refuse:
            return False
        if report.code in self.accept:
            return True
        unsafe = " (unsafe fix)" if report.fix_safety == "unsafe" else ""
        typer.echo(f"{path}:{report.line}:{report.column}: {report.code} {report.message}{unsafe}")
        typer.echo(_fix_diff(path, before, after, first_line), nl=False)
        while True:
            try:
                answer = typer.prompt(self.QUESTION, default="", show_default=False).strip().lower()[:1]
            except typer.Abort:  # end of input, Ctrl-C: as [q]uit, the yeses so far kept
                answer = "q"
                typer.echo("")
            if answer in ("y", "n"):
                return answer == "y"
            if answer in ("a", "d"):
                (self.accept if answer == "a" else self.refuse).add(report.code)
                return answer == "a"
            if answer == "q":
                self.stopped = True
                return False


def _fix_diff(path: str, before: str, after: str, first_line: int) -> str:
    """One fix's unified diff (3 lines of context), its lines numbered as in the file."""
    import difflib
    import re

    def moved(match: re.Match) -> str:
        return f"-{int(match.group(1)) + first_line - 1}{match.group(2) or ''} " \
               f"+{int(match.group(3)) + first_line - 1}{match.group(4) or ''}"

    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{path}", f"b/{path}", n=3)
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return re.sub(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", lambda m: f"@@ {moved(m)} @@", text, flags=re.M)


def _echo_apply(result, quiet: int, color: bool, *, written: bool, err: bool) -> None:
    """What was fixed, what is left, the summary; -q: only what is left; -qq: nothing."""
    from .report import apply_lines, apply_summary, text_finding_lines

    if quiet >= 2:
        return
    lines = (text_finding_lines(result, remaining=True, color=color) if quiet
             else apply_lines(result, color=color, written=written))
    for line in lines:
        typer.echo(line, err=err, color=color or None)
    if not quiet:
        typer.echo(apply_summary(result, written=written, color=color), err=err, color=color or None)


def _write_stdin_result(f) -> None:
    """`apply -` answers in the input's own encoding, BOM included (`utf-8-sig` writes it)."""
    encoding = f.encoding or "utf-8"
    original = f.original if f.original is not None else ""
    try:
        data = (f.new_source if f.changed else original).encode(encoding)
    except UnicodeEncodeError as error:  # the input comes back as it was: an editor keeps its buffer
        f.error = (f"kerasfix could not write its fix in the input's encoding ({encoding} cannot hold "
                   f"{error.object[error.start:error.end]!r}; please report this); input left unchanged")
        f.new_source, f.fixed, f.remaining = None, {}, list(f.findings)
        data = original.encode(encoding)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, whether it fixes, and how safely."""
    from .rules._catalog import listing

    typer.echo(listing())


@app.command()
def explain(code: str = typer.Argument(..., help="A rule code, e.g. KF101.")) -> None:
    """Print a rule's page: what it finds, why it loses weights, the fix and its safety."""
    from .rules import RULES

    rule = RULES.get(code.upper())
    if rule is None:
        raise _fail(f"unknown rule {code!r} (see `kerasfix rules`)")
    typer.echo(f"# {rule.code} {rule.name}\n")
    typer.echo(f"{rule.summary[:1].upper()}{rule.summary[1:]}.\n")
    typer.echo(f"Fix: {rule.fix.value}; safety: {rule.safety_label} (see Fix safety below).\n")
    typer.echo(rule.doc.rstrip())


def main() -> None:
    app()
