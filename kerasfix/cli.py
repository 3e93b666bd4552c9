"""The command line: parse options, call the runner, print. No rule logic here."""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from . import __version__, interrupts, typer_values
from .terminal import use_color as _use_color

if TYPE_CHECKING:
    from .review import Review

typer_values.install()  # before any command line is parsed (0.08 s of a warm check: see there)
typer_values.plain_help_types()

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
TargetOpt = typer.Option(None, "--target-keras",
                         help="The Keras line the project runs on: 3, 2 (tf_keras) or both (default: inferred).")
StatsOpt = typer.Option(False, "--statistics",
                        help="Print what the run scanned, parsed and found, how long it took, and a table "
                        "per rule: code, name, count, fixable.")
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


def _with_globals(ctx: typer.Context, options: _Options) -> _Options:
    """The command's options, each completed by the same option given before the command.
    -q and -v are one setting, the verbosity: either after the command replaces both before."""
    _check_output_options(options.quiet, options.verbose, options.color)
    before = ctx.obj if isinstance(ctx.obj, _Globals) else _Globals()
    if not (_given(ctx, "quiet") or _given(ctx, "verbose")):
        options.quiet, options.verbose = before.quiet, before.verbose
    options.color = options.color if _given(ctx, "color") else before.color
    options.config = options.config if _given(ctx, "config") else before.config
    options.no_cache = options.no_cache or before.no_cache
    return options


def _fail(message: str) -> "typer.Exit":
    typer.echo(f"kerasfix: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


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
class _Options:
    """A command's options, gathered once (those given before the command included, see
    `_with_globals`) and handed on whole."""

    paths: Optional[List[str]] = None
    select: Optional[List[str]] = None
    ignore: Optional[List[str]] = None
    extend_select: Optional[List[str]] = None
    extend_ignore: Optional[List[str]] = None
    config: Optional[Path] = None
    stdin_filename: Optional[Path] = None
    exclude: Optional[List[str]] = None
    jobs: Optional[int] = None
    no_cache: bool = False
    unsafe_fixes: Optional[bool] = None
    report: Optional[Path] = None
    statistics: bool = False
    keras_base: Optional[List[str]] = None
    quiet: int = 0  # -q: no progress bar either, as nothing but findings is printed
    verbose: bool = False
    color: str = "auto"
    output_format: str = "text"
    target_keras: Optional[str] = None

    @property
    def reads_stdin(self) -> bool:
        """`-` among the paths, or no path and --stdin-filename (as ruff: stdin)."""
        return "-" in (self.paths or []) or (not self.paths and self.stdin_filename is not None)


def _run(options: _Options, mode, review=None, fix_edits: bool = False):
    from .results import Mode
    from .runner import RunOptions, run

    _check_report_path(options.report)
    if options.report is not None or (mode is not Mode.CHECK and options.output_format == "json"):
        from .provenance import date_error  # what dates a report (`apply --format json` is one)

        if date_error():
            typer.echo(f"kerasfix: warning: {date_error()}", err=True)
    paths = [Path(p) for p in (options.paths or (["-"] if options.stdin_filename else ["."]))]
    settings = _settings(options, paths[0] if str(paths[0]) != "-" else (options.stdin_filename or Path.cwd()))
    missing = [p for p in paths if str(p) != "-" and not p.exists()]
    for path in missing:
        typer.echo(f"{path}: error: no such file or folder", err=True)
    existing = [p for p in paths if p not in missing]
    progress = None if review or options.quiet else _progress_bar()
    try:
        with interrupts.handled():
            result = run(existing, RunOptions(mode, settings, review, fix_edits, progress)) if existing else None
            interrupts.check()  # a signal whose exception Python dropped, after the last file
    except KeyboardInterrupt as interrupt:
        # every write renames a finished temporary file over the original: none is half-written
        terminated = isinstance(interrupt, interrupts.Interrupted) and interrupt.signum == signal.SIGTERM
        typer.echo(f"kerasfix: {'terminated' if terminated else 'interrupted'}; files already rewritten "
                   "are complete, the rest untouched", err=True)
        raise typer.Exit(128 + (signal.SIGTERM if terminated else signal.SIGINT)) from None
    return result, bool(missing)


def _settings(options: _Options, start: Path):
    """The settings: [tool.kerasfix] found from `start`, then the options; every one checked
    before any file is read."""
    from .config import ConfigError, Flags, load_settings

    try:
        settings = load_settings(start, Flags(
            select=_split(options.select), ignore=_split(options.ignore), exclude=options.exclude,
            unsafe_fixes=options.unsafe_fixes, jobs=options.jobs, cache=False if options.no_cache else None,
            keras_bases=_split(options.keras_base), extend_select=_split(options.extend_select),
            extend_ignore=_split(options.extend_ignore), config=options.config, target_keras=options.target_keras,
        ))
    except ConfigError as error:
        raise _fail(str(error)) from None
    settings.stdin_filename = options.stdin_filename
    if options.verbose:
        for line in _settings_lines(settings):
            typer.echo(line, err=True)
    _check_codes(settings)
    return settings


def _check_codes(settings) -> None:
    """Every code or prefix named must be some rule's: a typo would select or skip nothing."""
    places = [("", code) for code in (settings.select or set()) | settings.ignore | settings.extend_select]
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


def _finish(result, options: _Options, missing: bool, exit_code: int) -> None:
    from .report import error_lines, file_status_lines, run_statistics, statistics_table

    if options.verbose:
        if result.settings is not None and result.settings.target is not None:
            target = result.settings.target
            typer.echo(f"target Keras: {target.name} ({target.reason})", err=True)
        for line in file_status_lines(result):
            typer.echo(line, err=True)
    for line in error_lines(result):
        typer.echo(line, err=True)
    if options.report is not None:
        from .migration import write_report

        try:
            write_report(result, options.report)
        except (OSError, ValueError) as error:
            typer.echo(f"{options.report}: error: cannot write report: {error}", err=True)
            exit_code = EXIT_ERROR
    if options.statistics or options.verbose:
        typer.echo(run_statistics(result) + (statistics_table(result) if options.statistics else ""), err=True)
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
    target_keras: Optional[str] = TargetOpt,
    exit_zero: bool = typer.Option(False, "--exit-zero",
                                   help="Exit 0 even when there are findings (errors still exit 2)."),
    quiet: int = QuietOpt,
    verbose: bool = VerboseOpt,
    color: str = ColorOpt,
    fix: bool = typer.Option(False, "--fix", help="Apply the fixes: `kerasfix apply` with the same options."),
) -> None:
    """List every finding as `path:line:col: CODE [*] message`. Exit 0: none, 1: some, 2: error."""
    from .report import FORMATS
    from .results import Mode

    if output_format not in FORMATS:
        raise _fail(f"--format must be one of {', '.join(FORMATS)}")
    options = _with_globals(ctx, _Options(paths, select, ignore, extend_select, extend_ignore, config, stdin_filename,
                                          exclude, jobs, no_cache, unsafe_fixes, report, statistics, keras_base,
                                          quiet, verbose, color, output_format, target_keras))
    if fix:  # ruff's `check --fix`: an alias of apply (exit codes and output are apply's)
        _apply(options, diff=False, interactive=False)
    result, missing = _run(options, Mode.CHECK, fix_edits=output_format in ("json", "sarif"))
    if result is None:
        raise typer.Exit(EXIT_ERROR)
    _echo_check(result, options)
    has_findings = any(f.findings for f in result.files) and not exit_zero
    _finish(result, options, missing, EXIT_FINDINGS if has_findings else EXIT_CLEAN)


def _echo_check(result, options: _Options) -> None:
    """The findings, then the summary; -q: the findings only; -qq: nothing. Only text is painted."""
    from .report import check_summary, finding_lines, text_finding_lines

    if options.quiet >= 2:
        return
    if options.output_format != "text":
        for line in finding_lines(result, options.output_format):
            typer.echo(line)
        return
    painted = _use_color(options.color)
    for line in text_finding_lines(result, color=painted, helps=not options.quiet):
        typer.echo(line, color=painted or None)  # None: click's own choice, as before --color
    if not options.quiet:
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
    target_keras: Optional[str] = TargetOpt,
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
    options = _with_globals(ctx, _Options(paths, select, ignore, extend_select, extend_ignore, config, stdin_filename,
                                          exclude, jobs, no_cache, unsafe_fixes, report, statistics, keras_base,
                                          quiet, verbose, color, output_format, target_keras))
    _apply(options, diff, interactive)


def _apply(options: _Options, diff: bool, interactive: bool) -> None:
    from .results import Mode

    output_format = options.output_format
    if output_format not in ("text", "json"):
        raise _fail("--format must be text or json for apply")
    if output_format == "json" and "-" in (options.paths or []):
        raise _fail("--format json cannot be used with - (stdout carries the fixed source)")
    review = _interactive_review(diff, options) if interactive else None
    result, missing = _run(options, Mode.DIFF if diff else Mode.FIX, review)
    if result is None:
        raise typer.Exit(EXIT_ERROR)
    if output_format == "json":
        from .migration import as_json

        typer.echo(as_json(result), nl=False)
        pending = any(f.changed for f in result.files) if diff else any(f.remaining for f in result.files)
        _finish(result, replace(options, verbose=False), missing, EXIT_FINDINGS if pending else EXIT_CLEAN)
    if diff:
        _echo_diff(result, options, missing)
    for f in result.files:
        if f.stdout is not None:
            sys.stdout.flush()
            sys.stdout.buffer.write(f.stdout)
            sys.stdout.buffer.flush()
    _echo_apply(result, options.quiet, _use_color(options.color, err=result.reads_stdin), written=True,
                err=result.reads_stdin)  # stdout carries the fixed source
    left = any(f.remaining for f in result.files)
    _finish(result, options, missing, EXIT_FINDINGS if left else EXIT_CLEAN)


def _echo_diff(result, options: _Options, missing: bool) -> None:
    from .report import unified_diff

    sys.stdout.flush()
    for f in result.files:
        if f.changed:
            sys.stdout.buffer.write(unified_diff(f))  # bytes: each file's own encoding, never painted
    sys.stdout.buffer.flush()
    _echo_apply(result, options.quiet, _use_color(options.color, err=True), written=False, err=True)
    changed = any(f.changed for f in result.files)
    _finish(result, options, missing, EXIT_FINDINGS if changed else EXIT_CLEAN)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _interactive_review(diff: bool, options: _Options) -> "Review":
    """The questions of `apply --interactive`, once its options are known to fit them."""
    if diff:
        raise _fail("--interactive cannot be used with --diff")
    if options.reads_stdin:
        raise _fail("--interactive cannot be used with - (stdin carries the source, not the answers)")
    if options.output_format != "text":
        raise _fail("--interactive cannot be used with --format json")
    if not _stdin_is_terminal():
        raise _fail("--interactive needs a terminal on stdin to ask its questions")
    from .review import Review

    return Review()


def _echo_apply(result, quiet: int, color: bool, *, written: bool, err: bool) -> None:
    """What was fixed, what is left, the summary; -q: only what is left; -qq: nothing."""
    from .report import apply_lines, apply_summary, text_finding_lines

    if quiet >= 2:
        return
    lines = (text_finding_lines(result, remaining=True, color=color, helps=False) if quiet
             else apply_lines(result, color=color, written=written))
    for line in lines:
        typer.echo(line, err=err, color=color or None)
    if not quiet:
        typer.echo(apply_summary(result, written=written, color=color), err=err, color=color or None)


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, whether it fixes, and how safely."""
    from .rules._catalog import listing

    typer.echo(listing())


@app.command()
def explain(code: str = typer.Argument(..., help="A rule code or name, e.g. KF101 or get-variable-in-layer.")) -> None:
    """Print a rule's page: what it finds, why it loses weights, the fix and its safety."""
    from .rules import RULES
    from .rules._catalog import page

    rule = RULES.get(code.upper()) or next((r for r in RULES.values() if r.name == code.lower()), None)
    if rule is None:
        raise _fail(f"unknown rule {code!r} (see `kerasfix rules`)")
    typer.echo(page(rule.code), nl=False)


@app.command()
def server(tcp: bool = typer.Option(False, "--tcp", help="Listen on TCP instead of stdio (for debugging)."),
           host: str = typer.Option("127.0.0.1", "--host", help="With --tcp: the address to listen on."),
           port: int = typer.Option(2087, "--port", help="With --tcp: the port to listen on.")) -> None:
    """Run the language server (LSP) for editors, on stdio: `pip install 'kerasfix[server]'`."""
    try:
        from .server import serve
    except ImportError as error:  # pygls is the `server` extra's, not a dependency of the command line
        raise _fail(f"the language server needs the `server` extra: pip install 'kerasfix[server]' ({error})") from None
    serve(tcp, host, port)


def main() -> None:
    try:
        app()
    except SystemExit as done:
        if interrupts.caught() is not None and isinstance(done.code, int):
            interrupts.exit_now(done.code)  # see interrupts.py: nothing is left to do
        raise
