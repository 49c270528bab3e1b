"""``jixiao export FILE... --format xlsx|pdf|csv|json --out DIR``: the official forms and open data as files.

A thin layer over :mod:`jixiao.export`: it reads FILES (anything ``jixiao parse`` reads), picks the
table (``--table``), renders each file and writes it under DIR, printing one line per file written.
What is in the store is exported with ``--declaration ID`` (repeatable) instead of FILES.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from jixiao.cli_store import DATABASE_URL
from jixiao.errors import UsageError

if TYPE_CHECKING:
    from jixiao.model import Declaration

EXIT_BAD_INPUT = 2
TABLES = ("form", "summary", "monitoring", "self-evaluation")
#: Which formats each table comes in.
FORMATS: dict[str, tuple[str, ...]] = {
    "form": ("xlsx", "pdf", "csv", "json"),
    "summary": ("xlsx",),
    "monitoring": ("xlsx", "pdf"),
    "self-evaluation": ("xlsx", "pdf"),
}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')  # what file systems (and headers) refuse in a name


def file_stem(declaration: Declaration, number: int) -> str:
    """A file name for one declaration: its number in the run and its name, without the characters
    file systems refuse (``/``, ``:`` …), at most 80 characters."""
    return f"{number:03d}-{safe_name(declaration.name)}"


def safe_name(text: str | None, default: str = "未命名项目") -> str:
    """``text`` as part of a file name: without the characters file systems refuse, at most 80 long."""
    cleaned = _UNSAFE.sub("_", text or "").strip(" ._")
    return cleaned[:80] or default


def _per_declaration(declarations: list[Declaration], render: Callable[[Declaration], bytes], suffix: str
                     ) -> Iterable[tuple[str, bytes]]:
    for number, declaration in enumerate(declarations, start=1):
        yield f"{file_stem(declaration, number)}{suffix}", render(declaration)


def render_files(declarations: list[Declaration], table: str, fmt: str, *, as_of: date | None = None,
                 workbook: bool = False, jobs: int = 1) -> Iterable[tuple[str, bytes]]:
    """(file name, content) for each file of ``table`` in format ``fmt`` (pure: nothing is written);
    ``jobs``: worker processes printing the PDFs of the declarations, one file each."""
    from jixiao import export

    if fmt not in FORMATS[table]:
        raise UsageError(f"--table {table} 没有 {fmt} 格式；可用：{', '.join(FORMATS[table])}")
    if table == "form":
        if fmt == "csv":
            yield "declarations.csv", export.declarations_csv(declarations).encode("utf-8-sig")
            yield "indicators.csv", export.indicators_csv(declarations).encode("utf-8-sig")
        elif fmt == "json":
            import json

            yield "open-data.json", json.dumps(export.open_data_json(declarations), ensure_ascii=False,
                                               indent=1).encode("utf-8")
        elif workbook:
            many = export.declarations_xlsx if fmt == "xlsx" else export.declarations_pdf
            yield f"申报表.{fmt}", many(declarations)
        elif fmt == "pdf" and jobs > 1:
            pdfs = export.declaration_pdfs(declarations, processes=jobs)
            for number, (declaration, data) in enumerate(zip(declarations, pdfs, strict=True), start=1):
                yield f"{file_stem(declaration, number)}.pdf", data
        else:
            render = export.declaration_xlsx if fmt == "xlsx" else export.declaration_pdf
            yield from _per_declaration(declarations, render, f".{fmt}")
    elif table == "summary":
        yield "汇总表.xlsx", export.summary_xlsx(declarations)
    elif table == "monitoring":
        if as_of is None:
            raise UsageError("--table monitoring 须给出 --as-of YYYY-MM-DD（监控数据截至的日期）")
        from jixiao.monitoring import monitor

        def monitored(d: Declaration) -> bytes:
            m = monitor(d, as_of)
            return export.monitoring_xlsx(m) if fmt == "xlsx" else export.monitoring_pdf(d, m)

        yield from _per_declaration(declarations, monitored, f"-监控表.{fmt}")
    else:
        from jixiao.evaluation import evaluate

        def evaluated(d: Declaration) -> bytes:
            e = evaluate(d)
            return export.self_evaluation_xlsx(e) if fmt == "xlsx" else export.self_evaluation_pdf(d, e)

        yield from _per_declaration(declarations, evaluated, f"-自评表.{fmt}")


def _from_files(files: tuple[str, ...]) -> tuple[list[Declaration], list[str]]:
    from jixiao.readers import read_document

    declarations: list[Declaration] = []
    errors: list[str] = []
    for path in files:
        document = read_document(path)
        declarations += document.declarations
        errors += [str(e) for e in document.errors]
    return declarations, errors


def _from_store(ids: tuple[int, ...], database_url: str | None) -> list[Declaration]:
    from jixiao.cli_store import store_session
    from jixiao.store.repository import StoreError, load_version

    with store_session(database_url) as session:
        try:
            return [load_version(session, ident) for ident in ids]
        except StoreError:
            raise UsageError(f"库中没有这些编号的项目：{', '.join(map(str, ids))}") from None


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} 不是 YYYY-MM-DD 格式的日期") from None


@click.command("export")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf", "csv", "json"]), required=True,
              help="xlsx, pdf: the official layouts; csv, json: open data (one row per indicator).")
@click.option("--table", type=click.Choice(TABLES), default="form", show_default=True,
              help="form: each declaration; summary: the 汇总表; monitoring, self-evaluation: the tables "
                   "of declarations with their actuals.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The folder to write into (created if missing).")
@click.option("--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD",
              help="For --table monitoring: the date the figures to date stand at.")
@click.option("--workbook", is_flag=True, help="All declarations in one workbook (xlsx) or one PDF.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes printing the PDFs, one file per declaration (each starts in ~2 s: "
                   "for many declarations).")
@click.option("--declaration", "ids", type=click.IntRange(1), multiple=True, metavar="ID",
              help="Export this stored declaration (latest version) instead of FILES; repeatable.")
@DATABASE_URL
def export(files: tuple[str, ...], fmt: str, table: str, out: Path, as_of: date | None, workbook: bool,
           jobs: int, ids: tuple[int, ...], database_url: str | None) -> None:
    """Write the declarations of FILES (or --declaration IDs from the store) as the official forms
    (XLSX, PDF) or as open data (CSV, JSON) into --out. Exit status 2 for unreadable input, with the
    forms that could be read still written."""
    if bool(files) == bool(ids):
        raise UsageError("给出文件，或用 --declaration 指定库中的项目（二者选一）")
    declarations, errors = (_from_files(files) if files else (_from_store(ids, database_url), []))
    if not declarations:
        raise UsageError("没有可导出的项目" + (f"：{errors[0]}" if errors else ""))
    out.mkdir(parents=True, exist_ok=True)
    written: list[tuple[str, Any]] = []
    try:
        for name, data in render_files(declarations, table, fmt, as_of=as_of, workbook=workbook, jobs=jobs):
            path = out / name
            path.write_bytes(data)
            written.append((name, len(data)))
            click.echo(f"{path}  {len(data):,} 字节")
    except ValueError as err:  # what the renderers refuse (a monitoring dated in December …)
        raise UsageError(str(err)) from None
    click.echo(f"写出 {len(written)} 个文件，{len(declarations)} 个项目")
    for message in errors:
        click.echo(f"jixiao: error: {message}", err=True)
    if errors:
        sys.exit(EXIT_BAD_INPUT)
