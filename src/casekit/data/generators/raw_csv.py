"""``user_behavior_csv``: a full-size simulated raw ``UserBehavior.csv``, streamed to disk."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import BEHAVIOR_TYPES, number
from casekit.data.generators._common import (
    _count,
    _epoch,
    _seed,
    _window,
)
from casekit.errors import BadParameterError

# --------------------------------------------------------------------------------------
# 1b. A full-size UserBehavior.csv, streamed to disk
# --------------------------------------------------------------------------------------

#: Kinds of out-of-window timestamp and their shares: a day or two before the window, a day
#: or two after it, 0-ish (1970), 2037, negative (before 1970).
_OUTSIDE_KINDS = np.array([0.35, 0.35, 0.15, 0.10, 0.05])
_TWO_DAYS = 2 * 86_400
_YEAR_2037 = 2_114_380_800  # 2037-01-01 00:00:00 UTC; 2037 timestamps stay below 2**31


@dataclass(frozen=True)
class UserBehaviorCsvSummary:
    """What ``user_behavior_csv`` wrote: ``rows`` data lines (quirks included) of ``users``
    users, ``outside_window_rows`` rows dated outside the window, ``duplicate_rows`` exact
    copies of the row before them, with ``seed``, in a file of ``bytes`` bytes at ``path``."""

    path: Path
    rows: int
    users: int
    outside_window_rows: int
    duplicate_rows: int
    seed: int
    bytes: int


def _share(value: Any, name: str, zh: str) -> float:
    v = number(value, name, zh=zh, minimum=0.0)
    if v >= 0.5:
        raise BadParameterError(name, value, "a share >= 0 and < 0.5 (e.g. 0.0005)", zh=zh)
    return v


def _csv_target(path: Any) -> Path:
    expected = "a file path (str or pathlib.Path) whose folder exists or can be created"
    if not isinstance(path, str | os.PathLike) or str(path) == "":
        raise BadParameterError("path", path, expected)
    dest = Path(path).expanduser()
    if dest.is_dir():
        raise BadParameterError("path", path, "a file path, not a folder")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadParameterError("path", path, f"{expected} ({exc.strerror})") from None
    return dest


def _chunk_seeds(seed: int, chunk: int) -> tuple[int, np.random.Generator]:
    """Seed of chunk ``chunk``'s ``event_log`` and the generator of its quirks."""
    events = np.random.SeedSequence(seed, spawn_key=(chunk, 0))
    quirks = np.random.SeedSequence(seed, spawn_key=(chunk, 1))
    return int(events.generate_state(1, np.uint64)[0]), np.random.default_rng(quirks)


def _by_user(user, t, item, code) -> np.ndarray:
    """Row order (user, timestamp, item, behavior code) of one ``event_log`` chunk."""
    # event_log sorts by (time, user, item): a stable sort by user (radix for <= 16 bits)
    # gives (user, time, item); only ties of (user, time, item) still need the code.
    small = int(user.max()) < 1 << 16
    order = np.argsort(user.astype(np.uint16 if small else np.int64), kind="stable")
    u, tt, it = user[order], t[order], item[order]
    same_user = u[1:] == u[:-1]
    later = (tt[1:] > tt[:-1]) | ((tt[1:] == tt[:-1]) & (it[1:] >= it[:-1]))
    if not (later | ~same_user).all():  # not event_log's documented order: sort fully
        return np.lexsort((code, item, t, user))
    tie = same_user & (tt[1:] == tt[:-1]) & (it[1:] == it[:-1])
    if tie.any():
        rows = np.flatnonzero(np.r_[tie, False] | np.r_[False, tie])
        run = np.cumsum(np.r_[True, ~tie])[rows]  # tie runs are contiguous: sort in place
        order[rows] = order[rows][np.lexsort((code[order[rows]], run))]
    return order


def _outside_timestamps(rng: np.random.Generator, n: int, t0: int, t_end: int) -> np.ndarray:
    kind = rng.choice(len(_OUTSIDE_KINDS), size=n, p=_OUTSIDE_KINDS)
    values = np.stack(
        [
            t0 - rng.integers(1, _TWO_DAYS + 1, n),  # a day or two before the window
            t_end + rng.integers(0, _TWO_DAYS, n),  # a day or two after it
            rng.integers(0, 3 * 86_400, n),  # 1970-01-01 .. 03
            _YEAR_2037 + rng.integers(0, 365 * 86_400, n),  # 2037
            -rng.integers(1, 1 << 31, n),  # before 1970
        ]
    )
    return values[kind, np.arange(n)]


def user_behavior_csv(
    path: str | os.PathLike[str],
    n_rows: int,
    *,
    seed: int = 0,
    users_per_chunk: int = 20_000,
    outside_window_share: float = 0.0005,
    duplicate_share: float = 0.0002,
    progress: bool = False,
) -> UserBehaviorCsvSummary:
    """Write a simulated Taobao UserBehavior.csv of exactly ``n_rows`` lines (模拟数据).

    The format is that of the Tianchi download: no header; user_id, item_id, category_id,
    behavior_type (pv, cart, fav, buy as bare text), timestamp (Unix seconds). The data are
    simulated, in chunks of ``users_per_chunk`` users: chunk k is ``event_log`` over
    2017-11-25 … 2017-12-03 seeded from ``SeedSequence(seed, spawn_key=(k, 0))``, user ids
    shifted so they run 1 … N over the file, rows grouped by user in ascending order and
    sorted by (user, timestamp, item, behavior). Memory stays that of one chunk (~400 MB
    peak with the default 20,000 users) whatever ``n_rows``; 100 million rows take one to
    two minutes. Items are consistent within a chunk only: an item id met in two chunks
    may have two categories.

    Quirks of the real file, placed with ``SeedSequence(seed, spawn_key=(k, 1))``:

    * ``outside_window_share`` of the rows get, in place, a timestamp outside the window:
      mostly a day or two before or after it, some near 0 (1970), in 2037 or negative;
    * ``duplicate_share`` of the rows are exact copies of the row just before them (only
      in-window rows are copied, and the simulated log itself has no other repeated row).

    ``read_user_behavior(path, report=True)`` finds exactly ``outside_window_rows`` and
    ``duplicate_rows`` of the returned ``UserBehaviorCsvSummary``. The same arguments give
    the same bytes. The file is written beside ``path`` under a hidden name and moved into
    place at the end, so a failure or Ctrl-C leaves no partial file. ``progress=True``
    shows a progress bar on stderr.

    Parameters
    ----------
    path : str or os.PathLike
        CSV file to write.
    n_rows : int
        Exact number of data lines (≥ 1).
    seed : int
        Random seed (≥ 0); the same arguments give the same bytes.
    users_per_chunk : int
        Users simulated per chunk; bounds memory.
    outside_window_share : float
        Proportion 0–1 of rows given an out-of-window timestamp.
    duplicate_share : float
        Proportion 0–1 of rows that copy the row before; with ``outside_window_share``
        below 0.5 in total.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    UserBehaviorCsvSummary
        Path, rows, users, outside-window and duplicate row counts, seed and file size in bytes.
    """
    n_rows = _count(n_rows, "n_rows", zh="行数")
    seed = _seed(seed)
    per_chunk = _count(users_per_chunk, "users_per_chunk", zh="每块用户数")
    p_out = _share(outside_window_share, "outside_window_share", "窗口外时间戳占比")
    p_dup = _share(duplicate_share, "duplicate_share", "重复行占比")
    if p_out + p_dup >= 0.5:
        raise BadParameterError(
            "duplicate_share",
            duplicate_share,
            f"a share with outside_window_share + duplicate_share < 0.5 "
            f"(outside_window_share is {p_out})",
            zh="重复行占比",
        )
    if not isinstance(progress, bool | np.bool_):
        raise BadParameterError("progress", progress, "True or False", zh="进度条")
    dest = _csv_target(path)

    import pyarrow as pa
    import pyarrow.csv as pacsv
    from tqdm.auto import tqdm

    from casekit.data import generators
    from casekit.data.tianchi import USER_BEHAVIOR_WINDOW

    first, last = _window(*USER_BEHAVIOR_WINDOW)
    t0 = _epoch(first)
    t_end = _epoch(last + pd.Timedelta(days=1))
    # Quirks per base (simulated) row, so that they are these shares of all written rows.
    dup_rate = p_dup / (1 - p_dup)
    out_rate = p_out / (1 - p_dup)
    behaviors = pa.array(list(BEHAVIOR_TYPES), pa.string())
    schema = pa.schema(
        [
            ("user_id", pa.int64()),
            ("item_id", pa.int64()),
            ("category_id", pa.int64()),
            ("behavior_type", pa.string()),
            ("timestamp", pa.int64()),
        ]
    )
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")

    written = base = users = n_out = n_dup = 0
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.tmp")
    tmp.touch(exist_ok=False)
    try:
        with (
            pa.OSFile(str(tmp), "wb") as sink,
            pacsv.CSVWriter(sink, schema, write_options=options) as writer,
            tqdm(
                total=n_rows,
                unit="rows",
                unit_scale=True,
                file=sys.stderr,
                disable=not progress,
                desc=dest.name,
            ) as bar,
        ):
            chunk = 0
            while written < n_rows:
                event_seed, rng = _chunk_seeds(seed, chunk)
                # through the package, so that a patched generators.event_log is used
                df = generators.event_log(per_chunk, first, last, seed=event_seed)
                user = df["user_id"].to_numpy(dtype=np.int64)
                item = df["item_id"].to_numpy(dtype=np.int64)
                cat = df["category_id"].to_numpy(dtype=np.int64)
                code = df["behavior_type"].cat.codes.to_numpy()
                ts = df["timestamp"].array.asi8 // 1_000_000_000
                del df
                order = _by_user(user, ts, item, code)
                user, item, cat, code, ts = (a[order] for a in (user, item, cat, code, ts))
                del order
                repeat = np.r_[
                    True,
                    (user[1:] != user[:-1])
                    | (ts[1:] != ts[:-1])
                    | (item[1:] != item[:-1])
                    | (code[1:] != code[:-1]),
                ]  # drop the log's own rare repeats: every duplicate is an injected one
                kept = np.flatnonzero(repeat)
                need = n_rows - written
                target = np.floor(dup_rate * (base + np.arange(1, len(kept) + 1)) + 0.5)
                lines = np.arange(1, len(kept) + 1) + target - n_dup  # lines for m base rows
                m = min(int(np.searchsorted(lines, need)) + 1, len(kept))
                d = min(int(lines[m - 1]) - m, need - m, m)
                del target, lines
                o = int(np.floor(out_rate * (base + m) + 0.5)) - n_out
                o = max(0, min(o, m - d))
                picked = rng.choice(m, size=o + d, replace=False)
                repeat = np.zeros(len(user), dtype=np.int64)
                repeat[kept[:m]] = 1
                repeat[kept[picked[o:]]] = 2  # an exact copy right after the row
                at = np.cumsum(repeat) - repeat  # line of each base row in this chunk
                moved = at[kept[picked[:o]]]
                del kept, at
                rows = np.repeat(np.arange(len(user)), repeat)
                del repeat
                ts = ts[rows]
                ts[moved] = _outside_timestamps(rng, o, t0, t_end)
                user = user[rows] + chunk * per_chunk
                table = pa.Table.from_arrays(
                    [
                        pa.array(user),
                        pa.array(item[rows]),
                        pa.array(cat[rows]),
                        behaviors.take(pa.array(code[rows])),
                        pa.array(ts),
                    ],
                    schema=schema,
                )
                del rows, item, cat, code, ts
                writer.write_table(table)
                del table
                users += 1 + int(np.count_nonzero(user[1:] != user[:-1]))
                written += len(user)
                base += m
                n_dup += d
                n_out += o
                bar.update(len(user))
                del user
                chunk += 1
        size = tmp.stat().st_size
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return UserBehaviorCsvSummary(
        path=dest,
        rows=written,
        users=users,
        outside_window_rows=n_out,
        duplicate_rows=n_dup,
        seed=seed,
        bytes=size,
    )
