"""Batch reading at scale: one process against Ray Data on 1 and 2 CPUs and on a simulated 3-node cluster.

    python benchmarks/batch_scaling.py --data-dir ../shared/mnist [--count 100000]

Writes COUNT PNG files (MNIST test digits, dark on white, as users' small files),
then reads them (a) with `digits predict FOLDER --json` in one process, (b) with
`digits batch` on 1 and 2 local CPUs, (c) with `digits batch --address` on a
cluster of three one-CPU nodes started on this machine (ray.cluster_utils).
For each: images per second (process start included), Ray's overhead (the
share of the CPU time it was given that went to neither preparing nor scoring
images), tasks per node, peak memory of all the processes involved, and
whether every input was answered exactly once.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq
from PIL import Image

from _common import add_data_arguments, resolve_data_dir
from digits.data.mnist import load_mnist

DIGITS = [sys.executable, "-m", "digits"]


class PeakMemory:
    """Samples the resident memory of this process's children (all of them, recursively) until stopped."""

    def __init__(self, every: float = 0.2):
        self.peak, self.every, self._stop = 0, every, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def write_pngs(folder: Path, count: int, images) -> None:
    folder.mkdir(parents=True)
    for i in range(count):
        sub = folder / f"{i // 10_000:02d}"  # 10,000 files per folder, as archives are usually split
        sub.mkdir(exist_ok=True)
        Image.fromarray(255 - images[i % len(images)]).save(sub / f"{i:06d}.png")


def timed(command: list[str], **kwargs) -> tuple[float, float, subprocess.CompletedProcess]:
    """(seconds, peak MB of every process below this one, result) of a command."""
    with PeakMemory() as memory:
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, **kwargs)
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return seconds, memory.peak / 2**20, result


def stage_seconds(stats: str) -> float:
    """Seconds spent inside the preparation and scoring functions, summed over all tasks (Ray Data's stats)."""
    total = 0.0
    for operator in re.split(r"\n(?=Operator \d)", stats):
        if "prepare_rows" in operator or "Scorer" in operator:
            found = re.search(r"Block transform time: .*?, ([\d.]+)(us|ms|s) total", operator)
            if found:
                total += float(found.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[found.group(2)]
    return total


def tasks_per_node(stats: str) -> str:
    """'min/max/mean over N nodes' of the preparation tasks."""
    for operator in re.split(r"\n(?=Operator \d)", stats):
        if "prepare_rows" in operator:
            found = re.search(r"Tasks per node: (\d+) min, (\d+) max, ([\d.]+) mean; (\d+) nodes used", operator)
            if found:
                low, high, mean, nodes = found.groups()
                return f"{low}-{high} (mean {float(mean):.0f}) on {nodes} node(s)"
    return "-"


def batch_row(name: str, folder: Path, count: int, work: Path, cpus: float, extra: list[str]) -> tuple:
    out, stats = work / f"out-{len(list(work.glob('out-*')))}", work / "stats.txt"
    seconds, peak, _ = timed([*DIGITS, "batch", str(folder), "--out", str(out), "--stats", str(stats), *extra])
    paths = pq.read_table(out, columns=["path"]).column("path").to_pylist()
    once = "yes" if len(paths) == len(set(paths)) == count else f"NO ({len(paths)} rows, {len(set(paths))} distinct)"
    text = stats.read_text()
    overhead = 1 - stage_seconds(text) / (seconds * cpus)
    return seconds, (name, f"{count / seconds:,.0f}", f"{seconds:.1f}", f"{overhead:.0%}", tasks_per_node(text), f"{peak:,.0f}", once)


def predict_row(folder: Path, count: int) -> tuple[float, tuple]:
    seconds, peak, result = timed([*DIGITS, "predict", str(folder), "--recursive", "--json"])
    answered = len(result.stdout.splitlines())
    return seconds, ("(a) `digits predict FOLDER --json`, one process", f"{count / seconds:,.0f}", f"{seconds:.1f}", "-",
                     "-", f"{peak:,.0f}", "yes" if answered == count else f"NO ({answered})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(parser)
    parser.add_argument("--count", type=int, default=100_000, help="how many PNG files to read")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of all runs, interleaved; the median run is shown")
    args = parser.parse_args()
    count = 300 if args.smoke else args.count
    images = load_mnist(resolve_data_dir(parser, args), splits=("test",)).x_test
    runs = [lambda f, w: predict_row(f, count)]
    runs += [lambda f, w, c=cpus: batch_row(f"(b) `digits batch --cpus {c}`", f, count, w, c, ["--cpus", str(c)]) for cpus in (1, 2)]
    runs += [lambda f, w: cluster_row(f, count, w)]
    with tempfile.TemporaryDirectory(prefix="digits-batch-") as tmp:
        work = Path(tmp)
        folder = work / "pngs"
        write_pngs(folder, count, images)
        results: list[list[tuple[float, tuple]]] = [[] for _ in runs]
        for _ in range(args.repeat):  # rounds, so that a slow spell of the host touches every kind of run
            for i, run in enumerate(runs):
                results[i].append(run(folder, work))
    print(f"\n{count:,} PNG files; {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          "images/s and seconds include starting the process (and Ray)"
          + (f"; median of {args.repeat} interleaved rounds" if args.repeat > 1 else "") + "\n")
    print("| run | images/s | seconds | Ray overhead | tasks per node | peak memory (MB) | every input once |")
    print("|---|---:|---:|---:|---|---:|---|")
    for timings in results:
        row = sorted(timings, key=lambda t: t[0])[len(timings) // 2][1]
        print("| " + " | ".join(row) + " |")
    if args.repeat > 1:
        print("\nseconds of every round: " + "; ".join(
            f"{timings[0][1][0].split('`')[1]}: " + ", ".join(f"{t[0]:.1f}" for t in timings) for timings in results))


def cluster_row(folder: Path, count: int, work: Path) -> tuple[float, tuple]:
    """(c): three one-CPU Ray nodes on this machine, and `digits batch --address` on them."""
    from ray.cluster_utils import Cluster

    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        for _ in range(2):
            cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        return batch_row("(c) `digits batch --address`, 3 simulated nodes of 1 CPU", folder, count, work, 3,
                         ["--address", cluster.address])
    finally:
        cluster.shutdown()


if __name__ == "__main__":
    main()
