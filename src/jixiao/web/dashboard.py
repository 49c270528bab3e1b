"""汇总: the dashboard page ``/dashboard`` and its data ``/api/v1/dashboard``.

:func:`summarise` works out, over the latest version of every declaration that matches the
filters (year, 主管部门): the number of projects and the exact funds total (per department and year
too), the projects with the most funds, the indicator structure by level 1 and level 2 (canonical
names), the share of quantitative targets, and the review findings by rule and the grades. Every
figure is a SQL aggregate over what was stored when each version was saved (its review included),
so no form is read or reviewed here. It also builds the ECharts options, so the browser only draws
what the server sends.

The result is kept per filter, database and visibility scope until the store changes
(:mod:`jixiao.store.cache`), so that a dashboard over 100,000 declarations costs its aggregate queries
once per change, not once per request. Every figure counts only what the caller may read
(:func:`jixiao.web.auth.visibility`: the public sees published declarations only).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jixiao.access import Permission
from jixiao.review import RULES
from jixiao.store.cache import cached
from jixiao.store.listing import EVERYTHING, Filters, Scope, choices, latest_query
from jixiao.store.models import Declaration, Finding, Indicator
from jixiao.store.types import Money
from jixiao.text import money_json
from jixiao.vocabulary import canonical_level1, canonical_level2
from jixiao.web.app import YearQuery, money, templates
from jixiao.web.auth import needs, principal, visibility
from jixiao.web.database import get_session

ECHARTS_VERSION = "6.1.0"  # the file static/vendor/echarts-<version>.min.js, copied by `make vendor`
ECHARTS_SCRIPT = f"/static/vendor/echarts-{ECHARTS_VERSION}.min.js"
UNKNOWN = "未归类"
TOP_FUNDS = 30  # projects in the funds chart: those with the most funds
PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4"]
GRADE_COLOURS = {"优": "#3ba272", "良": "#5470c6", "中": "#fac858", "差": "#ee6666"}

router = APIRouter(tags=["dashboard"])  # included without a prefix: both paths are written in full
SessionDep = Annotated[Session, Depends(get_session)]
DepartmentQuery = Annotated[str | None, Query(max_length=200, description="主管部门")]


def _yuan(value: str | None) -> str:
    """``"14386098.00"`` → ``14,386,098.00``."""
    return money(Decimal(value) if value is not None else None)


def _latest_versions(matching: Select[Any]) -> Any:
    return matching.with_only_columns(Declaration.latest_version_id).subquery()


def _structure(session: Session, matching: Select[Any]) -> tuple[Counter[str], Counter[tuple[str, str]], int]:
    """Indicators by canonical level 1 and (level 1, level 2), and how many have a numeric target."""
    latest = _latest_versions(matching)
    rows = session.execute(
        select(Indicator.level1, Indicator.level2, func.count(), func.count(Indicator.value))
        .join(latest, Indicator.version_id == latest.c.latest_version_id)
        .group_by(Indicator.level1, Indicator.level2))
    level1: Counter[str] = Counter()
    level2: Counter[tuple[str, str]] = Counter()
    quantitative = 0
    for raw1, raw2, count, numeric in rows:
        l1 = canonical_level1(raw1) or UNKNOWN
        level1[l1] += count
        level2[(l1, canonical_level2(raw2) or UNKNOWN)] += count
        quantitative += numeric
    return level1, level2, quantitative


def _findings(session: Session, matching: Select[Any]) -> list[tuple[str, int]]:
    latest = _latest_versions(matching)
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(Finding.code, func.count()).join(latest, Finding.version_id == latest.c.latest_version_id)
        .group_by(Finding.code).order_by(Finding.code))]


def summarise(session: Session, year: int | None = None, department: str | None = None,
              scope: Scope = EVERYTHING) -> dict[str, Any]:
    """The dashboard data (JSON-ready; money as exact strings) for the declarations matching the filters
    that ``scope`` lets the caller see."""
    return cached(session, ("dashboard", scope.key, year, department),
                  lambda: _summarise(session, year, department, scope))


def _summarise(session: Session, year: int | None, department: str | None, scope: Scope) -> dict[str, Any]:
    matching = latest_query(Filters(year=year, department=department), session.get_bind().dialect.name,
                            scope=scope)
    base = matching.subquery()
    groups = session.execute(
        select(base.c.department, base.c.year, func.count(), func.coalesce(func.sum(base.c.funds_total,
                                                                                    type_=Money()), 0))
        .group_by(base.c.department, base.c.year)
        .order_by(base.c.department.asc().nulls_first(), base.c.year.desc().nulls_last())).all()
    top = session.execute(
        select(base.c.id, base.c.name, base.c.year, base.c.department, base.c.funds_total)
        .order_by(base.c.funds_total.desc().nulls_last(), base.c.id).limit(TOP_FUNDS)).all()
    grades = Counter(dict(session.execute(
        select(base.c.grade, func.count()).where(base.c.grade.is_not(None)).group_by(base.c.grade)).all()))
    level1, level2, quantitative = _structure(session, matching)
    codes = _findings(session, matching)

    projects = sum(g[2] for g in groups)
    total = sum((Decimal(g[3]) for g in groups), Decimal(0))
    indicators = sum(level1.values())
    order1 = {l1: i for i, (l1, _) in enumerate(sorted(level1.items(), key=lambda kv: (-kv[1], kv[0])))}

    def level2_order(item: tuple[tuple[str, str], int]) -> tuple[int, int, str]:
        (l1, l2), count = item
        return order1[l1], -count, l2
    data: dict[str, Any] = {
        "filters": {"year": year, "department": department},
        "projects": projects,
        "funds_total": money_json(total),
        "groups": [{"department": dep, "year": y, "projects": n, "funds_total": money_json(Decimal(amount))}
                   for dep, y, n, amount in groups],
        # the projects with the most funds, at most TOP_FUNDS of them
        "funds": [{"id": i, "name": name, "year": y, "department": dep, "funds_total": money_json(amount)}
                  for i, name, y, dep, amount in top],
        "funds_shown": len(top),
        "indicators": {
            "count": indicators, "quantitative": quantitative,
            "quantitative_share": round(quantitative / indicators, 4) if indicators else None,
            "by_level1": {l1: level1[l1] for l1 in order1},  # largest first
            # grouped under level 1, in its order (the outer ring of the chart lines up with the inner one)
            "by_level2": [{"level1": l1, "level2": l2, "count": n}
                          for (l1, l2), n in sorted(level2.items(), key=level2_order)],
        },
        "findings": {"count": sum(n for _, n in codes),
                     "by_rule": [{"code": code, "title": RULES[code].title if code in RULES else "",
                                  "count": n} for code, n in codes]},
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


@router.get("/api/v1/dashboard", summary="Totals, funds, indicator structure, findings and grades (汇总) "
            "of the declarations the caller may read", dependencies=[needs(Permission.READ_DECLARATION)])
def dashboard_data(request: Request, session: SessionDep, year: YearQuery = None,
                   department: DepartmentQuery = None) -> dict[str, Any]:
    return summarise(session, year=year, department=department or None, scope=visibility(principal(request)))


@router.get("/dashboard", include_in_schema=False, response_class=HTMLResponse,
            dependencies=[needs(Permission.READ_DECLARATION)])
def dashboard_page(request: Request, session: SessionDep, year: YearQuery = None,
                   department: DepartmentQuery = None) -> Response:
    scope = visibility(principal(request))
    data = summarise(session, year=year, department=department or None, scope=scope)
    return templates.TemplateResponse(request, "dashboard.html", {
        "title": "汇总", "data": data, "choices": choices(session, scope), "year": year,
        "department": department or "", "echarts_script": ECHARTS_SCRIPT, "yuan": _yuan})
