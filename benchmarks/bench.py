"""Time kerasfix on a large tree against baselines measured in the same run.

    python benchmarks/bench.py                     # a synthetic legacy tree of 2,000 files
    python benchmarks/bench.py --files 5000        # a bigger one
    python benchmarks/bench.py path/to/legacy/repo # any folder (nothing in it is written)
    python benchmarks/bench.py TREE1 TREE2 ...     # a corpus: each tree, then the totals
    python benchmarks/bench.py --stages TREE       # and a cold check up to each of its stages

It times, each as a fresh process and as the median of --repeat runs (default 5):
`kerasfix check` cold (an empty cache each time), `kerasfix check` warm (cache filled),
`kerasfix apply --diff`, and the baseline of parsing every file with libcst in one process;
then `ruff check --select ALL --no-cache` and `tf_upgrade_v2` (`--tf-upgrade`, once, as it is
slow) when they are installed. It prints wall seconds, CPU seconds (user + system, steadier
than wall time on a busy machine), ratios and the peak memory of the largest process. The
synthetic tree is the same for the same --files and --seed. With --stages it also times a
cold check stopped after each of its stages (`benchmarks/stages.py`: the start, `ast.parse`,
the scan's facts, libcst's parse of the pieces, the rules), each against ruff: what a stage
costs, and how far the stages before it already go. kerasfix runs with its bytecode
written and cached, as an installed kerasfix does, even where PYTHONDONTWRITEBYTECODE is set
(compiling its modules again at each start took 0.02 s of CPU).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Callable

# -- a synthetic legacy tree -------------------------------------------------------------------

PLAIN = '''\
"""Utilities {n}: ordinary Python that happens to live beside the models."""
import collections
import math


def moving_average(values, window={w}):
    queue = collections.deque(maxlen=window)
    out = []
    for value in values:
        queue.append(value)
        out.append(sum(queue) / len(queue))
    return out


class Schedule(object):
    def __init__(self, base={b}, decay=0.{d}):
        self.base = base
        self.decay = decay
        self.history = (1, 2, 3)

    def rate(self, step):
        return self.base * math.pow(self.decay, step / {w}.0)

    def describe(self):
        return {{"base": self.base, "decay": self.decay, "steps": len(self.history)}}
'''

KERAS_CLEAN = '''\
import tensorflow as tf

from .base_{pkg} import BaseBlock


class Block{n}(BaseBlock):
    """A well-behaved block: weights in build, sub-layers in __init__."""

    def __init__(self, units={u}, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.proj = tf.keras.layers.Dense(units)

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=[self.units], initializer="ones")

    def call(self, x):
        return self.proj(x) * self.scale
'''

KERAS_TRAPS = '''\
import tensorflow as tf
from tensorflow.keras import layers

from .base_{pkg} import BaseBlock


class Legacy{n}(BaseBlock):
    """TF1-era habits: every one of them loses weights today."""

    def __init__(self, units={u}):
        super().__init__()
        self.units = units
        self.heads = {{layers.Dense(2), layers.Dense(2)}}

    def build(self, input_shape):
        depth = int(input_shape[-1])
        self.kernel = tf.compat.v1.get_variable("kernel", [depth, self.units])
        self.gain = tf.Variable(tf.ones([self.units]), name="gain")
        self.bias = self.add_weight("bias", [self.units], initializer="zeros")

    def call(self, x):
        hidden = tf.matmul(x, self.kernel) * self.gain + self.bias
        hidden = layers.Dense(self.units, activation="relu")(hidden)
        hidden = tf.compat.v1.layers.dense(hidden, 4, name="out")
        return hidden + sum(head(hidden) for head in self.heads)
'''

BASE = '''\
import tensorflow as tf


class BaseBlock(tf.keras.layers.Layer):
    """The project's base layer."""
'''


def make_tree(root: Path, files: int, seed: int) -> None:
    """About 85% plain modules and 15% Keras modules (half with traps), in packages of 50,
    each Keras module deriving from its package's base layer in another module."""
    rng = random.Random(seed)
    for number in range(files):
        package = root / f"pkg{number // 50}"
        if not package.exists():
            package.mkdir(parents=True)
            (package / "__init__.py").write_text("")
            (package / f"base_pkg{number // 50}.py").write_text(BASE)
        kind = rng.random()
        fields = dict(n=number, w=rng.randint(2, 9), b=rng.randint(1, 9), d=rng.randint(1, 9),
                      u=rng.randint(2, 64), pkg=f"pkg{number // 50}")
        template = PLAIN if kind < 0.85 else KERAS_CLEAN if kind < 0.925 else KERAS_TRAPS
        text = template.format(**fields)
        # realistic module sizes: the same module grown with more plain functions
        extra = "".join(PLAIN.format(**dict(fields, n=f"{number}_{k}")).split("\n", 3)[3]
                        .replace("def moving_average", f"def moving_average_{k}")
                        .replace("class Schedule", f"class Schedule{k}")
                        for k in range(rng.randint(2, 12)))
        (package / f"module_{number}.py").write_text(text + "\n" + extra)


# -- timing ------------------------------------------------------------------------------------

MEASURE = textwrap.dedent("""
    import resource, subprocess, sys, time
    start = time.perf_counter()
    done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{seconds} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss / 1024} {done.returncode}")
""")

BASELINE = textwrap.dedent("""
    import pathlib, sys
    import libcst
    for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
        try:
            libcst.parse_module(path.read_bytes())
        except Exception:
            pass
""")


def measure(command: list[str], env: dict) -> tuple[float, float, float, int]:
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), int(out[3])


def find_ruff() -> str | None:
    """ruff on the PATH, beside this Python, or where its Python package says it is."""
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if Path(found).exists():
        return found
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:
        return None
    return str(find_ruff_bin())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", metavar="FOLDER",
                        help="trees to time on, each in turn, then the corpus's totals (default: a synthetic one)")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tf-upgrade", action="store_true", help="also time tf_upgrade_v2 (slow)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per command; the median is kept")
    parser.add_argument("--stages", action="store_true", help="also time a cold check up to each of its stages")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kerasfix-bench-"))
    try:
        if args.folders:
            trees = [Path(folder).resolve() for folder in args.folders]
        else:
            trees = [work / "tree"]
            make_tree(trees[0], args.files, args.seed)
        env = dict(os.environ, KERASFIX_CACHE_DIR=str(work / "cache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run(KERASFIX + ["--version"], env=env, capture_output=True, check=True)  # writes the bytecode
        totals = [time_tree(tree, args, work, env) for tree in trees]
        if len(trees) > 1:
            print_corpus(totals)
    finally:
        shutil.rmtree(work, ignore_errors=True)


KERASFIX = [sys.executable, "-m", "kerasfix"]


def time_tree(tree: Path, args: argparse.Namespace, work: Path, env: dict) -> dict[str, tuple[float, float]]:
    """Times the commands on one tree, prints them and their ratios; returns (wall, cpu) by label."""
    py_files = sum(1 for _ in tree.rglob("*.py"))
    size = sum(p.stat().st_size for p in tree.rglob("*.py")) / 1e6
    print(f"tree: {tree} ({py_files} files, {size:.1f} MB), {os.cpu_count()} cores")
    rows: dict[str, tuple[float, float]] = {}

    def timed(label, command, repeat=args.repeat, before_each=None):
        runs = []
        for _ in range(repeat):
            if before_each:
                before_each()
            runs.append(measure(command, env))
        failed = sorted({run[3] for run in runs} - {0, 1, 2})  # 1: findings, or changes to show
        if failed:
            print(f"  ({label}: exit status {failed}: not a measure of a finished run)")
        elif 2 in {run[3] for run in runs}:  # kerasfix's 2: a file it could not read or parse, the rest processed
            print(f"  ({label}: exit status 2: a file could not be read or parsed, or the command was misused)")
        seconds = sorted(run[0] for run in runs)[len(runs) // 2]
        cpu = sorted(run[1] for run in runs)[len(runs) // 2]
        peak = max(run[2] for run in runs)
        rows[label] = (seconds, cpu)
        print(f"  {label:<36} {seconds:7.3f} s   cpu {cpu:7.3f} s   peak {peak:6.0f} MB   (median of {repeat})")
        return seconds

    check = KERASFIX + ["check", "--exit-zero", str(tree)]
    cold = timed("kerasfix check (cold)", check, before_each=lambda: shutil.rmtree(work / "cache", ignore_errors=True))
    warm = timed("kerasfix check (warm)", check)
    timed("kerasfix apply --diff (no cache)", KERASFIX + ["apply", "--diff", "--no-cache", str(tree)])
    baseline = timed("baseline: libcst parse of every file", [sys.executable, "-c", BASELINE, str(tree)], repeat=1)
    ruff = find_ruff()
    ruff_seconds = None
    if ruff:
        ruff_seconds = timed("ruff check --select ALL --no-cache",
                             [ruff, "check", "--select", "ALL", "--no-cache", "--exit-zero", "-q", str(tree)])
    upgrade = shutil.which("tf_upgrade_v2") or str(Path(sys.executable).with_name("tf_upgrade_v2"))
    upgrade_seconds = None
    if args.tf_upgrade and Path(upgrade).exists():
        upgrade_seconds = timed("tf_upgrade_v2 --intree", [upgrade, "--intree", str(tree), "--outtree",
                                                           str(work / "upgraded"), "--reportfile",
                                                           str(work / "report.txt")], repeat=1)
    print("ratios:")
    print(f"  libcst-parse-everything / kerasfix cold   {baseline / cold:6.1f}x  (kerasfix is faster when > 1)")
    print(f"  kerasfix warm / cold                      {warm / cold:6.2f}")
    print(f"  kerasfix warm                             {warm:6.3f} s (target: <= 0.10 s on tensor2tensor)")
    if ruff_seconds:
        print(f"  kerasfix cold / ruff                      {cold / ruff_seconds:6.2f}x  "
              f"cpu {rows['kerasfix check (cold)'][1] / rows['ruff check --select ALL --no-cache'][1]:.2f}x"
              "  (target: <= 1.0)")
        print(f"  kerasfix warm / ruff                      {warm / ruff_seconds:6.2f}x")
    if upgrade_seconds:
        print(f"  tf_upgrade_v2 / kerasfix cold             {upgrade_seconds / cold:6.1f}x  (target: >= 20)")
    if args.stages:
        time_stages(tree, timed, ruff_seconds)
    return rows


STAGES_SCRIPT = Path(__file__).with_name("stages.py")


def time_stages(tree: Path, timed: Callable[..., float], ruff_seconds: float | None) -> None:
    """A cold check stopped after each stage (benchmarks/stages.py), and its ratio to ruff."""
    from stages import STAGES as names, WHAT_IF as what_if

    label = {name: ("up to " if name in names else "what if ") + name for name in names + what_if}
    seconds = {name: timed(f"kerasfix check (cold), {label[name]}",
                           [sys.executable, str(STAGES_SCRIPT), name, "check", "--no-cache", "--exit-zero", str(tree)])
               for name in names + what_if}
    print("stages (each: the cold check up to it; the step: what it adds; a what-if: see stages.py):")
    before = 0.0
    for name in names + what_if:
        ratio = f"   {seconds[name] / ruff_seconds:5.2f}x ruff" if ruff_seconds else ""
        step = f"step {seconds[name] - before:+7.3f} s" if name in names else " " * 15
        print(f"  {label[name]:<18} {seconds[name]:7.3f} s   {step}{ratio}")
        before = seconds[name]


def print_corpus(per_tree: list[dict[str, tuple[float, float]]]) -> None:
    """The corpus's totals: each command's medians summed over the trees, and their ratios."""
    labels = [label for label in per_tree[0] if all(label in rows for rows in per_tree)]
    total = {label: (sum(rows[label][0] for rows in per_tree), sum(rows[label][1] for rows in per_tree))
             for label in labels}
    print(f"corpus of {len(per_tree)} trees (medians summed):")
    for label, (seconds, cpu) in total.items():
        print(f"  {label:<36} {seconds:7.3f} s   cpu {cpu:7.3f} s")
    ruff = total.get("ruff check --select ALL --no-cache")
    cold = total["kerasfix check (cold)"]
    if ruff:
        print(f"  kerasfix cold / ruff                      {cold[0] / ruff[0]:6.2f}x  cpu {cold[1] / ruff[1]:.2f}x")


if __name__ == "__main__":
    main()
