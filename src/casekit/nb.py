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
    _show_missing_as_dash()


MISSING = "—"
"""How a displayed table shows a missing value (NaN, None, NaT, <NA>)."""


def _display_ready(frame: Any) -> Any:
    """A copy without negative zeros (shown as 0, never -0.0) and with every missing value
    one that ``na_rep`` replaces (pandas prints ``<NA>`` and ``None`` verbatim)."""
    import numpy as np
    import pandas as pd

    out = frame.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if isinstance(col.dtype, pd.CategoricalDtype):
            continue  # na_rep already applies to categories
        if pd.api.types.is_float_dtype(col.dtype):
            out.isetitem(i, col.astype("float64") + 0.0)  # -0.0 + 0.0 == 0.0; NA -> NaN
        elif not pd.api.types.is_datetime64_any_dtype(col.dtype) and col.isna().any():
            out.isetitem(i, col.astype(object).where(col.notna(), np.nan))
    return out


def table_html(frame: Any) -> str:
    """A DataFrame as the notebook's HTML table, with missing values shown as "—".

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to show; it is copied, not changed.

    Returns
    -------
    str
        HTML following pandas' display options (max rows/columns, dimensions).
    """
    import pandas as pd

    return _display_ready(frame).to_html(
        notebook=True,
        na_rep=MISSING,
        max_rows=pd.get_option("display.max_rows"),
        max_cols=pd.get_option("display.max_columns"),
        show_dimensions=pd.get_option("display.show_dimensions"),
    )


def table_text(frame: Any) -> str:
    """A DataFrame as plain text (the notebook's text/plain), missing values shown as "—".

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to show; it is copied, not changed.

    Returns
    -------
    str
        Plain text following pandas' display options (rows, columns, width).
    """
    import pandas as pd

    return _display_ready(frame).to_string(
        na_rep=MISSING,
        max_rows=pd.get_option("display.max_rows"),
        min_rows=pd.get_option("display.min_rows"),
        max_cols=pd.get_option("display.max_columns"),
        line_width=pd.get_option("display.width"),
        max_colwidth=pd.get_option("display.max_colwidth"),
        show_dimensions=pd.get_option("display.show_dimensions"),
    )


def _show_missing_as_dash() -> None:
    """Make IPython display every DataFrame with :func:`table_html` / :func:`table_text`."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return
    import pandas as pd

    shell = get_ipython()
    if shell is None:  # plain Python: nothing is displayed
        return
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type(pd.DataFrame, table_html)
    formatters["text/plain"].for_type(pd.DataFrame, lambda df, p, cycle: p.text(table_text(df)))


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
    sign = "-" if round(v, digits) < 0 else ""  # -0.001 is ¥0.00, not -¥0.00
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
    v = round(_finite(value, "value") * 100, digits) + 0.0  # never "-0.0%"
    return f"{v:.{digits}f}%"


def simulated_note(dataset: str, *, how: str | None = None) -> None:
    """Show that data are simulated (模拟数据): a catalogued dataset, or a table made inline.

    Parameters
    ----------
    dataset : str
        Name of a simulated dataset in the catalog, or, with ``how``, the variable name of a
        table the notebook builds itself.
    how : str, optional
        For an inline table: how it was made, in Chinese (e.g. "用随机种子 2024 的 numpy 随机数
        构造的一天点击日志"). Leave out for a catalogued dataset.

    Returns
    -------
    None
        Nothing; displays the note.

    Raises
    ------
    BadParameterError
        A catalogued dataset that is not synthetic, an inline table named like a catalogued
        dataset, or an empty ``how``.
    """
    from casekit import data

    if how is not None:
        if not str(how).strip():
            raise BadParameterError("how", how, "a sentence saying how the inline table was made")
        if not str(dataset).isidentifier():
            raise BadParameterError("dataset", dataset, "the variable name of the inline table")
        if dataset in data.raw_catalog():
            raise BadParameterError(
                "dataset", dataset,
                "an inline table's own name (a catalogued dataset takes no how=)",
            )
        md(
            f"> **模拟数据（simulated data）**：`{dataset}` 是本笔记本里{str(how).strip()}，"
            "不是真实店铺或平台数据。"
        )
        return
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
