"""``casekit guide``: the trainers' workshop guide, ``instructor/workshop.md``.

The guide is generated, so it cannot drift from the course:

- the timings, learning objectives and discussion questions are read from the notebooks'
  opening cells (``## 学习目标``, ``## 预计用时``) and closing cells (``## 讨论题``);
- the exercises, their timings and questions from ``solutions/NN_slug.ipynb``
  (``metadata.casekit.exercise`` and the ``预计用时`` line of the first cell);
- the hand-written part, what a good answer to each discussion question covers, the common
  mistakes per exercise and which notebooks the one-day workshop teaches, from
  ``instructor/notes.yaml``.

Both agendas are scheduled from the parsed minutes: days start at 09:00, with a morning break,
lunch and an afternoon break placed between sessions, and at most :data:`TEACHING_CAP_MIN`
minutes of teaching a day. The two-day agenda teaches every notebook; an exercise is done in
class right after its notebook when the day still has room, otherwise it becomes homework.

The output is deterministic (no dates, sorted inputs): ``tests/course/test_guide.py`` compares the
committed ``workshop.md`` with what :func:`workshop_guide` produces now.
"""

from __future__ import annotations

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

DAY_START_MIN = 9 * 60
TEACHING_CAP_MIN = 8 * 60  # teaching minutes a day, breaks excluded


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
class Module:
    """One curriculum notebook, as the guide needs it."""

    slug: str
    number: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    questions: tuple[tuple[int, str], ...]  # (number, text) under ## 讨论题
    role: str = "core"  # metadata.casekit.role: core, case or appendix

    @property
    def optional(self) -> bool:
        """An appendix (``role: appendix``): self-study, never scheduled in class."""
        return self.role == "appendix"


@dataclass(frozen=True)
class Exercise:
    """One exercise (its single-source solution notebook)."""

    slug: str
    number: str
    title: str
    minutes: int
    questions: tuple[Mapping[str, Any], ...]

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(str(q.get("id")) for q in self.questions)

    @property
    def points(self) -> float:
        return float(sum(float(q.get("points", 0) or 0) for q in self.questions))


@dataclass(frozen=True)
class Slot:
    start: int
    end: int
    kind: str  # "notebook", "exercise" or "break"
    slug: str
    label: str

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Day:
    number: int
    slots: tuple[Slot, ...]

    @property
    def teaching_minutes(self) -> int:
        return sum(s.minutes for s in self.slots if s.kind != "break")

    @property
    def end(self) -> int:
        return self.slots[-1].end if self.slots else DAY_START_MIN


@dataclass(frozen=True)
class Agenda:
    days: tuple[Day, ...]
    before: tuple[str, ...]  # notebook slugs done before the workshop
    self_study: tuple[str, ...]  # notebook slugs left for after it
    homework: tuple[tuple[int, str], ...]  # (day the exercise is set, exercise slug)

    def taught(self, kind: str) -> list[str]:
        return [s.slug for d in self.days for s in d.slots if s.kind == kind]


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


def read_module(path: Path) -> Module:
    """Title, minutes, objectives and discussion questions of one curriculum notebook."""
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
    )


def _role(nb, path: Path) -> str:
    try:
        return N.role(nb, path)
    except CasekitError as exc:
        raise GuideError(str(exc)) from None


def read_exercise(path: Path) -> Exercise:
    """Title, minutes and questions of one exercise, from its solution notebook."""
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
    )


def read_modules(root: Path) -> list[Module]:
    return [read_module(p) for p in _discover(Path(root) / "notebooks")]


def read_exercises(root: Path) -> list[Exercise]:
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
    ex_slugs = {e.slug for e in exercises}
    for exercise in exercises:
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
    one_day = (notes.get("agenda") or {}).get("one_day") or {}
    for key in ("covered", "before"):
        for slug in one_day.get(key) or []:
            if slug not in slugs:
                problems.append(f"{where}: agenda.one_day.{key} names {slug!r}, not a notebook")
    if not one_day.get("covered"):
        problems.append(f"{where}: agenda.one_day.covered is missing")
    return problems


# --- scheduling ------------------------------------------------------------------------------


def schedule_day(number: int, blocks: Sequence[tuple[str, str, str, int]]) -> Day:
    """Lay ``(kind, slug, label, minutes)`` blocks from 09:00, placing breaks between them.

    A break is taken before the next session once its earliest time has come, or earlier
    (within an hour of it) when the session would otherwise run past the break's latest time.
    Sessions are never split; breaks still pending after the last session are dropped.
    """
    now = DAY_START_MIN
    pending = list(BREAKS)
    slots: list[Slot] = []
    for kind, slug, label, minutes in blocks:
        while pending:
            brk = pending[0]
            due = now >= brk.earliest
            early = now + minutes > brk.latest and now >= brk.earliest - 60
            if not (due or early):
                break
            slots.append(Slot(now, now + brk.minutes, "break", "", brk.label))
            now += brk.minutes
            pending.pop(0)
        slots.append(Slot(now, now + minutes, kind, slug, label))
        now += minutes
    return Day(number, tuple(slots))


def _module_block(m: Module) -> tuple[str, str, str, int]:
    return ("notebook", m.slug, f"笔记本 {m.number} {m.title}", m.minutes)


def _exercise_block(e: Exercise) -> tuple[str, str, str, int]:
    return ("exercise", e.slug, f"课堂练习 {e.number} {e.title}", e.minutes)


def _with_exercises(
    day_modules: Sequence[Module], by_notebook: Mapping[str, Exercise]
) -> tuple[list[tuple[str, str, str, int]], list[str]]:
    """Each notebook, then its exercise if the day still has room; the rest is homework."""
    used = sum(m.minutes for m in day_modules)
    blocks: list[tuple[str, str, str, int]] = []
    homework: list[str] = []
    for m in day_modules:
        blocks.append(_module_block(m))
        exercise = by_notebook.get(m.slug)
        if exercise is None:
            continue
        if used + exercise.minutes <= TEACHING_CAP_MIN:
            blocks.append(_exercise_block(exercise))
            used += exercise.minutes
        else:
            homework.append(exercise.slug)
    return blocks, homework


def _fits(day: Day, what: str) -> Day:
    if day.teaching_minutes > TEACHING_CAP_MIN:
        raise GuideError(
            f"{what}: {day.teaching_minutes} minutes of teaching on day {day.number}, more than "
            f"{TEACHING_CAP_MIN}; shorten the notebooks' 预计用时 or change the agenda"
        )
    return day


def two_day_agenda(modules: Sequence[Module], exercises: Sequence[Exercise]) -> Agenda:
    """Every notebook but the appendices over two days, split where the longer day is shortest.

    Appendices (:attr:`Module.optional`) are left for self-study.
    """
    appendices = tuple(m.slug for m in modules if m.optional)
    modules = [m for m in modules if not m.optional]
    # When the notebooks cannot be split into two teaching days, the first ones in course
    # order become pre-work (read and run before day 1), as few as needed.
    before: list[str] = []
    def splits(part: Sequence[Module]) -> bool:
        minutes = [m.minutes for m in part]
        return any(sum(minutes[:k]) <= TEACHING_CAP_MIN and sum(minutes[k:]) <= TEACHING_CAP_MIN
                   for k in range(1, len(minutes)))

    while len(modules) > 2 and not splits(modules):
        before.append(modules.pop(0).slug)
    if len(modules) < 2:
        raise GuideError("the two-day agenda needs at least two notebooks")
    total = sum(m.minutes for m in modules)

    def longer_day(k: int) -> tuple[int, int]:
        first = sum(m.minutes for m in modules[:k])
        return (max(first, total - first), k)

    best = min(range(1, len(modules)), key=longer_day)
    by_notebook = {e.slug: e for e in exercises}
    days: list[Day] = []
    # day 0: exercises of the pre-work notebooks, done with them before day 1
    homework: list[tuple[int, str]] = [(0, s) for s in before if s in by_notebook]
    for number, part in ((1, modules[:best]), (2, modules[best:])):
        blocks, later = _with_exercises(part, by_notebook)
        days.append(_fits(schedule_day(number, blocks), "two-day agenda"))
        homework += [(number, slug) for slug in later]
    return Agenda(days=tuple(days), before=tuple(before), self_study=appendices,
                  homework=tuple(homework))


def one_day_agenda(
    modules: Sequence[Module], exercises: Sequence[Exercise], notes: Mapping[str, Any]
) -> Agenda:
    """The notebooks ``agenda.one_day.covered`` names, in course order; the rest is homework."""
    config = (notes.get("agenda") or {}).get("one_day") or {}
    covered = set(config.get("covered") or [])
    before = set(config.get("before") or [])
    day_modules = [m for m in modules if m.slug in covered]
    if not day_modules:
        raise GuideError(f"{NOTES_PATH}: agenda.one_day.covered names no notebook")
    by_notebook = {e.slug: e for e in exercises}
    blocks, later = _with_exercises(day_modules, by_notebook)
    day = _fits(schedule_day(1, blocks), "one-day agenda")
    taught = {s.slug for s in day.slots}
    homework = [(1, slug) for slug in later]
    homework += [(1, e.slug) for e in exercises if e.slug not in taught and e.slug not in later]
    return Agenda(
        days=(day,),
        before=tuple(m.slug for m in modules if m.slug in before and m.slug not in covered),
        self_study=tuple(m.slug for m in modules if m.slug not in covered | before),
        homework=tuple(homework),
    )


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
    lines = ["| 时间 | 内容 | 时长 |", "|---|---|---|"]
    for slot in day.slots:
        label = slot.label if slot.kind != "break" else f"*{slot.label}*"
        lines.append(
            f"| {_clock(slot.start)}–{_clock(slot.end)} | {_cell(label)} | {slot.minutes} 分钟 |"
        )
    return lines


def _numbers(what: str, slugs: Iterable[str]) -> str:
    """``笔记本 01、02、06`` from slugs (titles are in the tables above and below)."""
    numbers = [slug[:2] for slug in slugs]
    return f"{what} {'、'.join(numbers)}" if numbers else "无"


def _render_agendas(one: Agenda, two: Agenda, exercises: Sequence[Exercise], why: str,
                    nb_total: int) -> list[str]:
    optional = two.self_study  # the appendices: self-study in both agendas
    out: list[str] = [
        "## 1 日程 · Agendas",
        "",
        "时间取自每本笔记本开头的“预计用时”和每份练习开头的用时。"
        f"每天 {_clock(DAY_START_MIN)} 开始，"
        "上午茶歇 15 分钟、午餐 60 分钟、下午茶歇 15 分钟，排在两节之间，不把一节课拆开；"
        f"每天的教学时间（不含休息）不超过 {_duration(TEACHING_CAP_MIN)}。"
        "练习在当天还排得下时紧跟在对应的笔记本之后做，排不下的留作课后作业，"
        "用 `casekit assign` 发放、`casekit grade` 评分（见第 4 节）。",
        "",
        "### 1.1 一天版 · One-day workshop",
        "",
        why.strip(),
        "",
        *_day_table(one.days[0]),
        "",
        f"- **课堂**：{_numbers('笔记本', one.taught('notebook'))}；"
        f"教学 {_duration(one.days[0].teaching_minutes)}，{_clock(one.days[0].end)} 结束。",
        f"- **课前**（开课前一周发给学员）：{_numbers('笔记本', one.before)}，"
        "并运行其中的环境自检，全部 ✓ 再来上课。",
        f"- **课后自学**：{_numbers('笔记本', [s for s in one.self_study if s not in optional])}。",
    ]
    if optional:
        out.append(f"- **选学附录**（不排进课堂）：{_numbers('笔记本', optional)}。")
    taught = set(one.taught("notebook"))
    if one.taught("exercise"):
        out.append(f"- **课堂练习**：{_numbers('练习', one.taught('exercise'))}。")
    with_day = [s for _, s in one.homework if s in taught]
    with_self = [s for _, s in one.homework if s not in taught]
    if with_day:
        out.append(f"- **课后练习**（与当天内容对应，一周内交）：{_numbers('练习', with_day)}。")
    if with_self:
        out.append(f"- **随自学完成的练习**：{_numbers('练习', with_self)}。")
    out += ["", "### 1.2 两天版 · Two-day workshop", ""]
    for day in two.days:
        nbs = [s.slug[:2] for s in day.slots if s.kind == "notebook"]
        out += [
            f"**第 {day.number} 天**：笔记本 {nbs[0]}–{nbs[-1]}，"
            f"教学 {_duration(day.teaching_minutes)}，{_clock(day.end)} 结束。",
            "",
            *_day_table(day),
            "",
        ]
    covered = two.taught("notebook")
    kind = "正课" if optional else ""
    if two.before:
        out.append(
            f"- **课前**（开课前一周发给学员，两天的课堂排不下全部正课）："
            f"{_numbers('笔记本', two.before)}，并运行其中的环境自检。"
        )
        span = f"{covered[0][:2]}–{covered[-1][:2]}"
        out.append(
            f"- **覆盖**：课堂上 {len(covered)} 本{kind}笔记本（{span}），"
            f"加上课前的 {len(two.before)} 本；课堂做{_numbers('练习', two.taught('exercise'))}。"
        )
    else:
        span = f"{covered[0][:2]}–{covered[-1][:2]}"
        out.append(
            f"- **覆盖**：全部 {len(covered)} 本{kind}笔记本（{span}）；"
            f"课堂做{_numbers('练习', two.taught('exercise'))}。"
        )
    if optional:
        out.append(f"- **选学附录**（不排进课堂，课后自读）：{_numbers('笔记本', optional)}。")
    for number, label in ((0, "随课前自学完成的练习（第 1 天开课前交）"),
                          (1, "第 1 天晚上的作业（第 2 天开课前交）"), (2, "课后作业（一周内交）")):
        slugs = [s for d, s in two.homework if d == number]
        if slugs:
            out.append(f"- **{label}**：{_numbers('练习', slugs)}。")
    ex_total = sum(e.minutes for e in exercises)
    out += [
        f"- {kind or '全部'}笔记本共 {_duration(nb_total)}，全部练习共 {_duration(ex_total)}，"
        f"合计 {_duration(nb_total + ex_total)}，超过两天的教学时间，所以大部分练习只能课后做。",
        "",
    ]
    return out


def _render_overview(
    modules: Sequence[Module], exercises: Sequence[Exercise], one: Agenda, two: Agenda
) -> list[str]:
    by_notebook = {e.slug: e for e in exercises}
    one_taught = set(one.taught("notebook"))
    day_of = {s.slug: d.number for d in two.days for s in d.slots if s.kind == "notebook"}
    lines = [
        "## 0 课程时长一览 · Timings",
        "",
        "| 笔记本 | 主题 | 预计用时 | 练习用时 | 一天版 | 两天版 |",
        "|---|---|---|---|---|---|",
    ]
    for m in modules:
        ex = by_notebook.get(m.slug)
        one_where = "课堂" if m.slug in one_taught else ("课前" if m.slug in one.before else "自学")
        two_where = "选学" if m.optional else (
        f"第 {day_of[m.slug]} 天" if m.slug in day_of else "课前")
        one_where = "选学" if m.optional and one_where == "自学" else one_where
        lines.append(
            f"| {m.number} | {_cell(m.title)} | {m.minutes} 分钟 | "
            f"{f'{ex.minutes} 分钟' if ex else '—'} | {one_where} | {two_where} |"
        )
    lines += [
        f"| 合计 | | {_duration(sum(m.minutes for m in modules))} | "
        f"{_duration(sum(e.minutes for e in exercises))} | | |",
        "",
    ]
    return lines


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
        "## 3 练习：学员常见错误 · Common mistakes per exercise",
        "",
        "题号对应练习里的问题（q1、q2 …）。这些是批改和答疑时最常遇到的情形，"
        "每条附有纠正的办法；自查单元格只检查格式，发现不了其中的大多数。",
        "",
    ]
    for e in exercises:
        out += [
            f"### 练习 {e.number} {e.title}（{e.minutes} 分钟，{len(e.questions)} 题，"
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
        "",
        f"全部练习共 {len(exercises)} 份、{sum(len(e.questions) for e in exercises)} 题、"
        f"满分 {_points(total)} 分。",
        "",
    ]


def workshop_guide(root: Path) -> str:
    """The trainers' guide as Markdown, from the notebooks, solutions and ``notes.yaml``."""
    root = Path(root)
    modules = read_modules(root)
    exercises = read_exercises(root)
    notes = load_notes(root)
    problems = check_notes(modules, exercises, notes)
    if problems:
        raise GuideError("instructor/notes.yaml does not match the course:\n  " + "\n  ".join(
            problems))
    one = one_day_agenda(modules, exercises, notes)
    two = two_day_agenda(modules, exercises)
    why = str(((notes.get("agenda") or {}).get("one_day") or {}).get("why") or "")
    lines = [
        "# 讲师工作坊指南 · Workshop guide for trainers",
        "",
        "<!-- 本文件由 `casekit guide` 从 notebooks/、solutions/ 和 instructor/notes.yaml 生成，"
        "请勿手改：改笔记本或 notes.yaml 后重新运行 `casekit guide`。 -->",
        "",
        "这份指南帮助培训老师用 casekit 办一天或两天的天猫营销工作坊：日程、每个模块的学习目标、"
        "讨论题的讲评要点、练习的常见错误，以及怎样为一个班发放和批改练习。",
        "",
    ]
    lines += _render_overview(modules, exercises, one, two)
    lines += _render_agendas(
        one, two, exercises, why, sum(m.minutes for m in modules if not m.optional)
    )
    lines += _render_modules(modules, notes)
    lines += _render_mistakes(exercises, notes)
    lines += _render_grading(exercises)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_guide(root: Path) -> Path:
    """Write ``instructor/workshop.md`` atomically (only when its content changes)."""
    root = Path(root)
    target = root / GUIDE_PATH
    data = workshop_guide(root).encode("utf-8")
    if not target.exists() or target.read_bytes() != data:
        atomic_write_bytes(target, data)
    return target
