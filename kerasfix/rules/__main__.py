"""`python -m kerasfix.rules`: print the rules table (Markdown), as the documentation site's
rules index shows it (docs/hooks.py renders the site's pages from the same registry)."""

from __future__ import annotations

import sys

from ._catalog import rules_table


def main(argv: list[str]) -> int:
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    print(rules_table(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
