"""Worker processes for a run: crash isolation and parent-death handling.

Each worker is a child process with a pipe of its own: the coordinator sends it a batch of
items and reads back their results, so it always knows which items a dead worker held. No
thread and no shared queue is involved: Python's ProcessPoolExecutor, interrupted while busy,
hung at exit on its feeder and manager threads in 14 of 20 interrupts (R11), and printed their
tracebacks. Workers write nothing, so killing them at any moment loses no user file.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from . import interrupts

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

PARALLEL_THRESHOLD = 8  # fewer items than this are not worth starting processes for (unless `apart`)
# the cyclic collector's first threshold while a pool is open (Python's: 700). The scan's and
# libcst's trees are many small objects and no cycles: a collection every 700 of them cost a
# tenth of a cold check's CPU on tensor2tensor (2.6 s -> 2.3 s in one process, measured)
COLLECT_EVERY = 10_000


class WorkerCrashed:
    """What `Pool.map` yields for an item whose process died."""


class Pool:
    """Up to `jobs` workers (default: every core), started by each `map` that has enough work."""

    def __init__(self, jobs: int | None):
        self.workers = jobs or os.cpu_count() or 1
        self._running: list[_Worker] = []
        self._threshold: tuple[int, ...] | None = None

    def preload(self, function: Callable[[], None]) -> None:
        """`function()` here, when workers are forked from this process: each then starts with
        what it imported, where each imported it for itself (libcst and the rules: 0.15 s of
        CPU per worker, measured)."""
        if _FORKS:
            function()

    def __enter__(self) -> "Pool":
        """Collections made rarer while open, here and in the workers forked from here."""
        self._threshold = gc.get_threshold()
        gc.set_threshold(max(COLLECT_EVERY, self._threshold[0]), *self._threshold[1:])
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)

    def map(self, function: Callable[[Any], Any], items: Sequence, tick: Callable[[], None] | None = None,
            chunk: int | None = None, apart: bool = False, meanwhile: Callable[[], None] | None = None) -> Iterator:
        """`function(item)` for each item, in order. With few items or one worker, in this
        process, unless `apart`: work that may crash natively (libcst's parser) is done in a
        worker even then, so that one file never costs the others. A worker that dies costs
        only the item it was on (WorkerCrashed), found by running its batch again item by
        item, each in a process of its own."""
        if not apart and (self.workers <= 1 or len(items) < PARALLEL_THRESHOLD):
            for item in items:
                interrupts.check()
                yield function(item)
                if tick:
                    tick()
            return
        chunk = chunk or max(1, min(16, len(items) // (self.workers * 4)))
        if _FORKS:  # each worker is forked holding the items: a batch names them by index
            function, items = _ByIndex(function, items), range(len(items))
        batches = [list(items[i:i + chunk]) for i in range(0, len(items), chunk)]
        try:
            for results in self._batches(function, batches, meanwhile if _FORKS else None):
                for value in results:
                    interrupts.check()  # a signal whose exception a finalizer dropped (interrupts.py)
                    if tick:
                        tick()
                    yield value
        finally:  # done, or interrupted: no worker outlives its map
            self._stop()

    def _batches(self, function: Callable, batches: list[list], meanwhile: Callable[[], None] | None = None,
                 ) -> Iterator[list]:
        from multiprocessing.connection import wait

        done: dict[int, list] = {}
        busy: dict[Connection, tuple[_Worker, int]] = {}
        sent = given = 0
        # few items (work kept apart only): one worker, not one libcst import per core
        wanted = 1 if sum(map(len, batches)) < PARALLEL_THRESHOLD else min(self.workers, len(batches))
        idle = [self._start(function) for _ in range(wanted)]
        while given < len(batches):
            while idle and sent < len(batches):
                worker = idle.pop()
                worker.connection.send(batches[sent])
                busy[worker.connection] = (worker, sent)
                sent += 1
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            ready = wait(list(busy))
            interrupts.check()
            for connection in ready:
                worker, number = busy.pop(connection)  # type: ignore[call-overload]  # wait gives back what it got
                results = worker.receive()
                if results is None:  # the worker died: its batch is run again, one process an item
                    self._retire(worker)
                    results = [_isolated(function, item) for item in batches[number]]
                    if sent < len(batches):
                        idle.append(self._start(function))
                else:
                    idle.append(worker)
                done[number] = results
            while given in done:
                yield done.pop(given)
                given += 1

    def _start(self, function: Callable) -> "_Worker":
        worker = _Worker.start(function)
        self._running.append(worker)
        return worker

    def _retire(self, worker: "_Worker") -> None:
        worker.stop()
        if worker in self._running:
            self._running.remove(worker)

    def _stop(self) -> None:
        for worker in self._running:
            worker.stop()
        self._running = []


class _Worker:
    """A child process serving `function` over its own pipe."""

    def __init__(self, process: BaseProcess, connection: Connection):
        self.process = process
        self.connection = connection

    @classmethod
    def start(cls, function: Callable) -> "_Worker":
        context = _context()
        mine, theirs = context.Pipe(duplex=True)
        process = context.Process(target=_serve, args=(function, theirs, os.getpid()), daemon=True)
        gc.freeze()
        try:
            process.start()
        finally:
            gc.unfreeze()
        theirs.close()  # the worker's death is then the end of this pipe
        return cls(process, mine)

    def receive(self) -> list | None:
        """The results of the batch sent; None when the worker died on it."""
        try:
            answer = self.connection.recv()
        except (EOFError, OSError):
            return None
        if isinstance(answer, _Raised):
            raise answer.error
        return answer

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


class _ByIndex:
    """`function(items[index])`, for a worker forked after the items were made: it holds them
    already, so a batch sends their indices, not the items pickled (the scan's and processing's
    sources and scans: 31 MB through the pipes of a 2,166-file tree's run)."""

    def __init__(self, function: Callable[[Any], Any], items: Sequence):
        self.function = function
        self.items = items

    def __call__(self, index: int) -> Any:
        return self.function(self.items[index])


class _Raised:
    """An exception `function` raised in a worker, raised again in the coordinator."""

    def __init__(self, error: BaseException):
        self.error = error


def _serve(function: Callable, connection: Connection, parent: int) -> None:
    _worker_start(parent)
    while True:
        try:
            batch = connection.recv()
        except (EOFError, OSError):  # the coordinator is done with this worker
            return
        try:
            answer: list | _Raised = [function(item) for item in batch]
        except Exception as error:  # noqa: BLE001 - the coordinator raises it, as a call in it would
            answer = _Raised(error)
        connection.send(answer)


_FORKS = sys.platform == "linux"


def _context():
    import multiprocessing  # here: 10 ms a warm run never needs

    return multiprocessing.get_context("fork" if _FORKS else "spawn")


def _isolated(function: Callable, item: Any) -> Any:
    """`function(item)` in a child process of its own; WorkerCrashed when the child dies."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(function, item, sender, os.getpid()))
    process.start()
    sender.close()
    try:
        return receiver.recv()
    except EOFError:
        return WorkerCrashed()
    finally:  # after its answer, or an interrupt of this process
        receiver.close()
        process.kill()
        process.join()


def _send_result(function: Callable, item: Any, sender: Connection, parent: int) -> None:
    _worker_start(parent)
    sender.send(function(item))


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_start(parent: int) -> None:
    """A worker dies with the coordinator. Killed with SIGKILL, the coordinator cannot stop
    its workers, and 0.1.0's went on rewriting files for seconds, then waited forever on a
    queue nobody reads (F01)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    gc.set_threshold(max(COLLECT_EVERY, gc.get_threshold()[0]), *gc.get_threshold()[1:])  # spawned: see COLLECT_EVERY
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the coordinator's SIGTERM handler raises
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        import threading

        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the coordinator died before the line above
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
