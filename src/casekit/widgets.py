"""Interactive explorers (ipywidgets) for the course notebooks.

Each factory returns an :class:`Explorer`: a panel of controls and an HTML result that is
recomputed by the casekit library whenever a control changes. The widgets only collect
inputs and format outputs; the maths lives in :mod:`casekit.funnel`, :mod:`casekit.ads` and
:mod:`casekit.campaign` (and :func:`scorecard_totals` here).

>>> from casekit import widgets
>>> w = widgets.funnel_what_if(10_000, 0.02, 150)
>>> w.controls["visitors_change"].value = 0.2   # what a learner does with the slider
>>> round(w.result.gmv_after_cny)               # funnel.what_if(..., visitors_change=0.2)
36000

Without a running kernel (a saved notebook, the offline site) a widget shows nothing, so
every explorer also renders a static snapshot of its current state: :meth:`Explorer.static_html`
and the ``text/plain`` / ``text/html`` entries of its display bundle. Both are deterministic
(no widget ids, no memory addresses), so executed notebooks stay stable across runs.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from casekit import ads, campaign, funnel
from casekit._checks import number, require_columns, require_frame, require_numeric_column
from casekit.errors import BadParameterError, CasekitError, SchemaViolationError
from casekit.nb import fmt_cny, fmt_int, fmt_pct

__all__ = [
    "Explorer",
    "ScorecardResult",
    "bid_simulator",
    "budget_allocator",
    "coupon_calculator",
    "default_competitors",
    "default_curves",
    "funnel_what_if",
    "scorecard",
    "scorecard_totals",
]

_STYLE = {"description_width": "initial"}
_WIDE = {"width": "620px"}
_ERROR_HEAD = "输入有误，请调整上面的控件 / Invalid input — adjust the controls above"
_RUN_HINT_ZH = "在 JupyterLab 中运行以交互"
_RUN_HINT_EN = "run in JupyterLab to interact"


# ---------------------------------------------------------------------------------------------
# The explorer panel
# ---------------------------------------------------------------------------------------------


class Explorer(W.VBox):
    """A titled panel of controls whose result is recomputed on every ``value`` change.

    Attributes:

    - ``controls``: name → control widget (set ``.value`` to drive it from code).
    - ``result``: the library's latest return value, or ``None`` while the inputs are invalid.
    - ``error``: the message shown for invalid inputs, or ``None``.
    - ``output``: an ``ipywidgets.HTML`` holding the rendered result (or the error).

    Invalid control values never raise: the casekit error is shown in ``output`` in Chinese
    and English. Bad arguments to the factory functions do raise.
    """

    def __init__(
        self,
        *,
        kind: str,
        name_zh: str,
        name_en: str,
        controls: Mapping[str, W.Widget],
        compute: Callable[[dict[str, Any]], Any],
        render_html: Callable[[Any], str],
        render_text: Callable[[Any], str],
        note: str = "",
    ):
        super().__init__()
        self.kind = kind
        self.name_zh = name_zh
        self.name_en = name_en
        self.note = note
        self.controls: dict[str, W.Widget] = dict(controls)
        self.output = W.HTML()
        self.result: Any = None
        self.error: str | None = None
        self._compute = compute
        self._render_html = render_html
        self._render_text = render_text
        header = f"<b>{_esc(name_zh)} / {_esc(name_en)}</b>"
        if note:
            header += f"<br><small>{_esc(note)}</small>"
        self.children = (W.HTML(header), *self.controls.values(), self.output)
        # One label width for the whole panel, so every input box starts at the same x.
        width = f"{max(map(_label_width_px, self.controls.values()), default=0)}px"
        for control in self.controls.values():
            if hasattr(control, "style") and hasattr(control.style, "description_width"):
                control.style.description_width = width
            control.observe(self._on_change, names="value")
        self.refresh()

    def values(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Recompute the result from the current control values and re-render it."""
        try:
            result = self._compute(self.values())
        except CasekitError as exc:
            self.result = None
            self.error = str(exc)
            self.output.value = (
                '<div class="casekit-error" style="color:#b00020">'
                f"<b>{_esc(_ERROR_HEAD)}</b><br>{_esc(self.error)}</div>"
            )
            return
        self.result = result
        self.error = None
        self.output.value = self._render_html(result)

    def _on_change(self, change: Any) -> None:
        control = change["owner"]
        clean = _snapped(control)
        if clean != control.value:
            # The browser's slider moves in binary steps (-0.5 + 50 × 0.01 is -1e-16, shown
            # as "−0%"); put the value back on the step grid, which fires this again.
            control.value = clean
            return
        self.refresh()

    # --- static rendering (saved notebooks, offline site) ------------------------------------

    def summary_text(self) -> str:
        """Plain-text summary of the current state (the ``text/plain`` fallback)."""
        head = f"小部件：{self.name_zh}（{_RUN_HINT_ZH}）/ widget: {self.name_en} — {_RUN_HINT_EN}"
        lines = [head]
        if self.note:
            lines.append(self.note)
        lines.append(
            "设置 settings: "
            + "; ".join(f"{_label(c)} = {_format_value(c)}" for c in self.controls.values())
        )
        if self.error is not None:
            lines.append(f"{_ERROR_HEAD}: {self.error}")
        else:
            lines.append(self._render_text(self.result))
        return "\n".join(lines)

    def static_html(self) -> str:
        """A self-contained HTML snapshot: title, control values and the current result.

        Returns
        -------
        str
            HTML whose tables are the same inline-styled tables the live view shows.
        """
        settings = pd.DataFrame(
            [(_label(c), _format_value(c)) for c in self.controls.values()],
            columns=["控件 control", "取值 value"],
        )
        note = f"<p><small>{_esc(self.note)}</small></p>" if self.note else ""
        return (
            f'<div class="casekit-explorer casekit-{self.kind}">'
            f"<p><b>{_esc(self.name_zh)} / {_esc(self.name_en)}</b><br>"
            f"<small>静态快照，{_RUN_HINT_ZH} / static snapshot — {_RUN_HINT_EN}</small></p>"
            f"{note}"
            f"{_table(settings).replace('casekit-table', 'casekit-table casekit-controls', 1)}"
            f"{self.output.value}</div>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = self.summary_text()
        data["text/html"] = self.static_html()
        return data

    def __repr__(self) -> str:
        return f"Explorer({self.kind!r})"


def _snapped(control: W.Widget) -> Any:
    """A float slider's value on its step grid (no -0.0, no 1e-16 residue); others as is."""
    value = control.value
    if not isinstance(control, W.FloatSlider) or not control.step:
        return value
    steps = round((value - control.min) / control.step)
    clean = round(control.min + steps * control.step, 10) + 0.0
    return min(max(clean, control.min), control.max)


def _label_width_px(control: W.Widget) -> int:
    """Rough width of a control's label: CJK characters are ~2 Latin ones wide."""
    label = getattr(control, "description", "") or ""
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)
    return 7 * units + 12


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=False)


def _label(control: W.Widget) -> str:
    return getattr(control, "description", "") or type(control).__name__


def _format_value(control: W.Widget) -> str:
    value = control.value
    if isinstance(value, str):
        return value if value.strip() else "（空 empty）"
    fmt = getattr(control, "readout_format", None)
    if isinstance(value, float) and fmt:
        try:
            return format(value, fmt)
        except ValueError:
            pass
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _slider(value: float, lo: float, hi: float, step: float, label: str, fmt: str) -> W.FloatSlider:
    return W.FloatSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=label,
        readout_format=fmt,
        style=_STYLE,
        layout=_WIDE,
    )


def _number_box(value: float, label: str, *, hi: float = 1e7, step: float = 1.0) -> W.Widget:
    return W.BoundedFloatText(
        value=value,
        min=0.0,
        max=max(hi, value),
        step=step,
        description=label,
        style=_STYLE,
        layout=_WIDE,
    )


# Inline styles, not a stylesheet: a widget's HTML and a notebook's text/html output are
# styled by different CSS in JupyterLab (rendered outputs get its table rules, widgets get
# none), so the same inline rules make the live view and its snapshot look alike.
_TABLE_STYLE = "border-collapse:collapse;margin:4px 0 8px;font-size:12px;line-height:1.4"
_CELL_STYLE = "padding:2px 10px;border-bottom:1px solid #e0e0e0;white-space:nowrap"
_HEAD_STYLE = _CELL_STYLE + ";border-bottom:1px solid #999;font-weight:bold"


def _cell(tag: str, value: Any, *, first: bool) -> str:
    align = "left" if first else "right"
    style = (_HEAD_STYLE if tag == "th" else _CELL_STYLE) + f";text-align:{align}"
    text = "—" if value is None or (isinstance(value, float) and not np.isfinite(value)) else value
    if isinstance(text, float):
        text = text + 0.0  # never print -0.0
    return f'<{tag} style="{style}">{_esc(text)}</{tag}>'


def _table(df: pd.DataFrame) -> str:
    """An HTML table with inline styles; missing values shown as "—"."""
    head = "".join(_cell("th", c, first=i == 0) for i, c in enumerate(df.columns))
    body = "".join(
        "<tr>" + "".join(
            _cell("td", None if pd.isna(v) else v, first=i == 0) for i, v in enumerate(row)
        ) + "</tr>"
        for row in df.itertuples(index=False)
    )
    return (f'<table class="casekit-table" style="{_TABLE_STYLE}">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _signed_cny(value: float, digits: int = 2) -> str:
    if round(value, digits) == 0:
        return fmt_cny(0.0, digits)
    return ("+" if value > 0 else "") + fmt_cny(value, digits)


def _signed_pct(value: float, digits: int = 1) -> str:
    if not np.isfinite(value):
        return "—"
    if round(value * 100, digits) == 0:
        return fmt_pct(0.0, digits)
    return ("+" if value > 0 else "") + fmt_pct(value, digits)


def _num(value: float, digits: int = 2) -> str:
    return "—" if not np.isfinite(value) else f"{value:,.{digits}f}"


# ---------------------------------------------------------------------------------------------
# 1. Funnel what-if
# ---------------------------------------------------------------------------------------------

_FACTOR_LABELS = {
    "visitors": "访客数 Visitors",
    "conversion_rate": "转化率 CVR",
    "aov_cny": "客单价 AOV",
}


def funnel_what_if(
    visitors: float,
    conversion_rate: float,
    aov_cny: float,
    *,
    change_min: float = -0.5,
    change_max: float = 1.0,
) -> Explorer:
    """Sliders for relative changes of 访客数, 转化率 and 客单价 and the GMV they give.

    GMV = visitors × conversion_rate × aov_cny; each slider is a relative change (0.2 =
    +20 %) from ``change_min`` to ``change_max``. ``result`` is :func:`casekit.funnel.what_if`
    with the three changes; the output also shows :meth:`~casekit.funnel.WhatIf.decomposition`.
    A change that pushes the conversion rate above 1 is shown as an error.

    Parameters
    ----------
    visitors : float
        Starting visitors (> 0).
    conversion_rate : float
        Starting paying buyers / visitors, proportion 0–1 (> 0).
    aov_cny : float
        Starting GMV per paying buyer in CNY (> 0).
    change_min : float
        Lowest relative change on the sliders (≥ −1; −0.5 = −50 %).
    change_max : float
        Highest relative change on the sliders (above ``change_min``; 1.0 = +100 %).

    Returns
    -------
    Explorer
        The panel; its ``result`` is a ``casekit.funnel.WhatIf``.
    """
    lo = number(change_min, "change_min", zh="最小变化", minimum=-1.0)
    hi = number(change_max, "change_max", zh="最大变化", minimum=lo, strict_min=True)
    funnel.what_if(visitors, conversion_rate, aov_cny)  # raises for bad starting values

    controls = {
        # No "+" in the readout: the browser's slider holds -0.5 + 50 × 0.01 = -1e-16 at
        # rest, and d3-format writes a forced sign there as "−0%"; without it, "0%".
        "visitors_change": _slider(0.0, lo, hi, 0.01, "访客数变化 Visitors change", ".0%"),
        "conversion_change": _slider(0.0, lo, hi, 0.01, "转化率变化 CVR change", ".0%"),
        "aov_change": _slider(0.0, lo, hi, 0.01, "客单价变化 AOV change", ".0%"),
    }

    def compute(v: dict[str, Any]) -> funnel.WhatIf:
        return funnel.what_if(
            visitors,
            conversion_rate,
            aov_cny,
            visitors_change=v["visitors_change"],
            conversion_change=v["conversion_change"],
            aov_change=v["aov_change"],
        )

    return Explorer(
        kind="funnel_what_if",
        name_zh="漏斗 what-if：GMV = 访客数 × 转化率 × 客单价",
        name_en="funnel what-if: GMV = visitors × CVR × AOV",
        controls=controls,
        compute=compute,
        render_html=_what_if_html,
        render_text=_what_if_text,
    )


def _factor_cells(r: funnel.WhatIf) -> list[tuple[str, str, str, str]]:
    b, a = r.before, r.after
    return [
        (
            "访客数 Visitors",
            fmt_int(b.visitors),
            fmt_int(a.visitors),
            _signed_pct(a.visitors / b.visitors - 1),
        ),
        (
            "转化率 CVR",
            fmt_pct(b.conversion_rate, 2),
            fmt_pct(a.conversion_rate, 2),
            _signed_pct(a.conversion_rate / b.conversion_rate - 1),
        ),
        (
            "客单价 AOV",
            fmt_cny(b.aov_cny),
            fmt_cny(a.aov_cny),
            _signed_pct(a.aov_cny / b.aov_cny - 1),
        ),
        (
            "GMV 销售额",
            fmt_cny(r.gmv_before_cny),
            fmt_cny(r.gmv_after_cny),
            f"{_signed_cny(r.change_cny)} ({_signed_pct(r.change_ratio)})",
        ),
    ]


def _what_if_headline(r: funnel.WhatIf) -> str:
    return (
        f"GMV 销售额：{fmt_cny(r.gmv_before_cny)} → {fmt_cny(r.gmv_after_cny)}，"
        f"变化 change {_signed_cny(r.change_cny)} ({_signed_pct(r.change_ratio)})"
    )


def _what_if_html(r: funnel.WhatIf) -> str:
    table = pd.DataFrame(
        _factor_cells(r), columns=["指标 metric", "之前 before", "之后 after", "变化 change"]
    )
    dec = r.decomposition()
    contrib = pd.DataFrame(
        {
            "因素 factor": [_FACTOR_LABELS[f] for f in dec["factor"]],
            "对GMV变化的贡献 contribution (CNY)": [_signed_cny(v) for v in dec["contribution_cny"]],
            "占比 share": [fmt_pct(v) if np.isfinite(v) else "—" for v in dec["share"]],
        }
    )
    return (
        f"<p><b>{_esc(_what_if_headline(r))}</b></p>{_table(table)}"
        "<p>变化分解（Shapley 值，三项之和等于 GMV 变化）/ "
        "change decomposition (Shapley values, summing to the GMV change)</p>"
        f"{_table(contrib)}"
    )


def _what_if_text(r: funnel.WhatIf) -> str:
    parts = [f"{m}: {b} → {a} ({c})" for m, b, a, c in _factor_cells(r)[:3]]
    return _what_if_headline(r) + "\n" + "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# 2. 直通车 bid simulator
# ---------------------------------------------------------------------------------------------


def default_competitors() -> pd.DataFrame:
    """Five made-up competitors on one keyword (a teaching example, not platform data).

    Columns ``advertiser``, ``bid_cny`` (出价, CNY per click), ``quality_score`` (质量分, 1–10).

    Returns
    -------
    pandas.DataFrame
        Five rows with the columns above.
    """
    return pd.DataFrame(
        {
            "advertiser": ["店铺A", "店铺B", "店铺C", "店铺D", "店铺E"],
            "bid_cny": [2.20, 1.80, 1.50, 1.20, 0.90],
            "quality_score": [6, 7, 9, 8, 5],
        }
    )


_STATUS_LABELS = {
    "shown": "展示 shown",
    "below_slots": "无展示位 below slots",
    "below_reserve": "低于底价 below reserve",
}


@dataclass(frozen=True)
class _BidView:
    table: pd.DataFrame
    advertiser: str
    slots: int
    search_volume: float
    next_bid_cny: float | None
    next_quality_score: float | None


def bid_simulator(
    bids: pd.DataFrame | None = None,
    *,
    advertiser: str = "我的店铺",
    own_bid_cny: float = 1.50,
    own_quality_score: int = 7,
    max_bid_cny: float = 5.0,
    slots: int = 4,
    search_volume: float = 1000,
) -> Explorer:
    """Own bid and quality score against fixed competitors in a 直通车 keyword auction.

    ``bids``: the competitors (``advertiser``, ``bid_cny``, ``quality_score``); default
    :func:`default_competitors`. Sliders set the own bid (CNY, up to ``max_bid_cny``) and
    quality score (质量分, 1–10). ``result`` is :func:`casekit.ads.keyword_auction` on the
    competitors plus the own ad (``slots`` positions, ``search_volume`` searches); the output
    shows the own position, actual CPC (checked with :func:`casekit.ads.actual_cpc`), expected
    clicks and cost, and the whole auction table.

    Parameters
    ----------
    bids : pandas.DataFrame or None
        The competitors; ``None`` for :func:`default_competitors`.
    advertiser : str
        Name of the own store, different from every competitor's.
    own_bid_cny : float
        Starting own bid in CNY per click, 0 to ``max_bid_cny``.
    own_quality_score : int
        Starting own quality score, 1–10.
    max_bid_cny : float
        Top of the bid slider in CNY per click (≥ 0.1).
    slots : int
        Ad positions on the results page.
    search_volume : float
        Searches of the keyword (count) for the expected clicks and cost.

    Returns
    -------
    Explorer
        The panel with a bid slider and a quality-score slider.
    """
    competitors = default_competitors() if bids is None else bids
    what = "the competitors' bids (竞争对手出价)"
    competitors = require_frame(competitors, what)
    require_columns(
        competitors,
        ("advertiser", "bid_cny", "quality_score"),
        what=what,
        zh={"advertiser": "广告主", "bid_cny": "出价", "quality_score": "质量分"},
    )
    if not isinstance(advertiser, str) or not advertiser:
        raise BadParameterError("advertiser", advertiser, "a non-empty name", zh="广告主")
    if (competitors["advertiser"].astype(str) == advertiser).any():
        raise BadParameterError(
            "advertiser", advertiser, "a name different from every competitor's", zh="广告主"
        )
    top = number(max_bid_cny, "max_bid_cny", zh="最高出价", minimum=0.1)
    bid0 = number(own_bid_cny, "own_bid_cny", zh="自己的出价", minimum=0.0, maximum=top)
    q0 = int(
        number(
            own_quality_score, "own_quality_score", zh="质量分", minimum=1, maximum=10, integer=True
        )
    )
    competitors = competitors[["advertiser", "bid_cny", "quality_score"]].reset_index(drop=True)

    def auction(bid: float, quality: float) -> pd.DataFrame:
        own = pd.DataFrame(
            {"advertiser": [advertiser], "bid_cny": [bid], "quality_score": [quality]}
        )
        table = pd.concat([competitors.astype({"advertiser": object}), own], ignore_index=True)
        return ads.keyword_auction(table, slots=slots, search_volume=search_volume)

    auction(bid0, q0)  # raises for a bad competitors table, slots or search_volume

    controls = {
        "own_bid_cny": _slider(bid0, 0.0, top, 0.01, "我的出价 own bid (CNY)", ".2f"),
        "own_quality_score": W.IntSlider(
            value=q0,
            min=1,
            max=10,
            step=1,
            description="我的质量分 own quality score",
            style=_STYLE,
            layout=_WIDE,
        ),
    }

    def compute(v: dict[str, Any]) -> pd.DataFrame:
        return auction(v["own_bid_cny"], v["own_quality_score"])

    def view(table: pd.DataFrame) -> _BidView:
        entered = table[table["status"] != "below_reserve"].reset_index(drop=True)
        hit = np.flatnonzero(entered["advertiser"].astype(str).to_numpy() == advertiser)
        nb = nq = None
        if len(hit) and hit[0] + 1 < len(entered):
            nb = float(entered["bid_cny"].iloc[hit[0] + 1])
            nq = float(entered["quality_score"].iloc[hit[0] + 1])
        return _BidView(table, advertiser, slots, search_volume, nb, nq)

    return Explorer(
        kind="bid_simulator",
        name_zh="直通车出价模拟（广义第二价格拍卖）",
        name_en="keyword-ad bid simulator (generalised second-price auction)",
        controls=controls,
        compute=compute,
        render_html=lambda t: _bid_html(view(t)),
        render_text=lambda t: _bid_headline(view(t)),
        note=(
            "简化教学模型：按 出价 × 质量分 排名；竞争对手为虚构示例 / simplified teaching model: "
            "ranked by bid × quality score; the competitors are a made-up example"
        ),
    )


def _bid_headline(v: _BidView) -> str:
    own = v.table[v.table["advertiser"].astype(str) == v.advertiser].iloc[0]
    status = own["status"]
    if status == "below_reserve":
        return (
            f"{v.advertiser}：出价 {fmt_cny(own['bid_cny'])} 低于底价 "
            f"{fmt_cny(ads.MIN_CPC_CNY)}，未进入竞价 / bid below the reserve price: "
            "not in the auction"
        )
    if status == "below_slots":
        return (
            f"{v.advertiser}：排名第 {own['rank']}，但只有 {v.slots} 个展示位，不展示 / "
            f"ranked {own['rank']}, below the {v.slots} ad slots: not shown"
        )
    return (
        f"{v.advertiser}：第 {own['position']} 位 position {own['position']}；"
        f"实际点击单价 actual CPC {fmt_cny(own['actual_cpc_cny'], 3)}；"
        f"点击率 CTR {fmt_pct(own['ctr'], 2)}；"
        f"预期点击 expected clicks {own['expected_clicks']:,.1f}；"
        f"预期花费 expected cost {fmt_cny(own['expected_cost_cny'])} "
        f"（每 {fmt_int(v.search_volume)} 次搜索 per {fmt_int(v.search_volume)} searches）"
    )


def _bid_formula(v: _BidView) -> str:
    own = v.table[v.table["advertiser"].astype(str) == v.advertiser].iloc[0]
    if own["status"] != "shown":
        return ""
    bid, q = float(own["bid_cny"]), float(own["quality_score"])
    price = ads.actual_cpc(
        own_bid_cny=bid,
        own_quality_score=q,
        next_bid_cny=v.next_bid_cny,
        next_quality_score=v.next_quality_score,
    )
    if v.next_bid_cny is None:
        body = f"无下一名，付底价 no one below: reserve price = {fmt_cny(price, 3)}"
    else:
        raw = v.next_bid_cny * v.next_quality_score / q + ads.PRICE_INCREMENT_CNY
        body = (
            f"下一名出价 × 下一名质量分 ÷ 我的质量分 + 0.01 = {v.next_bid_cny:.2f} × "
            f"{v.next_quality_score:g} ÷ {q:g} + 0.01 = {raw:.3f}"
        )
        if price < raw - 1e-12:
            body += f"，不超过我的出价 capped at own bid → {fmt_cny(price, 3)}"
        elif price > raw + 1e-12:
            body += f"，不低于底价 at least the reserve → {fmt_cny(price, 3)}"
    return f"实际扣费 actual CPC: {body}"


def _bid_html(v: _BidView) -> str:
    t = v.table
    is_own = t["advertiser"].astype(str) == v.advertiser
    display = pd.DataFrame(
        {
            "广告主 advertiser": np.where(
                is_own, "★ " + t["advertiser"].astype(str), t["advertiser"].astype(str)
            ),
            "出价 bid (CNY)": [f"{x:.2f}" for x in t["bid_cny"]],
            "质量分 QS": [f"{x:g}" for x in t["quality_score"]],
            "综合排名分 ad rank": [f"{x:.2f}" for x in t["ad_rank"]],
            "位置 position": [("—" if pd.isna(p) else str(p)) for p in t["position"]],
            "状态 status": [_STATUS_LABELS[s] for s in t["status"]],
            "实际点击单价 actual CPC (CNY)": [_num(x, 3) for x in t["actual_cpc_cny"]],
            "点击率 CTR": [fmt_pct(x, 2) for x in t["ctr"]],
            "预期点击 expected clicks": [f"{x:,.1f}" for x in t["expected_clicks"]],
            "预期花费 expected cost (CNY)": [f"{x:,.2f}" for x in t["expected_cost_cny"]],
        }
    )
    formula = _bid_formula(v)
    return (
        f"<p><b>{_esc(_bid_headline(v))}</b></p>"
        + (f"<p>{_esc(formula)}</p>" if formula else "")
        + _table(display)
    )


# ---------------------------------------------------------------------------------------------
# 3. Tmall vs JD weighted scorecard
# ---------------------------------------------------------------------------------------------

_SCORECARD_COLUMNS = ("dimension_id", "name_zh", "name_en", "tmall_score", "jd_score")
_SCORECARD_ZH = {
    "dimension_id": "维度标识",
    "name_zh": "中文名称",
    "name_en": "英文名称",
    "default_weight": "默认权重",
    "tmall_score": "天猫得分",
    "jd_score": "京东得分",
}
_WINNER_LABELS = {"tmall": "天猫 Tmall 胜出 wins", "jd": "京东 JD 胜出 wins", "tie": "持平 tie"}


@dataclass(frozen=True)
class ScorecardResult:
    """Result of :func:`scorecard_totals`.

    ``table``: one row per dimension with ``weight`` (as given), ``weight_normalised``
    (summing to 1), the two scores and ``tmall_weighted`` / ``jd_weighted`` (normalised
    weight × score). Totals are on the scores' scale (1–5 in the course data); ``winner`` is
    ``"tmall"``, ``"jd"`` or ``"tie"`` (totals equal within 1e-9).
    """

    tmall_total: float
    jd_total: float
    winner: str
    table: pd.DataFrame = field(repr=False)


def scorecard_totals(
    dimensions: pd.DataFrame, weights: Mapping[str, float] | None = None
) -> ScorecardResult:
    """Weighted Tmall-vs-JD totals: total = Σ_i (w_i / Σ_j w_j) × score_i.

    ``dimensions`` has columns dimension_id, name_zh, name_en, tmall_score, jd_score and
    (unless every weight is given) default_weight, like ``data.load("scorecard_dimensions")``.
    ``weights`` maps dimension_id → weight >= 0; dimensions not in it keep their
    default_weight. Weights are normalised to sum to 1, so only their ratios matter; all
    zero raises ``BadParameterError``.

    Parameters
    ----------
    dimensions : pandas.DataFrame
        One row per dimension with the columns above; scores on the course's 1–5 scale.
    weights : mapping of str to float, or None
        dimension_id → weight (≥ 0, any scale); ``None`` keeps every default_weight.

    Returns
    -------
    ScorecardResult
        Both weighted totals (on the scores' scale), the ``winner`` and the per-dimension table.
    """
    what = "the scorecard dimensions (评分卡维度)"
    df = require_frame(dimensions, what)
    require_columns(df, _SCORECARD_COLUMNS, what=what, zh=_SCORECARD_ZH)
    ids = df["dimension_id"].astype(str)
    if ids.duplicated().any():
        raise SchemaViolationError(
            f"column 'dimension_id' (维度标识) of {what} repeats "
            f"{ids[ids.duplicated()].iloc[0]!r}; one row per dimension",
            column="dimension_id",
        )
    tmall = require_numeric_column(df, "tmall_score", zh="天猫得分", what=what)
    jd = require_numeric_column(df, "jd_score", zh="京东得分", what=what)
    given = {} if weights is None else weights
    if not isinstance(given, Mapping):
        raise BadParameterError("weights", weights, "a dict {dimension_id: weight}", zh="权重")
    unknown = [k for k in given if str(k) not in set(ids)]
    if unknown:
        raise BadParameterError(
            "weights", unknown[0], "dimension ids among " + ", ".join(ids), zh="权重"
        )
    if set(map(str, given)) >= set(ids):
        default = pd.Series(np.nan, index=df.index)
    else:
        require_columns(df, ("default_weight",), what=what, zh=_SCORECARD_ZH)
        default = require_numeric_column(df, "default_weight", zh="默认权重", what=what)
    by_id = {str(k): number(v, f"weights[{k!r}]", zh="权重", minimum=0.0) for k, v in given.items()}
    w = np.array(
        [by_id.get(i, d) for i, d in zip(ids, default.to_numpy(), strict=True)], dtype="float64"
    )
    total_w = float(w.sum())
    if total_w <= 0:
        raise BadParameterError(
            "weights",
            "all 0",
            "at least one weight > 0 (weights are normalised to sum to 1)",
            zh="权重",
        )
    wn = w / total_w
    table = pd.DataFrame(
        {
            "dimension_id": ids.to_numpy(),
            "name_zh": df["name_zh"].astype(str).to_numpy(),
            "name_en": df["name_en"].astype(str).to_numpy(),
            "weight": w,
            "weight_normalised": wn,
            "tmall_score": tmall.to_numpy(),
            "jd_score": jd.to_numpy(),
            "tmall_weighted": wn * tmall.to_numpy(),
            "jd_weighted": wn * jd.to_numpy(),
        }
    )
    t_total = float(table["tmall_weighted"].sum())
    j_total = float(table["jd_weighted"].sum())
    if abs(t_total - j_total) <= 1e-9:
        winner = "tie"
    else:
        winner = "tmall" if t_total > j_total else "jd"
    return ScorecardResult(t_total, j_total, winner, table)


def scorecard(dimensions: pd.DataFrame | None = None) -> Explorer:
    """One weight slider per dimension and the weighted Tmall-vs-JD totals.

    ``dimensions`` defaults to ``casekit.data.load("scorecard_dimensions")``; sliders start
    at ``default_weight``. ``result`` is :func:`scorecard_totals` with the slider weights
    (normalised to sum to 1; the sliders themselves are not moved). The scores are the
    course's judgement, not measurements, and the panel says so.

    Parameters
    ----------
    dimensions : pandas.DataFrame or None
        The scorecard dimensions (see :func:`scorecard_totals`); ``None`` loads the bundled ones.

    Returns
    -------
    Explorer
        The panel; its ``result`` is a :class:`ScorecardResult`.
    """
    if dimensions is None:
        from casekit import data

        dimensions = data.load("scorecard_dimensions")
    first = scorecard_totals(dimensions)  # validates the table
    dimensions = dimensions.copy()  # later edits of the caller's table do not leak in
    controls = {
        f"weight_{row.dimension_id}": _slider(
            float(row.weight), 0.0, 1.0, 0.01, f"{row.name_zh} {row.name_en}", ".2f"
        )
        for row in first.table.itertuples(index=False)
    }

    def compute(v: dict[str, Any]) -> ScorecardResult:
        return scorecard_totals(
            dimensions, {key.removeprefix("weight_"): value for key, value in v.items()}
        )

    return Explorer(
        kind="scorecard",
        name_zh="天猫 vs 京东 加权评分卡",
        name_en="Tmall vs JD weighted scorecard",
        controls=controls,
        compute=compute,
        render_html=_scorecard_html,
        render_text=_scorecard_headline,
        note=(
            "评分（1–5）是本课程根据文章作出的判断，不是测量数据；权重自动归一化为总和 1 / "
            "scores (1–5) are the course's judgement from the article, not measurements; "
            "weights are normalised to sum to 1"
        ),
    )


def _scorecard_headline(r: ScorecardResult) -> str:
    return (
        f"加权总分 weighted total：天猫 Tmall {r.tmall_total:.2f} vs 京东 JD {r.jd_total:.2f} → "
        f"{_WINNER_LABELS[r.winner]}（差 margin {abs(r.tmall_total - r.jd_total):.2f}）"
    )


def _scorecard_html(r: ScorecardResult) -> str:
    t = r.table
    display = pd.DataFrame(
        {
            "维度 dimension": t["name_zh"] + " " + t["name_en"],
            "权重 weight": [f"{x:.2f}" for x in t["weight"]],
            "归一化权重 normalised": [fmt_pct(x) for x in t["weight_normalised"]],
            "天猫 Tmall": [f"{x:g}" for x in t["tmall_score"]],
            "京东 JD": [f"{x:g}" for x in t["jd_score"]],
            "天猫加权 Tmall weighted": [f"{x:.2f}" for x in t["tmall_weighted"]],
            "京东加权 JD weighted": [f"{x:.2f}" for x in t["jd_weighted"]],
        }
    )
    total = pd.DataFrame(
        [
            [
                "合计 total",
                f"{t['weight'].sum():.2f}",
                fmt_pct(t["weight_normalised"].sum()),
                "",
                "",
                f"{r.tmall_total:.2f}",
                f"{r.jd_total:.2f}",
            ]
        ],
        columns=display.columns,
    )
    return f"<p><b>{_esc(_scorecard_headline(r))}</b></p>" + _table(
        pd.concat([display, total], ignore_index=True)
    )


# ---------------------------------------------------------------------------------------------
# 4. Coupon / 满减 / presale calculator
# ---------------------------------------------------------------------------------------------

_ITEM = "商品"
_STORE = "本店"


def coupon_calculator(
    *,
    list_price_cny: float = 399.0,
    qty: int = 1,
    discount_rate: float = 1.0,
    store_threshold_cny: float = 200.0,
    store_off_cny: float = 20.0,
    manjian_text: str = "每满300减40",
    deposit_cny: float = 0.0,
    deposit_worth_cny: float = 0.0,
) -> Explorer:
    """The price of one item after stacking 单品折扣, 定金膨胀, 店铺券 and 跨店满减.

    Controls: list price (标价, CNY per unit), quantity, single-item discount rate (share
    paid: 0.9 = 9折, 1 = none), store coupon threshold and amount (0 = no coupon), cross-store
    满减 text (``'每满300减40'`` or ``'满300减40'``, empty = none; parsed with
    :func:`casekit.campaign.parse_manjian`), presale deposit and what it is worth (deposit 0 =
    no presale). ``result`` is :func:`casekit.campaign.final_price` for that cart and those
    rules (a simplified model of the platform's stacking order). Bad inputs, e.g. an
    unreadable 满减 text, are shown as errors.

    Parameters
    ----------
    list_price_cny : float
        Starting list price in CNY per unit (≥ 0).
    qty : int
        Starting quantity (≥ 1).
    discount_rate : float
        Starting share of the list price paid, 0.1–1 (0.9 = 9折, 1 = no discount).
    store_threshold_cny : float
        Starting store-coupon threshold in CNY (≥ 0).
    store_off_cny : float
        Starting store-coupon amount in CNY (≥ 0; 0 = no coupon).
    manjian_text : str
        Starting cross-store 满减 rule, e.g. ``"每满300减40"``; empty for none.
    deposit_cny : float
        Starting presale deposit in CNY (≥ 0; 0 = no presale).
    deposit_worth_cny : float
        Starting value of the deposit against the price in CNY (≥ 0).

    Returns
    -------
    Explorer
        The panel; its ``result`` is a ``casekit.campaign.PriceResult`` (amounts in CNY).
    """
    initial = {
        "list_price_cny": number(list_price_cny, "list_price_cny", zh="标价", minimum=0),
        "qty": int(number(qty, "qty", zh="数量", minimum=1, integer=True)),
        "discount_rate": number(
            discount_rate, "discount_rate", zh="折扣率", minimum=0.1, maximum=1.0
        ),
        "store_threshold_cny": number(
            store_threshold_cny, "store_threshold_cny", zh="店铺券门槛", minimum=0
        ),
        "store_off_cny": number(store_off_cny, "store_off_cny", zh="店铺券面额", minimum=0),
        "manjian_text": manjian_text,
        "deposit_cny": number(deposit_cny, "deposit_cny", zh="定金", minimum=0),
        "deposit_worth_cny": number(
            deposit_worth_cny, "deposit_worth_cny", zh="定金抵扣", minimum=0
        ),
    }
    if not isinstance(manjian_text, str):
        raise BadParameterError(
            "manjian_text", manjian_text, "text such as '每满300减40'", zh="满减规则"
        )
    _price(initial)  # raises for bad starting values

    controls = {
        "list_price_cny": _number_box(initial["list_price_cny"], "标价 list price (CNY/件)"),
        "qty": W.BoundedIntText(
            value=initial["qty"],
            min=1,
            max=max(999, initial["qty"]),
            description="数量 quantity",
            style=_STYLE,
            layout=_WIDE,
        ),
        "discount_rate": _slider(
            initial["discount_rate"],
            0.1,
            1.0,
            0.05,
            "单品折扣 item discount (0.9 = 9折, 1 = 无)",
            ".2f",
        ),
        "store_threshold_cny": _number_box(
            initial["store_threshold_cny"], "店铺券门槛 store coupon threshold (CNY)"
        ),
        "store_off_cny": _number_box(
            initial["store_off_cny"], "店铺券面额 store coupon amount (CNY, 0 = 无)"
        ),
        "manjian_text": W.Text(
            value=manjian_text,
            placeholder="每满300减40",
            description="跨店满减 cross-store 满减",
            continuous_update=False,
            style=_STYLE,
            layout=_WIDE,
        ),
        "deposit_cny": _number_box(
            initial["deposit_cny"], "预售定金 presale deposit (CNY, 0 = 无)"
        ),
        "deposit_worth_cny": _number_box(
            initial["deposit_worth_cny"], "定金抵扣 deposit worth (CNY, 如定金50抵100填100)"
        ),
    }
    return Explorer(
        kind="coupon_calculator",
        name_zh="到手价计算器：单品折扣、定金膨胀、店铺券、跨店满减",
        name_en="final-price calculator: item discount, presale deposit, store coupon, 满减",
        controls=controls,
        compute=_price,
        render_html=_price_html,
        render_text=_price_headline,
        note=(
            "简化模型：按 单品折扣 → 定金膨胀 → 店铺券 → 跨店满减 的顺序计算，真实规则因活动而异 / "
            "simplified model: steps applied in this order; real stacking rules vary by campaign"
        ),
    )


def _price(v: Mapping[str, Any]) -> campaign.PriceResult:
    items = pd.DataFrame(
        {
            "item": [_ITEM],
            "list_price_cny": [v["list_price_cny"]],
            "qty": [v["qty"]],
            "store": [_STORE],
        }
    )
    rules: list[Any] = []
    if v["discount_rate"] < 1:
        rules.append(campaign.ItemDiscount(rate=v["discount_rate"]))
    if v["deposit_cny"] > 0:
        rules.append(campaign.PresaleDeposit(_ITEM, v["deposit_cny"], v["deposit_worth_cny"]))
    if v["store_off_cny"] > 0:
        rules.append(campaign.StoreCoupon(_STORE, v["store_threshold_cny"], v["store_off_cny"]))
    if v["manjian_text"].strip():
        rules.append(campaign.parse_manjian(v["manjian_text"]))
    return campaign.final_price(items, rules=rules)


def _price_headline(r: campaign.PriceResult) -> str:
    line = (
        f"到手价 final price {fmt_cny(r.total_final_cny)}（标价 list {fmt_cny(r.total_list_cny)}，"
        f"共优惠 total discount {fmt_cny(r.total_discount_cny)}）"
    )
    if r.deposit_cny > 0:
        line += (
            f"；其中定金 deposit now {fmt_cny(r.deposit_cny)}，尾款 balance later "
            f"{fmt_cny(r.total_final_cny - r.deposit_cny)}"
        )
    return line


def _price_html(r: campaign.PriceResult) -> str:
    it = r.items
    steps = [
        ("标价合计 list amount", float(it["list_amount_cny"].sum())),
        ("单品折扣 item discount", -float(it["item_discount_cny"].sum())),
        ("定金膨胀 deposit bonus", -float(it["deposit_bonus_cny"].sum())),
        ("店铺优惠券 store coupon", -float(it["store_coupon_cny"].sum())),
        ("跨店满减 cross-store 满减", -float(it["manjian_cny"].sum())),
        ("到手价 final amount", float(it["final_amount_cny"].sum())),
        ("到手单价 final price per unit", float(it["final_unit_price_cny"].iloc[0])),
    ]
    waterfall = pd.DataFrame(
        {
            "步骤 step": [s for s, _ in steps],
            "金额 amount (CNY)": [
                _signed_cny(x) if 0 < i < 5 else fmt_cny(x) for i, (_, x) in enumerate(steps)
            ],
        }
    )
    out = f"<p><b>{_esc(_price_headline(r))}</b></p>{_table(waterfall)}"
    if len(r.rules):
        rules = pd.DataFrame(
            {
                "步骤 step": r.rules["step"].astype(str),
                "类型 type": r.rules["rule_type"],
                "规则 rule": r.rules["rule"],
                "计算基数 base (CNY)": [fmt_cny(x) for x in r.rules["base_cny"]],
                "优惠 discount (CNY)": [fmt_cny(x) for x in r.rules["discount_cny"]],
            }
        )
        out += f"<p>优惠明细 breakdown</p>{_table(rules)}"
    else:
        out += "<p>没有生效的优惠 / no promotion applies</p>"
    return out


# ---------------------------------------------------------------------------------------------
# 5. Budget allocator
# ---------------------------------------------------------------------------------------------


def default_curves() -> dict[str, campaign.AllocationCurve]:
    """Illustrative, simulated response curves of four paid tools (not platform data).

    Revenue (CNY) as a function of spend (CNY): 直通车 ``HillCurve(400k, 80k)`` (ROAS 5 on the
    first CNY), 引力魔方/钻展 ``HillCurve(300k, 100k)`` (3), 超级推荐
    ``ExponentialCurve(150k, 50k)`` (3), 淘宝客 ``ExponentialCurve(120k, 30k)`` (4). All
    concave, so the greedy allocation is optimal on its step grid.

    Returns
    -------
    dict of str to AllocationCurve
        Tool name → simulated response curve (revenue in CNY of spend in CNY).
    """
    return {
        "直通车": campaign.HillCurve(vmax_cny=400_000, half_sat_cny=80_000),
        "引力魔方/钻展": campaign.HillCurve(vmax_cny=300_000, half_sat_cny=100_000),
        "超级推荐": campaign.ExponentialCurve(vmax_cny=150_000, scale_cny=50_000),
        "淘宝客": campaign.ExponentialCurve(vmax_cny=120_000, scale_cny=30_000),
    }


def budget_allocator(
    curves: Mapping[str, Any] | None = None,
    total_budget_cny: float = 100_000,
    *,
    budget_max_cny: float = 500_000,
    budget_step_cny: float = 10_000,
) -> Explorer:
    """A total-budget slider and one max-share slider per tool, with the best split.

    ``curves`` maps tool → response curve (default :func:`default_curves`, simulated).
    The budget slider runs from ``budget_step_cny`` to ``budget_max_cny``; each tool's
    share slider caps its spend at share × budget (100 % = no cap). ``result`` is
    :func:`casekit.campaign.allocate_budget` with those caps; caps that add up to less than
    the budget are shown as an error.

    Parameters
    ----------
    curves : mapping of str to curve, or None
        Tool → response curve (revenue in CNY of spend in CNY); ``None`` for
        :func:`default_curves`.
    total_budget_cny : float
        Starting total budget in CNY (> 0).
    budget_max_cny : float
        Top of the budget slider in CNY (raised to ``total_budget_cny`` if lower).
    budget_step_cny : float
        Step and bottom of the budget slider in CNY (> 0).

    Returns
    -------
    Explorer
        The panel; its ``result`` is the ``allocate_budget`` table (spend and revenue in CNY).
    """
    curves = default_curves() if curves is None else curves
    if not isinstance(curves, Mapping) or not curves:
        raise BadParameterError("curves", curves, "a non-empty dict {tool: curve}", zh="响应曲线")
    curves = dict(curves)
    step = number(budget_step_cny, "budget_step_cny", zh="预算步长", minimum=0, strict_min=True)
    budget0 = number(total_budget_cny, "total_budget_cny", zh="总预算", minimum=0, strict_min=True)
    top = max(number(budget_max_cny, "budget_max_cny", zh="最高预算", minimum=step), budget0)
    tools = [str(t) for t in curves]

    def compute(v: dict[str, Any]) -> pd.DataFrame:
        budget = v["total_budget_cny"]
        caps = {
            tool: round(v[f"max_share[{tool}]"] * budget, 2)
            for tool in tools
            if v[f"max_share[{tool}]"] < 1
        }
        return campaign.allocate_budget(budget, curves, max_spend=caps or None)

    compute({"total_budget_cny": budget0, **{f"max_share[{t}]": 1.0 for t in tools}})  # raises

    controls: dict[str, W.Widget] = {
        "total_budget_cny": _slider(
            budget0, min(step, budget0), top, step, "总预算 total budget (CNY)", ",.0f"
        ),
    }
    for tool in tools:
        controls[f"max_share[{tool}]"] = _slider(
            1.0, 0.0, 1.0, 0.05, f"{tool} 花费上限 max share of budget", ".0%"
        )
    return Explorer(
        kind="budget_allocator",
        name_zh="预算分配：按边际收益分配各推广工具",
        name_en="budget allocator: split by marginal return across paid tools",
        controls=controls,
        compute=compute,
        render_html=_allocation_html,
        render_text=_allocation_text,
        note=(
            "响应曲线为模拟示意，不是平台数据 / the response curves are simulated and "
            "illustrative, not platform data"
        ),
    )


def _allocation_totals(a: pd.DataFrame) -> tuple[float, float, float]:
    spend = float(a["spend_cny"].sum())
    revenue = float(a["expected_revenue_cny"].sum())
    overall = funnel.roas(revenue, spend) if spend > 0 else float("nan")
    return spend, revenue, overall


def _allocation_headline(a: pd.DataFrame) -> str:
    spend, revenue, overall = _allocation_totals(a)
    return (
        f"总预算 total budget {fmt_cny(spend, 0)} → 预期收入 expected revenue "
        f"{fmt_cny(revenue, 0)}，整体投产比 overall ROAS {_num(overall)}"
    )


def _allocation_text(a: pd.DataFrame) -> str:
    parts = [f"{t} {fmt_cny(s, 0)}" for t, s in zip(a["tool"], a["spend_cny"], strict=True)]
    return _allocation_headline(a) + "\n花费 spend: " + "; ".join(parts)


def _allocation_html(a: pd.DataFrame) -> str:
    spend, _, _ = _allocation_totals(a)
    tool_roas = funnel.roas(a["expected_revenue_cny"], a["spend_cny"])
    display = pd.DataFrame(
        {
            "工具 tool": a["tool"],
            "花费 spend (CNY)": [f"{x:,.0f}" for x in a["spend_cny"]],
            "占比 share": [fmt_pct(x / spend) if spend > 0 else "—" for x in a["spend_cny"]],
            "预期收入 expected revenue (CNY)": [f"{x:,.0f}" for x in a["expected_revenue_cny"]],
            "投产比 ROAS": [_num(x) for x in tool_roas],
            "边际投产比 marginal ROAS": [_num(x) for x in a["marginal_roas"]],
        }
    )
    return (
        f"<p><b>{_esc(_allocation_headline(a))}</b></p>{_table(display)}"
        "<p><small>边际投产比：再多花一步预算带来的收入 / 该步花费；最优分配下各工具大致相等 / "
        "marginal ROAS: revenue per CNY of the next budget step; roughly equal across tools "
        "at the best split</small></p>"
    )
