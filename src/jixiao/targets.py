"""Target values (指标值): read them, print them, compare them.

A target value is the text in the 指标值 column of a declaration. :func:`parse_target` turns it
into a :class:`~jixiao.model.Target`; :func:`format_target` prints one back in the 2024 Shanghai
form; :func:`base_value` scales 万元/万/‰ … to base units so two targets can be compared.

Grammar
-------
Before matching, a *copy* of the text is folded (the qualitative ``text`` keeps the original):

=====================  ===========================================================================
step                   what happens
=====================  ===========================================================================
NFKC                   full-width digits, signs and brackets fold: ``＞＝（）％８`` → ``>=()%8``
LaTeX                  ``$`` dropped; ``\\geq \\ge \\geqslant`` → ``≥``, ``\\leq \\le`` → ``≤``,
                       ``\\gt`` → ``>``, ``\\lt`` → ``<``, ``\\%`` → ``%``, ``\\text{x}`` → ``x``,
                       spacing ``\\,`` ``\\;`` dropped
signs                  ``≧ ⩾ ≮ >= =>`` → ``≥``; ``≦ ⩽ ≯ <= =<`` → ``≤``; ``═`` (OCR) and ``==`` → ``=``;
                       ``– — −`` → ``-``
spaces                 all whitespace removed (``>= 95 %`` → ``≥95%``)
thousands              ``1,000,000`` → ``1000000`` (only a comma before exactly three digits)
=====================  ===========================================================================

Then the whole folded text must be one of these (``N`` = ``-?[0-9]+(\\.[0-9]+)?``, written as is):

======================================  =====================  ======================================
form                                    result                 examples
======================================  =====================  ======================================
``OP N [UNIT] [SUFFIX]``                op, value, unit        ``≥80.00(%)``, ``>350万元``, ``=2(人次)``
``N [UNIT] SUFFIX``                     op from the suffix     ``80%以上`` (≥), ``5%以内`` (≤)
``N [KNOWN UNIT]``                      op ``=``               ``100%``, ``3000份``, ``12期``, ``5``
``N [UNIT] SEP N [UNIT]``               ``≥`` low, upper high  ``80%-90%``, ``80-90%``, ``80%~90%``,
                                                               ``80%至90%`` (units equal or given once)
anything else                           qualitative ``text``   ``正常运行``, ``做到0投诉``, ``2023年完成``
======================================  =====================  ======================================

``OP`` is a sign (``= ≥ ≤ > <``) or a word:

=====  ==========================================================================================
op     words
=====  ==========================================================================================
``≥``  不低于 不少于 至少 不小于 大于等于 大于或等于 达到; suffix 以上
``≤``  不高于 不超过 至多 不大于 不多于 小于等于 小于或等于; suffix 以下 以内
``>``  超过 高于 大于 多于
``<``  低于 少于 小于
``=``  等于 为
=====  ==========================================================================================

``UNIT`` is ``(anything)`` (up to 12 characters, brackets stripped: ``(次/周)`` → ``次/周``) or up to
8 characters that are not digits, brackets, signs or punctuation (``万元``, ``个区``, ``%``).

Decisions:

* A bare number is ``=`` only when nothing but a unit follows it, and the unit is bracketed or a
  common counting unit (``_BARE_UNITS``, also ``X/周`` etc.); so ``100%`` is ``=100 %`` but
  ``做到0投诉`` and ``2023年完成`` stay qualitative (a digit alone does not make a target).
  The same check applies to the units of a bare range.
* A prefix op and a suffix must agree (``≥80%以上`` is fine, ``≥80%以下`` is qualitative).
  A range takes neither; a range whose low end is above its high end is qualitative.
* ``.5``, ``5.``, ``+5`` and ``[80,90]%`` are not numbers here: qualitative. ``-5`` is a number.
* Empty or blank text gives ``Target(text="")``. Text longer than 200 characters (after
  stripping) is qualitative without being matched.
* Value and unit stay as written: ``=3000.00(份)`` is ``Decimal("3000.00")``; the unit is taken
  from the folded copy, so a full-width unit comes back folded.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

from jixiao.model import Op, Target

__all__ = ["OPS", "base_value", "check_target", "format_target", "is_direction_word", "operator",
           "parse_actual", "parse_target"]

OPS: tuple[Op, ...] = ("=", "≥", "≤", ">", "<")

# Vague direction words: a way of change with no end value and no baseline (domain rules §2.2
# 模糊化, §6). A review rule flags them; they remain valid qualitative targets.
_DIRECTION_WORDS: tuple[str, ...] = (
    "提升", "提高", "增加", "减少", "降低", "增强", "改善", "增长", "下降", "扩大", "加强",
    "逐步提高", "逐步提升", "基本提升", "进一步提高", "进一步提升", "稳步提高", "稳步提升",
    "持续提升", "不断提高", "有所提高", "有所提升", "明显提升", "明显改善", "有效促进",
)  # fmt: skip

_WORD_OPS: dict[str, Op] = {
    **{op: op for op in OPS},
    "不低于": "≥", "不少于": "≥", "至少": "≥", "不小于": "≥", "大于等于": "≥", "大于或等于": "≥",
    "达到": "≥",
    "不高于": "≤", "不超过": "≤", "至多": "≤", "不大于": "≤", "不多于": "≤", "小于等于": "≤",
    "小于或等于": "≤",
    "超过": ">", "高于": ">", "大于": ">", "多于": ">",
    "低于": "<", "少于": "<", "小于": "<",
    "等于": "=", "为": "=",
}  # fmt: skip
_SUFFIX_OPS: dict[str, Op] = {"以上": "≥", "以下": "≤", "以内": "≤"}

# Units a bare number may carry and still be read as "=" (forms print "=" this way).
_BARE_UNITS = frozenset((
    "%", "‰", "元", "千元", "万元", "亿元", "万", "万人", "万人次", "个", "个区", "份", "次", "人", "人次",
    "期", "所", "条", "条次", "部", "册", "件", "家", "项", "场", "篇", "本", "套", "台", "名", "户", "处",
    "座", "辆", "批", "课时", "学时", "天", "小时", "分钟", "工作日", "个工作日", "个月", "公里", "平方米",
    "吨",
))  # fmt: skip
# The part after "/" in a rate unit such as 次/周.
_PER_UNITS = frozenset(("年", "季度", "月", "周", "天", "日", "小时", "人", "次", "个", "户", "家"))

_MAX_LEN = 200

# Look-alikes of the signs (OCR, old fonts): ≧ ⩾ ≮ (not less than) are ≥, ≦ ⩽ ≯ (not more than) are ≤.
_CHARS = str.maketrans({"≧": "≥", "⩾": "≥", "≮": "≥", "≦": "≤", "⩽": "≤", "≯": "≤", "═": "=", "–": "-",
                        "—": "-", "−": "-", "$": None})  # fmt: skip
_MULTI = ((">=", "≥"), ("=>", "≥"), ("<=", "≤"), ("=<", "≤"), ("==", "="))
_LATEX_OPS = {"geqslant": "≥", "geq": "≥", "ge": "≥", "leqslant": "≤", "leq": "≤", "le": "≤", "gt": ">",
              "lt": "<"}  # fmt: skip
_LATEX = re.compile(
    r"\\(?:(geqslant|leqslant|geq|leq|ge|le|gt|lt)(?![A-Za-z])|(?:text|mathrm)\{([^{}]*)\}|([%,;:! ]))"
)
_THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")

_NUM = r"-?[0-9]+(?:\.[0-9]+)?"
# Characters that cannot start or be part of an unbracketed unit.
_NOT_UNIT = r"\d()\[\]{}<>=≥≤,.;:!?，。；：！？、\-~+$\\\x00-\x1f\x7f\ud800-\udfff"


def _unit(name: str) -> str:
    return rf"(?:\((?P<{name}p>[^()]{{1,12}})\)|(?!以[上下内])(?P<{name}b>[^{_NOT_UNIT}]{{1,8}}?))"


_OP_WORDS = "|".join(sorted(map(re.escape, _WORD_OPS), key=len, reverse=True))
_TARGET = re.compile(
    rf"(?P<op>{_OP_WORDS})?(?P<n1>{_NUM}){_unit('u1')}?"
    rf"(?:[-~至到](?P<n2>{_NUM}){_unit('u2')}?)?(?P<suf>以上|以下|以内)?"
)

_Row = tuple[Op | None, Decimal | None, str | None, str | None, Decimal | None]


def _latex_sub(m: re.Match[str]) -> str:
    if m[1]:
        return _LATEX_OPS[m[1]]
    if m[3] is not None:
        return "%" if m[3] == "%" else ""
    return m[2]


def _fold(text: str) -> str:
    """The copy of ``text`` that the grammar reads (see the module docstring)."""
    s = unicodedata.normalize("NFKC", text)
    if "\\" in s:
        s = _LATEX.sub(_latex_sub, s)
    s = "".join(s.translate(_CHARS).split())
    for old, new in _MULTI:
        if old in s:
            s = s.replace(old, new)
    return _THOUSANDS.sub("", s) if "," in s else s


def _bare_unit_ok(unit: str | None, bracketed: bool) -> bool:
    if unit is None or bracketed or unit in _BARE_UNITS:
        return True
    head, slash, tail = unit.partition("/")
    return bool(slash) and head in _BARE_UNITS and tail in _PER_UNITS


def _parse(raw: str) -> _Row:
    text = raw.strip()
    qualitative: _Row = (None, None, None, text, None)
    if len(text) > _MAX_LEN:
        return qualitative
    m = _TARGET.fullmatch(_fold(text))
    if m is None:
        return qualitative
    op = _WORD_OPS[m["op"]] if m["op"] else None
    if m["suf"]:
        suffix_op = _SUFFIX_OPS[m["suf"]]
        if op not in (None, suffix_op):
            return qualitative
        op = suffix_op
    unit = m["u1p"] or m["u1b"]
    low = Decimal(m["n1"])
    if m["n2"] is None:
        if op is None:
            if not _bare_unit_ok(unit, m["u1p"] is not None):
                return qualitative
            op = "="
        return (op, low, unit, None, None)
    # A range: no operator or suffix, one unit (written once or twice the same), low <= high.
    unit2 = m["u2p"] or m["u2b"]
    high = Decimal(m["n2"])
    if op is not None or (unit and unit2 and unit != unit2) or low > high:
        return qualitative
    if not (_bare_unit_ok(unit, m["u1p"] is not None) and _bare_unit_ok(unit2, m["u2p"] is not None)):
        return qualitative
    return ("≥", low, unit or unit2, None, high)


def _target(raw: str) -> Target:
    op, value, unit, text, upper = _parse(raw)
    return Target(op=op, value=value, unit=unit, text=text, upper=upper)


# Values repeat a lot, so parsing is cached; over-long input bypasses the cache (nothing to gain,
# and it would pin large strings in memory). Target is frozen, so one instance is safe to share.
_target_cached = lru_cache(maxsize=4096)(_target)


def parse_target(raw: str) -> Target:
    """Read a target value such as ``≥80.00(%)``, ``>=95%``, ``不低于80%`` or ``正常运行``.

    Never raises: text that does not fit the grammar (module docstring) is qualitative, with
    ``text`` the stripped input. The result is frozen (equal inputs may share one instance).
    """
    return _target_cached(raw) if len(raw) <= _MAX_LEN else _target(raw)


def operator(text: str) -> Op | None:
    """The operator a text names all by itself, folded as a target is: ``≥``, ``>=``, ``≧``, ``＞＝``,
    ``大于等于``, ``不低于`` → ``≥``; None for anything else (``≥80``, ``定性``, ``正常运行``).

    For a 指标性质 cell, where a table writes the sign apart from the number."""
    return _WORD_OPS.get(_fold(text))


_STARTS_WITH_NUMBER = re.compile(r"\s*-?[0-9０-９]")


def parse_actual(raw: str) -> Target:
    """Read an actual value (实际完成值) with the same grammar as a target.

    One difference: a number followed by any unit is a number, as if written with ``=``
    (``12个班`` → ``=12 个班``), because an actual is a measurement, not a commitment; a target
    reads ``12个班`` as text (see the module docstring). Text that does not start with a digit
    (``达成``, ``部分达成（70%）``, ``正常运行``) stays qualitative.
    """
    target = parse_target(raw)
    if target.value is None and _STARTS_WITH_NUMBER.match(raw):
        again = parse_target("=" + raw.strip())
        if again.value is not None:
            return again
    return target


def _number(d: Decimal) -> str:
    """``d`` in plain notation with at least two decimals: 80 → ``80.00``, 0.125 → ``0.125``."""
    s = format(d, "f")
    if not d.is_finite():
        return s
    whole, _, frac = s.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def format_target(t: Target) -> str:
    """Print ``t`` in the canonical 2024 form: ``≥80.00(%)``, ``=3000.00(份)``, ``≥5.00``.

    A range prints as ``80.00-90.00(%)`` (its op is implied); a qualitative target prints its text
    (``""`` when it has none). A quantitative target without an op prints ``=``.
    ``parse_target(format_target(t))`` gives back ``t``'s op, value (numerically), unit and upper.
    """
    if t.value is None:
        return t.text or ""
    unit = f"({t.unit})" if t.unit else ""
    if t.upper is not None:
        return f"{_number(t.value)}-{_number(t.upper)}{unit}"
    return f"{t.op or '='}{_number(t.value)}{unit}"


_MULTIPLIERS = (("千万", 10_000_000), ("百万", 1_000_000), ("亿", 100_000_000), ("万", 10_000))


def base_value(t: Target) -> tuple[Decimal, str] | None:
    """The value in base units, for comparing targets: ``(value, unit)``; ``None`` if qualitative.

    ``350 万元`` → ``(3500000, "元")``; ``11 万`` → ``(110000, "")``; ``2 万人次`` → ``(20000, "人次")``;
    ``亿``, ``百万``, ``千万`` likewise; ``千元`` → ×1000 ``元``; ``5 ‰`` → ``(0.5, "%")``. Other units,
    and no unit (``""``), are unchanged. For a range this is the low end. Arithmetic uses the
    default decimal context (28 significant digits).
    """
    if t.value is None:
        return None
    unit = t.unit or ""
    if unit == "‰":
        return t.value / 10, "%"
    if unit == "千元":
        return t.value * 1000, "元"
    for prefix, factor in _MULTIPLIERS:
        if unit.startswith(prefix):
            return t.value * factor, unit[len(prefix) :]
    return t.value, unit


def is_direction_word(text: str) -> bool:
    """True for a vague direction word with no end value, e.g. ``提升``, ``逐步提高``, ``明显改善``.

    The words are the constant ``_DIRECTION_WORDS``: 提升 提高 增加 减少 降低 增强 改善 增长 下降 扩大
    加强 逐步提高 逐步提升 基本提升 进一步提高 进一步提升 稳步提高 稳步提升 持续提升 不断提高 有所提高
    有所提升 明显提升 明显改善 有效促进. The whole (stripped) text must be one of them.
    """
    return text.strip() in _DIRECTION_WORDS


_SIGNS = frozenset("=≥≤><")
_LEADING_NUMBER = re.compile(_NUM)


def check_target(raw: str) -> str | None:
    """Why ``raw`` is not a usable target value, as a short Chinese message; ``None`` when it is.

    :func:`parse_target` refuses nothing (what does not fit is qualitative text), which is right when
    reading forms but lets slips of typing through in an editor. This draws the line: empty or over-long
    text is refused, and so is text that *starts* like a quantitative value and then breaks off;
    qualitative text such as ``正常运行``, ``做到0投诉``, ``2023年完成`` or ``80分`` is accepted.

    * text starting with a sign (``= ≥ ≤ > <``, also ``>=`` …) must parse: ``≥``, ``≥abc``,
      ``≥80-90%``, ``≥80%以下``, ``≥80%，全年`` are refused;
    * a range of counting units must run low to high in one unit: ``90-80%``, ``80%-90人`` and
      ``80-90%以上`` are refused (``2023-2024年完成`` is text);
    * a number followed by no letter, only symbols, is refused: ``80%%``, ``80(%``, ``1,5``.
    """
    text = raw.strip()
    if not text:
        return "指标值不能为空"
    if len(text) > _MAX_LEN:
        return f"指标值过长（{len(text)} 字），最多 {_MAX_LEN} 字"
    if parse_target(text).value is not None:
        return None
    folded = _fold(text)
    sign = folded[:1] if folded[:1] in _SIGNS else None  # folded may be empty: "$"
    match = _TARGET.fullmatch(folded)
    if match and (problem := _range_problem(match, sign) or _suffix_problem(match, sign)):
        return problem
    return _tail_problem(folded, sign)


def _range_problem(m: re.Match[str], sign: str | None) -> str | None:
    """A range with a sign or suffix, reversed, or with two units; ``None`` for text that merely looks so."""
    if m["n2"] is None:
        return None
    if sign:
        return f"区间不能再带「{sign}」，直接写作 80-90% 这样的上下限"
    unit, unit2 = m["u1p"] or m["u1b"], m["u2p"] or m["u2b"]
    if not (_bare_unit_ok(unit, m["u1p"] is not None) and _bare_unit_ok(unit2, m["u2p"] is not None)):
        return None  # 2023-2024年完成: text
    if m["suf"]:
        return f"区间不能再带「{m['suf']}」，直接写作 80-90% 这样的上下限"
    if unit and unit2 and unit != unit2:
        return f"区间两端的单位不同（{unit}、{unit2}），应写同一个单位，如 80%-90%"
    if Decimal(m["n1"]) > Decimal(m["n2"]):
        return f"区间的下限 {m['n1']} 大于上限 {m['n2']}，应先写小的数，如 80-90%"
    return None


def _suffix_problem(m: re.Match[str], sign: str | None) -> str | None:
    if sign and m["suf"] and _SUFFIX_OPS[m["suf"]] != sign:
        return f"「{sign}」与「{m['suf']}」方向相反，只写其一，如 {sign}80%"
    return None


def _tail_problem(folded: str, sign: str | None) -> str | None:
    """A sign with no number, or a number followed by something that is not a unit."""
    rest = folded[1:] if sign else folded
    number = _LEADING_NUMBER.match(rest)
    if number is None:
        return f"「{sign}」后应是数值，如 {sign}80%" if sign else None
    tail = rest[number.end():]
    if sign or not any(ch.isalpha() for ch in tail):
        return f"「{number[0]}」后的「{tail}」不是单位，单位如 %、个、(人次)"
    return None
