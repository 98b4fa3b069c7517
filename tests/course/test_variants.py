"""Issue 12, asks 5 and 7: every solution, run for 30 generated students, grades full marks,
differs between students, has no degenerate table, and each declared mistake triggers its
feedback.

Each solution runs once per student inside ONE kernel (``casekit.course.variants``), and the
answers go through the grader's own scoring (``grade.score_answers``): shuffled options are
written as each student's own letter and mapped back by meaning, check questions go through
their check function, text questions come out ``needs_review``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casekit.course import grade as G
from casekit.course import notebooks as N
from casekit.course import variants as V
from tests.fixtures import rich_exercise as rich

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
N_STUDENTS = 30
SOLUTIONS = {p.stem: p for p in N.discover(ROOT / "solutions")}
NAMES = [*SOLUTIONS, rich.EXERCISE_ID]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """name → (spec, variants), each solution run at most once per test module."""
    cache: dict[str, tuple[dict, list[V.Variant]]] = {}
    folder = tmp_path_factory.mktemp("variants")

    def get(name: str):
        if name not in cache:
            path = SOLUTIONS.get(name) or rich.write_solution(folder)
            spec = N.exercise_spec(N.read_notebook(path), str(path))
            cache[name] = (spec, V.run_variants(path, V.student_ids(N_STUDENTS)))
        return cache[name]

    return get


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_gets_full_marks_for_every_student(run, name):
    spec, variants = run(name)
    assert len(variants) == N_STUDENTS
    for v in variants:
        got = json.loads(json.dumps({q["id"]: V.seen_answer(q, v, spec["id"])
                                     for q in spec["questions"]}))
        results = G.score_answers(spec, got, v.answers, student_id=v.student_id, params=v.values)
        for q, r in zip(spec["questions"], results, strict=True):
            want = "needs_review" if q["kind"] == "text" else "correct"
            assert (r.status, r.mistake) == (want, None), (v.student_id, v.values, q["id"],
                                                           r.feedback_zh)
            if want == "correct":
                assert r.score == r.max_score


@pytest.mark.parametrize("name", NAMES)
def test_no_answer_is_the_same_for_every_student(run, name):
    spec, variants = run(name)
    rows = V.spread(spec, variants)
    same = [r["question"] for r in rows if r["kind"] not in ("text", "check")
            and r["distinct"] == 1]
    assert same == [], f"{name}: the same correct answer for all {N_STUDENTS} students: {same}"


def _tables(value):
    """Every table-shaped part of an answer: an exported frame or a list of rows."""
    if isinstance(value, dict) and set(value) == {"columns", "rows"}:
        yield value["rows"]
    elif isinstance(value, list) and value and all(isinstance(r, list) for r in value):
        yield value


def _numbers(rows):
    return [c for r in rows for c in r if isinstance(c, int | float) and not isinstance(c, bool)]


@pytest.mark.parametrize("name", NAMES)
def test_no_table_answer_is_degenerate(run, name):
    _, variants = run(name)
    for v in variants:
        for qid, value in v.answers.items():
            for rows in _tables(value):
                nums = _numbers(rows)
                assert rows, f"{name} {qid} for {v.student_id}: an empty table"
                assert not nums or any(n != 0 for n in nums), (
                    f"{name} {qid} for {v.student_id} ({v.values}): a table of zeros")


def _declared_mistakes():
    out = []
    specs = {name: N.exercise_spec(N.read_notebook(p), str(p)) for name, p in SOLUTIONS.items()}
    specs[rich.EXERCISE_ID] = rich.solution_notebook().metadata["casekit"]["exercise"]
    for name, spec in specs.items():
        for q in spec["questions"]:
            for m in q.get("mistakes", []):
                out.append(pytest.param(name, q["id"], m["id"], id=f"{name}-{q['id']}-{m['id']}"))
    return out


@pytest.mark.parametrize(("name", "qid", "mistake_id"), _declared_mistakes())
def test_each_declared_mistake_triggers_its_feedback(run, name, qid, mistake_id):
    spec, variants = run(name)
    q = next(q for q in spec["questions"] if q["id"] == qid)
    mistake = next(m for m in q["mistakes"] if m["id"] == mistake_id)
    v = variants[0]
    value = v.answers[G.MISTAKE_KEY.format(qid=qid, mid=mistake_id)]
    assert value is not None, f"the solution does not set {mistake['answer']}"
    (r,) = G.score_answers({"id": spec["id"], "questions": [q]}, {qid: value}, v.answers,
                           student_id=v.student_id, params=v.values)
    assert (r.status, r.mistake) == ("incorrect", mistake_id), r.feedback_zh
    assert mistake["zh"] in r.feedback_zh and mistake["section"] in r.feedback_zh
    expected = v.answers[qid]
    for shown in {repr(expected), f"{expected:g}", f"{expected:.2f}", f"{expected:.4f}"}:
        assert shown not in r.feedback_zh
