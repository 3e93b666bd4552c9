"""`python -m kerasfix.rules`: print the README rules table; `--readme [README.md]`: rewrite the
table in that file from the registry."""

from __future__ import annotations

import sys
from pathlib import Path

from ._catalog import readme_table, readme_with_table


def main(argv: list[str]) -> int:
    if argv[:1] == ["--readme"]:
        path = Path(argv[1] if len(argv) > 1 else "README.md")
        text = path.read_text(encoding="utf-8")
        new = readme_with_table(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"{path}: rules table regenerated")
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    print(readme_table(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
