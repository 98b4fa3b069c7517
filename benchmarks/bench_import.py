"""Import-time benchmark: `import casekit`, and what the rfc3987_syntax opt-out saves.

Run: .venv/bin/python benchmarks/bench_import.py [--n 7]   (prints a table; no assertions)
Each figure is the median wall time of N fresh interpreter starts, minus nothing: it includes
interpreter start-up, which is shown on its own in the first row.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

N = 7
CASES = [
    ("python start-up only", "pass"),
    ("import casekit", "import casekit"),
    ("import casekit; casekit.errors", "import casekit; casekit.errors"),
    ("import casekit.data", "import casekit.data"),
    ("papermill (plain)", "import papermill"),
    ("papermill after casekit (opt-out)", "import casekit, papermill"),
    ("altair (plain)", "import altair"),
    ("altair after casekit (opt-out)", "import casekit, altair"),
]


def wall(code: str, n: int = N) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=N, help="interpreter starts per case")
    args = parser.parse_args()
    rows = [(label, wall(code, args.n)) for label, code in CASES]
    base = rows[0][1]
    print(f"{'case':40s} {'median s':>9s} {'minus start-up':>15s}")
    for label, secs in rows:
        print(f"{label:40s} {secs:9.3f} {secs - base:15.3f}")


if __name__ == "__main__":
    main()
