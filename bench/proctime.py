"""Run a command; print its wall time and the CPU time of each process in its tree.

    python bench/proctime.py -- python -m verify BUNDLE --json

Used to compare two commits of the verifier by alternating them on the same bundle
(BENCHMARKS.md, offline verification, fourth round): the main process and the workers
show separately, which the benchmark's totals do not. CPU is read from ``/proc`` every
0.2 s while the processes live (Linux only), so a process's last 0.2 s may be missed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.procs import cpu_seconds, tree  # noqa: E402


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print(__doc__)
        return 2
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        for pid in tree(proc.pid):
            if (t := cpu_seconds(pid)) is not None:
                cpu[pid] = t
        time.sleep(0.2)
    wall = time.monotonic() - start
    others = sorted(t for pid, t in cpu.items() if pid != proc.pid)
    print(f"wall {wall:.1f} s, exit {proc.returncode}; CPU: main {cpu.get(proc.pid, 0.0):.1f} s, "
          f"others {' '.join(f'{t:.1f}' for t in others) or '-'} s, total {sum(cpu.values()):.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
