"""登录, 退出, 修改密码, API 令牌 and the administration pages, through the web app, with what each records in
the audit log. On SQLite and PostgreSQL (conftest's ``app``: both seeds published, one user per role).

Each test that changes an account makes one of its own (``person``), so that the shared users stay
as they are and the tests pass in any order.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jixiao.accounts import create_user, find_organisation, find_user, get_user
from jixiao.accounts.errors import LOGIN_FAILED
from jixiao.audit import entries, verify
from jixiao.web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE

from .conftest import PASSWORD, RED_CROSS, csrf_of, login
from .test_web import assert_error

NEW_PASSWORD = "Another-Pass-2025!"


@pytest.fixture
def person(app) -> str:
    """A 填报人 of 上海市红十字会 of this test's own, with :data:`PASSWORD`."""
    name = f"p{uuid.uuid4().hex[:8]}"
    with app.state.session_factory() as session, session.begin():
        create_user(session, name, PASSWORD, ["filler"], find_organisation(session, "unit", RED_CROSS).id)
    return name


def logged(app, **filters: Any) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(action, actor, outcome, details) of the audit entries matching ``filters``, oldest first."""
    with app.state.session_factory() as session:
        found = entries(session, **filters)
        return [(e.action, e.actor, e.outcome, e.details_value()) for e in reversed(found)]


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)


# -- 登录 and 退出 --------------------------------------------------------------------------------------

def test_a_page_that_needs_a_login_sends_the_browser_to_the_login_form_and_back(app, person):
    browser = TestClient(app)
    answer = browser.get("/upload?x=1", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fupload%3Fx%3D1"
    form = browser.get(answer.headers["location"])
    assert form.status_code == 200 and 'name="next" value="/upload?x=1"' in form.text
    assert form.headers["cache-control"] == "no-store"
    done = login(browser, person, next_url="/upload?x=1")
    assert done.status_code == 303 and done.headers["location"] == "/upload?x=1"
    page = browser.get("/upload")
    assert f'id="account-user">{person}<' in page.text and 'id="account-roles">填报人<' in page.text
    assert 'action="/logout"' in page.text and 'href="/login' not in page.text
    # the API answers 401 in its JSON body instead
    assert_error(TestClient(app).post("/api/v1/import"), 401, "unauthorized")


@pytest.mark.parametrize(("target", "lands"), [
    ("/declarations/1", "/declarations/1"), ("/?q=骨髓&year=2024", "/?q=%E9%AA%A8%E9%AB%93&year=2024"),
    ("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"), ("", "/"), ("evil", "/"), ("/x\r\nSet-Cookie: a=b", "/"),
])
def test_after_login_only_a_path_of_this_site_is_followed(app, person, target, lands):
    answer = login(TestClient(app), person, next_url=target)
    assert answer.status_code == 303 and answer.headers["location"] == lands


def test_the_login_form_needs_its_double_submit_token(app, person):
    browser = TestClient(app)
    token = _form_token(browser.get("/login").text)
    assert browser.cookies[LOGIN_CSRF_COOKIE] == token
    for sent in ("", "forged"):
        answer = browser.post("/login", data={"username": person, "password": PASSWORD, "csrf_token": sent})
        assert answer.status_code == 403 and "CSRF" in answer.text and SESSION_COOKIE not in browser.cookies
    stranger = TestClient(app)  # a form posted from elsewhere: no cookie of this site
    answer = stranger.post("/login", data={"username": person, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 403 and SESSION_COOKIE not in stranger.cookies
    assert login(browser, person).status_code == 303
    assert LOGIN_CSRF_COOKIE not in browser.cookies  # used up


def test_login_failures_and_successes_are_logged_without_the_password(app, person):
    browser = TestClient(app)
    wrong = login(browser, person, "Not-The-Password-9")
    assert wrong.status_code == 401 and LOGIN_FAILED in wrong.text
    assert f'value="{person}"' in wrong.text and "Not-The-Password-9" not in wrong.text
    assert login(browser, person).status_code == 303
    assert browser.post("/logout", follow_redirects=False).status_code == 303
    found = logged(app, actor=person)
    assert [(action, outcome) for action, _, outcome, _ in found] == [
        ("login_failed", "failed"), ("login", "ok"), ("logout", "ok")]
    assert found[0][3]["reason"] == "bad_password"
    assert all(PASSWORD not in str(d) and "Not-The-Password" not in str(d) for *_, d in found)
    with app.state.session_factory() as session:
        assert verify(session).ok


def test_an_unknown_user_is_logged_as_an_attempt(app):
    name = f"nobody{uuid.uuid4().hex[:6]}"
    assert login(TestClient(app), name).status_code == 401
    [(action, _, outcome, details)] = logged(app, actor=name)
    assert (action, outcome, details["reason"]) == ("login_failed", "failed", "unknown_user")


def test_a_deactivated_user_cannot_log_in_and_loses_its_sessions(app, person, login_as):
    browser = TestClient(app)
    assert login(browser, person).status_code == 303
    with app.state.session_factory() as session:
        user_id = get_user(session, person).id
    sysadmin = login_as("sysadmin")
    assert sysadmin.post(f"/admin/users/{user_id}/deactivate", follow_redirects=False).status_code == 303
    assert browser.get("/account/password", follow_redirects=False).status_code == 303  # logged out
    refused = login(TestClient(app), person)
    assert refused.status_code == 401 and LOGIN_FAILED in refused.text
    assert sysadmin.post(f"/admin/users/{user_id}/reactivate", follow_redirects=False).status_code == 303
    assert login(TestClient(app), person).status_code == 303
    assert [a for a, *_ in logged(app, object_type="user", object_id=person, action="user.*")] == [
        "user.disable", "user.enable"]


# -- 修改密码 ------------------------------------------------------------------------------------------

def test_changing_ones_password(app, person):
    browser = TestClient(app)
    assert login(browser, person).status_code == 303
    old_cookie = browser.cookies[SESSION_COOKIE]
    form = {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    answer = browser.post("/account/password", data=form, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/account/password?changed=1"
    assert browser.cookies[SESSION_COOKIE] != old_cookie  # a new session; the old one ended with the change
    assert 'id="password-changed"' in browser.get("/account/password?changed=1").text
    assert TestClient(app, cookies={SESSION_COOKIE: old_cookie}).get(
        "/account/password", follow_redirects=False).status_code == 303
    assert login(TestClient(app), person).status_code == 401
    assert login(TestClient(app), person, NEW_PASSWORD).status_code == 303
    assert [(a, o, d) for a, _, o, d in logged(app, action="user.password", object_id=person)] == [
        ("user.password", "ok", {"by": "self"})]


@pytest.mark.parametrize(("form", "shown"), [
    ({"current": PASSWORD, "new": "short", "confirm": "short"}, ["密码至少要 12 个字符，现在只有 5 个"]),
    ({"current": PASSWORD, "new": "alllowercaseletters", "confirm": "alllowercaseletters"},
     ["密码要包含大写字母、小写字母、数字、符号中的至少 3 类，现在只有 1 类"]),
    ({"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD}, ["新密码不能与当前密码相同"]),
    ({"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}, ["两次输入的新密码不一致"]),
    ({"current": "Wrong-Current-1", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, ["当前密码不正确"]),
])
def test_a_refused_password_change_says_why_in_place(app, person, form, shown):
    browser = TestClient(app)
    assert login(browser, person).status_code == 303
    answer = browser.post("/account/password", data=form)
    assert answer.status_code == 400
    for text in shown:
        assert text in answer.text
    assert login(TestClient(app), person).status_code == 303  # the password is still the old one
    assert browser.get("/account/password").status_code == 200  # and the session still open


def test_a_wrong_current_password_counts_towards_the_lockout(app, person):
    browser = TestClient(app)
    assert login(browser, person).status_code == 303
    with app.state.session_factory() as session:
        assert get_user(session, person).failed_logins == 0
    browser.post("/account/password", data={"current": "Wrong-1a!", "new": NEW_PASSWORD,
                                            "confirm": NEW_PASSWORD})
    with app.state.session_factory() as session:
        assert get_user(session, person).failed_logins == 1
    assert logged(app, action="user.password", object_id=person)[-1][2:] == (
        "failed", {"by": "self", "reason": "wrong_current_password"})


# -- API 令牌 ------------------------------------------------------------------------------------------

def test_a_token_is_shown_once_works_within_its_scopes_and_can_be_revoked(app, person):
    browser = TestClient(app)
    assert login(browser, person).status_code == 303
    page = browser.get("/account/tokens")
    offered = [s for s in ("read", "write", "import", "review") if f'name="scopes" value="{s}"' in page.text]
    assert offered == ["read", "write", "import"]  # what a 填报人 may grant
    answer = browser.post("/account/tokens", data={"name": "报表脚本", "scopes": ["read"]})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    token = re.search(r'id="token-value">(jx_[^<]+)<', answer.text).group(1)
    assert token not in browser.get("/account/tokens").text  # shown once
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/declarations").status_code == 200
    assert_error(api.post("/api/v1/declarations", json={}), 403, "forbidden")  # no write scope
    assert api.get("/account/tokens").status_code == 403  # the account pages take no token
    token_id = int(re.search(r'<tr data-token="(\d+)">', answer.text).group(1))
    assert browser.post(f"/account/tokens/{token_id}/revoke", follow_redirects=False).status_code == 303
    assert_error(api.get("/api/v1/declarations"), 401, "unauthorized")
    assert "已吊销" in browser.get("/account/tokens").text
    found = logged(app, actor=person, action="token.*")
    assert [(a, d.get("scopes")) for a, _, _, d in found] == [("token.create", ["read"]),
                                                               ("token.revoke", None)]
    assert all(token not in str(d) for *_, d in found)


@pytest.mark.parametrize(("form", "message"), [
    ({"name": "", "scopes": ["read"]}, "令牌须有一个 1 到 100 字的名称"),
    ({"name": "x", "scopes": []}, "令牌至少要有一个权限"),
    ({"name": "x", "scopes": ["review"]}, "的角色不允许令牌权限「review」"),
    ({"name": "x", "scopes": ["read"], "days": "-3"}, "有效期须是正整数天数"),
    ({"name": "x", "scopes": ["read"], "days": "100000"}, "令牌的有效期须在现在之后、90 天以内"),
])
def test_a_refused_token_says_why(app, person, form, message):
    browser = TestClient(app)
    assert login(browser, person).status_code == 303
    answer = browser.post("/account/tokens", data=form)
    assert answer.status_code == 400 and message in answer.text and "token-value" not in answer.text


# -- administration ---------------------------------------------------------------------------------------

def test_the_system_administrator_creates_a_user_who_logs_in_with_the_password_shown_once(app, login_as):
    sysadmin = login_as("sysadmin")
    name = f"new{uuid.uuid4().hex[:6]}"
    answer = sysadmin.post("/admin/users", data={"username": name, "display_name": "李四",
                                                 "roles": ["unit_reviewer"], "organisation": RED_CROSS})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    password = re.search(r'id="generated-password">([^<]+)<', answer.text).group(1)
    assert password not in sysadmin.get("/admin/users").text
    browser = TestClient(app)
    assert login(browser, name, password).status_code == 303
    assert 'id="account-roles">单位审核人<' in browser.get("/").text
    [(_, actor, outcome, details)] = logged(app, action="user.create", object_id=name)
    assert (actor, outcome) == ("sysadmin", "ok")
    assert details == {"display_name": "李四", "roles": ["unit_reviewer"],
                       "organisation": f"{RED_CROSS}/{RED_CROSS}"}
    assert password not in str(details)


@pytest.mark.parametrize(("form", "message"), [
    ({"username": "ab", "roles": ["filler"], "organisation": RED_CROSS}, "不合规"),
    ({"username": "sysadmin", "roles": ["finance_reviewer"]}, "已被使用"),
    ({"username": "adminx", "roles": ["system_admin"]}, "管理员角色由安全管理员"),
    ({"username": "fillerx", "roles": ["filler"]}, "须指定所属实施单位"),
    ({"username": "fillerx", "roles": ["filler"], "organisation": "没有这个单位"},
     "没有名为「没有这个单位」的实施单位"),
    ({"username": "financex", "roles": ["finance_reviewer"], "organisation": RED_CROSS}, "应留空"),
    ({"username": "nobodyx", "roles": []}, "至少要授予一个角色"),
])
def test_a_refused_new_user_says_why_and_is_not_created(app, login_as, form, message):
    answer = login_as("sysadmin").post("/admin/users", data=form)
    assert answer.status_code == 400 and message in answer.text
    assert f'value="{form["username"]}"' in answer.text  # the form keeps what was typed
    if form["username"] != "sysadmin":
        with app.state.session_factory() as session:
            assert find_user(session, form["username"]) is None


def test_resetting_a_password_shows_the_new_one_once_and_ends_the_sessions(app, person, login_as):
    browser = TestClient(app)
    assert login(browser, person).status_code == 303
    with app.state.session_factory() as session:
        user_id = get_user(session, person).id
    answer = login_as("sysadmin").post(f"/admin/users/{user_id}/password")
    password = re.search(r'id="generated-password">([^<]+)<', answer.text).group(1)
    assert browser.get("/account/password", follow_redirects=False).status_code == 303
    assert login(TestClient(app), person).status_code == 401
    assert login(TestClient(app), person, password).status_code == 303
    assert logged(app, action="user.password", object_id=person)[-1][1:] == (
        "sysadmin", "ok", {"by": "admin", "reset": True})


def test_the_security_administrator_changes_roles_and_the_sessions_end(app, person, login_as):
    browser = TestClient(app)
    assert login(browser, person).status_code == 303
    with app.state.session_factory() as session:
        user_id = get_user(session, person).id
    secadmin = login_as("secadmin")
    answer = secadmin.post(f"/admin/roles/{user_id}", data={"roles": ["department_reviewer"],
                                                            "organisation": RED_CROSS})
    assert answer.status_code == 200 and f"已更新用户「{person}」的角色" in answer.text
    assert browser.get("/account/password", follow_redirects=False).status_code == 303
    assert login(browser, person).status_code == 303
    assert 'id="account-roles">主管部门审核人<' in browser.get("/").text
    assert browser.get("/declarations/new").status_code == 403  # no longer a unit user
    [(_, actor, _, details)] = logged(app, action="user.roles", object_id=person)
    assert actor == "secadmin" and details == {
        "before": {"roles": ["filler"], "organisation": f"{RED_CROSS}/{RED_CROSS}"},
        "after": {"roles": ["department_reviewer"], "organisation": RED_CROSS}}
    mixed = secadmin.post(f"/admin/roles/{user_id}", data={"roles": ["security_admin", "filler"],
                                                           "organisation": RED_CROSS})
    assert mixed.status_code == 400 and "三员分立" in mixed.text


def test_the_security_policy_is_changed_and_logged(app, login_as, person):
    secadmin = login_as("secadmin")
    page = secadmin.get("/admin/policy")
    values = dict(re.findall(r'name="(\w+)" value="(\d+)"', page.text))
    assert values["min_length"] == "12" and values["max_failed_logins"] == "5"
    refused = secadmin.post("/admin/policy", data={**values, "min_length": "3"})
    assert refused.status_code == 400 and "密码最短长度（min_length）须是 8 到 128 之间的整数" in refused.text
    saved = secadmin.post("/admin/policy", data={**values, "min_length": "14"})
    assert saved.status_code == 200 and "安全策略已保存" in saved.text
    try:
        browser = TestClient(app)
        assert login(browser, person).status_code == 303
        short = browser.post("/account/password", data={"current": PASSWORD, "new": "Thirteen-13!a",
                                                        "confirm": "Thirteen-13!a"})
        assert "密码至少要 14 个字符，现在只有 13 个" in short.text
        [(_, actor, _, details)] = logged(app, action="policy.change")[-1:]
        assert actor == "secadmin" and (details["before"]["min_length"], details["after"]["min_length"]) == (
            12, 14)
    finally:
        secadmin.post("/admin/policy", data=values)


def test_the_navigation_offers_each_role_its_pages(login_as, client):
    def nav(browser: TestClient) -> list[str]:
        header = browser.get("/rules").text.split("</header>")[0]
        return re.findall(r'<a (?:id="[^"]*" )?href="(/[a-z/]*)[^"]*"', header)

    assert "/admin/users" in nav(login_as("sysadmin")) and "/admin/roles" not in nav(login_as("sysadmin"))
    assert {"/admin/roles", "/admin/policy"} <= set(nav(login_as("secadmin")))
    assert "/upload" in nav(login_as("filler")) and "/upload" not in nav(login_as("deptreviewer"))
    public = nav(client)
    assert "/login" in public
    assert not any(link.startswith(("/admin", "/account", "/upload")) for link in public)
    assert '<meta name="csrf-token" content="">' in client.get("/").text
    assert csrf_of(login_as("filler")) != ""


USERS_SEEN: Callable[[TestClient], list[str]] = lambda browser: re.findall(  # noqa: E731
    r'<tr data-user="([^"]+)">', browser.get("/admin/users").text)


def test_the_user_list_shows_everyone_and_their_state(login_as):
    seen = USERS_SEEN(login_as("sysadmin"))
    assert {"filler", "otherfiller", "finance", "sysadmin", "secadmin", "auditadmin"} <= set(seen)
    assert seen == sorted(seen)
