"""Per-student variants of the exercises: run a solution for many students, report the spread.

``casekit assign --roster`` gives every student their own parameters (and their own order
of shuffled options). :func:`run_variants` runs one solution for many generated student ids
inside **one** kernel (the code cells are re-executed with the parameters cell replaced),
so checking 30 variants costs one kernel start, not 30. :func:`spread` summarises, per
question, how the correct answers differ across those students (``casekit variants``).
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casekit.course import notebooks as N
from casekit.course import params as P
from casekit.course.answers import LETTERS, chosen_option, option_ids, option_order
from casekit.errors import CasekitError

__all__ = ["Variant", "run_variants", "seen_answer", "spread", "student_ids"]


def student_ids(n: int) -> list[str]:
    """``n`` generated student ids: ``v001``, ``v002``, …"""
    return [f"v{i:03d}" for i in range(1, n + 1)]


@dataclass
class Variant:
    """One student's variant of a solution: their parameters and the solution's answers."""

    student_id: str
    values: dict[str, Any]
    answers: dict[str, Any]  # question id (and "q1#mistake:<id>") → JSON value


def _run(kc, source: str, timeout: int) -> dict:
    reply = kc.execute_interactive(source, output_hook=lambda msg: None, timeout=timeout,
                                   store_history=False, allow_stdin=False)
    return reply["content"]


def run_variants(solution: Path, ids: list[str], *, cell_timeout: int = 600) -> list[Variant]:
    """Run ``solution`` once per student id in one kernel; the answers of every run.

    Raises
    ------
    CasekitError
        A cell of the solution fails for some student's parameters (the message names the
        student, the parameters and the error).
    """
    from jupyter_client.manager import KernelManager

    from casekit.course.grade import dump_source

    solution = Path(solution)
    nb = N.read_notebook(solution)
    spec = N.exercise_spec(nb, str(solution))
    schema = P.check_notebook(nb, str(solution))
    index = P.parameters_cell_index(nb)
    cells = [N.cell_source(c) for i, c in enumerate(nb.cells)
             if c.get("cell_type") == "code" and i != index]
    out: list[Variant] = []
    with tempfile.TemporaryDirectory(prefix="casekit-variants-") as tmp:
        work = Path(tmp)
        km = KernelManager(kernel_name="casekit", transport="ipc", ip=str(work / "kernel-ipc"))
        km.start_kernel(cwd=str(work))
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=120)
            for sid in ids:
                values = P.student_parameters(schema, sid, spec["id"])
                target = work / f"answers-{sid}.json"
                dump = dump_source(spec, mistakes=True, path=str(target))
                for source in [P.parameters_source(values, schema), *cells, dump]:
                    content = _run(kc, source, cell_timeout)
                    if content.get("status") != "ok":
                        raise CasekitError(
                            f"{solution}: the solution fails for student {sid} with {values}: "
                            f"{content.get('ename', '')}: {content.get('evalue', '')}"
                        )
                answers = json.loads(target.read_text(encoding="utf-8"))
                out.append(Variant(sid, values, answers))
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    return out


def seen_answer(question: dict, variant: Variant, exercise_id: str) -> Any:
    """The correct answer as this student must write it (a shuffled option's letter)."""
    expected = variant.answers.get(question["id"])
    ids = option_ids(question) if question["kind"] == "choice" else None
    if ids is None:
        return expected
    meaning = chosen_option(expected, ids)
    order = option_order(question, variant.student_id, exercise_id)
    return LETTERS[order.index(meaning)] if meaning in order else expected


def _key(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def spread(spec: dict, variants: list[Variant]) -> list[dict[str, Any]]:
    """Per question: how many distinct correct answers the students have, and their range.

    Returns one dict per question with ``question``, ``kind``, ``level``, ``distinct``
    (distinct answers as each student writes them), ``top_share`` (share of students with
    the most common one) and ``summary`` (numbers: min / median / max; option objects: how
    often each option is the right one; text and check questions: not compared).
    """
    rows = []
    for q in spec["questions"]:
        seen = [seen_answer(q, v, spec["id"]) for v in variants]
        counts = Counter(_key(s) for s in seen)
        ids = option_ids(q) if q["kind"] == "choice" else None
        if q["kind"] in ("text", "check"):
            summary = "（文字/结构题，不比较答案）"
        elif ids is not None:
            meaning = Counter(chosen_option(v.answers.get(q["id"]), ids) for v in variants)
            summary = " · ".join(f"{k} {n}" for k, n in meaning.most_common())
        elif q["kind"] in ("number", "integer") and all(
            isinstance(s, int | float) and not isinstance(s, bool) for s in seen
        ):
            nums = [float(s) for s in seen]
            summary = (f"{min(nums):.4g} / {statistics.median(nums):.4g} / {max(nums):.4g}"
                       " (min / median / max)")
        else:
            summary = " · ".join(f"{k} {n}" for k, n in counts.most_common(3))
        rows.append({"question": q["id"], "kind": q["kind"], "level": q.get("level", ""),
                     "distinct": len(counts),
                     "top_share": max(counts.values()) / len(seen) if seen else 0.0,
                     "summary": summary})
    return rows
