"""Tests of casekit.charts: theme, renderer, the standard charts and their input checks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils.deprecation import AltairDeprecationWarning
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit import campaign, charts
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    SchemaViolationError,
)

# ---------------------------------------------------------------------------------------
# small inputs
# ---------------------------------------------------------------------------------------


def funnel_table() -> pd.DataFrame:
    return pd.DataFrame({"stage": ["浏览", "加购", "购买"], "count": [1000, 250, 50]})


def timeline_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2013, 2008, 2018, 2019],
            "label": ["移动端转型", "PC图文店铺", "多媒体店铺", "旗舰店2.0"],
            "group": ["mobile", "PC", "multimedia", "omnichannel"],
        }
    )


def transitions_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "from_state": ["I", "A", "A", "I", "P", "I"],
            "to_state": ["P", "I", "A", "lost", "L", "P"],
            "users": [50, 300, 700, 20, 5, 30],
        }
    )


def auction_table() -> pd.DataFrame:
    # The shape of casekit.ads.keyword_auction output (two slots, one ad not shown).
    return pd.DataFrame(
        {
            "advertiser": ["乙", "甲", "丙"],
            "bid_cny": [0.9, 1.2, 1.5],
            "quality_score": [9.0, 8.0, 5.0],
            "ad_rank": [8.1, 9.6, 7.5],
            "position": pd.array([2, 1, pd.NA], dtype="Int64"),
            "actual_cpc_cny": [0.84, 1.02, np.nan],
        }
    )


def ab_table() -> pd.DataFrame:
    return pd.DataFrame(
        {"variant": ["A", "B"], "ctr": [0.030, 0.035], "ci_low": [0.028, 0.033],
         "ci_high": [0.032, 0.037]}
    )


def curve_table() -> pd.DataFrame:
    change = np.array([0.2, -0.2, 0.0, -0.1, 0.1])
    return pd.DataFrame({"change": change, "gmv_cny": 100_000 * (1 + change)})


def phases_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phase": ["预售期", "备货期", "品类日", "狂欢日"],
            "start": pd.to_datetime(["2020-05-25", "2020-05-01", "2020-06-01", "2020-06-16"]),
            "end": pd.to_datetime(["2020-05-31", "2020-05-24", "2020-06-15", "2020-06-18"]),
        }
    )


def daily_table() -> pd.DataFrame:
    visitors = np.full(14, 1000.0)
    visitors[9] = 400.0
    return pd.DataFrame(
        {"date": pd.date_range("2024-05-01", periods=14), "visitors": visitors}
    )


CHART_NAMES = ("funnel", "timeline", "aipl", "auction", "ab", "what_if", "calendar", "daily")


def every_chart() -> dict[str, alt.TopLevelMixin]:
    return {
        "funnel": charts.funnel_chart(funnel_table()),
        "timeline": charts.timeline_chart(timeline_table(), group_col="group"),
        "aipl": charts.aipl_flow_chart(transitions_table()),
        "auction": charts.auction_chart(auction_table()),
        "ab": charts.ab_interval_chart(ab_table()),
        "what_if": charts.what_if_chart(curve_table()),
        "calendar": charts.calendar_chart(phases_table()),
        "daily": charts.daily_metric_chart(daily_table(), "visitors", ["2024-05-10"]),
    }


# ---------------------------------------------------------------------------------------
# spec helpers
# ---------------------------------------------------------------------------------------


def rows(spec: dict[str, Any], layer: int) -> list[dict[str, Any]]:
    """The inline data rows a layer draws (own data or the top-level data)."""
    data = spec["layer"][layer].get("data") or spec["data"]
    return spec["datasets"][data["name"]]


def rows_of(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["datasets"][(layer.get("data") or spec["data"])["name"]]


def marks(spec: dict[str, Any]) -> list[str]:
    out = []
    for layer in spec["layer"]:
        mark = layer["mark"]
        out.append(mark if isinstance(mark, str) else mark["type"])
    return out


def title_text(spec: dict[str, Any]) -> str:
    return spec["title"]["text"]


def has_cjk(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


# ---------------------------------------------------------------------------------------
# theme and renderer
# ---------------------------------------------------------------------------------------


def test_theme_and_renderer_are_active_after_import():
    assert alt.theme.active == charts.THEME_NAME == "casekit"
    assert alt.renderers.active == "casekit"
    config = charts.funnel_chart(funnel_table()).to_dict()["config"]
    # vega-lite's config.font is the default of every text (titles, axes, legends, marks);
    # the JupyterLab rendering test below checks every drawn text uses it.
    assert config["font"] == charts.FONT_STACK
    assert "Noto Sans CJK SC" in charts.FONT_STACK and charts.FONT_STACK.endswith("sans-serif")
    assert config["range"]["category"] == list(charts.CATEGORY_PALETTE)
    assert charts.ACCENT == "#FF0036"
    assert charts.ACCENT not in charts.CATEGORY_PALETTE  # the accent stays unambiguous


def test_use_course_theme_restores_after_a_switch_without_deprecation_warnings():
    alt.theme.enable("default")
    alt.renderers.enable("default")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", AltairDeprecationWarning)
            warnings.simplefilter("error", DeprecationWarning)
            charts.use_course_theme()
            charts.use_course_theme()  # idempotent
    finally:
        charts.use_course_theme()
    assert alt.theme.active == "casekit"
    assert alt.renderers.active == "casekit"


def test_mimebundle_is_the_spec_and_a_short_text_line():
    chart = charts.funnel_chart(funnel_table())
    bundle = chart._repr_mimebundle_()
    assert set(bundle) == {charts.VEGALITE_MIMETYPE, "text/plain"}
    pinned = {**chart.to_dict(), "$schema": "https://vega.github.io/schema/vega-lite/v5.6.1.json"}
    assert bundle[charts.VEGALITE_MIMETYPE] == pinned  # labelled with JupyterLab's Vega-Lite
    expected = "<图表 Chart: 转化漏斗> — 在 JupyterLab 中显示 / renders in JupyterLab"
    assert bundle["text/plain"] == expected
    assert "http" not in bundle["text/plain"]


def test_mimetype_follows_the_spec_schema_version():
    assert charts.VEGALITE_MIMETYPE == "application/vnd.vegalite.v5+json"
    bundle = charts.mimebundle({"$schema": "https://vega.github.io/schema/vega-lite/v6.1.0.json"})
    assert "application/vnd.vegalite.v6+json" in bundle
    assert "未命名" in bundle["text/plain"]
    data, meta = charts.mimebundle({"title": "x"}, embed_options={"actions": False})
    assert meta == {charts.VEGALITE_MIMETYPE: {"embed_options": {"actions": False}}}
    assert data["text/plain"].startswith("<图表 Chart: x>")


def _jupyterlab_static() -> Path:
    pytest.importorskip("jupyterlab")
    from jupyter_core.paths import jupyter_path

    candidates = [Path(sys.prefix) / "share" / "jupyter" / "lab" / "static"]
    candidates += [Path(p) for p in jupyter_path("lab", "static")]
    for folder in candidates:
        if list(folder.glob("jlab_core*.js")):
            return folder
    pytest.fail(f"JupyterLab is installed but no jlab_core*.js under {candidates}")


def test_jupyterlab_draws_the_mimetype_the_charts_emit():
    # JupyterLab renders vega-lite with its own bundled vega (offline). An altair upgrade
    # that changes the mimetype (altair 6 emits vega-lite v6) must fail here, loudly.
    static = _jupyterlab_static()
    bundle = charts.funnel_chart(funnel_table())._repr_mimebundle_()
    emitted = next(k for k in bundle if k != "text/plain")
    core = sorted(static.glob("jlab_core*.js"))
    found = [p.name for p in core if emitted.encode() in p.read_bytes()]
    assert found, (
        f"JupyterLab at {static} has no renderer for {emitted!r}: charts would show only "
        f"their text fallback. Pin altair to a version whose Vega-Lite JupyterLab supports."
    )


# A minimal loader for the vega / vega-lite JupyterLab ships in its static chunks, so the
# specs can be compiled and rendered (to SVG, headless) by exactly the versions students'
# JupyterLab runs (vega-lite 5.6 in JupyterLab 4.x, older than altair's schema).
_NODE_CHECK = textwrap.dedent(
    r"""
    const fs = require('fs'), path = require('path');
    const dir = process.argv[2];
    const files = fs.readdirSync(dir);
    const mainFile = files.find(f => /^main\..*\.js$/.test(f));
    if (!mainFile) { console.log('no main bundle'); process.exit(3); }
    const mainSrc = fs.readFileSync(path.join(dir, mainFile), 'utf8');
    const chunkKey = (mainSrc.match(/self\.(rspackChunk\w+|webpackChunk\w+)/) || [])[1];
    if (!chunkKey) { console.log('no chunk key'); process.exit(3); }
    const modules = {};
    globalThis.self = globalThis;
    globalThis[chunkKey] = { push: ([, mods]) => Object.assign(modules, mods) };
    for (const f of files) {
      if (/^\d+\.[0-9a-f]+\.js$/.test(f)) eval(fs.readFileSync(path.join(dir, f), 'utf8'));
    }
    const consumes = {};
    let embedId = null;
    const shared = new RegExp('(\\d+):\\{shareScope:"default",shareKey:"([^"]*)",[^{}]*?' +
      'fallback:\\(\\)=>[^{}]*?__webpack_require__\\((\\d+)\\)\\)', 'g');
    for (const m of mainSrc.matchAll(shared)) {
      consumes[m[1]] = m[3];
      if (m[2] === 'vega-embed') embedId = m[3];
    }
    if (!embedId) { console.log('vega-embed not found'); process.exit(3); }
    const cache = {};
    function req(id) {
      if (cache[id]) return cache[id].exports;
      if (!modules[id] && consumes[id]) return (cache[id] = { exports: req(consumes[id]) }).exports;
      if (!modules[id]) {
        const at = mainSrc.indexOf(`${id}(e){`);
        if (at >= 0 && mainSrc.slice(at, at + 300).includes('setTimeout has not been defined')) {
          return (cache[id] = { exports: process }).exports;  // the `process` shim
        }
        console.log('unknown module ' + id); process.exit(3);
      }
      const m = cache[id] = { id, exports: {} };
      modules[id].call(m.exports, m, m.exports, req);
      return m.exports;
    }
    const own = (o, p) => Object.prototype.hasOwnProperty.call(o, p);
    req.d = (e, defs) => {
      for (const k in defs) {
        if (!own(e, k)) Object.defineProperty(e, k, { enumerable: true, get: defs[k] });
      }
    };
    req.r = e => { Object.defineProperty(e, '__esModule', { value: true }); };
    req.o = own;
    req.n = m => {
      const g = m && m.__esModule ? () => m.default : () => m;
      req.d(g, { a: g });
      return g;
    };
    req.g = globalThis;
    req.nmd = m => m;
    let embed;
    try { embed = req(embedId); } catch (e) { console.log('load failed: ' + e); process.exit(3); }
    const vega = embed.vega, vl = embed.vegaLite;
    if (!vega || !vl) { console.log('vega-embed without vega/vegaLite'); process.exit(3); }
    (async () => {
      for (const f of process.argv.slice(3)) {
        const spec = JSON.parse(fs.readFileSync(f, 'utf8'));
        const warnings = [];
        const logger = {
          level() { return logger; }, info() { return logger; }, debug() { return logger; },
          warn: (...a) => { warnings.push(a.join(' ')); return logger; },
          error: (...a) => { warnings.push('error: ' + a.join(' ')); return logger; },
        };
        const out = { file: path.basename(f), vegaLite: vl.version, ok: false, warnings };
        try {
          const vg = vl.compile(spec, { logger }).spec;
          const view = new vega.View(vega.parse(vg), { renderer: 'none', logger });
          await view.runAsync();
          const svg = await view.toSVG();
          out.ok = svg.startsWith('<svg');
          out.texts = (svg.match(/<text/g) || []).length;
          out.fonts = [...new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map(m => m[1]))];
        } catch (e) { out.error = String(e && e.stack || e).split('\n').slice(0, 3).join(' | '); }
        console.log(JSON.stringify(out));
      }
    })();
    """
)


def test_every_chart_compiles_and_renders_with_jupyterlabs_own_vega(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; cannot run JupyterLab's bundled vega")
    static = _jupyterlab_static()
    script = tmp_path / "check.js"
    script.write_text(_NODE_CHECK, encoding="utf-8")
    paths = []
    for name, chart in every_chart().items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(chart.to_dict()), encoding="utf-8")
        paths.append(str(path))
    proc = subprocess.run(
        [node, str(script), str(static), *paths], capture_output=True, text=True, timeout=120
    )
    if proc.returncode == 3:
        pytest.skip(f"JupyterLab bundle layout not recognised: {proc.stdout.strip()}")
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len(paths)
    font = charts.FONT_STACK.replace('"', "&quot;")
    for result in results:
        assert result["ok"], result
        assert result["warnings"] == [], result
        assert result["texts"] > 0 and result["fonts"] == [font], result


# ---------------------------------------------------------------------------------------
# determinism and offline output
# ---------------------------------------------------------------------------------------


def _dump(bundle: Any) -> str:
    return json.dumps(bundle, sort_keys=True, ensure_ascii=False)


def test_rendering_twice_and_building_twice_give_identical_bundles():
    first = every_chart()
    second = every_chart()
    for name, chart in first.items():
        once = _dump(chart._repr_mimebundle_())
        assert once == _dump(chart._repr_mimebundle_()), name
        assert once == _dump(second[name]._repr_mimebundle_()), name


def test_bundle_is_the_same_in_a_fresh_process_with_another_hash_seed(repo_root):
    code = textwrap.dedent(
        """
        import json, sys
        import pandas as pd
        from casekit import charts
        df = pd.DataFrame({"stage": ["浏览", "加购", "购买"], "count": [1000, 250, 50]})
        bundle = charts.funnel_chart(df)._repr_mimebundle_()
        sys.stdout.write(json.dumps(bundle, sort_keys=True, ensure_ascii=True))
        """
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
        cwd=repo_root, check=True,
    )
    here = json.dumps(
        charts.funnel_chart(funnel_table())._repr_mimebundle_(), sort_keys=True,
        ensure_ascii=True,
    )
    assert proc.stdout == here


def _strings(obj: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in _strings(v, f"{path}/{k}")]
    if isinstance(obj, list):
        return [s for i, v in enumerate(obj) for s in _strings(v, f"{path}/{i}")]
    return [(path, obj)] if isinstance(obj, str) else []


@pytest.fixture(scope="module")
def built() -> dict[str, alt.TopLevelMixin]:
    return every_chart()


def test_every_chart_is_listed(built):
    assert tuple(built) == CHART_NAMES


@pytest.mark.parametrize("name", CHART_NAMES)
def test_no_url_in_the_bundle_but_the_schema_identifier(name, built):
    bundle = built[name]._repr_mimebundle_()
    urls = [(p, s) for p, s in _strings(bundle) if "http" in s.lower() or "//" in s]
    schema_path = f"/{charts.VEGALITE_MIMETYPE}/$schema"
    assert [p for p, _ in urls] == [schema_path]  # an identifier, never fetched
    spec = bundle[charts.VEGALITE_MIMETYPE]
    assert "url" not in json.dumps(spec.get("data", {}))  # data are inline


@pytest.mark.parametrize("name", CHART_NAMES)
def test_every_chart_has_a_chinese_title_and_inline_hashed_data(name, built):
    spec = built[name].to_dict()
    assert has_cjk(title_text(spec))
    assert spec["datasets"]
    assert all(re.fullmatch(r"data-[0-9a-f]{32}", key) for key in spec["datasets"])


# ---------------------------------------------------------------------------------------
# funnel
# ---------------------------------------------------------------------------------------


def test_funnel_chart_bars_labels_and_order():
    spec = charts.funnel_chart(funnel_table()).to_dict()
    assert marks(spec) == ["bar", "text"]
    assert title_text(spec) == "转化漏斗"
    enc = spec["layer"][0]["encoding"] if "encoding" in spec["layer"][0] else spec["encoding"]
    assert enc["y"]["field"] == "stage" and enc["y"]["sort"] == ["浏览", "加购", "购买"]
    assert enc["x"]["field"] == "count" and enc["x"]["type"] == "quantitative"
    assert enc["y"]["title"] == "环节 (stage)"
    assert spec["layer"][1]["encoding"]["text"]["field"] == "label"
    # step conversion: 250 / 1000 = 25.0 %, 50 / 250 = 20.0 %; none on the first stage
    assert [r["label"] for r in rows(spec, 0)] == ["1,000", "250 · 转化 25.0%", "50 · 转化 20.0%"]


def test_funnel_chart_uses_a_given_rate_and_shows_missing_rates_as_a_dash():
    df = funnel_table().assign(rate=[1.0, 0.3, np.nan])
    labels = [r["label"] for r in rows(charts.funnel_chart(df).to_dict(), 0)]
    assert labels == ["1,000", "250 · 转化 30.0%", "50 · 转化 —"]


def test_funnel_chart_after_a_zero_stage_has_no_rate():
    df = pd.DataFrame({"stage": ["a", "b", "c"], "count": [10, 0, 0]})
    labels = [r["label"] for r in rows(charts.funnel_chart(df).to_dict(), 0)]
    assert labels == ["10", "0 · 转化 0.0%", "0 · 转化 —"]  # 0/10 = 0 %, 0/0 undefined


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=8))
@settings(max_examples=15, deadline=None)
def test_funnel_labels_follow_counts(counts):
    df = pd.DataFrame({"stage": [f"s{i}" for i in range(len(counts))], "count": counts})
    data = rows(charts.funnel_chart(df).to_dict(), 0)
    assert [r["stage"] for r in data] == list(df["stage"])
    for i, (row, count) in enumerate(zip(data, counts, strict=True)):
        assert row["label"].startswith(f"{count:,}")
        if i > 0 and counts[i - 1] > 0:
            assert row["label"].endswith(f"{count / counts[i - 1]:.1%}")


def test_funnel_chart_bad_inputs():
    with pytest.raises(MissingColumnError, match=r"'count' \(数量\)"):
        charts.funnel_chart(funnel_table().rename(columns={"count": "users"}))
    with pytest.raises(MissingColumnError, match="'step_rate'"):
        charts.funnel_chart(funnel_table(), rate_col="step_rate")
    dup = pd.DataFrame({"stage": ["pv", "pv"], "count": [2, 1]})
    with pytest.raises(SchemaViolationError, match="repeats 'pv'; one row per funnel stage"):
        charts.funnel_chart(dup)
    with pytest.raises(SchemaViolationError, match="expected a proportion"):
        charts.funnel_chart(funnel_table().assign(rate=[1, 25, 20]))
    with pytest.raises(SchemaViolationError, match=">= 0"):
        charts.funnel_chart(funnel_table().assign(count=[10, -1, 0]))
    with pytest.raises(SchemaViolationError, match="missing value"):
        charts.funnel_chart(pd.DataFrame({"stage": ["a", None], "count": [2, 1]}))
    with pytest.raises(EmptyDataError):
        charts.funnel_chart(funnel_table().iloc[:0])
    with pytest.raises(BadParameterError, match="DataFrame"):
        charts.funnel_chart({"stage": ["a"], "count": [1]})
    with pytest.raises(BadParameterError, match="'title'"):
        charts.funnel_chart(funnel_table(), title=3)


def test_charts_refuse_raw_logs_over_the_row_limit():
    big = pd.DataFrame(
        {"date": pd.date_range("2000-01-01", periods=charts.MAX_ROWS + 1), "visitors": 1.0}
    )
    with pytest.raises(SchemaViolationError, match="Aggregate first"):
        charts.daily_metric_chart(big, "visitors")


def test_funnel_chart_from_an_event_log():
    from casekit import funnel

    # 4 users view; users 1 and 2 cart, user 3 favs; users 1 and 3 buy.
    log = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2, 2, 3, 3, 3, 4],
            "item_id": 7,
            "category_id": 9,
            "behavior_type": ["pv", "cart", "buy", "pv", "cart", "pv", "fav", "buy", "pv"],
            "timestamp": 1_511_544_070 + np.arange(9),
        }
    )
    rates = funnel.funnel_rates(log)
    chart = charts.funnel_chart(rates, stage_col="stage_zh", count_col="users",
                                rate_col="step_rate")
    data = rows(chart.to_dict(), 0)
    by_stage = dict(zip(rates["stage"], data, strict=True))
    assert by_stage["pv"]["count"] == 4
    # cart_or_fav = users 1, 2, 3 → 3 / 4 = 75.0 %; buy = users 1, 3 → 2 / 3 = 66.7 %
    assert by_stage["cart_or_fav"]["label"] == "3 · 转化 75.0%"
    assert by_stage["buy"]["label"] == "2 · 转化 66.7%"


# ---------------------------------------------------------------------------------------
# timeline
# ---------------------------------------------------------------------------------------


def test_timeline_chart_years_sorted_lanes_and_groups():
    spec = charts.timeline_chart(timeline_table(), group_col="group").to_dict()
    assert marks(spec) == ["rule", "rule", "point", "text"]
    assert title_text(spec) == "发展历程"
    data = rows(spec, 3)
    assert [r["time"] for r in data] == [2008, 2013, 2018, 2019]
    assert data[0]["label"] == "2008 PC图文店铺"
    assert [r["lane"] for r in data] == [1.0, -1.0, 2.0, -2.0]  # alternate above / below
    point = spec["layer"][2]["encoding"]
    assert point["color"]["field"] == "group"
    x = spec["layer"][3]["encoding"]["x"]
    assert x["type"] == "quantitative" and x["scale"]["domain"] == [2007, 2020]
    assert x["title"] == "年份 (year)"


def test_timeline_chart_dates_are_beijing_wall_clock_strings():
    events = pd.DataFrame(
        {
            # 16:30 UTC on 31 May is 00:30 on 1 June in Beijing
            "date": pd.to_datetime(["2024-05-31 16:30"]).tz_localize("UTC"),
            "label": ["预售开始"],
        }
    )
    spec = charts.timeline_chart(events).to_dict()
    row = rows(spec, 3)[0]
    assert row["time"] == "2024-06-01T00:30:00"
    assert row["label"] == "2024-06-01 预售开始"
    assert spec["layer"][3]["encoding"]["x"]["type"] == "temporal"


def test_timeline_chart_bad_inputs():
    with pytest.raises(MissingColumnError, match=r"'date' \(时间\)"):
        charts.timeline_chart(pd.DataFrame({"when": [2008], "label": ["x"]}))
    with pytest.raises(MissingColumnError, match="'channel'"):
        charts.timeline_chart(timeline_table(), group_col="channel")
    with pytest.raises(SchemaViolationError, match="whole years"):
        charts.timeline_chart(pd.DataFrame({"year": [2008.5], "label": ["x"]}))
    with pytest.raises(SchemaViolationError, match="expected a date"):
        charts.timeline_chart(pd.DataFrame({"date": ["not a day"], "label": ["x"]}))


# ---------------------------------------------------------------------------------------
# AIPL
# ---------------------------------------------------------------------------------------


def test_aipl_flow_chart_heatmap_sums_pairs_and_orders_states():
    spec = charts.aipl_flow_chart(transitions_table()).to_dict()
    assert marks(spec) == ["rect", "text"]
    assert title_text(spec) == "AIPL 人群流转"
    enc = spec["encoding"] if "encoding" in spec else spec["layer"][0]["encoding"]
    order = ["A", "I", "P", "L", "lost"]
    assert enc["x"]["sort"] == order and enc["y"]["sort"] == order
    assert enc["x"]["title"] == "到达状态 (to)" and enc["y"]["title"] == "起始状态 (from)"
    assert spec["layer"][0]["encoding"]["color"]["field"] == "users"
    data = {(r["from_state"], r["to_state"]): r for r in rows(spec, 0)}
    # I → P appears twice: 50 + 30 = 80 users; I's crowd is 80 + 20 = 100 → 80 %
    assert data[("I", "P")]["users"] == 80
    assert data[("I", "P")]["row_share"] == pytest.approx(0.8)
    assert data[("I", "P")]["label"] == "80\n80%"
    # A → A 700 of 1,000 = 70 %
    assert data[("A", "A")]["label"] == "700\n70%"
    shares: dict[str, float] = {}
    for (src, _), r in data.items():
        shares[src] = shares.get(src, 0.0) + r["row_share"]
    assert all(s == pytest.approx(1.0) for s in shares.values())


def test_aipl_flow_chart_takes_the_wide_matrix_of_audience():
    order = ["none", "A", "I", "P", "L"]
    counts = np.zeros((5, 5), dtype="int64")
    counts[0, 1] = 40  # none → A: 40 new users
    counts[1, 2] = 10  # A → I
    counts[1, 1] = 30  # A → A
    wide = pd.DataFrame(counts, index=pd.Index(order, name="from_state"),
                        columns=pd.Index(order, name="to_state"))
    spec = charts.aipl_flow_chart(wide).to_dict()
    enc = spec["encoding"] if "encoding" in spec else spec["layer"][0]["encoding"]
    assert enc["y"]["sort"] == order
    data = {(r["from_state"], r["to_state"]): r for r in rows(spec, 0)}
    assert len(data) == 25
    assert data[("A", "I")]["label"] == "10\n25%"  # 10 of A's 40
    assert data[("P", "L")]["label"] == ""  # empty cells stay blank


def test_aipl_flow_chart_from_an_event_log():
    from casekit import audience

    # On 1 Dec users 1, 2 only viewed (A); by 3 Dec user 1 carted (I), user 3 arrived (A).
    day = pd.Timestamp("2017-12-01", tz="Asia/Shanghai")
    log = pd.DataFrame(
        {
            "user_id": [1, 2, 1, 3],
            "item_id": 5,
            "category_id": 6,
            "behavior_type": ["pv", "pv", "cart", "pv"],
            "timestamp": [day, day, day + pd.Timedelta(days=2), day + pd.Timedelta(days=2)],
        }
    )
    table = audience.aipl_transitions(log, "2017-12-01", "2017-12-03")
    spec = charts.aipl_flow_chart(table).to_dict()
    users = {(r["from_state"], r["to_state"]): r["users"] for r in rows(spec, 0)}
    assert sum(users.values()) == 3 == int(table.to_numpy().sum())
    assert users[("A", "I")] == 1 and users[("none", "A")] == 1 and users[("A", "A")] == 1


def test_aipl_flow_chart_custom_order_and_bad_inputs():
    spec = charts.aipl_flow_chart(
        transitions_table(), states=["lost", "L", "P", "I", "A"]
    ).to_dict()
    enc = spec["encoding"] if "encoding" in spec else spec["layer"][0]["encoding"]
    assert enc["x"]["sort"] == ["lost", "L", "P", "I", "A"]
    with pytest.raises(BadParameterError, match="missing 'lost'"):
        charts.aipl_flow_chart(transitions_table(), states=["A", "I", "P", "L"])
    with pytest.raises(MissingColumnError, match=r"'users' \(人数\)"):
        charts.aipl_flow_chart(transitions_table().drop(columns="users"))
    with pytest.raises(SchemaViolationError, match=">= 0"):
        charts.aipl_flow_chart(transitions_table().assign(users=-1))


# ---------------------------------------------------------------------------------------
# auction
# ---------------------------------------------------------------------------------------


def test_auction_chart_bid_and_cpc_bars_ranked_by_ad_rank():
    spec = charts.auction_chart(auction_table()).to_dict()
    assert marks(spec) == ["bar", "text"]
    assert title_text(spec) == "直通车竞价：出价与实际扣费"
    bars = spec["layer"][0]["encoding"]
    assert bars["y"]["sort"] == ["甲", "乙", "丙"]  # ad rank 9.6 > 8.1 > 7.5
    assert bars["yOffset"]["field"] == "measure"
    assert bars["color"]["scale"]["range"] == [charts.MUTED, charts.ACCENT]
    long = rows(spec, 0)
    assert {(r["advertiser"], r["measure"]): r["cny"] for r in long}[
        ("甲", "实际扣费 (actual CPC)")
    ] == 1.02
    labels = {r["advertiser"]: r["label"] for r in rows(spec, 1)}
    assert labels == {
        "甲": "第1位 · 排名分 9.60 · 质量分 8",
        "乙": "第2位 · 排名分 8.10 · 质量分 9",
        "丙": "未展示 (not shown) · 排名分 7.50 · 质量分 5",
    }
    # the ad not shown has no price: null, not 0
    assert {r["advertiser"]: r["actual_cpc_cny"] for r in rows(spec, 1)}["丙"] is None


def test_auction_chart_from_keyword_auction():
    from casekit import ads

    bids = pd.DataFrame(
        {"advertiser": ["甲", "乙", "丙"], "bid_cny": [1.2, 0.9, 1.5],
         "quality_score": [8, 9, 5]}
    )
    result = ads.keyword_auction(bids, slots=2)
    spec = charts.auction_chart(result).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["甲", "乙", "丙"]
    assert [r["label"].split(" · ")[0] for r in rows(spec, 1)] == [
        "第1位", "第2位", "未展示 (not shown)"
    ]


def test_auction_chart_bad_inputs():
    with pytest.raises(MissingColumnError, match=r"'ad_rank' \(综合排名分\)"):
        charts.auction_chart(auction_table().drop(columns="ad_rank"))
    over = auction_table().assign(actual_cpc_cny=[0.84, 1.30, np.nan])
    with pytest.raises(SchemaViolationError, match="above its bid"):
        charts.auction_chart(over)
    dup = auction_table().assign(advertiser=["甲", "甲", "丙"])
    with pytest.raises(SchemaViolationError, match="one row per advertiser"):
        charts.auction_chart(dup)


def test_auction_chart_without_position_and_quality():
    df = auction_table().drop(columns=["position", "quality_score"])
    labels = [r["label"] for r in rows(charts.auction_chart(df).to_dict(), 1)]
    assert labels == [
        "展示 · 排名分 9.60", "展示 · 排名分 8.10", "未展示 (not shown) · 排名分 7.50"
    ]


# ---------------------------------------------------------------------------------------
# A/B
# ---------------------------------------------------------------------------------------


def test_ab_interval_chart_points_and_intervals():
    spec = charts.ab_interval_chart(ab_table()).to_dict()
    assert marks(spec) == ["rule", "point", "text"]
    assert title_text(spec) == "A/B 测试：点击率及置信区间"
    rule = spec["layer"][0]["encoding"]
    assert rule["x"]["field"] == "low" and rule["x2"]["field"] == "high"
    assert spec["layer"][1]["encoding"]["x"]["axis"]["format"] == ".1~%"
    assert spec["layer"][1]["encoding"]["x"]["title"] == "点击率 (CTR)"
    assert [r["text"] for r in rows(spec, 0)] == ["3.0%  [2.8%, 3.2%]", "3.5%  [3.3%, 3.7%]"]


def test_ab_interval_chart_lift_with_reference_line():
    lift = pd.DataFrame({"test_id": ["T1"], "abs_lift": [0.005], "ci_low": [-0.001],
                         "ci_high": [0.011]})
    spec = charts.ab_interval_chart(lift, label_col="test_id", value_col="abs_lift",
                                    reference=0).to_dict()
    assert marks(spec) == ["rule", "rule", "point", "text"]
    assert rows(spec, 0) == [{"reference": 0.0}]
    assert rows(spec, 1)[0]["text"] == "0.5%  [-0.1%, 1.1%]"
    assert title_text(spec) == "A/B 测试：效果及置信区间"


def test_ab_interval_chart_from_ab_summary():
    from casekit import experiment

    clicks = pd.DataFrame({"test_id": ["T1", "T1"], "variant": ["A", "B"],
                           "impressions": [10_000, 10_000], "clicks": [300, 360]})
    summary = experiment.ab_summary(clicks, element_col=None, date_col=None)
    spec = charts.ab_interval_chart(summary, label_col="test_id", value_col="abs_lift",
                                    reference=0).to_dict()
    point = rows(spec, 1)[0]
    assert point["value"] == pytest.approx(0.006)  # 360/10,000 − 300/10,000
    assert point["low"] < point["value"] < point["high"]


def test_ab_interval_chart_bad_inputs():
    with pytest.raises(MissingColumnError, match=r"'ci_high' \(置信上限\)"):
        charts.ab_interval_chart(ab_table().drop(columns="ci_high"))
    swapped = ab_table().assign(ci_low=[0.031, 0.033])
    with pytest.raises(SchemaViolationError, match="ci_low <= ctr <= ci_high"):
        charts.ab_interval_chart(swapped)
    with pytest.raises(BadParameterError, match="'reference'"):
        charts.ab_interval_chart(ab_table(), reference="zero")


# ---------------------------------------------------------------------------------------
# what-if
# ---------------------------------------------------------------------------------------


def test_what_if_chart_line_and_current_marker():
    spec = charts.what_if_chart(curve_table()).to_dict()
    assert marks(spec) == ["line", "rule", "point", "text"]
    assert title_text(spec) == "假设分析"
    assert spec["usermeta"] == {"casekit": {"chart": "what_if"}}
    line = spec["layer"][0]["encoding"]
    assert line["x"]["title"] == "变化幅度 (change)" and line["x"]["axis"]["format"] == ".1~%"
    assert line["y"]["title"] == "销售额 (GMV, CNY)"
    assert [r["x"] for r in rows(spec, 0)] == [-0.2, -0.1, 0.0, 0.1, 0.2]  # sorted by x
    assert rows(spec, 1) == [{"x": 0.0}]  # dashed rule at the current x
    assert rows(spec, 2) == [{"x": 0.0, "y": 100_000.0}]
    assert rows(spec, 3) == [{"x": 0.0, "y": 100_000.0, "label": "当前 current: 100,000"}]
    # the label sits right of the plot, level with its dot, not on the line
    text = spec["layer"][3]
    assert text["encoding"]["x"] == {"value": "width"} and text["mark"]["align"] == "left"


def test_what_if_chart_marker_is_exact_never_interpolated():
    curve = pd.DataFrame(
        {
            "spend_cny": [0, 1000, 2000, 0, 1000, 2000],
            "revenue_cny": [0, 3000, 4000, 0, 1000, 1500],
            "tool": ["直通车"] * 3 + ["引力魔方"] * 3,
        }
    )
    kw = {"x": "spend_cny", "y": "revenue_cny", "series_col": "tool"}
    # 1500 lies between two samples: reading it off the line would be a guess
    with pytest.raises(BadParameterError, match="never one interpolated"):
        charts.what_if_chart(curve, current=1500, **kw)
    with pytest.raises(BadParameterError, match="one per line"):
        charts.what_if_chart(curve, current=1500, current_y=3600, **kw)
    exact = {"直通车": 3612.5, "引力魔方": 1277.0}  # what a response curve would return
    spec = charts.what_if_chart(curve, current=1500, current_y=exact, **kw).to_dict()
    assert {r["series"]: r["y"] for r in rows(spec, 2)} == exact
    # a sampled x needs no current_y: the sample is the exact value
    spec = charts.what_if_chart(curve, current=1000, **kw).to_dict()
    assert {r["series"]: r["y"] for r in rows(spec, 2)} == {"直通车": 3000.0, "引力魔方": 1000.0}
    assert spec["layer"][0]["encoding"]["color"]["sort"] == ["直通车", "引力魔方"]
    assert spec["layer"][0]["encoding"]["x"]["title"] == "花费 (spend, CNY)"


def test_what_if_chart_current_labels_of_close_lines_do_not_touch():
    curve = pd.DataFrame({"change": [-0.1, 0.0, 0.1] * 2, "gmv_cny": [90, 100, 110, 95, 101, 120],
                          "factor": ["a"] * 3 + ["b"] * 3})
    spec = charts.what_if_chart(curve, series_col="factor").to_dict()
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    # 100 and 101 lie ~10 px apart on a 300 px axis over 90..120: the labels are pushed apart
    pixel = {rows_of(spec, t)[0]["y"]: 300 * (1 - (rows_of(spec, t)[0]["y"] - 90) / 30)
             + t["mark"].get("dy", 0) for t in texts}
    assert abs(pixel[100.0] - pixel[101.0]) >= 18
    # lines meeting at the current point share one label
    same = curve.assign(gmv_cny=[90, 100, 110, 95, 100, 120])
    spec = charts.what_if_chart(same, series_col="factor").to_dict()
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert [r["label"] for t in texts for r in rows_of(spec, t)] == ["当前 current · a / b: 100.00"]


def test_what_if_chart_step_function_at_a_threshold():
    """07's case: 599 is just below the coupon threshold; the marker shows 459.00, the
    exact library price, not a value between the samples 590 and 600."""
    rules = [
        campaign.PresaleDeposit(item="商品", deposit_cny=100, worth_cny=200),
        campaign.StoreCoupon(store="本店", threshold_cny=500, off_cny=40),
        campaign.parse_manjian("每满300减40"),
    ]
    curve = campaign.price_curve([*range(300, 1001, 10), 599], rules=rules)
    item = pd.DataFrame([("商品", 599.0, 1, "本店")],
                        columns=["item", "list_price_cny", "qty", "store"])
    exact = campaign.final_price(item, rules=rules).total_final_cny
    assert exact == 459.0
    spec = charts.what_if_chart(curve[["list_price_cny", "final_price_cny"]],
                                x="list_price_cny", y="final_price_cny", current=599,
                                current_y=exact, interpolate="step-after").to_dict()
    assert spec["layer"][0]["mark"]["interpolate"] == "step-after"
    assert rows(spec, 2)[0]["y"] == 459.0 and rows(spec, 3)[0]["label"] == "当前 current: 459.00"
    assert spec["layer"][0]["encoding"]["x"]["title"] == "标价 (list price, CNY)"
    assert spec["layer"][0]["encoding"]["y"]["title"] == "到手价 (final price, CNY)"
    with pytest.raises(BadParameterError, match="'interpolate'"):
        charts.what_if_chart(curve_table(), interpolate="spline")


def test_price_curve_samples_every_breakpoint_and_the_cent_below():
    rules = [campaign.StoreCoupon(store="本店", threshold_cny=500, off_cny=40)]
    curve = campaign.price_curve(range(300, 1001, 50), rules=rules)
    at = dict(zip(curve["list_price_cny"], curve["final_price_cny"], strict=True))
    assert at[499.99] == 499.99 and at[500.0] == 460.0
    assert curve.loc[curve["breakpoint"], "list_price_cny"].tolist() == [500.0]
    # no breakpoint is missed: between consecutive samples the price rises by the gap
    gaps = curve["list_price_cny"].diff().iloc[1:]
    rises = curve["final_price_cny"].diff().iloc[1:]
    jumps = ~np.isclose(gaps, rises)
    assert curve["breakpoint"].iloc[1:][jumps].all() and int(jumps.sum()) == 1
    with pytest.raises(BadParameterError, match="list_prices_cny"):
        campaign.price_curve([], rules=rules)


def test_line_chart_titles_and_subtitle_describe_the_chart():
    hourly = pd.DataFrame({"hour": [0, 1, 2, 0, 1, 2], "users": [5, 7, 9, 2, 3, 4],
                           "stage": ["浏览"] * 3 + ["购买"] * 3})
    spec = charts.line_chart(hourly, x="hour", y="users", series_col="stage",
                             series_title="环节 (stage)").to_dict()
    assert spec["title"]["subtitle"] == "users by hour, one line per stage"
    assert "What-if" not in spec["title"]["subtitle"]
    assert spec["usermeta"] == {"casekit": {"chart": "line"}}
    enc = spec["layer"][0]["encoding"]
    assert (enc["x"]["title"], enc["y"]["title"], enc["color"]["title"]) == (
        "钟点 (hour)", "人数 (users)", "环节 (stage)")
    with pytest.raises(BadParameterError, match="'x_title'"):
        charts.line_chart(hourly, x="hour", y="users", series_col="stage", x_title="")


def test_daily_metric_subtitle_uses_the_english_term_not_the_column():
    daily = pd.DataFrame({"date": pd.date_range("2024-06-01", periods=3),
                          "buy_pv_rate": [0.01, 0.02, 0.03]})
    spec = charts.daily_metric_chart(daily, "buy_pv_rate").to_dict()
    assert spec["title"]["subtitle"] == "Daily buy/pv rate"
    assert spec["layer"][0]["encoding"]["y"]["title"] == "购买数/浏览数 (buy/pv rate)"


def test_theme_handles_overlapping_number_and_date_labels():
    config = charts.course_theme()["config"]
    for axis in ("axisQuantitative", "axisTemporal"):
        assert config[axis]["labelOverlap"] == "greedy" and config[axis]["labelSeparation"] > 0
    assert config["axisTemporal"]["labelAngle"] == 0
    assert config["axisXDiscrete"]["labelAngle"] == -45


def test_what_if_chart_without_marker_and_bad_inputs():
    plain = charts.what_if_chart(curve_table(), current=None).to_dict()
    assert marks(plain) == ["line"]
    assert "red dot" not in plain["title"]["subtitle"]
    with pytest.raises(BadParameterError, match=r"within the curve's range \[-0.2, 0.2\]"):
        charts.what_if_chart(curve_table(), current=0.5)
    with pytest.raises(MissingColumnError, match=r"'revenue_cny' \(纵轴\)"):
        charts.what_if_chart(curve_table(), y="revenue_cny")
    dup = pd.concat([curve_table(), curve_table().iloc[:1]], ignore_index=True)
    with pytest.raises(SchemaViolationError, match="one point per x value"):
        charts.what_if_chart(dup)


# ---------------------------------------------------------------------------------------
# calendar
# ---------------------------------------------------------------------------------------


def test_calendar_chart_gantt_bars_with_inclusive_end():
    spec = charts.calendar_chart(phases_table()).to_dict()
    assert marks(spec) == ["bar", "text", "point"]
    assert title_text(spec) == "618 活动节奏"
    bars = spec["layer"][0]["encoding"]
    assert bars["x"]["field"] == "start" and bars["x2"]["field"] == "end_exclusive"
    assert bars["y"]["sort"] == ["备货期", "预售期", "品类日", "狂欢日"]  # by start date
    data = rows(spec, 0)
    first = data[0]
    assert first["start"] == "2020-05-01T00:00:00"
    assert first["end_exclusive"] == "2020-05-25T00:00:00"  # 24 May inclusive
    assert [r["days"] for r in data] == [24, 7, 15, 3]
    assert data[3]["label"] == "06/16–06/18 · 3天"


def test_calendar_chart_from_calendar_618():
    from casekit import campaign

    spec = charts.calendar_chart(campaign.calendar_618(2021)).to_dict()
    assert [r["days"] for r in rows(spec, 0)] == [24, 7, 15, 3]


def test_calendar_chart_bad_inputs():
    backwards = phases_table().assign(end=pd.to_datetime(["2020-05-20"] * 4))
    with pytest.raises(SchemaViolationError, match=r"ends .* before it starts"):
        charts.calendar_chart(backwards)
    with pytest.raises(MissingColumnError, match=r"'end' \(结束日期\)"):
        charts.calendar_chart(phases_table().drop(columns="end"))
    with pytest.raises(SchemaViolationError, match="expected dates"):
        charts.calendar_chart(phases_table().assign(start=20200501))


# ---------------------------------------------------------------------------------------
# daily metric
# ---------------------------------------------------------------------------------------


def test_daily_metric_chart_highlights_anomaly_days():
    spec = charts.daily_metric_chart(daily_table(), "visitors", ["2024-05-10"]).to_dict()
    assert marks(spec) == ["line", "point"]
    assert title_text(spec) == "每日趋势：访客数 (visitors)"
    assert "anomaly" in spec["title"]["subtitle"]
    line = spec["layer"][0]["encoding"]
    assert line["x"]["type"] == "temporal" and line["y"]["title"] == "访客数 (visitors)"
    assert spec["layer"][1]["mark"]["color"] == charts.ACCENT
    assert rows(spec, 1) == [
        {"value": 400.0, "date": "2024-05-10T00:00:00", "direction": "异常"}
    ]
    assert len(rows(spec, 0)) == 14


def test_daily_metric_chart_with_find_anomalies():
    from casekit import diagnose

    days = pd.date_range("2024-04-01", periods=40)
    rng = np.random.default_rng(0)
    visitors = 1000 + rng.integers(-30, 30, size=40)
    visitors[35] = 300  # a stock-out day
    daily = pd.DataFrame(
        {"date": days, "visitors": visitors, "paying_buyers": visitors // 20,
         "gmv_cny": visitors // 20 * 150.0}
    )
    flagged = diagnose.find_anomalies(daily, "visitors")
    assert pd.Timestamp("2024-05-06") in set(flagged["date"])
    spec = charts.daily_metric_chart(daily, "visitors", flagged).to_dict()
    marked = {r["date"]: r["direction"] for r in rows(spec, 1)}
    assert marked["2024-05-06T00:00:00"] == "下降"


def test_daily_metric_chart_rates_as_percentages_and_tz_aware_dates():
    daily = pd.DataFrame(
        {
            "date": pd.date_range("2024-05-01", periods=3, tz="Asia/Shanghai"),
            "conversion_rate": [0.02, 0.025, 0.03],
        }
    )
    spec = charts.daily_metric_chart(daily, "conversion_rate").to_dict()
    assert marks(spec) == ["line"]
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"] == ".1~%"
    assert rows(spec, 0)[0]["date"] == "2024-05-01T00:00:00"


def test_daily_metric_chart_bad_inputs():
    with pytest.raises(MissingColumnError, match="'gmv_cny'"):
        charts.daily_metric_chart(daily_table(), "gmv_cny")
    with pytest.raises(BadParameterError, match="2024-06-01"):
        charts.daily_metric_chart(daily_table(), "visitors", ["2024-06-01"])
    twice = pd.concat([daily_table(), daily_table().iloc[:1]], ignore_index=True)
    with pytest.raises(SchemaViolationError, match="one row per day"):
        charts.daily_metric_chart(twice, "visitors")
    with pytest.raises(BadParameterError, match="'anomalies'"):
        charts.daily_metric_chart(daily_table(), "visitors", "2024-05-10")
    with pytest.raises(MissingColumnError, match="'date'"):
        charts.daily_metric_chart(daily_table(), "visitors", pd.DataFrame({"day": ["x"]}))
    empty = pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns]")})
    spec = charts.daily_metric_chart(daily_table(), "visitors", empty).to_dict()
    assert marks(spec) == ["line"]
    assert "no anomaly days" in spec["title"]["subtitle"]


# ---------------------------------------------------------------------------------------
# What a student sees in the committed notebooks
# ---------------------------------------------------------------------------------------

COMMITTED = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # list_price_cny, buy_pv_rate
CJK = re.compile(r"[\u4e00-\u9fff]")
# the subtitle each chart kind may carry (usermeta.casekit.chart); None = checked by pattern
SUBTITLE_OF_KIND = {
    "what_if": re.compile(r"^What-if curve(: red dot = current plan)?$"),
    "line": re.compile(r"^(?!What-if)\S.* by \S.*$"),
    "funnel": re.compile(r"^Conversion funnel"),
    "timeline": re.compile(r"^Timeline$"),
    "aipl_flow": re.compile(r"^AIPL transitions"),
    "auction": re.compile(r"^Keyword auction"),
    "ab_interval": re.compile(r"^A/B test"),
    "calendar": re.compile(r"^Campaign calendar"),
    "daily": re.compile(r"^Daily (?![a-z]+_)[^;]+(;.*)?$"),
}


def _committed_charts() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in COMMITTED:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for index, cell in enumerate(nb["cells"]):
            for output in cell.get("outputs", []):
                spec = output.get("data", {}).get(charts.VEGALITE_MIMETYPE)
                if spec is not None:
                    found.append((f"{path.stem} cell {index}", spec))
    return found


def _titles(node: Any, out: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Every axis and legend title of a spec (encoding channels, axis/legend objects)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"x", "y", "x2", "y2", "color", "size", "shape", "opacity", "xOffset",
                       "yOffset", "theta", "radius"} and isinstance(value, dict):
                if "title" in value:
                    out.append((key, value["title"]))
                for sub in ("axis", "legend"):
                    if isinstance(value.get(sub), dict) and "title" in value[sub]:
                        out.append((f"{key}.{sub}", value[sub]["title"]))
            _titles(value, out)
    elif isinstance(node, list):
        for value in node:
            _titles(value, out)
    return out


def test_committed_chart_titles_are_bilingual_not_column_names():
    charts_found = _committed_charts()
    assert len(charts_found) > 30  # every notebook has charts
    bad = []
    for where, spec in charts_found:
        for channel, title in _titles(spec, []):
            if title is None:
                continue  # no title at all (e.g. a legend explained by its labels)
            text = " ".join(title) if isinstance(title, list) else str(title)
            if SNAKE.search(text) or not CJK.search(text):
                bad.append(f"{where}: {channel} title {text!r}")
        subtitle = spec.get("title", {}).get("subtitle", "") if isinstance(
            spec.get("title"), dict) else ""
        if SNAKE.search(str(subtitle)):
            bad.append(f"{where}: subtitle {subtitle!r} names a raw column")
    assert not bad, "\n".join(bad)


def test_committed_chart_subtitles_describe_their_chart():
    bad = []
    for where, spec in _committed_charts():
        title = spec.get("title")
        subtitle = title.get("subtitle", "") if isinstance(title, dict) else ""
        kind = spec.get("usermeta", {}).get("casekit", {}).get("chart")
        if "What-if" in str(subtitle) and kind != "what_if":
            bad.append(f"{where}: 'What-if' subtitle on a {kind or 'plain altair'} chart")
        if kind is not None and not SUBTITLE_OF_KIND[kind].search(str(subtitle)):
            bad.append(f"{where}: subtitle {subtitle!r} does not fit a {kind} chart")
    assert not bad, "\n".join(bad)


def test_committed_07_marker_is_the_exact_library_price():
    from casekit import campaign as cp

    rules = [cp.PresaleDeposit(item="商品", deposit_cny=100, worth_cny=200),
             cp.StoreCoupon(store="本店", threshold_cny=500, off_cny=40),
             cp.parse_manjian("每满300减40")]
    item = pd.DataFrame([("商品", 599.0, 1, "本店")],
                        columns=["item", "list_price_cny", "qty", "store"])
    exact = cp.final_price(item, rules=rules).total_final_cny
    spec = next(s for w, s in _committed_charts() if w.startswith("07_")
                and "标价与到手价" in json.dumps(s["title"], ensure_ascii=False))
    labels = [r for layer in spec["layer"] if layer["mark"]["type"] == "text"
              for r in rows_of(spec, layer)]
    assert labels == [{"x": 599.0, "y": exact, "label": f"当前 current: {exact:,.2f}"}]
    # every threshold is sampled, with the price one 分 below it
    line = rows_of(spec, spec["layer"][0])
    xs = [r["x"] for r in line]
    assert {399.99, 400.0, 599.99, 600.0, 739.99, 740.0} <= set(xs)


def test_committed_what_if_markers_sit_on_sampled_points():
    """Markers are exact: each equals the y of its line at the current x (no interpolation)."""
    checked = 0
    for where, spec in _committed_charts():
        if spec.get("usermeta", {}).get("casekit", {}).get("chart") != "what_if":
            continue
        line = rows_of(spec, spec["layer"][0])
        points = [layer for layer in spec["layer"][1:] if layer["mark"]["type"] == "point"]
        for marker in (r for layer in points for r in rows_of(spec, layer)):
            same = [r["y"] for r in line if r["x"] == marker["x"]
                    and r.get("series") == marker.get("series")]
            if same:  # a sampled point: the marker must be that very value
                assert same == [marker["y"]], where
                checked += 1
    assert checked >= 8


_MISSING = re.compile(r"(?<![\w&])(NaN|NaT|None|&lt;NA&gt;|<NA>|nan)(?![\w])|[-−]0(\.0+)?%")


def test_no_displayed_table_shows_nan_na_or_signed_zero():
    bad = []
    for path in COMMITTED:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for index, cell in enumerate(nb["cells"]):
            for output in cell.get("outputs", []):
                html = "".join(output.get("data", {}).get("text/html", ""))
                for table in re.findall(r"<table.*?</table>", html, flags=re.S):
                    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table, flags=re.S)
                    for value in cells:
                        if _MISSING.search(value.strip()):
                            bad.append(f"{path.stem} cell {index}: {value.strip()!r}")
    assert not bad, "\n".join(sorted(set(bad))[:40])
