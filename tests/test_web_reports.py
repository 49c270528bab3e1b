"""监控与自评 through the web app (jixiao.web.reporting): the entry form, the official tables with their
lights and scores, submitting, conflicts, refusals that keep what was typed, who may see and enter what,
风险项目, the XLSX template, and the API.

On SQLite and PostgreSQL (conftest's ``app``: both seeds published, one user per role; the store is this
module's own). Each test enters its own declaration and period, so that the tests do not depend on
their order.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jixiao.actuals import Actuals, IndicatorActual, Period, actuals_of
from jixiao.model import Declaration as DeclarationModel

from .conftest import ACTUALS_2024
from .test_web import assert_error

BODY = "遗体 and 人体器官捐献工作专项经费"  # 10 indicators; the fixture's actuals score 97.00 (优)
RESCUE = "红十字救护工作专项经费"  # 4 indicators, 468000.00
INFORMATION = "信息化建设项目"  # 3 indicators, 3718900.00
DISASTER = "红十字救灾工作专项经费"  # 9 indicators, 718000.00
ORGANISATION = "组织建设工作专项经费"


def ident(client: TestClient, name: str) -> int:
    items = client.get("/api/v1/declarations", params={"q": name}).json()["items"]
    return next(item["id"] for item in items if item["name"] == name)


def fixture_actuals() -> Actuals:
    """The fixture's actuals of BODY (src/jixiao/samples/actuals), as one report."""
    data = json.loads((ACTUALS_2024).read_text(encoding="utf-8"))
    project = next(p for p in data["documents"][0]["projects"] if p["name"] == BODY)
    return actuals_of(DeclarationModel.model_validate(project))


def as_form(actuals: Actuals) -> dict[str, str]:
    """What a person types into the entry form for ``actuals``."""
    fields = {f"funds-{key}": format(value, "f") for key, value in actuals.funds if value is not None}
    if actuals.goal_result:
        fields["goal_result"] = actuals.goal_result
    for row in actuals.indicators:
        for key, value in row.model_dump(exclude={"index", "applicable"}, exclude_none=True).items():
            fields[f"ind-{row.index}-{key}"] = format(value, "f") if isinstance(value, Decimal) else value
    return fields


def save(client: TestClient, declaration_id: int, period: str, expected: int, **fields: str):
    return client.post(f"/declarations/{declaration_id}/reports/{period}",
                       data={"expected_revision": str(expected), **fields}, follow_redirects=False)


def submit(client: TestClient, declaration_id: int, period: str, expected: int):
    return client.post(f"/declarations/{declaration_id}/reports/{period}/submit",
                       data={"expected_revision": str(expected)}, follow_redirects=False)


def report(client: TestClient, declaration_id: int, period: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/declarations/{declaration_id}/reports/{period}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def text_of(html: str, element_id: str) -> str:
    """The text of the element with ``element_id`` (tags inside removed)."""
    found = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</(?:span|strong|td|p|h1)>', html, re.S)
    assert found, element_id
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def value_of(html: str, name: str) -> str:
    """The value an input of the form shows."""
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert found, name
    return found.group(1)


# -- a monitoring round --------------------------------------------------------------------------------

def test_a_filler_enters_a_monitoring_round_and_sees_the_lights(login_as):
    filler = login_as("filler")
    body = ident(filler, BODY)
    form = filler.get(f"/declarations/{body}/reports/M7/edit")
    assert form.status_code == 200
    assert "1–7月执行情况" in form.text and "全年预计完成情况" in form.text
    assert 'name="ind-1-actual_raw"' in form.text
    assert 'name="ind-1-weight"' not in form.text  # 分值: the year end only
    assert value_of(form.text, "expected_revision") == "0"
    names = dict(re.findall(r'name="(ind-\d+-name)" value="([^"]*)"', form.text))
    answer = save(filler, body, "M7", 0, **names, **{
        "funds-executed": "313440.00", "funds-forecast": "522400", "ind-1-actual_raw": "1800份",
        "ind-2-actual_raw": "200份", "ind-2-forecast_raw": "600份", "ind-2-likelihood": "有可能",
        "ind-2-deviation_cause": "人员", "ind-2-deviation_reason": "人手不足", "ind-2-measures": "增派人员"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/declarations/{body}/reports/M7?saved=1"

    page = filler.get(answer.headers["location"]).text
    assert text_of(page, "report-title") == "项目支出绩效目标执行监控表"
    assert text_of(page, "report-saved") == "已保存（第 1 次）。"
    assert text_of(page, "executed") == "313,440.00" and text_of(page, "forecast") == "522,400.00"
    assert text_of(page, "execution-rate") == "60.00%" and text_of(page, "expected") == "58.20%"
    assert text_of(page, "budget-light") == "绿"  # 60.00 % against 58.20 %
    assert [text_of(page, f"light-{n}") for n in (1, 2, 3)] == ["绿", "红", "黄"]  # 60 %, 20 %, nothing yet
    assert text_of(page, "project-light") == "红"
    assert text_of(page, "at-stake") == "208,960.00"  # 522400 − 313440, the project being red
    row = re.search(r'<tr id="ind-2".*?</tr>', page, re.S).group(0)
    causes = re.findall(r'<td class="cause">([^<]*)</td>', row)
    assert causes == ["", "", "人手不足", "", ""]  # 人员保障, the third of the five columns
    assert "有可能" in row and "改进措施：增派人员" in row and "600份" in row

    saved = report(filler, body, "M7")
    assert (saved["status"], saved["revision"]) == ("draft", 1)
    assert saved["actuals"]["funds"]["executed"] == "313440.00"
    assert saved["monitoring"]["light"] == "红" and saved["summary"]["at_stake"] == "208960.00"
    assert [row["index"] for row in saved["actuals"]["indicators"]] == [1, 2]  # rows left empty are not kept
    again = filler.get(f"/declarations/{body}/reports/M7/edit").text
    assert value_of(again, "ind-1-actual_raw") == "1800份" and value_of(again, "expected_revision") == "1"
    assert 'value="人员" selected' in again
    # the same again: nothing new is written
    typed = re.findall(r'<input type="text" name="([^"]+)"[^>]*value="([^"]*)"', again)
    same = save(filler, body, "M7", 1, **dict(typed))  # the selects and texts not posted are kept
    assert same.headers["location"] == f"/declarations/{body}/reports/M7?unchanged=1"
    assert report(filler, body, "M7")["revision"] == 1


def test_a_round_with_a_red_indicator_left_unexplained_is_not_submitted(login_as):
    filler = login_as("filler")
    rescue = ident(filler, RESCUE)
    assert save(filler, rescue, "M11", 0, **{"funds-executed": "468000", "ind-1-actual_raw": "0次"}
                ).status_code == 303
    refused = submit(filler, rescue, "M11", 1)
    assert refused.status_code == 422
    missing = re.search(r'<ul class="missing" id="missing">(.*?)</ul>', refused.text, re.S).group(1)
    assert "指标 1（开展宣传活动）：亮红灯，须填写偏差原因类别和改进措施" in missing
    error = assert_error(filler.post(f"/api/v1/declarations/{rescue}/reports/M11/submit",
                                     json={"expected_revision": 1}), 422, "not_ready")
    assert "开展宣传活动" in error["message"]
    stale = submit(filler, rescue, "M11", 0)
    assert stale.status_code == 409 and "已被他人保存" in stale.text
    assert report(filler, rescue, "M11")["status"] == "draft"


# -- the year end ----------------------------------------------------------------------------------------

def test_the_self_evaluation_of_the_fixture_project_scores_97_and_is_submitted(login_as, client):
    filler = login_as("filler")
    body = ident(filler, BODY)
    form = filler.get(f"/declarations/{body}/reports/final/edit").text
    assert 'name="ind-1-weight"' in form and 'name="ind-1-forecast_raw"' not in form
    assert 'name="goal_result"' in form
    answer = save(filler, body, "final", 0, **as_form(fixture_actuals()), goal_result="全年目标均已完成")
    assert answer.status_code == 303, answer.text
    page = filler.get(f"/declarations/{body}/reports/final").text
    assert text_of(page, "report-title") == "项目支出绩效自评表"
    assert text_of(page, "total-score") == "97.00" and text_of(page, "grade") == "优"
    assert text_of(page, "total-formula").endswith("= 97.00")
    assert text_of(page, "execution-rate") == "95.00%"
    budget = "执行率 496280 ÷ 522400 = 95.00%；10 × 95.00% = 9.50"  # the formula, in the tooltip and under it
    assert f'id="budget-score" title="{budget}">9.50</span>\n<span class="formula">{budget}</span>' in page
    assert 'id="score-2" title="950 ÷ 1000 × (50 ÷ 7) = 6.79">6.79<' in page  # 950份 of =1000.00(份)
    assert text_of(page, "goal-result") == "全年目标均已完成"
    assert "部分纪念证因实现者家属未领取而推迟制作" in page and 'id="flags"' in page
    assert client.get(f"/declarations/{body}/reports/final").status_code == 404  # a draft: not public
    assert 'id="report-final"' not in client.get(f"/declarations/{body}").text

    assert submit(filler, body, "final", 1).headers["location"] == (
        f"/declarations/{body}/reports/final?submitted=1")
    public = client.get(f"/declarations/{body}/reports/final")
    assert public.status_code == 200 and text_of(public.text, "total-score") == "97.00"
    assert text_of(public.text, "report-status") == "已提交" and 'id="report-edit"' not in public.text
    assert 'id="report-final"' in client.get(f"/declarations/{body}").text
    shown = report(client, body, "final")
    assert (shown["status"], shown["evaluation"]["score"], shown["evaluation"]["grade"]) == (
        "submitted", "97.00", "优")
    assert (shown["summary"]["score"], shown["summary"]["grade"], shown["missing"]) == ("97.00", "优", [])
    # fixed from now on
    assert filler.get(f"/declarations/{body}/reports/final/edit").status_code == 409
    assert save(filler, body, "final", 1, **{"ind-1-actual_raw": "1份"}).status_code == 409
    assert_error(filler.put(f"/api/v1/declarations/{body}/reports/final",
                            json={"expected_revision": 1, "actuals": {}}), 409, "wrong_status")
    assert report(filler, body, "final")["revision"] == 1


# -- refusals ------------------------------------------------------------------------------------------

def test_a_value_that_is_not_well_formed_is_shown_in_place_with_what_was_typed_and_nothing_is_saved(login_as):
    filler = login_as("filler")
    rescue = ident(filler, RESCUE)
    refused = save(filler, rescue, "final", 0, **{"funds-executed": "四十万", "ind-1-actual_raw": "3次",
                                                 "ind-2-weight": "-5", "ind-3-weight": "很多"})
    assert refused.status_code == 422
    html = refused.text
    assert text_of(html, "funds-executed-error") == "应是数字，如 1234.50"
    assert text_of(html, "ind-2-weight-error") == "不能小于 0"
    assert re.search(r'name="ind-2-weight"[^>]*aria-invalid="true"', html)
    listed = re.search(r'<ul id="alert-fields">(.*?)</ul>', html, re.S).group(1)
    assert "全年执行数：应是数字" in listed
    assert "指标 2「围绕世界急救日主题开展宣传、演练」的分值：不能小于 0" in listed
    assert "指标 3「提升群众防灾避险、自救互救能力」的分值：应是数字" in listed
    assert value_of(html, "funds-executed") == "四十万" and value_of(html, "ind-1-actual_raw") == "3次"
    assert value_of(html, "expected_revision") == "0"
    assert report(filler, rescue, "final")["status"] == "none"


def test_two_saves_from_the_same_revision_the_second_is_refused_and_keeps_its_input(login_as):
    filler, colleague = login_as("filler"), login_as("unitreviewer")
    rescue = ident(filler, RESCUE)
    assert save(filler, rescue, "M8", 0, **{"ind-1-actual_raw": "1次"}).status_code == 303
    late = save(colleague, rescue, "M8", 0, **{"ind-1-actual_raw": "2次", "ind-1-measures": "同事的措施"})
    assert late.status_code == 409
    assert "已被他人保存" in text_of(late.text, "alert-message")
    assert value_of(late.text, "ind-1-actual_raw") == "2次" and "同事的措施</textarea>" in late.text
    assert value_of(late.text, "expected_revision") == "1"  # saving again keeps the colleague's, knowingly
    assert report(filler, rescue, "M8")["actuals"]["indicators"][0]["actual_raw"] == "1次"
    assert save(colleague, rescue, "M8", 1, **{"ind-1-actual_raw": "2次"}).status_code == 303
    saved = report(filler, rescue, "M8")
    assert saved["revision"] == 2 and saved["actuals"]["indicators"][0]["actual_raw"] == "2次"


def test_the_api_saves_and_refuses_what_does_not_fit(login_as):
    filler = login_as("filler")
    rescue = ident(filler, RESCUE)
    url = f"/api/v1/declarations/{rescue}/reports/M10"
    actuals = {"funds": {"executed": "234000.50"}, "indicators": [{"index": 1, "name": "开展宣传活动",
                                                                   "actual_raw": "1次"}]}
    saved = filler.put(url, json={"expected_revision": 0, "actuals": actuals})
    assert saved.status_code == 200, saved.text
    answer = saved.json()
    assert answer["saved"] is True
    assert (answer["period"], answer["label"], answer["revision"]) == ("M10", "1–10月监控", 1)
    assert answer["actuals"]["funds"]["executed"] == "234000.50"  # money as decimal strings
    assert answer["summary"]["budget"] == "468000.00" and answer["monitoring"]["budget"]["rate"] == "50.00"
    assert answer["evaluation"] is None
    for bad, code in ((dict(actuals, indicators=[{"index": 9, "actual_raw": "1次"}]), "invalid_parameter"),
                      (dict(actuals, indicators=[{"index": 1, "name": "别的指标"}]), "invalid_parameter")):
        error = assert_error(filler.put(url, json={"expected_revision": 1, "actuals": bad}), 422, code)
        assert "指标 " in error["message"]
    assert_error(filler.put(url, json={"expected_revision": 1, "actuals": {"funds": {"executed": "1.234"}}}),
                 422, "invalid_parameter")
    assert_error(filler.put(url, json={"expected_revision": 1, "actuals": {"colour": "red"}}), 422,
                 "invalid_parameter")
    again = filler.put(url, json={"expected_revision": 1, "actuals": actuals})  # the same again: nothing new
    assert again.status_code == 200 and (again.json()["saved"], again.json()["revision"]) == (False, 1)
    changed = dict(actuals, goal_result="新的")
    assert_error(filler.put(url, json={"expected_revision": 0, "actuals": changed}), 409, "conflict")
    assert report(filler, rescue, "M10")["revision"] == 1
    assert filler.put(url, json={"expected_revision": 1, "actuals": changed}).json()["revision"] == 2
    listed = filler.get(f"/api/v1/declarations/{rescue}/reports").json()
    assert "M10" in [r["period"] for r in listed["reports"]]


@pytest.mark.parametrize("period", ["M12", "M0", "final2", "13", "全年x"])
def test_a_period_that_is_not_one_is_a_bad_request(login_as, period):
    filler = login_as("filler")
    rescue = ident(filler, RESCUE)
    page = filler.get(f"/declarations/{rescue}/reports/{period}")
    assert page.status_code == 400 and "period" in page.text
    error = assert_error(filler.get(f"/api/v1/declarations/{rescue}/reports/{period}"), 422,
                         "invalid_parameter")
    assert error["message"].startswith("period: ")
    assert_error(filler.get("/api/v1/monitoring/at-risk", params={"period": period}), 422,
                 "invalid_parameter")
    assert filler.get("/monitoring", params={"period": period}).status_code == 400


def test_targets_not_yet_approved_cannot_be_reported(app, login_as, client):
    from jixiao.roles import SYSTEM
    from jixiao.workflow import set_status

    filler = login_as("filler")
    organisation = ident(filler, ORGANISATION)
    with app.state.session_factory() as session, session.begin():
        set_status(session, [organisation], "submitted", SYSTEM)
    page = filler.get(f"/declarations/{organisation}/reports/M7/edit")
    assert page.status_code == 409 and "尚未经财政审核通过" in page.text
    assert_error(filler.put(f"/api/v1/declarations/{organisation}/reports/M7",
                            json={"expected_revision": 0, "actuals": {}}), 409, "wrong_status")
    detail = filler.get(f"/declarations/{organisation}").text
    assert 'id="reports-waiting"' in detail and 'id="enter-M7"' not in detail
    assert client.get(f"/declarations/{organisation}/reports/M7").status_code == 404


# -- who sees and enters what ----------------------------------------------------------------------------

def test_a_draft_report_is_its_units_departments_and_finances_and_only_its_unit_enters_it(login_as, client):
    filler = login_as("filler")
    disaster = ident(filler, DISASTER)
    assert save(filler, disaster, "M7", 0, **{"ind-1-actual_raw": "900件"}).status_code == 303
    view = f"/declarations/{disaster}/reports/M7"
    for name in ("filler", "unitreviewer", "deptreviewer", "finance"):
        assert login_as(name).get(view).status_code == 200, name
    for caller in (client, login_as("otherfiller"), login_as("sysadmin")):
        hidden = caller.get(view)
        assert hidden.status_code == 404 and "900件" not in hidden.text
        assert caller.get(f"/api/v1/declarations/{disaster}/reports").json()["reports"] == []
    assert_error(client.get(f"/api/v1/declarations/{disaster}/reports/M7"), 404, "not_found")
    # entering: the unit only (another unit's filler is told nothing; a reviewer may not)
    other = login_as("otherfiller")
    assert other.get(f"{view}/edit").status_code == 404
    assert save(other, disaster, "M7", 1, **{"ind-1-actual_raw": "1件"}).status_code == 404
    assert_error(other.put(f"/api/v1/declarations/{disaster}/reports/M7",
                           json={"expected_revision": 1, "actuals": {}}), 404, "not_found")
    reviewer = login_as("deptreviewer")
    assert reviewer.get(f"{view}/edit").status_code == 403
    assert save(reviewer, disaster, "M7", 1, **{"ind-1-actual_raw": "1件"}).status_code == 403
    assert_error(client.put(f"/api/v1/declarations/{disaster}/reports/M7",
                            json={"expected_revision": 1, "actuals": {}}), 401, "unauthorized")
    assert report(filler, disaster, "M7")["actuals"]["indicators"][0]["actual_raw"] == "900件"
    # 项目详情: the unit sees its draft and may enter the others; the public sees neither
    detail = filler.get(f"/declarations/{disaster}").text
    assert 'id="report-M7"' in detail and f'href="/declarations/{disaster}/reports/M7/edit"' in detail
    assert 'id="enter-M6"' in detail and 'id="enter-final"' in detail and 'id="enter-M7"' not in detail
    public = client.get(f"/declarations/{disaster}").text
    assert 'id="reports"' in public and 'id="report-M7"' not in public and "/edit" not in public
    assert 'href="/monitoring"' in public  # 风险项目 in the navigation, for the public too


# -- 风险项目 ---------------------------------------------------------------------------------------------

def test_the_list_at_risk_by_money_at_stake_with_the_departments_totals(login_as, client):
    filler = login_as("filler")
    information, rescue = ident(filler, INFORMATION), ident(filler, RESCUE)
    # 信息化: nothing spent by the end of June → 红, all of its 3718900.00 at stake
    assert save(filler, information, "M6", 0, **{"funds-executed": "0"}).status_code == 303
    # 救护: 35 % spent against 49.73 % expected → 黄 (the indicators on track), 304200.00 at stake
    assert save(filler, rescue, "M6", 0, **{"funds-executed": "163800", "ind-1-actual_raw": "1次",
                                            "ind-2-actual_raw": "有效", "ind-3-actual_raw": "提升",
                                            "ind-4-actual_raw": "90%"}).status_code == 303
    assert report(filler, rescue, "M6")["monitoring"]["light"] == "黄"

    page = filler.get("/monitoring", params={"period": "M6"}).text
    assert text_of(page, "at-risk-total") == "2" and text_of(page, "at-risk-red") == "1"
    assert text_of(page, "at-risk-money") == "4,023,100.00"
    names = re.findall(r'<td><a href="/declarations/(\d+)/reports/M6">', page)
    assert names == [str(information), str(rescue)]  # the largest money at stake first
    departments = re.search(r'<table class="grid" id="departments">.*?</table>', page, re.S).group(0)
    assert "上海市红十字会" in departments and "4,023,100.00" in departments
    assert 'id="filter-period"' in page and '<option value="M6" selected>1–6月监控</option>' in page
    red = filler.get("/monitoring", params={"period": "M6", "light": "红"}).text
    assert re.findall(r'<td><a href="/declarations/(\d+)/reports/M6">', red) == [str(information)]
    by_name = filler.get("/monitoring", params={"period": "M6", "order": "name"}).text
    assert "项目名称▼" in by_name

    listed = filler.get("/api/v1/monitoring/at-risk", params={"period": "M6"}).json()
    assert (listed["total"], listed["red"], listed["at_stake"]) == (2, 1, "4023100.00")
    assert [item["declaration_id"] for item in listed["items"]] == [information, rescue]
    first = listed["items"][0]
    assert (first["report"]["light"], first["report"]["budget_light"], first["report"]["at_stake"]) == (
        "红", "红", "3718900.00")
    assert listed["departments"] == [{"department": "上海市红十字会", "count": 2, "at_stake": "4023100.00"}]
    # the public sees submitted reports only: these are drafts
    assert client.get("/api/v1/monitoring/at-risk", params={"period": "M6"}).json()["total"] == 0
    assert text_of(client.get("/monitoring", params={"period": "M6"}).text, "at-risk-total") == "0"


@pytest.mark.parametrize("params", [{"light": "绿"}, {"order": "money"}, {"year": "二〇二四"}, {"page": "0"},
                                    {"department": "部" * 201}, {"size": "501"}])
def test_a_bad_filter_of_the_list_at_risk_is_refused(client, params):
    assert_error(client.get("/api/v1/monitoring/at-risk", params=params), 422, "invalid_parameter")
    if "size" not in params:
        assert client.get("/monitoring", params=params).status_code == 400


# -- the XLSX template ----------------------------------------------------------------------------------

def test_the_template_downloaded_filled_and_uploaded_is_saved(app, login_as):
    from jixiao.actuals_xlsx import actuals_template, read_actuals_xlsx

    filler = login_as("filler")
    body = ident(filler, BODY)
    download = filler.get(f"/declarations/{body}/reports/M9/template.xlsx")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in download.headers["content-disposition"]
    assert read_actuals_xlsx(download.content, "空.xlsx").indicators == []  # nothing entered yet
    stored = filler.get(f"/api/v1/declarations/{body}").json()
    declaration = DeclarationModel.model_validate({k: v for k, v in stored.items()
                                                   if k not in ("id", "version", "status")})
    filled = Actuals(funds={"executed": "400000"}, indicators=[
        IndicatorActual(index=1, name=declaration.indicators[0].name, actual_raw="2500份")])
    data = actuals_template(declaration, Period.parse("M9"), filled)
    answer = filler.post(f"/declarations/{body}/reports/M9/upload", data={"expected_revision": "0"},
                         files={"files": ("已填.xlsx", data, "application/octet-stream")},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    saved = report(filler, body, "M9")
    assert Decimal(saved["actuals"]["funds"]["executed"]) == 400000
    assert saved["actuals"]["indicators"][0]["actual_raw"] == "2500份"
    with app.state.session_factory() as session:
        from sqlalchemy import select

        from jixiao.reports import ReportRevision

        assert session.scalars(select(ReportRevision.source)).all().count("已填.xlsx") == 1
    refused = filler.post(f"/declarations/{body}/reports/M9/upload", data={"expected_revision": "1"},
                          files={"files": ("坏.xlsx", b"not a workbook", "application/octet-stream")})
    assert refused.status_code == 422 and "坏.xlsx" in text_of(refused.text, "alert-message")
    assert report(filler, body, "M9")["revision"] == 1


HOSTILE_FORMS = [{"expected_revision": "²"}, {"expected_revision": "9" * 5000}, {"expected_revision": "-1"},
                 {"expected_revision": "0", "ind-1-weight": "NaN"},
                 {"expected_revision": "0", "funds-budget": "1e20"},
                 {"expected_revision": "0", "ind-999999-actual_raw": "1"},
                 {"expected_revision": "0", "ind-1-applicable": "也许"},
                 {"expected_revision": "0", "ind-1-likelihood": "一定"}]


@pytest.mark.parametrize("fields", HOSTILE_FORMS)
def test_hostile_input_is_refused_with_a_4xx_and_changes_nothing(login_as, client, fields):
    filler = login_as("filler")
    relief = ident(filler, "红十字救助工作专项经费")
    answer = filler.post(f"/declarations/{relief}/reports/final", data=fields, follow_redirects=False)
    assert 400 <= answer.status_code < 500, answer.text[:500]
    assert report(filler, relief, "final")["status"] == "none"
    for params in ({"department": "部\x00门"}, {"period": "M\x007"}, {"year": "\x00"}):
        assert client.get("/api/v1/monitoring/at-risk", params=params).status_code == 422
        assert client.get("/monitoring", params=params).status_code == 400
    assert filler.get(f"/declarations/{relief}/reports/M%007").status_code == 400


def test_odd_but_well_formed_input_is_saved_and_shown(login_as):
    """A NUL in a text (stored escaped in the revision's JSON), a weight far beyond 100 (flagged by the
    scoring, not refused), a row number the form never offers: no server error on either database."""
    filler = login_as("filler")
    publicity = ident(filler, "红十字宣传传播工作专项经费")
    answer = save(filler, publicity, "M9", 0, **{"goal_result": "a\x00b", "ind-1-weight": "1e999999",
                                                 "ind-0-x": "1", "ind-1-measures": "措施\x00"})
    assert answer.status_code == 303, answer.text[:500]
    assert report(filler, publicity, "M9")["actuals"]["indicators"][0]["measures"] == "措施\x00"
    assert filler.get(f"/declarations/{publicity}/reports/M9").status_code == 200
    assert save(filler, publicity, "final", 0, **{"ind-1-weight": "1e999999"}).status_code == 303
    assert filler.get(f"/declarations/{publicity}/reports/final").status_code == 200
