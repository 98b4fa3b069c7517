"""casekit.plan: the capstone's plan template and its checks (grader signature)."""

from __future__ import annotations

import copy

import pytest

from casekit import funnel, plan
from casekit.errors import BadParameterError, CasekitError, PlanError

PARAMS = {"total_budget_cny": 200000.0, "product": "口红", "presale_start_day": 25}


def good_plan() -> dict:
    p = plan.template()
    p["goal_zh"] = "618 期间把口红的成交做到去年的一倍半。"
    p["audience_zh"] = "18–30 岁、爱看直播的年轻女性。"
    p["budget_total_cny"] = 200000.0
    budgets = plan.split_budget(200000.0, {"备货期": 1, "预售期": 2, "品类日": 2, "狂欢日": 5})
    for ph in p["phases"]:
        ph["budget_cny"] = budgets[ph["phase"]]
        ph["focus_zh"] = f"{ph['phase']}的工作重点"
    p["copy_lines"] = ["天猫618限时好价！人气口红，上唇顺滑。", "店铺活动页热卖口红，品质严选。"]
    model = plan.forecast(budgets, PARAMS)
    visitors = 0.9 * model["visitors"].sum()
    cvr, aov = 0.05, 150.0
    p["kpis"] = {"visitors": visitors, "conversion_rate": cvr, "aov_cny": aov,
                 "gmv_target_cny": visitors * cvr * aov,
                 "roi_target": float(funnel.roi(model["paid_gmv_cny"].sum(), 200000.0))}
    return p


def paid_gmv(p: dict, params: dict = PARAMS) -> float:
    budgets = {ph["phase"]: ph["budget_cny"] for ph in p["phases"]}
    return float(plan.forecast(budgets, params)["paid_gmv_cny"].sum())


def failed(criteria: list[dict]) -> dict[str, str]:
    return {c["id"]: c["zh"] for c in criteria if not c["ok"]}


def test_template_is_fresh_and_has_the_four_phases_in_order():
    a, b = plan.template(), plan.template()
    a["phases"][0]["budget_cny"] = 1
    assert b["phases"][0]["budget_cny"] is None
    assert [p["phase"] for p in b["phases"]] == ["备货期", "预售期", "品类日", "狂欢日"]


@pytest.mark.parametrize("check", list(plan.CHECKS.values()))
def test_every_check_passes_a_good_plan_with_the_grader_shape(check):
    crits = check(good_plan(), PARAMS)
    assert crits and not failed(crits)
    for c in crits:
        assert set(c) == {"id", "ok", "points", "zh"} and c["points"] > 0 and c["zh"]


@pytest.mark.parametrize("check", list(plan.CHECKS.values()))
def test_the_empty_template_fails_every_criterion_but_the_given_phase_names(check):
    crits = check(plan.template(), PARAMS)
    assert [c["id"] for c in crits if c["ok"]] == (
        ["four_phases"] if check is plan.check_outline else [])


def test_outline_flags_missing_goal_wrong_order_and_empty_focus():
    p = good_plan()
    p["goal_zh"] = ""
    assert set(failed(plan.check_outline(p, PARAMS))) == {"goal_audience"}
    p = good_plan()
    p["phases"][1], p["phases"][2] = p["phases"][2], p["phases"][1]
    bad = failed(plan.check_outline(p, PARAMS))
    assert "four_phases" in bad and "备货期、预售期、品类日、狂欢日" in bad["four_phases"]
    p = good_plan()
    p["phases"] = p["phases"][:3]
    assert "four_phases" in failed(plan.check_outline(p, PARAMS))
    p = good_plan()
    p["phases"][3]["focus_zh"] = " "
    assert set(failed(plan.check_outline(p, PARAMS))) == {"phase_focus"}


def test_budget_flags_a_wrong_sum_a_wrong_total_and_a_negative_phase():
    p = good_plan()
    p["phases"][0]["budget_cny"] += 100
    bad = failed(plan.check_budget(p, PARAMS))
    assert set(bad) == {"total_matches"} and "200,000" in bad["total_matches"]
    p = good_plan()
    p["budget_total_cny"] = 150000.0
    assert "total_budget_cny" in failed(plan.check_budget(p, PARAMS))["total_matches"]
    p = good_plan()
    p["phases"][3]["budget_cny"] += p["phases"][0]["budget_cny"] + 5000.0
    p["phases"][0]["budget_cny"] = -5000.0
    assert abs(sum(x["budget_cny"] for x in p["phases"]) - 200000.0) < 1e-6
    assert set(failed(plan.check_budget(p, PARAMS))) == {"non_negative"}
    p = good_plan()
    p["phases"][2]["budget_cny"] = "一万"
    assert set(failed(plan.check_budget(p, PARAMS))) == {"total_matches", "non_negative"}


def test_copy_flags_one_line_a_duplicate_and_names_the_blocking_words():
    p = good_plan()
    p["copy_lines"] = [p["copy_lines"][0]]
    assert set(failed(plan.check_copy(p, PARAMS))) == {"two_lines", "publishable"}
    p = good_plan()
    p["copy_lines"] = [p["copy_lines"][0]] * 2
    assert "two_lines" in failed(plan.check_copy(p, PARAMS))
    p = good_plan()
    p["copy_lines"][1] = "全网最低价口红，销量第一！"
    bad = failed(plan.check_copy(p, PARAMS))
    assert set(bad) == {"publishable"}
    assert "全网最低" in bad["publishable"] and "第一" in bad["publishable"]


def test_the_product_type_of_the_brief_decides_the_copy_rules():
    assert plan.brief("坚果礼盒")["product_type"] == "food"
    draft = plan.brief("精华液")["draft_copy"]
    p = good_plan()
    p["copy_lines"][1] = draft
    assert "publishable" in failed(plan.check_copy(p, {**PARAMS, "product": "精华液"}))


def test_kpis_flag_percent_rates_broken_gmv_roas_for_roi_and_unreachable_visitors():
    p = good_plan()
    p["kpis"]["conversion_rate"] = 5.0
    assert set(failed(plan.check_kpis(p, PARAMS))) == {
        "kpi_form", "gmv_identity", "roi_identity", "reachable"}
    p = good_plan()
    p["kpis"]["gmv_target_cny"] *= 1.05
    assert "gmv_identity" in failed(plan.check_kpis(p, PARAMS))
    for wrong in (float(funnel.roas(paid_gmv(good_plan()), 200000.0)),  # ROAS for ROI
                  float(funnel.roi(good_plan()["kpis"]["gmv_target_cny"], 200000.0))):
        p = good_plan()
        p["kpis"]["roi_target"] = wrong
        bad = failed(plan.check_kpis(p, PARAMS))
        assert set(bad) == {"roi_identity"} and "ROAS" in bad["roi_identity"]
    p = good_plan()
    k = p["kpis"]
    k["visitors"] *= 2
    k["gmv_target_cny"] = k["visitors"] * k["conversion_rate"] * k["aov_cny"]
    bad = failed(plan.check_kpis(p, PARAMS))
    assert set(bad) == {"reachable"} and "访客" in bad["reachable"]


def test_the_reachable_visitors_depend_on_the_students_own_calendar():
    p = good_plan()
    early = plan.check_kpis(p, {**PARAMS, "presale_start_day": 20})
    assert not failed(early)
    budgets = {ph["phase"]: ph["budget_cny"] for ph in p["phases"]}
    a = plan.forecast(budgets, {**PARAMS, "presale_start_day": 20})["visitors"].sum()
    b = plan.forecast(budgets, {**PARAMS, "presale_start_day": 27})["visitors"].sum()
    assert a - b == pytest.approx(7 * plan.ORGANIC_VISITORS_PER_DAY)


@pytest.mark.parametrize("bad", [None, [], "方案", 3, {"goal_zh": "x"},
                                 {**plan.template(), "phases": "四个阶段"},
                                 {**plan.template(), "kpis": [1, 2]},
                                 {**plan.template(), "copy_lines": "一条"}])
def test_a_malformed_plan_fails_every_criterion_with_a_clear_message(bad):
    with pytest.raises(PlanError):
        plan.validate_plan(bad)
    for check in plan.CHECKS.values():
        crits = check(copy.deepcopy(bad), PARAMS)
        assert crits and all(not c["ok"] and "无法检查" in c["zh"] for c in crits)


@pytest.mark.parametrize("params", [None, {}, {**PARAMS, "product": "手机"},
                                    {**PARAMS, "total_budget_cny": -1},
                                    {**PARAMS, "total_budget_cny": "20万"},
                                    {**PARAMS, "presale_start_day": 40}])
def test_bad_params_raise_a_casekit_error_naming_the_parameter(params):
    with pytest.raises(BadParameterError) as err:
        plan.check_budget(good_plan(), params)
    assert isinstance(err.value, CasekitError) and "parameter" in str(err.value)


def test_split_budget_and_forecast_worked_example_and_bad_shares():
    budgets = plan.split_budget(1000.0, {"备货期": 1, "预售期": 1, "品类日": 1, "狂欢日": 2})
    assert budgets == {"备货期": 200.0, "预售期": 200.0, "品类日": 200.0, "狂欢日": 400.0}
    f = plan.forecast(budgets, PARAMS).set_index("phase")
    # 狂欢日: 3 days × 6000 organic + 400 / 1.8 paid visitors, conversion 0.035 × 2.2, AOV 150
    visitors = 3 * 6000 + 400 / 1.8
    assert f.loc["狂欢日", "visitors"] == pytest.approx(visitors)
    assert f.loc["狂欢日", "gmv_cny"] == pytest.approx(visitors * 0.035 * 2.2 * 150)
    assert f.loc["狂欢日", "gmv_per_cny"] == pytest.approx(0.035 * 2.2 * 150 / 1.8)
    assert f.loc["狂欢日", "paid_gmv_cny"] == pytest.approx(400 / 1.8 * 0.035 * 2.2 * 150)
    for shares in ({"备货期": 1}, {p: 0 for p in plan.PHASES}, {**budgets, "狂欢日": -1}):
        with pytest.raises(BadParameterError):
            plan.split_budget(1000.0, shares)
    with pytest.raises(BadParameterError):
        plan.forecast({"狂欢日": 1.0}, PARAMS)


def test_self_check_prints_one_line_per_criterion_and_never_raises(capsys):
    plan.self_check(None, PARAMS)
    assert "尚未填写" in capsys.readouterr().out
    plan.self_check(good_plan(), PARAMS)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == sum(len(c(good_plan(), PARAMS)) for c in plan.CHECKS.values())
    assert all(line.startswith("✓") for line in out)
    plan.self_check([], PARAMS, parts=("budget",))
    assert capsys.readouterr().out.count("✗") == 2


def test_render_md_shows_every_phase_and_the_copy():
    text = plan.render_md(good_plan())
    for ph in plan.PHASES:
        assert f"| {ph} |" in text
    assert "上唇顺滑" in text and "200,000 元" in text


def test_the_capstone_check_questions_name_plan_functions_worth_their_points():
    import importlib
    import json
    from pathlib import Path

    solution = Path(__file__).resolve().parents[1] / "solutions" / "10_capstone.ipynb"
    questions = json.loads(solution.read_text(encoding="utf-8"))["metadata"]["casekit"][
        "exercise"]["questions"]
    checks = [q for q in questions if q["kind"] == "check"]
    assert {q["check"] for q in checks} == {f"casekit.plan:{f.__name__}"
                                            for f in plan.CHECKS.values()}
    for q in checks:
        module, name = q["check"].split(":")
        fn = getattr(importlib.import_module(module), name)
        assert sum(c["points"] for c in fn(plan.template(), PARAMS)) == q["points"], q["id"]
