"""Who may call what in the web app: every route × every caller, object checks, visibility, CSRF,
sessions, lockout, escaping and hostile input. On SQLite and PostgreSQL (conftest's ``app``: both
seeds published, one user per role).

The callers: the public, a user of each role (:data:`tests.conftest.USERS`: ``filler`` and
``unitreviewer`` of 上海市红十字会, ``otherfiller`` of 上海市红十字事务中心, ``deptreviewer`` of the
department 上海市红十字会, ``finance``, and the three administrators), and two API tokens of the
filler (``token``: read, write, import; ``readtoken``: read). A route is called on a draft of the
filler's unit, with a body that its own validation refuses once the caller is let through (so the
walk changes nothing): an allowed call answers 200 or that refusal (400, 404, 415, 422), a refused
one 401 (pages: 303 to 登录), 403 or 404.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from jixiao.accounts import UserSession, create_token, create_user, find_organisation, find_user, get_user
from jixiao.accounts.errors import LOGIN_FAILED
from jixiao.audit import entries
from jixiao.store import cache
from jixiao.web.auth import SESSION_COOKIE, route_rules

from .conftest import AFFAIRS, PASSWORD, RED_CROSS, USERS, csrf_of, login
from .test_web import SCHOOL, assert_error

COLUMNS = ("public", "filler", "unitreviewer", "otherfiller", "deptreviewer", "finance", "sysadmin",
           "secadmin", "auditadmin", "token", "readtoken")

# What each caller gets, in the order of COLUMNS. {declaration_id} is a draft of 上海市红十字会 (the
# filler's unit); the other ids do not exist. 303 for the public on a page: to 登录.
EXPECTED: dict[tuple[str, str], str] = {
    # public pages and computations
    ("GET", "/"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/dashboard"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/rules"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/rules/{code}"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/api/docs"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/healthz"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/api/v1/declarations"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/api/v1/dashboard"): "200 200 200 200 200 200 200 200 200 200 200",
    ("POST", "/api/v1/targets/check"): "200 200 200 200 200 200 200 200 200 200 200",
    ("POST", "/api/v1/review"): "200 200 200 200 200 200 200 200 200 200 200",
    # stateless scoring, monitoring and checking of the body (tests/test_api_evaluate.py): {} is refused
    ("POST", "/api/v1/evaluate"): "422 422 422 422 422 422 422 422 422 422 422",
    ("POST", "/api/v1/monitor"): "422 422 422 422 422 422 422 422 422 422 422",
    ("POST", "/api/v1/check"): "422 422 422 422 422 422 422 422 422 422 422",
    # reading the draft: its unit, its department, finance; 404 for everyone else
    ("GET", "/declarations/{declaration_id}"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/declarations/{declaration_id}/diff"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/api/v1/declarations/{declaration_id}"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/api/v1/declarations/{declaration_id}/versions"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/api/v1/declarations/{declaration_id}/review"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/api/v1/declarations/{declaration_id}/diff"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/api/v1/declarations/{declaration_id}/workflow"): "404 200 200 404 200 200 404 404 404 200 200",
    # creating and editing: the unit's 填报人 and 单位审核人 (a token with write)
    ("GET", "/declarations/new"): "303 200 200 200 403 403 403 403 403 200 403",
    ("POST", "/api/v1/declarations"): "401 422 422 422 403 403 403 403 403 422 403",
    ("GET", "/declarations/{declaration_id}/edit"): "303 200 200 404 403 403 403 403 403 200 403",
    ("PUT", "/api/v1/declarations/{declaration_id}"): "401 422 422 404 403 403 403 403 403 422 403",
    # importing: unit users and finance (a token with import)
    ("GET", "/upload"): "303 200 200 200 403 200 403 403 403 200 403",
    ("POST", "/upload"): "303 415 415 415 403 415 403 403 403 415 403",
    ("POST", "/api/v1/import"): "401 415 415 415 403 415 403 403 403 415 403",
    # the workflow (tests/test_web_workflow.py has the steps)
    ("POST", "/declarations/{declaration_id}/transitions"): "303 403 422 403 422 422 403 403 403 403 403",
    ("POST", "/api/v1/declarations/{declaration_id}/transitions"):
        "401 403 422 403 422 422 403 403 403 403 403",
    ("POST", "/declarations/{declaration_id}/comments/{comment_id}/resolve"):
        "303 404 404 404 404 404 404 404 404 404 403",
    ("GET", "/todo"): "303 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/api/v1/todo"): "401 200 200 200 200 200 200 200 200 200 200",
    # the audit log: the audit administrator only
    ("GET", "/audit"): "303 403 403 403 403 403 403 403 200 403 403",
    ("GET", "/audit/export"): "303 403 403 403 403 403 403 403 200 403 403",
    ("GET", "/api/v1/audit"): "401 403 403 403 403 403 403 403 200 403 403",
    # monitoring and self-evaluation (tests/test_web_reports.py): reading a report as the declaration;
    # entering one is the unit's, once the targets are approved (the draft here is not yet: 409)
    ("GET", "/declarations/{declaration_id}/reports/{period}"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/declarations/{declaration_id}/reports/{period}/edit"):
        "303 409 409 404 403 403 403 403 403 409 403",
    ("POST", "/declarations/{declaration_id}/reports/{period}"):
        "303 409 409 404 403 403 403 403 403 409 403",
    ("POST", "/declarations/{declaration_id}/reports/{period}/submit"):
        "303 409 409 404 403 403 403 403 403 409 403",
    ("GET", "/declarations/{declaration_id}/reports/{period}/template.xlsx"):
        "303 409 409 404 403 403 403 403 403 409 403",
    ("POST", "/declarations/{declaration_id}/reports/{period}/upload"):
        "303 415 415 415 403 403 403 403 403 415 403",
    ("GET", "/monitoring"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/api/v1/declarations/{declaration_id}/reports"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/api/v1/declarations/{declaration_id}/reports/{period}"):
        "404 200 200 404 200 200 404 404 404 200 200",
    ("PUT", "/api/v1/declarations/{declaration_id}/reports/{period}"):
        "401 422 422 422 403 403 403 403 403 422 403",
    ("POST", "/api/v1/declarations/{declaration_id}/reports/{period}/submit"):
        "401 422 422 422 403 403 403 403 403 422 403",
    ("GET", "/api/v1/monitoring/at-risk"): "200 200 200 200 200 200 200 200 200 200 200",
    # downloads (tests/test_web_export.py): what the caller may read, as the pages above
    ("GET", "/declarations/export"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/api/v1/declarations/export"): "200 200 200 200 200 200 200 200 200 200 200",
    ("GET", "/declarations/{declaration_id}/export"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/api/v1/declarations/{declaration_id}/export"): "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/declarations/{declaration_id}/reports/{period}/export"):
        "404 200 200 404 200 200 404 404 404 200 200",
    ("GET", "/api/v1/declarations/{declaration_id}/reports/{period}/export"):
        "404 200 200 404 200 200 404 404 404 200 200",
    # one's own account: any user in a browser, never with a token
    ("GET", "/login"): "200 200 200 200 200 200 200 200 200 200 200",
    ("POST", "/login"): "403 401 401 401 401 401 401 401 401 403 403",
    ("GET", "/account/password"): "303 200 200 200 200 200 200 200 200 403 403",
    ("POST", "/account/password"): "303 400 400 400 400 400 400 400 400 403 403",
    ("GET", "/account/tokens"): "303 200 200 200 200 200 200 200 200 403 403",
    ("POST", "/account/tokens"): "303 400 400 400 400 400 400 400 400 403 403",
    ("POST", "/account/tokens/{token_id}/revoke"): "303 404 404 404 404 404 404 404 404 403 403",
    # administration: users (系统管理员), roles and the policy (安全管理员)
    ("GET", "/admin/users"): "303 403 403 403 403 403 200 403 403 403 403",
    ("POST", "/admin/users"): "303 403 403 403 403 403 400 403 403 403 403",
    ("POST", "/admin/users/{user_id}/deactivate"): "303 403 403 403 403 403 404 403 403 403 403",
    ("POST", "/admin/users/{user_id}/reactivate"): "303 403 403 403 403 403 404 403 403 403 403",
    ("POST", "/admin/users/{user_id}/unlock"): "303 403 403 403 403 403 404 403 403 403 403",
    ("POST", "/admin/users/{user_id}/password"): "303 403 403 403 403 403 404 403 403 403 403",
    ("GET", "/admin/roles"): "303 403 403 403 403 403 403 200 403 403 403",
    ("POST", "/admin/roles/{user_id}"): "303 403 403 403 403 403 403 404 403 403 403",
    ("GET", "/admin/policy"): "303 403 403 403 403 403 403 200 403 403 403",
    ("POST", "/admin/policy"): "303 403 403 403 403 403 403 200 403 403 403",
    # last: it ends the session (each user gets a fresh one for it)
    ("POST", "/logout"): "303 303 303 303 303 303 303 303 303 303 303",
}
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
NOWHERE = 999_999  # the comment, token and user ids of the walk


def _body(method: str, path: str) -> dict[str, Any]:
    """A body the route refuses by its own validation once the caller is let through (or a harmless one)."""
    if method not in STATE_CHANGING:
        return {}
    if path == "/api/v1/targets/check":
        return {"json": {"raw": "≥80%"}}
    if path.startswith("/api/"):
        return {"json": {}}
    if path == "/account/password":
        return {"data": {"current": "x", "new": "a", "confirm": "b"}}  # two new ones that differ
    return {"data": {"x": "1"}}


@pytest.fixture(scope="module")
def draft(login_as) -> dict[str, Any]:
    """A draft of the filler's unit (a copy of the school project, year 2031), as GET returns it."""
    filler = login_as("filler")
    school = filler.get("/api/v1/declarations", params={"q": SCHOOL}).json()["items"][0]["id"]
    body = {**filler.get(f"/api/v1/declarations/{school}").json(), "name": f"草稿 {uuid.uuid4().hex[:8]}",
            "year": 2031}
    response = filler.post("/api/v1/declarations", json=body)
    assert response.status_code == 201, response.text
    return filler.get(f"/api/v1/declarations/{response.json()['id']}").json()


@pytest.fixture(scope="module")
def tokens(app) -> dict[str, str]:
    """Two API tokens of the filler: ``token`` (read, write, import) and ``readtoken`` (read)."""
    with app.state.session_factory() as session, session.begin():
        filler = get_user(session, "filler")
        return {"token": create_token(session, filler, "全部", ["read", "write", "import"]).token,
                "readtoken": create_token(session, filler, "只读", ["read"]).token}


@pytest.fixture(scope="module")
def callers(app, client, login_as, tokens) -> dict[str, TestClient]:
    made = {"public": client, **{name: login_as(name) for name in USERS}}
    for name, token in tokens.items():
        made[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    return made


def _caller(app, callers: dict[str, TestClient], column: str, path: str) -> TestClient:
    """The caller of ``column``; for /logout a fresh login, so that the shared sessions live on."""
    if path != "/logout" or column not in USERS:
        return callers[column]
    fresh = TestClient(app)
    assert login(fresh, column).status_code == 303
    return fresh


def test_every_route_has_a_row_in_the_table(app):
    """A new route fails here until its row says who may call it (and it declares needs())."""
    walked = {(rule.method, rule.path) for rule in route_rules(app)}
    assert walked == set(EXPECTED)
    assert [rule.path for rule in route_rules(app) if rule.permission is None] == []
    assert all(len(row.split()) == len(COLUMNS) for row in EXPECTED.values())


def test_a_route_that_declares_no_permission_is_refused_to_everyone(database, login_as):
    """identify() refuses a route without needs(): forgetting the rule closes the route, never opens it."""
    from jixiao.web import create_app

    app = create_app(database)

    @app.get("/undeclared")
    def undeclared() -> str:
        return "should never be served"

    finance = TestClient(app, cookies=dict(login_as("finance").cookies))  # a session in the same store
    assert finance.get("/todo").status_code == 200  # logged in on this app
    for client in (TestClient(app), finance):
        response = client.get("/undeclared")
        assert response.status_code == 403 and "没有声明访问权限" in response.text


@pytest.mark.parametrize(("method", "path"), list(EXPECTED), ids=[f"{m} {p}" for m, p in EXPECTED])
def test_each_caller_gets_what_the_table_says(app, callers, draft, method, path):
    url = path.format(declaration_id=draft["id"], code="JX301", comment_id=NOWHERE, token_id=NOWHERE,
                      user_id=NOWHERE, period="M7")
    got = {}
    for column in COLUMNS:
        response = _caller(app, callers, column, path).request(method, url, follow_redirects=False,
                                                               **_body(method, path))
        got[column] = response.status_code
        if response.status_code == 303 and column == "public" and path != "/logout":
            assert response.headers["location"].startswith("/login?next="), (column, response.headers)
        if response.status_code == 401:  # only the API answers 401: a page sends the browser to 登录
            assert path.startswith("/api/") or path == "/login", (column, path)
            if path.startswith("/api/"):
                assert response.json()["error"]["code"] == "unauthorized"
    assert " ".join(str(got[c]) for c in COLUMNS) == EXPECTED[(method, path)], got


# -- object checks: by id, across units ---------------------------------------------------------------

def test_a_draft_of_another_unit_is_as_absent_as_a_missing_id(callers, draft):
    other = callers["otherfiller"]
    missing = assert_error(other.get(f"/api/v1/declarations/{NOWHERE}"), 404, "not_found")["message"]
    hidden = assert_error(other.get(f"/api/v1/declarations/{draft['id']}"), 404, "not_found")["message"]
    assert hidden == missing.replace(str(NOWHERE), str(draft["id"]))
    assert draft["name"] not in other.get(f"/declarations/{draft['id']}").text
    body = {**draft, "expected_version": draft["version"], "goal": "别的单位改的"}
    assert_error(other.put(f"/api/v1/declarations/{draft['id']}", json=body), 404, "not_found")
    assert_error(callers["public"].put(f"/api/v1/declarations/{draft['id']}", json=body), 401, "unauthorized")
    assert callers["filler"].get(f"/api/v1/declarations/{draft['id']}").json()["goal"] == draft["goal"]


def test_a_reviewer_reads_but_cannot_edit(callers, draft):
    body = {**draft, "expected_version": draft["version"], "goal": "审核人改的"}
    for name in ("deptreviewer", "finance"):
        assert callers[name].get(f"/api/v1/declarations/{draft['id']}").status_code == 200
        assert_error(callers[name].put(f"/api/v1/declarations/{draft['id']}", json=body), 403, "forbidden")
    assert callers["filler"].get(f"/api/v1/declarations/{draft['id']}").json()["goal"] == draft["goal"]


def test_a_published_declaration_is_locked_for_its_own_unit(callers):
    filler = callers["filler"]
    school_id = filler.get("/api/v1/declarations", params={"q": SCHOOL}).json()["items"][0]["id"]
    school = filler.get(f"/api/v1/declarations/{school_id}").json()
    assert school["status"] == "published"
    changed = {**school, "expected_version": 1, "goal": "改已公开的"}
    error = assert_error(filler.put(f"/api/v1/declarations/{school_id}", json=changed), 409, "conflict")
    assert "已公开" in error["message"] and "已锁定" in error["message"]
    page = filler.get(f"/declarations/{school_id}/edit")
    assert page.status_code == 409 and "已锁定" in page.text
    assert f'href="/declarations/{school_id}/edit"' not in filler.get(f"/declarations/{school_id}").text
    # the other unit is not told about the lock: for it, editing is simply not its business
    assert_error(callers["otherfiller"].put(f"/api/v1/declarations/{school_id}",
                                            json={**school, "expected_version": 1}), 403, "forbidden")
    assert filler.get(f"/api/v1/declarations/{school_id}/versions").json()["versions"][-1]["number"] == 1


def test_a_declaration_is_created_and_kept_in_the_users_own_unit(callers, draft):
    filler = callers["filler"]
    body = {key: value for key, value in draft.items() if key not in ("id", "version", "status")}
    for department, unit in ((RED_CROSS, AFFAIRS), (None, AFFAIRS), ("别的部门", RED_CROSS), (None, None)):
        elsewhere = {**body, "name": f"别处 {uuid.uuid4().hex[:8]}", "department": department, "unit": unit}
        error = assert_error(filler.post("/api/v1/declarations", json=elsewhere), 403, "forbidden")
        assert f"主管部门「{RED_CROSS}」、实施单位「{RED_CROSS}」" in error["message"]
    moved = {**draft, "expected_version": draft["version"], "department": None, "unit": AFFAIRS}
    assert_error(filler.put(f"/api/v1/declarations/{draft['id']}", json=moved), 403, "forbidden")
    # the other unit's filler creates in its own unit (which has no 主管部门), a draft only it sees
    own = {**body, "name": f"事务中心 {uuid.uuid4().hex[:8]}", "department": None, "unit": AFFAIRS,
           "year": 2030}  # not the year of the shared draft, which only its own unit and reviewers see
    created = callers["otherfiller"].post("/api/v1/declarations", json=own)
    assert created.status_code == 201, created.text
    assert callers["otherfiller"].get(created.headers["location"]).json()["status"] == "draft"
    assert filler.get(created.headers["location"]).status_code == 404


def test_the_new_form_names_the_users_unit(callers):
    html = callers["otherfiller"].get("/declarations/new").text
    assert re.search(rf'data-field="unit"[^>]*value="{AFFAIRS}"', html) or \
        re.search(rf'value="{AFFAIRS}"[^>]*data-field="unit"', html)


# -- visibility: lists, search, filter menus, the dashboard ---------------------------------------------

def _count(client: TestClient, **params: Any) -> int:
    return client.get("/api/v1/declarations", params=params).json()["count"]


def test_drafts_are_counted_and_listed_only_for_those_who_may_read_them(callers, draft):
    cache.clear()
    # the filler first: its figures must not be what the public is given next (the cache key)
    seen = {name: _count(callers[name]) for name in ("filler", "public", "otherfiller", "deptreviewer",
                                                     "finance", "sysadmin", "token", "readtoken")}
    assert seen["public"] == seen["sysadmin"] == 19  # the published seeds
    drafts_of_red_cross = seen["filler"] - 19
    assert drafts_of_red_cross >= 1
    assert seen["deptreviewer"] == seen["token"] == seen["readtoken"] == seen["filler"]
    assert seen["otherfiller"] >= 19 and seen["finance"] >= seen["filler"]
    for name, expected in (("public", 0), ("otherfiller", 0), ("sysadmin", 0), ("filler", 1),
                           ("deptreviewer", 1), ("finance", 1)):
        client = callers[name]
        assert _count(client, q=draft["name"]) == expected, name
        row = f'">{draft["name"]}</a>'  # a row of the list (the search box shows the query anyway)
        assert (row in client.get("/", params={"q": draft["name"]}).text) == bool(expected), name
        assert _count(client, year=2031) == expected, name
        years = client.get("/").text.split('name="year"', 1)[1].split("</select>", 1)[0]
        assert ('value="2031"' in years) == bool(expected), name  # the filter menu
        dashboard = client.get("/api/v1/dashboard").json()
        assert dashboard["projects"] == _count(client), name
        assert (2031 in {group["year"] for group in dashboard["groups"]}) == bool(expected), name
        assert ('<option value="2031"' in client.get("/dashboard").text) == bool(expected), name
    # and the public again, now that everyone's figures are cached
    assert _count(callers["public"]) == 19
    assert callers["public"].get("/api/v1/dashboard").json()["projects"] == 19


def test_the_list_shows_a_drafts_status_and_the_detail_page_every_status(callers, draft):
    filler = callers["filler"]
    html = filler.get("/", params={"q": draft["name"]}).text
    assert re.search(rf'{draft["name"]}</a> <span class="status-badge status-draft">草稿</span>', html)
    assert 'id="declaration-status">草稿<' in filler.get(f"/declarations/{draft['id']}").text
    school_id = filler.get("/api/v1/declarations", params={"q": SCHOOL}).json()["items"][0]["id"]
    assert 'id="declaration-status">已公开<' in callers["public"].get(f"/declarations/{school_id}").text


# -- CSRF -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bare(app) -> dict[str, TestClient]:
    """Logged-in clients (filler, sysadmin, secadmin) that send no CSRF token unless told to."""
    made = {}
    for name in ("filler", "sysadmin", "secadmin", "unitreviewer"):
        made[name] = TestClient(app)
        assert login(made[name], name).status_code == 303
        made[name].headers.pop("X-CSRF-Token")
    return made


def _csrf_caller(path: str) -> str:
    if path.startswith("/admin/users"):
        return "sysadmin"
    if path.startswith("/admin/"):
        return "secadmin"
    if "transitions" in path:
        return "unitreviewer"
    return "filler"


STATE_ROUTES = [(m, p) for m, p in EXPECTED if m in STATE_CHANGING]


@pytest.mark.parametrize(("method", "path"), STATE_ROUTES, ids=[f"{m} {p}" for m, p in STATE_ROUTES])
def test_a_state_changing_request_without_the_sessions_csrf_token_is_refused(bare, draft, method, path):
    client = bare[_csrf_caller(path)]
    url = path.format(declaration_id=draft["id"], comment_id=NOWHERE, token_id=NOWHERE, user_id=NOWHERE,
                      period="M7")
    attempts = [
        {"json": {"raw": "1"}},  # no token at all
        {"json": {"raw": "1"}, "headers": {"X-CSRF-Token": "wrong"}},
        {"data": {"csrf_token": "wrong", "raw": "1"}},  # a form with a wrong field
        {"data": {"x": "1"}},  # a form without the field
        {"files": [("files", ("a.txt", b"x", "text/plain"))], "data": {"csrf_token": "wrong"}},  # multipart
        {"files": [("files", ("a.txt", b"x", "text/plain"))]},
    ]
    for attempt in attempts:
        response = client.request(method, url, follow_redirects=False, **attempt)
        assert response.status_code == 403, (attempt, response.status_code, response.text[:300])
        assert "CSRF" in response.text


def test_the_csrf_token_is_accepted_from_the_header_and_from_the_form(bare, login_as):
    filler = bare["filler"]
    token = csrf_of(filler)
    assert filler.post("/api/v1/targets/check", json={"raw": "1"}, headers={"X-CSRF-Token": token}
                       ).status_code == 200
    answer = filler.post("/account/tokens", data={"csrf_token": token, "name": ""})  # the form's field
    assert answer.status_code == 400 and "令牌须有一个" in answer.text
    seed = (b"\xe8\xb4\xa2" * 3)  # not a form: the file fails, the request was let through
    upload = filler.post("/api/v1/import", files=[("files", ("x.txt", seed, "text/plain"))],
                         data={"csrf_token": token})
    assert upload.status_code == 200 and upload.json()["failed"]
    # a session stays as it was after a refused logout
    assert filler.post("/logout", follow_redirects=False).status_code == 403
    assert filler.get("/account/password").status_code == 200


def test_a_refused_admin_request_changes_nothing(app, bare):
    name = f"csrf{uuid.uuid4().hex[:6]}"
    answer = bare["sysadmin"].post("/admin/users", data={"username": name, "roles": ["finance_reviewer"]})
    assert answer.status_code == 403
    with app.state.session_factory() as session:
        assert find_user(session, name) is None


# -- sessions: fixation, logout, idle timeout, cookies --------------------------------------------------

def _session_row(app, cookie: str) -> UserSession | None:
    from jixiao.accounts.sessions import session_id

    with app.state.session_factory() as session:
        return session.get(UserSession, session_id(cookie))


def test_a_login_starts_a_new_session_and_ends_the_one_the_browser_had(app):
    browser = TestClient(app)
    assert login(browser, "filler").status_code == 303
    first = browser.cookies[SESSION_COOKIE]
    assert login(browser, "unitreviewer").status_code == 303  # e.g. a session planted by someone else
    second = browser.cookies[SESSION_COOKIE]
    assert second != first
    assert _session_row(app, first).revoked_at is not None
    stolen = TestClient(app, cookies={SESSION_COOKIE: first})
    assert stolen.get("/account/password", follow_redirects=False).status_code == 303  # the public
    assert 'id="account-user">unitreviewer<' in browser.get("/").text


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_over_https(app, monkeypatch):
    browser = TestClient(app)
    answer = login(browser, "filler")
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie and "expires" not in cookie.lower()
    answer = login(TestClient(app, base_url="https://jixiao.example"), "filler")  # https, as a proxy says
    assert "Secure" in next(h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    # behind a proxy that does not say so: JIXIAO_SECURE_COOKIES=1 (then plain http cannot log in at all)
    monkeypatch.setenv("JIXIAO_SECURE_COOKIES", "1")
    form_cookie = TestClient(app).get("/login").headers["set-cookie"]
    assert form_cookie.startswith("jixiao_login_csrf=") and "Secure" in form_cookie
    assert login(TestClient(app), "filler").status_code == 403


def test_logout_ends_the_session(app):
    browser = TestClient(app)
    assert login(browser, "filler").status_code == 303
    cookie = browser.cookies[SESSION_COOKIE]
    answer = browser.post("/logout", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert SESSION_COOKIE not in browser.cookies
    assert _session_row(app, cookie).revoked_at is not None
    replayed = TestClient(app, cookies={SESSION_COOKIE: cookie})
    assert replayed.get("/account/tokens", follow_redirects=False).status_code == 303
    assert replayed.get("/api/v1/todo").status_code == 401


def test_a_session_idle_longer_than_the_policy_allows_has_ended(app):
    browser = TestClient(app)
    assert login(browser, "filler").status_code == 303
    cookie = browser.cookies[SESSION_COOKIE]
    from jixiao.accounts.sessions import session_id

    def idle(minutes: int) -> None:
        with app.state.session_factory() as session, session.begin():
            session.execute(update(UserSession).where(UserSession.id == session_id(cookie)).values(
                last_seen_at=datetime.now(UTC) - timedelta(minutes=minutes)))

    idle(29)  # the default policy: 30 minutes
    assert browser.get("/account/password").status_code == 200
    idle(31)
    answer = browser.get("/account/password", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Faccount%2Fpassword"
    assert _session_row(app, cookie).revoked_at is not None


# -- lockout through the login form ---------------------------------------------------------------------

def test_repeated_wrong_passwords_lock_the_account_with_the_same_message(app, login_as):
    name = f"locked{uuid.uuid4().hex[:6]}"
    with app.state.session_factory() as session, session.begin():
        create_user(session, name, PASSWORD, ["filler"], find_organisation(session, "unit", RED_CROSS).id)
    browser = TestClient(app)
    for _ in range(5):  # the default policy: locked at the fifth
        answer = login(browser, name, "Wrong-Password-1")
        assert answer.status_code == 401 and LOGIN_FAILED in answer.text
    locked = login(browser, name, PASSWORD)  # the right password: refused alike, nothing tells the lock
    assert locked.status_code == 401 and LOGIN_FAILED in locked.text
    unknown = login(browser, f"nobody{uuid.uuid4().hex[:6]}", PASSWORD)
    assert unknown.status_code == 401 and LOGIN_FAILED in unknown.text
    assert _page_message(locked.text) == _page_message(unknown.text)
    with app.state.session_factory() as session:
        logged = entries(session, actor=name, action="login_failed")
        assert [e.details_value()["reason"] for e in reversed(logged)] == ["bad_password"] * 5 + ["locked"]
        assert all(PASSWORD not in (e.details or "") and "Wrong-Password" not in (e.details or "")
                   for e in logged)
        user_id = get_user(session, name).id
    sysadmin = login_as("sysadmin")
    assert sysadmin.post(f"/admin/users/{user_id}/unlock", follow_redirects=False).status_code == 303
    assert login(browser, name, PASSWORD).status_code == 303


def _page_message(html: str) -> str:
    return re.search(r'id="login-error"[^>]*>([^<]*)<', html).group(1)


# -- script in text fields, shown as text ---------------------------------------------------------------

SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def test_script_in_every_text_field_is_shown_escaped(callers, draft, login_as):
    filler = callers["filler"]
    texts = {key: f"文字{SCRIPT}{key}" for key in ("goal", "nature", "category", "performance_type")}
    indicators = [{**ind, "level1": f"一级{SCRIPT}", "level2": f"二级{SCRIPT}", "name": f"指标{SCRIPT}{i}",
                   "target_raw": f"正常运行{SCRIPT}"} for i, ind in enumerate(draft["indicators"])]
    body = {key: value for key, value in draft.items() if key not in ("id", "version", "status")}
    body |= {"name": f"项目{SCRIPT}{uuid.uuid4().hex[:6]}", **texts, "indicators": indicators,
             "texts": {key: f"说明{SCRIPT}" for key in draft["texts"]}}
    created = filler.post("/api/v1/declarations", json=body)
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    saved = filler.get(f"/api/v1/declarations/{ident}").json()
    edit = filler.put(f"/api/v1/declarations/{ident}",
                      json={**saved, "expected_version": 1, "goal": f"改过{SCRIPT}"})
    assert edit.status_code == 200, edit.text
    for path in ("/", f"/?q={SCRIPT}", f"/declarations/{ident}", f"/declarations/{ident}/edit",
                 f"/declarations/{ident}/diff?from=1&to=2", "/dashboard"):
        html = filler.get(path).text
        assert "<script>alert" not in html, path
        if path != "/dashboard":
            assert ESCAPED in html or "&lt;script&gt;" in html, path
    # a user's name and a token's name, on the administrators' and the user's own pages
    sysadmin = login_as("sysadmin")
    person = {"username": f"x{uuid.uuid4().hex[:6]}", "roles": ["finance_reviewer"],
              "display_name": f"张三{SCRIPT}"}
    made = sysadmin.post("/admin/users", data=person)
    assert made.status_code == 200 and "<script>alert" not in made.text and ESCAPED in made.text
    tokens = filler.post("/account/tokens", data={"name": f"用途{SCRIPT}", "scopes": ["read"]})
    assert tokens.status_code == 200 and "<script>alert" not in tokens.text and ESCAPED in tokens.text
    # what the login form echoes
    page = TestClient(filler.app).get("/login", params={"next": '/"><script>alert("x")</script>'})
    assert "<script>alert" not in page.text


def test_no_template_marks_text_as_safe():
    from jixiao.web.app import TEMPLATES

    found = [p.name for p in TEMPLATES.rglob("*.html") if re.search(r"\|\s*safe\b", p.read_text("utf-8"))]
    assert found == []


# -- hostile input in search and filters -------------------------------------------------------------------

HOSTILE = ["' OR 1=1 --", '" OR ""="', "%' UNION SELECT name FROM sqlite_master --",
           "'; DROP TABLE declaration; --", "1) OR (1=1", "草稿' OR status='draft", "\\", "%", "_%_", "*",
           "NEAR(a b)", '"a" OR "b"', "a:*", "!!", "(", "')", "‘中’"]


@pytest.mark.parametrize("value", HOSTILE)
def test_sql_like_input_in_search_and_filters_neither_fails_nor_leaks(callers, draft, value):
    public = callers["public"]
    for name in ("q", "department", "unit", "nature"):
        api = public.get("/api/v1/declarations", params={name: value, "size": 200})
        assert api.status_code == 200, (name, value, api.text)
        assert api.json()["count"] <= 19
        assert all(item["name"] != draft["name"] for item in api.json()["items"])
        page = public.get("/", params={name: value})
        assert page.status_code == 200 and f'">{draft["name"]}</a>' not in page.text
    board = public.get("/api/v1/dashboard", params={"department": value})
    assert board.status_code == 200 and board.json()["projects"] <= 19
    assert public.get("/api/v1/declarations").json()["count"] == 19  # nothing was dropped


def test_an_administrators_token_cannot_administer(app, login_as):
    with app.state.session_factory() as session, session.begin():
        sysadmin = get_user(session, "sysadmin")
        token = create_token(session, sysadmin, "只读", ["read"]).token
    with_token = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert with_token.get("/admin/users").status_code == 403
    assert with_token.post("/admin/users", data={"username": "viatoken"}).status_code == 403
    assert with_token.get("/api/v1/declarations").json()["count"] == 19  # reading: as the user may
    nonsense = TestClient(app, headers={"Authorization": "Bearer jx_nonsense"})
    assert_error(nonsense.get("/api/v1/declarations"), 401, "unauthorized")


def test_every_answer_forbids_framing_sniffing_and_foreign_scripts(client, login_as):
    for response in (client.get("/"), client.get("/api/v1/declarations"), client.get("/nowhere"),
                     client.get("/static/jixiao.css")):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self';" in response.headers["content-security-policy"]
    assert "cache-control" not in client.get("/").headers  # the public's pages may be cached
    filler = login_as("filler")
    assert filler.get("/").headers["cache-control"] == "no-store"  # they hold drafts and a CSRF token
    assert filler.get("/api/v1/declarations").headers["cache-control"] == "no-store"
