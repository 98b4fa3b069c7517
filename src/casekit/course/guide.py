"""``casekit guide``: the trainers' workshop guide, ``instructor/workshop.md``.

The guide is generated, so it cannot drift from the course:

- the timings, learning objectives, sections (``## …`` headings, with their “动手试一试”
  hands-on cells) and discussion questions are read from the notebooks;
- the exercises, their timings, questions and the questions' ``level`` / ``minutes`` tags from
  ``solutions/NN_slug.ipynb`` (``metadata.casekit.exercise`` and the ``预计用时`` line); a
  solution whose exercise has ``"role": "quiz"`` is the pre/post quiz, not an exercise;
- the hand-written part from ``instructor/notes.yaml``: what each agenda teaches (whole
  notebooks or named sections of one, exercises done in class, the quiz), why the other
  notebooks are pre-work or self-study, what a good answer to each discussion question covers
  and the common mistakes per exercise.

Time model of both agendas (:func:`plan_agenda`): a day starts at 09:00 and ends by 17:30, with a
morning break, lunch and an afternoon break placed between sessions and a buffer
(``agenda.buffer_minutes``) before the end. A whole notebook takes its ``预计用时``; a few sections
of it take that time in proportion to their share of the notebook's cells, rounded up to
:data:`ROUND_MIN` minutes. Each “动手试一试” cell is :data:`HANDS_ON_MIN` minutes at a typical pace
(inside ``预计用时``) and novices take twice as long (:data:`NOVICE_FACTOR`), so the agenda adds the
difference; an exercise done in class is all hands-on and is scheduled at the novice pace.

The output is deterministic (no dates, sorted inputs): ``tests/course/test_guide.py`` compares the
committed ``workshop.md`` with what :func:`workshop_guide` produces now.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from casekit.course import notebooks as N
from casekit.errors import CasekitError, GuideError
from casekit.fileio import atomic_write_bytes

GUIDE_PATH = Path("instructor") / "workshop.md"
NOTES_PATH = Path("instructor") / "notes.yaml"
GRADING_DOC = "grading.md"  # relative to instructor/
RUBRIC_DOC = "capstone_rubric.md"  # relative to instructor/

DAY_START_MIN = 9 * 60
DAY_END_MIN = 17 * 60 + 30  # every agenda day ends by 17:30
HANDS_ON_MIN = 5  # minutes a typical learner spends on one 动手试一试 cell (inside 预计用时)
NOVICE_FACTOR = 2  # novices take twice as long on hands-on cells and exercises
ROUND_MIN = 5  # part-notebook sessions are rounded up to this many minutes
MIN_BUFFER_MIN = 15  # the smallest buffer a day may have
QUIZ_ROLE = "quiz"
LEVELS: tuple[tuple[str, str], ...] = (
    ("remember", "记忆"),
    ("apply", "应用"),
    ("analyse", "分析"),
    ("evaluate", "评价"),
    ("create", "创造"),
)
HANDS_ON = re.compile(r"^(#{2,4}\s.*试一试|>\s*\*\*动手试一试)", re.M)
_CLOSING = ("要点回顾", "讨论题")


@dataclass(frozen=True)
class Break:
    label: str
    minutes: int
    earliest: int  # minutes after midnight
    latest: int  # a session that would end after this is moved behind the break


BREAKS: tuple[Break, ...] = (
    Break("上午茶歇", 15, 10 * 60 + 15, 11 * 60),
    Break("午餐", 60, 11 * 60 + 45, 12 * 60 + 45),
    Break("下午茶歇", 15, 14 * 60 + 45, 16 * 60),
)


@dataclass(frozen=True)
class Section:
    """One ``## …`` section of a curriculum notebook."""

    title: str
    cells: int  # cells from this heading to the next one
    hands_on: int  # 动手试一试 cells in it

    @property
    def number(self) -> str:
        """``"2"`` for ``"2 关键词竞价…"``, ``"三"`` for ``"三、四个阶段…"``."""
        found = re.match(r"^([0-9]+|[一二三四五六七八九十]+)(?=[、\s.])", self.title)
        return found.group(1) if found else self.title


@dataclass(frozen=True)
class Module:
    """One curriculum notebook, as the guide needs it."""

    slug: str
    number: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    questions: tuple[tuple[int, str], ...]  # (number, text) under ## 讨论题
    role: str = "core"  # metadata.casekit.role: core, case or appendix
    sections: tuple[Section, ...] = ()

    @property
    def optional(self) -> bool:
        """An appendix (``role: appendix``): self-study, never scheduled in class."""
        return self.role == "appendix"

    @property
    def content(self) -> tuple[Section, ...]:
        """The teaching sections (not 要点回顾 / 讨论题)."""
        return tuple(s for s in self.sections if s.title not in _CLOSING)

    @property
    def hands_on(self) -> int:
        return sum(s.hands_on for s in self.sections)


@dataclass(frozen=True)
class Exercise:
    """One exercise (its single-source solution notebook), or the quiz."""

    slug: str
    number: str
    title: str
    minutes: int
    questions: tuple[Mapping[str, Any], ...]
    role: str = ""

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(str(q.get("id")) for q in self.questions)

    @property
    def points(self) -> float:
        return float(sum(float(q.get("points", 0) or 0) for q in self.questions))

    @property
    def is_quiz(self) -> bool:
        return self.role == QUIZ_ROLE

    def level_mix(self) -> dict[str, tuple[int, float]]:
        """``level -> (questions, points)``; untagged questions under ``""``."""
        mix: dict[str, tuple[int, float]] = {}
        for q in self.questions:
            level = str(q.get("level") or "")
            n, pts = mix.get(level, (0, 0.0))
            mix[level] = (n + 1, pts + float(q.get("points", 0) or 0))
        return mix

    @property
    def tagged_minutes(self) -> int | None:
        """Sum of the questions' ``minutes`` tags; None when no question has one."""
        values = [q.get("minutes") for q in self.questions if q.get("minutes") is not None]
        return int(sum(int(v) for v in values)) if values else None


@dataclass(frozen=True)
class Block:
    """A session to place in a day: what it is and how long it lasts (novice pace included)."""

    kind: str  # "notebook", "exercise", "quiz" or "buffer"
    slug: str
    label: str
    minutes: int
    sections: tuple[str, ...] = ()  # the sections taught, when only part of a notebook is
    novice_extra: int = 0  # minutes added for novices on hands-on work


@dataclass(frozen=True)
class Slot:
    start: int
    end: int
    kind: str  # "notebook", "exercise", "quiz", "break" or "buffer"
    slug: str
    label: str
    sections: tuple[str, ...] = ()
    novice_extra: int = 0

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Day:
    number: int
    slots: tuple[Slot, ...]

    @property
    def teaching_minutes(self) -> int:
        return sum(s.minutes for s in self.slots if s.kind not in ("break", "buffer"))

    @property
    def buffer_minutes(self) -> int:
        return sum(s.minutes for s in self.slots if s.kind == "buffer")

    @property
    def end(self) -> int:
        return self.slots[-1].end if self.slots else DAY_START_MIN


@dataclass(frozen=True)
class Agenda:
    name: str  # "one_day" or "two_day"
    days: tuple[Day, ...]
    before: tuple[tuple[str, str], ...]  # (notebook slug, reason) done before the workshop
    self_study: tuple[tuple[str, str], ...]  # (notebook slug, reason) left for after it
    partial: tuple[tuple[str, tuple[str, ...]], ...]  # (slug, sections left for self-study)
    optional: tuple[str, ...]  # appendices
    homework: tuple[tuple[int, str], ...]  # (day set: 0 before, N day N; exercise slug)
    quiz: str | None = None  # the quiz's slug, taken in class at the end (post) when scheduled
    why: str = ""

    def taught(self, kind: str) -> list[str]:
        return [s.slug for d in self.days for s in d.slots if s.kind == kind]

    def sessions(self, slug: str) -> list[Slot]:
        return [s for d in self.days for s in d.slots if s.slug == slug and s.kind == "notebook"]

    def day_of(self, slug: str, kind: str = "notebook") -> int | None:
        for d in self.days:
            if any(s.slug == slug and s.kind == kind for s in d.slots):
                return d.number
        return None


# --- reading the course ----------------------------------------------------------------------


def _read(path: Path):
    try:
        return N.read_notebook(path)
    except (OSError, CasekitError) as exc:
        raise GuideError(f"{path}: cannot read the notebook ({exc})") from None


def _discover(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise GuideError(f"{folder} is not a folder")
    return N.discover(folder)


def notebook_sections(nb: Mapping[str, Any]) -> tuple[Section, ...]:
    """The ``## …`` sections after the opening cell, with their cell and 动手试一试 counts.

    A cell belongs to the section of the last ``##`` heading at or above it; the cells before
    the first heading (after the opening cell) are not part of any section.
    """
    found: list[list[Any]] = []
    for cell in list(nb.get("cells", []))[1:]:
        source = N.cell_source(cell)
        markdown = cell.get("cell_type") == "markdown"
        if markdown:
            for line in source.splitlines():
                heading = re.match(r"^##\s+(.+?)\s*$", line)
                if heading:
                    found.append([heading.group(1), 0, 0])
        if not found:
            continue
        found[-1][1] += 1
        if markdown:
            found[-1][2] += len(HANDS_ON.findall(source))
    return tuple(Section(title, cells, hands) for title, cells, hands in found)


def read_module(path: Path) -> Module:
    """Title, minutes, objectives, sections and discussion questions of one notebook."""
    nb = _read(path)
    if not N.markdown_cells(nb):
        raise GuideError(f"{path.name}: no markdown cells")
    head = N.opening(nb, path)
    if not head.has_timing:
        raise GuideError(f"{path.name}: the opening cell has no '## 预计用时' section")
    if not head.objectives:
        raise GuideError(f"{path.name}: no bullet points under '## 学习目标'")
    questions = N.discussion_questions(nb)
    if not questions:
        raise GuideError(f"{path.name}: no numbered questions under '## 讨论题'")
    if head.minutes is None:
        raise GuideError(
            f"{path.name} '## 预计用时': no time in minutes (write it as 'NN 分钟')"
        )
    return Module(
        slug=head.slug,
        number=head.number,
        title=head.title,
        minutes=head.minutes,
        objectives=head.objectives,
        questions=questions,
        role=_role(nb, path),
        sections=notebook_sections(nb),
    )


def _role(nb, path: Path) -> str:
    try:
        return N.role(nb, path)
    except CasekitError as exc:
        raise GuideError(str(exc)) from None


def read_exercise(path: Path) -> Exercise:
    """Title, minutes and questions of one exercise (or the quiz), from its solution."""
    nb = _read(path)
    try:
        spec = N.exercise_spec(nb, path.name)
    except CasekitError as exc:
        raise GuideError(str(exc)) from None
    cells = N.markdown_cells(nb)
    if not re.search(N.TIMING, cells[0] if cells else ""):
        raise GuideError(f"{path.name}: the first cell has no '预计用时' line")
    minutes = N.exercise_minutes(nb)
    if minutes is None:
        raise GuideError(f"{path.name} '预计用时': no time in minutes (write it as 'NN 分钟')")
    return Exercise(
        slug=path.stem,
        number=path.name[:2],
        title=str(spec.get("title_zh") or path.stem),
        minutes=minutes,
        questions=tuple(dict(q) for q in spec["questions"]),
        role=str(spec.get("role") or ""),
    )


def read_modules(root: Path) -> list[Module]:
    return [read_module(p) for p in _discover(Path(root) / "notebooks")]


def read_exercises(root: Path) -> list[Exercise]:
    """Every solution in ``solutions/``: the exercises and the quiz (see :attr:`is_quiz`)."""
    return [read_exercise(p) for p in _discover(Path(root) / "solutions")]


def load_notes(root: Path) -> dict[str, Any]:
    path = Path(root) / NOTES_PATH
    try:
        notes = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GuideError(f"{NOTES_PATH}: cannot read the trainer notes ({exc})") from None
    except yaml.YAMLError as exc:
        raise GuideError(f"{NOTES_PATH}: not valid YAML ({exc})") from None
    if not isinstance(notes, dict):
        raise GuideError(f"{NOTES_PATH}: expected a mapping with agenda, discussion, mistakes")
    return notes


# --- checking the notes against the course ---------------------------------------------------


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _placeholder_slugs(notes: Mapping[str, Any], marker: str) -> set[str]:
    found = set()
    for section in ("discussion", "mistakes"):
        for slug, entry in (notes.get(section) or {}).items():
            if marker in repr(entry):
                found.add(str(slug))
    return found
AGENDAS: tuple[tuple[str, int], ...] = (("one_day", 1), ("two_day", 2))


def _check_agenda(name: str, n_days: int, modules: Sequence[Module],
                  exercises: Sequence[Exercise], config: Any) -> list[str]:
    """Problems with ``agenda.<name>``: unknown names, a notebook placed twice or nowhere."""
    where = f"{NOTES_PATH}: agenda.{name}"
    if not isinstance(config, Mapping):
        return [f"{where} is missing"]
    problems: list[str] = []
    by_slug = {m.slug: m for m in modules}
    by_ex = {e.slug: e for e in exercises}
    days = config.get("days")
    if not isinstance(days, list) or len(days) != n_days:
        return [f"{where}.days needs {n_days} day(s), each a list of sessions"]
    placed: dict[str, str] = {}
    pre_work = config.get("before") if isinstance(config.get("before"), Mapping) else {}
    taught_before: set[str] = set(pre_work)
    for d, day in enumerate(days, 1):
        if not isinstance(day, list) or not day:
            problems.append(f"{where}.days[{d}] needs a list of sessions")
            continue
        for i, item in enumerate(day, 1):
            label = f"{where}.days[{d}][{i}]"
            keys = set(item) if isinstance(item, Mapping) else set()
            kinds = {"notebook", "exercise", "quiz"} & keys
            if len(kinds) != 1:
                problems.append(f"{label} needs exactly one of notebook, exercise, quiz")
                continue
            if "notebook" in item:
                slug = str(item["notebook"])
                module = by_slug.get(slug)
                if module is None:
                    problems.append(f"{label}: {slug!r} is not a notebook in notebooks/")
                    continue
                if slug in placed:
                    problems.append(f"{label}: {slug} is already in {placed[slug]}")
                placed[slug] = "days"
                taught_before.add(slug)
                titles = [s.title for s in module.content]
                for title in item.get("sections") or []:
                    if title not in titles:
                        problems.append(
                            f"{label}: {slug} has no section '## {title}' (its sections: "
                            f"{'; '.join(titles)})"
                        )
            elif "exercise" in item:
                slug = str(item["exercise"])
                exercise = by_ex.get(slug)
                if exercise is None or exercise.is_quiz:
                    problems.append(f"{label}: {slug!r} is not an exercise in solutions/")
                elif slug in by_slug and slug not in taught_before:
                    problems.append(f"{label}: exercise {slug} comes before its notebook is taught")
            else:
                slug = str(item["quiz"])
                if slug not in by_ex or not by_ex[slug].is_quiz:
                    problems.append(f"{label}: {slug!r} is not a solution with role 'quiz'")
    for key in ("before", "self_study"):
        entries = config.get(key) or {}
        if not isinstance(entries, Mapping):
            problems.append(f"{where}.{key} needs a mapping: notebook slug -> reason")
            continue
        for slug, reason in entries.items():
            if slug not in by_slug:
                problems.append(f"{where}.{key} names {slug!r}, not a notebook")
                continue
            if not isinstance(reason, str) or not reason.strip():
                problems.append(f"{where}.{key}.{slug} needs a reason (text)")
            if slug in placed:
                problems.append(f"{where}.{key}.{slug}: already in {placed[slug]}")
            placed[slug] = key
    for module in modules:
        if module.slug not in placed and not module.optional:
            problems.append(
                f"{where}: notebook {module.slug} is neither taught (days), nor in before "
                "or self_study (with a reason)"
            )
    buffer = config.get("buffer_minutes")
    if not isinstance(buffer, int) or isinstance(buffer, bool) or buffer < MIN_BUFFER_MIN:
        problems.append(f"{where}.buffer_minutes needs a whole number ≥ {MIN_BUFFER_MIN}")
    return problems


def check_notes(
    modules: Sequence[Module], exercises: Sequence[Exercise], notes: Mapping[str, Any]
) -> list[str]:
    """Every problem with ``notes.yaml``: missing, stale or malformed entries, each named."""
    problems: list[str] = []
    where = str(NOTES_PATH)
    from casekit.course.scaffold import PLACEHOLDER

    for slug in sorted(_placeholder_slugs(notes, PLACEHOLDER)):
        problems.append(
            f"{where}: {slug} still has scaffold placeholders ({PLACEHOLDER}); write the real "
            "notes before publishing the guide"
        )
    discussion = notes.get("discussion") or {}
    mistakes = notes.get("mistakes") or {}
    slugs = {m.slug for m in modules}
    for module in modules:
        entry = discussion.get(module.slug)
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: discussion.{module.slug} is missing")
            continue
        numbers = {n for n, _ in module.questions}
        for n, _question in module.questions:
            points = entry.get(n)
            if points is None:
                problems.append(
                    f"{where}: discussion.{module.slug}.{n} is missing "
                    f"(讨论题 {n} of {module.slug})"
                )
            elif not _strings(points) or not 2 <= len(points) <= 4:
                problems.append(
                    f"{where}: discussion.{module.slug}.{n} needs 2–4 points (a list of text)"
                )
        for extra in sorted(set(entry) - numbers, key=str):
            problems.append(
                f"{where}: discussion.{module.slug}.{extra} has no matching question "
                f"in notebooks/{module.slug}.ipynb"
            )
    for extra in sorted(set(discussion) - slugs):
        problems.append(f"{where}: discussion.{extra} is not a notebook in notebooks/")
    graded = [e for e in exercises if not e.is_quiz]
    ex_slugs = {e.slug for e in graded}
    for exercise in graded:
        entries = mistakes.get(exercise.slug)
        if not isinstance(entries, list) or len(entries) < 2:
            have = len(entries) if isinstance(entries, list) else 0
            problems.append(
                f"{where}: mistakes.{exercise.slug} needs at least 2 mistakes (has {have})"
            )
            continue
        for i, item in enumerate(entries, 1):
            label = f"{where}: mistakes.{exercise.slug}[{i}]"
            if not isinstance(item, Mapping) or not all(
                isinstance(item.get(k), str) and item[k].strip() for k in ("mistake", "fix")
            ):
                problems.append(f"{label} needs text 'mistake' and 'fix'")
                continue
            unknown = [q for q in item.get("questions") or [] if q not in exercise.question_ids]
            if unknown:
                problems.append(
                    f"{label} refers to {', '.join(map(str, unknown))}, not a question of "
                    f"solutions/{exercise.slug}.ipynb"
                )
    for extra in sorted(set(mistakes) - ex_slugs):
        problems.append(f"{where}: mistakes.{extra} is not an exercise in solutions/")
    agenda = notes.get("agenda") or {}
    for name, n_days in AGENDAS:
        problems += _check_agenda(name, n_days, modules, exercises, agenda.get(name))
    return problems


# --- scheduling ------------------------------------------------------------------------------


def schedule_day(number: int, blocks: Sequence[Block]) -> Day:
    """Lay blocks from 09:00, placing breaks between them.

    A break is taken before the next session once its earliest time has come, or earlier
    (within an hour of it) when the session would otherwise run past the break's latest time.
    Sessions are never split; breaks still pending after the last session are dropped.
    """
    now = DAY_START_MIN
    pending = list(BREAKS)
    slots: list[Slot] = []
    for block in blocks:
        while pending:
            brk = pending[0]
            due = now >= brk.earliest
            early = now + block.minutes > brk.latest and now >= brk.earliest - 60
            if not (due or early):
                break
            slots.append(Slot(now, now + brk.minutes, "break", "", brk.label))
            now += brk.minutes
            pending.pop(0)
        slots.append(Slot(now, now + block.minutes, block.kind, block.slug, block.label,
                          block.sections, block.novice_extra))
        now += block.minutes
    return Day(number, tuple(slots))


def _round_up(minutes: float) -> int:
    return int(math.ceil(minutes / ROUND_MIN - 1e-9) * ROUND_MIN)


def notebook_block(module: Module, sections: Sequence[str] = ()) -> Block:
    """The session for a whole notebook, or for the named sections of it (novice pace)."""
    extra_per_cell = HANDS_ON_MIN * (NOVICE_FACTOR - 1)
    label = f"笔记本 {module.number} {module.title}"
    if not sections:
        extra = module.hands_on * extra_per_cell
        return Block("notebook", module.slug, label, module.minutes + extra, (), extra)
    chosen = [s for s in module.content if s.title in set(sections)]
    total = sum(s.cells for s in module.content) or 1
    typical = _round_up(module.minutes * sum(s.cells for s in chosen) / total)
    extra = sum(s.hands_on for s in chosen) * extra_per_cell
    numbers = "、".join(f"§{s.number}" for s in chosen)
    return Block("notebook", module.slug, f"{label}（选讲 {numbers}）", typical + extra,
                 tuple(s.title for s in chosen), extra)


def exercise_block(exercise: Exercise) -> Block:
    """An exercise done in class: all hands-on, so at the novice pace."""
    minutes = exercise.minutes * NOVICE_FACTOR
    return Block("exercise", exercise.slug, f"课堂练习 {exercise.number} {exercise.title}",
                 minutes, (), minutes - exercise.minutes)


def quiz_block(quiz: Exercise) -> Block:
    """The post-test in class, its 预计用时 rounded up to :data:`ROUND_MIN` minutes."""
    return Block("quiz", quiz.slug, f"后测：练习 {quiz.number} {quiz.title}",
                 _round_up(quiz.minutes))


def plan_agenda(name: str, modules: Sequence[Module], exercises: Sequence[Exercise],
                notes: Mapping[str, Any]) -> Agenda:
    """The agenda ``agenda.<name>`` of ``notes.yaml`` describes, scheduled and checked.

    Raises
    ------
    GuideError
        The notes do not match the course, or a day would end after 17:30.
    """
    n_days = dict(AGENDAS).get(name)
    if n_days is None:
        raise GuideError(f"unknown agenda {name!r}; expected one of {', '.join(dict(AGENDAS))}")
    config = (notes.get("agenda") or {}).get(name)
    problems = _check_agenda(name, n_days, modules, exercises, config)
    if problems:
        raise GuideError("\n  ".join(problems))
    by_slug = {m.slug: m for m in modules}
    by_ex = {e.slug: e for e in exercises}
    days: list[Day] = []
    quiz: str | None = None
    for d, items in enumerate(config["days"], 1):
        blocks: list[Block] = []
        for item in items:
            if "notebook" in item:
                blocks.append(notebook_block(by_slug[item["notebook"]], item.get("sections") or ()))
            elif "exercise" in item:
                blocks.append(exercise_block(by_ex[item["exercise"]]))
            else:
                quiz = str(item["quiz"])
                blocks.append(quiz_block(by_ex[quiz]))
        blocks.append(Block("buffer", "", "机动时间：答疑、新手追赶进度、处理环境问题",
                            int(config["buffer_minutes"])))
        day = schedule_day(d, blocks)
        if day.end > DAY_END_MIN:
            over = day.end - DAY_END_MIN
            raise GuideError(
                f"{NOTES_PATH}: agenda.{name} day {d} ends at {_clock(day.end)}, {over} minutes "
                f"after {_clock(DAY_END_MIN)}; teach fewer sections or move a session to "
                "another day"
            )
        days.append(day)
    agenda_days = tuple(days)
    taught_slugs = [s.slug for day in agenda_days for s in day.slots if s.kind == "notebook"]
    partial = []
    for slug in dict.fromkeys(taught_slugs):
        sessions = [s for day in agenda_days for s in day.slots
                    if s.kind == "notebook" and s.slug == slug]
        if all(s.sections for s in sessions):
            done = {t for s in sessions for t in s.sections}
            rest = tuple(s.title for s in by_slug[slug].content if s.title not in done)
            if rest:
                partial.append((slug, rest))
    before = tuple((str(k), str(v).strip()) for k, v in (config.get("before") or {}).items())
    self_study = tuple(
        (str(k), str(v).strip()) for k, v in (config.get("self_study") or {}).items()
    )
    before_slugs = {s for s, _ in before}
    in_class = {s.slug for day in agenda_days for s in day.slots if s.kind == "exercise"}
    homework: list[tuple[int, str]] = []
    for e in exercises:
        if e.is_quiz or e.slug in in_class:
            continue
        taught_on = next((day.number for day in agenda_days for s in day.slots
                          if s.kind == "notebook" and s.slug == e.slug), None)
        if taught_on is not None:
            homework.append((taught_on, e.slug))
        elif e.slug in before_slugs:
            homework.append((0, e.slug))
        else:
            homework.append((len(agenda_days), e.slug))
    homework.sort()
    return Agenda(
        name=name,
        days=agenda_days,
        before=tuple(sorted(before)),
        self_study=tuple(sorted(self_study)),
        partial=tuple(partial),
        optional=tuple(m.slug for m in modules if m.optional),
        homework=tuple(homework),
        quiz=quiz,
        why=str(config.get("why") or "").strip(),
    )


def one_day_agenda(
    modules: Sequence[Module], exercises: Sequence[Exercise], notes: Mapping[str, Any]
) -> Agenda:
    """``agenda.one_day`` of the notes, scheduled (see :func:`plan_agenda`)."""
    return plan_agenda("one_day", modules, exercises, notes)


def two_day_agenda(
    modules: Sequence[Module], exercises: Sequence[Exercise], notes: Mapping[str, Any]
) -> Agenda:
    """``agenda.two_day`` of the notes, scheduled (see :func:`plan_agenda`)."""
    return plan_agenda("two_day", modules, exercises, notes)


# --- rendering -------------------------------------------------------------------------------


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} 分钟"
    return f"{hours} 小时" + (f" {rest} 分钟" if rest else "")


def _points(value: float) -> str:
    return f"{value:g}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _day_table(day: Day) -> list[str]:
    lines = ["| 时间 | 内容 | 时长 | 其中新手加时 |", "|---|---|---|---|"]
    for slot in day.slots:
        label = slot.label if slot.kind not in ("break", "buffer") else f"*{slot.label}*"
        extra = f"{slot.novice_extra} 分钟" if slot.novice_extra else ""
        lines.append(
            f"| {_clock(slot.start)}–{_clock(slot.end)} | {_cell(label)} | {slot.minutes} 分钟 "
            f"| {extra} |"
        )
    return lines


def _numbers(what: str, slugs: Iterable[str]) -> str:
    """``笔记本 01、02、06`` from slugs (titles are in the tables above and below)."""
    numbers = [slug[:2] for slug in slugs]
    return f"{what} {'、'.join(numbers)}" if numbers else "无"


def _time_rules() -> str:
    extra = HANDS_ON_MIN * (NOVICE_FACTOR - 1)
    return (
        "时间取自每本笔记本开头的“预计用时”和每份练习开头的用时，按第一次接触 Python 的学员排："
        f"每个“动手试一试”单元格按一般学员 {HANDS_ON_MIN} 分钟计（已含在预计用时里），"
        f"新手要多花一倍，所以每处多排 {extra} 分钟；课堂练习整份都是动手，按预计用时的两倍排。"
        "只讲一本笔记本的几节时，时长按这几节占全本单元格的比例折算预计用时，"
        f"取整到 {ROUND_MIN} 分钟。每天 {_clock(DAY_START_MIN)} 开始、"
        f"{_clock(DAY_END_MIN)} 前结束，"
        "上午茶歇 15 分钟、午餐 60 分钟、下午茶歇 15 分钟排在两节之间，不把一节课拆开；"
        "每天最后留一段机动时间，用来答疑、让新手追上进度或处理环境问题，"
        "进度顺利时可以提前下课。没在课堂上做的练习是课后作业，用 `casekit assign` 发放、"
        "`casekit grade` 评分（见第 4 节）。"
    )


def _agenda_bullets(agenda: Agenda, modules: Mapping[str, Module]) -> list[str]:
    out: list[str] = []
    for slug, rest in agenda.partial:
        m = modules[slug]
        sessions = agenda.sessions(slug)
        taught = [t for s in sessions for t in s.sections]
        out.append(
            f"- **笔记本 {m.number} 选讲**：" + "；".join(f"§{t}" for t in taught)
            + "。其余各节（" + "；".join(f"§{t}" for t in rest) + "）留作课后自学。"
        )
    if agenda.before:
        out.append("- **课前**（开课前一周发给学员，连同前测一起完成）：")
        out += [
            f"  - 笔记本 {slug[:2]} {modules[slug].title}：{why}" for slug, why in agenda.before
        ]
    if agenda.self_study:
        out.append("- **课后自学**（整本不进课堂）：")
        out += [
            f"  - 笔记本 {slug[:2]} {modules[slug].title}：{why}" for slug, why in agenda.self_study
        ]
    if agenda.optional:
        appendices = _numbers("笔记本", agenda.optional)
        out.append(f"- **选学附录**（不排进课堂，课后自读）：{appendices}。")
    if agenda.taught("exercise"):
        out.append(f"- **课堂练习**：{_numbers('练习', agenda.taught('exercise'))}。")
    last = len(agenda.days)
    labels = {0: "随课前材料完成的练习（开课前交）"}
    if last == 1:
        labels[1] = "课后作业（与当天内容对应，一周内交）"
    else:
        labels |= {d: f"第 {d} 天晚上的作业（第 {d + 1} 天开课前交）" for d in range(1, last)}
        labels[last] = "课后作业（一周内交）"
    taught = set(agenda.taught("notebook"))
    for day, label in labels.items():
        slugs = [s for d, s in agenda.homework if d == day and (day == 0 or s in taught)]
        if slugs:
            out.append(f"- **{label}**：{_numbers('练习', slugs)}。")
    with_self = [s for _, s in agenda.homework if s not in taught and
                 s not in {b for b, _ in agenda.before}]
    if with_self:
        out.append(f"- **随自学完成的作业**（一周内交）：{_numbers('练习', with_self)}。")
    if agenda.quiz:
        out.append(
            f"- **前测与后测**：练习 {agenda.quiz[:2]}（见第 5 节）开课前做一次，"
            "最后一天下课前在课堂上再做一次。"
        )
    return out


def _render_agenda(title: str, agenda: Agenda, modules: Mapping[str, Module]) -> list[str]:
    out = [title, ""]
    if agenda.why:
        out += [agenda.why, ""]
    for day in agenda.days:
        nbs = [s.slug[:2] for s in day.slots if s.kind == "notebook"]
        head = f"**第 {day.number} 天**：" if len(agenda.days) > 1 else ""
        out += [
            f"{head}笔记本 {'、'.join(dict.fromkeys(nbs))}；"
            f"教学 {_duration(day.teaching_minutes)}，"
            f"机动 {day.buffer_minutes} 分钟，{_clock(day.end)} 结束。",
            "",
            *_day_table(day),
            "",
        ]
    out += _agenda_bullets(agenda, modules)
    out.append("")
    return out


def _render_agendas(one: Agenda, two: Agenda, modules: Sequence[Module]) -> list[str]:
    by_slug = {m.slug: m for m in modules}
    return [
        "## 1 日程 · Agendas",
        "",
        _time_rules(),
        "",
        *_render_agenda("### 1.1 一天版 · One-day workshop", one, by_slug),
        *_render_agenda("### 1.2 两天版 · Two-day workshop", two, by_slug),
    ]


def _where(agenda: Agenda, m: Module) -> str:
    if m.optional:
        return "选学"
    day = agenda.day_of(m.slug)
    if day is not None:
        part = "（选讲）" if any(s == m.slug for s, _ in agenda.partial) else ""
        return (f"第 {day} 天" if len(agenda.days) > 1 else "课堂") + part
    if any(s == m.slug for s, _ in agenda.before):
        return "课前"
    return "自学"


def _render_overview(
    modules: Sequence[Module], exercises: Sequence[Exercise], one: Agenda, two: Agenda
) -> list[str]:
    by_notebook = {e.slug: e for e in exercises}
    lines = [
        "## 0 课程时长一览 · Timings",
        "",
        "| 笔记本 | 主题 | 预计用时 | 动手试一试 | 练习用时 | 一天版 | 两天版 |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in modules:
        ex = by_notebook.get(m.slug)
        lines.append(
            f"| {m.number} | {_cell(m.title)} | {m.minutes} 分钟 | {m.hands_on or '—'} | "
            f"{f'{ex.minutes} 分钟' if ex else '—'} | {_where(one, m)} | {_where(two, m)} |"
        )
    lines += [
        f"| 合计 | | {_duration(sum(m.minutes for m in modules))} | "
        f"{sum(m.hands_on for m in modules)} | "
        f"{_duration(sum(e.minutes for e in exercises))} | | |",
        "",
    ]
    return lines


def _mix_cell(mix: Mapping[str, tuple[int, float]], level: str) -> str:
    if level not in mix:
        return "—"
    n, pts = mix[level]
    return f"{n} 题 / {_points(pts)} 分"


def _level_table(items: Sequence[Exercise], what: str) -> list[str]:
    heads = " | ".join(f"{zh} {en}" for en, zh in LEVELS)
    lines = [
        f"| {what} | {heads} | 未标注 | 题目用时合计 | 预计用时 |",
        "|---|" + "---|" * (len(LEVELS) + 3),
    ]
    for e in items:
        mix = e.level_mix()
        cells = " | ".join(_mix_cell(mix, en) for en, _ in LEVELS)
        tagged = e.tagged_minutes
        lines.append(
            f"| {e.number} {_cell(e.title)} | {cells} | {_mix_cell(mix, '')} | "
            f"{f'{tagged} 分钟' if tagged is not None else '—'} | {e.minutes} 分钟 |"
        )
    return lines


def _render_levels(exercises: Sequence[Exercise]) -> list[str]:
    return [
        "### 3.0 各练习的层次与用时 · Level mix",
        "",
        "每道题在 `metadata.casekit.exercise` 里标有认知层次（`level`，按布卢姆分类："
        "记忆、应用、分析、评价、创造）和一般学员的用时（`minutes`）。下表按层次数题数和分值；"
        "“未标注”是还没有层次标签的题，“题目用时合计”是各题 `minutes` 之和，"
        "应与练习开头写的预计用时大致相等（相差不超过 5 分钟）。",
        "",
        *_level_table(exercises, "练习"),
        "",
    ]


def _render_modules(modules: Sequence[Module], notes: Mapping[str, Any]) -> list[str]:
    discussion = notes.get("discussion") or {}
    out = [
        "## 2 各模块：学习目标与讨论题 · Objectives and discussion",
        "",
        "学习目标和讨论题摘自笔记本本身；每道讨论题下的要点是讲师笔记（`instructor/notes.yaml`），"
        "说明一个好的回答应当覆盖什么，不是唯一答案。",
        "",
    ]
    for m in modules:
        out += [f"### {m.number} {m.title}（{m.minutes} 分钟）", "", "**学习目标**", ""]
        out += [f"- {o}" for o in m.objectives]
        out += ["", "**讨论题**", ""]
        for n, question in m.questions:
            out.append(f"{n}. {question}")
            out.append("   - 好的回答应包括：")
            out += [f"     - {point.strip()}" for point in discussion[m.slug][n]]
        out.append("")
    return out


def _render_mistakes(exercises: Sequence[Exercise], notes: Mapping[str, Any]) -> list[str]:
    mistakes = notes.get("mistakes") or {}
    out = [
        "## 3 练习：层次与学员常见错误 · Exercises: level mix and common mistakes",
        "",
        *_render_levels(exercises),
        "### 3.1 常见错误 · Common mistakes",
        "",
        "题号对应练习里的问题（q1、q2 …）。这些是批改和答疑时最常遇到的情形，"
        "每条附有纠正的办法；自查单元格只检查格式，发现不了其中的大多数。",
        "",
    ]
    for e in exercises:
        out += [
            f"#### 练习 {e.number} {e.title}（{e.minutes} 分钟，{len(e.questions)} 题，"
            f"{_points(e.points)} 分）",
            "",
        ]
        for item in mistakes[e.slug]:
            qs = "、".join(item.get("questions") or [])
            prefix = f"**{qs}**：" if qs else ""
            out.append(f"- {prefix}{item['mistake'].strip()}")
            out.append(f"  - 纠正：{item['fix'].strip()}")
        out.append("")
    return out


def _render_grading(exercises: Sequence[Exercise]) -> list[str]:
    text_questions = [
        f"练习 {e.number} 的 {q.get('id')}" for e in exercises for q in e.questions
        if q.get("kind") == "text"
    ]
    total = sum(e.points for e in exercises)
    return [
        "## 4 为一个班发放与评分 · Assign and grade a class",
        "",
        f"完整说明、状态代码和限制见 [{GRADING_DOC}]({GRADING_DOC})。简要流程：",
        "",
        "1. **开课前**：准备名单 `roster.csv`（两列 `student_id,name`，UTF-8），"
        "生成每人一份的练习：",
        "   `.venv/bin/casekit assign --roster roster.csv --out handout`。"
        "把 `handout/<student_id>/` 发给对应的学员：每人的参数不同，数据和正确答案也不同。",
        "2. **课上**：课堂练习直接用个人版；每题下的自查单元格只检查答案的格式，✓ 不代表答对。"
        "提醒学员不要改参数单元格，数字要用代码算，和同学对的是方法而不是数字。",
        "3. **收作业**：按 `submissions/<student_id>/<NN_slug>.ipynb` 收齐，然后运行",
        "   `.venv/bin/casekit grade submissions --roster roster.csv --out grading`，"
        "得到 `grading/grades.csv`（Excel 可直接打开）、`grading/gradebook.sqlite` "
        "和每人一页的 `grading/feedback/<student_id>.html`。",
        f"4. **人工批改**：文字题（{'、'.join(text_questions) or '无'}）"
        "自动评为 `needs_review`、0 分，"
        "阅读后在成绩册或 CSV 里补分；上面第 3 节的常见错误可以直接用作评语。",
        "5. **迟交**：只把迟交学员的文件夹放进一个新目录，用同样的 `--out` 再评一次，"
        "其他人的成绩不变。",
        f"6. **综合实训汇报**：练习 10 的方案做成 5–8 分钟的汇报，按 "
        f"[{RUBRIC_DOC}]({RUBRIC_DOC}) 的评分标准（标准、等级、分值和示例）打分。",
        "",
        f"全部练习共 {len(exercises)} 份、{sum(len(e.questions) for e in exercises)} 题、"
        f"满分 {_points(total)} 分。",
        "",
    ]


def _render_quiz(quizzes: Sequence[Exercise]) -> list[str]:
    if not quizzes:
        return []
    out = ["## 5 前测与后测 · Pre/post quiz", ""]
    for q in quizzes:
        out += [
            f"练习 {q.number}（`solutions/{q.slug}.ipynb`，“{q.title}”）是贯穿全课的小测："
            f"{len(q.questions)} 道选择题、满分 {_points(q.points)} 分、约 {q.minutes} 分钟。"
            "每人的题目数字由个人参数决定，选项的顺序也因人而异，所以不能互相对答案；"
            "同一位学员前测和后测拿到的是同一份题，前后可以直接比较。",
            "",
            *_level_table([q], "小测"),
            "",
            "1. **前测**：开课前与课前材料一起发（`casekit assign --roster …` 已包含它），"
            "收回后评分：`.venv/bin/casekit grade pre_submissions --out grading-pre`。"
            "前测不讲评、不公布答案。",
            "2. **后测**：最后一天下课前在课堂上再做一次同一份题，"
            "`.venv/bin/casekit grade post_submissions --out grading-post`。",
            "3. **提升**：`.venv/bin/casekit quiz-gain grading-pre grading-post "
            "--csv quiz_gain.csv` "
            "打印每道题和全卷的前测、后测正确率与提升（百分点）以及标准化提升"
            "（(后测 − 前测) ÷ (1 − 前测)），只统计两次都交了的学员。"
            "提升小或为负的题，对应的内容值得在下一期多讲一遍。",
            "",
        ]
    return out


def workshop_guide(root: Path) -> str:
    """The trainers' guide as Markdown, from the notebooks, solutions and ``notes.yaml``."""
    root = Path(root)
    modules = read_modules(root)
    solutions = read_exercises(root)
    exercises = [e for e in solutions if not e.is_quiz]
    quizzes = [e for e in solutions if e.is_quiz]
    notes = load_notes(root)
    problems = check_notes(modules, solutions, notes)
    if problems:
        raise GuideError("instructor/notes.yaml does not match the course:\n  " + "\n  ".join(
            problems))
    one = one_day_agenda(modules, solutions, notes)
    two = two_day_agenda(modules, solutions, notes)
    lines = [
        "# 讲师工作坊指南 · Workshop guide for trainers",
        "",
        "<!-- 本文件由 `casekit guide` 从 notebooks/、solutions/ 和 instructor/notes.yaml 生成，"
        "请勿手改：改笔记本或 notes.yaml 后重新运行 `casekit guide`。 -->",
        "",
        "这份指南帮助培训老师用 casekit 办一天或两天的天猫营销工作坊：日程、每个模块的学习目标、"
        "讨论题的讲评要点、练习的层次与常见错误、怎样为一个班发放和批改练习，"
        "以及前测与后测和综合实训汇报的评分标准"
        f"（[{RUBRIC_DOC}]({RUBRIC_DOC})）。",
        "",
    ]
    lines += _render_overview(modules, exercises, one, two)
    lines += _render_agendas(one, two, modules)
    lines += _render_modules(modules, notes)
    lines += _render_mistakes(exercises, notes)
    lines += _render_grading(exercises)
    lines += _render_quiz(quizzes)
    return "\n".join(lines).rstrip("\n") + "\n"


def _agenda_part(text: str) -> list[str]:
    """The lines of a guide's ``## 1 日程`` section (empty when there is none)."""
    lines = text.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.startswith("## 1 "))
    except StopIteration:
        return []
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    return lines[start:end]


def agenda_changes(old: str, new: str) -> list[str]:
    """What changed in the agendas between two guides: ``- old line`` / ``+ new line``."""
    diff = difflib.unified_diff(_agenda_part(old), _agenda_part(new), lineterm="", n=0)
    return [ln for ln in diff if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def write_guide(root: Path) -> Path:
    """Write ``instructor/workshop.md`` atomically (only when its content changes)."""
    root = Path(root)
    target = root / GUIDE_PATH
    data = workshop_guide(root).encode("utf-8")
    if not target.exists() or target.read_bytes() != data:
        atomic_write_bytes(target, data)
    return target
