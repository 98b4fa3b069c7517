"""Speed and memory of ``casekit.data.generators.event_log`` at 1 and 10 million rows.

Run:  .venv/bin/python benchmarks/bench_generators.py [--rows 1000000 10000000] [--repeat 1]

Each size runs in a fresh subprocess so its peak resident memory (``resource.getrusage``,
``ru_maxrss``) is its own; ``base RSS`` is the same process after imports, before generating.
The log is a 618-style window (2026-06-10 … 06-18, peak on 06-18) with Tianchi-calibrated
activity; the number of users is chosen from a small pilot run so the log has about the
requested number of rows. Prints a table; asserts nothing (timings belong here, not in tests).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

WINDOW = {"start": "2026-06-10", "end": "2026-06-18", "peak_date": "2026-06-18"}


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def _one(n_users: int, repeat: int) -> dict:
    """Run in the child: generate the log ``repeat`` times, report the best time."""
    from casekit.data.generators import event_log

    base = _rss_mb()
    best, rows = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        df = event_log(n_users, seed=1, **WINDOW)
        best = min(best, time.perf_counter() - t0)
        rows = len(df)
        del df
    return {
        "n_users": n_users,
        "rows": rows,
        "seconds": best,
        "base_mb": base,
        "peak_mb": _rss_mb(),
    }


def _rows_per_user() -> float:
    from casekit.data.generators import event_log

    pilot = 5000
    return len(event_log(pilot, seed=1, **WINDOW)) / pilot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; best time shown")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(_one(args.child, args.repeat)))
        return

    import numpy as np
    import pandas as pd

    per_user = _rows_per_user()
    print(
        f"event_log benchmark · python {platform.python_version()} · numpy {np.__version__} · "
        f"pandas {pd.__version__} · {platform.machine()}"
    )
    print(
        f"window {WINDOW['start']} … {WINDOW['end']}, peak {WINDOW['peak_date']}; "
        f"≈ {per_user:.1f} rows per user"
    )
    header = (
        f"{'target rows':>12} {'users':>9} {'rows':>12} {'seconds':>8} {'rows/s':>12} "
        f"{'base RSS MB':>12} {'peak RSS MB':>12}"
    )
    print(header)
    print("-" * len(header))
    for target in args.rows:
        n_users = max(1, round(target / per_user))
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n_users), "--repeat", str(args.repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{target:>12,} {r['n_users']:>9,} {r['rows']:>12,} {r['seconds']:>8.2f} "
            f"{r['rows'] / r['seconds']:>12,.0f} {r['base_mb']:>12,.0f} {r['peak_mb']:>12,.0f}"
        )


if __name__ == "__main__":
    main()
