"""The web system in process: the Chinese pages, the REST API, one error body, no internet links.

The app runs on a SQLite file and on a PostgreSQL schema of its own (skipped when PostgreSQL cannot be
reached, as in test_store).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jixiao.web import create_app
from jixiao.web.app import STATIC, TEMPLATES
from jixiao.web.pages import indicator_rows

SCHOOL = "学校红十字应急救护培训工作专项经费"


@pytest.fixture(scope="module")
def school_id(client: TestClient) -> int:
    items = client.get("/api/v1/declarations").json()["items"]
    return next(item["id"] for item in items if item["name"] == SCHOOL)


def _links(html: str) -> list[str]:
    return re.findall(r'href="/declarations/(\d+)"', html)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert sorted(body["error"]) == ["code", "message", "status"]
    assert (body["error"]["status"], body["error"]["code"]) == (status, code)
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# -- pages ---------------------------------------------------------------------------------------------

def test_the_list_shows_every_project_and_the_funds_total(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "项目列表" in html and "绩效 Jixiao" in html
    assert len(_links(html)) == 19
    assert 'id="funds-total">14,386,098.00<' in html  # 13,012,181.00 + 1,373,917.00
    assert ">1,685,200.00<" in html  # 中华骨髓库建设工作专项经费, with thousands separators
    for header in ("项目名称", "年度", "主管部门", "实施单位", "资金总额", "指标数"):
        assert header in html


def test_the_list_filters_by_year_and_unit(client):
    html = client.get("/", params={"year": 2020}).text
    assert len(_links(html)) == 3
    assert 'id="funds-total">1,373,917.00<' in html
    unit = client.get("/api/v1/declarations", params={"year": 2020}).json()["items"][0]["unit"]
    assert len(_links(client.get("/", params={"unit": unit}).text)) == 3
    assert len(_links(client.get("/", params={"year": 1999}).text)) == 0


def test_the_list_pages(client):
    first = client.get("/", params={"size": 10}).text
    second = client.get("/", params={"size": 10, "page": 2}).text
    assert (len(_links(first)), len(_links(second))) == (10, 9)
    assert set(_links(first)).isdisjoint(_links(second))
    assert "第 1 / 2 页" in first and "下一页" in first
    assert 'id="funds-total">14,386,098.00<' in second  # the total of every match, not of the page


@pytest.mark.parametrize("query", ["page=0", "page=x", "size=0", "size=100000", "year=abc", "page=-1",
                                   "page=769160943504873216"])
def test_a_bad_parameter_on_the_list_is_a_400_page(client, query):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "400 请求有误" in response.text


def test_the_detail_page_shows_the_form_the_findings_and_the_versions(client, school_id):
    response = client.get(f"/declarations/{school_id}")
    assert response.status_code == 200
    html = response.text
    assert SCHOOL in html and "232,500.00" in html
    assert re.search(r'<td rowspan="[2-9]\d*">', html), "merged level cells"
    assert "JX401" in html and "JX301" in html
    # JX301 sits in the row of indicator 3 and its entry in the list points back at that row
    row = re.search(r'<tr id="ind-3"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert "JX301" in row and "高校应急救护比赛学校红十字会参与率" in row
    assert re.search(r'<li id="finding-\d+-3"[^>]*><a href="#ind-3">', html)
    assert "版本" in html and "shanghai-redcross-2024-targets.txt" in html


def test_indicator_rows_merge_runs_of_equal_levels():
    from jixiao.model import Indicator, Target

    def ind(l1, l2):
        return Indicator(level1=l1, level2=l2, name="x", target_raw="1", target=Target())

    levels = [("产出", "数量"), ("产出", "数量"), ("产出", "质量"), ("效益", "数量")]
    rows = indicator_rows([ind(l1, l2) for l1, l2 in levels], [])
    assert [(r.level1_span, r.level2_span) for r in rows] == [(3, 2), (0, 0), (0, 1), (1, 1)]


def test_unknown_pages_are_404_in_chinese(client):
    for path in ("/declarations/99999", "/rules/JX999", "/nowhere"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "404 未找到" in response.text


def test_the_rule_pages(client):
    html = client.get("/rules").text
    assert 'href="/rules/JX301"' in html and 'href="/rules/JX401"' in html
    page = client.get("/rules/jx301")
    assert page.status_code == 200 and "<pre" in page.text and "JX301" in page.text


def test_the_stylesheet_is_served_by_the_app(client):
    response = client.get("/static/jixiao.css")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
    assert '/static/jixiao.css"' in client.get("/").text


def test_no_template_or_static_file_refers_to_the_internet():
    # static/vendor/ holds third-party builds from npm, whose code contains XML namespace URIs and licence
    # links; test_web_dashboard checks that those are the only URLs in them.
    files = [p for p in [*TEMPLATES.rglob("*"), *STATIC.rglob("*")]
             if p.is_file() and (STATIC / "vendor") not in p.parents]
    assert len(files) >= 7
    internet = re.compile(r"https?://|(src|href)=\"//")
    # An SVG's namespace name (the favicon's) is an identifier that is never fetched.
    namespace = 'xmlns="http://www.w3.org/2000/svg"'
    assert [str(p) for p in files
            if internet.search(p.read_text(encoding="utf-8").replace(namespace, ""))] == []


def test_no_page_refers_to_the_internet(client, school_id):
    for path in ("/", f"/declarations/{school_id}", "/rules", "/rules/JX301", "/api/docs", "/nowhere"):
        assert not re.search(r"(src|href)=\"(https?:)?//", client.get(path).text), path


# -- API -----------------------------------------------------------------------------------------------

def test_api_list(client):
    body = client.get("/api/v1/declarations").json()
    assert (body["count"], body["funds_total"], body["page"], body["size"], body["pages"]) == (
        19, "14386098.00", 1, 50, 1)
    assert len(body["items"]) == 19
    assert sorted(body["items"][0]) == ["department", "funds_total", "grade", "id", "indicator_count", "name",
                                        "score", "unit", "version", "year"]
    year2020 = client.get("/api/v1/declarations", params={"year": 2020}).json()
    assert (year2020["count"], year2020["funds_total"]) == (3, "1373917.00")


def test_api_detail_versions_and_review(client, school_id):
    detail = client.get(f"/api/v1/declarations/{school_id}").json()
    assert (detail["id"], detail["version"], detail["name"], detail["year"]) == (school_id, 1, SCHOOL, 2024)
    assert detail["funds"]["total"] == "232500.00" or detail["funds"]["total"] == "232500"
    assert len(detail["indicators"]) == 8
    versions = client.get(f"/api/v1/declarations/{school_id}/versions").json()
    assert [v["number"] for v in versions["versions"]] == [1]
    assert versions["versions"][0]["source"].endswith("shanghai-redcross-2024-targets.txt")
    review = client.get(f"/api/v1/declarations/{school_id}/review").json()
    codes = {(f["code"], (f["indicator"] or {}).get("index")) for f in review["findings"]}
    assert ("JX301", 3) in codes and any(code == "JX401" for code, _ in codes)
    assert {"score", "grade", "outcome", "findings", "breakdown", "profile"} <= set(review)


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/v1/declarations/99999", 404, "not_found"),
    ("/api/v1/declarations/99999/versions", 404, "not_found"),
    ("/api/v1/declarations/99999/review", 404, "not_found"),
    ("/api/v1/nowhere", 404, "not_found"),
    ("/api/v1/declarations/abc", 422, "invalid_parameter"),
    ("/api/v1/declarations?page=0", 422, "invalid_parameter"),
    ("/api/v1/declarations?size=100000", 422, "invalid_parameter"),
    ("/api/v1/declarations?year=abc", 422, "invalid_parameter"),
    # Beyond a 64-bit integer (found by make fuzz: the driver overflowed, a 500)
    ("/api/v1/declarations/32589158477190044731", 422, "invalid_parameter"),
    ("/api/v1/declarations/-9121845678993183997454521991168/workflow", 422, "invalid_parameter"),
    ("/api/v1/declarations/1/diff?from=1&to=99999999999999999999", 422, "invalid_parameter"),
    ("/api/v1/declarations?page=769160943504873216", 422, "invalid_parameter"),
])
def test_api_errors_have_one_shape(client, path, status, code):
    assert_error(client.get(path), status, code)


def test_api_wrong_method_has_the_same_shape(client):
    assert_error(client.post("/api/v1/declarations/1"), 405, "method_not_allowed")


def test_an_internal_error_has_the_same_shape(tmp_path: Path):
    app = create_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}")  # never migrated: no tables
    with TestClient(app, raise_server_exceptions=False) as test_client:
        assert_error(test_client.get("/api/v1/declarations"), 500, "internal_error")
        page = test_client.get("/")
        assert page.status_code == 500 and "500 服务器内部错误" in page.text
    app.state.engine.dispose()


def test_openapi_and_the_offline_docs_page(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["paths"]) == {"/api/v1/declarations", "/api/v1/declarations/{declaration_id}",
                                    "/api/v1/declarations/{declaration_id}/versions",
                                    "/api/v1/declarations/{declaration_id}/review",
                                    "/api/v1/declarations/{declaration_id}/diff", "/api/v1/dashboard",
                                    "/api/v1/import", "/api/v1/review", "/api/v1/targets/check",
                                    # the workflow and the audit log (issue 5)
                                    "/api/v1/declarations/{declaration_id}/workflow",
                                    "/api/v1/declarations/{declaration_id}/transitions", "/api/v1/todo",
                                    "/api/v1/audit",
                                    # monitoring and self-evaluation (issue 6: jixiao.web.reporting)
                                    "/api/v1/declarations/{declaration_id}/reports",
                                    "/api/v1/declarations/{declaration_id}/reports/{period}",
                                    "/api/v1/declarations/{declaration_id}/reports/{period}/submit",
                                    "/api/v1/monitoring/at-risk",
                                    # downloads (issue 7: jixiao.web.exporting)
                                    "/api/v1/declarations/export",
                                    "/api/v1/declarations/{declaration_id}/export",
                                    "/api/v1/declarations/{declaration_id}/reports/{period}/export",
                                    # computations on the body, nothing stored (jixiao.web.evaluating)
                                    "/api/v1/evaluate", "/api/v1/monitor", "/api/v1/check"}
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "/api/v1/declarations/{declaration_id}/review" in docs.text
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404


def test_a_nul_in_a_query_or_path_is_refused_by_name(client):
    """PostgreSQL refuses a NUL in any text it compares: a 500 on the list filters before."""
    page = client.get("/?department=部%00门")
    assert page.status_code == 400 and "NUL" in page.text
    assert_error(client.get("/api/v1/declarations?q=骨%00髓"), 422, "invalid_parameter")
    assert_error(client.get("/declarations/1%00"), 400, "invalid_parameter")
    assert client.get("/?department=上海市红十字会").status_code == 200
