"""Reports in the store (jixiao.reports): the actuals of a monitoring round or a self-evaluation, saved
as revisions, submitted, read by whom the rules allow, and the list of declarations at risk.

Every test runs on a fresh SQLite file and a fresh PostgreSQL schema holding both seeds (all 19
declarations approved: 已公开). The actuals of 遗体 and 人体器官捐献工作专项经费 are the made-up ones of
src/jixiao/samples/actuals/redcross-2024-final.json (97.00, 优 at the year end).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from jixiao.actuals import Actuals, ActualsError, FundsActual, IndicatorActual, Period, actuals_of
from jixiao.audit import AuditEntry
from jixiao.model import Declaration as DeclarationModel
from jixiao.reports import (
    NotReady,
    Report,
    ReportConflict,
    ReportRevision,
    at_risk_list,
    open_report,
    reports_of,
    save_report,
    submit_report,
)
from jixiao.roles import PUBLIC, SYSTEM, Actor, Role
from jixiao.store import import_files, load_version, save_declaration
from jixiao.store.models import Declaration, Organisation
from jixiao.workflow import set_status
from jixiao.workflow.errors import ActionNotAllowed, NotFound, WrongStatus

from .conftest import ACTUALS_2024, SEED_2020, SEED_2024

FIXTURE = ACTUALS_2024
DONATION = "遗体 and 人体器官捐献工作专项经费"  # 2024 seed, 10 indicators, 522,400 yuan
RESCUE = "红十字救护工作专项经费"  # 2024 seed
DISASTER = "红十字救灾工作专项经费"  # 2024 seed
M7, FINAL = Period.parse("M7"), Period.parse("final")


def fixture_project(name: str = DONATION) -> DeclarationModel:
    projects = json.loads(FIXTURE.read_text(encoding="utf-8"))["documents"][0]["projects"]
    return DeclarationModel.model_validate(next(p for p in projects if p["name"] == name))


@dataclass
class World:
    sessions: sessionmaker[Session]
    ids: dict[str, int]
    actors: dict[str, Actor]

    def save(self, name: str, period: Period, actuals: Actuals, who: str = "填报人",
             expected: int | None = None):
        with self.sessions.begin() as session:
            filled = save_report(session, self.ids[name], period, actuals, self.actors[who],
                                 expected_revision=expected, source="test")
            return filled.revision, filled.monitoring.light.light, filled.evaluation

    def submit(self, name: str, period: Period, who: str = "填报人", expected: int | None = None) -> Report:
        with self.sessions.begin() as session:
            return submit_report(session, self.ids[name], period, self.actors[who],
                                 expected_revision=expected)

    def open(self, name: str, period: Period, who: str = "填报人"):
        with self.sessions() as session:
            return open_report(session, self.ids[name], period, self.actors[who])

    def count(self, table: type) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(table))


@pytest.fixture
def world(engine: Engine) -> World:
    sessions = sessionmaker(engine, expire_on_commit=False)
    summary = import_files([SEED_2024, SEED_2020], sessions)
    assert (summary.new, summary.failed) == (19, [])
    with sessions.begin() as session:
        set_status(session, session.scalars(select(Declaration.id)).all(), "published", SYSTEM)
        orgs = {(kind, name): ident for ident, kind, name in
                session.execute(select(Organisation.id, Organisation.kind, Organisation.name))}
        ids = dict(session.execute(select(Declaration.name, Declaration.id)).all())
    dept, unit = orgs["department", "上海市红十字会"], orgs["unit", "上海市红十字会"]
    centre = orgs["unit", "上海市红十字事务中心"]
    actors = {
        "填报人": Actor(1, "tianbao", frozenset({Role.FILLER}), unit_id=unit, department_id=dept),
        "单位审核人": Actor(2, "danwei", frozenset({Role.UNIT_REVIEWER}), unit_id=unit, department_id=dept),
        "他单位填报人": Actor(3, "zhongxin", frozenset({Role.FILLER}), unit_id=centre),
        "主管部门审核人": Actor(4, "bumen", frozenset({Role.DEPARTMENT_REVIEWER}), department_id=dept),
        "财政审核人": Actor(6, "caizheng", frozenset({Role.FINANCE_REVIEWER})),
        "公众": PUBLIC,
    }
    return World(sessions, ids, actors)


def test_each_save_is_a_new_revision_and_none_is_lost(world):
    actuals = actuals_of(fixture_project())
    assert world.save(DONATION, FINAL, actuals, expected=0)[0] == 1
    changed = actuals.model_copy(update={"funds": FundsActual(executed=Decimal("400000.00"))})
    revision, _light, evaluation = world.save(DONATION, FINAL, changed, expected=1)
    assert revision == 2
    assert evaluation.budget_score == Decimal(10) * Decimal("400000.00") / Decimal("522400.00")
    with world.sessions() as session:
        revisions = session.scalars(select(ReportRevision).order_by(ReportRevision.number)).all()
        assert [r.number for r in revisions] == [1, 2]
        assert [r.actuals.funds.executed for r in revisions] == [Decimal("496280.00"), Decimal("400000.00")]
        assert {r.author for r in revisions} == {"tianbao"}
        report = session.scalar(select(Report))
        assert (report.revision, report.status, report.executed, report.budget) == (
            2, "draft", Decimal("400000.00"), Decimal("522400.00"))


def test_the_year_end_summary_is_the_self_evaluation(world):
    _revision, _light, evaluation = world.save(DONATION, FINAL, actuals_of(fixture_project()), expected=0)
    assert (evaluation.total, evaluation.grade) == (Decimal("97.00"), "优")
    with world.sessions() as session:
        report = session.scalar(select(Report))
        assert (report.period, report.score, report.grade, report.as_of.isoformat()) == (
            "final", Decimal("97.00"), "优", "2024-12-31")
        assert report.missing_explanations == 0


def test_the_same_actuals_again_write_nothing(world):
    actuals = actuals_of(fixture_project())
    assert world.save(DONATION, M7, actuals, expected=0)[0] == 1
    with world.sessions.begin() as session:
        again = save_report(session, world.ids[DONATION], M7, actuals, world.actors["填报人"],
                            expected_revision=1)
    assert (again.saved, again.revision, world.count(ReportRevision)) == (False, 1, 1)
    world.submit(DONATION, M7)
    with world.sessions.begin() as session:  # submitted: unchanged is no error, a change is
        assert not save_report(session, world.ids[DONATION], M7, actuals, world.actors["填报人"]).saved
    with pytest.raises(WrongStatus):
        world.save(DONATION, M7, actuals.model_copy(update={"goal_result": "全部完成"}))


def test_a_save_from_a_stale_revision_is_refused_and_writes_nothing(world):
    actuals = actuals_of(fixture_project())
    world.save(DONATION, M7, actuals, expected=0)
    actuals = actuals.model_copy(update={"goal_result": "过半"})
    world.save(DONATION, M7, actuals, expected=1)
    actuals = actuals.model_copy(update={"goal_result": "大半"})
    with pytest.raises(ReportConflict, match="已被他人保存（第 2 次）") as refused:
        world.save(DONATION, M7, actuals, expected=1)
    assert (refused.value.expected, refused.value.latest) == (1, 2)
    with pytest.raises(ReportConflict):  # a second "first" save
        world.save(DONATION, M7, actuals, expected=0)
    assert world.count(ReportRevision) == 2


def test_who_may_enter_actuals(world):
    actuals = actuals_of(fixture_project())
    with pytest.raises(NotFound):  # another unit's filler does not even learn a draft exists
        world.save(DONATION, M7, actuals, who="他单位填报人")
    with pytest.raises(NotFound):
        world.save(DONATION, M7, actuals, who="公众")
    with pytest.raises(ActionNotAllowed, match="所属单位的填报人或单位审核人"):
        world.save(DONATION, M7, actuals, who="主管部门审核人")
    with pytest.raises(ActionNotAllowed):
        world.save(DONATION, M7, actuals, who="财政审核人")
    assert world.save(DONATION, M7, actuals, who="单位审核人")[0] == 1
    assert world.count(ReportRevision) == 1


def test_actuals_are_reported_against_approved_targets_only(world):
    with world.sessions.begin() as session:
        set_status(session, [world.ids[DONATION]], "submitted", SYSTEM)
    with pytest.raises(WrongStatus, match="尚未经财政审核通过"):
        world.save(DONATION, M7, actuals_of(fixture_project()))
    with world.sessions.begin() as session:
        set_status(session, [world.ids[DONATION]], "finance_approved", SYSTEM)
    assert world.save(DONATION, M7, actuals_of(fixture_project()))[0] == 1


def test_a_row_that_fits_no_indicator_is_refused_and_writes_nothing(world):
    wrong_name = Actuals(indicators=[IndicatorActual(index=1, name="不存在的指标", actual_raw="3")])
    with pytest.raises(ActualsError, match="指标 1: 名称为“不存在的指标”"):
        world.save(DONATION, M7, wrong_name)
    beyond = Actuals(indicators=[IndicatorActual(index=99, actual_raw="3")])
    with pytest.raises(ActualsError, match="只有 10 个三级指标"):
        world.save(DONATION, M7, beyond)
    assert (world.count(Report), world.count(ReportRevision)) == (0, 0)


def test_a_self_evaluation_with_an_unexplained_miss_cannot_be_submitted(world):
    project = fixture_project()
    missed = next(i for i in project.indicators if i.deviation_reason)
    missed.measures = None
    world.save(DONATION, FINAL, actuals_of(project), expected=0)
    with pytest.raises(NotReady, match=re.escape(f"（{missed.name}）：缺少改进措施")) as refused:
        world.submit(DONATION, FINAL)
    assert len(refused.value.missing) == 1
    with world.sessions() as session:
        assert session.scalar(select(Report.status)) == "draft"
    world.save(DONATION, FINAL, actuals_of(fixture_project()), expected=1)
    report = world.submit(DONATION, FINAL, expected=2)
    assert (report.status, report.submitted_by, report.score, report.grade) == (
        "submitted", "tianbao", Decimal("97.00"), "优")
    changed = actuals_of(fixture_project()).model_copy(update={"goal_result": "全部完成"})
    with pytest.raises(WrongStatus, match="已提交，不能再修改"):
        world.save(DONATION, FINAL, changed)
    with pytest.raises(WrongStatus, match="已经提交"):
        world.submit(DONATION, FINAL)


def test_a_monitoring_round_needs_the_execution_and_the_causes_of_its_lights(world):
    # 1–7月: the whole year's actuals are far ahead of 58 % except what the fixture missed; with
    # nothing executed the budget is red, and a red indicator without a cause blocks the submission.
    rows = [IndicatorActual(index=1, actual_raw="0", likelihood="完全不可能")]
    world.save(DONATION, M7, Actuals(indicators=rows), expected=0)
    with pytest.raises(NotReady) as refused:
        world.submit(DONATION, M7)
    assert refused.value.missing[0] == "资金：未填写1–7月执行数"
    assert any(line.startswith("指标 1（") and "亮红灯" in line for line in refused.value.missing)
    # Not reported yet: the missing light (黄), which needs its cause and measures as well.
    assert any(line.startswith("指标 2（") and "亮黄灯" in line for line in refused.value.missing)
    assert len(refused.value.missing) == 1 + 10
    explained = [IndicatorActual(index=n, actual_raw=None, deviation_cause="其他", measures="下半年集中开展")
                 for n in range(2, 11)]
    rows = [IndicatorActual(index=1, actual_raw="0", likelihood="完全不可能", deviation_cause="经费",
                            deviation_reason="经费尚未拨付", measures="催办拨款"), *explained]
    world.save(DONATION, M7, Actuals(funds=FundsActual(executed=Decimal("100.00")), indicators=rows),
               expected=1)
    assert world.submit(DONATION, M7).status == "submitted"
    with world.sessions() as session:  # submitted: public, and on the public list at risk
        assert [row.name for row in at_risk_list(session, PUBLIC, M7).rows] == [DONATION]


def test_drafts_are_the_units_submitted_reports_are_public(world):
    world.save(DONATION, FINAL, actuals_of(fixture_project()), expected=0)
    world.save(DONATION, M7, actuals_of(fixture_project()), expected=0)
    for who in ("公众", "他单位填报人"):
        with pytest.raises(NotFound):
            world.open(DONATION, FINAL, who)
    for who in ("填报人", "单位审核人", "主管部门审核人", "财政审核人"):
        assert world.open(DONATION, FINAL, who).revision == 1
    world.submit(DONATION, FINAL)
    assert world.open(DONATION, FINAL, "公众").evaluation.total == Decimal("97.00")
    with world.sessions() as session:
        assert [r.period for r in reports_of(session, world.ids[DONATION], PUBLIC)] == ["final"]
        assert [r.period for r in reports_of(session, world.ids[DONATION], world.actors["填报人"])] == [
            "M7", "final"]


def test_an_empty_report_shows_the_declaration_without_actuals(world):
    filled = world.open(RESCUE, M7)
    assert (filled.report, filled.revision, filled.actuals) == (None, 0, Actuals())
    assert filled.monitoring.as_of.isoformat() == "2024-07-31"
    assert filled.monitoring.budget.light == "黄"  # the missing light: no execution yet
    assert filled.missing()[0] == "资金：未填写1–7月执行数"


def test_a_draft_follows_the_declarations_new_version(world):
    project = fixture_project()
    world.save(DONATION, FINAL, actuals_of(project), expected=0)
    with world.sessions.begin() as session:
        latest = load_version(session, world.ids[DONATION])
        first = latest.indicators.pop(0)  # the unit drops its first indicator and moves the last up
        latest.indicators.insert(0, latest.indicators.pop())
        save_declaration(session, latest, declaration_id=world.ids[DONATION], expected_version=1)
    filled = world.open(DONATION, FINAL)
    assert filled.dropped == [f"指标 1（{first.name}）"]
    moved = {row.name: row.index for row in filled.actuals.indicators}
    assert moved[project.indicators[-1].name] == 1
    assert moved[project.indicators[1].name] == 2
    assert [i.actual_raw for i in filled.declaration.indicators] == [
        i.actual_raw for i in [project.indicators[-1], *project.indicators[1:-1]]]
    with pytest.raises(NotReady, match="新版本"):
        world.submit(DONATION, FINAL)
    world.save(DONATION, FINAL, filled.actuals, expected=1)
    with world.sessions() as session:
        assert session.scalar(select(Report.version)) == 2


def test_saves_and_submissions_are_audited(world):
    world.save(DONATION, FINAL, actuals_of(fixture_project()), expected=0)
    world.submit(DONATION, FINAL)
    with world.sessions() as session:
        entries = session.execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.object_id,
                                         AuditEntry.details)
                                  .where(AuditEntry.action.like("report.%")).order_by(AuditEntry.id)).all()
    ident = str(world.ids[DONATION])
    assert [(a, who, obj) for a, who, obj, _ in entries] == [
        ("report.save", "tianbao", ident), ("report.submit", "tianbao", ident)]
    assert json.loads(entries[0].details)["period"] == "final"
    assert json.loads(entries[1].details)["grade"] == "优"


def _behind(executed: str) -> Actuals:
    """1–7月 actuals with ``executed`` yuan spent: a red budget light when far behind 58 %."""
    return Actuals(funds=FundsActual(executed=Decimal(executed)))


def test_the_list_at_risk_sorts_by_money_at_stake(world):
    with world.sessions() as session:
        budgets = dict(session.execute(select(Declaration.name, Declaration.funds_total)).all())
    world.save(DONATION, M7, _behind("0"))  # red: nothing spent, the whole budget at stake
    world.save(RESCUE, M7, _behind("0"))
    # All spent, but no indicator reported: 黄 (the missing light), with nothing left at stake.
    world.save(DISASTER, M7, _behind(str(budgets[DISASTER])))
    with world.sessions() as session:
        listed = at_risk_list(session, world.actors["财政审核人"], M7)
        public = at_risk_list(session, PUBLIC, M7)
        by_name = at_risk_list(session, world.actors["主管部门审核人"], M7, order="name")
        by_light = at_risk_list(session, world.actors["主管部门审核人"], M7, order="light", limit=1)
        reds = at_risk_list(session, world.actors["财政审核人"], M7, lights=("红",))
        other_year = at_risk_list(session, world.actors["财政审核人"], M7, year=2020)
        final = at_risk_list(session, world.actors["财政审核人"], FINAL)
    expected = [*sorted([DONATION, RESCUE], key=lambda n: -budgets[n]), DISASTER]
    assert [(row.name, row.report.light, row.report.at_stake) for row in listed.rows] == [
        (name, "红", budgets[name]) for name in expected[:2]] + [(DISASTER, "黄", Decimal("0.00"))]
    at_stake = budgets[DONATION] + budgets[RESCUE]
    assert (listed.total, listed.red, listed.at_stake) == (3, 2, at_stake)
    assert listed.departments == [("上海市红十字会", 3, at_stake)]
    assert (public.total, public.rows) == (0, [])  # drafts are not public
    assert [row.name for row in by_name.rows] == sorted(expected)
    assert (by_light.total, by_light.rows[0].report.light) == (3, "红")
    assert reds.total == 2
    assert (other_year.total, final.total) == (0, 0)


def test_two_concurrent_saves_from_the_same_revision_one_wins(world, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: the second waits for the first's whole transaction")
    world.save(DONATION, M7, _behind("1.00"))
    first_in = threading.Event()
    outcome: dict[str, object] = {}

    def second() -> None:
        first_in.wait()
        try:
            outcome["second"] = world.save(DONATION, M7, _behind("2.00"), expected=1)
        except ReportConflict as refused:
            outcome["second"] = refused

    thread = threading.Thread(target=second)
    thread.start()
    with world.sessions.begin() as session:
        save_report(session, world.ids[DONATION], M7, _behind("3.00"), world.actors["填报人"],
                    expected_revision=1)
        first_in.set()
        thread.join(timeout=1)  # the second blocks on the row until this commits
    thread.join()
    assert isinstance(outcome["second"], ReportConflict)
    with world.sessions() as session:
        assert session.scalar(select(Report.executed)) == Decimal("3.00")
        assert session.scalar(select(func.count()).select_from(ReportRevision)) == 2
