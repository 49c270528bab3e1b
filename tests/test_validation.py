"""``jixiao.validation``: pydantic's errors named by path (rows from 1) and said in Chinese."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jixiao.validation import json_path, message


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight: Decimal = Field(default=Decimal(0), ge=0, decimal_places=2)
    likelihood: Literal["确定能", "有可能", "完全不可能"] | None = None
    name: str = Field(default="", max_length=4)

    @field_validator("name")
    @classmethod
    def _no_question_mark(cls, value: str) -> str:
        if "?" in value:
            raise ValueError("名称中不能有问号")
        return value


class Table(BaseModel):
    rows: list[Row] = []


def errors(data: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        Table.model_validate(data)
    return [(json_path(e["loc"]), message(e)) for e in caught.value.errors(include_url=False)]


def test_rows_count_from_one_and_the_context_fills_the_message():
    assert errors({"rows": [{}, {"weight": "-1"}]}) == [("rows[2].weight", "不能小于 0")]
    assert errors({"rows": [{"name": "五个字名称"}]}) == [("rows[1].name", "至多 4 个字符")]
    assert errors({"rows": [{"weight": "0.125"}]}) == [("rows[1].weight", "小数位数过多")]


def test_allowed_values_are_listed_and_a_validator_speaks_for_itself():
    assert errors({"rows": [{"likelihood": "大概"}]}) == [
        ("rows[1].likelihood", "应是 确定能、有可能、完全不可能 之一")]
    assert errors({"rows": [{"name": "谁?"}]}) == [("rows[1].name", "名称中不能有问号")]


def test_objects_lists_and_unknown_fields():
    assert errors({"rows": "none"}) == [("rows", "应是列表（JSON 的 […]）")]
    assert errors({"rows": ["x"]}) == [("rows[1]", "应是对象（JSON 的 {…}）")]
    assert errors({"rows": [{"colour": "红"}]}) == [("rows[1].colour", "不是此处可填的字段")]


def test_a_caller_has_its_own_words_and_unknown_types_keep_pydantics():
    error = {"type": "decimal_parsing", "loc": ("x",), "msg": "Input should be a valid decimal"}
    assert message(error) == "应是数字，如 1234.50"
    assert message(error, {"decimal_parsing": "应是金额，如 1234.50"}) == "应是金额，如 1234.50"
    unknown = {"type": "url_scheme", "msg": "URL scheme should be 'http'"}
    assert message(unknown) == "URL scheme should be 'http'"
