"""汇总: the dashboard data at /api/v1/dashboard and the page at /dashboard, with ECharts served by the app.

The app runs on SQLite and on PostgreSQL (the ``client`` fixture of test_web, seeds imported).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest

import jixiao
from jixiao.review import Reviewer
from jixiao.vocabulary import canonical_level1
from jixiao.web.app import STATIC
from jixiao.web.dashboard import ECHARTS_SCRIPT, ECHARTS_VERSION

from .conftest import SEED_2020, SEED_2024
from .test_web import assert_error

CHARTS = ["findings", "funds", "grades", "structure"]


def _seeds(year: int | None = None):
    seeds = [*jixiao.read(SEED_2024), *jixiao.read(SEED_2020)]
    return [d for d in seeds if year is None or d.year == year]


def test_the_totals_of_both_seeds(client):
    body = client.get("/api/v1/dashboard").json()
    assert (body["projects"], body["funds_total"]) == (19, "14386098.00")
    assert [(g["department"], g["year"], g["projects"], g["funds_total"]) for g in body["groups"]] == [
        (None, 2020, 3, "1373917.00"), ("上海市红十字会", 2024, 16, "13012181.00")]
    assert len(body["funds"]) == 19
    assert sum(Decimal(f["funds_total"]) for f in body["funds"]) == Decimal("14386098.00")
    amounts = [Decimal(f["funds_total"]) for f in body["funds"]]
    assert amounts == sorted(amounts, reverse=True)  # largest first
    assert sorted(body["charts"]) == CHARTS


def test_the_year_and_department_filters(client):
    body = client.get("/api/v1/dashboard", params={"year": 2024}).json()
    assert (body["projects"], body["funds_total"]) == (16, "13012181.00")
    assert body["filters"] == {"year": 2024, "department": None}
    same = client.get("/api/v1/dashboard", params={"department": "上海市红十字会"}).json()
    assert (same["projects"], same["funds_total"]) == (16, "13012181.00")
    none = client.get("/api/v1/dashboard", params={"year": 1999}).json()
    assert (none["projects"], none["funds_total"]) == (0, "0.00")
    assert none["indicators"]["quantitative_share"] is None


@pytest.mark.parametrize("year", [None, 2024, 2020])
def test_indicator_structure_and_quantitative_share(client, year):
    seeds = _seeds(year)
    indicators = [i for d in seeds for i in d.indicators]
    quantitative = sum(i.target.value is not None for i in indicators)
    body = client.get("/api/v1/dashboard", params={"year": year} if year else {}).json()["indicators"]
    assert (body["count"], body["quantitative"]) == (len(indicators), quantitative)
    assert body["quantitative_share"] == round(quantitative / len(indicators), 4)
    assert 0 < body["quantitative_share"] < 1
    assert body["by_level1"] == dict(Counter(canonical_level1(i.level1) or "未归类" for i in indicators))
    assert sum(r["count"] for r in body["by_level2"]) == len(indicators)
    # level 2 is grouped under level 1, in the order of level 1 (the rings of the chart line up)
    assert list(dict.fromkeys(r["level1"] for r in body["by_level2"])) == list(body["by_level1"])


def test_findings_and_grades_are_what_the_reviewer_gives(client):
    reviewer = Reviewer()
    reports = [reviewer.review(d) for d in _seeds()]
    body = client.get("/api/v1/dashboard").json()
    assert body["grades"] == dict(Counter(r.grade for r in reports))
    assert sum(body["grades"].values()) == 19
    codes = Counter(f.code for r in reports for f in r.findings)
    assert {r["code"]: r["count"] for r in body["findings"]["by_rule"]} == dict(codes)
    assert body["findings"]["count"] == sum(codes.values())
    assert all(r["title"] for r in body["findings"]["by_rule"])


def test_the_chart_options_carry_the_data(client):
    body = client.get("/api/v1/dashboard").json()
    charts = body["charts"]
    assert sum(charts["funds"]["series"][0]["data"]) == pytest.approx(14386098.00)
    assert len(charts["funds"]["yAxis"]["data"]) == 19
    inner, outer = charts["structure"]["series"]
    assert {d["name"]: d["value"] for d in inner["data"]} == body["indicators"]["by_level1"]
    assert sum(d["value"] for d in outer["data"]) == body["indicators"]["count"]
    assert charts["findings"]["xAxis"]["data"] == [r["code"] for r in body["findings"]["by_rule"]]
    assert {d["name"]: d["value"] for d in charts["grades"]["series"][0]["data"]} == body["grades"]


@pytest.mark.parametrize("query", ["year=abc", "year=1", "department=" + "x" * 201])
def test_a_bad_parameter_is_a_422_json_error_and_a_400_page(client, query):
    assert_error(client.get(f"/api/v1/dashboard?{query}"), 422, "invalid_parameter")
    page = client.get(f"/dashboard?{query}")
    assert page.status_code == 400 and "400 请求有误" in page.text


def test_the_page_shows_totals_tables_and_the_chart_script(client):
    response = client.get("/dashboard")
    assert response.status_code == 200
    html = response.text
    assert "<h1>汇总</h1>" in html and 'href="/dashboard"' in html
    assert 'id="projects">19<' in html and 'id="funds-total">14,386,098.00<' in html
    for chart in CHARTS:
        assert f'data-chart="{chart}"' in html and f'id="table-{chart}"' in html
    assert f'<script src="{ECHARTS_SCRIPT}"></script>' in html
    assert '<script src="/static/dashboard.js"></script>' in html
    assert 'id="dashboard-charts"' in html
    assert not re.search(r"https?://|(src|href)=\"//", html)
    year2024 = client.get("/dashboard", params={"year": 2024}).text
    assert 'id="projects">16<' in year2024 and 'id="funds-total">13,012,181.00<' in year2024


def test_echarts_and_the_dashboard_script_are_served_by_the_app(client):
    assert re.fullmatch(r"/static/vendor/echarts-\d+\.\d+\.\d+\.min\.js", ECHARTS_SCRIPT)
    response = client.get(ECHARTS_SCRIPT)
    assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    assert len(response.content) > 500_000
    assert re.search(rf'version[:=]"{re.escape(ECHARTS_VERSION)}"', response.text)  # the file is that version
    script = client.get("/static/dashboard.js")
    assert script.status_code == 200 and "echarts.init" in script.text


def test_the_vendored_files_contain_no_url_but_namespaces_and_licences():
    # The vendored builds are third-party code: a URL in them may only be an XML namespace or a licence link,
    # which the browser never fetches.
    allowed = {"http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg", "http://www.w3.org/2000/xmlns/",
               "http://www.w3.org/XML/1998/namespace", "http://www.apache.org/licenses/LICENSE-2.0",
               "https://github.com/ecomfe/zrender/blob/master/LICENSE"}
    files = sorted((STATIC / "vendor").glob("*.js"))
    assert [p.name for p in files] == [ECHARTS_SCRIPT.rsplit("/", 1)[1]]
    for path in files:
        urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[a-z]{2,}[^\s\"'`)]*", path.read_text("utf-8")))
        urls = {u for u in urls if u.startswith("http")}
        assert urls <= allowed, (path.name, urls - allowed)


def test_the_dashboard_template_and_script_do_not_refer_to_the_internet():
    from jixiao.web.app import TEMPLATES

    for path in (TEMPLATES / "dashboard.html", STATIC / "dashboard.js"):
        assert not re.search(r"https?://|(src|href)=\"//", path.read_text("utf-8")), path
