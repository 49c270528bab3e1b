"""Flows that change data, in a real browser: edit a declaration (a bad target value shown in place, then
fixed and saved as version 2, compared with version 1), rework its indicator rows, two editors saving at
once, a new project, uploads (with and without JavaScript) and the dashboard after an edit.

All run on one server of this module (``flows_server``, both seeds on a database of its own, left drafts
so that their unit may edit them), so that the shared ``server`` keeps its 19 projects. Every page logs
in first, through the login form, as the 填报人 of 上海市红十字会 (the 2024 seed's unit). Each test
works on a project no other test here touches, so the tests do not depend on their order. Every test
also fails (at teardown, see conftest.py) on a console error, an uncaught exception or a request to a
host other than 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from .conftest import expect_charts_drawn, log_in

if TYPE_CHECKING:
    from tests.browser.conftest import Server

MARROW = "中华骨髓库建设工作专项经费"  # the edit flow
BODY = "遗体 and 人体器官捐献工作专项经费"  # the indicator rows
FIRST_AID = "学校红十字应急救护培训工作专项经费"  # two editors at once
PUBLICITY = "红十字宣传传播工作专项经费"  # the dashboard after an edit
FORM_TITLE = "财政项目支出绩效目标申报表"
SEED_2024 = Path(__file__).resolve().parents[2] / "src/jixiao/samples/shanghai-redcross-2024-targets.txt"


@pytest.fixture(scope="module")
def flows_server(server_factory: Callable[..., Server]) -> Server:
    """A server of this module's own with both seeds as drafts: the tests here change its data."""
    return server_factory(seeds=True, publish=False)


@pytest.fixture
def flows_page(new_page, flows_server: Server) -> Page:
    """A page logged in as the filler."""
    page = new_page(flows_server)
    log_in(page, "filler")
    return page


def _id_of(page: Page, name: str) -> int:
    response = page.request.get("/api/v1/declarations?q=" + quote(name))
    assert response.ok, response.status
    return next(item["id"] for item in response.json()["items"] if item["name"] == name)


def _versions(page: Page, declaration_id: int) -> list[dict]:
    response = page.request.get(f"/api/v1/declarations/{declaration_id}/versions")
    assert response.ok, response.status
    return response.json()["versions"]


def _declaration(page: Page, declaration_id: int) -> dict:
    response = page.request.get(f"/api/v1/declarations/{declaration_id}")
    assert response.ok, response.status
    return response.json()


def _indicator_names_on_detail(page: Page) -> list[str]:
    """The 三级指标 of the detail page's indicator table, in order (the level cells are merged, so the
    name is counted from the end: name, target value, findings)."""
    return page.locator("table.indicators > tbody > tr").evaluate_all(
        "rows => rows.map(r => r.cells[r.cells.length - 3].textContent.trim())")


def _first_form(name: str) -> str:
    """The first form of the 2024 seed, its project renamed ``name`` (a new project when uploaded)."""
    form = FORM_TITLE + SEED_2024.read_text(encoding="utf-8").split(FORM_TITLE)[1]
    assert BODY in form
    return form.replace(BODY, name)


def _expect_saved(page: Page, version: int) -> None:
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#saved")).to_contain_text(f"已保存为第 {version} 版")
    expect(page.locator("#expected_version")).to_have_value(str(version))
    expect(page.locator("#alert")).to_be_hidden()


# -- 1. search, open, edit a target to a bad value, fix it, save, history, compare ---------------------------

def test_editing_a_target_from_the_list_to_the_version_comparison(flows_page: Page, problems):
    problems.allow("status of 422")  # the save of the bad value, refused, logged by chromium
    page = flows_page
    page.goto("/")
    search = page.get_by_role("searchbox", name="搜索")
    search.fill("骨髓")
    search.press("Enter")
    expect(page.locator("#count")).to_have_text("1")
    page.get_by_role("link", name=MARROW).click()
    expect(page).to_have_url(re.compile(r"/declarations/\d+$"))
    detail_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(MARROW)
    expect(page.locator("p.meta")).to_contain_text("第 1 版")

    page.get_by_role("link", name="编辑", exact=True).click()
    expect(page).to_have_url(re.compile(r"/declarations/\d+/edit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"编辑：{MARROW}")
    expect(page.locator("#editing-version")).to_have_text("1")
    expect(page.locator("#expected_version")).to_have_value("1")

    target, error = page.locator("#target-1"), page.locator("#target-error-1")
    expect(target).to_have_class(re.compile(r"\bind-target\b"))
    expect(target).to_have_value("=3200.00(人)")
    expect(error).to_have_text("")
    expect(target).not_to_have_attribute("aria-invalid", "true")

    target.fill("≥")  # checked as it is typed: the message appears next to the input
    expect(error).to_have_text("「≥」后应是数值，如 ≥80%")
    expect(target).to_have_attribute("aria-invalid", "true")
    expect(target).to_have_attribute("aria-describedby", "target-error-1")

    # Saved anyway: refused (422), the field named and marked, the input kept, nothing stored.
    page.locator("#save").click()
    alert = page.locator("#alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("indicators[1].target_raw（第 1 条指标的指标值）: 「≥」后应是数值")
    expect(alert).to_contain_text("您填写的内容仍在本页，尚未保存。")
    expect(target).to_have_class(re.compile(r"\bfield-error\b"))
    expect(target).to_have_value("≥")
    expect(page.locator("#saved")).to_be_hidden()
    expect(page.locator("#expected_version")).to_have_value("1")
    declaration_id = int(re.search(r"/declarations/(\d+)/edit$", page.url)[1])
    assert [v["number"] for v in _versions(page, declaration_id)] == [1]

    target.fill("≥3500(人份)")
    expect(target).not_to_have_class(re.compile(r"\bfield-error\b"))
    expect(error).to_have_text("")
    expect(target).not_to_have_attribute("aria-invalid", "true")

    page.locator("#save").click()
    _expect_saved(page, 2)
    expect(page.locator("#editing-version")).to_have_text("2")

    page.locator("#saved").get_by_role("link", name="查看项目详情").click()
    expect(page).to_have_url(detail_url)
    expect(page.locator("p.meta")).to_contain_text("第 2 版")
    versions = page.locator("table.versions > tbody > tr")
    expect(versions).to_have_count(2)
    expect(versions.nth(1).locator("td").nth(2)).to_have_text("2")
    expect(versions.nth(1).locator("td").nth(4)).to_have_text("web")
    indicators = page.locator("table.indicators > tbody > tr")
    expect(indicators.first).to_contain_text("完成新招募入库志愿者人数")
    expect(indicators.first).to_contain_text("≥3500(人份)")
    expect(page.locator("table.indicators")).not_to_contain_text("=3200.00(人)")

    # Compare version 1 with version 2 (the defaults, chosen again here as a user would).
    page.locator("#diff-from-1").check()
    page.locator("#diff-to-2").check()
    page.locator("#diff-submit").click()
    expect(page).to_have_url(re.compile(r"/declarations/\d+/diff\?from=1&to=2$"))
    expect(page.locator("#diff-title")).to_have_text("版本比较：第 1 版 → 第 2 版")
    expect(page.locator("#diff-summary")).to_contain_text("修改 1 项")
    changed = page.locator("#diff-indicators > tbody > tr.changed")
    expect(changed).to_have_count(1)
    expect(page.locator("#diff-indicators > tbody > tr")).to_have_count(1)
    expect(changed).to_contain_text("完成新招募入库志愿者人数")
    expect(changed.locator("del")).to_have_text("=3200.00(人)")
    expect(changed.locator("ins")).to_have_text("≥3500(人份)")
    expect(changed.locator("td").nth(6)).to_have_text("=3200.00(人) → ≥3500(人份)")


# -- 2. the indicator rows: add, insert, move, remove --------------------------------------------------------

def test_rows_added_moved_and_removed_are_saved_in_their_new_order(flows_page: Page):
    page = flows_page
    declaration_id = _id_of(page, BODY)
    page.goto(f"/declarations/{declaration_id}/edit")
    rows = page.locator("#indicator-rows > tr")
    before = page.locator("#indicator-rows .ind-name").evaluate_all("inputs => inputs.map(i => i.value)")
    n = len(before)
    assert n == 10, before
    expect(rows).to_have_count(n)

    # 添加一行指标: a blank row at the end, its first input focused.
    page.locator("#add-row").click()
    expect(rows).to_have_count(n + 1)
    expect(page.locator(f"#level1-{n + 1}")).to_be_focused()
    expect(page.locator(f"#name-{n + 1}")).to_have_value("")
    page.locator(f"#level1-{n + 1}").fill("满意度指标")
    page.locator(f"#level2-{n + 1}").fill("服务对象满意度指标")
    page.locator(f"#name-{n + 1}").fill("志愿者满意度")
    page.locator(f"#target-{n + 1}").fill("≥90%")

    # ↑ moves it above the last row; the ids follow the rows' positions.
    page.locator(f"#row-{n + 1} .row-up").click()
    expect(page.locator(f"#name-{n}")).to_have_value("志愿者满意度")
    expect(page.locator(f"#target-{n}")).to_have_value("≥90%")
    expect(page.locator(f"#name-{n + 1}")).to_have_value(before[-1])
    expect(page.locator(f"#row-{n} .row-index")).to_have_text(str(n))
    expect(page.locator(f"#target-{n}")).to_have_attribute("aria-describedby", f"target-error-{n}")

    # ＋ inserts a row below the first one.
    page.locator("#row-1 .row-add").click()
    expect(rows).to_have_count(n + 2)
    expect(page.locator("#name-2")).to_have_value("")
    expect(page.locator("#name-3")).to_have_value(before[1])
    page.locator("#level1-2").fill("产出指标")
    page.locator("#level2-2").fill("数量指标")
    page.locator("#name-2").fill("举办遗体捐献培训")
    page.locator("#target-2").fill("≥2(场)")

    # － removes the first row; the inserted one becomes row 1.
    page.locator("#row-1 .row-remove").click()
    expect(rows).to_have_count(n + 1)
    expect(page.locator("#name-1")).to_have_value("举办遗体捐献培训")
    expect(page.locator("#row-1 .row-index")).to_have_text("1")
    expect(page.locator(".target-error").filter(has_text=re.compile("."))).to_have_count(0)

    expected = ["举办遗体捐献培训", *before[1:-1], "志愿者满意度", before[-1]]
    page.locator("#save").click()
    _expect_saved(page, 2)

    page.locator("#saved").get_by_role("link", name="查看项目详情").click()
    expect(page).to_have_url(re.compile(rf"/declarations/{declaration_id}$"))
    expect(page.locator("table.indicators > tbody > tr")).to_have_count(n + 1)
    assert _indicator_names_on_detail(page) == expected
    expect(page.locator("#ind-1")).to_contain_text("≥2(场)")
    expect(page.locator(f"#ind-{n}")).to_contain_text("≥90%")
    versions = page.locator("table.versions > tbody > tr")
    expect(versions).to_have_count(2)
    expect(versions.nth(1).locator("td").last).to_have_text(str(n + 1))  # 指标数 of version 2


# -- 3. two editors save the same version --------------------------------------------------------------------

def test_a_second_save_of_the_same_version_is_refused_and_keeps_what_was_typed(new_page, flows_server: Server,
                                                                               problems):
    problems.allow("status of 409")  # the refused PUT, logged by chromium
    first, second = new_page(flows_server), new_page(flows_server)
    for page in (first, second):
        log_in(page, "filler")
    declaration_id = _id_of(first, FIRST_AID)
    for page in (first, second):
        page.goto(f"/declarations/{declaration_id}/edit")
        expect(page.locator("#expected_version")).to_have_value("1")

    first.locator("#field-goal").fill("甲保存的年度总体目标。")
    first.locator("#save").click()
    _expect_saved(first, 2)

    goal = second.locator("#field-goal")
    goal.fill("乙填写的年度总体目标。")
    second.locator("#save").click()
    alert = second.locator("#alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("已被他人保存为第 2 版")
    expect(alert).to_contain_text("您填写的内容仍在本页，尚未保存。")
    expect(alert.get_by_role("link", name="在新窗口查看最新版本")).to_have_attribute(
        "href", f"/declarations/{declaration_id}")
    expect(second.locator("#saved")).to_be_hidden()
    expect(goal).to_have_value("乙填写的年度总体目标。")
    expect(second.locator("#expected_version")).to_have_value("1")
    expect(second.locator("#editing-version")).to_have_text("1")
    expect(second.locator("#save")).to_be_enabled()

    assert [v["number"] for v in _versions(second, declaration_id)] == [1, 2]
    assert _declaration(second, declaration_id)["goal"] == "甲保存的年度总体目标。"


# -- 4. a new project ----------------------------------------------------------------------------------------

def test_a_new_project_is_saved_and_listed(flows_page: Page):
    page = flows_page
    name = "浏览器新建测试项目"
    page.goto("/")
    page.locator("#new-declaration").click()
    expect(page).to_have_url(re.compile(r"/declarations/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("新建项目")
    expect(page.locator("#indicator-rows > tr")).to_have_count(1)

    page.locator("#field-name").fill(name)
    page.locator("#field-year").fill("2025")
    page.locator("#field-department").fill("上海市红十字会")
    page.locator("#field-unit").fill("上海市红十字会")
    page.locator("#level1-1").fill("产出指标")
    page.locator("#level2-1").fill("数量指标")
    page.locator("#name-1").fill("举办培训班")
    page.locator("#target-1").fill("≥3(期)")
    page.locator("#save").click()
    _expect_saved(page, 1)
    expect(page).to_have_url(re.compile(r"/declarations/\d+/edit$"))
    declaration_id = int(page.url.rsplit("/", 2)[1])
    # from now on the page edits that project, as its own edit page does
    expect(page.get_by_role("heading", level=1)).to_have_text(f"编辑：{name}")
    expect(page.locator("#editing-version")).to_have_text("1")
    expect(page.locator("#cancel")).to_have_attribute("href", f"/declarations/{declaration_id}")

    page.goto("/?q=" + quote(name))
    expect(page.locator("#count")).to_have_text("1")
    row = page.locator("table.grid > tbody > tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name=name)).to_have_attribute("href", f"/declarations/{declaration_id}")
    expect(row.locator("td").nth(1)).to_have_text("2025")
    expect(row.locator("td").nth(3)).to_have_text("上海市红十字会")
    expect(row.locator("td").nth(5)).to_have_text("1")  # 指标数
    row.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("table.indicators > tbody > tr")).to_have_count(1)
    expect(page.locator("table.indicators")).to_contain_text("≥3(期)")


# -- 5. uploads ----------------------------------------------------------------------------------------------

def _upload_files(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A form of a new project ``name`` and a text file that is no form."""
    form = tmp_path / "新项目申报表.txt"
    form.write_text(_first_form(name), encoding="utf-8")
    notes = tmp_path / "说明.txt"
    notes.write_text("这不是申报表，只是一份说明。\n", encoding="utf-8")
    return form, notes


def _expect_upload_summary(page: Page, name: str) -> None:
    summary = page.locator("#upload-summary")
    expect(summary).to_have_attribute("data-state", "done")
    expect(summary).to_be_visible()
    for key, count in (("new", 1), ("updated", 0), ("unchanged", 0), ("failed", 1)):
        expect(page.locator(f"#summary-{key}")).to_have_text(str(count))
    expect(page.locator("#upload-files > tbody > tr")).to_have_count(2)
    failed = page.locator("#upload-files > tbody > tr[data-status=failed]")
    expect(failed).to_have_count(1)
    expect(failed.locator("td.file")).to_have_text("说明.txt")
    expect(failed.locator("td.status")).to_have_text("失败")
    expect(failed.locator("td.detail")).to_contain_text("说明.txt")
    expect(failed.locator("td.detail")).to_contain_text("项目名称")
    expect(failed.locator("td.declarations a")).to_have_count(0)
    new = page.locator("#upload-files > tbody > tr[data-status=new]")
    expect(new).to_have_count(1)
    expect(new.locator("td.file")).to_have_text("新项目申报表.txt")
    expect(new.locator("td.detail")).to_have_text("新增 1")
    expect(new.locator("td.declarations a")).to_have_text(name)


def test_uploading_a_new_form_and_a_file_that_is_no_form(flows_page: Page, tmp_path: Path):
    page = flows_page
    name = "浏览器上传测试项目"
    form, notes = _upload_files(tmp_path, name)
    page.goto("/")
    page.locator("header nav").get_by_role("link", name="上传", exact=True).click()
    expect(page).to_have_url(re.compile(r"/upload$"))
    expect(page.locator("#upload-summary")).to_have_attribute("data-state", "empty")
    expect(page.locator("#upload-summary")).to_be_hidden()

    page.set_input_files("#files", [form, notes])
    page.locator("#upload-button").click()
    _expect_upload_summary(page, name)
    expect(page).to_have_url(re.compile(r"/upload$"))  # the script sent the files; the page stayed
    expect(page.locator("#upload-button")).to_be_enabled()

    page.locator("#upload-files td.declarations a").click()
    expect(page).to_have_url(re.compile(r"/declarations/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("p.meta")).to_contain_text("第 1 版")
    expect(page.locator("table.indicators > tbody > tr")).to_have_count(10)


def test_uploading_without_javascript_posts_the_form(new_page, flows_server: Server, tmp_path: Path):
    page = new_page(flows_server, java_script_enabled=False)
    name = "无脚本上传测试项目"
    form, notes = _upload_files(tmp_path, name)
    log_in(page, "filler")  # a plain form: no script needed
    page.goto("/upload")
    page.set_input_files("#files", [form, notes])
    with page.expect_navigation() as navigation:
        page.locator("#upload-button").click()
    response = navigation.value
    assert (response.request.method, response.status) == ("POST", 200), (response.request.method,
                                                                          response.status, response.url)
    expect(page).to_have_url(re.compile(r"/upload$"))
    _expect_upload_summary(page, name)

    page.locator("#upload-files td.declarations a").click()
    expect(page).to_have_url(re.compile(r"/declarations/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


# -- 6. the dashboard after an edit --------------------------------------------------------------------------

def test_the_dashboard_draws_its_charts_after_an_edit(flows_page: Page):
    page = flows_page
    declaration_id = _id_of(page, PUBLICITY)
    page.goto(f"/declarations/{declaration_id}/edit")
    expect(page.locator("#field-funds-total")).to_have_value("1400400.00")
    page.locator("#field-funds-total").fill("1400500.00")
    page.locator("#field-funds-current_year").fill("1400500.00")
    page.locator("#save").click()
    _expect_saved(page, 2)

    listing = page.request.get("/api/v1/declarations?size=200").json()
    page.goto("/dashboard")
    expect(page.get_by_role("heading", level=1, name="汇总")).to_be_visible()
    expect(page.locator("#projects")).to_have_text(str(listing["count"]))
    expect(page.locator("#funds-total")).to_have_text(f"{float(listing['funds_total']):,.2f}")
    expect_charts_drawn(page)
    funds = page.locator("[data-chart=funds]").evaluate(
        "el => { const o = echarts.getInstanceByDom(el).getOption();"
        " return Object.fromEntries(o.yAxis[0].data.map((name, i) => [name, o.series[0].data[i]])); }")
    assert funds[PUBLICITY] == 1400500, funds
    page.locator(".chart-box").filter(has=page.locator("[data-chart=funds]")).get_by_text("表格").click()
    row = page.locator("#table-funds > tbody > tr").filter(has=page.get_by_role("link", name=PUBLICITY))
    expect(row.locator("td").nth(2)).to_have_text("1,400,500.00")
