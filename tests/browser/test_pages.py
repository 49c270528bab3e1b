"""The read-only pages in a real browser: list, search, detail, dashboard charts, rules, API docs.

Every test also fails (at teardown, see conftest.py) on a console error, an uncaught exception or a
request to a host other than 127.0.0.1.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Page, expect

from .conftest import expect_charts_drawn

MARROW = "中华骨髓库建设工作专项经费"


def _rows(page: Page):
    return page.locator("table.grid > tbody > tr")


def test_the_list_shows_both_seeds(page: Page):
    page.goto("/")
    expect(page).to_have_title(re.compile("绩效 Jixiao"))
    expect(page.get_by_role("heading", level=1, name="项目列表")).to_be_visible()
    expect(page.locator("#count")).to_have_text("19")
    expect(page.locator("#funds-total")).to_have_text("14,386,098.00")
    expect(_rows(page)).to_have_count(19)
    expect(_rows(page).locator("a[href^='/declarations/']")).to_have_count(19)
    expect(page.get_by_role("link", name=MARROW)).to_be_visible()


def _expect_the_marrow_search(page: Page) -> None:
    expect(page.locator("#count")).to_have_text("1")
    expect(_rows(page)).to_have_count(1)
    expect(page.get_by_role("link", name=MARROW)).to_be_visible()
    expect(page.get_by_role("searchbox", name="搜索")).to_have_value("骨髓")
    expect(page.locator("#funds-total")).to_have_text("1,685,200.00")


def test_searching_narrows_the_list(page: Page):
    page.goto("/?q=" + quote("骨髓"))
    _expect_the_marrow_search(page)


def test_typing_a_search_and_submitting_it(page: Page):
    # The form also sends its filters left at 全部 (year=): the same as no filter.
    page.goto("/")
    search = page.get_by_role("searchbox", name="搜索")
    search.fill("骨髓")
    with page.expect_navigation() as navigation:
        search.press("Enter")
    assert navigation.value.status == 200, f"{navigation.value.status} for {navigation.value.url}"
    _expect_the_marrow_search(page)


def test_submitting_the_dashboard_filter_with_its_defaults(page: Page):
    page.goto("/dashboard")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="筛选").click()
    assert navigation.value.status == 200, f"{navigation.value.status} for {navigation.value.url}"
    expect(page.locator("body")).to_have_attribute("data-charts-drawn", "4")


def test_a_project_page_shows_its_indicators_and_findings(page: Page):
    page.goto("/")
    page.get_by_role("link", name=MARROW).click()
    expect(page).to_have_url(re.compile(r"/declarations/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(MARROW)

    table = page.locator("table.indicators")
    rows = table.locator("tbody > tr")
    expect(rows).to_have_count(9)
    expect(table.locator("thead th")).to_have_text(
        ["#", "一级指标", "二级指标", "三级指标", "指标值", "审核意见"])
    # Merged level cells: 产出指标 spans its 6 rows, 数量指标 its 3; the rows below have no such cells.
    expect(rows.nth(0).locator("td[rowspan]").nth(0)).to_have_attribute("rowspan", "6")
    expect(rows.nth(0).locator("td[rowspan]").nth(0)).to_have_text("产出指标")
    expect(rows.nth(0).locator("td[rowspan]").nth(1)).to_have_attribute("rowspan", "3")
    expect(rows.nth(0).locator("td")).to_have_count(6)
    expect(rows.nth(1).locator("td")).to_have_count(4)
    # The merged table still lines up: each row's columns add up to six.
    assert table.evaluate("""t => {
        const grid = [];
        [...t.tBodies[0].rows].forEach((row, y) => {
            grid[y] = grid[y] || [];
            let x = 0;
            for (const cell of row.cells) {
                while (grid[y][x]) x++;
                for (let k = 0; k < cell.rowSpan; k++) (grid[y + k] = grid[y + k] || [])[x] = true;
                x++;
            }
        });
        return grid.every(r => r.filter(Boolean).length === 6) && grid.length === t.tBodies[0].rows.length;
    }""")

    expect(page.get_by_role("heading", name="审核意见（4 条）")).to_be_visible()
    expect(page.locator("ul.findings > li")).to_have_count(4)
    flagged = table.locator("tr.has-findings a.finding")
    expect(flagged.first).to_have_text(re.compile(r"^JX\d{3}$"))
    flagged.first.click()
    expect(page).to_have_url(re.compile(r"#finding-\d+-\d+$"))
    target = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"[id='{target}']")).to_be_in_viewport()


def test_the_dashboard_draws_every_chart(page: Page):
    page.goto("/dashboard")
    expect(page.get_by_role("heading", level=1, name="汇总")).to_be_visible()
    expect(page.locator("#projects")).to_have_text("19")
    expect(page.locator("#funds-total")).to_contain_text("14,386,098")
    expect_charts_drawn(page)
    funds = page.locator("[data-chart=funds]").evaluate(
        "el => echarts.getInstanceByDom(el).getOption().series[0].data.length")
    assert funds == 19


def test_the_rules_and_one_rule_page(page: Page):
    page.goto("/rules")
    expect(page.get_by_role("heading", level=1, name="审核规则")).to_be_visible()
    expect(page.locator("table.grid > tbody > tr").first).to_be_visible()
    assert _rows(page).count() > 40
    page.get_by_role("link", name="JX201", exact=True).click()
    expect(page).to_have_url(re.compile(r"/rules/JX201$"))
    expect(page).to_have_title(re.compile("^JX201 "))
    rule = page.locator("pre.rule-page")
    expect(rule).to_contain_text("# JX201")
    expect(rule).to_contain_text("规则说明")
    page.get_by_role("link", name="← 全部规则").click()
    expect(page).to_have_url(re.compile(r"/rules$"))


def test_the_api_docs_page(page: Page):
    page.goto("/api/docs")
    expect(page.get_by_role("heading", level=1, name="API 文档")).to_be_visible()
    paths = page.locator("table.grid > tbody > tr > td:nth-child(2)")
    expect(paths.first).to_be_visible()
    expect(paths).to_contain_text(["/api/v1/declarations", "/api/v1/dashboard"])
    openapi = page.get_by_role("link", name=re.compile(r"openapi\.json$"))
    response = page.request.get(openapi.get_attribute("href"))
    assert response.ok
    assert "/api/v1/declarations" in response.json()["paths"]


def test_the_site_has_a_favicon(page: Page):
    page.goto("/")
    icon = page.locator("link[rel~=icon]")
    href = icon.first.get_attribute("href") if icon.count() else "/favicon.ico"
    assert href.startswith("data:") or page.request.get(href).ok


def test_a_download_button_gives_the_file_named_in_chinese(page: Page):
    page.goto("/?q=" + quote("骨髓"))
    page.get_by_role("link", name=MARROW).click()
    with page.expect_download() as download:
        page.locator("#download-form-xlsx").click()
    assert download.value.suggested_filename == f"{MARROW}-申报表.xlsx"
    with open(download.value.path(), "rb") as file:
        assert file.read(2) == b"PK"  # an XLSX is a ZIP
    page.goto("/?q=" + quote("骨髓"))
    with page.expect_download() as listed:
        page.locator("#download-summary-xlsx").click()
    assert listed.value.suggested_filename == "检索「骨髓」-汇总表.xlsx"
