"""Small helpers the course notebooks use for set-up and for prose built from data.

A number quoted in a notebook's prose must come from code, so prose and data cannot
disagree: build the sentence in a code cell and show it with :func:`md`.

>>> from casekit import nb
>>> nb.setup()
>>> nb.md(f"共有 **{nb.fmt_int(1234567)}** 条行为记录。")
"""

from __future__ import annotations

import math
from typing import Any

from casekit.errors import BadParameterError


def setup() -> None:
    """Course defaults: the altair theme and offline renderer, stable pandas display.

    Returns
    -------
    None
        Nothing; sets the display options.
    """
    import pandas as pd

    from casekit import charts

    charts.use_course_theme()
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 120)
    pd.set_option("display.precision", 4)
    pd.set_option("display.max_colwidth", 60)


def md(text: str) -> Any:
    """Display Markdown built in code (a sentence whose numbers come from data).

    Parameters
    ----------
    text : str
        Markdown text (Simplified Chinese prose).

    Returns
    -------
    None
        Nothing; the Markdown is displayed in the notebook.
    """
    from IPython.display import Markdown, display

    obj = Markdown(text)
    display(obj)
    return None


def _finite(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise BadParameterError(name, value, "a number") from None
    if math.isnan(v) or math.isinf(v):
        raise BadParameterError(name, value, "a finite number")
    return v


def fmt_int(value: Any) -> str:
    """1234567 -> '1,234,567'.

    Parameters
    ----------
    value : float
        The number to format.

    Returns
    -------
    str
        The number with thousands separators.
    """
    return f"{round(_finite(value, 'value')):,d}"


def fmt_wan(value: Any, digits: int = 1) -> str:
    """Chinese 万/亿 units: 380000 -> '38 万', 7e8 -> '7 亿', 1234 -> '1,234'.

    Parameters
    ----------
    value : float
        The number to format.
    digits : int, optional
        Decimals shown.

    Returns
    -------
    str
        The number in 万 / 亿 units (e.g. ``'38 万'``), or with separators below 10,000.
    """
    v = _finite(value, "value")
    for unit, size in (("亿", 1e8), ("万", 1e4)):
        if abs(v) >= size:
            text = f"{v / size:,.{digits}f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
    return fmt_int(v)


def fmt_cny(value: Any, digits: int = 2) -> str:
    """12345.6 -> '¥12,345.60'.

    Parameters
    ----------
    value : float
        The number to format.
    digits : int, optional
        Decimals shown.

    Returns
    -------
    str
        The amount in CNY with separators and 2 decimals by default, e.g.
        ``'¥12,345.60'``.
    """
    v = _finite(value, "value")
    sign = "-" if v < 0 else ""
    return f"{sign}¥{abs(v):,.{digits}f}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    """0.0345 -> '3.5%' (the input is a proportion, not a percentage).

    Parameters
    ----------
    value : float
        The number to format.
    digits : int, optional
        Decimals shown.

    Returns
    -------
    str
        The proportion as a percentage, e.g. ``'3.5%'``.
    """
    return f"{_finite(value, 'value') * 100:.{digits}f}%"


def simulated_note(dataset: str) -> None:
    """Show that a dataset is simulated (模拟数据), with its generator, seed and calibration.

    Parameters
    ----------
    dataset : str
        Name of a simulated dataset in the catalog.

    Returns
    -------
    None
        Nothing; displays the note.
    """
    from casekit import data

    entry = data.describe(dataset)
    if entry["kind"] != "synthetic":
        raise BadParameterError("dataset", dataset, "a simulated (synthetic) dataset")
    gen = entry["generator"]
    calib = (entry.get("calibration") or {}).get("zh")
    text = (
        f"> **模拟数据（simulated data）**：`{dataset}` 由 `{gen['function']}` 以随机种子 "
        f"{gen['seed']} 生成，不是真实店铺数据。"
    )
    if calib:
        text += f" 校准依据：{calib}"
    md(text)
