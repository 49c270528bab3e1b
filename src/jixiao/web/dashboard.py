"""汇总: the dashboard page ``/dashboard`` and its data ``/api/v1/dashboard``.

:func:`summarise` reads the latest version of every declaration that matches the filters (year,
主管部门) and works out, in Python: the number of projects and the exact funds total (per
department and year too), the funds of each project, the indicator structure by level 1 and level 2
(canonical names), the share of quantitative targets, and the review findings by rule and the grades.
It also builds the ECharts options, so the browser only draws what the server sends.

Cost: the review runs on every matching declaration at each request (milliseconds each; fine for
hundreds of declarations, not for the 100,000 of the benchmark, which would need stored review results).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jixiao.model import Declaration as DeclarationModel
from jixiao.review import RULES, Reviewer
from jixiao.store.listing import Filters, choices, latest_query
from jixiao.store.models import Declaration
from jixiao.text import money_json
from jixiao.vocabulary import canonical_level1, canonical_level2
from jixiao.web.app import get_session, money, templates

ECHARTS_VERSION = "6.1.0"  # the file static/vendor/echarts-<version>.min.js, copied by `make vendor`
ECHARTS_SCRIPT = f"/static/vendor/echarts-{ECHARTS_VERSION}.min.js"
UNKNOWN = "未归类"
PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4"]
GRADE_COLOURS = {"优": "#3ba272", "良": "#5470c6", "中": "#fac858", "差": "#ee6666"}

router = APIRouter(tags=["dashboard"])  # included without a prefix: both paths are written in full
SessionDep = Annotated[Session, Depends(get_session)]
YearQuery = Annotated[int | None, Query(ge=1900, le=2999, description="年度")]
DepartmentQuery = Annotated[str | None, Query(max_length=200, description="主管部门")]


def _yuan(value: str | None) -> str:
    """``"14386098.00"`` → ``14,386,098.00``."""
    return money(Decimal(value) if value is not None else None)


@dataclass
class _Latest:
    id: int
    year: int | None
    department: str | None
    decl: DeclarationModel


def _latest(session: Session, year: int | None, department: str | None) -> list[_Latest]:
    query = latest_query(Filters(year=year, department=department), session.get_bind().dialect.name)
    return [_Latest(id_, v.year, v.department, DeclarationModel.model_validate(json.loads(v.content)))
            for id_, v in session.execute(query.order_by(Declaration.id))]


def _sum(items: list[_Latest]) -> Decimal:
    return sum((i.decl.funds.total or Decimal(0) for i in items), Decimal(0))


def _group_order(group: tuple[tuple[str | None, int | None], list[_Latest]]) -> tuple[str, int]:
    (department, year), _ = group
    return department or "", -(year or 0)


def summarise(session: Session, year: int | None = None, department: str | None = None,
              reviewer: Reviewer | None = None) -> dict[str, Any]:
    """The dashboard data (JSON-ready; money as exact strings) for the declarations matching the filters."""
    reviewer = reviewer or Reviewer()
    latest = _latest(session, year, department)
    groups: dict[tuple[str | None, int | None], list[_Latest]] = {}
    for item in latest:
        groups.setdefault((item.department, item.year), []).append(item)

    level1: Counter[str] = Counter()
    level2: Counter[tuple[str, str]] = Counter()
    quantitative = indicators = 0
    codes: Counter[str] = Counter()
    grades: Counter[str] = Counter()
    for item in latest:
        for ind in item.decl.indicators:
            l1 = canonical_level1(ind.level1) or UNKNOWN
            level1[l1] += 1
            level2[(l1, canonical_level2(ind.level2) or UNKNOWN)] += 1
            indicators += 1
            quantitative += ind.target.value is not None
        report = reviewer.review(item.decl)
        codes.update(f.code for f in report.findings)
        grades[report.grade] += 1

    total = _sum(latest)
    order1 = {l1: i for i, (l1, _) in enumerate(sorted(level1.items(), key=lambda kv: (-kv[1], kv[0])))}

    def level2_order(item: tuple[tuple[str, str], int]) -> tuple[int, int, str]:
        (l1, l2), count = item
        return order1[l1], -count, l2
    data: dict[str, Any] = {
        "filters": {"year": year, "department": department},
        "projects": len(latest),
        "funds_total": money_json(total),
        "groups": [{"department": dep, "year": y, "projects": len(items),
                    "funds_total": money_json(_sum(items))}
                   for (dep, y), items in sorted(groups.items(), key=_group_order)],
        "funds": [{"id": i.id, "name": i.decl.name, "year": i.year, "department": i.department,
                   "funds_total": money_json(i.decl.funds.total)}
                  for i in sorted(latest, key=lambda i: -(i.decl.funds.total or 0))],
        "indicators": {
            "count": indicators, "quantitative": quantitative,
            "quantitative_share": round(quantitative / indicators, 4) if indicators else None,
            "by_level1": {l1: level1[l1] for l1 in order1},  # largest first
            # grouped under level 1, in its order (the outer ring of the chart lines up with the inner one)
            "by_level2": [{"level1": l1, "level2": l2, "count": n}
                          for (l1, l2), n in sorted(level2.items(), key=level2_order)],
        },
        "findings": {"count": sum(codes.values()),
                     "by_rule": [{"code": code, "title": RULES[code].title if code in RULES else "",
                                  "count": n} for code, n in sorted(codes.items())]},
        "grades": dict(sorted(grades.items(), key=lambda kv: -kv[1])),
    }
    data["charts"] = charts(data)
    return data


def charts(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ECharts options of the four charts, from the dashboard data."""
    funds = list(reversed(data["funds"]))  # largest at the top of a horizontal bar chart
    tooltip = {"trigger": "item"}
    structure = data["indicators"]
    colour = {l1: PALETTE[i % len(PALETTE)] for i, l1 in enumerate(structure["by_level1"])}
    return {
        "funds": {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "grid": {"left": 8, "right": 40, "top": 10, "bottom": 20, "containLabel": True},
            "xAxis": {"type": "value", "name": "元"},
            "yAxis": {"type": "category", "data": [f["name"] or "（无名称）" for f in funds],
                      "axisLabel": {"width": 260, "overflow": "truncate"}},
            "series": [{"type": "bar", "name": "资金总额（元）",
                        "data": [float(f["funds_total"] or 0) for f in funds]}],
        },
        "structure": {
            "tooltip": {**tooltip, "formatter": "{b}：{c} 个（{d}%）"},
            "series": [
                {"type": "pie", "name": "一级指标", "radius": [0, "35%"], "label": {"position": "inner"},
                 "data": [{"name": k, "value": v, "itemStyle": {"color": colour[k]}}
                          for k, v in structure["by_level1"].items()]},
                {"type": "pie", "name": "二级指标", "radius": ["50%", "70%"],
                 "data": [{"name": r["level2"], "value": r["count"],  # the colour of its level 1, lighter
                           "itemStyle": {"color": colour[r["level1"]], "opacity": 0.75 - 0.1 * (i % 3)}}
                          for i, r in enumerate(structure["by_level2"])]},
            ],
        },
        "findings": {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "grid": {"left": 8, "right": 16, "top": 10, "bottom": 20, "containLabel": True},
            "xAxis": {"type": "category", "data": [r["code"] for r in data["findings"]["by_rule"]],
                      "axisLabel": {"rotate": 45, "interval": 0}},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"type": "bar", "name": "问题数",
                        "data": [r["count"] for r in data["findings"]["by_rule"]]}],
        },
        "grades": {
            "tooltip": {**tooltip, "formatter": "{b}：{c} 个（{d}%）"},
            "legend": {"bottom": 0},
            "series": [{"type": "pie", "name": "审核等级", "radius": ["35%", "65%"],
                        "data": [{"name": k, "value": v, **({"itemStyle": {"color": GRADE_COLOURS[k]}}
                                                               if k in GRADE_COLOURS else {})}
                                 for k, v in data["grades"].items()]}],
        },
    }


@router.get("/api/v1/dashboard", summary="Totals, funds, indicator structure, findings and grades (汇总)")
def dashboard_data(session: SessionDep, year: YearQuery = None,
                   department: DepartmentQuery = None) -> dict[str, Any]:
    return summarise(session, year=year, department=department or None)


@router.get("/dashboard", include_in_schema=False, response_class=HTMLResponse)
def dashboard_page(request: Request, session: SessionDep, year: YearQuery = None,
                   department: DepartmentQuery = None) -> Response:
    data = summarise(session, year=year, department=department or None)
    return templates.TemplateResponse(request, "dashboard.html", {
        "title": "汇总", "data": data, "choices": choices(session), "year": year,
        "department": department or "", "echarts_script": ECHARTS_SCRIPT, "yuan": _yuan})
