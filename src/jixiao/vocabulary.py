"""The domain's vocabulary: level names of the indicator tree and the labels of form fields.

Readers decide what a cell is from these words, not from its column: a level-2 name printed
in the level-1 column is still a level-2, and ``服务对象满意度 指标`` is the same label as
``服务对象满意度指标``. Canonical keys are short (``产出``, ``数量``); the label as written is kept
by the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_SCORE = re.compile(r"[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]$")  # "产出指标(50分)"

# Level 1: canonical key -> spellings (after normalise()).
LEVEL1: dict[str, tuple[str, ...]] = {
    "产出": ("产出", "项目产出", "项目完成", "产出(工作量)"),
    "效益": ("效益", "效果", "项目效益"),
    "满意度": ("满意度", "社会公众或服务对象满意度"),
    "成本": ("成本",),
    "投入与管理": ("投入与管理", "投入"),  # 2020 Shanghai, a legacy class
    "影响力": ("影响力",),  # 2020 Shanghai, a legacy class
}

# Level 2: canonical key -> (spellings, the level-1 keys it may sit under; the first is its home).
LEVEL2: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "数量": (("数量", "产出数量"), ("产出",)),
    "质量": (("质量", "产出质量"), ("产出",)),
    "时效": (("时效", "进度", "产出进度", "产出时效"), ("产出",)),
    "成本": (("成本", "产出成本"), ("产出", "成本")),
    "经济成本": (("经济成本",), ("成本",)),
    "社会成本": (("社会成本",), ("成本",)),
    "生态环境成本": (("生态环境成本",), ("成本",)),
    "经济效益": (("经济效益",), ("效益",)),
    "社会效益": (("社会效益",), ("效益",)),
    "生态效益": (("生态效益", "环境效益"), ("效益",)),
    "可持续影响": (("可持续影响",), ("效益", "影响力")),
    "服务对象满意度": (
        ("服务对象满意度", "满意度", "公众满意度", "社会公众满意度", "社会公众或服务对象满意度"),
        ("满意度", "效益"),
    ),
    "投入管理": (("投入管理",), ("投入与管理",)),
    "财务管理": (("财务管理",), ("投入与管理",)),
    "实施管理": (("实施管理",), ("投入与管理",)),
    "长效管理": (("长效管理",), ("影响力",)),
    "信息共享": (("信息共享",), ("影响力",)),
}

_L1_BY_SPELLING = {s: key for key, spellings in LEVEL1.items() for s in spellings}
_L2_BY_SPELLING = {s: key for key, (spellings, _) in LEVEL2.items() for s in spellings}


def normalise(label: str) -> str:
    """Fold a written label to its comparison form: no white space, no trailing 指标/目标, no score."""
    text = _SPACE.sub("", label)
    text = _SCORE.sub("", text)
    for suffix in ("指标", "目标"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


@dataclass(frozen=True, slots=True)
class LevelLabel:
    """What a label cell can be: a level-1 key, a level-2 key, or both (``满意度``)."""

    level1: str | None
    level2: str | None

    def fits_under(self, level1: str | None) -> bool:
        return self.level2 is not None and level1 in LEVEL2[self.level2][1]

    @property
    def home(self) -> str | None:
        """The level-1 key a level-2 label belongs to when no level-1 is in force."""
        return LEVEL2[self.level2][1][0] if self.level2 else None


@lru_cache(maxsize=2048)
def level_label(cell: str) -> LevelLabel | None:
    """The level(s) ``cell`` names, or None when it is not a level label at all.

    Only whole cells count: ``社会效益`` is a label, ``社会效益显著`` is an indicator name.
    A label must be written as a label: ``满意度指标`` or ``满意度`` yes, ``参与者满意度`` no.
    """
    key = normalise(cell)
    l1 = _L1_BY_SPELLING.get(key)
    l2 = _L2_BY_SPELLING.get(key)
    if l1 is None and l2 is None:
        return None
    return LevelLabel(l1, l2)


@lru_cache(maxsize=1024)
def canonical_level1(level1: str | None) -> str | None:
    """``产出指标`` → ``产出``; ``效果目标`` → ``效益``; None when the name is not a level-1 class."""
    return _L1_BY_SPELLING.get(normalise(level1)) if level1 else None


@lru_cache(maxsize=1024)
def canonical_level2(level2: str | None) -> str | None:
    """``进度指标`` → ``时效``; ``服务对象满意度 指标`` → ``服务对象满意度``."""
    return _L2_BY_SPELLING.get(normalise(level2)) if level2 else None


# The indicator table's column headings (white space removed) → what the column holds: the levels, the
# name, the target (``指标值``; or split into 指标性质 / 指标值 / 度量单位), or the table's own merged title
# cell (``绩效指标``). A heading none of these match (序号, 备注, 权重) is a column the reader does not know.
TABLE_COLUMNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"一级"), "level1"),
    (re.compile(r"二级"), "level2"),
    (re.compile(r"三级"), "name"),
    (re.compile(r"指标性质|指标方向|^性质$"), "op"),
    (re.compile(r"指标值|目标值"), "value"),
    (re.compile(r"^(度量|计量)?单位$"), "unit"),
    (re.compile(r"^(项目)?(绩效)?(指标|目标)?$"), "title"),
)


def table_column(heading: str) -> str | None:
    """What a column of the indicator table holds, by its heading: ``level1``, ``level2``, ``name``,
    ``op`` (指标性质), ``value`` (指标值), ``unit`` (度量单位) or ``title`` (the table's own title cell);
    None for a column the reader does not know (序号, 备注)."""
    key = _SPACE.sub("", heading)
    return next((kind for pattern, kind in TABLE_COLUMNS if pattern.search(key)), None)


# How the pages and the version diff title the fields and the funds, in form order.
FIELD_TITLES = [("name", "项目名称"), ("year", "年度"), ("department", "主管部门"), ("unit", "实施单位"),
                ("nature", "项目性质"), ("category", "项目类别"), ("performance_type", "绩效类型"),
                ("start", "开始日期"), ("end", "结束日期"), ("layout", "表样")]
FUNDS_TITLES = [("total", "资金总额（年度资金申请总额 / 项目总预算）"), ("fiscal", "其中：财政资金"),
                ("current_year", "当年财政拨款 / 项目当年预算"), ("carryover", "上年结转资金"),
                ("other", "其他资金"), ("previous_year_budget", "同名项目上年预算额"),
                ("previous_year_spent", "同名项目上年预算执行数")]


# Form fields: label spelling (after _SPACE removal and stripping a trailing colon) -> field path.
# The titles above are labels too: a declaration Jixiao printed (its PDF, its page) reads back.
FIELD_LABELS: dict[str, str] = {
    **{_SPACE.sub("", title): key for key, title in FIELD_TITLES},
    **{_SPACE.sub("", title): f"funds.{key}" for key, title in FUNDS_TITLES},
    "项目名称": "name",
    "主管部门": "department",
    "主管部门名称": "department",
    "实施单位": "unit",
    "实施单位名称": "unit",
    "申报单位名称": "unit",
    "申报单位": "unit",
    "项目性质": "nature",
    "项目类别": "category",
    "绩效类型": "performance_type",
    "是否含有政府购买服务": "government_purchase",
    "计划开始日期": "start",
    "计划完成日期": "end",
    "项目开始日期": "start",
    "项目完成日期": "end",
    "主管部门及代码": "department",
    "项目主管部门": "department",
    "项目实施单位": "unit",
    "年度资金申请总额": "funds.total",
    "资金总额": "funds.total",
    "年度资金总额": "funds.total",
    "其中：当年财政拨款": "funds.current_year",
    "当年财政拨款": "funds.current_year",
    "本年财政拨款": "funds.current_year",
    "财政拨款": "funds.current_year",
    "上年结转资金": "funds.carryover",
    "上年结转": "funds.carryover",
    "其他资金": "funds.other",
    "其中：财政资金": "funds.fiscal",
    "财政资金": "funds.fiscal",
    "项目总预算（元）": "funds.total",
    "项目总预算": "funds.total",
    "项目当年预算（元）": "funds.current_year",
    "项目当年预算": "funds.current_year",
    "同名项目上年预算额（元）": "funds.previous_year_budget",
    "同名项目上年预算额": "funds.previous_year_budget",
    "同名项目上年预算执行数（元）": "funds.previous_year_spent",
    "同名项目上年预算执行数": "funds.previous_year_spent",
    "年度总体目标": "goal",
    "年度绩效目标": "goal",
    "总目标及阶段性目标": "goal",
    "项目总目标": "texts.total_goal",
    "项目概况": "texts.overview",
    "立项依据": "texts.basis",
    "项目设立的必要性": "texts.necessity",
    "保证项目实施的制度、措施": "texts.safeguards",
    "项目实施计划": "texts.plan",
}

# Labels that head a block of the form but carry no value of their own.
SECTION_LABELS: frozenset[str] = frozenset(
    {
        "项目资金(元)",
        "项目资金（元）",
        "项目资金",
        "项目资金总额",
        "项目绩效目标",
        "本项目上年度市级财政资金使用情况",
        "基本信息",  # Jixiao's own printed form
    }
)

# Fields whose text may run over several lines (continuation rows are appended).
TEXT_FIELDS: frozenset[str] = frozenset(
    {"name", "goal", "texts.total_goal", "texts.overview", "texts.basis", "texts.necessity",
     "texts.safeguards", "texts.plan"}
)


# What a label may carry around its words: the money unit it states (``资金总额（万元）``) and the
# ``其中：`` of a part of a total (``其中：财政拨款``).
_MONEY_UNIT = re.compile(r"[（(](万元|元)[)）]$")
_WHEREOF = re.compile(r"^其中[：:]?")


def _label_key(cell: str) -> str:
    return _SPACE.sub("", cell).rstrip("：:") if len(cell) <= 40 else ""


def _bare_key(key: str) -> str:
    """A label key without its money unit and its ``其中：``: ``其中：财政拨款（万元）`` → ``财政拨款``."""
    return _WHEREOF.sub("", _MONEY_UNIT.sub("", key)) if key else ""


def field_label(cell: str) -> str | None:
    """The field a label cell names (``项目名称：`` → ``name``, ``其中：财政拨款（万元）`` →
    ``funds.current_year``), or None."""
    found = FIELD_LABELS.get(cell)  # the common case: a label cell written plainly
    if found is not None:
        return found
    key = _label_key(cell)
    return FIELD_LABELS.get(key) or FIELD_LABELS.get(_bare_key(key))


def is_section_label(cell: str) -> bool:
    if cell in SECTION_LABELS:
        return True
    key = _label_key(cell)
    return key in SECTION_LABELS or _bare_key(key) in SECTION_LABELS


@lru_cache(maxsize=1024)
def label_unit(cell: str) -> str | None:
    """The money unit a label states in brackets at its end: ``项目资金（万元）`` → ``万元``,
    ``项目总预算（元）`` → ``元``; None when it states none."""
    m = _MONEY_UNIT.search(_label_key(cell))
    return m.group(1) if m else None


@lru_cache(maxsize=8192)
def cell_kind(cell: str) -> str | None:
    """What a cell of a form is: a field's name (``项目名称`` → ``"name"``), ``""`` for a section
    label with no value of its own (``项目资金 (元)``), or None for a value."""
    return field_label(cell) or ("" if is_section_label(cell) else None)
