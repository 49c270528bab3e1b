"""Importing uploads: POST /api/v1/import and the 上传 page, on SQLite and PostgreSQL.

The database is shared by the module (both seeds imported and published), so no test changes a seed
declaration: a test that adds or updates a project makes one of its own, named with a fresh tag. The
client is the 财政审核人, who may import any unit's forms; what unit users may import is
tests/test_web_access.py's.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES, SEED_2020, SEED_2024
from tests.conftest import zip_bomb as build_zip_bomb

API = "/api/v1/import"
FORM_TITLE = "财政项目支出绩效目标申报表"
FIRST_NAME = "遗体 and 人体器官捐献工作专项经费"
FIRST_TARGET = "=3000.00(份)"


def first_form(name: str) -> str:
    """The first form of the 2024 seed, its project renamed ``name``."""
    text = SEED_2024.read_text(encoding="utf-8")
    form = FORM_TITLE + text.split(FORM_TITLE)[1]
    assert FIRST_NAME in form and FIRST_TARGET in form
    return form.replace(FIRST_NAME, name)


@pytest.fixture(scope="module")
def client(login_as) -> TestClient:
    """The 财政审核人: imports the forms of every unit (both seeds' included) and sees the drafts made."""
    return login_as("finance")


def fresh_name() -> str:
    return f"上传测试项目{uuid.uuid4().hex[:8]}"


def upload(client: TestClient, *files: tuple[str, bytes | str, str]):
    parts = [("files", (name, data.encode() if isinstance(data, str) else data, content_type))
             for name, data, content_type in files]
    return client.post(API, files=parts)


def store_state(client: TestClient) -> tuple[int, int]:
    """(declarations, versions) in the store: the latest version numbers add up to all versions."""
    count, versions, page = 0, 0, 1
    while True:
        body = client.get("/api/v1/declarations", params={"size": 200, "page": page}).json()
        count, versions = body["count"], versions + sum(item["version"] for item in body["items"])
        if page >= body["pages"]:
            return count, versions
        page += 1


def assert_error(response, status: int, code: str) -> str:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"error": {"status": status, "code": code,
                                         "message": response.json()["error"]["message"]}}
    return response.json()["error"]["message"]


def test_a_seed_uploaded_again_is_unchanged(client):
    before = store_state(client)
    response = upload(client, (SEED_2020.name, SEED_2020.read_bytes(), "text/plain"))
    assert response.status_code == 200
    body = response.json()
    assert (body["new"], body["updated"], body["unchanged"], body["failed"]) == (0, 0, 3, [])
    [entry] = body["files"]
    assert (entry["file"], entry["status"], entry["message"]) == (SEED_2020.name, "unchanged", None)
    assert len(entry["declarations"]) == 3
    assert entry["warnings"] == []
    assert store_state(client) == before


def test_the_readers_warnings_come_with_their_file(client):
    body = upload(client, (SEED_2024.name, SEED_2024.read_bytes(), "text/plain")).json()
    [entry] = body["files"]
    assert entry["status"] == "unchanged" and len(entry["warnings"]) == 4
    assert entry["warnings"][0].startswith(f"{SEED_2024.name}:325: indicator「举办高校秘书长培训期数」")


def test_a_new_project_is_new_and_its_id_leads_to_it(client):
    name = fresh_name()
    before = store_state(client)
    body = upload(client, ("new.txt", first_form(name), "text/plain")).json()
    assert (body["new"], body["updated"], body["unchanged"], body["failed"]) == (1, 0, 0, [])
    [entry] = body["files"]
    assert entry["status"] == "new"
    [decl] = entry["declarations"]
    assert (decl["name"], decl["version"]) == (name, 1)
    assert client.get(f"/api/v1/declarations/{decl['id']}").json()["name"] == name
    assert store_state(client) == (before[0] + 1, before[1] + 1)


def test_a_changed_document_becomes_a_new_version(client):
    name = fresh_name()
    first = upload(client, ("v1.txt", first_form(name), "text/plain")).json()["files"][0]
    declaration_id = first["declarations"][0]["id"]
    changed = first_form(name).replace(FIRST_TARGET, "=3100.00(份)")
    body = upload(client, ("v2.txt", changed, "text/plain")).json()
    assert (body["new"], body["updated"], body["unchanged"]) == (0, 1, 0)
    assert body["files"][0]["status"] == "updated"
    assert body["files"][0]["declarations"] == [{"id": declaration_id, "name": name, "version": 2}]
    versions = client.get(f"/api/v1/declarations/{declaration_id}/versions").json()["versions"]
    assert [(v["number"], v["source"]) for v in versions] == [(1, "v1.txt"), (2, "v2.txt")]
    latest = client.get(f"/api/v1/declarations/{declaration_id}").json()
    assert latest["version"] == 2
    assert "=3100.00(份)" in [ind["target_raw"] for ind in latest["indicators"]]
    again = upload(client, ("v2-again.txt", changed, "text/plain")).json()
    assert again["files"][0]["status"] == "unchanged"


@pytest.mark.parametrize(("name", "data", "content_type", "expected"), [
    ("notes.txt", "会议纪要\n今天讨论了预算。\n", "text/plain",
     "notes.txt:1: expected a performance-target form"),
    ("empty.txt", b"", "text/plain", "empty.txt: expected a performance-target form, found an empty file"),
    ("blob.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "application/octet-stream",
     "blob.bin:3: expected a text file, found binary data (a NUL byte)"),
    ("photo.png", b"\x89PNG\r\n", "image/png", "photo.png: 不支持的文件类型 image/png"),
    ("broken.json", '{"项目名称": ', "application/json", "broken.json:1"),
])
def test_a_file_that_cannot_be_read_fails_alone_and_stores_nothing(client, name, data, content_type,
                                                                   expected):
    before = store_state(client)
    response = upload(client, (name, data, content_type))
    assert response.status_code == 200
    body = response.json()
    assert (body["new"], body["updated"], body["unchanged"]) == (0, 0, 0)
    [failed] = body["failed"]
    assert failed["file"] == name and failed["message"].startswith(expected)
    assert body["files"] == [{"file": name, "status": "failed", "new": 0, "updated": 0, "unchanged": 0,
                              "message": failed["message"], "declarations": [], "warnings": []}]
    assert store_state(client) == before


OOXML = "application/vnd.openxmlformats-officedocument"


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A 100 MB run of zeros deflated into a zip of about 100 KB, with the names of an XLSX file."""
    types = {"[Content_Types].xml": '<?xml version="1.0"?><Types/>'}
    data = build_zip_bomb(types, "xl/worksheets/sheet1.xml", 100)
    assert len(data) < 1 << 20
    return data


NOT_A_WORKBOOK = "expected an Excel workbook (a package with xl/workbook.xml)"


@pytest.mark.parametrize(("name", "content_type", "expected"), [
    ("bomb.xlsx", f"{OOXML}.spreadsheetml.sheet", NOT_A_WORKBOOK),
    ("bomb.docx", f"{OOXML}.wordprocessingml.document",
     "expected a Word document (.docx) whose parts unpack to at most 64 MiB"),
    ("bomb.xlsx", "application/octet-stream", NOT_A_WORKBOOK),
])
def test_a_zip_bomb_fails_alone_and_stores_nothing(client, zip_bomb, name, content_type, expected):
    """XLSX and DOCX are zip files: one that inflates to 100 MB is refused like any file that is not a
    form, not unpacked into memory; the store is unchanged."""
    before = store_state(client)
    body = upload(client, (name, zip_bomb, content_type)).json()
    [failed] = body["failed"]
    assert failed["file"] == name and failed["message"].startswith(f"{name}: {expected}")
    assert (body["new"], body["updated"], body["unchanged"]) == (0, 0, 0)
    assert store_state(client) == before


def test_each_file_is_its_own_transaction(client):
    name = fresh_name()
    half_broken = first_form(name) + "\n" + FORM_TITLE + "\n(2024年度)\n项目名称\t半张表\n"
    body = upload(client, (SEED_2024.name, SEED_2024.read_bytes(), "text/plain"),
                  ("half.txt", half_broken, "text/plain"),
                  ("new.txt", first_form(name + "乙"), "")).json()
    assert (body["new"], body["updated"], body["unchanged"]) == (1, 0, 16)
    assert [(f["file"], f["status"]) for f in body["files"]] == [
        (SEED_2024.name, "unchanged"), ("half.txt", "failed"), ("new.txt", "new")]
    assert body["failed"][0]["message"].startswith("half.txt:")
    assert client.get("/api/v1/declarations", params={"q": name}).json()["count"] == 1  # only 乙


def test_a_file_name_keeps_only_its_last_part(client):
    body = upload(client, ("../../etc\\dir/seed.txt", SEED_2020.read_bytes(), "text/plain")).json()
    assert body["files"][0]["file"] == "seed.txt"


def test_a_file_over_the_limit_is_a_413_naming_it_and_nothing_is_stored(client, monkeypatch):
    monkeypatch.setenv("JIXIAO_MAX_UPLOAD_BYTES", "4000")
    name = fresh_name()
    before = store_state(client)
    response = upload(client, ("small.txt", first_form(name), "text/plain"),
                      (SEED_2024.name, SEED_2024.read_bytes(), "text/plain"))
    message = assert_error(response, 413, "payload_too_large")
    assert message.startswith(f"{SEED_2024.name}: 文件超过大小上限 3.9 KB")
    assert store_state(client) == before
    assert client.get("/api/v1/declarations", params={"q": name}).json()["count"] == 0


MULTIPART = {"content-type": "multipart/form-data; boundary=XX"}


def multipart(*files: tuple[str, bytes]) -> bytes:
    """A multipart body of ``files`` parts, with the boundary ``XX``."""
    parts = [b'--XX\r\nContent-Disposition: form-data; name="files"; filename="%s"\r\n'
             b"Content-Type: text/plain\r\n\r\n%s\r\n" % (name.encode(), data) for name, data in files]
    return b"".join(parts) + b"--XX--\r\n"


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_a_request_over_the_total_limit_is_a_413(client, monkeypatch, streamed):
    monkeypatch.setenv("JIXIAO_MAX_UPLOAD_BYTES", str(600 * 1024))
    monkeypatch.setenv("JIXIAO_MAX_REQUEST_BYTES", "1")  # raised to one file of the limit plus 1 MB
    before = store_state(client)
    body = multipart(*[(f"{i}.txt", b"x" * 590 * 1024) for i in range(3)])
    content = (body[i:i + 65536] for i in range(0, len(body), 65536)) if streamed else body
    response = client.post(API, content=content, headers=MULTIPART)
    assert assert_error(response, 413, "payload_too_large").startswith("上传内容超过总大小上限 1.6 MB")
    assert store_state(client) == before


def test_more_than_100_files_is_a_413(client):
    before = store_state(client)
    response = upload(client, *[(f"{i}.txt", "x", "text/plain") for i in range(101)])
    assert "一次最多上传 100 个文件" in assert_error(response, 413, "payload_too_large")
    assert store_state(client) == before


def test_a_body_that_is_not_multipart_is_a_415(client):
    before = store_state(client)
    assert "multipart/form-data" in assert_error(client.post(API, json={"files": ["a.txt"]}), 415,
                                                  "unsupported_media_type")
    assert_error(client.post(API, data={"files": "a.txt"}), 415, "unsupported_media_type")
    assert_error(client.post(API, content=SEED_2020.read_bytes(), headers={"content-type": "text/plain"}),
                 415, "unsupported_media_type")
    assert_error(client.post(API), 415, "unsupported_media_type")
    assert store_state(client) == before


def test_a_form_without_files_is_a_422(client):
    no_choice = multipart(("", b""))  # what a browser sends when no file was chosen
    response = client.post(API, content=no_choice, headers=MULTIPART)
    assert "没有收到文件" in assert_error(response, 422, "invalid_parameter")
    other_field = client.post(API, files=[("document", ("a.txt", b"x", "text/plain"))])
    assert "没有收到文件" in assert_error(other_field, 422, "invalid_parameter")
    text_field = client.post(API, data={"files": "a.txt"}, files=[("other", ("a.txt", b"x", "text/plain"))])
    assert "应为文件" in assert_error(text_field, 422, "invalid_parameter")


def test_a_broken_multipart_body_is_a_400(client):
    no_boundary = client.post(API, content=b"--XX\r\n", headers={"content-type": "multipart/form-data"})
    assert assert_error(no_boundary, 400, "bad_request").startswith("无法解析上传的表单")


def test_the_import_route_is_in_the_api_document(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/import"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]


# --- The page -------------------------------------------------------------------------------------


def test_the_upload_page_has_the_form_the_script_and_the_limits(client, monkeypatch):
    monkeypatch.delenv("JIXIAO_MAX_UPLOAD_BYTES", raising=False)
    response = client.get("/upload")
    assert response.status_code == 200
    html = response.text
    for fragment in ('<input type="file" name="files" id="files" multiple', 'id="upload-button"',
                     'id="upload-progress"', 'id="upload-summary" data-state="empty" hidden',
                     'enctype="multipart/form-data"', 'data-api="/api/v1/import"',
                     'data-max-bytes="20971520"', "20 MB", "/static/upload.js", "/static/upload.css"):
        assert fragment in html
    assert client.get("/static/upload.js").status_code == 200
    assert client.get("/static/upload.css").status_code == 200


def test_the_form_posted_without_javascript_shows_the_summary(client):
    name = fresh_name()
    response = client.post("/upload", files=[
        ("files", (SEED_2020.name, SEED_2020.read_bytes(), "text/plain")),
        ("files", ("new.txt", first_form(name).encode(), "text/plain")),
        ("files", ("notes.txt", "不是申报表".encode(), "text/plain"))])
    assert response.status_code == 200
    html = response.text
    assert 'id="upload-summary" data-state="done"' in html
    for key, value in (("new", 1), ("updated", 0), ("unchanged", 3), ("failed", 1)):
        assert f'<strong id="summary-{key}">{value}</strong>' in html
    assert html.count('data-status="unchanged"') == 1 and html.count('data-status="failed"') == 1
    assert "notes.txt:1: expected a performance-target form" in html
    declaration_id = client.get("/api/v1/declarations", params={"q": name}).json()["items"][0]["id"]
    assert f'<a href="/declarations/{declaration_id}">{name}</a>' in html


def test_the_page_shows_a_refused_upload_with_its_status(client, monkeypatch):
    not_form = client.post("/upload", data={"x": "1"})
    assert not_form.status_code == 415 and 'id="upload-error"' in not_form.text
    assert "multipart/form-data" in not_form.text
    no_files = client.post("/upload", files=[("other", ("a.txt", b"x", "text/plain"))])
    assert no_files.status_code == 400 and "没有收到文件" in no_files.text
    monkeypatch.setenv("JIXIAO_MAX_UPLOAD_BYTES", "100")
    before = store_state(client)
    too_big = client.post("/upload", files=[("files", ("big.txt", b"x" * 101, "text/plain"))])
    assert too_big.status_code == 413 and "big.txt: 文件超过大小上限 100 字节" in too_big.text
    assert store_state(client) == before


# --- Who imports what --------------------------------------------------------------------------------


def _logged_imports(client: TestClient, file: str) -> list[tuple[str, str, dict]]:
    from jixiao.audit import entries

    with client.app.state.session_factory() as session:
        return [(e.actor, e.outcome, e.details_value())
                for e in reversed(entries(session, action="declaration.import", object_id=file))]


def test_a_unit_user_imports_its_own_units_forms_as_drafts(client, login_as):
    filler = login_as("filler")  # of 上海市红十字会, the 2024 seed's unit
    name = fresh_name()
    file = f"{name}.txt"
    body = upload(filler, (file, first_form(name), "text/plain")).json()
    assert (body["new"], body["failed"]) == (1, [])
    declaration_id = body["files"][0]["declarations"][0]["id"]
    assert filler.get(f"/api/v1/declarations/{declaration_id}").json()["status"] == "draft"
    assert TestClient(client.app).get(f"/api/v1/declarations/{declaration_id}").status_code == 404  # a draft
    assert _logged_imports(client, file) == [("filler", "ok", {
        "file": file, "new": 1, "updated": 0, "unchanged": 0, "status": "draft", "status_changed": 0})]


def test_a_file_of_another_unit_fails_whole_for_a_unit_user(client, login_as):
    other = login_as("otherfiller")  # of 上海市红十字事务中心
    before = store_state(client)
    name = fresh_name()
    body = upload(other, ("mine-and-theirs.txt", first_form(name), "text/plain"),
                  (SEED_2020.name, SEED_2020.read_bytes(), "text/plain")).json()
    [failed] = body["failed"]
    assert failed["file"] == "mine-and-theirs.txt"
    assert failed["message"] == (f"mine-and-theirs.txt: 项目「{name}」属于「上海市红十字会/上海市红十字会」，"
                                 "不是您的单位「上海市红十字事务中心」：您只能导入本单位的申报表；本文件未导入")
    assert body["files"][1]["status"] == "unchanged"  # its own unit's seed
    assert store_state(client) == before
    assert _logged_imports(client, "mine-and-theirs.txt")[-1][:2] == ("otherfiller", "failed")


def test_a_new_version_of_a_published_declaration_is_refused(client, login_as):
    filler = login_as("filler")
    changed = SEED_2024.read_text(encoding="utf-8").replace(FIRST_TARGET, "=3300.00(份)")
    before = store_state(client)
    body = upload(filler, ("revised.txt", changed, "text/plain")).json()
    [failed] = body["failed"]
    assert "当前为「已公开」，已锁定" in failed["message"]
    assert store_state(client) == before


def test_a_reviewer_without_import_rights_cannot_upload(login_as):
    reviewer = login_as("deptreviewer")
    assert reviewer.get("/upload").status_code == 403
    response = upload(reviewer, ("x.txt", first_form(fresh_name()), "text/plain"))
    assert assert_error(response, 403, "forbidden")


@pytest.mark.parametrize(("sample", "content_type"), [
    ("shanghai-2024.docx", f"{OOXML}.wordprocessingml.document"),
    ("shanghai-2024.html", "text/html"),
    ("pdf/libreoffice-2024.pdf", "application/pdf"),
])
def test_word_pdf_and_web_pages_upload_as_the_same_declarations(client, sample, content_type):
    """The seeds written as Word, a web page and a PDF printed by LibreOffice (tests/fixtures/layouts)
    read to the declarations already stored from the text: nothing new, nothing changed."""
    path = FIXTURES / "layouts" / sample
    before = store_state(client)
    body = upload(client, (path.name, path.read_bytes(), content_type)).json()
    assert body["failed"] == [] and body["new"] == body["updated"] == 0 and body["unchanged"] >= 1
    assert store_state(client) == before
