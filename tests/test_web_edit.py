"""Editing: the 编辑 and 新建项目 pages, the target check, the review of an unsaved form, create and update.

Every test runs on SQLite and on PostgreSQL (the module-scoped app of conftest). The client is the
填报人 of 上海市红十字会 (the unit of the 2024 seed), shared by the tests of this module, so a test that
changes data makes a declaration of its own first (``own``, a draft: the seeds are published, so locked)
and reads versions before it changes them: the tests pass in any order. Who may edit what is
tests/test_web_access.py's.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jixiao.diff import TEXTS
from jixiao.store.models import DeclarationVersion, Indicator
from jixiao.targets import parse_target
from jixiao.web import editing
from jixiao.web.pages import FIELDS, FUNDS
from tests.conftest import RED_CROSS
from tests.test_web import SCHOOL, assert_error

#: The 主管部门 and 实施单位 of the filler's unit: what it may save.
OWN_UNIT = {"department": RED_CROSS, "unit": RED_CROSS}


@pytest.fixture(scope="module")
def client(login_as) -> TestClient:
    """The 填报人 of 上海市红十字会: it creates and edits that unit's declarations."""
    return login_as("filler")


def _id_of(client: TestClient, name: str) -> int:
    items = client.get("/api/v1/declarations", params={"q": name}).json()["items"]
    return next(item["id"] for item in items if item["name"] == name)


def _get(client: TestClient, declaration_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/declarations/{declaration_id}")
    assert response.status_code == 200
    return response.json()


def _versions(client: TestClient, declaration_id: int) -> list[int]:
    body = client.get(f"/api/v1/declarations/{declaration_id}/versions").json()
    return [v["number"] for v in body["versions"]]


def _count(client: TestClient) -> int:
    return client.get("/api/v1/declarations").json()["count"]


def _edit(declaration: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The body of a PUT: what GET returned (id and version included, as a client echoes them), changed."""
    return {**declaration, "expected_version": declaration["version"], **changes}


def _put(client: TestClient, declaration: dict[str, Any], body: dict[str, Any]):
    return client.put(f"/api/v1/declarations/{declaration['id']}", json=body)


@pytest.fixture
def own(client: TestClient) -> dict[str, Any]:
    """A declaration of this test's own: a copy of the school project under a new name, as GET returns it."""
    school = _get(client, _id_of(client, SCHOOL))
    name = f"编辑测试 {uuid.uuid4().hex[:8]}"
    response = client.post("/api/v1/declarations", json={**school, "name": name})
    assert response.status_code == 201, response.text
    return _get(client, response.json()["id"])


# -- the pages -------------------------------------------------------------------------------------------

def test_the_edit_page_has_every_field_and_every_indicator(client, own):
    declaration = own  # a draft copy of the school project (the published seed itself is locked)
    response = client.get(f"/declarations/{declaration['id']}/edit")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    labels = [*FIELDS, *((f"funds.{k}", v) for k, v in FUNDS), *((f"texts.{k}", v) for k, v in TEXTS)]
    for key, label in labels:
        assert f'data-field="{key}"' in html, key
        assert str(escape(label)) in html, label
    assert 'data-field="goal"' in html and 'data-field="government_purchase"' in html
    assert f'id="expected_version" name="expected_version" value="{declaration["version"]}"' in html
    assert f'data-id="{declaration["id"]}"' in html
    assert f'value="{declaration["funds"]["total"]}"' in html  # exact digits: 232500.00
    assert f'value="{escape(declaration["goal"])}"' not in html and str(escape(declaration["goal"])) in html
    indicators = declaration["indicators"]
    rows = re.findall(r'<tr class="indicator-row" id="row-\d+">', html)
    assert len(rows) == len(indicators) + 1  # and the template of a new row
    for n, ind in enumerate(indicators, 1):
        target = re.search(rf'<input [^>]*id="target-{n}"[^>]*>', html)
        assert target and f'value="{escape(ind["target_raw"])}"' in target.group(0)
        name = re.search(rf'<input [^>]*id="name-{n}"[^>]*>', html)
        assert name and f'value="{escape(ind["name"])}"' in name.group(0)
        assert f'id="target-error-{n}"' in html
    for element in ('id="save"', 'id="review"', 'id="alert"', 'id="saved"', 'id="add-row"',
                    'id="row-template"', 'class="row-add"', 'class="row-remove"', 'class="row-up"',
                    'class="row-down"', 'src="/static/edit.js"', 'href="/static/edit.css"'):
        assert element in html, element


def test_the_new_page_is_an_empty_form(client):
    html = client.get("/declarations/new").text
    assert "新建项目" in html and 'data-id=""' in html
    assert 'id="expected_version" name="expected_version" value=""' in html
    assert 'id="target-1"' in html and 'id="target-2"' not in html
    assert 'class="target-error" id="target-error-1" aria-live="polite"></span>' in html  # nothing typed yet


def test_the_detail_page_links_to_the_edit_page(client, own):
    declaration_id = own["id"]
    assert f'href="/declarations/{declaration_id}/edit"' in client.get(f"/declarations/{declaration_id}").text


@pytest.mark.parametrize("path", ["/declarations/999999/edit", "/declarations/abc/edit"])
def test_the_edit_page_of_no_declaration_is_an_error_page(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404) and response.headers["content-type"].startswith("text/html")
    assert "未找到" in response.text or "请求有误" in response.text


def test_the_static_files_are_served(client):
    assert client.get("/static/edit.js").status_code == 200
    assert client.get("/static/edit.css").headers["content-type"].startswith("text/css")


# -- the target check ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "ok", "message"), [
    ("≥80.00(%)", True, None),
    ("正常运行", True, None),
    ("80-90%", True, None),
    ("≥", False, "「≥」后应是数值，如 ≥80%"),
    ("≥abc", False, "「≥」后应是数值，如 ≥80%"),
    ("90-80%", False, "区间的下限 90 大于上限 80"),
    ("", False, "指标值不能为空"),
])
def test_the_target_check(client, raw, ok, message):
    response = client.post("/api/v1/targets/check", json={"raw": raw})
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], (body["message"] or "")[: len(message or "")] or None) == (ok, message)
    assert sorted(body["target"]) == ["op", "text", "unit", "upper", "value"]


def test_the_target_check_gives_the_parsed_target_with_exact_numbers(client):
    body = client.post("/api/v1/targets/check", json={"raw": "80.50-90.00(%)"}).json()
    assert body["target"] == {"op": "≥", "value": "80.50", "upper": "90.00", "unit": "%", "text": None}


@pytest.mark.parametrize("body", [{}, {"raw": 5}, {"raw": None}, {"raw": "x", "other": 1}, [], "x"])
def test_a_malformed_target_check_is_a_422(client, body):
    assert_error(client.post("/api/v1/targets/check", json=body), 422, "invalid_parameter")


# -- saving an edit --------------------------------------------------------------------------------------

def test_an_edited_target_is_saved_as_the_next_version(client, own):
    indicators = [dict(ind) for ind in own["indicators"]]
    indicators[0] |= {"target_raw": "≥1234.00(人次)", "target": {"op": "<", "value": "1", "unit": "x",
                                                                  "text": None, "upper": None}}
    response = _put(client, own, _edit(own, indicators=indicators))
    assert response.status_code == 200
    assert response.json() == {"id": own["id"], "version": 2, "outcome": "updated"}
    assert _versions(client, own["id"]) == [1, 2]
    versions = client.get(f"/api/v1/declarations/{own['id']}/versions").json()["versions"]
    assert versions[-1]["source"] == "web"
    saved = _get(client, own["id"])
    assert saved["version"] == 2 and saved["indicators"][0]["target_raw"] == "≥1234.00(人次)"
    # the target is parsed on the server; the client's is ignored
    assert saved["indicators"][0]["target"] == parse_target("≥1234.00(人次)").model_dump(mode="json")
    assert saved["indicators"][1:] == own["indicators"][1:]
    page = client.get(f"/declarations/{own['id']}").text
    assert "第 2 版" in page and "≥1234.00(人次)" in page
    assert 'name="expected_version" value="2"' in client.get(f"/declarations/{own['id']}/edit").text


def test_every_field_can_be_edited(client, own):
    """All but 主管部门 and 实施单位, which must stay the user's own unit (tests/test_web_access.py)."""
    changes = {"year": 2025, "nature": "新增项目",
               "category": "其他", "performance_type": "项目支出", "government_purchase": True,
               "start": "2025-02-01", "end": "2025-11-30", "goal": "年度目标：培训 100 人次。",
               "layout": "shanghai-2020",
               "funds": {"total": "12345678901234.56", "fiscal": "1.00", "current_year": "0.01",
                         "carryover": None, "other": "-5.00", "previous_year_budget": "100",
                         "previous_year_spent": "99.99"},
               "texts": {"overview": "概况", "basis": "依据", "necessity": "必要性", "safeguards": "措施",
                         "plan": "计划", "total_goal": "总目标"}}
    response = _put(client, own, _edit(own, **changes))
    assert response.json()["outcome"] == "updated"
    saved = _get(client, own["id"])
    assert {key: saved[key] for key in changes} == changes


def test_saving_the_form_untouched_stores_nothing(client, own):
    response = _put(client, own, _edit(own))
    assert response.status_code == 200
    assert response.json() == {"id": own["id"], "version": 1, "outcome": "unchanged"}
    assert _versions(client, own["id"]) == [1]


def test_blank_texts_are_absent_and_texts_are_trimmed(client, own):
    """The form sends "" for an empty input: that is the null the readers give, so nothing changes."""
    blanks = {key: "" for key, value in own.items() if value is None}
    blanks["name"] = f"  {own['name']} "
    indicators = [{**ind, "level1": ind["level1"] or "", "target_raw": f" {ind['target_raw']}\t"}
                  for ind in own["indicators"]]
    response = _put(client, own, _edit(own, **blanks, indicators=indicators))
    assert response.json()["outcome"] == "unchanged"


def test_a_stale_version_is_refused_and_nothing_is_stored(client, own):
    first = _put(client, own, _edit(own, goal="第一个人的修改"))
    assert first.json()["version"] == 2
    second = _put(client, own, _edit(own, goal="第二个人的修改"))  # still expects version 1
    error = assert_error(second, 409, "conflict")
    assert "已被他人保存为第 2 版" in error["message"] and "您编辑的是第 1 版" in error["message"]
    assert _versions(client, own["id"]) == [1, 2]
    assert _get(client, own["id"])["goal"] == "第一个人的修改"


def test_a_race_past_the_version_check_is_a_409(client, own, monkeypatch):
    """Two saves that both pass the version check collide on the unique (declaration, number)."""
    def racing(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("INSERT INTO declaration_version …", {}, Exception("duplicate key"))

    monkeypatch.setattr(editing, "save_declaration", racing)
    error = assert_error(_put(client, own, _edit(own, goal="竞争")), 409, "conflict")
    assert "尚未保存" in error["message"]
    monkeypatch.undo()
    assert _versions(client, own["id"]) == [1]


def test_renaming_onto_another_project_is_a_409(client, own):
    school = _get(client, _id_of(client, SCHOOL))
    error = assert_error(_put(client, own, _edit(own, name=school["name"])), 409, "conflict")
    assert f"编号 {school['id']}" in error["message"]
    assert _versions(client, own["id"]) == [1]


def test_rows_added_removed_and_moved_are_stored_in_that_order(client, own):
    old = own["indicators"]
    added = {"level1": "效益指标", "level2": "社会效益指标", "name": "新增的指标", "target_raw": "≥90%"}
    indicators = [old[2], added, *reversed(old[3:]), old[0]]  # old[1] removed
    response = _put(client, own, _edit(own, indicators=indicators))
    assert response.json()["outcome"] == "updated"
    names = [ind["name"] for ind in indicators]
    assert [ind["name"] for ind in _get(client, own["id"])["indicators"]] == names
    with client.app.state.session_factory() as session:
        version = session.scalars(select(DeclarationVersion.id).where(
            DeclarationVersion.declaration_id == own["id"], DeclarationVersion.number == 2)).one()
        stored = session.execute(select(Indicator.name, Indicator.value)
                                 .where(Indicator.version_id == version).order_by(Indicator.position)).all()
    assert [name for name, _ in stored] == names
    assert stored[1].value == parse_target("≥90%").value
    html = client.get(f"/declarations/{own['id']}/edit").text
    assert re.search(r'id="name-2"[^>]*value="新增的指标"', html)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"indicators": 2, "target_raw": "≥"}, "indicators[3].target_raw", "「≥」后应是数值"),
    ({"indicators": 0, "target_raw": ""}, "indicators[1].target_raw", "指标值不能为空"),
    ({"indicators": 1, "target_raw": "90-80%"}, "indicators[2].target_raw", "区间的下限 90 大于上限 80"),
    ({"indicators": 1, "name": " "}, "indicators[2].name", "三级指标名称不能为空"),
    ({"indicators": 1, "name": None}, "indicators[2].name", "应是文本"),
    ({"indicators": 1, "line": 3}, "indicators[2].line", "不是申报表的字段"),
    ({"name": ""}, "name", "项目名称不能为空"),
    ({"year": "二〇二四"}, "year", "应是整数"),
    ({"year": 10**20}, "year", "应在 1900 至 2999 之间"),
    ({"year": 1800}, "year", "应在 1900 至 2999 之间"),
    ({"start": "2024-13-01"}, "start", "应是日期"),
    ({"layout": "beijing"}, "layout", "shanghai-2024"),
    ({"government_purchase": "maybe"}, "government_purchase", "true"),
    ({"funds": {"total": "12.345"}}, "funds.total", "more than two decimal places"),
    ({"funds": {"total": "1e20"}}, "funds.total", "out of range"),
    ({"funds": {"total": "1e999999999"}}, "funds.total", "out of range"),  # abs() overflowed: a 500
    ({"funds": {"fiscal": "12,345"}}, "funds.fiscal", "应是金额"),
    ({"funds": {"fiscal": "1E+5"}}, "funds.fiscal", "金额应写成普通数字"),
    ({"funds": {"other": 1.5}}, "funds.other", "金额应写成字符串"),
    ({"funds": {"bonus": "1.00"}}, "funds.bonus", "不是申报表的字段"),
    ({"texts": "概况"}, "texts", "应是对象"),
    ({"indicators": "none"}, "indicators", "应是列表"),
    ({"colour": "red"}, "colour", "不是申报表的字段"),
    ({"source": "x.txt"}, "source", "不是申报表的字段"),
    ({"expected_version": None}, "expected_version", "保存时必须提供"),
    ({"expected_version": "1"}, "expected_version", "正整数"),
    ({"expected_version": 0}, "expected_version", "正整数"),
    ({"id": 0}, "id", "不符"),
])
def test_a_malformed_edit_is_a_422_naming_the_field(client, own, change, field, message):
    body = _edit(own)
    if "indicators" in change and isinstance(change["indicators"], int):
        row = dict(change)
        index = row.pop("indicators")
        body["indicators"] = [dict(ind) for ind in own["indicators"]]
        body["indicators"][index] |= row
    elif isinstance(change.get("funds"), dict):
        body["funds"] = {**own["funds"], **change["funds"]}
    else:
        body |= change
    error = assert_error(_put(client, own, body), 422, "invalid_parameter")
    assert error["message"].startswith(field) or f"；{field}" in error["message"], error["message"]
    assert message in error["message"]
    assert _versions(client, own["id"]) == [1]


def test_a_nul_character_is_refused(client, own):
    error = assert_error(_put(client, own, _edit(own, goal="目标\x00")), 422, "invalid_parameter")
    assert "NUL" in error["message"]
    assert _versions(client, own["id"]) == [1]


def test_every_problem_is_named_at_once(client, own):
    indicators = [dict(ind) for ind in own["indicators"]]
    indicators[0]["target_raw"] = "≥"
    message = assert_error(_put(client, own, _edit(own, year="x", indicators=indicators)), 422,
                           "invalid_parameter")["message"]
    assert "year（年度）" in message and "indicators[1].target_raw（第 1 条指标的指标值）" in message


@pytest.mark.parametrize(("content", "content_type"), [
    (b"{not json", "application/json"),
    (b"", "application/json"),
    (b"[1, 2]", "application/json"),
    (b'"text"', "application/json"),
    (b"name=x", "application/x-www-form-urlencoded"),
    (b"name", "text/plain"),
])
def test_a_body_that_is_not_a_json_object_is_a_422(client, own, content, content_type):
    headers = {"content-type": content_type}
    for method, path in [("PUT", f"/api/v1/declarations/{own['id']}"), ("POST", "/api/v1/declarations"),
                         ("POST", "/api/v1/review"), ("POST", "/api/v1/targets/check")]:
        response = client.request(method, path, content=content, headers=headers)
        assert_error(response, 422, "invalid_parameter")
    assert _versions(client, own["id"]) == [1]


def test_an_actual_is_read_from_its_raw_text_never_taken_from_the_client(client, own):
    """Like the target: ``actual`` is parsed from ``actual_raw`` (jixiao.targets.parse_actual)."""
    indicators = [dict(ind) for ind in own["indicators"]]
    forged = {"op": "=", "value": "999", "unit": "个"}
    indicators[0] = {**indicators[0], "actual_raw": "12个", "actual": forged}
    assert _put(client, own, _edit(own, indicators=indicators)).status_code == 200
    actual = _get(client, own["id"])["indicators"][0]["actual"]
    assert (actual["value"], actual["unit"]) == ("12", "个")


@pytest.mark.parametrize("path", ["/api/v1/declarations/999999", "/api/v1/declarations/0"])
def test_saving_to_no_declaration_is_a_404(client, own, path):
    body = _edit(own)
    del body["id"]
    error = assert_error(client.put(path, json=body), 404, "not_found")
    assert "没有编号为" in error["message"]


def test_a_bad_id_in_the_path_is_a_422(client):
    assert_error(client.put("/api/v1/declarations/abc", json={}), 422, "invalid_parameter")


# -- creating --------------------------------------------------------------------------------------------

def test_create_and_a_duplicate(client):
    school = _get(client, _id_of(client, SCHOOL))
    before = _count(client)
    body = {key: value for key, value in school.items() if key not in ("id", "version")}
    body["name"] = f"新建测试 {uuid.uuid4().hex[:8]}"
    response = client.post("/api/v1/declarations", json=body)
    assert response.status_code == 201
    created = response.json()
    assert created["version"] == 1 and created["outcome"] == "new"
    assert response.headers["location"] == f"/api/v1/declarations/{created['id']}"
    assert _count(client) == before + 1
    saved = _get(client, created["id"])
    assert saved["name"] == body["name"] and saved["indicators"] == school["indicators"]
    assert _versions(client, created["id"]) == [1]

    again = assert_error(client.post("/api/v1/declarations", json=body), 409, "conflict")
    assert f"编号 {created['id']}" in again["message"]
    assert_error(client.post("/api/v1/declarations", json={**body, "name": school["name"]}), 409, "conflict")
    assert _count(client) == before + 1


def test_a_create_racing_another_with_the_same_identity_is_a_409(client, own, monkeypatch):
    """Created by someone else between the check and the save: refused, not saved as their next version."""
    monkeypatch.setattr(editing, "_existing_id", lambda session, decl: None)  # the check saw nothing yet
    body = {key: value for key, value in own.items() if key not in ("id", "version")} | {"goal": "另一份"}
    error = assert_error(client.post("/api/v1/declarations", json=body), 409, "conflict")
    assert "尚未保存" in error["message"]
    monkeypatch.undo()
    assert _versions(client, own["id"]) == [1]


def test_create_from_a_minimal_body(client):
    name = f"最简项目 {uuid.uuid4().hex[:8]}"
    response = client.post("/api/v1/declarations", json={"name": name, **OWN_UNIT, "indicators": [
        {"name": "培训人次", "target_raw": ">=100人次"}]})
    assert response.status_code == 201
    saved = _get(client, response.json()["id"])
    assert saved["indicators"][0]["target"]["value"] == "100" and saved["layout"] == "unknown"


@pytest.mark.parametrize("body", [
    {},
    {"name": "x", "indicators": [{"name": "a", "target_raw": "≥"}]},
    {"name": "x", "funds": {"total": 100.5}},
    {"name": "x", "expected_version": 1},
])
def test_a_refused_create_stores_nothing(client, body):
    before = _count(client)
    assert_error(client.post("/api/v1/declarations", json=body), 422, "invalid_parameter")
    assert _count(client) == before


# -- reviewing the unsaved form --------------------------------------------------------------------------

def test_review_of_an_unsaved_declaration(client):
    school = _get(client, _id_of(client, SCHOOL))
    report = client.post("/api/v1/review", json={**school, "expected_version": 1})
    assert report.status_code == 200
    body = report.json()
    codes = {(f["code"], (f["indicator"] or {}).get("index")) for f in body["findings"]}
    assert ("JX301", 3) in codes
    assert {"score", "grade", "outcome", "findings", "breakdown", "profile"} <= set(body)
    # the unsaved change counts: move indicator 3 to the front and JX301 moves with it
    indicators = [school["indicators"][2], *school["indicators"][:2], *school["indicators"][3:]]
    moved = client.post("/api/v1/review", json={**school, "indicators": indicators}).json()
    assert ("JX301", 1) in {(f["code"], (f["indicator"] or {}).get("index")) for f in moved["findings"]}
    assert _versions(client, school["id"]) == [1]


def test_review_takes_what_cannot_be_saved_yet(client):
    body = {"name": "", "indicators": [{"name": "", "target_raw": "≥"}]}
    assert client.post("/api/v1/review", json=body).status_code == 200
    assert_error(client.post("/api/v1/review", json={"year": "x"}), 422, "invalid_parameter")


# -- no 500 whatever the body ----------------------------------------------------------------------------

KEYS = ["name", "year", "start", "funds", "total", "texts", "goal", "layout", "government_purchase",
        "indicators", "level1", "name", "target_raw", "target", "expected_version", "id", "line", "x"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**20) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6) | st.sampled_from(["≥", "80%", "2024-01-01", "1.00", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=12)


@pytest.fixture(scope="module")
def fuzzed(client: TestClient) -> int:
    """A declaration of the fuzz test's own (a body it sends may happen to be a valid edit)."""
    body = {"name": f"随机测试 {uuid.uuid4().hex[:8]}", **OWN_UNIT,
            "indicators": [{"name": "a", "target_raw": "1"}]}
    return client.post("/api/v1/declarations", json=body).json()["id"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(["name", "year", "start", "end", "funds", "texts", "goal", "layout",
                            "government_purchase", "indicators"]), value=JSON)
def test_no_field_value_is_a_500(client, fuzzed, key, value):
    """A valid edit of the fuzz declaration with one field replaced: saved, or refused with a 422."""
    body = _edit(_get(client, fuzzed), **{key: value})
    response = client.put(f"/api/v1/declarations/{fuzzed}", json=body)
    assert response.status_code in (200, 422), response.text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6))
def test_no_body_is_a_500(client, fuzzed, body):
    body = {**OWN_UNIT, **body}  # the user's unit (the keys drawn never include these two)
    for method, path, allowed in [("PUT", f"/api/v1/declarations/{fuzzed}", {200, 409, 422}),
                                  ("POST", "/api/v1/review", {200, 422}),
                                  ("POST", "/api/v1/targets/check", {200, 422})]:
        response = client.request(method, path, json=body)
        assert response.status_code in allowed, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/json")


def test_a_huge_json_body_is_refused_with_413_and_stores_nothing(client):
    before = client.get("/api/v1/declarations").json()["count"]
    body = '{"name": "' + "很" * (2 * 1024 * 1024) + '"}'  # 6 MiB of UTF-8
    response = client.post("/api/v1/declarations", content=body.encode(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["status"] == 413
    assert client.get("/api/v1/declarations").json()["count"] == before


def test_a_huge_json_body_sent_in_chunks_is_refused_with_413_too(client):
    def chunks():
        yield b'{"name": "'
        for _ in range(6):
            yield "很".encode() * 350_000
        yield b'"}'
    response = client.post("/api/v1/declarations", content=chunks(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


# -- the audit log ---------------------------------------------------------------------------------------

def _logged(client: TestClient, declaration_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    from jixiao.audit import entries

    with client.app.state.session_factory() as session:
        found = entries(session, object_type="declaration", object_id=declaration_id)
        return [(e.action, e.actor, e.details_value()) for e in reversed(found)]


def test_creating_and_saving_are_logged_with_the_versions_and_the_fields_changed(client, own):
    assert _logged(client, own["id"]) == [("declaration.create", "filler", {
        "name": own["name"], "year": own["year"], "unit": own["unit"], "version": 1})]
    assert _put(client, own, _edit(own)).json()["outcome"] == "unchanged"
    assert len(_logged(client, own["id"])) == 1  # nothing stored, nothing logged
    indicators = [dict(ind) for ind in own["indicators"]]
    indicators[0]["target_raw"] = "≥99(人次)"
    assert _put(client, own, _edit(own, goal="新的目标", indicators=indicators)).status_code == 200
    action, actor, details = _logged(client, own["id"])[-1]
    assert (action, actor) == ("declaration.update", "filler")
    assert details == {"name": own["name"], "from_version": 1, "to_version": 2, "fields": ["goal"],
                       "indicators": {"added": 0, "removed": 0, "changed": 1, "moved": 0,
                                      "unchanged": len(indicators) - 1}}


def test_a_refused_save_logs_nothing(client, own):
    assert_error(_put(client, own, _edit(own, year="x")), 422, "invalid_parameter")
    assert [action for action, _, _ in _logged(client, own["id"])] == ["declaration.create"]
