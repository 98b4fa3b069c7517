"""Every solution runs with several parameter sets; each exercise runs clean unanswered.

(nbval re-executes the committed solutions with their defaults and the exercises, lax; these
tests add the per-student parameter sets the grader will use.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casekit.course import assign as A
from casekit.course import build as B
from casekit.course import grade as G
from casekit.course import notebooks as N
from casekit.course import params as P

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = N.discover(ROOT / "solutions")
STUDENTS = ("s001", "s002")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("expected")


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_solution_answers_every_question_for_three_parameter_sets(path, cache):
    nb = B.read_notebook(path)
    schema = P.check_notebook(nb, str(path))
    spec = A.exercise_spec(nb, str(path))
    sets = [P.validate(schema, {})] + [
        P.student_parameters(schema, s, spec["id"]) for s in STUDENTS
    ]
    assert len({json.dumps(s, sort_keys=True, ensure_ascii=False) for s in sets}) == 3
    answers = [G.expected_answers(path, values, cache) for values in sets]
    for got in answers:
        assert set(got) == {q["id"] for q in spec["questions"]}
        missing = [q for q, v in got.items() if v is None]
        assert not missing, f"{path.name}: the solution leaves {missing} unanswered"
        for q in spec["questions"]:
            status, _ = G.compare(q, got[q["id"]], got[q["id"]])
            assert status in ("correct", "needs_review"), (path.name, q["id"], status)
    numeric = [q["id"] for q in spec["questions"] if q["kind"] in ("number", "integer")]
    assert any(len({a[q] for a in answers}) > 1 for q in numeric), (
        f"{path.name}: students with different parameters get the same numeric answers"
    )
