"""下载 · Downloads: what a page shows as a table, as the official form's file or as open data, for exactly
what the caller may read. The renderers are :mod:`jixiao.export` (docs/export.md); this module finds
what to render, checks who may have it, caps how much one request renders and names the file.

Pages and API alike (one router, paths written in full; ``/api/v1/…`` answers refusals with the JSON
error body, a page with the Chinese error page):

- ``GET /declarations/{id}/export?format=xlsx|pdf|csv|json`` (API: ``/api/v1/declarations/{id}/export``):
  the latest version of one declaration: its form as XLSX in its own layout (2024 申报表 or 2020 目标表),
  the printed form as PDF, open data as CSV (a ZIP of ``declarations.csv`` and ``indicators.csv``) or JSON;
- ``GET /declarations/export?table=form|summary&format=…&year=&department=&unit=&nature=&grade=&q=&sort=``
  (API: ``/api/v1/declarations/export``): every declaration the list (项目列表) or the dashboard (汇总)
  shows with those filters, in the list's order: ``table=summary`` the 汇总表 (XLSX);
  ``table=form`` one workbook with a sheet per declaration (XLSX), one PDF, or the open data;
- ``GET /declarations/{id}/reports/{period}/export?format=xlsx|pdf`` (API under ``/api/v1`` too): the
  finished 项目支出绩效目标执行监控表 (``M1`` … ``M11``) or 项目支出绩效自评表 (``final``) as the page
  shows it.

``format`` defaults to ``xlsx`` and ``table`` to ``form``, as in ``jixiao export`` (whose
:func:`~jixiao.export.commands.render_files` renders the declarations here too).

Who gets what: a declaration the caller may not read is a 404, worded as for an id never used
(:func:`jixiao.web.app.declaration_or_404`); a report as its page (a draft report is its unit's, its
department's and finance's, never the public's); a list export holds only what the caller's list holds
(:func:`jixiao.web.auth.visibility`: the public gets published declarations only). A download by a
logged-in caller (session or API token) is recorded in the audit log (``declaration.export``); the
public's are not (they are published anyway, and an anonymous request must not be able to fill the log).

How much: one request renders at most :data:`LIMITS` declarations (PDF 50, a workbook of forms 200,
the 汇总表 and open data 2,000); more is refused with 400 (page) or 422 (API, code
``too_many_declarations``) naming the limit and the count, before anything is loaded. PDFs are
rendered one at a time per process (:data:`_PDF_LOCK`): WeasyPrint is heavy and not documented as
thread-safe. What is rendered is read first and the request's database session closed before rendering,
so that requests waiting for a PDF hold no connection of the pool.

The file's name is Chinese (``遗体…专项经费-申报表.xlsx``) in ``filename*=UTF-8''…`` (RFC 5987/6266),
with an ASCII ``filename`` for old clients (``declaration-12.xlsx``). Nothing sets caching: the app
answers a logged-in caller with ``Cache-Control: no-store`` (:class:`jixiao.web.app.SecurityHeaders`).
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from jixiao import workflow
from jixiao.access import Permission
from jixiao.actuals import Period
from jixiao.export.commands import safe_name
from jixiao.model import Declaration as DeclarationModel
from jixiao.reports import Filled, open_report
from jixiao.store.listing import GRADES, MAX_PAGE_SIZE, MAX_QUERY_LENGTH, SORTS, list_latest
from jixiao.store.models import Declaration, DeclarationVersion
from jixiao.store.repository import load_version
from jixiao.web.app import (
    ERROR_CODES,
    RowId,
    YearQuery,
    attachment,
    declaration_or_404,
    error_body,
    is_api,
    templates,
)
from jixiao.web.auth import Principal, needs, principal, visibility
from jixiao.web.database import get_session
from jixiao.web.reporting import PeriodPath, parse_period

__all__ = ["LIMITS", "MEDIA_TYPES", "Bar", "Download", "Link", "attachment", "declaration_downloads",
           "list_downloads", "report_downloads", "router"]

router = APIRouter()  # included without a prefix, before api and pages: paths are written in full
SessionDep = Annotated[Session, Depends(get_session)]
READ = [needs(Permission.READ_DECLARATION)]
API = "/api/v1"

Format = Literal["xlsx", "pdf", "csv", "json"]
Table = Literal["form", "summary"]
#: Which formats each table of the list comes in (as ``jixiao export --table``).
TABLE_FORMATS: dict[str, tuple[str, ...]] = {"form": ("xlsx", "pdf", "csv", "json"), "summary": ("xlsx",)}
#: The most declarations one request renders, by (table, format): a PDF page takes ~0.2 s to lay out, a
#: form in a workbook ~2 ms, a row of the 汇总表 or of open data well under 1 ms (plus loading each).
LIMITS: dict[tuple[str, str], int] = {("form", "pdf"): 50, ("form", "xlsx"): 200, ("summary", "xlsx"): 2000,
                                      ("form", "csv"): 2000, ("form", "json"): 2000}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The media type of each format's file (``csv``: a ZIP of the two tables).
MEDIA_TYPES = {"xlsx": XLSX, "pdf": "application/pdf", "csv": "application/zip", "json": "application/json"}
EXTENSIONS = {"xlsx": "xlsx", "pdf": "pdf", "csv": "zip", "json": "json"}
#: What each table and format holds, for the buttons' labels and hints and the refusals' words.
WHAT = {("form", "xlsx"): "申报表 XLSX", ("form", "pdf"): "申报表 PDF", ("form", "csv"): "开放数据 CSV",
        ("form", "json"): "开放数据 JSON", ("summary", "xlsx"): "汇总表 XLSX"}

_PDF_LOCK = threading.Lock()
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_CONTENT = {XLSX: _BINARY, "application/pdf": _BINARY, "application/zip": _BINARY,
            "application/json": {"schema": {"type": "object",
                                            "description": "open data: schema/open-data.schema.json"}}}


def _responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI answers of a download route: the file in one of ``media_types``, or an error body."""
    body = '`{{"error": {{"status": {}, "code": "{}", "message": …}}}}`'
    errors = {status: {"description": body.format(status, code)}
              for status, code in ERROR_CODES.items() if status in (401, 403, 404)}
    return {200: {"description": "the file, as an attachment (Content-Disposition with a UTF-8 file name)",
                  "content": {media: _CONTENT[media] for media in media_types}},
            **errors,
            422: {"description": '`{"error": {"status": 422, "code": "invalid_parameter" | '
                                 '"too_many_declarations" | "no_declarations", "message": …}}`: a parameter, '
                                 "or too many (or no) declarations to render in one file"}}


FormatQuery = Annotated[Format, Query(alias="format", description=(
    "xlsx（官方表样）、pdf（打印的表）、csv（开放数据：两个表的 ZIP）、json（开放数据）"))]
ReportFormatQuery = Annotated[Literal["xlsx", "pdf"], Query(alias="format", description="xlsx 或 pdf")]
TableQuery = Annotated[Table, Query(description="form：每个项目的申报表（xlsx、pdf）或开放数据（csv、json）；"
                                                "summary：汇总表（xlsx）")]
DepartmentQuery = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$", description="主管部门")]
UnitQuery = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$", description="实施单位")]
NatureQuery = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$",
                                          description="项目性质或项目类别")]
GradeQuery = Annotated[str | None, Query(pattern="^(" + "|".join(GRADES) + ")?$",
                                         description="审核等级：优 良 中 差")]
SearchQuery = Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH, pattern=r"^[^\x00]*$",
                                          description="检索：项目名称、绩效目标、指标名称")]
SortQuery = Annotated[str | None, Query(pattern="^(" + "|".join(SORTS) + ")?$",
                                        description="排序，同项目列表：name、year、funds，- 为降序")]


# -- the file and its answer ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Download:
    """A rendered file: its Chinese name, an ASCII name for old clients, its media type and bytes."""

    name: str
    fallback: str
    media_type: str
    content: bytes


class Refused(Exception):
    """What a request asks for cannot be rendered (too many declarations, none, a table's format)."""

    def __init__(self, message: str, code: str = "invalid_parameter"):
        super().__init__(message)
        self.message, self.code = message, code


def _answer(request: Request, make: Callable[[], tuple[Download, dict[str, Any]]]) -> Response:
    """The file ``make`` renders, recorded in the audit log for a logged-in caller; its refusal as the
    surface answers one (the API's JSON error body, a page's 400). Each route serves both surfaces: the
    page's address, and the same under /api/v1 (documented in OpenAPI)."""
    api = is_api(request)
    try:
        file, audit = make()
    except Refused as err:
        if api:
            return JSONResponse(error_body(422, err.message, err.code), status_code=422)
        raise HTTPException(400, err.message) from None
    who = principal(request)
    if not who.actor.is_public:
        _record(request, who, {**audit, "via": "api" if api else "web", "file": file.name,
                               "bytes": len(file.content)})
    return Response(file.content, media_type=file.media_type,
                    headers={"Content-Disposition": attachment(file.name, file.fallback)})


def _record(request: Request, who: Principal, details: dict[str, Any]) -> None:
    """``declaration.export`` in a transaction of its own (the route's session only read)."""
    from jixiao.audit import record

    object_id = details.pop("declaration_id", None)
    with request.app.state.session_factory() as session, session.begin():
        record(session, who.actor, "declaration.export", object_type="declaration" if object_id else None,
               object_id=object_id, details=details)


def _rendered(declarations: list[DeclarationModel], table: str, fmt: str) -> list[tuple[str, bytes]]:
    """(name, bytes) of the files ``jixiao export --table TABLE --format FMT --workbook`` writes; a PDF
    one at a time per process; what a renderer refuses (``ValueError``) is :class:`Refused`."""
    from jixiao.export.commands import render_files

    try:
        if fmt == "pdf":
            with _PDF_LOCK:
                return list(render_files(declarations, table, fmt, workbook=True))
        return list(render_files(declarations, table, fmt, workbook=True))
    except ValueError as err:
        raise Refused(str(err)) from None


def _packed(files: list[tuple[str, bytes]], fmt: str, stem: str, fallback: str) -> Download:
    """One file as it is, or several (the open data CSV: two tables) in a ZIP."""
    if len(files) == 1:
        content = files[0][1]
    else:
        buffer = io.BytesIO()
        stamp = datetime.now().timetuple()[:6]
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files:
                archive.writestr(zipfile.ZipInfo(name, stamp), data, zipfile.ZIP_DEFLATED)
        content = buffer.getvalue()
    ext = EXTENSIONS[fmt]
    return Download(f"{stem}.{ext}", f"{fallback}.{ext}", MEDIA_TYPES[fmt], content)


# -- one declaration ------------------------------------------------------------------------------------

def _declaration_file(request: Request, session: Session, declaration_id: int, fmt: str
                      ) -> tuple[Download, dict[str, Any]]:
    stored = declaration_or_404(session, declaration_id, request)
    declaration = load_version(session, stored)
    audit = {"declaration_id": stored.id, "version": stored.latest_version, "format": fmt}
    session.close()  # the database connection goes back to the pool while the file is rendered
    files = _rendered([declaration], "form", fmt)
    what = "申报表" if fmt in ("xlsx", "pdf") else "开放数据"
    fallback = f"declaration-{audit['declaration_id']}" + ("" if fmt in ("xlsx", "pdf") else "-open-data")
    return _packed(files, fmt, f"{safe_name(declaration.name)}-{what}", fallback), audit


@router.get("/declarations/{declaration_id}/export", include_in_schema=False, dependencies=READ)
@router.get(f"{API}/declarations/{{declaration_id}}/export", tags=["export"], response_class=Response,
            responses=_responses(*MEDIA_TYPES.values()), dependencies=READ,
            summary="The latest version of a declaration as a file: its form (XLSX, PDF) or open data "
                    "(CSV in a ZIP, JSON)")
def declaration_export(request: Request, session: SessionDep, declaration_id: RowId,
                       fmt: FormatQuery = "xlsx") -> Response:
    return _answer(request, lambda: _declaration_file(request, session, declaration_id, fmt))


# -- the list: 项目列表 and 汇总 -------------------------------------------------------------------------

@dataclass(frozen=True)
class ListFilters:
    """The list's filters (项目列表's, of which 汇总 has year and department) and its order."""

    year: int | None = None
    department: str | None = None
    unit: str | None = None
    nature: str | None = None
    grade: str | None = None
    q: str | None = None
    sort: str | None = None

    @classmethod
    def of(cls, **given: Any) -> ListFilters:
        """The filters as a page or query gives them: blanks (全部) are no filter."""
        cleaned = {key: (value.strip() if isinstance(value, str) else value) for key, value in given.items()}
        return cls(**{key: value if value not in ("", None) else None for key, value in cleaned.items()})

    def query(self) -> dict[str, Any]:
        pairs = (("q", self.q), ("year", self.year), ("department", self.department), ("unit", self.unit),
                 ("nature", self.nature), ("grade", self.grade), ("sort", self.sort))
        return {key: value for key, value in pairs if value is not None}

    def stem(self) -> str:
        """What the file name says of the filters: ``2024年度-上海市红十字会-``; empty without any."""
        parts = [f"{self.year}年度" if self.year else None, self.department, self.unit, self.nature,
                 f"{self.grade}等" if self.grade else None, f"检索「{self.q}」" if self.q else None]
        named = "-".join(safe_name(p, "") for p in parts if p)
        return f"{named[:120]}-" if named else ""


def _matching_ids(session: Session, who: Principal, filters: ListFilters, limit: int, what: str) -> list[int]:
    """The ids the caller's list shows with ``filters``, in its order (pinyin for names and all);
    :class:`Refused` when there are more than ``limit``, before any is loaded."""
    scope = visibility(who)

    def page(number: int) -> Any:
        return list_latest(session, year=filters.year, department=filters.department, unit=filters.unit,
                           nature=filters.nature, grade=filters.grade, q=filters.q, sort=filters.sort,
                           page=number, size=MAX_PAGE_SIZE, scope=scope)

    first = page(1)
    if first.count > limit:
        raise Refused(f"一次最多下载 {limit} 个项目的{what}，符合条件的有 {first.count} 个："
                      "请按年度、主管部门、实施单位等筛选后再下载", "too_many_declarations")
    ids = [row.id for row in first.rows]
    for number in range(2, first.pages + 1):
        ids += [row.id for row in page(number).rows]
    return list(dict.fromkeys(ids))[:limit]


def load_latest(session: Session, ids: Iterable[int]) -> list[DeclarationModel]:
    """The latest versions of the declarations ``ids``, in that order, read 500 at a time (what
    :func:`jixiao.store.repository.load_version` reads one at a time)."""
    wanted = list(ids)
    found: dict[int, DeclarationModel] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = session.execute(
            select(Declaration.id, DeclarationVersion.content, DeclarationVersion.source)
            .join(DeclarationVersion, DeclarationVersion.id == Declaration.latest_version_id)
            .where(Declaration.id.in_(chunk)))
        for ident, content, source in rows:
            loaded = DeclarationModel.model_validate(json.loads(content))
            loaded.source = source
            found[ident] = loaded
    return [found[ident] for ident in wanted if ident in found]


def _list_file(request: Request, session: Session, filters: ListFilters, table: str, fmt: str
               ) -> tuple[Download, dict[str, Any]]:
    if fmt not in TABLE_FORMATS[table]:
        raise Refused(f"汇总表（table={table}）只有 {'、'.join(TABLE_FORMATS[table])} 格式；"
                      "申报表和开放数据用 table=form")
    what = WHAT[(table, fmt)]
    ids = _matching_ids(session, principal(request), filters, LIMITS[(table, fmt)], what)
    if not ids and table == "form" and fmt in ("xlsx", "pdf"):
        raise Refused("没有符合条件的项目，没有可下载的申报表", "no_declarations")
    declarations = load_latest(session, ids)
    session.close()  # the database connection goes back to the pool while the file is rendered
    files = _rendered(declarations, table, fmt)
    kind = {"summary": "汇总表", "form": "申报表"}[table] if fmt in ("xlsx", "pdf") else "开放数据"
    fallback = {"summary": "declarations-summary", "form": "declarations"}[table] \
        if fmt in ("xlsx", "pdf") else "open-data"
    file = _packed(files, fmt, f"{filters.stem() or '全部项目-'}{kind}", fallback)
    return file, {"table": table, "format": fmt, "count": len(ids), "filters": filters.query()}


@router.get("/declarations/export", include_in_schema=False, dependencies=READ)
@router.get(f"{API}/declarations/export", tags=["export"], response_class=Response,
            responses=_responses(*MEDIA_TYPES.values()), dependencies=READ,
            summary="The declarations the caller's list shows with these filters as one file: the "
                    "汇总表 (table=summary, XLSX), their forms (XLSX workbook, PDF) or open data (CSV, JSON)")
def list_export(request: Request, session: SessionDep, year: YearQuery = None,
                department: DepartmentQuery = None, unit: UnitQuery = None, nature: NatureQuery = None,
                grade: GradeQuery = None, q: SearchQuery = None, sort: SortQuery = None,
                table: TableQuery = "form", fmt: FormatQuery = "xlsx") -> Response:
    filters = ListFilters.of(year=year, department=department, unit=unit, nature=nature, grade=grade, q=q,
                             sort=sort)
    return _answer(request, lambda: _list_file(request, session, filters, table, fmt))


# -- a report: 监控表, 自评表 ----------------------------------------------------------------------------

def _report_file(request: Request, session: Session, declaration_id: int, period: Period, fmt: str
                 ) -> tuple[Download, dict[str, Any]]:
    from jixiao import export

    try:
        filled: Filled = open_report(session, declaration_id, period, principal(request).actor)
    except workflow.NotFound as err:
        raise HTTPException(404, str(err)) from None
    decl, evaluation, monitoring = filled.declaration, filled.evaluation, filled.monitoring
    ident = filled.place.id
    audit = {"declaration_id": ident, "period": period.code, "format": fmt, "revision": filled.revision}
    session.close()  # the database connection goes back to the pool while the file is rendered
    try:
        if evaluation is not None:  # the year end
            data = (export.self_evaluation_xlsx(evaluation) if fmt == "xlsx"
                    else _pdf(lambda: export.self_evaluation_pdf(decl, evaluation)))
        else:
            data = (export.monitoring_xlsx(monitoring) if fmt == "xlsx"
                    else _pdf(lambda: export.monitoring_pdf(decl, monitoring)))
    except ValueError as err:
        raise Refused(str(err)) from None
    name = f"{safe_name(decl.name)}-{period.label}表.{fmt}"
    return Download(name, f"declaration-{ident}-{period.code}.{fmt}", MEDIA_TYPES[fmt], data), audit


def _pdf(render: Callable[[], bytes]) -> bytes:
    """A PDF, one at a time per process (WeasyPrint is heavy and not documented as thread-safe)."""
    with _PDF_LOCK:
        return render()


@router.get("/declarations/{declaration_id}/reports/{period}/export", include_in_schema=False,
            dependencies=READ)
@router.get(f"{API}/declarations/{{declaration_id}}/reports/{{period}}/export", tags=["export"],
            response_class=Response, responses=_responses(XLSX, MEDIA_TYPES["pdf"]), dependencies=READ,
            summary="A report's finished table as a file: 监控表 (M1 … M11) or 自评表 (final), XLSX or PDF")
def report_export(request: Request, session: SessionDep, declaration_id: RowId, period: PeriodPath,
                  fmt: ReportFormatQuery = "xlsx") -> Response:
    when = parse_period(period, api=is_api(request))
    return _answer(request, lambda: _report_file(request, session, declaration_id, when, fmt))


# -- the buttons: template globals ---------------------------------------------------------------------

@dataclass(frozen=True)
class Link:
    """One download button: ``refused`` says why it is shown disabled (too many declarations, none)."""

    key: str  # the button's id: download-{key}
    label: str
    href: str
    title: str  # what the file holds
    kind: str  # the format: a CSS class
    refused: str | None = None

    @property
    def id(self) -> str:
        return f"download-{self.key}"


@dataclass(frozen=True)
class Bar:
    """A page's row of download buttons (``_downloads.html``), and why some are disabled."""

    links: list[Link]
    note: str | None = None


_HINTS = {"xlsx": "Excel / WPS，官方表样", "pdf": "A4，可打印", "csv": "开放数据：declarations.csv 和 "
          "indicators.csv（ZIP，UTF-8）", "json": "开放数据：申报和指标两个表"}


def declaration_downloads(declaration_id: int) -> Bar:
    """The buttons of 项目详情 (the template global ``declaration_downloads``)."""
    base = f"/declarations/{declaration_id}/export?format="
    return Bar([Link(f"form-{fmt}" if fmt in ("xlsx", "pdf") else fmt, WHAT[("form", fmt)], base + fmt,
                     _HINTS[fmt], fmt) for fmt in ("xlsx", "pdf", "csv", "json")])


def list_downloads(count: int, *, pdf: bool = True, **given: Any) -> Bar:
    """The buttons of 项目列表 and 汇总 for ``count`` declarations matching the filters ``given`` (the
    template global ``list_downloads``); a button over its limit, or with nothing to render, disabled."""
    filters = ListFilters.of(**given).query()
    choices = [("summary", "xlsx", "每个项目一行，带资金和指标个数，最后一行合计"),
               ("form", "xlsx", "一个工作簿，每个项目一个工作表，按各自的表样"),
               ("form", "pdf", "每个项目从新的一页开始"),
               ("form", "csv", _HINTS["csv"]), ("form", "json", _HINTS["json"])]
    links, over = [], []
    for table, fmt, hint in choices:
        if fmt == "pdf" and not pdf:
            continue
        what, limit = WHAT[(table, fmt)], LIMITS[(table, fmt)]
        refused = None
        if count > limit:
            refused = f"{what}：一次最多 {limit} 个项目，现有 {count} 个，请先筛选"
            over.append(f"{what} {limit} 个")
        elif count == 0 and table == "form" and fmt in ("xlsx", "pdf"):
            refused = "没有符合条件的项目"
        href = "/declarations/export?" + urlencode({**filters, "table": table, "format": fmt})
        key = f"{table}-{fmt}" if fmt in ("xlsx", "pdf") else fmt
        links.append(Link(key, what, href, hint, fmt, refused))
    note = (f"符合条件的有 {count} 个项目，超过一次可下载的数量（{'、'.join(over)}）："
            "请先按年度、主管部门、实施单位等筛选" if over else None)
    return Bar(links, note)


def report_downloads(declaration_id: int, period: Period) -> Bar:
    """The buttons of a report's table (the template global ``report_downloads``)."""
    table = "自评表" if period.is_final else "监控表"
    base = f"/declarations/{declaration_id}/reports/{period.code}/export?format="
    return Bar([Link(f"report-{fmt}", f"{table} {fmt.upper()}", base + fmt, _HINTS[fmt], fmt)
                for fmt in ("xlsx", "pdf")])


templates.env.globals.update(declaration_downloads=declaration_downloads, list_downloads=list_downloads,
                             report_downloads=report_downloads)
