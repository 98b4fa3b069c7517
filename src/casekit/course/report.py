"""``casekit report grading/``: what the class got wrong, read from the gradebook (trainers only).

The report is one offline HTML page (``grading/report.html``; charts drawn by the vega bundle
inlined into the page, CJK fonts from the system) and one CSV per table next to it
(``report-<table>.csv``, UTF-8 with BOM for Chinese Excel). It holds

- the score distribution per exercise;
- per question: pass rate, points and the level tag (when the exercise declares one);
- the common wrong answers per question, each with the notebook section to revisit: declared
  known mistakes counted by id; numeric answers grouped by their ratio to the student's own
  expected value when the grader's expected-answer cache is there (so "× 100" groups students
  with different parameters), else by value within a relative tolerance; choices counted by
  value; unanswered questions counted;
- students at risk: below a threshold, missing submissions, timeouts, kernel deaths and other
  unreadable submissions;
- with ``--compare OTHER``: what changed between two grading runs or classes.

The report is for the trainer: it is never handed to students.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casekit.errors import CasekitError
from casekit.fileio import atomic_write_bytes

DEFAULT_THRESHOLD = 0.6
"""Share of the class's maximum score below which a student is "at risk"."""
GROUP_REL_TOL = 0.01
"""Two wrong numeric answers (or ratios to the expected value) within 1 % are one group."""
TOP_GROUPS = 5
"""Wrong-answer groups shown per question (the CSV keeps all of them)."""
BAD_STATUSES = ("timeout", "kernel_died", "invalid_json", "not_a_notebook", "empty",
                "no_answers", "solution_failed", "grader_error")
_STATUS_ZH = {"timeout": "运行超时", "kernel_died": "内核崩溃", "invalid_json": "文件损坏",
              "not_a_notebook": "不是笔记本", "empty": "空笔记本", "no_answers": "读不到答案",
              "solution_failed": "参考答案运行失败", "grader_error": "评分出错"}
_LEVEL_ZH = {"remember": "记忆", "apply": "应用", "analyse": "分析", "evaluate": "评价",
             "create": "创造"}
_NUMERIC = ("number", "integer")


class ReportError(CasekitError, ValueError):
    """The gradebook or the report options cannot make a report."""


@dataclass
class Report:
    """The report's tables (pandas DataFrames) and where it was written."""

    tables: dict[str, Any] = field(default_factory=dict)
    html: Path | None = None
    csv: list[Path] = field(default_factory=list)


# --- inputs --------------------------------------------------------------------------------------


def _gradebook(grading: Path) -> Path:
    path = grading / "gradebook.sqlite" if grading.is_dir() else grading
    if not path.is_file():
        raise ReportError(f"{path}: no gradebook here; run `casekit grade SUBMISSIONS --out "
                          f"{grading}` first, then `casekit report {grading}`.")
    return path


def _read(grading: Path):
    from casekit.course.grade import read_gradebook

    path = _gradebook(grading)
    try:
        subs, scores = read_gradebook(path)
    except (sqlite3.DatabaseError, Exception) as exc:
        raise ReportError(f"{path}: not a casekit gradebook ({exc}); re-run `casekit grade`.") \
            from None
    return path, subs, scores


def _bigrams(text: str) -> set[str]:
    han = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", text)
    return {han[i:i + 2] for i in range(len(han) - 1)}


def _headings(nb, level: str = "## ") -> list[tuple[int, str]]:
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith(level):
                    out.append((i, line[len(level):].strip()))
    return out


def _exercise_info(solutions: Path, notebooks: Path) -> dict[str, dict]:
    """Per exercise: title, questions (metadata) and each question's section to revisit.

    Section rule: a declared mistake names its own section. Otherwise the question's context
    (the exercise's ``##`` heading above it, its title and its Markdown) is matched against
    the ``##`` headings of the course notebook with the same number (``notebooks/NN_*``) by
    shared character pairs; the best match is "NN · heading". Without a match: the
    exercise's own heading above the question ("练习 NN · heading").
    """
    from casekit.course import notebooks as N

    info: dict[str, dict] = {}
    course = {p.stem[:2]: p for p in N.discover(notebooks)} if notebooks.is_dir() else {}
    for path in N.discover(solutions) if solutions.is_dir() else []:
        nb = N.read_notebook(path)
        try:
            spec = N.exercise_spec(nb, str(path))
        except CasekitError:
            continue
        number = path.stem[:2]
        course_heads = []
        if number in course:
            course_heads = [h for _, h in _headings(N.read_notebook(course[number]))]
        own_heads = _headings(nb)
        sections = {}
        for q in spec["questions"]:
            at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                       and re.match(rf"^{re.escape(q['answer'])}\s*=", c.source)), len(nb.cells))
            above = [h for i, h in own_heads if i < at]
            prompt = next((c.source for c in reversed(nb.cells[:at])
                           if c.cell_type == "markdown"), "")
            context = _bigrams((above[-1] if above else "") + q.get("title_zh", "") + prompt)
            best, score = None, 0
            for head in course_heads:
                s = len(context & _bigrams(head))
                if s > score:
                    best, score = head, s
            if best:
                sections[q["id"]] = f"{number} · {best}"
            elif above:
                sections[q["id"]] = f"练习 {number} · {above[-1]}"
            else:
                sections[q["id"]] = f"练习 {number}"
        info[path.stem] = {"path": path, "spec": spec, "sections": sections,
                           "questions": {q["id"]: q for q in spec["questions"]},
                           "raw": path.read_bytes(), "nb": nb}
    return info


def _expected(grading: Path, info: dict, scores) -> dict[tuple[str, str], dict]:
    """(student, exercise) → the expected answers the grader cached, where it did."""
    from casekit.course import params as P

    cache = grading / ".expected-cache" if grading.is_dir() else grading.parent / ".expected-cache"
    out: dict[tuple[str, str], dict] = {}
    if not cache.is_dir():
        return out
    from casekit.course.grade import expected_cache_file

    for exercise, ex in info.items():
        schema = P.schema_from_metadata(ex["nb"], str(ex["path"]))
        for student in scores.loc[scores["exercise_id"] == exercise, "student_id"].unique():
            values = P.student_parameters(schema, student, exercise)
            hit = expected_cache_file(ex["raw"], values, cache)
            if hit.is_file():
                out[(student, exercise)] = json.loads(hit.read_text(encoding="utf-8"))
    return out


# --- tables ---------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _cluster(values: list[tuple[float, Any]], rel_tol: float) -> list[list[tuple[float, Any]]]:
    """Greedy 1-D grouping: sorted values, a new group when one is > rel_tol from the first."""
    groups: list[list[tuple[float, Any]]] = []
    for v in sorted(values, key=lambda t: t[0]):
        if groups:
            first = groups[-1][0][0]
            if abs(v[0] - first) <= rel_tol * max(abs(first), abs(v[0])) + 1e-12:
                groups[-1].append(v)
                continue
        groups.append([v])
    return groups


def _ratio_label(r: float) -> str:
    for factor, zh in ((100.0, "约为正确值的 100 倍（把比例写成了百分数？）"),
                       (0.01, "约为正确值的 1/100（把百分数又除了 100？）"),
                       (-1.0, "与正确值符号相反")):
        if abs(r - factor) <= GROUP_REL_TOL * abs(factor):
            return zh
    return f"约为正确值的 {_fmt(r)} 倍"


def _wrong_answers(scores, info: dict, expected: dict, rel_tol: float):
    import pandas as pd

    from casekit.course.answers import chosen_option, option_order

    rows = []
    pending = scores[scores["status"].isin(["incorrect", "unanswered"])]
    for (exercise, qid), grp in pending.groupby(["exercise_id", "question_id"], sort=True):
        ex = info.get(exercise, {})
        q = ex.get("questions", {}).get(qid, {})
        kind = q.get("kind", "")
        mistakes = {m["id"]: m for m in q.get("mistakes", [])}
        section = ex.get("sections", {}).get(qid, "")
        n_wrong = int((grp["status"] == "incorrect").sum())

        def add(group: str, label: str, students: list[str], mistake: str = "",
                sec: str = section, _e=exercise, _q=qid, _n=n_wrong) -> None:
            rows.append({"exercise_id": _e, "question_id": _q, "group": group, "answer_zh": label,
                         "mistake": mistake, "students": len(students),
                         "share_of_wrong": len(students) / _n if _n and group != "unanswered"
                         else float("nan"),
                         "section": sec, "student_ids": " ".join(sorted(students))})

        unanswered = grp.loc[grp["status"] == "unanswered", "student_id"].tolist()
        if unanswered:
            add("unanswered", "未作答", unanswered)
        wrong = grp[grp["status"] == "incorrect"]
        known = wrong[wrong["mistake"].notna()]
        for mid, mgrp in known.groupby("mistake", sort=True):
            m = mistakes.get(mid, {})
            add("mistake", m.get("zh", mid), mgrp["student_id"].tolist(), mid,
                m.get("section") or section)
        rest = wrong[wrong["mistake"].isna()]
        if rest.empty:
            continue
        answers = [(s, json.loads(a) if isinstance(a, str) else None)
                   for s, a in zip(rest["student_id"], rest["answer_json"], strict=True)]
        other: list[tuple[str, Any]] = []
        if kind in _NUMERIC:
            ratios, values = [], []
            for s, a in answers:
                v = _number(a)
                e = _number(expected.get((s, exercise), {}).get(qid))
                if v is None:
                    other.append((s, a))
                elif e:
                    ratios.append((v / e, s))
                else:
                    values.append((v, s))
            for g in _cluster(ratios, rel_tol):
                r = sorted(x[0] for x in g)[len(g) // 2]
                add("ratio", _ratio_label(r), [s for _, s in g])
            for g in _cluster(values, rel_tol):
                lo, hi = g[0][0], g[-1][0]
                add("value", _fmt(lo) if lo == hi else f"{_fmt(lo)} – {_fmt(hi)}",
                    [s for _, s in g])
        else:
            other = answers
        counted: dict[str, list[str]] = {}
        for s, a in other:
            order = option_order(q, s, exercise) if kind == "choice" and q else None
            meaning = chosen_option(a, order) if order else None
            if meaning is not None:  # shuffled options: count by meaning, not by letter
                zh = {str(o["id"]): o.get("zh", "") for o in q["options"]}.get(meaning, "")
                text = f"{meaning}：{zh}" if zh else meaning
            elif kind == "choice" and isinstance(a, str):
                text = a.strip().upper()
            else:
                text = json.dumps(a, ensure_ascii=False, sort_keys=True)[:60]
            counted.setdefault(text, []).append(s)
        for text, students in sorted(counted.items()):
            add("choice" if kind == "choice" else "value", text, students)
    cols = ["exercise_id", "question_id", "group", "answer_zh", "mistake", "students",
            "share_of_wrong", "section", "student_ids"]
    df = pd.DataFrame(rows, columns=cols)
    if not df.empty:
        df = df.sort_values(["exercise_id", "question_id", "students", "answer_zh"],
                            ascending=[True, True, False, True], kind="stable")
    return df.reset_index(drop=True)


def _tables(subs, scores, info: dict, expected: dict, *, threshold: float, rel_tol: float,
            names: dict[str, str]):
    import pandas as pd

    graded = subs[~subs["exercise_id"].str.contains("#dup:", regex=False)]
    graded = graded[graded["status"] != "unknown_exercise"]
    exercises = sorted(graded["exercise_id"].unique())
    students = sorted(set(graded["student_id"]) | set(names))
    ex_max = graded.groupby("exercise_id")["max_score"].max()

    # exercises
    ex_rows = []
    for e in exercises:
        g = graded[graded["exercise_id"] == e]
        pct = g["score"] / ex_max[e] if ex_max[e] else g["score"] * 0
        ex_rows.append({
            "exercise_id": e, "title_zh": info.get(e, {}).get("spec", {}).get("title_zh", ""),
            "submitted": len(g), "missing": len(students) - len(g),
            "failed_runs": int(g["status"].isin(BAD_STATUSES).sum()),
            "max_score": float(ex_max[e]), "mean": float(g["score"].mean()),
            "median": float(g["score"].median()), "mean_pct": float(pct.mean()),
        })
    exercises_df = pd.DataFrame(ex_rows)

    # distribution (10 bins of the score share)
    dist = graded[["exercise_id", "score"]].copy()
    dist["pct"] = (dist["score"] / dist["exercise_id"].map(ex_max)).fillna(0.0)
    dist["bin"] = (dist["pct"].clip(0, 1) * 10).astype(int).clip(upper=9)
    distribution = (dist.groupby(["exercise_id", "bin"]).size().rename("students").reset_index())
    distribution["score_pct_from"] = distribution["bin"] * 10
    distribution = distribution[["exercise_id", "score_pct_from", "students"]]

    # questions
    sc = scores[scores["exercise_id"].isin(exercises)]
    q = sc.groupby(["exercise_id", "question_id"], sort=True).agg(
        title_zh=("title_zh", "first"), points=("max_score", "max"),
        submitted=("status", "size"),
        correct=("status", lambda s: int((s == "correct").sum())),
        unanswered=("status", lambda s: int((s == "unanswered").sum())),
        known_mistakes=("mistake", lambda s: int(s.notna().sum())),
        mean_score=("score", "mean"),
    ).reset_index()
    q["pass_rate"] = q["correct"] / q["submitted"]

    def meta(row, key):
        return info.get(row["exercise_id"], {}).get("questions", {}).get(
            row["question_id"], {}).get(key, "")

    q["level"] = q.apply(lambda r: meta(r, "level"), axis=1) if len(q) else []
    q["kind"] = q.apply(lambda r: meta(r, "kind"), axis=1) if len(q) else []
    q["section"] = q.apply(lambda r: info.get(r["exercise_id"], {}).get("sections", {}).get(
        r["question_id"], ""), axis=1) if len(q) else []
    questions = q[["exercise_id", "question_id", "title_zh", "level", "kind", "points",
                   "submitted", "correct", "unanswered", "known_mistakes", "pass_rate",
                   "mean_score", "section"]]

    wrong = _wrong_answers(sc, info, expected, rel_tol)

    # students at risk
    total_max = float(ex_max.sum())
    per: dict[str, dict] = {s: {"score": 0.0, "handed": set(), "timeouts": set(),
                                "kernel_died": [], "other": []} for s in students}
    for s, e, st, notes, sc in zip(graded["student_id"], graded["exercise_id"],
                                   graded["status"], graded["notes"], graded["score"],
                                   strict=True):
        d = per[s]
        d["score"] += float(sc)
        d["handed"].add(e)
        if st == "timeout" or "cell_timeouts=" in notes:
            d["timeouts"].add(e)
        elif st == "kernel_died":
            d["kernel_died"].append(e)
        elif st in _STATUS_ZH:
            d["other"].append(f"{e}（{_STATUS_ZH[st]}）")
    risk_rows = []
    for s in students:
        d = per[s]
        score = d["score"]
        share = score / total_max if total_max else 0.0
        missing = sorted(set(exercises) - d["handed"])
        timeouts, deaths, other = sorted(d["timeouts"]), sorted(d["kernel_died"]), sorted(
            d["other"])
        reasons = []
        if share < threshold:
            reasons.append(f"总分低于 {threshold:.0%}")
        if missing:
            reasons.append("缺交 " + "、".join(missing))
        if timeouts:
            reasons.append("超时 " + "、".join(timeouts))
        if deaths:
            reasons.append("内核崩溃 " + "、".join(deaths))
        if other:
            reasons.append("无法评分 " + "、".join(other))
        if reasons:
            risk_rows.append({"student_id": s, "name": names.get(s, ""), "score": score,
                              "max_score": total_max, "score_pct": share,
                              "below_threshold": share < threshold,
                              "missing": " ".join(missing), "timeouts": " ".join(timeouts),
                              "kernel_died": " ".join(deaths), "other_failures": " ".join(other),
                              "reasons_zh": "；".join(reasons)})
    at_risk = pd.DataFrame(risk_rows, columns=[
        "student_id", "name", "score", "max_score", "score_pct", "below_threshold", "missing",
        "timeouts", "kernel_died", "other_failures", "reasons_zh"])
    if not at_risk.empty:
        at_risk = at_risk.sort_values(["score_pct", "student_id"]).reset_index(drop=True)
    return {"exercises": exercises_df, "distribution": distribution, "questions": questions,
            "wrong_answers": wrong, "at_risk": at_risk}


def _changes(now: dict, before: dict):
    """Exercise and question level differences between this run and ``before``."""
    import pandas as pd

    ex = now["exercises"][["exercise_id", "submitted", "mean_pct"]].merge(
        before["exercises"][["exercise_id", "submitted", "mean_pct"]], on="exercise_id",
        how="outer", suffixes=("", "_before"))
    ex["question_id"] = ""
    ex = ex.rename(columns={"mean_pct": "value", "mean_pct_before": "value_before"})
    ex["measure"] = "mean_pct"
    qs = now["questions"][["exercise_id", "question_id", "submitted", "pass_rate"]].merge(
        before["questions"][["exercise_id", "question_id", "submitted", "pass_rate"]],
        on=["exercise_id", "question_id"], how="outer", suffixes=("", "_before"))
    qs = qs.rename(columns={"pass_rate": "value", "pass_rate_before": "value_before"})
    qs["measure"] = "pass_rate"
    out = pd.concat([ex, qs], ignore_index=True)
    out["change"] = out["value"] - out["value_before"]
    risk_now = set(now["at_risk"]["student_id"])
    risk_before = set(before["at_risk"]["student_id"])
    students = pd.DataFrame(
        [{"exercise_id": "", "question_id": "", "measure": "at_risk_new", "student_ids":
          " ".join(sorted(risk_now - risk_before))},
         {"exercise_id": "", "question_id": "", "measure": "at_risk_resolved", "student_ids":
          " ".join(sorted(risk_before - risk_now))}])
    out = pd.concat([out, students], ignore_index=True)
    cols = ["measure", "exercise_id", "question_id", "submitted_before", "submitted",
            "value_before", "value", "change", "student_ids"]
    for c in cols:
        if c not in out.columns:
            out[c] = None
    return out[cols].sort_values(["measure", "exercise_id", "question_id"], kind="stable") \
        .reset_index(drop=True)


# --- charts ---------------------------------------------------------------------------------------


def _charts(tables: dict) -> list[tuple[str, dict]]:
    import altair as alt

    from casekit.course.site.assets import FONT_STACK

    def cfg(chart):
        return chart.configure(font=FONT_STACK).configure_axis(
            labelFont=FONT_STACK, titleFont=FONT_STACK).configure_legend(
            labelFont=FONT_STACK, titleFont=FONT_STACK).to_dict()

    charts = []
    dist = tables["distribution"]
    if not dist.empty:
        c = alt.Chart(dist).mark_bar().encode(
            x=alt.X("score_pct_from:O", title="得分率（%，起点）",
                    scale=alt.Scale(domain=list(range(0, 100, 10)))),
            y=alt.Y("students:Q", title="学生数"),
            tooltip=["exercise_id", "score_pct_from", "students"],
        ).properties(width=150, height=90).facet(
            facet=alt.Facet("exercise_id:N", title="练习"), columns=3)
        charts.append(("各练习得分分布 · Score distribution", cfg(c)))
    qs = tables["questions"]
    if not qs.empty:
        d = qs.assign(label=qs["exercise_id"].str[:2] + " " + qs["question_id"],
                      level=qs["level"].replace("", "（未标注）"))
        c = alt.Chart(d).mark_bar().encode(
            x=alt.X("label:N", title="题目", sort=None),
            y=alt.Y("pass_rate:Q", title="通过率", axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("level:N", title="认知层级"),
            tooltip=["exercise_id", "question_id", "title_zh", "level",
                     alt.Tooltip("pass_rate:Q", format=".0%")],
        ).properties(width=max(300, 14 * len(d)), height=200)
        charts.append(("各题通过率 · Pass rate per question", cfg(c)))
    wrong = tables["wrong_answers"]
    if not wrong.empty:
        top = wrong[wrong["group"] != "unanswered"].head(15)
        if not top.empty:
            d = top.assign(label=top["exercise_id"].str[:2] + " " + top["question_id"] + "："
                           + top["answer_zh"].str.slice(0, 24))
            c = alt.Chart(d).mark_bar().encode(
                y=alt.Y("label:N", title=None, sort="-x"),
                x=alt.X("students:Q", title="学生数"),
                color=alt.Color("group:N", title="类别"),
                tooltip=["exercise_id", "question_id", "answer_zh", "students", "section"],
            ).properties(width=360, height=max(80, 22 * len(d)))
            charts.append(("最常见的错误 · Most common wrong answers", cfg(c)))
    return charts


# --- writing --------------------------------------------------------------------------------------


def _csv_bytes(df) -> bytes:
    return df.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _read_roster(roster: Path | None) -> dict[str, str]:
    if roster is None:
        return {}
    from casekit.course.assign import read_roster

    return {s.id: s.name for s in read_roster(roster)}


def _vega(folder: Path) -> tuple[str, dict]:
    """The vega bundle, kept in ``folder/.report-cache/`` per vl-convert-python version (making
    it takes seconds; reading it back, milliseconds)."""
    from importlib import metadata

    from casekit.course.site.assets import vega_bundle

    cache = folder / ".report-cache" / f"vega-{metadata.version('vl-convert-python')}.json"
    if cache.is_file():
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
            return cached["js"], cached["versions"]
        except (ValueError, KeyError):
            pass
    js, versions = vega_bundle()
    atomic_write_bytes(cache, json.dumps({"js": js, "versions": versions}).encode("utf-8"))
    return js, versions


def class_tables(grading: Path, *, solutions: Path = Path("solutions"),
                 notebooks: Path = Path("notebooks"), threshold: float = DEFAULT_THRESHOLD,
                 rel_tol: float = GROUP_REL_TOL, roster: Path | None = None,
                 info: dict | None = None) -> dict:
    """The report's tables for one grading folder (see the module docstring)."""
    if not 0 <= threshold <= 1:
        raise ReportError(f"--threshold {threshold} must be a share between 0 and 1 "
                          "(e.g. 0.6 for 60 %).")
    _, subs, scores = _read(grading)
    if subs.empty:
        raise ReportError(f"{_gradebook(grading)}: the gradebook holds no submissions; grade "
                          "the class first.")
    info = _exercise_info(solutions, notebooks) if info is None else info
    expected = _expected(grading, info, scores)
    return _tables(subs, scores, info, expected, threshold=threshold, rel_tol=rel_tol,
                   names=_read_roster(roster))


def report(grading: Path, *, out: Path | None = None, compare: Path | None = None,
           solutions: Path = Path("solutions"), notebooks: Path = Path("notebooks"),
           threshold: float = DEFAULT_THRESHOLD, rel_tol: float = GROUP_REL_TOL,
           roster: Path | None = None) -> Report:
    """Write the class report (HTML + one CSV per table); return its tables and paths."""
    from casekit.course.templating import render

    info = _exercise_info(solutions, notebooks)
    tables = class_tables(grading, solutions=solutions, notebooks=notebooks,
                          threshold=threshold, rel_tol=rel_tol, roster=roster, info=info)
    if compare is not None:
        before = class_tables(compare, solutions=solutions, notebooks=notebooks,
                              threshold=threshold, rel_tol=rel_tol, roster=roster, info=info)
        tables["changes"] = _changes(tables, before)
    out = out or (grading if grading.is_dir() else grading.parent) / "report.html"
    result = Report(tables=tables, html=out)
    # every file is made first and written last, so a stop (Ctrl-C) while the report is being
    # made leaves the previous report whole, not new CSVs next to an old page
    files = {}
    for name, df in tables.items():
        path = out.with_name(f"{out.stem}-{name}.csv")
        files[path] = _csv_bytes(df)
        result.csv.append(path)
    js, versions = _vega(grading if grading.is_dir() else grading.parent)
    charts = [(title, json.dumps(spec, ensure_ascii=False, sort_keys=True).replace("</", "<\\/"))
              for title, spec in _charts(tables)]
    wrong = tables["wrong_answers"]
    shown = wrong.groupby(["exercise_id", "question_id"], sort=False).head(TOP_GROUPS) \
        if not wrong.empty else wrong
    html = render(
        "report/report.html.j2", tables=tables, wrong=shown, charts=charts,
        vega_js=js.replace("</script", "<\\/script"), versions=versions, threshold=threshold,
        grading=str(grading), compare=str(compare) if compare else "",
        csv_names=[p.name for p in result.csv], level_zh=_LEVEL_ZH,
        counts=Counter({k: len(v) for k, v in tables.items()}),
    )
    files[out] = html.encode("utf-8")
    for path, data in files.items():
        atomic_write_bytes(path, data)
    return result
