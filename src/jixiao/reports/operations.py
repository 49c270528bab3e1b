"""Reports in the store: open, save and submit a declaration's actuals for a period; the list at risk.

Every function takes the caller's session and :class:`~jixiao.roles.Actor` and decides access with
:mod:`jixiao.access` (``can_report``, ``can_read_report``); the caller commits. What a page or the API
shows is a :class:`Filled`: the declaration with the period's actuals laid over it
(:func:`jixiao.actuals.apply_actuals`), its monitoring at the period's end and, at the year end, its
self-evaluation. The figures kept on the ``report`` row (light, money at stake, score …) are those of
its latest revision, worked out when it was saved, so that the list at risk reads one table.

Rules:

- actuals are entered by the declaration's unit (填报人, 单位审核人) once its targets are approved;
- each save is a new revision (optimistic: ``expected_revision`` is the revision the user started
  from; someone else's save in between is a :class:`ReportConflict`, and nothing is written);
- a draft report follows the declaration's latest version (rows move with their indicator,
  :func:`jixiao.actuals.rebase`); a submitted one stays on the version it was submitted against;
- the operator at the command line (``jixiao report import``, ``operator=True``) is not checked,
  as ``jixiao import`` is not: it loads what a unit sent in, and the audit log names it ``system``;
- a monitoring round is submitted when its budget execution is given and every 黄/红 indicator has
  its deviation cause and measures; a self-evaluation when it can be scored and every deviation is
  explained (:attr:`jixiao.evaluation.Evaluation.can_submit`). Submitted reports are fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jixiao import access
from jixiao.actuals import Actuals, Period, apply_actuals, rebase
from jixiao.audit import record
from jixiao.evaluation import Evaluation, Evaluator
from jixiao.model import Declaration as DeclarationModel
from jixiao.monitoring import Monitor, Monitoring
from jixiao.monitoring.lights import worst
from jixiao.reports.errors import NotReady, ReportConflict
from jixiao.reports.tables import DRAFT, SUBMITTED, Report, ReportRevision
from jixiao.roles import Actor
from jixiao.store.models import Declaration
from jixiao.store.repository import load_version
from jixiao.store.types import Money
from jixiao.workflow.errors import ActionNotAllowed, NotFound, WrongStatus
from jixiao.workflow.operations import Place, place

__all__ = ["AtRisk", "AtRiskRow", "Filled", "at_risk_list", "open_report", "reports_of", "save_report",
           "submit_report"]


@dataclass(frozen=True)
class Filled:
    """One declaration's report for one period, worked out: what the pages and the API show."""

    place: Place
    period: Period
    report: Report | None  # None: nothing entered yet
    actuals: Actuals
    declaration: DeclarationModel  # with the actuals laid over it
    monitoring: Monitoring
    evaluation: Evaluation | None  # the year end only
    dropped: list[str] = field(default_factory=list)  # rows whose indicator a newer version removed
    saved: bool = True  # by save_report: False when the actuals were those of the latest revision

    @property
    def revision(self) -> int:
        return self.report.revision if self.report is not None else 0

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.submitted

    def missing(self) -> list[str]:
        """What stops the submission, one line per item (empty: it may be submitted)."""
        if self.evaluation is not None:
            lines = []
            for row, flag in self.evaluation.all_flags():
                if flag.severity == "error":
                    where = f"指标 {row.index}（{row.indicator.name}）" if row is not None else "项目"
                    lines.append(f"{where}：{flag.message}")
            return lines
        lines = []
        if self.declaration.funds.executed is None:
            lines.append(f"资金：未填写{self.period.months}执行数")
        for number in self.monitoring.unexplained:
            name = self.declaration.indicators[number - 1].name
            lines.append(f"指标 {number}（{name}）：亮{self.monitoring.indicators[number - 1].light}灯，"
                         "须填写偏差原因类别和改进措施")
        return lines


@cache
def _default_evaluator() -> Evaluator:
    return Evaluator()


@cache
def _default_monitor() -> Monitor:
    return Monitor()


class _Tools:
    """The evaluator and monitor of a call: the caller's, else the default ones, made once per process
    (each keeps the settings of the profiles it has read: a fresh one read them again on every save)."""

    def __init__(self, evaluator: Evaluator | None, monitor: Monitor | None) -> None:
        self.evaluator = evaluator or _default_evaluator()
        self.monitor = monitor or _default_monitor()


def _find(session: Session, declaration_id: int, period: Period) -> Report | None:
    return session.scalar(select(Report).where(Report.declaration_id == declaration_id,
                                               Report.period == period.code))


def _latest_revision(session: Session, report: Report) -> ReportRevision:
    found = session.scalar(select(ReportRevision).where(ReportRevision.report_id == report.id,
                                                        ReportRevision.number == report.revision))
    if found is None:  # a report row is written with its first revision: never without one
        raise RuntimeError(f"report {report.id} has no revision {report.revision}")
    return found


def _not_found(at: Place, period: Period) -> NotFound:
    return NotFound(f"没有编号为 {at.id} 的项目的{period.label}", declaration_id=at.id)


def _declaration_place(at: Place) -> access.DeclarationPlace:
    return access.DeclarationPlace(at.status, at.unit_id, at.department_id)


def _work_out(at: Place, period: Period, report: Report | None, actuals: Actuals, base: DeclarationModel,
              tools: _Tools, dropped: list[str] | None = None) -> Filled:
    declaration = apply_actuals(base, actuals)
    monitoring = tools.monitor.monitor(declaration, period.as_of(declaration.year))
    evaluation = tools.evaluator.evaluate(declaration) if period.is_final else None
    return Filled(at, period, report, actuals, declaration, monitoring, evaluation, dropped or [])


def open_report(session: Session, declaration_id: int, period: Period, actor: Actor, *,
                evaluator: Evaluator | None = None, monitor: Monitor | None = None,
                operator: bool = False) -> Filled:
    """The declaration's report for ``period`` as ``actor`` may see it (an empty one when nothing was
    entered yet). :class:`NotFound` when the actor may not read it (a draft report is not public)."""
    at = place(session, declaration_id)
    report = _find(session, declaration_id, period)
    submitted = report is not None and report.submitted
    if not operator and not access.can_read_report(actor, submitted, _declaration_place(at)):
        raise _not_found(at, period)
    tools = _Tools(evaluator, monitor)
    if report is None:
        return _work_out(at, period, None, Actuals(), load_version(session, declaration_id), tools)
    actuals = _latest_revision(session, report).actuals
    if submitted or report.version == at.version:
        return _work_out(at, period, report, actuals, load_version(session, declaration_id, report.version),
                         tools)
    latest = load_version(session, declaration_id)
    moved, dropped = rebase(actuals, load_version(session, declaration_id, report.version), latest)
    return _work_out(at, period, report, moved, latest, tools, dropped)


def _may_report(session: Session, declaration_id: int, period: Period, actor: Actor, operator: bool) -> Place:
    at = place(session, declaration_id)
    where = _declaration_place(at)
    if operator:
        return at
    if not access.can_report(actor, at.status, at.unit_id, at.department_id):
        if not access.can_read_report(actor, False, where):
            raise _not_found(at, period)
        if access.can_report(actor, "published", at.unit_id, at.department_id):
            raise WrongStatus(f"{at.subject}的绩效目标尚未经财政审核通过，还不能填报{period.label}",
                              declaration_id=at.id, status=at.status)
        raise ActionNotAllowed(f"只有{at.subject}所属单位的填报人或单位审核人可以填报{period.label}",
                               declaration_id=at.id, status=at.status)
    return at


def _summary(filled: Filled) -> dict[str, object]:
    monitoring, evaluation = filled.monitoring, filled.evaluation
    return {
        "light": monitoring.light.light,
        "budget_light": monitoring.budget.light,
        "target_light": worst(*(lit.light for lit in monitoring.indicators)),
        "at_stake": monitoring.at_stake,
        "budget": filled.declaration.funds.year_budget,
        "executed": filled.declaration.funds.executed,
        "score": evaluation.total if evaluation is not None else None,
        "grade": evaluation.grade if evaluation is not None else None,
        "missing_explanations": len(filled.missing()),
    }


def _conflict(at: Place, period: Period, expected: int | None, latest: int) -> ReportConflict:
    return ReportConflict(f"{at.subject}的{period.label}已被他人保存（第 {latest} 次），您的修改未保存；"
                          "请刷新后再改", declaration_id=at.id, expected=expected, latest=latest)


def save_report(session: Session, declaration_id: int, period: Period, actuals: Actuals, actor: Actor, *,
                expected_revision: int | None = None, source: str | None = None,
                evaluator: Evaluator | None = None, monitor: Monitor | None = None,
                now: datetime | None = None, operator: bool = False) -> Filled:
    """Save ``actuals`` as the next revision of the declaration's report for ``period``, against the
    declaration's latest version, and record it in the audit log.

    ``expected_revision`` is the revision the user started from (0: none yet); ``None`` skips the
    check (a script that means to overwrite). The actuals of the latest revision again (against the
    same version) write nothing: the result has ``saved`` false, even for a submitted report.
    Refusals: :class:`NotFound`, :class:`ActionNotAllowed`,
    :class:`WrongStatus` (targets not approved, or the report already submitted),
    :class:`ReportConflict`, :class:`jixiao.actuals.ActualsError` (a row that fits no indicator).
    """
    at = _may_report(session, declaration_id, period, actor, operator)
    report = _find(session, declaration_id, period)
    seen = report.revision if report is not None else 0
    content = actuals.model_dump_json(exclude_defaults=True)
    if (report is not None and report.version == at.version
            and _latest_revision(session, report).content == content):
        # The same actuals again (a file imported twice, a page saved unchanged): nothing to write.
        unchanged = open_report(session, declaration_id, period, actor, evaluator=evaluator,
                                monitor=monitor, operator=operator)
        return replace(unchanged, saved=False)
    if report is not None and report.submitted:
        raise WrongStatus(f"{at.subject}的{period.label}已提交，不能再修改", declaration_id=at.id,
                          status=at.status)
    if expected_revision is not None and expected_revision != seen:
        raise _conflict(at, period, expected_revision, seen)
    filled = _work_out(at, period, report, actuals, load_version(session, declaration_id), _Tools(evaluator,
                                                                                                   monitor))
    when = now or datetime.now(UTC)
    summary = _summary(filled)
    if report is None:
        report = Report(declaration_id=at.id, period=period.code, as_of=period.as_of(filled.declaration.year),
                        status=DRAFT, revision=1, version=at.version, created_at=when, updated_at=when,
                        **summary)
        session.add(report)
        try:
            session.flush()
        except IntegrityError:  # someone created it first (its first revision); the caller rolls back
            # No SAVEPOINT to carry on from: pysqlite's RELEASE would commit what came before.
            raise _conflict(at, period, expected_revision, 1) from None
    else:
        # Only if no one saved in between: of two concurrent saves, one writes.
        written = session.execute(
            update(Report).where(Report.id == report.id, Report.revision == seen, Report.status == DRAFT)
            .values(revision=seen + 1, version=at.version, updated_at=when, **summary)
            .execution_options(synchronize_session=False)).rowcount
        if written != 1:
            session.expire(report)
            raise _conflict(at, period, expected_revision, report.revision)
        session.expire(report)
    number = seen + 1
    session.add(ReportRevision(report_id=report.id, number=number, version=at.version,
                               content=content, source=source,
                               author=actor.username, user_id=actor.user_id, at=when))
    session.flush()
    record(session, actor, "report.save", object_type="declaration", object_id=at.id,
           details={"period": period.code, "revision": number, "version": at.version, "source": source,
                    "light": summary["light"], "score": summary["score"]}, now=when)
    return Filled(at, period, report, filled.actuals, filled.declaration, filled.monitoring,
                  filled.evaluation)


def submit_report(session: Session, declaration_id: int, period: Period, actor: Actor, *,
                  expected_revision: int | None = None, evaluator: Evaluator | None = None,
                  monitor: Monitor | None = None, now: datetime | None = None,
                  operator: bool = False) -> Report:
    """Submit the report (it is fixed from then on). :class:`NotReady` lists what is missing."""
    at = _may_report(session, declaration_id, period, actor, operator)
    report = _find(session, declaration_id, period)
    if report is None:
        raise WrongStatus(f"{at.subject}的{period.label}还没有填报，不能提交", declaration_id=at.id,
                          status=at.status)
    if report.submitted:
        raise WrongStatus(f"{at.subject}的{period.label}已经提交", declaration_id=at.id, status=at.status)
    if expected_revision is not None and expected_revision != report.revision:
        raise _conflict(at, period, expected_revision, report.revision)
    if report.version != at.version:
        raise NotReady(f"{at.subject}在填报后有了新版本（第 {at.version} 版）：请打开{period.label}，"
                       "核对后保存，再提交", declaration_id=at.id, missing=["按新版本核对并保存"])
    filled = open_report(session, declaration_id, period, actor, evaluator=evaluator, monitor=monitor,
                         operator=operator)
    missing = filled.missing()
    if missing:
        raise NotReady(f"{at.subject}的{period.label}还不能提交：" + "；".join(missing), declaration_id=at.id,
                       missing=missing)
    when = now or datetime.now(UTC)
    written = session.execute(
        update(Report)
        .where(Report.id == report.id, Report.revision == report.revision, Report.status == DRAFT)
        .values(status=SUBMITTED, submitted_at=when, submitted_by=actor.username)
        .execution_options(synchronize_session=False)).rowcount
    if written != 1:
        session.expire(report)
        raise _conflict(at, period, expected_revision, report.revision)
    session.expire(report)
    record(session, actor, "report.submit", object_type="declaration", object_id=at.id,
           details={"period": period.code, "revision": report.revision, "light": report.light,
                    "score": report.score, "grade": report.grade}, now=when)
    return report


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The reports ``actor`` may read (:func:`jixiao.access.can_read_report`), as a condition."""
    return or_(and_(Report.status == SUBMITTED, access.declaration_visibility(actor)),
               and_(Report.status == DRAFT, access.declaration_visibility(actor, published=False)))


def reports_of(session: Session, declaration_id: int, actor: Actor) -> list[Report]:
    """The declaration's reports ``actor`` may read, by period (1–6月 … 年度自评)."""
    rows = session.scalars(select(Report).join(Declaration, Declaration.id == Report.declaration_id)
                           .where(Report.declaration_id == declaration_id, _visible(actor)))
    return sorted(rows, key=lambda r: r.period_value)


@dataclass(frozen=True)
class AtRiskRow:
    report: Report
    declaration_id: int
    name: str | None
    department: str | None
    unit: str | None
    year: int | None


@dataclass(frozen=True)
class AtRisk:
    """One page of the list at risk, with the count and the money at stake of all that match."""

    rows: list[AtRiskRow]
    total: int
    at_stake: Decimal
    red: int
    departments: list[tuple[str | None, int, Decimal]]  # per department: count, money at stake


Order = Literal["at_stake", "light", "name", "department"]
ORDERS: tuple[str, ...] = ("at_stake", "light", "name", "department")


def at_risk_list(session: Session, actor: Actor, period: Period, *, year: int | None = None,
                 department: str | None = None, lights: Sequence[str] = ("黄", "红"),
                 order: Order = "at_stake", limit: int = 50, offset: int = 0,
                 operator: bool = False) -> AtRisk:
    """The declarations whose report for ``period`` is 黄 or 红 (``lights``), as ``actor`` may see
    them (all of them for the ``operator``): by default the largest money at stake first, then 红
    before 黄, then by name."""
    conditions = [Report.period == period.code, Report.light.in_(list(lights))]
    if not operator:
        conditions.append(_visible(actor))
    if year is not None:
        conditions.append(Declaration.year == year)
    if department is not None:
        conditions.append(Declaration.department == department)
    joined = select(Report, Declaration.id, Declaration.name, Declaration.department, Declaration.unit,
                    Declaration.year).join(Declaration, Declaration.id == Report.declaration_id)
    red_first = (Report.light == "红").desc()
    orders = {
        "at_stake": (Report.at_stake.desc(), red_first, Declaration.name, Declaration.id),
        "light": (red_first, Report.at_stake.desc(), Declaration.name, Declaration.id),
        "name": (Declaration.name, Declaration.id),
        "department": (Declaration.department, Report.at_stake.desc(), Declaration.name, Declaration.id),
    }
    rows = [AtRiskRow(*row) for row in session.execute(
        joined.where(*conditions).order_by(*orders[order]).limit(limit).offset(offset))]
    money_sum = func.coalesce(func.sum(Report.at_stake, type_=Money()), 0, type_=Money())
    counted = (select(Declaration.department, func.count(), money_sum,
                      func.count().filter(Report.light == "红"))
               .select_from(Report).join(Declaration, Declaration.id == Report.declaration_id)
               .where(*conditions).group_by(Declaration.department))
    departments, total, money, red = [], 0, Decimal(0), 0
    for name, count, at_stake, reds in session.execute(counted):
        amount = at_stake if isinstance(at_stake, Decimal) else Decimal(at_stake)
        departments.append((name, count, amount))
        total, money, red = total + count, money + amount, red + reds
    departments.sort(key=lambda d: (-d[2], d[0] or ""))
    return AtRisk(rows, total, money, red, departments)
