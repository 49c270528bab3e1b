"""The ``jixiao`` command: a thin layer over the library. Each command calls one library
function; :func:`main` turns a :class:`JixiaoError` into a one-line message and exit status 2.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from jixiao import __version__
from jixiao.cli_store import DATABASE_URL
from jixiao.errors import JixiaoError, UsageError
from jixiao.readers import Document, read_document

if TYPE_CHECKING:
    from jixiao.evaluation import Evaluator
    from jixiao.model import Declaration, UnitTable
    from jixiao.readers.folders import Expanded
    from jixiao.store.importing import FileImport
from jixiao.text import pad, truncate, yuan
from jixiao.vocabulary import canonical_level1

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


class _Group(click.Group):
    """Maps a JixiaoError raised by any command to one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except JixiaoError as err:
            click.echo(f"jixiao: error: {err}", err=True)
            ctx.exit(EXIT_BAD_INPUT)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jixiao")
def cli() -> None:
    """绩效 Jixiao: read, review and publish performance targets of budget projects."""


@cli.command()
@click.argument("files", metavar="FILE_OR_DIR...", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the declarations as JSON (see schema/).")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the reader's warnings.")
def parse(files: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    """Read the files (performance-target forms), and the form files in the folders, and print their
    projects.

    Exit status 2 when a file, or a form in it, could not be read; the forms that could be
    read are printed all the same.
    """
    documents = [read_document(f) for f in _form_files(files).files]
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


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--profile", help="Review under this profile (default: chosen by each form's layout).")
@click.option("--select", multiple=True, help="Rules to run: codes, prefixes or categories (JX3,format).")
@click.option("--ignore", multiple=True, help="Rules not to run: codes, prefixes or categories.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=str),
              help="A TOML file with a [review] table (thresholds, select, ignore, suppress).")
def review(files: tuple[str, ...], as_json: bool, profile: str | None, select: tuple[str, ...],
           ignore: tuple[str, ...], config_path: str | None) -> None:
    """Review the performance targets in FILES (绩效目标审核).

    Exit status 1 when a finding of severity error exists, 0 otherwise, 2 for unreadable input.
    """
    from jixiao.review import ReviewConfig, Reviewer, load_config
    from jixiao.review.profiles import profile_names
    from jixiao.review.render import text_report, totals

    config = load_config(config_path) if config_path else ReviewConfig()
    if profile:
        if profile not in profile_names():
            raise UsageError(f"unknown profile {profile!r}; expected one of: {', '.join(profile_names())}")
        config.profile = profile
    if select:
        config.select = _split(select)
    if ignore:
        config.ignore = [*config.ignore, *_split(ignore)]
    reviewer = Reviewer(config)
    documents = [read_document(f) for f in files]
    results = [(doc, [reviewer.review(d) for d in doc.declarations]) for doc in documents]
    _report(results, as_json, lambda r: r.model_dump(mode="json"), text_report, totals,
            failed=lambda r: r.has_errors)


def _report(results: list[tuple[Document, list[Any]]], as_json: bool, to_json: Callable[[Any], Any],
            text_report: Callable[[str, list[Any]], str], totals: Callable[[list[Any]], str],
            failed: Callable[[Any], bool],
            summary_json: Callable[[list[Any]], dict[str, Any]] | None = None) -> None:
    """Print each file's results as JSON or text and the reader's errors; exit status 2 when a file
    could not be read, 1 when ``failed`` for some result (``review``, ``evaluate``, ``monitor``).
    ``summary_json`` adds keys over all results to the JSON (as ``totals`` ends the text)."""
    if as_json:
        out: dict[str, Any] = {"documents": [
            {"file": doc.file, "projects": [to_json(r) for r in found],
             "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in doc.errors]}
            for doc, found in results]}
        if summary_json is not None:
            out.update(summary_json([r for _, found in results for r in found]))
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for doc, found in results:
            if found:
                click.echo(text_report(doc.file, found))
                click.echo("")
        click.echo(totals([r for _, found in results for r in found]))
    for doc, _ in results:
        for error in doc.errors:
            click.echo(f"jixiao: error: {error.message}", err=True)
    if any(doc.errors for doc, _ in results):
        sys.exit(EXIT_BAD_INPUT)
    if any(failed(r) for _, found in results for r in found):
        sys.exit(EXIT_FINDINGS)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the self-evaluations as JSON.")
@click.option("--profile", help="Score under this profile (default: chosen by each form's layout).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=str),
              help="A TOML file with an [evaluation] table (weights, tiers …) and [review.thresholds].")
def evaluate(files: tuple[str, ...], as_json: bool, profile: str | None, config_path: str | None) -> None:
    """Score the self-evaluations (绩效自评) of FILES: declarations in Jixiao JSON with their actuals.

    Prints each project's table (weights, scores with their formulas, total and grade) and what must
    be done before it can be submitted. Exit status 1 when a project cannot be submitted yet (a figure
    that cannot be scored, a deviation without its explanation), 0 otherwise, 2 for unreadable input.
    """
    from jixiao.evaluation import evaluation_json
    from jixiao.evaluation.render import text_report, totals

    evaluator = _evaluator(profile, config_path)
    documents = [read_document(f) for f in files]
    results = [(doc, [evaluator.evaluate(d) for d in doc.declarations]) for doc in documents]
    _report(results, as_json, evaluation_json, text_report, totals, failed=lambda ev: not ev.can_submit)


def _evaluator(profile: str | None, config_path: str | None) -> Evaluator:
    """The evaluator of ``--profile`` and ``--config`` (``evaluate`` and ``check``)."""
    from jixiao.evaluation import EvaluationConfig, Evaluator, load_evaluation_config
    from jixiao.review.profiles import profile_names

    config = load_evaluation_config(config_path) if config_path else EvaluationConfig()
    if profile:
        if profile not in profile_names():
            raise UsageError(f"unknown profile {profile!r}; expected one of: {', '.join(profile_names())}")
        config.profile = profile
    return Evaluator(config)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--table", "table_path", type=click.Path(dir_okay=False, path_type=str), metavar="TABLE.json",
              help="The unit's filled-in table(s) as JSON (docs/evaluation.md); without it, the figures "
                   "of FILE's own self-evaluation tables (项目支出绩效自评表).")
@click.option("--project", type=click.IntRange(min=1), metavar="N",
              help="Check project N of FILE (1 = the first) against the table.")
@click.option("--name", help="Check the project of FILE with this name against the table.")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option("--profile", help="Recompute under this profile (default: chosen by each form's layout).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=str),
              help="A TOML file with an [evaluation] table (weights, tiers, check_tolerance …).")
def check(file: str, table_path: str | None, project: int | None, name: str | None, as_json: bool,
          profile: str | None, config_path: str | None) -> None:
    """Check a unit's own arithmetic (复核自评表): recompute the figures of TABLE from FILE (a declaration
    with its actuals) and list those that differ, by how much and why.

    TABLE holds one table (with the "name" of its project when FILE holds several) or {"tables": [...]},
    each naming its project. Without --table, FILE is a filled-in self-evaluation table (XLSX, DOCX …)
    and its own figures are checked. Exit status 1 when a figure differs, 0 otherwise, 2 for bad input.
    """
    from jixiao.evaluation.tables import check_tables, checked_json, load_tables, pair, text_report, totals

    if project is not None and name is not None:
        raise UsageError("--project 和 --name 只能用其中一个")
    evaluator = _evaluator(profile, config_path)
    tables = load_tables(table_path) if table_path is not None else None
    doc = read_document(file)
    checked = []
    if doc.declarations:
        chosen = _chosen(doc, project, name)
        if tables is not None:
            pairs: list[tuple[Declaration, UnitTable]] = list(
                pair(doc.declarations, tables, file, table_path or "", chosen))
        else:
            pairs = [(d, d.unit_scores) for d in ([chosen] if chosen else doc.declarations)
                     if d.unit_scores is not None]
            if not pairs:
                raise UsageError(f"{file} 中没有单位自评的得分（项目支出绩效自评表）；"
                                 "请用 --table 给出自评表")
        checked = check_tables(pairs, evaluator)
    _report([(doc, checked)], as_json, checked_json, text_report, totals,
            failed=lambda c: bool(c.differences))


def _chosen(doc: Document, project: int | None, name: str | None) -> Declaration | None:
    """The project ``--project N`` or ``--name NAME`` picks in ``doc`` (``None``: neither was given)."""
    declarations = doc.declarations
    if project is not None:
        if project > len(declarations):
            raise UsageError(f"--project {project}: {doc.file} 只有 {len(declarations)} 个项目")
        return declarations[project - 1]
    if name is None:
        return None
    found = [d for d in declarations if d.name == name]
    if len(found) != 1:
        problem = "中没有这个项目" if not found else f"中有 {len(found)} 个同名项目，请用 --project N 指定"
        raise UsageError(f"--name「{name}」：{doc.file} {problem}")
    return found[0]


def _as_of(ctx: click.Context, param: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of {value!r} is not a date YYYY-MM-DD") from None


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--as-of", "as_of", required=True, callback=_as_of, metavar="YYYY-MM-DD",
              help="The date the figures to date (actuals, money executed) stand at.")
@click.option("--json", "as_json", is_flag=True, help="Print the monitorings and the list at risk as JSON.")
@click.option("--profile", help="Monitor under this profile (default: chosen by each form's layout).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=str),
              help="A TOML file with a [monitoring] table (progress rule, thresholds …).")
def monitor(files: tuple[str, ...], as_of: date, as_json: bool, profile: str | None,
            config_path: str | None) -> None:
    """Monitor FILES during the year (绩效运行监控): declarations in Jixiao JSON with figures to date.

    Prints per project the lights (绿/黄/红) of the budget execution, of each indicator and of the
    project, with their reasons, then the projects at risk by money at stake. Exit status 1 when a
    project is red, 0 otherwise, 2 for unreadable input or a bad date.
    """
    from jixiao.monitoring import Monitor, MonitorConfig, load_monitor_config
    from jixiao.monitoring.render import at_risk_json, monitoring_json, text_report, totals
    from jixiao.review.profiles import profile_names

    config = load_monitor_config(config_path) if config_path else MonitorConfig()
    if profile:
        if profile not in profile_names():
            raise UsageError(f"unknown profile {profile!r}; expected one of: {', '.join(profile_names())}")
        config.profile = profile
    monitor_ = Monitor(config)
    documents = [read_document(f) for f in files]
    results = [(doc, [monitor_.monitor(d, as_of) for d in doc.declarations]) for doc in documents]
    _report(results, as_json, monitoring_json, text_report, totals, failed=lambda m: m.red,
            summary_json=at_risk_json)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def rules(as_json: bool) -> None:
    """List the review rules."""
    from jixiao.review import RULES
    from jixiao.review.render import catalogue, rule_summary

    if as_json:
        click.echo(json.dumps([rule_summary(r) for _, r in sorted(RULES.items())], ensure_ascii=False,
                              indent=2))
    else:
        click.echo(catalogue())


@cli.command()
@click.argument("code")
def rule(code: str) -> None:
    """Print the doc page of rule CODE (e.g. JX301)."""
    from jixiao.review import RULES
    from jixiao.review.render import rule_page

    found = RULES.get(code.upper())
    if found is None:
        raise UsageError(f"no rule {code!r}; `jixiao rules` lists them")
    click.echo(rule_page(found), nl=False)


_DATABASE_URL = DATABASE_URL


@cli.group()
def db() -> None:
    """The database: create and migrate its tables."""


@db.command("upgrade")
@click.argument("revision", default="head")
@_DATABASE_URL
def db_upgrade(revision: str, database_url: str | None) -> None:
    """Migrate the database up to REVISION (default: head, the newest)."""
    from jixiao.store import db as store_db

    store_db.upgrade(database_url, revision)
    click.echo(f"{store_db.display_url(database_url)}: at revision {store_db.current_revision(database_url)}")


@db.command("downgrade")
@click.argument("revision", default="-1")
@_DATABASE_URL
def db_downgrade(revision: str, database_url: str | None) -> None:
    """Migrate the database down to REVISION (default: -1, one step; base removes every table)."""
    from jixiao.store import db as store_db

    store_db.downgrade(database_url, revision)
    click.echo(f"{store_db.display_url(database_url)}: at revision "
               f"{store_db.current_revision(database_url) or 'base (no tables)'}")


@cli.command("import")
@click.argument("paths", metavar="FILE_OR_DIR...", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--status", type=click.Choice(["draft", "published"]), default="draft", show_default=True,
              help="draft: new declarations are drafts, others keep their status, and a file bringing a "
                   "new version of a submitted, approved or published declaration is refused. "
                   "published: publish every declaration of the files (for public forms).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Processes reading and reviewing the files (default: one per core).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a report of every file to this JSON Lines file: status read, warnings, failed or "
                   "skipped; declarations new, updated, unchanged; the warnings; the error.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the reader's warnings.")
@_DATABASE_URL
def import_(paths: tuple[str, ...], status: str, jobs: int | None, report_path: Path | None, quiet: bool,
            database_url: str | None) -> None:
    """Store the declarations of the files, and of the form files in the folders (recursively):
    new ones, new versions of changed ones.

    Each file is one transaction, with its statuses and its audit log entry: a file that fails leaves
    nothing behind. In a folder, files that are not forms (by their suffix) and hidden files are
    skipped and counted. Exit status 2 when any file failed.
    """
    from jixiao.store import db as store_db
    from jixiao.store.importing import StatusHook, import_files

    expanded = _form_files(paths)
    files = expanded.files
    hook = StatusHook(status)
    engine = store_db.make_engine(database_url)
    try:
        store_db.require_current(engine)
        factory = store_db.session_factory(engine)
        if len(files) > 3:
            with click.progressbar(length=len(files), label="导入", file=sys.stderr) as bar:
                result = import_files(files, factory, progress=lambda _file: bar.update(1), jobs=jobs,
                                      on_saved=hook, on_failed=hook.failed)
        else:
            result = import_files(files, factory, jobs=jobs, on_saved=hook, on_failed=hook.failed)
        if result.new + result.updated >= 1000:  # enough to change the query plans
            store_db.optimise(engine)
    finally:
        engine.dispose()
    if report_path is not None:
        _write_import_report(report_path, result.files, expanded.skipped)
    if status == "published":
        click.echo(f"改为已公开 {hook.changed} 个项目")
    click.echo(result.line())
    statuses = Counter(f.status for f in result.files)
    click.echo(f"文件：读取 {statuses['read'] + statuses['warnings']}（其中有警告 {statuses['warnings']}），"
               f"失败 {statuses['failed']}，跳过 {len(expanded.skipped)}")
    if not quiet:
        for done in result.files:
            for warning in done.warnings:
                click.echo(f"{warning} [warning]", err=True)
    for _file, message in result.failed:
        click.echo(f"jixiao: error: {message}", err=True)
    if result.failed:
        sys.exit(EXIT_BAD_INPUT)


def _form_files(paths: tuple[str, ...]) -> Expanded:
    """The files of ``paths``, folders walked (:func:`jixiao.readers.folders.expand`); a usage error when
    there is none to read."""
    from jixiao.readers.folders import expand

    expanded = expand(paths)
    if not expanded.files:
        raise UsageError(f"no form files in {', '.join(paths)} (expected .txt, .json, .xlsx, .xls, .docx, "
                         f".pdf or .html files); {len(expanded.skipped)} other files skipped")
    return expanded


def _write_import_report(path: Path, files: list[FileImport], skipped: list[tuple[str, str]]) -> None:
    """One JSON object per line for each file imported, failed or skipped (``jixiao import --report``)."""
    with path.open("w", encoding="utf-8") as out:
        for done in files:
            line = {"file": done.file, "status": done.status, "new": done.count("new"),
                    "updated": done.count("updated"), "unchanged": done.count("unchanged"),
                    "warnings": done.warnings, "error": done.error}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        for name, why in skipped:
            line = {"file": name, "status": "skipped", "error": why}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="The port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (one per core serves the most requests).")
@_DATABASE_URL
def serve(host: str, port: int, workers: int, database_url: str | None) -> None:
    """Run the web system (pages and the REST API) with uvicorn until interrupted."""
    from jixiao.store import db as store_db
    from jixiao.web.server import serve as run

    store_db.require_current(database_url)
    run(host, port, workers, database_url)


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
        funds = yuan(d.funds.total)
        lines.append(_row(str(i), d.name or "-", str(d.year or "-"), funds, str(len(d.indicators)),
                          "/".join(map(str, shares))))
    return "\n".join(lines)


def _row(number: str, name: str, year: str, funds: str, count: str, shares: str) -> str:
    return "  ".join(["", pad(number, 3, right=True), pad(truncate(name, 40), 40), pad(year, 4),
                      pad(funds, 14, right=True), pad(count, 4, right=True), shares])


cli.add_command(__import__("jixiao.accounts.cli", fromlist=["user"]).user)  # jixiao user …
cli.add_command(__import__("jixiao.audit.commands", fromlist=["audit"]).audit)  # jixiao audit …
cli.add_command(__import__("jixiao.actuals_commands", fromlist=["actuals"]).actuals)  # jixiao actuals …
cli.add_command(__import__("jixiao.reports.commands", fromlist=["report"]).report)  # jixiao report …
cli.add_command(__import__("jixiao.export.commands", fromlist=["export"]).export)  # jixiao export …


def main() -> None:
    """Entry point: no traceback reaches a user."""
    try:
        # Without standalone mode, click returns (not raises) the status of ctx.exit(N).
        status = cli.main(standalone_mode=False)
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
    if isinstance(status, int) and status:
        sys.exit(status)


if __name__ == "__main__":
    main()
