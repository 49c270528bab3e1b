"""Scoring, monitoring and checking declarations sent in the request: stateless computations, open to anyone.

Under ``/api/v1`` (nothing is read from the store or written to it; :mod:`jixiao.web.auth`:
``Permission.ANYONE``):

- ``POST /evaluate``: a declaration with its actuals, or ``{"projects": [...]}``, and an optional
  ``profile`` → ``{"projects": [...]}``, each project the JSON of ``jixiao evaluate --json``
  (:func:`jixiao.evaluation.evaluation_json`);
- ``POST /monitor``: the same with ``as_of`` (the date the figures stand at) → ``{"projects": [...],
  "at_risk": [...]}``, as ``jixiao monitor --json`` (:mod:`jixiao.monitoring.render`);
- ``POST /check``: ``{"declaration": {...}, "table": {...}, "profile"}`` → the differences between the
  unit's own figures and the recomputed ones, as ``jixiao check --json`` gives each project
  (:mod:`jixiao.evaluation.tables`).

A declaration is read as ``POST /api/v1/review`` reads it (:func:`jixiao.web.editing.declaration_from`:
the targets and actuals parsed here from their raw text, 422 naming each malformed field); beyond that,
an amount must be one the store could keep (exact to the fen, under its limit) and a weight at most
:data:`MAX_WEIGHT`, so that no figure overflows the arithmetic. A table is read as ``jixiao check``
reads a TABLE file (:func:`jixiao.evaluation.tables.read_table`). The body is at most
:data:`jixiao.web.app.MAX_JSON_BYTES` (413 beyond, :class:`jixiao.web.app.JsonBodyLimit`) and holds at
most :data:`MAX_PROJECTS` projects and :data:`MAX_INDICATORS` indicators in all; a table at most
:data:`jixiao.evaluation.tables.MAX_ROWS` rows. Every refusal is a 4xx with the API's JSON error body.

The request and response models below are what the OpenAPI document shows; the body itself is checked
here, not by FastAPI, so that every message is in Chinese and names its field
(``projects[2].indicators[3].weight（第 3 条指标）: …``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, ConfigDict, Field, SkipValidation, create_model
from pydantic.json_schema import SkipJsonSchema

from jixiao.access import Permission
from jixiao.errors import UsageError
from jixiao.evaluation import EvaluationConfig, Evaluator, evaluation_json
from jixiao.evaluation.check import UnitRow
from jixiao.evaluation.tables import MAX_ROWS, ProjectTable, check_tables, checked_json, pair, read_table
from jixiao.model import Declaration, Funds, Indicator, Target, Weights
from jixiao.monitoring import Monitor, MonitorConfig
from jixiao.monitoring.render import at_risk_json, monitoring_json
from jixiao.review.profiles import profile_names
from jixiao.store.types import money_problem
from jixiao.web.api import ERRORS
from jixiao.web.app import ERROR_CODES
from jixiao.web.auth import needs
from jixiao.web.editing import declaration_from, field_name

__all__ = ["MAX_INDICATORS", "MAX_PROJECTS", "MAX_WEIGHT", "api_router"]

api_router = APIRouter(tags=["evaluation"])
ANYONE = [needs(Permission.ANYONE)]
_TOO_LARGE = f'`{{"error": {{"status": 413, "code": "{ERROR_CODES[413]}", "message": …}}}}`（请求体超过上限）'
RESPONSES: dict[int | str, dict[str, Any]] = {**ERRORS, 413: {"description": _TOO_LARGE}}
MAX_PROJECTS = 1000
MAX_INDICATORS = 10_000  # in all the projects of one request: a second or two of work
MAX_WEIGHT = Decimal(10) ** 6  # 分值: a weight out of 100, with room for a profile's own scale
MAX_EXPONENT = 20  # beyond any amount the store keeps (MONEY_LIMIT, 9E16)

ProfileName = Literal[tuple(profile_names())]  # type: ignore[valid-type]
_PROFILE = Field(default=None, description="配置；不写则按每份申报表的表样选择（同 --profile）")
_AS_OF = Field(description="数据截至日期（同 jixiao monitor --as-of），YYYY-MM-DD")


# -- request models (for the OpenAPI document; the body is checked by this module) --------------------------
# A declaration as this module reads it: the model's schema, narrowed where the reading is stricter, so that
# a client (or schemathesis) generating from the document sends what is accepted.

Money = Annotated[str, Field(pattern=r"^-?\d{1,16}(\.\d{1,2})?$",
                             description="金额（元），精确到分，如 \"522400.00\"")]
Weight = Annotated[Annotated[float, Field(ge=0, le=float(MAX_WEIGHT))]
                   | Annotated[str, Field(pattern=r"^\d{1,6}(\.\d{1,12})?$")],
                   Field(description="分值，0 至 1,000,000")]
_NOT_INPUT = (SkipJsonSchema[Any], None)  # fields of the model that a body may not carry (source, line …)

DeclaredFunds = create_model("DeclaredFunds", __base__=Funds,
                             **{name: (Money | None, None) for name in Funds.model_fields})
DeclaredWeights = create_model("DeclaredWeights", __base__=Weights,
                               **{name: (Weight | None, None) for name in Weights.model_fields})
DeclaredIndicator = create_model(
    "DeclaredIndicator", __base__=Indicator, weight=(Weight | None, None),
    target=(Target | None, Field(None, description="不读：按 target_raw 重新读取")),
    actual=(Target | None, Field(None, description="不读：按 actual_raw 重新读取")),
    **{name: _NOT_INPUT for name, f in Indicator.model_fields.items() if f.exclude})


TableFigure = Annotated[Annotated[float, Field(gt=-1e9, lt=1e9)]
                        | Annotated[str, Field(pattern=r"^-?\d{1,9}(\.\d{1,12})?$")],
                        Field(description="数字：绝对值小于 10 亿，至多 12 位小数")]
DeclaredRow = create_model("DeclaredRow", __base__=UnitRow, weight=(TableFigure | None, None),
                           score=(TableFigure | None, None))
DeclaredTable = create_model(
    "DeclaredTable", __base__=ProjectTable, __doc__="单位填写的自评表：各项均可不填，填了的才核对",
    indicators=(list[DeclaredRow], Field(default=[], max_length=MAX_ROWS)),  # type: ignore[valid-type]
    **{name: (TableFigure | None, None) for name in ("budget_rate", "budget_score", "total")})


class Project(Declaration):
    """申报表（含实际完成值），即 GET /api/v1/declarations/{id} 返回的形式；须有 name 或 indicators。"""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}},
        {"required": ["indicators"], "properties": {"indicators": {"type": "array", "minItems": 1}}}]})
    funds: DeclaredFunds = Field(default_factory=DeclaredFunds)  # type: ignore[valid-type]
    indicators: list[DeclaredIndicator] = Field(default_factory=list)  # type: ignore[valid-type]
    weights: DeclaredWeights | None = None  # type: ignore[valid-type]
    source: SkipJsonSchema[Any] = None
    line: SkipJsonSchema[Any] = None
    warnings: SkipJsonSchema[Any] = None


class EvaluateRequest(BaseModel):
    """Several projects."""

    model_config = ConfigDict(extra="forbid")
    projects: list[Project] = Field(min_length=1, max_length=MAX_PROJECTS)
    profile: ProfileName | None = _PROFILE


class EvaluateProject(Project):
    """One project, its fields at the top level."""

    profile: ProfileName | None = _PROFILE


class MonitorRequest(EvaluateRequest):
    as_of: date = _AS_OF


class MonitorProject(EvaluateProject):
    as_of: date = _AS_OF


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    declaration: Project
    table: DeclaredTable  # type: ignore[valid-type]
    profile: ProfileName | None = _PROFILE


# -- response models ----------------------------------------------------------------------------------------

Figure = Annotated[str, Field(description="四舍五入到两位小数的数字，如 \"97.00\"")]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FlagOut(_Out):
    code: str
    severity: Literal["error", "warning", "info"]
    message: str


class PartOut(_Out):
    part: str
    label: str
    weight: Figure
    applicable_weight: Figure
    score: Figure | None


class IndicatorEvaluation(_Out):
    index: int
    level1: str | None
    level2: str | None
    name: str | None
    part: str | None
    target_raw: str | None
    actual_raw: str | None
    applicable: bool
    weight: Figure
    score: Figure | None
    status: str | None
    formula: str
    explanation_required: bool
    flags: list[FlagOut]


class _Project(_Out):
    """What the answers of /evaluate and /check say first of each project."""

    name: str | None
    year: int | None
    unit: str | None
    profile: str
    score: Figure | None
    grade: str | None


class ProjectEvaluation(_Project):
    formula: str
    can_submit: bool
    budget_weight: Figure
    budget_rate: Figure | None
    budget_score: Figure | None
    budget_formula: str
    budget_flags: list[FlagOut]
    parts: list[PartOut]
    applicable_weight: Figure
    flags: list[FlagOut]
    indicators: list[IndicatorEvaluation]


class EvaluateResponse(_Out):
    projects: list[ProjectEvaluation]


Light = Literal["绿", "黄", "红"]


class BudgetLight(_Out):
    light: Light | None
    rate: Figure | None
    reason: str


class IndicatorMonitoring(_Out):
    index: int
    name: str | None
    target_raw: str | None
    actual_raw: str | None
    likelihood: str | None
    deviation_cause: str | None
    light: Light | None
    completion: Figure | None
    reason: str
    flags: list[FlagOut]


class ProjectMonitoring(_Out):
    name: str | None
    year: int | None
    unit: str | None
    profile: str
    as_of: date
    expected: Figure
    expected_text: str
    light: Light | None
    reason: str
    at_stake: Figure
    at_stake_text: str
    budget: BudgetLight
    indicators: list[IndicatorMonitoring]


class AtRisk(_Out):
    rank: int
    name: str | None
    unit: str | None
    light: Light | None
    at_stake: Figure


class MonitorResponse(_Out):
    projects: list[ProjectMonitoring]
    at_risk: list[AtRisk]


class DifferenceOut(_Out):
    where: str = Field(description="预算执行率, 指标 3「…」, 第 4 行「…」, 总分, 等级")
    item: Literal["budget_rate", "budget_score", "weight", "score", "total", "grade", "row"]
    unit_value: str | None = Field(description="单位填写的数字（照写）、等级，或找不到的行的名称或序号")
    recomputed: str | None = Field(description="按规则重新计算，两位小数；无法计算时为 null")
    difference: str | None = Field(description="单位填写 − 重新计算")
    note: str = Field(description="规则的计算式，或无法计算的原因")


class CheckResponse(_Project):
    tolerance: str
    differences: list[DifferenceOut]


# -- reading a body ------------------------------------------------------------------------------------------

def _refuse(problems: list[str]) -> None:
    if problems:
        raise HTTPException(422, "；".join(problems))


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise HTTPException(422, f"{where}: 应是 JSON 对象")
    return value


def _profile(body: dict[str, Any]) -> str | None:
    profile = body.get("profile")
    if profile is not None and profile not in profile_names():
        _refuse([f"profile: 未知的配置 {profile!r:.40}，应是 {'、'.join(profile_names())} 之一，或不写"])
    return profile


@cache
def _evaluator(profile: str | None) -> Evaluator:
    """One per profile (and one choosing by layout), its settings worked out once (thread-safe: it only
    ever adds the same settings under the same key)."""
    return Evaluator(EvaluationConfig(profile=profile))


@cache
def _monitor(profile: str | None) -> Monitor:
    return Monitor(MonitorConfig(profile=profile))


def _as_of(body: dict[str, Any]) -> date:
    value = body.get("as_of")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problem = "缺少数据截至日期" if value is None else f"{value!r:.40} 不是日期"
    raise HTTPException(422, f"as_of: {problem}，应写作 2024-06-30")


def _amount_problem(value: Decimal) -> bool:
    # adjusted() first: abs() of an exponent beyond the context's overflows inside money_problem
    return value.adjusted() > MAX_EXPONENT or money_problem(value) is not None


def _figure_problems(decl: Declaration) -> list[str]:
    """Amounts the store could not keep and weights beyond :data:`MAX_WEIGHT`: they would overflow."""
    problems = [f"{field_name(['funds', key])}: 金额应是精确到分、小于 9×10^16 元的数字"
                for key, value in decl.funds if value is not None and _amount_problem(value)]
    weights = [(["weights", part], w) for part, w in (decl.weights or ())]
    weights += [(["indicators", i, "weight"], ind.weight) for i, ind in enumerate(decl.indicators)]
    problems += [f"{field_name(loc)}: 分值应不超过 {MAX_WEIGHT:,}" for loc, w in weights
                 if w is not None and w > MAX_WEIGHT]
    return problems


def _declaration(value: Any, where: str | None = None) -> Declaration:
    """One declaration of the body, read as ``POST /review`` reads it; 422 naming each problem."""
    prefix = f"{where}: " if where else ""
    raw = _object(value, where or "请求体")
    if not raw.get("name") and not raw.get("indicators"):
        _refuse([f"{prefix}一个项目应有名称（name）或指标（indicators）"])
    try:
        decl = declaration_from(raw, saving=False)
    except HTTPException as err:
        raise HTTPException(err.status_code, f"{prefix}{err.detail}") from None
    problems = _figure_problems(decl)
    _refuse([f"{prefix}{p}" for p in problems])
    return decl


def _projects(body: dict[str, Any], options: tuple[str, ...]) -> list[Declaration]:
    """The declarations of a body: ``{"projects": [...], **options}``, or one project with ``options``
    among its fields."""
    if "projects" not in body:
        _limit_indicators([body])
        return [_declaration({k: v for k, v in body.items() if k not in options})]
    extra = sorted(set(body) - {"projects", *options})
    _refuse([f"{key}: 有 projects 时只能再有 {'、'.join(options)}" for key in extra[:1]])
    projects = body["projects"]
    if not isinstance(projects, list) or not 1 <= len(projects) <= MAX_PROJECTS:
        _refuse([f"projects: 应是 1 至 {MAX_PROJECTS} 个项目的列表"])
    _limit_indicators(projects)
    return [_declaration(p, f"projects[{i}]") for i, p in enumerate(projects, 1)]


def _limit_indicators(projects: list[Any]) -> None:
    """422 before any work when the projects hold more than :data:`MAX_INDICATORS` indicators."""
    count = sum(len(p["indicators"]) for p in projects
                if isinstance(p, dict) and isinstance(p.get("indicators"), list))
    if count > MAX_INDICATORS:
        _refuse([f"indicators: 一次请求至多 {MAX_INDICATORS:,} 条指标，而这里有 {count:,} 条；请分批提交"])


# -- routes ------------------------------------------------------------------------------------------------

@api_router.post("/evaluate", summary="Score the self-evaluation (绩效自评) of declarations sent with their "
                 "actuals", response_model=None, responses={200: {"model": EvaluateResponse}, **RESPONSES},
                 dependencies=ANYONE)
def evaluate(payload: Annotated[EvaluateRequest | EvaluateProject, SkipValidation, Body()]) -> dict[str, Any]:
    body = _object(payload, "请求体")
    evaluator = _evaluator(_profile(body))
    return {"projects": [evaluation_json(evaluator.evaluate(d)) for d in _projects(body, ("profile",))]}


@api_router.post("/monitor", summary="Monitor declarations sent with their figures to date (绩效运行监控)",
                 response_model=None, responses={200: {"model": MonitorResponse}, **RESPONSES},
                 dependencies=ANYONE)
def monitor(payload: Annotated[MonitorRequest | MonitorProject, SkipValidation, Body()]) -> dict[str, Any]:
    body = _object(payload, "请求体")
    monitor_ = _monitor(_profile(body))
    as_of = _as_of(body)
    monitorings = [monitor_.monitor(d, as_of) for d in _projects(body, ("profile", "as_of"))]
    return {"projects": [monitoring_json(m) for m in monitorings], **at_risk_json(monitorings)}


@api_router.post("/check", summary="Check a unit's own self-evaluation figures against the rules "
                 "(复核自评表)", response_model=None, responses={200: {"model": CheckResponse}, **RESPONSES},
                 dependencies=ANYONE)
def check(payload: Annotated[CheckRequest, SkipValidation, Body()]) -> dict[str, Any]:
    body = _object(payload, "请求体")
    extra = sorted(set(body) - {"declaration", "table", "profile"})
    _refuse([f"{key}: 不是请求的字段（应有 declaration、table，可有 profile）" for key in extra[:1]])
    evaluator = _evaluator(_profile(body))
    _refuse([f"{key}: 缺少{what}" for key, what in (("declaration", "申报表"), ("table", "单位填写的自评表"))
             if key not in body])
    _limit_indicators([body["declaration"]])
    declaration = _declaration(body["declaration"], "declaration")
    try:
        pairs = pair([declaration], [read_table(body["table"], "table")], "declaration", "table")
    except UsageError as err:
        raise HTTPException(422, str(err)) from None
    (checked,) = check_tables(pairs, evaluator)
    return checked_json(checked)
