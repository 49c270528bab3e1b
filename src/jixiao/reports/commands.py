"""``jixiao report …``: load actuals into the store, show a declaration's report, list those at risk.

The operator's commands, like ``jixiao import``: they act as ``system`` (so recorded in the audit
log) without the units' access rules. Each command is a thin layer over :mod:`jixiao.reports`; a
:class:`~jixiao.errors.JixiaoError` becomes one line and exit status 2 (``jixiao.cli``'s group).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jixiao.actuals import Period
from jixiao.cli_store import DATABASE_URL, store_session
from jixiao.errors import JixiaoError, UsageError
from jixiao.text import money_json, pad, truncate, yuan

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jixiao.actuals import Actuals

EXIT_BAD_INPUT = 2


def _period(_ctx: click.Context, _param: click.Parameter, value: str) -> Period:
    try:
        return Period.parse(value)
    except JixiaoError as err:
        raise click.BadParameter(str(err)) from None


_PERIOD = click.option("--period", required=True, callback=_period, metavar="M1…M11|final",
                       help="The reporting period: M7 (1–7月 monitoring) … or final (the year-end "
                            "self-evaluation).")


@click.group("report")
def report() -> None:
    """监控与自评: the actuals of monitoring rounds and self-evaluations in the store."""


def _from_forms(session: Session, path: str) -> list[tuple[int, str, Actuals]]:
    """Each declaration of a form with actuals (Jixiao JSON …) → its stored declaration's id."""
    from jixiao.actuals import actuals_of
    from jixiao.readers import read_document
    from jixiao.store.repository import get_declaration

    document = read_document(path)
    if document.errors:
        raise UsageError(str(document.errors[0]))
    found = []
    for declaration in document.declarations:
        stored = get_declaration(session, declaration.unit or declaration.department, declaration.year,
                                 declaration.name)
        if stored is None:
            owner = declaration.unit or declaration.department
            raise UsageError(f"{path}: 库中没有 {declaration.year} 年“{owner}”的项目“{declaration.name}”："
                             "请先用 jixiao import 导入申报表")
        found.append((stored.id, declaration.name or "", actuals_of(declaration)))
    return found


def _from_xlsx(session: Session, path: str, declaration_id: int | None) -> list[tuple[int, str, Actuals]]:
    from jixiao.actuals_xlsx import read_actuals_xlsx
    from jixiao.store.models import Declaration

    if declaration_id is None:
        raise UsageError(f"{path}: XLSX 填报表须用 --declaration ID 指明它是哪个项目的")
    stored = session.get(Declaration, declaration_id)
    if stored is None:
        raise UsageError(f"没有编号为 {declaration_id} 的项目")
    return [(stored.id, stored.name or "", read_actuals_xlsx(Path(path).read_bytes(), Path(path).name))]


def _save(session: Session, ident: int, name: str, actuals: Actuals, period: Period, submit: bool,
          source: str) -> str:
    """Save (and with ``submit``, submit) one declaration's report as the operator; the line to print."""
    from jixiao.reports import save_report, submit_report
    from jixiao.roles import SYSTEM

    filled = save_report(session, ident, period, actuals, SYSTEM, source=source, operator=True)
    done = f"第 {filled.revision} 次保存" if filled.saved else f"未变（第 {filled.revision} 次保存）"
    line = f"{name}：{period.label}{done}"
    if filled.evaluation is None:  # a monitoring round: its light
        line += f"，{filled.monitoring.light.light}灯"
    elif filled.evaluation.total is not None:
        line += f"，自评 {filled.evaluation.total} 分（{filled.evaluation.grade}）"
    else:
        line += "，自评尚不能计分"
    if submit and not filled.submitted:
        submit_report(session, ident, period, SYSTEM, operator=True)
    return line + ("，已提交" if submit or filled.submitted else "")


@report.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=str))
@_PERIOD
@click.option("--declaration", "declaration_id", type=click.IntRange(1), metavar="ID",
              help="For an XLSX actuals table: the id of the declaration it belongs to.")
@click.option("--submit", is_flag=True,
              help="Submit each report after saving it (refused if something is missing).")
@DATABASE_URL
def import_command(files: tuple[str, ...], period: Period, declaration_id: int | None, submit: bool,
                   database_url: str | None) -> None:
    """Save the actuals in FILES as the next revision of each declaration's report for the period.

    FILES are declarations in Jixiao JSON with their actuals (matched to the stored declarations by
    unit, year and project name) or XLSX actuals tables (``jixiao actuals template``) with
    --declaration. Each file is one transaction: a file that fails leaves nothing behind. Exit
    status 2 when any file failed.
    """
    failed = 0
    with store_session(database_url) as session:  # one connection; a transaction per file
        for path in files:
            try:
                with session.begin():
                    is_xlsx = path.lower().endswith((".xlsx", ".xlsm"))
                    found = (_from_xlsx(session, path, declaration_id) if is_xlsx
                             else _from_forms(session, path))
                    lines = [_save(session, ident, name, actuals, period, submit, Path(path).name)
                             for ident, name, actuals in found]
            except JixiaoError as err:
                failed += 1
                message = str(err) if path in str(err) else f"{path}: {err}"
                click.echo(f"jixiao: error: {message}", err=True)
                continue
            for line in lines:
                click.echo(line)
    if failed:
        sys.exit(EXIT_BAD_INPUT)


@report.command("show")
@click.argument("declaration_id", type=click.IntRange(1))
@_PERIOD
@click.option("--json", "as_json", is_flag=True,
              help="Print the monitoring and the self-evaluation as JSON.")
@DATABASE_URL
def show_command(declaration_id: int, period: Period, as_json: bool, database_url: str | None) -> None:
    """Print a declaration's report for the period: its monitoring (lights) and, at the year end,
    its self-evaluation (scores with their formulas)."""
    from jixiao.evaluation import evaluation_json
    from jixiao.evaluation.render import text_report as evaluation_text
    from jixiao.monitoring.render import monitoring_json
    from jixiao.monitoring.render import text_report as monitoring_text
    from jixiao.reports import open_report
    from jixiao.roles import SYSTEM

    with store_session(database_url) as session:
        filled = open_report(session, declaration_id, period, SYSTEM, operator=True)
    state = filled.report.status_title if filled.report else "未填报"
    if as_json:
        click.echo(json.dumps({
            "declaration_id": declaration_id, "period": period.code,
            "status": filled.report.status if filled.report else None, "revision": filled.revision,
            "monitoring": monitoring_json(filled.monitoring),
            "evaluation": evaluation_json(filled.evaluation) if filled.evaluation else None,
            "missing": filled.missing()}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{filled.declaration.name}：{period.label}（{state}，第 {filled.revision} 次保存）")
    click.echo(monitoring_text(f"编号 {declaration_id}", [filled.monitoring]).rstrip("\n"))
    if filled.evaluation is not None:
        click.echo(evaluation_text(f"编号 {declaration_id}", [filled.evaluation]).rstrip("\n"))
    for line in filled.missing():
        click.echo(f"  待补：{line}")


@report.command("at-risk")
@_PERIOD
@click.option("--year", type=click.IntRange(1900, 2999), help="Only this year's declarations.")
@click.option("--department", metavar="NAME", help="Only this 主管部门's declarations.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@DATABASE_URL
def at_risk_command(period: Period, year: int | None, department: str | None, limit: int, as_json: bool,
                    database_url: str | None) -> None:
    """List the declarations whose report for the period is 黄 or 红, the largest money at stake
    (budget not yet executed) first, with the totals per department."""
    from jixiao.reports import at_risk_list
    from jixiao.roles import SYSTEM

    with store_session(database_url) as session:
        found = at_risk_list(session, SYSTEM, period, year=year, department=department, limit=limit,
                             operator=True)
    if as_json:
        click.echo(json.dumps({
            "period": period.code, "total": found.total, "red": found.red,
            "at_stake": money_json(found.at_stake),
            "departments": [{"department": d, "count": n, "at_stake": money_json(m)}
                            for d, n, m in found.departments],
            "rows": [{"declaration_id": r.declaration_id, "name": r.name, "department": r.department,
                      "unit": r.unit, "year": r.year, "light": r.report.light, "status": r.report.status,
                      "at_stake": money_json(r.report.at_stake)} for r in found.rows]},
            ensure_ascii=False, indent=2))
        return
    click.echo(f"{period.label}：{found.total} 个项目亮黄灯或红灯（红灯 {found.red} 个），"
               f"涉及资金 {yuan(found.at_stake)} 元")
    for department_name, count, money in found.departments:
        name = pad(truncate(department_name or "（无主管部门）", 30), 30)
        click.echo(f"  {name} {count:>5} 个  {yuan(money):>16} 元")
    for row in found.rows:
        click.echo(f"{row.report.light} {row.declaration_id:>7}  {pad(truncate(row.name or '', 40), 40)} "
                   f"{yuan(row.report.at_stake):>16} 元  {row.report.status_title}")
