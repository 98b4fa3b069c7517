"""One altair theme for the course (CJK fonts, Tmall red accent) and its standard charts.

Importing this module (or calling :func:`use_course_theme`) enables, process-wide:

* the altair theme ``"casekit"``: a CJK font stack for titles, axes and legends, a calm
  categorical palette with Tmall red (``#FF0036``) kept for the one thing to look at;
* the renderer ``"casekit"``: a chart's output is only the Vega-Lite JSON under
  :data:`VEGALITE_MIMETYPE` plus a one-line ``text/plain`` fallback. JupyterLab draws that
  mimetype with the vega bundled in JupyterLab itself, so nothing is fetched from a CDN,
  and the output carries no random element id: executing a notebook twice gives the same
  bytes. The ``$schema`` URL in the spec is an identifier; it is never fetched.

Every chart function takes a small, already aggregated table (documented columns), checks
it, and returns an ``alt.Chart`` or ``alt.LayerChart`` with Chinese titles (English in
parentheses). Data are inlined in the spec under a content-hash name (altair's default data
transformer), so charts never embed raw event logs: inputs over :data:`MAX_ROWS` rows are
refused. Date-times are shown as Beijing wall-clock time: tz-aware values are converted to
Asia/Shanghai and written as ISO strings without a zone, which Vega reads as local time, so
every viewer sees the same day whatever their own time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from casekit._checks import TZ, number, require_columns, require_frame, require_numeric_column
from casekit.errors import BadParameterError, SchemaViolationError

__all__ = [
    "ACCENT",
    "CATEGORY_PALETTE",
    "FONT_STACK",
    "MAX_ROWS",
    "RENDERER_VEGALITE",
    "THEME_NAME",
    "VEGALITE_MIMETYPE",
    "ab_interval_chart",
    "aipl_flow_chart",
    "auction_chart",
    "calendar_chart",
    "course_theme",
    "daily_metric_chart",
    "funnel_chart",
    "line_chart",
    "mimebundle",
    "timeline_chart",
    "use_course_theme",
    "what_if_chart",
]

# ---------------------------------------------------------------------------------------
# Theme and renderer
# ---------------------------------------------------------------------------------------

THEME_NAME = "casekit"
FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"WenQuanYi Micro Hei", sans-serif'
)
ACCENT = "#FF0036"  # Tmall red: only for what the reader should look at
BASE = "#4C6A92"  # calm slate blue for ordinary marks
MUTED = "#C5CFDC"  # background bars (e.g. the bid behind the price paid)
TEXT = "#333333"
# Calm categorical palette; deliberately without red so the accent stays unambiguous.
CATEGORY_PALETTE = (
    "#4C6A92", "#E3A857", "#6BAA75", "#8E7DBE", "#5FA8D3", "#C98986", "#7F8C8D", "#B8A94A",
)
HEAT_RAMP = ("#FFF3F5", "#FFB3C1", "#FF5C7A", ACCENT)
MAX_ROWS = 5000  # altair's own inline-data limit; charts take aggregated tables

RENDERER_VEGALITE = "5.6.1"
"""Vega-Lite of the renderer that draws the charts in JupyterLab 4 (its vega5 extension).

altair writes its own, newer Vega-Lite version in ``$schema``; vega-embed then logs "The
input spec uses Vega-Lite v5.x, but the current version of Vega-Lite is v5.6.1" for every
chart. The renderer below labels each spec with this version instead; the charts use only
what 5.6 has, which ``tests/test_chart_render.py`` checks by drawing every committed chart
with JupyterLab's own bundle (and that this constant matches the installed JupyterLab).
"""

VEGALITE_MIMETYPE = f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.lstrip('v').split('.')[0]}+json"
"""The mimetype of the charts' output, derived from the installed altair's Vega-Lite."""


def course_theme() -> dict[str, Any]:
    """The ``casekit`` altair theme: CJK font stack, palette, sizes, axis label handling.

    Returns
    -------
    dict
        ``{"config": ...}``: number and date axes drop a label rather than let two touch
        (greedy overlap removal, 8 px apart), dates read ``06/18`` horizontally, category
        labels on x are slanted.
    """
    axis = {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
        "labelColor": TEXT,
        "titleColor": TEXT,
        "gridColor": "#ECECEC",
        "domainColor": "#999999",
        "tickColor": "#999999",
    }
    return {
        "config": {
            "background": "white",
            # vega-lite's default for every text: titles, axis and legend labels, headers,
            # text marks (one copy keeps each notebook output small).
            "font": FONT_STACK,
            "title": {
                "fontSize": 16,
                "subtitleFontSize": 12,
                "color": "#222222",
                "subtitleColor": "#666666",
                "anchor": "start",
                "offset": 8,
            },
            "axis": axis,
            # Numbers and dates: drop a label rather than let two run together
            # ("9501,000", "06-1006-11"), keep a gap between neighbours, read horizontally.
            "axisQuantitative": {"labelOverlap": "greedy", "labelSeparation": 8,
                                 "labelFlush": True},
            "axisTemporal": {"labelOverlap": "greedy", "labelSeparation": 8, "labelAngle": 0,
                             "format": "%m/%d", "labelFlush": True},
            # Categories on x (days as bars, stages): slanted so short labels never touch.
            "axisXDiscrete": {"labelAngle": -45},
            "legend": {
                "labelColor": TEXT,
                "titleColor": TEXT,
                "labelFontSize": 11,
                "titleFontSize": 12,
                "titleFontWeight": "normal",
            },
            "text": {"fontSize": 11, "color": TEXT},
            "mark": {"color": BASE},
            "bar": {"color": BASE},
            "line": {"color": BASE, "strokeWidth": 2},
            "point": {"color": BASE, "filled": True},
            "range": {
                "category": list(CATEGORY_PALETTE),
                "heatmap": list(HEAT_RAMP),
                "ramp": list(HEAT_RAMP),
            },
            "view": {
                "continuousWidth": 520,
                "continuousHeight": 300,
                "step": 28,
                "stroke": "transparent",
            },
        }
    }


def _chart_title(spec: Mapping[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, Mapping):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title) if title else "未命名"


def mimebundle(spec: dict[str, Any], **metadata: Any) -> Any:
    """The ``casekit`` renderer: the Vega-Lite spec under its mimetype plus a short text line.

    Replaces altair's default HTML output (vega from a CDN, random element id) and its
    text/plain troubleshooting note. The mimetype follows the spec's ``$schema`` version;
    a Vega-Lite 5 spec is labelled :data:`RENDERER_VEGALITE`, the version JupyterLab draws
    it with, so the renderer logs no version warning.

    Parameters
    ----------
    spec : dict
        The chart's Vega-Lite spec (``chart.to_dict()``).
    metadata : Any
        Keyword arguments (``**metadata``): embed options set with
        ``alt.renderers.set_embed_options``.

    Returns
    -------
    dict or tuple
        The mimebundle, with its metadata when embed options are set.
    """
    match = re.search(r"/vega-lite/v(\d+)", str(spec.get("$schema", "")))
    mimetype = f"application/vnd.vegalite.v{match.group(1)}+json" if match else VEGALITE_MIMETYPE
    if match and match.group(1) == RENDERER_VEGALITE.split(".")[0]:
        spec = {**spec, "$schema": _schema_url(RENDERER_VEGALITE)}
    text = f"<图表 Chart: {_chart_title(spec)}> — 在 JupyterLab 中显示 / renders in JupyterLab"
    bundle = {mimetype: spec, "text/plain": text}
    if metadata:  # embed options set with alt.renderers.set_embed_options
        return bundle, {mimetype: metadata}
    return bundle


def _schema_url(version: str) -> str:
    return f"https://vega.github.io/schema/vega-lite/v{version}.json"


def use_course_theme() -> None:
    """Enable the ``casekit`` theme, renderer and inline data (done on import; idempotent).

    Call it again after switching altair to another theme or renderer.

    Returns
    -------
    None
        Altair's theme, renderer and data transformer are set for the course.
    """
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(course_theme)
    alt.theme.enable(THEME_NAME)
    if THEME_NAME not in alt.renderers.names():
        alt.renderers.register(THEME_NAME, mimebundle)
    alt.renderers.enable(THEME_NAME)
    alt.data_transformers.enable("default", max_rows=MAX_ROWS)


use_course_theme()

# ---------------------------------------------------------------------------------------
# Column labels and input checks (module-private)
# ---------------------------------------------------------------------------------------

_LABELS = {
    "stage": "环节 (stage)",
    "count": "数量 (count)",
    "users": "人数 (users)",
    "visitors": "访客数 (visitors)",
    "paying_buyers": "支付买家数 (paying buyers)",
    "orders": "订单数 (orders)",
    "impressions": "曝光量 (impressions)",
    "clicks": "点击量 (clicks)",
    "gmv_cny": "销售额 (GMV, CNY)",
    "revenue_cny": "收入 (revenue, CNY)",
    "spend_cny": "花费 (spend, CNY)",
    "budget_cny": "预算 (budget, CNY)",
    "cost_cny": "花费 (cost, CNY)",
    "ad_spend_cny": "推广花费 (ad spend, CNY)",
    "aov_cny": "客单价 (AOV, CNY)",
    "stock_out_items": "缺货商品数 (stock-out items)",
    "conversion_rate": "支付转化率 (conversion rate)",
    "step_rate": "环节转化率 (step conversion)",
    "overall_rate": "整体转化率 (overall conversion)",
    "rate": "转化率 (conversion)",
    "ctr": "点击率 (CTR)",
    "cvr": "转化率 (CVR)",
    "roas": "投入产出比 (ROAS)",
    "roi": "投资回报率 (ROI)",
    "lift": "提升 (lift)",
    "abs_lift": "绝对提升 (absolute lift)",
    "rel_lift": "相对提升 (relative lift)",
    "change": "变化幅度 (change)",
    "variant": "版本 (variant)",
    "test_id": "测试编号 (test)",
    "group": "类别 (group)",
    "channel": "渠道 (channel)",
    "factor": "因素 (factor)",
    "series": "系列 (series)",
    "advertiser": "广告主 (advertiser)",
    "bid_cny": "出价 (bid, CNY)",
    "actual_cpc_cny": "实际扣费 (actual CPC, CNY)",
    "quality_score": "质量分 (quality score)",
    "ad_rank": "综合排名分 (ad rank)",
    "position": "排名位置 (position)",
    "phase": "活动阶段 (phase)",
    "date": "日期 (date)",
    "year": "年份 (year)",
    "hour": "钟点 (hour)",
    "new_fans": "新增粉丝 (new fans)",
    "clv_cny": "客户终身价值 (CLV, CNY)",
    "retention_rate": "留存率 (retention rate)",
    "growth_rate": "增长率 (growth rate)",
    "list_price_cny": "标价 (list price, CNY)",
    "final_price_cny": "到手价 (final price, CNY)",
    "buy_pv_rate": "购买数/浏览数 (buy/pv rate)",
    "cumulative_cost_cny": "累计花费 (cumulative cost, CNY)",
    "events": "行为数 (events)",
    "days": "天数 (days)",
    "false_positive_rate": "假阳性率 (false-positive rate)",
    "periods_since_first": "首购后月数 (months since first purchase)",
    "cohort": "同期群 (cohort)",
    "tool": "营销工具 (tool)",
    "notebook": "所属笔记本 (notebook)",
    "organised_around": "经营重心 (organised around)",
}
_RATES = {"rate", "ctr", "cvr", "lift", "abs_lift", "rel_lift", "change", "share"}


def _label(column: str) -> str:
    return _LABELS.get(column, column)


def _english(label: str) -> str:
    """The English part of a bilingual label: '访客数 (visitors)' -> 'visitors'."""
    match = re.search(r"\(([^()]*)\)\s*$", label)
    return match.group(1) if match else label


def _axis_title(value: str | None, column: str, name: str) -> str:
    if value is None:
        return _label(column)
    if not isinstance(value, str) or not value:
        raise BadParameterError(name, value, "a non-empty axis title or None", zh="坐标轴标题")
    return value


def _is_rate(column: str) -> bool:
    return column in _RATES or column.endswith(("_rate", "_share", "_ctr", "_lift"))


def _axis_format(column: str) -> str:
    """Tick format: '~' trims zeros, so ticks read -80%, 2.5% and 1,000, never 1,000.0."""
    return ".1~%" if _is_rate(column) else ",.4~g" if column.endswith("_score") else ",.2~f"


def _tooltip_format(column: str) -> str:
    """Hover format: two decimals where they matter (0.35 CNY), none on counts (1,234)."""
    return ".2%" if _is_rate(column) else ",.4~g" if column.endswith("_score") else ",.2~f"


def _fmt(value: float, column: str) -> str:
    value = float(value) + 0.0  # -0.0 + 0.0 == 0.0: never print a signed zero
    if _is_rate(column):
        return f"{value:.1%}"
    if column.endswith("_cny"):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _title(title: str | None, default_zh: str, subtitle: str) -> alt.TitleParams:
    if title is not None and not isinstance(title, str):
        raise BadParameterError("title", title, "a string or None", zh="标题")
    return alt.TitleParams(text=title or default_zh, subtitle=subtitle)


def _table(
    df: Any, columns: Iterable[str], *, what: str, zh: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Non-empty frame with ``columns``, small enough to inline in a chart."""
    frame = require_frame(df, what)
    require_columns(frame, columns, what=what, zh=zh)
    if len(frame) > MAX_ROWS:
        raise SchemaViolationError(
            f"{what} has {len(frame):,} rows; charts take aggregated tables of at most "
            f"{MAX_ROWS:,} rows (e.g. daily or per-stage totals), not raw event logs. "
            f"Aggregate first, e.g. with casekit.funnel.stage_counts"
        )
    return frame


def _column_name(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadParameterError(name, value, "a column name (non-empty string)")
    return value


def _text(df: pd.DataFrame, column: str, *, what: str, zh: str | None = None) -> pd.Series:
    """Column as strings, refusing missing values."""
    s = df[column]
    if s.isna().any():
        label = f"{column!r} ({zh})" if zh else repr(column)
        row = s.index[s.isna()][0]
        raise SchemaViolationError(
            f"column {label} of {what} has a missing value at row {row!r}; fill or drop it",
            column=column,
        )
    return s.astype(str).astype(object)


def _unique(values: pd.Series, column: str, *, what: str, hint: str) -> None:
    dup = values.duplicated()
    if dup.any():
        raise SchemaViolationError(
            f"column {column!r} of {what} repeats {values[dup].iloc[0]!r}; {hint}",
            column=column,
        )


def _wall_clock(s: pd.Series, column: str, *, what: str) -> pd.Series:
    """Date-times as naive Beijing wall-clock ``datetime64[ns]`` (tz-aware ones converted)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_convert(TZ).dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(s):
        out = s
    elif pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise SchemaViolationError(
            f"column {column!r} of {what} has dtype {s.dtype}; expected dates such as "
            f"'2024-06-18' (years go in a 'year' column)",
            column=column,
        )
    else:
        try:
            out = pd.to_datetime(s, errors="coerce", utc=False)
        except (TypeError, ValueError):  # mixed time zones in text
            out = pd.to_datetime(s, errors="coerce", utc=True)
        if isinstance(out.dtype, pd.DatetimeTZDtype):
            out = out.dt.tz_convert(TZ).dt.tz_localize(None)
    if out.isna().any():
        row = s.index[out.isna()][0]
        raise SchemaViolationError(
            f"column {column!r} of {what} has value {s[row]!r} at row {row!r}; expected a "
            f"date such as '2024-06-18'",
            column=column,
        )
    return out.astype("datetime64[ns]")


def _iso(s: pd.Series) -> pd.Series:
    """ISO strings without a zone: Vega reads them as local time, so days never shift."""
    return s.dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object)


def _sort_list(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(values.tolist()))


# ---------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------


def funnel_chart(
    stages: pd.DataFrame,
    *,
    stage_col: str = "stage",
    count_col: str = "count",
    rate_col: str | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """Horizontal bars of a conversion funnel (转化漏斗), one bar per stage, in row order.

    ``stages`` has one row per stage, top of the funnel first: ``stage`` (label, unique),
    ``count`` (users or events, >= 0) and optionally ``rate``, the conversion into the stage
    as a proportion in [0, 1]. Without a rate column the label shows the step conversion
    count / count of the previous row. ``rate_col=None`` uses ``"rate"`` when present.
    For :func:`casekit.funnel.funnel_rates` output (one group) pass
    ``stage_col="stage_zh", count_col="users", rate_col="step_rate"``.
    Each bar is labelled ``count · 转化 rate`` (no rate on the first stage).

    Parameters
    ----------
    stages : pandas.DataFrame
        One row per stage, top of the funnel first.
    stage_col : str
        Column of the stage labels (unique).
    count_col : str
        Column of the counts (users or events, ≥ 0).
    rate_col : str or None
        Column of the conversion into each stage, proportion 0–1; ``None`` uses ``"rate"``
        when present, else the step conversion from the counts.
    title : str or None
        Chinese chart title; ``None`` for the default.

    Returns
    -------
    alt.LayerChart
        Bars with ``count · 转化 rate`` labels.
    """
    what = "the funnel table (漏斗表)"
    stage_col = _column_name(stage_col, "stage_col")
    count_col = _column_name(count_col, "count_col")
    zh = {stage_col: "环节", count_col: "数量"}
    df = _table(stages, (stage_col, count_col), what=what, zh=zh)
    if rate_col is None:
        rate_col = "rate" if "rate" in df.columns else None
    else:
        rate_col = _column_name(rate_col, "rate_col")
        require_columns(df, (rate_col,), what=what, zh={rate_col: "转化率"})
    stage = _text(df, stage_col, what=what, zh="环节")
    _unique(stage, stage_col, what=what,
            hint="one row per funnel stage (filter one group of a grouped funnel first)")
    count = require_numeric_column(df, count_col, zh="数量", what=what).to_numpy()
    if rate_col is not None:
        rates = require_numeric_column(df, rate_col, zh="转化率", what=what, allow_na=True)
        if (rates > 1).any():
            raise SchemaViolationError(
                f"column {rate_col!r} (转化率) of {what} has value {rates[rates > 1].iloc[0]!r}; "
                f"expected a proportion in [0, 1] (write 25% as 0.25)",
                column=rate_col,
            )
        rate = rates.to_numpy()
    else:
        previous = np.concatenate([[np.nan], count[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(previous > 0, count / previous, np.nan)
    rate_text = np.array(
        ["" if i == 0 else " · 转化 " + ("—" if np.isnan(r) else f"{r:.1%}")
         for i, r in enumerate(rate)],
        dtype=object,
    )
    data = pd.DataFrame(
        {
            "stage": stage.to_numpy(),
            "count": count,
            "rate": rate,
            "label": [f"{c:,.0f}{t}" for c, t in zip(count, rate_text, strict=True)],
        }
    )
    order = _sort_list(data["stage"])
    top = float(count.max()) or 1.0
    base = alt.Chart(data).encode(
        y=alt.Y("stage:N", sort=order, title=_label("stage")),
        x=alt.X("count:Q", title=_label(count_col),
                scale=alt.Scale(domain=[0, top * 1.35], nice=False),
                axis=alt.Axis(format=",.0f")),
        tooltip=[
            alt.Tooltip("stage:N", title="环节 (stage)"),
            alt.Tooltip("count:Q", title=_label(count_col), format=",.0f"),
            alt.Tooltip("rate:Q", title="转化率 (conversion)", format=".1%"),
        ],
    )
    bars = base.mark_bar()
    labels = base.mark_text(align="left", baseline="middle", dx=4).encode(text="label:N")
    return alt.layer(bars, labels).properties(
        title=_title(title, "转化漏斗", "Conversion funnel: bar = count, label = conversion"),
        usermeta=_usermeta("funnel"),
    )


def timeline_chart(
    events: pd.DataFrame,
    *,
    time_col: str | None = None,
    label_col: str = "label",
    group_col: str | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """A timeline (时间线) of labelled events, e.g. the flagship-store stages 2008 → 2019.

    ``events`` has a time column, ``label`` and optionally a group column (colour). The time
    column is ``year`` (whole years) or ``date`` (dates); ``time_col=None`` takes ``year``
    when present, else ``date``; any numeric time column is read as years. Labels alternate
    above and below the axis so neighbouring events stay legible. For the bundled
    ``flagship_stages`` table pass ``time_col="start_year", label_col="name_zh",
    group_col="channel"``.

    Parameters
    ----------
    events : pandas.DataFrame
        One row per event.
    time_col : str or None
        Column of whole years or dates; ``None`` takes ``year`` when present, else ``date``.
    label_col : str
        Column of the event labels.
    group_col : str or None
        Column that colours the events; ``None`` for one colour.
    title : str or None
        Chinese chart title; ``None`` for the default.

    Returns
    -------
    alt.LayerChart
        Points on a time axis with labels alternating above and below.
    """
    what = "the timeline table (时间线)"
    if time_col is None:
        time_col = "year" if isinstance(events, pd.DataFrame) and "year" in events else "date"
    time_col = _column_name(time_col, "time_col")
    label_col = _column_name(label_col, "label_col")
    zh = {time_col: "时间", label_col: "事件"}
    if group_col is not None:
        zh[_column_name(group_col, "group_col")] = "类别"
    df = _table(events, list(zh), what=what, zh=zh)
    raw = df[time_col]
    years = pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
    if years:
        year = require_numeric_column(df, time_col, zh="年份", what=what)
        if (year != np.floor(year)).any():
            raise SchemaViolationError(
                f"column {time_col!r} (年份) of {what} has value "
                f"{year[year != np.floor(year)].iloc[0]!r}; expected whole years such as 2008",
                column=time_col,
            )
        when = year.astype("int64")
        key = when.to_numpy()
        shown = when.astype(str)
        time_value: pd.Series = when
    else:
        when = _wall_clock(raw, time_col, what=what)
        key = when.to_numpy()
        shown = when.dt.strftime("%Y-%m-%d")
        time_value = _iso(when)
    data = pd.DataFrame(
        {
            "time": time_value.to_numpy(),
            "event": _text(df, label_col, what=what, zh="事件").to_numpy(),
            "when": shown.astype(object).to_numpy(),
            "_key": key,
        }
    )
    if group_col is not None:
        data["group"] = _text(df, group_col, what=what, zh="类别").to_numpy()
    data = data.sort_values(["_key", "event"], kind="stable").drop(columns="_key")
    data = data.reset_index(drop=True)
    lanes = np.array([1.0, -1.0, 2.0, -2.0])
    data["lane"] = lanes[np.arange(len(data)) % 4]
    data["label"] = data["when"] + " " + data["event"]

    if years:
        lo, hi = int(data["time"].min()) - 1, int(data["time"].max()) + 1
        x = alt.X("time:Q", title=_label("year"), scale=alt.Scale(domain=[lo, hi], nice=False),
                  axis=alt.Axis(format="d", tickMinStep=1, grid=False))
    else:
        x = alt.X("time:T", title=_label("date"), axis=alt.Axis(format="%Y-%m-%d", grid=False))
    y_scale = alt.Scale(domain=[-2.8, 2.8])
    base = alt.Chart(data).encode(x=x)
    baseline = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#999999").encode(
        y=alt.Y("zero:Q", scale=y_scale, axis=None)
    )
    stems = base.mark_rule(color=MUTED).encode(
        y=alt.Y("lane:Q", scale=y_scale, axis=None), y2=alt.datum(0)
    )
    tooltip = [alt.Tooltip("when:N", title="时间 (time)"), alt.Tooltip("event:N", title="事件")]
    # The datum needs the shared scale and axis=None too: vega-lite 5.6 (bundled in
    # JupyterLab 4) fails to merge a default axis with the hidden one of the other layers.
    point_enc: dict[str, Any] = {"y": alt.Y(datum=0, scale=y_scale, axis=None),
                                 "tooltip": tooltip}
    if group_col is not None:
        point_enc["color"] = alt.Color("group:N", title=_label(group_col))
        tooltip.append(alt.Tooltip("group:N", title=_label(group_col)))
    else:
        point_enc["color"] = alt.value(ACCENT)
    points = base.mark_point(filled=True, size=90, opacity=1).encode(**point_enc)
    labels = base.mark_text(baseline="middle", fontSize=12).encode(
        y=alt.Y("lane:Q", scale=y_scale, axis=None),
        text="label:N",
        tooltip=tooltip,
    )
    return alt.layer(baseline, stems, points, labels).properties(
        height=240, title=_title(title, "发展历程", "Timeline"), usermeta=_usermeta("timeline")
    )


_AIPL_ORDER = (
    "new", "none", "N", "无", "新客",
    "A", "awareness", "认知",
    "I", "interest", "兴趣",
    "P", "purchase", "购买",
    "L", "loyalty", "忠诚",
    "lost", "churn", "流失",
)


def aipl_flow_chart(
    transitions: pd.DataFrame,
    *,
    from_col: str = "from_state",
    to_col: str = "to_state",
    users_col: str = "users",
    states: Sequence[str] | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """AIPL transitions (人群流转) as a from × to matrix heatmap with counts and row shares.

    ``transitions`` is long, with ``from_state``, ``to_state`` and ``users`` (people
    moving, >= 0; repeated pairs are summed), or the wide count matrix of
    :func:`casekit.audience.aipl_transitions` (index named ``from_state``, columns named
    ``to_state``). Row share = users / all users leaving ``from_state`` (the share of that
    state's crowd that ends in ``to_state``). Cells are labelled ``users`` and row share;
    empty cells (0 users) stay blank. States are ordered by ``states`` when given, else
    none/new first, then A → I → P → L (also written awareness…loyalty or 认知…忠诚),
    lost/churn, then any others in order of appearance.

    Parameters
    ----------
    transitions : pandas.DataFrame
        Long transitions table, or the wide from × to count matrix.
    from_col : str
        Column of the starting state.
    to_col : str
        Column of the arrival state.
    users_col : str
        Column of the people moving (count, ≥ 0).
    states : sequence of str or None
        Order of the states; must include every state in the table. ``None`` for AIPL order.
    title : str or None
        Chinese chart title; ``None`` for the default.

    Returns
    -------
    alt.LayerChart
        Heatmap with user counts and row shares (proportions shown as percentages).
    """
    what = "the AIPL transition table (人群流转表)"
    from_col = _column_name(from_col, "from_col")
    to_col = _column_name(to_col, "to_col")
    users_col = _column_name(users_col, "users_col")
    zh = {from_col: "起始状态", to_col: "到达状态", users_col: "人数"}
    if (
        isinstance(transitions, pd.DataFrame)
        and from_col not in transitions.columns
        and transitions.index.name == from_col
        and transitions.columns.name == to_col
    ):  # the wide matrix: one row per from_state, one column per to_state
        transitions = transitions.stack().rename(users_col).reset_index()
    df = _table(transitions, list(zh), what=what, zh=zh)
    work = pd.DataFrame(
        {
            "from_state": _text(df, from_col, what=what, zh="起始状态").to_numpy(),
            "to_state": _text(df, to_col, what=what, zh="到达状态").to_numpy(),
            "users": require_numeric_column(df, users_col, zh="人数", what=what).to_numpy(),
        }
    )
    seen = _sort_list(pd.concat([work["from_state"], work["to_state"]], ignore_index=True))
    if states is not None:
        if isinstance(states, str) or not isinstance(states, Sequence):
            raise BadParameterError("states", states, "a list of state names", zh="状态顺序")
        order = [str(s) for s in states]
        missing = [s for s in seen if s not in order]
        if missing:
            raise BadParameterError(
                "states", list(states), f"a list that includes every state in the table "
                f"(missing {missing[0]!r})", zh="状态顺序",
            )
    else:
        rank = {s: i for i, s in enumerate(_AIPL_ORDER)}
        known = sorted((s for s in seen if s in rank), key=rank.__getitem__)
        order = known + [s for s in seen if s not in rank]
    data = work.groupby(["from_state", "to_state"], sort=False, as_index=False)["users"].sum()
    totals = data.groupby("from_state", sort=False)["users"].transform("sum").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        data["row_share"] = np.where(totals > 0, data["users"].to_numpy() / totals, np.nan)
    data["label"] = [
        "" if u == 0 else f"{u:,.0f}" + ("" if np.isnan(s) else f"\n{s:.0%}")
        for u, s in zip(data["users"], data["row_share"], strict=True)
    ]
    rank_of = {s: i for i, s in enumerate(order)}
    data = data.assign(
        _f=data["from_state"].map(rank_of), _t=data["to_state"].map(rank_of)
    ).sort_values(["_f", "_t"], kind="stable").drop(columns=["_f", "_t"]).reset_index(drop=True)
    dark_from = float(data["users"].max()) * 0.55
    step = alt.Step(76)
    base = alt.Chart(data).encode(
        x=alt.X("to_state:N", sort=order, title="到达状态 (to)",
                axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("from_state:N", sort=order, title="起始状态 (from)"),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("users:Q", title=_label("users"),
                        scale=alt.Scale(range=list(HEAT_RAMP), zero=True)),
        tooltip=[
            alt.Tooltip("from_state:N", title="起始状态 (from)"),
            alt.Tooltip("to_state:N", title="到达状态 (to)"),
            alt.Tooltip("users:Q", title=_label("users"), format=",.0f"),
            alt.Tooltip("row_share:Q", title="占起始人群 (row share)", format=".1%"),
        ],
    )
    text = base.mark_text(baseline="middle", fontSize=11, lineBreak="\n").encode(
        text="label:N",
        color=alt.condition(f"datum.users > {dark_from!r}", alt.value("white"),
                            alt.value(TEXT)),
    )
    return alt.layer(cells, text).properties(
        width=step, height=step,
        title=_title(title, "AIPL 人群流转", "AIPL transitions: users (share of the row)"),
        usermeta=_usermeta("aipl_flow"),
    )


def auction_chart(
    auction: pd.DataFrame,
    *,
    title: str | None = None,
) -> alt.LayerChart:
    """One 直通车 keyword auction: each advertiser's bid next to the price actually paid.

    ``auction`` has ``advertiser``, ``bid_cny``, ``ad_rank`` (bid × quality score) and
    ``actual_cpc_cny`` (missing for ads not shown), optionally ``position`` (missing when
    not shown) and ``quality_score``: the columns of :func:`casekit.ads.keyword_auction`.
    Advertisers are listed by ad rank, highest first; the label reads
    ``第N位 · 排名分 x · 质量分 q`` or ``未展示`` (not shown).

    Parameters
    ----------
    auction : pandas.DataFrame
        One row per advertiser with the columns above; money in CNY.
    title : str or None
        Chinese chart title; ``None`` for the default.

    Returns
    -------
    alt.LayerChart
        Bid and actual CPC (CNY per click) side by side for each advertiser.
    """
    what = "the auction table (竞价结果)"
    zh = {"advertiser": "广告主", "bid_cny": "出价", "ad_rank": "综合排名分",
          "actual_cpc_cny": "实际扣费"}
    df = _table(auction, list(zh), what=what, zh=zh)
    name = _text(df, "advertiser", what=what, zh="广告主")
    _unique(name, "advertiser", what=what, hint="one row per advertiser")
    bid = require_numeric_column(df, "bid_cny", zh="出价", what=what).to_numpy()
    ad_rank = require_numeric_column(df, "ad_rank", zh="综合排名分", what=what).to_numpy()
    cpc = require_numeric_column(
        df, "actual_cpc_cny", zh="实际扣费", what=what, allow_na=True
    ).to_numpy()
    over = cpc > bid + 1e-9
    if over.any():
        raise SchemaViolationError(
            f"row {df.index[over][0]!r} of {what} pays {cpc[over][0]!r} CNY per click, above "
            f"its bid {bid[over][0]!r}; in a second-price auction the CPC never exceeds the bid",
            column="actual_cpc_cny",
        )
    if "position" in df.columns:
        pos = require_numeric_column(df, "position", zh="排名位置", what=what,
                                     allow_na=True).to_numpy()
    else:
        pos = np.where(np.isnan(cpc), np.nan, 0.0)  # shown or not, position unknown
    quality = (
        require_numeric_column(df, "quality_score", zh="质量分", what=what).to_numpy()
        if "quality_score" in df.columns else np.full(len(df), np.nan)
    )
    info = pd.DataFrame(
        {"advertiser": name.to_numpy(), "bid_cny": bid, "ad_rank": ad_rank,
         "actual_cpc_cny": cpc, "position": pos, "quality_score": quality}
    ).sort_values(["ad_rank", "advertiser"], ascending=[False, True], kind="stable")
    info = info.reset_index(drop=True)
    shown_at = [
        "未展示 (not shown)" if np.isnan(p) else ("展示" if p == 0 else f"第{p:.0f}位")
        for p in info["position"]
    ]
    q_text = ["" if np.isnan(q) else f" · 质量分 {q:g}" for q in info["quality_score"]]
    info["label"] = [
        f"{s} · 排名分 {r:,.2f}{q}" for s, r, q in zip(shown_at, info["ad_rank"], q_text,
                                                      strict=True)
    ]
    order = info["advertiser"].tolist()
    measures = {"bid_cny": "出价 (bid)", "actual_cpc_cny": "实际扣费 (actual CPC)"}
    long = info.melt(id_vars=["advertiser"], value_vars=list(measures), var_name="measure",
                     value_name="cny")
    long["measure"] = long["measure"].map(measures)
    top = float(np.nanmax(bid)) or 1.0
    x_scale = alt.Scale(domain=[0, top * 1.9], nice=False)
    y = alt.Y("advertiser:N", sort=order, title=_label("advertiser"))
    bars = alt.Chart(long).mark_bar().encode(
        y=y,
        yOffset=alt.YOffset("measure:N", sort=list(measures.values())),
        x=alt.X("cny:Q", title="金额 (CNY)", scale=x_scale),
        color=alt.Color("measure:N", title=None, sort=list(measures.values()),
                        scale=alt.Scale(domain=list(measures.values()), range=[MUTED, ACCENT]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[
            alt.Tooltip("advertiser:N", title=_label("advertiser")),
            alt.Tooltip("measure:N", title="项目"),
            alt.Tooltip("cny:Q", title="金额 (CNY)", format=",.2f"),
        ],
    )
    # Labels sit next to the bid bar; giving them the same yOffset keeps one band step.
    info["measure"] = measures["bid_cny"]
    labels = alt.Chart(info).mark_text(align="left", baseline="middle", dx=4).encode(
        y=y,
        yOffset=alt.YOffset("measure:N", sort=list(measures.values())),
        x=alt.X("bid_cny:Q", scale=x_scale),
        text="label:N",
        tooltip=[
            alt.Tooltip("advertiser:N", title=_label("advertiser")),
            alt.Tooltip("bid_cny:Q", title=_label("bid_cny"), format=",.2f"),
            alt.Tooltip("quality_score:Q", title=_label("quality_score")),
            alt.Tooltip("ad_rank:Q", title=_label("ad_rank"), format=",.2f"),
            alt.Tooltip("actual_cpc_cny:Q", title=_label("actual_cpc_cny"), format=",.2f"),
        ],
    )
    return alt.layer(bars, labels).properties(
        height=alt.Step(16),
        title=_title(title, "直通车竞价：出价与实际扣费",
                     "Keyword auction: bid vs actual CPC, ranked by bid × quality score"),
        usermeta=_usermeta("auction"),
    )


def ab_interval_chart(
    summary: pd.DataFrame,
    *,
    label_col: str = "variant",
    value_col: str = "ctr",
    low_col: str = "ci_low",
    high_col: str = "ci_high",
    reference: float | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """A/B results as points with confidence-interval bars (置信区间), one row per variant.

    ``summary`` has ``variant``, ``ctr``, ``ci_low`` and ``ci_high`` (proportions, with
    ci_low <= ctr <= ci_high). For the lift of each test with its CI, e.g. the output of
    :func:`casekit.experiment.ab_summary`, pass
    ``label_col="test_id", value_col="abs_lift", reference=0``: ``reference`` draws a dashed
    line (0 = no difference). Rates and lifts are shown as percentages.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per variant (or test).
    label_col : str
        Column of the row labels (unique).
    value_col : str
        Column of the estimate (a proportion, or a lift).
    low_col : str
        Column of the lower confidence bound, same unit.
    high_col : str
        Column of the upper confidence bound, same unit.
    reference : float or None
        x of a dashed reference line (0 = no difference); ``None`` draws none.
    title : str or None
        Chinese chart title; ``None`` for the default.

    Returns
    -------
    alt.LayerChart
        Points with interval bars and labels, values shown as percentages.
    """
    what = "the A/B summary (测试结果)"
    cols = {
        _column_name(label_col, "label_col"): "版本",
        _column_name(value_col, "value_col"): "指标",
        _column_name(low_col, "low_col"): "置信下限",
        _column_name(high_col, "high_col"): "置信上限",
    }
    df = _table(summary, list(cols), what=what, zh=cols)
    label = _text(df, label_col, what=what, zh="版本")
    _unique(label, label_col, what=what, hint="one row per variant")
    signed = {"non_negative": False, "what": what}
    value = require_numeric_column(df, value_col, zh="指标", **signed).to_numpy()
    low = require_numeric_column(df, low_col, zh="置信下限", **signed).to_numpy()
    high = require_numeric_column(df, high_col, zh="置信上限", **signed).to_numpy()
    bad = (low > value) | (value > high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaViolationError(
            f"row {df.index[i]!r} of {what}: expected {low_col} <= {value_col} <= {high_col}, "
            f"got {low[i]!r}, {value[i]!r}, {high[i]!r}",
            column=value_col,
        )
    ref = None if reference is None else number(reference, "reference", zh="参考线")
    data = pd.DataFrame({"label": label.to_numpy(), "value": value, "low": low, "high": high})
    data["text"] = [
        f"{_fmt(v, value_col)}  [{_fmt(lo, value_col)}, {_fmt(hi, value_col)}]"
        for v, lo, hi in zip(value, low, high, strict=True)
    ]
    fmt = _axis_format(value_col)
    y = alt.Y("label:N", sort=_sort_list(data["label"]), title=_label(label_col))
    tooltip = [
        alt.Tooltip("label:N", title=_label(label_col)),
        alt.Tooltip("value:Q", title=_label(value_col), format=_tooltip_format(value_col)),
        alt.Tooltip("low:Q", title="置信下限 (CI low)", format=_tooltip_format(value_col)),
        alt.Tooltip("high:Q", title="置信上限 (CI high)", format=_tooltip_format(value_col)),
    ]
    base = alt.Chart(data).encode(y=y)
    x = alt.X("value:Q", title=_label(value_col), axis=alt.Axis(format=fmt),
              scale=alt.Scale(zero=False, padding=24))
    interval = base.mark_rule(strokeWidth=3, color=BASE).encode(
        x=alt.X("low:Q", title=_label(value_col)), x2="high:Q", tooltip=tooltip
    )
    points = base.mark_point(filled=True, size=110, color=ACCENT, opacity=1).encode(
        x=x, tooltip=tooltip
    )
    text = base.mark_text(baseline="bottom", dy=-10).encode(x=x, text="text:N")
    layers: list[alt.Chart] = [interval, points, text]
    if ref is not None:
        layers.insert(0, alt.Chart(pd.DataFrame({"reference": [ref]})).mark_rule(
            strokeDash=[4, 4], color="#888888").encode(x="reference:Q"))
    zh_title = "A/B 测试：点击率及置信区间" if value_col == "ctr" else "A/B 测试：效果及置信区间"
    return alt.layer(*layers).properties(
        height=alt.Step(56),
        title=_title(title, zh_title, "A/B test: estimate (dot) with its confidence interval"),
        usermeta=_usermeta("ab_interval"),
    )


_INTERPOLATIONS = ("linear", "step-after")
_LABEL_GAP_PX = 18  # minimum distance between two "当前 current" labels (CJK line box)


def _line_data(
    curve: Any, x: str, y: str, series_col: str | None, *, what: str
) -> tuple[pd.DataFrame, list[str]]:
    """Validated ``x``/``y``(/``series``) frame, sorted by x within each line."""
    cols = {_column_name(x, "x"): "横轴", _column_name(y, "y"): "纵轴"}
    if series_col is not None:
        cols[_column_name(series_col, "series_col")] = "系列"
    df = _table(curve, list(cols), what=what, zh=cols)
    xs = require_numeric_column(df, x, zh="横轴", what=what, non_negative=False)
    ys = require_numeric_column(df, y, zh="纵轴", what=what, non_negative=False)
    data = pd.DataFrame({"x": xs.to_numpy(dtype=float), "y": ys.to_numpy(dtype=float)})
    if series_col is not None:
        data["series"] = _text(df, series_col, what=what, zh="系列").to_numpy()
    keys = ["series"] if series_col is not None else []
    dup = data.duplicated([*keys, "x"])
    if dup.any():
        raise SchemaViolationError(
            f"column {x!r} of {what} repeats {float(data.loc[dup, 'x'].iloc[0]):g}"
            + (" within one series" if keys else "")
            + "; one point per x value (aggregate or split into series)",
            column=x,
        )
    series_order = _sort_list(data["series"]) if keys else []
    data = data.sort_values([*keys, "x"], kind="stable").reset_index(drop=True)
    return data, series_order


def _line_layer(
    data: pd.DataFrame,
    series_order: list[str],
    *,
    x: str,
    y: str,
    titles: tuple[str, str, str | None],
    interpolate: str,
) -> tuple[alt.Chart, list[alt.Tooltip]]:
    if interpolate not in _INTERPOLATIONS:
        raise BadParameterError("interpolate", interpolate, " or ".join(map(repr, _INTERPOLATIONS)),
                                zh="连线方式")
    x_title, y_title, series_title = titles
    enc: dict[str, Any] = {
        "x": alt.X("x:Q", title=x_title, axis=alt.Axis(format=_axis_format(x)),
                   scale=alt.Scale(zero=False)),
        "y": alt.Y("y:Q", title=y_title, axis=alt.Axis(format=_axis_format(y)),
                   scale=alt.Scale(zero=False)),
    }
    tooltip = [alt.Tooltip("x:Q", title=x_title, format=_tooltip_format(x)),
               alt.Tooltip("y:Q", title=y_title, format=_tooltip_format(y))]
    if series_title is not None:
        enc["color"] = alt.Color("series:N", title=series_title, sort=series_order)
        tooltip.insert(0, alt.Tooltip("series:N", title=series_title))
    # A step function (满减 thresholds, budget caps) is drawn as steps, never as slopes;
    # its points are sampled at every breakpoint by the caller, so no dot is needed.
    point = alt.OverlayMarkDef(size=24) if interpolate == "linear" else False
    line = alt.Chart(data).mark_line(point=point, interpolate=interpolate).encode(
        **enc, tooltip=tooltip
    )
    return line, tooltip


def _usermeta(kind: str) -> dict[str, Any]:
    """Tags the chart's kind in the spec so tests can check that the subtitle fits it."""
    return {"casekit": {"chart": kind}}


def line_chart(
    table: pd.DataFrame,
    *,
    x: str,
    y: str,
    series_col: str | None = None,
    interpolate: str = "linear",
    x_title: str | None = None,
    y_title: str | None = None,
    series_title: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
) -> alt.LayerChart:
    """Lines of ``y`` over a numeric ``x`` (hour, day, CTR …), one line per series.

    For trends and comparisons that are not what-if curves (no "current plan"), e.g. users
    per hour of the day or cumulative spend by hour under two pacing plans.

    Parameters
    ----------
    table : DataFrame
        One row per point: numeric ``x`` and ``y`` columns, optionally ``series_col``.
        x values are unique within a line.
    x : str
        Column of the horizontal axis; units follow the name (``*_cny`` in CNY, ``*_rate`` as
        proportions 0–1, ``hour`` Beijing hour 0–23).
    y : str
        Column of the vertical axis; units follow the name as for ``x``.
    series_col : str, optional
        Column naming each line (the legend).
    interpolate : {"linear", "step-after"}
        ``"step-after"`` draws a step function: each value holds until the next x.
    x_title : str, optional
        Horizontal axis title, Chinese with the English term and unit in parentheses;
        default from the column name (e.g. ``hour`` -> "钟点 (hour)").
    y_title : str, optional
        Vertical axis title, likewise.
    series_title : str, optional
        Legend title, likewise.
    title : str, optional
        Chinese chart title.
    subtitle : str, optional
        English subtitle; default "<y> by <x>" from the titles.

    Returns
    -------
    alt.LayerChart
        The chart (its ``usermeta.casekit.chart`` is ``"line"``).
    """
    what = "the line table (折线数据)"
    data, order = _line_data(table, x, y, series_col, what=what)
    titles = (
        _axis_title(x_title, x, "x_title"),
        _axis_title(y_title, y, "y_title"),
        None if series_col is None else _axis_title(series_title, series_col, "series_title"),
    )
    line, _ = _line_layer(data, order, x=x, y=y, titles=titles, interpolate=interpolate)
    if subtitle is None:
        subtitle = f"{_english(titles[1])} by {_english(titles[0])}"
        if titles[2] is not None:
            subtitle += f", one line per {_english(titles[2])}"
    return alt.layer(line).properties(
        title=_title(title, f"{titles[1]} 随 {titles[0]} 的变化", subtitle),
        usermeta=_usermeta("line"),
    )


def _marker_values(
    data: pd.DataFrame, now: float, current_y: Any, *, keys: list[str], x: str
) -> pd.DataFrame:
    """Exact y of the current point on each line: given, or a sampled point, never interpolated."""
    groups = list(data.groupby(keys, sort=False)) if keys else [((), data)]
    if current_y is not None:
        if isinstance(current_y, Mapping):
            given = {str(k): number(v, "current_y", zh="当前值") for k, v in current_y.items()}
        elif keys and len(groups) > 1:
            raise BadParameterError(
                "current_y", current_y, "a mapping series -> exact y value (one per line)",
                zh="当前值",
            )
        else:
            given = None
            single = number(current_y, "current_y", zh="当前值")
    rows = []
    for key, part in groups:
        name = (key[0] if isinstance(key, tuple) else key) if keys else None
        if not part["x"].min() <= now <= part["x"].max():
            continue
        if current_y is not None:
            if given is None:
                value = single
            elif name in given:
                value = given[name]
            else:
                raise BadParameterError("current_y", dict(current_y),
                                        f"a value for every line (missing {name!r})", zh="当前值")
        else:
            hit = part.loc[np.isclose(part["x"], now, rtol=0, atol=1e-9), "y"]
            if hit.empty:
                raise BadParameterError(
                    "current", now,
                    f"an x value sampled in every line of column {x!r} (a marker shows an "
                    f"exact value, never one interpolated between two samples): add the "
                    f"point to the curve, or pass current_y= the value the library computes",
                    zh="当前值",
                )
            value = float(hit.iloc[0])
        row = {"x": now, "y": value}
        if keys:
            row["series"] = name
        rows.append(row)
    return pd.DataFrame(rows)


def _label_offsets(values: Sequence[float], lo: float, hi: float, height_px: float) -> list[float]:
    """Vertical pixel offsets that keep labels at least one text line apart (top to bottom)."""
    span = (hi - lo) or 1.0
    pos = [height_px * (1 - (v - lo) / span) for v in values]
    order = sorted(range(len(pos)), key=pos.__getitem__)
    placed: dict[int, float] = {}
    last = -np.inf
    for i in order:
        p = max(pos[i], last + _LABEL_GAP_PX)
        placed[i] = p
        last = p
    return [placed[i] - pos[i] for i in range(len(pos))]


def what_if_chart(
    curve: pd.DataFrame,
    *,
    x: str = "change",
    y: str = "gmv_cny",
    current: float | None = 0.0,
    current_y: float | Mapping[str, float] | None = None,
    series_col: str | None = None,
    interpolate: str = "linear",
    x_title: str | None = None,
    y_title: str | None = None,
    series_title: str | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """A what-if / response curve (假设分析) with a marker at the current plan.

    Use it for a lever against its outcome (change in visitors vs GMV, budget vs revenue,
    list price vs final price); for other lines use :func:`line_chart`.

    Parameters
    ----------
    curve : DataFrame
        One row per point: numeric ``x`` and ``y`` columns, optionally ``series_col``
        (one line per lever). x values are unique within a line.
    x : str
        Column of the lever, e.g. ``change`` (relative, −0.2 = −20 %) or ``spend_cny`` (CNY).
    y : str
        Column of the outcome, e.g. ``gmv_cny`` (CNY).
    current : float or None
        x of today's plan (0 = no change); None draws no marker. It must lie within the
        x range.
    current_y : float or mapping, optional
        The exact y at ``current`` as the library computes it (one value, or series ->
        value). Without it, ``current`` must be one of the sampled x values of each line:
        a marker is never interpolated between two samples.
    series_col : str, optional
        Column naming each line (the legend).
    interpolate : {"linear", "step-after"}
        ``"step-after"`` for step functions (满减 thresholds): sample every breakpoint
        and the point just below it, e.g. with :func:`casekit.campaign.price_curve`.
    x_title : str, optional
        Horizontal axis title (Chinese with the English term and unit); default from
        the column name.
    y_title : str, optional
        Vertical axis title, likewise.
    series_title : str, optional
        Legend title, likewise.
    title : str, optional
        Chinese chart title (default 假设分析).

    Returns
    -------
    alt.LayerChart
        Line, red marker at the current plan and its label right of the plot (its
        ``usermeta.casekit.chart`` is ``"what_if"``).
    """
    what = "the what-if curve (假设分析曲线)"
    data, order = _line_data(curve, x, y, series_col, what=what)
    keys = ["series"] if series_col is not None else []
    titles = (
        _axis_title(x_title, x, "x_title"),
        _axis_title(y_title, y, "y_title"),
        None if series_col is None else _axis_title(series_title, series_col, "series_title"),
    )
    line, tooltip = _line_layer(data, order, x=x, y=y, titles=titles, interpolate=interpolate)
    layers: list[alt.Chart] = [line]
    if current is not None:
        now = number(current, "current", zh="当前值")
        lo, hi = float(data["x"].min()), float(data["x"].max())
        if not lo <= now <= hi:
            raise BadParameterError(
                "current", current, f"an x value within the curve's range [{lo:g}, {hi:g}]",
                zh="当前值",
            )
        marker = _marker_values(data, now, current_y, keys=keys, x=x)
        # Lines meeting at the current point share one label: "当前 current · a / b: 55,234".
        shown = [_fmt(v, y) for v in marker["y"]]
        names: dict[str, list[str]] = {}
        for i, text in enumerate(shown):
            names.setdefault(text, []).append(str(marker["series"].iloc[i]) if keys else "")
        labels = marker.drop_duplicates("y").copy() if not keys else marker.loc[
            ~pd.Series(shown).duplicated().to_numpy()].copy()
        labels["label"] = [
            "当前 current" + (f" · {' / '.join(names[_fmt(v, y)])}" if keys else "")
            + f": {_fmt(v, y)}" for v in labels["y"]
        ]
        y_lo = min(float(data["y"].min()), float(marker["y"].min()))
        y_hi = max(float(data["y"].max()), float(marker["y"].max()))
        offsets = _label_offsets(labels["y"].tolist(), y_lo, y_hi, 300.0)
        layers.append(
            alt.Chart(pd.DataFrame({"x": [now]})).mark_rule(color=ACCENT, strokeDash=[3, 3],
                                                             opacity=0.6)
            .encode(x="x:Q")
        )
        layers.append(
            alt.Chart(marker).mark_point(filled=True, size=120, color=ACCENT, opacity=1)
            .encode(x="x:Q", y="y:Q", tooltip=tooltip)
        )
        # Labels sit right of the plot, level with their dot: never on top of a line.
        for dy, part in labels.groupby(np.asarray(offsets), sort=False):
            layers.append(
                alt.Chart(part).mark_text(
                    align="left", baseline="middle", dx=10, dy=float(dy), color=ACCENT
                ).encode(x=alt.value("width"), y="y:Q", text="label:N")
            )
    subtitle = "What-if curve" + ("" if current is None else ": red dot = current plan")
    return alt.layer(*layers).properties(
        title=_title(title, "假设分析", subtitle), usermeta=_usermeta("what_if")
    )


def calendar_chart(
    phases: pd.DataFrame,
    *,
    title: str | None = None,
) -> alt.LayerChart:
    """Campaign phases (活动节奏) as a Gantt chart, e.g. the four phases of 618.

    ``phases`` has ``phase`` (name), ``start`` and ``end`` (inclusive dates; end >= start):
    the columns of :func:`casekit.campaign.calendar_618`. Each bar covers its days from
    the start of ``start`` to the end of ``end``; the label gives the dates and the days.

    Parameters
    ----------
    phases : pandas.DataFrame
        One row per phase: ``phase``, ``start``, ``end`` (Beijing calendar dates, inclusive).
    title : str or None
        Chinese chart title; ``None`` for the default.

    Returns
    -------
    alt.LayerChart
        One bar per phase labelled with its dates and number of days.
    """
    what = "the campaign calendar (活动日历)"
    zh = {"phase": "活动阶段", "start": "开始日期", "end": "结束日期"}
    df = _table(phases, list(zh), what=what, zh=zh)
    start = _wall_clock(df["start"], "start", what=what).dt.normalize()
    end = _wall_clock(df["end"], "end", what=what).dt.normalize()
    bad = end < start
    if bad.any():
        row = df.index[bad.to_numpy()][0]
        raise SchemaViolationError(
            f"row {row!r} of {what} ends ({end[bad].iloc[0]:%Y-%m-%d}) before it starts "
            f"({start[bad].iloc[0]:%Y-%m-%d})",
            column="end",
        )
    phase = _text(df, "phase", what=what, zh="活动阶段")
    _unique(phase, "phase", what=what, hint="one row per phase")
    days = ((end - start).dt.days + 1).astype("int64")
    data = pd.DataFrame(
        {
            "phase": phase.to_numpy(),
            "start": _iso(start).to_numpy(),
            "end_exclusive": _iso(end + pd.Timedelta(days=1)).to_numpy(),
            "first_day": start.dt.strftime("%Y-%m-%d").astype(object).to_numpy(),
            "last_day": end.dt.strftime("%Y-%m-%d").astype(object).to_numpy(),
            "days": days.to_numpy(),
            "_key": start.to_numpy(),
        }
    ).sort_values(["_key", "phase"], kind="stable").drop(columns="_key")
    data["label"] = [
        f"{a[5:].replace('-', '/')}–{b[5:].replace('-', '/')} · {d}天"
        for a, b, d in zip(data["first_day"], data["last_day"], data["days"], strict=True)
    ]
    order = data["phase"].tolist()
    y = alt.Y("phase:N", sort=order, title=_label("phase"))
    # Room on the right for the last labels: an invisible point ~45 % past the last day
    # (a DateTime scale domain makes vega-lite 5.6, bundled in JupyterLab, warn in layers).
    first, last = start.min(), end.max() + pd.Timedelta(days=1)
    stop = last + pd.Timedelta(days=max(3, round((last - first).days * 0.45)))
    room = pd.DataFrame({"start": _iso(pd.Series([stop])).to_numpy()})
    x = alt.X("start:T", title=_label("date"), axis=alt.Axis(format="%m/%d"))
    tooltip = [
        alt.Tooltip("phase:N", title=_label("phase")),
        alt.Tooltip("first_day:N", title="开始 (start)"),
        alt.Tooltip("last_day:N", title="结束 (end)"),
        alt.Tooltip("days:Q", title="天数 (days)"),
    ]
    bars = alt.Chart(data).mark_bar(cornerRadius=3).encode(
        y=y, x=x, x2="end_exclusive:T",
        color=alt.Color("phase:N", sort=order, legend=None),
        tooltip=tooltip,
    )
    labels = alt.Chart(data).mark_text(align="left", baseline="middle", dx=4).encode(
        y=y, x=alt.X("end_exclusive:T", title=_label("date")), text="label:N"
    )
    spacer = alt.Chart(room).mark_point(opacity=0).encode(x=x)
    return alt.layer(bars, labels, spacer).properties(
        height=alt.Step(36),
        title=_title(title, "618 活动节奏", "Campaign calendar: phases as bars over dates"),
        usermeta=_usermeta("calendar"),
    )


def daily_metric_chart(
    daily: pd.DataFrame,
    metric: str,
    anomalies: pd.DataFrame | Iterable[Any] | None = None,
    *,
    date_col: str = "date",
    title: str | None = None,
) -> alt.LayerChart:
    """A daily series (生意参谋-style trend) with flagged anomaly days as red dots.

    ``daily`` has one row per day: ``date`` and the ``metric`` column (e.g. ``visitors``,
    ``gmv_cny``, ``conversion_rate``). ``anomalies`` lists flagged days: a table with a
    ``date`` column (the output of :func:`casekit.diagnose.find_anomalies`; its
    ``direction_zh`` shows in the tooltip) or a list of dates. Every anomaly day must be
    one of ``daily``'s days. Rates (``*_rate``) are shown as percentages.

    Parameters
    ----------
    daily : DataFrame
        One row per day: ``date_col`` and ``metric``.
    metric : str
        The column to draw (its unit follows its name: ``*_cny`` CNY, ``*_rate`` proportion).
    anomalies : DataFrame or list of dates, optional
        Days to mark in red.
    date_col : str
        The date column (default ``date``).
    title : str, optional
        Chinese chart title.

    Returns
    -------
    alt.LayerChart
        The chart; its subtitle reads "Daily <English term>" (``usermeta.casekit.chart``
        is ``"daily"``).
    """
    what = "the daily table (日报表)"
    metric = _column_name(metric, "metric")
    date_col = _column_name(date_col, "date_col")
    zh = {date_col: "日期", metric: _label(metric)}
    df = _table(daily, list(zh), what=what, zh=zh)
    day = _wall_clock(df[date_col], date_col, what=what).dt.normalize()
    _unique(day, date_col, what=what, hint="one row per day (sum or average the day first)")
    value = require_numeric_column(df, metric, zh=_label(metric), what=what,
                                   non_negative=False, allow_na=True)
    data = pd.DataFrame({"_day": day.to_numpy(), "value": value.to_numpy()})
    data = data.sort_values("_day", kind="stable").reset_index(drop=True)
    data["date"] = _iso(data["_day"])
    fmt = _axis_format(metric)
    x = alt.X("date:T", title=_label("date"), axis=alt.Axis(format="%m/%d"))
    yq = alt.Y("value:Q", title=_label(metric), axis=alt.Axis(format=fmt))
    tooltip = [alt.Tooltip("date:T", title=_label("date"), format="%Y-%m-%d"),
               alt.Tooltip("value:Q", title=_label(metric), format=_tooltip_format(metric))]
    layers: list[alt.Chart] = [
        alt.Chart(data.drop(columns="_day")).mark_line(
            point=alt.OverlayMarkDef(size=18)).encode(x=x, y=yq, tooltip=tooltip)
    ]
    subtitle = f"Daily {_english(_label(metric))}"
    if anomalies is not None:
        flagged = _anomaly_days(anomalies, what="the anomalies (异常日)")
        known = set(data["_day"])
        outside = [d for d in flagged["_day"] if d not in known]
        if outside:
            raise BadParameterError(
                "anomalies", f"{outside[0]:%Y-%m-%d}",
                f"days that appear in {what} (check the date column and the period)",
                zh="异常日",
            )
        marks = data.merge(flagged, on="_day", how="inner").drop(columns="_day")
        if len(marks):
            marks["direction"] = marks["direction"].fillna("异常").astype(object)
            layers.append(
                alt.Chart(marks).mark_point(filled=True, size=110, color=ACCENT, opacity=1)
                .encode(x=x, y=yq,
                        tooltip=[*tooltip, alt.Tooltip("direction:N", title="异常 (anomaly)")])
            )
            subtitle += "; red dots = anomaly days (异常日)"
        else:
            subtitle += "; no anomaly days (无异常日)"
    return alt.layer(*layers).properties(
        title=_title(title, f"每日趋势：{_label(metric)}", subtitle), usermeta=_usermeta("daily")
    )


def _anomaly_days(anomalies: Any, *, what: str) -> pd.DataFrame:
    """Flagged days as a frame ``_day`` (naive midnight), ``direction`` (text or None)."""
    if isinstance(anomalies, pd.DataFrame):
        require_columns(anomalies, ("date",), what=what, zh={"date": "日期"})
        days = _wall_clock(anomalies["date"], "date", what=what).dt.normalize()
        if "direction_zh" in anomalies.columns:
            direction = anomalies["direction_zh"].astype(object).to_numpy()
        else:
            direction = np.full(len(anomalies), None, dtype=object)
    elif isinstance(anomalies, str | bytes) or not isinstance(anomalies, Iterable):
        raise BadParameterError(
            "anomalies", anomalies, "a table with a 'date' column, a list of dates or None",
            zh="异常日",
        )
    else:
        days = _wall_clock(pd.Series(list(anomalies), dtype=object), "date", what=what)
        days = days.dt.normalize()
        direction = np.full(len(days), None, dtype=object)
    out = pd.DataFrame({"_day": days.to_numpy(), "direction": direction})
    return out.drop_duplicates("_day").reset_index(drop=True)
