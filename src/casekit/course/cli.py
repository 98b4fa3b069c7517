"""The ``casekit`` command line: ``casekit kernel``, ``casekit data …``, ``casekit build``."""

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
@click.option("--force", is_flag=True, help="Re-run notebooks even when their build key is unchanged.")
@click.option("--check", is_flag=True,
              help="Execute afresh and fail if a committed notebook differs (CI drift check).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def build(paths: tuple[Path, ...], jobs: int | None, force: bool, check: bool, quiet: bool) -> None:
    """Execute the course notebooks (default: notebooks/) in place, with outputs."""
    from casekit.course.build import build as run_build
    from casekit.course.build import discover

    folders = [p for p in paths if p.is_dir()] or ([] if paths else [Path("notebooks")])
    files = [p for p in paths if p.is_file()]
    targets = sorted(set(files) | set(discover(folders)))
    if not targets:
        click.echo("no notebooks (NN_slug.ipynb) found in " + ", ".join(map(str, folders)))
        return
    report = run_build(targets, jobs=jobs, force=force, check=check, progress=not quiet)
    for result in report.results:
        if result.message:
            click.echo(("FAILED " if result.status in ("failed", "differs") else "") + result.message,
                       err=True)
    click.echo(f"casekit build{' --check' if check else ''}: {report.summary()}")
    if not report.ok:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
