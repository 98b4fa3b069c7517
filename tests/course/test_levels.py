"""Issue 12, ask 1: every exercise spans levels, under the rules of the question contract.

Every solution in solutions/ (and the rich test fixture) is held to them: each question
has a valid ``level`` and ``minutes``; compute questions (number/integer) carry at most half
of the points; at least one ``analyse`` choice with option objects; at least one
``evaluate`` choice with option objects and an ``evaluate`` text with a rubric; the
capstone also has ``create`` questions; the minutes add up to the ``预计用时`` line (± 5);
every text question has a rubric whose points add up; each known mistake names a variable
assigned in the SOLUTION block of its own question. A ``role: quiz`` notebook only needs
the tags.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from casekit.course import assign as A
from casekit.course import notebooks as N
from casekit.course.answers import option_ids
from casekit.errors import NotebookError
from tests.fixtures import rich_exercise as rich

ROOT = Path(__file__).resolve().parents[2]
LEVELS = {"remember", "apply", "analyse", "evaluate", "create"}
MINUTES_SLACK = 5


def _blocks(nb) -> list[str]:
    """The code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` of every cell."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            found += re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
    return found


def _assigns(block: str, name: str) -> bool:
    return re.search(rf"^\s*{re.escape(name)}\s*(:[^=\n]+)?=(?!=)", block, re.M) is not None


def level_problems(nb, where: str) -> list[str]:
    """Every way a solution breaks the level rules (empty when it follows them)."""
    spec = N.exercise_spec(nb, where)
    qs = spec["questions"]
    problems = []
    for q in qs:
        if q.get("level") not in LEVELS:
            problems.append(f"{q['id']}: level {q.get('level')!r} is not one of {sorted(LEVELS)}")
        m = q.get("minutes")
        if not (isinstance(m, int) and not isinstance(m, bool) and m >= 1):
            problems.append(f"{q['id']}: minutes {m!r} must be a whole number ≥ 1")
    if spec.get("role") == "quiz":
        return problems
    total = sum(q["points"] for q in qs)
    compute = sum(q["points"] for q in qs if q["kind"] in ("number", "integer"))
    if compute > total / 2:
        problems.append(f"compute questions carry {compute:g} of {total:g} points (> 50%)")

    def option_choice(q):
        return q["kind"] == "choice" and option_ids(q) is not None

    if not any(q.get("level") == "analyse" and option_choice(q) for q in qs):
        problems.append("no analyse question (kind choice with option objects)")
    if not any(q.get("level") == "evaluate" and option_choice(q) for q in qs):
        problems.append("no evaluate choice (kind choice with option objects)")
    if not any(q.get("level") == "evaluate" and q["kind"] == "text" for q in qs):
        problems.append("no evaluate text question justifying the choice")
    if spec["id"].startswith("10_") and not any(q.get("level") == "create" for q in qs):
        problems.append("the capstone has no create question")
    stated = N.exercise_minutes(nb)
    summed = sum(q.get("minutes") or 0 for q in qs)
    if stated is None or abs(stated - summed) > MINUTES_SLACK:
        problems.append(f"预计用时 says {stated} minutes but the questions add up to {summed}")
    blocks = _blocks(nb)
    for q in qs:
        if q["kind"] == "text":
            rubric = q.get("rubric")
            if not rubric:
                problems.append(f"{q['id']}: a text question without a rubric")
            elif abs(sum(c["points"] for c in rubric["criteria"]) - q["points"]) > 1e-9:
                problems.append(f"{q['id']}: rubric criteria add up to "
                                f"{sum(c['points'] for c in rubric['criteria']):g}, "
                                f"not the question's {q['points']:g} points")
        own = [b for b in blocks if _assigns(b, q["answer"])]
        for mistake in q.get("mistakes", []):
            if not any(_assigns(b, mistake["answer"]) for b in own):
                problems.append(f"{q['id']}: mistake {mistake['id']!r} names "
                                f"{mistake['answer']!r}, which the question's SOLUTION block "
                                "does not assign")
    return problems


def _solutions() -> list[Path]:
    return N.discover(ROOT / "solutions")


@pytest.mark.parametrize("path", _solutions(), ids=lambda p: p.stem)
def test_every_solution_follows_the_level_rules(path):
    nb = N.read_notebook(path)
    A.make_exercise(nb, str(path))  # option lines present in the Markdown, metadata order
    assert level_problems(nb, str(path)) == []


def test_the_rich_fixture_follows_the_level_rules():
    assert level_problems(rich.solution_notebook(), "rich") == []


def _broken(mutate):
    nb = rich.solution_notebook()
    spec = nb.metadata["casekit"]["exercise"]
    mutate(spec["questions"], nb)
    try:
        return level_problems(nb, "rich")
    except NotebookError as exc:  # the schema refuses some shapes before the rules run
        return [str(exc)]


def test_the_rules_catch_each_kind_of_violation():
    def drop(qid):
        return lambda qs, nb: qs.remove(next(q for q in qs if q["id"] == qid))

    def patch(qid, **kv):
        return lambda qs, nb: next(q for q in qs if q["id"] == qid).update(kv)

    def also(*fns):
        return lambda qs, nb: [f(qs, nb) for f in fns]

    cases = {
        "'understand' is not one of": patch("q1", level="understand"),
        "minutes: 0 is less than the minimum": patch("q2", minutes=0),
        "minutes None must be": lambda qs, nb: next(q for q in qs if q["id"] == "q2").pop(
            "minutes"),
        "no analyse question": patch("q3", level="apply"),
        "no evaluate choice": patch("q4", level="apply"),
        "no evaluate text": patch("q5", level="apply"),
        "compute questions carry": patch("q1", points=20),
        "预计用时 says 25": patch("q6", minutes=30),
        "rubric criteria add up to 3": patch("q5", points=4),
        "without a rubric": lambda qs, nb: next(q for q in qs if q["id"] == "q5").pop("rubric"),
        "does not assign": lambda qs, nb: next(q for q in qs if q["id"] == "q1")["mistakes"]
        .append({"id": "x", "answer": "q2_days", "zh": "z", "section": "02 · s"}),
    }
    for needle, mutate in cases.items():
        problems = _broken(mutate)
        assert any(needle in p for p in problems), (needle, problems)
    capstone = _broken(also(lambda qs, nb: nb.metadata["casekit"]["exercise"].update(
        id="10_capstone"), patch("q6", level="apply")))
    assert any("capstone has no create" in p for p in capstone)
    quiz = rich.solution_notebook()
    quiz.metadata["casekit"]["exercise"]["role"] = "quiz"
    quiz.metadata["casekit"]["exercise"]["questions"] = copy.deepcopy(rich.QUESTIONS[2:4])
    assert level_problems(quiz, "quiz") == []
