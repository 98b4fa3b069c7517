"""The ``casekit`` command line: ``kernel``, ``data …``, ``build``, ``run``, ``assign``,
``grade``, ``review``, ``report``, ``variants``, ``quiz-gain``, ``guide``, ``site``,
``handouts``, ``index``, ``new`` and ``check``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


class _Command(click.Command):
    """A command that stops cleanly: Ctrl-C or SIGTERM print one line and exit with 130."""

    def invoke(self, ctx: click.Context):
        from casekit.course import interrupt
        from casekit.errors import Interrupted

        try:
            with interrupt.run(self.name or "casekit"):
                return super().invoke(ctx)
        except Interrupted as exc:
            message = str(exc)
        except KeyboardInterrupt:
            message = (f"interrupted: casekit {self.name} stopped before it finished; "
                       "nothing half-written was kept, run it again")
        click.echo(message, err=True)
        if sys.stderr is sys.__stderr__:  # the real command line, not a test's CliRunner
            # Children, temp folders and writes are settled; skip the interpreter's exit
            # handlers, where libraries whose helper we stopped (a browser driver, a pool's
            # manager thread) would print tracebacks after the one line.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        ctx.exit(130)


class _Group(click.Group):
    command_class = _Command
    group_class = type  # subgroups (casekit data …) are _Group too


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="casekit")
def main() -> None:
    """casekit: build, check and run the Tmall marketing course."""


@main.command()
def kernel() -> None:
    """Install the course's Jupyter kernel ('Python (casekit 课程)') into this environment."""
    from casekit.course.kernel import DISPLAY_NAME, install_kernel

    path = install_kernel()
    click.echo(f"installed kernel {DISPLAY_NAME!r} at {path}")


@main.group()
def data() -> None:
    """List, check and regenerate the course datasets."""


@data.command("list")
def data_list() -> None:
    """Print the dataset catalogue."""
    import pandas as pd

    from casekit.data import catalog

    with pd.option_context("display.width", 200, "display.max_colwidth", 40):
        click.echo(catalog()[["name", "kind", "rows", "title_zh", "source"]].to_string(index=False))


@data.command("check")
def data_check() -> None:
    """Load and validate every dataset against datasets/catalog.yaml."""
    from casekit.data import load, raw_catalog
    from casekit.errors import CasekitError

    failed = 0
    names = list(raw_catalog())
    for name in names:
        try:
            df = load(name)
        except CasekitError as exc:
            failed += 1
            click.echo(f"FAIL {name}: {exc}", err=True)
        else:
            click.echo(f"ok   {name:28s} {len(df):>9,d} rows")
    if failed:
        click.echo(f"{failed} of {len(names)} datasets failed validation", err=True)
        sys.exit(1)
    click.echo(f"all {len(names)} datasets valid")


@data.command("calibrate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--per-mille", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Users kept per 1,000 (picked by a hash of user_id); 1000 keeps everyone.")
def data_calibrate(path: Path, per_mille: int) -> None:
    """A real UserBehavior log's path statistics next to the simulated logs' targets.

    PATH is a Tianchi UserBehavior.csv (the first run writes a cleaned Parquet cache beside
    it). Use the printed values to check or fill in events_618's calibration targets in
    datasets/catalog.yaml.
    """
    import pandas as pd

    from casekit.data.generators.calibration import compare_with_targets

    table, users, events = compare_with_targets(path, per_mille)
    click.echo(f"{path}: {users:,} users, {events:,} events ({per_mille} per 1,000 users)")
    table["target"] = [
        "(none)" if pd.isna(v) else f"{v:g} ± {t:g}"
        for v, t in zip(table["target"], table["tolerance"], strict=True)
    ]
    table["measured"] = table["measured"].map(lambda v: f"{v:.4f}")
    click.echo(table.drop(columns="tolerance").to_string(index=False))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Notebooks run in parallel (default: number of cores).")
@click.option("--force", is_flag=True,
              help="Re-run notebooks even when their build key is unchanged.")
@click.option("--check", is_flag=True,
              help="Execute afresh and fail if a committed notebook differs (CI drift check).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def build(paths: tuple[Path, ...], jobs: int | None, force: bool, check: bool, quiet: bool) -> None:
    """Execute the course notebooks (default: notebooks/) in place, with outputs."""
    from casekit.course.build import build as run_build
    from casekit.course.notebooks import discover

    folders = [p for p in paths if p.is_dir()] or ([] if paths else [Path("notebooks")])
    files = [p for p in paths if p.is_file()]
    targets = sorted(set(files) | set(discover(folders)))
    if not targets:
        click.echo("no notebooks (NN_slug.ipynb) found in " + ", ".join(map(str, folders)))
        return
    report = run_build(targets, jobs=jobs, force=force, check=check, progress=not quiet)
    for result in report.results:
        if result.message:
            prefix = "FAILED " if result.status in ("failed", "differs") else ""
            click.echo(prefix + result.message, err=True)
    click.echo(f"casekit build{' --check' if check else ''}: {report.summary()}")
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--param", "-p", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="A declared parameter (repeatable), checked against the notebook's schema.")
def run(notebook: Path, output: Path, params: tuple[tuple[str, str], ...]) -> None:
    """Run an exercise or solution with parameters, checked before any cell runs."""
    from casekit.course.build import describe_failure, execute_to
    from casekit.errors import CasekitError

    try:
        execute_to(notebook, output, key=None, parameters=dict(params))
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        raise click.ClickException(describe_failure(notebook, exc)) from None
    click.echo(f"wrote {output}")


@main.command()
@click.option("--solutions", type=click.Path(file_okay=False, path_type=Path),
              default=Path("solutions"), show_default=True)
@click.option("--exercises", type=click.Path(file_okay=False, path_type=Path),
              default=Path("exercises"), show_default=True)
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with student_id,name: write one personalised copy per student.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("handout"), show_default=True,
              help="Where per-student copies go (with --roster).")
@click.option("--check", is_flag=True, help="Fail if exercises/ is stale (CI).")
def assign(solutions: Path, exercises: Path, roster: Path | None, out: Path, check: bool) -> None:
    """Generate exercises/ from solutions/ (and per-student copies with --roster).

    Each personal copy holds the student's parameters and, for choice questions with option
    objects, the options shuffled for that student (order recorded in its metadata; graded
    by meaning). `casekit variants` reports how the correct answers spread across students.
    """
    from casekit.course import assign as A
    from casekit.errors import CasekitError

    try:
        if check:
            problems = A.stale_exercises(solutions, exercises)
            for problem in problems:
                click.echo(problem, err=True)
            if problems:
                raise click.ClickException("exercises/ is stale; run `casekit assign`")
            click.echo("exercises/ is up to date")
            return
        result = A.assign(solutions, exercises)
        click.echo(f"exercises: {len(result.written)} written, {len(result.unchanged)} unchanged")
        if roster:
            students = A.read_roster(roster)
            written = A.assign_roster(exercises, students, out)
            click.echo(f"handout: {len(written)} notebooks for {len(students)} students in {out}/")
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--solutions", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("solutions"), show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("grading"), show_default=True,
              help="gradebook.sqlite, grades.csv and feedback/<student>.html go here.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with student_id,name (names in the CSV and feedback).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None)
@click.option("--cell-timeout", type=click.IntRange(min=1), default=60, show_default=True)
@click.option("--notebook-timeout", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--memory-mb", type=click.IntRange(min=128), default=1024, show_default=True,
              help="Memory a submission may allocate, on top of the pre-loaded libraries.")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "python"]), default="auto",
              show_default=True,
              help="bwrap: each notebook also runs under bubblewrap (read-only environment, no "
                   "network, private /proc); python: audit hook only; auto: bwrap where user "
                   "namespaces work, else python with a warning.")
@click.option("--cluster", metavar="tcp://HOST:8786", default=None,
              help="Run the per-submission jobs on this Dask scheduler's workers "
                   "(docs/distributed.md); only this process writes the gradebook.")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Skip submissions already graded with the same notebook, solution and "
                   "limits (an interrupted run continues where it stopped).")
@click.option("--quiet", "-q", is_flag=True)
def grade(submissions: Path, solutions: Path, out: Path, roster: Path | None, jobs: int | None,
          cell_timeout: int, notebook_timeout: int, memory_mb: int, sandbox: str,
          cluster: str | None, resume: bool, quiet: bool) -> None:
    """Grade SUBMISSIONS/<student_id>/<NN_slug>.ipynb into a gradebook and feedback."""
    from casekit.course import assign as A
    from casekit.course import grade as G
    from casekit.errors import CasekitError

    try:
        names = {s.id: s.name for s in A.read_roster(roster)} if roster else None
        results = G.grade(submissions, solutions_dir=solutions, out_dir=out, jobs=jobs,
                          names=names, cell_timeout=cell_timeout,
                          notebook_timeout=notebook_timeout, memory_mb=memory_mb,
                          progress=not quiet, sandbox=sandbox, cluster=cluster, resume=resume)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    click.echo("graded: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    click.echo(f"gradebook: {out / 'gradebook.sqlite'}  csv: {out / 'grades.csv'}  "
               f"feedback: {out / 'feedback'}/")


@main.command("quiz-gain")
@click.argument("pre", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("post", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--quiz", "exercise_id", default="00_quiz", show_default=True,
              help="Exercise id of the quiz in both gradebooks.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the table as CSV (UTF-8 with BOM, for Excel).")
def quiz_gain(pre: Path, post: Path, exercise_id: str, csv_path: Path | None) -> None:
    """Pre → post gain per quiz question and overall, from two `casekit grade` folders."""
    from casekit.course import quiz as Q
    from casekit.errors import CasekitError

    try:
        result = Q.quiz_gain(pre, post, exercise_id=exercise_id)
        if csv_path:
            Q.write_csv(result, csv_path)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(Q.table(result))
    if csv_path:
        click.echo(f"wrote {csv_path}")


@main.command()
@click.argument("grading", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--solutions", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("solutions"), show_default=True,
              help="Solutions whose text questions carry the rubrics.")
@click.option("--apply", "marks", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A filled-in marks CSV: store its marks in the gradebook and rewrite the "
                   "feedback pages and grades.csv.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with student_id,name (names in the rewritten feedback and CSV).")
def review(grading: Path, solutions: Path, marks: Path | None, roster: Path | None) -> None:
    """Mark free-text answers: GRADING/review/ gets one page per text question and marks.csv.

    \b
    1. casekit review grading/            (open grading/review/index.html)
    2. fill in points (or the crit:<id> columns) and comment in grading/review/marks.csv
    3. casekit review grading/ --apply grading/review/marks.csv
    A mark holds while the student's answer is unchanged; re-grading keeps it.
    """
    from casekit.course import assign as A
    from casekit.course import review as R
    from casekit.errors import CasekitError

    try:
        if marks:
            names = {s.id: s.name for s in A.read_roster(roster)} if roster else None
            report = R.apply_marks(grading, marks, names)
            for line in report.skipped:
                click.echo(f"skipped {line}", err=True)
            click.echo(f"applied {report.applied} marks; feedback and grades.csv rewritten")
            return
        written = R.write_review(grading, solutions)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"review: {len(written) - 2} question pages; open {written[0]}; "
               f"marks go in {written[-1]}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--students", "-n", type=click.IntRange(min=2), default=30, show_default=True,
              help="How many generated student ids (v001, v002, …) to run each solution for.")
def variants(paths: tuple[Path, ...], students: int) -> None:
    """Report the spread of correct answers per question across N students.

    Runs each solution (default: every solutions/NN_slug.ipynb) once per generated student
    id, in one kernel per solution, and prints per question: the number of distinct correct
    answers as the students write them (shuffled options included), the share of the most
    common one, and min / median / max (numbers) or how often each option is right.
    A question with 1 distinct answer is the same for everyone.
    """
    from casekit.course import notebooks as N
    from casekit.course import variants as V
    from casekit.errors import CasekitError

    folders = [p for p in paths if p.is_dir()] or ([] if paths else [Path("solutions")])
    targets = sorted(set(p for p in paths if p.is_file()) | set(N.discover(folders)))
    try:
        for path in targets:
            spec = N.exercise_spec(N.read_notebook(path), str(path))
            rows = V.spread(spec, V.run_variants(path, V.student_ids(students)))
            click.echo(f"{path.stem} ({students} students)")
            for r in rows:
                flag = "  ← same for all" if r["distinct"] == 1 and r["kind"] not in (
                    "text", "check") else ""
                click.echo(f"  {r['question']:<4} {r['kind']:<8} {r['level']:<9} "
                           f"distinct {r['distinct']:>3}  top {r['top_share']:>4.0%}  "
                           f"{r['summary']}{flag}")
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("grading", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write (default: GRADING/report.html); CSVs go next to it.")
@click.option("--compare", type=click.Path(exists=True, path_type=Path), default=None,
              help="Another grading folder (an earlier run or another class) to compare with.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.6, show_default=True,
              help="Students whose total is below this share of the maximum are at risk.")
@click.option("--solutions", type=click.Path(file_okay=False, path_type=Path),
              default=Path("solutions"), show_default=True,
              help="Solutions: question levels, known mistakes and sections.")
@click.option("--notebooks", type=click.Path(file_okay=False, path_type=Path),
              default=Path("notebooks"), show_default=True,
              help="Course notebooks whose sections are suggested for revision.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with student_id,name: names, and students who handed in nothing.")
def report(grading: Path, out: Path | None, compare: Path | None, threshold: float,
           solutions: Path, notebooks: Path, roster: Path | None) -> None:
    """Class report from GRADING/gradebook.sqlite: HTML page + one CSV per table (trainers)."""
    from casekit.course import report as R
    from casekit.errors import CasekitError

    try:
        result = R.report(grading, out=out, compare=compare, threshold=threshold,
                          solutions=solutions, notebooks=notebooks, roster=roster)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    risk = len(result.tables["at_risk"])
    click.echo(f"report: {result.html} ({risk} students at risk); "
               f"{len(result.csv)} CSV files next to it")


@main.command()
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="Project folder holding notebooks/, solutions/ and instructor/notes.yaml.")
@click.option("--check", is_flag=True, help="Fail if instructor/workshop.md is stale (CI).")
def guide(root: Path, check: bool) -> None:
    """Write instructor/workshop.md: agendas, objectives, discussion notes, common mistakes."""
    from casekit.course import guide as G
    from casekit.errors import CasekitError

    target = root / G.GUIDE_PATH
    try:
        if check:
            fresh = G.workshop_guide(root).encode("utf-8")
            if not target.exists() or target.read_bytes() != fresh:
                raise click.ClickException(f"{target} is stale; run `casekit guide`")
            click.echo(f"{target} is up to date")
            return
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        G.write_guide(root)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {target}")
    changes = G.agenda_changes(old, target.read_text(encoding="utf-8"))
    if changes:
        click.echo(f"agendas changed ({len(changes)} lines):")
        for line in changes:
            click.echo("  " + line)
    else:
        click.echo("agendas unchanged")


@main.command("new")
@click.argument("slug")
@click.option("--title-zh", required=True, help="The module's Chinese title, e.g. 直播电商.")
@click.option("--exercise", is_flag=True, help="Also scaffold the exercise (its solution).")
@click.option("--role", type=click.Choice(["core", "case", "appendix"]), default="core",
              show_default=True, help="core and case are taught; an appendix is optional.")
@click.option("--summary-zh", default=None, help="One line for the course map (what students do).")
@click.option("--minutes", type=int, default=45, show_default=True, help="Estimated minutes.")
@click.option("--source", default="A001", show_default=True,
              help="The bibliography id of the article the module starts from.")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The course folder.")
def new(slug: str, title_zh: str, exercise: bool, role: str, summary_zh: str | None,
        minutes: int, source: str, root: Path) -> None:
    """Scaffold module SLUG (NN_slug): notebook, optional exercise, trainer-note placeholders."""
    from casekit.course.scaffold import PLACEHOLDER, new_module
    from casekit.errors import CasekitError

    try:
        written = new_module(root, slug, title_zh, exercise=exercise, role=role,
                             summary_zh=summary_zh, minutes=minutes, source=source)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"next: write the content; replace every {PLACEHOLDER} in instructor/notes.yaml; then "
        f"casekit index && casekit build {' '.join(str(p) for p in written if p.suffix == '.ipynb')}"  # noqa: E501
        f"{' && casekit assign' if exercise else ''} && casekit guide && casekit check {slug}"
    )


@main.command("check")
@click.argument("slug")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The course folder.")
@click.option("--seed-overlap", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The maintainers' seed-overlap tool (compares with the articles).")
def check(slug: str, root: Path, seed_overlap: Path | None) -> None:
    """Run every check about module SLUG, and the course-wide checks a -k filter hides."""
    from casekit.course.checkmodule import run_checks
    from casekit.errors import CasekitError

    try:
        steps = run_checks(root, slug, seed_overlap=seed_overlap, echo=click.echo)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    failed = [s.name for s in steps if not s.ok]
    total = sum(s.seconds for s in steps)
    if failed:
        listed = ", ".join(failed)
        raise click.ClickException(f"{len(failed)} of {len(steps)} checks failed: {listed}")
    click.echo(f"all {len(steps)} checks passed for {slug} in {total:.0f} s")


@main.command()
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The course folder.")
@click.option("--check", is_flag=True,
              help="Fail if notebooks/course_map.json or the README's course table is stale (CI).")
def index(root: Path, check: bool) -> None:
    """Regenerate the course map (notebook 00) and the README's course table from metadata."""
    from casekit.course.coursemap import write
    from casekit.errors import CasekitError

    try:
        changed = write(root, check=check)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    if check and changed:
        names = ", ".join(str(p) for p in changed)
        raise click.ClickException(f"stale: {names}; run `casekit index` and commit the result")
    verb = "stale" if check else "updated"
    listed = ", ".join(str(p) for p in changed)
    click.echo(f"{verb}: {listed}" if changed else "course map up to date")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("site"),
              show_default=True, help="Folder of the site (replaced whole on success).")
@click.option("--notebooks", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("notebooks"), show_default=True)
@click.option("--exercises", type=click.Path(file_okay=False, path_type=Path),
              default=Path("exercises"), show_default=True)
@click.option("--instructor", type=click.Path(file_okay=False, path_type=Path),
              default=Path("instructor"), show_default=True)
@click.option("--docs", type=click.Path(file_okay=False, path_type=Path),
              default=Path("docs"), show_default=True,
              help="Project documents (*.md) shown on the site; sources.md is the bibliography.")
@click.option("--force", is_flag=True, help="Rebuild even when no input changed.")
def site(out: Path, notebooks: Path, exercises: Path, instructor: Path, docs: Path,
         force: bool) -> None:
    """Build the offline static course site from the executed notebooks (open OUT/index.html)."""
    from casekit.course.site import build_site
    from casekit.errors import CasekitError

    try:
        report = build_site(out, notebooks_dir=notebooks, exercises_dir=exercises,
                            instructor_dir=instructor, docs_dir=docs, force=force)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"site: {report.summary()}")
    click.echo(f"open {out / 'index.html'} in a browser (works offline, from disk)")


@main.command()
@click.argument("only", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("handouts"),
              show_default=True, help="Folder of the PDFs (not committed).")
@click.option("--code/--no-code", default=True, show_default=True,
              help="Show code cells in the notebook PDFs and worksheets (answer keys always do).")
@click.option("--student", metavar="ID",
              help="Only the answer keys for this student's parameters (runs the solutions).")
@click.option("--force", is_flag=True, help="Print again even when no input changed.")
@click.option("--notebooks", type=click.Path(file_okay=False, path_type=Path),
              default=Path("notebooks"), show_default=True)
@click.option("--exercises", type=click.Path(file_okay=False, path_type=Path),
              default=Path("exercises"), show_default=True)
@click.option("--solutions", type=click.Path(file_okay=False, path_type=Path),
              default=Path("solutions"), show_default=True)
@click.option("--reading", type=click.Path(file_okay=False, path_type=Path),
              default=Path("docs/reading"), show_default=True)
def handouts(only: tuple[str, ...], out: Path, code: bool, student: str | None, force: bool,
             notebooks: Path, exercises: Path, solutions: Path, reading: Path) -> None:
    """Print-ready PDFs: notebooks, answer keys, worksheets, reading pack (ONLY: slugs)."""
    from casekit.course.handouts import build_handouts
    from casekit.errors import CasekitError

    try:
        report = build_handouts(out, force=force, notebooks_dir=notebooks,
                                exercises_dir=exercises, solutions_dir=solutions,
                                reading_dir=reading, only=only, code=code, student=student,
                                progress=lambda name: click.echo(f"printing {name}"))
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"handouts: {report.summary()}")


if __name__ == "__main__":  # pragma: no cover
    main()
