"""The ``casekit`` command line: ``casekit kernel``, ``casekit data …``, ``casekit build``."""

from __future__ import annotations

import sys

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


if __name__ == "__main__":  # pragma: no cover
    main()
