"""Ctrl-C (SIGINT) and SIGTERM while a run is under way.

Either signal raises `Interrupted` (a KeyboardInterrupt, as Python's own Ctrl-C) in the
coordinator, so that the run stops where it is. What went wrong with that (R11, issue 17's CI):

- Python drops an exception raised while it runs a finalizer (a `__del__`, such as the one of
  multiprocessing's Connection, or a weakref callback): it prints "Exception ignored ..." with a
  traceback, and the run went on to its end as if never interrupted (1 in 150 interrupts of a
  busy pool, measured). So the signal is also recorded, the run looks at the record at each
  file (`check`), and Python's report of the dropped exception is not printed.
- Python 3.11 wraps an exception raised in `__set_name__` in a RuntimeError: a Ctrl-C landing
  in the import of libcst (its nodes are dataclasses) ended in a traceback and exit 1 (8 in
  200 interrupts at random moments). Any exception out of a run after a signal is that signal's.
- Once interrupted, the process has nothing left to do but say so and exit. Python's own exit
  puts SIGINT back to its default early on, and a signal landing there (a second Ctrl-C) kills
  the process by that signal instead of exit code 130 (CI saw such an exit once, after the
  line; not reproduced since). So the command line exits at once (`exit_now`), and a second
  signal is recorded, not raised.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop by `signum`."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_caught: int | None = None  # the first signal received in the last `handled()` block, if any
_active = False  # in a `handled()` block: only there does `check` raise


def caught() -> int | None:
    """The signal that interrupted the run, if one did."""
    return _caught


@contextmanager
def handled() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Interrupted` in this block; the first is recorded. Outside the
    main thread (where Python lets no handler be set) nothing changes."""
    global _caught, _active
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _caught = None
    previous = {signum: signal.signal(signum, _on_signal) for signum in SIGNALS}
    unraisable = sys.unraisablehook
    sys.unraisablehook = _quiet_about_interrupts(unraisable)
    _active = True
    try:
        yield
    except Exception as error:
        if _caught is None:
            raise
        # what the interrupt became on its way: a class body wraps what `__set_name__` raises in
        # a RuntimeError (Python 3.11; libcst's import, interrupted, ended in a traceback)
        raise Interrupted(_caught) from error
    finally:
        _active = False
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = unraisable


def check() -> None:
    """In a `handled()` block, raise `Interrupted` if a signal came whose exception Python
    dropped."""
    if _active and _caught is not None:
        raise Interrupted(_caught)


def exit_now(code: int) -> None:
    """End the process with `code` after flushing its output, skipping Python's own exit."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or its reader gone: nothing more can be said
            pass
    os._exit(code)


def _on_signal(signum: int, frame: object) -> None:
    global _caught
    if _caught is not None:  # a second Ctrl-C while the first is being handled: noted already
        return
    _caught = signum
    raise Interrupted(signum)


def _quiet_about_interrupts(hook):
    def unraisable(info) -> None:
        if not isinstance(info.exc_value, Interrupted):
            hook(info)

    return unraisable
