"""Logging in and out in a real browser: a page that needs a login sends the browser to the form and
back, a wrong password is refused in place, 退出 ends the session. On the shared server (its user
``filler``); nothing here changes declarations.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import PASSWORD, log_in


def test_a_page_that_needs_a_login_leads_to_the_form_and_back_then_logout(page: Page, problems):
    problems.allow("status of 401")  # the refused login, answered 401, logged by chromium
    page.goto("/")
    expect(page.locator("#login-link")).to_be_visible()
    expect(page.locator("header nav").get_by_role("link", name="上传", exact=True)).to_have_count(0)

    page.goto("/upload")  # needs a login: the form, which comes back here afterwards
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fupload$"))
    expect(page.get_by_role("heading", level=1, name="登录")).to_be_visible()
    page.get_by_label("用户名").fill("filler")
    page.get_by_label("密码").fill("Not-the-password-1")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")
    expect(page.get_by_label("用户名")).to_have_value("filler")
    expect(page.get_by_label("密码")).to_have_value("")

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/upload$"))
    expect(page.locator("#account-user")).to_have_text("filler")
    expect(page.locator("#account-roles")).to_have_text("填报人")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["jixiao_session"]["httpOnly"] and cookies["jixiao_session"]["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("jixiao_session") == -1  # no script can read it
    assert page.locator('meta[name="csrf-token"]').get_attribute("content")

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#login-link")).to_be_visible()
    assert "jixiao_session" not in {c["name"] for c in page.context.cookies()}
    page.goto("/upload")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fupload$"))


def test_a_logged_in_user_changes_nothing_on_the_public_pages(page: Page):
    log_in(page, "filler")
    page.goto("/")
    expect(page.locator("#count")).to_have_text("19")  # the seeds are published: the same list
    expect(page.locator("#new-declaration")).to_be_visible()
