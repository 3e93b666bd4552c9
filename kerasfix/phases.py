"""Where a run's time goes, for `--statistics`: the seconds spent in each phase.

The coordinator times its own phases (scan, write) into the run's result; a worker times the
phases of the file it processes (prefilter, parse, rules) here, and hands them back with the
file's result (`take`), so that the coordinator sums them over every worker.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

ORDER = ("scan", "prefilter", "parse", "rules", "write")

_spent: dict[str, float] = {}


@contextmanager
def timed(phase: str, into: dict[str, float] | None = None) -> Iterator[None]:
    """Adds the seconds the block takes to `phase`, in `into` (default: this process's own)."""
    spent = _spent if into is None else into
    start = time.perf_counter()
    try:
        yield
    finally:
        spent[phase] = spent.get(phase, 0.0) + time.perf_counter() - start


def take() -> dict[str, float]:
    """This process's phases since the last call."""
    spent = dict(_spent)
    _spent.clear()
    return spent


def add(total: dict[str, float], spent: dict[str, float]) -> None:
    for phase, seconds in spent.items():
        total[phase] = total.get(phase, 0.0) + seconds


def line(spent: dict[str, float]) -> str:
    shown = [p for p in ORDER if p in spent] + sorted(set(spent) - set(ORDER))
    return ("phases: " + ", ".join(f"{p} {spent[p]:.2f}s" for p in shown)
            + " (prefilter, parse and rules: summed over the workers)")
