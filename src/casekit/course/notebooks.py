"""The course's notebook conventions, in one place.

Every tool that reads course notebooks (``build``, ``assign``, ``grade``, ``guide``,
``site``) goes through this module for:

- **discovery**: a course notebook is named ``NN_slug.ipynb`` (two digits, an underscore,
  lower-case letters, digits and underscores), see :data:`NOTEBOOK_NAME`;
- **reading and writing**: :func:`read_notebook` turns a malformed file into a
  ``NotebookError`` naming it; :func:`notebook_bytes` is the one canonical serialisation,
  :func:`write_notebook` writes it atomically;
- **the opening cell** (the first Markdown cell): ``# NN 标题`` heading, ``## 学习目标``
  (bullet list of objectives), ``## 预计用时`` (``NN 分钟``) and ``## English summary``;
  an exercise's first cell carries a ``预计用时 … NN 分钟`` line instead;
- **the closing cells**: numbered discussion questions under ``## 讨论题`` (the last such
  section of the notebook);
- **the exercise spec** in ``metadata.casekit.exercise`` and its question kinds with their
  Chinese and English labels (:data:`QUESTION_KINDS`); its structure is checked against
  the JSON Schema in ``casekit/schemas/`` (:mod:`casekit.schemas`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casekit.course.answers import tolerance_rule
from casekit.errors import NotebookError
from casekit.fileio import atomic_write_bytes

__all__ = [
    "NOTEBOOK_NAME",
    "QUESTION_KINDS",
    "Opening",
    "bullets",
    "cell_source",
    "discover",
    "discussion_questions",
    "exercise_minutes",
    "exercise_spec",
    "is_course_notebook",
    "kind_label",
    "markdown_cells",
    "minutes_in",
    "notebook_bytes",
    "numbered",
    "opening",
    "read_notebook",
    "section",
    "sections",
    "write_notebook",
]

NOTEBOOK_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
"""File name of a course notebook, solution or exercise: ``NN_slug.ipynb``."""

OBJECTIVES = "学习目标"
TIMING = "预计用时"
SUMMARY_EN = "English summary"
DISCUSSION = "讨论题"

QUESTION_KINDS: dict[str, tuple[str, str]] = {
    "number": ("数值", "number"),
    "integer": ("整数", "integer"),
    "choice": ("选择", "choice"),
    "items": ("集合（不计顺序）", "items, any order"),
    "sequence": ("序列（按顺序）", "sequence, in order"),
    "text": ("文字", "text"),
    "check": ("结构化作答（自动检查）", "structured, auto-checked"),
}
"""Question kinds the grader knows, with their (Chinese, English) labels."""


ROLES: dict[str, tuple[str, str]] = {
    "core": ("正课", "core"),
    "case": ("案例", "case"),
    "appendix": ("选学附录", "appendix"),
}
"""A curriculum notebook's role (``metadata.casekit.role``), with its zh/en labels.

Core and case notebooks are taught in class; an appendix is optional reading and is never
scheduled in an agenda."""


def role(nb: Mapping[str, Any], path: Path | str = "") -> str:
    """The notebook's ``metadata.casekit.role``; a clear error when it is missing or unknown."""
    value = nb.get("metadata", {}).get("casekit", {}).get("role")
    if value not in ROLES:
        where = f"{Path(path).name}: " if path else ""
        found = "missing" if value is None else f"{value!r}"
        raise NotebookError(
            f"{where}metadata.casekit.role is {found}; set it to one of "
            f"{', '.join(ROLES)} (casekit new writes it for you)"
        )
    return value


def kind_label(kind: str) -> str:
    """``"数值 number"`` for a question kind; an unknown kind is returned as it is."""
    zh, en = QUESTION_KINDS.get(kind, ("", ""))
    return f"{zh} {en}" if zh else str(kind)


# --- files -------------------------------------------------------------------------------------


def is_course_notebook(path: Path) -> bool:
    """True for ``NN_slug.ipynb`` file names."""
    return bool(NOTEBOOK_NAME.match(Path(path).name))


def discover(folders: Path | Iterable[Path]) -> list[Path]:
    """Course notebooks (``NN_slug.ipynb``) in ``folders``, in name order per folder.

    A folder that does not exist contributes nothing.
    """
    if isinstance(folders, str | Path):
        folders = [Path(folders)]
    found: list[Path] = []
    for folder in folders:
        folder = Path(folder)
        if folder.is_dir():
            found.extend(p for p in sorted(folder.glob("*.ipynb")) if is_course_notebook(p))
    return found


def read_notebook(path: Path):
    """Read a notebook (nbformat v4), turning a malformed file into a ``NotebookError``."""
    import nbformat
    from nbformat.reader import NotJSONError

    path = Path(path)
    try:
        with path.open(encoding="utf-8") as fh:
            nb = nbformat.read(fh, as_version=4)
    except FileNotFoundError:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError, NotJSONError) as exc:
        raise NotebookError(f"{path}: not a valid notebook file (not JSON: {exc})") from None
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise NotebookError(f"{path}: not a valid Jupyter notebook ({exc})") from None
    if not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path}: notebook has no 'cells' list")
    return nb


def notebook_bytes(nb) -> bytes:
    """The canonical serialisation used for every written notebook."""
    import nbformat

    text = nbformat.writes(nb, version=4)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def write_notebook(path: Path, nb) -> bool:
    """Write ``nb`` atomically in the canonical form; False when the bytes were unchanged."""
    path = Path(path)
    data = notebook_bytes(nb)
    if path.exists() and path.read_bytes() == data:
        return False
    atomic_write_bytes(path, data)
    return True


# --- Markdown structure ------------------------------------------------------------------------


def cell_source(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string (raw JSON may hold a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def markdown_cells(nb: Mapping[str, Any]) -> list[str]:
    """Sources of the notebook's Markdown cells, in order."""
    return [cell_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "markdown"]


def sections(markdown: str) -> list[tuple[str, str]]:
    """``(heading, body)`` for every ``## heading`` of one Markdown cell, in order."""
    out: list[tuple[str, list[str]]] = []
    for line in markdown.splitlines():
        heading = re.match(r"^##\s+(.+?)\s*$", line)
        if heading:
            out.append((heading.group(1), []))
        elif out:
            out[-1][1].append(line)
    return [(title, "\n".join(body).strip()) for title, body in out]


def section(cells: Iterable[str], title: str, *, last: bool = False) -> str | None:
    """Body of the first (or ``last``) ``## title`` section across ``cells``; None if absent."""
    found = [body for cell in cells for t, body in sections(cell) if t == title]
    if not found:
        return None
    return found[-1] if last else found[0]


def bullets(text: str) -> list[str]:
    """The ``- item`` (or ``* item``) lines of a Markdown text."""
    return [m.group(1).strip() for m in re.finditer(r"^\s*[-*]\s+(.+)$", text, re.M)]


def numbered(text: str) -> tuple[tuple[int, str], ...]:
    """``1. question`` items; indented lines continue the item above them."""
    items: list[list[Any]] = []
    for line in text.splitlines():
        item = re.match(r"^\s*(\d+)[.、]\s*(.+?)\s*$", line)
        if item:
            items.append([int(item.group(1)), item.group(2)])
        elif items and line.strip() and line[:1].isspace():
            items[-1][1] += line.strip()
    return tuple((n, q) for n, q in items)


def minutes_in(text: str) -> int | None:
    """The ``NN 分钟`` in a text, in minutes; None when there is none."""
    found = re.search(r"(\d+)\s*分钟", text)
    return int(found.group(1)) if found else None


# --- the opening and closing cells --------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    """What a curriculum notebook's opening cell declares."""

    slug: str  # "03_promotion_funnel"
    number: str  # "03"
    title: str  # heading without its number
    minutes: int | None  # from ``## 预计用时``
    has_timing: bool  # the ``## 预计用时`` section exists
    objectives: tuple[str, ...]  # bullets under ``## 学习目标``
    summary_en: tuple[str, ...]  # non-empty lines under ``## English summary``


def opening(nb: Mapping[str, Any], path: Path) -> Opening:
    """Parse the first Markdown cell of a curriculum notebook (missing parts stay empty)."""
    path = Path(path)
    cells = markdown_cells(nb)
    source = cells[0] if cells else ""
    heading = re.search(r"^#\s+(.+?)\s*$", source, re.M)
    title = re.sub(r"^\d\d\s+", "", heading.group(1)) if heading else path.stem
    timing = section([source], TIMING)
    summary = section([source], SUMMARY_EN) or ""
    return Opening(
        slug=path.stem,
        number=path.name[:2],
        title=title,
        minutes=minutes_in(timing) if timing is not None else None,
        has_timing=timing is not None,
        objectives=tuple(bullets(section([source], OBJECTIVES) or "")),
        summary_en=tuple(ln.strip() for ln in summary.splitlines() if ln.strip()),
    )


def discussion_questions(nb: Mapping[str, Any]) -> tuple[tuple[int, str], ...]:
    """Numbered questions of the notebook's last ``## 讨论题`` section."""
    return numbered(section(markdown_cells(nb), DISCUSSION, last=True) or "")


def exercise_minutes(nb: Mapping[str, Any]) -> int | None:
    """Minutes on the ``预计用时`` line of an exercise's first Markdown cell; None if absent."""
    cells = markdown_cells(nb)
    line = re.search(TIMING + r"[^\n]*", cells[0] if cells else "")
    return minutes_in(line.group(0)) if line else None


# --- the exercise spec ---------------------------------------------------------------------------


def exercise_spec(nb: Mapping[str, Any], where: str = "solution") -> dict:
    """``metadata.casekit.exercise`` of a solution or exercise, checked against its schema.

    Raises
    ------
    NotebookError
        No exercise spec, or one that breaks the schema (the message names ``where`` and
        the field path), or two questions with the same id.
    """
    from casekit import schemas

    meta = nb.get("metadata", {}).get("casekit")
    if not isinstance(meta, Mapping) or "exercise" not in meta:
        raise NotebookError(f"{where}: no metadata.casekit.exercise with questions")
    schemas.check_notebook_metadata(meta, where)
    spec = meta["exercise"]
    seen: set[str] = set()
    for i, q in enumerate(spec["questions"]):
        if q["kind"] == "number":
            tolerance_rule(q, f"{where}: metadata.casekit.exercise.questions[{i}]")
        if q["id"] in seen:
            raise NotebookError(
                f"{where}: metadata.casekit.exercise.questions[{i}].id: question id "
                f"{q['id']!r} is used twice"
            )
        seen.add(q["id"])
    return spec
