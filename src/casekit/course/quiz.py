"""``casekit quiz-gain PRE POST``: the class's pre → post gain on the course quiz.

The quiz (``solutions/00_quiz.ipynb``, ``metadata.casekit.exercise.role == "quiz"``) is taken
twice by the same students with the same personal variant and graded each time with
``casekit grade`` into its own folder. This module reads the two gradebooks and reports, per
question and for the whole quiz, the share of points the class scored before and after:

- ``pre`` and ``post``: mean over the matched students of score ÷ max score (0–1);
- ``gain``: ``post − pre`` (proportion; ×100 for percentage points);
- ``normalized``: ``(post − pre) ÷ (1 − pre)``, the share of the possible improvement the class
  achieved (Hake's normalised gain); None when ``pre`` is already 1.

Only students with a graded submission in both folders count (matched pairs); the others are
reported, not silently mixed in.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from casekit.errors import QuizGainError
from casekit.fileio import atomic_write_bytes

QUIZ_ID = "00_quiz"
GRADEBOOK = "gradebook.sqlite"


@dataclass(frozen=True)
class ItemGain:
    """Pre and post share of points on one question (or the whole quiz)."""

    question_id: str
    title_zh: str
    students: int
    pre: float  # mean score ÷ max score before the course, 0–1
    post: float  # the same after it

    @property
    def gain(self) -> float:
        """post − pre, a proportion (×100 = percentage points)."""
        return self.post - self.pre

    @property
    def normalized(self) -> float | None:
        """(post − pre) ÷ (1 − pre); None when pre is 1 (nothing left to gain)."""
        return None if self.pre >= 1 else self.gain / (1 - self.pre)


@dataclass(frozen=True)
class QuizGain:
    exercise_id: str
    students: tuple[str, ...]  # matched: graded in both folders
    only_pre: tuple[str, ...]
    only_post: tuple[str, ...]
    items: tuple[ItemGain, ...]
    overall: ItemGain


def _scores(folder: Path, exercise_id: str) -> tuple[dict[str, dict[str, tuple]], list[str]]:
    """``{student: {question: (score, max, title)}}`` of graded submissions, and the ids seen."""
    path = Path(folder) / GRADEBOOK
    if not path.is_file():
        raise QuizGainError(f"{folder}: no {GRADEBOOK}; run `casekit grade … --out {folder}` first")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            seen = [r[0] for r in con.execute(
                "SELECT DISTINCT exercise_id FROM submissions ORDER BY exercise_id")]
            graded = {r[0] for r in con.execute(
                "SELECT student_id FROM submissions WHERE exercise_id=? AND status='graded'",
                (exercise_id,))}
            rows = con.execute(
                "SELECT student_id, question_id, score, max_score, title_zh FROM scores "
                "WHERE exercise_id=? ORDER BY student_id, question_id", (exercise_id,)).fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise QuizGainError(f"{path}: not a casekit gradebook ({exc})") from None
    out: dict[str, dict[str, tuple]] = {}
    for student, qid, score, max_score, title in rows:
        if student in graded:
            out.setdefault(student, {})[qid] = (float(score), float(max_score), title)
    return out, seen


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def quiz_gain(pre_dir: Path, post_dir: Path, *, exercise_id: str = QUIZ_ID) -> QuizGain:
    """Per-question and overall pre → post gain of the students graded in both folders.

    Parameters
    ----------
    pre_dir, post_dir : Path
        Output folders of ``casekit grade`` (each holding ``gradebook.sqlite``) for the
        pre-test and the post-test.
    exercise_id : str
        The quiz's exercise id (``00_quiz``).

    Returns
    -------
    QuizGain
        Items in question order (q1, q2, … q10), the overall row and who was matched.

    Raises
    ------
    QuizGainError
        A folder has no gradebook, the quiz is not in it, or no student was graded in both.
    """
    pre, seen_pre = _scores(pre_dir, exercise_id)
    post, seen_post = _scores(post_dir, exercise_id)
    for folder, seen in ((pre_dir, seen_pre), (post_dir, seen_post)):
        if exercise_id not in seen:
            found = ", ".join(seen) or "none"
            raise QuizGainError(
                f"{folder}: the gradebook has no {exercise_id!r} submissions (exercises: {found}); "
                "grade the quiz into this folder or pass --quiz"
            )
    matched = tuple(sorted(set(pre) & set(post)))
    if not matched:
        raise QuizGainError(
            f"no student has a graded {exercise_id} in both {pre_dir} and {post_dir}; "
            "the student ids must be the same in both rounds"
        )
    questions = sorted({q for s in matched for q in (*pre[s], *post[s])},
                       key=lambda q: (len(q), q))
    items = []
    for q in questions:
        title = next((book[s][q][2] for book in (pre, post) for s in matched if q in book[s]), "")

        def share(book, student, q=q):
            score, max_score, _ = book[student].get(q, (0.0, 0.0, ""))
            return score / max_score if max_score else 0.0

        items.append(ItemGain(q, title, len(matched),
                              _mean([share(pre, s) for s in matched]),
                              _mean([share(post, s) for s in matched])))

    def total(book, student):
        got = sum(v[0] for v in book[student].values())
        most = sum(v[1] for v in book[student].values())
        return got / most if most else 0.0

    overall = ItemGain("total", "全卷", len(matched),
                       _mean([total(pre, s) for s in matched]),
                       _mean([total(post, s) for s in matched]))
    return QuizGain(exercise_id, matched, tuple(sorted(set(pre) - set(post))),
                    tuple(sorted(set(post) - set(pre))), tuple(items), overall)


HEADER = ("题号 question", "题目 title", "学员 students", "前测 pre", "后测 post",
          "提升（百分点） gain_pp", "标准化提升 normalized_gain")


def rows(result: QuizGain) -> list[tuple[str, ...]]:
    """Table rows (text): one per question, then the whole quiz."""
    out = []
    for item in (*result.items, result.overall):
        norm = "—" if item.normalized is None else f"{item.normalized:.2f}"
        out.append((item.question_id, item.title_zh, str(item.students), f"{item.pre:.0%}",
                    f"{item.post:.0%}", f"{item.gain * 100:+.1f}", norm))
    return out


def table(result: QuizGain) -> str:
    """A plain-text table for the terminal, with who was left out."""
    body = rows(result)
    lines = [" | ".join(HEADER)] + [" | ".join(r) for r in body]
    notes = [f"{len(result.students)} students in both rounds"]
    if result.only_pre:
        notes.append(f"only pre-test (left out): {', '.join(result.only_pre)}")
    if result.only_post:
        notes.append(f"only post-test (left out): {', '.join(result.only_post)}")
    return "\n".join([*lines, "", *notes])


def write_csv(result: QuizGain, target: Path) -> Path:
    """The table as CSV for Chinese Excel (UTF-8 with BOM), written atomically."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    for item in (*result.items, result.overall):
        writer.writerow([
            item.question_id, item.title_zh, item.students, f"{item.pre:.4f}",
            f"{item.post:.4f}", f"{item.gain * 100:.1f}",
            "" if item.normalized is None else f"{item.normalized:.4f}",
        ])
    atomic_write_bytes(Path(target), buf.getvalue().encode("utf-8-sig"))
    return Path(target)
