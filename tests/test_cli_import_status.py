"""``jixiao import --status draft|published``: the workflow status of what an import stores, the edit lock
for re-imports, and the audit log entry of each file. On SQLite and on PostgreSQL.

The 2024 seed holds 16 declarations, the 2020 seed 3. Changing "=3000.00(份)" in the 2024 seed
changes one declaration, 遗体 and 人体器官捐献工作专项经费 (as tests/test_store.py does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jixiao.audit import entries, verify
from jixiao.cli import cli
from jixiao.roles import SYSTEM
from jixiao.store import db
from jixiao.store.models import Declaration
from jixiao.workflow import Transition, set_status

from .conftest import SEED_2020, SEED_2024, postgres_schema

DONOR = "遗体 and 人体器官捐献工作专项经费"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jixiao.sqlite3'}"
        return
    with postgres_schema("jixiao_import_status") as schema_url:
        yield schema_url


@pytest.fixture
def sessions(url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(url)
    db.upgrade(engine)
    yield db.session_factory(engine)
    engine.dispose()


def jixiao_import(url: str, *args: str | Path):
    """``jixiao import ARGS`` (one process: -j 1, the reader's warnings not printed) on ``url``."""
    return CliRunner().invoke(cli, ["import", "-q", "-j", "1", "--database-url", url, *map(str, args)])


def changed(tmp_path: Path, amount: str) -> Path:
    """The 2024 seed with DONOR's first target changed to ``amount``."""
    original = SEED_2024.read_text(encoding="utf-8")
    assert original.count("=3000.00(份)") == 1
    path = tmp_path / f"changed-{amount}.txt"
    path.write_text(original.replace("=3000.00(份)", f"={amount}(份)"), encoding="utf-8")
    return path


def statuses(sessions) -> dict[str, int]:
    with sessions() as session:
        found = session.execute(select(Declaration.status, func.count()).group_by(Declaration.status))
        return dict(found.all())


def donor(sessions) -> tuple[int, str, int]:
    with sessions() as session:
        row = session.execute(select(Declaration.id, Declaration.status, Declaration.latest_version)
                              .where(Declaration.name == DONOR)).one()
    return tuple(row)


def imports(sessions) -> list[tuple]:
    """The audit log's ``declaration.import`` entries, oldest first: (actor, outcome, file name, details)."""
    with sessions() as session:
        found = entries(session, action="declaration.import", limit=100)
        assert verify(session).ok
    return [(e.actor, e.outcome, Path(e.object_id).name,
             {k: v for k, v in e.details_value().items() if k != "file"}) for e in reversed(found)]


def transitions(sessions, declaration_id: int | None = None) -> list[tuple]:
    query = select(Transition).order_by(Transition.id)
    if declaration_id is not None:
        query = query.where(Transition.declaration_id == declaration_id)
    with sessions() as session:
        return [(t.action, t.from_status, t.to_status, t.actor) for t in session.scalars(query)]


def test_imported_declarations_are_drafts_by_default_and_each_file_is_logged(url, sessions):
    result = jixiao_import(url, SEED_2024, SEED_2020)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["新增 19, 更新 0, 未变 0, 失败 0",
                                          "文件：读取 2（其中有警告 1），失败 0，跳过 0"]
    assert statuses(sessions) == {"draft": 19}
    assert transitions(sessions) == []
    counts = {"new": 16, "updated": 0, "unchanged": 0, "status": "draft", "status_changed": 0}
    assert imports(sessions) == [
        ("system", "ok", SEED_2024.name, counts),
        ("system", "ok", SEED_2020.name, counts | {"new": 3}),
    ]


def test_status_published_publishes_every_declaration_of_the_files(url, sessions):
    assert jixiao_import(url, SEED_2020).exit_code == 0  # 3 drafts first
    result = jixiao_import(url, "--status", "published", SEED_2024, SEED_2020)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["改为已公开 19 个项目", "新增 16, 更新 0, 未变 3, 失败 0",
                                         "文件：读取 2（其中有警告 1），失败 0，跳过 0"]
    assert statuses(sessions) == {"published": 19}
    assert transitions(sessions) == [("import", "draft", "published", "system")] * 19
    # again: nothing to change, nothing recorded as a step, the files logged all the same (make run twice)
    result = jixiao_import(url, "--status", "published", SEED_2024, SEED_2020)
    assert result.output.splitlines() == ["改为已公开 0 个项目", "新增 0, 更新 0, 未变 19, 失败 0",
                                         "文件：读取 2（其中有警告 1），失败 0，跳过 0"]
    assert len(transitions(sessions)) == 19
    assert [(name, d["status"], d["status_changed"]) for _, _, name, d in imports(sessions)] == [
        (SEED_2020.name, "draft", 0), (SEED_2024.name, "published", 16), (SEED_2020.name, "published", 3),
        (SEED_2024.name, "published", 0), (SEED_2020.name, "published", 0)]


def test_a_new_version_of_a_locked_declaration_is_refused_unless_published(url, sessions, tmp_path):
    assert jixiao_import(url, SEED_2024).exit_code == 0
    ident = donor(sessions)[0]
    with sessions.begin() as session:
        set_status(session, [ident], "submitted", SYSTEM)

    # the changed form is refused, the whole file; the other file is imported
    first = changed(tmp_path, "3500.00")
    result = jixiao_import(url, first, SEED_2020)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == ["新增 3, 更新 0, 未变 0, 失败 1",
                                          "文件：读取 1（其中有警告 0），失败 1，跳过 0"]
    message = (f"{first}: 项目「{DONOR}」（编号 {ident}）当前为「已提交」，已锁定：本文件带来的新版本未导入"
               "（整个文件未导入）；须退回后再导入，或用 --status published 导入并直接公开")
    assert result.stderr.splitlines() == [f"jixiao: error: {message}"]
    assert donor(sessions) == (ident, "submitted", 1)
    assert imports(sessions)[-2:] == [
        ("system", "failed", first.name, {"error": message, "status": "draft"}),
        ("system", "ok", SEED_2020.name, {"new": 3, "updated": 0, "unchanged": 0, "status": "draft",
                                          "status_changed": 0})]

    # the same content again is not a new version: nothing to refuse
    assert jixiao_import(url, SEED_2024).output.splitlines() == [
        "新增 0, 更新 0, 未变 16, 失败 0", "文件：读取 1（其中有警告 1），失败 0，跳过 0"]

    # --status published stores it and publishes the file's declarations, the locked one included
    result = jixiao_import(url, "--status", "published", first)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["改为已公开 16 个项目", "新增 0, 更新 1, 未变 15, 失败 0",
                                         "文件：读取 1（其中有警告 1），失败 0，跳过 0"]
    assert donor(sessions) == (ident, "published", 2)
    assert transitions(sessions, ident) == [("import", "draft", "submitted", "system"),  # the set-up
                                            ("import", "submitted", "published", "system")]

    # and a published one is locked as well
    second = changed(tmp_path, "3600.00")
    result = jixiao_import(url, second)
    assert result.exit_code == 2 and "当前为「已公开」，已锁定" in result.stderr
    assert donor(sessions) == (ident, "published", 2)


def test_a_returned_declaration_takes_the_new_version_and_stays_returned(url, sessions, tmp_path):
    assert jixiao_import(url, SEED_2024).exit_code == 0
    ident = donor(sessions)[0]
    with sessions.begin() as session:
        set_status(session, [ident], "returned", SYSTEM)
    result = jixiao_import(url, changed(tmp_path, "3500.00"))
    assert result.exit_code == 0, result.output
    assert donor(sessions) == (ident, "returned", 2)


def test_an_unknown_status_is_a_usage_error(url, sessions):
    result = jixiao_import(url, "--status", "approved", SEED_2020)
    assert result.exit_code == 2 and "'approved' is not one of 'draft', 'published'" in result.output
    assert statuses(sessions) == {}
