"""下载 through the web app (jixiao.web.exporting): a declaration, the list and the dashboard, a report, as
XLSX, PDF, open data CSV and JSON, on the pages and through the API.

Every file is opened with a reader independent of the writer (python-calamine for XLSX, pdfplumber for
PDF, csv, zipfile and json) and checked to hold what was asked for; who may download what follows who
may read it (a draft declaration and a draft report are a 404 for the public); the list's filters are
honoured; caps, bad formats, ids and queries are 4xx with the app's error page or JSON body.

On SQLite and PostgreSQL (conftest's ``app``: both seeds published, one user per role; the store is
this module's own).
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile
from typing import Any
from urllib.parse import unquote

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook

from jixiao.web import exporting

from .conftest import AFFAIRS, RED_CROSS
from .test_web import assert_error
from .test_web_reports import BODY, INFORMATION, fixture_actuals, ident

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BONE_MARROW = "中华骨髓库建设工作专项经费"


# -- reading what was downloaded --------------------------------------------------------------------------

def file_name(response) -> tuple[str, str]:
    """The (UTF-8 name, ASCII fallback) of an attachment's Content-Disposition."""
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    utf8 = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)
    fallback = re.search(r'filename="([^"]+)"', disposition)
    assert utf8 and fallback, disposition
    assert fallback.group(1).isascii()
    return unquote(utf8.group(1)), fallback.group(1)


def downloaded(response, media_type: str) -> bytes:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["x-content-type-options"] == "nosniff"
    return response.content


def sheets(data: bytes) -> dict[str, list[list[Any]]]:
    """Each sheet's cells as python-calamine reads them."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def cells(rows: list[list[Any]]) -> set[Any]:
    return {value for row in rows for value in row if value not in ("", None)}


def pdf_pages(data: bytes) -> list[str]:
    """pdfplumber's text of each page, with the whitespace removed (a cell's text may wrap)."""
    assert data.startswith(b"%PDF-")
    with pdfplumber.open(io.BytesIO(data)) as document:
        return ["".join((page.extract_text() or "").split()) for page in document.pages]


def in_order(text: str, parts: list[str]) -> bool:
    """Whether each of ``parts`` (whitespace removed) is in ``text``, each after the one before."""
    at = 0
    for part in parts:
        found = text.find("".join(part.split()), at)
        if found < 0:
            return False
        at = found + 1
    return True


def unzipped(data: bytes) -> dict[str, list[dict[str, str]]]:
    """The CSV tables of the open data ZIP, as rows of dicts (UTF-8 with a BOM)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
                for name in archive.namelist()}


def listed(client: TestClient, **params: Any) -> list[str]:
    """The names the list shows with ``params`` (every page), in its order."""
    answer = client.get("/api/v1/declarations", params={**params, "size": 200}).json()
    assert answer["pages"] == 1
    return [item["name"] for item in answer["items"]]


def summary_names(data: bytes) -> list[str]:
    """The project names of a 汇总表, in its order (the rows between the header and 合计)."""
    (rows,) = sheets(data).values()
    start = next(i for i, row in enumerate(rows) if row[0] == "序号") + 2
    end = next(i for i, row in enumerate(rows) if row[0] == "合计")
    return [row[1] for row in rows[start:end]]


@pytest.fixture(scope="module")
def draft(login_as) -> dict[str, Any]:
    """A draft of the filler's unit (a copy of BODY under a new name, year 2031)."""
    filler = login_as("filler")
    body = {**filler.get(f"/api/v1/declarations/{ident(filler, BODY)}").json(),
            "name": f"草稿项目 {uuid.uuid4().hex[:8]}", "year": 2031}
    created = filler.post("/api/v1/declarations", json=body)
    assert created.status_code == 201, created.text
    return filler.get(f"/api/v1/declarations/{created.json()['id']}").json()


# -- one declaration --------------------------------------------------------------------------------------

def test_a_published_declaration_downloads_as_its_form_and_as_open_data(client):
    body = ident(client, BODY)
    shown = client.get(f"/api/v1/declarations/{body}").json()
    names = [ind["name"] for ind in shown["indicators"]]
    targets = [ind["target_raw"] for ind in shown["indicators"]]
    assert len(names) == 10

    xlsx = client.get(f"/declarations/{body}/export", params={"format": "xlsx"})
    assert file_name(xlsx) == (f"{BODY}-申报表.xlsx", f"declaration-{body}.xlsx")
    book = sheets(downloaded(xlsx, XLSX))
    assert list(book) == [BODY]
    rows = book[BODY]
    assert rows[0][0] == "财政项目支出绩效目标申报表" and rows[1][0] == "（2024年度）"  # the 2024 layout
    assert rows[2][:2] == ["项目名称", BODY]
    found = cells(rows)
    assert set(names) <= found and set(targets) <= found and 522400.0 in found
    assert client.get(f"/api/v1/declarations/{body}/export").content == xlsx.content  # xlsx by default

    pdf = client.get(f"/api/v1/declarations/{body}/export", params={"format": "pdf"})
    assert file_name(pdf) == (f"{BODY}-申报表.pdf", f"declaration-{body}.pdf")
    pages = pdf_pages(downloaded(pdf, "application/pdf"))
    text = "".join(pages)
    assert pages[0].startswith("财政项目支出绩效目标申报表（2024年度）")
    assert "".join(BODY.split()) in text and in_order(text, targets)  # 指标值 as written, row by row
    assert BONE_MARROW not in text

    zipped = client.get(f"/declarations/{body}/export", params={"format": "csv"})
    assert file_name(zipped) == (f"{BODY}-开放数据.zip", f"declaration-{body}-open-data.zip")
    tables = unzipped(downloaded(zipped, "application/zip"))
    assert list(tables) == ["declarations.csv", "indicators.csv"]
    (row,) = tables["declarations.csv"]
    assert (row["name"], row["year"], row["funds_total"]) == (BODY, "2024", "522400.00")
    assert row["indicator_count"] == "10"
    assert [r["name"] for r in tables["indicators.csv"]] == names
    assert [r["target_raw"] for r in tables["indicators.csv"]] == targets
    assert {r["project_key"] for r in tables["indicators.csv"]} == {row["project_key"]}

    data = json.loads(downloaded(client.get(f"/api/v1/declarations/{body}/export", params={"format": "json"}),
                                 "application/json"))
    assert data["version"] == 1 and [d["name"] for d in data["declarations"]] == [BODY]
    assert [i["name"] for i in data["indicators"]] == names


def test_a_2020_declaration_downloads_in_the_2020_layout(client):
    answer = client.get("/api/v1/declarations", params={"unit": AFFAIRS, "size": 1}).json()["items"][0]
    book = sheets(downloaded(client.get(f"/declarations/{answer['id']}/export"), XLSX))
    (rows,) = book.values()
    assert rows[0][0] == "财政项目支出绩效目标表" and rows[1][0] == "（2020年度）"
    assert answer["name"] in cells(rows)


def test_a_draft_is_a_404_for_the_public_and_another_unit_and_a_file_for_its_own(client, login_as, draft):
    url = f"/declarations/{draft['id']}/export"
    page = client.get(url, params={"format": "xlsx"})
    assert page.status_code == 404 and "未找到" in page.text and draft["name"] not in page.text
    for caller in (client, login_as("otherfiller"), login_as("sysadmin")):
        for fmt in ("xlsx", "pdf", "csv", "json"):
            error = assert_error(caller.get(f"/api/v1{url}", params={"format": fmt}), 404, "not_found")
            assert draft["name"] not in error["message"]
    for name in ("filler", "unitreviewer", "deptreviewer", "finance"):
        data = json.loads(downloaded(login_as(name).get(url, params={"format": "json"}), "application/json"))
        assert [d["name"] for d in data["declarations"]] == [draft["name"]], name
    # the list's export holds it for whoever's list does
    found = {"filler": 1, "finance": 1, "public": 0, "otherfiller": 0}
    for name, count in found.items():
        caller = client if name == "public" else login_as(name)
        answer = caller.get("/declarations/export", params={"format": "json", "year": 2031})
        assert len(json.loads(downloaded(answer, "application/json"))["declarations"]) == count, name


def test_an_id_that_names_nothing_or_is_not_a_number_is_a_4xx(client):
    for bad, status in (("999999", 404), ("0", 404), ("-1", 404), (str(2**70), 400), ("abc", 400),
                        ("1.5", 400)):
        assert client.get(f"/declarations/{bad}/export").status_code == status, bad
        assert_error(client.get(f"/api/v1/declarations/{bad}/export"), 422 if status == 400 else 404,
                     "invalid_parameter" if status == 400 else "not_found")


@pytest.mark.parametrize("fmt", ["doc", "XLSX", "", "xlsx%20", "pdf,xlsx", "zip", "x" * 300])
def test_a_format_that_is_not_one_is_refused(client, fmt):
    body = ident(client, BODY)
    page = client.get(f"/declarations/{body}/export?format={fmt}")
    assert page.status_code == 400 and "format" in page.text
    assert_error(client.get(f"/api/v1/declarations/{body}/export?format={fmt}"), 422, "invalid_parameter")
    assert_error(client.get(f"/api/v1/declarations/export?format={fmt}"), 422, "invalid_parameter")
    assert_error(client.get(f"/api/v1/declarations/{body}/reports/final/export?format={fmt}"), 422,
                 "invalid_parameter")


# -- the list and the dashboard ---------------------------------------------------------------------------

def test_the_summary_holds_the_lists_declarations_with_its_filters_in_its_order(client):
    params = {"year": 2024, "department": RED_CROSS, "sort": "-funds"}
    answer = client.get("/declarations/export", params={**params, "table": "summary", "format": "xlsx"})
    assert file_name(answer) == (f"2024年度-{RED_CROSS}-汇总表.xlsx", "declarations-summary.xlsx")
    data = downloaded(answer, XLSX)
    (rows,) = sheets(data).values()
    assert rows[0][0] == f"{RED_CROSS}2024年度项目绩效目标汇总表"
    names = summary_names(data)
    assert names == listed(client, **params) and len(names) == 16
    assert rows[-1][0] == "合计" and rows[-1][6] == 13012181.0
    # the API's twin gives the same workbook; filters by unit, nature, grade, search
    assert client.get("/api/v1/declarations/export",
                      params={**params, "table": "summary"}).content == answer.content
    for filters in ({"unit": AFFAIRS}, {"q": "骨髓"}, {"nature": "经常性专项业务费", "sort": "name"},
                    {"grade": "优"}, {}):
        shown = listed(client, **filters)
        got = summary_names(downloaded(client.get("/api/v1/declarations/export",
                                                  params={**filters, "table": "summary"}), XLSX))
        assert got == shown, filters
    assert listed(client, q="骨髓") == [BONE_MARROW]


def test_the_forms_of_the_list_as_one_workbook_one_pdf_and_open_data(client):
    params = {"unit": AFFAIRS, "sort": "name"}
    names = listed(client, **params)
    assert len(names) == 3
    workbook = client.get("/declarations/export", params={**params, "format": "xlsx"})
    assert file_name(workbook) == (f"{AFFAIRS}-申报表.xlsx", "declarations.xlsx")
    book = sheets(downloaded(workbook, XLSX))
    assert len(book) == 3
    for rows, name in zip(book.values(), names, strict=True):
        assert rows[0][0] == "财政项目支出绩效目标表" and name in cells(rows)

    pdf = client.get("/api/v1/declarations/export", params={**params, "format": "pdf"})
    assert file_name(pdf) == (f"{AFFAIRS}-申报表.pdf", "declarations.pdf")
    text = "".join(pdf_pages(downloaded(pdf, "application/pdf")))
    assert text.count("财政项目支出绩效目标表（2020年度）") == 3
    positions = [text.index("".join(name.split())) for name in names]
    assert positions == sorted(positions)  # in the list's order
    assert BODY.replace(" ", "") not in text

    tables = unzipped(downloaded(client.get("/declarations/export", params={**params, "format": "csv"}),
                                 "application/zip"))
    assert [row["name"] for row in tables["declarations.csv"]] == names
    assert {row["unit"] for row in tables["indicators.csv"]} == {AFFAIRS}
    data = json.loads(downloaded(client.get("/api/v1/declarations/export",
                                            params={"grade": "优", "format": "json"}), "application/json"))
    assert [d["name"] for d in data["declarations"]] == listed(client, grade="优")


def test_nothing_matching_gives_empty_open_data_but_no_forms(client):
    params = {"q": "没有这样的项目名称"}
    tables = unzipped(downloaded(client.get("/declarations/export", params={**params, "format": "csv"}),
                                 "application/zip"))
    assert tables["declarations.csv"] == [] and tables["indicators.csv"] == []
    assert summary_names(downloaded(client.get("/declarations/export", params={**params, "table": "summary"}),
                                    XLSX)) == []
    for fmt in ("xlsx", "pdf"):
        page = client.get("/declarations/export", params={**params, "format": fmt})
        assert page.status_code == 400 and "没有符合条件的项目" in page.text
        assert_error(client.get("/api/v1/declarations/export", params={**params, "format": fmt}), 422,
                     "no_declarations")


def test_more_declarations_than_one_file_may_hold_is_refused_naming_the_limit(client, monkeypatch):
    monkeypatch.setitem(exporting.LIMITS, ("form", "pdf"), 2)
    monkeypatch.setitem(exporting.LIMITS, ("summary", "xlsx"), 16)
    page = client.get("/declarations/export", params={"format": "pdf"})
    assert page.status_code == 400
    assert "一次最多下载 2 个项目的申报表 PDF，符合条件的有 19 个" in page.text
    error = assert_error(client.get("/api/v1/declarations/export", params={"format": "pdf"}), 422,
                         "too_many_declarations")
    assert "2 个" in error["message"] and "19 个" in error["message"]
    assert client.get("/declarations/export", params={"format": "pdf", "q": "骨髓"}).status_code == 200
    # the 汇总表 of 16 is within its limit, of 19 not
    assert client.get("/declarations/export", params={"table": "summary", "year": 2024}).status_code == 200
    assert_error(client.get("/api/v1/declarations/export", params={"table": "summary"}), 422,
                 "too_many_declarations")
    # the list shows the buttons over their limit greyed, with the reason
    html = client.get("/").text
    assert ('<span class="button disabled download-pdf" id="download-form-pdf" aria-disabled="true" '
            'title="申报表 PDF：一次最多 2 个项目，现有 19 个，请先筛选">') in html
    assert '<a class="button download-xlsx" id="download-form-xlsx"' in html
    assert "符合条件的有 19 个项目，超过一次可下载的数量（汇总表 XLSX 16 个、申报表 PDF 2 个）" in html


@pytest.mark.parametrize("query", [
    "table=summary&format=pdf", "table=summary&format=csv", "table=forms", "year=abc", "year=1800",
    "grade=甲", "sort=size", f"q={'长' * 201}", f"department={'长' * 201}", "department=%00"])
def test_a_bad_query_of_the_list_export_is_a_4xx(client, query):
    page = client.get(f"/declarations/export?{query}")
    assert page.status_code == 400, page.text[:300]
    assert_error(client.get(f"/api/v1/declarations/export?{query}"), 422, "invalid_parameter")


# -- reports -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def final(client, login_as) -> int:
    """BODY's self-evaluation (97.00, 优), checked to be its unit's, department's and finance's while a
    draft, then submitted: its declaration's id."""
    filler = login_as("filler")
    body = ident(filler, BODY)
    actuals = {**fixture_actuals().model_dump(mode="json"), "goal_result": "全年目标均已完成"}
    saved = filler.put(f"/api/v1/declarations/{body}/reports/final",
                       json={"expected_revision": 0, "actuals": actuals})
    assert saved.status_code == 200, saved.text
    url = f"/declarations/{body}/reports/final/export"
    assert client.get(url).status_code == 404
    for fmt in ("xlsx", "pdf"):
        assert_error(client.get(f"/api/v1{url}", params={"format": fmt}), 404, "not_found")
        assert_error(login_as("otherfiller").get(f"/api/v1{url}", params={"format": fmt}), 404, "not_found")
    for name in ("filler", "deptreviewer", "finance"):
        assert downloaded(login_as(name).get(url), XLSX), name
    assert filler.post(f"/api/v1/declarations/{body}/reports/final/submit",
                       json={"expected_revision": 1}).status_code == 200
    return body


def test_a_self_evaluation_is_its_units_until_submitted_then_everyones(client, final):
    body = final
    url = f"/declarations/{body}/reports/final/export"
    xlsx = client.get(url, params={"format": "xlsx"})
    assert file_name(xlsx) == (f"{BODY}-年度自评表.xlsx", f"declaration-{body}-final.xlsx")
    (rows,) = sheets(downloaded(xlsx, XLSX)).values()
    assert rows[0][0] == "项目支出绩效自评表" and rows[1][0] == "（2024年度）"
    total = next(row for row in rows if row[0] == "总分")
    assert total[3] == 97.0 and total[5] == "优"
    assert "全年目标均已完成" in cells(rows) and "950份" in cells(rows)

    pdf = client.get(f"/api/v1{url}", params={"format": "pdf"})
    assert file_name(pdf) == (f"{BODY}-年度自评表.pdf", f"declaration-{body}-final.pdf")
    text = "".join(pdf_pages(downloaded(pdf, "application/pdf")))
    assert text.startswith("项目支出绩效自评表") and "".join(BODY.split()) in text
    assert "97.00" in text and "全年目标均已完成" in text
    assert "项目编号" not in text  # the printed table: nothing of the store


def test_a_monitoring_round_downloads_as_the_monitoring_table(client, login_as):
    filler = login_as("filler")
    information = ident(filler, INFORMATION)
    actuals = {"funds": {"executed": "1000000.00", "forecast": "3718900.00"},
               "indicators": [{"index": 1, "name": filler.get(f"/api/v1/declarations/{information}").json()
                               ["indicators"][0]["name"], "actual_raw": "完成需求调研"}]}
    assert filler.put(f"/api/v1/declarations/{information}/reports/M7",
                      json={"expected_revision": 0, "actuals": actuals}).status_code == 200
    url = f"/declarations/{information}/reports/M7/export"
    assert client.get(url).status_code == 404  # a draft report
    xlsx = login_as("deptreviewer").get(url)
    assert file_name(xlsx) == (f"{INFORMATION}-1–7月监控表.xlsx", f"declaration-{information}-M7.xlsx")
    (rows,) = sheets(downloaded(xlsx, XLSX)).values()
    assert rows[0][0] == "项目支出绩效目标执行监控表" and rows[1][0] == "（2024年1–7月）"
    assert {INFORMATION, "完成需求调研", 1000000.0} <= cells(rows)
    assert login_as("finance").get(url, params={"format": "pdf"}).status_code == 200
    for period, status in (("M13", 400), ("M0", 400), ("final2", 400), ("M", 400)):
        bad = f"/declarations/{information}/reports/{period}/export"
        assert filler.get(bad).status_code == status, period
        assert_error(filler.get(f"/api/v1{bad}"), 422, "invalid_parameter")
    assert_error(filler.get(f"/api/v1{url}", params={"format": "csv"}), 422, "invalid_parameter")


# -- the answer: headers, audit, buttons, API document --------------------------------------------------

def test_a_logged_in_callers_file_is_not_cached_and_is_audited_the_publics_is_not(app, client, login_as):
    from jixiao.audit import entries

    body = ident(client, BODY)
    public = client.get(f"/declarations/{body}/export")
    assert public.status_code == 200 and "cache-control" not in public.headers
    finance = login_as("finance")
    private = finance.get(f"/declarations/{body}/export", params={"format": "csv"})
    assert private.status_code == 200 and private.headers["cache-control"] == "no-store"
    finance.get("/api/v1/declarations/export", params={"table": "summary", "year": 2024})
    with app.state.session_factory() as session:
        found = entries(session, action="declaration.export", limit=10)
        assert {entry.actor for entry in found} >= {"finance"} and "public" not in {e.actor for e in found}
        single = next(e for e in found if e.object_id == str(body) and e.actor == "finance")
        details = json.loads(single.details)
        assert (details["format"], details["via"], details["file"]) == ("csv", "web", f"{BODY}-开放数据.zip")
        listing = next(e for e in found if e.object_id is None and e.actor == "finance")
        assert json.loads(listing.details)["count"] == 16 and json.loads(listing.details)["via"] == "api"


def test_the_pages_that_show_a_table_offer_its_downloads(client, login_as, final):
    body = final
    detail = client.get(f"/declarations/{body}").text
    for key, fmt in (("form-xlsx", "xlsx"), ("form-pdf", "pdf"), ("csv", "csv"), ("json", "json")):
        assert f'id="download-{key}" href="/declarations/{body}/export?format={fmt}"' in detail
    filters = {"year": 2024, "department": RED_CROSS, "grade": "", "sort": "name"}
    listing = client.get("/", params=filters).text
    link = re.search(r'id="download-summary-xlsx" href="([^"]+)"', listing).group(1).replace("&amp;", "&")
    assert link.startswith("/declarations/export?")
    answer = client.get(link)
    assert summary_names(downloaded(answer, XLSX)) == listed(client, year=2024, department=RED_CROSS,
                                                             sort="name")
    dashboard = client.get("/dashboard", params={"year": 2020}).text
    hrefs = dict(re.findall(r'id="download-([a-z-]+)" href="([^"]+)"', dashboard))
    assert set(hrefs) == {"summary-xlsx", "form-xlsx", "csv", "json"}  # no PDF of a whole dashboard
    assert "year=2020" in hrefs["csv"]
    tables = unzipped(client.get(hrefs["csv"].replace("&amp;", "&")).content)
    assert {row["year"] for row in tables["declarations.csv"]} == {"2020"}
    # a report's table and 监控与自评 on 项目详情; the print variant (the PDF) has no buttons
    report = client.get(f"/declarations/{body}/reports/final").text
    assert f'id="download-report-pdf" href="/declarations/{body}/reports/final/export?format=pdf"' in report
    assert f'id="report-final-xlsx" href="/declarations/{body}/reports/final/export?format=xlsx"' in detail
    from jixiao.export.pdf import declaration_html
    from jixiao.model import Declaration

    stored = client.get(f"/api/v1/declarations/{body}").json()
    shown = Declaration.model_validate({k: v for k, v in stored.items()
                                        if k not in ("id", "version", "status")})
    printed = declaration_html(shown)
    assert BODY in printed and 'id="downloads"' not in printed and "/export" not in printed


def test_the_api_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/declarations/export", "/api/v1/declarations/{declaration_id}/export",
                 "/api/v1/declarations/{declaration_id}/reports/{period}/export"):
        operation = paths[path]["get"]
        assert operation["tags"] == ["export"]
        assert {XLSX, "application/pdf"} <= set(operation["responses"]["200"]["content"])
        assert {"404", "422"} <= set(operation["responses"])
        formats = next(p for p in operation["parameters"] if p["name"] == "format")["schema"]["enum"]
        assert formats == (["xlsx", "pdf"] if "reports" in path else ["xlsx", "pdf", "csv", "json"])
    assert "/api/v1/declarations/{declaration_id}/export" in client.get("/api/docs").text
