"""The approval workflow (jixiao.workflow): the transition table, every refusal, the edit lock,
comments, concurrent steps, to-do lists, bulk status, the migration.

The tests that touch the store run twice, on a fresh SQLite file and in a fresh PostgreSQL schema,
with both seeds imported (16 declarations of the unit 上海市红十字会 under the department of the same
name, 3 of 上海市红十字事务中心, a unit under no department). Users are plain :class:`Actor` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, event, func, inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from jixiao.errors import UsageError
from jixiao.roles import PUBLIC, SYSTEM, Actor, Role
from jixiao.store import db, import_files, list_versions, load_version, save_declaration
from jixiao.store.models import Base, Declaration, DeclarationVersion, Organisation, StoreState
from jixiao.workflow import (
    ACTIONS,
    ActionNotAllowed,
    InvalidComment,
    Locked,
    NotFound,
    ReviewComment,
    Status,
    Transition,
    WorkflowConflict,
    WorkflowError,
    WrongStatus,
    available_actions,
    comments,
    ensure_editable,
    history,
    is_locked,
    place,
    resolve_comment,
    set_status,
    todo,
    transition,
)

from .conftest import SEED_2020, SEED_2024

PROJECT = "红十字救护工作专项经费"  # 2024 seed, unit 上海市红十字会, 4 indicators
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


# --- the table, pure -------------------------------------------------------------------------------

def test_the_transition_table():
    assert [(a.code, a.label, s.source.title, s.target.title, s.role.title, a.comment_required)
            for a in ACTIONS for s in a.steps] == [
        ("submit", "提交", "草稿", "已提交", "单位审核人", False),
        ("submit", "提交", "退回", "已提交", "单位审核人", False),
        ("approve", "审核通过", "已提交", "主管部门审核通过", "主管部门审核人", False),
        ("approve", "审核通过", "主管部门审核通过", "财政审核通过", "财政审核人", False),
        ("return", "退回", "已提交", "退回", "主管部门审核人", True),
        ("return", "退回", "主管部门审核通过", "退回", "财政审核人", True),
        ("publish", "公开", "财政审核通过", "已公开", "财政审核人", False),
        ("withdraw", "撤回公开", "已公开", "财政审核通过", "财政审核人", True),
    ]


def test_only_drafts_and_returned_declarations_can_be_edited():
    assert [(s.value, s.title) for s in Status if not is_locked(s)] == [
        ("draft", "草稿"), ("returned", "退回")]
    assert [s.title for s in Status if is_locked(s)] == [
        "已提交", "主管部门审核通过", "财政审核通过", "已公开"]


UNIT, DEPT, OTHER_UNIT, OTHER_DEPT = 2, 1, 3, 9  # organisation ids, for the pure tests
PURE = {
    "填报人": Actor(1, "tianbao", frozenset({Role.FILLER}), unit_id=UNIT, department_id=DEPT),
    "单位审核人": Actor(2, "danwei", frozenset({Role.UNIT_REVIEWER}), unit_id=UNIT, department_id=DEPT),
    "他单位审核人": Actor(3, "qita", frozenset({Role.UNIT_REVIEWER}), unit_id=OTHER_UNIT),
    "主管部门审核人": Actor(4, "bumen", frozenset({Role.DEPARTMENT_REVIEWER}), department_id=DEPT),
    "他部门审核人": Actor(5, "weijian", frozenset({Role.DEPARTMENT_REVIEWER}), department_id=OTHER_DEPT),
    "财政审核人": Actor(6, "caizheng", frozenset({Role.FINANCE_REVIEWER})),
    "系统管理员": Actor(7, "admin", frozenset({Role.SYSTEM_ADMIN})),
    "公众": PUBLIC,
}


def test_available_actions_by_role_and_status():
    def codes(who: str, status: Status) -> str:
        return ",".join(a.code for a in available_actions(PURE[who], status, UNIT, DEPT)) or "-"

    table = {who: [codes(who, status) for status in Status] for who in PURE}
    # columns:     草稿      已提交            退回      主管部门审核通过    财政审核通过  已公开
    assert table == {
        "填报人": ["-", "-", "-", "-", "-", "-"],
        "单位审核人": ["submit", "-", "submit", "-", "-", "-"],
        "他单位审核人": ["-", "-", "-", "-", "-", "-"],
        "主管部门审核人": ["-", "approve,return", "-", "-", "-", "-"],
        "他部门审核人": ["-", "-", "-", "-", "-", "-"],
        "财政审核人": ["-", "-", "-", "approve,return", "publish", "withdraw"],
        "系统管理员": ["-", "-", "-", "-", "-", "-"],
        "公众": ["-", "-", "-", "-", "-", "-"],
    }


def test_a_department_reviewer_reaches_its_own_declarations_and_its_units():
    reviewer = PURE["主管部门审核人"]
    assert [a.code for a in available_actions(reviewer, Status.SUBMITTED, UNIT, DEPT)] == [
        "approve", "return"]
    assert available_actions(reviewer, Status.SUBMITTED, OTHER_UNIT, None) == []
    # a declaration of the department itself (no unit): no unit reviewer can submit it (docs/workflow.md)
    assert [a.code for a in available_actions(reviewer, Status.SUBMITTED, None, DEPT)] == [
        "approve", "return"]
    office = Actor(8, "bangongshi", frozenset({Role.UNIT_REVIEWER}), unit_id=DEPT, department_id=DEPT)
    assert available_actions(office, Status.DRAFT, None, DEPT) == []
    both = Actor(9, "liang", frozenset({Role.UNIT_REVIEWER, Role.FINANCE_REVIEWER}), unit_id=UNIT)
    assert [a.code for a in available_actions(both, Status.RETURNED, UNIT, DEPT)] == ["submit"]


# --- the store -----------------------------------------------------------------------------------

# url and engine: tests/conftest.py

@dataclass
class World:
    """Both seeds in a store, the organisations' ids and a user of each kind."""

    sessions: sessionmaker[Session]
    ids: dict[str, int]  # declaration ids by project name
    actors: dict[str, Actor]

    def take(self, name: str, action: str, who: str, minute: int = 0, **kwargs) -> Transition:
        with self.sessions.begin() as session:
            return transition(session, self.ids[name], action, self.actors[who],
                              now=T0 + timedelta(minutes=minute), **kwargs)

    def put(self, name: str, status: Status) -> None:
        """Put a declaration in ``status`` directly (what the operator's import does)."""
        with self.sessions.begin() as session:
            set_status(session, [self.ids[name]], status, SYSTEM)

    def status(self, name: str) -> str:
        with self.sessions() as session:
            return session.scalar(select(Declaration.status).where(Declaration.id == self.ids[name]))

    def history(self, name: str) -> list[tuple]:
        with self.sessions() as session:
            return [(t.action, t.from_status, t.to_status, t.actor, t.version, t.comment)
                    for t in history(session, self.ids[name])]


@pytest.fixture
def world(engine: Engine) -> World:
    sessions = db.session_factory(engine)
    summary = import_files([SEED_2024, SEED_2020], sessions)
    assert (summary.new, summary.failed) == (19, [])
    with sessions.begin() as session:
        orgs = {(kind, name): ident for ident, kind, name in
                session.execute(select(Organisation.id, Organisation.kind, Organisation.name))}
        other = Organisation(kind="department", name="上海市卫生健康委员会")
        session.add(other)
        session.flush()
        ids = dict(session.execute(select(Declaration.name, Declaration.id)).all())
    dept, unit = orgs["department", "上海市红十字会"], orgs["unit", "上海市红十字会"]
    centre = orgs["unit", "上海市红十字事务中心"]
    actors = {
        "填报人": Actor(1, "tianbao", frozenset({Role.FILLER}), unit_id=unit, department_id=dept),
        "单位审核人": Actor(2, "danwei", frozenset({Role.UNIT_REVIEWER}), unit_id=unit, department_id=dept),
        "他单位审核人": Actor(3, "zhongxin", frozenset({Role.UNIT_REVIEWER}), unit_id=centre),
        "他单位填报人": Actor(10, "zhongxin-tb", frozenset({Role.FILLER}), unit_id=centre),
        "主管部门审核人": Actor(4, "bumen", frozenset({Role.DEPARTMENT_REVIEWER}), department_id=dept),
        "他部门审核人": Actor(5, "weijian", frozenset({Role.DEPARTMENT_REVIEWER}), department_id=other.id),
        "财政审核人": Actor(6, "caizheng", frozenset({Role.FINANCE_REVIEWER})),
        "系统管理员": Actor(7, "admin", frozenset({Role.SYSTEM_ADMIN})),
        "公众": PUBLIC,
    }
    return World(sessions, ids, actors)


def version_rows(sessions: sessionmaker[Session]) -> list[tuple]:
    with sessions() as session:
        return session.execute(select(DeclarationVersion.id, DeclarationVersion.declaration_id,
                                      DeclarationVersion.number, DeclarationVersion.content_hash)
                               .order_by(DeclarationVersion.id)).all()


def generation(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(StoreState.generation))


def utc(moment: datetime) -> datetime:
    """SQLite gives back naive UTC datetimes, PostgreSQL aware ones."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def test_the_whole_way_to_published(world):
    versions, before = version_rows(world.sessions), generation(world.sessions)
    steps = [("submit", "单位审核人"), ("approve", "主管部门审核人"), ("approve", "财政审核人"),
             ("publish", "财政审核人")]
    seen = []
    for minute, (action, who) in enumerate(steps):
        record = world.take(PROJECT, action, who, minute, comment="同意" if action == "approve" else None)
        seen.append((record.to_title, world.status(PROJECT)))
    assert seen == [("已提交", "submitted"), ("主管部门审核通过", "department_approved"),
                    ("财政审核通过", "finance_approved"), ("已公开", "published")]
    assert world.history(PROJECT) == [
        ("submit", "draft", "submitted", "danwei", 1, None),
        ("approve", "submitted", "department_approved", "bumen", 1, "同意"),
        ("approve", "department_approved", "finance_approved", "caizheng", 1, "同意"),
        ("publish", "finance_approved", "published", "caizheng", 1, None),
    ]
    with world.sessions() as session:
        records = history(session, world.ids[PROJECT])
        assert [(r.user_id, utc(r.at), r.action_label, r.from_title) for r in records] == [
            (2, T0, "提交", "草稿"), (4, T0 + timedelta(minutes=1), "审核通过", "已提交"),
            (6, T0 + timedelta(minutes=2), "审核通过", "主管部门审核通过"),
            (6, T0 + timedelta(minutes=3), "公开", "财政审核通过")]
    # the other declarations did not move, no version was touched, and each step told the caches
    assert {world.status(name) for name in world.ids if name != PROJECT} == {"draft"}
    assert version_rows(world.sessions) == versions
    assert generation(world.sessions) == before + 4


def test_a_published_declaration_can_be_withdrawn_with_a_reason(world):
    world.put(PROJECT, Status.PUBLISHED)
    world.take(PROJECT, "withdraw", "财政审核人", comment="数据有误，暂停公开")
    assert world.status(PROJECT) == "finance_approved"
    assert world.history(PROJECT)[-1] == ("withdraw", "published", "finance_approved", "caizheng", 1,
                                          "数据有误，暂停公开")


def test_a_return_with_comments_then_an_edit_and_a_resubmission(world):
    world.take(PROJECT, "submit", "单位审核人")
    world.take(PROJECT, "return", "主管部门审核人", 1, comment=" 目标值与资金不匹配 ",
               indicator_comments={0: "应量化", 3: "  请说明依据 ", 2: "  "}, expected_status="submitted")
    assert world.status(PROJECT) == "returned"
    ident = world.ids[PROJECT]
    with world.sessions() as session:
        assert [(c.version, c.indicator, c.text, c.author, c.user_id, utc(c.at), c.resolved)
                for c in comments(session, ident)] == [
            (1, None, "目标值与资金不匹配", "bumen", 4, T0 + timedelta(minutes=1), False),
            (1, 0, "应量化", "bumen", 4, T0 + timedelta(minutes=1), False),
            (1, 3, "请说明依据", "bumen", 4, T0 + timedelta(minutes=1), False),
        ]
        (returned,) = [t for t in history(session, ident) if t.action == "return"]
        assert [c.indicator for c in returned.comments] == [None, 0, 3]

    # the filler edits the returned declaration: allowed, and a new version
    with world.sessions.begin() as session:
        ensure_editable(session, ident)
        edited = load_version(session, ident)
        edited.goal = (edited.goal or "") + "（已按意见修改）"
        assert save_declaration(session, edited, declaration_id=ident, expected_version=1) == "updated"
    world.take(PROJECT, "submit", "单位审核人", 2)
    world.take(PROJECT, "approve", "主管部门审核人", 3)
    # finance returns it in turn, from 主管部门审核通过
    world.take(PROJECT, "return", "财政审核人", 4, comment="绩效指标不完整",
               indicator_comments={1: "缺满意度指标"})
    assert [row[:5] for row in world.history(PROJECT)] == [
        ("submit", "draft", "submitted", "danwei", 1),
        ("return", "submitted", "returned", "bumen", 1),
        ("submit", "returned", "submitted", "danwei", 2),
        ("approve", "submitted", "department_approved", "bumen", 2),
        ("return", "department_approved", "returned", "caizheng", 2),
    ]
    with world.sessions() as session:
        assert [(c.indicator, c.text) for c in comments(session, ident, version=2)] == [
            (None, "绩效指标不完整"), (1, "缺满意度指标")]
        assert len(comments(session, ident, version=1)) == 3
        assert len(comments(session, ident)) == 5
        assert [v.number for v in list_versions(session, ident)] == [1, 2]


def test_a_comment_is_resolved_by_the_unit_while_returned_or_by_its_author(world):
    world.take(PROJECT, "submit", "单位审核人")
    world.take(PROJECT, "return", "主管部门审核人", comment="请修改", indicator_comments={1: "偏低"})
    with world.sessions() as session:
        first, second = (c.id for c in comments(session, world.ids[PROJECT]))
    with world.sessions.begin() as session, pytest.raises(ActionNotAllowed) as refused:
        resolve_comment(session, first, world.actors["他单位填报人"])
    assert str(refused.value) == ("您（zhongxin-tb）不能将此意见标为已处理：须由意见的作者，"
                                  "或在项目为「草稿」或「退回」时由本项目所属单位的填报人或单位审核人进行")
    with world.sessions.begin() as session:
        resolve_comment(session, first, world.actors["填报人"], now=T0)
        resolve_comment(session, second, world.actors["主管部门审核人"], now=T0)
        resolve_comment(session, second, world.actors["填报人"])  # already resolved: unchanged
    with world.sessions() as session:
        assert [(c.resolved, c.resolved_by, utc(c.resolved_at)) for c in comments(session, world.ids[PROJECT])
                ] == [(True, "tianbao", T0), (True, "bumen", T0)]
    with world.sessions() as session, pytest.raises(NotFound, match="没有编号为 999 的审核意见"):
        resolve_comment(session, 999, world.actors["填报人"])


# Every refusal: (the status it is in, who, the action, extra arguments, the error, its message).
# 「{项目}」stands for 项目「红十字救护工作专项经费」.
REFUSALS = [
    ("draft", "填报人", "submit", {}, ActionNotAllowed,
     "您（tianbao）不能对{项目}进行「提交」：须由本项目所属单位的单位审核人进行"),
    ("draft", "他单位审核人", "submit", {}, ActionNotAllowed,
     "您（zhongxin）不能对{项目}进行「提交」：须由本项目所属单位的单位审核人进行"),
    ("draft", "主管部门审核人", "submit", {}, ActionNotAllowed,
     "您（bumen）不能对{项目}进行「提交」：须由本项目所属单位的单位审核人进行"),
    ("submitted", "单位审核人", "submit", {}, WrongStatus,
     "{项目}当前为「已提交」，不能「提交」：只有「草稿」或「退回」的项目可以「提交」"),
    ("published", "单位审核人", "submit", {}, WrongStatus,
     "{项目}当前为「已公开」，不能「提交」：只有「草稿」或「退回」的项目可以「提交」"),
    ("draft", "主管部门审核人", "approve", {}, WrongStatus,
     "{项目}当前为「草稿」，不能「审核通过」：只有「已提交」或「主管部门审核通过」的项目可以「审核通过」"),
    ("submitted", "他部门审核人", "approve", {}, ActionNotAllowed,
     "您（weijian）不能对{项目}进行「审核通过」：须由本项目所属主管部门的主管部门审核人或财政审核人进行"),
    ("submitted", "单位审核人", "approve", {}, ActionNotAllowed,
     "您（danwei）不能对{项目}进行「审核通过」：须由本项目所属主管部门的主管部门审核人或财政审核人进行"),
    ("submitted", "财政审核人", "approve", {}, ActionNotAllowed,
     "{项目}当前为「已提交」，此时的「审核通过」（已提交 → 主管部门审核通过）"
     "须由本项目所属主管部门的主管部门审核人进行"),
    ("department_approved", "主管部门审核人", "approve", {}, ActionNotAllowed,
     "{项目}当前为「主管部门审核通过」，此时的「审核通过」（主管部门审核通过 → 财政审核通过）"
     "须由财政审核人进行"),
    ("department_approved", "主管部门审核人", "return", {"comment": "再看看"}, ActionNotAllowed,
     "{项目}当前为「主管部门审核通过」，此时的「退回」（主管部门审核通过 → 退回）须由财政审核人进行"),
    ("finance_approved", "财政审核人", "return", {"comment": "再看看"}, WrongStatus,
     "{项目}当前为「财政审核通过」，不能「退回」：只有「已提交」或「主管部门审核通过」的项目可以「退回」"),
    ("submitted", "主管部门审核人", "return", {}, InvalidComment, "「退回」须填写理由"),
    ("submitted", "主管部门审核人", "return", {"comment": " \n "}, InvalidComment, "「退回」须填写理由"),
    ("submitted", "主管部门审核人", "return", {"comment": "见指标意见", "indicator_comments": {4: "无"}},
     InvalidComment, "{项目}第 1 版没有第 5 条指标（共 4 条）"),
    ("submitted", "主管部门审核人", "return", {"comment": "见指标意见", "indicator_comments": {-1: "负数"}},
     InvalidComment, "{项目}第 1 版没有第 0 条指标（共 4 条）"),
    ("submitted", "主管部门审核人", "approve", {"indicator_comments": {0: "很好"}}, InvalidComment,
     "只有「退回」时可以填写指标意见，「审核通过」不可以"),
    ("submitted", "主管部门审核人", "approve", {"expected_status": "draft"}, WorkflowConflict,
     "{项目}已被他人改为「已提交」（您看到的是「草稿」），「审核通过」未执行；请刷新后重试"),
    ("department_approved", "财政审核人", "publish", {}, WrongStatus,
     "{项目}当前为「主管部门审核通过」，不能「公开」：只有「财政审核通过」的项目可以「公开」"),
    ("published", "财政审核人", "withdraw", {}, InvalidComment, "「撤回公开」须填写理由"),
    ("finance_approved", "主管部门审核人", "publish", {}, ActionNotAllowed,
     "您（bumen）不能对{项目}进行「公开」：须由财政审核人进行"),
    ("submitted", "系统管理员", "return", {"comment": "x"}, ActionNotAllowed,
     "您（admin）不能对{项目}进行「退回」：须由本项目所属主管部门的主管部门审核人或财政审核人进行"),
    ("submitted", "公众", "approve", {}, ActionNotAllowed,
     "您（public）不能对{项目}进行「审核通过」：须由本项目所属主管部门的主管部门审核人或财政审核人进行"),
]


@pytest.mark.parametrize(("status", "who", "action", "extra", "error", "message"), REFUSALS,
                         ids=[f"{n:02d}-{row[2]}-{row[0]}" for n, row in enumerate(REFUSALS)])
def test_each_refusal_names_the_status_and_what_is_needed_and_changes_nothing(
        world, status, who, action, extra, error, message):
    world.put(PROJECT, Status(status))
    before = (world.history(PROJECT), generation(world.sessions))
    with pytest.raises(error) as refused:
        world.take(PROJECT, action, who, **extra)
    assert str(refused.value).replace(f"项目「{PROJECT}」", "{项目}") == message
    assert isinstance(refused.value, WorkflowError)
    assert (refused.value.declaration_id, refused.value.status) == (world.ids[PROJECT], status)
    assert world.status(PROJECT) == status
    assert (world.history(PROJECT), generation(world.sessions)) == before


def test_an_unknown_action_or_declaration_is_refused(world):
    with pytest.raises(UsageError) as unknown:
        world.take(PROJECT, "delete", "财政审核人")
    assert str(unknown.value) == ("没有「delete」这个操作；可用的操作：submit (提交), approve (审核通过), "
                                  "return (退回), publish (公开), withdraw (撤回公开)")
    with world.sessions() as session, pytest.raises(NotFound, match=r"^没有编号为 99999 的项目$") as missing:
        transition(session, 99999, "approve", world.actors["财政审核人"])
    assert missing.value.code == "not_found"


def test_a_unit_under_no_department_has_no_department_reviewer(world):
    """Its declarations stop at 已提交 until the unit is put under a department (docs/workflow.md)."""
    centre = "红十字培训项目管理"  # 2020 seed: 上海市红十字事务中心, no 主管部门 named
    world.take(centre, "submit", "他单位审核人")
    with pytest.raises(ActionNotAllowed):
        world.take(centre, "approve", "主管部门审核人")
    with world.sessions() as session:
        where = place(session, world.ids[centre])
    assert (where.unit_id, where.department_id) == (world.actors["他单位审核人"].unit_id, None)


# --- the lock ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "message"), [
    ("submitted", "{项目}当前为「已提交」，已锁定，需退回后才能修改"),
    ("department_approved", "{项目}当前为「主管部门审核通过」，已锁定，需退回后才能修改"),
    ("finance_approved", "{项目}当前为「财政审核通过」，已锁定，不能再修改"),
    ("published", "{项目}当前为「已公开」，已锁定，不能再修改"),
])
def test_a_submitted_or_later_declaration_is_locked(world, status, message):
    world.put(PROJECT, Status(status))
    with world.sessions() as session, pytest.raises(Locked) as locked:
        ensure_editable(session, world.ids[PROJECT])
    assert str(locked.value).replace(f"项目「{PROJECT}」", "{项目}") == message
    assert (locked.value.code, locked.value.status) == ("locked", status)


def test_drafts_and_returned_declarations_can_be_edited(world):
    with world.sessions.begin() as session:
        ensure_editable(session, world.ids[PROJECT])
    world.put(PROJECT, Status.RETURNED)
    with world.sessions.begin() as session:
        ensure_editable(session, world.ids[PROJECT])
    assert world.status(PROJECT) == "returned"
    with world.sessions() as session, pytest.raises(NotFound, match="没有编号为 99999 的项目"):
        ensure_editable(session, 99999)


def test_the_submit_records_the_version_it_submits(world):
    ident = world.ids[PROJECT]
    with world.sessions.begin() as session:
        ensure_editable(session, ident)
        edited = load_version(session, ident)
        edited.goal = "新的年度目标"
        save_declaration(session, edited, declaration_id=ident)
    assert world.take(PROJECT, "submit", "单位审核人").version == 2


def test_no_submit_can_pass_while_an_edit_holds_the_declaration(world, url):
    """ensure_editable holds the row until the edit commits: a submit meanwhile cannot write.

    Deterministic: the submit is told not to wait for the lock (SQLite: busy timeout 0; PostgreSQL:
    lock_timeout of 1 ms, while this test holds the lock throughout)."""
    ident = world.ids[PROJECT]
    postgres = url.startswith("postgresql")
    other = db.make_engine(url, **({} if postgres else {"connect_args": {"timeout": 0}}))
    try:
        with world.sessions.begin() as editing:
            ensure_editable(editing, ident)
            with db.session_factory(other)() as submitting:
                if postgres:
                    submitting.execute(text("SET lock_timeout = 1"))
                with pytest.raises(OperationalError):
                    transition(submitting, ident, "submit", world.actors["单位审核人"])
            edited = load_version(editing, ident)
            edited.goal = "边改边提交"
            save_declaration(editing, edited, declaration_id=ident)
    finally:
        other.dispose()
    assert world.status(PROJECT) == "draft"
    assert world.take(PROJECT, "submit", "单位审核人").version == 2


# --- two at once ---------------------------------------------------------------------------------

def _before_status_update(engine: Engine, act) -> None:
    """Run ``act()`` once, just before ``engine`` writes a declaration's status: the moment between
    a transition's check and its write."""
    done = []

    def hook(_conn, _cursor, statement: str, *_args) -> None:
        if not done and statement.lstrip().upper().startswith("UPDATE DECLARATION SET STATUS"):
            done.append(True)
            act()

    event.listen(engine, "before_cursor_execute", hook)


@pytest.mark.parametrize(("first", "second"), [
    (("approve", "主管部门审核人"), ("approve", "主管部门审核人")),
    (("return", "主管部门审核人"), ("approve", "主管部门审核人")),
])
def test_of_two_concurrent_transitions_one_wins_and_the_other_gets_a_conflict(world, url, first, second):
    world.take(PROJECT, "submit", "单位审核人")
    other = db.make_engine(url)
    try:
        # B checks (submitted: allowed); A commits its step; only then does B try to write
        _before_status_update(other, lambda: world.take(PROJECT, *first, 1, comment="甲"))
        with db.session_factory(other).begin() as session, pytest.raises(WorkflowConflict) as lost:
            transition(session, world.ids[PROJECT], second[0], world.actors[second[1]], comment="乙")
    finally:
        other.dispose()
    winner = "department_approved" if first[0] == "approve" else "returned"
    assert str(lost.value) == (f"项目「{PROJECT}」已被他人改为「{Status(winner).title}」，"
                               f"「{'审核通过' if second[0] == 'approve' else '退回'}」未执行；请刷新后重试")
    assert (lost.value.expected, lost.value.status) == ("submitted", winner)
    assert world.status(PROJECT) == winner
    assert [row[:3] for row in world.history(PROJECT)] == [
        ("submit", "draft", "submitted"), (first[0], "submitted", winner)]


def test_a_step_on_a_page_that_is_out_of_date_is_a_conflict(world):
    world.take(PROJECT, "submit", "单位审核人")
    world.take(PROJECT, "return", "主管部门审核人", comment="退回修改")
    with pytest.raises(WorkflowConflict) as stale:
        world.take(PROJECT, "submit", "单位审核人", expected_status="draft")
    assert str(stale.value) == (f"项目「{PROJECT}」已被他人改为「退回」（您看到的是「草稿」），"
                                "「提交」未执行；请刷新后重试")
    world.take(PROJECT, "submit", "单位审核人", expected_status="returned")
    assert world.status(PROJECT) == "submitted"


# --- to-do lists ---------------------------------------------------------------------------------

def test_each_user_sees_what_waits_on_them(world):
    statuses = {
        "遗体 and 人体器官捐献工作专项经费": Status.SUBMITTED,
        "红十字宣传传播工作专项经费": Status.SUBMITTED,
        "信息化建设项目": Status.RETURNED,
        "红十字医疗机构专项经费": Status.DEPARTMENT_APPROVED,
        "机关服务费": Status.FINANCE_APPROVED,
        "网络安全保护及数据治理工作专项经费": Status.PUBLISHED,
        "红十字培训项目管理": Status.SUBMITTED,  # 事务中心: no department
        "少儿住院互住基金工作": Status.DEPARTMENT_APPROVED,  # 事务中心
    }
    for name, status in statuses.items():
        world.put(name, status)

    def waiting(who: str) -> tuple[dict[str, int], int, list[str]]:
        with world.sessions() as session:
            found = todo(session, world.actors[who])
            return ({s.value: n for s, n in found.counts.items()}, found.total,
                    sorted(d.name for d in found.declarations if d.status != "draft"))

    assert waiting("单位审核人") == ({"draft": 10, "returned": 1}, 11, ["信息化建设项目"])
    assert waiting("填报人") == ({"returned": 1}, 1, ["信息化建设项目"])
    assert waiting("他单位审核人") == ({"draft": 1}, 1, [])
    assert waiting("他单位填报人") == ({}, 0, [])
    assert waiting("主管部门审核人") == ({"submitted": 2}, 2, [
        "红十字宣传传播工作专项经费", "遗体 and 人体器官捐献工作专项经费"])
    assert waiting("他部门审核人") == ({}, 0, [])
    assert waiting("财政审核人") == ({"department_approved": 2, "finance_approved": 1}, 3,
                                     ["少儿住院互住基金工作", "机关服务费", "红十字医疗机构专项经费"])
    assert waiting("系统管理员") == ({}, 0, [])
    assert waiting("公众") == ({}, 0, [])


def test_a_to_do_list_is_paged_in_the_list_order_and_sums_roles(world):
    reviewer = world.actors["单位审核人"]
    both = Actor(11, "liang", frozenset({Role.UNIT_REVIEWER, Role.FINANCE_REVIEWER}),
                 unit_id=reviewer.unit_id)
    world.put("红十字培训项目管理", Status.DEPARTMENT_APPROVED)
    with world.sessions() as session:
        everything = todo(session, reviewer, limit=None)
        pages = [todo(session, reviewer, limit=5, offset=start) for start in (0, 5, 10, 15)]
        assert [len(page.declarations) for page in pages] == [5, 5, 5, 1]
        assert [d.id for page in pages for d in page.declarations] == [d.id for d in everything.declarations]
        assert all(page.total == 16 for page in pages)
        summed = todo(session, both)
        assert ({s.value: n for s, n in summed.counts.items()}, summed.total) == (
            {"draft": 16, "department_approved": 1}, 17)
        assert [d.year for d in summed.declarations][-1] == 2020


# --- the operator's bulk status --------------------------------------------------------------------

def test_set_status_publishes_in_bulk_and_records_each_change(world):
    ids = sorted(world.ids.values())
    world.put(PROJECT, Status.SUBMITTED)
    before = generation(world.sessions)
    with world.sessions.begin() as session:
        changed = set_status(session, [*ids, ids[0], 99999], "published", SYSTEM, comment="随预算公开",
                             now=T0)
    assert changed == 19
    assert generation(world.sessions) == before + 1
    with world.sessions() as session:
        assert set(session.scalars(select(Declaration.status))) == {"published"}
        rows = session.execute(select(Transition.declaration_id, Transition.action, Transition.from_status,
                                      Transition.actor, Transition.user_id, Transition.comment)
                               .where(Transition.to_status == "published")).all()
        assert sorted(rows) == sorted(
            (ident, "import", "submitted" if ident == world.ids[PROJECT] else "draft", "system", None,
             "随预算公开") for ident in ids)
        assert history(session, world.ids[PROJECT])[-1].action_label == "导入时设定"
        assert set_status(session, ids, Status.PUBLISHED, SYSTEM) == 0
    with world.sessions() as session, pytest.raises(UsageError, match="没有「public」这个状态"):
        set_status(session, ids, "public", SYSTEM)
    with world.sessions() as session, pytest.raises(ActionNotAllowed, match="未登录的用户不能设定项目状态"):
        set_status(session, ids, "published", PUBLIC)


# --- the tables and the migration ----------------------------------------------------------------

def test_deleting_a_declaration_deletes_its_transitions_and_comments(world):
    world.take(PROJECT, "submit", "单位审核人")
    world.take(PROJECT, "return", "主管部门审核人", comment="请修改", indicator_comments={0: "偏低"})
    with world.sessions.begin() as session:
        session.execute(Declaration.__table__.delete().where(Declaration.id == world.ids[PROJECT]))
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Transition)) == 0
        assert session.scalar(select(func.count()).select_from(ReviewComment)) == 0


def _tables_of(diff: object) -> set[str]:
    """The tables an Alembic autogenerate difference is about."""
    if isinstance(diff, list):
        return set().union(*(_tables_of(d) for d in diff))
    found = set()
    for part in diff if isinstance(diff, tuple) else ():
        table = getattr(part, "table", None)
        if isinstance(part, Table):
            found.add(part.name)
        elif isinstance(table, Table):
            found.add(table.name)
        elif isinstance(part, str):
            found.add(part)
    return found


def test_the_migration_goes_up_down_and_up_again_and_matches_the_models(url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        assert {"transition", "review_comment"} <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
        assert [d for d in diffs if {"transition", "review_comment"} & _tables_of(d)] == []
        import_files([SEED_2020], db.session_factory(engine))
        sessions = db.session_factory(engine)
        with sessions.begin() as session:
            set_status(session, list(session.scalars(select(Declaration.id))), "published", SYSTEM)
        db.downgrade(engine, "0005")
        assert not {"transition", "review_comment"} & set(inspect(engine).get_table_names())
        with sessions() as session:  # the statuses stay (they belong to migration 0003)
            assert set(session.scalars(select(Declaration.status))) == {"published"}
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Transition)) == 0
    finally:
        engine.dispose()


def test_every_action_and_status_is_documented():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "workflow.md").read_text(encoding="utf-8")
    rows = [[cell.strip() for cell in line.split("|")] for line in docs.splitlines() if line.startswith("| ")]
    # | 操作 | 从 | 到 | 由谁 | 须填理由 |
    missing = [(a.code, s.source.value) for a in ACTIONS for s in a.steps if not any(
        row[1] == f"{a.label} `{a.code}`" and s.source.title in row[2].split("、")
        and row[3] == s.target.title and s.role.title in row[4]
        and row[5] == ("**是**" if a.comment_required else "否") for row in rows)]
    assert missing == []
    assert [s for s in Status if f"`{s.value}` {s.title}" not in docs] == []
