"""Scale benchmark: a 100M-row UserBehavior log — first load, then funnel views + AIPL + RFM.

Run:  .venv/bin/python benchmarks/bench_scale.py [--rows 100000000] [--repeat 3]
          [--data-dir .casekit-cache/bench-scale] [--seed 0] [--skip-pandas] [--json PATH]
(``make bench-scale`` writes benchmarks/results/scale.json.)

Steps, each in its own fresh subprocess:

a. generate a simulated raw UserBehavior.csv (``generators.user_behavior_csv``); skipped
   when the data dir already holds one of the same rows and seed (its sidecar
   ``<csv>.summary.json`` keeps the summary and the time it took);
b. first load: ``open_events(csv, rebuild=True)`` — CSV → cleaned Parquet cache;
c. DuckDB, one scan: ``audience.overview(cache)`` — the closed funnel, the open stage counts,
   the path shares, AIPL and RFM; wall time from just before the call, and
   separately the interpreter start + ``import casekit.audience`` (``import duckdb`` happens
   inside the call and counts there);
d. DuckDB, three calls: ``stage_counts`` + ``aipl_states`` + ``rfm_scores(amount_col=None)``;
d2. DuckDB, the attribution window (a second scan, per user and day): ``path_shares(cache,
   window=3)`` and ``path_shares(cache, by="day", window=3)``;
e. pandas: ``pd.read_parquet(cache)``, then the straightforward group-bys of
   ``benchmarks/pandas_baseline.py`` (read and compute also reported apart);
f. check: (c) and (e) in one process, ``assert_frame_equal`` on all five results, and
   ``path_shares(window=3)`` against the pandas version;

plus a profile of (c) (not timed in the table): what the import, the SQL scan and the
pandas finishing cost, and the resident memory after each part.

Times are wall clock (``time.monotonic``, system-wide on Linux, so the parent's spawn time
and the child's marks compare). Peak memory is ``ru_maxrss`` of the step's process as
returned by ``os.wait4`` — the whole process: interpreter, libraries, data. This driver
imports only the standard library, so the few MiB a child inherits from it across
vfork/exec do not matter. The query steps (c–e) run ``--repeat`` times, each in a fresh
process: the table shows the best and the median wall time and the highest peak. rows/s is
rows of the input / wall time; "× vs pandas" is pandas' read + compute time divided by the
step's time (so > 1 is faster than pandas). Prints a table; asserts only that (c) and (e)
agree.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WINDOW_END = "2017-12-03"  # last day of the Tianchi window (USER_BEHAVIOR_WINDOW)


# ------------------------------------------------------------------------ in the child


def _status_mib(field: str) -> float:
    """VmRSS / VmHWM of this process in MiB, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _generate(p: dict[str, Any]) -> dict[str, Any]:
    from casekit.data.generators import user_behavior_csv

    t0 = time.monotonic()
    s = user_behavior_csv(p["csv"], p["rows"], seed=p["seed"], progress=False)
    t1 = time.monotonic()
    return {
        "rows": s.rows,
        "users": s.users,
        "outside_window_rows": s.outside_window_rows,
        "duplicate_rows": s.duplicate_rows,
        "seed": s.seed,
        "bytes": s.bytes,
        "t0": t0,
        "t1": t1,
    }


def _load(p: dict[str, Any]) -> dict[str, Any]:
    from casekit.data.engine import open_events

    t0 = time.monotonic()
    src = open_events(p["csv"], rebuild=True, progress=False)
    t1 = time.monotonic()
    return {"cache": str(src.path), "report": dict(src.report.__dict__), "t0": t0, "t1": t1}


def _overview(p: dict[str, Any]) -> dict[str, Any]:
    from casekit.audience import overview

    hwm = _status_mib("VmHWM")
    t0 = time.monotonic()
    ov = overview(p["cache"])
    t1 = time.monotonic()
    state_counts = ov.aipl["state"].value_counts().sort_index()
    return {
        "t0": t0,
        "t1": t1,
        "vmhwm_before_call_mib": hwm,
        "vmhwm_mib": _status_mib("VmHWM"),
        "results": {
            "as_of": str(ov.as_of.date()),
            "funnel_users": {k: int(v) for k, v in ov.funnel.iloc[0].items()},
            "open_users": {k: int(v) for k, v in ov.open_funnel.iloc[0].items()},
            "path_buyers": {
                k: int(ov.paths[k].iloc[0])
                for k in ("buyers", "direct", "via_cart", "via_fav", "via_both")
            },
            "aipl_users": {str(k): int(v) for k, v in state_counts.items()},
            "rfm_customers": len(ov.rfm),
            "users": len(ov.aipl),
        },
    }


def _three(p: dict[str, Any]) -> dict[str, Any]:
    from casekit import audience, funnel

    t0 = time.monotonic()
    funnel.stage_counts(p["cache"])
    ta = time.monotonic()
    audience.aipl_states(p["cache"], WINDOW_END)
    tb = time.monotonic()
    audience.rfm_scores(p["cache"], WINDOW_END, amount_col=None)
    t1 = time.monotonic()
    return {
        "t0": t0,
        "t1": t1,
        "parts_s": {"stage_counts": ta - t0, "aipl_states": tb - ta, "rfm_scores": t1 - tb},
    }


def _window(p: dict[str, Any]) -> dict[str, Any]:
    from casekit import funnel

    t0 = time.monotonic()
    whole = funnel.path_shares(p["cache"], window=3)
    ta = time.monotonic()
    funnel.path_shares(p["cache"], by="day", window=3)
    t1 = time.monotonic()
    return {
        "t0": t0,
        "t1": t1,
        "parts_s": {"whole_log": ta - t0, "by_day": t1 - ta},
        "direct_share_window_3": float(whole["direct_share"].iloc[0]),
    }


def _pandas(p: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd
    import pandas_baseline as base

    t0 = time.monotonic()
    df = pd.read_parquet(p["cache"])
    t_read = time.monotonic()
    read_peak = _status_mib("VmHWM")
    base.funnel_users(df)
    base.funnel_open(df)
    base.path_shares(df)
    ta = time.monotonic()
    base.aipl_states(df)
    tb = time.monotonic()
    base.rfm_scores(df)
    t1 = time.monotonic()
    return {
        "t0": t0,
        "t_read": t_read,
        "t1": t1,
        "read_peak_mib": read_peak,
        "parts_s": {"funnel_users": ta - t_read, "aipl_states": tb - ta, "rfm_scores": t1 - tb},
    }


def _check(p: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd
    import pandas.testing as pdt
    import pandas_baseline as base

    from casekit.audience import overview
    from casekit.funnel import path_shares

    t0 = time.monotonic()
    ov = overview(p["cache"])
    df = pd.read_parquet(p["cache"])
    pdt.assert_frame_equal(ov.funnel, base.funnel_users(df))
    pdt.assert_frame_equal(ov.aipl, base.aipl_states(df))
    pdt.assert_frame_equal(ov.rfm, base.rfm_scores(df))
    pdt.assert_frame_equal(ov.open_funnel, base.funnel_open(df))
    pdt.assert_frame_equal(ov.paths, base.path_shares(df))
    pdt.assert_frame_equal(path_shares(p["cache"], window=3), base.path_shares(df, 3))
    print(
        "agree: overview(cache) == pandas baseline (closed and open funnel, paths, AIPL, RFM); "
        "path_shares(window=3) too",
        flush=True,
    )
    return {"agree": True, "t0": t0, "t1": time.monotonic()}


def _profile(p: dict[str, Any]) -> dict[str, Any]:
    """overview() with timers around its parts (the call is slightly slower than bare)."""
    t_start = time.monotonic()
    from casekit import audience, funnel
    from casekit.data import engine

    t_casekit = time.monotonic()
    import duckdb  # noqa: F401

    t_duckdb = time.monotonic()
    parts: dict[str, dict[str, float]] = {}

    def timed(owner: Any, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.monotonic()
            try:
                return inner(*args, **kwargs)
            finally:
                part = parts.setdefault(label, {"s": 0.0, "calls": 0})
                part["s"] += time.monotonic() - t
                part["calls"] += 1
                part["vmhwm_after_mib"] = _status_mib("VmHWM")

        setattr(owner, name, wrapper)

    timed(engine, "open_events", "open_events: read the cache's metadata")
    timed(engine.EventSource, "_ts_stat", "min/max(ts) from row-group statistics")
    timed(engine.Relation, "query", "per-user SQL: scan + aggregate + fetch to pandas")
    from casekit.audience import scan  # overview() looks its pandas steps up there

    timed(scan, "aipl_frame", "pandas: AIPL frame")
    timed(scan, "rfm_frame", "pandas: RFM frame (ranks, labels)")
    timed(funnel, "stage_counts_from_flags", "pandas: funnel frame")
    timed(funnel, "open_counts_from_flags", "pandas: open counts")
    timed(funnel, "path_shares_from_flags", "pandas: path shares")
    rss = _status_mib("VmRSS")
    t0 = time.monotonic()
    audience.overview(p["cache"])
    t1 = time.monotonic()
    named = sum(v["s"] for v in parts.values())
    return {
        "interpreter_to_script_s": t_start - p["spawned"],
        "import_casekit_audience_s": t_casekit - t_start,
        "import_duckdb_s": t_duckdb - t_casekit,
        "rss_after_imports_mib": rss,
        "overview_call_s": t1 - t0,
        "parts": parts,
        "other_s": t1 - t0 - named,
        "vmhwm_mib": _status_mib("VmHWM"),
    }


CHILD_STEPS = {
    "generate": _generate,
    "load": _load,
    "overview": _overview,
    "three": _three,
    "window": _window,
    "pandas": _pandas,
    "check": _check,
    "profile": _profile,
}


def _child(step: str, params: str, out: str) -> None:
    result = CHILD_STEPS[step](json.loads(params))
    Path(out).write_text(json.dumps(result))


# ------------------------------------------------------------------------ in the parent


def _spawn(step: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run ``step`` in a fresh interpreter; its result plus spawn time, wall and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        out = Path(tmp) / "result.json"
        spawned = time.monotonic()
        params = {**params, "spawned": spawned}
        cmd = [sys.executable, __file__, "--child", step, json.dumps(params), str(out)]
        proc = subprocess.Popen(cmd, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        ended = time.monotonic()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"step {step!r} failed (exit code {proc.returncode})")
        result = json.loads(out.read_text())
    result.update(spawned=spawned, ended=ended, peak_mib=usage.ru_maxrss / 1024)
    return result


def _repeat(step: str, params: dict[str, Any], n: int) -> list[dict[str, Any]]:
    runs = []
    for i in range(n):
        print(f"  {step} run {i + 1}/{n} …", file=sys.stderr, flush=True)
        runs.append(_spawn(step, params))
    return runs


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _csv(args: argparse.Namespace) -> tuple[Path, dict[str, Any], bool]:
    """The raw CSV (generated unless the data dir has it): path, summary, reused?"""
    csv = args.data_dir / f"UserBehavior-{args.rows}-seed{args.seed}.csv"
    sidecar = csv.with_name(csv.name + ".summary.json")
    if csv.is_file() and sidecar.is_file():
        summary = json.loads(sidecar.read_text())
        same = summary["rows"] == args.rows and summary["seed"] == args.seed
        if same and summary["bytes"] == csv.stat().st_size:
            return csv, summary, True
    print(f"generating {csv} ({args.rows:,} rows) …", file=sys.stderr, flush=True)
    r = _spawn("generate", {"csv": str(csv), "rows": args.rows, "seed": args.seed})
    summary = {k: r[k] for k in ("rows", "users", "outside_window_rows", "duplicate_rows")}
    summary.update(
        seed=r["seed"], bytes=r["bytes"], wall_s=r["t1"] - r["t0"], peak_mib=r["peak_mib"]
    )
    _atomic_write(sidecar, json.dumps(summary, indent=2) + "\n")
    return csv, summary, False


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return float("nan")


def _step(
    step: str,
    label: str,
    engine: str,
    rows: int,
    walls: list[float],
    peak: float,
    pandas_s: float | None,
) -> dict[str, Any]:
    best = min(walls)
    return {
        "step": step,
        "engine": engine,
        "rows": rows,
        "wall_s": round(best, 3),
        "rows_per_s": round(rows / best) if rows else None,
        "peak_mib": round(peak, 1),
        "vs_pandas": round(pandas_s / best, 2) if pandas_s is not None else None,
        "wall_s_median": round(statistics.median(walls), 3),
        "runs": len(walls),
        "label": label,
    }


def _table(steps: list[dict[str, Any]]) -> str:
    head = ("step", "engine", "rows", "wall s", "median s", "rows/s", "peak MiB", "× vs pandas")
    lines = []
    for s in steps:
        lines.append(
            (
                s["label"],
                s["engine"],
                f"{s['rows']:,}" if s["rows"] else "–",
                f"{s['wall_s']:.2f}",
                f"{s['wall_s_median']:.2f}" if s["runs"] > 1 else "",
                f"{s['rows_per_s']:,}" if s["rows_per_s"] else "–",
                f"{s['peak_mib']:,.0f}",
                f"{s['vs_pandas']:.1f}×" if s["vs_pandas"] is not None else "",
            )
        )
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]

    def fmt(row: tuple[str, ...]) -> str:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(row[2:], widths[2:], strict=True)]
        return "  ".join(cells).rstrip()

    rule = "-" * len(fmt(head))
    return "\n".join([fmt(head), rule, *map(fmt, lines)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000, help="rows of the raw CSV")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / ".casekit-cache" / "bench-scale",
        help="where the CSV and its cache live (default: .casekit-cache/bench-scale)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--skip-pandas", action="store_true", help="DuckDB steps only")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query step")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(*args.child)
        return
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

    load_before = os.getloadavg()[0]
    argv = [os.path.relpath(sys.executable), os.path.relpath(__file__), *sys.argv[1:]]
    versions = {"python": platform.python_version()}
    for dist in ("duckdb", "pandas", "pyarrow", "casekit"):
        versions[dist] = importlib.metadata.version(dist)
    print(
        f"scale benchmark · {os.cpu_count()} cores · {_memory_gib()} GiB · load "
        f"{load_before:.2f} · " + " · ".join(f"{k} {v}" for k, v in versions.items()),
        flush=True,
    )

    csv, summary, reused = _csv(args)
    print(f"first load (CSV → Parquet) of {csv.name} …", file=sys.stderr, flush=True)
    load = _spawn("load", {"csv": str(csv)})
    report, cache = load["report"], load["cache"]
    params = {"cache": cache}
    kept = report["rows_kept"]

    ov_runs = _repeat("overview", params, args.repeat)
    three_runs = _repeat("three", params, args.repeat)
    window_runs = _repeat("window", params, args.repeat)
    pd_runs = [] if args.skip_pandas else _repeat("pandas", params, args.repeat)
    check = None if args.skip_pandas else _spawn("check", params)
    print("  profile of overview() …", file=sys.stderr, flush=True)
    profile = _spawn("profile", params)

    def best(runs: list[dict[str, Any]], a: str, b: str) -> float:
        return min(r[b] - r[a] for r in runs)

    def walls(runs: list[dict[str, Any]], a: str, b: str) -> list[float]:
        return [r[b] - r[a] for r in runs]

    def peak(runs: list[dict[str, Any]], key: str = "peak_mib") -> float:
        return max(r[key] for r in runs)

    pandas_s = best(pd_runs, "t0", "t1") if pd_runs else None
    pandas_proc = best(pd_runs, "spawned", "ended") if pd_runs else None
    gen = "generate raw CSV" + (" (recorded)" if reused else "")
    ov = "3 funnel views+AIPL+RFM: overview() one scan"
    three = "funnel+AIPL+RFM: three calls"
    whole = "  same, whole process (start→exit)"
    steps = [
        _step("generate_csv", gen, "numpy+arrow", summary["rows"], [summary["wall_s"]],
              summary["peak_mib"], None),
        _step("first_load", "first load: CSV → clean Parquet", "duckdb", report["rows_read"],
              walls([load], "t0", "t1"), load["peak_mib"], None),
        _step("import", "interpreter + import casekit", "python", 0,
              walls(ov_runs, "spawned", "t0"), peak(ov_runs, "vmhwm_before_call_mib"), None),
        _step("overview", ov, "duckdb", kept, walls(ov_runs, "t0", "t1"), peak(ov_runs),
              pandas_s),
        _step("overview_process", whole, "duckdb", kept, walls(ov_runs, "spawned", "ended"),
              peak(ov_runs), pandas_proc),
        _step("three_calls", three, "duckdb", kept, walls(three_runs, "t0", "t1"),
              peak(three_runs), pandas_s),
        _step("window_views", "path shares, 3-day window: whole log + by day", "duckdb", kept,
              walls(window_runs, "t0", "t1"), peak(window_runs), None),
    ]  # fmt: skip
    if pd_runs and check is not None:
        steps += [
            _step("pandas_read", "pandas: read_parquet", "pandas", kept,
                  walls(pd_runs, "t0", "t_read"), peak(pd_runs, "read_peak_mib"), None),
            _step("pandas_compute", "pandas: 3 funnel views+AIPL+RFM group-bys", "pandas", kept,
                  walls(pd_runs, "t_read", "t1"), peak(pd_runs), None),
            _step("pandas_total", "pandas: read + compute", "pandas", kept,
                  walls(pd_runs, "t0", "t1"), peak(pd_runs), pandas_s),
            _step("pandas_process", whole, "pandas", kept, walls(pd_runs, "spawned", "ended"),
                  peak(pd_runs), pandas_proc),
            _step("check", "check: overview() == pandas (agree)", "both", kept,
                  walls([check], "t0", "t1"), check["peak_mib"], None),
        ]  # fmt: skip

    print()
    print(
        f"{summary['rows']:,} raw rows ({summary['bytes'] / 2**30:.2f} GiB CSV, "
        f"{summary['users']:,} users) → {kept:,} rows after cleaning "
        f"(-{report['dropped_outside_window']:,} outside the window, "
        f"-{report['dropped_duplicates']:,} duplicates)"
    )
    print(_table(steps))
    print(
        "wall s: best of the runs (median beside it); peak MiB: highest ru_maxrss of the "
        "step's process (os.wait4);\n× vs pandas: pandas read+compute time (whole process "
        "for the whole-process rows) / this time."
    )
    if check is not None:
        print("check: agree (funnel views, AIPL and RFM frames equal, assert_frame_equal)")
    print(
        f"overview() profile: import casekit.audience {profile['import_casekit_audience_s']:.2f}"
        f" s, import duckdb {profile['import_duckdb_s']:.2f} s, call "
        f"{profile['overview_call_s']:.2f} s ="
    )
    for name, part in profile["parts"].items():
        print(f"    {part['s']:6.2f} s  {name} (peak so far {part['vmhwm_after_mib']:,.0f} MiB)")
    print(f"    {profile['other_s']:6.2f} s  other (connection, funnel SQL on the per-user frame)")

    if args.json is not None:
        out = {
            "rows": summary["rows"],
            "users": summary["users"],
            "cleaning": report,
            "machine": {
                "cores": os.cpu_count(),
                "memory_gib": _memory_gib(),
                "load_avg_1m_before": round(load_before, 2),
                "platform": platform.platform(),
            },
            "versions": versions,
            "command": shlex.join(argv),
            "steps": steps,
            "csv": {
                "file": csv.name,
                "bytes": summary["bytes"],
                "seed": summary["seed"],
                "outside_window_rows": summary["outside_window_rows"],
                "duplicate_rows": summary["duplicate_rows"],
                "generated_in_this_run": not reused,
            },
            "results": ov_runs[0]["results"],
            "overview_profile": {k: v for k, v in profile.items() if k not in ("spawned", "ended")},
            "parts_s": {
                "three_calls": min(three_runs, key=lambda r: r["t1"] - r["t0"])["parts_s"],
                "window_views": min(window_runs, key=lambda r: r["t1"] - r["t0"])["parts_s"],
                "pandas": (
                    min(pd_runs, key=lambda r: r["t1"] - r["t0"])["parts_s"] if pd_runs else None
                ),
            },
            "agree": None if check is None else check["agree"],
        }
        _atomic_write(args.json, json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
