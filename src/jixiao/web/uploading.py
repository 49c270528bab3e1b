"""Importing uploaded files: the API route ``POST /api/v1/import`` and the 上传 page ``/upload``.

Both read a ``multipart/form-data`` body with one or more ``files`` parts and import each file in its own
transaction through :func:`jixiao.store.importing.import_uploads` (a file that fails leaves nothing).

The request is refused as a whole, before anything is stored, when it is not multipart (415), holds no
file (422), more than :data:`MAX_FILES` files, a file over ``$JIXIAO_MAX_UPLOAD_BYTES`` or a body over
``$JIXIAO_MAX_REQUEST_BYTES`` (413). Sizes are checked while the body streams in, chunk by chunk; a file
part is spooled to a temporary file and refused as soon as it grows over the limit. Everything wrong
with one file's content (a content type like ``image/png``, binary data, not a form) is that file's
failure, reported in the 200 answer beside the files that were imported.

Who: the 填报人 and 单位审核人 import their own unit's forms only, and the 财政审核人 anyone's
(:func:`jixiao.access.can_import`); a file holding a declaration of another unit fails whole, naming it.
New declarations are drafts; a file bringing a new version of a submitted, approved or published
declaration fails whole (:class:`jixiao.store.importing.StatusHook`). Each file is recorded in the audit
log as ``declaration.import`` (``ok`` in its transaction, ``failed`` afterwards). A browser session's
CSRF token comes in the ``X-CSRF-Token`` header (upload.js) or the form's ``csrf_token`` field (the form
posted without JavaScript), checked before anything is imported.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from jixiao.access import Permission
from jixiao.audit import record
from jixiao.errors import JixiaoError
from jixiao.roles import Actor, Role
from jixiao.store.importing import FileImport, StatusHook, import_uploads
from jixiao.store.models import Declaration, DeclarationVersion, Organisation
from jixiao.web.app import ERROR_CODES, templates
from jixiao.web.auth import CSRF_FIELD, CSRF_HEADER, check_csrf, needs, principal

MIB = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 20 * MIB
DEFAULT_MAX_REQUEST_BYTES = 200 * MIB
MAX_FILES = 100
MAX_FIELDS = 20  # form fields besides the files; they are ignored
MAX_NAME = 200  # characters of a file name kept (it is stored as the version's source)
FIELD = "files"
ACCEPTED_TYPES = frozenset({"", "text/plain", "application/json", "application/octet-stream",
                            # Excel workbooks in the official layout (jixiao.readers.xlsxform)
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            "application/vnd.ms-excel", "application/vnd.ms-excel.sheet.macroEnabled.12",
                            # Word, PDF and web pages (jixiao.readers.docxform, .pdfform, .htmlform)
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                            "application/msword", "application/pdf", "text/html",
                            "application/xhtml+xml", "message/rfc822", "multipart/related"})
STATUS_ZH = {"new": "新增", "updated": "更新", "unchanged": "未变", "failed": "失败"}

Status = Literal["new", "updated", "unchanged", "failed"]

api_router = APIRouter(tags=["import"])
page_router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


class UploadRefused(Exception):
    """The request as a whole cannot be imported: nothing of it was stored."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Limits:
    """How much one request may hold; read from the environment on each request."""

    file_bytes: int = DEFAULT_MAX_FILE_BYTES
    request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    files: int = MAX_FILES

    @classmethod
    def from_env(cls) -> Limits:
        file_bytes = _env_bytes("JIXIAO_MAX_UPLOAD_BYTES", DEFAULT_MAX_FILE_BYTES)
        request_bytes = _env_bytes("JIXIAO_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES)
        # A request must be able to carry one file of the largest size, with room for the form around it.
        return cls(file_bytes, max(request_bytes, file_bytes + MIB))


def _env_bytes(name: str, default: int) -> int:
    """A positive whole number of bytes from ``$name``; ``default`` when unset or not such a number."""
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def size_text(size: int) -> str:
    """``20971520`` → ``20 MB``, ``1500`` → ``1.5 KB``, ``12`` → ``12 字节``."""
    for unit, scale in (("MB", MIB), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} 字节"


# --- Reading the request -------------------------------------------------------------------------


class _FileTooLarge(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class _LimitedParser(MultiPartParser):
    """Starlette's multipart parser, stopping at the first part that grows over ``max_file_bytes``."""

    def __init__(self, request: Request, stream: AsyncGenerator[bytes, None], limits: Limits):
        super().__init__(request.headers, stream, max_files=limits.files, max_fields=MAX_FIELDS)
        self.max_file_bytes = limits.file_bytes
        self._part_bytes = 0

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._part_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._part_bytes += end - start
        if self._part_bytes > self.max_file_bytes:
            raise _FileTooLarge(self._part_name())
        super().on_part_data(data, start, end)

    def _part_name(self) -> str:
        # The part being read is Starlette's private ``_current_part``; only its name is wanted here.
        part = getattr(self, "_current_part", None)
        upload = getattr(part, "file", None)
        if upload is not None:
            return safe_file_name(upload.filename)
        return getattr(part, "field_name", "") or "（未知文件）"


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    """The chunks of ``stream``; :class:`UploadRefused` (413) once more than ``limit`` bytes came."""
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit:
            raise _request_too_large(limit)
        yield chunk


def _request_too_large(limit: int) -> UploadRefused:
    return UploadRefused(413, f"上传内容超过总大小上限 {size_text(limit)}；本次上传的文件都未导入")


async def _drain(stream: AsyncIterator[bytes]) -> None:
    """Read the rest of a refused body (up to the request limit), so that a browser gets the answer."""
    try:
        async for _ in stream:
            pass
    except UploadRefused:
        pass


def _check_headers(request: Request, limits: Limits) -> None:
    content_type = request.headers.get("content-type", "")
    if _media_type(content_type) != "multipart/form-data":
        raise UploadRefused(415, f"请以 multipart/form-data 表单上传文件（字段名 {FIELD}）；"
                                 f"收到的内容类型是 {content_type or '（无）'}")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limits.request_bytes:
        raise _request_too_large(limits.request_bytes)


async def _parse(request: Request, limits: Limits) -> FormData:
    stream = _capped(request.stream(), limits.request_bytes)
    try:
        return await _LimitedParser(request, stream, limits).parse()
    except _FileTooLarge as err:
        await _drain(stream)
        raise UploadRefused(413, f"{err.name}: 文件超过大小上限 {size_text(limits.file_bytes)}；"
                                 "本次上传的文件都未导入") from None
    except MultiPartException as err:
        if err.message.startswith("Too many files"):
            raise UploadRefused(413, f"一次最多上传 {limits.files} 个文件；本次上传的文件都未导入") from None
        raise UploadRefused(400, f"无法解析上传的表单：{err.message}") from None


def _chosen_files(form: FormData) -> list[UploadFile]:
    """The ``files`` parts, without the empty part a browser sends when no file was chosen."""
    parts = form.getlist(FIELD)
    if any(isinstance(part, str) and part for part in parts):
        raise UploadRefused(422, f"表单字段 {FIELD} 应为文件，收到的是文本")
    files = [part for part in parts if isinstance(part, UploadFile) and (part.filename or part.size)]
    if not files:
        raise UploadRefused(422, f"没有收到文件：请在表单字段 {FIELD} 中上传至少一个 .txt、.json 或 "
                                 ".xlsx 文件")
    return files


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def safe_file_name(raw: str | None) -> str:
    """The last part of an uploaded file's name, printable and at most :data:`MAX_NAME` characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > MAX_NAME:
        suffix = Path(name).suffix[:16]
        name = name[: MAX_NAME - len(suffix)] + suffix
    return name or "（未命名文件）"


# --- Importing -----------------------------------------------------------------------------------


@dataclass
class FileResult:
    """What became of one uploaded file: its status, counts of declarations and where they are."""

    file: str
    status: Status
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    message: str | None = None
    declarations: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the reader guessed: the file was imported

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]

    @property
    def detail(self) -> str:
        """``新增 1，未变 15`` for a file imported; its error message for a file that failed."""
        if self.message:
            return self.message
        counts = [f"{STATUS_ZH[key]} {getattr(self, key)}" for key in ("new", "updated", "unchanged")
                  if getattr(self, key)]
        return "，".join(counts) or "文件中没有项目"

    def json(self) -> dict[str, Any]:
        return {"file": self.file, "status": self.status, "new": self.new, "updated": self.updated,
                "unchanged": self.unchanged, "message": self.message, "declarations": self.declarations,
                "warnings": self.warnings}


@dataclass
class UploadResult:
    """The summary of one upload: declarations new, updated and unchanged, files failed, each file."""

    files: list[FileResult]

    def count(self, key: str) -> int:
        return sum(getattr(f, key) for f in self.files)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def json(self) -> dict[str, Any]:
        return {"new": self.count("new"), "updated": self.count("updated"),
                "unchanged": self.count("unchanged"),
                "failed": [{"file": f.file, "message": f.message} for f in self.failed],
                "files": [f.json() for f in self.files]}


def _status(new: int, updated: int) -> Status:
    """``updated`` when any declaration got a new version, else ``new`` when any was new, else unchanged."""
    return "updated" if updated else "new" if new else "unchanged"


class OtherUnit(JixiaoError):
    """A file holds a declaration of a unit that is not the importing user's."""


class UnitHook:
    """What an upload does in each file's transaction, after its declarations are saved (an
    :data:`~jixiao.store.importing.OnSaved`): a unit user's file must hold its own unit's declarations
    only (:class:`OtherUnit` otherwise, and nothing of the file stays), then
    :class:`~jixiao.store.importing.StatusHook` (drafts, the edit lock, the audit entry)."""

    def __init__(self, actor: Actor):
        self.actor = actor
        self.status = StatusHook("draft", actor)

    def __call__(self, session: Session, result: FileImport) -> None:
        if not self.actor.has(Role.FINANCE_REVIEWER):
            self._own_unit_only(session, result)
        self.status(session, result)

    def _own_unit_only(self, session: Session, result: FileImport) -> None:
        unit = session.get(Organisation, self.actor.unit_id) if self.actor.unit_id is not None else None
        if unit is None:
            raise OtherUnit("您的账号不属于任何实施单位，不能导入申报表")
        department = unit.parent.name if unit.parent is not None else None
        own = f"{department}/{unit.name}" if department else unit.name
        ids = [saved.id for saved in result.saved]
        elsewhere = session.execute(
            select(Declaration.name, Declaration.department, Declaration.unit).where(
                Declaration.id.in_(ids),
                or_(Declaration.organisation_id.is_(None), Declaration.organisation_id != unit.id))
            .order_by(Declaration.id).limit(1)).first()
        # A new version of a declaration must not take it from another unit (same unit name, other 主管部门).
        updated = [(saved.id, saved.version - 1) for saved in result.saved if saved.outcome == "updated"]
        before = [session.execute(select(DeclarationVersion.name, DeclarationVersion.department,
                                         DeclarationVersion.unit)
                                  .where(DeclarationVersion.declaration_id == ident,
                                         DeclarationVersion.number == number)).one()
                  for ident, number in updated]
        taken = next((row for row in before if (row.department, row.unit) != (department, unit.name)), None)
        found = elsewhere or taken
        if found is not None:
            theirs = "/".join(part for part in (found.department, found.unit) if part) or "未写明单位"
            raise OtherUnit(f"项目「{found.name or '（无名称）'}」属于「{theirs}」，不是您的单位「{own}」："
                            "您只能导入本单位的申报表；本文件未导入")


def _record_failure(session_factory: sessionmaker[Session], actor: Actor, name: str, message: str) -> None:
    """The audit entry of a file that failed (its transaction rolled back: written in one of its own)."""
    with session_factory() as session, session.begin():
        record(session, actor, "declaration.import", object_type="file", object_id=name, outcome="failed",
               details={"file": name, "error": message, "status": "draft"})


def import_one(name: str, data: bytes, session_factory: sessionmaker[Session], actor: Actor) -> FileResult:
    """Import one file in its own transaction as ``actor``; on success, with the ids of its declarations."""
    (done,) = import_uploads([(name, data)], session_factory, on_saved=UnitHook(actor)).files
    if done.error is not None:
        _record_failure(session_factory, actor, name, done.error)
        return FileResult(name, "failed", message=done.error)
    new, updated, unchanged = (done.count(o) for o in ("new", "updated", "unchanged"))
    declarations = {s.id: {"id": s.id, "name": s.name, "version": s.version} for s in done.saved}
    return FileResult(name, _status(new, updated), new, updated, unchanged,
                      declarations=list(declarations.values()), warnings=done.warnings)


async def _import_all(files: Iterable[UploadFile], session_factory: sessionmaker[Session],
                      actor: Actor) -> UploadResult:
    results = []
    for upload in files:
        name = safe_file_name(upload.filename)
        content_type = _media_type(upload.content_type)
        if content_type not in ACCEPTED_TYPES:
            message = (f"{name}: 不支持的文件类型 {content_type}；"
                       "请上传 .txt 文本、.json、Excel（.xlsx、.xls）、Word（.docx）、PDF "
                       "或网页（.html）文件")
            await run_in_threadpool(_record_failure, session_factory, actor, name, message)
            results.append(FileResult(name, "failed", message=message))
            continue
        data = await upload.read()  # at most the file limit: the parser refused anything larger
        results.append(await run_in_threadpool(import_one, name, data, session_factory, actor))
    return UploadResult(results)


async def receive_upload(request: Request, limits: Limits) -> UploadResult:
    """Read the multipart body of ``request`` and import its files; :class:`UploadRefused` if it cannot,
    HTTP 403 if a browser session sent no valid CSRF token (header or ``csrf_token`` field)."""
    _check_headers(request, limits)
    form = await _parse(request, limits)
    try:
        who = principal(request)
        if request.headers.get(CSRF_HEADER) is None:  # else auth.identify has checked the header
            field_value = form.get(CSRF_FIELD)
            check_csrf(who, field_value if isinstance(field_value, str) else None)
        return await _import_all(_chosen_files(form), request.app.state.session_factory, who.actor)
    finally:
        await form.close()


# --- Routes --------------------------------------------------------------------------------------

_MULTIPART_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": [FIELD],
    "properties": {FIELD: {"type": "array", "items": {"type": "string", "format": "binary"},
                           "description": ".txt, .json, .xlsx/.xls, .docx, .pdf or .html files of "
                                          "performance-target forms"}}}}}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": f'`{{"error": {{"status": {status}, "code": "{ERROR_CODES[status]}", '
                           f'"message": …}}}}`'}
    for status in (400, 401, 403, 413, 415, 422)}


@api_router.post("/import", summary="Import uploaded files (multipart `files`), each in its own transaction",
                 openapi_extra=_MULTIPART_BODY, responses=_ERRORS,
                 dependencies=[needs(Permission.IMPORT, multipart=True)])
async def import_route(request: Request) -> dict[str, Any]:
    """``{"new", "updated", "unchanged", "failed": [{"file", "message"}], "files": [{"file", "status",
    "new", "updated", "unchanged", "message", "declarations": [{"id", "name", "version"}], "warnings"}]}``
    (``warnings``: what the reader guessed, ``file:line: message``)."""
    try:
        result = await receive_upload(request, Limits.from_env())
    except UploadRefused as err:
        raise HTTPException(err.status, err.message) from None
    return result.json()


def _page(request: Request, limits: Limits, *, result: UploadResult | None = None,
          error: str | None = None, status: int = 200) -> Response:
    return templates.TemplateResponse(request, "upload.html", {
        "title": "上传", "limits": limits, "result": result, "error": error,
        "max_file_size": size_text(limits.file_bytes)}, status_code=status)


@page_router.get("/upload", dependencies=[needs(Permission.IMPORT)])
def upload_page(request: Request) -> Response:
    return _page(request, Limits.from_env())


@page_router.post("/upload", dependencies=[needs(Permission.IMPORT, multipart=True)])
async def upload_form(request: Request) -> Response:
    """The form posted without JavaScript: the same import, its summary rendered on the page."""
    limits = Limits.from_env()
    try:
        result = await receive_upload(request, limits)
    except UploadRefused as err:
        # As everywhere in the pages, a bad parameter is a 400 page (the API says 422).
        return _page(request, limits, error=err.message, status=400 if err.status == 422 else err.status)
    return _page(request, limits, result=result)
