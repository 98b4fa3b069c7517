"""Library benchmark: funnel, AIPL and RFM on generated Tianchi-format event logs.

Run: .venv/bin/python benchmarks/bench_library.py [--rows 10000000]
Prints a table (rows, seconds, rows/s) per analysis; no assertions. Each log comes from
casekit.data.generators.event_log (seeded), sized by the number of users.
"""

from __future__ import annotations

import argparse
import resource
import time

from casekit import audience, funnel
from casekit.data import generators

EVENTS_PER_USER = 106  # about what event_log gives per user over the 2017 window (9 days)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def cases(events):
    buys = events[events["behavior_type"] == "buy"]
    return {
        "funnel stage_counts (user)": lambda: funnel.stage_counts(events),
        "funnel stage_counts (event)": lambda: funnel.stage_counts(events, unit="event"),
        "funnel by day (user)": lambda: funnel.stage_counts(events, by="day"),
        "aipl_states": lambda: audience.aipl_states(events),
        "rfm_scores (buy events)": lambda: audience.rfm_scores(
            buys, events["timestamp"].max(), amount_col=None
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    print(f"{'rows':>11s} {'analysis':28s} {'seconds':>8s} {'rows/s':>12s}")
    for target in args.rows:
        n_users = max(10, target // EVENTS_PER_USER)
        gen_s, events = timed(lambda n=n_users: generators.event_log(n_users=n, seed=1))
        rows = len(events)
        print(f"{rows:>11,d} {'generate event_log':28s} {gen_s:8.2f} {rows / gen_s:12,.0f}")
        for label, fn in cases(events).items():
            secs, _ = timed(fn)
            print(f"{rows:>11,d} {label:28s} {secs:8.2f} {rows / secs:12,.0f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
