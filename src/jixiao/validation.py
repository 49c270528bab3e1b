"""Pydantic's validation errors in the words of Jixiao's forms: one table, one path notation.

Every place that validates what a person sent (the editor's JSON, the report entry form, a unit's
self-evaluation table, any API body or query) names the field with :func:`json_path` (indices from 1,
as pages and findings count rows: ``indicators[3].target_raw``) and says what was expected with
:func:`message`. Each place may give its own words for an error type (``overrides``: 金额 where the
field is money, 指标序号 where an integer is a row number); the rest come from :data:`MESSAGES`, and an
error type no table knows keeps pydantic's English message rather than a wrong Chinese one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MESSAGES", "json_path", "message"]

_INTEGER = "应是整数，如 2024"
_NUMBER = "应是数字，如 1234.50"
_DATE = "应是日期，写作 2024-01-31"
_BOOL = "应是“是”或“否”（true 或 false）"
_OBJECT = "应是对象（JSON 的 {{…}}）"  # a template: braces doubled

#: pydantic's error type → what was expected, in Chinese.
MESSAGES: Mapping[str, str] = {
    "missing": "缺少此项", "extra_forbidden": "不是此处可填的字段",
    "int_parsing": _INTEGER, "int_type": _INTEGER, "int_from_float": _INTEGER,
    "decimal_parsing": _NUMBER, "decimal_type": _NUMBER, "float_parsing": _NUMBER, "float_type": _NUMBER,
    "finite_number": "应是有限的数字，不能是 NaN 或 Infinity",
    "decimal_max_places": "小数位数过多", "decimal_max_digits": "数字位数过多",
    "greater_than_equal": "不能小于 {ge}", "greater_than": "应大于 {gt}",
    "less_than_equal": "不能大于 {le}", "less_than": "应小于 {lt}",
    "date_parsing": _DATE, "date_type": _DATE, "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE, "bool_parsing": _BOOL, "bool_type": _BOOL,
    "string_type": "应是文本", "string_too_long": "至多 {max_length} 个字符",
    "string_too_short": "至少 {min_length} 个字符", "string_pattern_mismatch": "格式不对",
    "list_type": "应是列表（JSON 的 […]）", "too_long": "至多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "model_type": _OBJECT, "model_attributes_type": _OBJECT, "dict_type": _OBJECT,
    "json_invalid": "不是有效的 JSON",
}  # fmt: skip

_QUOTED = re.compile(r"'([^']*)'")


def message(error: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> str:
    """What ``error`` (one of pydantic's ``errors()``) says was expected, in Chinese where known.

    A template may name the error's context (``{ge}``, ``{max_length}``); ``literal_error`` lists the
    values allowed as pydantic gives them (``应是 2024、2020 之一``); a validator's ``ValueError`` is its
    own message."""
    kind = error.get("type", "")
    context = error.get("ctx", {})
    if overrides and kind in overrides:
        pass
    elif kind in ("literal_error", "enum"):
        allowed = _QUOTED.findall(str(context.get("expected", "")))
        if allowed:
            return "应是 " + "、".join(allowed) + " 之一"
    elif kind in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])  # a validator's own words, without pydantic's "Value error, "
    template = (overrides or {}).get(kind) or MESSAGES.get(kind)
    if template is None:
        return str(error.get("msg", "invalid"))
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError):  # a template naming context this error does not carry
        return str(error.get("msg", "invalid"))


def json_path(loc: Iterable[str | int]) -> str:
    """A location as a path with indices from 1: ``("indicators", 2, "score")`` → ``indicators[3].score``."""
    return "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
