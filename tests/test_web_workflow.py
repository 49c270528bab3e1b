"""The approval workflow through the web app (jixiao.web.workflow): the panel of 项目详情, its forms, the
lock, 待办, the API, and the audit log entry of every step.

The app runs on a SQLite file and on a PostgreSQL schema of its own, both seeds imported as drafts
(16 declarations of the unit 上海市红十字会 under the department of the same name, 3 of
上海市红十字事务中心, a unit under no department). Users log in by a session started in the store,
as the login page would: the browser's cookie and the session's CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jixiao.accounts import create_token, create_user, find_organisation, start_session
from jixiao.audit import entries
from jixiao.store import db, import_files
from jixiao.store.models import Declaration, Organisation
from jixiao.web import create_app
from jixiao.web.auth import SESSION_COOKIE

from .conftest import SEED_2020, SEED_2024

PASSWORD = "Jixiao-测试-密码-2026!"
RESCUE = "红十字救护工作专项经费"  # 4 indicators: the whole path
#: (username, role, organisation kind, organisation name)
USERS = [
    ("tianbao", "filler", "unit", "上海市红十字会"),
    ("danwei", "unit_reviewer", "unit", "上海市红十字会"),
    ("bumen", "department_reviewer", "department", "上海市红十字会"),
    ("caizheng", "finance_reviewer", None, None),
    ("zhongxin", "unit_reviewer", "unit", "上海市红十字事务中心"),
    ("weijian", "department_reviewer", "department", "上海市卫生健康委员会"),
    ("sysadmin", "system_admin", None, None),
    ("secadmin", "security_admin", None, None),
    ("shenji", "audit_admin", None, None),
]


@dataclass
class Caller:
    """A browser logged in as one user (or the public: no cookie, no CSRF token)."""

    client: TestClient
    csrf: str | None = None

    def form(self, path: str, csrf: bool = True, **fields: Any):
        data = {**({"csrf_token": self.csrf} if csrf and self.csrf else {}), **fields}
        return self.client.post(path, data=data, follow_redirects=False)

    def step(self, declaration_id: int, action: str, **fields: Any):
        """The panel's form for ``action`` (what the button sends)."""
        return self.form(f"/declarations/{declaration_id}/transitions", action=action, **fields)

    def api(self, path: str, body: dict[str, Any]):
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        return self.client.post(path, json=body, headers=headers)

    def page(self, declaration_id: int) -> str:
        response = self.client.get(f"/declarations/{declaration_id}")
        assert response.status_code == 200, response.text
        return response.text

    def todo(self) -> dict[str, Any]:
        response = self.client.get("/api/v1/todo")
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class World:
    """The app on a store holding both seeds, a browser per user, the public."""

    app: Any
    sessions: sessionmaker[Session]
    ids: dict[str, int]
    users: dict[str, Caller] = field(default_factory=dict)
    public: Caller | None = None

    def __getitem__(self, username: str) -> Caller:
        return self.users[username]

    def status(self, declaration_id: int) -> str:
        with self.sessions() as session:
            return session.scalar(select(Declaration.status).where(Declaration.id == declaration_id))

    def transitions(self, declaration_id: int) -> list[tuple]:
        """The audit log's record of the declaration's steps, oldest first."""
        with self.sessions() as session:
            found = entries(session, action="declaration.transition", object_type="declaration",
                            object_id=declaration_id, limit=1000)
        return [(e.actor, e.outcome, e.details_value().get("action"),
                 e.details_value().get("before", {}).get("status"),
                 e.details_value().get("after", {}).get("status")) for e in reversed(found)]


def build_world(url: str) -> World:
    """Migrate, import both seeds (drafts), create :data:`USERS` and log each one in."""
    db.upgrade(url)
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    summary = import_files([SEED_2024, SEED_2020], sessions, jobs=1)
    assert (summary.new, summary.failed) == (19, [])
    issued = {}
    with sessions.begin() as session:
        session.add(Organisation(kind="department", name="上海市卫生健康委员会"))
        session.flush()
        for username, role, kind, name in USERS:
            organisation = find_organisation(session, kind, name).id if kind else None
            user = create_user(session, username, PASSWORD, [role], organisation)
            issued[username] = start_session(session, user)
        ids = dict(session.execute(select(Declaration.name, Declaration.id)).all())
    engine.dispose()
    app = create_app(url)
    world = World(app, app.state.session_factory, ids, public=Caller(TestClient(app)))
    for username, session_issued in issued.items():
        client = TestClient(app)
        client.cookies.set(SESSION_COOKIE, session_issued.token)
        world.users[username] = Caller(client, session_issued.csrf_token)
    return world


def token_caller(world: World, username: str, *scopes: str) -> Caller:
    """An API client with a token of ``username`` limited to ``scopes``."""
    from jixiao.accounts import find_user

    with world.sessions.begin() as session:
        issued = create_token(session, find_user(session, username), "测试", list(scopes))
    return Caller(TestClient(world.app, headers={"Authorization": f"Bearer {issued.token}"}))


@pytest.fixture(scope="module")
def world(database: str, fast_hashing) -> Iterator[World]:
    built = build_world(database)
    yield built
    built.app.state.engine.dispose()


@pytest.fixture
def fresh(url: str, fast_hashing) -> Iterator[World]:
    """A world of its own (on SQLite and PostgreSQL), for tests that count what is waiting or that
    drop the audit log's triggers."""
    built = build_world(url)
    yield built
    built.app.state.engine.dispose()

def _panel(html: str) -> str:
    start = html.index('<section id="workflow"')
    return html[start:html.index("</section>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _listed(caller: Caller) -> set[str]:
    return {item["name"] for item in caller.client.get("/api/v1/declarations", params={"size": 200})
            .json()["items"]}


def _edit(caller: Caller, declaration_id: int, goal: str):
    """Save an edit through the editor's API: the latest version with another 年度总体目标."""
    body = caller.client.get(f"/api/v1/declarations/{declaration_id}").json()
    body = {**body, "goal": goal, "expected_version": body["version"]}
    return caller.client.put(f"/api/v1/declarations/{declaration_id}", json=body,
                             headers={"X-CSRF-Token": caller.csrf or ""})


# -- the whole path ------------------------------------------------------------------------------------

def test_the_whole_path_from_draft_to_public(world):
    ident = world.ids[RESCUE]
    filler, unit, department, finance = world["tianbao"], world["danwei"], world["bumen"], world["caizheng"]
    assert RESCUE not in _listed(world.public)  # a draft: its unit and reviewers only
    assert world.public.client.get(f"/api/v1/declarations/{ident}").status_code == 404

    # 填报人 edits the draft; the panel offers 填报人 no step, 单位审核人 提交
    assert _edit(filler, ident, "第一稿").json()["version"] == 2
    assert "workflow-submit" not in _panel(filler.page(ident))
    panel = _panel(unit.page(ident))
    assert 'data-status="draft">草稿<' in panel and 'id="workflow-submit-submit"' in panel

    # 单位审核人 submits: the page comes back with the news; the declaration is locked
    response = unit.step(ident, "submit", expected_status="draft")
    assert (response.status_code, response.headers["location"]) == (
        303, f"/declarations/{ident}?done=submit#workflow")
    page = unit.client.get(response.headers["location"]).text
    assert "已提交：项目现为「已提交」" in page
    assert "已锁定，需退回后才能修改" in _panel(page)
    assert f'href="/declarations/{ident}/edit"' not in page  # no 编辑 while locked
    refused = _edit(filler, ident, "提交后再改")
    assert refused.status_code == 409 and "已锁定，需退回后才能修改" in refused.json()["error"]["message"]

    # 主管部门审核人 returns it, with comments on indicators 2 and 4 beside the review's findings
    panel = _panel(department.page(ident))
    assert [a for a in ("approve", "return") if f'id="workflow-{a}"' in panel] == ["approve", "return"]
    assert [n for n in range(1, 6) if f'name="indicator-{n}"' in panel] == [1, 2, 3, 4]
    response = department.step(ident, "return", expected_status="submitted", comment="目标值偏低",
                               **{"indicator-2": "应量化", "indicator-3": "  ", "indicator-4": "请写明依据"})
    assert response.status_code == 303
    assert world.status(ident) == "returned"

    # 填报人 sees the comments (page and API), edits, marks one 已处理
    panel = _panel(filler.page(ident))
    assert "待处理的审核意见（3 条）" in panel
    assert "目标值偏低" in panel and "应量化" in panel and "请写明依据" in panel
    state = filler.client.get(f"/api/v1/declarations/{ident}/workflow").json()
    assert [(c["indicator"], c["text"], c["author"], c["version"]) for c in state["comments"]] == [
        (None, "目标值偏低", "bumen", 2), (2, "应量化", "bumen", 2), (4, "请写明依据", "bumen", 2)]
    assert (state["status"], state["locked"], state["actions"]) == ("returned", False, [])
    assert _edit(filler, ident, "按意见修改：量化目标").json()["version"] == 3
    second = state["comments"][1]["id"]
    response = filler.form(f"/declarations/{ident}/comments/{second}/resolve")
    assert response.status_code == 303
    state = filler.client.get(f"/api/v1/declarations/{ident}/workflow").json()
    assert [(c["text"], c["resolved"], c["resolved_by"]) for c in state["comments"]] == [
        ("目标值偏低", False, None), ("应量化", True, "tianbao"), ("请写明依据", False, None)]

    # resubmitted, approved twice, published
    for who, action, seen in [(unit, "submit", "returned"), (department, "approve", "submitted"),
                              (finance, "approve", "department_approved"),
                              (finance, "publish", "finance_approved")]:
        response = who.step(ident, action, expected_status=seen)
        assert response.status_code == 303, _text(response.text)[:300]
    assert world.status(ident) == "published"
    assert "已锁定，不能再修改" in _panel(finance.page(ident))

    # the public now reads it and its status; the review's history and comments stay with those who
    # could read it before (its unit, its department, finance)
    assert RESCUE in _listed(world.public)
    panel = _panel(world.public.page(ident))
    assert "已公开" in panel and "<form" not in panel and "目标值偏低" not in panel and "danwei" not in panel
    outside = world.public.client.get(f"/api/v1/declarations/{ident}/workflow").json()
    assert (outside["status"], outside["actions"], outside["history"], outside["comments"]) == (
        "published", [], [], [])
    assert world["zhongxin"].client.get(f"/api/v1/declarations/{ident}/workflow").json()["history"] == []
    history = world["tianbao"].client.get(f"/api/v1/declarations/{ident}/workflow").json()["history"]
    assert [(t["action"], t["from_status"], t["to_status"], t["actor"], t["version"]) for t in history] == [
        ("submit", "draft", "submitted", "danwei", 2),
        ("return", "submitted", "returned", "bumen", 2),
        ("submit", "returned", "submitted", "danwei", 3),
        ("approve", "submitted", "department_approved", "bumen", 3),
        ("approve", "department_approved", "finance_approved", "caizheng", 3),
        ("publish", "finance_approved", "published", "caizheng", 3),
    ]
    assert history[1]["comment"] == "目标值偏低"
    assert history[1]["indicator_comments"] == [{"indicator": 2, "text": "应量化"},
                                                {"indicator": 4, "text": "请写明依据"}]

    # every step is in the audit log, with the status before and after
    assert world.transitions(ident) == [
        ("danwei", "ok", "submit", "draft", "submitted"),
        ("bumen", "ok", "return", "submitted", "returned"),
        ("danwei", "ok", "submit", "returned", "submitted"),
        ("bumen", "ok", "approve", "submitted", "department_approved"),
        ("caizheng", "ok", "approve", "department_approved", "finance_approved"),
        ("caizheng", "ok", "publish", "finance_approved", "published"),
    ]
    with world.sessions() as session:
        (returned,) = entries(session, action="declaration.transition", object_id=ident, actor="bumen",
                              limit=1, offset=1)
    assert returned.details_value()["comment"] == "目标值偏低"
    assert returned.details_value()["indicator_comments"] == {"2": "应量化", "4": "请写明依据"}


# -- refusals ------------------------------------------------------------------------------------------

def test_the_wrong_role_or_unit_is_refused_and_nothing_changes(world):
    ident = world.ids["红十字宣传传播工作专项经费"]
    assert world.status(ident) == "draft"
    # without the right to review at all: 403 (a page) / 401 for the public
    assert world["tianbao"].step(ident, "submit").status_code == 403
    assert world["sysadmin"].step(ident, "submit").status_code == 403
    assert world["shenji"].step(ident, "submit").status_code == 403
    public = world.public.step(ident, "submit")
    assert public.status_code == 303 and public.headers["location"].startswith("/login")
    path = f"/api/v1/declarations/{ident}/transitions"
    assert world.public.api(path, {"action": "submit"}).status_code == 401
    # reviewers of another unit or department do not see the draft: as if it did not exist
    assert world["zhongxin"].step(ident, "submit").status_code == 404
    assert world["weijian"].api(f"/api/v1/declarations/{ident}/transitions",
                                {"action": "approve"}).json()["error"]["code"] == "not_found"
    # finance sees it, but submitting is the unit's: 403 with the workflow's reason
    response = world["caizheng"].step(ident, "submit")
    assert response.status_code == 403
    assert "须由本项目所属单位的单位审核人进行" in _text(response.text)
    # the department's reviewer cannot approve a draft: 409
    response = world["bumen"].api(f"/api/v1/declarations/{ident}/transitions", {"action": "approve"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "wrong_status"
    assert world.status(ident) == "draft"
    assert world.transitions(ident) == [("caizheng", "denied", "submit", None, None),
                                        ("bumen", "failed", "approve", None, None)]


def test_a_return_needs_a_reason_and_the_page_keeps_what_was_typed(world):
    ident = world.ids["信息化建设项目"]  # 3 indicators
    assert world["danwei"].step(ident, "submit").status_code == 303
    response = world["bumen"].step(ident, "return", comment=" ", **{"indicator-2": "口径不清"})
    assert response.status_code == 422
    panel = _panel(response.text)
    assert "「退回」须填写理由" in panel
    assert "口径不清</textarea>" in panel and '<details id="workflow-return" open>' in panel
    assert world.status(ident) == "submitted"
    # an indicator the version does not have
    response = world["bumen"].api(f"/api/v1/declarations/{ident}/transitions", {
        "action": "return", "comment": "见指标意见", "indicator_comments": {"4": "?"}})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_comment"
    assert "没有第 4 条指标（共 3 条）" in response.json()["error"]["message"]
    # an unknown action, an unknown field
    response = world["bumen"].api(f"/api/v1/declarations/{ident}/transitions", {"action": "veto"})
    assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid_parameter")
    response = world["bumen"].api(f"/api/v1/declarations/{ident}/transitions", {"action": "approve", "x": 1})
    assert response.status_code == 422
    # a NUL character, which PostgreSQL cannot store: refused before anything is tried
    response = world["bumen"].api(f"/api/v1/declarations/{ident}/transitions",
                                  {"action": "return", "comment": "a\x00b"})
    assert response.status_code == 422 and "NUL" in response.json()["error"]["message"]
    assert world["bumen"].step(ident, "return", comment="a\x00b").status_code == 422
    assert world.status(ident) == "submitted"


def test_a_stale_page_is_a_conflict(world):
    ident = world.ids["机关服务费"]
    assert world["danwei"].step(ident, "submit", expected_status="draft").status_code == 303
    # a second tab still showing 草稿
    response = world["danwei"].step(ident, "submit", expected_status="draft")
    assert response.status_code == 409
    assert "已被他人改为「已提交」（您看到的是「草稿」）" in _text(response.text)
    response = world["bumen"].api(f"/api/v1/declarations/{ident}/transitions",
                                  {"action": "approve", "expected_status": "department_approved"})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "conflict")
    assert world.status(ident) == "submitted"


def test_the_transition_form_needs_the_csrf_token(world):
    ident = world.ids["红十字医疗机构专项经费"]
    unit = world["danwei"]
    assert unit.step(ident, "submit", csrf=False).status_code == 403
    assert unit.form(f"/declarations/{ident}/transitions", csrf=False, action="submit",
                     csrf_token="forged").status_code == 403
    no_header = unit.client.post(f"/api/v1/declarations/{ident}/transitions", json={"action": "submit"})
    assert no_header.status_code == 403
    # a multipart body would skip the urlencoded CSRF check: the form route refuses it
    multipart = unit.client.post(f"/declarations/{ident}/transitions", data={"action": "submit"},
                                 files={"x": ("x.txt", b"x")}, follow_redirects=False)
    assert multipart.status_code in (403, 415)
    assert world.status(ident) == "draft"
    assert unit.step(ident, "submit").status_code == 303
    assert world.status(ident) == "submitted"


def test_an_api_token_needs_the_review_scope(world):
    ident = world.ids["网络安全保护及数据治理工作专项经费"]
    reader = token_caller(world, "danwei", "read")
    assert reader.api(f"/api/v1/declarations/{ident}/transitions", {"action": "submit"}).status_code == 403
    assert reader.client.get(f"/api/v1/declarations/{ident}/workflow").json()["actions"] == []
    reviewer = token_caller(world, "danwei", "review")
    response = reviewer.api(f"/api/v1/declarations/{ident}/transitions", {"action": "submit"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["transition"]["action"], body["transition"]["actor"]) == (
        "submitted", "submit", "danwei")


# -- 待办 ----------------------------------------------------------------------------------------------

def _counts(caller: Caller) -> tuple[int, dict[str, int]]:
    found = caller.todo()
    return found["total"], found["counts"]


def test_to_do_lists_and_counts_per_role(fresh):
    world = fresh
    assert _counts(world["danwei"]) == (16, {"draft": 16})
    assert _counts(world["zhongxin"]) == (3, {"draft": 3})
    for nobody in ("tianbao", "bumen", "caizheng", "weijian", "sysadmin", "shenji"):
        assert _counts(world[nobody]) == (0, {})

    first, second = world.ids[RESCUE], world.ids["机关服务费"]
    for ident in (first, second):
        assert world["danwei"].step(ident, "submit").status_code == 303
    assert _counts(world["danwei"]) == (14, {"draft": 14})
    assert _counts(world["bumen"]) == (2, {"submitted": 2})
    assert world["bumen"].step(first, "approve").status_code == 303
    assert world["bumen"].step(second, "return", comment="请补充").status_code == 303
    assert _counts(world["bumen"]) == (0, {})
    assert _counts(world["caizheng"]) == (1, {"department_approved": 1})
    assert _counts(world["tianbao"]) == (1, {"returned": 1})
    assert _counts(world["danwei"]) == (15, {"draft": 14, "returned": 1})
    assert [item["name"] for item in world["tianbao"].todo()["items"]] == ["机关服务费"]

    # the page: counts, the list, a filter by status; the badge in the navigation
    page = world["danwei"].client.get("/todo").text
    assert 'id="todo-total">15<' in page and 'id="nav-todo-count"' in page and ">15</span>" in page
    assert "退回（被退回，待修改后重新提交）：1" in _text(page)
    returned = world["danwei"].client.get("/todo", params={"status": "returned"}).text
    assert returned.count('href="/declarations/') == 1 and f'/declarations/{second}#workflow' in returned
    assert world["caizheng"].client.get("/api/v1/todo", params={"status": "department_approved"}).json()[
        "items"][0]["id"] == first
    # the administrators have no 待办 badge; the audit administrator has 审计; the public logs in first
    assert "nav-todo" not in world["sysadmin"].client.get("/todo").text
    assert 'id="nav-audit"' in world["shenji"].client.get("/todo").text
    assert 'id="nav-audit"' not in world["danwei"].client.get("/todo").text
    assert world.public.client.get("/todo", follow_redirects=False).status_code == 303
    assert world.public.client.get("/api/v1/todo").status_code == 401
