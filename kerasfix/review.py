"""`apply --interactive`'s questions at the terminal: each fix shown as its finding and diff,
and the person's answer."""

from __future__ import annotations

import typer

from .results import Offer


class Review:
    """`apply --interactive`: one question per fix (`git add -p`'s), and the answers that
    hold for the rest of the run ([a]ll of a rule, [d]one with it, [q]uit). A `Reviewer`."""

    QUESTION = "Apply this fix? [y]es / [n]o / [a]ll of this rule / [d]one with this rule / [q]uit"

    def __init__(self) -> None:
        self.accept: set[str] = set()
        self.refuse: set[str] = set()
        self.stopped = False

    def decide(self, offer: Offer) -> bool:
        report = offer.finding
        if self.stopped or report.code in self.refuse:
            return False
        if report.code in self.accept:
            return True
        unsafe = " (unsafe fix)" if report.fix_safety == "unsafe" else ""
        cell = f"cell {report.cell}:" if report.cell else ""  # a notebook's, as `check` names it
        typer.echo(f"{offer.path}:{cell}{report.line}:{report.column}: {report.code} {report.message}{unsafe}")
        typer.echo(fix_diff(offer), nl=False)
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


def fix_diff(offer: Offer) -> str:
    """One fix's unified diff (3 lines of context), its lines numbered as in the file; a
    notebook's: the diff of the cell it changes, as `apply --diff` shows it."""
    import difflib
    import re

    if offer.finding.cell:
        from .notebook import cell_diff

        return cell_diff(offer.path, offer.file_before, offer.file_after).decode("utf-8")

    def moved(match: re.Match) -> str:
        return f"-{int(match.group(1)) + offer.first_line - 1}{match.group(2) or ''} " \
               f"+{int(match.group(3)) + offer.first_line - 1}{match.group(4) or ''}"

    lines = difflib.unified_diff(offer.before.splitlines(keepends=True), offer.after.splitlines(keepends=True),
                                 f"a/{offer.path}", f"b/{offer.path}", n=3)
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return re.sub(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", lambda m: f"@@ {moved(m)} @@", text, flags=re.M)
