"""The 项目列表 page and GET /api/v1/declarations: filters, Chinese search, sorting (pinyin), errors.

On a SQLite file and on a PostgreSQL schema of its own, like test_web (whose fixtures these are).
"""

from __future__ import annotations

import re

import pytest
from pypinyin import Style, lazy_pinyin

from jixiao import read
from jixiao.review import Reviewer

from .conftest import SEED_2020, SEED_2024
from .test_web import assert_error

API = "/api/v1/declarations"
MARROW = "中华骨髓库建设工作专项经费"
IT = "信息化建设项目"
RED_CROSS = "上海市红十字会"


def _names(client, **params) -> list[str]:
    body = client.get(API, params={"size": 200, **params}).json()
    assert body["count"] == len(body["items"])
    return [item["name"] for item in body["items"]]


def _page_names(html: str) -> list[str]:
    return re.findall(r'<a href="/declarations/\d+">([^<]*)</a>', html)


# -- search --------------------------------------------------------------------------------------------

def test_search_finds_a_name_in_chinese(client):
    assert _names(client, q="骨髓") == [MARROW]
    html = client.get("/", params={"q": "骨髓"}).text
    assert _page_names(html) == [MARROW]
    assert 'id="funds-total">1,685,200.00<' in html
    assert 'value="骨髓"' in html  # the search box keeps what was typed


def test_search_finds_declarations_through_indicator_names_and_goals(client):
    found = _names(client, q="满意度")
    assert len(found) == 13
    assert not any("满意度" in name for name in found)  # none by its name: by indicators and goals
    assert "机关服务费" in found  # its 满意度 is in an indicator name only
    assert IT not in found
    # "探索人道法师资" is only in the 年度绩效目标 of 学校红十字组织建设工作专项经费
    assert _names(client, q="探索人道法师资") == ["学校红十字组织建设工作专项经费"]


def test_a_common_word_is_paged_by_walking_the_list_order_and_gives_the_same_pages(client, monkeypatch):
    """Above WALK_MIN_MATCHES matches SQLite walks the list-order index instead of sorting the matches
    (jixiao.store.listing); the pages must be the very same, in the same order."""
    from jixiao.store import cache, listing

    def pages() -> list[list[str]]:
        cache.clear()
        return [[item["name"] for item in client.get(API, params={"q": "满意度", "size": 5, "page": n}
                                                     ).json()["items"]] for n in (1, 2, 3)]

    sorted_pages = pages()
    monkeypatch.setattr(listing, "WALK_MIN_MATCHES", 1)
    assert pages() == sorted_pages
    assert [len(page) for page in sorted_pages] == [5, 5, 3]  # the 13 matches


def test_search_escapes_like_wildcards_and_trims(client):
    everything = len(_names(client))
    assert 0 < len(_names(client, q="%")) < everything  # a literal percent sign, not "anything"
    assert _names(client, q="_") == []
    assert _names(client, q="  骨髓 ") == [MARROW]
    assert _names(client, q="没有这个词") == []
    assert len(_names(client, q="")) == everything


@pytest.fixture(scope="module")
def expected_grades() -> dict[str, str]:
    """The grade the review gives each seed declaration, worked out here, not read from the store."""
    reviewer = Reviewer()
    return {d.name: reviewer.review(d).grade for seed in (SEED_2024, SEED_2020) for d in read(seed)}


# -- filters -------------------------------------------------------------------------------------------

def test_filters_combine(client):
    assert len(_names(client, department=RED_CROSS)) == 16
    assert len(_names(client, year=2024, department=RED_CROSS)) == 16
    assert _names(client, year=2020, department=RED_CROSS) == []
    nature = _names(client, nature="其他一次性项目")  # 项目性质 in 2024, 项目类别 in 2020
    assert len(nature) == 2
    assert len(_names(client, nature="其他一次性项目", year=2024)) == 1
    assert _names(client, nature="经常性专项业务费", q="骨髓") == [MARROW]
    body = client.get(API, params={"year": 2024, "department": RED_CROSS, "unit": RED_CROSS}).json()
    assert body["count"] == 16 and body["funds_total"] == "13012181.00"
    body = client.get(API, params={"year": 2024, "q": "满意度", "nature": "经常性专项业务费"}).json()
    assert 0 < body["count"] < 13


def test_the_grade_filter_gives_the_declarations_graded_so_by_the_review(client, expected_grades):
    everything = client.get(API, params={"size": 200}).json()["items"]
    assert {item["name"]: item["grade"] for item in everything} == expected_grades
    for grade in ("优", "良", "中", "差"):
        wanted = sorted(name for name, g in expected_grades.items() if g == grade)
        assert sorted(_names(client, grade=grade)) == wanted
        html = client.get("/", params={"grade": grade}).text
        assert sorted(_page_names(html)) == wanted
        assert f'<option value="{grade}" selected>' in html
    assert len(_names(client, grade="")) == len(everything)  # 全部


def test_a_filter_left_at_all_is_no_filter(client):
    everything = len(_names(client))
    assert len(_names(client, year="", grade="", department="")) == everything
    assert client.get("/", params={"year": "", "q": "骨髓"}).status_code == 200


def test_the_page_offers_every_filter_and_keeps_the_choices(client):
    html = client.get("/", params={"department": RED_CROSS, "nature": "特定目标类", "sort": "-funds"}).text
    for name in ('name="q"', 'name="year"', 'name="department"', 'name="unit"', 'name="nature"'):
        assert name in html
    assert f'<option value="{RED_CROSS}" selected>' in html
    assert '<option value="特定目标类" selected>' in html
    assert '<input type="hidden" name="sort" value="-funds">' in html
    for label in ("搜索", "主管部门", "实施单位", "项目性质/类别", "筛选"):
        assert label in html


# -- sorting -------------------------------------------------------------------------------------------

def test_sort_by_funds(client):
    desc = client.get(API, params={"sort": "-funds"}).json()["items"]
    assert (desc[0]["name"], desc[0]["funds_total"]) == (IT, "3718900.00")
    funds = [float(item["funds_total"]) for item in desc]
    assert funds == sorted(funds, reverse=True)
    asc = [float(item["funds_total"]) for item in client.get(API, params={"sort": "funds"}).json()["items"]]
    assert asc == sorted(asc)
    assert _page_names(client.get("/", params={"sort": "-funds"}).text)[0] == IT


def test_sort_by_year(client):
    years = [item["year"] for item in client.get(API, params={"sort": "year"}).json()["items"]]
    assert years == sorted(years) and years[0] == 2020
    years = [item["year"] for item in client.get(API, params={"sort": "-year"}).json()["items"]]
    assert years == sorted(years, reverse=True)


def test_sort_by_name_is_pinyin_order(client):
    names = _names(client, sort="name")
    expected = sorted(names, key=lambda n: lazy_pinyin(n, style=Style.TONE3, neutral_tone_with_five=True))
    assert names == expected
    order = [names.index(n) for n in ("红十字救护工作专项经费", "机关服务费", IT, MARROW)]
    assert order == sorted(order)  # hóng < jī < xìn < zhōng, not code-point order
    assert "中华骨髓库建设工作专项经费" < "信息化建设项目"  # code points would put 中 before 信
    assert _names(client, sort="-name") == names[::-1]


def test_sort_by_name_pages_and_keeps_the_total(client):
    names = _names(client, sort="name")
    first = client.get(API, params={"sort": "name", "size": 10}).json()
    second = client.get(API, params={"sort": "name", "size": 10, "page": 2}).json()
    assert [i["name"] for i in first["items"] + second["items"]] == names
    assert first["funds_total"] == second["funds_total"] == "14386098.00"


def test_the_column_headers_sort_and_reverse(client):
    html = client.get("/", params={"q": "红十字", "year": 2024}).text
    assert 'href="/?q=%E7%BA%A2%E5%8D%81%E5%AD%97&amp;year=2024&amp;size=50&amp;sort=name"' in html
    assert "sort=-funds" in html  # the first click on 资金总额 sorts largest first
    html = client.get("/", params={"sort": "name"}).text
    assert "项目名称▲" in html and "sort=-name" in html
    html = client.get("/", params={"sort": "-name"}).text
    assert "项目名称▼" in html


def test_the_pager_keeps_search_filters_and_sort(client):
    html = client.get("/", params={"q": "红十字", "sort": "name", "size": 5}).text
    assert "第 1 / " in html
    link = re.search(r'<a href="([^"]*)">下一页</a>', html).group(1)
    assert "page=2" in link and "sort=name" in link and "q=%E7%BA%A2" in link


# -- bad input -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["sort=pinyin", "sort=--name", "sort=", "q=" + "骨" * 201,
                                   "department=" + "x" * 201, "grade=优良"])
def test_a_bad_list_parameter_is_a_400_page(client, query):
    if query == "sort=":
        assert client.get("/?" + query).status_code == 200  # an empty select value is "default"
        return
    response = client.get("/?" + query)
    assert response.status_code == 400
    assert "400 请求有误" in response.text


@pytest.mark.parametrize("query", ["sort=pinyin", "sort=funds,name", "q=" + "骨" * 201,
                                   "nature=" + "x" * 201, "grade=A", "year=abc"])
def test_a_bad_list_parameter_is_a_422_json_error(client, query):
    assert_error(client.get(f"{API}?{query}"), 422, "invalid_parameter")
