"""Whether to paint: the command line's and quick.py's one answer."""

from __future__ import annotations

import os
import sys


def use_color(choice: str, err: bool = False) -> bool:
    """--color auto paints only a terminal, and honours NO_COLOR (no-color.org) and FORCE_COLOR;
    always and never win over both."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return (sys.stderr if err else sys.stdout).isatty()
