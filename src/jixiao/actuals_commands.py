"""``jixiao actuals …``: the XLSX form of a project's actuals, and laying a filled one over the project.

``template`` writes the form a unit fills for one project and period (prefilled with the actuals a
Jixiao JSON file carries); ``apply`` reads a filled form (or actuals as JSON) and prints the project
with its actuals as Jixiao JSON, which ``jixiao evaluate`` and ``jixiao monitor`` read. Each command
calls library functions (:mod:`jixiao.actuals`, :mod:`jixiao.actuals_xlsx`); a
:class:`~jixiao.errors.JixiaoError` becomes one line and exit status 2 (``jixiao.cli``'s group does that).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from jixiao.actuals import Actuals, ActualsError, Period, actuals_of, apply_actuals, read_actuals
from jixiao.actuals_xlsx import actuals_template, read_actuals_xlsx, template_layout
from jixiao.errors import UsageError
from jixiao.jsonformat import documents_json
from jixiao.model import Declaration
from jixiao.readers import Document, read


def _choose(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--project N`` and ``--name NAME``: which project of FILE, when it holds more than one."""
    function = click.option("--name", help="The project's name in FILE (as written).")(function)
    return click.option("--project", type=click.IntRange(1), metavar="N",
                        help="The project's position in FILE (1: the first).")(function)


def _select(declarations: list[Declaration], file: str, project: int | None, name: str | None,
            made_for: str | None = None) -> Declaration:
    """The project chosen by ``--project``/``--name``; else the only one, else the one the form was
    made for (``made_for``, from the template's hidden sheet)."""
    if project is not None and name is not None:
        raise UsageError("--project 和 --name 只能给一个")
    if project is not None:
        if project > len(declarations):
            raise UsageError(f"{file} 只有 {len(declarations)} 个项目，没有第 {project} 个")
        return declarations[project - 1]
    wanted = name if name is not None else made_for
    if wanted is None and len(declarations) == 1:
        return declarations[0]
    matching = [d for d in declarations if d.name == wanted]
    if len(matching) == 1:
        return matching[0]
    listing = "；".join(f"{n}. {d.name or '(无名称)'}" for n, d in enumerate(declarations, start=1))
    if name is not None:
        found = "没有" if not matching else f"有 {len(matching)} 个"
        raise UsageError(f"{file} 中{found}名为“{name}”的项目（用 --project N 指定）：{listing}")
    raise UsageError(f"{file} 有 {len(declarations)} 个项目，请用 --project N 或 --name 指定：{listing}")


def _write(out: str, data: bytes) -> None:
    try:
        Path(out).write_bytes(data)
    except OSError as error:
        raise UsageError(f"无法写入 {out}：{error.strerror or error}") from None


@click.group("actuals")
def actuals() -> None:
    """实际完成情况: the XLSX form a unit fills for a monitoring round or the self-evaluation."""


@actuals.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@_choose
@click.option("--period", required=True, metavar="M1…M11|final",
              help="M7: the 1–7月 monitoring round (绩效运行监控); final: the self-evaluation (绩效自评).")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="The .xlsx file to write.")
def template_command(file: str, project: int | None, name: str | None, period: str, out: str) -> None:
    """Write the XLSX form of a project's actuals for PERIOD.

    FILE is any form Jixiao reads; when it is Jixiao JSON carrying actuals, the form is filled with them.
    """
    when = Period.parse(period)
    declaration = _select(read(file), file, project, name)
    carried = actuals_of(declaration)
    _write(out, actuals_template(declaration, when, carried))
    filled = f"，已填入 {len(carried.indicators)} 个指标的实际完成情况" if carried.indicators else ""
    click.echo(f"{out}：{declaration.name}（{declaration.year or '年度未知'}），{when.label}填报表，"
               f"{len(declaration.indicators)} 个三级指标{filled}")


def _json_actuals(data: bytes, file: str) -> Actuals:
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ActualsError(f"{file}：不是 UTF-8 编码的 JSON") from None
    except json.JSONDecodeError as error:
        raise ActualsError(f"{file}：第 {error.lineno} 行不是有效的 JSON（{error.msg}）") from None
    if isinstance(parsed, dict) and "documents" in parsed:
        raise ActualsError(f"{file}：这是申报的 Jixiao JSON，不是实际完成情况；应为填好的 .xlsx 填报表，"
                           '或实际完成情况的 JSON（{"funds": {…}, "indicators": [{"index": 1, …}]}）')
    return read_actuals(parsed, source=file)


@actuals.command("apply")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.argument("actuals_file", metavar="ACTUALS",
                type=click.Path(exists=True, dir_okay=False, path_type=str))
@_choose
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=str),
              help="Write the JSON to OUT instead of printing it.")
def apply_command(file: str, actuals_file: str, project: int | None, name: str | None,
                  out: str | None) -> None:
    """Lay the actuals in ACTUALS (a filled .xlsx form, or actuals JSON) over a project of FILE.

    Prints the project with its actuals as Jixiao JSON (as `jixiao parse --json` does), for
    `jixiao evaluate` and `jixiao monitor`. Exit status 2, with the file, cell or row, when ACTUALS does
    not fit the project or cannot be read.
    """
    data = Path(actuals_file).read_bytes()
    marker = None
    if actuals_file.lower().endswith(".json"):
        report = _json_actuals(data, actuals_file)
    else:
        report = read_actuals_xlsx(data, actuals_file)
        marker = template_layout(data)
    made_for = marker.get("project") if marker else None
    declaration = _select(read(file), file, project, name, made_for)
    if made_for and declaration.name != made_for:
        click.echo(f"注意：{actuals_file} 是为“{made_for}”制作的，而所选项目是“{declaration.name}”", err=True)
    try:
        laid = apply_actuals(declaration, report)
    except ActualsError as error:
        raise ActualsError(f"{actuals_file}：{error}") from None
    text = json.dumps(documents_json([Document(file, [laid])]), ensure_ascii=False, indent=2)
    if out is None:
        click.echo(text)
    else:
        _write(out, (text + "\n").encode("utf-8"))
        click.echo(f"{out}：{declaration.name}，{len(report.indicators)} 个指标有实际完成情况", err=True)
