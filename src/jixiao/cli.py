"""The ``jixiao`` command: a thin layer over the library. Each command calls one library
function; :func:`main` turns a :class:`JixiaoError` into a one-line message and exit status 2.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from decimal import Decimal

import click

from jixiao import __version__
from jixiao.errors import JixiaoError
from jixiao.readers import Document, read_document
from jixiao.text import pad, truncate
from jixiao.vocabulary import canonical_level1

EXIT_BAD_INPUT = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jixiao")
def cli() -> None:
    """绩效 Jixiao: read, review and publish performance targets of budget projects."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the declarations as JSON (see schema/).")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the reader's warnings.")
def parse(files: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    """Read FILES (performance-target forms) and print their projects.

    Exit status 2 when a file, or a form in it, could not be read; the forms that could be
    read are printed all the same.
    """
    documents = [read_document(f) for f in files]
    if as_json:
        from jixiao.jsonformat import documents_json

        click.echo(json.dumps(documents_json(documents), ensure_ascii=False, indent=2))
    else:
        for doc in documents:
            if doc.declarations or not doc.errors:
                click.echo(summary(doc))
    for doc in documents:
        if not quiet and not as_json:
            for warning in doc.warnings:
                click.echo(f"{warning} [warning]", err=True)
        for error in doc.errors:
            click.echo(f"jixiao: error: {error.message}", err=True)
    if any(doc.errors for doc in documents):
        sys.exit(EXIT_BAD_INPUT)


def summary(doc: Document) -> str:
    """A readable summary of one file: each project with its funds and indicator counts."""
    decls = doc.declarations
    total = sum((d.funds.total or Decimal(0) for d in decls), Decimal(0))
    count = sum(len(d.indicators) for d in decls)
    lines = [f"{doc.file}: {len(decls)} 个项目, 资金合计 {total:,.2f} 元, 三级指标 {count} 个"]
    if decls:
        lines.append(_row("#", "项目名称", "年度", "资金总额(元)", "指标", "产出/效益/满意度/其他"))
    for i, d in enumerate(decls, 1):
        groups = Counter(canonical_level1(ind.level1) for ind in d.indicators)
        shares = [groups["产出"], groups["效益"], groups["满意度"]]
        shares.append(len(d.indicators) - sum(shares))
        funds = f"{d.funds.total:,.2f}" if d.funds.total is not None else "-"
        lines.append(_row(str(i), d.name or "-", str(d.year or "-"), funds, str(len(d.indicators)),
                          "/".join(map(str, shares))))
    return "\n".join(lines)


def _row(number: str, name: str, year: str, funds: str, count: str, shares: str) -> str:
    return "  ".join(["", pad(number, 3, right=True), pad(truncate(name, 40), 40), pad(year, 4),
                      pad(funds, 14, right=True), pad(count, 4, right=True), shares])


def main() -> None:
    """Entry point: no traceback reaches a user."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("jixiao: aborted", err=True)
        sys.exit(1)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except JixiaoError as err:
        click.echo(f"jixiao: error: {err}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except SystemExit:
        raise
    except Exception as err:  # a bug: say so in one line, never a traceback
        click.echo(f"jixiao: internal error ({type(err).__name__}: {err}); please report it", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
