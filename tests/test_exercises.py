"""Every solution runs with several parameter sets; each exercise runs clean unanswered.

(nbval re-executes the committed solutions with their defaults and the exercises, lax; these
tests add the per-student parameter sets the grader will use.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casekit.course import answers as ANS
from casekit.course import assign as A
from casekit.course import build as B
from casekit.course import grade as G
from casekit.course import notebooks as N
from casekit.course import params as P

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = N.discover(ROOT / "solutions")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("expected")


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_solution_answers_every_question_for_three_parameter_sets(path, cache):
    nb = B.read_notebook(path)
    schema = P.check_notebook(nb, str(path))
    spec = A.exercise_spec(nb, str(path))
    sets = _three_sets(schema, spec["id"])
    assert len({json.dumps(s, sort_keys=True, ensure_ascii=False) for s in sets}) == 3
    answers = [G.expected_answers(path, values, cache) for values in sets]
    for values, got in zip(sets, answers, strict=True):
        # besides the answers, a solution run reports each known mistake's value ("q1#mistake:…")
        assert {k for k in got if "#" not in k} == {q["id"] for q in spec["questions"]}
        missing = [q for q, v in got.items() if v is None]
        assert not missing, f"{path.name}: the solution leaves {missing} unanswered"
        for q in spec["questions"]:
            status = ANS.assess(q, got[q["id"]], got[q["id"]], params=values).status
            assert status in ("correct", "needs_review"), (path.name, q["id"], status)
            _assert_boundary(path.name, q, got[q["id"]])
    numeric = [q["id"] for q in spec["questions"] if q["kind"] in ("number", "integer")]
    if spec.get("role") == "quiz":  # all choice: the right option follows the student's numbers
        numeric = [q["id"] for q in spec["questions"]]
    assert any(len({a[q] for a in answers}) > 1 for q in numeric), (
        f"{path.name}: students with different parameters get the same numeric answers"
    )


def _three_sets(schema: dict, exercise_id: str) -> list[dict]:
    """The defaults and the first two generated students whose parameters differ from every
    earlier set in each varied parameter that has enough values to (a choice parameter
    with two values cannot differ from both others)."""
    def n_values(spec) -> float:
        if spec.choices:
            return len(spec.choices)
        if spec.type == "int" and spec.min is not None and spec.max is not None:
            return spec.max - spec.min + 1
        return float("inf")

    sets = [P.validate(schema, {})]
    varied = [n for n, spec in schema.items() if spec.vary]
    for i in range(1, 500):
        values = P.student_parameters(schema, f"s{i:03d}", exercise_id)
        if all(values[n] != other[n] for n in varied if n_values(schema[n]) > len(sets)
               for other in sets):
            sets.append(values)
            if len(sets) == 3:
                return sets
    raise AssertionError(f"{exercise_id}: no two students differ from the defaults everywhere")


def _assert_boundary(name: str, q: dict, answer):
    """The solution's own answer, moved to just inside / twice its tolerance, is marked
    right / wrong; for exact kinds, a neighbouring value or another option is wrong."""
    where = (name, q["id"])
    if q["kind"] == "number":
        tol = ANS.tolerance_abs(q, answer)
        assert tol > 0, f"{where}: a relative tolerance needs a non-zero answer"
        for sign in (1, -1):
            assert G.compare(q, answer + sign * 0.9 * tol, answer)[0] == "correct", where
            assert G.compare(q, answer + sign * 2 * tol, answer)[0] == "incorrect", where
        if "decimals" in q:
            assert G.compare(q, round(answer, q["decimals"]), answer)[0] == "correct", where
    elif q["kind"] == "integer":
        assert G.compare(q, answer + 1, answer)[0] == "incorrect", where
        assert G.compare(q, answer - 1, answer)[0] == "incorrect", where
        assert G.compare(q, float(answer), answer)[0] == "correct", where
    elif q["kind"] == "choice" and ANS.option_ids(q) is not None:  # option objects
        ids = ANS.option_ids(q)
        right = ANS.chosen_option(answer, ids)
        others = [ANS.LETTERS[i] for i, oid in enumerate(ids) if oid != right]
        assert others and G.compare(q, others[0], answer)[0] == "incorrect", where
        assert G.compare(q, str(answer).lower(), answer)[0] == "correct", where
    elif q["kind"] == "choice":
        others = [o for o in q["options"] if str(o).upper() != str(answer).upper()]
        assert others and G.compare(q, others[0], answer)[0] == "incorrect", where
        assert G.compare(q, str(answer).lower(), answer)[0] == "correct", where
    elif q["kind"] in ("items", "sequence"):
        assert G.compare(q, [*answer, "__extra__"], answer)[0] == "incorrect", where
        if q["kind"] == "sequence" and len(set(map(str, answer))) > 1:
            assert G.compare(q, list(reversed(answer)), answer)[0] == "incorrect", where


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_every_numeric_question_states_its_tolerance_where_the_student_reads_it(path):
    nb = B.read_notebook(path)
    spec = A.exercise_spec(nb, str(path))
    exercise = B.read_notebook(ROOT / "exercises" / path.name)
    for q in spec["questions"]:
        if q["kind"] != "number":
            continue
        sentence = ANS.tolerance_zh(q)
        for book in (nb, exercise):
            heads = [c.source for c in book.cells if c.cell_type == "markdown"
                     and c.source.startswith("### 问题") and f"（{q['id']} " in c.source]
            assert len(heads) == 1 and sentence in heads[0], (path.name, q["id"], sentence)
