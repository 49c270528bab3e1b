"""The version history of a project: the compare form on the detail page, the diff page, the diff API.

A second version of 遗体 and 人体器官捐献工作专项经费 is made by importing a copy of the 2024 seed with one
target changed (=3000.00(份) → =3500.00(份)); every test that needs it asks for the fixture, so the
tests do not depend on their order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jixiao.store import db
from jixiao.store.importing import import_files
from tests.conftest import SEED_2024
from tests.test_web import SCHOOL, assert_error

BODY = "遗体 and 人体器官捐献工作专项经费"
OLD_TARGET, NEW_TARGET = "=3000.00(份)", "=3500.00(份)"


def _id(client: TestClient, name: str) -> int:
    items = client.get("/api/v1/declarations").json()["items"]
    return next(item["id"] for item in items if item["name"] == name)


@pytest.fixture(scope="module")
def body_id(client: TestClient, database: str, tmp_path_factory: pytest.TempPathFactory) -> int:
    """The id of the project that has a second version, with one target changed."""
    text = SEED_2024.read_text(encoding="utf-8")
    assert text.count(OLD_TARGET) == 1
    path: Path = tmp_path_factory.mktemp("history") / "redcross-2024-revised.txt"
    path.write_text(text.replace(OLD_TARGET, NEW_TARGET), encoding="utf-8")
    engine = db.make_engine(database)
    try:
        summary = import_files([path], db.session_factory(engine))
    finally:
        engine.dispose()
    assert (summary.new, summary.updated, summary.unchanged, summary.failed) == (0, 1, 15, [])
    return _id(client, BODY)


@pytest.fixture(scope="module")
def school_id(client: TestClient) -> int:
    """A project with one version only."""
    return _id(client, SCHOOL)


def _indicator_rows(html: str) -> list[str]:
    table = re.search(r'<table id="diff-indicators".*?</table>', html, re.S)
    return re.findall(r"<tr class=.*?</tr>", table.group(0), re.S) if table else []


# -- the detail page -----------------------------------------------------------------------------------

def test_the_detail_page_offers_to_compare_two_versions(client, body_id):
    html = client.get(f"/declarations/{body_id}").text
    assert f'<form id="diff-form" method="get" action="/declarations/{body_id}/diff">' in html
    assert '<button id="diff-submit" type="submit">比较所选版本</button>' in html
    from_1 = re.search(r'<input type="radio" id="diff-from-1" name="from" value="1"[^>]*>', html).group(0)
    to_2 = re.search(r'<input type="radio" id="diff-to-2" name="to" value="2"[^>]*>', html).group(0)
    assert "checked" in from_1 and "checked" in to_2
    assert "checked" not in re.search(r'<input type="radio" id="diff-to-1"[^>]*>', html).group(0)


def test_a_single_version_has_nothing_to_compare(client, school_id):
    html = client.get(f"/declarations/{school_id}").text
    assert "<h2>版本</h2>" in html
    assert 'id="diff-form"' not in html and 'id="diff-submit"' not in html and 'type="radio"' not in html


# -- the diff page ------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [{}, {"from": 1, "to": 2}, {"to": 2}, {"from": "1", "to": ""}])
def test_the_diff_page_shows_exactly_the_changed_target(client, body_id, query):
    response = client.get(f"/declarations/{body_id}/diff", params=query)
    assert response.status_code == 200
    html = response.text
    assert "版本比较：第 1 版 → 第 2 版" in html
    assert '<link rel="stylesheet" href="/static/history.css">' in html
    assert "两个版本相同" not in html
    assert 'id="diff-fields"' not in html and "基本信息、资金和目标没有变化" in html
    (row,) = _indicator_rows(html)
    assert row.startswith('<tr class="changed">') and "修改" in row
    assert f"<del>{OLD_TARGET}</del> → <ins>{NEW_TARGET}</ins>" in row
    assert "制作遗体(含角膜)捐献登记资料" in row and "<del>制作遗体" not in row
    assert "其余 9 项指标未变" in html


def test_the_diff_page_compares_backwards_too(client, body_id):
    html = client.get(f"/declarations/{body_id}/diff", params={"from": 2, "to": 1}).text
    assert "版本比较：第 2 版 → 第 1 版" in html
    (row,) = _indicator_rows(html)
    assert f"<del>{NEW_TARGET}</del> → <ins>{OLD_TARGET}</ins>" in row


@pytest.mark.parametrize("query", [{"from": 2, "to": 2}, {"from": 1, "to": 1}])
def test_a_version_compared_with_itself_is_the_same(client, body_id, query):
    html = client.get(f"/declarations/{body_id}/diff", params=query).text
    assert '<p id="diff-identical" class="identical">两个版本相同。</p>' in html
    assert 'id="diff-indicators"' not in html


def test_the_only_version_is_compared_with_itself(client, school_id):
    response = client.get(f"/declarations/{school_id}/diff")
    assert response.status_code == 200
    assert "第 1 版 → 第 1 版" in response.text and "两个版本相同" in response.text


def test_the_diff_page_can_choose_other_versions(client, body_id):
    html = client.get(f"/declarations/{body_id}/diff").text
    form = re.search(r'<form id="diff-choose".*?</form>', html, re.S).group(0)
    assert f'action="/declarations/{body_id}/diff"' in form
    assert re.search(r'<select name="from">\s*<option value="1" selected>', form)
    assert re.search(r'<select name="to">\s*<option value="1">.*?<option value="2" selected>', form, re.S)


@pytest.mark.parametrize(("path", "query", "status", "message"), [
    ("/declarations/999999/diff", {}, 404, "没有编号为 999999 的项目"),
    ("/declarations/{id}/diff", {"from": 3}, 404, "没有第 3 版"),
    ("/declarations/{id}/diff", {"to": 9}, 404, "没有第 9 版"),
    ("/declarations/{id}/diff", {"from": "abc"}, 400, "版本号「abc」无效"),
    ("/declarations/{id}/diff", {"to": "0"}, 400, "版本号「0」无效"),
    ("/declarations/{id}/diff", {"from": "-1"}, 400, "应为正整数"),
    ("/declarations/abc/diff", {}, 400, "请求有误"),
])
def test_bad_requests_are_chinese_error_pages(client, body_id, path, query, status, message):
    response = client.get(path.format(id=body_id), params=query)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text


# -- the API -------------------------------------------------------------------------------------------

def test_the_diff_api_returns_exactly_the_changed_target(client, body_id):
    response = client.get(f"/api/v1/declarations/{body_id}/diff")
    assert response.status_code == 200
    data = response.json()
    assert client.get(f"/api/v1/declarations/{body_id}/diff", params={"from": 1, "to": 2}).json() == data
    assert sorted(data) == ["fields", "from", "id", "identical", "indicators", "summary", "to"]
    assert (data["id"], data["from"], data["to"], data["identical"]) == (body_id, 1, 2, False)
    assert data["fields"] == []
    assert data["summary"] == {"fields": 0, "added": 0, "removed": 0, "changed": 1, "moved": 0,
                               "unchanged": 9}
    changed = [row for row in data["indicators"] if row["status"] != "unchanged"]
    assert changed == [{
        "status": "changed", "old_index": 1, "new_index": 1, "changed": ["target_raw"], "moved": False,
        "old": data["indicators"][0]["old"], "new": data["indicators"][0]["new"]}]
    old, new = changed[0]["old"], changed[0]["new"]
    assert (old["target_raw"], new["target_raw"]) == (OLD_TARGET, NEW_TARGET)
    assert (old["target"]["value"], new["target"]["value"]) == ("3000.00", "3500.00")  # strings, exact


def test_the_diff_api_of_the_same_version_is_identical(client, body_id):
    data = client.get(f"/api/v1/declarations/{body_id}/diff", params={"from": 2, "to": 2}).json()
    assert data["identical"] is True and data["fields"] == []
    assert data["summary"]["unchanged"] == len(data["indicators"]) == 10


def test_the_diff_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    parameters = paths["/api/v1/declarations/{declaration_id}/diff"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == ["declaration_id", "from", "to"]


@pytest.mark.parametrize(("path", "query", "status", "code"), [
    ("/api/v1/declarations/999999/diff", {}, 404, "not_found"),
    ("/api/v1/declarations/{id}/diff", {"from": 3}, 404, "not_found"),
    ("/api/v1/declarations/{id}/diff", {"to": 7}, 404, "not_found"),
    ("/api/v1/declarations/{id}/diff", {"from": "abc"}, 422, "invalid_parameter"),
    ("/api/v1/declarations/{id}/diff", {"to": 0}, 422, "invalid_parameter"),
    ("/api/v1/declarations/abc/diff", {}, 422, "invalid_parameter"),
])
def test_bad_api_requests_are_the_json_error_body(client, body_id, path, query, status, code):
    error = assert_error(client.get(path.format(id=body_id), params=query), status, code)
    if status == 404 and "{id}" in path:
        assert "has no version" in error["message"]
