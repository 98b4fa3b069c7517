"""user_behavior_csv: a simulated Taobao UserBehavior.csv in the raw download format."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casekit.data import generators as gen
from casekit.data.tianchi import USER_BEHAVIOR_WINDOW, read_user_behavior
from casekit.errors import BadParameterError

LINE = re.compile(r"[1-9]\d*,[1-9]\d*,[1-9]\d*,(pv|cart|fav|buy),-?\d+")
T0 = int(pd.Timestamp(USER_BEHAVIOR_WINDOW[0], tz="Asia/Shanghai").timestamp())
T_END = int(
    (pd.Timestamp(USER_BEHAVIOR_WINDOW[1], tz="Asia/Shanghai") + pd.Timedelta(days=1)).timestamp()
)
# Many quirks on few rows, several chunks: every code path, still fast.
QUIRKY = dict(users_per_chunk=60, outside_window_share=0.03, duplicate_share=0.01)


def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    assert data.endswith(b"\n") and b"\r" not in data
    return data.decode("ascii").split("\n")[:-1]


def _frame(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path,
        header=None,
        names=["user_id", "item_id", "category_id", "behavior_type", "timestamp"],
        dtype={"behavior_type": str},
    )


@pytest.fixture(scope="module")
def quirky(tmp_path_factory) -> tuple[gen.UserBehaviorCsvSummary, list[str], pd.DataFrame]:
    path = tmp_path_factory.mktemp("ub") / "UserBehavior.csv"
    summary = gen.user_behavior_csv(path, 30_000, seed=3, **QUIRKY)
    return summary, _lines(path), _frame(path)


# ---------------------------------------------------------------- format


def test_exact_line_count_no_header_and_raw_format(quirky):
    summary, lines, _ = quirky
    assert summary.rows == len(lines) == 30_000
    assert LINE.fullmatch(lines[0])  # data from the first line: no header
    bad = [ln for ln in lines if not LINE.fullmatch(ln)]
    assert bad == []
    assert '"' not in "".join(lines)
    assert summary.bytes == summary.path.stat().st_size
    assert summary.path.name == "UserBehavior.csv" and summary.seed == 3


@pytest.mark.parametrize("n_rows", [1, 2, 7, 4_321])
def test_small_and_odd_row_counts_are_exact(tmp_path, n_rows):
    summary = gen.user_behavior_csv(tmp_path / "ub.csv", n_rows, users_per_chunk=5)
    assert summary.rows == n_rows
    assert len(_lines(summary.path)) == n_rows


def test_summary_is_frozen_and_exported(tmp_path):
    summary = gen.user_behavior_csv(str(tmp_path / "ub.csv"), 100, users_per_chunk=5)
    assert isinstance(summary.path, Path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.rows = 1  # type: ignore[misc]
    assert {"user_behavior_csv", "UserBehaviorCsvSummary"} <= set(gen.__all__)


# ---------------------------------------------------------------- determinism


def test_same_arguments_same_bytes_other_seed_differs(tmp_path):
    a = gen.user_behavior_csv(tmp_path / "a.csv", 12_000, seed=5, users_per_chunk=40)
    b = gen.user_behavior_csv(tmp_path / "b.csv", 12_000, seed=5, users_per_chunk=40)
    c = gen.user_behavior_csv(tmp_path / "c.csv", 12_000, seed=6, users_per_chunk=40)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert dataclasses.replace(a, path=b.path) == b
    assert c.path.read_bytes() != a.path.read_bytes()


# ---------------------------------------------------------------- users and order


def test_users_unique_across_chunks_and_grouped_ascending(quirky):
    summary, _, df = quirky
    user = df["user_id"].to_numpy()
    assert (np.diff(user) >= 0).all()  # grouped by user, ascending
    assert user[0] == 1 and user[-1] == summary.users  # 1 … N, several chunks
    assert len(np.unique(user)) == summary.users > QUIRKY["users_per_chunk"]


def test_rows_sorted_by_user_time_item_behavior_apart_from_quirks(quirky):
    _, lines, df = quirky
    code = df["behavior_type"].map({"pv": 0, "cart": 1, "fav": 2, "buy": 3})
    inside = df["timestamp"].between(T0, T_END - 1)
    repeat = pd.Series([False] + [a == b for a, b in zip(lines[1:], lines[:-1], strict=True)])
    keys = pd.DataFrame({"u": df["user_id"], "t": df["timestamp"], "i": df["item_id"], "b": code})[
        inside & ~repeat
    ]
    assert keys.equals(keys.sort_values(["u", "t", "i", "b"], kind="stable"))


# ---------------------------------------------------------------- quirks


def test_quirk_counts_agree_with_read_user_behavior(quirky):
    summary, _, _ = quirky
    df, report = read_user_behavior(summary.path, report=True)
    assert report.rows_read == summary.rows
    assert report.dropped_outside_window == summary.outside_window_rows
    assert report.dropped_duplicates == summary.duplicate_rows
    assert (
        report.rows_kept
        == len(df)
        == (summary.rows - summary.outside_window_rows - summary.duplicate_rows)
    )
    assert df["user_id"].nunique() <= summary.users


def test_quirks_are_the_requested_shares(quirky):
    summary, _, _ = quirky
    assert abs(summary.outside_window_rows - 0.03 * summary.rows) <= 2
    assert abs(summary.duplicate_rows - 0.01 * summary.rows) <= 2


def test_default_shares(tmp_path):
    summary = gen.user_behavior_csv(tmp_path / "ub.csv", 40_000, seed=1)
    assert abs(summary.outside_window_rows - 0.0005 * 40_000) <= 1
    assert abs(summary.duplicate_rows - 0.0002 * 40_000) <= 1
    _, report = read_user_behavior(summary.path, report=True)
    assert report.dropped_outside_window == summary.outside_window_rows
    assert report.dropped_duplicates == summary.duplicate_rows


def test_duplicates_follow_their_row_and_no_other_line_repeats(quirky):
    summary, lines, df = quirky
    after_same = [i for i in range(1, len(lines)) if lines[i] == lines[i - 1]]
    assert len(after_same) == summary.duplicate_rows
    assert len(set(lines)) == len(lines) - summary.duplicate_rows  # no coincidental repeat
    ts = df["timestamp"].to_numpy()[after_same]
    assert ((ts >= T0) & (ts < T_END)).all()  # only in-window rows are copied


def test_outside_timestamps_mix_near_and_far_values(quirky):
    summary, _, df = quirky
    ts = df["timestamp"].to_numpy()
    out = ts[(ts < T0) | (ts >= T_END)]
    assert len(out) == summary.outside_window_rows
    day = 86_400
    kinds = {
        "day or two before": (out >= T0 - 2 * day) & (out < T0),
        "day or two after": (out >= T_END) & (out < T_END + 2 * day),
        "1970": (out >= 0) & (out < 3 * day),
        "2037": (out >= 2_114_380_800) & (out < 2_145_916_800),
        "negative": out < 0,
    }
    for name, hit in kinds.items():
        assert hit.any(), name
    assert sum(hit.sum() for hit in kinds.values()) == len(out)
    near = kinds["day or two before"].sum() + kinds["day or two after"].sum()
    assert near > len(out) / 2


def test_no_quirks_when_shares_are_zero(tmp_path):
    summary = gen.user_behavior_csv(
        tmp_path / "ub.csv", 5_000, users_per_chunk=30, outside_window_share=0, duplicate_share=0.0
    )
    assert summary.outside_window_rows == summary.duplicate_rows == 0
    _, report = read_user_behavior(summary.path, report=True)
    assert report.rows_kept == 5_000


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("n_rows", dict(n_rows=0)),
        ("n_rows", dict(n_rows=-5)),
        ("n_rows", dict(n_rows=10.5)),
        ("n_rows", dict(n_rows="100")),
        ("n_rows", dict(n_rows=True)),
        ("seed", dict(seed=-1)),
        ("seed", dict(seed=1.0)),
        ("users_per_chunk", dict(users_per_chunk=0)),
        ("users_per_chunk", dict(users_per_chunk=None)),
        ("outside_window_share", dict(outside_window_share=0.5)),
        ("outside_window_share", dict(outside_window_share=-0.01)),
        ("outside_window_share", dict(outside_window_share=math.nan)),
        ("duplicate_share", dict(duplicate_share=0.5)),
        ("duplicate_share", dict(duplicate_share="0.01")),
        ("duplicate_share", dict(outside_window_share=0.3, duplicate_share=0.2)),
        ("progress", dict(progress="yes")),
        ("path", dict(path=None)),
        ("path", dict(path=42)),
        ("path", dict(path="")),
    ],
)
def test_bad_parameters_name_the_parameter(tmp_path, name, kwargs):
    call = dict(path=tmp_path / "ub.csv", n_rows=100) | kwargs
    with pytest.raises(BadParameterError) as info:
        gen.user_behavior_csv(**call)
    assert info.value.name == name
    assert repr(name) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_path_must_be_a_file_in_a_creatable_folder(tmp_path):
    with pytest.raises(BadParameterError, match="'path'"):
        gen.user_behavior_csv(tmp_path, 10)  # a folder
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadParameterError, match="'path'"):
        gen.user_behavior_csv(tmp_path / "file" / "ub.csv", 10)  # parent is a file
    summary = gen.user_behavior_csv(tmp_path / "new" / "deeper" / "ub.csv", 10, users_per_chunk=1)
    assert summary.path.is_file()


# ---------------------------------------------------------------- atomic writing


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_failure_in_the_middle_leaves_no_file(tmp_path, monkeypatch, error):
    real = gen.event_log
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(gen, "event_log", flaky)
    with pytest.raises(type(error)):
        gen.user_behavior_csv(tmp_path / "ub.csv", 5_000, users_per_chunk=10)
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []  # neither the file nor a hidden temp file


def test_failure_keeps_an_existing_file_untouched(tmp_path, monkeypatch):
    dest = tmp_path / "ub.csv"
    dest.write_text("old\n")

    def broken(*args, **kwargs):
        raise OSError("no space left")

    monkeypatch.setattr(gen, "event_log", broken)
    with pytest.raises(OSError, match="no space"):
        gen.user_behavior_csv(dest, 100)
    assert dest.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ub.csv"]


def test_progress_bar_on_stderr_only_when_asked(tmp_path, capsys):
    gen.user_behavior_csv(tmp_path / "a.csv", 2_000, users_per_chunk=10)
    quiet = capsys.readouterr()
    assert quiet.out == quiet.err == ""
    gen.user_behavior_csv(tmp_path / "b.csv", 2_000, users_per_chunk=10, progress=True)
    shown = capsys.readouterr()
    assert shown.out == ""
    assert "rows" in shown.err and "b.csv" in shown.err
