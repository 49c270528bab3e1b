"""`jixiao parse`: the JSON every later tool reads, and a summary for people."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

import jixiao
from jixiao.cli import cli
from jixiao.jsonformat import schema
from tests.conftest import ROOT, SEED_2020, SEED_2024


def parse(*args: str):
    return CliRunner().invoke(cli, ["parse", *args])


def test_json_output_has_the_documented_shape_and_validates_against_the_schema():
    result = parse(str(SEED_2024), str(SEED_2020), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    jsonschema.validate(out, json.loads((ROOT / "schema" / "parse-output.schema.json").read_text()))
    assert [(Path(d["file"]).name, len(d["projects"])) for d in out["documents"]] == [
        (SEED_2024.name, 16), (SEED_2020.name, 3)]
    first = out["documents"][0]["projects"][0]
    assert list(first) == ["name", "year", "department", "unit", "nature", "category", "performance_type",
                           "government_purchase", "start", "end", "funds", "goal", "texts", "indicators",
                           "layout"]
    assert first["funds"]["total"] == "522400.00"
    assert first["indicators"][0] == {
        "level1": "产出指标", "level2": "数量指标", "name": "制作遗体(含角膜)捐献登记资料",
        "target_raw": "=3000.00(份)",
        "target": {"op": "=", "value": "3000.00", "unit": "份", "text": None, "upper": None},
    }
    assert out["documents"][0]["warnings"][0]["line"] == 325


def test_the_published_schema_is_the_one_the_code_generates():
    published = json.loads((ROOT / "schema" / "parse-output.schema.json").read_text(encoding="utf-8"))
    assert published == schema(), "run `make schema` and commit schema/parse-output.schema.json"


def test_json_output_reads_back_to_the_same_declarations(tmp_path):
    out = tmp_path / "out.json"
    out.write_text(parse(str(SEED_2024), str(SEED_2020), "--json").output, encoding="utf-8")
    again = jixiao.read(out)
    original = jixiao.read(SEED_2024) + jixiao.read(SEED_2020)
    assert [d.model_dump() for d in again] == [d.model_dump() for d in original]


def test_the_summary_lists_every_project_with_funds_and_indicator_counts():
    result = parse(str(SEED_2020), "--quiet")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"{SEED_2020}: 3 个项目, 资金合计 1,373,917.00 元, 三级指标 53 个"
    assert lines[2].split() == ["1", "红十字培训项目管理", "2020", "440,382.00", "19", "9/3/0/7"]


def test_warnings_go_to_stderr_with_their_line(tmp_path):
    result = CliRunner().invoke(cli, ["parse", str(SEED_2024)])
    assert result.exit_code == 0
    assert f"{SEED_2024}:325: indicator「举办高校秘书长培训期数」comes before its level label" in (
        result.output)


def test_no_file_given_is_a_usage_error():
    result = parse()
    assert result.exit_code == 2
    assert "Missing argument 'FILE_OR_DIR...'" in result.output
