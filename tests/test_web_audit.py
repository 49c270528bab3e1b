"""The audit administrator's pages (jixiao.web.auditing): who may read the log, filters and pages, the
export (CSV, JSON Lines that verify offline), 校验 before and after tampering.

On a SQLite file and a PostgreSQL schema of its own, with the users of test_web_workflow. Tampering is
done as tests/test_audit.py does it: the append-only triggers dropped, then raw SQL.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from jixiao.audit import record, verify_export
from jixiao.roles import Actor

from .test_audit import tamper
from .test_web_workflow import World, build_world

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(database: str, fast_hashing) -> Iterator[World]:
    built = build_world(database)
    yield built
    built.app.state.engine.dispose()


@pytest.fixture
def fresh(url: str, fast_hashing) -> Iterator[World]:
    """A world of its own: the tampering test drops the log's triggers."""
    built = build_world(url)
    yield built
    built.app.state.engine.dispose()


def fill(world: World, actor: str, count: int, *, start: datetime = T0, action: str = "declaration.update",
         outcome: str = "ok") -> None:
    """``count`` entries by ``actor``, a day apart from ``start``, on declarations 1, 2, 3 …"""
    with world.sessions.begin() as session:
        for i in range(count):
            record(session, Actor(username=actor), action, object_type="declaration", object_id=i + 1,
                   outcome=outcome, now=start + timedelta(days=i))


def _rows(html: str) -> list[int]:
    """The entry numbers listed on an audit page, in order."""
    return [int(n) for n in re.findall(r'<tr id="entry-(\d+)"', html)]


def _api(world: World, **params) -> dict:
    response = world["shenji"].client.get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_only_the_audit_administrator_reads_the_log(world):
    for path in ("/audit", "/audit?verify=1", "/audit/export?format=csv", "/api/v1/audit"):
        assert world["shenji"].client.get(path).status_code == 200, path
        for other in ("sysadmin", "secadmin", "caizheng", "tianbao"):  # 三员分立: not even the administrators
            assert world[other].client.get(path).status_code == 403, (path, other)
    assert world.public.client.get("/api/v1/audit").status_code == 401
    for path in ("/audit", "/audit/export?format=jsonl"):
        response = world.public.client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert 'id="nav-audit"' in world["shenji"].client.get("/audit").text


def test_filters_and_pages(world):
    fill(world, "rili", 5)  # 2025-01-01 … 2025-01-05, declarations 1 … 5
    fill(world, "rili", 1, start=T0 + timedelta(days=10), action="declaration.export", outcome="denied")
    fill(world, "fenye", 60)

    assert [e["object_id"] for e in _api(world, actor="rili", action="declaration.update")["items"]] == [
        "5", "4", "3", "2", "1"]  # newest first
    assert _api(world, actor="rili", action="declaration.*")["count"] == 6
    denied = _api(world, actor="rili", outcome="denied")["items"]
    assert [e["action"] for e in denied] == ["declaration.export"]
    assert [e["object_id"] for e in _api(world, actor="rili", since="2025-01-02", until="2025-01-04")[
        "items"]] == ["4", "3", "2"]  # both days included (UTC)
    found = _api(world, actor="rili", object_type="declaration", object_id="3")["items"]
    assert [(e["actor"], e["at"]) for e in found] == [("rili", "2025-01-03T12:00:00+00:00")]
    assert sorted(found[0]) == ["action", "action_title", "actor", "address", "at", "details", "hash", "id",
                                "object_id", "object_type", "outcome", "prev_hash", "user_id"]
    assert _api(world, actor="nobody")["items"] == []

    # the page: the same filters, 50 a page, the filters kept by the pager
    first = world["shenji"].client.get("/audit", params={"actor": "fenye"}).text
    second = world["shenji"].client.get("/audit", params={"actor": "fenye", "page": 2}).text
    assert (len(_rows(first)), len(_rows(second))) == (50, 10)
    assert _rows(first) == sorted(_rows(first), reverse=True) and max(_rows(second)) < min(_rows(first))
    assert "第 1 / 2 页" in first and "actor=fenye&amp;page=2" in first
    assert 'id="audit-count">60<' in first
    page = world["shenji"].client.get("/audit", params={"actor": "rili", "since": "2025-01-04", "until": "",
                                                        "action": "declaration.update"}).text
    assert len(_rows(page)) == 2 and 'value="declaration.update" selected' in page
    assert world["shenji"].client.get("/audit", params={"since": "yesterday"}).status_code == 400
    assert world["shenji"].client.get("/api/v1/audit", params={"outcome": "maybe"}).status_code == 422
    assert world["shenji"].client.get("/api/v1/audit", params={"actor": "a\x00"}).status_code == 422
    api = _api(world, actor="fenye", size=25, page=3)
    assert (len(api["items"]), api["count"], api["pages"]) == (10, 60, 3)


def test_the_export_streams_the_whole_log_and_records_itself(world):
    fill(world, "daochu", 3)
    response = world["shenji"].client.get("/audit/export", params={"format": "jsonl"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert re.fullmatch(r'attachment; filename="jixiao-audit-\d{8}T\d{6}Z\.jsonl"',
                        response.headers["content-disposition"])
    lines = response.text.splitlines(keepends=True)
    result = verify_export(lines)
    assert result.ok, result.message
    assert result.count == len(lines) == _api(world)["count"]
    last = _api(world, action="audit.export")["items"][0]
    assert (last["actor"], last["details"]) == ("shenji", {"format": "jsonl", "via": "web"})
    assert f'"id": {last["id"]},' in lines[-1]  # the export contains its own record

    response = world["shenji"].client.get("/audit/export", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeffid,at,actor,user_id,address,action,object_type,object_id,")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == _api(world)["count"]
    assert (rows[-1]["action"], rows[-1]["actor"]) == ("audit.export", "shenji")
    assert world["shenji"].client.get("/audit/export", params={"format": "xml"}).status_code == 400


def test_verify_shows_the_log_intact_then_the_broken_entry(fresh):
    world = fresh
    for name in ("机关服务费", "信息化建设项目"):
        assert world["danwei"].step(world.ids[name], "submit").status_code == 303
    fill(world, "rili", 3)
    page = world["shenji"].client.get("/audit", params={"verify": 1}).text
    assert 'data-ok="true"' in page and "审计日志完整: 5 条" in page
    assert re.search(r'id="audit-checkpoint">5:[0-9a-f]{64}<', page)

    tamper(world.app.state.engine, "UPDATE audit_entry SET details = :details WHERE id = 2",
           details='{"action":"withdraw"}')
    page = world["shenji"].client.get("/audit", params={"verify": 1}).text
    assert 'data-ok="false"' in page
    assert "审计日志第 2 条被篡改: 内容与其哈希不符" in page
    broken = page[page.index('id="audit-broken"'):page.index("</table>", page.index('id="audit-broken"'))]
    assert "第 2 条" in broken and "danwei" in broken and "withdraw" in broken
    assert '<tr id="entry-2" class="has-findings">' in page
    # the export shows it too, offline
    lines = world["shenji"].client.get("/audit/export").text.splitlines(keepends=True)
    result = verify_export(lines)
    assert (result.ok, result.entry_id) == (False, 2)
