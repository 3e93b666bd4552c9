"""The command line's entry: a plain `kerasfix check [--exit-zero] [PATH ...]` that the files'
stats answer (runmemo.py) is printed before typer is imported (36 ms of a warm check's CPU,
measured on tensor2tensor: a third of it); anything else, or a run the stats do not answer, is
the command line's (cli.py), which then walks the tree again.

What is printed, and the exit code, are `cli.check`'s for those options, written as typer
(click) writes them: ANSI sequences stripped from a stream that is no terminal unless painted
on purpose, standard output closed early (`| head`) ending the run with 1. Whatever this path
cannot answer exactly as the command line would (settings naming rule codes, which the command
line checks against the rules; a path that does not exist; a stream not in UTF-8) it leaves to
the command line.
"""

from __future__ import annotations

import codecs
import os
import re
import sys

_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")  # click's strip_ansi


def main() -> None:
    code = _answered(sys.argv[1:])
    if code is None:
        from .cli import main as command_line

        command_line()
        return
    sys.exit(code)


def _answered(argv: list[str]) -> int | None:
    """The exit code of a check answered here; None: the command line's to answer."""
    if not argv or argv[0] != "check" or not all(_utf8(stream) for stream in (sys.stdout, sys.stderr)):
        return None
    exit_zero = "--exit-zero" in argv
    given = [arg for arg in argv[1:] if arg != "--exit-zero"]
    if any(arg.startswith("-") for arg in given) or argv.count("--exit-zero") > 1:
        return None
    from pathlib import Path

    from .config import ConfigError, load_settings

    paths = [Path(p) for p in (given or ["."])]
    if not all(path.exists() for path in paths):
        return None
    try:
        settings = load_settings(paths[0])
    except ConfigError:
        return None
    if settings.select or settings.ignore or settings.extend_select or settings.per_file_ignores:
        return None  # codes the command line checks against the rules' (which import libcst)
    from .runmemo import answer_from_stats

    result = answer_from_stats(paths, settings)
    if result is None:
        return None
    _print(result)
    if result.errors:
        return 2
    return 1 if any(f.findings for f in result.files) and not exit_zero else 0


def _print(result) -> None:
    from .report import check_summary, error_lines, text_finding_lines
    from .terminal import use_color

    painted = use_color("auto")
    try:
        for line in [*text_finding_lines(result, color=painted, helps=True), check_summary(result, color=painted)]:
            _echo(sys.stdout, line, painted or None)
        for line in error_lines(result):
            _echo(sys.stderr, line, None)
    except BrokenPipeError:  # as click: the reader is gone; nothing more to say, exit 1
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


def _echo(stream, line: str, color: bool | None) -> None:
    """As typer.echo (click.echo) writes a line: ANSI stripped unless painted, or on a terminal."""
    if (not stream.isatty()) if color is None else not color:
        line = _ANSI.sub("", line)
    stream.write(line + "\n")
    stream.flush()


def _utf8(stream) -> bool:
    try:
        return codecs.lookup(stream.encoding).name == "utf-8"
    except (AttributeError, LookupError, TypeError):
        return False
