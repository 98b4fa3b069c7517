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


_RUNS: dict[str, tuple[dict, list[V.Variant]]] = {}


def _run(name: str, folder: Path) -> tuple[dict, list[V.Variant]]:
    """name → (spec, variants): each solution runs 30 times, once per test process."""
    if name not in _RUNS:
        path = SOLUTIONS.get(name) or rich.write_solution(folder)
        spec = N.exercise_spec(N.read_notebook(path), str(path))
        _RUNS[name] = (spec, V.run_variants(path, V.student_ids(N_STUDENTS)))
    return _RUNS[name]


def _tables(value):
    """Every table-shaped part of an answer: an exported frame or a list of rows."""
    if isinstance(value, dict) and set(value) == {"columns", "rows"}:
        yield value["rows"]
    elif isinstance(value, list) and value and all(isinstance(r, list) for r in value):
        yield value


def _numbers(rows):
    return [c for r in rows for c in r if isinstance(c, int | float) and not isinstance(c, bool)]


class _Variants:
    """The checks for one solution. One class per solution, so ``pytest -n auto --dist
    loadscope`` spreads the solutions (each ~30 kernel runs) over the workers."""

    name: str

    @pytest.fixture(scope="class")
    @classmethod
    def run(cls, tmp_path_factory):
        return _run(cls.name, tmp_path_factory.mktemp("variants"))

    def test_the_solution_gets_full_marks_for_every_student(self, run):
        spec, variants = run
        assert len(variants) == N_STUDENTS
        for v in variants:
            got = json.loads(json.dumps({q["id"]: V.seen_answer(q, v, spec["id"])
                                         for q in spec["questions"]}))
            results = G.score_answers(spec, got, v.answers, student_id=v.student_id,
                                      params=v.values)
            for q, r in zip(spec["questions"], results, strict=True):
                want = "needs_review" if q["kind"] == "text" else "correct"
                assert (r.status, r.mistake) == (want, None), (v.student_id, v.values, q["id"],
                                                               r.feedback_zh)
                if want == "correct":
                    assert r.score == r.max_score

    def test_no_answer_is_the_same_for_every_student(self, run):
        spec, variants = run
        rows = V.spread(spec, variants)
        same = [r["question"] for r in rows if r["kind"] not in ("text", "check")
                and r["distinct"] == 1]
        assert same == [], (
            f"{self.name}: the same correct answer for all {N_STUDENTS} students: {same}")

    def test_no_table_answer_is_degenerate(self, run):
        _, variants = run
        for v in variants:
            for qid, value in v.answers.items():
                for rows in _tables(value):
                    nums = _numbers(rows)
                    assert rows, f"{self.name} {qid} for {v.student_id}: an empty table"
                    assert not nums or any(n != 0 for n in nums), (
                        f"{self.name} {qid} for {v.student_id} ({v.values}): a table of zeros")

    def test_each_declared_mistake_triggers_its_feedback(self, run):
        spec, variants = run
        v = variants[0]
        for q in spec["questions"]:
            for mistake in q.get("mistakes", []):
                mid = mistake["id"]
                value = v.answers[G.MISTAKE_KEY.format(qid=q["id"], mid=mid)]
                assert value is not None, f"the solution does not set {mistake['answer']}"
                (r,) = G.score_answers({"id": spec["id"], "questions": [q]}, {q["id"]: value},
                                       v.answers, student_id=v.student_id, params=v.values)
                assert (r.status, r.mistake) == ("incorrect", mid), (q["id"], r.feedback_zh)
                assert mistake["zh"] in r.feedback_zh and mistake["section"] in r.feedback_zh
                expected = v.answers[q["id"]]
                for shown in {repr(expected), f"{expected:g}", f"{expected:.2f}",
                              f"{expected:.4f}"}:
                    assert shown not in r.feedback_zh, (q["id"], mid)


for _name in NAMES:
    _cls = type(f"TestVariants_{_name}", (_Variants,), {"name": _name})
    globals()[_cls.__name__] = _cls
del _name, _cls
