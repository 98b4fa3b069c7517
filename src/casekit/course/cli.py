"""The ``casekit`` command line: ``kernel``, ``data …``, ``build``, ``run``, ``assign``,
``grade`` and ``site``."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    """Generate exercises/ from solutions/ (and per-student copies with --roster)."""
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
@click.option("--memory-mb", type=click.IntRange(min=128), default=1024, show_default=True)
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
        G.write_guide(root)
    except CasekitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {target}")


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


if __name__ == "__main__":  # pragma: no cover
    main()
