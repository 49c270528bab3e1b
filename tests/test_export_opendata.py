"""Open data (jixiao.export.opendata): the declarations and indicators tables in CSV and JSON, their
published schema and columns, exact money, and what a spreadsheet would make of a cell."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import jsonschema
import pytest

import jixiao
from jixiao.export.opendata import (
    CSV_ENCODING,
    FORMULA_START,
    DeclarationRow,
    IndicatorRow,
    declarations_csv,
    indicators_csv,
    open_data_json,
    project_key,
    schema,
)

from .conftest import ACTUALS_2024, ACTUALS_M7, ROOT, SEED_2020, SEED_2024

BODY = "遗体 and 人体器官捐献工作专项经费"


@pytest.fixture(scope="module")
def seeds():
    return jixiao.read(SEED_2024) + jixiao.read(SEED_2020)


def read_csv(text: str) -> list[dict[str, str]]:
    """The rows of a CSV as a file holds it: encoded with a BOM, read back as Python's csv reads files."""
    data = text.encode(CSV_ENCODING)
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf" * 2)
    return list(csv.DictReader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")))


def test_the_seeds_counts(seeds):
    data = open_data_json(seeds)
    assert data["version"] == 1
    assert len(data["declarations"]) == len(read_csv(declarations_csv(seeds))) == 19
    indicators = read_csv(indicators_csv(seeds))
    assert len(data["indicators"]) == len(indicators) == 177
    assert sum(1 for row in indicators if row["year"] == "2024") == 124
    assert sum(1 for row in indicators if row["year"] == "2020") == 53
    counts = {row["project_key"]: int(row["indicator_count"]) for row in data["declarations"]}
    assert sum(counts.values()) == 177 and len(counts) == 19  # the keys are distinct
    assert {row["project_key"] for row in indicators} == set(counts)
    for key, count in counts.items():  # each declaration's indicators, numbered from 1 in order
        positions = [int(r["position"]) for r in indicators if r["project_key"] == key]
        assert positions == list(range(1, count + 1))


def test_exact_money_and_fields(seeds):
    rows = read_csv(declarations_csv(seeds))
    first = rows[0]
    assert first["name"] == BODY and first["year"] == "2024" and first["layout"] == "shanghai-2024"
    assert (first["funds_total"], first["funds_current_year"], first["funds_carryover"], first["funds_other"],
            first["funds_fiscal"]) == ("522400.00", "522400.00", "0.00", "0.00", "")
    assert (first["start"], first["end"]) == ("2024-01-01", "2024-12-31")
    assert first["indicator_count"] == "10"
    for row, d in zip(rows, seeds, strict=True):  # every amount exactly as read, never a float
        for key in ("total", "fiscal", "current_year", "carryover", "other", "previous_year_budget",
                    "previous_year_spent"):
            amount = getattr(d.funds, key)
            assert row[f"funds_{key}"] == ("" if amount is None else format(amount, "f"))
            assert row[f"funds_{key}"] == "" or Decimal(row[f"funds_{key}"]) == amount
    twenty = next(r for r in rows if r["year"] == "2020")
    assert twenty["layout"] == "shanghai-2020" and twenty["government_purchase"] == "false"
    assert (twenty["funds_total"], twenty["funds_carryover"]) == ("440382", "")  # as written: no ".00" added
    json_first = open_data_json(seeds)["declarations"][0]
    assert json_first["funds_total"] == "522400.00" and json_first["funds_fiscal"] is None
    assert json_first["year"] == 2024 and json_first["indicator_count"] == 10


def test_the_indicator_rows(seeds):
    rows = read_csv(indicators_csv(seeds))
    assert {k: rows[0][k] for k in ("project_name", "position", "level1", "level2", "name", "target_raw",
                                    "target_op", "target_value", "target_unit", "target_text",
                                    "applicable")} == {
        "project_name": BODY, "position": "1", "level1": "产出指标", "level2": "数量指标",
        "name": "制作遗体(含角膜)捐献登记资料", "target_raw": "=3000.00(份)", "target_op": "=",
        "target_value": "3000.00", "target_unit": "份", "target_text": "", "applicable": "true"}
    qualitative = next(r for r in rows if r["target_raw"] == "正常运行")
    assert (qualitative["target_op"], qualitative["target_value"], qualitative["target_text"]) == (
        "", "", "正常运行")
    assert all(r["actual_raw"] == "" for r in rows)  # no report in the seeds


def test_the_actuals_when_present():
    final = jixiao.read(ACTUALS_2024)
    rows = [r for r in read_csv(indicators_csv(final)) if r["project_name"] == BODY]
    second = rows[1]
    assert (second["actual_raw"], second["actual_op"], second["actual_value"], second["actual_unit"]) == (
        "950份", "=", "950", "份")
    assert second["deviation_reason"] == "部分纪念证因实现者家属未领取而推迟制作"
    assert read_csv(declarations_csv(final))[0]["funds_executed"] == "496280.00"
    july = read_csv(indicators_csv(jixiao.read(ACTUALS_M7)))
    assert any(r["likelihood"] for r in july) and any(r["deviation_cause"] for r in july)
    assert any(r["forecast_raw"] for r in july)


def test_the_csv_is_rfc_4180_with_a_bom_and_round_trips(seeds):
    for text, model in ((declarations_csv(seeds), DeclarationRow), (indicators_csv(seeds), IndicatorRow)):
        assert text.startswith("project_key,") and text.endswith("\r\n")
        assert "\n" not in text.replace("\r\n", "")  # CRLF ends; no cell of the seeds holds a line end
        rows = read_csv(text)
        assert list(rows[0]) == list(model.model_fields)
    # Through the csv module and back: the same cells, whatever they hold.
    d = seeds[0].model_copy(deep=True)
    d.name = '引号"逗号,换行\r\n和空格 '
    d.indicators[0].name = "=HYPERLINK(\"http://x\",\"点我\")"
    rows = read_csv(indicators_csv([d]))
    assert rows[0]["project_name"] == '引号"逗号,换行\r\n和空格 '
    assert rows[0]["name"] == '=HYPERLINK("http://x","点我")'
    data = open_data_json([d])
    assert [row["name"] for row in rows] == [row["name"] for row in data["indicators"]]
    assert [row["project_key"] for row in rows] == [project_key(d)] * len(d.indicators)


def test_the_json_validates_against_the_published_schema(seeds):
    published = json.loads((ROOT / "schema" / "open-data.schema.json").read_text(encoding="utf-8"))
    assert published == schema(), "schema/open-data.schema.json is stale: run make schema"
    jsonschema.Draft202012Validator.check_schema(published)
    for declarations in (seeds, jixiao.read(ACTUALS_2024), jixiao.read(ACTUALS_M7)):
        data = open_data_json(declarations)
        jsonschema.validate(data, published)
        json.dumps(data)  # JSON-ready as it is
    bad = open_data_json(seeds[:1])
    bad["declarations"][0]["funds_total"] = 522400.0  # money is never a float
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, published)


def test_the_project_key_is_recomputable(seeds):
    import hashlib

    d = seeds[0]
    text = json.dumps([d.year, d.department, d.unit, d.name], ensure_ascii=False, separators=(",", ":"))
    assert project_key(d) == hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] == "74c6066ee09e1bc0"
    assert project_key(d.model_copy(update={"goal": "另一个目标"})) == project_key(d)  # the project's


def test_formula_cells_are_kept_raw_or_made_text_for_excel(seeds):
    """Raw by default (the analysts' data: many targets start with ``=``); ``excel_safe`` prefixes a
    ``'`` to the text cells that Excel would read as a formula, and leaves the number columns alone."""
    raw = read_csv(indicators_csv(seeds))
    assert sum(1 for r in raw if r["target_raw"].startswith("=")) == 34
    assert raw[0]["target_raw"] == "=3000.00(份)"
    safe = read_csv(indicators_csv(seeds, excel_safe=True))
    assert safe[0]["target_raw"] == "'=3000.00(份)" and safe[0]["target_op"] == "'="
    assert safe[0]["target_value"] == "3000.00"
    for row_raw, row_safe in zip(raw, safe, strict=True):
        for column, value in row_raw.items():
            if value.startswith(FORMULA_START) and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
                assert row_safe[column] == "'" + value
            else:
                assert row_safe[column] == value
        assert not any(v.startswith(FORMULA_START) for v in row_safe.values())
    d = seeds[0].model_copy(deep=True)
    d.name, d.unit, d.goal = "+86 21 1234", "@SUM(A1)", "-开头的文字"
    d.funds.other = Decimal("-5.00")  # a number: Excel reads -5.00 as a number, not a formula
    row = read_csv(declarations_csv([d], excel_safe=True))[0]
    assert (row["name"], row["unit"], row["goal"], row["funds_other"]) == (
        "'+86 21 1234", "'@SUM(A1)", "'-开头的文字", "-5.00")


def test_the_docs_describe_every_column():
    text = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    section = text[text.index("## 开放数据"):]
    documented = re.findall(r"^\| `([a-z_0-9]+)` \|", section, re.M)
    declarations = section[:section.index("### indicators")]
    assert re.findall(r"^\| `([a-z_0-9]+)` \|", declarations, re.M) == list(DeclarationRow.model_fields)
    assert documented[len(DeclarationRow.model_fields):] == list(IndicatorRow.model_fields)
