"""``POST /api/v1/evaluate``, ``/monitor`` and ``/check``: the CLI's computations on a body, for anyone,
storing nothing (conftest's ``client``: the public, on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from jixiao.audit.log import AuditEntry
from jixiao.cli import cli
from jixiao.store.models import Declaration, DeclarationVersion
from jixiao.web.evaluating import CheckResponse, EvaluateResponse, MonitorResponse

from .conftest import ACTUALS_2024, FIXTURES
from .test_cli_check import SLIPS
from .test_web import assert_error

ACTUALS = ACTUALS_2024
TABLE = FIXTURES / "actuals" / "redcross-2024-unit-table.json"
PROJECTS: list[dict[str, Any]] = json.loads(ACTUALS.read_text(encoding="utf-8"))["documents"][0]["projects"]
FIRST = PROJECTS[0]  # 遗体 and 人体器官捐献工作专项经费: 97.00 优
UNIT_TABLE = json.loads(TABLE.read_text(encoding="utf-8"))


def cli_projects(*args: str) -> dict[str, Any]:
    """What ``jixiao … --json`` prints for ACTUALS: its projects (and the list at risk)."""
    out = json.loads(CliRunner().invoke(cli, [*args, str(ACTUALS), "--json"]).stdout)
    at_risk = {"at_risk": out["at_risk"]} if "at_risk" in out else {}
    return {"projects": out["documents"][0]["projects"], **at_risk}


def test_evaluate_scores_one_project_as_the_cli_does(client):
    response = client.post("/api/v1/evaluate", json=FIRST)
    assert response.status_code == 200, response.text
    (project,) = response.json()["projects"]
    assert (project["name"], project["score"], project["grade"], project["budget_score"]) == (
        "遗体 and 人体器官捐献工作专项经费", "97.00", "优", "9.50")
    rows = [(i["weight"], i["score"]) for i in project["indicators"]]
    assert rows[1:3] == [("7.14", "6.79"), ("7.14", "7.14")]
    assert project["indicators"][1]["formula"] == "950 ÷ 1000 × (50 ÷ 7) = 6.79"
    assert project["indicators"][1]["flags"][0]["code"] == "missed"
    assert project == cli_projects("evaluate")["projects"][0]


def test_evaluate_takes_several_projects_and_a_profile(client):
    body = client.post("/api/v1/evaluate", json={"projects": PROJECTS}).json()
    assert body == cli_projects("evaluate")
    assert [(p["score"], p["grade"]) for p in body["projects"]] == [("97.00", "优"), ("88.33", "良"),
                                                                    ("99.76", "优")]
    profiled = client.post("/api/v1/evaluate", json={"projects": PROJECTS[:1], "profile": "national-2021"})
    assert profiled.json()["projects"][0]["profile"] == "national-2021"
    bare = client.post("/api/v1/evaluate", json={**FIRST, "profile": "national-2021"}).json()
    assert bare == profiled.json()


def test_monitor_lights_the_projects_as_the_cli_does(client):
    body = client.post("/api/v1/monitor", json={"projects": PROJECTS, "as_of": "2024-07-31"})
    assert body.status_code == 200, body.text
    assert body.json() == cli_projects("monitor", "--as-of", "2024-07-31")
    project = body.json()["projects"][0]
    assert (project["light"], project["expected"], project["budget"]["rate"]) == ("绿", "58.20", "95.00")
    late = client.post("/api/v1/monitor", json={**PROJECTS[1], "as_of": "2024-12-31"}).json()
    assert [(p["name"], p["light"], p["budget"]["light"]) for p in late["projects"]] == [
        ("信息化建设项目", "红", "黄")]
    assert late["at_risk"] == [{"rank": 1, "name": "信息化建设项目", "unit": "上海市红十字会", "light": "红",
                                "at_stake": "557835.00"}]


def test_check_finds_the_slips_of_the_unit_s_table(client):
    response = client.post("/api/v1/check", json={"declaration": FIRST, "table": UNIT_TABLE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [tuple(d.values()) for d in body["differences"]] == SLIPS
    assert (body["score"], body["grade"], body["tolerance"]) == ("97.00", "优", "0.01")


def test_check_answers_the_cli_s_json(client):
    result = CliRunner().invoke(cli, ["check", str(ACTUALS), "--table", str(TABLE), "--json"])
    (project,) = json.loads(result.stdout)["documents"][0]["projects"]
    assert client.post("/api/v1/check", json={"declaration": FIRST, "table": UNIT_TABLE}).json() == project


def test_check_of_a_correct_table_has_no_difference(client):
    ev = client.post("/api/v1/evaluate", json=FIRST).json()["projects"][0]
    rows = [{"name": i["name"], "weight": i["weight"], "score": i["score"]} for i in ev["indicators"]]
    table = {"budget_rate": ev["budget_rate"], "budget_score": 9.5, "total": ev["score"],
             "grade": ev["grade"], "indicators": rows}  # rows by name; a JSON number too
    body = client.post("/api/v1/check", json={"declaration": FIRST, "table": table, "profile": None}).json()
    assert body["differences"] == []


def test_the_answers_match_their_documented_models(client):
    """The OpenAPI document's response models are the answers' exact shape (extra keys forbidden)."""
    EvaluateResponse.model_validate(client.post("/api/v1/evaluate", json={"projects": PROJECTS}).json())
    MonitorResponse.model_validate(client.post("/api/v1/monitor", json={**PROJECTS[1], "as_of": "2024-12-31"}
                                               ).json())
    CheckResponse.model_validate(client.post("/api/v1/check", json={"declaration": FIRST, "table": UNIT_TABLE}
                                             ).json())
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, request, answer in [("evaluate", ["EvaluateRequest", "EvaluateProject"], "EvaluateResponse"),
                                  ("monitor", ["MonitorRequest", "MonitorProject"], "MonitorResponse")]:
        operation = paths[f"/api/v1/{path}"]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert [ref["$ref"].rsplit("/", 1)[1] for ref in schema["anyOf"]] == request
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(answer)
    check = paths["/api/v1/check"]["post"]
    assert {"422", "413"} <= set(check["responses"])
    assert "/api/v1/check" in client.get("/api/docs").text


def _request_schema(client, path: str) -> jsonschema.protocols.Validator:
    document = client.get("/api/v1/openapi.json").json()
    body = document["paths"][f"/api/v1/{path}"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]})


def test_the_documented_request_schemas_take_what_is_accepted_and_not_what_is_refused(client):
    """Bodies accepted are valid by the OpenAPI document; some that are refused are invalid by it too (a
    client, or schemathesis, generating from the document sends what is accepted)."""
    evaluate, monitor, check = (_request_schema(client, path) for path in ("evaluate", "monitor", "check"))
    assert evaluate.is_valid(FIRST) and evaluate.is_valid({"projects": PROJECTS, "profile": "shanghai-2020"})
    assert monitor.is_valid({**FIRST, "as_of": "2024-07-31"}) and not monitor.is_valid(FIRST)
    assert check.is_valid({"declaration": FIRST, "table": UNIT_TABLE})
    for refused in ({}, {"name": ""}, {**FIRST, "source": "x.txt"}, {**FIRST, "funds": {"total": 522400.5}},
                    {**FIRST, "funds": {"total": "0.001"}}, {**FIRST, "weights": {"budget": "1e30"}},
                    {**FIRST, "profile": "beijing"}, {"projects": []}):
        assert not evaluate.is_valid(refused), refused
        assert client.post("/api/v1/evaluate", json=refused).status_code == 422
    for refused in ({"total": "NaN"}, {"total": 1e9}, {"indicators": [{"score": "0.0000000000001"}]}):
        assert not check.is_valid({"declaration": FIRST, "table": refused}), refused


# -- bad bodies: 4xx in the API's error body, naming the field --------------------------------------------

def _indicator(i: int = 0, **fields: Any) -> dict[str, Any]:
    return {**FIRST["indicators"][i], **fields}


BAD = [
    ("/evaluate", {}, "一个项目应有名称（name）或指标（indicators）"),
    ("/evaluate", [FIRST], "请求体: 应是 JSON 对象"),
    ("/evaluate", {"projects": []}, "projects: 应是 1 至 1000 个项目的列表"),
    ("/evaluate", {"projects": [FIRST, "x"]}, "projects[2]: 应是 JSON 对象"),
    ("/evaluate", {"projects": [FIRST], "as_of": "2024-01-01"}, "as_of: 有 projects 时只能再有 profile"),
    ("/evaluate", {**FIRST, "profile": "beijing"},
     "profile: 未知的配置 'beijing'，应是 national-2021、shanghai-2024、shanghai-2020 之一，或不写"),
    ("/evaluate", {**FIRST, "year": "二〇二四"}, "year（年度）: 应是整数，如 2024"),
    ("/evaluate", {"projects": [FIRST, {**FIRST, "funds": {"total": "1e999999999"}}]},
     "projects[2]: funds.total（资金总额）: 金额应是精确到分、小于 9×10^16 元的数字"),
    ("/evaluate", {**FIRST, "funds": {"total": "0.001", "executed": "1"}},
     "funds.total（资金总额）: 金额应是精确到分、小于 9×10^16 元的数字"),
    ("/evaluate", {**FIRST, "funds": {"total": 522400.5}}, "funds.total（资金总额）: 金额应写成字符串"),
    ("/evaluate", {**FIRST, "funds": {"total": "NaN"}}, "funds.total（资金总额）: "),
    ("/evaluate", {**FIRST, "indicators": [_indicator(weight="-1")]},
     "indicators[1].weight（第 1 条指标）: "),
    ("/evaluate", {**FIRST, "indicators": [_indicator(weight="Infinity")]},
     "indicators[1].weight（第 1 条指标）: "),
    ("/evaluate", {**FIRST, "indicators": [_indicator(weight="1e999999999")]},
     "indicators[1].weight（第 1 条指标）: 分值应不超过 1,000,000"),
    ("/evaluate", {**FIRST, "weights": {"budget": "1e30"}}, "weights.budget: 分值应不超过 1,000,000"),
    ("/evaluate", {**FIRST, "indicators": [_indicator(applicable="maybe")]}, "indicators[1].applicable"),
    ("/evaluate", {"name": "x", "indicators": [{"name": "a", "target_raw": "≥1%"}] * 10_001},
     "indicators: 一次请求至多 10,000 条指标，而这里有 10,001 条；请分批提交"),
    ("/monitor", FIRST, "as_of: 缺少数据截至日期，应写作 2024-06-30"),
    ("/monitor", {**FIRST, "as_of": "2024-02-30"}, "as_of: '2024-02-30' 不是日期，应写作 2024-06-30"),
    ("/monitor", {"projects": [FIRST], "as_of": 20240630}, "as_of: 20240630 不是日期"),
    ("/check", {}, "declaration: 缺少申报表；table: 缺少单位填写的自评表"),
    ("/check", {"declaration": FIRST, "table": [], "x": 1},
     "x: 不是请求的字段（应有 declaration、table，可有 profile）"),
    ("/check", {"declaration": [FIRST], "table": {}}, "declaration: 应是 JSON 对象"),
    ("/check", {"declaration": {**FIRST, "year": []}, "table": {}}, "declaration: year（年度）: 应是整数"),
    ("/check", {"declaration": FIRST, "table": []}, "table: 应是一张自评表（JSON 对象），而不是 list"),
    ("/check", {"declaration": FIRST, "table": {"total": "NaN"}},
     "table: total（总分）: 应是有限的数字，不能是 NaN 或 Infinity"),
    ("/check", {"declaration": FIRST, "table": {"total": 1e308}},
     "table: total（总分）: 数字过大（应小于 10 亿）"),
    ("/check", {"declaration": FIRST, "table": {"indicators": [{"index": 1, "weight": "-7.14x"}]}},
     "table: indicators[1].weight（第 1 行的分值）: 应是数字"),
    ("/check", {"declaration": FIRST, "table": {"indicators": [{"index": 1}] * 501}},
     "table: indicators（指标行）: 至多 500 行"),
    ("/check", {"declaration": FIRST, "table": {"name": "信息化建设项目"}},
     "table: name: 表中的项目名称「信息化建设项目」与申报表的项目「遗体 and 人体器官捐献工作专项经费」不符"),
]


@pytest.mark.parametrize(("path", "body", "message"), BAD, ids=[f"{p}-{i}" for i, (p, *_) in enumerate(BAD)])
def test_a_bad_body_is_a_422_naming_the_field(client, path, body, message):
    error = assert_error(client.post(f"/api/v1{path}", json=body), 422, "invalid_parameter")
    assert error["message"].startswith(message), error["message"]


@pytest.mark.parametrize("content", [b"{", b"", b"NaN", b'"text"', b"\xff\xfe{}", b'{"name": 1e999}'])
def test_a_body_that_is_not_a_json_object_is_a_4xx(client, content):
    for path in ("/evaluate", "/monitor", "/check"):
        response = client.post(f"/api/v1{path}", content=content,
                               headers={"content-type": "application/json"})
        assert response.status_code in (400, 422), response.text
        assert list(response.json()) == ["error"]


def test_negative_and_huge_figures_in_a_table_are_differences_or_refusals_never_500(client):
    table = {"budget_rate": "-95", "total": "999999999.99", "indicators": [{"index": 10**30, "score": "-0"}]}
    body = client.post("/api/v1/check", json={"declaration": FIRST, "table": table}).json()
    assert [(d["item"], d["difference"]) for d in body["differences"]] == [
        ("budget_rate", "-190.00"), ("row", None), ("total", "999999902.99")]


def test_a_body_over_the_limit_is_a_413(client):
    body = b'{"name": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/evaluate", content=body, headers={"content-type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def test_ten_thousand_indicators_are_scored(client):
    indicators = [{"level1": "产出指标", "name": f"指标{i}", "target_raw": "≥10(个)",
                   "actual_raw": f"{i % 12}个"} for i in range(10_000)]
    response = client.post("/api/v1/evaluate", json={"name": "大项目", "indicators": indicators,
                                                      "funds": {"total": "100.00", "executed": "100.00"}})
    assert response.status_code == 200
    (project,) = response.json()["projects"]
    assert len(project["indicators"]) == 10_000 and project["indicators"][-1]["weight"] == "0.01"


# -- nothing stored -----------------------------------------------------------------------------------------

def _counts(app) -> tuple[int, int, int]:
    with app.state.session_factory() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))  # type: ignore[return-value]
                     for model in (Declaration, DeclarationVersion, AuditEntry))


def test_the_store_is_not_touched(app, client, login_as):
    filler = login_as("filler")  # a logged-in user (with the session's CSRF token) as well as the public
    before = _counts(app)  # after the login, which is audited
    for caller in (client, filler):
        assert caller.post("/api/v1/evaluate", json={"projects": PROJECTS}).status_code == 200
        assert caller.post("/api/v1/monitor", json={**FIRST, "as_of": "2024-07-31"}).status_code == 200
        checked = caller.post("/api/v1/check", json={"declaration": FIRST, "table": UNIT_TABLE})
        assert checked.status_code == 200
    assert _counts(app) == before
    assert before[0] > 0


# -- whatever the body, never a 500 --------------------------------------------------------------------------

KEYS = ["name", "indicators", "funds", "total", "executed", "weight", "weights", "budget", "target_raw",
        "actual_raw", "applicable", "projects", "profile", "as_of", "declaration", "table", "index", "score",
        "grade", "x"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**20) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
    | st.sampled_from(["≥80%", "1e999999999", "NaN", "-1", "2024-06-30", "部分达成", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=14)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6))
def test_no_body_is_a_500(client, body):
    for path in ("/evaluate", "/monitor", "/check"):
        response = client.post(f"/api/v1{path}", json=body)
        assert response.status_code in (200, 422), (path, body, response.text)
